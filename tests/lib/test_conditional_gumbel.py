"""Gumbel noise given the argmax: its law against rejection sampling, its Jacobian, its checks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from gumbel_lib import gumbel_noise, stats
from gumbel_lib.gumbel import (
    conditional_gumbel,
    conditional_perturbed_logits,
    conditional_perturbed_logits_vjp,
)

X = np.log([0.1, 0.2, 0.3, 0.4])
LEVEL = 1e-3  # reject at p < 0.001


def rejection(x, k, n, seed):
    """Unconditional Gumbel noise, keeping the draws whose argmax is k: the reference law."""
    g = gumbel_noise((n, x.size), rng=seed)
    return g[(x + g).argmax(axis=1) == k]


def wrong_independent_truncation(x, k, n, seed):
    """A plausible slip: each other coordinate truncated below its *own* fresh draw of the
    winner, x_k + g_k with g_k ~ Gumbel(0, 1) (the winner's law is not Gumbel(x_k) given k)."""
    r = np.random.default_rng(seed)
    h = gumbel_noise((n, x.size), rng=r)
    top = x[k] + gumbel_noise((n, 1), rng=r)
    w = -np.logaddexp(-top, -(x + h))
    w[:, k] = top[:, 0]
    return w - x


def ks_pvalues(a, b):
    return np.array(
        [
            stats.ks_pvalue(stats.ks_statistic(a[:, j], b[:, j]), len(a), len(b))
            for j in range(a.shape[1])
        ]
    )


@pytest.mark.parametrize("k", [0, 3])
def test_conditional_gumbel_has_the_law_of_rejection_sampling(k):
    ref = rejection(X, k, 200_000, seed=1)
    g = conditional_gumbel(X, np.full(len(ref), k), rng=2)
    assert ((X + g).argmax(axis=1) == k).all()
    p = ks_pvalues(g, ref)
    assert p.min() > LEVEL, p


@pytest.mark.parametrize("k", [0, 3])
def test_the_ks_test_rejects_a_wrong_construction(k):
    ref = rejection(X, k, 200_000, seed=1)
    wrong = wrong_independent_truncation(X, k, len(ref), seed=2)
    assert ((X + wrong).argmax(axis=1) == k).all()  # the argmax alone does not catch it
    assert ks_pvalues(wrong, ref)[k] < LEVEL


def test_the_ks_test_rejects_an_untruncated_draw():
    ref = rejection(X, 0, 200_000, seed=1)
    untruncated = gumbel_noise(ref.shape, rng=3)
    assert ks_pvalues(untruncated, ref).min() < LEVEL


def test_the_maximum_is_gumbel_at_logsumexp_and_independent_of_the_argmax():
    lse = np.log(np.exp(X).sum())
    for k in range(4):
        top = (X + conditional_gumbel(X, np.full(50_000, k), rng=k)).max(axis=1) - lse
        assert sps.kstest(top, sps.gumbel_r.cdf).pvalue > LEVEL


def test_ks_helpers_agree_with_scipy(rng):
    a, b = rng.normal(size=3000), rng.normal(0.05, 1.0, size=2000)
    d = stats.ks_statistic(a, b)
    ref = sps.ks_2samp(a, b, method="asymp")
    assert d == pytest.approx(ref.statistic, abs=1e-12)
    lam = np.sqrt(3000 * 2000 / 5000) * d
    assert stats.ks_pvalue(d, 3000, 2000) == pytest.approx(sps.kstwobign.sf(lam), rel=1e-9)
    for lam in [0.3, 0.8, 1.36, 2.0, 3.0]:
        assert stats.ks_pvalue(lam / np.sqrt(50), 100, 100) == pytest.approx(
            sps.kstwobign.sf(lam), rel=1e-9
        )


def test_the_vjp_matches_finite_differences(rng):
    x, h, v = rng.normal(size=5), gumbel_noise(5, rng=4), rng.normal(size=5)
    for k in range(5):
        w = conditional_perturbed_logits(x, np.array(k), h)
        fd = np.array(
            [
                (
                    v @ conditional_perturbed_logits(x + 1e-6 * e, np.array(k), h)
                    - v @ conditional_perturbed_logits(x - 1e-6 * e, np.array(k), h)
                )
                / 2e-6
                for e in np.eye(5)
            ]
        )
        np.testing.assert_allclose(conditional_perturbed_logits_vjp(x, w, v), fd, atol=1e-6)


def test_shapes_and_broadcasting():
    assert conditional_gumbel(X, 2, rng=0).shape == (4,)
    assert conditional_gumbel(np.tile(X, (3, 1)), [0, 1, 2], rng=0).shape == (3, 4)
    assert conditional_gumbel(X, np.zeros((2, 5), dtype=int), rng=0).shape == (2, 5, 4)


@pytest.mark.parametrize(
    ("logits", "k", "error", "words"),
    [
        (X, 4, ValueError, "k must hold categories from 0 to 3"),
        (X, -1, ValueError, "k must hold"),
        (X, 1.0, TypeError, "k must be an int"),
        (X, True, TypeError, "k must be an int"),
        ([1.0], 0, ValueError, "d >= 2"),
        ([0.0, np.inf], 0, ValueError, "logits must be finite"),
        (np.zeros((3, 4)), [0, 1], ValueError, "does not broadcast"),
    ],
)
def test_bad_input_is_named(logits, k, error, words):
    with pytest.raises(error, match=words):
        conditional_gumbel(logits, k, rng=0)
