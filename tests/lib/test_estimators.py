"""Gradient estimators for E_{k ~ softmax(x)}[f_k]: exactness, unbiasedness, bias/variance in τ."""

from __future__ import annotations

import numpy as np
import pytest

import gumbel_lib as gl
from gumbel_lib import estimators as est

X = np.array([0.5, 1.0, -0.5, 0.0])
C = np.array([0.1, 0.2, 0.6, 0.1])  # target of the squared error
F_QUAD = ((np.eye(4) - C) ** 2).sum(axis=1)  # f_k = ||e_k - c||^2
F_LIN = np.array([1.0, 3.0, -2.0, 0.5])


def quad_grad(y):
    """Gradient of the relaxed squared error ||y - c||^2."""
    return 2 * (y - C)


def quad_value(y):
    return ((y - C) ** 2).sum(axis=-1)


def softmax(z, tau=1.0):
    z = (z - z.max(axis=-1, keepdims=True)) / tau
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def central_diff(fun, x, h=1e-6):
    eye = np.eye(len(x))
    return np.array([(fun(x + h * e) - fun(x - h * e)) / (2 * h) for e in eye])


def assert_unbiased(estimates, exact, z=4.5):
    """Each coordinate's mean is within z standard errors of the exact gradient."""
    mean = estimates.mean(axis=0)
    se = estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))
    worst = np.max(np.abs(mean - exact) / np.maximum(se, 1e-300))
    assert worst < z, f"mean is {worst:.1f} standard errors from the exact gradient"


# --- the exact gradient ----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_exact_gradient_matches_finite_differences(seed):
    r = np.random.default_rng(seed)
    x, f = r.normal(size=6) * 2, r.normal(size=6)
    grad = est.exact_gradient(x, f)
    np.testing.assert_allclose(grad, central_diff(lambda z: softmax(z) @ f, x), atol=1e-8)
    np.testing.assert_allclose(grad, central_diff(lambda z: est.objective(z, f), x), atol=1e-8)
    assert abs(grad.sum()) < 1e-14


def test_exact_gradient_of_a_constant_loss_is_zero():
    np.testing.assert_allclose(est.exact_gradient(X, np.full(4, 7.0)), 0, atol=1e-15)


def test_objective_value():
    assert est.objective(X, F_LIN) == pytest.approx(softmax(X) @ F_LIN, rel=1e-14)


# --- REINFORCE -------------------------------------------------------------------------


def test_reinforce_formula_with_the_noise_given():
    g = gl.gumbel_noise((50, 4), rng=3)
    k = (X + g).argmax(axis=1)
    expected = F_LIN[k][:, None] * (np.eye(4)[k] - softmax(X))
    np.testing.assert_allclose(est.reinforce(X, F_LIN, 50, noise=g), expected, rtol=1e-13)
    np.testing.assert_allclose(est.reinforce(X, F_LIN, 50, rng=3), expected, rtol=1e-13)
    with_b = est.reinforce(X, F_LIN, 50, noise=g, baseline=1.5)
    np.testing.assert_allclose(with_b, (F_LIN[k] - 1.5)[:, None] * (np.eye(4)[k] - softmax(X)))


def test_reinforce_expectation_by_enumeration():
    # E[(f_k - b)(e_k - π)] summed over the categories with weights π_k equals the gradient
    pi = softmax(X)
    for b in [0.0, 2.0, -5.0]:
        mean = sum(pi[k] * (F_LIN[k] - b) * (np.eye(4)[k] - pi) for k in range(4))
        np.testing.assert_allclose(mean, est.exact_gradient(X, F_LIN), atol=1e-15)


@pytest.mark.parametrize("baseline", [None, 1.0, -3.0, "loo"])
@pytest.mark.parametrize("f", [F_LIN, F_QUAD], ids=["linear", "quadratic"])
def test_reinforce_is_unbiased(f, baseline):
    estimates = est.reinforce(X, f, 200_000, rng=11, baseline=baseline)
    assert estimates.shape == (200_000, 4)
    assert_unbiased(estimates, est.exact_gradient(X, f))


