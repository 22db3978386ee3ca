"""gumbel_lib.subsets: sparsemax, Gumbel-top-k, Plackett–Luce probabilities, relaxed top-k."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import gumbel_lib as gl
from gumbel_lib import subsets as sb
from gumbel_lib.stats import chi2_quantile, chi2_statistic

X5 = np.array([1.0, 0.2, -0.5, 0.6, -1.2])


def projection_by_bisection(z):
    """The projection onto the simplex, max(z − θ, 0) with θ found by bisection on its sum."""
    lo, hi = z.min() - 1.0, z.max()
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.maximum(z - mid, 0).sum() > 1 else (lo, mid)
    return np.maximum(z - (lo + hi) / 2, 0)


def fd_vjp(f, x, u, h=1e-6):
    return np.array([(u @ (f(x + h * e) - f(x - h * e))) / (2 * h) for e in np.eye(x.size)])


# --- sparsemax ------------------------------------------------------------------------------


@pytest.mark.parametrize("tau", [0.1, 0.5, 1.0, 4.0])
def test_sparsemax_is_the_projection(rng, tau):
    for _ in range(20):
        x = rng.normal(size=6) * 2
        y = sb.sparsemax(x, tau=tau)
        np.testing.assert_allclose(y, projection_by_bisection(x / tau), atol=1e-10)
        assert y.min() >= 0 and abs(y.sum() - 1) < 1e-12


def test_sparsemax_has_exact_zeros_and_is_a_limit_of_one_hot():
    y = sb.sparsemax([3.0, 1.0, 0.0, -2.0])
    assert (y == 0).sum() == 3 and y[0] == 1.0
    np.testing.assert_array_equal(sb.sparsemax(X5, tau=1e-3), gl.one_hot(0, 5))
    np.testing.assert_allclose(sb.sparsemax(X5, tau=1e8), np.full(5, 0.2), atol=1e-7)


def test_sparsemax_batches_along_the_last_axis(rng):
    x = rng.normal(size=(4, 3, 5))
    y = sb.sparsemax(x, tau=0.7)
    for idx in itertools.product(range(4), range(3)):
        np.testing.assert_allclose(y[idx], projection_by_bisection(x[idx] / 0.7), atol=1e-10)


@pytest.mark.parametrize("tau", [0.3, 1.0, 3.0])
def test_sparsemax_vjp_matches_finite_differences(rng, tau):
    for _ in range(10):
        x, u = rng.normal(size=6), rng.normal(size=6)
        y = sb.sparsemax(x, tau=tau)
        expected = fd_vjp(lambda v: sb.sparsemax(v, tau=tau), x, u)
        np.testing.assert_allclose(sb.sparsemax_vjp(y, u, tau=tau), expected, atol=1e-6)


def test_sparsemax_vjp_wrong_formula_is_caught(rng):
    """The check can fail: the softmax's VJP at the sparsemax output is not it."""
    x, u = np.array([0.3, 0.1, -0.2, -2.0, 0.25, -1.5]), rng.normal(size=6)
    y = sb.sparsemax(x)
    assert 1 < (y > 0).sum() < 6
    assert not np.allclose(gl.softmax_vjp(y, u), fd_vjp(sb.sparsemax, x, u), atol=1e-4)


# --- Gumbel-top-k and Plackett–Luce ---------------------------------------------------------


def test_plackett_luce_by_hand():
    π = gl.softmax(X5)
    for order in [(0, 3), (4, 1, 2), (2,)]:
        p, left = 1.0, 1.0
        for o in order:
            p, left = p * π[o] / left, left - π[o]
        assert np.exp(sb.plackett_luce_log_prob(X5, list(order))) == pytest.approx(p, rel=1e-12)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_enumerated_probabilities_sum_to_one(k):
    orders, p = sb.plackett_luce_probabilities(X5, k)
    assert len(orders) == np.prod(range(5 - k + 1, 6)) and p.sum() == pytest.approx(1.0)
    subsets, ps = sb.plackett_luce_probabilities(X5, k, ordered=False)
    assert len(subsets) == len(list(itertools.combinations(range(5), k)))
    assert ps.sum() == pytest.approx(1.0)
    if k == 1:
        np.testing.assert_allclose(p, gl.softmax(X5))


