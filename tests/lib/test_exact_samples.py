"""Exact samples in every precision and at every temperature.

The hard sample of the Gumbel-softmax (``gumbel_softmax(hard=True)``, the value of
``straight_through_gumbel_softmax``) and the Gumbel-max sample are ``argmax(x + g)``, so they
are distributed as ``softmax(x)`` exactly, whatever τ and the dtype: never the argmax of a
rounded soft sample (which ties at a huge τ, or in float16), never shifted by rounding
``x + g`` where ``x`` is large, never moved by a coarse noise tail.

Two kinds of test. Equality: for the same seed the hard sample is the one-hot of
``argmax((x - max x) + g)`` with ``g = gumbel_noise(...)``. Statistics: the category
frequencies of ``n`` samples against ``softmax(x)`` (of the logits as the dtype holds them),
a χ² test each. Every seed is fixed, so every test is deterministic; the level ``P_MIN``
is Bonferroni-safe: the 57 χ² tests here would all pass with probability above 0.999 for
exact samplers, and each defect they guard against gives a p-value below 1e-11 (float16
ties at τ = 100: 3e-13; float32 logits + 1e6: 4e-12; most are 0).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import gumbel_lib as gl

DTYPES = [np.float16, np.float32, np.float64]
TAUS = [1e-300, 1e-6, 1.0, 100.0, 1e6, 1e17, 1e300]
PI = np.array([0.2, 0.3, 0.5])
P_MIN = 1e-5  # per χ² test; 57 tests: a false alarm with probability below 1e-3


def compute_dtype(dtype):
    """float16 logits are computed in float32 (the package's dtype rule)."""
    return np.dtype(np.float32) if np.dtype(dtype) == np.float16 else np.dtype(dtype)


def reference_argmax(x, seed, n):
    """``argmax(x + g)`` for the noise the samplers draw with ``rng=seed``, in their
    arithmetic: ``(x - max x) + g``, or ``x + g`` when every logit lies within ±32."""
    xc = x.astype(compute_dtype(x.dtype))
    g = gl.gumbel_noise((n,) + x.shape, rng=seed, dtype=xc.dtype)  # float32 for float16/32
    if np.abs(xc).max() > 32:
        xc = xc - xc.max(axis=-1, keepdims=True)
    return (xc + g).argmax(axis=-1)


def exact_probabilities(x):
    """softmax of the logits as the dtype holds them, in float64."""
    return gl.softmax(np.asarray(x, dtype=np.float64))


def assert_frequencies(k, probs, what):
    counts = np.bincount(k.ravel(), minlength=probs.size)
    p = stats.chisquare(counts, k.size * probs).pvalue
    assert p > P_MIN, f"{what}: frequencies {counts / k.size} against {probs} (p = {p:.3g})"


# --- the same noise: the hard sample is argmax(x + g) ------------------------------------


@pytest.mark.parametrize("offset", [0.0, 1e3])  # x + g as it is, and (x - max x) + g
@pytest.mark.parametrize("tau", TAUS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_hard_sample_is_the_argmax_of_the_perturbed_logits(dtype, tau, offset):
    x, n, seed = (np.log(PI) + offset).astype(dtype), 3000, 1
    expected = gl.one_hot(reference_argmax(x, seed, n), 3, dtype=dtype)
    hard = gl.gumbel_softmax(x, tau, hard=True, rng=seed, size=n)
    np.testing.assert_array_equal(hard, expected)
    assert hard.dtype == dtype
    # the straight-through value is the same sample, and its soft half the same soft sample
    batch = np.broadcast_to(x, (n, 3))
    st = gl.straight_through_gumbel_softmax(batch, np.zeros((n, 3), dtype), tau, rng=seed)
    np.testing.assert_array_equal(st.value, expected)
    np.testing.assert_array_equal(st.soft, gl.gumbel_softmax(x, tau, rng=seed, size=n))
    assert st.value.dtype == st.soft.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_gumbel_max_sample_is_the_argmax_of_the_perturbed_logits(dtype):
    x = np.log(PI).astype(dtype)
    k = gl.gumbel_max_sample(x, rng=2, size=3000)
    np.testing.assert_array_equal(k, reference_argmax(x, 2, 3000))


@pytest.mark.parametrize("dtype", DTYPES)
def test_straight_through_value_is_the_hard_sample_at_tau_1(dtype):
    # what the docstring promises, for float16 too (ties of the rounded soft sample)
    x = np.zeros((20_000, 2), dtype)
    st = gl.straight_through_gumbel_softmax(x, np.ones_like(x), tau=1.0, rng=3)
    np.testing.assert_array_equal(st.value, gl.gumbel_softmax(x, 1.0, hard=True, rng=3))


# --- the frequencies: softmax(x) at every τ, in every precision ---------------------------


@pytest.mark.parametrize("tau", TAUS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_hard_samples_are_distributed_as_softmax(dtype, tau):
    x, n = np.log(PI).astype(dtype), 200_000
    probs = exact_probabilities(x)
    hard = gl.gumbel_softmax(x, tau, hard=True, rng=4, size=n)
    assert_frequencies(hard.argmax(-1), probs, "gumbel_softmax(hard=True)")
    batch = np.broadcast_to(x, (n, 3))
    st = gl.straight_through_gumbel_softmax(batch, np.zeros((n, 3), dtype), tau, rng=5)
    assert_frequencies(st.value.argmax(-1), probs, "straight_through_gumbel_softmax")


@pytest.mark.parametrize("tau", [100.0, 1e4, 1e300])
def test_float16_ties_favour_no_category(tau):
    # zeros: every soft sample rounds to (0.5, 0.5) in float16 at a large τ
    x = np.zeros((200_000, 2), np.float16)
    st = gl.straight_through_gumbel_softmax(x, np.zeros_like(x), tau, rng=6)
    assert_frequencies(st.value.argmax(-1), np.array([0.5, 0.5]), "float16 ties")


# --- shift invariance: x = log π + c gives softmax(x) for every c ---------------------------

SHIFTS = [(np.float16, 1e3), (np.float32, 1e6), (np.float32, 1e7), (np.float64, 1e16)]


@pytest.mark.parametrize(("dtype", "c"), SHIFTS)
def test_a_large_constant_changes_no_frequency(dtype, c):
    x = (np.log(PI) + c).astype(dtype)  # as the dtype holds it: float32 1e7 is [-2, -1, -1] + c
    probs, n = exact_probabilities(x), 200_000
    assert_frequencies(gl.gumbel_max_sample(x, rng=7, size=n), probs, "gumbel_max_sample")
    hard = gl.gumbel_softmax(x, 0.5, hard=True, rng=8, size=n)
    assert_frequencies(hard.argmax(-1), probs, "gumbel_softmax(hard=True)")
    soft = gl.gumbel_softmax(x, 0.5, rng=9, size=n)
    assert_frequencies(soft.argmax(-1), probs, "argmax of gumbel_softmax")


@pytest.mark.parametrize(("dtype", "c"), [(np.float32, 2.0**10), (np.float64, 2.0**40)])
def test_an_exact_shift_gives_the_same_draws(dtype, c):
    # x + c is exact here, so (x + c) - max(x + c) is x - max x: the draws are identical
    x = np.array([0.0, -1.0, -2.5], dtype)
    assert np.array_equal((x + dtype(c)) - dtype(c), x)
    for sampler in (
        lambda v: gl.gumbel_max_sample(v, rng=10, size=100_000),
        lambda v: gl.gumbel_softmax(v, 0.5, hard=True, rng=10, size=100_000),
    ):
        np.testing.assert_array_equal(sampler(x + dtype(c)), sampler(x))


# --- the float32 noise tail -----------------------------------------------------------------


def test_float32_noise_never_lets_a_40_nats_less_likely_category_win():
    # P(category 1) = e^-40 / (1 + e^-40) = 4.2e-18: in 2e7 draws it must not appear.
    # A float32 exponential draw of exactly 0 (once in about 8e6) used to become g = 87.3.
    rng = np.random.default_rng(11)
    x = np.array([0.0, -40.0], np.float32)
    wins = sum(int(gl.gumbel_max_sample(x, rng=rng, size=2_000_000).sum()) for _ in range(10))
    assert wins == 0
