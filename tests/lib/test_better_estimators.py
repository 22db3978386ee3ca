"""Gumbel-Rao and REBAR: their formulas by hand, their means, their spread, their checks."""

from __future__ import annotations

import numpy as np
import pytest

from gumbel_lib import estimators as est
from gumbel_lib import gumbel_noise
from gumbel_lib.gumbel import conditional_perturbed_logits, conditional_perturbed_logits_vjp

X = np.array([0.5, 1.0, -0.5, 0.0])
C = np.array([0.1, 0.2, 0.6, 0.1])  # the target of 06's squared-error toy
F_QUAD = ((np.eye(4) - C) ** 2).sum(axis=1)
F_LIN = np.array([1.0, 3.0, -2.0, 0.5])


def quad_value(y):
    return ((y - C) ** 2).sum(axis=-1)


def quad_grad(y):
    return 2 * (y - C)


def softmax(z, tau=1.0):
    z = (z - z.max(axis=-1, keepdims=True)) / tau
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def vjp(y, u, tau):
    return y / tau * (u - (u * y).sum(axis=-1, keepdims=True))


def z_scores(estimates, exact):
    se = estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))
    return (estimates.mean(axis=0) - exact) / se


def rebar_by_hand(x, f, g, h, tau, alpha, value, grad, variant="conditional"):
    """REBAR written out, and the slips a student might make (``variant``):
    ``"reuse"`` takes z̃ = z (the relaxed sample itself, which depends on K),
    ``"fixed noise"`` draws z̃ given K but differentiates it as x + g̃ with g̃ held fixed,
    ``"independent"`` draws z̃ from fresh unconditional noise (unbiased, but no help)."""
    z = x + g
    k = z.argmax(axis=1)
    b = np.eye(x.size)[k]
    if variant == "reuse":
        zt = z
    elif variant == "independent":
        zt = x + h
    else:
        zt = conditional_perturbed_logits(x, k, h)
    y, yt = softmax(z, tau), softmax(zt, tau)
    v = vjp(yt, grad(yt), tau)
    if variant == "conditional":
        v = conditional_perturbed_logits_vjp(x, zt, v)
    score = b - softmax(x)
    return (f[k] - alpha * value(yt))[:, None] * score + alpha * (vjp(y, grad(y), tau) - v)


# --- Gumbel-Rao ----------------------------------------------------------------------------


def test_gumbel_rao_equals_its_formula_by_hand():
    n, m, tau = 6, 5, 0.5
    g = gumbel_noise((n, 4), rng=0)
    gen = np.random.default_rng(1)
    got = est.gumbel_rao_estimator(X, F_QUAD, n, tau, gen, n_conditional=m, noise=g,
                                   f_grad=quad_grad)  # fmt: skip
    h = gumbel_noise((1, n, m, 4), rng=np.random.default_rng(1))[0]
    k = (X + g).argmax(axis=1)
    u = quad_grad(np.eye(4)[k])
    by_hand = np.array(
        [
            np.mean(
                [
                    vjp(softmax(conditional_perturbed_logits(X, k[i], h[i, j]), tau), u[i], tau)
                    for j in range(m)
                ],
                axis=0,
            )  # fmt: skip
            for i in range(n)
        ]
    )
    np.testing.assert_allclose(got, by_hand, atol=1e-12)


@pytest.mark.parametrize("tau", [0.2, 1.0])
def test_gumbel_rao_has_the_mean_of_straight_through_gumbel_softmax(tau):
    n = 200_000
    st = est.straight_through_gumbel_softmax_estimator(X, F_QUAD, n, tau, 0, f_grad=quad_grad)
    gr = est.gumbel_rao_estimator(X, F_QUAD, n, tau, 1, n_conditional=4, f_grad=quad_grad)
    diff = st.mean(axis=0) - gr.mean(axis=0)
    se = np.sqrt(st.var(axis=0) / n + gr.var(axis=0) / n)
    assert np.abs(diff / se).max() < 4.5
    # and ST-GS is biased at this τ: the shared mean is not the exact gradient
    assert np.abs(z_scores(st, est.exact_gradient(X, F_QUAD))).max() > 10