def test_the_unbiasedness_check_catches_a_wrong_score():
    # the same draws with the score e_k instead of e_k - π: biased by -π <π, f>
    g = gl.gumbel_noise((200_000, 4), rng=11)
    k = (X + g).argmax(axis=1)
    wrong = F_LIN[k][:, None] * np.eye(4)[k]
    with pytest.raises(AssertionError, match="standard errors"):
        assert_unbiased(wrong, est.exact_gradient(X, F_LIN))
    # and with the score's sign flipped
    right = est.reinforce(X, F_LIN, 200_000, noise=g)
    with pytest.raises(AssertionError, match="standard errors"):
        assert_unbiased(-right, est.exact_gradient(X, F_LIN))


def test_leave_one_out_is_unbiased_in_pairs_but_including_yourself_is_not():
    """With n = 2 the leave-one-out baseline is the other sample's loss; a baseline that
    includes the sample's own loss (the plain batch mean) halves the gradient."""
    rng = np.random.default_rng(5)
    exact = est.exact_gradient(X, F_LIN)
    loo, own = [], []
    for _ in range(20_000):
        g = gl.gumbel_noise((2, 4), rng=rng)
        loo.append(est.reinforce(X, F_LIN, 2, noise=g, baseline="loo"))
        k = (X + g).argmax(axis=1)
        fk = F_LIN[k]
        own.append((fk - fk.mean())[:, None] * (np.eye(4)[k] - softmax(X)))
    loo, own = np.concatenate(loo), np.concatenate(own)
    assert_unbiased(loo, exact)
    with pytest.raises(AssertionError, match="standard errors"):
        assert_unbiased(own, exact)
    np.testing.assert_allclose(own.mean(axis=0), exact / 2, atol=0.03)


def test_a_baseline_lowers_the_variance():
    plain = est.reinforce(X, F_LIN + 10, 50_000, rng=2)
    fixed = est.reinforce(X, F_LIN + 10, 50_000, rng=2, baseline=10.0)
    loo = est.reinforce(X, F_LIN + 10, 50_000, rng=2, baseline="loo")
    exact = est.exact_gradient(X, F_LIN)
    s_plain, s_fixed, s_loo = (est.bias_std(e, exact).std for e in (plain, fixed, loo))
    assert s_fixed < s_plain / 3 and s_loo < s_plain / 3


# --- the relaxed estimators ------------------------------------------------------------


@pytest.mark.parametrize("tau", [0.1, 0.5, 1.0, 3.0])
def test_gumbel_softmax_estimator_is_the_gradient_of_the_relaxed_loss(tau):
    g = gl.gumbel_noise((8, 4), rng=4)
    lin = est.gumbel_softmax_estimator(X, F_LIN, 8, tau, noise=g)
    quad = est.gumbel_softmax_estimator(X, F_QUAD, 8, tau, noise=g, f_grad=quad_grad)
    for i in range(8):
        fd_lin = central_diff(lambda z, i=i: softmax(z + g[i], tau) @ F_LIN, X)
        fd_quad = central_diff(lambda z, i=i: quad_value(softmax(z + g[i], tau)), X)
        np.testing.assert_allclose(lin[i], fd_lin, atol=1e-6)
        np.testing.assert_allclose(quad[i], fd_quad, atol=1e-6)


def test_gumbel_softmax_estimator_uses_the_gumbel_softmax_samples():
    y = gl.gumbel_softmax(X, tau=0.3, rng=9, size=20)
    expected = y / 0.3 * (F_LIN - (y @ F_LIN)[:, None])
    np.testing.assert_allclose(
        est.gumbel_softmax_estimator(X, F_LIN, 20, 0.3, rng=9), expected, rtol=1e-10
    )


