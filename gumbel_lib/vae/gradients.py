r"""The gradient estimators of the VAE's loss, each an :class:`Estimate` for a minibatch.

For one categorical (``m = 1``) the gradient of the ELBO's first term can be computed
exactly by enumeration (:func:`grads_exact`), the gold standard for the three estimators
:func:`grads_gumbel_softmax`, :func:`grads_straight_through_gumbel_softmax` and
:func:`grads_reinforce_loo`. The gradient of the KL term is exact for every estimator.
:data:`GRADIENT_METHODS` names them all, ``"exact"`` first; the estimators alone, and those of
notebook 06, are :data:`gumbel_lib.estimators.ESTIMATORS`.

The names, labels and fewest samples of the three come from the estimators' registry of
notebook 06 (:data:`gumbel_lib.estimators.REGISTRY`): :func:`estimate_gradients` and the
training loop dispatch on those names through one table of kernels, one per estimator.
Another estimator of the registry joins the VAE as one kernel in that table
(``KERNELS`` in ``gumbel_lib/vae/_gradient_kernels.py``), under its registry name.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_generator, check_choice, check_int, check_n, check_real, check_tau
from .._deprecation import renamed_attributes, renamed_function, renamed_keywords
from ..estimators import CONDITIONAL_REGISTRY, REGISTRY
from ._args import KL_CHOICES, Params, check_kl, check_model_input, latent_shape
from ._gradient_kernels import CONDITIONAL_KERNELS, KERNELS, estimate_parts
from ._kernels import encode
from .model import encode_backward

__all__ = [
    "CONDITIONAL_GRADIENT_METHODS",
    "GRADIENT_METHODS",
    "KL_CHOICES",
    "LABELS",
    "Estimate",
    "estimate_gradients",
    "grads_exact",
    "grads_gumbel_softmax",
    "grads_reinforce_loo",
    "grads_straight_through_gumbel_softmax",
    "logit_gradient_samples",
]

#: The ways the VAE gets its gradient, in display order: ``"exact"`` (enumeration, needs
#: ``m = 1``), then the estimators of :data:`gumbel_lib.estimators.REGISTRY` the VAE implements.
#: (Its old name ``ESTIMATORS`` still works, with a ``DeprecationWarning``, for one version.)
GRADIENT_METHODS = ("exact", *KERNELS)

__getattr__ = renamed_attributes(__name__, {"ESTIMATORS": "GRADIENT_METHODS"})

#: The estimators of :data:`gumbel_lib.estimators.CONDITIONAL_REGISTRY` (notebook 09) the VAE
#: implements, for :func:`logit_gradient_samples` only; opt-in, not in :data:`GRADIENT_METHODS`.
CONDITIONAL_GRADIENT_METHODS = tuple(CONDITIONAL_KERNELS)

#: The label of each estimator, as its authors call it: the registry's, and for ``"exact"``
#: the method.
LABELS = {"exact": "exact (enumeration)", **{name: REGISTRY[name].label for name in KERNELS}}


class Estimate(NamedTuple):
    """What a ``grads_*`` function returns for a minibatch of ``n`` images."""

    elbo: float
    """The estimator's own estimate of the mean ELBO (for Gumbel-softmax: of the relaxed one)."""
    grad_logits: np.ndarray
    r"""Its estimate of :math:`\partial(-\text{mean ELBO})/\partial x`, shape (n, m, d)."""
    grads: Params
    """Its estimate of the gradient of ``-mean ELBO`` for every parameter."""


def _finish(params: Params, enc_cache: tuple, grad_logits: np.ndarray, dec: Params, elbo):
    grads = {**encode_backward(params, enc_cache, grad_logits), **dec}
    return Estimate(float(np.mean(elbo)), grad_logits, grads)


def _sampled(name, params, v, tau, rng, s, kl="categorical", prior_tau=None) -> Estimate:
    """The :class:`Estimate` of the stochastic estimator ``name`` (a key of ``KERNELS``) with
    ``s`` latents per image, at least the registry's ``min_samples`` (``tau``, ``kl`` and
    ``prior_tau`` already checked)."""
    params, v = check_model_input(params, v)
    s = check_n(s, "n_samples", low=REGISTRY[name].min_samples)
    return _finish(params, *estimate_parts(name, params, v, tau, rng, s, kl, prior_tau))


