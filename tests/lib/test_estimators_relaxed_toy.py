"""estimate_batch (many groups at once) and binary_relaxed_mean (the d = 2 case by quadrature).

Notebook 06 runs its gradient descents and its RMSE simulation on ``estimate_batch`` and computes
the relaxed objective and the mean estimates of the Bernoulli toy with ``binary_relaxed_mean``;
these tests tie both to the one-group estimators and to sampling.
"""

from __future__ import annotations

import numpy as np
import pytest

import gumbel_lib as gl
from gumbel_lib import estimators as est

X = np.array([0.5, 1.0, -0.5, 0.0])
C = np.array([0.1, 0.2, 0.6, 0.1])
F_QUAD = ((np.eye(4) - C) ** 2).sum(axis=1)
T = 0.45
F_TOY = np.array([T**2, (1 - T) ** 2])


def quad_grad(y):
    return 2 * (y - C)


def toy_grad(y):
    """Gradient of the relaxed toy loss (y_1 - t)^2."""
    return np.stack([np.zeros(len(y)), 2 * (y[:, 1] - T)], axis=-1)


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


# --- estimate_batch ---------------------------------------------------------------------


@pytest.mark.parametrize("name", est.ESTIMATORS)
@pytest.mark.parametrize("f_grad", [None, quad_grad], ids=["linear", "squared"])
def test_batch_equals_one_group_at_a_time(name, f_grad):
    r = np.random.default_rng(0)
    logits = X + r.normal(size=(3, 4))  # each group its own logits
    noise = gl.gumbel_noise((3, 6, 4), rng=1)
    batch = est.estimate_batch(name, logits, F_QUAD, noise, 0.7, f_grad=f_grad)
    assert batch.shape == (3, 6, 4)
    for b in range(3):
        one = est.estimate(name, logits[b], F_QUAD, 6, 0.7, noise=noise[b], f_grad=f_grad)
        np.testing.assert_allclose(batch[b], one, rtol=1e-12, atol=1e-14)


def test_batch_shares_one_dimensional_logits():
    noise = gl.gumbel_noise((4, 3, 4), rng=2)
    shared = est.estimate_batch("gumbel_softmax", X, F_QUAD, noise, 0.5, f_grad=quad_grad)
    tiled = est.estimate_batch(
        "gumbel_softmax", np.tile(X, (4, 1)), F_QUAD, noise, 0.5, f_grad=quad_grad
    )
    np.testing.assert_array_equal(shared, tiled)


def test_leave_one_out_baseline_stays_within_its_group():
    """Group 0 has a huge loss in one sample; group 1's baseline must not see it."""
    noise = np.zeros((2, 2, 2))
    noise[0, 0] = [5.0, 0.0]  # group 0: categories 0 and 1
    noise[0, 1] = [0.0, 5.0]
    noise[1] = [[0.0, 5.0], [0.0, 5.0]]  # group 1: category 1 twice
    f = np.array([100.0, 1.0])
    out = est.estimate_batch("reinforce_loo", [0.0, 0.0], f, noise)
    np.testing.assert_allclose(out[1], 0.0)  # equal losses: f_k - b = 0 for both samples
    np.testing.assert_allclose(out[0, 0], (100.0 - 1.0) * (np.array([1.0, 0.0]) - 0.5))


def test_batch_reinforce_loo_is_unbiased_over_groups():
    """Averages of m = 2 LOO estimates over many groups centre on the exact gradient."""
    noise = gl.gumbel_noise((100_000, 2, 4), rng=3)
    means = est.estimate_batch("reinforce_loo", X, F_QUAD, noise).mean(axis=1)
    se = means.std(axis=0, ddof=1) / np.sqrt(len(means))
    assert np.max(np.abs(means.mean(axis=0) - est.exact_gradient(X, F_QUAD)) / se) < 4.5


