r"""The annealed temperature of the Gumbel-softmax estimators during training."""

from __future__ import annotations

import numbers

import numpy as np

from .._checks import check_real, check_tau

__all__ = ["tau_schedule"]


def tau_schedule(
    step: int | np.ndarray, tau0: float = 1.0, rate: float = 1e-3, tau_min: float = 0.5
) -> np.ndarray:
    r"""The annealed temperature of Jang, Gu & Poole (2017), at step :math:`t`.

    .. math:: \tau_t = \max(\tau_{\min}, \tau_0 e^{-r t})

    ``step`` is a step count (an int >= 0) or a NumPy array of them, ``rate`` a finite
    number >= 0.

    Examples
    --------
    >>> tau_schedule(np.array([0, 1000, 5000]), tau0=1.0, rate=1e-3, tau_min=0.5).round(3)
    array([1. , 0.5, 0.5])
    >>> round(float(tau_schedule(500)), 3)
    0.607
    """
    tau0, tau_min = check_tau(tau0, "tau0"), check_tau(tau_min, "tau_min")
    rate = check_real(rate, "rate", low=0)
    if isinstance(step, (bool, np.bool_)) or not (
        isinstance(step, numbers.Integral)
        or (isinstance(step, np.ndarray) and step.dtype.kind in "iu")
    ):
        raise TypeError(
            f"step must be an int >= 0 or a NumPy array of them (step counts); got {step!r}"
        )
    t = np.asarray(step)
    if (t < 0).any():
        raise ValueError(f"step must be >= 0 (a step count); got {step!r}")
    return np.maximum(tau_min, tau0 * np.exp(-rate * t.astype(np.float64)))
