r"""The VAE itself: its parameters, the encoder and the decoder (forward and backward), and its
ELBO, exact by enumeration (one categorical) or estimated by sampling.

* **Encoder** :math:`q_\theta(z \mid v)`: :math:`x = \tanh(v W_1 + \beta_1) W_2 + \beta_2`, the
  logits :math:`x` of shape ``(m, d)``, and :math:`q = \operatorname{softmax}(x)` per choice.
* **Decoder** :math:`p_\theta(v \mid z)`: :math:`\ell = \tanh(z V_1 + c_1) V_2 + c_2`, the
  pixel logits of the one-hot (or relaxed) latent :math:`z`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_float_array, as_generator, check_n, check_tau
from .._deprecation import renamed_keywords
from .._kernels import one_hot, sigmoid, softmax
from ..gumbel import gumbel_noise
from . import _kernels
from ._args import (
    Params,
    check_array,
    check_model_input,
    check_params,
    check_pixels,
    latent_shape,
)
from ._kernels import by_rows, dense_backward, kl_terms, tanh_backward, transpose

__all__ = [
    "category_images",
    "decode",
    "decode_backward",
    "elbo_exact",
    "elbo_monte_carlo",
    "encode",
    "encode_backward",
    "init_params",
    "reconstruction_table",
    "relaxed_decoding",
]


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


@renamed_keywords(xb="v")
def encode(params: Params, v: ArrayLike) -> tuple[np.ndarray, tuple]:
    r"""Encoder forward: pixels ``v`` (n, P) to logits :math:`x` (n, m, d), and the cache.

    :math:`x = \tanh(v W_1 + \beta_1) W_2 + \beta_2` (:func:`dense`, then ``tanh``, then
    :func:`dense`), reshaped to one row of ``d`` logits per choice. A stack of models
    (a leading axis on every parameter) takes pixels (S, n, P).

    Examples
    --------
    >>> p = init_params(0, hidden=8, m=2, d=3)
    >>> encode(p, np.zeros((5, 64)))[0].shape
    (5, 2, 3)
    """
    params = check_params(params)
    return _kernels.encode(params, check_pixels(v, params["dec_b2"].shape[-1], stack=True))


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
    v, h = cache
    W2 = params["enc_W2"]
    g = grad_logits.reshape(*grad_logits.shape[:-2], -1)
    grad_h, grad_W2, grad_b2 = dense_backward(h, W2.reshape(*W2.shape[:-2], -1), g)
    grad_a = tanh_backward(h, grad_h)
    grad_W1 = transpose(v) @ grad_a  # the pixels need no gradient: skip dense_backward's grad_a
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
    params = check_params(params)
    m, d = latent_shape(params)
    zz = check_array(z, "z", 3, f"(n, m, d) = (n, {m}, {d})")
    if zz.shape[-2:] != (m, d):
        raise ValueError(f"z must have shape (n, m, d) = (n, {m}, {d}); got {zz.shape}")
    return _kernels.decode(params, zz)


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
        grad_a = tanh_backward(h, grad_pixel_logits @ transpose(params["dec_W2"]))
        return {}, (grad_a @ transpose(params["dec_W1"])).reshape(z_shape)
    grad_h, grad_W2, grad_b2 = dense_backward(h, params["dec_W2"], grad_pixel_logits)
    grad_a = tanh_backward(h, grad_h)
    grad_z, grad_W1, grad_b1 = dense_backward(zf, params["dec_W1"], grad_a)
    grads = {"dec_W1": grad_W1, "dec_b1": grad_b1, "dec_W2": grad_W2, "dec_b2": grad_b2}
    return grads, grad_z.reshape(z_shape)


def category_images(params: Params) -> np.ndarray:
    r"""The decoder's pixel logits for each category, shape (d, P) (one categorical, ``m = 1``).

    :math:`\sigma` of row :math:`i` is the image the decoder draws for :math:`z = e_i`.

    Examples
    --------
    >>> category_images(init_params(0, hidden=8)).shape
    (10, 64)
    """
    m, d = latent_shape(check_params(params))
    if m != 1:
        raise ValueError(f"category_images needs one categorical (m = 1); got m = {m}")
    return _kernels.decode(params, np.eye(d)[:, None, :])[0]


@renamed_keywords(xb="v")
def reconstruction_table(params: Params, v: ArrayLike) -> np.ndarray:
    r"""The table :math:`f_{ni} = \log p(v_n \mid z = e_i)`, shape (n, d), for ``m = 1``.

    Examples
    --------
    >>> reconstruction_table(init_params(0, hidden=8), np.zeros((3, 64))).shape
    (3, 10)
    """
    params, x = check_model_input(params, v)
    ell = category_images(params)
    return x @ ell.T - np.logaddexp(0.0, ell).sum(axis=1)


@renamed_keywords(xb="v")
def elbo_exact(params: Params, v: ArrayLike) -> np.ndarray:
    r"""The exact ELBO of each image, by enumerating the ``d`` categories (``m = 1``).

    .. math::

        \mathcal{L}(v) = \sum_{i=0}^{d-1} q_i \log p(v \mid e_i)
        - \mathrm{KL}(q \,\|\, \text{uniform}).

    Examples
    --------
    >>> p = init_params(0, hidden=8, pixel_mean=np.full(64, 0.5))
    >>> elbo_exact(p, np.zeros((2, 64))).shape
    (2,)
    """
    params, x = check_model_input(params, v)
    logits = _kernels.encode(params, x)[0]
    q = softmax(logits)[:, 0, :]
    return (q * reconstruction_table(params, x)).sum(axis=1) - kl_terms(logits)[0]


@renamed_keywords(xb="v")
def elbo_monte_carlo(
    params: Params, v: ArrayLike, n_samples: int = 100, rng: Any = None
) -> tuple[float, float]:
    r"""The mean ELBO of the images estimated by sampling :math:`z` (any ``m``), and its stderr.

    The reconstruction term is averaged over ``n_samples`` exact samples
    :math:`z \sim q` per image (Gumbel-max); the KL term is exact. Unbiased.

    Returns
    -------
    mean, stderr : float
        The estimate of :math:`\frac1N \sum_n \mathcal{L}(v_n)` and its standard error.

    Examples
    --------
    >>> p = init_params(0, hidden=8)
    >>> v = np.zeros((50, 64))
    >>> mc, se = elbo_monte_carlo(p, v, n_samples=400, rng=0)
    >>> bool(abs(mc - elbo_exact(p, v).mean()) < 3 * se)
    True
    """
    params, x = check_model_input(params, v)
    s = check_n(n_samples, "n_samples", low=2)
    logits = by_rows(lambda rows: _kernels.encode(params, rows)[0], x)
    n, (m, d) = x.shape[0], logits.shape[1:]
    g = gumbel_noise((s, n, m, d), rng=as_generator(rng))
    z = one_hot((logits + g).argmax(axis=-1), d)
    ell = by_rows(lambda rows: _kernels.decode(params, rows)[0], z.reshape(s * n, m, d))
    f = _kernels.bernoulli_log_likelihood(x, ell.reshape(s, n, -1))  # (s, n): over samples
    per_image = f.mean(axis=0) - kl_terms(logits)[0]
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
    params = check_params(params)
    flat = np.reshape(as_float_array(image, "image"), (1, -1))
    x_img = check_pixels(flat, params["dec_b2"].shape[0])
    m, d = latent_shape(params)
    if m != 1:
        raise ValueError(f"relaxed_decoding needs one categorical (m = 1); got m = {m}")
    g = as_float_array(noise, "noise")
    if g.shape != (d,) or not np.isfinite(g).all():
        raise ValueError(f"noise must be {d} finite numbers (one per category); got {g.shape}")
    logits = _kernels.encode(params, x_img)[0][0, 0]
    y = softmax(logits + g, check_tau(tau))
    return y, sigmoid(_kernels.decode(params, y[None, None, :])[0][0])
