"""The Gumbel-softmax (Concrete) relaxation: sampling, its density, and its exact mean for two
categories (by quadrature)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._checks import (
    as_float_array,
    as_generator,
    as_size,
    check_axis,
    check_bool,
    check_int,
    check_logits,
    check_probs,
    check_tau,
)
from ._kernels import exp_normalize, one_hot, shift_and_scale, sigmoid, slice_max
from .gumbel import perturbed_argmax, perturbed_logits

__all__ = ["gumbel_softmax", "concrete_log_density", "binary_relaxed_mean"]


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

        y_i = \frac{e^{(x_i + g_i)/\tau}}{\sum_{j=0}^{d-1} e^{(x_j + g_j)/\tau}},
        \qquad i = 0, \dots, d-1, \qquad g_i \overset{\text{iid}}{\sim} \operatorname{Gumbel}(0, 1).

    ``y`` is a random point of the simplex; as :math:`\tau \to 0` it becomes the one-hot
    Gumbel-max sample, as :math:`\tau \to \infty` the uniform vector. At every
    temperature :math:`\arg\max_i y_i = \arg\max_i (x_i + g_i)` is distributed as
    :math:`\operatorname{softmax}(x)`, exactly, in every precision: the slice maximum of
    :math:`x` is subtracted before the noise is added (:math:`x + c` gives the same
    samples for any constant :math:`c`), and the noise tail is exact
    (:func:`gumbel_lib.gumbel.neg_gumbel_noise`).

    Mirrors ``torch.nn.functional.gumbel_softmax(logits, tau, hard, dim=axis)``, but
    takes an explicit generator and returns only the forward value.

    Parameters
    ----------
    logits : array_like
        Unnormalised log-probabilities :math:`x` (e.g. :math:`\log \pi`) with at least
        one dimension (a 0-d scalar is refused; PyTorch returns 1.0 for it). ``-inf``
        marks a masked category, in any position: it gets exactly 0, soft or hard, at
        any τ; each slice needs one finite entry. Masked arrays are refused.
    tau : float, default 1.0
        Temperature, finite and > 0 (clipped to the dtype's range, as in
        :func:`gumbel_lib.softmax`). ``hard=True`` does not depend on it.
    hard : bool, default False
        If True, return the straight-through forward value: the one-hot vector of
        :math:`\arg\max_i (x_i + g_i)` for the same noise, the first maximum on an
        exact tie, so exactly one 1 per slice. It is the argmax of the soft sample
        wherever rounding leaves that one unique; it is never taken from the rounded
        soft sample, whose entries tie at a huge τ (all :math:`1/d`) or in float16.
        Its gradient would be that of the soft sample (see
        :func:`gumbel_lib.straight_through_gumbel_softmax`).
    rng : numpy.random.Generator, int or None
        Source of randomness. The same seed gives the same noise :math:`g`: the same
        soft sample, and with ``hard=True`` the one-hot of :math:`\arg\max_i (x_i + g_i)`.
    axis : int, default -1
        The axis holding the ``d`` categories.
    size : int or tuple of ints, optional
        Independent samples per distribution, prepended to the shape.

    Returns
    -------
    numpy.ndarray
        Shape ``size + logits.shape``, with the dtype rule of :func:`gumbel_lib.softmax`:
        float16, float32, float64 and long double logits keep their precision (native
        byte order; the noise is float32 for float16/float32 logits, float64 otherwise),
        integers give float64. The categories are numbered :math:`0, \dots, d-1`.

    Examples
    --------
    >>> y = gumbel_softmax(np.log([0.2, 0.3, 0.5]), tau=0.5, rng=0, size=4)
    >>> y.shape, bool(np.allclose(y.sum(axis=-1), 1))
    ((4, 3), True)
    >>> h = gumbel_softmax(np.log([0.2, 0.3, 0.5]), tau=0.5, hard=True, rng=0, size=4)
    >>> bool((h.argmax(-1) == y.argmax(-1)).all()), h.sum(axis=-1)
    (True, array([1., 1., 1., 1.]))
    """
    x, tau, axis, dtype = check_logits(logits, tau, axis)
    hard = check_bool(hard, "hard")
    size = as_size(size)
    gen, axis = as_generator(rng), axis + len(size)
    if hard:  # the argmax of x + g itself: never of a rounded soft sample
        k = perturbed_argmax(x, gen, size, axis)  # of (x - max x) + g
        return np.moveaxis(one_hot(k, x.shape[axis - len(size)], dtype), -1, axis)

    def soft(block: np.ndarray, part: tuple[slice, ...]) -> None:  # in place, block by block
        exp_normalize(shift_and_scale(block, tau, axis, out=block), axis)

    return perturbed_logits(x, gen, size, axis, then=soft).astype(dtype, copy=False)


