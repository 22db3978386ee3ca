r"""Unchecked array kernels: the one place where the package exponentiates logits.

Every public function that computes a softmax, a log-softmax, the softmax's
vector-Jacobian product, a one-hot vector or the sigmoid checks its arguments (with
:mod:`gumbel_lib._checks`) and then calls the kernel here; so do the estimators'
kernels (:mod:`gumbel_lib.estimators`) and the VAE's training loop
(:mod:`gumbel_lib.vae`), whose arrays are their own and need no checks. Nothing here
checks anything: the arrays are floating, the temperature is a checked number, the axis
is valid. Private to the package (the public functions are the API).

The exponent is always shifted first, :math:`(z - \max z)/\tau`, so that ``exp``
neither overflows nor makes a whole slice vanish, at any temperature and in any mask
position (:func:`shift_and_scale`); the kernels work in place on arrays the caller owns
where they say so.
"""

from __future__ import annotations

import numpy as np

from ._checks import tau_as

#: A pairwise maximum beats ``ndarray.max`` over a short last axis (one C loop per row);
#: over a long axis NumPy's own reduction is faster.
_PAIRWISE_MAX_D, _PAIRWISE_MIN_SIZE = 64, 4096


def slice_max(z: np.ndarray, axis: int) -> np.ndarray:
    """The maximum of each slice of ``z`` along ``axis``, with ``keepdims=True``.

    This is the shift every exponentiating function subtracts before ``exp``: the true
    maximum of the slice (``-inf`` entries, the masked categories, never win unless the
    whole slice is masked, which the checks refuse). For a short last axis it halves
    the slices pairwise, ``max(z[..., 0::2], z[..., 1::2])``, which NumPy runs as a few
    long loops instead of one short loop per slice (about 3× faster for ``d = 16``).

    Examples
    --------
    >>> slice_max(np.array([[-np.inf, 1.0, 3.0], [2.0, -5.0, -np.inf]]), axis=-1)
    array([[3.],
           [2.]])
    """
    d = z.shape[axis]
    if axis % z.ndim != z.ndim - 1 or d > _PAIRWISE_MAX_D or z.size < _PAIRWISE_MIN_SIZE:
        return z.max(axis=axis, keepdims=True)
    m = z
    while m.shape[-1] > 1:
        half = m.shape[-1] // 2
        nxt = np.maximum(m[..., 0 : 2 * half : 2], m[..., 1 : 2 * half : 2])
        if m.shape[-1] % 2:
            np.maximum(nxt[..., :1], m[..., -1:], out=nxt[..., :1])
        m = nxt
    return m if m is not z else m.copy()


def shift_and_scale(
    z: np.ndarray, tau: float, axis: int, out: np.ndarray | None = None
) -> np.ndarray:
    r"""Return :math:`(z - \max z)/\tau`, slice by slice (into ``out``, which may be ``z``).

    After the shift the largest entry of every slice is exactly 0 and every other entry
    is <= 0 (``-inf`` stays ``-inf``), so ``exp`` neither overflows nor makes the whole
    slice vanish, at any temperature, in any mask position. ``tau`` is clipped to the
    dtype's range (:func:`gumbel_lib._checks.tau_as`).

    Examples
    --------
    >>> shift_and_scale(np.array([-np.inf, 1.0, 3.0]), 0.5, axis=-1)
    array([-inf,  -4.,   0.])
    """
    with np.errstate(over="ignore"):  # (-1e308) - 1e308 is -inf: probability 0, as it should be
        out = np.subtract(z, slice_max(z, axis), out=out)
        if tau != 1.0:
            np.divide(out, tau_as(tau, out.dtype), out=out)
    return out