@pytest.mark.parametrize("seed", range(4))
def test_straight_through_gumbel_matches_the_library_and_pytorch_recipe(seed):
    # linear loss: the upstream is f whatever the forward value, so ST-GS = GS
    st = est.straight_through_gumbel_softmax_estimator(X, F_LIN, 1, 0.5, rng=seed)
    np.testing.assert_allclose(st, est.gumbel_softmax_estimator(X, F_LIN, 1, 0.5, rng=seed))
    ref = gl.straight_through_gumbel_softmax(X, F_LIN, 0.5, rng=seed)
    np.testing.assert_allclose(st[0], ref.grad, rtol=1e-10)
    # squared error: the upstream is 2(z - c) at the one-hot z = ref.value
    st = est.straight_through_gumbel_softmax_estimator(
        X, F_QUAD, 1, 0.5, rng=seed, f_grad=quad_grad
    )[0]
    y, u = ref.soft, 2 * (ref.value - C)
    np.testing.assert_allclose(st, y / 0.5 * (u - u @ y), rtol=1e-10)
    gs = est.gumbel_softmax_estimator(X, F_QUAD, 1, 0.5, rng=seed, f_grad=quad_grad)[0]
    assert np.abs(st - gs).max() > 1e-3 * np.abs(gs).max()


@pytest.mark.parametrize("tau", [0.2, 1.0, 4.0])
def test_naive_straight_through(tau):
    rows = est.naive_straight_through(X, F_LIN, 3, tau)
    assert rows.shape == (3, 4) and (rows == rows[0]).all()
    np.testing.assert_allclose(rows[0], gl.straight_through_softmax(X, F_LIN, tau).grad)
    quad = est.naive_straight_through(X, F_QUAD, 1, tau, f_grad=quad_grad)[0]
    p, u = softmax(X, tau), 2 * (np.eye(4)[X.argmax()] - C)
    np.testing.assert_allclose(quad, p / tau * (u - u @ p), rtol=1e-12)


def test_naive_straight_through_is_exact_only_for_a_linear_loss_at_tau_1():
    naive = est.naive_straight_through
    np.testing.assert_allclose(naive(X, F_LIN)[0], est.exact_gradient(X, F_LIN))
    for tau in [0.5, 2.0]:
        diff = naive(X, F_LIN, 1, tau)[0] - est.exact_gradient(X, F_LIN)
        assert np.linalg.norm(diff) > 0.05
    for tau in [0.5, 1.0, 2.0]:
        diff = naive(X, F_QUAD, 1, tau, f_grad=quad_grad)[0]
        assert np.linalg.norm(diff - est.exact_gradient(X, F_QUAD)) > 0.1


# --- the straight-through estimator (Bengio, Léonard & Courville 2013) ------------------


def test_straight_through_estimator_formula_with_the_noise_given():
    g = gl.gumbel_noise((30, 4), rng=6)
    k = (X + g).argmax(axis=1)
    pi, u = softmax(X), 2 * (np.eye(4)[k] - C)
    expected = pi * (u - (u @ pi)[:, None])
    st = est.straight_through_estimator(X, F_QUAD, 30, noise=g, f_grad=quad_grad)
    np.testing.assert_allclose(st, expected, rtol=1e-13)
    # it is the backward pass of the one-hot sample through softmax(x): a finite difference
    for i in range(3):
        fd = central_diff(lambda z, i=i: softmax(z) @ u[i], X)
        np.testing.assert_allclose(st[i], fd, atol=1e-8)


def test_straight_through_estimator_mean_is_the_gradient_at_the_mean_sample():
    """For a quadratic relaxation E[∇f~(e_K)] = ∇f~(π): the mean estimate is ∇_x f~(softmax(x)),
    by enumeration over the categories and by finite differences; it differs from ∇L by
    2 π ⊙ (π - <π, π>)."""
    pi = softmax(X)
    mean = sum(
        pi[k]
        * est.straight_through_estimator(
            X, F_QUAD, 1, noise=[np.where(np.arange(4) == k, 50.0, 0.0)], f_grad=quad_grad
        )[0]
        for k in range(4)
    )
    fd = central_diff(lambda z: quad_value(softmax(z)), X)
    np.testing.assert_allclose(mean, fd, atol=1e-8)
    bias = mean - est.exact_gradient(X, F_QUAD)
    np.testing.assert_allclose(bias, 2 * pi * (pi - pi @ pi), atol=1e-12)
    assert np.linalg.norm(bias) > 0.1
    # and the sampled estimates agree with that mean, and not with ∇L
    many = est.straight_through_estimator(X, F_QUAD, 200_000, rng=7, f_grad=quad_grad)
    assert_unbiased(many, mean)
    with pytest.raises(AssertionError, match="standard errors"):
        assert_unbiased(many, est.exact_gradient(X, F_QUAD))


