r"""The layers of the VAE, each a forward and a backward written out: a dense layer, ``tanh``,
the Bernoulli log-likelihood of the pixels and the exact KL to the uniform prior.

Layers are plain functions: a forward returns what its backward needs. Every layer also takes
a stack of models (a leading axis on every parameter and on the images), which
:func:`gumbel_lib.vae.train_seeds` uses to train one model per seed in the same calls.

Each function here checks its arguments (``TypeError`` for a wrong type, ``ValueError`` for a
wrong value, the argument named) and calls its unchecked kernel in ``vae/_kernels.py``; the
training loop calls the kernels directly, so it does not pay for the checks at every step.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._deprecation import renamed_keywords
from . import _kernels
from ._args import check_array, check_binary, check_same_shape, check_stacks

__all__ = [
    "bernoulli_log_likelihood",
    "bernoulli_log_likelihood_grad",
    "dense",
    "dense_backward",
    "kl_to_uniform",
    "kl_to_uniform_grad",
    "tanh_backward",
]


def dense(a: ArrayLike, W: ArrayLike, b: ArrayLike) -> np.ndarray:
    r"""A fully connected layer, :math:`a W + b`, for a batch of rows ``a`` (n, i).

    Leading axes are a stack of models (:func:`train_seeds`): ``a`` (..., n, i),
    ``W`` (..., i, o) and ``b`` (..., o) give (..., n, o).

    Examples
    --------
    >>> dense(np.array([[1.0, 2.0]]), np.eye(2), np.array([0.5, 0.0]))
    array([[1.5, 2. ]])
    """
    a, W = _check_a_W(a, W)
    b = check_array(b, "b", 1, "(o,)")
    if b.shape[-1] != W.shape[-1]:
        raise ValueError(
            f"b must have one entry per column of W ({W.shape[-1]}); got shape {b.shape}"
        )
    check_stacks(a=a.shape[:-2], W=W.shape[:-2], b=b.shape[:-1])
    return _kernels.dense(a, W, b)


def _check_a_W(a: ArrayLike, W: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The input rows ``a`` (..., n, i) and the weights ``W`` (..., i, o) of a dense layer."""
    a = check_array(a, "a", 2, "(n, i)")
    W = check_array(W, "W", 2, "(i, o)")
    if W.shape[-2] != a.shape[-1]:
        raise ValueError(
            f"W must have one row per column of a ({a.shape[-1]}); got shape {W.shape}"
        )
    return a, W


