"""gumbel_lib.widgets.gumbel_max: the argmax-frequency explorer (its statistics: test_stats.py)."""

from __future__ import annotations

import numpy as np
import pytest

from gumbel_lib import gumbel_noise, stats
from gumbel_lib.stats import CHI2_LEVEL, chi2_quantile, chi2_statistic
from gumbel_lib.widgets import gumbel_max as sampling
from gumbel_lib.widgets.gumbel_max import sampling_explorer

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


def test_one_level_in_the_caption_and_the_helpers():
    """The caption's limit is the 99.9% quantile, the level of every test in the notebooks."""
    assert CHI2_LEVEL == 0.999
    ex = sampling_explorer(PI, n=1000, seed=0)
    assert ex.caption.endswith(f"(99.9% limit {chi2_quantile(3):.1f})")
    assert f"{chi2_quantile(3):.2f}" == "16.27"  # the table value 03 quotes


def test_masked_category_never_wins():
    ex = sampling_explorer([0.5, 0.0, 0.5], n=5000, seed=2)
    assert heights(ex)[1] == 0
    assert "(99.9% limit 10.8)" in ex.caption  # df = 1: one category is masked


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: sampling_explorer([0.5, 0.6]), ValueError, "pi must sum to 1"),
        (lambda: sampling_explorer([1.0]), ValueError, "2 to 20 probabilities"),
        (lambda: sampling_explorer(PI, n=5), ValueError, "n must be between 10 and 1000000"),
        (lambda: sampling_explorer(PI, n=100.0), TypeError, "n must be an int"),
        (lambda: sampling_explorer(PI, noise="Cauchy"), ValueError, "noise must be one of"),
        (lambda: sampling_explorer(PI, seed=-1), ValueError, "seed must be between"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_the_statistics_stay_importable_from_the_explorers_module():
    """They moved to gumbel_lib.stats (NumPy only); the old names are the same objects."""
    for name in (
        "NOISE_FAMILIES",
        "CHI2_LEVEL",
        "argmax_counts",
        "chi2_statistic",
        "chi2_quantile",
    ):
        assert getattr(sampling, name) is getattr(stats, name)
        assert name in sampling.__all__


def test_the_old_module_name_still_works_with_a_warning():
    """``gumbel_lib.widgets.sampling`` (the name before the modules followed their notebooks)."""
    import importlib

    import gumbel_lib.widgets.gumbel_max as new

    for old_name, module in (("sampling", new), ("simplex", None)):
        old = importlib.import_module(f"gumbel_lib.widgets.{old_name}")
        name = "sampling_explorer" if old_name == "sampling" else "simplex_explorer"
        with pytest.warns(DeprecationWarning, match=f"gumbel_lib.widgets.{old_name}.{name}"):
            value = getattr(old, name)
        if module is not None:
            assert value is module.sampling_explorer
        with pytest.raises(AttributeError):
            old.no_such_name  # noqa: B018