def test_straight_through_estimator_is_exact_and_noiseless_for_a_linear_loss():
    st = est.straight_through_estimator(X, F_LIN, 50, rng=8)
    np.testing.assert_allclose(st, np.tile(est.exact_gradient(X, F_LIN), (50, 1)), atol=1e-15)


def test_straight_through_estimator_samples_the_categories():
    """Its categories follow π: the upstream records e_K, whose frequencies match softmax(x)."""
    seen = []

    def recording_grad(y):
        seen.append(y.copy())
        return quad_grad(y)

    est.straight_through_estimator(X, F_QUAD, 100_000, rng=9, f_grad=recording_grad)
    (z,) = seen
    assert set(np.unique(z)) == {0.0, 1.0} and np.all(z.sum(axis=1) == 1)
    freq = z.mean(axis=0)
    pi = softmax(X)
    assert np.all(np.abs(freq - pi) < 4.5 * np.sqrt(pi * (1 - pi) / 100_000))


def bias_and_std(fun, taus, exact, n=400_000):
    g = gl.gumbel_noise((n, 4), rng=5)  # common noise across τ: smooth curves
    out = [est.bias_std(fun(tau, g), exact) for tau in taus]
    return np.array([o.bias for o in out]), np.array([o.std for o in out]), out


def test_gumbel_softmax_bias_shrinks_and_variance_grows_as_tau_falls_linear():
    taus = [4.0, 2.0, 1.0, 0.5]
    bias, std, out = bias_and_std(
        lambda t, g: est.gumbel_softmax_estimator(X, F_LIN, len(g), t, noise=g),
        taus,
        est.exact_gradient(X, F_LIN),
    )
    assert (bias[1:] < 0.8 * bias[:-1]).all(), bias
    assert (std[1:] > 1.5 * std[:-1]).all(), std
    assert bias[-1] > 5 * out[-1].stderr  # still biased at τ = 0.5


def test_gumbel_softmax_bias_shrinks_and_variance_grows_as_tau_falls_quadratic():
    taus = [0.5, 0.25, 0.1]
    bias, std, out = bias_and_std(
        lambda t, g: est.gumbel_softmax_estimator(X, F_QUAD, len(g), t, noise=g, f_grad=quad_grad),
        taus,
        est.exact_gradient(X, F_QUAD),
    )
    margins = bias[:-1] - bias[1:]
    assert (margins > 5 * np.array([o.stderr for o in out[1:]])).all(), bias
    assert (std[1:] > 1.4 * std[:-1]).all(), std


def test_the_tau_trend_test_fails_for_an_estimator_that_ignores_tau():
    # a "Gumbel-softmax" that forgot to divide by τ: its bias does not shrink
    def broken(t, g):
        y = softmax(X + g, t)
        return y * (F_LIN - (y @ F_LIN)[:, None])

    bias, _, _ = bias_and_std(broken, [4.0, 2.0, 1.0, 0.5], est.exact_gradient(X, F_LIN))
    assert not (bias[1:] < 0.8 * bias[:-1]).all()


def test_straight_through_gumbel_is_biased_at_every_tau_for_a_nonlinear_loss():
    exact = est.exact_gradient(X, F_QUAD)
    for tau in [0.1, 0.5, 2.0]:
        s = est.bias_std(
            est.straight_through_gumbel_softmax_estimator(
                X, F_QUAD, 200_000, tau, 3, f_grad=quad_grad
            ),
            exact,
        )
        assert s.bias > 5 * s.stderr, (tau, s)


# --- estimate, bias_std, input checks --------------------------------------------------


