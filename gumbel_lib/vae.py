r"""A categorical variational autoencoder in NumPy, with every gradient written out.

Used by ``notebooks/07_categorical_vae``. An image :math:`b \in \{0, 1\}^{P}` (``P = 64``
binarised pixels) is explained by a latent made of :math:`m` independent categorical
choices with :math:`d` categories each (``m`` and ``d`` below; :math:`m = 1, d = 10` for
the digits). All parameters live in one dict, ``params`` (:data:`PARAM_NAMES`).

* **Encoder** :math:`q_\theta(z \mid b)`: :math:`x = \tanh(b W_1 + b_1) W_2 + b_2` (a row
  vector per image, as in :func:`dense`), the logits :math:`x` of shape ``(m, d)``, and
  :math:`q = \operatorname{softmax}(x)` per choice.
* **Decoder** :math:`p_\theta(b \mid z)`: the one-hot (or relaxed) latent
  :math:`z \in \mathbb{R}^{m \cdot d}` goes through :math:`\ell = \tanh(z V_1 + c_1) V_2 + c_2`,
  the pixel logits; every pixel is Bernoulli with :math:`P(b_p = 1) = \sigma(\ell_p)`.
* **Prior**: uniform over the :math:`d^m` configurations.
* **ELBO** of one image, with the KL to the uniform prior computed exactly:

  .. math::

      \mathcal{L}(b) = \mathbb{E}_{z \sim q}[\log p(b \mid z)]
      - \sum_{j=1}^{m} \sum_{i=0}^{d-1} q_{ji} \log (d\, q_{ji}).

The gradient of the KL term is exact for every estimator; the estimators differ in the
first term. For ``m = 1`` it is a sum of ``d`` terms, so its gradient can be computed
exactly by enumeration (:func:`grads_exact`), the gold standard for the three estimators
:func:`grads_gumbel_softmax`, :func:`grads_st_gumbel` and :func:`grads_reinforce_loo`.

Gumbel-softmax trains a relaxed objective, and ``kl`` chooses which: the categorical KL
of Jang, Gu & Poole (2017), exact, or the Concrete densities of Maddison, Mnih & Teh
(2017) for both terms, in log space (:func:`grads_gumbel_softmax`).

Every ``grads_*`` function returns an :class:`Estimate` of the *loss*
:math:`-\frac1N \sum_n \mathcal{L}(b_n)` over a minibatch, which :func:`adam_step`
minimises. Layers are plain functions: a forward that returns what its backward needs.
The layers also take a stack of models (a leading axis on every parameter and on the
images), which :func:`train_seeds` uses to train one model per seed in the same calls.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._checks import (
    as_float_array,
    as_generator,
    check_choice,
    check_int,
    check_n,
    check_real,
    check_tau,
)
from .gumbel import gumbel_noise
from .softmax import softmax

__all__ = [
    "ESTIMATORS",
    "PARAM_NAMES",
    "AdamState",
    "Estimate",
    "KL_CHOICES",
    "SeedsResult",
    "TrainResult",
    "adam_init",
    "adam_step",
    "bernoulli_log_likelihood",
    "bernoulli_log_likelihood_grad",
    "category_images",
    "cluster_purity",
    "confusion_matrix",
    "decode",
    "decode_backward",
    "dense",
    "dense_backward",
    "elbo_exact",
    "elbo_monte_carlo",
    "encode",
    "encode_backward",
    "estimate_gradients",
    "grads_exact",
    "grads_gumbel_softmax",
    "grads_reinforce_loo",
    "grads_st_gumbel",
    "init_params",
    "kl_to_uniform",
    "kl_to_uniform_grad",
    "logit_gradient_samples",
    "reconstruction_table",
    "relaxed_decoding",
    "tanh_backward",
    "tau_schedule",
    "train",
    "train_seeds",
]

#: The gradient estimators, in display order (``"exact"`` needs ``m = 1``).
ESTIMATORS = ("exact", "gumbel_softmax", "st_gumbel", "reinforce_loo")

#: The parameters: encoder layers 1 and 2, then decoder layers 1 and 2.
PARAM_NAMES = ("enc_W1", "enc_b1", "enc_W2", "enc_b2", "dec_W1", "dec_b1", "dec_W2", "dec_b2")

Params = dict[str, np.ndarray]


# --- checks ----------------------------------------------------------------------------


def _check_params(params: Any) -> Params:
    if not isinstance(params, dict):
        raise TypeError(
            f"params must be a dict with the keys {PARAM_NAMES} (from init_params); "
            f"got {type(params).__name__}"
        )
    if set(params) != set(PARAM_NAMES):
        raise ValueError(f"params must be a dict with the keys {PARAM_NAMES}; got {sorted(params)}")
    return params


def _check_arrays(arrays: Any, name: str) -> dict[str, np.ndarray]:
    """A non-empty dict of float arrays (Adam's parameters or gradients)."""
    if not isinstance(arrays, dict):
        raise TypeError(f"{name} must be a dict of arrays; got {type(arrays).__name__}")
    if not arrays:
        raise ValueError(f"{name} must hold at least one array; got an empty dict")
    return {key: as_float_array(value, f"{name}[{key!r}]") for key, value in arrays.items()}


def _check_pixels(xb: ArrayLike, n_pixels: int) -> np.ndarray:
    x = as_float_array(xb, "xb")
    if x.ndim != 2 or x.shape[1] != n_pixels or x.shape[0] == 0:
        raise ValueError(f"xb must have shape (n, {n_pixels}); got {x.shape}")
    if not ((x == 0) | (x == 1)).all():
        raise ValueError("xb must hold binary pixels, 0 or 1 (see gumbel_lib.data.binarize)")
    return x


def _check_model_input(params: Any, xb: ArrayLike) -> tuple[Params, np.ndarray]:
    """The checked ``params`` and binary pixels ``xb`` of shape (n, P) that fit them."""
    params = _check_params(params)
    return params, _check_pixels(xb, params["dec_b2"].shape[0])


def _latent_shape(params: Params) -> tuple[int, int]:
    m, d = params["enc_b2"].shape
    return int(m), int(d)


# --- layers ----------------------------------------------------------------------------


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
    return grad_out @ _T(W), _T(a) @ grad_out, grad_out.sum(axis=-2)


def _T(a: np.ndarray) -> np.ndarray:
    """The transpose of the last two axes (of every matrix in a stack)."""
    return np.swapaxes(a, -1, -2)


def tanh_backward(t: np.ndarray, grad_out: np.ndarray) -> np.ndarray:
    r"""Backward pass of :math:`t = \tanh(a)`: :math:`\partial J/\partial a = G\,(1 - t^2)`.

    Takes the *output* ``t``, which the forward pass keeps anyway.

    Examples
    --------
    >>> tanh_backward(np.tanh(np.array([0.0, 1.0])), np.ones(2)).round(4)
    array([1.  , 0.42])
    """
    return grad_out * (1.0 - t * t)


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # = 1 / (1 + e^-a), without overflow


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
    return (xb * logits - _softplus(logits)).sum(axis=-1)


def _softplus(a: np.ndarray) -> np.ndarray:
    r""":math:`\log(1 + e^a) = \max(a, 0) + \log(1 + e^{-|a|})`: ``np.logaddexp(0, a)``, to
    rounding, in a fifth of its time (the training loop's largest elementwise cost)."""
    out = np.abs(a)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(a, 0.0)
    return out


def bernoulli_log_likelihood_grad(xb: np.ndarray, logits: np.ndarray) -> np.ndarray:
    r"""Gradient of :func:`bernoulli_log_likelihood` in the pixel logits: :math:`b - \sigma(\ell)`.

    Examples
    --------
    >>> bernoulli_log_likelihood_grad(np.array([[1.0, 0.0]]), np.zeros((1, 2)))
    array([[ 0.5, -0.5]])
    """
    return xb - _sigmoid(logits)


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
    return _kl_terms(logits)[0]


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
    return _kl_terms(logits)[1]


def _kl_terms(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`kl_to_uniform` and :func:`kl_to_uniform_grad` from one ``log_softmax``."""
    lq = _log_softmax(logits)
    q = np.exp(lq)
    q_lq = q * lq
    m, d = logits.shape[-2:]
    return q_lq.sum(axis=(-2, -1)) + m * np.log(d), q * (lq - q_lq.sum(axis=-1, keepdims=True))


# The softmax computations of gumbel_lib.softmax, over the last axis, without their input
# checks: inside the model the arrays are our own (finite, float64, small), and for a
# minibatch the checks cost several times the arithmetic. Same operations in the same
# order as the checked functions, so the same numbers (tests/test_vae.py compares them).


def _softmax(a: np.ndarray, tau: float = 1.0) -> np.ndarray:
    """``gumbel_lib.softmax(a, tau)``: shift by the maximum, divide by τ, exp, normalise."""
    z = a - a.max(axis=-1, keepdims=True)
    if tau != 1.0:
        z /= tau
    np.exp(z, out=z)
    z /= (z @ np.ones(z.shape[-1]))[..., None]
    return z


def _log_softmax(a: np.ndarray) -> np.ndarray:
    """``gumbel_lib.log_softmax(a)``: the shifted logits minus the log of the sum of their exp."""
    z = a - a.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _softmax_vjp(y: np.ndarray, u: np.ndarray, tau: float) -> np.ndarray:
    r"""``gumbel_lib.softmax_vjp(y, u, tau)``: :math:`y \odot (u - \langle u, y \rangle) / \tau`."""
    return y * (u - (u * y).sum(axis=-1, keepdims=True)) / tau


def _one_hot(k: np.ndarray, d: int) -> np.ndarray:
    """``gumbel_lib.one_hot(k, d)``: row ``k`` of the identity."""
    return np.eye(d)[k]


def _by_rows(fn: Callable[[np.ndarray], np.ndarray], a: np.ndarray, size: int = 64) -> np.ndarray:
    """``fn(a)`` computed on blocks of ``size`` rows of ``a``, for a row-wise ``fn``.

    For the evaluations over all images: blocks of 64 rows keep each matrix product
    small enough for OpenBLAS to run it on one thread. Its threads cost more than they
    give at these sizes on a busy 2-core machine, and they spin on after each call,
    slowing the training steps that follow.
    """
    return np.concatenate([fn(a[i : i + size]) for i in range(0, a.shape[0], size)])


# --- the network -----------------------------------------------------------------------


def init_params(
    rng: Any = None,
    n_pixels: int = 64,
    hidden: int = 64,
    m: int = 1,
    d: int = 10,
    pixel_mean: ArrayLike | None = None,
) -> Params:
    r"""Random initial parameters: weights :math:`\mathcal N(0, 1/\text{fan-in})`, biases 0.

    The decoder's first layer sees ``m`` ones (one per choice), so its weights have
    variance :math:`1/m`. With ``pixel_mean`` (the mean of the training pixels) the
    output bias starts at its logit, so the untrained decoder draws the average image.

    Examples
    --------
    >>> p = init_params(0, hidden=16, m=8, d=4)
    >>> {name: p[name].shape for name in ("enc_W2", "enc_b2", "dec_W1")}
    {'enc_W2': (16, 8, 4), 'enc_b2': (8, 4), 'dec_W1': (32, 16)}
    """
    gen = as_generator(rng)
    n_pixels = check_n(n_pixels, "n_pixels", what="the number of pixels")
    hidden = check_n(hidden, "hidden", what="the width of the hidden layer")
    m = check_n(m, "m", what="the number of categorical latents")
    d = check_n(d, "d", low=2, what="the number of categories")
    out_bias = np.zeros(n_pixels)
    if pixel_mean is not None:
        mean = as_float_array(pixel_mean, "pixel_mean")
        if mean.shape != (n_pixels,) or not ((mean >= 0) & (mean <= 1)).all():
            raise ValueError(f"pixel_mean must be {n_pixels} numbers in [0, 1]; got {mean.shape}")
        c = np.clip(mean, 0.01, 0.99)
        out_bias = np.log(c / (1 - c))
    return {
        "enc_W1": gen.normal(0.0, 1 / np.sqrt(n_pixels), (n_pixels, hidden)),
        "enc_b1": np.zeros(hidden),
        "enc_W2": gen.normal(0.0, 1 / np.sqrt(hidden), (hidden, m, d)),
        "enc_b2": np.zeros((m, d)),
        "dec_W1": gen.normal(0.0, 1 / np.sqrt(m), (m * d, hidden)),
        "dec_b1": np.zeros(hidden),
        "dec_W2": gen.normal(0.0, 1 / np.sqrt(hidden), (hidden, n_pixels)),
        "dec_b2": out_bias,
    }


def encode(params: Params, xb: np.ndarray) -> tuple[np.ndarray, tuple]:
    r"""Encoder forward: pixels (n, P) to logits :math:`x` (n, m, d), and the cache.

    :math:`x = \tanh(b W_1 + b_1) W_2 + b_2` (:func:`dense`, then ``tanh``, then
    :func:`dense`), reshaped to one row of ``d`` logits per choice.

    Examples
    --------
    >>> p = init_params(0, hidden=8, m=2, d=3)
    >>> encode(p, np.zeros((5, 64)))[0].shape
    (5, 2, 3)
    """
    h = np.tanh(dense(xb, params["enc_W1"], params["enc_b1"]))
    W2, b2 = params["enc_W2"], params["enc_b2"]
    x = dense(h, W2.reshape(*W2.shape[:-2], -1), b2.reshape(*b2.shape[:-2], -1))
    return x.reshape(*x.shape[:-1], *b2.shape[-2:]), (xb, h)


def encode_backward(params: Params, cache: tuple, grad_logits: np.ndarray) -> Params:
    r"""Encoder backward: :math:`\partial J/\partial x` (n, m, d) to the encoder's parameters.

    Returns a dict with the four ``enc_*`` gradients.

    Examples
    --------
    >>> p = init_params(0, hidden=8, m=2, d=3)
    >>> x, cache = encode(p, np.ones((5, 64)))
    >>> g = encode_backward(p, cache, np.ones_like(x))
    >>> g["enc_b2"]  # each logit's bias collects the gradient of 5 images
    array([[5., 5., 5.],
           [5., 5., 5.]])
    """
    xb, h = cache
    W2 = params["enc_W2"]
    g = grad_logits.reshape(*grad_logits.shape[:-2], -1)
    grad_h, grad_W2, grad_b2 = dense_backward(h, W2.reshape(*W2.shape[:-2], -1), g)
    grad_a = tanh_backward(h, grad_h)
    grad_W1 = _T(xb) @ grad_a  # the pixels need no gradient: skip dense_backward's grad_a
    return {
        "enc_W1": grad_W1,
        "enc_b1": grad_a.sum(axis=-2),
        "enc_W2": grad_W2.reshape(W2.shape),
        "enc_b2": grad_b2.reshape(params["enc_b2"].shape),
    }


def decode(params: Params, z: np.ndarray) -> tuple[np.ndarray, tuple]:
    r"""Decoder forward: latents (n, m, d), one-hot or relaxed, to pixel logits :math:`\ell` (n, P).

    :math:`\ell = \tanh(z V_1 + c_1) V_2 + c_2`, with ``z`` flattened to ``m * d``
    numbers.

    Examples
    --------
    >>> p = init_params(0, hidden=8, m=2, d=3)
    >>> decode(p, np.zeros((5, 2, 3)))[0].shape
    (5, 64)
    """
    zf = z.reshape(*z.shape[:-2], -1)
    h = np.tanh(dense(zf, params["dec_W1"], params["dec_b1"]))
    return dense(h, params["dec_W2"], params["dec_b2"]), (zf, h, z.shape)


def decode_backward(
    params: Params, cache: tuple, grad_pixel_logits: np.ndarray, weights: bool = True
) -> tuple[Params, np.ndarray]:
    r"""Decoder backward: :math:`\partial J/\partial \ell` (n, P) to the ``dec_*`` weights, ``z``.

    With ``weights=False`` only :math:`\partial J/\partial z` is computed (``grads`` is
    empty): all that the encoder's logits need.

    Returns
    -------
    grads : dict
        The four ``dec_*`` gradients.
    grad_z : numpy.ndarray, shape (n, m, d)
        :math:`\partial J/\partial z`: what the relaxed estimators push back to the encoder.

    Examples
    --------
    >>> p = init_params(0, hidden=8, m=1, d=3)
    >>> ell, cache = decode(p, np.eye(3)[:, None, :])
    >>> grads, grad_z = decode_backward(p, cache, np.ones_like(ell))
    >>> grads["dec_b2"].shape, grad_z.shape
    ((64,), (3, 1, 3))
    """
    zf, h, z_shape = cache
    if not weights:
        grad_a = tanh_backward(h, grad_pixel_logits @ _T(params["dec_W2"]))
        return {}, (grad_a @ _T(params["dec_W1"])).reshape(z_shape)
    grad_h, grad_W2, grad_b2 = dense_backward(h, params["dec_W2"], grad_pixel_logits)
    grad_a = tanh_backward(h, grad_h)
    grad_z, grad_W1, grad_b1 = dense_backward(zf, params["dec_W1"], grad_a)
    grads = {"dec_W1": grad_W1, "dec_b1": grad_b1, "dec_W2": grad_W2, "dec_b2": grad_b2}
    return grads, grad_z.reshape(z_shape)


# --- the exact ELBO (one categorical: enumerate its d values) --------------------------


def category_images(params: Params) -> np.ndarray:
    r"""The decoder's pixel logits for each category, shape (d, P) (one categorical, ``m = 1``).

    :math:`\sigma` of row :math:`i` is the image the decoder draws for :math:`z = e_i`.

    Examples
    --------
    >>> category_images(init_params(0, hidden=8)).shape
    (10, 64)
    """
    m, d = _latent_shape(_check_params(params))
    if m != 1:
        raise ValueError(f"category_images needs one categorical (m = 1); got m = {m}")
    return decode(params, np.eye(d)[:, None, :])[0]


def reconstruction_table(params: Params, xb: ArrayLike) -> np.ndarray:
    r"""The table :math:`f_{ni} = \log p(b_n \mid z = e_i)`, shape (n, d), for ``m = 1``.

    Examples
    --------
    >>> reconstruction_table(init_params(0, hidden=8), np.zeros((3, 64))).shape
    (3, 10)
    """
    params, x = _check_model_input(params, xb)
    ell = category_images(params)
    return x @ ell.T - np.logaddexp(0.0, ell).sum(axis=1)


def elbo_exact(params: Params, xb: ArrayLike) -> np.ndarray:
    r"""The exact ELBO of each image, by enumerating the ``d`` categories (``m = 1``).

    .. math::

        \mathcal{L}(b) = \sum_{i=0}^{d-1} q_i \log p(b \mid e_i)
        - \mathrm{KL}(q \,\|\, \text{uniform}).

    Examples
    --------
    >>> p = init_params(0, hidden=8, pixel_mean=np.full(64, 0.5))
    >>> elbo_exact(p, np.zeros((2, 64))).shape
    (2,)
    """
    params, x = _check_model_input(params, xb)
    logits = encode(params, x)[0]
    q = _softmax(logits)[:, 0, :]
    return (q * reconstruction_table(params, x)).sum(axis=1) - kl_to_uniform(logits)


def elbo_monte_carlo(
    params: Params, xb: ArrayLike, n_samples: int = 100, rng: Any = None
) -> tuple[float, float]:
    r"""The mean ELBO of the images estimated by sampling :math:`z` (any ``m``), and its stderr.

    The reconstruction term is averaged over ``n_samples`` exact samples
    :math:`z \sim q` per image (Gumbel-max); the KL term is exact. Unbiased.

    Returns
    -------
    mean, stderr : float
        The estimate of :math:`\frac1N \sum_n \mathcal{L}(b_n)` and its standard error.

    Examples
    --------
    >>> p = init_params(0, hidden=8)
    >>> xb = np.zeros((50, 64))
    >>> mc, se = elbo_monte_carlo(p, xb, n_samples=400, rng=0)
    >>> bool(abs(mc - elbo_exact(p, xb).mean()) < 3 * se)
    True
    """
    params, x = _check_model_input(params, xb)
    s = check_n(n_samples, "n_samples", low=2)
    logits = _by_rows(lambda rows: encode(params, rows)[0], x)
    n, (m, d) = x.shape[0], logits.shape[1:]
    g = gumbel_noise((s, n, m, d), rng=as_generator(rng))
    z = _one_hot((logits + g).argmax(axis=-1), d)
    ell = _by_rows(lambda rows: decode(params, rows)[0], z.reshape(s * n, m, d))
    f = bernoulli_log_likelihood(x, ell.reshape(s, n, -1))  # (s, n): x broadcast over samples
    per_image = f.mean(axis=0) - kl_to_uniform(logits)
    se = np.sqrt((f.var(axis=0, ddof=1) / s).sum()) / n
    return float(per_image.mean()), float(se)


def relaxed_decoding(
    params: Params, image: ArrayLike, noise: ArrayLike, tau: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""Decode the relaxed latent of one image: :math:`y = \operatorname{softmax}((x + g)/\tau)`.

    :math:`x` are the encoder's logits for ``image`` (one categorical, ``m = 1``) and
    ``noise`` is a fixed Gumbel draw :math:`g` of ``d`` numbers. As :math:`\tau \to 0`,
    :math:`y` becomes the one-hot Gumbel-max sample and the picture the decoder's image
    of that category; as :math:`\tau` grows, :math:`y` tends to the centre of the
    simplex and the picture to a blend of all categories.

    Returns
    -------
    y : numpy.ndarray, shape (d,)
        The relaxed latent.
    pixels : numpy.ndarray, shape (P,)
        The decoded pixel probabilities :math:`\sigma(\ell)`.

    Examples
    --------
    >>> p = init_params(0, hidden=8)
    >>> y, pixels = relaxed_decoding(p, np.ones(64), gumbel_noise(10, rng=0), tau=0.01)
    >>> float(y.max()), pixels.shape
    (1.0, (64,))
    """
    params = _check_params(params)
    flat = np.reshape(as_float_array(image, "image"), (1, -1))
    x_img = _check_pixels(flat, params["dec_b2"].shape[0])
    m, d = _latent_shape(params)
    if m != 1:
        raise ValueError(f"relaxed_decoding needs one categorical (m = 1); got m = {m}")
    g = as_float_array(noise, "noise")
    if g.shape != (d,) or not np.isfinite(g).all():
        raise ValueError(f"noise must be {d} finite numbers (one per category); got {g.shape}")
    logits = encode(params, x_img)[0][0, 0]
    y = softmax(logits + g, tau=check_tau(tau))
    return y, _sigmoid(decode(params, y[None, None, :])[0][0])


# --- the gradient estimators -----------------------------------------------------------

#: The two objectives of the relaxed VAE (``kl`` of :func:`grads_gumbel_softmax`).
KL_CHOICES = ("categorical", "concrete")


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


def _exact_parts(params: Params, xb: np.ndarray) -> tuple:
    """The exact gradient in the logits, each image's ELBO and the decoder's grads (``m = 1``).

    Works for one model or a stack of models (leading axes on every parameter and on ``xb``).
    """
    n, d = xb.shape[-2], params["enc_b2"].shape[-1]
    lead = params["enc_b2"].shape[:-2]
    logits, enc_cache = encode(params, xb)
    q = _softmax(logits)[..., 0, :]
    ell, dec_cache = decode(params, np.broadcast_to(np.eye(d)[:, None, :], (*lead, d, 1, d)))
    f = xb @ _T(ell) - np.logaddexp(0.0, ell).sum(axis=-1)[..., None, :]  # (..., n, d)
    kl, kl_grad = _kl_terms(logits)
    elbo = (q * f).sum(axis=-1) - kl
    grad_rec = q * (f - (q * f).sum(axis=-1, keepdims=True))
    grad_logits = (kl_grad - grad_rec[..., None, :]) / n
    grad_ell = -(_T(q) @ xb - q.sum(axis=-2)[..., :, None] * _sigmoid(ell)) / n
    dec = decode_backward(params, dec_cache, grad_ell)[0]
    return enc_cache, grad_logits, dec, elbo


def grads_exact(params: Params, xb: ArrayLike) -> Estimate:
    r"""The exact gradient of :math:`-\frac1N\sum_n \mathcal{L}(b_n)`, by enumeration (``m = 1``).

    With :math:`f_{ni} = \log p(b_n \mid e_i)` (:func:`reconstruction_table`) and
    :math:`q_n = \operatorname{softmax}(x_n)`, as in notebook 06:

    .. math::

        \frac{\partial \mathcal{L}(b_n)}{\partial x_n}
        = q_n \odot \bigl(f_n - \langle q_n, f_n\rangle\bigr) - \nabla_{x_n}\mathrm{KL},
        \qquad
        \frac{\partial \mathcal{L}(b_n)}{\partial \ell_i}
        = q_{ni}\,\bigl(b_n - \sigma(\ell_i)\bigr),

    where :math:`\ell_i` are the pixel logits of category :math:`i`.

    Examples
    --------
    >>> p = init_params(0, hidden=8)
    >>> est = grads_exact(p, np.ones((4, 64)))
    >>> est.grad_logits.shape, sorted(est.grads) == sorted(PARAM_NAMES)
    ((4, 1, 10), True)
    """
    params, xb = _check_model_input(params, xb)
    m, d = _latent_shape(params)
    if m != 1:
        raise ValueError(f"the exact gradient enumerates one categorical (m = 1); got m = {m}")
    return _finish(params, *_exact_parts(params, xb))


def _noise(rng: Any, s: int, logits: np.ndarray) -> np.ndarray:
    """Gumbel noise of shape (s, *logits.shape) from one generator, or, for a stack of
    models, (S, s, *logits.shape[1:]) from a list of S generators (one per model)."""
    if isinstance(rng, list):
        return np.stack([gumbel_noise((s, *logits.shape[1:]), rng=g) for g in rng])
    return gumbel_noise((s, *logits.shape), rng=as_generator(rng))


def _decoder_pass(params: Params, xb: np.ndarray, z: np.ndarray, backward: str = "all") -> tuple:
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
    xs = xb[..., None, :, :]  # the images broadcast over the s samples
    f = None if backward in ("z", "grads") else bernoulli_log_likelihood(xs, ell)
    if backward == "none":
        return f, None, None
    grad_ell = (-bernoulli_log_likelihood_grad(xs, ell) / (s * n)).reshape(*lead, s * n, -1)
    dec, grad_z = decode_backward(params, cache, grad_ell, weights=backward != "z")
    return f, dec, grad_z.reshape(z.shape)


def _exp_concrete_log_density(
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


def _relaxed_logit_grads(
    params: Params,
    xb: np.ndarray,
    logits: np.ndarray,
    tau: float,
    rng: Any,
    n_samples: int,
    hard: bool,
    backward: str = "all",
    kl: str = "categorical",
    prior_tau: float | None = None,
) -> tuple:
    """The (ST) Gumbel-softmax gradient in the ``logits`` of the images ``xb``.

    Returns it, the estimate of each image's ELBO and the decoder's grads; with
    ``backward="z"`` only the first (the others are None, see :func:`_decoder_pass`).
    With ``kl="concrete"`` the KL term is the one-sample ExpConcrete estimate
    (:func:`grads_gumbel_softmax`).
    """
    n = xb.shape[-2]
    w = logits[..., None, :, :, :] + _noise(rng, n_samples, logits)  # (..., s, n, m, d)
    if kl == "concrete":
        return _concrete_logit_grads(params, xb, logits, w, tau, prior_tau, backward)
    with np.errstate(over="ignore"):  # τ → 0: (w - max)/τ → -inf, exp → 0, the one-hot limit
        y = _softmax(w, tau)
    z = _one_hot(w.argmax(axis=-1), y.shape[-1]) if hard else y
    f, dec, grad_z = _decoder_pass(params, xb, z, backward)
    kl_value, kl_grad = _kl_terms(logits)
    grad_logits = _softmax_vjp(y, grad_z, tau).sum(axis=-4) + kl_grad / n
    return grad_logits, None if f is None else f.mean(axis=-2) - kl_value, dec


def _concrete_logit_grads(
    params: Params,
    xb: np.ndarray,
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
    s, n = w.shape[-4], xb.shape[-2]
    shifted = w - w.max(axis=-1, keepdims=True)
    with np.errstate(over="ignore", divide="ignore"):
        lse = np.log(np.exp(shifted / tau).sum(axis=-1, keepdims=True))
        log_y = shifted / tau - lse
    y = np.exp(log_y)
    # x - τζ = x - (w - max w) + τ lse: finite even where ζ = -inf (τ → 0)
    a_q = logits[..., None, :, :, :] - shifted + tau * lse
    log_y = np.maximum(log_y, np.log(np.finfo(np.float64).tiny))  # -inf → -708: y is 0 anyway
    log_q, r_q = _exp_concrete_log_density(log_y, logits[..., None, :, :, :], tau, a=a_q)
    log_p, r_p = _exp_concrete_log_density(log_y, 0.0, lam)
    kl_sample = (log_q - log_p).sum(axis=-1)  # (..., s, n): summed over the m choices
    f, dec, grad_z = _decoder_pass(params, xb, y, backward)
    # dJ/dζ: the decoder's (through y = e^ζ) and the KL's, J = -(1/(s n)) Σ (f - KL)
    u = grad_z * y + (-tau * r_q + lam * r_p) / (s * n)
    grad_zeta_to_x = (u - y * u.sum(axis=-1, keepdims=True)) / tau
    grad_logits = (grad_zeta_to_x + r_q / (s * n)).sum(axis=-4)
    return grad_logits, None if f is None else (f - kl_sample).mean(axis=-2), dec


def _relaxed(
    params: Params,
    xb: ArrayLike,
    tau: float,
    rng: Any,
    n_samples: int,
    hard: bool,
    kl: str = "categorical",
    prior_tau: float | None = None,
):
    params, xb = _check_model_input(params, xb)
    n_samples = check_n(n_samples, "n_samples")
    logits, enc_cache = encode(params, xb)
    grad_logits, elbo, dec = _relaxed_logit_grads(
        params, xb, logits, tau, rng, n_samples, hard, kl=kl, prior_tau=prior_tau
    )
    return _finish(params, enc_cache, grad_logits, dec, elbo)


def _check_kl(kl: Any, prior_tau: Any, name: str = "gumbel_softmax") -> tuple[str, float | None]:
    kl = check_choice(kl, "kl", KL_CHOICES)
    if kl == "concrete" and name != "gumbel_softmax":
        raise ValueError(
            f'kl="concrete" is the relaxed objective of Gumbel-softmax (Maddison et al.); '
            f"the estimator {name!r} decodes one-hot samples and takes the categorical KL"
        )
    if prior_tau is not None:
        if kl != "concrete":
            raise ValueError(
                'prior_tau is the prior\'s temperature of kl="concrete"; got kl=' + repr(kl)
            )
        prior_tau = check_tau(prior_tau, "prior_tau")
    return kl, prior_tau


def grads_gumbel_softmax(
    params: Params,
    xb: ArrayLike,
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
    >>> p = init_params(0, hidden=8)
    >>> grads_gumbel_softmax(p, np.ones((4, 64)), tau=0.5, rng=0, n_samples=3).grad_logits.shape
    (4, 1, 10)
    >>> est = grads_gumbel_softmax(p, np.ones((4, 64)), tau=0.5, rng=0, kl="concrete")
    >>> est.grad_logits.shape
    (4, 1, 10)
    """
    kl, prior_tau = _check_kl(kl, prior_tau)
    return _relaxed(params, xb, check_tau(tau), rng, n_samples, False, kl, prior_tau)


def grads_st_gumbel(
    params: Params, xb: ArrayLike, tau: float, rng: Any = None, n_samples: int = 1
) -> Estimate:
    r"""Straight-through Gumbel-softmax: decode the one-hot sample, backpropagate as if relaxed.

    The decoder sees :math:`z = e_K`, :math:`K = \arg\max_i (x_i + g_i)` (an exact sample
    of :math:`q`), and :math:`u = \partial J/\partial z` goes back through the Jacobian of
    :math:`y = \operatorname{softmax}((x + g)/\tau)`: PyTorch's ``gumbel_softmax(hard=True)``.
    Biased at every :math:`\tau`.

    Examples
    --------
    >>> p = init_params(0, hidden=8)
    >>> est = grads_st_gumbel(p, np.ones((4, 64)), tau=0.5, rng=0)
    >>> est.grad_logits.shape
    (4, 1, 10)
    """
    return _relaxed(params, xb, check_tau(tau), rng, n_samples, hard=True)


def grads_reinforce_loo(
    params: Params, xb: ArrayLike, rng: Any = None, n_samples: int = 4
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
    >>> p = init_params(0, hidden=8)
    >>> grads_reinforce_loo(p, np.ones((4, 64)), rng=0).grad_logits.shape
    (4, 1, 10)
    """
    params, xb = _check_model_input(params, xb)
    s = check_n(n_samples, "n_samples", low=2)
    logits, enc_cache = encode(params, xb)
    grad_logits, elbo, dec = _reinforce_logit_grads(params, xb, logits, rng, s)
    return _finish(params, enc_cache, grad_logits, dec, elbo)


def _reinforce_logit_grads(
    params: Params, xb: np.ndarray, logits: np.ndarray, rng: Any, s: int, backward: str = "all"
) -> tuple:
    """REINFORCE + LOO in the ``logits`` of the images ``xb``, each image's ELBO, dec grads.

    The decoder's grads are None with ``backward="none"`` (see :func:`_decoder_pass`).
    """
    n = xb.shape[-2]
    q = _softmax(logits, 1.0)[..., None, :, :, :]
    w = logits[..., None, :, :, :] + _noise(rng, s, logits)
    z = _one_hot(w.argmax(axis=-1), logits.shape[-1])  # (..., s, n, m, d)
    f, dec, _ = _decoder_pass(params, xb, z, backward)
    baseline = (f.sum(axis=-2, keepdims=True) - f) / (s - 1)
    grad_rec = ((f - baseline)[..., None, None] * (z - q)).mean(axis=-4)
    kl, kl_grad = _kl_terms(logits)
    return (kl_grad - grad_rec) / n, f.mean(axis=-2) - kl, dec


def _estimate_parts(
    name: str,
    params: Params,
    xb: np.ndarray,
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
        return _exact_parts(params, xb)
    logits, enc_cache = encode(params, xb)
    if name == "reinforce_loo":
        grad_logits, elbo, dec = _reinforce_logit_grads(params, xb, logits, rng, n_samples)
    else:
        hard = name == "st_gumbel"
        backward = "all" if elbo else "grads"
        grad_logits, elbo, dec = _relaxed_logit_grads(
            params, xb, logits, tau, rng, n_samples, hard, backward, kl, prior_tau
        )
    return enc_cache, grad_logits, dec, elbo


def estimate_gradients(
    name: str,
    params: Params,
    xb: ArrayLike,
    tau: float = 1.0,
    rng: Any = None,
    n_samples: int = 4,
    kl: str = "categorical",
    prior_tau: float | None = None,
) -> Estimate:
    r"""The :class:`Estimate` of the estimator called ``name`` (one of :data:`ESTIMATORS`).

    Calls :func:`grads_exact` (``tau``, ``rng`` and
    ``n_samples`` unused), :func:`grads_gumbel_softmax` (with ``kl`` and ``prior_tau``),
    :func:`grads_st_gumbel` or :func:`grads_reinforce_loo` (``tau`` unused). ``n_samples``
    latents per image for the three stochastic estimators: the same budget of decoder
    passes for each.

    Examples
    --------
    >>> p = init_params(0, hidden=8)
    >>> [estimate_gradients(e, p, np.ones((3, 64)), 0.5, rng=0).grad_logits.shape
    ...  for e in ESTIMATORS]
    [(3, 1, 10), (3, 1, 10), (3, 1, 10), (3, 1, 10)]
    """
    name = check_choice(name, "name", ESTIMATORS)
    tau = check_tau(tau)
    if name == "gumbel_softmax":
        return grads_gumbel_softmax(params, xb, tau, rng, n_samples, kl, prior_tau)
    _check_kl(kl, prior_tau, name)
    if name == "exact":
        return grads_exact(params, xb)
    if name == "st_gumbel":
        return grads_st_gumbel(params, xb, tau, rng, n_samples)
    return grads_reinforce_loo(params, xb, rng, n_samples)


def logit_gradient_samples(
    name: str,
    params: Params,
    xb: ArrayLike,
    n_repeats: int,
    tau: float = 1.0,
    rng: Any = None,
    n_samples: int = 4,
) -> np.ndarray:
    r"""``n_repeats`` independent estimates of the gradient of each image's ELBO in its logits.

    Row ``r`` is what :func:`estimate_gradients` would return (with the sign flipped
    and times ``n``: :math:`\partial \mathcal{L}(b_i) / \partial x_i` for every image
    :math:`i`) with fresh noise. All repeats run in one vectorised call on the batch
    tiled ``n_repeats`` times: the encoder is deterministic, so it runs once and each
    copy of an image only differs by its noise; no parameter gradient is computed.
    Compare them with :func:`gumbel_lib.estimators.bias_std`.

    Returns
    -------
    numpy.ndarray, shape (n_repeats, n, m, d)

    Examples
    --------
    >>> p = init_params(0, hidden=8)
    >>> xb = np.ones((3, 64))
    >>> g = logit_gradient_samples("reinforce_loo", p, xb, 2000, rng=0)
    >>> exact = -3 * grads_exact(p, xb).grad_logits
    >>> g.shape, bool(np.abs(g.mean(axis=0) - exact).max() < 0.05)
    ((2000, 3, 1, 10), True)
    """
    name = check_choice(name, "name", ESTIMATORS)
    params, x = _check_model_input(params, xb)
    tau = check_tau(tau)
    r = check_n(n_repeats, "n_repeats", what="the number of repeats")
    n = x.shape[0]
    if name == "exact":  # no noise: every repeat is the same
        grad = np.tile(grads_exact(params, x).grad_logits / r, (r, 1, 1))  # as if on r·n images
    else:
        s = check_n(n_samples, "n_samples", low=2 if name == "reinforce_loo" else 1)
        logits, xr = np.tile(encode(params, x)[0], (r, 1, 1)), np.tile(x, (r, 1))
        if name == "reinforce_loo":
            grad = _reinforce_logit_grads(params, xr, logits, rng, s, backward="none")[0]
        else:
            hard = name == "st_gumbel"
            grad = _relaxed_logit_grads(params, xr, logits, tau, rng, s, hard, "z")[0]
    return -(r * n) * grad.reshape(r, n, *grad.shape[1:])


# --- optimisation ----------------------------------------------------------------------


class AdamState(NamedTuple):
    """Adam's running moments (one array per parameter) and its step count."""

    m: Params
    v: Params
    t: int


def adam_init(params: Params) -> AdamState:
    """Zero moments for every parameter, step 0.

    Examples
    --------
    >>> adam_init({"w": np.ones(2)}).t
    0
    """
    params = _check_arrays(params, "params")
    zeros = {name: np.zeros_like(value) for name, value in params.items()}
    return AdamState(zeros, {name: z.copy() for name, z in zeros.items()}, 0)


def adam_step(
    params: Params,
    grads: Params,
    state: AdamState,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[Params, AdamState]:
    r"""One Adam step (Kingma & Ba 2015); returns new parameters and state (inputs untouched).

    .. math::

        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \theta_t = \theta_{t-1}
        - \eta\,\frac{m_t / (1-\beta_1^t)}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}.

    ``lr`` (:math:`\eta`) and ``eps`` must be finite and > 0, ``beta1`` and ``beta2`` in
    [0, 1): a negative learning rate would climb the loss.

    Examples
    --------
    The first step moves every parameter by about ``lr`` against the sign of its gradient:

    >>> w, grad = {"w": np.zeros(2)}, {"w": np.array([3.0, -0.1])}
    >>> new, state = adam_step(w, grad, adam_init(w), lr=0.1)
    >>> new["w"].round(6), state.t
    (array([-0.1,  0.1]), 1)
    """
    params, grads = _check_arrays(params, "params"), _check_arrays(grads, "grads")
    if set(grads) != set(params):
        raise ValueError(
            f"grads must have the keys of params {sorted(params)}; got {sorted(grads)}"
        )
    lr = check_real(lr, "lr", low=0, low_open=True)
    beta1 = check_real(beta1, "beta1", low=0, high=1, high_open=True)
    beta2 = check_real(beta2, "beta2", low=0, high=1, high_open=True)
    eps = check_real(eps, "eps", low=0, low_open=True)
    return _adam_update(params, grads, state, lr, beta1, beta2, eps)


def _adam_in_place(theta: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, t: int, lr):
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


def _adam_update(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """:func:`adam_step` without the checks (the training loop checks once)."""
    t = state.t + 1
    m = {name: beta1 * state.m[name] + (1 - beta1) * g for name, g in grads.items()}
    v = {name: beta2 * state.v[name] + (1 - beta2) * g * g for name, g in grads.items()}
    c1, c2 = 1 - beta1**t, 1 - beta2**t
    new = {
        name: params[name] - lr * (m[name] / c1) / (np.sqrt(v[name] / c2) + eps) for name in params
    }
    return new, AdamState(m, v, t)


def tau_schedule(
    step: int | np.ndarray, tau0: float = 1.0, rate: float = 1e-3, tau_min: float = 0.5
) -> np.ndarray:
    r"""The annealed temperature of Jang, Gu & Poole (2017), at step :math:`t`.

    .. math:: \tau_t = \max(\tau_{\min}, \tau_0 e^{-r t})

    ``step`` is a step count (an int >= 0) or a NumPy array of them, ``rate`` a finite
    number >= 0.

    Examples
    --------
    >>> tau_schedule(np.array([0, 1000, 5000]), tau0=1.0, rate=1e-3, tau_min=0.5).round(3)
    array([1. , 0.5, 0.5])
    >>> round(float(tau_schedule(500)), 3)
    0.607
    """
    tau0, tau_min = check_tau(tau0, "tau0"), check_tau(tau_min, "tau_min")
    rate = check_real(rate, "rate", low=0)
    if isinstance(step, (bool, np.bool_)) or not (
        isinstance(step, numbers.Integral)
        or (isinstance(step, np.ndarray) and step.dtype.kind in "iu")
    ):
        raise TypeError(
            f"step must be an int >= 0 or a NumPy array of them (step counts); got {step!r}"
        )
    t = np.asarray(step)
    if (t < 0).any():
        raise ValueError(f"step must be >= 0 (a step count); got {step!r}")
    return np.maximum(tau_min, tau0 * np.exp(-rate * t.astype(np.float64)))


class TrainResult(NamedTuple):
    """The outcome of :func:`train`."""

    params: Params
    """The trained parameters."""
    steps: np.ndarray
    """The steps at which the ELBO was evaluated (0 = before training)."""
    elbo: np.ndarray
    """The mean ELBO of the evaluation images at those steps (exact if ``m = 1``)."""
    taus: np.ndarray
    """The temperature used at every step."""
    checkpoints: dict[int, Params]
    """Copies of the parameters at the requested steps."""
    seconds: float
    """Wall-clock time of the training steps (evaluations excluded)."""


class SeedsResult(NamedTuple):
    """The outcome of :func:`train_seeds`: one model per seed, trained together."""

    params: list[Params]
    """The trained parameters, one dict per seed."""
    steps: np.ndarray
    """The steps at which the ELBO was evaluated (0 = before training)."""
    elbo: np.ndarray
    """The mean ELBO of the evaluation images, shape (n_seeds, len(steps))."""
    taus: np.ndarray
    """The temperature used at every step (the same for every seed)."""
    checkpoints: dict[int, list[Params]]
    """Copies of the parameters at the requested steps, one dict per seed."""
    seconds: float
    """Wall-clock time of the training steps of all seeds (evaluations excluded)."""


def train(
    xb: ArrayLike,
    name: str,
    steps: int = 1000,
    *,
    batch_size: int = 100,
    lr: float = 3e-3,
    hidden: int = 64,
    m: int = 1,
    d: int = 10,
    n_samples: int = 4,
    tau: Callable[[int], float] | float = 1.0,
    kl: str = "categorical",
    prior_tau: float | None = None,
    seed: Any = 0,
    eval_xb: ArrayLike | None = None,
    eval_every: int = 100,
    eval_samples: int = 4,
    checkpoints: tuple[int, ...] = (),
) -> TrainResult:
    r"""Train the VAE on binary images ``xb`` with Adam and the estimator ``name``.

    The initial parameters, the minibatch order and the Gumbel noise come from three
    generators spawned from ``seed`` (a non-negative int, or a ``numpy.random.Generator``,
    checked by ``as_generator``): two estimators trained with the same seed start
    from the same model and see the same minibatches. ``tau`` is a number or a function
    of the step (e.g. a :func:`tau_schedule`); ``kl`` and ``prior_tau`` choose the
    objective of Gumbel-softmax (:func:`grads_gumbel_softmax`). Every ``eval_every`` steps
    the mean ELBO of the images ``eval_xb`` (default: the training images ``xb``) is
    recorded: exact (:func:`elbo_exact`) for ``m = 1``, else :func:`elbo_monte_carlo`
    with ``eval_samples`` samples per image and a fixed seed. :func:`train_seeds` with
    ``seeds=[seed]``, unpacked.

    Examples
    --------
    >>> xb = (np.random.default_rng(0).random((200, 64)) < 0.3).astype(float)
    >>> res = train(xb, "exact", 50, eval_every=50, hidden=16)
    >>> res.steps, bool(res.elbo[-1] > res.elbo[0])
    (array([ 0, 50]), True)
    """
    if isinstance(seed, (list, tuple, np.ndarray)):
        raise TypeError(
            "seed must be one non-negative int or a numpy.random.Generator; "
            "for several seeds call train_seeds(..., seeds=[...])"
        )
    res = train_seeds(
        xb,
        name,
        steps,
        seeds=[seed],
        batch_size=batch_size,
        lr=lr,
        hidden=hidden,
        m=m,
        d=d,
        n_samples=n_samples,
        tau=tau,
        kl=kl,
        prior_tau=prior_tau,
        eval_xb=eval_xb,
        eval_every=eval_every,
        eval_samples=eval_samples,
        checkpoints=checkpoints,
    )
    saved = {step: models[0] for step, models in res.checkpoints.items()}
    return TrainResult(res.params[0], res.steps, res.elbo[0], res.taus, saved, res.seconds)


def _check_steps(checkpoints: Any, steps: int) -> set[int]:
    if isinstance(checkpoints, (str, bytes)) or not isinstance(
        checkpoints, (tuple, list, set, frozenset, range, np.ndarray)
    ):
        raise TypeError(
            f"checkpoints must be a tuple of steps (ints from 0 to {steps}); "
            f"got {type(checkpoints).__name__} {checkpoints!r}"
        )
    return {
        check_int(c, "checkpoints", low=0, high=steps, what="a step of the training")
        for c in checkpoints
    }


def train_seeds(
    xb: ArrayLike,
    name: str,
    steps: int = 1000,
    *,
    seeds: Any = (0, 1, 2, 3, 4),
    batch_size: int = 100,
    lr: float = 3e-3,
    hidden: int = 64,
    m: int = 1,
    d: int = 10,
    n_samples: int = 4,
    tau: Callable[[int], float] | float = 1.0,
    kl: str = "categorical",
    prior_tau: float | None = None,
    eval_xb: ArrayLike | None = None,
    eval_every: int = 100,
    eval_samples: int = 4,
    checkpoints: tuple[int, ...] = (),
) -> SeedsResult:
    r"""Train one model per seed, all together: what :func:`train` does, for every seed.

    Every parameter gets a leading axis, one entry per seed, and every layer runs on the
    whole stack at once (``a @ W`` multiplies matching matrices of the stack), so ``S``
    seeds cost little more than one run. Seed ``i``'s model is the one
    ``train(..., seed=seeds[i])`` trains (up to rounding): its own initial parameters,
    minibatch order and Gumbel noise, from three generators spawned from its seed. The
    other arguments are those of :func:`train`.

    Examples
    --------
    >>> xb = (np.random.default_rng(0).random((200, 64)) < 0.3).astype(float)
    >>> res = train_seeds(xb, "reinforce_loo", 40, seeds=[0, 1, 2], eval_every=40, hidden=8)
    >>> res.elbo.shape, len(res.params)
    ((3, 2), 3)
    >>> one = train(xb, "reinforce_loo", 40, seed=1, eval_every=40, hidden=8)
    >>> bool(np.allclose(one.elbo, res.elbo[1]))
    True
    """
    x = as_float_array(xb, "xb")
    n_pixels = x.shape[-1] if x.ndim == 2 else 64
    x = _check_pixels(x, n_pixels)
    name = check_choice(name, "name", ESTIMATORS)
    kl, prior_tau = _check_kl(kl, prior_tau, name)
    steps = check_n(steps, "steps", what="the number of training steps")
    batch_size = check_n(batch_size, "batch_size", what="the minibatch size")
    lr = check_real(lr, "lr", low=0, low_open=True)
    eval_every = check_n(eval_every, "eval_every", what="steps between evaluations")
    eval_samples = check_n(eval_samples, "eval_samples", low=2, what="latents per image")
    m = check_n(m, "m", what="the number of categorical latents")
    if name == "exact" and m != 1:
        raise ValueError(f'name="exact" enumerates one categorical (m = 1); got m = {m}')
    n_samples = check_n(
        n_samples, "n_samples", low=2 if name == "reinforce_loo" else 1, what="latents per image"
    )
    saved_at = _check_steps(checkpoints, steps)
    fixed_tau = None if callable(tau) else check_tau(tau)
    x_eval = x if eval_xb is None else _check_pixels(eval_xb, n_pixels)
    if isinstance(seeds, (str, bytes, numbers.Number, np.random.Generator)) or not hasattr(
        seeds, "__len__"
    ):
        raise TypeError(f"seeds must be a list of seeds (non-negative ints); got {seeds!r}")
    if len(seeds) == 0:
        raise ValueError("seeds must hold at least one seed")
    gens = [as_generator(s, "seeds") for s in seeds]
    init_rngs, batch_rngs, noise_rngs = zip(*(g.spawn(3) for g in gens), strict=True)
    noise_rngs = list(noise_rngs)
    n_seeds = len(gens)
    pixel_mean = x.mean(axis=0)
    models = [init_params(g, n_pixels, hidden, m, d, pixel_mean=pixel_mean) for g in init_rngs]
    # Adam runs on all parameters of all seeds as one array θ (n_seeds, N): the same update,
    # element by element, in a dozen NumPy calls; ``params`` holds views of θ, with the seed
    # axis first. θ is never changed in place, so saved checkpoints stay valid.
    shapes = [models[0][p].shape for p in PARAM_NAMES]
    ends = np.cumsum([models[0][p].size for p in PARAM_NAMES]).tolist()
    starts = [0, *ends[:-1]]

    def flat(arrays: Params) -> dict[str, np.ndarray]:
        return {"θ": np.concatenate([arrays[p].reshape(n_seeds, -1) for p in PARAM_NAMES], 1)}

    def unflat(theta: np.ndarray) -> Params:
        return {
            p: theta[:, a:b].reshape(n_seeds, *shape)
            for p, a, b, shape in zip(PARAM_NAMES, starts, ends, shapes, strict=True)
        }

    def split(stack: Params) -> list[Params]:
        return [{p: v[i] for p, v in stack.items()} for i in range(n_seeds)]

    theta = flat({p: np.stack([mod[p] for mod in models]) for p in PARAM_NAMES})["θ"]
    params = unflat(theta)
    moment1, moment2 = np.zeros_like(theta), np.zeros_like(theta)

    def evaluate(stack: Params) -> np.ndarray:
        if m == 1:  # blocks of 64 rows: see _by_rows
            blocks = range(0, x_eval.shape[0], 64)
            elbo = [_exact_parts_elbo(stack, x_eval[i : i + 64]) for i in blocks]
            return np.concatenate(elbo, axis=-1).mean(axis=-1)
        return np.array(
            [elbo_monte_carlo(p, x_eval, eval_samples, rng=12345)[0] for p in split(stack)]
        )

    evals, taus, saved = [(0, evaluate(params))], np.empty(steps), {}
    if 0 in saved_at:
        saved[0] = split(params)
    n = x.shape[0]
    orders, pos, seconds = [r.permutation(n) for r in batch_rngs], 0, 0.0
    for t in range(1, steps + 1):
        start = time.perf_counter()
        if pos + batch_size > n:
            orders, pos = [r.permutation(n) for r in batch_rngs], 0
        batch = x[np.stack([o[pos : pos + batch_size] for o in orders])]  # (n_seeds, batch, P)
        pos += batch_size
        taus[t - 1] = fixed_tau if fixed_tau is not None else check_tau(tau(t - 1), "tau(step)")
        enc_cache, grad_logits, dec, _ = _estimate_parts(
            name, params, batch, taus[t - 1], noise_rngs, n_samples, kl, prior_tau, elbo=False
        )
        grads = {**encode_backward(params, enc_cache, grad_logits), **dec}
        theta = _adam_in_place(theta, flat(grads)["θ"], moment1, moment2, t, lr)
        params = unflat(theta)
        seconds += time.perf_counter() - start
        if t % eval_every == 0 or t == steps:
            evals.append((t, evaluate(params)))
        if t in saved_at:
            saved[t] = split(params)
    at = np.array([t for t, _ in evals])
    elbo = np.stack([e for _, e in evals], axis=1)
    return SeedsResult(split(params), at, elbo, taus, saved, seconds)


def _exact_parts_elbo(params: Params, xb: np.ndarray) -> np.ndarray:
    """The exact ELBO of each image (``m = 1``) for one model or a stack: shape (..., n)."""
    d = params["enc_b2"].shape[-1]
    lead = params["enc_b2"].shape[:-2]
    logits = encode(params, xb)[0]
    q = _softmax(logits)[..., 0, :]
    ell = decode(params, np.broadcast_to(np.eye(d)[:, None, :], (*lead, d, 1, d)))[0]
    f = xb @ _T(ell) - np.logaddexp(0.0, ell).sum(axis=-1)[..., None, :]
    return (q * f).sum(axis=-1) - kl_to_uniform(logits)


# --- what the model learned ------------------------------------------------------------


def confusion_matrix(
    assigned: ArrayLike, labels: ArrayLike, d: int, n_labels: int = 10
) -> np.ndarray:
    r"""Counts :math:`C_{ij}` = number of images put in category ``i`` that carry label ``j``.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1], [3, 3, 5], d=2, n_labels=6)[:, 3:]
    array([[2, 0, 0],
           [0, 0, 1]])
    """
    a, y = _int_array(assigned, "assigned"), _int_array(labels, "labels")
    d = check_n(d, "d", what="the number of categories")
    n_labels = check_n(n_labels, "n_labels", what="the number of labels")
    if a.shape != y.shape or a.ndim != 1:
        raise ValueError(
            f"assigned and labels must be 1-d int arrays of the same length; "
            f"got shapes {a.shape} and {y.shape}"
        )
    if a.size and (a.min() < 0 or a.max() >= d or y.min() < 0 or y.max() >= n_labels):
        raise ValueError(f"assigned must lie in 0..{d - 1} and labels in 0..{n_labels - 1}")
    out = np.zeros((d, n_labels), dtype=np.int64)
    np.add.at(out, (a, y), 1)
    return out


def _int_array(value: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name} must be a rectangular array of ints ({err})") from None
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an array of ints; got dtype {arr.dtype}")
    return arr


def cluster_purity(confusion: ArrayLike) -> float:
    r"""Purity of a clustering: each category is given its most frequent label.

    .. math:: \text{purity} = \frac{1}{N}\sum_i \max_j C_{ij}.

    Examples
    --------
    >>> cluster_purity([[8, 2], [1, 9]])
    0.85
    """
    c = as_float_array(confusion, "confusion")
    if c.ndim != 2 or c.sum() <= 0 or (c < 0).any():
        raise ValueError("confusion must be a 2-d array of counts with a positive total")
    return float(c.max(axis=1).sum() / c.sum())