@renamed_keywords(xb="v")
def grads_exact(params: Params, v: ArrayLike) -> Estimate:
    r"""The exact gradient of :math:`-\frac1N\sum_n \mathcal{L}(v_n)`, by enumeration (``m = 1``).

    With :math:`f_{ni} = \log p(v_n \mid e_i)` (:func:`reconstruction_table`) and
    :math:`q_n = \operatorname{softmax}(x_n)`, as in notebook 06:

    .. math::

        \frac{\partial \mathcal{L}(v_n)}{\partial x_n}
        = q_n \odot \bigl(f_n - \langle q_n, f_n\rangle\bigr) - \nabla_{x_n}\mathrm{KL},
        \qquad
        \frac{\partial \mathcal{L}(v_n)}{\partial \ell_i}
        = q_{ni}\,\bigl(v_n - \sigma(\ell_i)\bigr),

    where :math:`\ell_i` are the pixel logits of category :math:`i`.

    Examples
    --------
    >>> from gumbel_lib.vae import PARAM_NAMES, init_params
    >>> p = init_params(0, hidden=8)
    >>> est = grads_exact(p, np.ones((4, 64)))
    >>> est.grad_logits.shape, sorted(est.grads) == sorted(PARAM_NAMES)
    ((4, 1, 10), True)
    """
    params, v = check_model_input(params, v)
    m, _ = latent_shape(params)
    if m != 1:
        raise ValueError(f"the exact gradient enumerates one categorical (m = 1); got m = {m}")
    return _finish(params, *estimate_parts("exact", params, v, 1.0, None, 1))


@renamed_keywords(xb="v")
def grads_gumbel_softmax(
    params: Params,
    v: ArrayLike,
    tau: float,
    rng: Any = None,
    n_samples: int = 1,
    kl: str = "categorical",
    prior_tau: float | None = None,
) -> Estimate:
    r"""Gumbel-softmax gradient: decode the relaxed sample, backpropagate through it.

    For each image, ``n_samples`` relaxed latents :math:`y = \operatorname{softmax}((x + g)/\tau)`
    go into the decoder; with :math:`u = \partial J / \partial y` from
    :func:`decode_backward`, the logits get :math:`\tfrac{y}{\tau} \odot (u - \langle u, y \rangle)`
    (:func:`gumbel_lib.softmax_vjp`). This is the exact gradient of a *relaxed*
    objective (the decoder evaluated off the corners of the simplex): biased for
    :math:`\tau > 0`, less so as :math:`\tau \to 0`.

    Which relaxed objective is ``kl``'s choice:

    * ``"categorical"`` (Jang, Gu & Poole 2017): the reconstruction term is relaxed, the
      KL term is that of the categorical :math:`q` to the uniform prior, exact
      (:func:`kl_to_uniform`).
    * ``"concrete"`` (Maddison, Mnih & Teh 2017): both terms are relaxed. The latent is
      the Concrete sample, the prior a Concrete distribution with uniform logits and
      temperature ``prior_tau`` (default ``tau``), and the KL term is estimated from each
      sample as :math:`\log\rho_{x,\tau}(\zeta) - \log\rho_{0,\lambda}(\zeta)`, with
      ExpConcrete densities of :math:`\zeta = \log y`, computed in log space for
      stability (the decoder sees :math:`y = e^\zeta`).

    Examples
    --------
    >>> from gumbel_lib.vae import init_params
    >>> p = init_params(0, hidden=8)
    >>> grads_gumbel_softmax(p, np.ones((4, 64)), tau=0.5, rng=0, n_samples=3).grad_logits.shape
    (4, 1, 10)
    >>> est = grads_gumbel_softmax(p, np.ones((4, 64)), tau=0.5, rng=0, kl="concrete")
    >>> est.grad_logits.shape
    (4, 1, 10)
    """
    kl, prior_tau = check_kl(kl, prior_tau)
    return _sampled("gumbel_softmax", params, v, check_tau(tau), rng, n_samples, kl, prior_tau)


