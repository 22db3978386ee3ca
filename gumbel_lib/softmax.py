"""Softmax with a temperature, its logarithm, entropy and its vector-Jacobian product."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from . import _kernels
from ._checks import (
    as_float_array,
    check_logits,
    check_n,
    check_not_masked,
    check_probs,
    check_tau,
    tau_as,
)

__all__ = ["softmax", "log_softmax", "entropy", "softmax_vjp", "one_hot"]


def softmax(logits: ArrayLike, tau: float = 1.0, axis: int = -1) -> np.ndarray:
    r"""Softmax of ``logits / tau`` along ``axis``.

    .. math::

        \operatorname{softmax}(x/\tau)_i = \frac{e^{x_i/\tau}}{\sum_{j=0}^{d-1} e^{x_j/\tau}}
        = \frac{e^{(x_i - m)/\tau}}{\sum_{j=0}^{d-1} e^{(x_j - m)/\tau}},\qquad m = \max_j x_j ,

    for the categories :math:`i = 0, \dots, d-1` (0-based, as in NumPy).

    The second form is what is computed: after the shift every exponent is <= 0, so
    nothing overflows for any temperature. The result lies in the probability simplex:
    entries >= 0 that sum to 1.

    Parameters
    ----------
    logits : array_like
        Real logits ``x`` with at least one dimension (the categories): a 0-d scalar is
        refused, where ``scipy.special.softmax`` returns 1.0 and PyTorch's ``log_softmax``
        0.0. ``-inf`` marks a masked category (probability 0, in any position), but each
        slice needs at least one finite entry. NaN, ``+inf`` and masked arrays are
        rejected.
    tau : float, default 1.0
        Temperature, finite and > 0. ``tau -> 0`` gives the one-hot argmax,
        ``tau -> inf`` the uniform distribution; a τ beyond the dtype's range gives the
        limit (it is clipped to the smallest or largest normal number of the dtype).
        A τ beyond float64's range is refused like ``inf`` (``ValueError``): an int
        such as ``10**400`` is not converted to ``inf`` silently
        (:func:`gumbel_lib._checks.check_tau`, shared by every function with a τ).
    axis : int, default -1
        The axis holding the ``d`` categories.

    Returns
    -------
    numpy.ndarray
        Probabilities, same shape as ``logits``. The dtype rule, shared with
        :func:`gumbel_lib.gumbel_softmax`: the precision of floating logits is kept
        (float16, float32, float64, long double; float16 is computed in float32 and
        rounded at the end), in native byte order; integers become float64.

    Examples
    --------
    >>> softmax([1.0, 2.0, 3.0]).round(4)
    array([0.09  , 0.2447, 0.6652])
    >>> softmax([1.0, 2.0, 3.0], tau=0.1).round(4)
    array([0., 0., 1.])
    >>> softmax([1.0, 2.0, 3.0], tau=1e6).round(4)
    array([0.3333, 0.3333, 0.3333])
    >>> softmax([0.0, -np.inf, 0.0])
    array([0.5, 0. , 0.5])
    """
    x, tau, axis, dtype = check_logits(logits, tau, axis)
    return _kernels.softmax(x, tau, axis).astype(dtype, copy=False)


def log_softmax(logits: ArrayLike, tau: float = 1.0, axis: int = -1) -> np.ndarray:
    r"""Logarithm of :func:`softmax`, computed without forming the probabilities.

    .. math::

        \log \operatorname{softmax}(x/\tau)_i = \frac{x_i - m}{\tau}
        - \log \sum_{j=0}^{d-1} e^{(x_j - m)/\tau},\qquad m = \max_j x_j .

    Stays finite where the probabilities underflow to 0 (masked ``-inf`` logits give
    ``-inf``). Same arguments and dtype rule as :func:`softmax`: the logits need at
    least one dimension (a 0-d scalar is refused; PyTorch's ``log_softmax`` returns 0.0).
    In float16 a log-probability below -65504, float16's most negative number, is
    ``-inf`` (rounded without a warning; its probability, below ``1e-28000``, is 0 in
    every dtype).

    Examples
    --------
    >>> log_softmax([0.0, 0.0]).round(4)
    array([-0.6931, -0.6931])
    >>> log_softmax([0.0, -1000.0])
    array([    0., -1000.])
    >>> softmax([0.0, -1000.0])
    array([1., 0.])
    >>> log_softmax(np.float16([0, 1]), tau=1e-6)
    array([-inf,   0.], dtype=float16)
    """
    x, tau, axis, dtype = check_logits(logits, tau, axis)
    with np.errstate(over="ignore"):  # float16: below -65504 is -inf, the nearest value
        return _kernels.log_softmax(x, tau, axis).astype(dtype, copy=False)


def entropy(probs: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Shannon entropy in nats, :math:`H(p) = -\sum_i p_i \log p_i`, with :math:`0 \log 0 = 0`.

    It is 0 for a one-hot vector and :math:`\log d` for the uniform distribution.

    Parameters
    ----------
    probs : array_like
        Probabilities along ``axis`` (non-negative, summing to 1).
    axis : int, default -1
        The axis holding the categories.

    Examples
    --------
    >>> float(entropy([1.0, 0.0, 0.0]))
    0.0
    >>> bool(np.isclose(entropy([0.25, 0.25, 0.25, 0.25]), np.log(4)))
    True
    """
    p = check_probs(probs, "probs", axis)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(p), 0.0)
    return terms.sum(axis=axis)


