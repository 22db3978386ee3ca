r"""Empirical frequencies of argmax(log π + noise) against π, for Gumbel or Normal noise.

Used by ``notebooks/03_gumbel_max``. A log-scale slider sets the number of samples
:math:`n`, a dropdown the noise family. Every redraw starts a new generator from the
same ``seed``, so the same settings always give the same bars, and a larger :math:`n`
extends the smaller sample (the first draws are shared). With Gumbel noise the bars
converge to π; with Normal noise they converge to something else. The caption scores
the counts with Pearson's :math:`\chi^2` statistic against its 99.9% limit, the one test
and the one level the notebooks use.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets
import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_float_array, check_probs
from ..gumbel import gumbel_noise
from ..plots import COLORS, figure, style_context
from ._core import Explorer, log_slider, make_explorer

__all__ = [
    "NOISE_FAMILIES",
    "argmax_counts",
    "chi2_statistic",
    "CHI2_LEVEL",
    "chi2_quantile",
    "sampling_explorer",
]

#: The noise families the explorer offers.
NOISE_FAMILIES = ("Gumbel", "Normal")

#: The level of every χ² test in the notebooks and in the explorer's caption.
CHI2_LEVEL = 0.999


def _check_noise(noise: Any) -> str:
    if noise not in NOISE_FAMILIES:
        raise ValueError(f"noise must be one of {NOISE_FAMILIES}; got {noise!r}")
    return noise


def _check_int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}; got {value}")
    return int(value)


def argmax_counts(logits: ArrayLike, n: int, noise: str = "Gumbel", seed: int = 0) -> np.ndarray:
    r"""How often each category wins :math:`\arg\max_i (x_i + \varepsilon_i)` in ``n`` draws.

    The noise :math:`\varepsilon` is an ``(n, d)`` array drawn from
    ``numpy.random.default_rng(seed)``: Gumbel(0, 1) via :func:`gumbel_lib.gumbel_noise`
    or standard Normal via ``Generator.standard_normal``. With Gumbel noise the
    frequencies ``counts / n`` estimate :math:`\operatorname{softmax}(x)`.

    Parameters
    ----------
    logits : array_like, shape (d,)
        Logits ``x`` (``-inf`` marks a category that never wins).
    n : int
        Number of draws, 1 to 10**7.
    noise : {"Gumbel", "Normal"}
    seed : int
        Non-negative seed; the same seed gives the same counts.

    Returns
    -------
    numpy.ndarray of int, shape (d,)

    Examples
    --------
    >>> argmax_counts(np.log([0.2, 0.3, 0.5]), 10_000, "Gumbel", seed=0)
    array([2053, 2986, 4961])
    >>> argmax_counts(np.log([0.2, 0.3, 0.5]), 10_000, "Normal", seed=0)  # too peaked
    array([1691, 2945, 5364])
    """
    x = as_float_array(logits, "logits").astype(np.float64)  # refuses bool, complex, str
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"logits must be a non-empty 1-d array; got shape {x.shape}")
    if np.isnan(x).any() or (x == np.inf).any() or np.isneginf(x).all():
        raise ValueError("logits must be finite or -inf, with at least one finite entry")
    n = _check_int(n, "n", 1, 10**7)
    noise = _check_noise(noise)
    seed = _check_int(seed, "seed", 0, 2**63 - 1)
    rng = np.random.default_rng(seed)
    if noise == "Gumbel":
        eps = gumbel_noise((n, x.size), rng=rng)
    else:
        eps = rng.standard_normal((n, x.size))
    winners = np.argmax(x + eps, axis=1)
    return np.bincount(winners, minlength=x.size)


def chi2_statistic(counts: ArrayLike, probs: ArrayLike) -> float:
    r"""Pearson's statistic :math:`\chi^2 = \sum_k (O_k - E_k)^2 / E_k`, :math:`E_k = n \pi_k`.

    Categories with :math:`\pi_k = 0` are left out (they must have no counts). The
    counts must be finite, >= 0 and not all 0.

    Examples
    --------
    >>> chi2_statistic([30, 70], [0.5, 0.5])
    16.0
    """
    o = as_float_array(counts, "counts").astype(np.float64)
    p, _ = check_probs(probs, "probs", -1)
    if o.shape != p.shape or o.ndim != 1:
        raise ValueError(
            f"counts and probs must be 1-d of the same shape; got {o.shape}, {p.shape}"
        )
    if not np.isfinite(o).all():
        raise ValueError("counts must be finite (no NaN or inf)")
    if (o < 0).any():
        raise ValueError("counts must be >= 0")
    if o.sum() == 0:
        raise ValueError("counts must not all be 0: the statistic needs at least one draw")
    if (o[p == 0] > 0).any():
        raise ValueError("a category with probability 0 has counts: the statistic is infinite")
    keep = p > 0
    expected = o.sum() * p[keep]
    return float(((o[keep] - expected) ** 2 / expected).sum())


def _chi2_survival(q: float, df: int) -> float:
    r""":math:`P(\chi^2_{df} > q)` for an integer ``df``, from its closed form.

    Even :math:`df = 2m`: :math:`e^{-q/2}\sum_{j<m} (q/2)^j / j!`. Odd :math:`df = 2m + 1`:
    :math:`\operatorname{erfc}\sqrt{q/2} + e^{-q/2}\sum_{j=1}^{m} (q/2)^{j - 1/2}/\Gamma(j + 1/2)`.
    The terms are summed in logs, so large ``q`` and ``df`` do not overflow.
    """
    if q <= 0.0:
        return 1.0
    h = q / 2.0
    m = df // 2
    if df % 2 == 0:
        j = np.arange(m, dtype=np.float64)
        logs = -h + j * math.log(h) - np.array([math.lgamma(v + 1.0) for v in j])
        return float(np.exp(logs).sum())
    j = np.arange(1, m + 1, dtype=np.float64)
    logs = -h + (j - 0.5) * math.log(h) - np.array([math.lgamma(v + 0.5) for v in j])
    return float(math.erfc(math.sqrt(h)) + np.exp(logs).sum())


def chi2_quantile(df: int, level: float = CHI2_LEVEL) -> float:
    r"""The ``level`` quantile of the chi-squared law with ``df`` degrees of freedom.

    Solves :math:`P(\chi^2_{df} \le q) = \text{level}` by bisection on the exact
    distribution function (closed forms for integer ``df``; no SciPy needed). The
    default level is :data:`CHI2_LEVEL`, 99.9%: the limit of every χ² test of the
    notebooks.

    Examples
    --------
    >>> round(chi2_quantile(1), 2), round(chi2_quantile(3), 2)  # tables: 10.83, 16.27
    (10.83, 16.27)
    >>> round(chi2_quantile(3, level=0.99), 2)  # tables: 11.34
    11.34
    """
    df = _check_int(df, "df", 1, 10_000)
    if isinstance(level, (bool, np.bool_)) or not isinstance(level, (int, float, np.floating)):
        raise TypeError(f"level must be a real number; got {level!r}")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1; got {level}")
    tail = 1.0 - float(level)
    lo, hi = 0.0, float(df) + 10.0 * math.sqrt(2.0 * df) + 100.0  # hi: far out in the tail
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if _chi2_survival(mid, df) > tail:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * hi:
            break
    return (lo + hi) / 2.0


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
    n = _check_int(n, "n", 10, 10**6)
    noise = _check_noise(noise)
    seed = _check_int(seed, "seed", 0, 2**63 - 1)
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
