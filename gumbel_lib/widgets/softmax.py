r"""A τ slider that redraws softmax(x/τ) as bars and follows its entropy along τ.

Used by ``notebooks/01_softmax_temperature``. Left: the bars of the tempered softmax
:math:`p_\tau = \operatorname{softmax}(x/\tau)`; right: the entropy against τ (log scale) with
the ceiling :math:`\log d` and a marker at the current τ. Both are updated in place.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..plots import COLORS, figure
from ..softmax import entropy, softmax
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

__all__ = ["softmax_explorer"]


def softmax_explorer(logits: ArrayLike, tau: float = 1.0) -> Explorer:
    r"""Bars of :math:`\operatorname{softmax}(x/\tau)` and its entropy, with a τ slider.

    .. math::

        p_{\tau,i} = \frac{e^{x_i/\tau}}{\sum_{j=0}^{d-1} e^{x_j/\tau}}, \qquad
        H(\tau) = -\sum_{i=0}^{d-1} p_{\tau,i} \log p_{\tau,i} \in [0, \log d],

    with categories numbered from 0, as in NumPy; :math:`p_1 = \pi = \operatorname{softmax}(x)`.
    Moving the slider sets the bar heights to :math:`p_\tau` and moves a marker
    along the curve :math:`H(\tau)`; the caption reads
    ``τ = 0.5   entropy = 0.83 nats (log d = 1.39)``.

    Parameters
    ----------
    logits : array_like, shape (d,)
        Finite logits :math:`x`, with 2 <= d <= 20.
    tau : float, default 1.0
        Initial temperature, between 0.01 and 100 (the slider's range).

    Returns
    -------
    Explorer
        ``.slider`` is the τ slider, ``.fig`` the figure; ``.bars`` (the bar
        rectangles), ``.marker`` (the point on the entropy curve), ``.curve`` (the
        entropy curve) and ``.logits`` are kept for inspection.

    Examples
    --------
    >>> ex = softmax_explorer([1.0, 2.0, 0.5, -1.0], tau=1.0)
    >>> ex.caption
    'τ = 1.00   entropy = 1.01 nats (log d = 1.39)'
    >>> ex.slider.value = 0.01
    >>> [round(b.get_height(), 3) for b in ex.bars]
    [0.0, 1.0, 0.0, 0.0]
    >>> ex.caption
    'τ = 0.0100   entropy = 0.00 nats (log d = 1.39)'
    """
    x = check_small_logits(logits)
    tau = check_slider_tau(tau)
    d = x.shape[0]
    log_d = float(np.log(d))

    taus = np.logspace(TAU_MIN_EXP, TAU_MAX_EXP, 241)
    # One softmax per τ at once: shift first, so that x/τ cannot overflow to +inf for
    # finite logits (1e307 / 0.01); an entry that overflows to -inf just gets probability 0.
    with np.errstate(over="ignore"):
        curve_h = entropy(softmax((x - x.max())[np.newaxis, :] / taus[:, np.newaxis]))

    fig, (ax_bars, ax_h) = figure(1, 2, figsize=(10.0, 4.2), width_ratios=[1.1, 1.0])
    p = softmax(x, tau=tau)
    bars = ax_bars.bar(np.arange(d), p, color=COLORS[0], width=0.7)
    ax_bars.set_ylim(0.0, 1.05)
    ax_bars.set_xticks(np.arange(d), [f"{k}" for k in range(d)])
    ax_bars.set_xlabel("category $k$")
    ax_bars.set_ylabel(r"$p_{\tau,k} = \mathrm{softmax}(x/\tau)_k$")
    ax_bars.set_title(r"probabilities at this $\tau$")

    (curve,) = ax_h.plot(taus, curve_h, color=COLORS[0], label=r"$H(\tau)$")
    ax_h.axhline(log_d, color=COLORS[3], ls="--", lw=1.5, label=r"$\log d$")
    (marker,) = ax_h.plot(
        [tau], [float(entropy(p))], "o", ms=11, color=COLORS[1], mec="black", zorder=5
    )
    ax_h.set_xscale("log")
    ax_h.set_ylim(-0.05, log_d * 1.12)
    ax_h.set_xlabel(r"temperature $\tau$")
    ax_h.set_ylabel("entropy (nats)")
    ax_h.set_title(r"entropy against $\tau$")
    ax_h.legend(loc="lower right", frameon=False)

    def draw(tau: float) -> str:
        probs = softmax(x, tau=tau)
        for bar, height in zip(bars, probs, strict=True):
            bar.set_height(float(height))
        h = float(entropy(probs))
        marker.set_data([tau], [h])
        return f"{format_tau(tau)}   entropy = {h:.2f} nats (log d = {log_d:.2f})"

    explorer = make_explorer(
        fig,
        draw,
        alt=f"Left, bars of the {d} probabilities of softmax(x/τ); right, its entropy against τ "
        "on a log axis, with the ceiling log d and a marker at the current τ.",
        kind="softmax",
        tau=log_slider(tau, TAU_MIN_EXP, TAU_MAX_EXP),
    )
    explorer.bars = bars
    explorer.marker = marker
    explorer.curve = curve
    explorer.logits = x
    return explorer