def exp_normalize(z: np.ndarray, axis: int, batch_invariant: bool = False) -> np.ndarray:
    """Overwrite ``z`` (from :func:`shift_and_scale`) with ``exp(z) / sum(exp(z))``.

    Each slice holds an exact 0, so each sum is at least 1 and at most ``d``. A sum over
    the last axis uses a matrix-vector product, much faster than ``sum(axis=-1)`` over a
    short axis, but BLAS may round a slice's sum differently depending on how many slices
    there are; ``batch_invariant=True`` sums with ``sum`` instead, so that every slice's
    result is the same bit for bit whatever the rest of the batch (the estimators need
    this: a group estimated alone equals the same group in a batch).

    Examples
    --------
    >>> exp_normalize(np.array([-np.inf, 0.0, 0.0]), axis=-1)
    array([0. , 0.5, 0.5])
    """
    with np.errstate(under="ignore"):
        np.exp(z, out=z)
    if axis % z.ndim == z.ndim - 1 and not batch_invariant:
        s = (z @ np.ones(z.shape[-1], dtype=z.dtype))[..., np.newaxis]
    else:
        s = z.sum(axis=axis, keepdims=True)
    np.divide(z, s, out=z)
    return z


def softmax(
    z: np.ndarray,
    tau: float = 1.0,
    axis: int = -1,
    out: np.ndarray | None = None,
    batch_invariant: bool = False,
) -> np.ndarray:
    r""":math:`\operatorname{softmax}(z/\tau)` along ``axis``: :func:`shift_and_scale`, then
    :func:`exp_normalize` (into ``out``, which may be ``z``; else ``z`` is left as it is).

    Examples
    --------
    >>> softmax(np.array([[0.0, np.log(3.0)], [-np.inf, 5.0]]))
    array([[0.25, 0.75],
           [0.  , 1.  ]])
    """
    return exp_normalize(shift_and_scale(z, tau, axis, out=out), axis, batch_invariant)


def log_softmax(z: np.ndarray, tau: float = 1.0, axis: int = -1) -> np.ndarray:
    r""":math:`(z - m)/\tau - \log\sum e^{(z - m)/\tau}` along ``axis``, :math:`m = \max z`, as a
    new array (``-inf`` where ``z`` is ``-inf``).

    Examples
    --------
    >>> log_softmax(np.array([0.0, 0.0, -np.inf])).round(4)
    array([-0.6931, -0.6931,    -inf])
    """
    s = shift_and_scale(z, tau, axis)
    with np.errstate(under="ignore"):
        lse = np.log(np.exp(s).sum(axis=axis, keepdims=True))  # each sum is in [1, d]
    with np.errstate(over="ignore"):  # float16: below -65504 is -inf, the nearest value
        return np.subtract(s, lse, out=s)


def softmax_vjp(p: np.ndarray, u: np.ndarray, tau: float, axis: int = -1) -> np.ndarray:
    r"""Softmax's vector-Jacobian product at ``p``: :math:`p \odot (u - \langle u, p\rangle)/\tau`.

    ``tau`` is used as given (callers clip it with :func:`gumbel_lib._checks.tau_as` where a
    tiny τ may arrive). The product is taken first, so where ``p`` is one-hot the result
    is 0, not ``0 / tiny``; at an exact tie and a tiny τ it is ±inf, without a warning.

    Examples
    --------
    >>> softmax_vjp(np.array([0.5, 0.5]), np.array([1.0, 0.0]), 0.5)
    array([ 0.5, -0.5])
    """
    inner = (u * p).sum(axis=axis, keepdims=True)
    with np.errstate(over="ignore"):  # a tie at a tiny τ: the limit is ±inf
        return p * (u - inner) / tau  # (p * (u - inner)) first: 0 / tiny τ is 0, not NaN


def one_hot(k: np.ndarray, d: int, dtype: type = np.float64) -> np.ndarray:
    """One-hot vectors of the int array ``k`` (entries in ``0 .. d-1``): shape ``k.shape + (d,)``.

    Examples
    --------
    >>> one_hot(np.array([2, 0]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    k = np.asarray(k)
    out = np.zeros(k.shape + (d,), dtype=dtype)
    out.reshape(-1, d)[np.arange(k.size), k.ravel()] = 1
    return out


def sigmoid(a: np.ndarray) -> np.ndarray:
    r""":math:`\operatorname{sigmoid}(a) = 1 / (1 + e^{-a})`, as :math:`(1 + \tanh(a/2))/2`:
    no overflow for any finite ``a``.

    Examples
    --------
    >>> sigmoid(np.array([-800.0, 0.0, 800.0]))
    array([0. , 0.5, 1. ])
    """
    return 0.5 * (1.0 + np.tanh(0.5 * a))