@pytest.mark.parametrize("tau", [1e-310, 5e-324, 1e-300])
@pytest.mark.parametrize("name", est.ESTIMATORS)
def test_batch_at_a_tiny_tau_is_the_limit_like_one_group(name, tau):
    """A τ below float64's normal range: the τ → 0 limit (0 where the sample is one-hot),
    with no overflow warning and no NaN, the same numbers as :func:`estimate`."""
    x, f = np.array([0.5, 1.0, -0.5]), np.array([1.0, 3.0, -2.0])
    noise = gl.gumbel_noise((2, 3, 3), rng=0)
    batch = est.estimate_batch(name, x, f, noise, tau)  # warnings are errors in the tests
    assert not np.isnan(batch).any()
    for b in range(2):
        np.testing.assert_array_equal(batch[b], est.estimate(name, x, f, 3, tau, noise=noise[b]))
    if est.REGISTRY[name].uses_tau:
        np.testing.assert_array_equal(batch, 0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"name": "reinforce_2"}, "name must be one of"),
        ({"noise": np.zeros((3, 4))}, r"noise must have shape \(B, m, d\)"),
        ({"noise": np.zeros((2, 3, 5))}, r"noise must have shape \(B, m, d\)"),
        ({"noise": np.full((2, 3, 4), np.nan)}, "noise must be finite"),
        ({"logits": np.zeros((3, 4))}, r"logits must have shape \(d,\) or \(B, d\)"),
        ({"logits": [0.0, np.inf, 0.0, 0.0]}, "logits must be finite"),
        ({"f_values": [1.0, 2.0]}, r"noise must have shape \(B, m, d\) with d = 2"),
        ({"f_values": [1.0]}, "f_values must be a 1-d array of d >= 2"),
        ({"tau": 0.0}, "tau must be > 0"),
        ({"name": "reinforce_loo", "noise": np.zeros((2, 1, 4))}, "m >= 2"),
    ],
)
def test_batch_rejects_bad_input(kwargs, match):
    args = {"name": "gumbel_softmax", "logits": X, "f_values": F_QUAD, "noise": np.zeros((2, 3, 4))}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        est.estimate_batch(
            args.pop("name"), args.pop("logits"), args.pop("f_values"), args.pop("noise"), **args
        )


# --- binary_relaxed_mean -------------------------------------------------------------------


@pytest.mark.parametrize("tau", [0.01, 0.1, 1.0, 10.0])
def test_probability_of_each_corner_is_exact(tau):
    """P(y_1 > 1/2) = P(K = 1) = σ(θ) at every τ: checks the split at v = 0 and the tails."""
    theta = np.array([-6.0, -1.0, 0.0, 0.5, 3.0])
    p1 = gl.relaxed.binary_relaxed_mean(lambda s: (s > 0.5) * 1.0, theta, tau)
    np.testing.assert_allclose(p1, sigmoid(theta), atol=1e-12)
    np.testing.assert_allclose(
        gl.relaxed.binary_relaxed_mean(np.ones_like, theta, tau), 1.0, atol=1e-12
    )


@pytest.mark.parametrize("tau, theta", [(0.1, -2.0), (0.5, 0.3), (1.0, -1.0), (3.0, 1.5)])
def test_matches_sampling_from_gumbel_softmax(tau, theta):
    y1 = gl.gumbel_softmax([0.0, theta], tau=tau, rng=4, size=400_000)[:, 1]
    h = (y1 - T) ** 2
    exact = gl.relaxed.binary_relaxed_mean(lambda s: (s - T) ** 2, theta, tau)
    assert abs(h.mean() - exact) < 4.5 * h.std() / np.sqrt(len(h))


def test_converged_in_the_number_of_nodes():
    h = lambda s: np.sin(3 * s) + (s - T) ** 2  # noqa: E731
    theta = np.linspace(-5, 3, 9)
    for tau in [0.05, 0.7, 4.0]:
        a = gl.relaxed.binary_relaxed_mean(h, theta, tau)
        b = gl.relaxed.binary_relaxed_mean(h, theta, tau, nodes=16, v_max=60.0)
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_pathwise_derivative_of_the_relaxed_objective():
    """d/dθ E[φ(y_1)] = E[φ'(y_1) y_1 (1 - y_1) / τ]: the Gumbel-softmax estimator's mean."""
    tau, h = 0.3, 1e-5
    phi = lambda s: (s - T) ** 2  # noqa: E731
    for theta in [-2.0, 0.4]:
        fd = (
            gl.relaxed.binary_relaxed_mean(phi, theta + h, tau)
            - gl.relaxed.binary_relaxed_mean(phi, theta - h, tau)
        ) / (2 * h)
        pathwise = gl.relaxed.binary_relaxed_mean(
            lambda s: 2 * (s - T) * s * (1 - s) / tau, theta, tau
        )
        assert abs(fd - pathwise) < 1e-8


