r"""Gradient estimators for an expectation over a category, written out (no autograd).

The objective is the expected loss of a category drawn from the softmax of the logits,

.. math::

    L(x) = \mathbb{E}_{K \sim \pi}[f_K] = \sum_{k=0}^{d-1} \pi_k f_k,
    \qquad \pi = \operatorname{softmax}(x),

with one loss value :math:`f_k` per category (categories are numbered from 0). Its exact
gradient is :math:`\nabla_x L = \pi \odot (f - \langle \pi, f \rangle)`
(:func:`exact_gradient`). An estimate of it is written :math:`\widehat{\nabla L}`; the
estimators below return one per sample, an array of shape ``(n, d)``:

* :func:`reinforce`: the score-function estimator :math:`(f_K - b)(e_K - \pi)`, unbiased
  for any baseline :math:`b` that does not depend on :math:`K` (e.g. leave-one-out);
* :func:`naive_straight_through`: the naive straight-through trick (no sampling: the argmax
  of the logits forward, the softmax backward), deterministic;
* :func:`straight_through_estimator`: the straight-through estimator of Bengio, Léonard &
  Courville (2013): sample :math:`K \sim \pi`, pass the gradient at :math:`e_K` straight
  back through :math:`\pi`;
* :func:`gumbel_softmax_estimator`: the gradient of the relaxed loss at a Gumbel-softmax
  sample, biased for :math:`\tau > 0`;
* :func:`straight_through_gumbel_softmax_estimator`: one-hot sample forward, relaxed gradient
  back;
* :func:`gumbel_rao_estimator` (Paulus, Maddison & Krause 2021): the straight-through
  Gumbel-softmax estimate averaged over noise drawn *given* the sampled category; same mean,
  less spread, no extra loss evaluation;
* :func:`rebar_estimator` (Tucker et al. 2017): REINFORCE with the relaxed loss at a
  conditional sample as a control variate, plus the reparameterised correction: unbiased.

The last two need Gumbel noise conditioned on the sampled category
(:func:`gumbel_lib.gumbel.conditional_gumbel`); they are listed in a table of their own,
:data:`CONDITIONAL_REGISTRY`, so that :data:`REGISTRY` (what notebook 06, its explorer and
the VAE of notebook 07 iterate) keeps its six.

The straight-through and relaxed estimators need the loss on the whole simplex, not only
at its corners: a function :math:`\tilde f` with :math:`\tilde f(e_k) = f_k`. By default it
is the linear extension :math:`\tilde f(y) = \langle f, y \rangle`, whose gradient is
:math:`f` everywhere; pass ``f_grad`` (the gradient :math:`\nabla \tilde f`) for another
one, e.g. a squared error. Every stochastic estimator draws its categories by the
Gumbel-max trick, :math:`K = \arg\max_k (x_k + g_k)`, from Gumbel noise ``g`` of shape
``(n, d)``; the same seed (or the same ``noise=``) gives every estimator the same draws.

**One registry.** Each estimator is written once, as a *kernel* that works on ``B``
groups of ``m`` samples at once and does no checking, and listed once in
:data:`REGISTRY` (an :class:`Estimator`: name, labels, how many samples it needs,
whether it uses τ, its kernel). :func:`estimate` and :func:`estimate_batch` check their
arguments and call the kernel; the named functions (:func:`reinforce`, ...) are thin
checked wrappers over the same kernels; the explorer in :mod:`gumbel_lib.widgets.estimators`
reads its labels from the registry. Adding an estimator is one kernel and one entry. The
kernels take their softmax, its vector-Jacobian product and one-hot vectors from the
package's unchecked kernels (:mod:`gumbel_lib._kernels`), like every other module.
"""

from __future__ import annotations

import functools
import numbers
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from . import _kernels
from ._checks import (
    as_float_array,
    as_generator,
    check_choice,
    check_int,
    check_real,
    check_tau,
    tau_as,
)
from ._checks import check_logits_f as _check_logits_f
from ._checks import check_n as _check_n
from ._deprecation import renamed_function
from .gumbel import (
    conditional_perturbed_logits,
    conditional_perturbed_logits_vjp,
    gumbel_noise,
)
from .relaxed import binary_relaxed_mean as _binary_relaxed_mean

__all__ = [
    "ESTIMATORS",
    "REGISTRY",
    "BiasStd",
    "Estimator",
    "bias_std",
    "estimate",
    "estimate_batch",
    "CONDITIONAL_ESTIMATORS",
    "CONDITIONAL_REGISTRY",
    "ConditionalEstimator",
    "exact_gradient",
    "gumbel_rao_estimator",
    "gumbel_softmax_estimator",
    "naive_straight_through",
    "objective",
    "rebar_estimator",
    "reinforce",
    "straight_through",
    "straight_through_estimator",
    "straight_through_gumbel_softmax_estimator",
]

