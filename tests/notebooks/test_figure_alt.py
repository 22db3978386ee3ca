"""Every figure says what it shows: alt text from the code to the exported pages.

``gumbel_lib.plots.show(fig, alt=...)`` displays a figure as a PNG whose output carries the
description; the explorers' redraws carry theirs followed by the caption. nbconvert's own
templates drop the description (scripts/templates/figures.html.j2 writes it back).
"""

from __future__ import annotations

import base64

import nbformat
import pytest

from gumbel_lib import plots
from scripts import export
from tests.support.project import executed, notebook_paths

MARKDOWN = notebook_paths()
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
ALT = 'Bars of 3 probabilities: 0.2, 0.3 and 0.5 ("π").'


def test_show_displays_a_png_with_its_description_and_closes_the_figure(monkeypatch):
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    fig, ax = plt.subplots()
    ax.bar([0, 1, 2], [0.2, 0.3, 0.5])
    plots.show(fig, alt=ALT)
    assert not plt.fignum_exists(fig.number), "show() must close the pyplot figure"
    (image,) = shown
    data, meta = image._repr_mimebundle_()
    assert meta == {"image/png": {"alt": ALT}}
    assert base64.b64decode(data["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert 'alt="Bars of 3 probabilities: 0.2, 0.3 and 0.5 (&quot;π&quot;)."' in data["text/html"]
    assert data["text/plain"] == ALT


@pytest.mark.parametrize(
    "alt", ["", "   ", "a plot", "No description has been provided for this image.", None, 3]
)
def test_show_refuses_a_missing_or_placeholder_description(alt):
    fig, _ = plots.figure()
    with pytest.raises((TypeError, ValueError), match="alt"):
        plots.show(fig, alt=alt)


def _notebook(metadata: dict) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("fig")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": PNG}, metadata=metadata)
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), cell]
    return nb


def _alts(body: str) -> list[str | None]:
    from bs4 import BeautifulSoup

    return [img.get("alt") for img in BeautifulSoup(body, "html.parser").find_all("img")]


@pytest.mark.parametrize("kind", ["html", "slides"])
def test_templates_write_the_description_of_a_png(kind):
    urls = export.asset_urls(export.ASSETS / "node_modules", export.ROOT)
    exporter = export._exporter(kind, urls)
    body, _ = exporter.from_notebook_node(_notebook({"image/png": {"alt": ALT}}))
    assert _alts(body) == [ALT]
    # Without a description nbconvert writes its stand-in, which the browser tests reject.
    body, _ = exporter.from_notebook_node(_notebook({}))
    assert _alts(body) == ["No description has been provided for this image"]


def _images(nb) -> list[tuple[int, dict]]:
    """(cell index, output metadata) of every PNG output, the widgets' saved outputs included."""
    found = [
        (i, out.get("metadata", {}))
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    for model in state.get("state", {}).values():
        for out in model.get("state", {}).get("outputs", []):
            if "image/png" in out.get("data", {}):
                found.append((-1, out.get("metadata", {})))
    return found


@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_every_figure_of_a_notebook_has_a_description(md):
    images = _images(executed(md))
    missing = [
        f"cell {i}" if i >= 0 else "an explorer's saved image"
        for i, meta in images
        if len(str(meta.get("image/png", {}).get("alt", "")).split()) < 3
    ]
    assert missing == [], f"{md.stem}: figures without alt text (use gl.plots.show(fig, alt=...))"
