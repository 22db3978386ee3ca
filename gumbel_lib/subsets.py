r"""Beyond one choice: sparsemax, Gumbel-top-k, Plackett–Luce probabilities, relaxed top-k.

Notebook 10's module. Softmax is the argmax of :math:`\langle x, y\rangle + \tau H(y)` over the
simplex; with the regulariser :math:`-\tfrac{\tau}{2}\lVert y\rVert^2` instead of the entropy the
same argmax is **sparsemax** (Martins & Astudillo 2016), the Euclidean projection of
:math:`x/\tau` onto the simplex, with exact zeros. The :math:`k` largest perturbed logits
:math:`x_j + g_j` are a sample of :math:`k` categories without replacement in Plackett–Luce
order (**Gumbel-top-k**, Vieira 2014; Kool, van Hoof & Welling 2019); the **relaxed top-k**
(successive softmax, Plötz & Roth 2018; Xie & Ermon 2019) replaces each of its :math:`k` argmax
steps by a softmax at temperature :math:`\tau`.

Each public function checks its arguments and calls an unchecked kernel below; the softmaxes
come from :mod:`gumbel_lib._kernels`, the one place that exponentiates logits. The categories
are along the last axis.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from . import _kernels
from ._checks import (
    as_float_array,
    as_generator,
    as_size,
    check_int,
    check_not_masked,
    check_tau,
    tau_as,
)
from .gumbel import perturbed_logits

__all__ = [
    "gumbel_top_k",
    "plackett_luce_log_prob",
    "plackett_luce_probabilities",
    "relaxed_top_k",
    "relaxed_top_k_vjp",
    "sparsemax",
    "sparsemax_vjp",
]

#: The most orderings :func:`plackett_luce_probabilities` enumerates (d!/(d-k)! of them).
MAX_ORDERINGS = 100_000


# --- argument checks shared by this module's functions --------------------------------------


def _finite_logits(logits: Any, name: str = "logits") -> np.ndarray:
    """Finite float64 logits with at least 2 categories along the last axis."""
    x = as_float_array(logits, name).astype(np.float64, copy=False)
    if x.ndim == 0 or x.shape[-1] < 2:
        raise ValueError(
            f"{name} must have at least 2 categories along the last axis; got shape {x.shape}"
        )
    if not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite (no NaN, no ±inf)")
    return x


def _same_shape(value: Any, name: str, shape: tuple[int, ...], of: str) -> np.ndarray:
    arr = as_float_array(value, name).astype(np.float64, copy=False)
    if arr.shape != shape:
        raise ValueError(f"{name} must have the shape of {of} {shape}; got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite")
    return arr


def _check_k(k: Any, d: int, high: int | None = None) -> int:
    high = d if high is None else high
    return check_int(k, "k", low=1, high=high, what=f"how many of the d = {d} categories")


# --- kernels (unchecked) ----------------------------------------------------------------------


def _sparsemax(z: np.ndarray) -> np.ndarray:
    """Projection of each row of ``z`` onto the simplex (last axis)."""
    d = z.shape[-1]
    zs = -np.sort(-z, axis=-1)
    cums = np.cumsum(zs, axis=-1)
    ks = np.arange(1, d + 1)
    support = 1.0 + ks * zs > cums  # true for k = 1..k(z), false after
    kz = support.sum(axis=-1, keepdims=True)
    threshold = (np.take_along_axis(cums, kz - 1, axis=-1) - 1.0) / kz
    return np.maximum(z - threshold, 0.0)


def _sparsemax_vjp(y: np.ndarray, u: np.ndarray, tau: float) -> np.ndarray:
    s = (y > 0).astype(y.dtype)
    mean_u = (s * u).sum(axis=-1, keepdims=True) / s.sum(axis=-1, keepdims=True)
    return s * (u - mean_u) / tau


def _plackett_luce_log_prob(x: np.ndarray, order: np.ndarray) -> np.ndarray:
    """log P(order) for ``x`` of shape (..., d), ``order`` of shape (..., k), broadcast."""
    shape = np.broadcast_shapes(x.shape[:-1], order.shape[:-1])
    x = np.broadcast_to(x, (*shape, x.shape[-1])).copy()
    order = np.broadcast_to(order, (*shape, order.shape[-1]))
    total = np.zeros(shape)
    for i in range(order.shape[-1]):
        chosen = order[..., i : i + 1]
        total += np.take_along_axis(_kernels.log_softmax(x), chosen, axis=-1)[..., 0]
        np.put_along_axis(x, chosen, -np.inf, axis=-1)  # chosen once: out of the later draws
    return total


def _orderings(d: int, k: int) -> np.ndarray:
    return np.array(list(itertools.permutations(range(d), k)), dtype=np.int64).reshape(-1, k)


def _relaxed_top_k_steps(x: np.ndarray, k: int, tau: float) -> list[np.ndarray]:
    """The k softmaxes p_j = softmax(x_j/τ), x_1 = x, x_{j+1} = x_j + log(1 − p_j)."""
    a = x.copy()
    steps = []
    for _ in range(k):
        p = _kernels.softmax(a, tau)
        steps.append(p)
        with np.errstate(divide="ignore"):
            a = a + np.log1p(-np.minimum(p, 1.0))  # p = 1 gives -inf: that category is taken
    return steps


def _relaxed_top_k_vjp(steps: list[np.ndarray], u: np.ndarray, tau: float) -> np.ndarray:
    a_bar = np.zeros_like(u)
    for p in reversed(steps):
        # x_{j+1} = x_j + log(1 − p_j): the gradient reaching p_j through it is −x̄_{j+1}/(1 − p_j)
        # (0 where p_j = 1: that category's later softmaxes are 0, so x̄_{j+1} is 0 there too).
        one_minus = 1.0 - p
        through = np.divide(a_bar, one_minus, out=np.zeros_like(a_bar), where=one_minus > 0)
        a_bar = a_bar + _kernels.softmax_vjp(p, u - through, tau)
    return a_bar


# --- public, checked -----------------------------------------------------------------------------


def sparsemax(logits: ArrayLike, tau: float = 1.0) -> np.ndarray:
    r"""Sparsemax of :math:`x/\tau` along the last axis: the projection onto the simplex.

    .. math::

        \operatorname{sparsemax}(x/\tau)
        = \arg\max_{y \in \Delta} \langle x, y\rangle - \tfrac{\tau}{2}\lVert y\rVert^2
        = \arg\min_{y \in \Delta} \lVert y - x/\tau \rVert^2
        = \max(x/\tau - \xi, 0),

    where the threshold :math:`\xi` makes the entries sum to 1: with :math:`z = x/\tau` sorted
    in decreasing order, :math:`k(z) = \max\{k : 1 + k z_{(k)} > \sum_{j \le k} z_{(j)}\}` and
    :math:`\xi = (\sum_{j \le k(z)} z_{(j)} - 1)/k(z)` (Martins & Astudillo 2016). Entries
    below the threshold are exactly 0.

    Parameters
    ----------
    logits : array_like, shape (..., d)
        Finite logits :math:`x`, d >= 2.
    tau : float, default 1.0
        Temperature :math:`\tau > 0`.

    Returns
    -------
    numpy.ndarray, shape (..., d)
        Points of the simplex, with exact zeros.

    Examples
    --------
    >>> sparsemax([1.0, 0.5, -1.0])
    array([0.75, 0.25, 0.  ])
    >>> sparsemax([1.0, 0.5, -1.0], tau=10.0).round(4)
    array([0.4167, 0.3667, 0.2167])
    """
    x = _finite_logits(logits)
    tau = check_tau(tau)
    return _sparsemax(x / tau_as(tau, x.dtype))


def sparsemax_vjp(y: ArrayLike, upstream: ArrayLike, tau: float = 1.0) -> np.ndarray:
    r"""Sparsemax's vector-Jacobian product at its output ``y``: :math:`J^\top u` for
    :math:`y = \operatorname{sparsemax}(x/\tau)`.

    .. math::

        \frac{\partial y}{\partial x} = \frac{1}{\tau}\Bigl(\operatorname{diag}(s)
        - \frac{s s^\top}{\lvert S\rvert}\Bigr),
        \qquad J^\top u = \frac{1}{\tau}\, s \odot \Bigl(u - \frac{\sum_{j \in S} u_j}{\lvert S
        \rvert}\Bigr),

    with :math:`S = \{j : y_j > 0\}` the support and :math:`s` its indicator (valid where the
    support does not change, that is almost everywhere). Off the support the gradient is exactly 0.

    Parameters
    ----------
    y : array_like, shape (..., d)
        A sparsemax output (points of the simplex).
    upstream : array_like, shape (..., d)
        The upstream gradient :math:`u`.
    tau : float, default 1.0
        The temperature used in the forward pass.

    Returns
    -------
    numpy.ndarray, shape (..., d)

    Examples
    --------
    >>> sparsemax_vjp([0.75, 0.25, 0.0], [1.0, 0.0, 5.0])
    array([ 0.5, -0.5,  0. ])
    """
    y_arr = as_float_array(y, "y").astype(np.float64, copy=False)
    if y_arr.ndim == 0 or y_arr.shape[-1] < 2:
        raise ValueError(
            f"y must have at least 2 categories along the last axis; got {y_arr.shape}"
        )
    if not np.isfinite(y_arr).all() or (y_arr < 0).any():
        raise ValueError("y must be a point of the simplex (finite, >= 0): a sparsemax output")
    if np.abs(y_arr.sum(axis=-1) - 1.0).max() > 1e-6:
        raise ValueError("y must sum to 1 along the last axis: a sparsemax output")
    u = _same_shape(upstream, "upstream", y_arr.shape, "y")
    tau = check_tau(tau)
    return _sparsemax_vjp(y_arr, u, tau)


def gumbel_top_k(
    logits: ArrayLike, k: int, rng: Any = None, size: int | tuple[int, ...] | None = None
) -> np.ndarray:
    r"""Gumbel-top-k: the indices of the :math:`k` largest :math:`x_j + g_j`, largest first.

    .. math::

        (K_1, \dots, K_k) = \operatorname{top-}k\,(x + g), \qquad g_j \sim \text{Gumbel}(0, 1)
        \text{ i.i.d.},

    is a sample of :math:`k` categories without replacement from :math:`\pi =
    \operatorname{softmax}(x)`, in Plackett–Luce order: :math:`P(K_1 = o_1, \dots, K_k = o_k) =
    \prod_{i=1}^{k} \pi_{o_i} / (1 - \sum_{j < i} \pi_{o_j})` (:func:`plackett_luce_log_prob`).

    Parameters
    ----------
    logits : array_like, shape (d,) or (..., d)
        Finite logits :math:`x`.
    k : int
        How many categories, 1 <= k <= d.
    rng : numpy.random.Generator, int or None
        The source of the noise (an int seeds a new generator).
    size : int or tuple of ints, optional
        How many samples, as a shape in front of the logits' batch shape.

    Returns
    -------
    numpy.ndarray of int64, shape (*size, ..., k)

    Examples
    --------
    >>> gumbel_top_k([0.0, 5.0, -5.0, 2.0], 2, rng=0, size=3)
    array([[3, 1],
           [1, 3],
           [3, 1]])
    """
    x = _finite_logits(logits)
    k = _check_k(k, x.shape[-1])
    gen = as_generator(rng)
    shape = as_size(size)
    z = perturbed_logits(x, gen, shape, axis=len(shape) + x.ndim - 1)  # (x - max x) + g
    return np.argsort(-z, axis=-1, kind="stable")[..., :k]


def plackett_luce_log_prob(logits: ArrayLike, order: ArrayLike) -> np.ndarray:
    r"""The log-probability of an ordered draw without replacement (Plackett–Luce).

    .. math::

        \log P(K_1 = o_1, \dots, K_k = o_k)
        = \sum_{i=1}^{k} \Bigl(x_{o_i} - \log \sum_{j \notin \{o_1, \dots, o_{i-1}\}} e^{x_j}\Bigr).

    Parameters
    ----------
    logits : array_like, shape (..., d)
        Finite logits :math:`x`.
    order : array_like of int, shape (..., k)
        Distinct categories in ``0 .. d - 1``, in the order drawn; broadcast against the logits'
        batch shape.

    Returns
    -------
    numpy.ndarray, shape (...)

    Examples
    --------
    >>> float(np.exp(plackett_luce_log_prob([0.0, 0.0, 0.0, 0.0], [2, 0])))  # 1/4 · 1/3
    0.08333333333333333
    """
    x = _finite_logits(logits)
    check_not_masked(order, "order")
    try:
        o = np.asarray(order)
    except (ValueError, TypeError) as err:
        raise ValueError(f"order must be a rectangular array of ints ({err})") from None
    if o.dtype.kind not in "iu":
        raise TypeError(f"order must be an array of ints (categories); got dtype {o.dtype}")
    d = x.shape[-1]
    if o.ndim == 0 or not 1 <= o.shape[-1] <= d:
        raise ValueError(f"order must have 1 to d = {d} categories along its last axis")
    if (o < 0).any() or (o >= d).any():
        raise ValueError(f"order must hold categories 0 to {d - 1}")
    if (np.sort(o, axis=-1)[..., 1:] == np.sort(o, axis=-1)[..., :-1]).any():
        raise ValueError("order must not repeat a category (a draw without replacement)")
    try:
        np.broadcast_shapes(x.shape[:-1], o.shape[:-1])
    except ValueError:
        raise ValueError(
            f"order's batch shape {o.shape[:-1]} does not broadcast with the logits' {x.shape[:-1]}"
        ) from None
    return _plackett_luce_log_prob(x, o.astype(np.int64))


def plackett_luce_probabilities(
    logits: ArrayLike, k: int, ordered: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    r"""Every ordered draw of :math:`k` of :math:`d` categories (or every subset) and its
    probability, by enumeration.

    .. math::

        P(o) = \prod_{i=1}^{k} \frac{\pi_{o_i}}{1 - \sum_{j < i} \pi_{o_j}}, \qquad
        P(S) = \sum_{o \text{ an ordering of } S} P(o).

    Parameters
    ----------
    logits : array_like, shape (d,)
        Finite logits :math:`x`, :math:`\pi = \operatorname{softmax}(x)`.
    k : int
        How many categories are drawn, 1 <= k <= d.
    ordered : bool, default True
        True: the :math:`d!/(d-k)!` orderings, in lexicographic order. False: the
        :math:`\binom{d}{k}` subsets, each as its sorted categories.

    Returns
    -------
    draws : numpy.ndarray of int64, shape (n, k)
    probs : numpy.ndarray, shape (n,), summing to 1

    Examples
    --------
    >>> subsets, probs = plackett_luce_probabilities([0.0, 0.0, 0.0], 2, ordered=False)
    >>> subsets.tolist(), probs.round(4).tolist()
    ([[0, 1], [0, 2], [1, 2]], [0.3333, 0.3333, 0.3333])
    """
    x = _finite_logits(logits)
    if x.ndim != 1:
        raise ValueError(f"logits must be a 1-d array (one distribution); got shape {x.shape}")
    d = x.shape[0]
    k = _check_k(k, d)
    if not isinstance(ordered, (bool, np.bool_)):
        raise TypeError(f"ordered must be True or False; got {ordered!r}")
    n = 1
    for i in range(k):
        n *= d - i
    if n > MAX_ORDERINGS:
        raise ValueError(
            f"k = {k} of d = {d} categories has {n} orderings, more than {MAX_ORDERINGS}: "
            "enumerate only small problems"
        )
    orders = _orderings(d, k)
    probs = np.exp(_plackett_luce_log_prob(x, orders))
    if ordered:
        return orders, probs
    keys = np.sort(orders, axis=1)
    subsets, index = np.unique(keys, axis=0, return_inverse=True)
    return subsets, np.bincount(index.ravel(), weights=probs, minlength=len(subsets))


def relaxed_top_k(logits: ArrayLike, k: int, tau: float = 1.0) -> np.ndarray:
    r"""The relaxed top-k (successive softmax): a vector of :math:`d` non-negative entries that
    sum to :math:`k`; an entry can exceed 1.

    .. math::

        x^{(1)} = x, \quad p^{(j)} = \operatorname{softmax}(x^{(j)}/\tau), \quad
        x^{(j+1)} = x^{(j)} + \log\bigl(1 - p^{(j)}\bigr), \qquad
        y = \sum_{j=1}^{k} p^{(j)}.

    Each step is a relaxed argmax that softly removes what the previous steps chose
    (Plötz & Roth 2018; Xie & Ermon 2019). As :math:`\tau \to 0` each :math:`p^{(j)}` becomes the
    one-hot of the :math:`j`-th largest logit and :math:`y` the :math:`k`-hot of the top
    :math:`k`. For a sample, pass perturbed logits :math:`x + g`.

    The second step's softmax is proportional to :math:`p^{(1)}_i (1 - p^{(1)}_i)^{1/\tau}`. At a
    large :math:`\tau` the removal is weak and the first step's winner can be chosen again
    (``relaxed_top_k([2, 0, 0], 2, tau=1)`` is about ``[1.26, 0.37, 0.37]``); at a small one the
    runner-up of a near-tie is removed hard too, but the renormalised step has nowhere else to
    go. Either way an entry is above 1. With :math:`k = 2` and :math:`\tau = 1/2` no entry
    exceeds 1, since :math:`\sum_j p_j (1 - p_j)^2 \ge p_i (1 - p_i)` for every :math:`i`.

    Parameters
    ----------
    logits : array_like, shape (..., d)
        Finite logits (or perturbed logits).
    k : int
        The subset's size, 1 <= k < d.
    tau : float, default 1.0
        Temperature :math:`\tau > 0`.

    Returns
    -------
    numpy.ndarray, shape (..., d)

    Examples
    --------
    >>> relaxed_top_k([3.0, 1.0, 2.0, -1.0], 2, tau=0.01)
    array([1., 0., 1., 0.])
    >>> float(relaxed_top_k([3.0, 1.0, 2.0, -1.0], 2, tau=1.0).sum())
    2.0
    """
    x = _finite_logits(logits)
    k = _check_k(k, x.shape[-1], high=x.shape[-1] - 1)
    tau = check_tau(tau)
    return sum(_relaxed_top_k_steps(x, k, float(tau_as(tau, x.dtype))))


def relaxed_top_k_vjp(
    logits: ArrayLike, k: int, upstream: ArrayLike, tau: float = 1.0
) -> np.ndarray:
    r"""The vector-Jacobian product of :func:`relaxed_top_k` with respect to the logits.

    Back through the recursion, from :math:`\bar x^{(k+1)} = 0` down to :math:`j = 1`:

    .. math::

        \bar p^{(j)} = u - \frac{\bar x^{(j+1)}}{1 - p^{(j)}}, \qquad
        \bar x^{(j)} = \bar x^{(j+1)} + \frac{1}{\tau}\, p^{(j)} \odot
        \bigl(\bar p^{(j)} - \langle \bar p^{(j)}, p^{(j)}\rangle\bigr),

    and :math:`J^\top u = \bar x^{(1)}` (the softmax's VJP of notebook 01 at each step).

    Parameters
    ----------
    logits : array_like, shape (..., d)
        The logits of the forward pass.
    k : int
        The subset's size, 1 <= k < d.
    upstream : array_like, shape (..., d)
        The upstream gradient :math:`u = \partial f/\partial y`.
    tau : float, default 1.0
        Temperature :math:`\tau > 0`.

    Returns
    -------
    numpy.ndarray, shape (..., d)

    Examples
    --------
    >>> relaxed_top_k_vjp([1.0, 1.0, 1.0], 1, [1.0, 0.0, 0.0], tau=1.0).round(4)
    array([ 0.2222, -0.1111, -0.1111])
    """
    x = _finite_logits(logits)
    k = _check_k(k, x.shape[-1], high=x.shape[-1] - 1)
    u = _same_shape(upstream, "upstream", x.shape, "the logits")
    tau = float(tau_as(check_tau(tau), x.dtype))
    return _relaxed_top_k_vjp(_relaxed_top_k_steps(x, k, tau), u, tau)
