"""gumbel_lib.exercises: each checker accepts the worked solution, says "not written yet" for
the starter, names every slip of its catalogue, and refuses bad input with a clear message."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import numpy as np
import pytest

from gumbel_lib import exercises as ex

# The lessons' values the checkers are called with (02's x and f, 06's π and f).
X02, F02 = np.array([1.0, 2.0, 0.5, -1.0]), np.array([1.0, 0.0, 2.0, 0.5])
PI02 = np.exp(X02) / np.exp(X02).sum()
X06 = np.array([0.5, 1.0, -0.5, 0.0])
PI06 = np.exp(X06) / np.exp(X06).sum()
F06 = ((np.eye(4) - np.array([0.0, 0.0, 1.0, 0.0])) ** 2).sum(axis=1)


def not_written(*_args):
    raise NotImplementedError


# --- the worked solutions, as the notebooks write them -------------------------------------


def pathwise(μ, σ, ε):
    ζ = μ + σ * ε
    return np.mean(2 * (ζ - 2) * ε)


def log_softmax_stable(x):
    shifted = x - x.max()
    return shifted - np.log(np.exp(shifted).sum())


def square_estimate(K):
    return 2 * F02[K] * PI02[K] * (np.eye(4)[K] - PI02)


def pair_law(π):
    P = np.outer(π, π) / (1 - π)[:, None]
    np.fill_diagonal(P, 0)
    return P


def second_law(π):
    return pair_law(π).sum(axis=0)


def median_y0(π, τ):
    return (π ** (1 / τ) / (π ** (1 / τ)).sum())[0]


def mean_first_order(x, τ):
    return 1 / x.size + (x - x.mean()) / (x.size * τ)


def face_exponent(d, n, τ):
    return (d - n) * τ - n


def p_margin(x, k, κ):
    w = np.exp(x - x.max())
    return w[k] / (w[k] + np.exp(κ) * (w.sum() - w[k]))


def p_zero(r):
    return 1 - np.exp(-r) / 2 if r >= 0 else np.exp(r) / 2


def b_opt(π, f):
    score_sq = ((np.eye(π.size) - π) ** 2).sum(axis=1)
    return (π * score_sq * f).sum() / (π * score_sq).sum()


def constant(θ, c):
    slope = np.exp(θ) / (1 + np.exp(θ)) ** 2
    return slope * (1 / 5 - 2 * c / 3 + 2 * c**2 / 3)


def log_marginal(log_lik):
    return np.logaddexp.reduce(log_lik, axis=1) - np.log(log_lik.shape[1])


def _sig(r):
    return 1 / (1 + np.exp(-r))


# (checker, extra arguments, worked solution, {slip: wrong answer})
CATALOGUE = {
    "pathwise_sigma": (
        ex.check_pathwise_sigma,
        (),
        pathwise,
        {
            "no_epsilon": lambda μ, σ, ε: np.mean(2 * (μ + σ * ε - 2)),
            "sign": lambda μ, σ, ε: -pathwise(μ, σ, ε),
            "missing_factor_2": lambda μ, σ, ε: np.mean((μ + σ * ε - 2) * ε),
            "not_averaged": lambda μ, σ, ε: 2 * (μ + σ * ε - 2) * ε,
            "phi_not_derivative": lambda μ, σ, ε: np.mean((μ + σ * ε - 2) ** 2 * ε),
        },
    ),
    "pathwise_sigma_number": (
        ex.check_pathwise_sigma,
        (),
        2.013,
        {"no_epsilon": -3.02, "sign": -1.98, "missing_factor_2": 1.01, "wrong": 0.5},
    ),
    "staircase_jumps": (
        ex.check_staircase_jumps,
        (),
        [2.8507, 1.3104, -0.3928],
        {
            "missing_jump": [2.8507, 1.3104],
            "forgot_log": np.exp([2.85066315, 1.31044972, -0.39276483]),
            "U_swapped": [np.log(0.2 * 4.32481 / 0.8)],
        },
    ),
    "tempered_by_hand": (
        ex.check_tempered_by_hand,
        (),
        [0.0185, 0.0741, 0.9074],
        {
            "tau_multiplied": np.sqrt([0.1, 0.2, 0.7]) / np.sqrt([0.1, 0.2, 0.7]).sum(),
            "not_normalised": [0.01, 0.04, 0.49],
            "tau_forgotten": [0.1, 0.2, 0.7],
            "one_hot": [0.0, 0.0, 1.0],
        },
    ),
    "tau_for_99": (
        ex.check_tau_for_99,
        (),
        1 / np.log(99),
        {
            "tau_multiplied": np.log(99),
            "odds": 1 / np.log(100),
            "log10": 1 / np.log10(99),
            "sign": -1 / np.log(99),
            "wrong": 0.5,
        },
    ),
    "log_softmax_stable": (
        ex.check_log_softmax_stable,
        (),
        log_softmax_stable,
        {
            "no_max_shift": lambda x: x - np.log(np.exp(x).sum()),
            "log_of_probabilities": lambda x: np.log(
                np.exp(x - x.max()) / np.exp(x - x.max()).sum()
            ),
            "not_normalised": lambda x: x - x.max(),
            "probabilities": lambda x: np.exp(x - x.max()) / np.exp(x - x.max()).sum(),
            "sign": lambda x: -log_softmax_stable(x),
            "error": lambda x: x.nonexistent,
        },
    ),
    "square_relaxation": (
        ex.check_square_relaxation,
        (X02, F02),
        square_estimate,
        {
            "missing_factor_2": lambda K: square_estimate(K) / 2,
            "linear_relaxation": lambda K: PI02 * (F02 - PI02 @ F02),
            "not_centred": lambda K: 2 * F02[K] * PI02[K] * np.eye(4)[K],
            "one_based": lambda K: square_estimate(K - 1),
            "sign": lambda K: -square_estimate(K),
            "shape": lambda K: square_estimate(K)[:3],
        },
    ),
    "averages_needed": (
        ex.check_averages_needed,
        (0.3, 0.5),
        math.ceil(99 * (0.5**2 - 0.3**2) / 0.3**2),
        {
            "rmse_as_spread": math.ceil(99 * 0.5**2 / 0.3**2),
            "hundred": math.ceil(100 * (0.5**2 - 0.3**2) / 0.3**2),
            "off_by_one": math.ceil(99 * (0.5**2 - 0.3**2) / 0.3**2) - 1,
        },
    ),
    "matching_taus": (
        ex.check_matching_taus,
        (),
        [0.2841, 2.4391],
        {"one_root": [2.4391], "kappa_not_tau": [1 / 0.2841, 1 / 2.4391]},
    ),
    "gumbel_median": (
        ex.check_gumbel_median,
        (),
        -np.log(np.log(2)),
        {
            "sign": np.log(np.log(2)),
            "mean": 0.5772,
            "one_log": np.log(2),
            "wrong": 0.0,
        },
    ),
    "top2_law": (
        ex.check_top2_law,
        (),
        pair_law,
        {
            "independent": lambda π: np.outer(π, π),
            "independent_renormalised": lambda π: (
                (np.outer(π, π) - np.diag(π**2)) / (np.outer(π, π) - np.diag(π**2)).sum()
            ),
            "conditional": lambda π: pair_law(π) / π[:, None],
            "swapped": lambda π: pair_law(π).T,
            "diagonal": lambda π: np.outer(π, π) / (1 - π)[:, None],
        },
    ),
    "second_place_law": (
        ex.check_second_place_law,
        (),
        second_law,
        {
            "first_place": lambda π: pair_law(π).sum(axis=1),
            "one_hot": lambda π: np.eye(π.size)[np.argmax(second_law(π))],
        },
    ),
    "concrete_median": (
        ex.check_concrete_median,
        (),
        median_y0,
        {
            "tau_forgotten": lambda π, τ: π[0],
            "tau_multiplied": lambda π, τ: π[0] ** τ / (π**τ).sum(),
            "other_entry": lambda π, τ: 1 - median_y0(π, τ),
            "vector": lambda π, τ: π ** (1 / τ) / (π ** (1 / τ)).sum(),
        },
    ),
    "mean_first_order": (
        ex.check_mean_first_order,
        (),
        mean_first_order,
        {
            "missing_1_over_d": lambda x, τ: 1 / x.size + (x - x.mean()) / τ,
            "tau_forgotten": lambda x, τ: 1 / x.size + (x - x.mean()) / x.size,
            "tau_multiplied": lambda x, τ: 1 / x.size + (x - x.mean()) * τ / x.size,
            "not_centred": lambda x, τ: 1 / x.size + x / (x.size * τ),
            "tempered_softmax": lambda x, τ: np.exp(x / τ) / np.exp(x / τ).sum(),
            "one_hot": lambda x, τ: np.eye(x.size)[np.argmax(x)],
        },
    ),
    "face_exponent": (
        ex.check_face_exponent,
        (),
        face_exponent,
        {
            "swapped": lambda d, n, τ: n * τ - (d - n),
            "sign": lambda d, n, τ: n - (d - n) * τ,
            "numerator_only": lambda d, n, τ: -n * (τ + 1),
            "wrong": lambda d, n, τ: d * τ - n,
        },
    ),
    "margin_probability": (
        ex.check_margin_probability,
        (),
        p_margin,
        {
            "no_max_shift": lambda x, k, κ: (
                np.exp(x[k]) / (np.exp(x[k]) + np.exp(κ) * (np.exp(x).sum() - np.exp(x[k])))
            ),
            "kappa_sign": lambda x, k, κ: p_margin(x, k, -κ),
            "kappa_forgotten": lambda x, k, κ: np.exp(x[k] - x.max()) / np.exp(x - x.max()).sum(),
            "kappa_on_winner": lambda x, k, κ: (
                np.exp(x[k] - x.max()) / (np.exp(κ) * np.exp(x - x.max()).sum())
            ),
            "one_based": lambda x, k, κ: p_margin(x, k - 1, κ),
        },
    ),
    "exponential_race": (
        ex.check_exponential_race,
        (),
        p_zero,
        {
            "one_branch": lambda r: 1 - np.exp(-r) / 2,
            "swapped_branches": lambda r: 1 - p_zero(r),
            "sigmoid": _sig,
        },
    ),
    "optimal_baseline": (
        ex.check_optimal_baseline,
        (),
        b_opt,
        {
            "b_is_L": lambda π, f: π @ f,
            "norm_not_squared": lambda π, f: (
                (π * np.linalg.norm(np.eye(π.size) - π, axis=1) * f).sum()
                / (π * np.linalg.norm(np.eye(π.size) - π, axis=1)).sum()
            ),
            "no_pi": lambda π, f: (
                (((np.eye(π.size) - π) ** 2).sum(axis=1) * f).sum()
                / ((np.eye(π.size) - π) ** 2).sum()
            ),
            "plain_mean": lambda π, f: f.mean(),
        },
    ),
    "optimal_baseline_number": (
        ex.check_optimal_baseline,
        (PI06, F06),
        b_opt(PI06, F06),
        {"b_is_L": PI06 @ F06, "plain_mean": F06.mean(), "wrong": 0.0},
    ),
    "variance_constant": (
        ex.check_variance_constant,
        (),
        constant,
        {
            "no_slope": lambda θ, c: 1 / 5 - 2 * c / 3 + 2 * c**2 / 3,
            "sigmoid_not_derivative": lambda θ, c: _sig(θ) * (1 / 5 - 2 * c / 3 + 2 * c**2 / 3),
            "missing_factor_4": lambda θ, c: constant(θ, c) / 4,
        },
    ),
    "variance_constant_number": (
        ex.check_variance_constant,
        (),
        constant(-1.0, 0.45),
        {"no_slope": 0.035, "missing_factor_4": constant(-1.0, 0.45) / 4, "wrong": 0.01},
    ),
    "log_marginal": (
        ex.check_log_marginal,
        (),
        log_marginal,
        {
            "no_max_shift": lambda ll: np.log(np.exp(ll).mean(axis=1)),
            "prior_forgotten": lambda ll: np.logaddexp.reduce(ll, axis=1),
            "wrong_axis": lambda ll: np.logaddexp.reduce(ll, axis=0) - np.log(ll.shape[0]),
            "mean_of_logs": lambda ll: ll.mean(axis=1),
            "shape": lambda ll: np.logaddexp.reduce(ll, axis=1, keepdims=True) - np.log(10),
        },
    ),
}

CASES = [
    pytest.param(name, slip, answer, id=f"{name}-{slip}")
    for name, (_, _, _, wrongs) in CATALOGUE.items()
    for slip, answer in wrongs.items()
]


@pytest.mark.parametrize("name", CATALOGUE)
def test_the_worked_solution_is_accepted(name):
    check, extra, solution, _ = CATALOGUE[name]
    verdict = check(solution, *extra)
    assert verdict.correct and bool(verdict), verdict
    assert "correct" in repr(verdict) and repr(verdict).startswith(verdict.exercise)


@pytest.mark.parametrize(("name", "slip", "answer"), CASES)
def test_each_slip_is_diagnosed_by_name(name, slip, answer):
    check, extra, _, _ = CATALOGUE[name]
    verdict = check(answer, *extra)
    assert verdict.slip == slip, verdict
    assert not verdict and "not yet" in verdict.message


@pytest.mark.parametrize("name", CATALOGUE)
@pytest.mark.parametrize("starter", [None, ..., not_written], ids=["None", "Ellipsis", "raises"])
def test_the_starter_says_not_written_yet(name, starter):
    check, extra, solution, _ = CATALOGUE[name]
    if starter is not_written and not callable(solution):
        starter = None  # a value exercise's starter is `answer = None`
    verdict = check(starter, *extra)
    assert verdict.slip == "not_written" and "not written yet" in repr(verdict)


def test_the_slips_named_by_the_course_are_all_diagnosed():
    """τ forgotten or multiplied, the missing max shift, the sign of −log(−log U), a 1-based
    category, the wrong normalisation or axis, a one-hot for a probability vector."""
    named = {slip for *_, wrongs in CATALOGUE.values() for slip in wrongs}
    assert {
        "tau_forgotten",
        "tau_multiplied",
        "no_max_shift",
        "sign",
        "one_based",
        "not_normalised",
        "wrong_axis",
        "one_hot",
    } <= named


@pytest.mark.parametrize(("n", "way"), [(1, "too few"), (100, "too few"), (10_000, "too many")])
def test_a_wrong_n_is_told_which_way_but_not_the_answer(n, way):
    """02, exercise 5 (b): a wrong n hears "too few" or "too many" and why, never the smallest
    n; the messages use the exercise's words (spread, bias²), not letters it never defines."""
    bias, rmse = 0.3, 0.5
    right = math.ceil(99 * (rmse**2 - bias**2) / bias**2)
    verdict = ex.check_averages_needed(n, bias, rmse)
    assert verdict.slip == "wrong" and way in verdict.message, verdict
    assert str(right) not in verdict.message, verdict
    assert "spread" in verdict.message and "bias²" in verdict.message


