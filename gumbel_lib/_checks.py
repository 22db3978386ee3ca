"""Argument checks shared by the public functions.

Every public function validates its input here, at the API boundary, so that bad input
raises a ``ValueError`` or ``TypeError`` that names the argument and what is allowed,
instead of a silent NaN or a traceback from deep inside NumPy.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "MAX_SAMPLES",
    "as_float_array",
    "check_alt_text",
    "check_axis",
    "check_bool",
    "check_finite_or_masked",
    "check_logits",
    "check_logits_f",
    "check_n",
    "check_not_masked",
    "check_probs",
    "check_tau",
    "compute_dtype",
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
        raise TypeError(f"{name} must be an int; got {type(axis).__name__}")
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}={axis} is out of range for an array with {ndim} dimension(s)")
    return axis % ndim


def check_tau(tau: Any, name: str = "tau") -> float:
    """Return the temperature as a Python float; it must be finite and positive."""
    is_real = isinstance(tau, numbers.Real) or (
        isinstance(tau, np.ndarray) and tau.ndim == 0 and tau.dtype.kind in "iuf"
    )
    if not is_real or isinstance(tau, (bool, np.bool_)):
        raise TypeError(f"{name} must be a positive real number; got {tau!r}")
    value = float(tau)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite and > 0; got {value}")
    if value <= 0:
        raise ValueError(f"{name} must be > 0; got {value}")
    return value


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
