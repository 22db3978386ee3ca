"""Checkers for the notebooks' exercises: correct, or which slip.

One function per exercise that asks for code or a value, named ``check_<what>``. Each takes
the student's function (or number) and returns a :class:`Verdict`: ``correct``, ``not
written yet`` (the starter still raises ``NotImplementedError`` or is ``None``), or the
*specific* slip, found by probing the function with chosen inputs — τ forgotten or
multiplied instead of divided, the missing max shift (overflow at large logits), a sign
error, a 1-based category, the wrong normalisation or axis, a one-hot where a probability
vector is asked. A notebook shows the verdict; ``bool(verdict)`` is ``verdict.correct``.

===============================  ==========  =================================================
checker                          exercise    what it takes
===============================  ==========  =================================================
check_pathwise_sigma             00, 1       ``pathwise(μ, σ, ε)`` or the estimate (a number)
check_staircase_jumps            00, 2       the values of :math:`x_0` where K changes
check_tempered_by_hand           01, 2       :math:`p_{1/2}` for π = (0.1, 0.2, 0.7)
check_tau_for_99                 01, 3       the τ with :math:`p_{τ,0} = 0.99`
check_log_softmax_stable         01, 4       ``log_softmax_stable(x)``
check_square_relaxation          02, 3       ``estimate(K)``, with the lesson's ``x``, ``f``
check_averages_needed            02, 5 (b)   n, with ``bias`` and ``rmse``
check_matching_taus              02, 6 (a)   both temperatures
check_gumbel_median              03, 1       the median of Gumbel(0, 1)
check_top2_law                   03, 3 (a)   ``pair_law(π)``: the matrix P(K_1 = i, K_2 = j)
check_second_place_law           03, 3 (c)   ``second_law(π)``: the law of K_2
check_concrete_median            04, 1       ``median_y0(π, τ)``
check_mean_first_order           04, 2       ``mean_first_order(x, τ)``
check_face_exponent              04, 3 (a)   ``face_exponent(d, n, τ)``
check_margin_probability         05, 2       ``p_margin(x, k, κ)``
check_exponential_race           05, 3 (a)   ``p_zero(r)``
check_optimal_baseline           06, 1       b_opt (a number, with ``π``, ``f``) or ``b_opt(π, f)``
check_variance_constant          06, 4       ``constant(θ, c)`` or the number at θ = −1, c = 0.45
check_log_marginal               07, 2       ``log_marginal(log_lik)``
check_straight_through_estimate  08, 1       ``st_estimate(x, g, a)``, with ``jax.grad``
check_safe_gumbel                08, 2       ``safe_gumbel(U)`` for float32 uniforms
check_custom_straight_through    08, 3       ``st_vjp(x, g, τ, u)``: the value and the VJP
check_winner_noise_mean          09, 1       E[g_0 | K = 0], a number
check_control_weight             09, 2       ``best_alpha(A, C)``
check_gumbel_rao_spread          09, 3       the four spreads (n_c = 1, 4, 16, 64) and the floor
check_sparsemax_by_hand          10, 1       the vector sparsemax(1.2, 0.4, 0.1, −1)
check_regularised_max            10, 2       ``regularised_max(x, τ)``
check_sparsemax_pair             10, 3       ``sparsemax_pair(x0, x1, τ)``
===============================  ==========  =================================================

Examples
--------
>>> def softmax_log(x):
...     return np.log(np.exp(x) / np.exp(x).sum())  # no max shift
>>> check_log_softmax_stable(softmax_log).slip
'no_max_shift'
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import describe_value

__all__ = [
    "Verdict",
    "check_averages_needed",
    "check_concrete_median",
    "check_exponential_race",
    "check_face_exponent",
    "check_gumbel_median",
    "check_log_marginal",
    "check_log_softmax_stable",
    "check_margin_probability",
    "check_matching_taus",
    "check_mean_first_order",
    "check_optimal_baseline",
    "check_pathwise_sigma",
    "check_second_place_law",
    "check_square_relaxation",
    "check_staircase_jumps",
    "check_tau_for_99",
    "check_tempered_by_hand",
    "check_top2_law",
    "check_variance_constant",
]


@dataclass(frozen=True)
class Verdict:
    """The answer of a checker: ``slip`` is ``"correct"``, ``"not_written"``, a slip's name
    (``"tau_forgotten"``, ``"no_max_shift"`` …) or ``"wrong"``; ``message`` says it in words.

    Examples
    --------
    >>> v = Verdict("01, exercise 4", "correct", "correct.")
    >>> bool(v), v
    (True, 01, exercise 4: correct.)
    """

    exercise: str
    slip: str
    message: str

    @property
    def correct(self) -> bool:
        """True when the answer is right."""
        return self.slip == "correct"

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return f"{self.exercise}: {self.message}"

    __str__ = __repr__


class _NotWritten(Exception):
    """The student's starter has not been filled in yet."""


class _Raised(Exception):
    """The student's function raised; ``args[0]`` says what and where."""


def _is_blank(value: Any) -> bool:
    return value is None or value is Ellipsis


def _require_callable(func: Any, name: str, what: str) -> None:
    if not callable(func):
        raise TypeError(
            f"{name} must be a function ({what}), not its result; got {describe_value(func)}"
        )


def _require_number(value: Any, name: str, what: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not (
        isinstance(value, numbers.Real)
        or (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf")
    ):
        raise TypeError(f"{name} must be a real number ({what}); got {describe_value(value)}")
    return float(value)


def _require_array(value: Any, name: str, what: str, shape: tuple[int, ...] | None = None):
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be an array of numbers ({what}); got {describe_value(value)}"
        ) from None
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape} ({what}); got shape {arr.shape}")
    return arr


def _quiet(fn: Callable, *args: Any) -> Any:
    """``fn(*args)`` with NumPy's floating-point warnings silenced (overflow is diagnosed)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args)


def _call(func: Callable, args: tuple, shown: str) -> np.ndarray:
    """The student's ``func(*args)`` as a float array (copies of the arguments are passed)."""
    copies = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    try:
        out = _quiet(func, *copies)
    except NotImplementedError:
        raise _NotWritten from None
    except Exception as err:  # the student's bug, reported in one line
        raise _Raised(f"raised {type(err).__name__}: {err} (at {shown})") from None
    if _is_blank(out):
        raise _NotWritten
    for a, c in zip(args, copies, strict=True):
        if isinstance(a, np.ndarray) and not np.array_equal(a, c, equal_nan=True):
            raise _Raised(
                f"changes its argument in place (at {shown}): compute into a new array "
                "(`x = x - x.max()`, not `x -= x.max()`)"
            )
    try:
        return np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise _Raised(f"returned {describe_value(out)}, not numbers (at {shown})") from None


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


@dataclass(frozen=True)
class _Slip:
    """A known slip: ``name``, a ``test(outs) -> bool`` on the student's outputs, ``message``."""

    name: str
    test: Callable[[list[np.ndarray]], bool]
    message: str


def _fmt(value: np.ndarray) -> str:
    value = np.asarray(value)
    if value.ndim == 0:
        return f"{float(value):.6g}"
    return np.array2string(value, precision=4, suppress_small=True, max_line_width=70)


class _Exercise:
    """One exercise: its probes, the reference answers and the known slips."""

    def __init__(
        self,
        label: str,
        probes: Sequence[tuple],
        reference: Callable,
        *,
        rtol: float = 1e-6,
        atol: float = 1e-9,
        probability_vector: bool = False,
    ):
        self.label, self.probes, self.rtol, self.atol = label, list(probes), rtol, atol
        self.refs = [np.asarray(_quiet(reference, *p), dtype=float) for p in self.probes]
        self.probability_vector = probability_vector
        self.slips: list[_Slip] = []

    def same_as(self, name: str, variant: Callable, message: str, on: Sequence[int] | None = None):
        """A slip recognised by giving ``variant``'s outputs (on the probes ``on``, or all)."""
        idx = range(len(self.probes)) if on is None else on
        wants = {i: np.asarray(_quiet(variant, *self.probes[i]), dtype=float) for i in idx}
        self.slips.append(
            _Slip(
                name,
                lambda outs: all(
                    _close(outs[i], w, self.rtol, self.atol) for i, w in wants.items()
                ),
                message,
            )
        )
        return self

    def when(self, name: str, test: Callable[[list[np.ndarray]], bool], message: str):
        """A slip recognised by ``test(outs)`` (for patterns such as NaN at large logits)."""
        self.slips.append(_Slip(name, test, message))
        return self

    def good(self, outs: list[np.ndarray], i: int) -> bool:
        return _close(outs[i], self.refs[i], self.rtol, self.atol)

    def judge(self, outs: list[np.ndarray], shown: Callable[[int], str]) -> Verdict:
        if all(self.good(outs, i) for i in range(len(outs))):
            return Verdict(self.label, "correct", "correct.")
        for slip in self.slips:
            try:
                hit = slip.test(outs)
            except (ValueError, TypeError, IndexError):
                hit = False
            if hit:
                return Verdict(self.label, slip.name, f"not yet: {slip.message}")
        i = next(i for i in range(len(outs)) if not self.good(outs, i))
        out, ref = outs[i], self.refs[i]
        if self.probability_vector and out.shape == ref.shape and _is_one_hot(out):
            return Verdict(
                self.label,
                "one_hot",
                "not yet: you returned a one-hot vector where a probability vector is asked "
                f"(at {shown(i)} the answer is {_fmt(ref)}, with every entry above 0).",
            )
        if out.shape != ref.shape:
            return Verdict(
                self.label,
                "shape",
                f"not yet: at {shown(i)} the answer has shape {ref.shape}; "
                f"yours has shape {out.shape}.",
            )
        return Verdict(
            self.label,
            "wrong",
            f"not yet: at {shown(i)} the answer is {_fmt(ref)}; yours is {_fmt(out)}.",
        )

    def check_function(self, func: Any, name: str, what: str, show: Callable[[tuple], str]):
        if _is_blank(func):
            return self.not_written()
        _require_callable(func, name, what)
        outs = []
        for p in self.probes:
            try:
                outs.append(_call(func, p, show(p)))
            except _NotWritten:
                return self.not_written()
            except _Raised as err:
                return Verdict(self.label, "error", f"not yet: {name} {err.args[0]}.")
        return self.judge(outs, lambda i: show(self.probes[i]))

    def check_value(self, value: np.ndarray, shown: str = "the exercise's values"):
        return self.judge([np.asarray(value, dtype=float)], lambda i: shown)

    def not_written(self) -> Verdict:
        return Verdict(
            self.label, "not_written", "not written yet: fill in the starter, then run it again."
        )


