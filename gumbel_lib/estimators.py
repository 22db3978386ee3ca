r"""Gradient estimators for an expectation over a category, written out (no autograd).

The objective is the expected loss of a category drawn from the softmax of the logits,

.. math::

    L(x) = \mathbb{E}_{k \sim \pi}[f_k] = \sum_{k=1}^d \pi_k f_k,
    \qquad \pi = \operatorname{softmax}(x),

with one loss value :math:`f_k` per category. Its exact gradient is
:math:`\nabla_x L = \pi \odot (f - \langle \pi, f \rangle)` (:func:`exact_gradient`). The
estimators below return one estimate per sample, an array of shape ``(n, d)``:

* :func:`reinforce`: the score-function estimator :math:`(f_k - b)(e_k - \pi)`, unbiased;
* :func:`straight_through`: the naive straight-through surrogate (no noise, no sampling);
* :func:`gumbel_softmax_estimator`: the gradient of the relaxed loss at a Gumbel-softmax
  sample, biased for :math:`\tau > 0`;
* :func:`straight_through_gumbel_estimator`: one-hot sample forward, relaxed gradient back.

The three relaxed estimators need the loss on the whole simplex, not only at its corners:
a function :math:`\tilde f` with :math:`\tilde f(e_k) = f_k`. By default it is the linear
extension :math:`\tilde f(y) = \langle f, y \rangle`, whose gradient is :math:`f`
everywhere; pass ``f_grad`` (the gradient :math:`\nabla \tilde f`) for another one, e.g.
a squared error. Every stochastic estimator draws its categories by the Gumbel-max trick,
:math:`k = \arg\max_i (x_i + g_i)`, from Gumbel noise ``g`` of shape ``(n, d)``; the same
seed (or the same ``noise=``) gives every estimator the same draws.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, as_generator, check_tau
from ._checks import check_logits_f as _check_logits_f
from ._checks import check_n as _check_n
from .gumbel import gumbel_noise
from .softmax import one_hot, softmax, softmax_vjp

__all__ = [
    "ESTIMATORS",
    "BiasStd",
    "bias_std",
    "binary_relaxed_mean",
    "estimate",
    "estimate_batch",
    "exact_gradient",
    "gumbel_softmax_estimator",
    "objective",
    "reinforce",
    "straight_through",
    "straight_through_gumbel_estimator",
]

#: The estimator names understood by :func:`estimate`, in display order.
ESTIMATORS = ("reinforce", "reinforce_loo", "straight_through", "gumbel_softmax", "st_gumbel")

GradFn = Callable[[np.ndarray], ArrayLike]


# --- argument checks -------------------------------------------------------------------


def _get_noise(noise: ArrayLike | None, rng: Any, n: int, d: int) -> np.ndarray:
    if noise is None:
        return gumbel_noise((n, d), rng=as_generator(rng))
    g = as_float_array(noise, "noise").astype(np.float64)
    if g.shape != (n, d):
        raise ValueError(f"noise must have shape (n, d) = {(n, d)}; got {g.shape}")
    if not np.isfinite(g).all():
        raise ValueError("noise must be finite")
    return g


def _upstream(f: np.ndarray, f_grad: GradFn | None, points: np.ndarray) -> np.ndarray:
    """The gradient of the relaxed loss at ``points`` (n, d): ``f`` itself if linear."""
    if f_grad is None:
        return np.broadcast_to(f, points.shape)
    if not callable(f_grad):
        raise TypeError(f"f_grad must be None or a callable; got {type(f_grad).__name__}")
    u = as_float_array(f_grad(points.copy()), "f_grad(y)")  # a copy: f_grad may write to it
    if u.shape != points.shape:
        raise ValueError(
            f"f_grad must return an array of the shape of its input {points.shape}; got {u.shape}"
        )
    if not np.isfinite(u).all():
        raise ValueError("f_grad returned non-finite values")
    return u


# --- the objective and its exact gradient ----------------------------------------------


def objective(logits: ArrayLike, f_values: ArrayLike) -> float:
    r"""The expected loss :math:`L(x) = \sum_k \operatorname{softmax}(x)_k f_k`.

    Parameters
    ----------
    logits : array_like, shape (d,)
        Finite logits :math:`x`, :math:`d \ge 2`.
    f_values : array_like, shape (d,)
        The finite loss :math:`f_k` of each category.

    Returns
    -------
    float

    Examples
    --------
    >>> objective([0.0, 0.0], [1.0, 3.0])
    2.0
    """
    x, f = _check_logits_f(logits, f_values)
    return float(softmax(x) @ f)


def exact_gradient(logits: ArrayLike, f_values: ArrayLike) -> np.ndarray:
    r"""Exact gradient of :math:`L(x) = \mathbb{E}_{k \sim \operatorname{softmax}(x)}[f_k]`.

    With :math:`\pi = \operatorname{softmax}(x)` and
    :math:`\partial \pi_k / \partial x_j = \pi_k (\delta_{kj} - \pi_j)`,

    .. math::

        \frac{\partial L}{\partial x_j} = \sum_k f_k \pi_k (\delta_{kj} - \pi_j)
        = \pi_j \Bigl(f_j - \sum_{k=1}^d \pi_k f_k\Bigr).

    It sums to 0 (adding a constant to every logit changes nothing).

    Parameters
    ----------
    logits : array_like, shape (d,)
        Finite logits :math:`x`, :math:`d \ge 2`.
    f_values : array_like, shape (d,)
        The finite loss :math:`f_k` of each category.

    Returns
    -------
    numpy.ndarray, shape (d,)

    Examples
    --------
    >>> exact_gradient([0.0, 0.0], [1.0, 0.0])
    array([ 0.25, -0.25])
    >>> exact_gradient(np.log([0.2, 0.3, 0.5]), [1.0, 2.0, 3.0]).round(3)
    array([-0.26, -0.09,  0.35])
    """
    x, f = _check_logits_f(logits, f_values)
    pi = softmax(x)
    return pi * (f - pi @ f)


# --- REINFORCE -------------------------------------------------------------------------


def _reinforce(x: np.ndarray, f: np.ndarray, g: np.ndarray, baseline: Any) -> np.ndarray:
    pi = softmax(x)
    k = (x + g).argmax(axis=-1)  # Gumbel-max: k ~ softmax(x)
    fk = f[k]
    if isinstance(baseline, str):  # "loo": the mean loss of the *other* samples
        n = fk.shape[0]
        b = (fk.sum() - fk) / (n - 1)
    else:
        b = baseline
    return (fk - b)[:, None] * (one_hot(k, x.shape[0]) - pi)


def reinforce(
    logits: ArrayLike,
    f_values: ArrayLike,
    n: int,
    rng: Any = None,
    *,
    baseline: float | str | None = None,
    noise: ArrayLike | None = None,
) -> np.ndarray:
    r"""Score-function (REINFORCE) estimates of :math:`\nabla_x L`, one per sample.

    For :math:`k \sim \pi = \operatorname{softmax}(x)` the score is
    :math:`\nabla_x \log \pi_k = e_k - \pi`, and

    .. math::

        \hat g = (f_k - b)\,(e_k - \pi), \qquad
        \mathbb{E}[\hat g] = \sum_k \pi_k f_k (e_k - \pi) - b \sum_k \pi_k (e_k - \pi)
        = \nabla_x L,

    because the score has mean zero: any baseline :math:`b` that does not depend on
    :math:`k` keeps the estimator unbiased, and a good one lowers its variance.

    Parameters
    ----------
    logits : array_like, shape (d,)
        Finite logits :math:`x`, :math:`d \ge 2`.
    f_values : array_like, shape (d,)
        The finite loss :math:`f_k` of each category.
    n : int
        Number of samples, 1 to 10**8 (:data:`gumbel_lib._checks.MAX_SAMPLES`).
    rng : numpy.random.Generator, int or None
        Source of the Gumbel noise (ignored if ``noise`` is given).
    baseline : None, float or "loo", default None
        ``None`` is :math:`b = 0`; a float is a fixed baseline; ``"loo"`` is the
        leave-one-out baseline (Kool et al. 2019): sample :math:`i` uses the mean loss of
        the other :math:`n - 1` samples, :math:`b_i = \frac{1}{n-1}\sum_{j \ne i} f_{k_j}`,
        which is independent of :math:`k_i` (needs :math:`n \ge 2`).
    noise : array_like, shape (n, d), optional
        Gumbel noise :math:`g`; the categories are :math:`k = \arg\max_i (x_i + g_i)`.

    Returns
    -------
    numpy.ndarray, shape (n, d)
        One estimate per row; their mean estimates :math:`\nabla_x L`.

    Examples
    --------
    >>> x, f = np.log([0.2, 0.3, 0.5]), np.array([1.0, 2.0, 3.0])
    >>> est = reinforce(x, f, n=200_000, rng=0)
    >>> est.shape, est.mean(axis=0).round(2), exact_gradient(x, f).round(2)
    ((200000, 3), array([-0.26, -0.09,  0.35]), array([-0.26, -0.09,  0.35]))
    >>> loo = reinforce(x, f, n=200_000, rng=0, baseline="loo")
    >>> bool(loo.std(axis=0).sum() < est.std(axis=0).sum())  # same draws, less spread
    True
    """
    x, f = _check_logits_f(logits, f_values)
    n = _check_n(n)
    if isinstance(baseline, str):
        if baseline != "loo":
            raise ValueError(f'baseline must be None, a finite number or "loo"; got {baseline!r}')
        if n < 2:
            raise ValueError('baseline="loo" needs n >= 2 samples')
    elif baseline is None:
        baseline = 0.0
    elif isinstance(baseline, (bool, np.bool_)) or not isinstance(baseline, numbers.Real):
        raise TypeError(f'baseline must be None, a finite number or "loo"; got {baseline!r}')
    elif not np.isfinite(float(baseline)):
        raise ValueError(f"baseline must be finite; got {baseline}")
    else:
        baseline = float(baseline)
    g = _get_noise(noise, rng, n, x.shape[0])
    return _reinforce(x, f, g, baseline)


# --- the relaxed estimators ------------------------------------------------------------


def straight_through(
    logits: ArrayLike,
    f_values: ArrayLike,
    n: int = 1,
    tau: float = 1.0,
    *,
    f_grad: GradFn | None = None,
) -> np.ndarray:
    r"""The naive straight-through surrogate gradient (no noise): ``n`` identical rows.

    Forward, the category is the argmax of the logits, :math:`z = e_{\arg\max_i x_i}`,
    without any sampling; backward, the gradient of the loss at :math:`z` is pushed
    through :math:`p = \operatorname{softmax}(x/\tau)`, as ``z - p.detach() + p`` does:

    .. math::

        \hat g = \frac{p}{\tau} \odot \bigl(u - \langle u, p \rangle\bigr),
        \qquad u = \nabla \tilde f(z).

    It is deterministic (zero variance) and biased. For the linear extension
    (``u = f``) and :math:`\tau = 1` it happens to equal :math:`\nabla_x L`; for a
    non-linear loss it is biased at every :math:`\tau`. The same as
    :func:`gumbel_lib.straight_through_softmax` with ``upstream = u``.

    Parameters
    ----------
    logits, f_values
        As in :func:`exact_gradient`.
    n : int, default 1
        Number of rows (all equal), for a like-for-like comparison with the others.
    tau : float, default 1.0
        Temperature of the backward softmax, finite and > 0.
    f_grad : callable, optional
        ``f_grad(y)`` maps points of the simplex, shape (m, d), to the gradient of the
        relaxed loss :math:`\tilde f` there, shape (m, d); :math:`\tilde f(e_k)` must
        equal ``f_values[k]``. Default: the linear extension, gradient ``f_values``.

    Returns
    -------
    numpy.ndarray, shape (n, d)

    Examples
    --------
    >>> x, f = [1.0, 2.0, 0.5], [1.0, 0.0, 0.0]
    >>> straight_through(x, f, n=2).round(3)
    array([[ 0.178, -0.145, -0.032],
           [ 0.178, -0.145, -0.032]])
    >>> bool(np.allclose(straight_through(x, f)[0], exact_gradient(x, f)))  # linear, τ = 1
    True
    """
    x, f = _check_logits_f(logits, f_values)
    n = _check_n(n)
    tau = check_tau(tau)
    p = softmax(x, tau=tau)
    z = one_hot(np.array([x.argmax()]), x.shape[0])
    u = _upstream(f, f_grad, z)[0]
    return np.tile(softmax_vjp(p, u, tau=tau), (n, 1))


def _relaxed(
    logits: ArrayLike,
    f_values: ArrayLike,
    n: int,
    tau: float,
    rng: Any,
    f_grad: GradFn | None,
    noise: ArrayLike | None,
    hard: bool,
) -> np.ndarray:
    """The two relaxed estimators: checks, noise, and the VJP at ``y`` (or its one-hot)."""
    x, f = _check_logits_f(logits, f_values)
    n = _check_n(n)
    tau = check_tau(tau)
    g = _get_noise(noise, rng, n, x.shape[0])
    y = softmax(x + g, tau=tau)  # the Gumbel-softmax samples, one per row
    at = one_hot(y.argmax(axis=-1), x.shape[0]) if hard else y
    return softmax_vjp(y, _upstream(f, f_grad, at), tau=tau)


def gumbel_softmax_estimator(
    logits: ArrayLike,
    f_values: ArrayLike,
    n: int,
    tau: float = 1.0,
    rng: Any = None,
    *,
    f_grad: GradFn | None = None,
    noise: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gumbel-softmax (Concrete) estimates: the exact gradient of a *relaxed* loss.

    For each noise draw :math:`g` it differentiates the relaxed loss at the
    Gumbel-softmax sample :math:`y = \operatorname{softmax}((x + g)/\tau)` with the noise
    held fixed (the reparameterisation trick):

    .. math::

        \hat g = \nabla_x \tilde f\bigl(\operatorname{softmax}((x + g)/\tau)\bigr)
        = \frac{y}{\tau} \odot \bigl(u - \langle u, y \rangle\bigr),
        \qquad u = \nabla \tilde f(y).

    With the linear extension, :math:`\tilde f(y) = \langle f, y \rangle` and
    :math:`\hat g = \nabla_x \langle f, \operatorname{softmax}((x+g)/\tau)\rangle`
    = ``softmax_vjp(y, f, tau)``. Its mean is the gradient of
    :math:`\mathbb{E}_g[\tilde f(y)]`, not of :math:`L`: biased for :math:`\tau > 0`. As
    :math:`\tau \to 0` the bias vanishes and the variance grows without bound.

    Parameters
    ----------
    logits, f_values
        As in :func:`exact_gradient`.
    n : int
        Number of samples, 1 to 10**8 (:data:`gumbel_lib._checks.MAX_SAMPLES`).
    tau : float, default 1.0
        Temperature, finite and > 0.
    rng : numpy.random.Generator, int or None
        Source of the Gumbel noise (ignored if ``noise`` is given).
    f_grad : callable, optional
        The gradient of the relaxed loss, as in :func:`straight_through`.
    noise : array_like, shape (n, d), optional
        The Gumbel noise :math:`g`, to hold it fixed (e.g. for finite differences).

    Returns
    -------
    numpy.ndarray, shape (n, d)

    Examples
    --------
    >>> x, f = np.log([0.2, 0.3, 0.5]), np.array([1.0, 2.0, 3.0])
    >>> est = gumbel_softmax_estimator(x, f, n=4, tau=0.5, rng=0)
    >>> from gumbel_lib import gumbel_softmax
    >>> y = gumbel_softmax(x, tau=0.5, rng=0, size=4)  # the same seed: the same samples
    >>> bool(np.allclose(est, y / 0.5 * (f - (y @ f)[:, None])))
    True
    """
    return _relaxed(logits, f_values, n, tau, rng, f_grad, noise, hard=False)


