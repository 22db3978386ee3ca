r"""Counting argmax winners and Pearson's :math:`\chi^2` test: the statistics of the sampling
notebooks, in NumPy only.

Used by ``notebooks/03_gumbel_max`` and ``notebooks/04_gumbel_softmax`` and by the explorer
of :mod:`gumbel_lib.widgets.gumbel_max`. :func:`argmax_counts` draws the winners of
:math:`\arg\max_i (x_i + \varepsilon_i)` for Gumbel or Normal noise; :func:`chi2_statistic`
scores counts against probabilities; :func:`chi2_quantile` gives the limit of the test at
:data:`CHI2_LEVEL`, the one level of the course, without SciPy.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_choice, check_int, check_probs, check_real
from .gumbel import gumbel_noise

__all__ = [
    "CHI2_LEVEL",
    "NOISE_FAMILIES",
    "argmax_counts",
    "chi2_quantile",
    "chi2_statistic",
    "ks_pvalue",
    "ks_statistic",
]

#: The noise families of :func:`argmax_counts` (and of the sampling explorer).
NOISE_FAMILIES = ("Gumbel", "Normal")

#: The level of every χ² test in the notebooks and in the sampling explorer's caption.
CHI2_LEVEL = 0.999

#: The largest seed :func:`argmax_counts` takes (the largest signed 64-bit int).
_MAX_SEED = 2**63 - 1


def argmax_counts(logits: ArrayLike, n: int, noise: str = "Gumbel", seed: int = 0) -> np.ndarray:
    r"""How often each category wins :math:`\arg\max_i (x_i + \varepsilon_i)` in ``n`` draws.

    The noise :math:`\varepsilon` is an ``(n, d)`` array drawn from
    ``numpy.random.default_rng(seed)``: Gumbel(0, 1) via :func:`gumbel_lib.gumbel_noise`
    or standard Normal via ``Generator.standard_normal``. With Gumbel noise the
    frequencies estimate the softmax (the Gumbel-max trick),

    .. math::

        \frac{\text{counts}_k}{n} \to P\bigl(\arg\max_i (x_i + g_i) = k\bigr)
        = \frac{e^{x_k}}{\sum_j e^{x_j}};

    with Normal noise they converge to something else.

    Parameters
    ----------
    logits : array_like, shape (d,)
        Logits ``x`` (``-inf`` marks a category that never wins).
    n : int
        Number of draws, 1 to 10**7.
    noise : {"Gumbel", "Normal"}
        The noise family (:data:`NOISE_FAMILIES`).
    seed : int
        Non-negative seed; the same seed gives the same counts, and a larger ``n`` extends
        the draws of a smaller one.

    Returns
    -------
    numpy.ndarray of int, shape (d,)
        The number of wins of each category; they sum to ``n``.

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
    n = check_int(n, "n", low=1, high=10**7, what="the number of draws")
    noise = check_choice(noise, "noise", NOISE_FAMILIES)
    seed = check_int(seed, "seed", low=0, high=_MAX_SEED, what="a seed of default_rng")
    rng = np.random.default_rng(seed)
    if noise == "Gumbel":
        eps = gumbel_noise((n, x.size), rng=rng)
    else:
        eps = rng.standard_normal((n, x.size))
    winners = np.argmax(x + eps, axis=1)
    return np.bincount(winners, minlength=x.size)


