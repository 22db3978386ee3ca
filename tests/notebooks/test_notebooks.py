"""Every notebook is a synced md/ipynb pair without outputs, and runs top to bottom cleanly."""

from __future__ import annotations

import re

import jupytext
import pytest

from scripts.nbrun import problems
from tests.support.project import executed, notebook_paths

MARKDOWN = notebook_paths()
IPYNB = notebook_paths(".ipynb")


def test_there_are_notebooks():
    assert len(MARKDOWN) >= 1


@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_pair_in_sync(md):
    twin = md.with_suffix(".ipynb")
    assert twin.exists(), f"{md.name} has no {twin.name}: run jupytext --sync {md}"
    a, b = jupytext.read(md), jupytext.read(twin)
    cells_a = [(c.cell_type, c.source.strip(), c.metadata) for c in a.cells]
    cells_b = [(c.cell_type, c.source.strip(), c.metadata) for c in b.cells]
    assert cells_a == cells_b, f"{md.name} and {twin.name} differ: run jupytext --sync {md}"


@pytest.mark.parametrize("nb", IPYNB, ids=lambda p: p.stem)
def test_ipynb_has_md_twin_and_no_outputs(nb):
    assert nb.with_suffix(".md").exists(), f"{nb.name} has no .md twin"
    notebook = jupytext.read(nb)
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{nb.name} cell {i} carries outputs: clear them"
            assert cell.get("execution_count") is None, f"{nb.name} cell {i} has a count"


@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_notebook_runs_without_errors_or_warnings(md):
    assert problems(executed(md)) == []


@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_notebook_shape(md):
    """The house style: an opening, a summary, exercises with hidden solutions, slides."""
    nb = jupytext.read(md)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ("What you'll learn", "What you need", "Summary", "Exercises"):
        assert heading in text, f"{md.name} lacks *{heading}*"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.lstrip().startswith("# ")
    slide_types = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
    assert slide_types[0] == "slide", f"{md.name}: the title cell is not a slide"
    assert slide_types.count("slide") >= 3, f"{md.name}: sections need slide metadata"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "skip" in [c.metadata.get("slideshow", {}).get("slide_type") for c in code[:2]], (
        f"{md.name}: the set-up cell should be skipped in slides"
    )
    hidden = [c for c in code if "hide-cell" in c.metadata.get("tags", [])]
    for cell in nb.cells:
        # A solution (code, or a worked pen-and-paper answer in Markdown) is tagged hide-cell and
        # folded; a code solution folds its output too, which JupyterLab shows folded when it opens
        # a notebook with outputs (running the cell unfolds it: see docs/lecture-plan.md).
        folded = cell.metadata.get("jupyter", {})
        is_solution = "hide-cell" in cell.metadata.get("tags", [])
        if is_solution or folded.get("source_hidden") or folded.get("outputs_hidden"):
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            assert is_solution and folded.get("source_hidden") is True, (
                f"{md.name}: a solution needs tags: [hide-cell] and jupyter: "
                f"{{source_hidden: true, outputs_hidden: true}} ({first!r})"
            )
            assert cell.cell_type == "markdown" or folded.get("outputs_hidden") is True, (
                f"{md.name}: the solution {first!r} shows its output: "
                "add outputs_hidden: true to its jupyter metadata"
            )
    # Every solution comes after the Exercises heading, so "Restart Kernel and Run up to Selected
    # Cell" on that heading (the lecture plan's way to prepare a class) leaves all of them unrun.
    exercises = [i for i, c in enumerate(nb.cells) if "## Exercises" in c.source.splitlines()]
    assert exercises, f"{md.name}: no '## Exercises' heading"
    early = [
        c.source.strip()[:40]
        for c in nb.cells[: exercises[0]]
        if "hide-cell" in c.metadata.get("tags", [])
    ]
    assert early == [], f"{md.name}: solutions before the Exercises heading: {early}"
    if md.stem != "00_overview":
        assert len(hidden) >= 2, f"{md.name}: exercises need solutions in hidden cells"
        draws = any(re.search(r"\bplt\.|\bplots\.|_explorer\(", c.source) for c in code[1:])
        if draws:  # a notebook without figures need not load Matplotlib at all
            assert "use_style()" in code[0].source, f"{md.name}: set the figure style first"
    for cell in code:
        assert "sys.path" not in cell.source, f"{md.name}: import the installed gumbel_lib"
        assert "np.random.seed" not in cell.source, f"{md.name}: use an explicit Generator"
