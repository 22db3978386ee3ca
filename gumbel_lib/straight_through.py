"""Straight-through estimators written out: forward one-hot, backward softmax.

Autograd frameworks write the straight-through trick as ``z - stop_gradient(p) + p``:
the forward value is the one-hot ``z``, the backward pass is that of ``p``. NumPy has no
autograd, so these functions return both halves explicitly.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, as_generator, check_logits, tau_as
from ._kernels import exp_normalize, one_hot, shift_and_scale, softmax_vjp
from .gumbel import perturbed_logits

__all__ = ["StraightThrough", "straight_through_softmax", "straight_through_gumbel_softmax"]


class StraightThrough(NamedTuple):
    """Forward and backward halves of a straight-through step."""

    value: np.ndarray
    """Forward value: one-hot, exactly one 1 per slice."""
    soft: np.ndarray
    """The soft vector whose Jacobian the backward pass borrows."""
    grad: np.ndarray
    """Surrogate gradient with respect to the logits: ``softmax_vjp(soft, upstream, tau)``."""


def _one_hot_argmax(z: np.ndarray, axis: int, dtype: np.dtype) -> np.ndarray:
    """One-hot of the first maximum of ``z`` along ``axis``: exactly one 1 per slice.

    ``z`` are the (perturbed) logits themselves, never a softmax of them: rounding makes
    a soft vector tie where the logits do not (every entry 1/d at a huge τ, or float16).
    """
    return np.moveaxis(one_hot(z.argmax(axis=axis), z.shape[axis], dtype=dtype), -1, axis)


def _check_upstream(upstream: ArrayLike, shape: tuple[int, ...]) -> np.ndarray:
    u = as_float_array(upstream, "upstream")
    if u.shape != shape:
        raise ValueError(f"upstream must have the shape of the logits {shape}; got {u.shape}")
    if not np.isfinite(u).all():
        raise ValueError("upstream must be finite")
    return u


def _backward(soft: np.ndarray, u: np.ndarray, tau: float, axis: int) -> np.ndarray:
    """:func:`gumbel_lib.softmax_vjp` of the soft vector, its arguments already checked."""
    return softmax_vjp(soft, u, tau_as(tau, np.result_type(soft, u)), axis)


def straight_through_softmax(
    logits: ArrayLike, upstream: ArrayLike, tau: float = 1.0, axis: int = -1
) -> StraightThrough:
    r"""The naive (noise-free) straight-through trick, forward and backward.

    Forward: :math:`z = \operatorname{one\_hot}(\arg\max_i p_i)` with
    :math:`p = \operatorname{softmax}(x/\tau)`, computed as the argmax of the logits
    :math:`x` themselves (the same index: softmax is increasing), never of the rounded
    :math:`p`, whose entries tie at a huge τ. Backward: the gradient of
    :math:`\langle u, z\rangle` is *replaced* by that of :math:`\langle u, p\rangle`,

    .. math::

        \hat\nabla_x = \frac{p}{\tau} \odot \bigl(u - \langle u, p\rangle\bigr).

    This is what ``y = z - p.detach() + p`` computes in PyTorch. It is deterministic
    (no sampling) and its gradient is a biased surrogate: the true gradient of the
    forward value is 0 almost everywhere.

    Parameters
    ----------
    logits : array_like
        Logits :math:`x`.
    upstream : array_like
        Gradient :math:`u` of the loss with respect to the forward value, same shape.
    tau : float, default 1.0
        Temperature of the softmax used in the backward pass.
    axis : int, default -1
        The axis holding the categories.

    Returns
    -------
    StraightThrough
        ``(value, soft, grad)``.

    Examples
    --------
    >>> st = straight_through_softmax([1.0, 2.0, 0.5], upstream=[1.0, 0.0, 0.0])
    >>> st.value
    array([0., 1., 0.])
    >>> st.grad.round(3)
    array([ 0.178, -0.145, -0.032])
    """
    x, tau, axis, dtype = check_logits(logits, tau, axis)
    u = _check_upstream(upstream, x.shape)
    soft = exp_normalize(shift_and_scale(x, tau, axis), axis).astype(dtype, copy=False)
    value = _one_hot_argmax(x, axis, dtype)
    return StraightThrough(value, soft, _backward(soft, u, tau, axis))


def straight_through_gumbel_softmax(
    logits: ArrayLike,
    upstream: ArrayLike,
    tau: float = 1.0,
    rng: Any = None,
    axis: int = -1,
) -> StraightThrough:
    r"""Straight-through Gumbel-softmax: a one-hot *sample* forward, a relaxed gradient back.

    Draws :math:`y = \operatorname{softmax}((x + g)/\tau)` (:func:`gumbel_softmax`),
    returns the one-hot of its argmax, taken as :math:`\arg\max_i (x_i + g_i)` for the
    same noise (never from the rounded :math:`y`, whose entries tie at a huge τ or in
    float16), so it is distributed exactly as :math:`\operatorname{softmax}(x)` at every
    τ and in every precision, and the gradient of :math:`\langle u, y\rangle`
    with respect to :math:`x` for this noise :math:`g`:
    :math:`\frac{y}{\tau} \odot (u - \langle u, y\rangle)`. This is
    ``torch.nn.functional.gumbel_softmax(logits, tau, hard=True)`` with its backward.

    Parameters
    ----------
    logits, upstream, tau, axis
        As in :func:`straight_through_softmax`.
    rng : numpy.random.Generator, int or None
        Source of randomness; with the same seed, ``value`` equals
        ``gumbel_softmax(logits, tau, hard=True, rng=seed)`` and ``soft`` equals
        ``gumbel_softmax(logits, tau, rng=seed)``, at every τ.

    Returns
    -------
    StraightThrough
        ``(value, soft, grad)``.

    Examples
    --------
    >>> st = straight_through_gumbel_softmax([0.0, 0.0], [1.0, 0.0], tau=1.0, rng=0)
    >>> st.value.sum(), bool(np.isclose(st.grad.sum(), 0))
    (np.float64(1.0), True)
    >>> from gumbel_lib import gumbel_softmax
    >>> hard = gumbel_softmax([0.0, 0.0], tau=1.0, hard=True, rng=0)
    >>> bool(np.array_equal(st.value, hard))
    True
    """
    x, tau, axis, dtype = check_logits(logits, tau, axis)
    u = _check_upstream(upstream, x.shape)
    value = np.empty(x.shape, dtype=dtype)

    def hard_and_soft(block: np.ndarray, part: tuple[slice, ...]) -> None:
        # as in gumbel_softmax, block by block: the argmax of (x - max x) + g first,
        # then the block is overwritten by the soft sample
        value[part] = _one_hot_argmax(block, axis, dtype)
        exp_normalize(shift_and_scale(block, tau, axis, out=block), axis)

    z = perturbed_logits(x, as_generator(rng), (), axis, then=hard_and_soft)
    soft = z.astype(dtype, copy=False)
    return StraightThrough(value, soft, _backward(soft, u, tau, axis))