def chi2_statistic(counts: ArrayLike, probs: ArrayLike) -> float:
    r"""Pearson's statistic of observed counts against category probabilities.

    .. math::

        \chi^2 = \sum_k \frac{(O_k - E_k)^2}{E_k}, \qquad E_k = n \pi_k, \quad n = \sum_k O_k.

    Categories with :math:`\pi_k = 0` are left out (they must have no counts). If the counts
    are ``n`` draws from :math:`\pi` over ``d`` categories with :math:`\pi_k > 0`, the
    statistic is approximately :math:`\chi^2_{d-1}` (compare it with :func:`chi2_quantile`).

    Parameters
    ----------
    counts : array_like, shape (d,)
        Observed counts :math:`O_k`: finite, >= 0 and not all 0.
    probs : array_like, shape (d,)
        Probabilities :math:`\pi_k` (>= 0, summing to 1).

    Returns
    -------
    float

    Examples
    --------
    >>> chi2_statistic([30, 70], [0.5, 0.5])  # (30 - 50)² / 50 + (70 - 50)² / 50
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

    The :math:`q` with

    .. math::

        P(\chi^2_{df} \le q) = \text{level},

    found by bisection on the exact distribution function (closed forms for integer ``df``;
    no SciPy needed). The default level is :data:`CHI2_LEVEL`, 99.9%: the limit of every
    χ² test of the notebooks.

    Parameters
    ----------
    df : int
        Degrees of freedom, 1 to 10_000 (``d - 1`` for counts over ``d`` categories).
    level : float
        A probability strictly between 0 and 1.

    Returns
    -------
    float

    Examples
    --------
    >>> round(chi2_quantile(1), 2), round(chi2_quantile(3), 2)  # tables: 10.83, 16.27
    (10.83, 16.27)
    >>> round(chi2_quantile(3, level=0.99), 2)  # tables: 11.34
    11.34
    """
    df = check_int(df, "df", low=1, high=10_000, what="degrees of freedom")
    level = check_real(level, "level", low=0, high=1, low_open=True, high_open=True)
    tail = 1.0 - level
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


def _sample_1d(value: ArrayLike, name: str) -> np.ndarray:
    a = as_float_array(value, name).astype(np.float64)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a 1-d array of at least one number; got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return a


def ks_statistic(a: ArrayLike, b: ArrayLike) -> float:
    r"""The two-sample Kolmogorov–Smirnov statistic: the largest gap between two empirical CDFs.

    .. math::

        D = \sup_t \bigl| \hat F_a(t) - \hat F_b(t) \bigr|, \qquad
        \hat F_a(t) = \tfrac{1}{n_a} \#\{i : a_i \le t\}.

    If both samples come from the same continuous law, :math:`\sqrt{n_e}\, D` with
    :math:`n_e = n_a n_b / (n_a + n_b)` tends to Kolmogorov's law (:func:`ks_pvalue`).

    Parameters
    ----------
    a, b : array_like, shape (n_a,) and (n_b,)
        Two finite samples.

    Returns
    -------
    float

    Examples
    --------
    >>> round(ks_statistic([1.0, 2.0, 3.0], [2.5, 3.5, 4.5]), 4)  # at t = 2: 2/3 against 0
    0.6667
    """
    a = np.sort(_sample_1d(a, "a"))
    b = np.sort(_sample_1d(b, "b"))
    t = np.concatenate([a, b])
    fa = np.searchsorted(a, t, side="right") / a.size
    fb = np.searchsorted(b, t, side="right") / b.size
    return float(np.abs(fa - fb).max())


def ks_pvalue(statistic: float, n_a: int, n_b: int) -> float:
    r"""Asymptotic p-value of a two-sample KS statistic, from Kolmogorov's distribution.

    With :math:`\lambda = \sqrt{n_e}\, D`, :math:`n_e = n_a n_b / (n_a + n_b)`,

    .. math::

        p = Q(\lambda) = 2 \sum_{j=1}^{\infty} (-1)^{j-1} e^{-2 j^2 \lambda^2},

    the limit for large samples of :math:`P(\sqrt{n_e}\, D \ge \lambda)` when both come from
    the same continuous law (the series is summed to 100 terms; for :math:`\lambda` below
    0.2 it is 1 to double precision, and is returned as 1).

    Parameters
    ----------
    statistic : float
        The statistic :math:`D`, in [0, 1] (:func:`ks_statistic`).
    n_a, n_b : int
        The two sample sizes.

    Returns
    -------
    float

    Examples
    --------
    >>> round(ks_pvalue(0.0136, 10_000, 10_000), 3)  # λ = 0.96: the 5% point is 1.358
    0.313
    """
    d = check_real(statistic, "statistic", low=0, high=1, what="a KS statistic")
    n_a = check_int(n_a, "n_a", low=1, what="a sample size")
    n_b = check_int(n_b, "n_b", low=1, what="a sample size")
    lam = math.sqrt(n_a * n_b / (n_a + n_b)) * d
    if lam < 0.2:
        return 1.0
    j = np.arange(1, 101, dtype=np.float64)
    q = 2.0 * float(((-1.0) ** (j - 1) * np.exp(-2.0 * j**2 * lam**2)).sum())
    return min(1.0, max(0.0, q))
