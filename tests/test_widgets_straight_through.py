"""The τ explorer of notebook 02: straight-through surrogate gradient against the exact one."""

from __future__ import annotations

import numpy as np
import pytest

import gumbel_lib as gl
from gumbel_lib.widgets.straight_through import straight_through_explorer

X = np.array([1.0, 2.0, 0.5, -1.0])
F = np.array([1.0, 0.0, 2.0, 0.5])


def softmax(x, tau=1.0):
    z = (x - x.max()) / tau
    return np.exp(z) / np.exp(z).sum()


def surrogate(x, u, tau):
    """The softmax vector-Jacobian product written out: p/τ * (u - <u, p>)."""
    p = softmax(x, tau)
    return p / tau * (u - u @ p)


def exact(x, f):
    pi = softmax(x)
    return pi * (f - pi @ f)


def heights(bars):
    return np.array([b.get_height() for b in bars])


@pytest.fixture
def explorer():
    return straight_through_explorer(X, F, tau=1.0)


def test_initial_state_linear_loss_at_tau_1_is_exact(explorer):
    np.testing.assert_allclose(heights(explorer.exact_bars), exact(X, F), rtol=1e-12)
    np.testing.assert_allclose(heights(explorer.surrogate_bars), exact(X, F), rtol=1e-12)
    assert explorer.caption == "τ = 1.00   distance to exact = 0.000"


def test_slider_moves_the_surrogate_bars_only(explorer):
    fig, ax = explorer.fig, explorer.fig.axes[0]
    patches = list(ax.patches)
    fixed = heights(explorer.exact_bars)
    before = heights(explorer.surrogate_bars)
    for tau in [0.05, 0.4, 2.5, 30.0]:
        explorer.slider.value = tau
        now = heights(explorer.surrogate_bars)
        np.testing.assert_allclose(now, surrogate(X, F, tau), rtol=1e-10, atol=1e-15)
        st = gl.straight_through_softmax(X, F, tau=tau)
        np.testing.assert_allclose(now, st.grad, rtol=1e-12, atol=1e-15)
        assert np.abs(now - before).max() > 1e-3  # the bars moved
        before = now
        np.testing.assert_array_equal(heights(explorer.exact_bars), fixed)  # exact stays

        dist = np.linalg.norm(surrogate(X, F, tau) - exact(X, F))
        assert dist > 1e-3
        assert explorer.caption.startswith(f"τ = {tau:#.3g}   ")
        assert explorer.caption == f"τ = {tau:#.3g}   distance to exact = {dist:.3f}"
        # updated in place: same figure, same artists, nothing added
        assert explorer.fig is fig and fig.axes == [ax] and list(ax.patches) == patches


def test_a_nonlinear_loss_is_biased_even_at_tau_1():
    # L(z) = ||z - t||^2: f_k = L(e_k), upstream = dL/dz at the forward one-hot e_1
    t = np.array([0.0, 0.2, 0.8, 0.0])
    f = np.array([np.sum((np.eye(4)[k] - t) ** 2) for k in range(4)])
    u = 2 * (np.eye(4)[1] - t)
    ex = straight_through_explorer(X, f, upstream=u, tau=2.0)
    np.testing.assert_array_equal(ex.upstream, u)
    ex.slider.value = 1.0
    np.testing.assert_allclose(heights(ex.surrogate_bars), surrogate(X, u, 1.0), rtol=1e-12)
    np.testing.assert_allclose(heights(ex.exact_bars), exact(X, f), rtol=1e-12)
    dist = np.linalg.norm(surrogate(X, u, 1.0) - exact(X, f))
    assert dist > 0.1
    assert ex.caption == f"τ = 1.00   distance to exact = {dist:.3f}"


def test_the_y_limits_hold_every_bar(explorer):
    lo, hi = explorer.fig.axes[0].get_ylim()
    for tau in np.logspace(-2, 2, 41):
        explorer.slider.value = float(tau)
        h = heights(explorer.surrogate_bars)
        assert lo < h.min() and h.max() < hi


def test_the_limits_of_tau(explorer):
    explorer.slider.value = 0.01  # p is one-hot: the surrogate vanishes
    assert np.abs(heights(explorer.surrogate_bars)).max() < 1e-10
    explorer.slider.value = 100.0  # p is uniform: the surrogate is (f - mean f) / (d τ)
    np.testing.assert_allclose(
        heights(explorer.surrogate_bars), (F - F.mean()) / (4 * 100.0), rtol=0.05, atol=1e-5
    )


def test_the_figure_renders(explorer):
    assert explorer.render_png()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"logits": [1.0]}, ValueError, "2 to 20"),
        ({"logits": [1.0, np.inf, 0.0, 0.0]}, ValueError, "logits must be finite"),
        ({"f_values": [1.0, 2.0]}, ValueError, "f_values must have the shape"),
        ({"f_values": [1.0, np.nan, 0.0, 0.0]}, ValueError, "f_values must be finite"),
        ({"upstream": [1.0, 2.0]}, ValueError, "upstream must have the shape"),
        ({"upstream": [1.0, np.inf, 0.0, 0.0]}, ValueError, "upstream must be finite"),
        ({"tau": 0.0}, ValueError, r"tau must be .*0\.01.*100"),
        ({"tau": None}, TypeError, "tau must be a real number"),
    ],
)
def test_bad_input(kwargs, error, words):
    args = {"logits": X, "f_values": F, "upstream": None, "tau": 1.0, **kwargs}
    with pytest.raises(error, match=words):
        straight_through_explorer(**args)
