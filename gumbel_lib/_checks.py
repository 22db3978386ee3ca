"""Argument checks shared by the public functions, and the rule they follow.

Every public function validates its input here, at the API boundary and before any work,
so that bad input raises an error that names the argument, instead of a silent NaN or a
traceback from deep inside NumPy.

The rule: one error type per kind of mistake
--------------------------------------------
``TypeError`` — the argument has the wrong *type*, whatever its value:

- a ``str``, ``None``, a ``bool``, a list or an array, a complex number where a real
  number is expected (``tau="0.5"``: a string is not a number, convert it with ``float``
  first; ``True`` is not 1, and ``[0.5]`` is not 0.5);
- a ``float`` where an ``int`` is expected (``n=2.0``), even a whole one;
- a ``str`` expected (a name, a choice) and something else given;
- an array of the wrong *kind*: booleans, complex numbers, strings, objects (``None``),
  or a masked array (its mask would be dropped).

``ValueError`` — the right type, a *value* that is not allowed:

- a number out of range: ``tau=0``, ``n=-1``, a negative seed, a threshold above 1; NaN or
  infinity where a finite number is needed (an int too large to be a float counts as
  infinite);
- an array of the wrong shape, empty or ragged, or with entries outside the domain
  (NaN, a probability vector that does not sum to 1, an index past the last category);
- a name that is not one of the choices.

What counts as a number: Python ``int`` and ``float`` and NumPy's integer and floating
scalars (``np.int64`` is an int, ``np.float32`` a float); an int is accepted where a real
number is expected, a 0-d real array where a real scalar is. ``bool`` is never a number.

The message names the argument first (``"tau must be > 0; got -1.0"``), states the rule
(what is allowed), shows the value received (or its type, dtype or shape) and, when it is
not obvious from the rule, says how to fix it. The functions below implement this once:
:func:`check_real`, :func:`check_int`, :func:`check_n`, :func:`check_tau`,
:func:`check_bool`, :func:`check_choice`, :func:`check_str`, :func:`check_seed`,
:func:`check_path`, :func:`check_figure`, :func:`check_axes`, :func:`as_float_array`,
:func:`as_generator`, :func:`as_size`. A new check goes here, following the same rule.

Examples
--------
>>> check_real("0.5", "threshold")
Traceback (most recent call last):
...
TypeError: threshold must be a real number; got the str '0.5' (convert it with float() first)
>>> check_int(2.0, "ncols", low=1)
Traceback (most recent call last):
...
TypeError: ncols must be an int; got the float 2.0
>>> check_int(np.int64(0), "ncols", low=1)
Traceback (most recent call last):
...
ValueError: ncols must be >= 1; got 0
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "MAX_SAMPLES",
    "as_float_array",
    "check_alt_text",
    "check_axes",
    "check_axis",
    "check_bool",
    "check_choice",
    "check_figure",
    "check_finite_or_masked",
    "check_logits",
    "check_logits_f",
    "check_n",
    "check_not_masked",
    "check_path",
    "check_int",
    "check_probs",
    "check_real",
    "check_seed",
    "check_str",
    "check_tau",
    "compute_dtype",
    "describe_value",
    "noise_dtype",
    "tau_as",
    "as_generator",
    "as_size",
]

#: The largest number of samples ``n`` the estimators accept (an ``(n, d)`` array each).
MAX_SAMPLES = 10**8


def check_not_masked(value: Any, name: str) -> None:
    """Refuse a NumPy masked array: its mask would be silently dropped by ``np.asarray``.

    The package does not read masks. To mask categories of logits, set them to ``-inf``
    (``x.filled(-np.inf)``); elsewhere, fill the masked entries with the value you mean.
    """
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a numpy masked array; masks are not supported (they would be ignored). "
            f"Pass {name}.filled(value) instead; for logits, -inf marks a masked category: "
            f"{name}.filled(-np.inf)"
        )


def as_float_array(value: Any, name: str) -> np.ndarray:
    """Return ``value`` as a floating NumPy array in native byte order (integers become float64).

    The precision of a floating dtype is kept (float16, float32, float64, long double), so
    float32 input stays float32; big-endian input becomes the same precision in native
    order. Masked arrays are refused (:func:`check_not_masked`).
    """
    check_not_masked(value, name)
    if value is None:
        raise TypeError(f"{name} must be an array of real numbers; got None")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as err:  # ragged nested lists and the like
        raise ValueError(f"{name} must be a rectangular array of real numbers ({err})") from None
    kind = arr.dtype.kind
    if kind == "f":
        if not arr.dtype.isnative:
            return arr.astype(arr.dtype.newbyteorder("="))
        return arr
    if kind in "iu":
        return arr.astype(np.float64)
    if kind == "b":
        raise TypeError(f"{name} must hold real numbers, not booleans (got dtype bool)")
    if kind == "c":
        raise TypeError(f"{name} must hold real numbers, not complex ones (got dtype {arr.dtype})")
    raise TypeError(f"{name} must be an array of real numbers; got dtype {arr.dtype}")


def check_axis(axis: Any, ndim: int, name: str = "axis") -> int:
    """Return ``axis`` normalised to ``0 <= axis < ndim``."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {describe_value(axis)}")
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}={axis} is out of range for an array with {ndim} dimension(s)")
    return axis % ndim


