"""gumbel_lib.widgets.sampling: the argmax-frequency explorer and its helpers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from gumbel_lib import gumbel_noise, softmax
from gumbel_lib.widgets.sampling import (
    CHI2_LEVEL,
    argmax_counts,
    chi2_quantile,
    chi2_statistic,
    sampling_explorer,
)

PI = np.array([0.05, 0.15, 0.3, 0.5])


def reference_frequencies(pi, n, noise, seed):
    """Frequencies of argmax(log π + noise) recomputed here, from the same seed."""
    rng = np.random.default_rng(seed)
    d = len(pi)
    eps = gumbel_noise((n, d), rng=rng) if noise == "Gumbel" else rng.standard_normal((n, d))
    k = np.argmax(np.log(pi) + eps, axis=1)
    return np.bincount(k, minlength=d) / n


def heights(explorer):
    return np.array([bar.get_height() for bar in explorer.bars])


def test_initial_state():
    ex = sampling_explorer(PI, n=1000, seed=7)
    np.testing.assert_array_equal(heights(ex), reference_frequencies(PI, 1000, "Gumbel", 7))
    assert ex.caption.startswith("n = 1000   noise = Gumbel   χ² = ")
    assert ex.slider.description == "n"
    assert ex.controls == [ex.slider, ex.dropdown]


@pytest.mark.parametrize("noise", ["Gumbel", "Normal"])
def test_slider_and_dropdown_update_bars_caption_in_place(noise):
    ex = sampling_explorer(PI, n=100, seed=3)
    fig, bars = ex.fig, list(ex.bars)
    n_figures_axes = len(fig.axes)
    ex.dropdown.value = noise
    ex.slider.value = 20_000.0
    expected = reference_frequencies(PI, 20_000, noise, 3)
    np.testing.assert_array_equal(heights(ex), expected)
    counts = np.rint(expected * 20_000)
    chi2 = chi2_statistic(counts, PI)
    assert ex.caption == f"n = 20000   noise = {noise}   χ² = {chi2:.1f}   (99.9% limit 16.3)"
    assert ex.fig is fig and len(fig.axes) == n_figures_axes
    assert list(ex.bars) == bars and list(fig.axes[0].patches) == bars


def test_non_integer_slider_value_is_rounded():
    ex = sampling_explorer(PI, seed=1)
    ex.slider.value = 10**2.3  # 199.5...
    np.testing.assert_array_equal(heights(ex), reference_frequencies(PI, 200, "Gumbel", 1))
    assert ex.caption.startswith("n = 200 ")


def test_redraws_are_deterministic():
    ex = sampling_explorer(PI, n=500, seed=11)
    first = heights(ex)
    ex.slider.value = 50_000.0
    ex.dropdown.value = "Normal"
    ex.dropdown.value = "Gumbel"
    ex.slider.value = 500.0
    np.testing.assert_array_equal(heights(ex), first)
    other_seed = sampling_explorer(PI, n=500, seed=12)
    assert not np.array_equal(heights(other_seed), first)


def test_gumbel_frequencies_converge_to_pi_normal_do_not():
    n = 200_000
    ex = sampling_explorer(PI, n=n, seed=0)
    # 5 standard errors of the largest-variance frequency: sqrt(0.25 / n) = 0.0011.
    assert np.abs(heights(ex) - PI).max() < 0.006
    ex.dropdown.value = "Normal"
    # Normal noise: the error is about 0.07 here and does not shrink with n.
    assert np.abs(heights(ex) - PI).max() > 0.04


def test_chi2_statistic_is_calibrated_for_gumbel_noise():
    """Under Gumbel noise the statistic exceeds a limit as often as its level says."""
    limit_99 = chi2_quantile(len(PI) - 1, level=0.99)  # a lower limit, to see exceedances
    gumbel = [chi2_statistic(argmax_counts(np.log(PI), 2000, "Gumbel", s), PI) for s in range(300)]
    normal = [chi2_statistic(argmax_counts(np.log(PI), 2000, "Normal", s), PI) for s in range(50)]
    # Binomial(300, 0.01): mean 3; P(more than 10) is about 3e-4.
    assert sum(c > limit_99 for c in gumbel) <= 10
    assert all(c > chi2_quantile(len(PI) - 1) for c in normal)


def test_one_level_in_the_caption_and_the_helpers():
    """The caption's limit is the 99.9% quantile, the level of every test in the notebooks."""
    assert CHI2_LEVEL == 0.999
    ex = sampling_explorer(PI, n=1000, seed=0)
    assert ex.caption.endswith(f"(99.9% limit {chi2_quantile(3):.1f})")
    assert f"{chi2_quantile(3):.2f}" == "16.27"  # the table value 03 quotes


def test_argmax_counts_match_softmax_for_any_logits():
    x = np.array([2.0, -1.0, 0.5])  # unnormalised logits
    counts = argmax_counts(x, 100_000, "Gumbel", seed=5)
    assert counts.sum() == 100_000
    np.testing.assert_allclose(counts / 100_000, softmax(x), atol=0.006)


def test_masked_category_never_wins():
    ex = sampling_explorer([0.5, 0.0, 0.5], n=5000, seed=2)
    assert heights(ex)[1] == 0
    assert "(99.9% limit 10.8)" in ex.caption  # df = 1: one category is masked


def test_chi2_helpers_against_scipy():
    counts = np.array([18, 33, 61, 88])
    expected = stats.chisquare(counts, counts.sum() * PI).statistic
    assert chi2_statistic(counts, PI) == pytest.approx(expected, rel=1e-12)
    for df in (1, 2, 3, 5, 10, 19, 50, 1000):
        for level in (0.9, 0.99, CHI2_LEVEL):
            assert chi2_quantile(df, level) == pytest.approx(stats.chi2.ppf(level, df), rel=1e-9)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: sampling_explorer([0.5, 0.6]), ValueError, "pi must sum to 1"),
        (lambda: sampling_explorer([1.0]), ValueError, "2 to 20 probabilities"),
        (lambda: sampling_explorer(PI, n=5), ValueError, "n must be between 10 and 1000000"),
        (lambda: sampling_explorer(PI, n=100.0), TypeError, "n must be an int"),
        (lambda: sampling_explorer(PI, noise="Cauchy"), ValueError, "noise must be one of"),
        (lambda: sampling_explorer(PI, seed=-1), ValueError, "seed must be between"),
        (lambda: argmax_counts([0.0, np.nan], 10), ValueError, "logits must be finite"),
        (lambda: argmax_counts([[0.0, 1.0]], 10), ValueError, "1-d"),
        (lambda: chi2_statistic([1, 2], [0.2, 0.3, 0.5]), ValueError, "same shape"),
        (lambda: chi2_statistic([1, 2], [1.0, 0.0]), ValueError, "probability 0 has counts"),
        (lambda: chi2_quantile(0), ValueError, "df must be between"),
        (lambda: chi2_quantile(3, level=1.0), ValueError, "level must be strictly between"),
        (lambda: chi2_quantile(3, level="high"), TypeError, "level must be a real number"),
        (lambda: argmax_counts([1j, 2.0], 10), TypeError, "not complex"),
        (lambda: argmax_counts(["1", "2"], 10), TypeError, "real numbers"),
        (lambda: argmax_counts([True, False], 10), TypeError, "not booleans"),
        (lambda: chi2_statistic([np.nan, 3.0], [0.5, 0.5]), ValueError, "counts must be finite"),
        (lambda: chi2_statistic([0, 0], [0.5, 0.5]), ValueError, "must not all be 0"),
        (lambda: chi2_statistic([1j, 3], [0.5, 0.5]), TypeError, "not complex"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