def concrete_log_density(y: ArrayLike, logits: ArrayLike, tau: float, axis: int = -1) -> np.ndarray:
    r"""Log-density of the Concrete (Gumbel-softmax) distribution.

    For :math:`y` in the open simplex, with :math:`\pi_i = e^{x_i}` (Maddison et al.
    2016, Definition 1; Jang et al. 2016, eq. 3):

    .. math::

        \rho_{x,\tau}(y) = (d-1)!\,\tau^{d-1}
        \frac{\prod_{i=0}^{d-1} \pi_i\, y_i^{-\tau-1}}
        {\bigl(\sum_{i=0}^{d-1} \pi_i\, y_i^{-\tau}\bigr)^d},

    a density with respect to Lebesgue measure on the first :math:`d-1` coordinates
    :math:`y_0, \dots, y_{d-2}` (the categories are numbered :math:`0, \dots, d-1`).
    It is computed in log space, with :math:`\ell_i = \log y_i` measured from the
    smallest one, :math:`r_i = \ell_i - \min_j \ell_j \ge 0`:

    .. math::

        \log \rho = \log (d-1)! + (d-1)\log\tau + \sum_i (x_i - \ell_i)
        - \tau \sum_i r_i - d \operatorname{logsumexp}_i\bigl(x_i - \tau r_i\bigr),

    which is the logarithm of the formula above (the terms :math:`\tau \min_j \ell_j`
    cancel). It stays finite at small :math:`\tau`, where the density itself
    overflows, and no large terms cancel at large :math:`\tau`: as
    :math:`\tau \to \infty` the mass gathers at the centre of the simplex, and a τ so
    large that :math:`\tau r_i` overflows (``tau=1e308``) gives the limit ``-inf``
    everywhere but at the centre, never NaN.

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
        The axis holding the ``d`` categories, counted in the broadcast shape of ``y``
        and ``logits``. ``y`` must have that axis itself, with all ``d`` entries: a
        ``y`` that would be repeated along it by broadcasting (shape ``(3,)`` against
        logits of shape ``(5, 3)`` with ``axis=0``) is refused.

    Returns
    -------
    numpy.ndarray
        The log-density of each point: the broadcast shape without ``axis``, float64
        (long double for long double input).

    Examples
    --------
    With :math:`d = 2`, :math:`\tau = 1` and equal logits the density is uniform in
    :math:`y_0`:

    >>> np.exp(concrete_log_density([[0.3, 0.7], [0.9, 0.1]], [0.0, 0.0], tau=1.0)).round(12)
    array([1., 1.])
    >>> concrete_log_density([[0.1, 0.9], [0.5, 0.5]], [0.0, 0.0], tau=1e308).round(3)
    array([   -inf, 709.196])
    """
    yy = as_float_array(y, "y")
    x = as_float_array(logits, "logits")
    for arr, name in ((yy, "y"), (x, "logits")):
        if arr.ndim == 0:
            raise ValueError(f"{name} must have at least one dimension (the categories)")
    try:
        shape = np.broadcast_shapes(yy.shape, x.shape)
    except ValueError:
        raise ValueError(
            f"logits of shape {x.shape} do not broadcast against y of shape {yy.shape}"
        ) from None
    axis = check_axis(axis, len(shape))
    y_axis = axis - (len(shape) - yy.ndim)  # the same axis, counted in y
    if y_axis < 0 or yy.shape[y_axis] != shape[axis]:
        raise ValueError(
            f"y must hold the {shape[axis]} categories along axis {axis} itself: y of shape "
            f"{yy.shape} would be repeated along it to match logits of shape {x.shape} "
            "(for one point of the simplex against a batch of logits, put the categories "
            "on the last axis)"
        )
    yy, x = np.broadcast_arrays(yy, x)
    check_probs(yy, "y", axis)  # along the axis as the caller counts it
    if (yy <= 0).any():
        raise ValueError(
            "y must lie in the open simplex (every entry > 0); an entry of exactly 0 has "
            "no density (at small tau, samples underflow: use a larger tau or d)"
        )
    if not np.isfinite(x).all():
        raise ValueError("logits must be finite for the Concrete density")
    tau = check_tau(tau)
    dt = np.result_type(yy, x, np.float64)  # a log-density is computed in float64 (or longer)
    d = yy.shape[axis]
    log_y = np.log(yy.astype(dt))
    # Measured from the smallest log y of each slice, the τ-terms are <= 0: no huge terms
    # cancel, and a τ so large that they overflow gives -inf (the limit), never NaN.
    rel = log_y - log_y.min(axis=axis, keepdims=True)
    with np.errstate(over="ignore"):
        scaled = tau * rel  # >= 0; +inf only where the limit is -inf
    a = x.astype(dt) - scaled
    lse = np.squeeze(slice_max(a, axis), axis=axis)
    with np.errstate(under="ignore"):
        lse = lse + np.log(np.exp(a - np.expand_dims(lse, axis)).sum(axis=axis))
    with np.errstate(over="ignore"):
        spread = scaled.sum(axis=axis)  # inf where the limit is -inf
    return math.lgamma(d) + (d - 1) * math.log(tau) + (x - log_y).sum(axis=axis) - spread - d * lse


