"""The Gumbel-softmax (Concrete) relaxation: sampling and its density."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._checks import (
    as_float_array,
    as_generator,
    as_size,
    check_axis,
    check_bool,
    check_finite_or_masked,
    check_tau,
)
from .gumbel import _neg_log_exponential
from .softmax import _check_probs, _divide_by_tau, _exp_normalize, one_hot

__all__ = ["gumbel_softmax", "concrete_log_density"]


def _shift_for_exp(z: np.ndarray, axis: int, tau: float) -> None:
    """Shift each slice of ``z`` in place so that ``exp(z / tau)`` neither overflows nor vanishes.

    Softmax is shift invariant, so any per-slice shift that leaves the largest entry
    between 0 and ``tau * log(max float / d)`` works. The exact per-slice maximum is one
    choice, but a reduction over a short axis is slow (it was the largest single cost).
    Shifting by the *first* entry of each slice is cheap; it is safe when the global
    maximum minus the smallest first entry is within that bound, which two fast
    reductions check. Otherwise the exact per-slice maxima are used.
    """
    first = np.take(z, [0], axis=axis)
    np.copyto(first, 0, where=~np.isfinite(first))  # a masked first entry: shift by 0
    limit = (math.log(float(np.finfo(z.dtype).max)) - math.log(z.shape[axis]) - 1) * tau
    with np.errstate(over="ignore"):
        safe = z.max() - first.min() <= limit
        if not safe:
            first = z.max(axis=axis, keepdims=True)  # finite: every slice has a finite entry
        np.subtract(z, first, out=z)


def gumbel_softmax(
    logits: ArrayLike,
    tau: float = 1.0,
    hard: bool = False,
    rng: Any = None,
    axis: int = -1,
    size: Any = None,
) -> np.ndarray:
    r"""Draw from the Gumbel-softmax (Concrete) distribution.

    .. math::

        y_i = \frac{e^{(x_i + g_i)/\tau}}{\sum_{j=1}^d e^{(x_j + g_j)/\tau}},
        \qquad g_i \overset{\text{iid}}{\sim} \operatorname{Gumbel}(0, 1).

    ``y`` is a random point of the simplex; as :math:`\tau \to 0` it becomes the one-hot
    Gumbel-max sample, as :math:`\tau \to \infty` the uniform vector. At every
    temperature :math:`\arg\max_i y_i` is distributed as :math:`\operatorname{softmax}(x)`.

    Mirrors ``torch.nn.functional.gumbel_softmax(logits, tau, hard, dim=axis)``, but
    takes an explicit generator and returns only the forward value.

    Parameters
    ----------
    logits : array_like
        Unnormalised log-probabilities :math:`x` (e.g. :math:`\log \pi`); ``-inf`` marks
        a masked category.
    tau : float, default 1.0
        Temperature, finite and > 0.
    hard : bool, default False
        If True, return the straight-through forward value: the one-hot vector of the
        soft sample's argmax (the first maximum on ties, so exactly one 1 per slice).
        Its gradient would be that of the soft sample (see
        :func:`gumbel_lib.straight_through_gumbel_softmax`).
    rng : numpy.random.Generator, int or None
        Source of randomness. The same seed gives the same soft sample, and
        ``hard=True`` its one-hot argmax.
    axis : int, default -1
        The axis holding the ``d`` categories.
    size : int or tuple of ints, optional
        Independent samples per distribution, prepended to the shape.

    Returns
    -------
    numpy.ndarray
        Shape ``size + logits.shape``; float32 logits give float32 samples.

    Examples
    --------
    >>> y = gumbel_softmax(np.log([0.2, 0.3, 0.5]), tau=0.5, rng=0, size=4)
    >>> y.shape, bool(np.allclose(y.sum(axis=-1), 1))
    ((4, 3), True)
    >>> h = gumbel_softmax(np.log([0.2, 0.3, 0.5]), tau=0.5, hard=True, rng=0, size=4)
    >>> bool((h.argmax(-1) == y.argmax(-1)).all()), h.sum(axis=-1)
    (True, array([1., 1., 1., 1.]))
    """
    x = as_float_array(logits, "logits")
    if x.ndim == 0:
        raise ValueError("logits must have at least one dimension (the categories)")
    axis = check_axis(axis, x.ndim)
    check_finite_or_masked(x, "logits", axis)
    tau = check_tau(tau)
    hard = check_bool(hard, "hard")
    gen = as_generator(rng)
    size = as_size(size)
    axis += len(size)
    dt = x.dtype if x.dtype in (np.float32, np.float64) else np.dtype(np.float64)

    z = _neg_log_exponential(size + x.shape, gen, dt)  # z = log(e) = -g
    np.subtract(x, z, out=z)  # z = x + g
    _shift_for_exp(z, axis, tau)
    y = _exp_normalize(_divide_by_tau(z, tau), axis)
    if hard:
        k = y.argmax(axis=axis)
        return np.moveaxis(one_hot(k, y.shape[axis], dtype=y.dtype), -1, axis)
    return y


def concrete_log_density(y: ArrayLike, logits: ArrayLike, tau: float, axis: int = -1) -> np.ndarray:
    r"""Log-density of the Concrete (Gumbel-softmax) distribution.

    For :math:`y` in the open simplex, with :math:`\pi_i = e^{x_i}` (Maddison et al.
    2016, Definition 1; Jang et al. 2016, eq. 3):

    .. math::

        p_{\pi,\tau}(y) = (d-1)!\,\tau^{d-1}
        \frac{\prod_{i=1}^d \pi_i\, y_i^{-\tau-1}}{\bigl(\sum_{i=1}^d \pi_i\, y_i^{-\tau}\bigr)^d},

    a density with respect to Lebesgue measure on the first :math:`d-1` coordinates.
    It is computed in log space,

    .. math::

        \log p = \log (d-1)! + (d-1)\log\tau + \sum_i \bigl(x_i - (\tau+1)\log y_i\bigr)
        - d \operatorname{logsumexp}_i\bigl(x_i - \tau \log y_i\bigr),

    so it stays finite at small :math:`\tau`, where the density itself overflows.

    Parameters
    ----------
    y : array_like
        Points of the open simplex along ``axis`` (entries > 0, summing to 1).
    logits : array_like
        Logits :math:`x`, finite, broadcastable against ``y``. The density does not
        change when a constant is added to them.
    tau : float
        Temperature, finite and > 0.
    axis : int, default -1
        The axis holding the ``d`` categories.

    Returns
    -------
    numpy.ndarray
        The log-density of each point: the broadcast shape without ``axis``.

    Examples
    --------
    With :math:`d = 2`, :math:`\tau = 1` and equal logits the density is uniform in
    :math:`y_1`:

    >>> concrete_log_density([[0.3, 0.7], [0.9, 0.1]], [0.0, 0.0], tau=1.0).round(12)
    array([0., 0.])
    """
    yy, _ = _check_probs(y, "y", axis)
    if (yy <= 0).any():
        raise ValueError(
            "y must lie in the open simplex (every entry > 0); an entry of exactly 0 has "
            "no density (at small tau, samples underflow: use a larger tau or d)"
        )
    x = as_float_array(logits, "logits")
    if x.ndim == 0:
        raise ValueError("logits must have at least one dimension (the categories)")
    try:
        yy, x = np.broadcast_arrays(yy, x)
    except ValueError:
        raise ValueError(
            f"logits of shape {x.shape} do not broadcast against y of shape {yy.shape}"
        ) from None
    axis = check_axis(axis, yy.ndim)
    if not np.isfinite(x).all():
        raise ValueError("logits must be finite for the Concrete density")
    tau = check_tau(tau)
    d = yy.shape[axis]
    log_y = np.log(yy)
    a = x - tau * log_y
    a_max = a.max(axis=axis, keepdims=True)
    with np.errstate(under="ignore"):
        lse = np.log(np.exp(a - a_max).sum(axis=axis)) + np.squeeze(a_max, axis=axis)
    return (
        math.lgamma(d) + (d - 1) * math.log(tau) + (x - (tau + 1) * log_y).sum(axis=axis) - d * lse
    )