def straight_through_gumbel_estimator(
    logits: ArrayLike,
    f_values: ArrayLike,
    n: int,
    tau: float = 1.0,
    rng: Any = None,
    *,
    f_grad: GradFn | None = None,
    noise: ArrayLike | None = None,
) -> np.ndarray:
    r"""Straight-through Gumbel-softmax estimates: one-hot sample forward, relaxed backward.

    The forward value is the one-hot :math:`z = e_k`, :math:`k = \arg\max_i (x_i + g_i)`,
    an exact sample of :math:`\pi`; the backward pass uses the Jacobian of the soft
    sample :math:`y = \operatorname{softmax}((x + g)/\tau)` with the loss gradient taken
    at :math:`z`:

    .. math::

        \hat g = \frac{y}{\tau} \odot \bigl(u - \langle u, y \rangle\bigr),
        \qquad u = \nabla \tilde f(z).

    This is ``torch.nn.functional.gumbel_softmax(hard=True)``. It is biased at every
    :math:`\tau`; for the linear extension (``u = f`` wherever it is evaluated) it
    coincides with :func:`gumbel_softmax_estimator`.

    Parameters
    ----------
    logits, f_values, n, tau, rng, f_grad, noise
        As in :func:`gumbel_softmax_estimator`.

    Returns
    -------
    numpy.ndarray, shape (n, d)

    Examples
    --------
    A squared error :math:`\tilde f(y) = \lVert y - c \rVert^2` is not linear, so the
    two relaxed estimators differ:

    >>> x, c = np.log([0.2, 0.3, 0.5]), np.array([0.1, 0.1, 0.8])
    >>> f = ((np.eye(3) - c) ** 2).sum(axis=1)
    >>> grad = lambda y: 2 * (y - c)
    >>> st = straight_through_gumbel_estimator(x, f, 3, tau=0.5, rng=0, f_grad=grad)
    >>> gs = gumbel_softmax_estimator(x, f, 3, tau=0.5, rng=0, f_grad=grad)
    >>> st.shape, bool(np.allclose(st, gs))
    ((3, 3), False)
    """
    return _relaxed(logits, f_values, n, tau, rng, f_grad, noise, hard=True)


