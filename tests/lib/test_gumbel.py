"""Gumbel noise and the Gumbel-max trick: statistics with fixed seeds, guards, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import gumbel_lib as gl

N = 1_000_000


class ZeroExponential(np.random.Generator):
    """A generator whose exponential draws are exactly 0.0 (NumPy's sampler can return that)."""

    def standard_exponential(self, size=None, dtype=np.float64, method="zig", out=None):
        return np.zeros(size, dtype=dtype)


def test_pdf_and_cdf_formulas():
    g = np.linspace(-3, 8, 50)
    np.testing.assert_allclose(gl.gumbel_cdf(g), stats.gumbel_r.cdf(g), rtol=1e-12)
    np.testing.assert_allclose(gl.gumbel_pdf(g), stats.gumbel_r.pdf(g), rtol=1e-12)
    # the pdf is the derivative of the cdf
    h = 1e-6
    np.testing.assert_allclose(
        gl.gumbel_pdf(g), (gl.gumbel_cdf(g + h) - gl.gumbel_cdf(g - h)) / (2 * h), atol=1e-8
    )


def test_noise_mean_and_variance():
    g = gl.gumbel_noise(N, rng=1)
    var = np.pi**2 / 6
    # standard errors: sqrt(var/N) for the mean; sqrt((mu4 - var^2)/N) with kurtosis 5.4
    assert abs(g.mean() - gl.EULER_GAMMA) < 5 * np.sqrt(var / N)
    assert abs(g.var() - var) < 5 * np.sqrt(4.4 * var**2 / N)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_noise_follows_the_gumbel_cdf(dtype):
    g = gl.gumbel_noise(200_000, rng=2, dtype=dtype)
    assert g.dtype == dtype
    assert stats.kstest(g.astype(np.float64), stats.gumbel_r.cdf).pvalue > 1e-3


def test_noise_is_deterministic_per_seed_and_shape():
    a = gl.gumbel_noise((3, 4), rng=7)
    assert a.shape == (3, 4)
    np.testing.assert_array_equal(a, gl.gumbel_noise((3, 4), rng=np.random.default_rng(7)))
    assert not np.array_equal(a, gl.gumbel_noise((3, 4), rng=8))


class ZeroUniform(ZeroExponential):
    """...whose uniform draws are exactly 0.0 too: every redraw of the tail is 0 again."""

    def random(self, size=None, dtype=np.float64, out=None):
        return np.zeros(size, dtype=dtype)


def conditional_tail_cdf(g, t):
    """P(G <= g | E < t) for G = -log E, E ~ Exp(1): the Gumbel tail beyond -log t."""
    return (np.expm1(-np.exp(-g)) - np.expm1(-t)) / -np.expm1(-t)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exact_zero_draws_are_redrawn_from_the_exact_tail(dtype):
    # NumPy's exponential sampler can return exactly 0.0 (float64: once in 2**53 draws, on a
    # grid of about 1e-15). Each draw below 2**-32 is redrawn from Exp(1) given E < 2**-32:
    # g follows the Gumbel tail beyond 32 log 2 = 22.2, not one clamped value (87.3 or 708.4).
    rng = ZeroExponential(np.random.PCG64(0))
    g = gl.gumbel_noise(20_000, rng=rng, dtype=dtype)
    assert g.dtype == dtype and np.isfinite(g).all()
    assert g.min() >= np.float32(32 * np.log(2)) and g.max() < 40
    t = 2.0**-32
    assert stats.kstest(g.astype(np.float64), conditional_tail_cdf, args=(t,)).pvalue > 1e-3
    # the test tells tails apart: the tail beyond 2**-31 is rejected
    assert stats.kstest(g.astype(np.float64), conditional_tail_cdf, args=(2 * t,)).pvalue < 1e-6
    y = gl.gumbel_softmax(np.zeros((2, 5), dtype=dtype), tau=0.01, rng=rng)
    assert np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(-1), 1, rtol=1e-6)
    k = gl.gumbel_max_sample(np.zeros(5, dtype=dtype), rng=rng, size=1000)
    assert np.bincount(k, minlength=5).min() > 150  # the redrawn noise breaks the ties


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_sampler_of_zeros_ends_at_the_smallest_normal_number(dtype):
    # the redraws stop, and what is left is clamped to 2.2e-308: g = 708.4 in both dtypes
    g = gl.gumbel_noise(5, rng=ZeroUniform(np.random.PCG64(0)), dtype=dtype)
    np.testing.assert_array_equal(g, dtype(-np.log(np.finfo(np.float64).tiny)))