def check_tau(tau: Any, name: str = "tau") -> float:
    """Return the temperature as a Python float; it must be finite and positive.

    Examples
    --------
    >>> check_tau(np.int64(2))
    2.0
    >>> check_tau(10**400)
    Traceback (most recent call last):
    ...
    ValueError: tau must be finite and > 0; got an int of 401 digits, beyond the largest float
    """
    if not _is_real_number(tau):
        hint = " (convert it with float() first)" if isinstance(tau, str) else ""
        raise TypeError(f"{name} must be a positive real number; got {describe_value(tau)}{hint}")
    return check_real(tau, name, low=0, low_open=True)


def tau_as(tau: float, dtype: np.dtype) -> np.floating:
    """The temperature as a scalar of ``dtype``, clipped to its normal range.

    Every function divides by τ in the precision of its data. A τ below the smallest
    normal number of that dtype (``1e-50`` in float32 is 0) is clipped up to it, and a
    τ above the largest number (``1e300`` in float32 is inf) down to it, so that a tiny
    τ gives the limit τ → 0 (one-hot; a gradient of 0, or huge at an exact tie) instead of ``0/0``,
    and a huge τ the limit τ → ∞ instead of ``inf/inf``. ``tau`` must come from
    :func:`check_tau`.
    """
    info = np.finfo(dtype)
    return info.dtype.type(min(max(tau, float(info.tiny)), float(info.max)))


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype in which softmax and gumbel_softmax compute for input of ``dtype``.

    The one dtype rule of the package: the result has the precision of the (floating)
    input, in native byte order; integers become float64. float16 is computed in float32
    and rounded once at the end (float16 ``exp`` loses several digits).
    """
    return np.dtype(np.float32) if dtype == np.float16 else np.dtype(dtype)


def noise_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype of the Gumbel noise for data of ``dtype``: float32 up to 4 bytes, else float64.

    NumPy draws exponential variates in float32 or float64 only; long double data gets
    float64 noise.
    """
    return np.dtype(np.float32) if np.dtype(dtype).itemsize <= 4 else np.dtype(np.float64)


def check_probs(probs: Any, name: str, axis: int = -1) -> tuple[np.ndarray, int]:
    """Validate points of the probability simplex along ``axis``; return them and the axis."""
    p = as_float_array(probs, name)
    if p.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension (the categories)")
    axis = check_axis(axis, p.ndim)
    if p.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError(f"{name} must be finite")
    if (p < 0).any():
        raise ValueError(f"{name} must be >= 0 (a point of the probability simplex)")
    tol = np.sqrt(np.finfo(p.dtype).eps) * max(1, p.shape[axis])
    if np.abs(p.sum(axis=axis) - 1).max() > tol:
        raise ValueError(f"{name} must sum to 1 along axis {axis} (a point of the simplex)")
    return p, axis