def _mean_estimates(dphi, theta, tau):
    gs = gl.relaxed.binary_relaxed_mean(lambda s: dphi(s) * s * (1 - s) / tau, theta, tau)
    at_corner = lambda s: np.where(s > 0.5, dphi(1.0), dphi(0.0))  # noqa: E731
    st = gl.relaxed.binary_relaxed_mean(lambda s: at_corner(s) * s * (1 - s) / tau, theta, tau)
    return float(gs), float(st)


@pytest.mark.parametrize("name, which", [("gumbel_softmax", 0), ("st_gumbel", 1)])
def test_quadrature_means_match_the_library_estimators(name, which):
    theta, tau = -1.0, 0.3
    sampled = est.estimate(name, [0.0, theta], F_TOY, 400_000, tau, rng=5, f_grad=toy_grad)[:, 1]
    exact = _mean_estimates(lambda s: 2 * (np.asarray(s) - T), theta, tau)[which]
    assert abs(sampled.mean() - exact) < 4.5 * sampled.std() / np.sqrt(len(sampled))


def test_straight_through_limit_is_the_trapezoid_rule():
    """As τ → 0: GS and (quadratic) ST-GS unbiased, cubic ST-GS 1.5 times the exact gradient."""
    theta = -1.0
    exact = sigmoid(theta) * (1 - sigmoid(theta)) * (F_TOY[1] - F_TOY[0])
    squared = lambda s: 2 * (np.asarray(s) - T)  # noqa: E731
    cubic = lambda s: 3 * (F_TOY[1] - F_TOY[0]) * np.asarray(s) ** 2  # noqa: E731
    gs_sq, st_sq = _mean_estimates(squared, theta, 1e-3)
    gs_cu, st_cu = _mean_estimates(cubic, theta, 1e-3)
    assert abs(gs_sq / exact - 1) < 1e-2 and abs(st_sq / exact - 1) < 1e-2
    assert abs(gs_cu / exact - 1) < 1e-2
    assert abs(st_cu / exact - 1.5) < 1e-2
    # and at a moderate τ all four are biased
    assert all(abs(m / exact - 1) > 0.05 for m in _mean_estimates(squared, theta, 0.3))


@pytest.mark.parametrize("tau", [1e4, 1e6, 1e9])
def test_cost_does_not_grow_with_tau(tau):
    """The quadrature uses at most twice the nodes of τ = 1 at a huge τ, and the
    result is right: P(y_1 > 1/2) = σ(θ), and E[y_1] -> 1/2 + θ/(4τ) as τ → ∞."""
    sizes = {}

    def counting(s, key):
        sizes[key] = np.size(s) if np.size(s) > 2 else sizes.get(key, 0)
        return (s > 0.5) * 1.0

    theta = np.array([-3.0, 0.2, 5.0])
    p1 = gl.relaxed.binary_relaxed_mean(lambda s: counting(s, tau), theta, tau)
    gl.relaxed.binary_relaxed_mean(lambda s: counting(s, 1.0), theta, 1.0)
    assert sizes[tau] <= 2 * sizes[1.0]  # bounded: at most twice the nodes of τ = 1
    np.testing.assert_allclose(p1, sigmoid(theta), atol=1e-12)
    mean = gl.relaxed.binary_relaxed_mean(lambda s: s, theta, tau)
    np.testing.assert_allclose(mean - 0.5, theta / (4 * tau), rtol=1e-3, atol=1e-14)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"h": 3.0}, TypeError, "h must be a callable"),
        ({"theta": [0.0, np.nan]}, ValueError, "theta must be finite"),
        ({"tau": -1.0}, ValueError, "tau must be > 0"),
        ({"v_max": 0.0}, ValueError, "v_max must be > 0"),
        ({"nodes": 0}, ValueError, "nodes must be between 1 and 64"),
        ({"nodes": 10**6}, ValueError, "nodes must be between 1 and 64"),
        ({"v_max": 1e9}, ValueError, "v_max must be at most 1000"),
        ({"h": lambda s: s[:3]}, ValueError, "h must return finite numbers of the shape"),
        ({"h": lambda s: s / 0.0}, ValueError, "h must return finite numbers"),
    ],
)
def test_binary_relaxed_mean_rejects_bad_input(kwargs, error, match):
    args = {"h": lambda s: s, "theta": 0.0, "tau": 0.5}
    args.update(kwargs)
    with pytest.raises(error, match=match), np.errstate(divide="ignore", invalid="ignore"):
        gl.relaxed.binary_relaxed_mean(args.pop("h"), args.pop("theta"), args.pop("tau"), **args)
