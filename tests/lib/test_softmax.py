"""softmax, log_softmax, entropy, softmax_vjp and one_hot: values, properties, extremes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import gumbel_lib as gl

finite = st.floats(-50, 50, allow_nan=False, allow_infinity=False)
logit_vectors = arrays(np.float64, st.integers(1, 8), elements=finite)
taus = st.floats(1e-3, 1e3)


def reference_softmax(x, tau=1.0):
    """The textbook formula, evaluated with Python floats (fine for small logits)."""
    e = [np.exp(v / tau) for v in x]
    return np.array(e) / sum(e)


def test_known_values():
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(gl.softmax(x), reference_softmax(x), rtol=1e-15)
    np.testing.assert_allclose(gl.softmax(x, tau=2.0), reference_softmax(x, 2.0), rtol=1e-15)
    np.testing.assert_allclose(gl.softmax([0.0, np.log(3.0)]), [0.25, 0.75], rtol=1e-15)
    np.testing.assert_allclose(gl.log_softmax(x), np.log(reference_softmax(x)), rtol=1e-14)


@settings(max_examples=200, deadline=None)
@given(logit_vectors, taus)
def test_on_the_simplex(x, tau):
    p = gl.softmax(x, tau)
    assert np.all(p >= 0)
    assert abs(p.sum() - 1) < 1e-12


@settings(max_examples=200, deadline=None)
@given(logit_vectors, taus, st.floats(-1e3, 1e3))
def test_shift_invariance(x, tau, c):
    np.testing.assert_allclose(gl.softmax(x + c, tau), gl.softmax(x, tau), atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(logit_vectors, taus)
def test_log_softmax_is_log_of_softmax(x, tau):
    lp = gl.log_softmax(x, tau)
    np.testing.assert_allclose(np.exp(lp), gl.softmax(x, tau), atol=1e-12)
    assert np.all(np.isfinite(lp))


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.integers(2, 8), elements=finite, unique=True))
def test_small_tau_gives_one_hot_of_argmax(x):
    gap = np.diff(np.sort(x))[-1]  # distance between the two largest logits
    assume(gap > 1e-9)
    p = gl.softmax(x, tau=gap / 800)
    np.testing.assert_array_equal(p, gl.one_hot(np.argmax(x), x.size))


@settings(max_examples=100, deadline=None)
@given(logit_vectors)
def test_large_tau_gives_uniform(x):
    np.testing.assert_allclose(gl.softmax(x, tau=1e12), np.full(x.size, 1 / x.size), rtol=1e-9)


@pytest.mark.parametrize("tau", [1e-8, 1e-3, 1.0, 1e3, 1e8])
@pytest.mark.parametrize("scale", [1.0, 1e10, 1e300])
def test_extremes_are_finite_and_normalised(tau, scale):
    x = np.array([[1.0, -1.0, 0.5, 0.0], [-1.0, -1.0, 1.0, 0.25]]) * scale
    for fn in (gl.softmax, gl.log_softmax):
        out = fn(x, tau)
        assert not np.isnan(out).any()
    p = gl.softmax(x, tau)
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1, rtol=1e-12)
    assert np.isfinite(gl.log_softmax(x, tau)[p > 0]).all()


def test_naive_formula_overflows_where_the_stable_one_does_not():
    x = np.array([1000.0, 999.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(x) / np.exp(x).sum()
    assert np.isnan(naive).all()
    np.testing.assert_allclose(gl.softmax(x), [1 / (1 + np.exp(-1)), 1 / (1 + np.e)])


def test_float32_stays_float32():
    x = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    assert gl.softmax(x).dtype == np.float32
    assert gl.softmax(x, tau=1e-50).dtype == np.float32  # tau below float32's range
    np.testing.assert_array_equal(gl.softmax(x, tau=1e-50), [0, 0, 1])
    np.testing.assert_array_equal(gl.softmax(x, tau=1e50), np.full(3, 1 / 3, np.float32))
    assert gl.log_softmax(x).dtype == np.float32


def test_integers_become_float64():
    assert gl.softmax([1, 2, 3]).dtype == np.float64


def test_masked_categories():
    p = gl.softmax([0.0, -np.inf, np.log(3.0)])
    np.testing.assert_allclose(p, [0.25, 0.0, 0.75])
    assert gl.log_softmax([0.0, -np.inf])[1] == -np.inf
    p = gl.softmax([[-np.inf, 0.0], [1.0, -np.inf]], tau=1e-8)
    np.testing.assert_array_equal(p, [[0, 1], [1, 0]])


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_any_axis(axis, rng):
    x = rng.normal(size=(3, 4, 5))
    p = gl.softmax(x, tau=0.7, axis=axis)
    moved = np.moveaxis(x, axis, -1)
    np.testing.assert_allclose(np.moveaxis(p, axis, -1), gl.softmax(moved, tau=0.7), rtol=1e-14)
    np.testing.assert_allclose(p.sum(axis=axis), 1, rtol=1e-14)


def test_input_is_not_modified(rng):
    x = rng.normal(size=(4, 3))
    before = x.copy()
    gl.softmax(x, 0.3)
    gl.log_softmax(x, 0.3, axis=0)
    np.testing.assert_array_equal(x, before)


def test_entropy():
    assert gl.entropy([1.0, 0.0]) == 0.0
    np.testing.assert_allclose(gl.entropy(np.full(5, 0.2)), np.log(5))
    p = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(gl.entropy(p), -(p * np.log(p)).sum())
    assert gl.entropy(np.array([[1.0, 0.0], [0.5, 0.5]])).shape == (2,)


@settings(max_examples=100, deadline=None)
@given(
    arrays(np.float64, st.integers(2, 6), elements=st.floats(-5, 5)),
    st.floats(0.2, 5.0),
    st.integers(0, 2**31),
)
def test_softmax_vjp_matches_finite_differences(x, tau, seed):
    u = np.random.default_rng(seed).normal(size=x.size)
    grad = gl.softmax_vjp(gl.softmax(x, tau), u, tau)
    h = 1e-6
    fd = np.empty_like(x)
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h
        fd[j] = (u @ gl.softmax(x + e, tau) - u @ gl.softmax(x - e, tau)) / (2 * h)
    np.testing.assert_allclose(grad, fd, atol=1e-7)


def test_softmax_vjp_is_the_jacobian_transpose(rng):
    x, u, tau = rng.normal(size=4), rng.normal(size=4), 0.6
    y = gl.softmax(x, tau)
    jacobian = (np.diag(y) - np.outer(y, y)) / tau
    np.testing.assert_allclose(gl.softmax_vjp(y, u, tau), jacobian.T @ u, rtol=1e-12)


def test_softmax_vjp_along_axis_0(rng):
    x, u = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    y = gl.softmax(x, axis=0)
    expected = gl.softmax_vjp(y.T, u.T).T
    np.testing.assert_allclose(gl.softmax_vjp(y, u, axis=0), expected, rtol=1e-12)


def test_one_hot():
    np.testing.assert_array_equal(gl.one_hot([[0, 2]], 3), [[[1, 0, 0], [0, 0, 1]]])
    assert gl.one_hot(1, 2).shape == (2,)


# --- one dtype rule for softmax, log_softmax and gumbel_softmax -------------------------

DTYPES = [
    np.float16,
    np.float32,
    np.float64,
    np.longdouble,
    np.dtype(">f4"),
    np.dtype(">f8"),
    np.int32,
    np.uint8,
]


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_dtype_rule_for_every_sampler(dtype):
    x = np.array([[0, 1, 3], [2, 1, 0]], dtype=dtype)
    expected = np.dtype(np.float64) if np.dtype(dtype).kind in "iu" else np.dtype(dtype)
    expected = expected.newbyteorder("=")  # native byte order, the same precision
    outs = {
        "softmax": gl.softmax(x, tau=0.5),
        "log_softmax": gl.log_softmax(x, tau=0.5),
        "gumbel_softmax": gl.gumbel_softmax(x, tau=0.5, rng=0, size=4),
        "hard": gl.gumbel_softmax(x, tau=0.5, rng=0, size=4, hard=True),
    }
    for name, out in outs.items():
        assert out.dtype == expected, name
        assert out.dtype.isnative, name
    ref = gl.softmax(x.astype(np.float64), tau=0.5)
    rtol = 2e-3 if expected == np.float16 else 1e-6
    np.testing.assert_allclose(outs["softmax"].astype(np.float64), ref, rtol=rtol)
    np.testing.assert_allclose(outs["gumbel_softmax"].astype(np.float64).sum(-1), 1, rtol=rtol)
    np.testing.assert_array_equal(outs["hard"].argmax(-1), outs["gumbel_softmax"].argmax(-1))


def test_float16_gumbel_softmax_matches_the_float32_computation():
    x = np.array([0.0, 1.0, 3.0], dtype=np.float16)
    y16 = gl.gumbel_softmax(x, tau=0.3, rng=7, size=50)
    y32 = gl.gumbel_softmax(x.astype(np.float32), tau=0.3, rng=7, size=50)
    np.testing.assert_array_equal(y16, y32.astype(np.float16))  # rounded once, at the end


# --- bad input: one rule, one error type per kind of mistake --------------------------------


@pytest.mark.parametrize("tau", [10**400, -(10**400)], ids=["1e400", "-1e400"])
@pytest.mark.parametrize(
    "fn",
    [
        gl.softmax,
        gl.log_softmax,
        lambda x, tau: gl.gumbel_softmax(x, tau, rng=0),
        lambda x, tau: gl.straight_through_softmax(x, np.zeros(2), tau),
    ],
    ids=["softmax", "log_softmax", "gumbel_softmax", "straight_through_softmax"],
)
def test_an_int_beyond_the_largest_float_is_refused_as_a_tau(fn, tau):
    # float(10**400) raises OverflowError; the τ rule refuses it like inf, naming tau
    with pytest.raises(ValueError, match=r"^tau must"):
        fn(np.array([0.0, 1.0]), tau)


def test_float16_log_softmax_below_its_range_is_minus_inf_without_a_warning():
    # -1e6 is below float16's range: the nearest float16 is -inf (warnings are errors here)
    lp = gl.log_softmax(np.float16([0, 1]), 1e-6)
    assert lp.dtype == np.float16
    np.testing.assert_array_equal(lp, [-np.inf, 0.0])


def test_one_hot_arguments_follow_the_rule():
    with pytest.raises(TypeError, match=r"d must be a positive int \(the number of categories\)"):
        gl.one_hot([0, 1], 3.0)  # a whole float is still not an int: TypeError, as elsewhere
    with pytest.raises(ValueError, match="d must be a positive int"):
        gl.one_hot([0, 1], 0)
    for dtype in (None, str, "U3"):
        with pytest.raises(TypeError, match="dtype must be a bool, int or float dtype"):
            gl.one_hot([0, 1], 3, dtype=dtype)
    with pytest.raises(ValueError, match="indices must be a rectangular array of ints"):
        gl.one_hot([[0, 1], [2]], 3)
    assert gl.one_hot([0, 2], np.int64(3), dtype=bool).dtype == bool
