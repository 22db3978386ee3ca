r"""The gradient estimators of the VAE as unchecked kernels (private to the package).

:mod:`gumbel_lib.vae.gradients` checks the arguments and calls these; the training loop calls
:func:`estimate_parts` directly, once per step. Each works for one model or a stack of
models (a leading axis on every parameter and on the images; then ``rng`` is a list of
generators, one per model).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._kernels import one_hot, sigmoid, softmax, softmax_vjp
from ..gumbel import (
    conditional_perturbed_logits,
    conditional_perturbed_logits_vjp,
    gumbel_noise,
)
from ._args import Params
from ._kernels import (
    bernoulli_log_likelihood,
    bernoulli_log_likelihood_grad,
    decode,
    draw_noise,
    encode,
    kl_terms,
    transpose,
)
from .model import decode_backward


def exact_parts(params: Params, v: np.ndarray) -> tuple:
    """The exact gradient in the logits, each image's ELBO and the decoder's grads (``m = 1``).

    Works for one model or a stack of models (leading axes on every parameter and on ``v``).
    """
    n, d = v.shape[-2], params["enc_b2"].shape[-1]
    lead = params["enc_b2"].shape[:-2]
    logits, enc_cache = encode(params, v)
    q = softmax(logits)[..., 0, :]
    ell, dec_cache = decode(params, np.broadcast_to(np.eye(d)[:, None, :], (*lead, d, 1, d)))
    f = v @ transpose(ell) - np.logaddexp(0.0, ell).sum(axis=-1)[..., None, :]  # (..., n, d)
    kl, kl_grad = kl_terms(logits)
    elbo = (q * f).sum(axis=-1) - kl
    grad_rec = q * (f - (q * f).sum(axis=-1, keepdims=True))
    grad_logits = (kl_grad - grad_rec[..., None, :]) / n
    grad_ell = -(transpose(q) @ v - q.sum(axis=-2)[..., :, None] * sigmoid(ell)) / n
    dec = decode_backward(params, dec_cache, grad_ell)[0]
    return enc_cache, grad_logits, dec, elbo


def decoder_pass(params: Params, v: np.ndarray, z: np.ndarray, backward: str = "all") -> tuple:
    """Decode ``s`` latents per image, z (..., s, n, m, d): log-likelihoods (..., s, n), dec
    grads, dJ/dz.

    The gradients are those of ``-mean`` over all ``s * n`` log-likelihoods. ``backward``
    says what is needed: ``"all"``; ``"grads"``, the decoder grads and dJ/dz but no
    log-likelihoods; ``"z"``, only dJ/dz; ``"none"``, only the log-likelihoods. The parts
    not computed are None.
    """
    s, n = z.shape[-4:-2]
    lead = z.shape[:-4]
    ell, cache = decode(params, z.reshape(*lead, s * n, *z.shape[-2:]))
    ell = ell.reshape(*lead, s, n, -1)
    xs = v[..., None, :, :]  # the images broadcast over the s samples
    f = None if backward in ("z", "grads") else bernoulli_log_likelihood(xs, ell)
    if backward == "none":
        return f, None, None
    grad_ell = (-bernoulli_log_likelihood_grad(xs, ell) / (s * n)).reshape(*lead, s * n, -1)
    dec, grad_z = decode_backward(params, cache, grad_ell, weights=backward != "z")
    return f, dec, grad_z.reshape(z.shape)


def exp_concrete_log_density(
    log_y: np.ndarray, logits: np.ndarray | float, tau: float, a: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Log-density of the ExpConcrete distribution at :math:`\zeta = \log y`, per choice, and
    :math:`r = 1 - d \operatorname{softmax}(x - \tau\zeta)`.

    .. math::

        \log \rho(\zeta) = \log (d-1)! + (d-1)\log\tau
        + \sum_k (x_k - \tau\zeta_k) - d \log \sum_k e^{x_k - \tau\zeta_k}

    (Maddison, Mnih & Teh 2017, appendix C). Its gradient is :math:`r` in :math:`x` and
    :math:`-\tau r` in :math:`\zeta`. ``a`` may pass :math:`x - \tau\zeta` computed without
    forming :math:`\tau\zeta` (finite where :math:`\zeta = -\infty`).
    """
    if a is None:
        a = logits - tau * log_y
    d = a.shape[-1]
    top = a.max(axis=-1, keepdims=True)
    e = np.exp(a - top)
    total = e.sum(axis=-1, keepdims=True)
    lse = (top + np.log(total))[..., 0]
    log_density = math.lgamma(d) + (d - 1) * np.log(tau) + a.sum(axis=-1) - d * lse
    return log_density, 1.0 - d * e / total