def check_logits_f(logits: Any, f_values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Finite 1-d float64 logits (d >= 2) and losses ``f_values`` of the same shape."""
    x = as_float_array(logits, "logits").astype(np.float64)
    if x.ndim != 1 or x.shape[0] < 2:
        raise ValueError(f"logits must be a 1-d array of d >= 2 numbers; got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("logits must be finite")
    f = as_float_array(f_values, "f_values").astype(np.float64)
    if f.shape != x.shape:
        raise ValueError(f"f_values must have the shape of the logits {x.shape}; got {f.shape}")
    if not np.isfinite(f).all():
        raise ValueError("f_values must be finite")
    return x, f


def check_n(
    n: Any,
    name: str = "n",
    low: int = 1,
    high: int = MAX_SAMPLES,
    what: str = "the number of samples",
) -> int:
    """Return the count ``n`` as an int, ``low <= n <= high``; ``what`` says what it counts."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be a positive int ({what}); got {n!r}")
    if n < 1:
        raise ValueError(f"{name} must be a positive int ({what}); got {n}")
    if not low <= n <= high:
        raise ValueError(f"{name} must be between {low} and {high} ({what}); got {n}")
    return int(n)


def describe_value(value: Any) -> str:
    """The value received, as an error message shows it: its type, and its repr when short.

    Examples
    --------
    >>> describe_value("0.5"), describe_value(None), describe_value(np.zeros((2, 3)))
    ("the str '0.5'", 'None', 'an array of dtype float64 and shape (2, 3)')
    """
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"the {type(value).__name__} {text}"