def _is_one_hot(v: np.ndarray) -> bool:
    return v.ndim >= 1 and bool(np.all((v == 0) | (v == 1))) and bool(np.all(v.sum(-1) == 1))


def _finite_where(outs, good, bad) -> bool:
    """Right (finite) on the probes ``good``, not finite on one of ``bad``: an overflow."""
    return all(np.isfinite(outs[i]).all() for i in good) and any(
        not np.isfinite(outs[i]).all() for i in bad
    )


def _vec(values) -> np.ndarray:
    return np.array(values, dtype=float)


def _logsumexp(x: np.ndarray, axis: int = -1) -> np.ndarray:
    top = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(top, axis) + np.log(np.exp(x - top).sum(axis=axis))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(r: float) -> float:
    return 1 / (1 + math.exp(-r))


# ---------------------------------------------------------------------------------------------
# 00: the problem
# ---------------------------------------------------------------------------------------------

_EPS = np.random.default_rng(2026).standard_normal(4000)


def _pathwise(μ, σ, ε):
    return np.mean(2 * (μ + σ * ε - 2) * ε)


def check_pathwise_sigma(answer: Any) -> Verdict:
    r"""00, exercise 1: the pathwise estimate of the σ-derivative of E[(ζ − 2)²].

    ``answer`` is either a function ``pathwise(μ, σ, ε)`` that returns the average estimate
    over the Normal draws ``ε`` (probed exactly, on draws chosen here), or the number computed
    for μ = 0.5, σ = 1 (exactly 2σ = 2; within 0.15, the sampling error of 10 000 draws). Slips:
    ∂ζ/∂σ = ε forgotten (that is the μ-derivative), the sign, the factor 2 of φ'.

    Examples
    --------
    >>> check_pathwise_sigma(lambda μ, σ, ε: np.mean(2 * (μ + σ * ε - 2) * ε)).slip
    'correct'
    >>> check_pathwise_sigma(lambda μ, σ, ε: np.mean(2 * (μ + σ * ε - 2))).slip
    'no_epsilon'
    >>> check_pathwise_sigma(-3.0).slip
    'no_epsilon'
    """
    label = "00, exercise 1"
    no_eps = "∂ζ/∂σ = ε is missing: φ'(ζ) alone gives the derivative in μ, not in σ."
    sign = "the sign is flipped: φ'(ζ) = 2 (ζ − 2), times ∂ζ/∂σ = ε."
    half = "the factor 2 of φ'(ζ) = 2 (ζ − 2) is missing."
    if _is_blank(answer) or callable(answer):
        ex = _Exercise(label, [(0.5, 1.0, _EPS), (-1.0, 2.0, _EPS), (3.0, 0.5, _EPS)], _pathwise)
        ex.same_as("no_epsilon", lambda μ, σ, ε: np.mean(2 * (μ + σ * ε - 2)), no_eps)
        ex.same_as("sign", lambda μ, σ, ε: -_pathwise(μ, σ, ε), sign)
        ex.same_as("missing_factor_2", lambda μ, σ, ε: _pathwise(μ, σ, ε) / 2, half)
        ex.same_as(
            "not_averaged",
            lambda μ, σ, ε: 2 * (μ + σ * ε - 2) * ε,
            "you return one estimate per draw: average them (np.mean).",
        )
        ex.same_as(
            "phi_not_derivative",
            lambda μ, σ, ε: np.mean((μ + σ * ε - 2) ** 2 * ε),
            "φ(ζ) ε is not the pathwise estimate: differentiate φ first, φ'(ζ) = 2 (ζ − 2).",
        )
        return ex.check_function(
            answer,
            "pathwise",
            "pathwise(μ, σ, ε) returning the average estimate",
            lambda p: f"μ = {p[0]}, σ = {p[1]}",
        )
    value = _require_number(answer, "answer", "the estimate at μ = 0.5, σ = 1")
    for target, slip, message in [
        (2.0, "correct", "correct (the exact derivative is 2σ = 2)."),
        (-3.0, "no_epsilon", "not yet: " + no_eps),
        (-2.0, "sign", "not yet: " + sign),
        (1.0, "missing_factor_2", "not yet: " + half),
    ]:
        if abs(value - target) <= 0.15:
            return Verdict(label, slip, message)
    return Verdict(
        label, "wrong", f"not yet: the exact value is 2σ = 2, yours is {value:.4g} (checked ±0.15)."
    )


_STAIR_U = 0.8
_STAIR_REST = _vec([1.0, -0.5, 0.0])


def _stair_jumps(U: float) -> np.ndarray:
    w_rest = np.exp(_STAIR_REST)
    s = w_rest.sum()
    cands = [U * s - w_rest[:m].sum() for m in range(3)]
    return np.sort([np.log(c / (1 - U)) for c in cands if c > 0])


def check_staircase_jumps(jumps: Any) -> Verdict:
    """00, exercise 2: every :math:`x_0` where K changes, for x = (x_0, 1, −0.5, 0) and U = 0.8.

    ``jumps`` is a sequence of the values (any order); they are compared to four decimals.
    Slips: one jump missing, the weights :math:`w = e^{x_0}` given instead of :math:`x_0`,
    U and 1 − U swapped.

    Examples
    --------
    >>> check_staircase_jumps([2.8507, 1.3104, -0.3928]).slip
    'correct'
    >>> check_staircase_jumps([2.8507, 1.3104]).slip
    'missing_jump'
    """
    label = "00, exercise 2"
    if _is_blank(jumps):
        return _Exercise(label, [()], lambda: 0.0).not_written()
    arr = np.sort(_require_array(jumps, "jumps", "the values of x_0 where K changes").ravel())
    right = _stair_jumps(_STAIR_U)
    ex = _Exercise(label, [()], lambda: right, atol=1e-4, rtol=0)
    ex.when(
        "missing_jump",
        lambda outs: (
            0 < outs[0].size < right.size
            and all(np.isclose(right, v, atol=1e-4).any() for v in outs[0])
        ),
        f"a jump is missing: there are {right.size} (one per cumulative sum of π that can reach"
        " U as x_0 moves); check each candidate w > 0.",
    )
    ex.same_as("forgot_log", lambda: np.sort(np.exp(right)), "these are w = e^{x_0}: take the log.")
    ex.same_as(
        "U_swapped",
        lambda: _stair_jumps(1 - _STAIR_U),
        "U and 1 − U are swapped: K jumps where a cumulative sum of π equals U = 0.8.",
    )
    return ex.check_value(arr, "U = 0.8")


# ---------------------------------------------------------------------------------------------
# 01: softmax with a temperature
# ---------------------------------------------------------------------------------------------

_PI_01 = _vec([0.1, 0.2, 0.7])


def check_tempered_by_hand(p: Any) -> Verdict:
    r"""01, exercise 2: :math:`p_{1/2}` for π = (0.1, 0.2, 0.7), to four decimals.

    Slips: the power τ instead of 1/τ (τ multiplied instead of divided), not renormalised,
    τ forgotten (π itself), a one-hot.

    Examples
    --------
    >>> check_tempered_by_hand([0.0185, 0.0741, 0.9074]).slip
    'correct'
    >>> check_tempered_by_hand([0.1, 0.2, 0.7]).slip
    'tau_forgotten'
    """
    label = "01, exercise 2"
    if _is_blank(p):
        return _Exercise(label, [()], lambda: 0.0).not_written()
    arr = _require_array(p, "p", "the probability vector p_{1/2}", shape=(3,))
    ex = _Exercise(label, [()], lambda: _PI_01**2 / (_PI_01**2).sum(), atol=6e-5, rtol=0)
    ex.probability_vector = True
    ex.same_as(
        "tau_multiplied",
        lambda: _PI_01**0.5 / (_PI_01**0.5).sum(),
        "this is the power τ = 1/2; the temperature divides: the power is 1/τ = 2.",
    )
    ex.same_as(
        "not_normalised",
        lambda: _PI_01**2,
        "the squares (0.01, 0.04, 0.49) sum to 0.54, not 1: divide by their sum.",
    )
    ex.same_as("tau_forgotten", lambda: _PI_01, "this is π itself: τ = 1/2 is forgotten.")
    return ex.check_value(arr, "π = (0.1, 0.2, 0.7)")


def check_tau_for_99(tau: Any) -> Verdict:
    """01, exercise 3: the τ at which :math:`p_{τ,0} = 0.99` for x = (1, 0).

    Accepted within 5e-4 of 1/log 99 ≈ 0.2176. Slips: log 99 (τ multiplied instead of
    divided), the base-10 logarithm, the odds 100 in place of 99, the sign.

    Examples
    --------
    >>> check_tau_for_99(1 / np.log(99)).slip
    'correct'
    >>> check_tau_for_99(np.log(99)).slip
    'tau_multiplied'
    """
    label = "01, exercise 3"
    if _is_blank(tau):
        return _Exercise(label, [()], lambda: 0.0).not_written()
    value = _require_number(tau, "tau", "the temperature")
    right = 1 / math.log(99)
    for target, slip, message, tol in [
        (
            1 / math.log(100),
            "odds",
            "this solves e^{1/τ} = 100: the odds are 0.99/0.01 = 99.",
            2e-5,
        ),
        (right, "correct", "correct.", 5e-4),
        (
            math.log(99),
            "tau_multiplied",
            "this is log 99: the logits are divided by τ, so 1/τ = log 99.",
            5e-3,
        ),
        (1 / math.log10(99), "log10", "this uses log base 10; the softmax uses e.", 5e-4),
        (-right, "sign", "τ must be > 0: the sign is flipped (p_{τ,0} grows as τ falls).", 5e-4),
    ]:
        if abs(value - target) <= tol:
            return Verdict(label, slip, message if slip == "correct" else "not yet: " + message)
    p0 = _sigmoid(1 / value) if value > 0 else float("nan")
    return Verdict(label, "wrong", f"not yet: at τ = {value:.4g}, p_τ,0 = {p0:.4g}, not 0.99.")


def _log_softmax(x):
    return x - _logsumexp(np.asarray(x, dtype=float))


_LSM_PROBES = [
    (_vec([0.0, -1000.0]),),
    (_vec([1.0, 2.0, 0.5, -1.0]),),
    (_vec([3.0, -2.0, 0.0]),),
    (_vec([1000.0, 0.0]),),
    (_vec([800.0, 799.0, 790.0]),),
]


