r"""Empirical frequencies of argmax(log π + noise) against π, for Gumbel or Normal noise.

Used by ``notebooks/03_gumbel_max``. A log-scale slider sets the number of samples
:math:`n`, a dropdown the noise family. Every redraw starts a new generator from the
same ``seed``, so the same settings always give the same bars, and a larger :math:`n`
extends the smaller sample (the first draws are shared). With Gumbel noise the bars
converge to π; with Normal noise they converge to something else. The caption scores
the counts with Pearson's :math:`\chi^2` statistic against its 99.9% limit, the one test
and the one level the notebooks use (:mod:`gumbel_lib.stats`: :func:`argmax_counts`,
:func:`chi2_statistic`, :func:`chi2_quantile`, importable from here too).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_choice, check_int, check_probs
from ..plots import COLORS, figure, style_context

# The statistics live in gumbel_lib.stats (NumPy only); their names stay importable from here.
from ..stats import CHI2_LEVEL, NOISE_FAMILIES, argmax_counts, chi2_quantile, chi2_statistic
from ._core import Explorer, log_slider, make_explorer

__all__ = [
    "NOISE_FAMILIES",
    "argmax_counts",
    "chi2_statistic",
    "CHI2_LEVEL",
    "chi2_quantile",
    "sampling_explorer",
]

#: The largest seed of the explorer (the largest signed 64-bit int).
_MAX_SEED = 2**63 - 1


def sampling_explorer(
    pi: ArrayLike, n: int = 1000, noise: str = "Gumbel", seed: int = 0
) -> Explorer:
    r"""Bars of empirical argmax frequencies against π; sliders for ``n`` and the noise.

    Each redraw samples :math:`k = \arg\max_i (\log\pi_i + \varepsilon_i)` ``n`` times
    (:func:`argmax_counts` with ``seed``), sets the bar heights to the frequencies and
    writes a caption such as ``n = 1000   noise = Gumbel   χ² = 2.3   (99.9% limit 13.8)``.
    Markers show π. With Gumbel noise the statistic stays below the limit 99.9% of the
    time; with Normal noise it grows with ``n``.

    Parameters
    ----------
    pi : array_like, shape (d,)
        Class probabilities (>= 0, summing to 1), 2 <= d <= 20.
    n : int, default 1000
        Initial number of samples, 10 to 10**6 (the slider's range).
    noise : {"Gumbel", "Normal"}, default "Gumbel"
    seed : int, default 0
        Seed of every redraw.

    Returns
    -------
    Explorer
        ``.slider`` is the (log-scale) sample-count slider, ``.controls[1]`` the noise
        dropdown (also ``.dropdown``), ``.bars`` the bar artists, ``.pi`` the
        probabilities, ``.seed`` the seed.

    Examples
    --------
    >>> ex = sampling_explorer([0.2, 0.3, 0.5], n=10_000, seed=0)
    >>> ex.caption
    'n = 10000   noise = Gumbel   χ² = 1.8   (99.9% limit 13.8)'
    >>> [round(float(b.get_height()), 4) for b in ex.bars]
    [0.2053, 0.2986, 0.4961]
    >>> ex.dropdown.value = "Normal"
    >>> ex.caption
    'n = 10000   noise = Normal   χ² = 75.2   (99.9% limit 13.8)'
    """
    p, _ = check_probs(pi, "pi", -1)
    if p.ndim != 1 or not 2 <= p.size <= 20:
        raise ValueError(f"pi must be 1-d with 2 to 20 probabilities; got shape {p.shape}")
    n = check_int(n, "n", low=10, high=10**6, what="the initial number of samples")
    noise = check_choice(noise, "noise", NOISE_FAMILIES)
    seed = check_int(seed, "seed", low=0, high=_MAX_SEED, what="a seed of default_rng")
    with np.errstate(divide="ignore"):
        logits = np.log(p)  # log 0 = -inf: never drawn
    d = p.size
    df = int((p > 0).sum()) - 1
    limit = chi2_quantile(df) if df >= 1 else 0.0

    fig, ax = figure(figsize=(7.5, 4.2))
    ks = np.arange(d)
    top = min(1.0, max(1.5 * p.max(), p.max() + 0.15))
    with style_context():  # fonts of the labels and the legend, as in the notebooks
        bars = ax.bar(ks, np.zeros(d), width=0.6, color=COLORS[0], alpha=0.8, label="frequency")
        ax.plot(ks, p, "_", ms=44, mew=3.5, color=COLORS[3], label="π")
        ax.set_ylim(0, top)
        ax.set_xticks(ks)
        ax.set_xlabel("category k")
        ax.set_ylabel("frequency of argmax = k")
        ax.legend(loc="upper left", frameon=False, markerscale=0.4)

    def draw(n: float, noise: str) -> str:
        size = int(round(n))
        counts = argmax_counts(logits, size, noise, seed)
        freq = counts / size
        for bar, h in zip(bars, freq, strict=True):
            bar.set_height(h)
        ax.set_ylim(0, max(top, min(1.05, 1.1 * freq.max())))
        chi2 = chi2_statistic(counts, p) if df >= 1 else 0.0
        level = f"{100 * CHI2_LEVEL:g}%"
        return f"n = {size}   noise = {noise}   χ² = {chi2:.1f}   ({level} limit {limit:.1f})"

    slider = log_slider(float(n), 1.0, 6.0, description="n", step=0.1, label="number of samples")
    slider.readout_format = ".0f"
    dropdown = widgets.Dropdown(options=list(NOISE_FAMILIES), value=noise, description="noise")
    explorer = make_explorer(
        fig,
        draw,
        alt="Bars of the frequencies of argmax(log π + noise) over the categories beside the "
        "bars of π, for the chosen number of samples and noise family.",
        kind="sampling",
        n=slider,
        noise=dropdown,
    )
    explorer.dropdown = dropdown
    explorer.bars = bars
    explorer.pi = p
    explorer.seed = seed
    return explorer
