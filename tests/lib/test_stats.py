"""gumbel_lib.stats: argmax counts, Pearson's χ² statistic and its quantile, in NumPy only."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats as scipy_stats

from gumbel_lib import gumbel_noise, softmax
from gumbel_lib.stats import (
    CHI2_LEVEL,
    NOISE_FAMILIES,
    argmax_counts,
    chi2_quantile,
    chi2_statistic,
)

PI = np.array([0.05, 0.15, 0.3, 0.5])


def test_imports_without_widgets_or_matplotlib():
    """The statistics need NumPy only: a notebook or a script can use them without ipywidgets."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, gumbel_lib.stats\n"
            "heavy = {'ipywidgets', 'matplotlib', 'scipy', 'sympy', 'IPython'}\n"
            "print(sorted(heavy & set(sys.modules)))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.strip() == "[]"


def test_argmax_counts_match_softmax_for_any_logits():
    x = np.array([2.0, -1.0, 0.5])  # unnormalised logits
    counts = argmax_counts(x, 100_000, "Gumbel", seed=5)
    assert counts.sum() == 100_000
    np.testing.assert_allclose(counts / 100_000, softmax(x), atol=0.006)


def test_argmax_counts_are_the_winners_of_the_seeded_noise():
    """The same draws as Gumbel or Normal noise from ``default_rng(seed)``, and a larger ``n``
    extends a smaller one."""
    x = np.log(PI)
    for noise in NOISE_FAMILIES:
        rng = np.random.default_rng(4)
        eps = (
            gumbel_noise((500, 4), rng=rng) if noise == "Gumbel" else rng.standard_normal((500, 4))
        )
        expected = np.bincount(np.argmax(x + eps, axis=1), minlength=4)
        np.testing.assert_array_equal(argmax_counts(x, 500, noise, seed=4), expected)
        assert (argmax_counts(x, 1000, noise, seed=4) >= argmax_counts(x, 500, noise, seed=4)).all()


def test_a_masked_category_never_wins():
    assert argmax_counts([0.0, -np.inf, 0.0], 5000, seed=2)[1] == 0


def test_chi2_statistic_is_calibrated_for_gumbel_noise():
    """Under Gumbel noise the statistic exceeds a limit as often as its level says; Normal
    noise (the wrong law) is rejected every time."""
    limit_99 = chi2_quantile(len(PI) - 1, level=0.99)  # a lower limit, to see exceedances
    gumbel = [chi2_statistic(argmax_counts(np.log(PI), 2000, "Gumbel", s), PI) for s in range(300)]
    normal = [chi2_statistic(argmax_counts(np.log(PI), 2000, "Normal", s), PI) for s in range(50)]
    # Binomial(300, 0.01): mean 3; P(more than 10) is about 3e-4.
    assert sum(c > limit_99 for c in gumbel) <= 10
    assert all(c > chi2_quantile(len(PI) - 1) for c in normal)


def test_chi2_statistic_follows_its_formula():
    counts, probs = np.array([18, 33, 61, 88]), PI
    expected = counts.sum() * probs
    assert chi2_statistic(counts, probs) == pytest.approx(
        ((counts - expected) ** 2 / expected).sum()
    )
    # a category of probability 0 with no counts is left out
    assert chi2_statistic([30, 0, 70], [0.5, 0.0, 0.5]) == chi2_statistic([30, 70], [0.5, 0.5])


def test_chi2_helpers_against_scipy():
    counts = np.array([18, 33, 61, 88])
    expected = scipy_stats.chisquare(counts, counts.sum() * PI).statistic
    assert chi2_statistic(counts, PI) == pytest.approx(expected, rel=1e-12)
    for df in (1, 2, 3, 5, 10, 19, 50, 1000):
        for level in (0.9, 0.99, CHI2_LEVEL):
            expected = scipy_stats.chi2.ppf(level, df)
            assert chi2_quantile(df, level) == pytest.approx(expected, rel=1e-9)


def test_one_level_for_every_test():
    assert CHI2_LEVEL == 0.999
    assert chi2_quantile(3) == chi2_quantile(3, level=CHI2_LEVEL)
    assert f"{chi2_quantile(3):.2f}" == "16.27"  # the table value 03 quotes


def test_numpy_numbers_are_accepted():
    assert chi2_quantile(np.int64(3), np.float32(0.99)) == pytest.approx(chi2_quantile(3, 0.99))
    np.testing.assert_array_equal(
        argmax_counts(np.log(PI), np.int64(100), seed=np.int64(1)),
        argmax_counts(np.log(PI), 100, seed=1),
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: argmax_counts([0.0, np.nan], 10), ValueError, "logits must be finite"),
        (lambda: argmax_counts([[0.0, 1.0]], 10), ValueError, "1-d"),
        (lambda: argmax_counts([1j, 2.0], 10), TypeError, "not complex"),
        (lambda: argmax_counts(["1", "2"], 10), TypeError, "real numbers"),
        (lambda: argmax_counts([True, False], 10), TypeError, "not booleans"),
        (lambda: argmax_counts(PI, 0), ValueError, "n must be between 1 and 10000000"),
        (lambda: argmax_counts(PI, 10.0), TypeError, "n must be an int"),
        (lambda: argmax_counts(PI, 10, noise="Cauchy"), ValueError, "noise must be one of"),
        (lambda: argmax_counts(PI, 10, noise=None), TypeError, "noise must be one of"),
        (lambda: argmax_counts(PI, 10, seed=-1), ValueError, "seed must be between 0 and"),
        (lambda: argmax_counts(PI, 10, seed=1.0), TypeError, "seed must be an int"),
        (lambda: chi2_statistic([1, 2], [0.2, 0.3, 0.5]), ValueError, "same shape"),
        (lambda: chi2_statistic([1, 2], [1.0, 0.0]), ValueError, "probability 0 has counts"),
        (lambda: chi2_statistic([np.nan, 3.0], [0.5, 0.5]), ValueError, "counts must be finite"),
        (lambda: chi2_statistic([-1, 3], [0.5, 0.5]), ValueError, "counts must be >= 0"),
        (lambda: chi2_statistic([0, 0], [0.5, 0.5]), ValueError, "must not all be 0"),
        (lambda: chi2_statistic([1j, 3], [0.5, 0.5]), TypeError, "not complex"),
        (lambda: chi2_statistic([1, 3], [0.5, 0.6]), ValueError, "probs must sum to 1"),
        (lambda: chi2_quantile(0), ValueError, "df must be between 1 and 10000"),
        (lambda: chi2_quantile(2.0), TypeError, "df must be an int"),
        (lambda: chi2_quantile(3, level=1.0), ValueError, r"level must be in \(0, 1\)"),
        (lambda: chi2_quantile(3, level=np.nan), ValueError, "level must be finite"),
        (lambda: chi2_quantile(3, level="high"), TypeError, "level must be a real number"),
        (lambda: chi2_quantile(3, level=True), TypeError, "level must be a real number"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