def check_log_softmax_stable(log_softmax_stable: Any) -> Verdict:
    """01, exercise 4: a stable ``log_softmax_stable(x)`` for a vector ``x``.

    Probed at [0, −1000] (the exercise's), at ordinary logits and at large ones
    ([1000, 0], [800, 799, 790]), where :math:`e^{x}` overflows without the max shift.
    Slips: the max shift missing, the log of the probabilities (−inf where they underflow),
    the log-sum not subtracted, the probabilities returned instead of their log, a sign.

    Examples
    --------
    >>> def ok(x):
    ...     s = x - x.max()
    ...     return s - np.log(np.exp(s).sum())
    >>> check_log_softmax_stable(ok).slip
    'correct'
    >>> check_log_softmax_stable(lambda x: x - x.max()).slip
    'not_normalised'
    """
    ex = _Exercise("01, exercise 4", _LSM_PROBES, _log_softmax)
    ex.when(
        "log_of_probabilities",
        lambda outs: all(ex.good(outs, i) for i in (1, 2, 4)) and np.isneginf(outs[0]).any(),
        "at [0, −1000] you return −inf: e^{−1000} underflows to 0 before the log. Take the "
        "log of the sum, not of each probability.",
    )
    ex.when(
        "no_max_shift",
        lambda outs: all(ex.good(outs, i) for i in (1, 2)) and _finite_where(outs, [], [3, 4]),
        "at large logits ([1000, 0]) e^x overflows to inf: subtract the max x first.",
    )
    ex.same_as(
        "not_normalised",
        lambda x: x - x.max(),
        "x − max(x) is only the shift: subtract log Σ_j e^{x_j − max} too.",
    )
    ex.same_as(
        "probabilities",
        lambda x: np.exp(_log_softmax(x)),
        "these are the probabilities softmax(x): return their log, computed stably.",
    )
    ex.same_as("sign", lambda x: -_log_softmax(x), "the sign is flipped: log-probabilities ≤ 0.")
    return ex.check_function(
        log_softmax_stable,
        "log_softmax_stable",
        "log_softmax_stable(x) for a vector x",
        lambda p: f"x = {_fmt(p[0])}",
    )


# ---------------------------------------------------------------------------------------------
# 02: the naive straight-through trick
# ---------------------------------------------------------------------------------------------


def check_square_relaxation(estimate: Any, x: Any, f: Any) -> Verdict:
    r"""02, exercise 3: the straight-through estimate at τ = 1 with :math:`\tilde f_2`.

    ``estimate`` is a function ``estimate(K)`` returning the estimate (a vector of length d)
    when category ``K`` (0-based) is drawn; ``x`` and ``f`` are the lesson's logits and losses.
    Slips: the factor 2 of :math:`\nabla (y \odot y) = 2y` forgotten, the linear relaxation's
    :math:`J^\top f` (the same for every K), :math:`e_K` not centred, a 1-based K, the sign.

    Examples
    --------
    >>> x, f = np.array([1.0, 2.0, 0.5, -1.0]), np.array([1.0, 0.0, 2.0, 0.5])
    >>> π = np.exp(x) / np.exp(x).sum()
    >>> check_square_relaxation(lambda K: 2 * f[K] * π[K] * (np.eye(4)[K] - π), x, f).slip
    'correct'
    >>> check_square_relaxation(lambda K: f[K] * π[K] * (np.eye(4)[K] - π), x, f).slip
    'missing_factor_2'
    """
    x = _require_array(x, "x", "the lesson's logits")
    f = _require_array(f, "f", "the lesson's loss values", shape=x.shape)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"x must be a 1-d array of d >= 2 logits; got shape {x.shape}")
    π, eye, d = _softmax(x), np.eye(x.size), x.size

    def right(K):
        return 2 * f[K] * π[K] * (eye[K] - π)

    ex = _Exercise("02, exercise 3", [(k,) for k in range(d)], right)
    ex.same_as(
        "missing_factor_2",
        lambda K: right(K) / 2,
        "∇f̃_2(y) = 2 f ⊙ y: the factor 2 is missing.",
    )
    ex.same_as(
        "linear_relaxation",
        lambda K: π * (f - π @ f),
        "this is J_1(x)ᵀ f, the estimate of the linear relaxation ⟨f, y⟩ (the same for every "
        "K): with f̃_2 the upstream gradient is 2 f_K e_K.",
    )
    ex.same_as(
        "not_centred",
        lambda K: 2 * f[K] * π[K] * eye[K],
        "row K of J_1(x) is π_K (e_K − π): the − π is missing.",
    )
    ex.same_as(
        "one_based",
        lambda K: right((K - 1) % d),
        "your K counts from 1: category K is entry K of a 0-based array (K = 0 is the first).",
    )
    ex.same_as("sign", lambda K: -right(K), "the sign is flipped: row K of J_1 is π_K (e_K − π).")
    return ex.check_function(
        estimate, "estimate", "estimate(K) for the drawn category K", lambda p: f"K = {p[0]}"
    )


def check_averages_needed(n: Any, bias: Any, rmse: Any) -> Verdict:
    r"""02, exercise 5 (b): the smallest n with the spread at most 1% of the squared error.

    ``bias`` and ``rmse`` are the lesson's ``bias1`` and ``rmse1``. The answer is
    :math:`\lceil 99\,\text{spread}/\text{bias}^2 \rceil` with
    :math:`\text{spread} = \text{rmse}^2 - \text{bias}^2`. Slips: the RMSE taken as the spread,
    100 in place of 99, one too few. Any other n is told only whether it is too few or too many,
    and why, never the answer.

    Examples
    --------
    >>> check_averages_needed(99, 1.0, np.sqrt(2.0)).slip
    'correct'
    >>> check_averages_needed(198, 1.0, np.sqrt(2.0)).slip
    'rmse_as_spread'
    """
    label = "02, exercise 5 (b)"
    b = _require_number(bias, "bias", "the lesson's bias1")
    r = _require_number(rmse, "rmse", "the lesson's rmse1")
    if not 0 < b < r:
        raise ValueError(f"bias and rmse must satisfy 0 < bias < rmse; got {b} and {r}")
    if _is_blank(n):
        return _Exercise(label, [()], lambda: 0.0).not_written()
    value = _require_number(n, "n", "the number of averaged draws")
    s2, b2 = r**2 - b**2, b**2
    right = math.ceil(99 * s2 / b2 - 1e-9)
    for target, slip, message in [
        (right, "correct", "correct."),
        (
            math.ceil(99 * r**2 / b2 - 1e-9),
            "rmse_as_spread",
            "the spread is rmse² − bias², not rmse².",
        ),
        (
            math.ceil(100 * s2 / b2 - 1e-9),
            "hundred",
            "100 spread/n ≤ bias² + spread/n gives 99 spread/n ≤ bias²: the spread/n on the"
            " right counts too.",
        ),
        (
            right - 1,
            "off_by_one",
            "one too few: at that n, spread/n is still above 1% of the squared error; take the"
            " next integer above 99 spread/bias².",
        ),
    ]:
        if value == target:
            return Verdict(label, slip, message if slip == "correct" else "not yet: " + message)
    if value < 1 or value != math.floor(value):
        why = f"n counts averaged draws, a whole number of at least 1, not {value:g}."
    elif value < right:
        why = (
            f"n = {value:g} is too few: spread/n is then still above 1% of the squared error"
            " bias² + spread/n."
        )
    else:
        why = (
            f"n = {value:g} is too many: a smaller n already brings spread/n to at most 1% of"
            " the squared error bias² + spread/n, and the exercise asks for the smallest."
        )
    return Verdict(label, "wrong", "not yet: " + why)


def _naive_gap(κ: float) -> float:
    return 4 * κ * _sigmoid(κ) * _sigmoid(-κ) - 2 * _sigmoid(1) * _sigmoid(-1)


def _matching_taus() -> np.ndarray:
    roots = []
    for lo, hi in [(1e-3, 1.5434), (1.5434, 20.0)]:  # Ψ(κ) peaks at κ ≈ 1.5434
        for _ in range(100):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if _naive_gap(lo) * _naive_gap(mid) > 0 else (lo, mid)
        roots.append(1 / ((lo + hi) / 2))
    return np.sort(roots)


def check_matching_taus(taus: Any) -> Verdict:
    """02, exercise 6 (a): every τ where the naive trick equals ∇L (x = (1, 0), a = (0, 1)).

    ``taus`` is a sequence of the temperatures (any order), compared within 0.1%. Slips:
    one of the two solutions missing, κ = 1/τ given instead of τ.

    Examples
    --------
    >>> check_matching_taus([0.2841, 2.4391]).slip
    'correct'
    >>> check_matching_taus([1 / 0.2841, 1 / 2.4391]).slip
    'kappa_not_tau'
    """
    label = "02, exercise 6 (a)"
    if _is_blank(taus):
        return _Exercise(label, [()], lambda: 0.0).not_written()
    arr = np.sort(_require_array(taus, "taus", "the temperatures").ravel())
    right = _matching_taus()
    ex = _Exercise(label, [()], lambda: right, rtol=1e-3, atol=0)
    ex.when(
        "one_root",
        lambda outs: outs[0].size == 1 and np.isclose(right, outs[0][0], rtol=1e-3).any(),
        "one solution is missing: Ψ(κ) rises to one maximum and falls back, so a level below "
        "it is crossed twice.",
    )
    ex.same_as(
        "kappa_not_tau",
        lambda: np.sort(1 / right),
        "these are κ = 1/τ: the temperature divides the logits, so τ = 1/κ.",
    )
    return ex.check_value(arr, "x = (1, 0)")


# ---------------------------------------------------------------------------------------------
# 03: the Gumbel-max trick
# ---------------------------------------------------------------------------------------------


def check_gumbel_median(median: Any) -> Verdict:
    """03, exercise 1: the median of the Gumbel(0, 1) distribution, −log log 2 ≈ 0.3665.

    Slips: the sign of −log(−log U) (log log 2 is −0.3665), the mean γ, one log too few.

    Examples
    --------
    >>> check_gumbel_median(-np.log(np.log(2))).slip
    'correct'
    >>> check_gumbel_median(np.log(np.log(2))).slip
    'sign'
    """
    label = "03, exercise 1"
    if _is_blank(median):
        return _Exercise(label, [()], lambda: 0.0).not_written()
    value = _require_number(median, "median", "a number")
    right = -math.log(math.log(2))
    for target, slip, message in [
        (right, "correct", "correct."),
        (-right, "sign", "the sign is flipped: g = −log(−log U) at U = 1/2 is −log(log 2) > 0."),
        (0.5772156649, "mean", "that is the mean γ; the median solves F(g) = 1/2."),
        (math.log(2), "one_log", "one log is missing: e^{−g} = log 2, so g = −log(log 2)."),
    ]:
        if abs(value - target) <= 5e-4:
            return Verdict(label, slip, message if slip == "correct" else "not yet: " + message)
    return Verdict(
        label,
        "wrong",
        f"not yet: F({value:.4g}) = "
        f"{math.exp(-math.exp(-value)) if value > -700 else 0.0:.4g}, not 1/2.",
    )


