r"""A τ slider that decodes a relaxed latent of the digits VAE into a picture.

Used by ``notebooks/07_categorical_vae``. For one image, the trained encoder gives the
logits :math:`x` of its category; one Gumbel draw :math:`g` is held fixed, and the
slider sets τ in :math:`y = \operatorname{softmax}((x + g)/\tau)`
(:func:`gumbel_lib.vae.relaxed_decoding`). Left: the image; middle: the bars of
:math:`y`; right: what the decoder draws for :math:`y`. At small τ, :math:`y` is one-hot
and the picture is one category's prototype; as τ grows it blends all ``d`` of them.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_seed
from ..gumbel import gumbel_noise
from ..plots import COLORS, figure, style_context
from ..vae import relaxed_decoding
from ._core import (
    TAU_MAX_EXP,
    TAU_MIN_EXP,
    Explorer,
    check_slider_tau,
    format_tau,
    log_slider,
    make_explorer,
)

__all__ = ["vae_tau_explorer"]


def vae_tau_explorer(params: dict, image: ArrayLike, seed: int = 0, tau: float = 1.0) -> Explorer:
    r"""The decoder's picture of the relaxed latent :math:`\operatorname{softmax}((x + g)/\tau)`.

    Parameters
    ----------
    params : dict
        A trained model with one categorical latent (:func:`gumbel_lib.vae.train`, ``m = 1``).
    image : array_like, shape (P,)
        One binary image of the model's ``P`` pixels, row by row, drawn as a square
        (``P = 64``: 8×8); ``P`` must be a square number.
    seed : int, default 0
        Seed of the Gumbel draw :math:`g`, held fixed while τ moves.
    tau : float, default 1.0
        Initial temperature, between 0.01 and 100 (the slider's range).

    Returns
    -------
    Explorer
        ``.slider`` is the τ slider; ``.bars`` (one rectangle per category), ``.picture``
        (the decoded image's ``AxesImage``), ``.noise`` (:math:`g`) and ``.latent`` (the
        current :math:`y`) are kept for inspection. The caption reads
        ``τ = 1.00   largest y_k = 0.62 (k = 3)``.

    Examples
    --------
    >>> from gumbel_lib.vae import init_params
    >>> ex = vae_tau_explorer(init_params(0, hidden=8), np.ones(64), seed=0, tau=0.01)
    >>> ex.caption.startswith("τ = 0.0100   largest y_k = 1.00")
    True
    >>> ex.slider.value = 100.0
    >>> float(ex.latent.max()) < 0.2  # near the centre of the simplex
    True
    """
    seed = check_seed(seed)
    tau = check_slider_tau(tau)
    d = np.shape(params["enc_b2"])[-1] if isinstance(params, dict) and "enc_b2" in params else 0
    g = gumbel_noise(max(d, 1), rng=seed)
    y, pixels = relaxed_decoding(params, image, g, tau)  # checks params and image
    side = math.isqrt(pixels.size)
    if side * side != pixels.size:
        raise ValueError(
            f"params must describe square images to draw (n_pixels = side²); "
            f"the model has {pixels.size} pixels"
        )
    img = np.reshape(np.asarray(image, dtype=np.float64), (side, side))

    fig, (ax_in, ax_y, ax_out) = figure(1, 3, figsize=(11.0, 3.8), width_ratios=[1.0, 1.6, 1.0])
    with style_context():
        ax_in.imshow(img, cmap="gray_r", vmin=0, vmax=1)
        ax_in.set_title("the image")
        bars = ax_y.bar(np.arange(d), y, color=COLORS[0], width=0.7)
        ax_y.set(ylim=(0, 1.05), xticks=np.arange(d), xlabel="category k", ylabel="y_k")
        ax_y.set_title("relaxed latent y")
        picture = ax_out.imshow(pixels.reshape(side, side), cmap="gray_r", vmin=0, vmax=1)
        ax_out.set_title("decoded from y")
        for ax in (ax_in, ax_out):
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)

    latent = y.copy()

    def draw(tau: float) -> str:
        y, pixels = relaxed_decoding(params, image, g, tau)
        for bar, h in zip(bars, y, strict=True):
            bar.set_height(h)
        picture.set_data(pixels.reshape(side, side))
        latent[:] = y
        return f"{format_tau(tau)}   largest y_k = {y.max():.2f} (k = {int(y.argmax())})"

    explorer = make_explorer(
        fig,
        draw,
        alt=f"Left a digit image, middle the bars of its relaxed latent y over {d} categories at "
        "the current τ, right the picture the decoder draws for y.",
        kind="vae",
        tau=log_slider(tau, TAU_MIN_EXP, TAU_MAX_EXP),
    )
    explorer.bars = bars
    explorer.picture = picture
    explorer.noise = g
    explorer.latent = latent
    return explorer