@renamed_keywords(xb="v")
def grads_straight_through_gumbel_softmax(
    params: Params, v: ArrayLike, tau: float, rng: Any = None, n_samples: int = 1
) -> Estimate:
    r"""Straight-through Gumbel-softmax: decode the one-hot sample, backpropagate as if relaxed.

    The decoder sees :math:`z = e_K`, :math:`K = \arg\max_i (x_i + g_i)` (an exact sample
    of :math:`q`), and :math:`u = \partial J/\partial z` goes back through the Jacobian of
    :math:`y = \operatorname{softmax}((x + g)/\tau)`: PyTorch's ``gumbel_softmax(hard=True)``.
    Biased at every :math:`\tau`.

    Examples
    --------
    >>> from gumbel_lib.vae import init_params
    >>> p = init_params(0, hidden=8)
    >>> est = grads_straight_through_gumbel_softmax(p, np.ones((4, 64)), tau=0.5, rng=0)
    >>> est.grad_logits.shape
    (4, 1, 10)
    """
    return _sampled("st_gumbel", params, v, check_tau(tau), rng, n_samples)


#: The old name of :func:`grads_straight_through_gumbel_softmax` (deprecated: it warns;
#: removed in the next version).
grads_st_gumbel = renamed_function(
    "gumbel_lib.vae.grads_st_gumbel",
    "gumbel_lib.vae.grads_straight_through_gumbel_softmax",
    grads_straight_through_gumbel_softmax,
)


@renamed_keywords(xb="v")
def grads_reinforce_loo(
    params: Params, v: ArrayLike, rng: Any = None, n_samples: int = 4
) -> Estimate:
    r"""REINFORCE with the leave-one-out baseline, ``n_samples`` = :math:`S \ge 2` per image.

    With samples :math:`z_s = e_{K_s}` and :math:`f_s = \log p(b \mid z_s)`,

    .. math::

        \widehat{\nabla}_x = \frac1S \sum_{s=1}^S (f_s - \beta_s)(z_s - q), \qquad
        \beta_s = \frac{1}{S-1}\sum_{t \ne s} f_t,

    unbiased because :math:`\beta_s` does not depend on :math:`z_s` (Kool et al. 2019).
    With ``m`` choices the score :math:`z_s - q` has one row per choice, all multiplied
    by the same :math:`f_s`. The decoder's gradient is the plain average over the samples.

    Examples
    --------
    >>> from gumbel_lib.vae import init_params
    >>> p = init_params(0, hidden=8)
    >>> grads_reinforce_loo(p, np.ones((4, 64)), rng=0).grad_logits.shape
    (4, 1, 10)
    """
    return _sampled("reinforce_loo", params, v, 1.0, rng, n_samples)  # τ: unused


@renamed_keywords(xb="v")
def estimate_gradients(
    name: str,
    params: Params,
    v: ArrayLike,
    tau: float = 1.0,
    rng: Any = None,
    n_samples: int = 4,
    kl: str = "categorical",
    prior_tau: float | None = None,
) -> Estimate:
    r"""The :class:`Estimate` of the method called ``name`` (one of :data:`GRADIENT_METHODS`).

    What :func:`grads_exact` (``tau``, ``rng`` and ``n_samples`` unused),
    :func:`grads_gumbel_softmax` (with ``kl`` and ``prior_tau``),
    :func:`grads_straight_through_gumbel_softmax` or
    :func:`grads_reinforce_loo` (``tau`` unused) return. ``n_samples`` latents per image for
    the three stochastic estimators: the same budget of decoder passes for each; the fewest
    each accepts is its ``min_samples`` in :data:`gumbel_lib.estimators.REGISTRY`.

    Examples
    --------
    >>> from gumbel_lib.vae import init_params
    >>> p = init_params(0, hidden=8)
    >>> [estimate_gradients(e, p, np.ones((3, 64)), 0.5, rng=0).grad_logits.shape
    ...  for e in GRADIENT_METHODS]
    [(3, 1, 10), (3, 1, 10), (3, 1, 10), (3, 1, 10)]
    """
    name = check_choice(name, "name", GRADIENT_METHODS)
    tau = check_tau(tau)
    kl, prior_tau = check_kl(kl, prior_tau, name)
    if name == "exact":  # enumeration: not an estimator of the registry
        return grads_exact(params, v)
    return _sampled(name, params, v, tau, rng, n_samples, kl, prior_tau)