_PIS = [_vec([0.05, 0.15, 0.3, 0.5]), _vec([0.5, 0.3, 0.2]), _vec([0.1, 0.6, 0.1, 0.2])]


def _pair_law(π):
    P = π[:, None] * π[None, :] / (1 - π[:, None])
    np.fill_diagonal(P, 0)
    return P


def _no_diag(P):
    P = np.array(P, dtype=float)
    np.fill_diagonal(P, 0)
    return P


def check_top2_law(pair_law: Any) -> Verdict:
    r"""03, exercise 3 (a): ``pair_law(π)``, the d × d matrix of :math:`P(K_1 = i, K_2 = j)`.

    The answer is :math:`\pi_i \pi_j / (1 - \pi_i)` off the diagonal and 0 on it. Slips:
    independent draws :math:`\pi_i \pi_j`, the same renormalised, the conditional law
    :math:`P(K_2 = j \mid K_1 = i)` (each row sums to 1), the denominator :math:`1 - \pi_j`
    (i and j swapped), a non-zero diagonal.

    Examples
    --------
    >>> ok = lambda π: np.where(np.eye(π.size) == 1, 0, np.outer(π, π) / (1 - π)[:, None])
    >>> check_top2_law(ok).slip
    'correct'
    >>> check_top2_law(lambda π: np.outer(π, π)).slip
    'independent'
    """
    ex = _Exercise("03, exercise 3 (a)", [(p,) for p in _PIS], _pair_law)
    ex.same_as(
        "independent",
        lambda π: np.outer(π, π),
        "π_i π_j treats the two places as independent draws; the second place is drawn "
        "among the others: divide by 1 − π_i, and the diagonal is 0.",
    )
    ex.same_as(
        "independent_renormalised",
        lambda π: _no_diag(np.outer(π, π)) / _no_diag(np.outer(π, π)).sum(),
        "π_i π_j renormalised over the pairs is the wrong law the χ² test rejects: the second "
        "clock runs a fresh race among d − 1, with probability π_j / (1 − π_i).",
    )
    ex.same_as(
        "conditional",
        lambda π: _no_diag(π[None, :] / (1 - π[:, None])),
        "each row sums to 1: that is P(K_2 = j | K_1 = i). Multiply by P(K_1 = i) = π_i.",
    )
    ex.same_as(
        "swapped",
        lambda π: _pair_law(π).T,
        "i and j are swapped: the first place i is the one removed, so divide by 1 − π_i.",
    )
    ex.same_as(
        "diagonal",
        lambda π: π[:, None] * π[None, :] / (1 - π[:, None]),
        "the diagonal must be 0: the two places are distinct categories.",
    )
    return ex.check_function(
        pair_law, "pair_law", "pair_law(π) returning a d × d matrix", lambda p: f"π = {_fmt(p[0])}"
    )


def check_second_place_law(second_law: Any) -> Verdict:
    r"""03, exercise 3 (c): ``second_law(π)``, the law of :math:`K_2` alone.

    The answer is :math:`P(K_2 = j) = \pi_j \sum_{i \ne j} \pi_i/(1 - \pi_i)`. Slips: π
    itself (the law of :math:`K_1`, or the joint law summed over the wrong axis), a one-hot.

    Examples
    --------
    >>> check_second_place_law(lambda π: π).slip
    'first_place'
    """

    def right(π):
        return _pair_law(π).sum(axis=0)

    ex = _Exercise("03, exercise 3 (c)", [(p,) for p in _PIS], right, probability_vector=True)
    ex.same_as(
        "first_place",
        lambda π: π,
        "this is π, the law of K_1 (the joint law summed over j): sum P(K_1 = i, K_2 = j) over "
        "i, the first index.",
    )
    return ex.check_function(
        second_law, "second_law", "second_law(π) returning a vector", lambda p: f"π = {_fmt(p[0])}"
    )


# ---------------------------------------------------------------------------------------------
# 04: the Gumbel-softmax relaxation
# ---------------------------------------------------------------------------------------------

_MEDIAN_PROBES = [(_vec([0.3, 0.7]), 0.5), (_vec([0.3, 0.7]), 2.0), (_vec([0.8, 0.2]), 0.25)]


def _tempered(π, τ):
    return π ** (1 / τ) / (π ** (1 / τ)).sum()


def check_concrete_median(median_y0: Any) -> Verdict:
    r"""04, exercise 1: ``median_y0(π, τ)``, the median of :math:`y_0` for d = 2.

    The answer is :math:`p_{\tau,0}`, the first entry of :math:`\operatorname{softmax}(x/\tau)`
    with :math:`x = \log\pi`. Slips: τ forgotten (:math:`\pi_0`), τ multiplied instead of
    divided, the other entry :math:`p_{\tau,1}`, the whole vector.

    Examples
    --------
    >>> check_concrete_median(lambda π, τ: π[0] ** (1 / τ) / (π ** (1 / τ)).sum()).slip
    'correct'
    >>> check_concrete_median(lambda π, τ: π[0]).slip
    'tau_forgotten'
    """
    ex = _Exercise("04, exercise 1", _MEDIAN_PROBES, lambda π, τ: _tempered(π, τ)[0])
    ex.same_as("tau_forgotten", lambda π, τ: π[0], "this is π_0: τ is forgotten.")
    ex.same_as(
        "tau_multiplied",
        lambda π, τ: (π**τ / (π**τ).sum())[0],
        "τ multiplies here; the logits are divided by τ: p_τ = softmax(x / τ).",
    )
    ex.same_as(
        "other_entry",
        lambda π, τ: _tempered(π, τ)[1],
        "this is p_τ,1, the median of y_1: take entry 0.",
    )
    ex.same_as(
        "vector",
        lambda π, τ: _tempered(π, τ),
        "you return the vector p_τ: the median of y_0 is its entry 0, a number.",
    )
    return ex.check_function(
        median_y0,
        "median_y0",
        "median_y0(π, τ) returning a number",
        lambda p: f"π = {_fmt(p[0])}, τ = {p[1]}",
    )


_MEAN_PROBES = [
    (_vec([np.log(0.2), np.log(0.3), np.log(0.5)]), 100.0),
    (_vec([1.0, -0.5, 0.0, 2.0]), 5.0),
    (_vec([0.3, 0.1]), 2.0),
]


def _mean_first_order(x, τ):
    return 1 / x.size + (x - x.mean()) / (x.size * τ)


def check_mean_first_order(mean_first_order: Any) -> Verdict:
    r"""04, exercise 2: ``mean_first_order(x, τ)``, :math:`\mathbb{E}[y]` to first order in 1/τ.

    The answer is :math:`1/d + (x - \bar x)/(d\tau)`. Slips: the factor 1/d of the correction
    missing, τ forgotten, τ multiplied instead of divided, the logits not centred (the entries
    do not sum to 1), the exact :math:`p_\tau` instead of the expansion, a one-hot.

    Examples
    --------
    >>> check_mean_first_order(lambda x, τ: 1 / x.size + (x - x.mean()) / (x.size * τ)).slip
    'correct'
    >>> check_mean_first_order(lambda x, τ: 1 / x.size + (x - x.mean()) / τ).slip
    'missing_1_over_d'
    """
    ex = _Exercise("04, exercise 2", _MEAN_PROBES, _mean_first_order, probability_vector=True)
    ex.same_as(
        "missing_1_over_d",
        lambda x, τ: 1 / x.size + (x - x.mean()) / τ,
        "the correction is (x_k − x̄) / (d τ): the factor 1/d is missing.",
    )
    ex.same_as(
        "tau_forgotten",
        lambda x, τ: 1 / x.size + (x - x.mean()) / x.size,
        "τ is forgotten: the correction is first order in 1/τ.",
    )
    ex.same_as(
        "tau_multiplied",
        lambda x, τ: 1 / x.size + (x - x.mean()) * τ / x.size,
        "τ multiplies here; the correction shrinks like 1/τ.",
    )
    ex.same_as(
        "not_centred",
        lambda x, τ: 1 / x.size + x / (x.size * τ),
        "the entries do not sum to 1: centre the logits, x_k − x̄ (the noise's mean γ cancels "
        "the same way).",
    )
    ex.same_as(
        "tempered_softmax",
        lambda x, τ: _softmax(x / τ),
        "this is p_τ = softmax(x / τ), exact, not the mean E[y] to first order; expand "
        "e^{ω/τ} ≈ 1 + ω/τ.",
    )
    return ex.check_function(
        mean_first_order,
        "mean_first_order",
        "mean_first_order(x, τ) returning a vector",
        lambda p: f"x = {_fmt(p[0])}, τ = {p[1]}",
    )


def check_face_exponent(face_exponent: Any) -> Verdict:
    r"""04, exercise 3 (a): ``face_exponent(d, n, τ)``, the α of ρ ∼ ξ^α near a face.

    The answer is :math:`\alpha = (d - n)\tau - n`. Slips: n and d − n swapped, the sign,
    the numerator's power alone, :math:`-n(\tau + 1)`.

    Examples
    --------
    >>> check_face_exponent(lambda d, n, τ: (d - n) * τ - n).slip
    'correct'
    >>> check_face_exponent(lambda d, n, τ: -n * (τ + 1)).slip
    'numerator_only'
    """
    probes = [(3, 1, 0.5), (3, 2, 1.0), (5, 2, 0.3), (4, 1, 2.0), (6, 4, 0.7)]
    ex = _Exercise("04, exercise 3 (a)", probes, lambda d, n, τ: (d - n) * τ - n)
    ex.same_as(
        "swapped",
        lambda d, n, τ: n * τ - (d - n),
        "n and d − n are swapped: the denominator gives ξ^{dτ}, the numerator ξ^{−n(τ+1)}.",
    )
    ex.same_as("sign", lambda d, n, τ: n - (d - n) * τ, "the sign is flipped.")
    ex.same_as(
        "numerator_only",
        lambda d, n, τ: -n * (τ + 1),
        "the denominator (Σ_j π_j y_j^{−τ})^d grows like ξ^{−dτ} too: it adds dτ.",
    )
    return ex.check_function(
        face_exponent,
        "face_exponent",
        "face_exponent(d, n, τ) returning a number",
        lambda p: f"d = {p[0]}, n = {p[1]}, τ = {p[2]}",
    )


# ---------------------------------------------------------------------------------------------
# 05: the proof
# ---------------------------------------------------------------------------------------------


def _margin(x, k, κ):
    others = np.delete(x, k)
    return 1 / (1 + np.exp(κ + _logsumexp(others) - x[k]))