def dense_backward(
    a: ArrayLike, W: ArrayLike, grad_out: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward pass of :func:`dense`: from :math:`\partial J/\partial o` (n, o) to its inputs.

    With :math:`o = a W + b`: :math:`\partial J/\partial a = G W^\top`,
    :math:`\partial J/\partial W = a^\top G`, :math:`\partial J/\partial b = \sum_n G_n`
    (for every model of a stack, as in :func:`dense`).

    Returns
    -------
    grad_a, grad_W, grad_b

    Examples
    --------
    >>> ga, gW, gb = dense_backward(np.array([[1.0, 2.0]]), np.eye(2), np.array([[1.0, 0.0]]))
    >>> ga, gW, gb
    (array([[1., 0.]]), array([[1., 0.],
           [2., 0.]]), array([1., 0.]))
    """
    a, W = _check_a_W(a, W)
    grad_out = check_array(grad_out, "grad_out", 2, "(n, o)")
    if grad_out.shape[-2:] != (a.shape[-2], W.shape[-1]):
        raise ValueError(
            f"grad_out must have shape (n, o) = ({a.shape[-2]}, {W.shape[-1]}): a row per row "
            f"of a, a column per column of W; got {grad_out.shape}"
        )
    check_stacks(a=a.shape[:-2], W=W.shape[:-2], grad_out=grad_out.shape[:-2])
    return _kernels.dense_backward(a, W, grad_out)


def tanh_backward(t: ArrayLike, grad_out: ArrayLike) -> np.ndarray:
    r"""Backward pass of :math:`t = \tanh(a)`: :math:`\partial J/\partial a = G\,(1 - t^2)`.

    Takes the *output* ``t``, which the forward pass keeps anyway.

    Examples
    --------
    >>> tanh_backward(np.tanh(np.array([0.0, 1.0])), np.ones(2)).round(4)
    array([1.  , 0.42])
    """
    t = check_array(t, "t", 1, "(..., n)")
    if (np.abs(t) > 1).any():
        raise ValueError("t must be the output of tanh, in [-1, 1]")
    grad_out = check_array(grad_out, "grad_out", 1, "(..., n)")
    check_same_shape(grad_out, "grad_out", t.shape, "t")
    return _kernels.tanh_backward(t, grad_out)


@renamed_keywords(xb="v")
def bernoulli_log_likelihood(v: ArrayLike, logits: ArrayLike) -> np.ndarray:
    r"""Log-probability of binary pixels under independent Bernoullis, one value per row.

    .. math::

        \log p(v \mid \ell) = \sum_p v_p \log \sigma(\ell_p) + (1 - v_p) \log(1 - \sigma(\ell_p))
        = \sum_p \bigl(v_p \ell_p - \log(1 + e^{\ell_p})\bigr).

    Examples
    --------
    >>> bernoulli_log_likelihood(np.array([[1.0, 0.0]]), np.zeros((1, 2))).round(4)  # 2 log ½
    array([-1.3863])
    """
    return _kernels.bernoulli_log_likelihood(*_check_pixels_logits(v, logits))


def _check_pixels_logits(v: ArrayLike, logits: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Binary pixels ``v`` and pixel logits of the same number of pixels, the other axes
    broadcasting (several samples of one image)."""
    v = check_binary(v, "v")
    ell = check_array(logits, "logits", 1, "(..., P)")
    if ell.shape[-1] != v.shape[-1]:
        raise ValueError(
            f"logits must have one entry per pixel of v ({v.shape[-1]}); got shape {ell.shape}"
        )
    check_stacks(v=v.shape[:-1], logits=ell.shape[:-1])
    return v, ell


@renamed_keywords(xb="v")
def bernoulli_log_likelihood_grad(v: ArrayLike, logits: ArrayLike) -> np.ndarray:
    r"""Gradient of :func:`bernoulli_log_likelihood` in the pixel logits: :math:`v - \sigma(\ell)`.

    Examples
    --------
    >>> bernoulli_log_likelihood_grad(np.array([[1.0, 0.0]]), np.zeros((1, 2)))
    array([[ 0.5, -0.5]])
    """
    return _kernels.bernoulli_log_likelihood_grad(*_check_pixels_logits(v, logits))


def kl_to_uniform(logits: ArrayLike) -> np.ndarray:
    r"""Exact :math:`\mathrm{KL}(q \,\|\, \text{uniform})` of ``m`` independent categoricals.

    For logits of shape (n, m, d), :math:`q = \operatorname{softmax}(x)` along the last
    axis and

    .. math::

        \mathrm{KL} = \sum_{j=1}^m \sum_{i=0}^{d-1} q_{ji} \log q_{ji} + m \log d
        \in [0, m \log d].

    Examples
    --------
    >>> kl_to_uniform(np.zeros((1, 2, 10)))  # q uniform: nothing to pay
    array([0.])
    >>> kl_to_uniform(np.array([[[50.0, 0.0]]])).round(4)  # one-hot: log 2
    array([0.6931])
    """
    return _kernels.kl_terms(check_array(logits, "logits", 2, "(n, m, d)"))[0]


def kl_to_uniform_grad(logits: ArrayLike) -> np.ndarray:
    r"""Gradient of :func:`kl_to_uniform` in the logits.

    .. math:: \nabla_x \mathrm{KL} = q \odot (\log q - \langle q, \log q\rangle)

    (The gradient of :math:`\langle q, u\rangle` is :math:`q \odot (u - \langle q, u\rangle)`
    with :math:`u = \log q` held fixed; the term from differentiating :math:`\log q` itself
    is :math:`\sum_i q_i \nabla \log q_i = \nabla \sum_i q_i = 0`.)

    Examples
    --------
    >>> kl_to_uniform_grad(np.zeros((1, 1, 3)))
    array([[[0., 0., 0.]]])
    """
    return _kernels.kl_terms(check_array(logits, "logits", 2, "(n, m, d)"))[1]
