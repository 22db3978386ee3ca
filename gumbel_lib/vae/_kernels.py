r"""Unchecked array kernels shared by the modules of :mod:`gumbel_lib.vae` (private to the package).

Inside the model every array is the model's own (finite, float64, small), so these skip the
checks of the public functions: the layers (:func:`dense`, :func:`tanh_backward`, the
Bernoulli log-likelihood, the exact KL to the uniform prior), the encoder's and the
decoder's forward passes, the softplus of the pixel logits, Gumbel noise for one model or a
stack of models, and Adam's in-place update of the training loop. The public functions of
:mod:`~gumbel_lib.vae.layers` and :mod:`~gumbel_lib.vae.model` check their arguments and call
these; the training loop and the gradient kernels call them directly, once per step, without
the checks. The softmax family and the sigmoid are the package's own
(:mod:`gumbel_lib._kernels`): written once for every module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._checks import as_generator
from .._kernels import log_softmax, sigmoid
from ..gumbel import gumbel_noise
from ._args import Params


def transpose(a: np.ndarray) -> np.ndarray:
    """The transpose of the last two axes (of every matrix in a stack)."""
    return np.swapaxes(a, -1, -2)


def softplus(a: np.ndarray) -> np.ndarray:
    r""":math:`\log(1 + e^a) = \max(a, 0) + \log(1 + e^{-|a|})`: ``np.logaddexp(0, a)``, to
    rounding, in a fifth of its time (the training loop's largest elementwise cost)."""
    out = np.abs(a)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(a, 0.0)
    return out


def dense(a: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`gumbel_lib.vae.dense`: ``a @ W + b``, for one model or a stack."""
    return a @ W + b[..., None, :]


def dense_backward(a: np.ndarray, W: np.ndarray, grad_out: np.ndarray) -> tuple:
    """:func:`gumbel_lib.vae.dense_backward`: the gradients in ``a``, ``W`` and ``b``."""
    return grad_out @ transpose(W), transpose(a) @ grad_out, grad_out.sum(axis=-2)


def tanh_backward(t: np.ndarray, grad_out: np.ndarray) -> np.ndarray:
    """:func:`gumbel_lib.vae.tanh_backward`: ``grad_out * (1 - t**2)`` for ``t = tanh(a)``."""
    return grad_out * (1.0 - t * t)


def bernoulli_log_likelihood(v: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """:func:`gumbel_lib.vae.bernoulli_log_likelihood`: ``sum(v * logits - softplus(logits))``."""
    return (v * logits - softplus(logits)).sum(axis=-1)


def bernoulli_log_likelihood_grad(v: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """:func:`gumbel_lib.vae.bernoulli_log_likelihood_grad`: ``v - sigmoid(logits)``."""
    return v - sigmoid(logits)


def kl_terms(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`kl_to_uniform` and :func:`kl_to_uniform_grad` from one ``log_softmax``."""
    lq = log_softmax(logits)
    q = np.exp(lq)
    q_lq = q * lq
    m, d = logits.shape[-2:]
    return q_lq.sum(axis=(-2, -1)) + m * np.log(d), q * (lq - q_lq.sum(axis=-1, keepdims=True))


def encode(params: Params, v: np.ndarray) -> tuple[np.ndarray, tuple]:
    """:func:`gumbel_lib.vae.encode`: the logits (..., n, m, d) and the cache ``(v, h)``."""
    h = np.tanh(dense(v, params["enc_W1"], params["enc_b1"]))
    W2, b2 = params["enc_W2"], params["enc_b2"]
    x = dense(h, W2.reshape(*W2.shape[:-2], -1), b2.reshape(*b2.shape[:-2], -1))
    return x.reshape(*x.shape[:-1], *b2.shape[-2:]), (v, h)


def decode(params: Params, z: np.ndarray) -> tuple[np.ndarray, tuple]:
    """:func:`gumbel_lib.vae.decode`: the pixel logits (..., n, P) and the cache."""
    zf = z.reshape(*z.shape[:-2], -1)
    h = np.tanh(dense(zf, params["dec_W1"], params["dec_b1"]))
    return dense(h, params["dec_W2"], params["dec_b2"]), (zf, h, z.shape)


def by_rows(fn: Callable[[np.ndarray], np.ndarray], a: np.ndarray, size: int = 64) -> np.ndarray:
    """``fn(a)`` computed on blocks of ``size`` rows of ``a``, for a row-wise ``fn``.

    For the evaluations over all images: blocks of 64 rows keep each matrix product
    small enough for OpenBLAS to run it on one thread. Its threads cost more than they
    give at these sizes on a busy 2-core machine, and they spin on after each call,
    slowing the training steps that follow.
    """
    return np.concatenate([fn(a[i : i + size]) for i in range(0, a.shape[0], size)])


def draw_noise(rng: Any, s: int, logits: np.ndarray) -> np.ndarray:
    """Gumbel noise of shape (s, *logits.shape) from one generator, or, for a stack of
    models, (S, s, *logits.shape[1:]) from a list of S generators (one per model)."""
    if isinstance(rng, list):
        return np.stack([gumbel_noise((s, *logits.shape[1:]), rng=g) for g in rng])
    return gumbel_noise((s, *logits.shape), rng=as_generator(rng))


def adam_in_place(theta: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, t: int, lr):
    """:func:`adam_step` on one array, moments updated in place; returns the new ``theta``.

    The training loop's version: the same arithmetic as :func:`_adam_update` (to rounding)
    without a new array per operation; ``theta`` itself is not changed (a new array is
    returned), so saved checkpoints stay valid.
    """
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    grad *= grad
    grad *= 1 - beta2
    v += grad
    step = np.sqrt(v)
    step *= 1 / np.sqrt(1 - beta2**t)
    step += eps
    np.divide(m, step, out=step)
    step *= lr / (1 - beta1**t)
    return theta - step
