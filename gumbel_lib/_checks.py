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
    "as_float_array",
    "check_axis",
    "check_bool",
    "check_finite_or_masked",
    "check_tau",
    "as_generator",
    "as_size",
]


def as_float_array(value: Any, name: str) -> np.ndarray:
    """Return ``value`` as a floating NumPy array (integers become float64).

    Floating dtypes are kept as they are, so float32 input stays float32.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as err:  # ragged nested lists and the like
        raise ValueError(f"{name} must be a rectangular array of real numbers ({err})") from None
    kind = arr.dtype.kind
    if kind == "f":
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