def test_estimate_dispatches_with_common_noise():
    g = gl.gumbel_noise((10, 4), rng=0)
    assert np.array_equal(
        est.estimate("reinforce", X, F_LIN, 10, rng=0), est.reinforce(X, F_LIN, 10, noise=g)
    )
    assert np.array_equal(
        est.estimate("reinforce_loo", X, F_LIN, 10, noise=g),
        est.reinforce(X, F_LIN, 10, baseline="loo", noise=g),
    )
    assert np.array_equal(
        est.estimate("gumbel_softmax", X, F_LIN, 10, 0.3, rng=0),
        est.gumbel_softmax_estimator(X, F_LIN, 10, 0.3, noise=g),
    )
    assert np.array_equal(
        est.estimate("st_gumbel", X, F_QUAD, 10, 0.3, rng=0, f_grad=quad_grad),
        est.straight_through_gumbel_softmax_estimator(
            X, F_QUAD, 10, 0.3, noise=g, f_grad=quad_grad
        ),
    )
    assert np.array_equal(
        est.estimate("st", X, F_QUAD, 10, rng=0, f_grad=quad_grad),
        est.straight_through_estimator(X, F_QUAD, 10, noise=g, f_grad=quad_grad),
    )
    assert np.array_equal(
        est.estimate("naive_st", X, F_LIN, 10, 0.3), est.naive_straight_through(X, F_LIN, 10, 0.3)
    )
    assert est.ESTIMATORS == (
        "reinforce",
        "reinforce_loo",
        "naive_st",
        "st",
        "gumbel_softmax",
        "st_gumbel",
    )


def test_the_registry_describes_each_estimator():
    assert tuple(est.REGISTRY) == est.ESTIMATORS
    for name, e in est.REGISTRY.items():
        assert e.name == name and e.label and e.short and callable(e.kernel)
    reg = est.REGISTRY
    assert [n for n in est.ESTIMATORS if reg[n].min_samples == 2] == ["reinforce_loo"]
    assert [n for n in est.ESTIMATORS if not reg[n].stochastic] == ["naive_st"]
    assert [n for n in est.ESTIMATORS if reg[n].uses_tau] == [
        "naive_st",
        "gumbel_softmax",
        "st_gumbel",
    ]
    assert [n for n in est.ESTIMATORS if not reg[n].needs_grad] == ["reinforce", "reinforce_loo"]
    # the flags are true: an estimator that "does not use τ" gives the same numbers at any τ
    for name, e in reg.items():
        a = est.estimate(name, X, F_QUAD, 6, 0.3, rng=1, f_grad=quad_grad)
        b = est.estimate(name, X, F_QUAD, 6, 3.0, rng=1, f_grad=quad_grad)
        assert np.array_equal(a, b) != e.uses_tau, name
        c = est.estimate(name, X, F_QUAD, 6, 0.3, rng=2, f_grad=quad_grad)
        assert np.array_equal(a, c) != e.stochastic, name


def test_the_old_name_of_the_naive_trick_still_works_with_a_warning():
    assert est.straight_through is est.naive_straight_through
    with pytest.warns(DeprecationWarning, match="'naive_st'"):
        old = est.estimate("straight_through", X, F_LIN, 3, 0.3)
    np.testing.assert_array_equal(old, est.naive_straight_through(X, F_LIN, 3, 0.3))
    with pytest.warns(DeprecationWarning, match="'naive_st'"):
        batch = est.estimate_batch("straight_through", X, F_LIN, np.zeros((2, 3, 4)), 0.3)
    np.testing.assert_array_equal(batch[1], old)