# --- comparing them --------------------------------------------------------------------


def estimate(
    name: str,
    logits: ArrayLike,
    f_values: ArrayLike,
    n: int,
    tau: float = 1.0,
    rng: Any = None,
    *,
    f_grad: GradFn | None = None,
    noise: ArrayLike | None = None,
) -> np.ndarray:
    r"""Per-sample estimates, shape (n, d), from the estimator called ``name``.

    ``name`` is one of :data:`ESTIMATORS`: ``"reinforce"`` (no baseline),
    ``"reinforce_loo"`` (leave-one-out baseline), ``"straight_through"`` (naive, no
    noise), ``"gumbel_softmax"`` and ``"st_gumbel"``. ``tau`` and ``f_grad`` are ignored
    by the two REINFORCE variants; ``rng`` and ``noise`` by ``"straight_through"``.
    With the same seed every stochastic estimator uses the same Gumbel noise.

    Examples
    --------
    >>> [estimate(e, [0.0, 1.0], [1.0, 0.0], 5, tau=0.5, rng=0).shape for e in ESTIMATORS]
    [(5, 2), (5, 2), (5, 2), (5, 2), (5, 2)]
    """
    if name == "reinforce":
        return reinforce(logits, f_values, n, rng, noise=noise)
    if name == "reinforce_loo":
        return reinforce(logits, f_values, n, rng, baseline="loo", noise=noise)
    if name == "straight_through":
        return straight_through(logits, f_values, n, tau, f_grad=f_grad)
    if name == "gumbel_softmax":
        return gumbel_softmax_estimator(logits, f_values, n, tau, rng, f_grad=f_grad, noise=noise)
    if name == "st_gumbel":
        return straight_through_gumbel_estimator(
            logits, f_values, n, tau, rng, f_grad=f_grad, noise=noise
        )
    raise ValueError(f"name must be one of {ESTIMATORS}; got {name!r}")