_MARGIN_PROBES = [
    (_vec([0.5, -1.0, 2.0, 0.0]), 2, 1.0),
    (_vec([0.5, -1.0, 2.0, 0.0]), 0, 0.5),
    (_vec([0.3, 1.2, -0.4]), 1, 2.0),
    (_vec([0.5, -1.0, 2.0, 0.0]), 3, 0.0),
    (_vec([1000.0, 999.0, 998.0]), 1, 1.0),
    (_vec([800.0, 801.0]), 0, 0.5),
]


def check_margin_probability(p_margin: Any) -> Verdict:
    r"""05, exercise 2: ``p_margin(x, k, κ)``, the probability that k wins by more than κ.

    The answer is :math:`e^{x_k} / (e^{x_k} + e^{\kappa}\sum_{i \ne k} e^{x_i})`. Probed at
    ordinary and at large logits. Slips: :math:`e^{-\kappa}` (a sign), κ forgotten
    (softmax), κ on the winner's term, a 1-based k, the max shift missing.

    Examples
    --------
    >>> def ok(x, k, κ):
    ...     w = np.exp(x - x.max())
    ...     return w[k] / (w[k] + np.exp(κ) * (w.sum() - w[k]))
    >>> check_margin_probability(ok).slip
    'correct'
    >>> check_margin_probability(lambda x, k, κ: np.exp(x[k]) / np.exp(x).sum()).slip
    'kappa_forgotten'
    """
    ex = _Exercise("05, exercise 2", _MARGIN_PROBES, _margin)
    small = [0, 1, 2, 3]
    ex.when(
        "no_max_shift",
        lambda outs: all(ex.good(outs, i) for i in small) and _finite_where(outs, [], [4, 5]),
        "at large logits (x = [1000, 999, 998]) e^x overflows: subtract max x first (the "
        "ratio does not change).",
    )
    ex.same_as(
        "kappa_sign",
        lambda x, k, κ: _margin(x, k, -κ),
        "e^{−κ} where e^{κ} belongs: a margin makes winning harder, so the probability falls "
        "as κ grows.",
        on=small,
    )
    ex.same_as(
        "kappa_forgotten",
        lambda x, k, κ: _softmax(x)[k],
        "this is softmax(x)_k: κ is forgotten.",
        on=small,
    )
    ex.same_as(
        "kappa_on_winner",
        lambda x, k, κ: _softmax(x)[k] * np.exp(-κ),
        "e^{κ} multiplies the others' sum only, not the winner's term in the denominator.",
        on=small,
    )
    ex.same_as(
        "one_based",
        lambda x, k, κ: _margin(x, (k - 1) % x.size, κ),
        "your k counts from 1: category k is x[k] with x[0] the first.",
        on=small,
    )
    return ex.check_function(
        p_margin,
        "p_margin",
        "p_margin(x, k, κ) returning a number",
        lambda p: f"x = {_fmt(p[0])}, k = {p[1]}, κ = {p[2]}",
    )


def _p_zero(r):
    return 1 - math.exp(-r) / 2 if r >= 0 else math.exp(r) / 2


def check_exponential_race(p_zero: Any) -> Verdict:
    r"""05, exercise 3 (a): ``p_zero(r)``, P(K = 0) with i.i.d. Exp(1) noise and r = x_0 − x_1.

    The answer is :math:`1 - e^{-r}/2` for r ≥ 0 and :math:`e^{r}/2` for r < 0 (the
    Laplace distribution function). Slips: the r ≥ 0 formula used for every r (where the
    density vanishes), the two branches swapped, P(K = 1) instead, the sigmoid.

    Examples
    --------
    >>> check_exponential_race(lambda r: 1 - np.exp(-r) / 2 if r >= 0 else np.exp(r) / 2).slip
    'correct'
    >>> check_exponential_race(lambda r: 1 - np.exp(-r) / 2).slip
    'one_branch'
    """
    probes = [(1.0,), (0.0,), (-0.5,), (-2.0,), (3.0,)]
    ex = _Exercise("05, exercise 3 (a)", probes, _p_zero)
    ex.same_as(
        "one_branch",
        lambda r: 1 - math.exp(-r) / 2,
        "for r < 0 the integral starts at ξ = −r, where category 1's distribution function "
        "stops being 0: your formula goes below 0 there.",
    )
    ex.same_as(
        "swapped_branches",
        lambda r: math.exp(-r) / 2 if r >= 0 else 1 - math.exp(r) / 2,
        "the two branches are swapped (that is P(K = 1)): a larger r = x_0 − x_1 must favour 0.",
    )
    ex.same_as(
        "sigmoid", lambda r: _sigmoid(r), "this is the sigmoid, Gumbel noise's answer, not Exp's."
    )
    return ex.check_function(
        p_zero, "p_zero", "p_zero(r) returning a number", lambda p: f"r = {p[0]}"
    )


# ---------------------------------------------------------------------------------------------
# 06: gradient estimators
# ---------------------------------------------------------------------------------------------


def _b_opt(π, f):
    w = π * ((np.eye(π.size) - π) ** 2).sum(axis=1)
    return (w * f).sum() / w.sum()


def check_optimal_baseline(b_opt: Any, π: Any = None, f: Any = None) -> Verdict:
    r"""06, exercise 1: the baseline that minimises the spread of REINFORCE.

    ``b_opt`` is a function ``b_opt(π, f)`` (probed on several problems), or the number for
    the lesson's ``π`` and ``f`` (then pass them). The answer weights the losses by
    :math:`\pi_k \lVert e_k - \pi\rVert^2`. Slips: :math:`b = L` (weights :math:`\pi_k`),
    the norm not squared, :math:`\pi_k` left out of the weights, the plain mean of f.

    Examples
    --------
    >>> π, f = np.array([0.2, 0.3, 0.5]), np.array([1.0, 0.0, 2.0])
    >>> check_optimal_baseline(π @ f, π, f).slip
    'b_is_L'
    """
    label = "06, exercise 1"

    def wrongs(ex):
        ex.same_as(
            "b_is_L",
            lambda π, f: π @ f,
            "this is L = Σ π_k f_k, close but not the minimum: the weights are π_k ‖e_k − π‖².",
        )
        ex.same_as(
            "norm_not_squared",
            lambda π, f: (
                (π * np.linalg.norm(np.eye(π.size) - π, axis=1) * f).sum()
                / (π * np.linalg.norm(np.eye(π.size) - π, axis=1)).sum()
            ),
            "the weights are π_k ‖e_k − π‖², with the norm squared.",
        )
        ex.same_as(
            "no_pi",
            lambda π, f: (
                (((np.eye(π.size) - π) ** 2).sum(axis=1) * f).sum()
                / ((np.eye(π.size) - π) ** 2).sum()
            ),
            "the weights need π_k too: the variance sums over K drawn from π.",
        )
        ex.same_as("plain_mean", lambda π, f: f.mean(), "the plain mean of f ignores π.")
        return ex

    if _is_blank(b_opt) or callable(b_opt):
        probes = [
            (_vec([0.1, 0.2, 0.3, 0.4]), _vec([1.0, 0.0, 2.0, 0.5])),
            (_vec([0.5, 0.3, 0.2]), _vec([0.0, 3.0, 1.0])),
            (_vec([0.05, 0.05, 0.9]), _vec([2.0, -1.0, 0.5])),
        ]
        ex = wrongs(_Exercise(label, probes, _b_opt))
        return ex.check_function(
            b_opt, "b_opt", "b_opt(π, f) returning a number", lambda p: f"π = {_fmt(p[0])}"
        )
    value = _require_number(b_opt, "b_opt", "the optimal baseline")
    if π is None or f is None:
        raise TypeError("pass the lesson's π and f with a number: check_optimal_baseline(b, π, f)")
    π = _require_array(π, "π", "the lesson's probabilities")
    if π.ndim != 1 or π.size < 2 or abs(π.sum() - 1) > 1e-6 or (π < 0).any():
        raise ValueError(f"π must be a probability vector; got {_fmt(π)}")
    f = _require_array(f, "f", "the lesson's loss values", shape=π.shape)
    ex = wrongs(_Exercise(label, [(π, f)], _b_opt, rtol=1e-6))
    return ex.check_value(np.asarray(value), "the lesson's π and f")


def _constant(θ, c):
    return _sigmoid(θ) * (1 - _sigmoid(θ)) * (1 / 5 - 2 * c / 3 + 2 * c**2 / 3)


def check_variance_constant(constant: Any) -> Verdict:
    r"""06, exercise 4: the limit of :math:`\tau\,\mathbb{E}[\widehat{\nabla L}^{\,2}]` as τ → 0.

    ``constant`` is a function ``constant(θ, c)`` or the number at θ = −1, c = 0.45
    (about 0.00688). The answer is :math:`\operatorname{sigmoid}'(\theta)\,(1/5 - 2c/3 +
    2c^2/3)`. Slips: the factor :math:`\operatorname{sigmoid}'(\theta)` missing, the sigmoid
    in place of its derivative, the factor 4 of :math:`\phi'^2` missing.

    Examples
    --------
    >>> check_variance_constant(0.035).slip
    'no_slope'
    """
    label = "06, exercise 4"
    probes = [(-1.0, 0.45), (0.5, 0.2), (2.0, 0.9)]
    if not (_is_blank(constant) or callable(constant)):
        _require_number(constant, "constant", "the limit at θ = −1, c = 0.45")
        probes = probes[:1]
    ex = _Exercise(label, probes, _constant, rtol=2e-3, atol=0)
    ex.same_as(
        "no_slope",
        lambda θ, c: 1 / 5 - 2 * c / 3 + 2 * c**2 / 3,
        "this is the integral alone: the density of ξ contributes sigmoid'(θ).",
    )
    ex.same_as(
        "sigmoid_not_derivative",
        lambda θ, c: _sigmoid(θ) * (1 / 5 - 2 * c / 3 + 2 * c**2 / 3),
        "the factor is sigmoid'(θ) = sigmoid(θ)(1 − sigmoid(θ)), not sigmoid(θ).",
    )
    ex.same_as(
        "missing_factor_4",
        lambda θ, c: _constant(θ, c) / 4,
        "φ'(β)² = 4 (β − c)²: the factor 4 is missing.",
    )
    if callable(constant) or _is_blank(constant):
        return ex.check_function(
            constant,
            "constant",
            "constant(θ, c) returning a number",
            lambda p: f"θ = {p[0]}, c = {p[1]}",
        )
    return ex.check_value(np.asarray(float(constant)), "θ = −1, c = 0.45")


# ---------------------------------------------------------------------------------------------
# 07: the categorical VAE
# ---------------------------------------------------------------------------------------------