def test_no_message_of_the_averages_checker_uses_undefined_letters():
    bias, rmse = 0.3, 0.5
    right = math.ceil(99 * (rmse**2 - bias**2) / bias**2)
    answers = [right - 1, math.ceil(100 * (rmse**2 - bias**2) / bias**2), right // 2, 2.5]
    for n in answers:
        message = ex.check_averages_needed(n, bias, rmse).message
        assert not re.search(r"\b[sb]²", message) and str(right) not in message, message


def test_a_function_that_changes_its_argument_is_told():
    def in_place(x):
        x -= x.max()
        return x - np.log(np.exp(x).sum())

    verdict = ex.check_log_softmax_stable(in_place)
    assert verdict.slip == "error" and "in place" in verdict.message


def test_no_warning_escapes_from_an_overflowing_answer():
    with np.errstate(all="raise"):
        verdict = ex.check_log_softmax_stable(lambda x: np.log(np.exp(x) / np.exp(x).sum()))
    assert verdict.slip == "no_max_shift"


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: ex.check_log_softmax_stable(np.zeros(3)), TypeError, "log_softmax_stable must"),
        (lambda: ex.check_top2_law("pair_law"), TypeError, "pair_law must be a function"),
        (lambda: ex.check_tau_for_99("0.2"), TypeError, "tau must be a real number"),
        (lambda: ex.check_tau_for_99([0.2]), TypeError, "tau must be a real number"),
        (lambda: ex.check_tempered_by_hand([0.5, 0.5]), ValueError, "p must have shape (3,)"),
        (lambda: ex.check_tempered_by_hand(["a", "b", "c"]), TypeError, "p must be an array"),
        (lambda: ex.check_square_relaxation(square_estimate, X02, F02[:3]), ValueError, "f must"),
        (lambda: ex.check_averages_needed(5, 0.5, 0.3), ValueError, "bias and rmse"),
        (lambda: ex.check_optimal_baseline(0.5), TypeError, "pass the lesson's π and f"),
        (lambda: ex.check_optimal_baseline(0.5, [0.5, 0.6], [1, 2]), ValueError, "π must be"),
        (lambda: ex.check_staircase_jumps("1, 2"), TypeError, "jumps must be an array"),
    ],
)
def test_bad_input_names_the_argument(call, error, words):
    with pytest.raises(error, match=None) as info:
        call()
    assert words in str(info.value)