def _is_real_number(value: Any) -> bool:
    """True for an int, a float, a NumPy integer or floating scalar or a 0-d such array;
    False for bools, strings, None, complex numbers and arrays with elements."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Real):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"


def _interval(low: Any, high: Any, low_open: bool, high_open: bool) -> str:
    """``in [0, 1)``, ``> 0``, ``<= 5``: the allowed range in words (empty if unbounded)."""
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high}"
    return ""


def check_real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = True,
    what: str = "",
) -> float:
    """Return the real number ``value`` as a Python float, checked against its range.

    ``TypeError`` unless ``value`` is a real number (see the rule above: not a str, a
    bool, None or an array with elements); ``ValueError`` if it is NaN or infinite
    (unless ``finite=False``) or outside ``low``/``high`` (excluded when ``low_open`` /
    ``high_open``). ``what`` says what the number is, for the message.

    Examples
    --------
    >>> check_real(np.float32(0.25), "threshold", low=0, high=1, high_open=True)
    0.25
    >>> check_real(1.0, "threshold", low=0, high=1, high_open=True)
    Traceback (most recent call last):
    ...
    ValueError: threshold must be in [0, 1); got 1.0
    >>> check_real(True, "threshold")
    Traceback (most recent call last):
    ...
    TypeError: threshold must be a real number; got the bool True
    """
    if not _is_real_number(value):
        hint = " (convert it with float() first)" if isinstance(value, str) else ""
        raise TypeError(f"{name} must be a real number; got {describe_value(value)}{hint}")
    rule = _interval(low, high, low_open, high_open)
    about = f" ({what})" if what else ""
    try:
        v = shown = float(value)
    except OverflowError:  # an int beyond the largest float, 1.8e308: as good as infinite
        v = float("inf") if value > 0 else float("-inf")
        shown = f"an int of {len(str(abs(int(value))))} digits, beyond the largest float"
    if finite and not np.isfinite(v):
        raise ValueError(
            f"{name} must be finite{' and ' + rule if rule else ''}{about}; got {shown}"
        )
    too_low = low is not None and not (v > low if low_open else v >= low)
    too_high = high is not None and not (v < high if high_open else v <= high)
    if too_low or too_high:
        raise ValueError(f"{name} must be {rule}{about}; got {v}")
    return v


def check_int(
    value: Any,
    name: str,
    *,
    low: int | None = None,
    high: int | None = None,
    what: str = "",
) -> int:
    """Return the integer ``value`` as a Python int, ``low <= value <= high``.

    ``TypeError`` unless ``value`` is a Python or NumPy integer (a float such as ``2.0``
    and a bool are refused); ``ValueError`` if it is out of range. ``what`` says what it
    counts, for the message.

    Examples
    --------
    >>> check_int(np.int64(3), "pad", low=0)
    3
    >>> check_int(-1, "pad", low=0, what="pixels between images")
    Traceback (most recent call last):
    ...
    ValueError: pad must be >= 0 (pixels between images); got -1
    """
    about = f" ({what})" if what else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int{about}; got {describe_value(value)}")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        rule = f"between {low} and {high}" if low is not None and high is not None else ""
        rule = rule or _interval(low, high, False, False)
        raise ValueError(f"{name} must be {rule}{about}; got {v}")
    return v


def check_seed(seed: Any, name: str = "seed") -> int:
    """Return ``seed`` as a non-negative int, for :func:`numpy.random.default_rng`.

    Examples
    --------
    >>> check_seed(np.int64(7))
    7
    >>> check_seed(1.0)
    Traceback (most recent call last):
    ...
    TypeError: seed must be an int (a seed of numpy.random.default_rng); got the float 1.0
    """
    return check_int(seed, name, low=0, what="a seed of numpy.random.default_rng")


def check_choice(value: Any, name: str, choices: Any) -> str:
    """Return ``value`` if it is one of the strings ``choices``.

    Examples
    --------
    >>> check_choice("Gumbel", "noise", ("Gumbel", "Normal"))
    'Gumbel'
    >>> check_choice("gumbel", "noise", ("Gumbel", "Normal"))
    Traceback (most recent call last):
    ...
    ValueError: noise must be one of 'Gumbel', 'Normal'; got 'gumbel'
    """
    allowed = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {allowed} (a str); got {describe_value(value)}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def check_str(value: Any, name: str, what: str = "") -> str:
    """Return ``value`` if it is a ``str`` (``TypeError`` otherwise); ``what`` says what it is for.

    Examples
    --------
    >>> check_str(b"tau", "description", "the slider's label")
    Traceback (most recent call last):
    ...
    TypeError: description must be a str (the slider's label); got the bytes b'tau'
    """
    if not isinstance(value, str):
        about = f" ({what})" if what else ""
        raise TypeError(f"{name} must be a str{about}; got {describe_value(value)}")
    return value


def check_path(path: Any, name: str = "path") -> Any:
    """Return ``path`` if it is a file-system path: a ``str`` or an ``os.PathLike`` (``Path``).

    Examples
    --------
    >>> check_path(3)
    Traceback (most recent call last):
    ...
    TypeError: path must be a str or a pathlib.Path; got the int 3
    """
    import os

    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or a pathlib.Path; got {describe_value(path)}")
    return path


def check_figure(fig: Any, name: str = "fig") -> Any:
    """Return ``fig`` if it is a Matplotlib ``Figure`` (``TypeError`` otherwise).

    Matplotlib is imported only here, where a figure is expected anyway.
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(
            f"{name} must be a matplotlib Figure (e.g. from gumbel_lib.plots.figure()); "
            f"got {describe_value(fig)}"
        )
    return fig


def check_axes(ax: Any, name: str = "ax") -> Any:
    """Return ``ax`` if it is a Matplotlib ``Axes`` (``TypeError`` otherwise)."""
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(
            f"{name} must be a matplotlib Axes (e.g. from gumbel_lib.plots.figure()); "
            f"got {describe_value(ax)}"
        )
    return ax


#: nbconvert's stand-in for a missing description: not a description.
_PLACEHOLDER_ALT = "no description has been provided for this image"


def check_alt_text(alt: Any, name: str = "alt") -> str:
    """Return ``alt`` stripped if it describes a figure: a sentence (at least three words) of
    text, not nbconvert's placeholder. Else raise ``TypeError`` or ``ValueError``."""
    if not isinstance(alt, str):
        raise TypeError(f"{name} must be a str describing the figure; got {type(alt).__name__}")
    text = " ".join(alt.split())
    if len(text.split()) < 3 or text.lower().rstrip(".") == _PLACEHOLDER_ALT:
        raise ValueError(
            f"{name} must describe what the figure shows in a sentence (at least three words, "
            f"with the key numbers); got {alt!r}"
        )
    return text


def check_logits(logits: Any, tau: float, axis: int) -> tuple[np.ndarray, float, int, np.dtype]:
    """Validate logits, τ and axis for the exponentiating functions.

    Returns the logits in the dtype to compute in (:func:`compute_dtype`,
    not a copy when it is already right), τ as a float, the normalised axis, and the
    dtype of the result (the input's precision; integers give float64).

    Examples
    --------
    >>> check_logits(np.float16([0, 1]), 2, -1)
    (array([0., 1.], dtype=float32), 2.0, 0, dtype('float16'))
    """
    x = as_float_array(logits, "logits")
    if x.ndim == 0:
        raise ValueError(
            "logits must have at least one dimension (the categories); "
            "for one category pass [x] (SciPy and PyTorch accept a 0-d input and return "
            "1.0 for softmax, 0.0 for log_softmax)"
        )
    axis = check_axis(axis, x.ndim)
    check_finite_or_masked(x, "logits", axis)
    tau = check_tau(tau)
    return x.astype(compute_dtype(x.dtype), copy=False), tau, axis, x.dtype


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` if it is a bool (Python or NumPy), else raise ``TypeError``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def check_finite_or_masked(arr: np.ndarray, name: str, axis: int | None = None) -> None:
    """Reject NaN and +inf; reject a slice along ``axis`` whose entries are all -inf.

    ``-inf`` entries are allowed: they mark masked categories with probability zero.
    """
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    top = arr.max()  # one fast reduction: NaN propagates, +inf shows up as the maximum
    if np.isnan(top):
        raise ValueError(f"{name} contains NaN; only finite values and -inf (masked) are allowed")
    if top == np.inf:
        raise ValueError(f"{name} contains +inf; only finite values and -inf (masked) are allowed")
    # -inf marks a masked category; a slice that is masked entirely has no distribution.
    # The global minimum is a cheap test for "any -inf at all" before the per-slice check.
    if axis is not None and arr.min() == -np.inf and np.isneginf(arr).all(axis=axis).any():
        raise ValueError(
            f"{name} has a slice along axis {axis} whose entries are all -inf; "
            "each slice needs at least one finite value"
        )


def as_generator(rng: Any, name: str = "rng") -> np.random.Generator:
    """Turn ``rng`` into a :class:`numpy.random.Generator`.

    ``None`` gives a generator seeded from fresh OS entropy, an int seeds a new one, a
    ``Generator`` is used as it is. The legacy global ``np.random`` state is never used.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"{name} as a seed must be a non-negative int; got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name} must be a numpy.random.Generator, a non-negative int seed or None; "
        f"got {type(rng).__name__}"
    )


def as_size(size: Any, name: str = "size") -> tuple[int, ...]:
    """Return ``size`` (None, an int or a tuple of ints) as a shape tuple of positive ints."""
    if size is None:
        return ()
    if isinstance(size, numbers.Integral) and not isinstance(size, (bool, np.bool_)):
        size = (size,)
    try:
        shape = tuple(size)
    except TypeError:
        raise TypeError(f"{name} must be None, an int or a tuple of ints; got {size!r}") from None
    for n in shape:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
            raise TypeError(f"{name} must be None, an int or a tuple of ints; got {size!r}")
        if n <= 0:
            raise ValueError(f"{name} must contain positive ints; got {size!r}")
    return tuple(int(n) for n in shape)