def test_plackett_luce_log_prob_broadcasts():
    orders, p = sb.plackett_luce_probabilities(X5, 2)
    np.testing.assert_allclose(np.exp(sb.plackett_luce_log_prob(X5, orders)), p)
    x2 = np.stack([X5, X5[::-1]])
    lp = sb.plackett_luce_log_prob(x2, [[0, 1], [0, 1]])
    assert lp.shape == (2,) and lp[0] != lp[1]


def ordering_counts(draws, d):
    code = draws[:, 0] * d + draws[:, 1]
    orders = np.array(list(itertools.permutations(range(d), 2)))
    counts = np.bincount(code, minlength=d * d)
    return counts[orders[:, 0] * d + orders[:, 1]]


def test_gumbel_top_k_passes_the_chi2_test_and_wrong_samplers_fail():
    n, d = 20_000, 5
    orders, p = sb.plackett_luce_probabilities(X5, 2)
    limit = chi2_quantile(len(p) - 1)
    good = chi2_statistic(ordering_counts(sb.gumbel_top_k(X5, 2, rng=0, size=n), d), p)
    # with replacement: two independent categorical draws (repeats dropped, renormalised)
    gen = np.random.default_rng(1)
    π = gl.softmax(X5)
    pairs = gen.choice(5, size=(3 * n, 2), p=π)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]][:n]
    with_replacement = chi2_statistic(ordering_counts(pairs, d), p)
    # sorting the noise-free probabilities: always the same top two
    noiseless = chi2_statistic(ordering_counts(np.tile(np.argsort(-π)[:2], (n, 1)), d), p)
    # the top-k of x + g with g normal instead of Gumbel
    z = X5 + gen.normal(size=(n, 5)) * np.pi / np.sqrt(6)
    normal = chi2_statistic(ordering_counts(np.argsort(-z, axis=1)[:, :2], d), p)
    assert good < limit < min(with_replacement, noiseless, normal)


def test_gumbel_top_k_agrees_with_sequential_sampling_over_seeds():
    """Sequential renormalised draws without replacement are the same law (two-sample χ²)."""
    n, d = 10_000, 5
    π = gl.softmax(X5)
    _, p = sb.plackett_luce_probabilities(X5, 2)
    for seed in range(5):
        gen = np.random.default_rng(seed)
        first = gen.choice(5, size=n, p=π)
        rest = np.where(np.eye(5, dtype=bool)[first], 0.0, π)
        u = gen.random(n)[:, None]
        second = (np.cumsum(rest / rest.sum(1, keepdims=True), axis=1) < u).sum(1)
        stat = chi2_statistic(ordering_counts(np.stack([first, second], 1), d), p)
        assert stat < chi2_quantile(len(p) - 1)


def test_gumbel_top_k_shapes_and_seeds():
    a = sb.gumbel_top_k(X5, 3, rng=7, size=(4, 2))
    assert a.shape == (4, 2, 3) and a.dtype.kind == "i"
    np.testing.assert_array_equal(a, sb.gumbel_top_k(X5, 3, rng=7, size=(4, 2)))
    assert all(len(set(row)) == 3 for row in a.reshape(-1, 3).tolist())
    assert sb.gumbel_top_k(X5, 5, rng=0).tolist() != sorted(range(5))  # a full permutation
    assert sorted(sb.gumbel_top_k(X5, 5, rng=0).tolist()) == list(range(5))


# --- relaxed top-k --------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 4])
@pytest.mark.parametrize("tau", [0.05, 0.5, 2.0])
def test_relaxed_top_k_sums_to_k_and_stays_between_0_and_k(rng, k, tau):
    x = rng.normal(size=(30, 5)) * 2
    y = sb.relaxed_top_k(x, k, tau=tau)
    np.testing.assert_allclose(y.sum(axis=-1), k, rtol=1e-12)
    assert y.min() >= 0 and y.max() <= k


def test_relaxed_top_k_second_step_is_p_times_one_minus_p_to_the_one_over_tau(rng):
    """The removal is weak: the second softmax is ∝ p_i (1 − p_i)^{1/τ}, p the first one."""
    x, tau = rng.normal(size=6), 0.7
    p = gl.softmax(x, tau=tau)
    second = p * (1 - p) ** (1 / tau)
    np.testing.assert_allclose(
        sb.relaxed_top_k(x, 2, tau=tau) - p, second / second.sum(), rtol=1e-12
    )


