r"""Adam (Kingma & Ba 2015) on a dict of arrays: its state, its first state and one step."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._checks import as_float_array, check_real
from ._args import Params

__all__ = ["AdamState", "adam_init", "adam_step"]


class AdamState(NamedTuple):
    """Adam's running moments (one array per parameter) and its step count."""

    m: Params
    v: Params
    t: int


def _check_arrays(arrays: Any, name: str) -> dict[str, np.ndarray]:
    """A non-empty dict of float arrays (Adam's parameters or gradients)."""
    if not isinstance(arrays, dict):
        raise TypeError(f"{name} must be a dict of arrays; got {type(arrays).__name__}")
    if not arrays:
        raise ValueError(f"{name} must hold at least one array; got an empty dict")
    return {key: as_float_array(value, f"{name}[{key!r}]") for key, value in arrays.items()}


def adam_init(params: Params) -> AdamState:
    """Zero moments for every parameter, step 0.

    Examples
    --------
    >>> adam_init({"w": np.ones(2)}).t
    0
    """
    params = _check_arrays(params, "params")
    zeros = {name: np.zeros_like(value) for name, value in params.items()}
    return AdamState(zeros, {name: z.copy() for name, z in zeros.items()}, 0)


def adam_step(
    params: Params,
    grads: Params,
    state: AdamState,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[Params, AdamState]:
    r"""One Adam step (Kingma & Ba 2015); returns new parameters and state (inputs untouched).

    .. math::

        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \theta_t = \theta_{t-1}
        - \eta\,\frac{m_t / (1-\beta_1^t)}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}.

    ``lr`` (:math:`\eta`) and ``eps`` must be finite and > 0, ``beta1`` and ``beta2`` in
    [0, 1): a negative learning rate would climb the loss.

    Examples
    --------
    The first step moves every parameter by about ``lr`` against the sign of its gradient:

    >>> w, grad = {"w": np.zeros(2)}, {"w": np.array([3.0, -0.1])}
    >>> new, state = adam_step(w, grad, adam_init(w), lr=0.1)
    >>> new["w"].round(6), state.t
    (array([-0.1,  0.1]), 1)
    """
    params, grads = _check_arrays(params, "params"), _check_arrays(grads, "grads")
    if set(grads) != set(params):
        raise ValueError(
            f"grads must have the keys of params {sorted(params)}; got {sorted(grads)}"
        )
    lr = check_real(lr, "lr", low=0, low_open=True)
    beta1 = check_real(beta1, "beta1", low=0, high=1, high_open=True)
    beta2 = check_real(beta2, "beta2", low=0, high=1, high_open=True)
    eps = check_real(eps, "eps", low=0, low_open=True)
    return _adam_update(params, grads, state, lr, beta1, beta2, eps)


def _adam_update(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """:func:`adam_step` without the checks (the training loop checks once)."""
    t = state.t + 1
    m = {name: beta1 * state.m[name] + (1 - beta1) * g for name, g in grads.items()}
    v = {name: beta2 * state.v[name] + (1 - beta2) * g * g for name, g in grads.items()}
    c1, c2 = 1 - beta1**t, 1 - beta2**t
    new = {
        name: params[name] - lr * (m[name] / c1) / (np.sqrt(v[name] / c2) + eps) for name in params
    }
    return new, AdamState(m, v, t)