_LL_RNG = np.random.default_rng(7)
_LL_PROBES = [
    (_LL_RNG.normal(-3.0, 1.0, size=(5, 10)),),
    (_LL_RNG.normal(-2.0, 2.0, size=(3, 4)),),
    (_LL_RNG.normal(-900.0, 30.0, size=(6, 10)),),
    (_LL_RNG.normal(-1.0, 1.0, size=(10, 10)),),
]


def _log_marginal(log_lik):
    return _logsumexp(log_lik, axis=1) - np.log(log_lik.shape[1])


def check_log_marginal(log_marginal: Any) -> Verdict:
    r"""07, exercise 2: ``log_marginal(log_lik)``, :math:`\log p(v)` per image.

    ``log_lik`` has one row per image and one column per category, entries
    :math:`\log p(v \mid e_k)`; the prior is uniform. The answer is
    :math:`\log \frac1d \sum_k p(v \mid e_k)`, one number per row. Probed at realistic
    log-likelihoods (about −900, where :math:`e^{x}` underflows to 0). Slips: the max shift
    missing, the prior 1/d forgotten, the wrong axis, the mean of the logs (a lower bound).

    Examples
    --------
    >>> from math import log
    >>> def ok(ll):
    ...     top = ll.max(axis=1, keepdims=True)
    ...     return top[:, 0] + np.log(np.exp(ll - top).mean(axis=1))
    >>> check_log_marginal(ok).slip
    'correct'
    >>> check_log_marginal(lambda ll: np.log(np.exp(ll).mean(axis=1))).slip
    'no_max_shift'
    """
    ex = _Exercise("07, exercise 2", _LL_PROBES, _log_marginal)
    ex.when(
        "no_max_shift",
        lambda outs: all(ex.good(outs, i) for i in (0, 1, 3)) and _finite_where(outs, [], [2]),
        "at log-likelihoods near −900 (a larger image) e^x underflows to 0, and the log gives "
        "−inf: subtract "
        "each row's max first (np.logaddexp.reduce does it for you).",
    )
    ex.same_as(
        "prior_forgotten",
        lambda ll: _logsumexp(ll, axis=1),
        "the prior 1/d is forgotten: log p(v) = log Σ_k (1/d) p(v | e_k), so subtract log d.",
    )
    ex.same_as(
        "wrong_axis",
        lambda ll: _logsumexp(ll, axis=0) - np.log(ll.shape[0]),
        "you summed over the images (axis 0): sum over the categories, axis 1, one value per "
        "image.",
    )
    ex.same_as(
        "mean_of_logs",
        lambda ll: ll.mean(axis=1),
        "the mean of the logs is a lower bound (Jensen), not the log of the mean.",
    )
    ex.when(
        "wrong_axis",
        lambda outs: outs[1].shape == (4,) and outs[0].shape == (10,),
        "you summed over the images (axis 0): sum over the categories, axis 1, one value per "
        "image.",
    )
    return ex.check_function(
        log_marginal,
        "log_marginal",
        "log_marginal(log_lik) returning one value per row",
        lambda p: f"log_lik of shape {p[0].shape} (entries about {p[0].mean():.0f})",
    )


# ---------------------------------------------------------------------------------------------
# 08: the same ideas in JAX
# ---------------------------------------------------------------------------------------------

# The checkers of notebook 08 take the student's JAX function and call it with NumPy arrays;
# its result (a JAX array) is read with np.asarray. This module never imports JAX.

_JAX_RNG = np.random.default_rng(2008)
_ST_PROBES = [
    (np.log([0.1, 0.2, 0.3, 0.4]), _JAX_RNG.gumbel(size=4), np.array([0.0, 0.2, 0.8, 0.0])),
    (np.array([0.5, -0.3, 1.2, 0.1]), _JAX_RNG.gumbel(size=4), np.array([0.7, 0.1, 0.1, 0.1])),
    (np.array([2.0, 0.0, -1.0, 0.5]), _JAX_RNG.gumbel(size=4), np.array([0.0, 1.0, 0.0, 0.0])),
]


def _vjp(p, u):
    return p * (u - u @ p)


def _st_estimate(x, g, a):
    π = _softmax(x)
    return _vjp(π, 2 * (np.eye(len(x))[(x + g).argmax()] - a))


def check_straight_through_estimate(st_estimate: Any) -> Verdict:
    r"""08, exercise 1: ``st_estimate(x, g, a)``, the straight-through estimator with ``jax.grad``.

    The straight-through estimator of Bengio, Léonard & Courville (2013), as notebook 06
    defines it, for :math:`f(z) = \lVert z - a\rVert^2`: the forward value is the one-hot
    :math:`z = e_K`, :math:`K = \arg\max(x + g)` (a sample of :math:`\pi`), written
    :math:`z - \operatorname{sg}(\pi) + \pi` with :math:`\pi = \operatorname{softmax}(x)`, and
    its gradient in :math:`x` is

    .. math::

        \pi \odot \bigl(u - \langle u, \pi\rangle\bigr), \qquad u = 2(e_K - a).

    The student's function is written with ``jax.grad`` (any function returning the array
    is accepted). Slips: no stop-gradient (the gradient 0), the stop-gradient on the wrong
    term (the sign flipped), the Jacobian of the Gumbel-softmax sample at τ = 1 instead of
    that of π, the loss's gradient taken at π instead of at z.

    Examples
    --------
    >>> def ok(x, g, a):
    ...     π = np.exp(x - x.max()); π /= π.sum()
    ...     u = 2 * (np.eye(len(x))[(x + g).argmax()] - a)
    ...     return π * (u - u @ π)
    >>> check_straight_through_estimate(ok).slip
    'correct'
    >>> check_straight_through_estimate(lambda x, g, a: -ok(x, g, a)).slip
    'wrong_term'
    """
    ex = _Exercise("08, exercise 1", _ST_PROBES, _st_estimate, rtol=1e-6, atol=1e-9)
    ex.when(
        "no_stop_gradient",
        lambda outs: all(np.abs(o).max() == 0 for o in outs),
        "the gradient is 0 everywhere: z - π + π cancels in autograd; stop the gradient of "
        "one π, z - jax.lax.stop_gradient(π) + π.",
    )
    ex.same_as(
        "wrong_term",
        lambda x, g, a: -_st_estimate(x, g, a),
        "the sign is flipped: z - π + stop_gradient(π) has the value z but the gradient of "
        "-π; stop the gradient of the subtracted π.",
    )
    ex.same_as(
        "gumbel_softmax_jacobian",
        lambda x, g, a: _vjp(_softmax(x + g), 2 * (np.eye(len(x))[(x + g).argmax()] - a)),
        "this backpropagates through softmax(x + g), the Gumbel-softmax sample: the "
        "straight-through estimator passes the gradient through π = softmax(x), no noise.",
    )
    ex.same_as(
        "upstream_at_pi",
        lambda x, g, a: _vjp(_softmax(x), 2 * (_softmax(x) - a)),
        "the loss's gradient is taken at π: the forward value is the one-hot z, so "
        "u = 2(z - a) is taken at z.",
    )
    return ex.check_function(
        st_estimate,
        "st_estimate",
        "st_estimate(x, g, a) returning the gradient in x",
        lambda p: f"x = {_fmt(p[0])}, g = {_fmt(p[1])}",
    )


# probes of one shape each, so that a compiled (jax.jit) answer is compiled once
_U_PROBES = [
    (np.array([0.0, 0.25, 0.5, 0.75], dtype=np.float32),),
    (np.array([0.1, 0.9, 1.0, 0.3], dtype=np.float32),),
    (np.array([0.0, 1.0, 0.5, 0.2], dtype=np.float32),),
    (np.array([0.05, 0.5, 0.95, 0.6], dtype=np.float32),),
]


def _not_written(label: str) -> Verdict:
    return Verdict(label, "not_written", "not written yet: fill in the starter, then run it again.")


def check_safe_gumbel(safe_gumbel: Any) -> Verdict:
    r"""08, exercise 2: ``safe_gumbel(U)``, Gumbel noise from float32 uniforms, always finite.

    Strictly inside :math:`(0, 1)` the answer is :math:`-\log(-\log U)` (to float32
    rounding); at :math:`U = 0` and :math:`U = 1`, where that is :math:`\mp\infty`, it must
    be finite (clip :math:`U` to :math:`[\text{tiny}, 1 - \varepsilon]` first, as
    ``jax.random.gumbel`` keeps its uniforms in :math:`[\text{tiny}, 1)`), below every
    other value at 0 and above every other value at 1. Slips: no clip, only one end
    clipped, the sign of :math:`-\log(-\log U)`, the exponential's :math:`-\log U` alone.

    Examples
    --------
    >>> def ok(U):
    ...     f = np.finfo(np.float32)
    ...     return -np.log(-np.log(np.clip(U, f.tiny, 1 - f.eps)))
    >>> check_safe_gumbel(ok).slip
    'correct'
    >>> check_safe_gumbel(lambda U: -np.log(-np.log(U))).slip
    'not_finite'
    """
    label = "08, exercise 2"
    if _is_blank(safe_gumbel):
        return _not_written(label)
    _require_callable(safe_gumbel, "safe_gumbel", "safe_gumbel(U) returning the noise")
    outs = []
    for (U,) in _U_PROBES:
        try:
            outs.append(_call(safe_gumbel, (U,), f"U = {_fmt(U)}"))
        except _NotWritten:
            return _not_written(label)
        except _Raised as err:
            return Verdict(label, "error", f"not yet: safe_gumbel {err.args[0]}.")
    for (U,), out in zip(_U_PROBES, outs, strict=True):
        if out.shape != U.shape:
            return Verdict(
                label,
                "shape",
                f"not yet: at U = {_fmt(U)} the answer has shape {U.shape}; yours has "
                f"shape {out.shape}.",
            )
    inner = [(U, out, (U > 0) & (U < 1)) for (U,), out in zip(_U_PROBES, outs, strict=True)]
    with np.errstate(all="ignore"):
        want = [-np.log(-np.log(U[m].astype(float))) for U, _, m in inner]
    got = [out[m] for _, out, m in inner]
    if all(_close(o, -w, 1e-5, 1e-6) for o, w in zip(got, want, strict=True)):
        return Verdict(label, "sign", "not yet: the sign is flipped: g = -log(-log U).")
    if all(
        _close(o, -np.log(U[m].astype(float)), 1e-5, 1e-6)
        for o, (U, _, m) in zip(got, inner, strict=True)
    ):
        return Verdict(
            label,
            "exponential",
            "not yet: -log U is an exponential draw; the Gumbel draw is -log(-log U).",
        )
    if not all(_close(o, w, 1e-5, 1e-6) for o, w in zip(got, want, strict=True)):
        U, out, m = inner[0]
        return Verdict(
            label,
            "wrong",
            f"not yet: at U = {_fmt(U[m])} the answer is {_fmt(want[0])}; yours is {_fmt(out[m])}.",
        )
    ends = [(U, out) for (U,), out in zip(_U_PROBES, outs, strict=True)]
    bad0 = any(not np.isfinite(out[U == 0]).all() for U, out in ends)
    bad1 = any(not np.isfinite(out[U == 1]).all() for U, out in ends)
    if bad0 or bad1:
        which = "U = 0 and U = 1" if bad0 and bad1 else ("U = 0" if bad0 else "U = 1")
        return Verdict(
            label,
            "not_finite" if bad0 and bad1 else "one_end",
            f"not yet: at {which} the noise is not finite (log 0): clip U to "
            "[tiny, 1 - eps] of float32 before the logarithms.",
        )
    for U, out in ends:
        inside = out[(U > 0) & (U < 1)]
        if (U == 0).any() and inside.size and out[U == 0].max() > inside.min():
            return Verdict(label, "wrong", "not yet: the value at U = 0 must be the smallest.")
        if (U == 1).any() and inside.size and out[U == 1].min() < inside.max():
            return Verdict(label, "wrong", "not yet: the value at U = 1 must be the largest.")
    return Verdict(label, "correct", "correct.")