class BiasStd(NamedTuple):
    """How far an estimator's mean is from the truth, and how much a single sample spreads."""

    bias: float
    r"""Euclidean norm of the mean estimate minus the exact gradient."""
    std: float
    r"""Root mean squared distance of one estimate from the mean, :math:`\sqrt{\mathrm{tr}\,C}`
    with :math:`C` the covariance of one estimate."""
    stderr: float
    """``std / sqrt(n)``: the Monte Carlo noise in ``bias`` (an unbiased estimator's
    measured bias is of this size)."""


def bias_std(estimates: ArrayLike, exact: ArrayLike) -> BiasStd:
    r"""Summarise ``n`` estimates of shape (n, d) against the exact gradient, shape (d,).

    .. math::

        \text{bias} = \lVert \bar g - \nabla L \rVert_2, \qquad
        \text{std} = \Bigl(\tfrac{1}{n}\textstyle\sum_i
        \lVert \hat g_i - \bar g \rVert_2^2\Bigr)^{1/2},
        \qquad \bar g = \tfrac1n \textstyle\sum_i \hat g_i .

    Examples
    --------
    >>> bias_std([[1.0, -1.0], [3.0, -3.0]], [2.0, -1.0])
    BiasStd(bias=1.0, std=1.4142135623730951, stderr=1.0)
    """
    est = as_float_array(estimates, "estimates")
    ex = as_float_array(exact, "exact")
    if est.ndim != 2 or ex.shape != est.shape[1:]:
        raise ValueError(
            f"estimates must have shape (n, d) and exact shape (d,); got {est.shape} and {ex.shape}"
        )
    if est.shape[0] == 0 or est.shape[1] == 0:
        raise ValueError(f"estimates must have at least one row and one column; got {est.shape}")
    if not (np.isfinite(est).all() and np.isfinite(ex).all()):
        raise ValueError("estimates and exact must be finite")
    mean = est.mean(axis=0)
    std = float(np.sqrt(((est - mean) ** 2).sum(axis=1).mean()))
    return BiasStd(float(np.linalg.norm(mean - ex)), std, std / float(np.sqrt(est.shape[0])))


