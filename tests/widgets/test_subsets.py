"""The explorer of notebook 10: softmax beside sparsemax, and the relaxed top-k, with τ and k."""

from __future__ import annotations

import numpy as np
import pytest

import gumbel_lib as gl
from gumbel_lib import subsets as sb
from gumbel_lib.widgets.subsets import subsets_explorer

X = np.array([1.0, 2.0, 0.5, -1.0, 0.0, 1.5])


def heights(bars):
    return np.array([b.get_height() for b in bars])


@pytest.fixture
def explorer():
    ex = subsets_explorer(X, k=2, tau=1.0, seed=0)
    yield ex
    ex.close()


def test_initial_state(explorer):
    np.testing.assert_allclose(heights(explorer.soft_bars), gl.softmax(X), rtol=1e-12)
    np.testing.assert_allclose(heights(explorer.sparse_bars), sb.sparsemax(X), rtol=1e-12)
    g = gl.gumbel_noise(6, rng=0)
    np.testing.assert_array_equal(explorer.perturbed, X + g)
    np.testing.assert_allclose(
        heights(explorer.relaxed_bars), sb.relaxed_top_k(X + g, 2, tau=1.0), rtol=1e-12
    )
    assert explorer.caption.startswith("τ = 1.00   k = 2   sparsemax zeros: 4 of 6")


def test_sliders_redraw_in_place(explorer):
    fig = explorer.fig
    ax_p, ax_k = fig.axes
    patches, lines = list(ax_p.patches) + list(ax_k.patches), list(ax_k.lines)
    for tau, k in [(0.05, 1), (0.3, 3), (3.0, 5), (40.0, 2)]:
        explorer.set(tau=tau, k=k)
        np.testing.assert_allclose(heights(explorer.soft_bars), gl.softmax(X, tau=tau), rtol=1e-10)
        sp = sb.sparsemax(X, tau=tau)
        np.testing.assert_allclose(heights(explorer.sparse_bars), sp, rtol=1e-10)
        y = sb.relaxed_top_k(explorer.perturbed, k, tau=tau)
        np.testing.assert_allclose(heights(explorer.relaxed_bars), y, rtol=1e-10)
        assert heights(explorer.relaxed_bars).sum() == pytest.approx(k)
        hard = np.zeros(6)
        hard[np.argsort(-explorer.perturbed)[:k]] = 1
        np.testing.assert_array_equal(explorer.hard_marks.get_ydata(), hard)
        zeros = int((sp == 0).sum())
        gap = np.abs(y - hard).max()
        assert explorer.caption == (
            f"τ = {tau:#.3g}".removesuffix(".") + f"   k = {k}   sparsemax zeros: {zeros} of 6"
            f"   relaxed top-k: largest gap to the hard top-k {gap:.2f}"
        )
        assert list(ax_p.patches) + list(ax_k.patches) == patches and list(ax_k.lines) == lines


def test_the_limits_of_tau(explorer):
    explorer.set(tau=0.01, k=3)
    np.testing.assert_array_equal(heights(explorer.sparse_bars), gl.one_hot(1, 6))
    assert explorer.caption.endswith("hard top-k 0.00")
    explorer.set(tau=100.0)
    assert (heights(explorer.sparse_bars) > 0).all()  # no zeros left at a large τ
    assert "sparsemax zeros: 0 of 6" in explorer.caption


def test_the_sliders_are_named(explorer):
    assert explorer.slider.tooltip == "temperature τ"
    assert explorer.k_slider.tooltip == "subset size k"
    assert (explorer.k_slider.min, explorer.k_slider.max) == (1, 5)


def test_the_figure_renders(explorer):
    assert explorer.render_png()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"logits": [1.0, 2.0]}, ValueError, "at least 3"),
        ({"logits": [1.0, np.nan, 0.0]}, ValueError, "finite"),
        ({"k": 6}, ValueError, "k must"),
        ({"k": 0}, ValueError, "k must"),
        ({"k": 2.0}, TypeError, "k must"),
        ({"tau": 1000.0}, ValueError, r"tau must be .*0\.01.*100"),
        ({"tau": "1"}, TypeError, "tau must be a real number"),
        ({"seed": -1}, ValueError, "seed"),
    ],
)
def test_bad_input(kwargs, error, words):
    with pytest.raises(error, match=words):
        subsets_explorer(**{"logits": X, **kwargs})
