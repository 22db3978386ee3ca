"""Bad input raises a clear error naming the argument, never a silent NaN."""

from __future__ import annotations

import numpy as np
import pytest

import gumbel_lib as gl
from gumbel_lib import _checks

X = np.array([0.0, 1.0, 2.0])


def sampler_calls(x=X, **kw):
    """Every public function that takes logits, called with the same bad argument."""
    return [
        lambda: gl.softmax(x, **kw),
        lambda: gl.log_softmax(x, **kw),
        lambda: gl.gumbel_softmax(x, rng=0, **kw),
    ]


@pytest.mark.parametrize("tau", [0.0, -1.0, -np.inf])
def test_tau_not_positive(tau):
    for call in sampler_calls(tau=tau):
        with pytest.raises(ValueError, match=r"tau must be .*> 0"):
            call()


@pytest.mark.parametrize("tau", [np.nan, np.inf])
def test_tau_not_finite(tau):
    for call in sampler_calls(tau=tau):
        with pytest.raises(ValueError, match="tau must be finite"):
            call()


@pytest.mark.parametrize("tau", ["1", None, [1.0], True, 1j])
def test_tau_not_a_real_number(tau):
    for call in sampler_calls(tau=tau):
        with pytest.raises(TypeError, match="tau must be a positive real number"):
            call()


def test_nan_logits():
    for call in sampler_calls(x=np.array([0.0, np.nan])):
        with pytest.raises(ValueError, match="logits contains NaN"):
            call()
    with pytest.raises(ValueError, match="logits contains NaN"):
        gl.gumbel_max_sample([np.nan, 0.0])


def test_positive_infinite_logits():
    for call in sampler_calls(x=np.array([0.0, np.inf])):
        with pytest.raises(ValueError, match=r"logits contains \+inf"):
            call()
    with pytest.raises(ValueError, match=r"logits contains \+inf"):
        gl.gumbel_max_sample([np.inf, 0.0])


def test_slice_all_minus_infinity():
    x = np.array([[0.0, 1.0], [-np.inf, -np.inf]])
    for call in sampler_calls(x=x):
        with pytest.raises(ValueError, match="all -inf"):
            call()
    with pytest.raises(ValueError, match="all -inf"):
        gl.gumbel_max_sample(x)
    # along the other axis every slice has a finite entry: fine
    assert np.isfinite(gl.softmax(np.array([[0.0, -np.inf], [-np.inf, 1.0]]), axis=0)).all()


@pytest.mark.parametrize("x", [np.zeros(0), np.zeros((3, 0)), np.zeros((0, 3))])
def test_empty_input(x):
    for call in sampler_calls(x=x):
        with pytest.raises(ValueError, match="logits must not be empty"):
            call()


def test_scalar_logits():
    for call in sampler_calls(x=np.float64(1.0)):
        with pytest.raises(ValueError, match="at least one dimension"):
            call()


@pytest.mark.parametrize("axis", [1, -2, 5])
def test_axis_out_of_range(axis):
    for call in sampler_calls(axis=axis):
        with pytest.raises(ValueError, match=f"axis={axis} is out of range"):
            call()


def test_axis_not_an_int():
    with pytest.raises(TypeError, match="axis must be an int"):
        gl.softmax(X, axis=0.5)


@pytest.mark.parametrize(
    "x, kind",
    [
        (["a", "b"], "dtype <U1"),
        ([True, False], "booleans"),
        ([1j, 2], "complex"),
        ([{}, 1], "object"),
    ],
)
def test_non_numeric_arrays(x, kind):
    for call in sampler_calls(x=x):
        with pytest.raises(TypeError, match=kind):
            call()


