"""Temperatures at the ends of the float range give the limit, never NaN.

τ enters through one conversion (``_checks.check_tau``) and, where something is divided
by it in the data's precision, one clipping to that dtype's range (``_checks.tau_as``):
softmax, log_softmax, gumbel_softmax, softmax_vjp, the straight-through functions and the
estimators all share them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import gumbel_lib as gl
from gumbel_lib import estimators as est

TINY = [1e-50, 1e-300, 5e-324]  # below float32's range; near and below float64's normal range


@pytest.mark.parametrize("tau", TINY)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_straight_through_softmax_at_a_tiny_tau(tau, dtype):
    st_ = gl.straight_through_softmax(np.array([0, 10], dtype), np.array([1, 0], dtype), tau=tau)
    np.testing.assert_array_equal(st_.value, [0, 1])
    np.testing.assert_array_equal(st_.soft, [0, 1])
    np.testing.assert_array_equal(st_.grad, [0, 0])  # the limit τ → 0: p is one-hot
    assert st_.grad.dtype == dtype


@pytest.mark.parametrize("tau", TINY)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_vjp_at_a_tiny_tau(tau, dtype):
    y = np.array([0.0, 1.0, 0.0], dtype)
    np.testing.assert_array_equal(gl.softmax_vjp(y, np.array([1, 2, 3], dtype), tau=tau), 0)
    # an exact tie: the limit is ±inf; the result keeps the signs and is never NaN
    with np.errstate(over="ignore"):
        tie = gl.softmax_vjp(np.array([0.5, 0.5], dtype), np.array([1, 0], dtype), tau=tau)
    assert not np.isnan(tie).any()
    assert tie[0] > 1e30 and tie[1] < -1e30


@pytest.mark.parametrize("tau", TINY)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_straight_through_gumbel_softmax_at_a_tiny_tau(tau, dtype):
    x = np.array([[0.0, 1.0, -np.inf], [-np.inf, 2.0, 0.5]], dtype)
    st_ = gl.straight_through_gumbel_softmax(x, np.ones_like(x), tau=tau, rng=3)
    assert not np.isnan(st_.grad).any()
    np.testing.assert_array_equal(st_.soft, st_.value)  # τ → 0: the soft sample is one-hot
    np.testing.assert_array_equal(st_.grad, 0)


@pytest.mark.parametrize("tau", TINY)
def test_estimators_at_a_tiny_tau(tau):
    x, f = np.array([0.5, 1.0, -0.5]), np.array([1.0, 3.0, -2.0])
    for name in est.ESTIMATORS:
        e = est.estimate(name, x, f, 20, tau, rng=0)
        assert not np.isnan(e).any(), name
    # the relaxed estimators vanish at τ → 0: every soft sample is one-hot
    np.testing.assert_array_equal(est.gumbel_softmax_estimator(x, f, 20, tau, rng=0), 0)
    np.testing.assert_array_equal(
        est.straight_through_gumbel_softmax_estimator(x, f, 20, tau, rng=0), 0
    )
    np.testing.assert_array_equal(est.straight_through(x, f, 3, tau), 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_tau_gives_the_uniform_limit(dtype):
    x = np.array([[0.0, 3.0, -np.inf], [1.0, 1.0, 2.0]], dtype)
    p = gl.softmax(x, tau=1e308)
    np.testing.assert_allclose(p, [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    y = gl.gumbel_softmax(x, tau=1e308, rng=0, size=5)
    np.testing.assert_allclose(y, np.broadcast_to(p, y.shape), rtol=1e-6)
    grad = gl.softmax_vjp(p, np.ones_like(p) * np.array([1, 0, 0], dtype), tau=1e308)
    assert not np.isnan(grad).any()
    np.testing.assert_allclose(grad, 0, atol=1e-30)  # about 1/τ: 0 in the limit


def test_concrete_density_at_a_huge_tau_is_the_limit():
    # as τ → ∞ the Concrete distribution collapses onto the centre of the simplex:
    # log p → -inf off the centre and → +inf at it, like (d - 1) log τ
    logits = np.array([0.3, -1.0, 0.8])
    off = gl.concrete_log_density([[0.1, 0.2, 0.7], [0.2, 0.3, 0.5]], logits, tau=1e308)
    assert not np.isnan(off).any()
    assert off[0] == -np.inf  # τ (log 0.7 - log 0.1) overflows: the limit itself
    assert off[1] < -1e307  # finite, as large as float64 goes
    centre = gl.concrete_log_density(np.full(3, 1 / 3), logits, tau=1e308)
    lse = math.log(np.exp(logits).sum())
    expected = math.lgamma(3) + 2 * math.log(1e308) + logits.sum() + 3 * math.log(3) - 3 * lse
    assert centre == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("tau", [1e-300, 5e-324])
def test_concrete_density_at_a_tiny_tau_is_finite(tau):
    y = np.array([0.2, 0.3, 0.5])
    log_p = gl.concrete_log_density(y, [0.0, 1.0, -1.0], tau=tau)
    assert np.isfinite(log_p)
    # at τ → 0 the density behaves like τ^(d-1) times a τ-free factor
    ratio = log_p - gl.concrete_log_density(y, [0.0, 1.0, -1.0], tau=tau * 4)
    assert ratio == pytest.approx(-2 * math.log(4), abs=1e-9)


def test_concrete_density_formula_is_unchanged_at_moderate_tau():
    # the rewritten log-space form against the definition, evaluated literally
    logits, tau = np.array([0.3, -1.0, 0.8]), 0.7
    y = gl.softmax(np.array([[0.1, 0.5, -0.2], [1.0, -1.0, 0.3]]))
    pi = np.exp(logits)
    naive = [
        math.log(2 * tau**2 * np.prod(pi * v ** (-tau - 1)) / np.sum(pi * v ** (-tau)) ** 3)
        for v in y
    ]
    np.testing.assert_allclose(gl.concrete_log_density(y, logits, tau), naive, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_soft_samples_at_both_ends_of_the_range_in_every_precision(dtype):
    # τ = 1e-300: the soft sample is the hard one; τ = 1e300: exactly uniform, while the
    # hard sample stays argmax(x + g) (all three categories, not the first one)
    x = np.log([0.2, 0.3, 0.5]).astype(dtype)
    cold = gl.gumbel_softmax(x, 1e-300, rng=1, size=2000)
    np.testing.assert_array_equal(cold, gl.gumbel_softmax(x, 1e-300, hard=True, rng=1, size=2000))
    hot = gl.gumbel_softmax(x, 1e300, rng=1, size=2000)
    assert hot.dtype == dtype
    np.testing.assert_array_equal(hot, np.broadcast_to(hot[:1, :1], hot.shape))
    np.testing.assert_allclose(hot.astype(np.float64), 1 / 3, rtol=1e-3)
    hard = gl.gumbel_softmax(x, 1e300, hard=True, rng=1, size=2000)
    np.testing.assert_array_equal(hard, cold)  # the same noise, the same argmax at any τ
