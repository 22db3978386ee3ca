"""The τ explorer of notebook 01: bars of softmax(x/τ) and its entropy."""

from __future__ import annotations

import numpy as np
import pytest

import gumbel_lib as gl
from gumbel_lib.widgets.softmax import softmax_explorer

X = np.array([1.0, 2.0, 0.5, -1.0, 0.0])


def expected(x, tau):
    """softmax(x/τ) and its entropy written out (stable: shift by the maximum)."""
    z = (x - x.max()) / tau
    p = np.exp(z) / np.exp(z).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0).sum()
    return p, h


def heights(bars):
    return np.array([b.get_height() for b in bars])


@pytest.fixture
def explorer():
    return softmax_explorer(X, tau=1.0)


def test_initial_state(explorer):
    p, h = expected(X, 1.0)
    np.testing.assert_allclose(heights(explorer.bars), p, rtol=1e-12)
    np.testing.assert_allclose(np.ravel(explorer.marker.get_ydata()), [h], rtol=1e-12)
    assert explorer.caption == f"τ = 1.00   entropy = {h:.2f} nats (log d = {np.log(5):.2f})"


def test_slider_redraws_bars_marker_and_caption_in_place(explorer):
    fig = explorer.fig
    ax_bars, ax_h = fig.axes
    patches, lines = list(ax_bars.patches), list(ax_h.lines)
    before_bars = heights(explorer.bars)
    before_marker = np.array(explorer.marker.get_xydata())

    for tau in [0.05, 0.3, 3.0, 40.0]:
        explorer.slider.value = tau
        p, h = expected(X, tau)
        bars_now = heights(explorer.bars)
        np.testing.assert_allclose(bars_now, p, rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(bars_now, gl.softmax(X, tau=tau), rtol=1e-12, atol=1e-15)
        assert np.abs(bars_now - before_bars).max() > 1e-3  # the bars moved

        mx, my = explorer.marker.get_data()
        np.testing.assert_allclose([mx[0], my[0]], [tau, h], rtol=1e-10, atol=1e-15)
        assert np.abs(explorer.marker.get_xydata() - before_marker).max() > 1e-3
        before_bars, before_marker = bars_now, np.array(explorer.marker.get_xydata())

        assert explorer.caption.startswith(f"τ = {tau:#.3g}   ")
        assert explorer.caption == f"τ = {tau:#.3g}   entropy = {h:.2f} nats (log d = 1.61)"
        # updated in place: same figure, same artists, nothing added
        assert explorer.fig is fig and fig.axes == [ax_bars, ax_h]
        assert list(ax_bars.patches) == patches and list(ax_h.lines) == lines


def test_the_entropy_curve_and_the_marker_lie_on_it(explorer):
    taus, hs = explorer.curve.get_data()
    assert taus[0] == pytest.approx(0.01) and taus[-1] == pytest.approx(100.0)
    np.testing.assert_allclose(hs, [expected(X, t)[1] for t in taus], rtol=1e-9, atol=1e-12)
    assert np.all(np.diff(hs) >= -1e-12)  # entropy grows with τ
    assert hs[0] < 1e-3 and abs(hs[-1] - np.log(5)) < 1e-3
    explorer.slider.value = float(taus[100])
    assert explorer.marker.get_ydata()[0] == pytest.approx(hs[100], rel=1e-9)


def test_the_limits_of_tau(explorer):
    explorer.slider.value = 0.01
    np.testing.assert_allclose(heights(explorer.bars), [0, 1, 0, 0, 0], atol=1e-30)
    assert explorer.caption.startswith("τ = 0.0100   entropy = 0.00 nats")
    explorer.slider.value = 100.0
    np.testing.assert_allclose(heights(explorer.bars), 0.2, atol=0.01)
    assert explorer.caption == "τ = 100   entropy = 1.61 nats (log d = 1.61)"


def test_the_figure_renders(explorer):
    assert explorer.render_png()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"logits": [1.0]}, ValueError, "2 to 20"),
        ({"logits": [[1.0, 2.0]]}, ValueError, "1-d array"),
        ({"logits": np.zeros(21)}, ValueError, "2 to 20"),
        ({"logits": [1.0, np.nan]}, ValueError, "finite"),
        ({"logits": [1.0, -np.inf]}, ValueError, "finite"),
        ({"logits": ["a", "b"]}, TypeError, "logits"),
        ({"tau": 0.001}, ValueError, r"tau must be .*0\.01.*100"),
        ({"tau": 1000.0}, ValueError, r"tau must be .*0\.01.*100"),
        ({"tau": "1"}, TypeError, "tau must be a real number"),
        ({"tau": True}, TypeError, "tau must be a real number"),
    ],
)
def test_bad_input(kwargs, error, words):
    args = {"logits": X, "tau": 1.0, **kwargs}
    with pytest.raises(error, match=words):
        softmax_explorer(**args)


def test_huge_finite_logits_are_accepted():
    # x / τ overflowed to +inf for the entropy curve, and the error blamed the input
    ex = softmax_explorer([1e307, 0.0], tau=1.0)
    assert ex.caption == "τ = 1.00   entropy = 0.00 nats (log d = 0.69)"
    assert np.isfinite(ex.curve.get_ydata()).all()
    ex.slider.value = 100.0
    assert [b.get_height() for b in ex.bars] == [1.0, 0.0]


def test_the_axes_use_the_notation_of_the_course(explorer):
    """The bars are p_τ = softmax(x/τ), categories 0 to d - 1: π is only p_1 (00's table)."""
    ax_bars, ax_h = explorer.fig.axes
    label = ax_bars.get_ylabel()
    assert r"p_{\tau,k}" in label and r"\pi" not in label
    assert [t.get_text() for t in ax_bars.get_xticklabels()] == ["0", "1", "2", "3", "4"]
    assert ax_h.get_xlabel() == r"temperature $\tau$"