def test_a_slip_outside_the_catalogue_shows_where_it_differs():
    verdict = ex.check_face_exponent(lambda d, n, τ: 0.0)
    assert verdict.slip == "wrong" and "d = 3, n = 2, τ = 1.0" in verdict.message


def test_imports_with_numpy_only():
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, gumbel_lib.exercises\n"
            "print(sorted(m for m in ('matplotlib', 'scipy', 'sympy', 'ipywidgets')"
            " if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


def _table_names(doc: str) -> list[str]:
    """The checker names in the first column of the module docstring's table."""
    return [line.split()[0] for line in doc.splitlines() if line.startswith("check_")]


def test_every_checker_is_public_and_documented():
    names = [n for n in ex.__all__ if n.startswith("check_")]
    defined = [n for n in vars(ex) if n.startswith("check_") and callable(getattr(ex, n))]
    # the module's table lists each public checker once, and nothing else
    assert sorted(_table_names(ex.__doc__)) == sorted(names) == sorted(defined)
    for n in names:
        doc = getattr(ex, n).__doc__
        assert ">>> " in doc and "exercise" in doc.splitlines()[0], n


# --- 10: beyond one choice --------------------------------------------------------------------


def _sparsemax_ref(z):
    zs = np.sort(z)[::-1]
    ks = np.arange(1, z.size + 1)
    support = ks[1 + ks * zs > np.cumsum(zs)].max()
    return np.maximum(z - (zs[:support].sum() - 1) / support, 0)