def relaxed_logit_grads(
    params: Params,
    v: np.ndarray,
    logits: np.ndarray,
    tau: float,
    rng: Any,
    n_samples: int,
    hard: bool,
    backward: str = "all",
    kl: str = "categorical",
    prior_tau: float | None = None,
) -> tuple:
    """The (ST) Gumbel-softmax gradient in the ``logits`` of the images ``v``.

    Returns it, the estimate of each image's ELBO and the decoder's grads; with
    ``backward="z"`` only the first (the others are None, see :func:`decoder_pass`).
    With ``kl="concrete"`` the KL term is the one-sample ExpConcrete estimate
    (:func:`grads_gumbel_softmax`).
    """
    n = v.shape[-2]
    w = logits[..., None, :, :, :] + draw_noise(rng, n_samples, logits)  # (..., s, n, m, d)
    if kl == "concrete":
        return concrete_logit_grads(params, v, logits, w, tau, prior_tau, backward)
    y = softmax(w, tau)  # τ → 0: (w - max)/τ → -inf, exp → 0, the one-hot limit
    z = one_hot(w.argmax(axis=-1), y.shape[-1]) if hard else y
    f, dec, grad_z = decoder_pass(params, v, z, backward)
    kl_value, kl_grad = kl_terms(logits)
    grad_logits = softmax_vjp(y, grad_z, tau).sum(axis=-4) + kl_grad / n
    return grad_logits, None if f is None else f.mean(axis=-2) - kl_value, dec


def concrete_logit_grads(
    params: Params,
    v: np.ndarray,
    logits: np.ndarray,
    w: np.ndarray,
    tau: float,
    prior_tau: float | None,
    backward: str,
) -> tuple:
    r"""Gumbel-softmax with the Concrete objective of Maddison et al., in log space.

    :math:`\zeta = \log y = (w - \max w)/\tau - \log\sum e^{(w - \max w)/\tau}`, the decoder
    sees :math:`y = e^\zeta`, and each sample pays
    :math:`\log \rho_{x,\tau}(\zeta) - \log \rho_{0,\lambda}(\zeta)` (both ExpConcrete).
    """
    lam = tau if prior_tau is None else prior_tau
    s, n = w.shape[-4], v.shape[-2]
    shifted = w - w.max(axis=-1, keepdims=True)
    with np.errstate(over="ignore", divide="ignore"):
        lse = np.log(np.exp(shifted / tau).sum(axis=-1, keepdims=True))
        log_y = shifted / tau - lse
    y = np.exp(log_y)
    # x - τζ = x - (w - max w) + τ lse: finite even where ζ = -inf (τ → 0)
    a_q = logits[..., None, :, :, :] - shifted + tau * lse
    log_y = np.maximum(log_y, np.log(np.finfo(np.float64).tiny))  # -inf → -708: y is 0 anyway
    log_q, r_q = exp_concrete_log_density(log_y, logits[..., None, :, :, :], tau, a=a_q)
    log_p, r_p = exp_concrete_log_density(log_y, 0.0, lam)
    kl_sample = (log_q - log_p).sum(axis=-1)  # (..., s, n): summed over the m choices
    f, dec, grad_z = decoder_pass(params, v, y, backward)
    # dJ/dζ: the decoder's (through y = e^ζ) and the KL's, J = -(1/(s n)) Σ (f - KL)
    u = grad_z * y + (-tau * r_q + lam * r_p) / (s * n)
    grad_zeta_to_x = (u - y * u.sum(axis=-1, keepdims=True)) / tau
    grad_logits = (grad_zeta_to_x + r_q / (s * n)).sum(axis=-4)
    return grad_logits, None if f is None else (f - kl_sample).mean(axis=-2), dec


def reinforce_logit_grads(
    params: Params, v: np.ndarray, logits: np.ndarray, rng: Any, s: int, backward: str = "all"
) -> tuple:
    """REINFORCE + LOO in the ``logits`` of the images ``v``, each image's ELBO, dec grads.

    The decoder's grads are None with ``backward="none"`` (see :func:`decoder_pass`).
    """
    n = v.shape[-2]
    q = softmax(logits)[..., None, :, :, :]
    w = logits[..., None, :, :, :] + draw_noise(rng, s, logits)
    z = one_hot(w.argmax(axis=-1), logits.shape[-1])  # (..., s, n, m, d)
    f, dec, _ = decoder_pass(params, v, z, backward)
    baseline = (f.sum(axis=-2, keepdims=True) - f) / (s - 1)
    grad_rec = ((f - baseline)[..., None, None] * (z - q)).mean(axis=-4)
    kl, kl_grad = kl_terms(logits)
    return (kl_grad - grad_rec) / n, f.mean(axis=-2) - kl, dec


# --- the table: one kernel per estimator of gumbel_lib.estimators.REGISTRY ---------------
#
# A kernel takes (params, v, logits, tau, rng, n_samples, want, kl, prior_tau), unchecked,
# and returns the gradient in the logits, each image's ELBO and the decoder's grads. ``want``
# says what is needed: "all"; "grads" (the ELBOs may be None); "logits" (only the gradient in
# the logits: the ELBOs and the decoder's grads may be None).


#: ``want`` to the ``backward`` of :func:`relaxed_logit_grads`.
_RELAXED_BACKWARD = {"all": "all", "grads": "grads", "logits": "z"}