def test_relaxed_top_k_can_choose_the_winner_again_at_large_tau():
    """No tie: at τ = 1 the first step's winner keeps most of its weight in the second step."""
    y = sb.relaxed_top_k([2.0, 0.0, 0.0], 2, tau=1.0)
    np.testing.assert_allclose(y, [1.255, 0.372, 0.372], atol=1e-3)


def test_relaxed_top_k_can_choose_the_runner_up_twice_near_a_tie():
    """At small τ a near-tie lets the runner-up win both steps: an entry above 1."""
    y = sb.relaxed_top_k([0.0, -0.05, -5.0], 2, tau=0.1)
    assert y[1] > 1.2 and y.sum() == pytest.approx(2.0)


def test_relaxed_top_k_stays_at_most_1_for_two_steps_at_tau_one_half(rng):
    """k = 2, τ = 1/2: Σ_j p_j (1 − p_j)² ≥ p_i (1 − p_i), so no entry exceeds 1, for any logits;
    τ = 0.45 and 0.55 do exceed it on the same logits."""
    logits = rng.normal(scale=2.0, size=(20_000, 5))
    assert sb.relaxed_top_k(logits, 2, tau=0.5).max() <= 1 + 1e-12
    for tau in (0.45, 0.55):
        assert sb.relaxed_top_k(logits, 2, tau=tau).max() > 1.001


def test_relaxed_top_k_tends_to_the_hard_top_k(rng):
    x = np.stack([rng.permutation(np.linspace(-2.0, 2.0, 6)) for _ in range(50)])
    hard = np.zeros_like(x)
    np.put_along_axis(hard, np.argsort(-x, axis=1)[:, :3], 1.0, axis=1)
    gaps = [np.abs(sb.relaxed_top_k(x, 3, tau=t) - hard).max() for t in (1.0, 0.1, 1e-3, 1e-6)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[3] < 1e-9


def test_relaxed_top_k_with_one_is_softmax(rng):
    x = rng.normal(size=(5, 4))
    np.testing.assert_allclose(sb.relaxed_top_k(x, 1, tau=0.7), gl.softmax(x, tau=0.7))


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("tau", [0.3, 1.0, 3.0])
def test_relaxed_top_k_vjp_matches_finite_differences(rng, k, tau):
    for _ in range(5):
        x, u = rng.normal(size=5), rng.normal(size=5)
        expected = fd_vjp(lambda v: sb.relaxed_top_k(v, k, tau=tau), x, u)
        np.testing.assert_allclose(sb.relaxed_top_k_vjp(x, k, u, tau=tau), expected, atol=1e-6)


def test_relaxed_top_k_vjp_is_finite_at_tiny_tau(rng):
    x, u = rng.normal(size=(20, 6)), rng.normal(size=(20, 6))
    v = sb.relaxed_top_k_vjp(x, 3, u, tau=1e-6)
    assert np.isfinite(v).all()


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: sb.sparsemax([1.0]), ValueError, "logits must have at least 2"),
        (lambda: sb.sparsemax([1.0, np.nan]), ValueError, "logits must be finite"),
        (lambda: sb.sparsemax([1.0, 2.0], tau=0.0), ValueError, "tau"),
        (lambda: sb.sparsemax_vjp([0.5, 0.6], [1.0, 0.0]), ValueError, "y must sum to 1"),
        (lambda: sb.sparsemax_vjp([0.5, 0.5], [1.0]), ValueError, "upstream must have"),
        (lambda: sb.gumbel_top_k(X5, 6, rng=0), ValueError, "k must"),
        (lambda: sb.gumbel_top_k(X5, 2.0, rng=0), TypeError, "k must"),
        (lambda: sb.gumbel_top_k(X5, 2, rng="0"), TypeError, "rng"),
        (lambda: sb.plackett_luce_log_prob(X5, [0, 0]), ValueError, "order must not repeat"),
        (lambda: sb.plackett_luce_log_prob(X5, [0, 7]), ValueError, "order must hold"),
        (lambda: sb.plackett_luce_log_prob(X5, [0.0, 1.0]), TypeError, "order must be"),
        (lambda: sb.plackett_luce_probabilities(np.zeros(12), 6), ValueError, "orderings"),
        (lambda: sb.plackett_luce_probabilities(X5, 2, ordered=1), TypeError, "ordered"),
        (lambda: sb.relaxed_top_k(X5, 5), ValueError, "k must"),
        (lambda: sb.relaxed_top_k_vjp(X5, 2, [1.0]), ValueError, "upstream must have"),
    ],
)
def test_bad_input_names_the_argument(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
