r"""The layers of the VAE, each a forward and a backward written out: a dense layer, ``tanh``,
the Bernoulli log-likelihood of the pixels and the exact KL to the uniform prior.

Layers are plain functions: a forward returns what its backward needs. Every layer also takes
a stack of models (a leading axis on every parameter and on the images), which
:func:`gumbel_lib.vae.train_seeds` uses to train one model per seed in the same calls.
"""

from __future__ import annotations

import numpy as np

from ._kernels import kl_terms, sigmoid, softplus, transpose

__all__ = [
    "bernoulli_log_likelihood",
    "bernoulli_log_likelihood_grad",
    "dense",
    "dense_backward",
    "kl_to_uniform",
    "kl_to_uniform_grad",
    "tanh_backward",
]


def dense(a: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    r"""A fully connected layer, :math:`a W + b`, for a batch of rows ``a`` (n, i).

    Leading axes are a stack of models (:func:`train_seeds`): ``a`` (..., n, i),
    ``W`` (..., i, o) and ``b`` (..., o) give (..., n, o).

    Examples
    --------
    >>> dense(np.array([[1.0, 2.0]]), np.eye(2), np.array([0.5, 0.0]))
    array([[1.5, 2. ]])
    """
    return a @ W + b[..., None, :]


def dense_backward(
    a: np.ndarray, W: np.ndarray, grad_out: np.ndarray
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
    return grad_out @ transpose(W), transpose(a) @ grad_out, grad_out.sum(axis=-2)


def tanh_backward(t: np.ndarray, grad_out: np.ndarray) -> np.ndarray:
    r"""Backward pass of :math:`t = \tanh(a)`: :math:`\partial J/\partial a = G\,(1 - t^2)`.

    Takes the *output* ``t``, which the forward pass keeps anyway.

    Examples
    --------
    >>> tanh_backward(np.tanh(np.array([0.0, 1.0])), np.ones(2)).round(4)
    array([1.  , 0.42])
    """
    return grad_out * (1.0 - t * t)


def bernoulli_log_likelihood(xb: np.ndarray, logits: np.ndarray) -> np.ndarray:
    r"""Log-probability of binary pixels under independent Bernoullis, one value per row.

    .. math::

        \log p(b \mid \ell) = \sum_p b_p \log \sigma(\ell_p) + (1 - b_p) \log(1 - \sigma(\ell_p))
        = \sum_p \bigl(b_p \ell_p - \log(1 + e^{\ell_p})\bigr).

    Examples
    --------
    >>> bernoulli_log_likelihood(np.array([[1.0, 0.0]]), np.zeros((1, 2))).round(4)  # 2 log ½
    array([-1.3863])
    """
    return (xb * logits - softplus(logits)).sum(axis=-1)


def bernoulli_log_likelihood_grad(xb: np.ndarray, logits: np.ndarray) -> np.ndarray:
    r"""Gradient of :func:`bernoulli_log_likelihood` in the pixel logits: :math:`b - \sigma(\ell)`.

    Examples
    --------
    >>> bernoulli_log_likelihood_grad(np.array([[1.0, 0.0]]), np.zeros((1, 2)))
    array([[ 0.5, -0.5]])
    """
    return xb - sigmoid(logits)


def kl_to_uniform(logits: np.ndarray) -> np.ndarray:
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
    return kl_terms(logits)[0]


def kl_to_uniform_grad(logits: np.ndarray) -> np.ndarray:
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
    return kl_terms(logits)[1]