_CUSTOM_RNG = np.random.default_rng(2009)
_CUSTOM_PROBES = [
    (np.log([0.1, 0.2, 0.3, 0.4]), _CUSTOM_RNG.gumbel(size=4), 0.5, np.array([1.0, 0.0, 0.0, 0.0])),
    (
        np.array([0.5, -0.3, 1.2, 0.1]),
        _CUSTOM_RNG.gumbel(size=4),
        2.0,
        np.array([0.3, -1.0, 0.4, 2.0]),
    ),
    (
        np.array([1.0, 0.0, 0.0, -1.0]),
        _CUSTOM_RNG.gumbel(size=4),
        1.0,
        np.array([-0.5, 0.2, 1.5, 0.0]),
    ),
]


def _custom_st(x, g, τ, u, forward="hard", at="y", scale=None, sign=1.0):
    """The value and the VJP of straight-through Gumbel-softmax, or one of its slips."""
    y = _softmax((x + g) / τ)
    z = np.eye(len(x))[(x + g).argmax()] if forward == "hard" else y
    p = {"y": y, "pi": _softmax(x / τ)}[at]
    vjp = sign * p * (u - u @ p) / (τ if scale is None else scale)
    return np.stack([z, vjp])


def check_custom_straight_through(st_vjp: Any) -> Verdict:
    r"""08, exercise 3: straight-through Gumbel-softmax written with ``jax.custom_vjp``.

    The student writes the forward pass and the backward pass by hand with
    ``jax.custom_vjp`` and passes ``st_vjp(x, g, τ, u)``, which returns the pair (value,
    VJP) that ``jax.vjp`` takes through it. The answer: the value is the one-hot
    :math:`z = e_K`, :math:`K = \arg\max(x + g)`, and the VJP in :math:`x` is that of
    :math:`y = \operatorname{softmax}((x + g)/\tau)`,

    .. math::

        \frac{y}{\tau} \odot \bigl(u - \langle u, y\rangle\bigr).

    Slips: the soft sample :math:`y` as the value, τ forgotten in the backward pass, the
    Jacobian of :math:`\operatorname{softmax}(x/\tau)` (the noise forgotten), :math:`u`
    passed on unchanged, the sign flipped.

    Examples
    --------
    >>> def ok(x, g, τ, u):
    ...     y = np.exp((x + g) / τ - ((x + g) / τ).max()); y /= y.sum()
    ...     return np.eye(len(x))[(x + g).argmax()], y / τ * (u - u @ y)
    >>> check_custom_straight_through(ok).slip
    'correct'
    >>> check_custom_straight_through(lambda x, g, τ, u: (ok(x, g, τ, u)[0], u)).slip
    'identity'
    """
    ex = _Exercise("08, exercise 3", _CUSTOM_PROBES, _custom_st, rtol=1e-6, atol=1e-9)
    ex.same_as(
        "soft_forward",
        lambda x, g, τ, u: _custom_st(x, g, τ, u, forward="soft"),
        "the value is the soft sample y: the forward pass returns the one-hot of argmax(x + g).",
    )
    ex.same_as(
        "tau_forgotten",
        lambda x, g, τ, u: _custom_st(x, g, τ, u, scale=1.0),
        "the backward pass forgets τ: the VJP of softmax((x + g)/τ) is y/τ ⊙ (u - <u, y>).",
    )
    ex.same_as(
        "noise_forgotten",
        lambda x, g, τ, u: _custom_st(x, g, τ, u, at="pi"),
        "the backward pass uses softmax(x/τ), without the noise: keep y = softmax((x + g)/τ) "
        "from the forward pass as the residual.",
    )
    ex.when(
        "identity",
        lambda outs: all(
            _close(o[1], p[3], 1e-9, 1e-12) for o, p in zip(outs, _CUSTOM_PROBES, strict=True)
        ),
        "the backward pass returns u unchanged: straight-through Gumbel-softmax borrows the "
        "Jacobian of y, y/τ ⊙ (u - <u, y>).",
    )
    ex.same_as(
        "sign",
        lambda x, g, τ, u: _custom_st(x, g, τ, u, sign=-1.0),
        "the sign of the VJP is flipped: y/τ ⊙ (u - <u, y>).",
    )
    return ex.check_function(
        st_vjp,
        "st_vjp",
        "st_vjp(x, g, τ, u) returning the pair (value, VJP)",
        lambda p: f"x = {_fmt(p[0])}, g = {_fmt(p[1])}, τ = {p[2]}, u = {_fmt(p[3])}",
    )


__all__ += ["check_custom_straight_through", "check_safe_gumbel", "check_straight_through_estimate"]


# ---------------------------------------------------------------------------------------------
# 09: better gradients from the relaxation
# ---------------------------------------------------------------------------------------------


def check_winner_noise_mean(value: Any) -> Verdict:
    """09, exercise 1: :math:`\\mathbb{E}[g_0 \\mid K = 0]` for π = (0.1, 0.2, 0.3, 0.4), x = log π.

    Given :math:`K = 0`, :math:`x_0 + g_0` is the maximum, Gumbel with location
    :math:`\\log\\sum_j e^{x_j} = 0` and mean γ, so the answer is :math:`\\gamma - \\log 0.1
    \\approx 2.8798`. Slips: γ forgotten (−log 0.1), the sign of :math:`x_0` (γ + log 0.1),
    the mean of the maximum itself (γ), the unconditional mean (γ again).

    Examples
    --------
    >>> check_winner_noise_mean(0.5772156649 - math.log(0.1)).slip
    'correct'
    >>> check_winner_noise_mean(-math.log(0.1)).slip
    'gamma_forgotten'
    """
    label = "09, exercise 1"
    if _is_blank(value):
        return _Exercise(label, [()], lambda: 0.0).not_written()
    number = _require_number(value, "winner_noise_mean", "a number")
    gamma, x0 = 0.5772156649015329, math.log(0.1)
    for target, slip, message in [
        (gamma - x0, "correct", "correct."),
        (-x0, "gamma_forgotten", "the maximum's mean is its location plus γ, not its location."),
        (gamma + x0, "sign", "g_0 = M − x_0: subtract the logit x_0 = log 0.1, do not add it."),
        (
            gamma,
            "maximum",
            "γ is the mean of the maximum x_0 + g_0 (location log Σ e^x = 0); the noise is "
            "that minus x_0.",
        ),
    ]:
        if abs(number - target) <= 5e-3:
            return Verdict(label, slip, message if slip == "correct" else "not yet: " + message)
    return Verdict(
        label, "wrong", f"not yet: {number:.4g} is not the mean of g_0 given that category 0 wins."
    )


def _best_alpha(A: np.ndarray, C: np.ndarray) -> float:
    a, c = A - A.mean(axis=0), C - C.mean(axis=0)
    return float(-(a * c).sum() / (c * c).sum())


def _alpha_probes() -> list[tuple[np.ndarray, np.ndarray]]:
    r = np.random.default_rng(9)
    probes = []
    for n, d, shift in [(50, 4, 0.0), (200, 3, 2.0), (30, 5, -1.0)]:
        C = r.normal(size=(n, d)) + shift  # a mean away from 0: centring matters
        A = -0.7 * C + 0.5 * r.normal(size=(n, d)) + 1.5
        probes.append((A, C))
    return probes


def check_control_weight(best_alpha: Any) -> Verdict:
    """09, exercise 2: ``best_alpha(A, C)``, the α minimising the summed variance of A + α C.

    The answer is :math:`α^* = -\\sum_j \\mathrm{Cov}(A_j, C_j) / \\sum_j \\mathrm{Var}(C_j)`,
    from samples of shape (n, d). Slips: the sign, no centring (raw second moments), the
    ratio upside down, one α per coordinate.

    Examples
    --------
    >>> def right(A, C):
    ...     a, c = A - A.mean(0), C - C.mean(0)
    ...     return -(a * c).sum() / (c * c).sum()
    >>> check_control_weight(right).slip
    'correct'
    >>> check_control_weight(lambda A, C: (A * C).sum() / (C * C).sum() * -1).slip
    'not_centred'
    """
    ex = _Exercise("09, exercise 2", _alpha_probes(), _best_alpha, rtol=1e-6, atol=1e-9)
    ex.same_as(
        "sign",
        lambda A, C: -_best_alpha(A, C),
        "the sign is flipped: the variance is Σ Var A + 2α Σ Cov(A, C) + α² Σ Var C, "
        "smallest at α = −Σ Cov / Σ Var C.",
    )
    ex.same_as(
        "not_centred",
        lambda A, C: float(-(A * C).sum() / (C * C).sum()),
        "subtract the means first: a variance and a covariance are about the centred samples.",
    )
    ex.same_as(
        "upside_down",
        lambda A, C: 1.0 / _best_alpha(A, C),
        "the ratio is upside down: divide by the variance of C, the term α multiplies.",
    )
    ex.when(
        "per_coordinate",
        lambda outs: all(np.asarray(o).ndim == 1 and np.asarray(o).size > 1 for o in outs),
        "one α for all coordinates is asked: sum the covariances and the variances over j first.",
    )
    return ex.check_function(
        best_alpha,
        "best_alpha",
        "best_alpha(A, C) returning one number",
        lambda p: f"A, C of shape {p[0].shape}",
    )


