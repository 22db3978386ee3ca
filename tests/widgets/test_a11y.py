"""The explorers for a screen reader: named sliders, described images, a caption per redraw.

In a kernel an explorer displays, with each redraw, its figure as a PNG whose alt text is the
explorer's description followed by the caption, and, once, the script that names the sliders
(gumbel_lib/widgets/_a11y.py). Here the kernel is simulated: ``_in_kernel`` says yes and
``display`` records. The browser tests check the same in JupyterLab and in the exported pages.
"""

from __future__ import annotations

import numpy as np
import pytest

from gumbel_lib.plots import FigureImage
from gumbel_lib.widgets import _core
from gumbel_lib.widgets._a11y import EXPLORER_CLASS, LABEL_SLIDERS_JS
from gumbel_lib.widgets.estimators import estimators_explorer
from gumbel_lib.widgets.gumbel_max import sampling_explorer
from gumbel_lib.widgets.gumbel_softmax import simplex_explorer
from gumbel_lib.widgets.softmax import softmax_explorer
from gumbel_lib.widgets.subsets import subsets_explorer

X = np.array([1.0, 2.0, 0.5])
F = np.array([0.0, 1.0, 4.0])


def build(name: str):
    return {
        "softmax": lambda: softmax_explorer(X),
        "simplex": lambda: simplex_explorer(np.array([0.2, 0.3, 0.5]), n=50, seed=0),
        "estimators": lambda: estimators_explorer(X, F, n=50, seed=0),
        "sampling": lambda: sampling_explorer(np.array([0.2, 0.3, 0.5]), n=100, seed=0),
        "subsets": lambda: subsets_explorer(np.array([1.0, 2.0, 0.5, -1.0]), k=2, seed=0),
    }[name]()


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def shown(monkeypatch):
    """What the explorers display, as if in a kernel."""
    out: list = []
    monkeypatch.setattr(_core, "_in_kernel", lambda: True)
    monkeypatch.setattr(_core, "display", out.append)
    return out


NAMES = ["softmax", "simplex", "estimators", "sampling", "subsets"]


@pytest.mark.parametrize("name", NAMES)
def test_each_redraw_carries_the_description_and_the_caption(shown, name):
    ex = build(name)
    try:
        images = [o for o in shown if isinstance(o, FigureImage)]
        assert len(images) == 1 and ex.alt and images[0].alt == words(f"{ex.alt} {ex.caption}")
        ex.slider.value = ex.slider.value * 10 ** (2 * ex.slider.step)
        images = [o for o in shown if isinstance(o, FigureImage)]
        assert len(images) == 2 and images[1].alt.endswith(words(ex.caption))
        assert images[0].alt != images[1].alt  # the caption (the values) changed
        scripts = [o for o in shown if getattr(o, "data", None) == LABEL_SLIDERS_JS]
        assert len(scripts) == 1, "the slider-naming script is displayed once per explorer"
        assert EXPLORER_CLASS in ex.widget._dom_classes
    finally:
        ex.close()


@pytest.mark.parametrize(
    ("name", "label"),
    [(n, "temperature τ") for n in NAMES if n != "sampling"] + [("sampling", "number of samples")],
)
def test_the_slider_is_named_for_a_screen_reader(name, label):
    ex = build(name)
    try:
        assert ex.slider.tooltip == label
    finally:
        ex.close()


def test_an_explorer_without_a_description_is_refused():
    from gumbel_lib.plots import figure

    fig, _ = figure()
    with pytest.raises(ValueError, match="alt"):
        _core.make_explorer(fig, _core.format_tau, alt="", tau=_core.log_slider(1.0))