def test_bias_std_values():
    r = est.bias_std([[1.0, 0.0], [3.0, 0.0], [2.0, 3.0]], [1.0, 1.0])
    assert r.bias == pytest.approx(1.0)
    assert r.std == pytest.approx(np.sqrt((1 + 1 + 0 + 1 + 1 + 4) / 3))
    assert r.stderr == pytest.approx(r.std / np.sqrt(3))


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: est.exact_gradient([1.0], [1.0]), ValueError, "d >= 2"),
        (lambda: est.exact_gradient([[1.0, 2.0]], [1.0, 2.0]), ValueError, "1-d array"),
        (
            lambda: est.exact_gradient([1.0, np.inf], [1.0, 2.0]),
            ValueError,
            "logits must be finite",
        ),
        (lambda: est.exact_gradient([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError, "f_values must have"),
        (
            lambda: est.exact_gradient([1.0, 2.0], [1.0, np.nan]),
            ValueError,
            "f_values must be finite",
        ),
        (lambda: est.exact_gradient([1.0, 2.0], ["a", "b"]), TypeError, "f_values"),
        (lambda: est.reinforce(X, F_LIN, 0), ValueError, "n must be a positive int"),
        (lambda: est.reinforce(X, F_LIN, 2.5), TypeError, "n must be a positive int"),
        (lambda: est.reinforce(X, F_LIN, True), TypeError, "n must be a positive int"),
        (lambda: est.reinforce(X, F_LIN, 5, rng="seed"), TypeError, "rng must be"),
        (lambda: est.reinforce(X, F_LIN, 5, baseline="mean"), ValueError, "baseline must be"),
        (lambda: est.reinforce(X, F_LIN, 1, baseline="loo"), ValueError, "n >= 2"),
        (
            lambda: est.reinforce(X, F_LIN, 5, baseline=np.inf),
            ValueError,
            "baseline must be finite",
        ),
        (lambda: est.reinforce(X, F_LIN, 5, baseline=[1.0]), TypeError, "baseline must be"),
        (
            lambda: est.reinforce(X, F_LIN, 5, noise=np.zeros((4, 4))),
            ValueError,
            r"noise must have shape \(n, d\)",
        ),
        (
            lambda: est.reinforce(X, F_LIN, 2, noise=[[0, 0, 0, np.nan]] * 2),
            ValueError,
            "noise must be finite",
        ),
        (lambda: est.gumbel_softmax_estimator(X, F_LIN, 5, tau=0.0), ValueError, "tau must be > 0"),
        (lambda: est.naive_straight_through(X, F_LIN, 5, tau=-1.0), ValueError, "tau must be > 0"),
        (
            lambda: est.straight_through_estimator(X, F_LIN, 5, f_grad=3),
            TypeError,
            "f_grad must be",
        ),
        (lambda: est.estimate(3, X, F_LIN, 5), TypeError, "name must be one of"),
        (lambda: est.gumbel_softmax_estimator(X, F_LIN, 5, f_grad=3), TypeError, "f_grad must be"),
        (
            lambda: est.gumbel_softmax_estimator(X, F_LIN, 5, f_grad=lambda y: y[:, :2]),
            ValueError,
            "f_grad must return",
        ),
        (
            lambda: est.straight_through_gumbel_softmax_estimator(
                X, F_LIN, 5, f_grad=lambda y: y / 0
            ),
            ValueError,
            "non-finite",
        ),
        (lambda: est.estimate("relax", X, F_LIN, 5), ValueError, "name must be one of"),
        (lambda: est.bias_std(np.zeros(3), np.zeros(3)), ValueError, "shape"),
        (lambda: est.bias_std([[np.nan]], [0.0]), ValueError, "finite"),
        (lambda: est.bias_std(np.zeros((0, 3)), np.zeros(3)), ValueError, "at least one row"),
        (lambda: est.reinforce(X, F_LIN, 2**70), ValueError, "n must be between 1 and"),
        (
            lambda: est.naive_straight_through(X, F_LIN, 2**70),
            ValueError,
            "n must be between 1 and",
        ),
        (
            lambda: est.gumbel_softmax_estimator(X, F_LIN, 10**8 + 1),
            ValueError,
            "n must be between 1 and 100000000",
        ),
    ],
)
def test_bad_input(call, error, words):
    with pytest.raises(error, match=words), np.errstate(divide="ignore", invalid="ignore"):
        call()


def test_lazy_module_access():
    assert gl.estimators is est


@pytest.mark.parametrize("name", ["naive_st", "st", "gumbel_softmax", "st_gumbel"])
def test_an_f_grad_that_writes_to_its_argument_cannot_corrupt_the_samples(name):
    def clobbering_grad(y):
        g = quad_grad(y)
        y[...] = 0.0  # a user's in-place update, e.g. y -= lr * g in their own code
        return g

    clean = est.estimate(name, X, F_QUAD, 50, 0.4, rng=9, f_grad=quad_grad)
    dirty = est.estimate(name, X, F_QUAD, 50, 0.4, rng=9, f_grad=clobbering_grad)
    np.testing.assert_array_equal(dirty, clean)