def test_a_wrong_conditional_draw_changes_the_mean():
    """Averaging over *unconditional* noise (not given K) is not ST-GS's mean: the test sees it."""
    n, tau = 200_000, 0.5
    st = est.straight_through_gumbel_softmax_estimator(X, F_QUAD, n, tau, 0, f_grad=quad_grad)
    k = (X + gumbel_noise((n, 4), rng=1)).argmax(axis=1)
    wrong = vjp(softmax(X + gumbel_noise((n, 4), rng=2), tau), quad_grad(np.eye(4)[k]), tau)
    diff = st.mean(axis=0) - wrong.mean(axis=0)
    se = np.sqrt(st.var(axis=0) / n + wrong.var(axis=0) / n)
    assert np.abs(diff / se).max() > 10


@pytest.mark.parametrize("seed", range(5))
def test_gumbel_rao_spreads_less_than_straight_through_gumbel_softmax(seed):
    n, tau = 20_000, 0.3
    g = gumbel_noise((n, 4), rng=seed)
    st = est.straight_through_gumbel_softmax_estimator(X, F_QUAD, n, tau, noise=g, f_grad=quad_grad)
    gr = est.gumbel_rao_estimator(X, F_QUAD, n, tau, seed + 100, noise=g, f_grad=quad_grad)
    assert gr.var(axis=0).sum() < 0.8 * st.var(axis=0).sum()


def test_gumbel_rao_with_a_linear_loss_is_unbiased_for_the_relaxed_gradient():
    # linear f̃: ST-GS = Gumbel-softmax, so Gumbel-Rao has Gumbel-softmax's mean
    n, tau = 200_000, 0.7
    gs = est.gumbel_softmax_estimator(X, F_LIN, n, tau, 0)
    gr = est.gumbel_rao_estimator(X, F_LIN, n, tau, 1, n_conditional=3)
    se = np.sqrt(gs.var(axis=0) / n + gr.var(axis=0) / n)
    assert np.abs((gs.mean(axis=0) - gr.mean(axis=0)) / se).max() < 4.5


# --- REBAR -----------------------------------------------------------------------------------


def test_rebar_equals_its_formula_by_hand():
    n, tau, alpha = 7, 0.4, 0.8
    g = gumbel_noise((n, 4), rng=0)
    got = est.rebar_estimator(X, F_QUAD, n, tau, 1, alpha=alpha, f_relaxed=quad_value,
                              f_grad=quad_grad, noise=g)  # fmt: skip
    h = gumbel_noise((1, n, 1, 4), rng=1)[0, :, 0]
    by_hand = rebar_by_hand(X, F_QUAD, g, h, tau, alpha, quad_value, quad_grad)
    np.testing.assert_allclose(got, by_hand, atol=1e-12)


def test_rebar_pathwise_terms_match_finite_differences():
    g, h, tau = gumbel_noise(4, rng=5), gumbel_noise(4, rng=6), 0.5
    k = (X + g).argmax()

    def relaxed_difference(x):  # K held fixed, as in the estimator
        return quad_value(softmax(x + g, tau)) - quad_value(
            softmax(conditional_perturbed_logits(x, np.array(k), h), tau)
        )

    fd = np.array(
        [(relaxed_difference(X + 1e-6 * e) - relaxed_difference(X - 1e-6 * e)) / 2e-6
         for e in np.eye(4)]
    )  # fmt: skip
    est_one = rebar_by_hand(X, F_QUAD, g[None], h[None], tau, 1.0, quad_value, quad_grad)[0]
    zt = conditional_perturbed_logits(X, np.array(k), h)
    score_term = (F_QUAD[k] - quad_value(softmax(zt, tau))) * (np.eye(4)[k] - softmax(X))
    np.testing.assert_allclose(est_one - score_term, fd, atol=1e-6)


@pytest.mark.parametrize(
    ("f", "value", "grad", "tau", "alpha"),
    [
        (F_QUAD, quad_value, quad_grad, 0.3, 1.0),
        (F_QUAD, quad_value, quad_grad, 1.0, 0.5),
        (F_LIN, None, None, 0.5, 1.0),
    ],
)
def test_rebar_is_unbiased(f, value, grad, tau, alpha):
    r = est.rebar_estimator(X, f, 300_000, tau, 7, alpha=alpha, f_relaxed=value, f_grad=grad)
    assert np.abs(z_scores(r, est.exact_gradient(X, f))).max() < 4.5