_GR_SPREADS = np.array([0.867, 0.710, 0.665, 0.653])  # n_c = 1, 4, 16, 64; 2 × 200000 draws
_GR_FLOOR = 0.649  # the spread of E[ST-GS | K]


def check_gumbel_rao_spread(spreads: Any, floor: Any) -> Verdict:
    """09, exercise 3: Gumbel-Rao's spread for n_c = 1, 4, 16, 64, and its floor.

    On the toy of 09 (x = (0.5, 1, −0.5, 0), the squared error to a = (0.1, 0.2, 0.6, 0.1),
    τ = 0.5) the spread (``bias_std(...).std``) of one estimate is about 0.867, 0.710, 0.665,
    0.653, falling towards the spread of :math:`\\mathbb{E}[\\text{ST-GS} \\mid K]`, about 0.649;
    with n_c = 1 it is ST-GS's own (about 0.866). Accepted within 0.02, what 20000 draws
    give (the floor within 0.01, so that the spread at n_c = 16 is not taken for it). Slips:
    variances instead of standard deviations, the same spread for every n_c (the draws not
    averaged), the floor set to ST-GS's spread.

    Examples
    --------
    >>> check_gumbel_rao_spread([0.864, 0.709, 0.663, 0.651], 0.647).slip
    'correct'
    >>> check_gumbel_rao_spread([0.75, 0.50, 0.44, 0.43], 0.42).slip
    'variance'
    """
    label = "09, exercise 3"
    if _is_blank(spreads) or _is_blank(floor):
        return _Exercise(label, [()], lambda: 0.0).not_written()
    arr = _require_array(spreads, "spreads", "the four spreads for n_c = 1, 4, 16, 64", shape=(4,))
    bottom = _require_number(floor, "floor", "a number")
    if np.abs(arr - _GR_SPREADS).max() <= 0.02 and abs(bottom - _GR_FLOOR) <= 0.01:
        return Verdict(label, "correct", "correct.")
    if np.abs(arr - _GR_SPREADS**2).max() <= 0.03:
        return Verdict(label, "variance", "not yet: these are variances; take their square roots.")
    if np.abs(arr - _GR_SPREADS[0]).max() <= 0.02:
        return Verdict(
            label,
            "not_averaged",
            "not yet: the spread does not fall with n_c; average the backward pass over the "
            "n_c conditional draws (n_conditional=...).",
        )
    if np.abs(arr - _GR_SPREADS).max() <= 0.02 and abs(bottom - _GR_SPREADS[0]) <= 0.02:
        return Verdict(
            label,
            "floor_is_st",
            "not yet: the floor is the spread of E[ST-GS | K], one mean vector per category, "
            "not the spread of ST-GS itself.",
        )
    return Verdict(
        label,
        "wrong",
        f"not yet: spreads {np.round(arr, 3).tolist()} and floor {bottom:.3g} are not the toy's.",
    )


__all__ += ["check_control_weight", "check_gumbel_rao_spread", "check_winner_noise_mean"]


# ---------------------------------------------------------------------------------------------
# 10: beyond one choice
# ---------------------------------------------------------------------------------------------

_X_10 = np.array([1.2, 0.4, 0.1, -1.0])


def _project_top(z: np.ndarray, support: int) -> np.ndarray:
    """max(z − ξ, 0) with ξ set from the ``support`` largest entries of z."""
    top = np.sort(z)[::-1][:support]
    return np.maximum(z - (top.sum() - 1.0) / support, 0.0)


def check_sparsemax_by_hand(y: Any) -> Verdict:
    r"""10, exercise 1: :math:`\operatorname{sparsemax}(x)` for x = (1.2, 0.4, 0.1, −1.0), by hand.

    The support has 2 entries (:math:`1 + 3 \cdot 0.1 = 1.3` is not above
    :math:`1.2 + 0.4 + 0.1 = 1.7`), the threshold is :math:`\xi = (1.6 - 1)/2 = 0.3`, and the
    answer is (0.9, 0.1, 0, 0). Slips: the softmax, the threshold from every entry (a support
    of 4), the threshold from 3 entries, a one-hot.

    Examples
    --------
    >>> check_sparsemax_by_hand([0.9, 0.1, 0.0, 0.0]).slip
    'correct'
    >>> check_sparsemax_by_hand([1.275, 0.475, 0.175, 0.0]).slip
    'threshold_from_all'
    """
    label = "10, exercise 1"
    if _is_blank(y):
        return _Exercise(label, [()], lambda: 0.0).not_written()
    arr = _require_array(y, "y", "the vector sparsemax(x)", shape=(4,))
    ex = _Exercise(label, [()], lambda: _project_top(_X_10, 2), atol=6e-4, rtol=0)
    ex.probability_vector = True
    ex.same_as(
        "softmax",
        lambda: _softmax(_X_10),
        "this is softmax(x): sparsemax is the projection onto the simplex, max(x − ξ, 0).",
    )
    ex.same_as(
        "threshold_from_all",
        lambda: _project_top(_X_10, 4),
        "ξ is computed from all 4 entries, but the support is smaller: max(x − ξ, 0) must "
        "sum to 1. Find the largest k with 1 + k·x_(k) > x_(1) + … + x_(k).",
    )
    ex.same_as(
        "threshold_from_three",
        lambda: _project_top(_X_10, 3),
        "ξ is computed from 3 entries, but 1 + 3·0.1 is not above 1.2 + 0.4 + 0.1: the "
        "support has 2 entries (your entries sum to more than 1).",
    )
    return ex.check_value(arr, "x = (1.2, 0.4, 0.1, −1.0)")


_RMAX_PROBES = [
    (np.array([1.0, 2.0, 0.5]), 1.0),
    (np.array([1.0, 2.0, 0.5]), 0.1),
    (np.zeros(4), 2.0),
    (np.array([1000.0, 999.0]), 0.5),
]


def _regularised_max(x: np.ndarray, τ: float) -> float:
    return float(τ * _logsumexp(x / τ))


def check_regularised_max(regularised_max: Any) -> Verdict:
    r"""10, exercise 2: ``regularised_max(x, τ)``, the maximum of
    :math:`\langle x, y\rangle + \tau H(y)` over the simplex.

    The answer is :math:`\tau \log \sum_k e^{x_k/\tau}`, computed with the max shift. Probed at
    moderate logits, a small τ, equal logits and large logits (1000, where :math:`e^{x}`
    overflows). Slips: the factor τ forgotten, the max shift missing, :math:`\max_k x_k` (the
    limit τ → 0), the log of the mean (the term :math:`\tau \log d` missing).

    Examples
    --------
    >>> def ok(x, τ):
    ...     top = x.max()
    ...     return top + τ * np.log(np.exp((x - top) / τ).sum())
    >>> check_regularised_max(ok).slip
    'correct'
    >>> check_regularised_max(lambda x, τ: x.max()).slip
    'max_only'
    """
    ex = _Exercise("10, exercise 2", _RMAX_PROBES, _regularised_max)
    ex.when(
        "no_max_shift",
        lambda outs: all(ex.good(outs, i) for i in (0, 1, 2)) and _finite_where(outs, [], [3]),
        "at logits near 1000, e^(x/τ) overflows: subtract max x first, then add it back.",
    )
    ex.same_as(
        "tau_forgotten",
        lambda x, τ: float(_logsumexp(x / τ)),
        "the value is τ · log Σ e^(x/τ): multiply the log-sum-exp by τ.",
    )
    ex.same_as(
        "max_only",
        lambda x, τ: float(x.max()),
        "max x is the value at y = e_(argmax), without the entropy: it is the limit τ → 0. "
        "At τ > 0 the entropy adds to it.",
    )
    ex.same_as(
        "log_mean",
        lambda x, τ: float(τ * _logsumexp(x / τ) - τ * np.log(x.size)),
        "this is τ log of the mean of e^(x/τ): the entropy of the uniform point is log d, so "
        "the sum, not the mean, belongs inside the log.",
    )
    return ex.check_function(
        regularised_max,
        "regularised_max",
        "regularised_max(x, τ) returning a number",
        lambda p: f"x = {_fmt(p[0])}, τ = {p[1]}",
    )


_PAIR_PROBES = [(1.0, 0.5, 1.0), (0.0, 3.0, 1.0), (2.0, 1.5, 0.1), (0.2, 0.0, 1.0), (0.0, 0.4, 2.0)]


def _sparsemax_pair(x0: float, x1: float, τ: float) -> float:
    return float(np.clip((x0 - x1) / (2 * τ) + 0.5, 0.0, 1.0))


def check_sparsemax_pair(sparsemax_pair: Any) -> Verdict:
    r"""10, exercise 3: ``sparsemax_pair(x0, x1, τ)``, the first entry of sparsemax of
    :math:`(x_0, x_1)/\tau`.

    The answer is :math:`\operatorname{clip}\bigl((x_0 - x_1)/(2\tau) + 1/2,\ 0,\ 1\bigr)`, a
    "hard sigmoid". Slips: no clipping, the factor 1/2 missing, the sigmoid (softmax's answer).

    Examples
    --------
    >>> check_sparsemax_pair(lambda a, b, τ: min(1.0, max(0.0, (a - b) / (2 * τ) + 0.5))).slip
    'correct'
    >>> check_sparsemax_pair(lambda a, b, τ: (a - b) / (2 * τ) + 0.5).slip
    'no_clip'
    """
    ex = _Exercise("10, exercise 3", _PAIR_PROBES, _sparsemax_pair)
    ex.same_as(
        "no_clip",
        lambda a, b, τ: (a - b) / (2 * τ) + 0.5,
        "y0 must stay in [0, 1]: where (x0 − x1)/(2τ) + 1/2 leaves it, the projection lands on "
        "a corner of the segment (clip it).",
    )
    ex.same_as(
        "half_missing",
        lambda a, b, τ: float(np.clip((a - b) / τ + 0.5, 0.0, 1.0)),
        "the slope is 1/(2τ), not 1/τ: the point (x0, x1)/τ moves along a direction of length "
        "√2, and so does its projection.",
    )
    ex.same_as(
        "sigmoid",
        lambda a, b, τ: 1.0 / (1.0 + np.exp(-(a - b) / τ)),
        "this is softmax's answer, sigmoid((x0 − x1)/τ), which never reaches 0 or 1.",
    )
    return ex.check_function(
        sparsemax_pair,
        "sparsemax_pair",
        "sparsemax_pair(x0, x1, τ) returning a number",
        lambda p: f"x0 = {p[0]}, x1 = {p[1]}, τ = {p[2]}",
    )


__all__ += ["check_regularised_max", "check_sparsemax_by_hand", "check_sparsemax_pair"]