@renamed_keywords(xb="v")
def logit_gradient_samples(
    name: str,
    params: Params,
    v: ArrayLike,
    n_repeats: int,
    tau: float = 1.0,
    rng: Any = None,
    n_samples: int = 4,
    *,
    n_conditional: int = 10,
    alpha: float = 1.0,
) -> np.ndarray:
    r"""``n_repeats`` independent estimates of the gradient of each image's ELBO in its logits.

    Row ``r`` is what :func:`estimate_gradients` would return (with the sign flipped
    and times ``n``: :math:`\partial \mathcal{L}(v_i) / \partial x_i` for every image
    :math:`i`) with fresh noise. All repeats run in one vectorised call on the batch
    tiled ``n_repeats`` times: the encoder is deterministic, so it runs once and each
    copy of an image only differs by its noise; no parameter gradient is computed.
    Compare them with :func:`gumbel_lib.estimators.bias_std`.

    ``name`` may also be one of :data:`CONDITIONAL_GRADIENT_METHODS` (notebook 09):
    ``"gumbel_rao"``, the straight-through Gumbel-softmax backward pass averaged over
    ``n_conditional`` noise draws given each sampled category (one decoder pass per
    sample), or ``"rebar"``, REINFORCE with the relaxed decoder at a conditional sample as
    its control variate, weighted by ``alpha``, with ``tau`` the relaxation's temperature
    (three decoder passes per sample: at the one-hot sample, at the relaxed one and at the
    conditional one; :func:`gumbel_lib.estimators.rebar_estimator`).

    Returns
    -------
    numpy.ndarray, shape (n_repeats, n, m, d)

    Examples
    --------
    >>> from gumbel_lib.vae import init_params
    >>> p = init_params(0, hidden=8)
    >>> v = np.ones((3, 64))
    >>> g = logit_gradient_samples("reinforce_loo", p, v, 2000, rng=0)
    >>> exact = -3 * grads_exact(p, v).grad_logits
    >>> g.shape, bool(np.abs(g.mean(axis=0) - exact).max() < 0.05)
    ((2000, 3, 1, 10), True)
    """
    name = check_choice(name, "name", GRADIENT_METHODS + CONDITIONAL_GRADIENT_METHODS)
    params, x = check_model_input(params, v)
    tau = check_tau(tau)
    r = check_n(n_repeats, "n_repeats", what="the number of repeats")
    m_cond = check_int(n_conditional, "n_conditional", low=1, high=10_000, what="draws given K")
    alpha = check_real(alpha, "alpha", what="the weight of the control variate")
    n = x.shape[0]
    if name in CONDITIONAL_REGISTRY:
        s = check_n(n_samples, "n_samples")
        logits, xr = np.tile(encode(params, x)[0], (r, 1, 1)), np.tile(x, (r, 1))
        kernel = CONDITIONAL_KERNELS[name]
        grad = kernel(params, xr, logits, tau, as_generator(rng), s, m_cond, alpha)
    elif name == "exact":  # no noise: every repeat is the same
        grad = np.tile(grads_exact(params, x).grad_logits / r, (r, 1, 1))  # as if on r·n images
    else:
        s = check_n(n_samples, "n_samples", low=REGISTRY[name].min_samples)
        logits, xr = np.tile(encode(params, x)[0], (r, 1, 1)), np.tile(x, (r, 1))
        kernel = KERNELS[name]
        grad = kernel(params, xr, logits, tau, rng, s, "logits", "categorical", None)[0]
    return -(r * n) * grad.reshape(r, n, *grad.shape[1:])