def test_sparsemax_by_hand_catalogue():
    x = np.array([1.2, 0.4, 0.1, -1.0])
    assert ex.check_sparsemax_by_hand(_sparsemax_ref(x)).correct
    assert ex.check_sparsemax_by_hand([0.9, 0.1, 0, 0]).correct
    assert ex.check_sparsemax_by_hand(np.exp(x) / np.exp(x).sum()).slip == "softmax"
    assert ex.check_sparsemax_by_hand([1.275, 0.475, 0.175, 0.0]).slip == "threshold_from_all"
    three = np.maximum(x - (1.7 - 1) / 3, 0)
    assert ex.check_sparsemax_by_hand(three).slip == "threshold_from_three"
    assert ex.check_sparsemax_by_hand([1, 0, 0, 0]).slip == "one_hot"
    assert ex.check_sparsemax_by_hand(None).slip == "not_written"


def _rmax(x, τ):
    top = x.max()
    return top + τ * np.log(np.exp((x - top) / τ).sum())


def test_regularised_max_catalogue():
    assert ex.check_regularised_max(_rmax).correct
    no_shift = ex.check_regularised_max(lambda x, τ: τ * np.log(np.exp(x / τ).sum()))
    assert no_shift.slip == "no_max_shift"
    assert ex.check_regularised_max(lambda x, τ: _rmax(x, τ) / τ).slip == "tau_forgotten"
    assert ex.check_regularised_max(lambda x, τ: x.max()).slip == "max_only"
    log_mean = ex.check_regularised_max(lambda x, τ: _rmax(x, τ) - τ * np.log(x.size))
    assert log_mean.slip == "log_mean"
    assert ex.check_regularised_max(lambda x, τ: x / τ).slip == "shape"

    def not_yet(x, τ):
        raise NotImplementedError

    assert ex.check_regularised_max(not_yet).slip == "not_written"