def softmax_vjp(y: ArrayLike, upstream: ArrayLike, tau: float = 1.0, axis: int = -1) -> np.ndarray:
    r"""Vector-Jacobian product of softmax: the gradient of ⟨u, softmax(x/τ)⟩ in the logits x.

    With :math:`y = \operatorname{softmax}(x/\tau)` the Jacobian is
    :math:`\partial y_i / \partial x_j = y_i(\delta_{ij} - y_j)/\tau`, so the
    vector-Jacobian product with an upstream gradient :math:`u` is

    .. math::

        \frac{\partial}{\partial x_j} \sum_i u_i y_i
        = \frac{y_j}{\tau}\Bigl(u_j - \sum_i u_i y_i\Bigr).

    This is the backward pass that autograd frameworks run through a softmax; NumPy has
    no autograd, so it is written out here.

    Parameters
    ----------
    y : array_like
        The softmax output (a point of the simplex along ``axis``).
    upstream : array_like
        The gradient :math:`u` of the loss with respect to ``y``; same shape as ``y``.
    tau : float, default 1.0
        The temperature the softmax used, finite and > 0; clipped to the dtype's normal
        range like in :func:`softmax`, so a tiny τ never gives ``0/0``: the gradient
        is 0 where ``y`` is one-hot (the limit τ → 0) and, at an exact tie, huge with
        the sign of its infinite limit.
    axis : int, default -1
        The axis holding the categories.

    Returns
    -------
    numpy.ndarray
        Gradient with respect to the logits, same shape as ``y``. It sums to 0 along
        ``axis`` (softmax is shift invariant).

    Examples
    --------
    >>> y = softmax([0.0, 0.0])
    >>> softmax_vjp(y, [1.0, 0.0])
    array([ 0.25, -0.25])
    >>> softmax_vjp(y, [1.0, 0.0], tau=0.5)
    array([ 0.5, -0.5])
    """
    p, axis = check_probs(y, "y", axis)
    u = as_float_array(upstream, "upstream")
    if u.shape != p.shape:
        raise ValueError(f"upstream must have the shape of y {p.shape}; got {u.shape}")
    if not np.isfinite(u).all():
        raise ValueError("upstream must be finite")
    return _kernels.softmax_vjp(p, u, tau_as(check_tau(tau), np.result_type(p, u)), axis)


def one_hot(indices: ArrayLike, d: int, dtype: type = np.float64) -> np.ndarray:
    r"""One-hot vectors: ``one_hot(k, d)[..., i] = 1`` if ``i == k`` else ``0``.

    Parameters
    ----------
    indices : array_like of int
        Category indices ``k`` in ``0, ..., d-1`` (0-based, as in NumPy), any shape,
        not empty.
    d : int
        Number of categories, a positive int (``3.0`` is refused with a ``TypeError``,
        like every count in the package).
    dtype : data-type, default float64
        Type of the result: a boolean, integer or floating dtype, named explicitly
        (``None`` is refused; NumPy would read it as float64).

    Returns
    -------
    numpy.ndarray
        Shape ``indices.shape + (d,)``, exactly one 1 per vector.

    Examples
    --------
    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    d = check_n(d, "d", what="the number of categories")
    if dtype is None:
        raise TypeError("dtype must be a bool, int or float dtype; got None")
    try:
        kind = np.dtype(dtype).kind
    except TypeError:
        raise TypeError(f"dtype must be a bool, int or float dtype; got {dtype!r}") from None
    if kind not in "biuf":
        raise TypeError(f"dtype must be a bool, int or float dtype; got {np.dtype(dtype)}")
    check_not_masked(indices, "indices")
    try:
        k = np.asarray(indices)
    except ValueError:  # a ragged nested list
        raise ValueError("indices must be a rectangular array of ints; got a ragged list") from None
    if k.size == 0:
        raise ValueError(f"indices must not be empty; got shape {k.shape}")
    if k.dtype.kind not in "iu":
        raise TypeError(f"indices must be integers; got dtype {k.dtype}")
    if k.min() < 0 or k.max() >= d:
        raise ValueError(
            f"indices must lie in 0 .. {d - 1}; got values from {k.min()} to {k.max()}"
        )
    return _kernels.one_hot(k, d, dtype)
