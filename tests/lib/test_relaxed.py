"""gumbel_softmax and the Concrete density: agreement, statistics, extremes, hard samples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import integrate, stats

import gumbel_lib as gl


@settings(max_examples=150, deadline=None)
@given(
    arrays(
        np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)), elements=st.floats(-30, 30)
    ),
    st.floats(1e-4, 1e4),
    st.integers(0, 2**32 - 1),
)
def test_equals_softmax_of_perturbed_logits(x, tau, seed):
    """The fast path (shift by the first entry) agrees with the textbook definition."""
    y = gl.gumbel_softmax(x, tau=tau, rng=seed)
    g = gl.gumbel_noise(x.shape, rng=seed)
    np.testing.assert_allclose(y, gl.softmax(x + g, tau=tau), rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("tau", [1e-8, 1e-3, 0.1, 1.0, 1e3, 1e8])
@pytest.mark.parametrize("scale", [1.0, 1e3, 1e300])
def test_extremes_are_finite_and_agree(tau, scale):
    x = np.array([[1.0, -1.0, 0.5], [-1.0, -1.0, 1.0], [0.0, 1.0, -np.inf]]) * scale
    x[2, 2] = -np.inf
    y = gl.gumbel_softmax(x, tau=tau, rng=11, size=50)
    assert np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=-1), 1, rtol=1e-12)
    assert (y[..., 2, 2] == 0).all()  # masked
    g = gl.gumbel_noise((50, 3, 3), rng=11)
    np.testing.assert_allclose(y, gl.softmax(x + g, tau=tau), rtol=1e-9, atol=1e-300)


def test_rows_with_very_different_scales_use_the_exact_shift():
    x = np.array([[1000.0, 0.0, 5.0], [-1000.0, 0.0, -2.0]])  # the cheap shift would overflow
    y = gl.gumbel_softmax(x, tau=0.01, rng=12, size=20)
    assert np.isfinite(y).all()
    g = gl.gumbel_noise((20, 2, 3), rng=12)
    np.testing.assert_allclose(y, gl.softmax(x + g, tau=0.01), rtol=1e-9, atol=1e-300)


def test_float32_stays_float32():
    x = np.array([0.0, 1.0, 2.0], dtype=np.float32)
    y = gl.gumbel_softmax(x, 0.5, rng=0, size=1000)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.sum(-1), 1, rtol=1e-5)
    assert gl.gumbel_softmax(x, 1e-30, rng=0, hard=True).dtype == np.float32


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_axis(axis):
    x = np.log([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    x = x if axis != 0 else x.T
    y = gl.gumbel_softmax(x, 0.5, rng=13, axis=axis)
    np.testing.assert_allclose(y.sum(axis=axis), 1)
    h = gl.gumbel_softmax(x, 0.5, rng=13, axis=axis, hard=True)
    np.testing.assert_array_equal(h.sum(axis=axis), 1)
    np.testing.assert_array_equal(h.argmax(axis=axis), y.argmax(axis=axis))


def test_same_seed_same_sample_and_hard_agrees_with_soft():
    x = np.log([0.1, 0.2, 0.3, 0.4])
    a = gl.gumbel_softmax(x, 0.3, rng=5, size=1000)
    np.testing.assert_array_equal(a, gl.gumbel_softmax(x, 0.3, rng=5, size=1000))
    h = gl.gumbel_softmax(x, 0.3, rng=5, size=1000, hard=True)
    assert set(np.unique(h)) == {0.0, 1.0}
    np.testing.assert_array_equal(h.sum(axis=-1), 1)
    np.testing.assert_array_equal(h.argmax(-1), a.argmax(-1))


def test_hard_at_a_huge_tau_is_the_gumbel_max_sample_not_the_first_category():
    # at an enormous temperature every entry of the soft sample is exactly 1/d: its argmax
    # would be the first category; the hard sample is argmax(x + g) for the same noise
    y = gl.gumbel_softmax(np.zeros(4), tau=1e300, rng=0, size=400)
    np.testing.assert_array_equal(y, 0.25)
    h = gl.gumbel_softmax(np.zeros(4), tau=1e300, rng=0, size=400, hard=True)
    np.testing.assert_array_equal(h, gl.one_hot(gl.gumbel_max_sample(np.zeros(4), 0, 400), 4))
    assert np.bincount(h.argmax(-1), minlength=4).min() > 60  # about 100 each, not 400, 0, 0, 0


@pytest.mark.parametrize("tau", [0.05, 0.5, 1.0, 5.0, 50.0])
def test_argmax_is_distributed_as_softmax_at_any_tau(tau):
    pi = np.array([0.1, 0.2, 0.3, 0.4])
    n = 100_000
    y = gl.gumbel_softmax(np.log(pi), tau=tau, rng=14, size=n)
    counts = np.bincount(y.argmax(-1), minlength=4)
    assert stats.chisquare(counts, n * pi).pvalue > 1e-3


def test_limits_in_tau():
    x = np.log([0.2, 0.3, 0.5])
    cold = gl.gumbel_softmax(x, 1e-6, rng=15, size=1000)
    assert ((cold == 0) | (cold == 1)).all()  # one-hot: the Gumbel-max sample
    np.testing.assert_array_equal(cold.argmax(-1), gl.gumbel_max_sample(x, rng=15, size=1000))
    hot = gl.gumbel_softmax(x, 1e6, rng=15, size=1000)
    np.testing.assert_allclose(hot, 1 / 3, atol=1e-4)


def test_soft_samples_are_interior_points_not_one_hot():
    # The note calls the output one-hot; the soft sample is strictly inside the simplex.
    y = gl.gumbel_softmax(np.log([0.2, 0.3, 0.5]), 1.0, rng=16, size=10_000)
    assert (y > 0).all() and (y < 1).all()


# --- the Concrete density -----------------------------------------------------------


def naive_density(y, logits, tau):
    """Maddison et al. (2016), Definition 1, evaluated literally."""
    pi = np.exp(logits)
    d = len(y)
    num = math.factorial(d - 1) * tau ** (d - 1) * np.prod(pi * y ** (-tau - 1))
    return num / np.sum(pi * y ** (-tau)) ** d


@pytest.mark.parametrize("tau", [0.3, 1.0, 2.5])
def test_density_matches_the_definition(tau, rng):
    logits = np.array([0.3, -1.0, 0.8])
    y = gl.softmax(rng.normal(size=(20, 3)))
    expected = np.log([naive_density(v, logits, tau) for v in y])
    np.testing.assert_allclose(gl.concrete_log_density(y, logits, tau), expected, rtol=1e-10)


def test_density_is_shift_invariant_in_the_logits():
    y = np.array([0.2, 0.5, 0.3])
    a = gl.concrete_log_density(y, [0.0, 1.0, 2.0], 0.7)
    b = gl.concrete_log_density(y, [10.0, 11.0, 12.0], 0.7)
    assert a == pytest.approx(b, rel=1e-12)


@pytest.mark.parametrize("tau", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("logits", [[0.0, 0.0], [0.0, 1.5], [-2.0, 1.0]])
def test_density_integrates_to_one_for_d2(tau, logits):
    def p(t):
        return np.exp(gl.concrete_log_density([t, 1 - t], logits, tau))

    total, _ = integrate.quad(p, 0, 1, points=[0.5], limit=200)
    assert total == pytest.approx(1.0, abs=1e-6)


@pytest.mark.slow  # a 2-D quadrature, about 10 s: `make test` runs it, `make test-fast` does not
def test_density_integrates_to_one_for_d3():
    logits, tau = [0.2, -0.5, 0.4], 1.3

    def p(t2, t1):
        return np.exp(gl.concrete_log_density([t1, t2, 1 - t1 - t2], logits, tau))

    total, _ = integrate.dblquad(p, 1e-12, 1, 1e-12, lambda t1: 1 - t1 - 1e-12)
    assert total == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("tau", [0.3, 1.0, 2.0])
def test_density_matches_a_histogram_of_samples(tau):
    logits = np.array([0.0, 0.8])
    n = 200_000
    y1 = gl.gumbel_softmax(logits, tau, rng=17, size=n)[:, 0]
    edges = np.linspace(0, 1, 21)
    expected = np.array(
        [
            integrate.quad(
                lambda t: np.exp(gl.concrete_log_density([t, 1 - t], logits, tau)), a, b
            )[0]
            for a, b in zip(edges[:-1], edges[1:], strict=True)
        ]
    )
    counts, _ = np.histogram(y1, edges)
    assert stats.chisquare(counts, n * expected / expected.sum()).pvalue > 1e-3
    # and the wrong temperature is rejected: the test can tell densities apart
    wrong = np.array(
        [
            integrate.quad(
                lambda t: np.exp(gl.concrete_log_density([t, 1 - t], logits, tau * 1.2)), a, b
            )[0]
            for a, b in zip(edges[:-1], edges[1:], strict=True)
        ]
    )
    assert stats.chisquare(counts, n * wrong / wrong.sum()).pvalue < 1e-6


def test_density_is_finite_at_small_tau_where_the_formula_overflows():
    logits = np.zeros(10)
    y = gl.gumbel_softmax(logits, tau=0.05, rng=0)
    assert (y > 0).all()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        naive = naive_density(y, logits, 0.05)
    assert not np.isfinite(naive)
    log_p = gl.concrete_log_density(y, logits, 0.05)
    assert np.isfinite(log_p) and log_p > 709  # the density itself exceeds float64's range


def test_density_batch_shape():
    y = gl.gumbel_softmax([0.0, 1.0, 2.0], 0.5, rng=19, size=(4, 5))
    assert gl.concrete_log_density(y, [0.0, 1.0, 2.0], 0.5).shape == (4, 5)
    col = gl.concrete_log_density(y[0].T, np.array([[0.0], [1.0], [2.0]]), 0.5, axis=0)
    np.testing.assert_allclose(col, gl.concrete_log_density(y[0], [0.0, 1.0, 2.0], 0.5))


def test_density_refuses_y_repeated_along_the_category_axis():
    # axis=0 counts in the broadcast shape (5, 3): 5 categories, but y holds 3 and would be
    # repeated; this used to return 3 wrong values
    with pytest.raises(ValueError, match="y must hold the 5 categories along axis 0"):
        gl.concrete_log_density([0.2, 0.3, 0.5], np.zeros((5, 3)), 1.0, axis=0)
    with pytest.raises(ValueError, match="y must hold the 3 categories along axis 1"):
        gl.concrete_log_density(np.ones((4, 1)), np.zeros((4, 3)), 1.0)
    # the same point against a batch of logits, categories on the last axis: broadcast
    log_p = gl.concrete_log_density([0.2, 0.3, 0.5], np.zeros((5, 3)), 1.0)
    np.testing.assert_allclose(log_p, gl.concrete_log_density([0.2, 0.3, 0.5], np.zeros(3), 1.0))
    assert log_p.shape == (5,)


def test_density_checks_y_along_the_broadcast_axis():
    # y of shape (3, 1) against logits (3, 4) with axis=0: y is one point, repeated over
    # the 4 columns; logits may be broadcast along the category axis (equal logits)
    y = np.array([[0.2], [0.3], [0.5]])
    log_p = gl.concrete_log_density(y, np.zeros((3, 4)), 0.7, axis=0)
    np.testing.assert_allclose(log_p, gl.concrete_log_density(y[:, 0], np.zeros(3), 0.7))
    equal = gl.concrete_log_density(y[:, 0], np.zeros(1), 0.7)
    assert equal == pytest.approx(float(gl.concrete_log_density(y[:, 0], np.zeros(3), 0.7)))
    with pytest.raises(ValueError, match="y must sum to 1 along axis 0"):
        gl.concrete_log_density(np.array([[0.2], [0.3], [0.6]]), np.zeros((3, 4)), 0.7, axis=0)


# --- straight-through helpers -----------------------------------------------------------


def test_straight_through_softmax():
    x, u = np.array([0.5, 2.0, -1.0]), np.array([1.0, -2.0, 0.5])
    st_ = gl.straight_through_softmax(x, u, tau=0.5)
    np.testing.assert_array_equal(st_.value, [0, 1, 0])
    np.testing.assert_allclose(st_.soft, gl.softmax(x, 0.5))
    np.testing.assert_allclose(st_.grad, gl.softmax_vjp(gl.softmax(x, 0.5), u, 0.5))


def test_straight_through_gumbel_softmax_matches_hard_sample():
    x, u = np.log([0.2, 0.3, 0.5]), np.array([1.0, 0.0, -1.0])
    st_ = gl.straight_through_gumbel_softmax(x, u, tau=0.4, rng=20)
    np.testing.assert_array_equal(st_.value, gl.gumbel_softmax(x, 0.4, hard=True, rng=20))
    np.testing.assert_array_equal(st_.soft, gl.gumbel_softmax(x, 0.4, rng=20))
    # the surrogate gradient is the derivative of <u, softmax((x + g)/tau)> with g fixed
    g = gl.gumbel_noise(3, rng=20)
    h = 1e-6
    fd = [
        (u @ gl.softmax(x + g + h * e, 0.4) - u @ gl.softmax(x + g - h * e, 0.4)) / (2 * h)
        for e in np.eye(3)
    ]
    np.testing.assert_allclose(st_.grad, fd, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_straight_through_softmax_value_is_the_argmax_of_the_logits_at_a_huge_tau(dtype):
    # at τ = 1e17 the softmax rounds to (0.5, 0.5): its argmax would be the first category
    x, u = np.array([0.0, 1.0], dtype), np.array([1.0, 0.0], dtype)
    st_ = gl.straight_through_softmax(x, u, tau=1e17)
    np.testing.assert_array_equal(st_.soft, [0.5, 0.5])
    np.testing.assert_array_equal(st_.value, [0, 1])
    assert st_.value.dtype == st_.soft.dtype == dtype