def _relaxed_kernel(params, v, logits, tau, rng, n_samples, want, kl, prior_tau, *, hard):
    backward = _RELAXED_BACKWARD[want]
    return relaxed_logit_grads(
        params, v, logits, tau, rng, n_samples, hard, backward, kl, prior_tau
    )


def _reinforce_loo_kernel(params, v, logits, tau, rng, n_samples, want, kl, prior_tau):
    # the baseline needs every sample's log-likelihood: "grads" computes them all anyway
    backward = "none" if want == "logits" else "all"
    return reinforce_logit_grads(params, v, logits, rng, n_samples, backward)


#: The VAE's kernel of each estimator of :data:`gumbel_lib.estimators.REGISTRY` it implements,
#: keyed by the registry's name, in display order. ``"exact"`` (enumeration, one categorical)
#: has no entry there and no kernel here: :func:`exact_parts`.
KERNELS: dict[str, Callable[..., tuple]] = {
    "gumbel_softmax": functools.partial(_relaxed_kernel, hard=False),
    "st_gumbel": functools.partial(_relaxed_kernel, hard=True),
    "reinforce_loo": _reinforce_loo_kernel,
}


def estimate_parts(
    name: str,
    params: Params,
    v: np.ndarray,
    tau: float,
    rng: Any,
    n_samples: int,
    kl: str = "categorical",
    prior_tau: float | None = None,
    elbo: bool = True,
) -> tuple:
    """Unchecked: the encoder's cache, the logits' gradient, the decoder's grads, the ELBOs.

    For one model or a stack (then ``rng`` is a list of generators, one per model). With
    ``elbo=False`` the relaxed estimators skip the log-likelihoods (the ELBOs are None).
    """
    if name == "exact":
        return exact_parts(params, v)
    logits, enc_cache = encode(params, v)
    want = "all" if elbo else "grads"
    grad_logits, elbos, dec = KERNELS[name](
        params, v, logits, tau, rng, n_samples, want, kl, prior_tau
    )
    return enc_cache, grad_logits, dec, elbos


# --- estimators on conditional noise (gumbel_lib.estimators.CONDITIONAL_REGISTRY) -------------
#
# Opt-in, in a table of their own, so that GRADIENT_METHODS (what notebook 07 iterates) keeps its
# four. A kernel takes (params, v, logits, tau, rng, n_samples, n_conditional, alpha), unchecked,
# for one model, and returns the gradient of -mean ELBO in the logits only.


def gumbel_rao_logit_grads(params, v, logits, tau, rng, s, n_conditional, alpha):
    """Gumbel-Rao: ST Gumbel-softmax's backward pass averaged over noise drawn given K."""
    n, d = v.shape[-2], logits.shape[-1]
    k = (logits + draw_noise(rng, s, logits)).argmax(axis=-1)  # (s, n, m)
    _, _, grad_z = decoder_pass(params, v, one_hot(k, d), "z")  # one decoder pass per sample
    h = gumbel_noise((n_conditional, *k.shape, d), rng=rng)
    y = softmax(conditional_perturbed_logits(logits, k, h), tau)  # (M, s, n, m, d)
    grad_rec = softmax_vjp(y, grad_z, tau).mean(axis=0).sum(axis=0)
    return grad_rec + kl_terms(logits)[1] / n


def rebar_logit_grads(params, v, logits, tau, rng, s, n_conditional, alpha):
    """REBAR: REINFORCE with the relaxed decoder at the conditional sample as control variate."""
    n, d = v.shape[-2], logits.shape[-1]
    w = logits + draw_noise(rng, s, logits)  # z = x + g, (s, n, m, d)
    k = w.argmax(axis=-1)
    b = one_hot(k, d)
    wt = conditional_perturbed_logits(logits, k, gumbel_noise(w.shape, rng=rng))  # z̃ given b
    y, yt = softmax(w, tau), softmax(wt, tau)
    f_b = decoder_pass(params, v, b, "none")[0]  # (s, n): the three decoder passes
    _, _, grad_y = decoder_pass(params, v, y, "z")
    f_t, _, grad_yt = decoder_pass(params, v, yt, "all")
    score = b - softmax(logits)  # each choice's score, times the image's loss
    # J = -mean f: the score term's sign flips; grad_y, grad_yt are already of J, over s·n
    grad_rec = -((f_b - alpha * f_t)[..., None, None] * score).mean(axis=0) / n
    pathwise = softmax_vjp(y, grad_y, tau) - conditional_perturbed_logits_vjp(
        logits, wt, softmax_vjp(yt, grad_yt, tau)
    )
    return grad_rec + alpha * pathwise.sum(axis=0) + kl_terms(logits)[1] / n


#: The VAE's kernel of each estimator of :data:`gumbel_lib.estimators.CONDITIONAL_REGISTRY`.
CONDITIONAL_KERNELS: dict[str, Callable[..., np.ndarray]] = {
    "gumbel_rao": gumbel_rao_logit_grads,
    "rebar": rebar_logit_grads,
}
