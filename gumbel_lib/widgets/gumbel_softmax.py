"""A τ slider that moves a cloud of Gumbel-softmax samples across the 2-simplex.

Used by ``notebooks/04_gumbel_softmax``. The Gumbel noise is drawn once, when the
explorer is built, and reused at every temperature: the redraws are deterministic and
each point moves continuously as τ changes (every sample is a smooth function of τ).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_probs, check_seed
from ..gumbel import gumbel_noise
from ..plots import COLORS, figure
from ..simplex import to_cartesian
from ..simplex_plot import draw_triangle
from ..softmax import softmax
from ._core import (
    TAU_MAX_EXP,
    TAU_MIN_EXP,
    Explorer,
    check_slider_tau,
    format_tau,
    log_slider,
    make_explorer,
)

__all__ = ["simplex_explorer"]


def simplex_explorer(
    pi: ArrayLike,
    n: int = 1000,
    seed: int = 0,
    tau: float = 1.0,
    labels: tuple[str, str, str] = ("$e_0$", "$e_1$", "$e_2$"),
) -> Explorer:
    r"""A cloud of ``n`` Gumbel-softmax samples for a 3-category π, with a τ slider.

    Each point is :math:`y = \operatorname{softmax}((\log\pi + g)/\tau)` drawn on the
    triangle (:func:`gumbel_lib.simplex.to_cartesian`). The noise :math:`g` is drawn
    once from ``seed`` and kept in ``explorer.noise``; moving the slider recomputes
    the points from the same noise. A cross marks the sample mean, a star marks
    :math:`\pi`; the caption reads ``τ = 0.5   mean = (0.21, 0.30, 0.49)``.

    Parameters
    ----------
    pi : array_like, shape (3,)
        Class probabilities: entries >= 0 summing to 1 (a 0 is a masked category).
    n : int, default 1000
        Number of samples in the cloud (1 to 100000).
    seed : int, default 0
        Seed of the noise (a non-negative int).
    tau : float, default 1.0
        Initial temperature, between 0.01 and 100 (the slider's range).
    labels : 3 str
        Corner labels, in the order of the categories (0-based, as in NumPy).

    Returns
    -------
    Explorer
        ``.slider`` is the τ slider, ``.fig`` the figure, ``.noise`` the ``(n, 3)``
        noise, ``.scatter`` / ``.mean_marker`` the artists updated in place.

    Examples
    --------
    >>> ex = simplex_explorer([0.2, 0.3, 0.5], n=200, seed=1, tau=0.5)
    >>> ex.caption
    'τ = 0.500   mean = (0.21, 0.32, 0.47)'
    >>> ex.slider.value = 100.0
    >>> ex.caption  # a hot softmax: every sample near the centre
    'τ = 100   mean = (0.33, 0.33, 0.33)'
    """
    p, _ = check_probs(pi, "pi", -1)
    if p.shape != (3,):
        raise ValueError(f"pi must hold 3 probabilities (a point of the 2-simplex); got {p.shape}")
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int; got {type(n).__name__}")
    if not 1 <= n <= 100_000:
        raise ValueError(f"n must be between 1 and 100000; got {n}")
    seed = check_seed(seed)
    tau = check_slider_tau(tau)

    with np.errstate(divide="ignore"):
        logits = np.log(p)  # log 0 = -inf: a masked category
    noise = gumbel_noise((int(n), 3), rng=int(seed))

    fig, ax = figure(figsize=(6.4, 5.8))
    draw_triangle(ax, labels=labels)
    start = to_cartesian(softmax(logits + noise, tau=tau))
    scatter = ax.scatter(
        start[:, 0], start[:, 1], s=10, color=COLORS[0], alpha=0.45, lw=0, zorder=2
    )
    (mean_marker,) = ax.plot(
        *start.mean(axis=0), "X", ms=16, color=COLORS[1], mec="black", mew=1.2, zorder=5,
        label="sample mean",
    )  # fmt: skip
    pi_xy = to_cartesian(p)
    ax.plot(*pi_xy, "*", ms=20, color=COLORS[3], mec="black", mew=1.0, zorder=4, label="π")
    ax.legend(loc="upper right", frameon=False)

    def draw(tau: float) -> str:
        y = softmax(logits + noise, tau=tau)
        scatter.set_offsets(to_cartesian(y))
        m = y.mean(axis=0)
        mean_marker.set_data(*(to_cartesian(m)[:, None]))
        return f"{format_tau(tau)}   mean = ({m[0]:.2f}, {m[1]:.2f}, {m[2]:.2f})"

    explorer = make_explorer(
        fig,
        draw,
        alt="A triangle (the simplex of 3 categories) with a cloud of Gumbel-softmax samples at "
        "the current τ, their mean marked: near the corners at small τ, near the centre at "
        "large τ.",
        kind="simplex",
        tau=log_slider(tau, TAU_MIN_EXP, TAU_MAX_EXP),
    )
    explorer.noise = noise
    explorer.scatter = scatter
    explorer.mean_marker = mean_marker
    explorer.pi = p
    return explorer
