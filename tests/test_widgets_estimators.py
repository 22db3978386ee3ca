"""The τ explorer of notebook 06: bias and spread bars of the gradient estimators."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gumbel_lib import estimators as est
from gumbel_lib.widgets.estimators import LABELS, estimators_explorer

X = np.array([0.5, 1.0, -0.5, 0.0])
C = np.array([0.1, 0.2, 0.6, 0.1])
F = ((np.eye(4) - C) ** 2).sum(axis=1)
N, SEED = 1500, 3


def grad(y):
    return 2 * (y - C)


def heights(bars):
    return np.array([b.get_height() for b in bars])


def recompute(tau):
    """Bias and std of each estimator, recomputed independently of the widget."""
    exact = est.exact_gradient(X, F)
    out = []
    for name in est.ESTIMATORS:
        e = est.estimate(name, X, F, N, tau, rng=np.random.default_rng(SEED), f_grad=grad)
        mean = e.mean(axis=0)
        out.append(
            (
                np.linalg.norm(mean - exact),
                np.sqrt(((e - mean) ** 2).sum(axis=1).mean()),
                np.sqrt(((e - mean) ** 2).sum(axis=1).mean() / N),
            )
        )
    return np.array(out)


@pytest.fixture
def explorer():
    return estimators_explorer(X, F, f_grad=grad, n=N, seed=SEED, tau=0.5)


def test_initial_bars(explorer):
    ref = recompute(0.5)
    np.testing.assert_allclose(heights(explorer.bias_bars), ref[:, 0], rtol=1e-10)
    np.testing.assert_allclose(heights(explorer.std_bars), ref[:, 1], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(explorer.exact, est.exact_gradient(X, F))
    assert len(LABELS) == len(est.ESTIMATORS) == len(explorer.bias_bars)


def test_slider_updates_the_bars_in_place(explorer):
    fig = explorer.fig
    axes = list(fig.axes)
    patches = [list(ax.patches) for ax in axes]
    before_bias, before_std = heights(explorer.bias_bars), heights(explorer.std_bars)
    for tau in [0.05, 0.2, 2.0, 20.0]:
        explorer.slider.value = tau
        ref = recompute(tau)
        bias, std = heights(explorer.bias_bars), heights(explorer.std_bars)
        np.testing.assert_allclose(bias, ref[:, 0], rtol=1e-10)
        np.testing.assert_allclose(std, ref[:, 1], rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(explorer.floor.get_offsets()[:, 1], 2 * ref[:, 2], rtol=1e-10)
        # REINFORCE does not depend on τ; the relaxed estimators do
        np.testing.assert_array_equal(bias[:2], before_bias[:2])
        np.testing.assert_array_equal(std[:2], before_std[:2])
        assert np.abs(bias[2:] - before_bias[2:]).min() > 1e-4
        assert np.abs(std[3:] - before_std[3:]).min() > 1e-3
        before_bias, before_std = bias, std
        gs, st = ref[3], ref[4]
        assert explorer.caption == (
            f"τ = {tau:#.3g}   Gumbel-softmax: bias {gs[0]:.3g}, std {gs[1]:.3g}"
            f"   ST Gumbel: bias {st[0]:.3g}, std {st[1]:.3g}"
        )
        assert [s.bias for s in explorer.summaries] == pytest.approx(list(ref[:, 0]), rel=1e-10)
        assert explorer.fig is fig and list(fig.axes) == axes
        assert [list(ax.patches) for ax in axes] == patches


def test_every_bar_stays_inside_the_axes(explorer):
    from gumbel_lib.widgets.estimators import Y_MAX

    for tau in [0.01, 0.1, 1.0, 10.0, 100.0]:
        explorer.slider.value = tau
        assert heights(explorer.std_bars).max() < Y_MAX
        assert heights(explorer.bias_bars).max() < Y_MAX


def test_linear_loss_default(explorer):
    ex = estimators_explorer(X, F, n=200, seed=1, tau=1.0)
    # naive straight-through at τ = 1 with a linear loss is exact: zero bias, zero spread
    assert heights(ex.bias_bars)[2] < 1e-12 and heights(ex.std_bars)[2] < 1e-12


def test_the_figure_renders(explorer):
    assert explorer.render_png()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"logits": [1.0]}, ValueError, "d >= 2"),
        ({"f_values": [1.0, 2.0]}, ValueError, "f_values must have"),
        ({"n": 1}, ValueError, "n must be between 2 and 100000"),
        ({"n": 100_001}, ValueError, "n must be between 2 and 100000"),
        ({"n": 2**70}, ValueError, "n must be between 2 and 100000"),
        ({"n": 2.0}, TypeError, "n must be a positive int"),
        ({"seed": -1}, ValueError, "seed must be"),
        ({"f_grad": "grad"}, TypeError, "f_grad must be"),
        ({"tau": 1000.0}, ValueError, "tau must be between"),
    ],
)
def test_bad_input(kwargs, error, words):
    args = {"logits": X, "f_values": F, "f_grad": grad, "n": 50, "seed": 0, "tau": 1.0, **kwargs}
    with pytest.raises(error, match=words):
        estimators_explorer(**args)


def test_logits_so_far_apart_that_every_bar_is_zero_draw_without_warnings():
    # exact gradient 0, every estimate 0: nothing positive to show on the log scale
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a Matplotlib log-scale warning fails the test
        ex = estimators_explorer([0.0, 800.0], [1.0, 0.0])
        ex.slider.value = 0.05
        assert ex.render_png()[:4] == b"\x89PNG"
    assert all(b.get_height() == 0 for b in ex.bias_bars)
    assert ex.caption.endswith("ST Gumbel: bias 0, std 0")
