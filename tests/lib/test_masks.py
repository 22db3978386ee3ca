"""Masked categories (-inf logits) at any position, temperature and float precision.

A masked category must get exactly zero mass and must never be the hard sample: this is
how reinforcement learning and structured prediction forbid actions. Every function that
exponentiates shifts each slice by its true maximum first (``_kernels.slice_max``), so a
mask in the first position cannot decide the shift.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import gumbel_lib as gl


@st.composite
def masked_logits(draw):
    """A (rows, d) float32 or float64 logit array with -inf at random places, never a whole row."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rows, d = draw(st.integers(1, 6)), draw(st.integers(2, 8))
    width = 32 if dtype == np.float32 else 64
    x = draw(arrays(dtype, (rows, d), elements=st.floats(-30, 30, width=width)))
    mask = draw(arrays(np.bool_, (rows, d)))
    keep = draw(arrays(np.int64, rows, elements=st.integers(0, d - 1)))
    mask[np.arange(rows), keep] = False  # at least one finite entry per row
    x[mask] = -np.inf
    return x, mask


# τ log-uniform over 1e-3 … 1e3
taus = st.floats(-3, 3).map(lambda e: 10.0**e)


def check_on_the_simplex(y, mask, dtype):
    assert y.dtype == dtype
    assert not np.isnan(y).any()
    assert (y[..., mask] == 0).all(), "a masked category got mass"
    assert (y >= 0).all()
    np.testing.assert_allclose(y.sum(axis=-1), 1, rtol=1e-5 if dtype == np.float32 else 1e-12)


@settings(max_examples=300, deadline=None)
@given(masked_logits(), taus, st.integers(0, 2**32 - 1))
def test_masked_entries_get_no_mass_soft_or_hard(xm, tau, seed):
    x, mask = xm
    y = gl.gumbel_softmax(x, tau=tau, rng=seed, size=3)
    check_on_the_simplex(y, mask, x.dtype)
    h = gl.gumbel_softmax(x, tau=tau, rng=seed, size=3, hard=True)
    assert (h[..., mask] == 0).all(), "hard=True picked a masked category"
    np.testing.assert_array_equal(h.sum(axis=-1), 1)
    np.testing.assert_array_equal(h.argmax(-1), y.argmax(-1))
    st_ = gl.straight_through_gumbel_softmax(x, np.ones_like(x), tau=tau, rng=seed)
    check_on_the_simplex(st_.soft, mask, x.dtype)
    assert (st_.value[mask] == 0).all()
    assert not np.isnan(st_.grad).any()
    for fn in (gl.softmax, gl.log_softmax):
        out = fn(x, tau=tau)
        assert not np.isnan(out).any()
    check_on_the_simplex(gl.softmax(x, tau=tau), mask, x.dtype)


def test_a_masked_first_category_at_small_tau_and_in_a_batch():
    x = np.float32([-np.inf, 0.0])
    np.testing.assert_array_equal(gl.gumbel_softmax(x, tau=0.0078125, rng=0), [0, 1])
    np.testing.assert_array_equal(gl.gumbel_softmax(x, tau=0.0078125, rng=0, hard=True), [0, 1])
    batch = np.tile([-np.inf, -20.0, -21.0], (1000, 1))
    y = gl.gumbel_softmax(batch, tau=0.02, rng=0)
    assert not np.isnan(y).any()
    assert (y[:, 0] == 0).all()
    np.testing.assert_allclose(y.sum(axis=-1), 1, rtol=1e-12)
    st_ = gl.straight_through_gumbel_softmax(x, np.float32([1.0, 0.0]), tau=0.0078125, rng=0)
    np.testing.assert_array_equal(st_.value, [0, 1])
    assert not np.isnan(st_.grad).any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("position", [0, 1, 2])
def test_a_mask_in_every_position_agrees_with_the_textbook_formula(dtype, position):
    x = np.array([-5.0, -20.0, -21.0], dtype=dtype)
    x[position] = -np.inf
    g = gl.gumbel_noise((400, 3), rng=5, dtype=dtype)
    y = gl.gumbel_softmax(x, tau=0.02, rng=5, size=400)
    z = (x + g).astype(np.float64)
    z = (z - z.max(axis=-1, keepdims=True)) / 0.02
    expected = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    # float32: x + g is rounded to about 2e-6 at |x| ≈ 20 (the library may subtract the maximum
    # first, a different rounding of the same sum); divided by τ = 0.02 that is a relative 1e-4.
    tight = dict(rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(
        y, expected, **(dict(rtol=2e-4, atol=1e-6) if dtype == np.float32 else tight)
    )


@pytest.mark.parametrize("shape", [(7,), (3, 1), (5, 2), (4, 3), (6000, 5), (6000, 16), (300, 17)])
@pytest.mark.parametrize("axis", [0, -1])
def test_slice_max_is_the_true_maximum(shape, axis, rng):
    # the pairwise shortcut (large arrays, short last axis) and NumPy's reduction agree
    from gumbel_lib._kernels import slice_max

    z = rng.normal(size=shape)
    z[rng.random(shape) < 0.3] = -np.inf
    expected = z.max(axis=axis, keepdims=True)
    np.testing.assert_array_equal(slice_max(z, axis % z.ndim), expected)