# --- many groups at once, and the d = 2 case by quadrature -----------------------------


def estimate_batch(
    name: str,
    logits: ArrayLike,
    f_values: ArrayLike,
    noise: ArrayLike,
    tau: float = 1.0,
    *,
    f_grad: GradFn | None = None,
) -> np.ndarray:
    r"""The estimates of :func:`estimate` for ``B`` independent groups of ``m`` samples at once.

    Group ``b`` has its own logits ``logits[b]`` (or the shared 1-d ``logits``) and its own
    Gumbel noise ``noise[b]`` of shape ``(m, d)``; row ``noise[b, i]`` gives the category
    :math:`K_{bi} = \arg\max_j (x_{bj} + g_{bij})` and the estimate :func:`estimate` would
    return for it. The leave-one-out baseline of ``"reinforce_loo"`` is taken within the
    group, :math:`b_{bi} = \frac{1}{m-1} \sum_{j \ne i} f_{K_{bj}}`, so ``estimate_batch(name,
    x, f, g)[b]`` equals ``estimate(name, x[b], f, m, tau, noise=g[b])``. One vectorised call
    replaces a Python loop over the groups: gradient descent on several seeds at once, or
    ``B`` independent averages of ``m`` estimates to simulate a mean squared error.

    Parameters
    ----------
    name : str
        One of :data:`ESTIMATORS`.
    logits : array_like, shape (B, d) or (d,)
        Finite logits, one row per group (a 1-d array is shared by every group).
    f_values : array_like, shape (d,)
        The finite loss :math:`f_k` of each category.
    noise : array_like, shape (B, m, d)
        Gumbel noise (``"straight_through"`` uses only its shape); ``m >= 2`` for
        ``"reinforce_loo"``.
    tau : float, default 1.0
        Temperature, finite and > 0 (ignored by the two REINFORCE variants).
    f_grad : callable, optional
        The gradient of the relaxed loss, as in :func:`straight_through`; it is called on
        arrays of shape ``(B * m, d)`` (``(B, d)`` for ``"straight_through"``).

    Returns
    -------
    numpy.ndarray, shape (B, m, d)

    Examples
    --------
    >>> x, f = np.log([0.2, 0.3, 0.5]), np.array([1.0, 2.0, 3.0])
    >>> g = gumbel_noise((2, 5, 3), rng=0)
    >>> batch = estimate_batch("reinforce_loo", x, f, g)
    >>> batch.shape, bool(np.allclose(batch[1], estimate("reinforce_loo", x, f, 5, noise=g[1])))
    ((2, 5, 3), True)
    """
    if name not in ESTIMATORS:
        raise ValueError(f"name must be one of {ESTIMATORS}; got {name!r}")
    f = as_float_array(f_values, "f_values").astype(np.float64)
    if f.ndim != 1 or f.shape[0] < 2:
        raise ValueError(f"f_values must be a 1-d array of d >= 2 numbers; got shape {f.shape}")
    if not np.isfinite(f).all():
        raise ValueError("f_values must be finite")
    d = f.shape[0]
    g = as_float_array(noise, "noise").astype(np.float64)
    if g.ndim != 3 or g.shape[2] != d or g.shape[1] < 1:
        raise ValueError(f"noise must have shape (B, m, d) with d = {d}; got {g.shape}")
    if not np.isfinite(g).all():
        raise ValueError("noise must be finite")
    batches, m = g.shape[:2]
    x = as_float_array(logits, "logits").astype(np.float64)
    if x.ndim == 1:
        x = np.broadcast_to(x, (batches, x.shape[0]))
    if x.shape != (batches, d):
        raise ValueError(f"logits must have shape (d,) or (B, d) = {(batches, d)}; got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("logits must be finite")
    tau = check_tau(tau)
    if name == "reinforce_loo" and m < 2:
        raise ValueError('"reinforce_loo" needs m >= 2 samples per group (noise.shape[1])')
    # Inputs are checked once above; the loop of a gradient descent calls this at every
    # step, so the softmax, the one-hot vectors and the softmax VJP are written out here
    # (the same formulas as softmax, one_hot and softmax_vjp, without their checks).
    eye = np.eye(d)
    if name in ("reinforce", "reinforce_loo"):
        k = (x[:, None, :] + g).argmax(axis=-1)  # (B, m): Gumbel-max categories
        fk = f[k]
        b = (fk.sum(axis=1, keepdims=True) - fk) / (m - 1) if name == "reinforce_loo" else 0.0
        return (fk - b)[..., None] * (eye[k] - _softmax_rows(x, 1.0)[:, None, :])
    if name == "straight_through":
        p = _softmax_rows(x, tau)
        u = _upstream(f, f_grad, eye[x.argmax(axis=-1)])
        vjp = p / tau * (u - (u * p).sum(axis=-1, keepdims=True))
        return np.repeat(vjp[:, None, :], m, axis=1)
    y = _softmax_rows(x[:, None, :] + g, tau)  # (B, m, d) Gumbel-softmax samples
    at = eye[y.argmax(axis=-1)] if name == "st_gumbel" else y
    u = _upstream(f, f_grad, at.reshape(-1, d)).reshape(y.shape)
    return y / tau * (u - (u * y).sum(axis=-1, keepdims=True))


def _softmax_rows(z: np.ndarray, tau: float) -> np.ndarray:
    """softmax(z / tau) along the last axis, for finite z already checked."""
    e = np.exp((z - z.max(axis=-1, keepdims=True)) / tau)
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(v: np.ndarray) -> np.ndarray:
    """The logistic function σ(v) = 1 / (1 + e^{-v}), without overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * v))


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
    the tails contribute :math:`h(0)\,\sigma(-\tau V - \theta) + h(1)\,\sigma(\theta - \tau V)`;
    :math:`[-V, V]` is integrated by Gauss–Legendre on panels of width
    :math:`\tfrac12 \min(1, 1/\tau)`, split at :math:`v = 0` (:math:`y_1 = \tfrac12`), where
    :math:`h` may jump (a straight-through estimator evaluates the loss gradient at the
    one-hot argmax). No sampling: the result is deterministic, accurate to about
    :math:`10^{-12}` for smooth :math:`h`.

    Parameters
    ----------
    h : callable
        ``h(s)`` maps an array of values :math:`y_1 \in [0, 1]` to an array of the same
        shape (finite, vectorised).
    theta : array_like
        Finite logit differences :math:`\theta = x_1 - x_0`, any shape.
    tau : float
        Temperature, finite and > 0.
    v_max : float, default 40.0
        Half-width :math:`V` of the integrated range in :math:`v` (> 0).
    nodes : int, default 8
        Gauss–Legendre nodes per panel (> 0).

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
    if isinstance(nodes, (bool, np.bool_)) or not isinstance(nodes, numbers.Integral) or nodes < 1:
        raise ValueError(f"nodes must be a positive int; got {nodes!r}")
    width = 0.5 * min(1.0, 1.0 / tau)
    per_side = int(np.ceil(v_max / width))
    left, right = np.linspace(-v_max, 0.0, per_side + 1), np.linspace(0.0, v_max, per_side + 1)
    edges = np.concatenate([left, right[1:]])  # a panel edge at v = 0
    t_nodes, t_weights = np.polynomial.legendre.leggauss(int(nodes))
    half = np.diff(edges)[:, None] / 2
    v = ((edges[:-1, None] + edges[1:, None]) / 2 + half * t_nodes).ravel()
    w = (half * t_weights).ravel()
    ends = np.array([0.0, 1.0])
    values = as_float_array(h(np.concatenate([_sigmoid(v), ends])), "h(s)")
    if values.shape != (v.size + 2,) or not np.isfinite(values).all():
        raise ValueError("h must return finite numbers of the shape of its input")
    u = tau * v - th[..., None]  # the logistic variable D at each node
    density = tau * _sigmoid(u) * _sigmoid(-u)
    inner = (density * values[:-2]) @ w
    tails = values[-2] * _sigmoid(-tau * v_max - th) + values[-1] * _sigmoid(th - tau * v_max)
    return inner + tails