def test_float32_noise_has_no_spike_in_its_tail():
    # float32 noise is drawn in float64: NumPy's float32 exponential returns exactly 0 once
    # in about 8e6 draws, which became g = 87.3 (the largest of 2e7 Gumbel draws is about 17)
    rng = np.random.default_rng(12)
    top = max(float(gl.gumbel_noise(2_000_000, rng=rng, dtype=np.float32).max()) for _ in range(10))
    assert 14 < top < 40


def test_noise_shape_and_dtype_follow_the_package_rule():
    # one rule with size: a 0 in the shape is refused; the dtype is named, None is refused
    for shape in (0, (2, 0)):
        with pytest.raises(ValueError, match="shape must contain positive ints"):
            gl.gumbel_noise(shape, rng=0)
    with pytest.raises(TypeError, match="dtype must be float32 or float64; got None"):
        gl.gumbel_noise(2, rng=0, dtype=None)
    assert gl.gumbel_noise((), rng=0).shape == ()


def test_global_numpy_state_is_not_used():
    # reading the legacy global state is the point of this test
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    gl.gumbel_noise(10)
    gl.gumbel_softmax([0.0, 1.0])
    gl.gumbel_max_sample([0.0, 1.0], size=5)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


def test_gumbel_max_is_argmax_of_perturbed_logits():
    x = np.log([0.1, 0.2, 0.7])
    k = gl.gumbel_max_sample(x, rng=3, size=(4, 5))
    assert k.shape == (4, 5)
    g = gl.gumbel_noise((4, 5, 3), rng=3)
    np.testing.assert_array_equal(k, np.argmax(x + g, axis=-1))


@pytest.mark.parametrize(
    "pi", [[0.1, 0.2, 0.3, 0.4], [0.5, 0.5], [0.01, 0.09, 0.9], [0.7, 0.0, 0.3]]
)
def test_gumbel_max_frequencies_match_pi(pi):
    pi = np.array(pi)
    with np.errstate(divide="ignore"):
        logits = np.log(pi) + 3.0  # unnormalised logits give the same distribution
    n = 200_000
    counts = np.bincount(gl.gumbel_max_sample(logits, rng=4, size=n), minlength=pi.size)
    support = pi > 0
    assert counts[~support].sum() == 0  # masked categories are never drawn
    assert stats.chisquare(counts[support], n * pi[support]).pvalue > 1e-3


def test_gumbel_max_batches_of_distributions():
    logits = np.log([[0.2, 0.8], [0.9, 0.1]])
    k = gl.gumbel_max_sample(logits, rng=5, size=100_000)
    assert k.shape == (100_000, 2)
    np.testing.assert_allclose(k.mean(axis=0), [0.8, 0.1], atol=0.006)


def test_temperature_plays_no_part_in_gumbel_max():
    # The note ties Gumbel-max to softmax(x / tau); it samples softmax(x) (tau = 1).
    x = np.array([0.0, 1.0, 2.0])
    n = 200_000
    counts = np.bincount(gl.gumbel_max_sample(x, rng=6, size=n), minlength=3)
    assert stats.chisquare(counts, n * gl.softmax(x)).pvalue > 1e-3
    assert stats.chisquare(counts, n * gl.softmax(x, tau=0.5)).pvalue < 1e-12


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pdf_and_cdf_limits_at_infinity(dtype):
    g = np.array([-np.inf, np.inf], dtype=dtype)
    np.testing.assert_array_equal(gl.gumbel_pdf(g), [0.0, 0.0])  # e^(inf - inf) is NaN
    np.testing.assert_array_equal(gl.gumbel_cdf(g), [0.0, 1.0])
    # and the far tails approach those limits without NaN or warnings
    with np.errstate(all="raise"):
        tails = np.array([-1e4, -800.0, 800.0, 1e4], dtype=dtype)
        np.testing.assert_array_equal(gl.gumbel_pdf(tails), 0.0)
        np.testing.assert_array_equal(gl.gumbel_cdf(tails), [0.0, 0.0, 1.0, 1.0])
    assert float(gl.gumbel_pdf(-np.inf)) == 0.0 and float(gl.gumbel_cdf(np.inf)) == 1.0


@pytest.mark.parametrize("fn", [gl.gumbel_pdf, gl.gumbel_cdf])
@pytest.mark.parametrize("g", [np.nan, [0.0, np.nan], np.float32([np.nan])])
def test_pdf_and_cdf_refuse_nan(fn, g):
    with pytest.raises(ValueError, match="g contains NaN"):
        fn(g)