#: Half-width, in units of the logistic variable D, of the window that
#: :func:`binary_relaxed_mean` integrates: P(|D| > 40) = 2σ(-40) ≈ 8.5e-18.
_D_MAX = 40.0


def binary_relaxed_mean(
    h: Callable[[np.ndarray], ArrayLike],
    theta: ArrayLike,
    tau: float,
    *,
    v_max: float = 40.0,
    nodes: int = 8,
) -> np.ndarray:
    r"""The exact mean :math:`\mathbb{E}_g[h(y_1)]` of a d = 2 Gumbel-softmax sample, by quadrature.

    With two categories and logits :math:`x = (0, \theta)`, the relaxed sample is
    :math:`y = (1 - y_1, y_1)` with :math:`y_1 = \sigma((\theta + D)/\tau)`, where
    :math:`D = g_1 - g_0` is the difference of two independent standard Gumbels: a
    standard **logistic** variable, with CDF :math:`\sigma` and density
    :math:`\sigma(D)\sigma(-D)`. Substituting :math:`v = (\theta + D)/\tau`,

    .. math::

        \mathbb{E}_g[h(y_1)] = \int_{-\infty}^{\infty} h(\sigma(v))\,
        \tau\,\sigma(\tau v - \theta)\,\sigma(\theta - \tau v)\, dv .

    Beyond :math:`|v| > V` (``v_max``) :math:`\sigma(v)` is 0 or 1 to double precision, so
    those tails contribute :math:`h(0)\,\sigma(-\tau V - \theta) + h(1)\,\sigma(\theta - \tau V)`.
    Inside, the integrand has two scales: :math:`h(\sigma(v))` changes over :math:`|v| \sim 1`,
    the density over :math:`|v| \sim 1/\tau`, and it is negligible where
    :math:`|\tau v - \theta| > 40` (mass below :math:`10^{-17}`). So the window
    :math:`[-V, V] \cap [(\theta - 40)/\tau, (\theta + 40)/\tau]` is integrated by
    Gauss–Legendre on a fixed number of panels on each side of :math:`v = 0`
    (:math:`y_1 = \tfrac12`, where :math:`h` may jump: a straight-through estimator
    evaluates the loss gradient at the one-hot argmax), each at most
    :math:`\tfrac12 \min(1, 1/\tau)` wide. The cost does not grow with τ. No sampling: the
    result is deterministic, accurate to about :math:`10^{-12}` for smooth :math:`h`.

    Parameters
    ----------
    h : callable
        ``h(s)`` maps an array of values :math:`y_1 \in [0, 1]` (any shape) to an array of
        the same shape (finite, vectorised).
    theta : array_like
        Finite logit differences :math:`\theta = x_1 - x_0`, any shape.
    tau : float
        Temperature, finite and > 0.
    v_max : float, default 40.0
        Half-width :math:`V` of the integrated range in :math:`v` (> 0, at most 1000).
    nodes : int, default 8
        Gauss–Legendre nodes per panel, 1 to 64.

    Returns
    -------
    numpy.ndarray
        One mean per ``theta``, of the shape of ``theta``.

    Examples
    --------
    The mean of :math:`y_1` is :math:`\tfrac12` at :math:`\theta = 0`, and the probability
    that the argmax is category 1 is :math:`\sigma(\theta)` at every :math:`\tau`:

    >>> float(binary_relaxed_mean(lambda s: s, 0.0, tau=0.5).round(12))
    0.5
    >>> p1 = binary_relaxed_mean(lambda s: (s > 0.5) * 1.0, [-1.0, 2.0], tau=0.3)
    >>> bool(np.allclose(p1, 1 / (1 + np.exp(-np.array([-1.0, 2.0]))), atol=1e-12))
    True
    """
    if not callable(h):
        raise TypeError(f"h must be a callable mapping values in [0, 1] to numbers; got {h!r}")
    th = as_float_array(theta, "theta").astype(np.float64)
    if not np.isfinite(th).all():
        raise ValueError("theta must be finite")
    tau = check_tau(tau)
    v_max = check_tau(v_max, "v_max")
    if v_max > 1000:
        raise ValueError(f"v_max must be at most 1000 (σ(v) is 0 or 1 beyond 40); got {v_max}")
    nodes = check_int(nodes, "nodes", low=1, high=64)
    width = 0.5 * min(1.0, 1.0 / tau)
    # the window where both the density and h(σ(v)) matter, one per theta
    with np.errstate(over="ignore"):  # θ / 1e-300: the window is then all of [-V, V]
        lo = np.maximum(-v_max, (th - _D_MAX) / tau)
        hi = np.minimum(v_max, (th + _D_MAX) / tau)
    hi = np.maximum(hi, lo)  # an empty window (all the mass beyond ±V): zero-width panels
    longest = min(v_max, 2 * _D_MAX / tau)  # the longest part of a window on one side of 0
    per_side = int(np.ceil(longest / width - 1e-9))  # at most 2 V or 4 D_MAX: no growth in τ
    steps = np.linspace(0.0, 1.0, per_side + 1)
    sides = []
    for a, b in [
        (np.minimum(lo, 0.0), np.minimum(hi, 0.0)),
        (np.maximum(lo, 0.0), np.maximum(hi, 0.0)),
    ]:
        sides.append(a[..., None] + (b - a)[..., None] * steps)  # panel edges, (..., P + 1)
    edges = np.concatenate(sides, axis=-1)  # two zero-width panels at 0 do no harm
    t_nodes, t_weights = np.polynomial.legendre.leggauss(int(nodes))
    half = np.diff(edges, axis=-1)[..., None] / 2  # (..., panels, 1)
    mid = (edges[..., :-1, None] + edges[..., 1:, None]) / 2
    v = (mid + half * t_nodes).reshape(*th.shape, -1)
    w = (half * t_weights).reshape(*th.shape, -1)
    s = sigmoid(v)
    raw_inner, raw_ends = h(s), h(np.array([0.0, 1.0]))
    inner_values = as_float_array(raw_inner, "h(s)")
    end_values = as_float_array(raw_ends, "h(s)")
    if inner_values.shape != s.shape or end_values.shape != (2,):
        raise ValueError("h must return finite numbers of the shape of its input")
    if not (np.isfinite(inner_values).all() and np.isfinite(end_values).all()):
        raise ValueError("h must return finite numbers of the shape of its input")
    u = tau * v - th[..., None]  # the logistic variable D at each node
    density = tau * sigmoid(u) * sigmoid(-u)
    inner = (density * inner_values * w).sum(axis=-1)
    tails = end_values[0] * sigmoid(-tau * v_max - th) + end_values[1] * sigmoid(th - tau * v_max)
    return inner + tails
