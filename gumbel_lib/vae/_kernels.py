r"""Unchecked array kernels shared by the modules of :mod:`gumbel_lib.vae` (private to the package).

Inside the model every array is the model's own (finite, float64, small), so these skip the
checks of the public functions: the softmax family over the last axis, the sigmoid and
softplus of the pixel logits, the exact KL to the uniform prior, Gumbel noise for one model
or a stack of models, and Adam's in-place update of the training loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._checks import as_generator
from ..gumbel import gumbel_noise


def transpose(a: np.ndarray) -> np.ndarray:
    """The transpose of the last two axes (of every matrix in a stack)."""
    return np.swapaxes(a, -1, -2)


def sigmoid(a: np.ndarray) -> np.ndarray:
    r""":math:`\sigma(a) = 1 / (1 + e^{-a})`, as :math:`(1 + \tanh(a/2))/2`."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # = 1 / (1 + e^-a), without overflow


def softplus(a: np.ndarray) -> np.ndarray:
    r""":math:`\log(1 + e^a) = \max(a, 0) + \log(1 + e^{-|a|})`: ``np.logaddexp(0, a)``, to
    rounding, in a fifth of its time (the training loop's largest elementwise cost)."""
    out = np.abs(a)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(a, 0.0)
    return out


def kl_terms(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`kl_to_uniform` and :func:`kl_to_uniform_grad` from one ``log_softmax``."""
    lq = log_softmax_rows(logits)
    q = np.exp(lq)
    q_lq = q * lq
    m, d = logits.shape[-2:]
    return q_lq.sum(axis=(-2, -1)) + m * np.log(d), q * (lq - q_lq.sum(axis=-1, keepdims=True))


# The softmax computations of gumbel_lib.softmax, over the last axis, without their input
# checks: inside the model the arrays are our own (finite, float64, small), and for a
# minibatch the checks cost several times the arithmetic. Same operations in the same
# order as the checked functions, so the same numbers (tests/test_vae.py compares them).


def softmax_rows(a: np.ndarray, tau: float = 1.0) -> np.ndarray:
    """``gumbel_lib.softmax(a, tau)``: shift by the maximum, divide by τ, exp, normalise."""
    z = a - a.max(axis=-1, keepdims=True)
    if tau != 1.0:
        z /= tau
    np.exp(z, out=z)
    z /= (z @ np.ones(z.shape[-1]))[..., None]
    return z


def log_softmax_rows(a: np.ndarray) -> np.ndarray:
    """``gumbel_lib.log_softmax(a)``: the shifted logits minus the log of the sum of their exp."""
    z = a - a.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def softmax_vjp_rows(y: np.ndarray, u: np.ndarray, tau: float) -> np.ndarray:
    r"""``gumbel_lib.softmax_vjp(y, u, tau)``: :math:`y \odot (u - \langle u, y \rangle) / \tau`."""
    return y * (u - (u * y).sum(axis=-1, keepdims=True)) / tau


def one_hot(k: np.ndarray, d: int) -> np.ndarray:
    """``gumbel_lib.one_hot(k, d)``: row ``k`` of the identity."""
    return np.eye(d)[k]


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