def test_regularised_max_is_the_maximum_over_the_simplex():
    """The checker's reference is the maximum itself: no point of a fine grid does better."""
    from gumbel_lib.simplex import simplex_grid

    y = simplex_grid(200)
    x, τ = np.array([1.0, 2.0, 0.5]), 0.7
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -np.where(y > 0, y * np.log(y), 0.0).sum(axis=1)
    best = (y @ x + τ * ent).max()
    assert best <= _rmax(x, τ) + 1e-12 and best > _rmax(x, τ) - 1e-3


def test_sparsemax_pair_catalogue():
    def ok(a, b, τ):
        return min(1.0, max(0.0, (a - b) / (2 * τ) + 0.5))

    assert ex.check_sparsemax_pair(ok).correct
    for a, b, τ in [(1.0, 0.5, 1.0), (0.0, 3.0, 1.0), (0.2, 0.0, 1.0)]:
        assert ok(a, b, τ) == pytest.approx(_sparsemax_ref(np.array([a, b]) / τ)[0])
    assert ex.check_sparsemax_pair(lambda a, b, τ: (a - b) / (2 * τ) + 0.5).slip == "no_clip"
    half = ex.check_sparsemax_pair(lambda a, b, τ: min(1.0, max(0.0, (a - b) / τ + 0.5)))
    assert half.slip == "half_missing"
    sig = ex.check_sparsemax_pair(lambda a, b, τ: 1 / (1 + np.exp(-(a - b) / τ)))
    assert sig.slip == "sigmoid"
    with pytest.raises(TypeError, match="sparsemax_pair must be a function"):
        ex.check_sparsemax_pair(0.75)