@pytest.mark.parametrize("variant", ["reuse", "fixed noise"])
def test_a_wrong_rebar_is_caught_by_the_same_test(variant):
    n, tau = 300_000, 0.3
    g, h = gumbel_noise((n, 4), rng=7), gumbel_noise((n, 4), rng=8)
    right = rebar_by_hand(X, F_QUAD, g, h, tau, 1.0, quad_value, quad_grad)
    wrong = rebar_by_hand(X, F_QUAD, g, h, tau, 1.0, quad_value, quad_grad, variant)
    exact = est.exact_gradient(X, F_QUAD)
    assert np.abs(z_scores(right, exact)).max() < 4.5
    assert np.abs(z_scores(wrong, exact)).max() > 4.5


def test_an_independent_control_sample_stays_unbiased_but_does_not_help():
    """z̃ independent of K: the control variate has mean 0 twice over, and no correlation."""
    n, tau = 300_000, 0.3
    g, h = gumbel_noise((n, 4), rng=7), gumbel_noise((n, 4), rng=8)
    right = rebar_by_hand(X, F_QUAD, g, h, tau, 1.0, quad_value, quad_grad)
    indep = rebar_by_hand(X, F_QUAD, g, h, tau, 1.0, quad_value, quad_grad, "independent")
    assert np.abs(z_scores(indep, est.exact_gradient(X, F_QUAD))).max() < 4.5
    assert indep.var(axis=0).sum() > 1.5 * right.var(axis=0).sum()


def test_the_registry_of_06_is_unchanged():
    assert est.ESTIMATORS == (
        "reinforce", "reinforce_loo", "naive_st", "st", "gumbel_softmax", "st_gumbel"
    )  # fmt: skip
    assert est.CONDITIONAL_ESTIMATORS == ("gumbel_rao", "rebar")
    assert [e.evaluations for e in est.CONDITIONAL_REGISTRY.values()] == [1, 3]


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: est.gumbel_rao_estimator(X, F_QUAD, 5, n_conditional=0), ValueError,
         "n_conditional"),
        (lambda: est.gumbel_rao_estimator(X, F_QUAD, 5, n_conditional=2.0), TypeError,
         "n_conditional"),
        (lambda: est.rebar_estimator(X, F_QUAD, 5, alpha=np.nan), ValueError, "alpha"),
        (lambda: est.rebar_estimator(X, F_QUAD, 5, f_relaxed=quad_value), ValueError,
         "given together"),
        (lambda: est.rebar_estimator(X, F_QUAD, 5, f_relaxed=3, f_grad=quad_grad), TypeError,
         "f_relaxed"),
        (lambda: est.rebar_estimator(X, F_QUAD, 5, f_relaxed=lambda y: y, f_grad=quad_grad),
         ValueError, "one value per row"),
        (lambda: est.rebar_estimator(X, F_QUAD, 5, tau=0.0), ValueError, "tau"),
        (lambda: est.rebar_estimator(X, F_QUAD[:3], 5), ValueError, "f_values"),
    ],
)  # fmt: skip
def test_bad_input_is_named(call, error, words):
    with pytest.raises(error, match=words):
        call()


def _rebar_with_seeds(noise_seed, rng_seed):
    g = gumbel_noise((200_000, 4), rng=noise_seed)
    kw = dict(f_relaxed=quad_value, f_grad=quad_grad)
    return est.rebar_estimator(X, F_QUAD, len(g), 0.5, rng_seed, noise=g, **kw)


@pytest.mark.parametrize("function", [est.rebar_estimator, est.gumbel_rao_estimator])
def test_the_same_seed_for_noise_and_rng_is_refused(function):
    g = gumbel_noise((50, 4), rng=3)
    kw = {"f_grad": quad_grad}
    if function is est.rebar_estimator:
        kw["f_relaxed"] = quad_value
    with pytest.raises(ValueError, match="noise and rng must be independent"):
        function(X, F_QUAD, 50, 0.5, 3, noise=g, **kw)
    assert function(X, F_QUAD, 50, 0.5, 4, noise=g, **kw).shape == (50, 4)


def test_the_guard_against_one_seed_is_needed(monkeypatch):
    """Without the guard, one seed for both sources biases REBAR; with another seed it is not."""
    exact = est.exact_gradient(X, F_QUAD)
    assert np.abs(z_scores(_rebar_with_seeds(0, 1), exact)).max() < 4.5
    monkeypatch.setattr(est, "np", _NoGuardNumpy())
    assert np.abs(z_scores(_rebar_with_seeds(0, 0), exact)).max() > 10


class _NoGuardNumpy:
    """NumPy whose array_equal always answers False, switching the guard off."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def array_equal(a, b):
        return False