GradFn = Callable[[np.ndarray], ArrayLike]
#: A batched kernel: ``kernel(x, f, g, tau, upstream)`` with logits ``x`` (B, d), losses
#: ``f`` (d,), Gumbel noise ``g`` (B, m, d), a temperature already checked, and
#: ``upstream(points)`` giving the gradient of the relaxed loss at points of shape
#: (..., d); it returns the estimates, shape (B, m, d). Kernels do not check anything.
Kernel = Callable[..., np.ndarray]


# --- unchecked kernels -----------------------------------------------------------------


def _softmax(z: np.ndarray, tau: float = 1.0, out: np.ndarray | None = None) -> np.ndarray:
    """softmax(z / tau) along the last axis, each row's numbers independent of the other rows:
    one group estimated alone equals the same group in a batch, bit for bit."""
    return _kernels.softmax(z, tau, -1, out=out, batch_invariant=True)


def _gumbel_max(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The categories K = argmax(x + g), shape (B, m), for logits (B, d) and noise (B, m, d)."""
    return (x[:, None, :] + g).argmax(axis=-1)


def _reinforce_kernel(x, f, g, tau, upstream, *, baseline: float | str = 0.0):
    k = _gumbel_max(x, g)
    fk = f[k]
    if isinstance(baseline, str):  # "loo": the mean loss of the other samples of the group
        b = (fk.sum(axis=1, keepdims=True) - fk) / (fk.shape[1] - 1)
    else:
        b = baseline
    score = _kernels.one_hot(k, x.shape[-1]) - _softmax(x)[:, None, :]
    return (fk - b)[..., None] * score


def _naive_st_kernel(x, f, g, tau, upstream):
    p = _softmax(x, tau)  # (B, d): no noise, no sampling
    u = upstream(_kernels.one_hot(x.argmax(axis=-1), x.shape[-1]))
    grad = _kernels.softmax_vjp(p, u, tau_as(tau, np.float64))
    return np.repeat(grad[:, None, :], g.shape[1], axis=1)


def _st_kernel(x, f, g, tau, upstream):
    pi = _softmax(x)[:, None, :]  # Bengio et al.: back through π itself
    z = _kernels.one_hot(_gumbel_max(x, g), x.shape[-1])  # the one-hot sample e_K, K ~ π
    return _kernels.softmax_vjp(np.broadcast_to(pi, z.shape), upstream(z), 1.0)


def _relaxed_kernel(x, f, g, tau, upstream, *, hard: bool):
    w = x[:, None, :] + g
    y = _softmax(w, tau, out=w)  # (B, m, d) Gumbel-softmax samples
    at = _kernels.one_hot(_gumbel_max(x, g), x.shape[-1]) if hard else y
    return _kernels.softmax_vjp(y, upstream(at), tau_as(tau, np.float64))


# --- the registry ----------------------------------------------------------------------


class Estimator(NamedTuple):
    """One gradient estimator: what the notebook, the explorer and the checks need to know."""

    name: str
    """The key for :func:`estimate` and :func:`estimate_batch`."""
    label: str
    """The name to print, as its authors call it."""
    short: str
    """A short label for a bar chart (may hold a line break)."""
    min_samples: int
    """The fewest samples per estimate: 2 for a leave-one-out baseline, else 1."""
    uses_tau: bool
    """Whether the estimates depend on the temperature τ."""
    stochastic: bool
    """Whether it samples categories (uses the noise); the naive trick does not."""
    needs_grad: bool
    """Whether it needs the gradient of a relaxed loss (``f_grad``), not only the :math:`f_K`."""
    kernel: Kernel
    """The batched, unchecked computation (see :data:`Kernel`)."""


#: Every estimator, in display order. Each evaluates the loss once per sample (the naive
#: trick once in all), but not alike: REINFORCE needs only the values ``f_K`` (a forward
#: pass), the others (``needs_grad``) the relaxed loss and its gradient (forward and backward).
REGISTRY: dict[str, Estimator] = {
    e.name: e
    for e in [
        Estimator(
            "reinforce",
            "REINFORCE",
            "REIN-\nFORCE",
            1,
            False,
            True,
            False,
            _reinforce_kernel,
        ),
        Estimator(
            "reinforce_loo",
            "REINFORCE + LOO",
            "REIN-\nFORCE\n+ LOO",
            2,
            False,
            True,
            False,
            functools.partial(_reinforce_kernel, baseline="loo"),
        ),
        Estimator(
            "naive_st",
            "naive straight-through",
            "naive\nST",
            1,
            True,
            False,
            True,
            _naive_st_kernel,
        ),
        Estimator(
            "st",
            "straight-through (Bengio)",
            "ST\n(Bengio)",
            1,
            False,
            True,
            True,
            _st_kernel,
        ),
        Estimator(
            "gumbel_softmax",
            "Gumbel-softmax",
            "Gumbel-\nsoftmax",
            1,
            True,
            True,
            True,
            functools.partial(_relaxed_kernel, hard=False),
        ),
        Estimator(
            "st_gumbel",
            "ST Gumbel-softmax",
            "ST\nGumbel",
            1,
            True,
            True,
            True,
            functools.partial(_relaxed_kernel, hard=True),
        ),
    ]
}

#: The estimator names understood by :func:`estimate`, in display order.
ESTIMATORS = tuple(REGISTRY)

#: Old names, still accepted by :func:`estimate` and :func:`estimate_batch` (with a
#: ``DeprecationWarning``) for one version.
_RENAMED = {"straight_through": "naive_st"}


def _lookup(name: Any) -> Estimator:
    if isinstance(name, str) and name in _RENAMED:
        warnings.warn(
            f"the estimator name {name!r} is deprecated; use {_RENAMED[name]!r}",
            DeprecationWarning,
            stacklevel=3,
        )
        name = _RENAMED[name]
    return REGISTRY[check_choice(name, "name", ESTIMATORS)]


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


def _check_f_grad(f_grad: Any) -> None:
    if f_grad is not None and not callable(f_grad):
        raise TypeError(f"f_grad must be None or a callable; got {type(f_grad).__name__}")


def _upstream_fn(f: np.ndarray, f_grad: GradFn | None) -> Callable[[np.ndarray], np.ndarray]:
    """The gradient of the relaxed loss at points (..., d), checked: ``f`` itself if linear."""
    _check_f_grad(f_grad)

    def upstream(points: np.ndarray) -> np.ndarray:
        if f_grad is None:
            return np.broadcast_to(f, points.shape)
        flat = points.reshape(-1, points.shape[-1])
        u = as_float_array(f_grad(flat.copy()), "f_grad(y)")  # a copy: f_grad may write to it
        if u.shape != flat.shape:
            raise ValueError(
                f"f_grad must return an array of the shape of its input {flat.shape}; got {u.shape}"
            )
        if not np.isfinite(u).all():
            raise ValueError("f_grad returned non-finite values")
        return u.reshape(points.shape)

    return upstream


def _run(
    name: str,
    logits: ArrayLike,
    f_values: ArrayLike,
    n: int,
    tau: float,
    rng: Any,
    f_grad: GradFn | None,
    noise: ArrayLike | None,
    **kernel_kwargs: Any,
) -> np.ndarray:
    """Check the arguments of one group of ``n`` samples and run the kernel of ``name``."""
    e = REGISTRY[name]
    x, f = _check_logits_f(logits, f_values)
    n = _check_n(n)
    tau = check_tau(tau)
    if n < e.min_samples:
        raise ValueError(f"{name!r} needs n >= {e.min_samples} samples; got n = {n}")
    if e.stochastic:
        g = _get_noise(noise, rng, n, x.shape[0])
    else:
        g = np.empty((n, 0))  # only its number of rows is used
    kernel = functools.partial(e.kernel, **kernel_kwargs) if kernel_kwargs else e.kernel
    return kernel(x[None], f, g[None], tau, _upstream_fn(f, f_grad))[0]


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
    return float(_kernels.softmax(x) @ f)


def exact_gradient(logits: ArrayLike, f_values: ArrayLike) -> np.ndarray:
    r"""Exact gradient of :math:`L(x) = \mathbb{E}_{K \sim \operatorname{softmax}(x)}[f_K]`.

    With :math:`\pi = \operatorname{softmax}(x)` and
    :math:`\partial \pi_k / \partial x_j = \pi_k (\delta_{kj} - \pi_j)` (:math:`\delta_{kj}` is 1 if
    :math:`k = j`, else 0),

    .. math::

        \frac{\partial L}{\partial x_j} = \sum_k f_k \pi_k (\delta_{kj} - \pi_j)
        = \pi_j \Bigl(f_j - \sum_{k=0}^{d-1} \pi_k f_k\Bigr).

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
    pi = _kernels.softmax(x)
    return pi * (f - pi @ f)


# --- REINFORCE -------------------------------------------------------------------------


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

    For :math:`K \sim \pi = \operatorname{softmax}(x)` the score is
    :math:`\nabla_x \log \pi_K = e_K - \pi`, and

    .. math::

        \widehat{\nabla L} = (f_K - b)\,(e_K - \pi), \qquad
        \mathbb{E}[\widehat{\nabla L}] = \sum_k \pi_k f_k (e_k - \pi)
        - b \sum_k \pi_k (e_k - \pi) = \nabla_x L,

    because the score has mean zero: any baseline :math:`b` that does not depend on
    :math:`K` keeps the estimator unbiased, and a good one lowers its variance.

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
        the other :math:`n - 1` samples, :math:`b_i = \frac{1}{n-1}\sum_{j \ne i} f_{K_j}`,
        which is independent of :math:`K_i` (needs :math:`n \ge 2`). It equals the batch
        mean baseline rescaled, :math:`\frac{n}{n-1}(f_{K_i} - \bar f)`, which makes that
        one unbiased.
    noise : array_like, shape (n, d), optional
        Gumbel noise :math:`g`; the categories are :math:`K = \arg\max_k (x_k + g_k)`.

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
    if isinstance(baseline, str):
        if baseline != "loo":
            raise ValueError(f'baseline must be None, a finite number or "loo"; got {baseline!r}')
        return _run("reinforce_loo", logits, f_values, n, 1.0, rng, None, noise)
    if baseline is None:
        baseline = 0.0
    elif isinstance(baseline, (bool, np.bool_)) or not isinstance(baseline, numbers.Real):
        raise TypeError(f'baseline must be None, a finite number or "loo"; got {baseline!r}')
    elif not np.isfinite(float(baseline)):
        raise ValueError(f"baseline must be finite; got {baseline}")
    b = float(baseline)
    return _run("reinforce", logits, f_values, n, 1.0, rng, None, noise, baseline=b)


# --- straight-through ------------------------------------------------------------------


def naive_straight_through(
    logits: ArrayLike,
    f_values: ArrayLike,
    n: int = 1,
    tau: float = 1.0,
    *,
    f_grad: GradFn | None = None,
) -> np.ndarray:
    r"""The naive straight-through trick (no sampling): ``n`` identical rows.

    Forward, the category is the argmax of the logits, :math:`z = e_{\arg\max_k x_k}`,
    without any sampling; backward, the gradient of the loss at :math:`z` is pushed
    through :math:`p_\tau = \operatorname{softmax}(x/\tau)`, as ``z - p.detach() + p``
    does:

    .. math::

        \widehat{\nabla L} = \frac{p_\tau}{\tau} \odot \bigl(u - \langle u, p_\tau \rangle\bigr),
        \qquad u = \nabla \tilde f(z).

    It is a function of :math:`x` alone, not of a sample: it cannot average towards
    :math:`\nabla_x L`, and whatever it gets wrong (it reads the loss gradient at one
    corner only) stays wrong. For the linear extension (``u = f``) and :math:`\tau = 1` it
    happens to equal :math:`\nabla_x L`. The same as
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
    >>> naive_straight_through(x, f, n=2).round(3)
    array([[ 0.178, -0.145, -0.032],
           [ 0.178, -0.145, -0.032]])
    >>> bool(np.allclose(naive_straight_through(x, f)[0], exact_gradient(x, f)))  # linear, τ = 1
    True
    """
    return _run("naive_st", logits, f_values, n, tau, None, f_grad, None)


#: The old name of :func:`naive_straight_through` (deprecated; kept for one version).
straight_through = naive_straight_through


def straight_through_estimator(
    logits: ArrayLike,
    f_values: ArrayLike,
    n: int,
    rng: Any = None,
    *,
    f_grad: GradFn | None = None,
    noise: ArrayLike | None = None,
) -> np.ndarray:
    r"""The straight-through estimator of Bengio, Léonard & Courville (2013).

    Sample a category :math:`K \sim \pi = \operatorname{softmax}(x)`, use the one-hot
    :math:`z = e_K` forward, and pass the loss gradient :math:`u = \nabla \tilde f(z)`
    straight back through :math:`\pi`, as if :math:`z` had been :math:`\pi`:

    .. math::

        \widehat{\nabla L} = \pi \odot \bigl(u - \langle u, \pi \rangle\bigr),
        \qquad u = \nabla \tilde f(e_K),\quad K \sim \pi .

    Its mean is :math:`J_\pi^\top\, \mathbb{E}[\nabla \tilde f(e_K)]`, with
    :math:`J_\pi` the Jacobian of the softmax. For the linear extension (``u = f`` at
    every sample) that is :math:`\nabla_x L` itself, with no spread at all; for a
    non-linear :math:`\tilde f` it is biased. The categories come from the Gumbel-max
    trick on ``noise`` (the same law as ``rng.choice(d, p=π)``), so the same seed gives the
    same samples as the other estimators.

    Parameters
    ----------
    logits, f_values, n, rng, noise
        As in :func:`reinforce`.
    f_grad : callable, optional
        The gradient of the relaxed loss, as in :func:`naive_straight_through`.

    Returns
    -------
    numpy.ndarray, shape (n, d)

    Examples
    --------
    With :math:`\tilde f(y) = \lVert y - a \rVert^2` the estimate is
    :math:`\pi \odot (u - \langle u, \pi\rangle)` with :math:`u = 2(e_K - a)`:

    >>> x, a = np.log([0.2, 0.3, 0.5]), np.array([0.1, 0.1, 0.8])
    >>> f = ((np.eye(3) - a) ** 2).sum(axis=1)
    >>> g = gumbel_noise((2, 3), rng=0)
    >>> st = straight_through_estimator(x, f, 2, noise=g, f_grad=lambda y: 2 * (y - a))
    >>> K = (x + g).argmax(axis=1)
    >>> pi, u = np.array([0.2, 0.3, 0.5]), 2 * (np.eye(3)[K] - a)
    >>> bool(np.allclose(st, pi * (u - (u @ pi)[:, None])))
    True
    """
    return _run("st", logits, f_values, n, 1.0, rng, f_grad, noise)


# --- the relaxed estimators ------------------------------------------------------------


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

        \widehat{\nabla L} = \nabla_x \tilde f\bigl(\operatorname{softmax}((x + g)/\tau)\bigr)
        = \frac{y}{\tau} \odot \bigl(u - \langle u, y \rangle\bigr),
        \qquad u = \nabla \tilde f(y).

    With the linear extension, :math:`\tilde f(y) = \langle f, y \rangle` and the estimate
    is ``softmax_vjp(y, f, tau)``. Its mean is the gradient of
    :math:`\mathbb{E}_g[\tilde f(y)]`, not of :math:`L`: biased for :math:`\tau > 0`.

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
        The gradient of the relaxed loss, as in :func:`naive_straight_through`.
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
    return _run("gumbel_softmax", logits, f_values, n, tau, rng, f_grad, noise)


def straight_through_gumbel_softmax_estimator(
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

    The forward value is the one-hot :math:`z = e_K`, :math:`K = \arg\max_k (x_k + g_k)`,
    an exact sample of :math:`\pi`; the backward pass uses the Jacobian of the soft
    sample :math:`y = \operatorname{softmax}((x + g)/\tau)` with the loss gradient taken
    at :math:`z`:

    .. math::

        \widehat{\nabla L} = \frac{y}{\tau} \odot \bigl(u - \langle u, y \rangle\bigr),
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
    A squared error :math:`\tilde f(y) = \lVert y - a \rVert^2` is not linear, so the
    two relaxed estimators differ:

    >>> x, a = np.log([0.2, 0.3, 0.5]), np.array([0.1, 0.1, 0.8])
    >>> f = ((np.eye(3) - a) ** 2).sum(axis=1)
    >>> grad = lambda y: 2 * (y - a)
    >>> st = straight_through_gumbel_softmax_estimator(x, f, 3, tau=0.5, rng=0, f_grad=grad)
    >>> gs = gumbel_softmax_estimator(x, f, 3, tau=0.5, rng=0, f_grad=grad)
    >>> st.shape, bool(np.allclose(st, gs))
    ((3, 3), False)
    """
    return _run("st_gumbel", logits, f_values, n, tau, rng, f_grad, noise)


#: The old name of :func:`straight_through_gumbel_softmax_estimator` (deprecated: it warns;
#: removed in the next version).
straight_through_gumbel_estimator = renamed_function(
    "gumbel_lib.estimators.straight_through_gumbel_estimator",
    "gumbel_lib.estimators.straight_through_gumbel_softmax_estimator",
    straight_through_gumbel_softmax_estimator,
)


# --- estimators built on conditional noise (notebook 09) --------------------------------


def _gumbel_rao_kernel(x, f, g, h, tau, upstream, value):
    """Gumbel-Rao: x (B, d), g (B, m, d) draws K, h (B, m, M, d) the conditional draws."""
    k = _gumbel_max(x, g)  # (B, m)
    u = upstream(_kernels.one_hot(k, x.shape[-1]))  # the loss gradient at the one-hot sample
    w = conditional_perturbed_logits(x[:, None, None, :], k[..., None], h)  # (B, m, M, d)
    y = _softmax(w, tau, out=w)
    return _kernels.softmax_vjp(y, u[:, :, None, :], tau_as(tau, np.float64)).mean(axis=2)


def _rebar_kernel(x, f, g, h, tau, upstream, value, *, alpha: float = 1.0):
    """REBAR: x (B, d), g (B, m, d) draws K and z, h (B, m, 1, d) the conditional z̃."""
    t = tau_as(tau, np.float64)
    d = x.shape[-1]
    w = x[:, None, :] + g  # z, the perturbed logits
    k = w.argmax(axis=-1)
    b = _kernels.one_hot(k, d)
    wt = conditional_perturbed_logits(x[:, None, :], k, h[:, :, 0, :])  # z̃ ~ p(z | b)
    y, yt = _softmax(w, tau), _softmax(wt, tau)
    pathwise = _kernels.softmax_vjp(y, upstream(y), t)  # ∇ f(σ_λ(z)), g held fixed
    v = _kernels.softmax_vjp(yt, upstream(yt), t)  # in z̃, then through z̃(x) given b:
    pathwise_t = conditional_perturbed_logits_vjp(x[:, None, :], wt, v)
    score = b - _softmax(x)[:, None, :]
    return (f[k] - alpha * value(yt))[..., None] * score + alpha * (pathwise - pathwise_t)


class ConditionalEstimator(NamedTuple):
    """An estimator that also draws Gumbel noise given the sampled category."""

    name: str
    """Its key in :data:`CONDITIONAL_REGISTRY`."""
    label: str
    """The name to print, as its authors call it."""
    short: str
    """A short label for a bar chart."""
    evaluations: int
    """Loss evaluations per sample: 1 for Gumbel-Rao (the gradient at the one-hot sample),
    3 for REBAR (the value at the one-hot sample; value and gradient of the relaxed loss at
    the relaxed sample and at the conditional one)."""
    kernel: Kernel
    """``kernel(x, f, g, h, tau, upstream, value)``: as :data:`Kernel`, with ``h`` the
    Gumbel noise (B, m, r, d) turned into conditional draws and ``value(points)`` the
    relaxed loss at points (..., d)."""


#: The estimators of notebook 09, opt-in: not in :data:`REGISTRY`, which 06 and 07 iterate.
CONDITIONAL_REGISTRY: dict[str, ConditionalEstimator] = {
    e.name: e
    for e in [
        ConditionalEstimator("gumbel_rao", "Gumbel-Rao", "Gumbel-\nRao", 1, _gumbel_rao_kernel),
        ConditionalEstimator("rebar", "REBAR", "REBAR", 3, _rebar_kernel),
    ]
}

#: The names of :data:`CONDITIONAL_REGISTRY`, in display order.
CONDITIONAL_ESTIMATORS = tuple(CONDITIONAL_REGISTRY)


def _value_fn(f: np.ndarray, f_relaxed: Any) -> Callable[[np.ndarray], np.ndarray]:
    """The relaxed loss at points (..., d), checked (default: linear) if ``f_relaxed`` is None."""
    if f_relaxed is not None and not callable(f_relaxed):
        raise TypeError(f"f_relaxed must be None or a callable; got {type(f_relaxed).__name__}")

    def value(points: np.ndarray) -> np.ndarray:
        if f_relaxed is None:
            return points @ f
        flat = points.reshape(-1, points.shape[-1])
        out = as_float_array(f_relaxed(flat.copy()), "f_relaxed(y)")
        if out.shape != flat.shape[:1]:
            raise ValueError(
                f"f_relaxed must return one value per row, shape {flat.shape[:1]}; got {out.shape}"
            )
        if not np.isfinite(out).all():
            raise ValueError("f_relaxed returned non-finite values")
        return out.reshape(points.shape[:-1])

    return value


def _run_conditional(name, logits, f_values, n, tau, rng, draws, f_relaxed, f_grad, noise, **kw):
    """Check the arguments of one group of ``n`` samples and run the kernel of ``name``."""
    x, f = _check_logits_f(logits, f_values)
    n = _check_n(n)
    tau = check_tau(tau)
    _check_f_grad(f_grad)
    value = _value_fn(f, f_relaxed)
    gen = as_generator(rng)
    g = _get_noise(noise, gen, n, x.shape[0])
    h = gumbel_noise((1, n, draws, x.shape[0]), rng=gen)
    if noise is not None and np.array_equal(h.reshape(-1, x.shape[0])[:n], g):
        raise ValueError(
            "noise and rng must be independent sources: rng drew the same Gumbel noise as the "
            "noise given (the same seed twice?), which would bias the estimate; pass rng a "
            "different seed or generator"
        )
    kernel = CONDITIONAL_REGISTRY[name].kernel
    return kernel(x[None], f, g[None], h, tau, _upstream_fn(f, f_grad), value, **kw)[0]


def gumbel_rao_estimator(
    logits: ArrayLike,
    f_values: ArrayLike,
    n: int,
    tau: float = 1.0,
    rng: Any = None,
    *,
    n_conditional: int = 10,
    f_grad: GradFn | None = None,
    noise: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gumbel-Rao estimates (Paulus, Maddison & Krause 2021): ST Gumbel-softmax, Rao-Blackwellised.

    Draw :math:`K = \arg\max_k (x_k + g_k)` and take the loss gradient
    :math:`u = \nabla \tilde f(e_K)` once, as the straight-through Gumbel-softmax does; then
    average its backward pass over :math:`M` noise draws :math:`g^{(j)}` sampled *given*
    :math:`K` (:func:`gumbel_lib.gumbel.conditional_gumbel`):

    .. math::

        \widehat{\nabla L} = \frac{1}{M} \sum_{j=1}^{M}
        \frac{y^{(j)}}{\tau} \odot \bigl(u - \langle u, y^{(j)} \rangle\bigr), \qquad
        y^{(j)} = \operatorname{softmax}\bigl((x + g^{(j)})/\tau\bigr).

    This is a Monte Carlo estimate of :math:`\mathbb{E}[\text{ST-GS} \mid K]`: the mean is that
    of :func:`straight_through_gumbel_softmax_estimator` (so it is biased as much), the
    variance is no larger, and it costs no extra loss evaluation (only ``M`` softmaxes).

    Parameters
    ----------
    logits, f_values, n, tau, rng, f_grad
        As in :func:`straight_through_gumbel_softmax_estimator`; ``rng`` also draws the
        conditional noise, independent of ``noise`` (the same seed for both is refused).
    n_conditional : int, default 10
        :math:`M`, the conditional draws per sample, 1 to 10_000.
    noise : array_like, shape (n, d), optional
        The Gumbel noise that draws the categories :math:`K`.

    Returns
    -------
    numpy.ndarray, shape (n, d)

    Examples
    --------
    >>> x, a = np.log([0.2, 0.3, 0.5]), np.array([0.1, 0.1, 0.8])
    >>> f = ((np.eye(3) - a) ** 2).sum(axis=1)
    >>> grad = lambda y: 2 * (y - a)
    >>> g = gumbel_noise((20_000, 3), rng=0)
    >>> st = straight_through_gumbel_softmax_estimator(x, f, 20_000, 0.5, noise=g, f_grad=grad)
    >>> gr = gumbel_rao_estimator(x, f, 20_000, 0.5, rng=1, noise=g, f_grad=grad)
    >>> bool(gr.std(axis=0).sum() < st.std(axis=0).sum())  # the same K, less spread
    True
    """
    m = check_int(n_conditional, "n_conditional", low=1, high=10_000, what="conditional draws")
    return _run_conditional("gumbel_rao", logits, f_values, n, tau, rng, m, None, f_grad, noise)


def rebar_estimator(
    logits: ArrayLike,
    f_values: ArrayLike,
    n: int,
    tau: float = 1.0,
    rng: Any = None,
    *,
    alpha: float = 1.0,
    f_relaxed: Callable[[np.ndarray], ArrayLike] | None = None,
    f_grad: GradFn | None = None,
    noise: ArrayLike | None = None,
) -> np.ndarray:
    r"""REBAR estimates (Tucker et al. 2017): REINFORCE with the relaxation as a control variate.

    The noise :math:`g` gives the category :math:`K = \arg\max_k (x_k + g_k)` and the relaxed
    sample :math:`y = \operatorname{softmax}((x + g)/\tau)`; a second noise :math:`\tilde g`,
    drawn *given* :math:`K` (:func:`gumbel_lib.gumbel.conditional_gumbel`), gives
    :math:`\tilde y = \operatorname{softmax}((x + \tilde g)/\tau)`. With a weight
    :math:`\alpha`,

    .. math::

        \widehat{\nabla L} = \bigl(f_K - \alpha\, \tilde f(\tilde y)\bigr)(e_K - \pi)
        + \alpha\, \nabla_x \tilde f(y) - \alpha\, \nabla_x \tilde f(\tilde y),

    where :math:`\nabla_x \tilde f(y)` holds :math:`g` fixed and :math:`\nabla_x \tilde f(\tilde y)`
    moves :math:`\tilde g` with :math:`x` through the conditional construction (its maximum
    :math:`\log\sum_j e^{x_j} + h`, the others truncated below it). Because
    :math:`\mathbb{E}[\tilde f(\tilde y)(e_K - \pi)] + \mathbb{E}[\nabla_x \tilde f(\tilde y)]
    = \nabla_x \mathbb{E}[\tilde f(y)]`, the control variate has mean zero and the estimate
    is **unbiased** for every :math:`\alpha` and :math:`\tau`. Each sample evaluates the
    loss three times: :math:`f_K`, and :math:`\tilde f` with its gradient at :math:`y` and at
    :math:`\tilde y`.

    Parameters
    ----------
    logits, f_values, n, rng, noise
        As in :func:`reinforce`; ``rng`` also draws the conditional noise, so it must be
        independent of ``noise``: ``noise`` drawn from the same seed as ``rng`` would make the
        conditional noise repeat it and bias the estimate, and is refused (ValueError).
    tau : float, default 1.0
        :math:`\tau`, the temperature of the relaxation, finite and > 0.
    alpha : float, default 1.0
        :math:`\alpha`, the weight of the control variate (any finite number keeps it unbiased).
    f_relaxed, f_grad : callable, optional
        The relaxed loss :math:`\tilde f` on rows of points (returning one value per row,
        with :math:`\tilde f(e_k) = f_k`) and its gradient, given together; default the
        linear extension :math:`\langle f, y\rangle`.

    Returns
    -------
    numpy.ndarray, shape (n, d)

    Examples
    --------
    >>> x, a = np.log([0.2, 0.3, 0.5]), np.array([0.1, 0.1, 0.8])
    >>> f = ((np.eye(3) - a) ** 2).sum(axis=1)
    >>> est = rebar_estimator(x, f, 200_000, 0.5, rng=0, f_relaxed=lambda y: ((y - a) ** 2).sum(1),
    ...                       f_grad=lambda y: 2 * (y - a))
    >>> bool(np.abs(est.mean(axis=0) - exact_gradient(x, f)).max() < 4e-3)  # unbiased
    True
    """
    alpha = check_real(alpha, "alpha", what="the weight of the control variate")
    if (f_relaxed is None) != (f_grad is None):
        raise ValueError(
            "f_relaxed and f_grad must be given together (a relaxed loss and its gradient) "
            "or both left None (the linear extension)"
        )
    return _run_conditional(
        "rebar", logits, f_values, n, tau, rng, 1, f_relaxed, f_grad, noise, alpha=alpha
    )


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

    ``name`` is one of :data:`ESTIMATORS` (see :data:`REGISTRY`): ``"reinforce"`` (no
    baseline), ``"reinforce_loo"`` (leave-one-out baseline), ``"naive_st"`` (the naive
    trick, no sampling), ``"st"`` (Bengio et al.'s straight-through estimator),
    ``"gumbel_softmax"`` and ``"st_gumbel"``. ``tau`` is ignored by the estimators whose
    ``uses_tau`` is false, ``f_grad`` by the REINFORCE variants, ``rng`` and ``noise`` by
    ``"naive_st"``. With the same seed every stochastic estimator uses the same Gumbel noise.

    Examples
    --------
    >>> [estimate(e, [0.0, 1.0], [1.0, 0.0], 5, tau=0.5, rng=0).shape for e in ESTIMATORS]
    [(5, 2), (5, 2), (5, 2), (5, 2), (5, 2), (5, 2)]
    """
    e = _lookup(name)
    return _run(e.name, logits, f_values, n, tau, rng, f_grad, noise)


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

        \text{bias} = \lVert \overline{\nabla L} - \nabla L \rVert_2, \qquad
        \text{std} = \Bigl(\tfrac{1}{n}\textstyle\sum_i
        \lVert \widehat{\nabla L}_i - \overline{\nabla L} \rVert_2^2\Bigr)^{1/2},
        \qquad \overline{\nabla L} = \tfrac1n \textstyle\sum_i \widehat{\nabla L}_i .

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


# --- many groups at once -------------------------------------------------------------


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
    :math:`K_{bi} = \arg\max_k (x_{bk} + g_{bik})` and the estimate :func:`estimate` would
    return for it. The leave-one-out baseline of ``"reinforce_loo"`` is taken within the
    group, :math:`b_{bi} = \frac{1}{m-1} \sum_{j \ne i} f_{K_{bj}}`, so ``estimate_batch(name,
    x, f, g)[b]`` equals ``estimate(name, x[b], f, m, tau, noise=g[b])``: the same kernel
    (:data:`REGISTRY`) runs in both. One vectorised call replaces a Python loop over the
    groups: gradient descent on several seeds at once, or ``B`` independent averages of
    ``m`` estimates to simulate a mean squared error.

    Parameters
    ----------
    name : str
        One of :data:`ESTIMATORS`.
    logits : array_like, shape (B, d) or (d,)
        Finite logits, one row per group (a 1-d array is shared by every group).
    f_values : array_like, shape (d,)
        The finite loss :math:`f_k` of each category.
    noise : array_like, shape (B, m, d)
        Gumbel noise (``"naive_st"`` uses only its shape); ``m >= 2`` for
        ``"reinforce_loo"``.
    tau : float, default 1.0
        Temperature, finite and > 0 (ignored by the estimators that do not use it).
    f_grad : callable, optional
        The gradient of the relaxed loss, as in :func:`naive_straight_through`; it is
        called on arrays of shape ``(B * m, d)`` (``(B, d)`` for ``"naive_st"``).

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
    e = _lookup(name)
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
    if m < e.min_samples:
        raise ValueError(
            f"{e.name!r} needs m >= {e.min_samples} samples per group (noise.shape[1]); got {m}"
        )
    return e.kernel(x, f, g, tau, _upstream_fn(f, f_grad))


#: Moved to :mod:`gumbel_lib.relaxed` (a quadrature of the binary Concrete, not an estimator);
#: the old place still works, with a ``DeprecationWarning``, until the next version.
binary_relaxed_mean = renamed_function(
    "gumbel_lib.estimators.binary_relaxed_mean",
    "gumbel_lib.relaxed.binary_relaxed_mean",
    _binary_relaxed_mean,
)