# --- 09: better gradients from the relaxation --------------------------------------------------


def test_winner_noise_mean_catalogue():
    gamma = 0.5772156649015329
    assert ex.check_winner_noise_mean(gamma - math.log(0.1)).correct
    assert ex.check_winner_noise_mean(None).slip == "not_written"
    for answer, slip in [
        (-math.log(0.1), "gamma_forgotten"),
        (gamma + math.log(0.1), "sign"),
        (gamma, "maximum"),
        (1.0, "wrong"),
    ]:
        assert ex.check_winner_noise_mean(answer).slip == slip
    with pytest.raises(TypeError, match="winner_noise_mean must be a real number"):
        ex.check_winner_noise_mean("2.88")


def test_winner_noise_mean_matches_a_simulation():
    from gumbel_lib.gumbel import conditional_gumbel

    x = np.log([0.1, 0.2, 0.3, 0.4])
    g0 = conditional_gumbel(x, np.zeros(400_000, dtype=int), rng=0)[:, 0]
    assert abs(g0.mean() - (0.5772156649015329 - math.log(0.1))) < 4 * g0.std() / 400_000**0.5


def test_control_weight_catalogue():
    def ok(A, C):
        a, c = A - A.mean(axis=0), C - C.mean(axis=0)
        return -(a * c).sum() / (c * c).sum()

    assert ex.check_control_weight(ok).correct
    assert ex.check_control_weight(not_written).slip == "not_written"
    slips = {
        "sign": lambda A, C: -ok(A, C),
        "not_centred": lambda A, C: -(A * C).sum() / (C * C).sum(),
        "upside_down": lambda A, C: 1 / ok(A, C),
        "per_coordinate": lambda A, C: (
            -((A - A.mean(0)) * (C - C.mean(0))).sum(0) / ((C - C.mean(0)) ** 2).sum(0)
        ),
        "wrong": lambda A, C: 1.0,
    }
    for slip, answer in slips.items():
        assert ex.check_control_weight(answer).slip == slip, slip
    with pytest.raises(TypeError, match="best_alpha must be a function"):
        ex.check_control_weight(1.2)


def test_the_best_control_weight_minimises_the_summed_variance():
    r = np.random.default_rng(1)
    C = r.normal(size=(500, 3)) + 1.0
    A = -0.4 * C + r.normal(size=(500, 3))
    a, c = A - A.mean(0), C - C.mean(0)
    best = -(a * c).sum() / (c * c).sum()
    spread = [(A + α * C).var(axis=0).sum() for α in (best - 0.01, best, best + 0.01)]
    assert spread[1] < spread[0] and spread[1] < spread[2]


