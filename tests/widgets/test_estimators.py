"""The τ explorer of notebook 06: bias and spread bars of the gradient estimators."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gumbel_lib as gl
from gumbel_lib import estimators as est
from gumbel_lib.widgets.estimators import LABELS, estimators_explorer

USES_TAU = np.array([est.REGISTRY[name].uses_tau for name in est.ESTIMATORS])
STOCHASTIC = np.array([est.REGISTRY[name].stochastic for name in est.ESTIMATORS])
GS, ST = est.ESTIMATORS.index("gumbel_softmax"), est.ESTIMATORS.index("st_gumbel")

X = np.array([0.5, 1.0, -0.5, 0.0])
C = np.array([0.1, 0.2, 0.6, 0.1])
F = ((np.eye(4) - C) ** 2).sum(axis=1)
N, SEED = 1500, 3


def grad(y):
    return 2 * (y - C)


def heights(bars):
    return np.array([b.get_height() for b in bars])


def recompute(tau, m=4):
    """Bias, std and standard error of each estimator's m-sample gradients, recomputed
    independently of the widget: N // m steps of m samples from the seed's noise."""
    exact = est.exact_gradient(X, F)
    noise = gl.gumbel_noise((N // m, m, 4), rng=np.random.default_rng(SEED))
    out = []
    for name in est.ESTIMATORS:
        e = est.estimate_batch(name, X, F, noise, tau, f_grad=grad).mean(axis=1)
        mean = e.mean(axis=0)
        spread = np.sqrt(((e - mean) ** 2).sum(axis=1).mean())
        out.append((np.linalg.norm(mean - exact), spread, spread / np.sqrt(len(e))))
    return np.array(out)


def test_the_leave_one_out_baseline_comes_from_the_step_not_from_all_samples(explorer):
    """The REINFORCE + LOO bar is the spread of a 4-sample gradient whose baselines use the
    3 other samples of its step; a baseline from all N samples would spread much less."""
    loo = est.ESTIMATORS.index("reinforce_loo")
    oracle = est.estimate("reinforce_loo", X, F, N, rng=SEED)  # baseline from N - 1 others
    oracle_std4 = est.bias_std(oracle, est.exact_gradient(X, F)).std / 2  # 4-sample average
    shown = explorer.std_bars[loo].get_height()
    assert shown > 1.08 * oracle_std4  # about √(4/3) = 1.15: the LOO variance with m = 4
    np.testing.assert_allclose(shown, recompute(0.5)[loo, 1], rtol=1e-12)


@pytest.fixture
def explorer():
    return estimators_explorer(X, F, f_grad=grad, n=N, seed=SEED, tau=0.5)


def test_initial_bars(explorer):
    ref = recompute(0.5)
    np.testing.assert_allclose(heights(explorer.bias_bars), ref[:, 0], rtol=1e-10)
    np.testing.assert_allclose(heights(explorer.std_bars), ref[:, 1], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(explorer.exact, est.exact_gradient(X, F))
    assert len(LABELS) == len(est.ESTIMATORS) == len(explorer.bias_bars)


def test_labels_come_from_the_registry(explorer):
    assert LABELS == tuple(est.REGISTRY[name].short for name in est.ESTIMATORS)
    ticks = [t.get_text() for t in explorer.fig.axes[0].get_xticklabels()]
    assert ticks == list(LABELS)
    assert explorer.names == est.ESTIMATORS


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
        # the estimators that do not use τ keep their bars; the others move
        np.testing.assert_array_equal(bias[~USES_TAU], before_bias[~USES_TAU])
        np.testing.assert_array_equal(std[~USES_TAU], before_std[~USES_TAU])
        assert np.abs(bias[USES_TAU] - before_bias[USES_TAU]).min() > 1e-4
        moving = USES_TAU & STOCHASTIC
        assert np.abs(std[moving] - before_std[moving]).min() > 1e-3
        before_bias, before_std = bias, std
        gs, st = ref[GS], ref[ST]
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
    # with a linear loss the naive trick at τ = 1 and Bengio's straight-through estimator
    # are exact: zero bias, zero spread
    for name in ["naive_st", "st"]:
        i = est.ESTIMATORS.index(name)
        assert heights(ex.bias_bars)[i] < 1e-12 and heights(ex.std_bars)[i] < 1e-12


def test_the_figure_renders(explorer):
    assert explorer.render_png()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"logits": [1.0]}, ValueError, "d >= 2"),
        ({"f_values": [1.0, 2.0]}, ValueError, "f_values must have"),
        ({"n": 7}, ValueError, "n must be between 8 and 100000"),
        ({"n": 100_001}, ValueError, "n must be between 8 and 100000"),
        ({"n": 2**70}, ValueError, "n must be between 8 and 100000"),
        ({"m": 1}, ValueError, "m must be between 2 and 1000"),
        ({"m": 2.0}, TypeError, "m must be a positive int"),
        ({"n": 2.0}, TypeError, "n must be a positive int"),
        ({"seed": -1}, ValueError, "seed must be"),
        ({"seed": 1.0}, TypeError, "seed must be an int"),
        ({"f_grad": "grad"}, TypeError, "f_grad must be"),
        ({"tau": 1000.0}, ValueError, r"tau must be (between|in \[)"),
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
