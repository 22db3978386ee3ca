"""Softmax with a temperature, its logarithm, entropy and its vector-Jacobian product."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_axis, check_finite_or_masked, check_tau

__all__ = ["softmax", "log_softmax", "entropy", "softmax_vjp", "one_hot"]


def _scaled_logits(logits: ArrayLike, tau: float, axis: int) -> tuple[np.ndarray, int]:
    """Validate, then return ``(logits - max) / tau`` and the normalised axis.

    Shifting by the maximum *before* dividing by ``tau`` keeps every entry <= 0, so
    ``exp`` cannot overflow at any temperature, and the largest entry is exactly 0.
    """
    x = as_float_array(logits, "logits")
    if x.ndim == 0:
        raise ValueError("logits must have at least one dimension (the categories)")
    axis = check_axis(axis, x.ndim)
    check_finite_or_masked(x, "logits", axis)
    tau = check_tau(tau)
    with np.errstate(over="ignore"):  # (-1e308) - 1e308 is -inf: probability 0, as it should be
        z = x - x.max(axis=axis, keepdims=True)
    return _divide_by_tau(z, tau), axis


def _divide_by_tau(z: np.ndarray, tau: float) -> np.ndarray:
    """Divide ``z`` (<= 0 or -inf) by ``tau`` in place, in ``z``'s own precision.

    ``tau`` is clipped to the dtype's normal range so that a float32 array with
    ``tau=1e-50`` behaves as the limit tau -> 0 instead of dividing 0 by 0.
    """
    if tau != 1.0:
        info = np.finfo(z.dtype)
        t = z.dtype.type(min(max(tau, float(info.tiny)), float(info.max)))
        with np.errstate(over="ignore"):
            np.divide(z, t, out=z)
    return z


def _exp_normalize(z: np.ndarray, axis: int) -> np.ndarray:
    """Turn shifted log-weights into probabilities, in place: ``exp(z) / sum(exp(z))``.

    The caller guarantees that every slice has an entry close to its maximum near 0,
    so the sum is at least 1 and cannot overflow. A sum over the last axis uses a
    matrix-vector product, much faster than ``sum(axis=-1)`` over a short axis.
    """
    with np.errstate(under="ignore"):
        np.exp(z, out=z)
    if axis == z.ndim - 1:
        s = (z @ np.ones(z.shape[-1], dtype=z.dtype))[..., np.newaxis]
    else:
        s = z.sum(axis=axis, keepdims=True)
    np.divide(z, s, out=z)
    return z


def softmax(logits: ArrayLike, tau: float = 1.0, axis: int = -1) -> np.ndarray:
    r"""Softmax of ``logits / tau`` along ``axis``.

    .. math::

        \operatorname{softmax}(x/\tau)_i = \frac{e^{x_i/\tau}}{\sum_{j=1}^d e^{x_j/\tau}}
        = \frac{e^{(x_i - m)/\tau}}{\sum_{j=1}^d e^{(x_j - m)/\tau}},\qquad m = \max_j x_j .

    The second form is what is computed: after the shift every exponent is <= 0, so
    nothing overflows for any temperature. The result lies in the probability simplex:
    entries >= 0 that sum to 1.

    Parameters
    ----------
    logits : array_like
        Real logits ``x``; ``-inf`` marks a masked category (probability 0), but each
        slice needs at least one finite entry. NaN and ``+inf`` are rejected.
    tau : float, default 1.0
        Temperature, finite and > 0. ``tau -> 0`` gives the one-hot argmax,
        ``tau -> inf`` the uniform distribution.
    axis : int, default -1
        The axis holding the ``d`` categories.

    Returns
    -------
    numpy.ndarray
        Probabilities, same shape as ``logits``; float32 stays float32, integers become
        float64.

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
    z, axis = _scaled_logits(logits, tau, axis)
    return _exp_normalize(z, axis)


def log_softmax(logits: ArrayLike, tau: float = 1.0, axis: int = -1) -> np.ndarray:
    r"""Logarithm of :func:`softmax`, computed without forming the probabilities.

    .. math::

        \log \operatorname{softmax}(x/\tau)_i = \frac{x_i - m}{\tau}
        - \log \sum_{j=1}^d e^{(x_j - m)/\tau},\qquad m = \max_j x_j .

    Stays finite where the probabilities underflow to 0 (masked ``-inf`` logits give
    ``-inf``). Same arguments as :func:`softmax`.

    Examples
    --------
    >>> log_softmax([0.0, 0.0]).round(4)
    array([-0.6931, -0.6931])
    >>> log_softmax([0.0, -1000.0])
    array([    0., -1000.])
    >>> softmax([0.0, -1000.0])
    array([1., 0.])
    """
    z, axis = _scaled_logits(logits, tau, axis)
    with np.errstate(under="ignore"):
        lse = np.log(np.exp(z).sum(axis=axis, keepdims=True))
    return z - lse


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
    p = _check_probs(probs, "probs", axis)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(p), 0.0)
    return terms.sum(axis=axis)


def _check_probs(probs: ArrayLike, name: str, axis: int) -> tuple[np.ndarray, int]:
    """Validate points of the probability simplex along ``axis``."""
    p = as_float_array(probs, name)
    if p.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension (the categories)")
    axis = check_axis(axis, p.ndim)
    if p.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError(f"{name} must be finite")
    if (p < 0).any():
        raise ValueError(f"{name} must be >= 0 (a point of the probability simplex)")
    tol = np.sqrt(np.finfo(p.dtype).eps) * max(1, p.shape[axis])
    if np.abs(p.sum(axis=axis) - 1).max() > tol:
        raise ValueError(f"{name} must sum to 1 along axis {axis} (a point of the simplex)")
    return p, axis


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
        The temperature the softmax used.
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
    p, axis = _check_probs(y, "y", axis)
    u = as_float_array(upstream, "upstream")
    if u.shape != p.shape:
        raise ValueError(f"upstream must have the shape of y {p.shape}; got {u.shape}")
    if not np.isfinite(u).all():
        raise ValueError("upstream must be finite")
    tau = check_tau(tau)
    inner = (u * p).sum(axis=axis, keepdims=True)
    return p * (u - inner) / tau


def one_hot(indices: ArrayLike, d: int, dtype: type = np.float64) -> np.ndarray:
    r"""One-hot vectors: ``one_hot(k, d)[..., i] = 1`` if ``i == k`` else ``0``.

    Parameters
    ----------
    indices : array_like of int
        Category indices in ``0 .. d-1``, any shape.
    d : int
        Number of categories (> 0).
    dtype : data-type, default float64
        Type of the result.

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
    if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"d must be a positive int (the number of categories); got {d!r}")
    k = np.asarray(indices)
    if k.dtype.kind not in "iu":
        raise TypeError(f"indices must be integers; got dtype {k.dtype}")
    if k.size and (k.min() < 0 or k.max() >= d):
        raise ValueError(
            f"indices must lie in 0 .. {d - 1}; got values from {k.min()} to {k.max()}"
        )
    out = np.zeros(k.shape + (int(d),), dtype=dtype)
    np.put_along_axis(out, k[..., np.newaxis], 1, axis=-1)
    return out