def test_gumbel_rao_spread_catalogue():
    assert ex.check_gumbel_rao_spread([0.864, 0.709, 0.663, 0.651], 0.647).correct
    assert ex.check_gumbel_rao_spread(None, 0.647).slip == "not_written"
    right = np.array([0.867, 0.710, 0.665, 0.653])
    for answer, floor, slip in [
        (right**2, 0.42, "variance"),
        ([0.867] * 4, 0.649, "not_averaged"),
        (right, 0.866, "floor_is_st"),
        (right + 0.1, 0.649, "wrong"),
    ]:
        verdict = ex.check_gumbel_rao_spread(answer, floor)
        assert verdict.slip == slip and "not yet" in verdict.message, slip
    with pytest.raises(ValueError, match="spreads"):
        ex.check_gumbel_rao_spread([0.8, 0.7], 0.6)


def test_gumbel_rao_spread_reference_matches_a_simulation():
    """The checker's reference spreads are what the library's Gumbel-Rao gives on the toy."""
    from gumbel_lib import estimators as est
    from gumbel_lib import gumbel_noise

    x, a = np.array([0.5, 1.0, -0.5, 0.0]), np.array([0.1, 0.2, 0.6, 0.1])
    f = ((np.eye(4) - a) ** 2).sum(axis=1)
    exact = est.exact_gradient(x, f)
    g = gumbel_noise((20_000, 4), rng=5)
    spreads = [
        est.bias_std(
            est.gumbel_rao_estimator(
                x, f, 20_000, 0.5, 6, n_conditional=m, noise=g, f_grad=lambda y: 2 * (y - a)
            ),
            exact,
        ).std
        for m in (1, 4, 16, 64)
    ]
    assert ex.check_gumbel_rao_spread(spreads, 0.649).correct, spreads


# --- 08: the same ideas in JAX ---------------------------------------------------------------

A08 = np.array([0.0, 0.2, 0.8, 0.0])  # notebook 02's target, as notebook 08 passes it


def st_estimate_numpy(x, g, a):
    π = np.exp(x - x.max())
    π /= π.sum()
    u = 2 * (np.eye(len(x))[(x + g).argmax()] - a)
    return π * (u - u @ π)


def safe_gumbel_numpy(U):
    info = np.finfo(np.float32)
    return -np.log(-np.log(np.clip(U, info.tiny, 1 - info.eps)))


def st_vjp_numpy(x, g, τ, u, soft=False, noise=True, scale=None, sign=1.0):
    y = _softmax_rows((x + g) / τ)
    p = y if noise else _softmax_rows(x / τ)
    value = y if soft else np.eye(len(x))[(x + g).argmax()]
    return value, sign * p * (u - u @ p) / (τ if scale is None else scale)