def test_ragged_input():
    with pytest.raises(ValueError, match="logits must be a rectangular array"):
        gl.softmax([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("hard", [1, "yes", None, 0.0])
def test_hard_not_a_bool(hard):
    with pytest.raises(TypeError, match="hard must be True or False"):
        gl.gumbel_softmax(X, hard=hard, rng=0)


@pytest.mark.parametrize("rng", [np.random.RandomState(0), "seed", 1.5, np.random.PCG64(0), True])
def test_rng_of_a_wrong_type(rng):
    for call in (
        lambda: gl.gumbel_softmax(X, rng=rng),
        lambda: gl.gumbel_noise(3, rng=rng),
        lambda: gl.gumbel_max_sample(X, rng=rng),
    ):
        with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
            call()


def test_negative_seed():
    with pytest.raises(ValueError, match="rng as a seed must be a non-negative int"):
        gl.gumbel_noise(3, rng=-1)


@pytest.mark.parametrize("size", [0, -2, (3, 0)])
def test_size_not_positive(size):
    with pytest.raises(ValueError, match="size must contain positive ints"):
        gl.gumbel_softmax(X, rng=0, size=size)
    with pytest.raises(ValueError, match="size must contain positive ints"):
        gl.gumbel_max_sample(X, rng=0, size=size)


@pytest.mark.parametrize("size", [1.5, "3", (2, 0.5)])
def test_size_not_ints(size):
    with pytest.raises(TypeError, match="size must be None, an int or a tuple of ints"):
        gl.gumbel_softmax(X, rng=0, size=size)


def test_noise_shape_and_dtype():
    with pytest.raises(ValueError, match="shape must contain positive ints"):
        gl.gumbel_noise((2, -1), rng=0)
    with pytest.raises(TypeError, match="shape must be an int or a tuple of ints"):
        gl.gumbel_noise(2.5, rng=0)
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        gl.gumbel_noise(3, rng=0, dtype=np.int64)


@pytest.mark.parametrize(
    "y, match",
    [
        ([0.5, 0.6, -0.1], "y must be >= 0"),
        ([0.2, 0.2, 0.2], "y must sum to 1"),
        ([0.5, 0.5, 0.0], "open simplex"),
        ([0.5, np.nan, 0.5], "y must be finite"),
        ([[0.5, 0.5, 0.0]], "open simplex"),
    ],
)
def test_density_y_off_the_open_simplex(y, match):
    with pytest.raises(ValueError, match=match):
        gl.concrete_log_density(y, X, 1.0)


def test_density_bad_logits_and_tau():
    y = [0.2, 0.3, 0.5]
    with pytest.raises(ValueError, match="logits must be finite"):
        gl.concrete_log_density(y, [0.0, -np.inf, 1.0], 1.0)
    with pytest.raises(ValueError, match="do not broadcast"):
        gl.concrete_log_density(y, [0.0, 1.0], 1.0)
    with pytest.raises(ValueError, match="tau must be > 0"):
        gl.concrete_log_density(y, X, 0.0)


def test_vjp_and_one_hot_errors():
    y = gl.softmax(X)
    with pytest.raises(ValueError, match="upstream must have the shape of y"):
        gl.softmax_vjp(y, [1.0, 2.0])
    with pytest.raises(ValueError, match="upstream must be finite"):
        gl.softmax_vjp(y, [1.0, np.nan, 0.0])
    with pytest.raises(ValueError, match="y must sum to 1"):
        gl.softmax_vjp([0.5, 0.6, 0.1], [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"indices must lie in 0 \.\. 2"):
        gl.one_hot([0, 3], 3)
    with pytest.raises(TypeError, match="indices must be integers"):
        gl.one_hot([0.0, 1.0], 3)
    with pytest.raises(ValueError, match="d must be a positive int"):
        gl.one_hot([0], 0)
    with pytest.raises(ValueError, match="upstream must have the shape of the logits"):
        gl.straight_through_softmax(X, [1.0])


# --- masked arrays refused, empty indices, 0-d logits documented --------------------------

MASKED = np.ma.array([1.0, 50.0, 3.0], mask=[0, 1, 0])


@pytest.mark.parametrize(
    "call",
    [
        lambda: gl.gumbel_max_sample(MASKED, rng=0),
        lambda: gl.gumbel_softmax(MASKED, rng=0),
        lambda: gl.softmax(MASKED),
        lambda: gl.log_softmax(MASKED),
        lambda: gl.straight_through_softmax(MASKED, [1.0, 0.0, 0.0]),
        lambda: gl.softmax_vjp(np.ma.array([0.5, 0.5], mask=[0, 1]), [1.0, 0.0]),
        lambda: gl.concrete_log_density([0.2, 0.3, 0.5], MASKED, 1.0),
        lambda: gl.one_hot(np.ma.array([0, 1], mask=[0, 1]), 2),
        lambda: gl.gumbel_pdf(MASKED),
        lambda: gl.estimators.exact_gradient(MASKED, [1.0, 2.0, 3.0]),
    ],
)
def test_masked_arrays_are_refused(call):
    # np.asarray drops the mask: gumbel_max_sample used to draw the masked entry 50
    with pytest.raises(TypeError, match=r"masked array.*\.filled\("):
        call()


def test_the_masked_array_error_says_how_to_mask_logits():
    with pytest.raises(TypeError, match=r"logits\.filled\(-np\.inf\)"):
        gl.gumbel_max_sample(MASKED, rng=0)
    # what the message suggests works: the masked category is never drawn
    k = gl.gumbel_max_sample(MASKED.filled(-np.inf), rng=0, size=1000)
    assert (k != 1).all()


@pytest.mark.parametrize("indices", [[], np.zeros(0, dtype=int), np.zeros((2, 0), dtype=int)])
def test_one_hot_of_no_indices(indices):
    with pytest.raises(ValueError, match="indices must not be empty"):
        gl.one_hot(indices, 3)


@pytest.mark.parametrize("fn", [gl.softmax, gl.log_softmax, gl.gumbel_softmax])
def test_docstrings_say_logits_need_a_dimension(fn):
    doc = " ".join(fn.__doc__.split())
    assert "at least one dimension" in doc
    assert "PyTorch" in doc
    with pytest.raises(ValueError, match="at least one dimension"):
        fn(np.float64(1.0))


# --- the rule: one error type per kind of mistake, the argument named ---------------------


def test_the_rule_is_written_down_in_checks():
    doc = " ".join(_checks.__doc__.split())
    for words in [
        "``TypeError`` — the argument has the wrong *type*",
        "``ValueError`` — the right type, a *value* that is not allowed",
        "a ``float`` where an ``int`` is expected",
        "``np.int64`` is an int",
        "``bool`` is never a number",
        "names the argument",
    ]:
        assert words in doc, words


@pytest.mark.parametrize("tau", [10**400, -(10**400)], ids=["10**400", "-10**400"])
def test_tau_beyond_the_float_range_is_a_value_error(tau):
    for call in sampler_calls(tau=tau):  # was an OverflowError from float()
        with pytest.raises(
            ValueError, match="tau must be finite and > 0; got an int of 401 digits"
        ):
            call()


@pytest.mark.parametrize("tau", [np.int64(2), np.float32(2.0), np.array(2.0), 2])
def test_tau_of_numpy_types_is_accepted(tau):
    np.testing.assert_allclose(gl.softmax(X, tau=tau), gl.softmax(X, tau=2.0), rtol=1e-7)


@pytest.mark.parametrize(
    ("check", "value", "error", "words"),
    [
        (lambda v: _checks.check_real(v, "lr"), "0.1", TypeError,
         r"lr must be a real number; got the str '0.1' \(convert it with float\(\) first\)"),
        (lambda v: _checks.check_real(v, "lr"), False, TypeError, "lr must be a real number"),
        (lambda v: _checks.check_real(v, "lr"), np.array([0.1]), TypeError,
         r"got an array of dtype float64 and shape \(1,\)"),
        (lambda v: _checks.check_real(v, "lr", low=0, low_open=True), -1.0, ValueError,
         "lr must be > 0; got -1.0"),
        (lambda v: _checks.check_real(v, "lr", low=0, low_open=True), np.nan, ValueError,
         "lr must be finite and > 0; got nan"),
        (lambda v: _checks.check_int(v, "steps", low=1), 2.0, TypeError,
         "steps must be an int; got the float 2.0"),
        (lambda v: _checks.check_int(v, "steps", low=1), np.bool_(True), TypeError,
         "steps must be an int"),
        (lambda v: _checks.check_int(v, "steps", low=1, high=9), 10, ValueError,
         "steps must be between 1 and 9; got 10"),
        (lambda v: _checks.check_seed(v), -1, ValueError, "seed must be >= 0"),
        (lambda v: _checks.check_seed(v), "0", TypeError, "seed must be an int"),
        (lambda v: _checks.check_choice(v, "name", ("a", "b")), 3, TypeError,
         "name must be one of 'a', 'b' \\(a str\\); got the int 3"),
        (lambda v: _checks.check_choice(v, "name", ("a", "b")), "c", ValueError,
         "name must be one of 'a', 'b'; got 'c'"),
        (lambda v: _checks.check_str(v, "label"), None, TypeError, "label must be a str"),
        (lambda v: _checks.check_path(v), 3, TypeError, "path must be a str or a pathlib.Path"),
        (lambda v: _checks.as_float_array(v, "X"), None, TypeError,
         "X must be an array of real numbers; got None"),
    ],
)  # fmt: skip
def test_the_checks_follow_the_rule(check, value, error, words):
    with pytest.raises(error, match=words):
        check(value)


@pytest.mark.parametrize(
    ("check", "value", "expected"),
    [
        (lambda v: _checks.check_real(v, "lr"), np.float32(0.5), 0.5),
        (lambda v: _checks.check_real(v, "lr"), np.int64(3), 3.0),
        (lambda v: _checks.check_int(v, "steps"), np.int64(3), 3),
        (lambda v: _checks.check_int(v, "steps"), np.uint8(3), 3),
        (lambda v: _checks.check_seed(v), np.int32(7), 7),
    ],
)
def test_numpy_scalars_are_numbers(check, value, expected):
    out = check(value)
    assert out == expected and type(out) is type(expected)
