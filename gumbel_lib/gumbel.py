"""The Gumbel(0, 1) distribution: density, distribution function, noise and Gumbel-max."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from ._checks import (
    as_float_array,
    as_generator,
    as_size,
    check_axis,
    check_finite_or_masked,
    compute_dtype,
    noise_dtype,
)
from ._kernels import slice_max, softmax

__all__ = [
    "gumbel_pdf",
    "gumbel_cdf",
    "gumbel_noise",
    "gumbel_max_sample",
    "conditional_gumbel",
    "EULER_GAMMA",
]

#: Euler–Mascheroni constant, the mean of Gumbel(0, 1).
EULER_GAMMA = 0.5772156649015329


def _check_points(g: ArrayLike) -> np.ndarray:
    g = as_float_array(g, "g")
    if np.isnan(g).any():
        raise ValueError("g contains NaN; gumbel_pdf and gumbel_cdf take real numbers or ±inf")
    return g


def gumbel_pdf(g: ArrayLike) -> np.ndarray:
    r"""Density of Gumbel(0, 1): :math:`f(g) = e^{-(g + e^{-g})}`.

    It tends to 0 at both ends: :math:`f(-\infty) = f(\infty) = 0` (at
    :math:`-\infty` the formula is :math:`e^{\infty - \infty}`, so the limit is set
    explicitly). NaN is refused.

    Examples
    --------
    >>> round(float(gumbel_pdf(0.0)), 6)  # the mode is 0, f(0) = 1/e
    0.367879
    >>> gumbel_pdf([-np.inf, np.inf])
    array([0., 0.])
    """
    g = _check_points(g)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        f = np.exp(-(g + np.exp(-g)))
    return np.where(np.isneginf(g), 0.0, f).astype(f.dtype, copy=False)


def gumbel_cdf(g: ArrayLike) -> np.ndarray:
    r"""Distribution function of Gumbel(0, 1): :math:`F(g) = e^{-e^{-g}}`.

    :math:`F(-\infty) = 0` and :math:`F(\infty) = 1`; NaN is refused.

    Examples
    --------
    >>> round(float(gumbel_cdf(0.0)), 6)
    0.367879
    >>> float(gumbel_cdf(-np.log(np.log(2.0))))  # the median is -log(log 2)
    0.5
    >>> gumbel_cdf([-np.inf, np.inf])
    array([0., 1.])
    """
    g = _check_points(g)
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(-np.exp(-g))


def _check_dtype(dtype: DTypeLike) -> np.dtype:
    if dtype is None:  # NumPy reads None as float64; the package asks for the dtype by name
        raise TypeError("dtype must be float32 or float64; got None")
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be float32 or float64; got {dtype!r}") from None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be float32 or float64; got {dt}")
    return dt


#: Draws of NumPy's exponential sampler below ``_TAIL`` are drawn again, exactly, from
#: Exp(1) conditioned on ``E < _TAIL``, and so on down by factors of ``_TAIL``: the sampler
#: works on a grid of about 1e-15 near 0 (it returns exactly 0 once in 2**53 draws),
#: too coarse for the far tail of ``g = -log E``. ``_FLOOR`` ends the descent.
_TAIL = 2.0**-32
_FLOOR = 2.0**-1000


def _refine_tail(e: np.ndarray, rng: np.random.Generator) -> None:
    r"""Redraw, in place, the entries of the float64 exponential draws ``e`` below ``_TAIL``.

    Each is replaced by a draw of :math:`E \mid E < s` for :math:`E \sim \operatorname{Exp}(1)`,
    by inversion, :math:`-\log(1 - U(1 - e^{-s}))` with ``U`` uniform on [0, 1)
    (53 bits, so the grid is now ``s * 2**-53``); entries that fall below
    ``s * _TAIL`` are redrawn the same way with ``s * _TAIL``. Conditioning twice is
    conditioning once, so the law of the result is Exp(1) with its tail resolved down to
    ``_FLOOR * 2**-53``; whatever is still below the smallest normal number is set to it.
    """
    flat = e.reshape(-1)  # a view: e is a fresh contiguous array
    idx = np.flatnonzero(flat < _TAIL)
    s = _TAIL
    while True:
        v = -np.log1p(rng.random(idx.size) * np.expm1(-s))
        flat[idx] = v
        s *= _TAIL
        deeper = v < s
        if s < _FLOOR or not deeper.any():
            break
        idx = idx[deeper]
    flat[idx] = np.maximum(flat[idx], np.finfo(np.float64).tiny)


def neg_gumbel_noise(
    shape: tuple[int, ...], rng: np.random.Generator, dtype: np.dtype
) -> np.ndarray:
    r"""Minus Gumbel noise, ``log(E)`` for ``E ~ Exp(1)``, of ``dtype`` (float32 or float64).

    The fast core (no checks) of :func:`gumbel_noise`, shared with the samplers, which
    compute ``x + g`` as ``x - log(E)`` without negating.

    ``E`` is drawn in float64 for either dtype (the log is rounded to float32 at the end):
    NumPy's float32 sampler returns exactly 0.0 once in about 2**23 draws, standing for
    every ``E`` below about 1e-6 (``g`` above 14), and a clamp would make each one
    ``g = 87.3``. The float64 sampler has a grid of about 1e-15 near 0 (it returns 0
    once in 2**53 draws); its draws below ``2**-32`` (``g > 22.2``, once in 4e9 draws)
    are drawn again from Exp(1) conditioned on ``E < 2**-32``, by inversion, and so on
    down (``_refine_tail``). So every ``g`` is finite (``g <= 708.4``), the tail
    :math:`P(g > t)` is right to a relative 1e-6 up to ``t = 44`` (2e-5 up to 708), and
    the probability mass moved (by the final clamp of ``E`` to the smallest normal
    number, 2.2e-308) is below 1e-300.

    Examples
    --------
    >>> minus_g = neg_gumbel_noise((3,), np.random.default_rng(0), np.dtype(np.float64))
    >>> bool(np.array_equal(-minus_g, gumbel_noise(3, rng=0)))
    True
    """
    e = rng.standard_exponential(shape)
    if e.size and e.min() < _TAIL:  # cheaper than looking for each small entry
        _refine_tail(e, rng)
    if dtype == np.float64:
        return np.log(e, out=e)
    return np.log(e, out=np.empty(shape, dtype=dtype), casting="same_kind")


def gumbel_noise(
    shape: int | tuple[int, ...], rng: Any = None, dtype: DTypeLike = np.float64
) -> np.ndarray:
    r"""Independent Gumbel(0, 1) draws, always finite.

    If :math:`E \sim \operatorname{Exp}(1)` then :math:`g = -\log E` is Gumbel(0, 1):
    :math:`P(g \le t) = P(E \ge e^{-t}) = e^{-e^{-t}}`. This is the inverse-CDF recipe
    :math:`g = -\log(-\log U)` with the inner :math:`-\log U` replaced by NumPy's fast
    exponential sampler. Mean :math:`\gamma \approx 0.5772`, variance :math:`\pi^2/6`.
    The far tail is exact in both dtypes (see :func:`neg_gumbel_noise`).

    Parameters
    ----------
    shape : int or tuple of ints
        Shape of the result: positive ints (``0`` is refused, as for ``size`` in the
        samplers); ``()`` gives a 0-d array.
    rng : numpy.random.Generator, int or None
        Source of randomness (an int is a seed; None draws fresh OS entropy).
    dtype : float32 or float64, default float64
        Named explicitly: ``None`` is refused (NumPy would read it as float64).

    Returns
    -------
    numpy.ndarray
        Finite Gumbel(0, 1) noise of the given shape and dtype.

    Examples
    --------
    >>> g = gumbel_noise((2, 3), rng=0)
    >>> g.shape, bool(np.isfinite(g).all())
    ((2, 3), True)
    >>> bool(np.array_equal(g, gumbel_noise((2, 3), rng=0)))  # same seed, same noise
    True
    """
    if isinstance(shape, numbers.Integral) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"shape must be an int or a tuple of ints; got {shape!r}") from None
    if any(isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) for n in shape):
        raise TypeError(f"shape must be an int or a tuple of ints; got {shape!r}")
    if any(n <= 0 for n in shape):
        raise ValueError(f"shape must contain positive ints (as size does); got {shape!r}")
    dt = _check_dtype(dtype)
    g = neg_gumbel_noise(tuple(int(n) for n in shape), as_generator(rng), dt)
    return np.negative(g, out=g)


#: Elements per block in :func:`perturbed_logits`: the block stays in the CPU cache.
_BLOCK = 2**16

#: Logits within ``±_SMALL`` get the noise as they are: ``x + g`` then rounds no worse than
#: ``(x - max x) + g`` would (entries up to ``2 * _SMALL`` after the shift).
_SMALL = 32.0


def perturbed_logits(
    x: np.ndarray,
    rng: np.random.Generator,
    size: tuple[int, ...],
    axis: int,
    then: Callable[[np.ndarray, tuple[slice, ...]], object] | None = None,
) -> np.ndarray:
    r"""The Gumbel-perturbed logits :math:`(x - \max x) + g`, shape ``size + x.shape``.

    The core (no checks) shared by :func:`gumbel_max_sample`,
    :func:`gumbel_lib.gumbel_softmax` and :func:`gumbel_lib.straight_through_gumbel_softmax`:
    ``x`` is checked logits in the dtype to compute in, ``axis`` (normalised, counted in
    the result) holds the categories, ``g`` is :func:`gumbel_noise` of the result's shape
    (float32 for float32 logits). The result is a fresh array in the dtype of ``x``.

    The maximum of each slice is subtracted *before* the noise is added, so
    :math:`x + c` gives the same distribution for every constant :math:`c`, even where
    :math:`x` is so large (``1e7`` in float32) that :math:`x + g` would round the noise
    away. When every logit lies within ±32 the shift cannot make the sum more precise
    (``x - max x`` is as large), and :math:`x + g` is returned: the same up to rounding.

    The work goes block by block along an axis other than ``axis`` (about 65536 entries
    each); ``then``, if given, is called as ``then(block, part)`` on each block, the view
    ``result[part]``, right after it is computed, while it is still in the CPU cache; it
    may overwrite the block.

    Examples
    --------
    >>> x = np.array([1e16, 1e16 + 2.0])  # in float64, x + g would round g to a multiple of 2
    >>> z = perturbed_logits(x, np.random.default_rng(0), (), axis=0)
    >>> bool(np.array_equal(z, (x - x.max()) + gumbel_noise(2, rng=0)))
    True
    """
    z = neg_gumbel_noise(size + x.shape, rng, noise_dtype(x.dtype))  # z = log(E) = -g
    out = z if z.dtype == x.dtype else np.empty(z.shape, x.dtype)  # long double: its precision
    x_axis = axis - len(size)
    shift = not -_SMALL <= x.min() <= x.max() <= _SMALL  # -inf (masked) takes the shift too
    shifted = x
    if size and shift:  # every block along a size axis sees the whole of x: shift it once
        with np.errstate(over="ignore"):  # (-1e308) - 1e308 is -inf: probability 0, the limit
            shifted = x - slice_max(x, x_axis)
    if z.ndim == 1:
        parts: list[tuple[slice, ...]] = [(slice(None),)]
    else:
        b = 1 if axis == 0 else 0
        step = max(1, _BLOCK * z.shape[b] // z.size)
        parts = [(slice(None),) * b + (slice(i, i + step),) for i in range(0, z.shape[b], step)]
    for part in parts:
        if not size:
            shifted = x[part]
            if shift:
                with np.errstate(over="ignore"):
                    shifted = shifted - slice_max(shifted, x_axis)
        block = np.subtract(shifted, z[part], out=out[part])  # (x - max x) + g
        if then is not None:
            then(block, part)
    return out


def perturbed_argmax(
    x: np.ndarray, rng: np.random.Generator, size: tuple[int, ...], axis: int
) -> np.ndarray:
    """The first maximum along ``axis`` of :func:`perturbed_logits` (same arguments).

    The Gumbel-max sample, computed block by block; for 1-d logits and no ``size``, a
    NumPy integer.

    Examples
    --------
    >>> x = np.log([0.2, 0.3, 0.5])
    >>> k = perturbed_argmax(x, np.random.default_rng(0), (4,), axis=1)
    >>> bool(np.array_equal(k, perturbed_logits(x, np.random.default_rng(0), (4,), 1).argmax(1)))
    True
    """
    x_axis = axis - len(size)
    k = np.empty(size + x.shape[:x_axis] + x.shape[x_axis + 1 :], dtype=np.intp)

    def argmax(block: np.ndarray, part: tuple[slice, ...]) -> None:
        k[part[:axis] + part[axis + 1 :]] = block.argmax(axis=axis)

    perturbed_logits(x, rng, size, axis, then=argmax)
    return k if k.ndim else k[()]


def gumbel_max_sample(logits: ArrayLike, rng: Any = None, size: Any = None) -> np.ndarray:
    r"""Sample categories with the Gumbel-max trick: :math:`k = \arg\max_i (x_i + g_i)`.

    With :math:`g_i` i.i.d. Gumbel(0, 1),
    :math:`P(k = j) = e^{x_j}/\sum_i e^{x_i} = \operatorname{softmax}(x)_j`, exactly, in
    every precision. The logits may be unnormalised: :math:`x = \log \pi + c` gives the
    same distribution for any constant :math:`c`: the slice maximum is subtracted before
    the noise is added, so even ``c = 1e7`` in float32, where :math:`x + g` would round
    the noise to whole numbers, changes nothing but the rounding of :math:`x + c`
    itself. The temperature plays no part here.

    Parameters
    ----------
    logits : array_like, shape (..., d)
        Logits along the last axis; ``-inf`` marks a category that is never drawn.
        float16 logits are computed in float32 (the rule of :func:`gumbel_lib.softmax`).
    rng : numpy.random.Generator, int or None
        Source of randomness.
    size : int or tuple of ints, optional
        Number (shape) of independent samples per distribution.

    Returns
    -------
    numpy.ndarray of int
        Shape ``size + logits.shape[:-1]``: the index ``k`` in ``0, ..., d-1`` of the
        winning category, the first maximum of ``(logits - max) + g`` with
        ``g = gumbel_noise(size + logits.shape, rng)`` (float32 noise for float16 and
        float32 logits).

    Examples
    --------
    >>> k = gumbel_max_sample(np.log([0.2, 0.3, 0.5]), rng=0, size=100_000)
    >>> (np.bincount(k) / k.size).round(2)
    array([0.2, 0.3, 0.5])
    >>> shifted = gumbel_max_sample(np.log([0.2, 0.3, 0.5]) + 1e6, rng=0, size=100_000)
    >>> bool(np.array_equal(k, shifted))  # the same draws for x + c
    True
    """
    x = as_float_array(logits, "logits")
    if x.ndim == 0:
        raise ValueError("logits must have at least one dimension (the categories)")
    check_axis(-1, x.ndim)
    check_finite_or_masked(x, "logits", axis=-1)
    x = x.astype(compute_dtype(x.dtype), copy=False)
    size = as_size(size)
    return perturbed_argmax(x, as_generator(rng), size, axis=len(size) + x.ndim - 1)


def conditional_perturbed_logits(x: np.ndarray, k: np.ndarray, h: np.ndarray) -> np.ndarray:
    r"""Perturbed logits :math:`w = x + g` given :math:`\arg\max_j w_j = k` (no checks).

    The kernel of :func:`conditional_gumbel`, also used by the estimators that need the
    noise given the sampled category (Gumbel-Rao, REBAR). ``x`` has shape ``(..., d)``,
    ``k`` integer categories broadcastable to ``x.shape[:-1]``, ``h`` i.i.d. Gumbel(0, 1)
    noise of the broadcast shape ``(..., d)``; the map is deterministic in ``h``:

    .. math::

        w_k = M = \log\sum_j e^{x_j} + h_k, \qquad
        w_j = -\log\bigl(e^{-M} + e^{-(x_j + h_j)}\bigr) \quad (j \ne k).

    Examples
    --------
    >>> x = np.log([0.2, 0.3, 0.5])
    >>> w = conditional_perturbed_logits(x, np.array([0, 0, 1]), gumbel_noise((3, 3), rng=0))
    >>> w.argmax(axis=-1)
    array([0, 0, 1])
    """
    top = slice_max(x, -1)
    lse = top + np.log(np.exp(x - top).sum(axis=-1, keepdims=True))
    shape = np.broadcast_shapes(x.shape, h.shape, np.shape(k) + (x.shape[-1],))
    k = np.broadcast_to(np.asarray(k)[..., None], shape[:-1] + (1,))
    m = lse + np.take_along_axis(np.broadcast_to(h, shape), k, axis=-1)  # the maximum, (..., 1)
    w = -np.logaddexp(-m, -(x + h))  # each other coordinate: Gumbel(x_j) truncated below m
    np.put_along_axis(w, k, m, axis=-1)
    return w


def conditional_perturbed_logits_vjp(x: np.ndarray, w: np.ndarray, v: np.ndarray) -> np.ndarray:
    r"""The vector-Jacobian product of :func:`conditional_perturbed_logits` in ``x`` (no checks).

    With the noise held fixed, :math:`M = \log\sum_j e^{x_j} + h_k` moves with every logit
    (:math:`\partial M/\partial x_i = \pi_i`) and :math:`w_j = -\log(e^{-M} + e^{-(x_j + h_j)})`
    with :math:`M` and :math:`x_j`: with :math:`r_j = e^{w_j - M}` (and :math:`r_k = 1`),

    .. math::

        \frac{\partial w_j}{\partial x_i} = r_j \pi_i + (1 - r_j)\,\delta_{ij}, \qquad
        (v^\top J)_i = \pi_i \langle r, v \rangle + (1 - r_i)\, v_i .

    ``x`` (..., d) the logits, ``w`` the conditional perturbed logits (their maximum is
    :math:`M`), ``v`` the upstream gradient in ``w``, both broadcast against ``x``.

    Examples
    --------
    >>> x, h = np.log([0.2, 0.3, 0.5]), gumbel_noise(3, rng=0)
    >>> w = conditional_perturbed_logits(x, np.array(1), h)
    >>> v, dx = np.array([1.0, -2.0, 0.5]), 1e-6 * np.array([0.0, 0.0, 1.0])
    >>> fd = (v @ conditional_perturbed_logits(x + dx, np.array(1), h) - v @ w) / 1e-6
    >>> bool(np.isclose(conditional_perturbed_logits_vjp(x, w, v)[2], fd, atol=1e-5))
    True
    """
    r = np.exp(w - w.max(axis=-1, keepdims=True))
    pi = softmax(np.asarray(x, dtype=np.float64))
    return pi * (r * v).sum(axis=-1, keepdims=True) + (1.0 - r) * v


def conditional_gumbel(logits: ArrayLike, k: ArrayLike, rng: Any = None) -> np.ndarray:
    r"""Gumbel noise :math:`g` drawn given the category :math:`\arg\max_j (x_j + g_j) = k`.

    Write :math:`w = x + g` with :math:`g` i.i.d. Gumbel(0, 1), so :math:`w_j` is Gumbel with
    location :math:`x_j`. Its maximum :math:`\max_j w_j` is Gumbel with location
    :math:`\log\sum_j e^{x_j}`, independent of which coordinate attains it (the argmax); given
    the maximum :math:`M` and the argmax :math:`k`, the other :math:`w_j` are independent,
    each Gumbel with location :math:`x_j` *truncated* to :math:`w_j < M`. The truncated
    Gumbel is sampled by inverting its distribution function
    :math:`F(t) = e^{-e^{x_j - t}} / e^{-e^{x_j - M}}` (:math:`t < M`): with
    :math:`h, h_j` i.i.d. Gumbel(0, 1),

    .. math::

        M = \log\sum_j e^{x_j} + h, \qquad
        w_j = -\log\bigl(e^{-M} + e^{-(x_j + h_j)}\bigr) \ (j \ne k), \qquad w_k = M,

    and :math:`g = w - x`. Together with :math:`k \sim \operatorname{softmax}(x)` this is
    exactly the joint law of :math:`(k, g)` (Maddison et al. 2014; Paulus et al. 2021).

    Parameters
    ----------
    logits : array_like, shape (..., d)
        Finite logits :math:`x`, :math:`d \ge 2`.
    k : int or array_like of int
        The category (0 to d - 1) the noise must make the argmax; broadcast against
        ``logits.shape[:-1]`` (e.g. an array of ``n`` categories for 1-d logits).
    rng : numpy.random.Generator, int or None
        Source of randomness.

    Returns
    -------
    numpy.ndarray, shape ``broadcast(logits.shape[:-1], k.shape) + (d,)``
        Noise ``g`` with ``argmax(logits + g) == k`` in every row.

    Examples
    --------
    >>> x = np.log([0.2, 0.3, 0.5])
    >>> g = conditional_gumbel(x, np.zeros(4, dtype=int), rng=0)
    >>> g.shape, (x + g).argmax(axis=-1)
    ((4, 3), array([0, 0, 0, 0]))
    >>> w = x + conditional_gumbel(x, np.full(200_000, 2), rng=1)
    >>> round(float(w.max(axis=-1).mean()), 2)  # the maximum: mean log(sum e^x) + 0.5772 = 0.58
    0.58
    """
    x = as_float_array(logits, "logits").astype(np.float64)
    if x.ndim == 0 or x.shape[-1] < 2:
        raise ValueError(f"logits must have a last axis of d >= 2 categories; got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("logits must be finite")
    try:
        kk = np.asarray(k)
    except ValueError:  # a ragged nested list
        raise ValueError("k must be a rectangular array of ints; got a ragged list") from None
    if kk.dtype == bool or not np.issubdtype(kk.dtype, np.integer):
        raise TypeError(f"k must be an int or an array of ints (categories); got {k!r}")
    d = x.shape[-1]
    if kk.size and (kk.min() < 0 or kk.max() >= d):
        raise ValueError(
            f"k must hold categories from 0 to {d - 1}; got values {kk.min()}..{kk.max()}"
        )
    try:
        batch = np.broadcast_shapes(x.shape[:-1], kk.shape)
    except ValueError:
        raise ValueError(
            f"k of shape {kk.shape} does not broadcast against logits.shape[:-1] = {x.shape[:-1]}"
        ) from None
    h = gumbel_noise(batch + (d,), rng=as_generator(rng))
    return conditional_perturbed_logits(x, kk, h) - x