def _softmax_rows(w, axis=-1):
    e = np.exp(w - w.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def gumbel_softmax_jacobian(x, g, a):
    """Backpropagated through softmax(x + g), the Gumbel-softmax sample at τ = 1."""
    y = _softmax_rows(x + g)
    u = 2 * (np.eye(len(x))[(x + g).argmax()] - a)
    return y * (u - u @ y)


def upstream_at_pi(x, g, a):
    π = _softmax_rows(x)
    u = 2 * (π - a)
    return π * (u - u @ π)


JAX_CATALOGUE = {
    "straight_through_estimate": (
        ex.check_straight_through_estimate,
        (),
        st_estimate_numpy,
        {
            "no_stop_gradient": lambda x, g, a: np.zeros_like(x),
            "wrong_term": lambda x, g, a: -st_estimate_numpy(x, g, a),
            "gumbel_softmax_jacobian": gumbel_softmax_jacobian,
            "upstream_at_pi": upstream_at_pi,
            "wrong": lambda x, g, a: np.ones_like(x),
            "error": lambda x, g, a: x.nonexistent,
        },
    ),
    "safe_gumbel": (
        ex.check_safe_gumbel,
        (),
        safe_gumbel_numpy,
        {
            "not_finite": lambda U: -np.log(-np.log(U)),
            "one_end": lambda U: -np.log(-np.log(np.maximum(U, np.finfo(np.float32).tiny))),
            "sign": lambda U: np.log(-np.log(np.clip(U, 1e-30, 1 - 1e-7))),
            "exponential": lambda U: -np.log(np.clip(U, 1e-30, 1 - 1e-7)),
            "shape": lambda U: safe_gumbel_numpy(U)[:1],
            "wrong": lambda U: np.zeros_like(U),
        },
    ),
    "custom_straight_through": (
        ex.check_custom_straight_through,
        (),
        st_vjp_numpy,
        {
            "soft_forward": lambda x, g, τ, u: st_vjp_numpy(x, g, τ, u, soft=True),
            "tau_forgotten": lambda x, g, τ, u: st_vjp_numpy(x, g, τ, u, scale=1.0),
            "noise_forgotten": lambda x, g, τ, u: st_vjp_numpy(x, g, τ, u, noise=False),
            "identity": lambda x, g, τ, u: (st_vjp_numpy(x, g, τ, u)[0], u),
            "sign": lambda x, g, τ, u: st_vjp_numpy(x, g, τ, u, sign=-1.0),
            "shape": lambda x, g, τ, u: st_vjp_numpy(x, g, τ, u)[1],
            "wrong": lambda x, g, τ, u: (np.zeros_like(x), np.ones_like(x)),
            "error": lambda x, g, τ, u: x.nonexistent,
        },
    ),
}

JAX_CASES = [
    pytest.param(name, slip, answer, id=f"{name}-{slip}")
    for name, (_, _, _, wrongs) in JAX_CATALOGUE.items()
    for slip, answer in wrongs.items()
]


@pytest.mark.parametrize("name", JAX_CATALOGUE)
def test_08_the_worked_solution_is_accepted(name):
    check, extra, solution, _ = JAX_CATALOGUE[name]
    verdict = check(solution, *extra)
    assert verdict.correct, verdict


@pytest.mark.parametrize(("name", "slip", "answer"), JAX_CASES)
def test_08_each_slip_is_diagnosed_by_name(name, slip, answer):
    check, extra, _, _ = JAX_CATALOGUE[name]
    verdict = check(answer, *extra)
    assert verdict.slip == slip, verdict
    assert not verdict and "not yet" in verdict.message


@pytest.mark.parametrize("name", JAX_CATALOGUE)
@pytest.mark.parametrize("starter", [None, ..., not_written], ids=["None", "Ellipsis", "raises"])
def test_08_the_starter_says_not_written_yet(name, starter):
    check, extra, _, _ = JAX_CATALOGUE[name]
    verdict = check(starter, *extra)
    assert verdict.slip == "not_written" and "not written yet" in repr(verdict)


def test_08_the_checkers_accept_the_notebooks_jax_functions():
    """The notebook's solutions are JAX functions: their JAX arrays are read like NumPy's."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:

        def st_estimate(x, g, a):
            def loss(x):
                π = jax.nn.softmax(x)
                z = jax.nn.one_hot(jnp.argmax(x + g), x.shape[-1])
                return jnp.sum((z - jax.lax.stop_gradient(π) + π - a) ** 2)

            return jax.grad(loss)(x)

        def safe_gumbel(U):
            info = jnp.finfo(jnp.float32)
            return -jnp.log(-jnp.log(jnp.clip(U, info.tiny, 1 - info.eps)))

        @jax.custom_vjp
        def st_custom(x, g, τ):
            return jax.nn.one_hot(jnp.argmax(x + g), x.shape[-1])

        def st_forward(x, g, τ):
            return st_custom(x, g, τ), (jax.nn.softmax((x + g) / τ), τ)

        def st_backward(residuals, u):
            y, τ = residuals
            return y / τ * (u - jnp.sum(u * y)), None, None

        st_custom.defvjp(st_forward, st_backward)

        def st_vjp(x, g, τ, u):
            value, pullback = jax.vjp(lambda x: st_custom(x, g, τ), x)
            return value, pullback(u)[0]

        assert ex.check_straight_through_estimate(st_estimate).correct
        assert ex.check_safe_gumbel(safe_gumbel).correct
        assert ex.check_custom_straight_through(st_vjp).correct
    finally:
        jax.config.update("jax_enable_x64", before)
