r"""A τ slider and a k slider for notebook 10: softmax beside sparsemax, and the relaxed top-k.

Used by ``notebooks/10_beyond_one_choice``. Left: the bars of
:math:`\operatorname{softmax}(x/\tau)` beside those of :math:`\operatorname{sparsemax}(x/\tau)`,
which has exact zeros; right: the relaxed top-k of one fixed perturbed vector :math:`x + g`
(the successive softmax of :func:`gumbel_lib.subsets.relaxed_top_k`) beside the hard top-k of the
same :math:`x + g`. Every artist is updated in place.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_int
from ..gumbel import gumbel_noise
from ..plots import COLORS, figure
from ..softmax import softmax
from ..subsets import relaxed_top_k, sparsemax
from ._core import (
    TAU_MAX_EXP,
    TAU_MIN_EXP,
    Explorer,
    check_slider_tau,
    check_small_logits,
    format_tau,
    log_slider,
    make_explorer,
)

__all__ = ["subsets_explorer"]


def subsets_explorer(logits: ArrayLike, k: int = 2, tau: float = 1.0, seed: int = 0) -> Explorer:
    r"""Softmax beside sparsemax, and the relaxed top-k beside the hard top-k, with τ and k sliders.

    .. math::

        \operatorname{softmax}(x/\tau), \quad
        \operatorname{sparsemax}(x/\tau) = \max(x/\tau - \xi, 0), \quad
        y = \sum_{j=1}^{k} p^{(j)} \text{ (successive softmax of } x + g\text{)}.

    The noise :math:`g` is drawn once from ``seed``, so moving a slider changes only τ or k. The
    caption reads ``τ = 1.00   k = 2   sparsemax zeros: 3 of 6   relaxed top-k: largest gap to
    the hard top-k 0.41``.

    Parameters
    ----------
    logits : array_like, shape (d,)
        Finite logits :math:`x`, with 3 <= d <= 20.
    k : int, default 2
        Initial subset size, 1 <= k < d (the k slider's range).
    tau : float, default 1.0
        Initial temperature, between 0.01 and 100 (the slider's range).
    seed : int, default 0
        Seed of the one Gumbel draw :math:`g`.

    Returns
    -------
    Explorer
        ``.slider`` is the τ slider, ``.k_slider`` the k slider; ``.soft_bars``,
        ``.sparse_bars``, ``.relaxed_bars`` and ``.hard_marks`` are the artists, ``.perturbed``
        is :math:`x + g`.

    Examples
    --------
    >>> ex = subsets_explorer([1.0, 2.0, 0.5, -1.0, 0.0, 1.5], k=2, tau=1.0)
    >>> ex.caption.split("   ")[:3]
    ['τ = 1.00', 'k = 2', 'sparsemax zeros: 4 of 6']
    >>> ex.set(tau=0.01, k=3).split("   ")[-1]
    'relaxed top-k: largest gap to the hard top-k 0.00'
    """
    x = check_small_logits(logits)
    d = x.shape[0]
    if d < 3:
        raise ValueError(f"logits must have at least 3 categories for a subset; got d = {d}")
    k = check_int(k, "k", low=1, high=d - 1, what="the subset size, below d")
    tau = check_slider_tau(tau)
    seed = check_int(seed, "seed", low=0, what="the seed of the Gumbel draw")
    perturbed = x + gumbel_noise(d, rng=seed)

    def hard_top(kk: int) -> np.ndarray:
        z = np.zeros(d)
        z[np.argsort(-perturbed, kind="stable")[:kk]] = 1.0
        return z

    fig, (ax_p, ax_k) = figure(1, 2, figsize=(11.0, 3.6))
    cats = np.arange(d)
    soft_bars = ax_p.bar(
        cats - 0.2, softmax(x, tau=tau), width=0.4, color=COLORS[0], label="softmax$(x/\\tau)$"
    )
    sparse_bars = ax_p.bar(
        cats + 0.2, sparsemax(x, tau), width=0.4, color=COLORS[1], label="sparsemax$(x/\\tau)$"
    )
    ax_p.set_ylim(0.0, 1.05)
    ax_p.set_xticks(cats, [str(c) for c in cats])
    ax_p.set_xlabel("category")
    ax_p.set_ylabel("probability")
    ax_p.set_title("one choice: softmax and sparsemax")
    ax_p.legend(loc="upper left", frameon=False)

    relaxed_bars = ax_k.bar(
        cats, relaxed_top_k(perturbed, k, tau), width=0.6, color=COLORS[2], label="relaxed top-$k$"
    )
    (hard_marks,) = ax_k.plot(
        cats, hard_top(k), "_", ms=28, mew=3, color="black", label="hard top-$k$ of $x + g$"
    )
    ax_k.set_ylim(0.0, 2.1)
    ax_k.set_xticks(cats, [str(c) for c in cats])
    ax_k.set_xlabel("category")
    ax_k.set_ylabel("weight (row sums to $k$)")
    ax_k.set_title("$k$ choices: relaxed top-$k$ of $x + g$")
    ax_k.legend(loc="upper left", frameon=False)

    def draw(tau: float, k: int) -> str:
        k = int(k)
        for bar, h in zip(soft_bars, softmax(x, tau=tau), strict=True):
            bar.set_height(float(h))
        sp = sparsemax(x, tau)
        for bar, h in zip(sparse_bars, sp, strict=True):
            bar.set_height(float(h))
        y = relaxed_top_k(perturbed, k, tau)
        for bar, h in zip(relaxed_bars, y, strict=True):
            bar.set_height(float(h))
        hard = hard_top(k)
        hard_marks.set_ydata(hard)
        gap = float(np.abs(y - hard).max())
        return (
            f"{format_tau(tau)}   k = {k}   sparsemax zeros: {int((sp == 0).sum())} of {d}   "
            f"relaxed top-k: largest gap to the hard top-k {gap:.2f}"
        )

    k_slider = widgets.IntSlider(
        value=k,
        min=1,
        max=d - 1,
        step=1,
        description="k",
        tooltip="subset size k",
        continuous_update=True,
        layout=widgets.Layout(width="40%"),
    )
    explorer = make_explorer(
        fig,
        draw,
        alt=f"Left, for {d} categories, bars of softmax(x/τ) beside bars of sparsemax(x/τ), "
        "which has exact zeros; right, bars of the relaxed top-k of one perturbed vector x + g "
        "with black marks at its hard top-k.",
        kind="subsets",
        tau=log_slider(tau, TAU_MIN_EXP, TAU_MAX_EXP),
        k=k_slider,
    )
    explorer.k_slider = k_slider
    explorer.soft_bars = soft_bars
    explorer.sparse_bars = sparse_bars
    explorer.relaxed_bars = relaxed_bars
    explorer.hard_marks = hard_marks
    explorer.perturbed = perturbed
    return explorer
