r"""A τ slider comparing the naive straight-through trick's gradient with the exact one.

No notebook uses it: ``notebooks/02_straight_through`` shows the same comparison, and the
straight-through estimator's bias, as one still figure against τ. For logits :math:`x` and a
loss that depends on the category, :math:`f_k = \tilde f(e_k)`, the exact gradient of the
expected loss :math:`L = \mathbb{E}_{K \sim \operatorname{softmax}(x)}[f_K]` does not depend
on τ; the naive trick's value does. Its bars move with the slider, the bars of the exact
gradient stay put.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_float_array
from ..estimators import exact_gradient
from ..plots import COLORS, figure
from ..straight_through import straight_through_softmax
from ._core import (
    TAU_MAX_EXP,
    TAU_MIN_EXP,
    Explorer,
    check_slider_tau,
    check_small_logits,
    format_tau,
    log_slider,
    make_explorer,
)

__all__ = ["straight_through_explorer"]


def straight_through_explorer(
    logits: ArrayLike, f_values: ArrayLike, upstream: ArrayLike | None = None, tau: float = 1.0
) -> Explorer:
    r"""Bars of the straight-through surrogate gradient against the exact gradient, with a τ slider.

    The naive straight-through trick returns :math:`z = \operatorname{one\_hot}(\arg\max_i x_i)`
    forward and, backward, the softmax vector-Jacobian product

    .. math::

        \widehat{\nabla L}_j(\tau) = \frac{p_j}{\tau}\Bigl(u_j - \sum_i u_i p_i\Bigr),
        \qquad p = \operatorname{softmax}(x/\tau),

    where :math:`u = \partial L / \partial z` is the upstream gradient at the forward
    value (:func:`gumbel_lib.straight_through_softmax`). It is compared with the exact
    gradient of the expected loss, :math:`\pi_j (f_j - \sum_k \pi_k f_k)` with
    :math:`\pi = \operatorname{softmax}(x)`
    (:func:`gumbel_lib.estimators.exact_gradient`), which does not depend on τ. The caption
    reads ``τ = 0.5   distance to exact = 0.123`` (the Euclidean norm of the difference).

    Parameters
    ----------
    logits : array_like, shape (d,)
        Finite logits :math:`x`, with 2 <= d <= 20.
    f_values : array_like, shape (d,)
        The loss of each category, :math:`f_k = L(e_k)`.
    upstream : array_like, shape (d,), optional
        :math:`\partial L/\partial z` at the forward one-hot; default ``f_values``, i.e. the
        linear loss :math:`L(z) = \langle f, z\rangle`.
    tau : float, default 1.0
        Initial temperature, between 0.01 and 100 (the slider's range).

    Returns
    -------
    Explorer
        ``.slider`` is the τ slider, ``.fig`` the figure; ``.surrogate_bars`` (moved by
        the slider), ``.exact_bars`` (fixed), ``.exact`` and ``.upstream`` are kept for
        inspection.

    Examples
    --------
    >>> ex = straight_through_explorer([1.0, 2.0, 0.5], f_values=[1.0, 0.0, 2.0], tau=1.0)
    >>> ex.caption  # a linear loss at τ = 1: the surrogate is exact
    'τ = 1.00   distance to exact = 0.000'
    >>> ex.slider.value = 0.1
    >>> ex.caption
    'τ = 0.100   distance to exact = 0.399'
    """
    x = check_small_logits(logits)
    exact = exact_gradient(x, f_values)
    u = as_float_array(
        f_values if upstream is None else upstream, "f_values" if upstream is None else "upstream"
    )
    if u.shape != x.shape:
        raise ValueError(f"upstream must have the shape of the logits {x.shape}; got {u.shape}")
    if not np.isfinite(u).all():
        raise ValueError("upstream must be finite")
    tau = check_slider_tau(tau)
    d = x.shape[0]

    # Fixed y-limits that hold every surrogate on the slider's range and the exact gradient.
    taus = np.logspace(TAU_MIN_EXP, TAU_MAX_EXP, 161)
    extent = max(
        float(np.abs(exact).max()),
        max(float(np.abs(straight_through_softmax(x, u, tau=t).grad).max()) for t in taus),
    )
    extent = 1.15 * extent if extent > 0 else 1.0

    fig, ax = figure(figsize=(8.0, 4.4))
    k = np.arange(d)
    width = 0.38
    surrogate = straight_through_softmax(x, u, tau=tau).grad
    surrogate_bars = ax.bar(
        k - width / 2, surrogate, width, color=COLORS[0], label="straight-through surrogate"
    )
    exact_bars = ax.bar(
        k + width / 2, exact, width, color=COLORS[1], label=r"exact $\nabla_x\, \mathbb{E}[f_k]$"
    )
    ax.axhline(0.0, color="black", lw=1.0)
    ax.set_ylim(-extent, extent)
    ax.set_xticks(k, [f"{j}" for j in k])
    ax.set_xlabel("logit $x_j$")
    ax.set_ylabel("gradient")
    ax.legend(loc="upper right", frameon=False)

    def draw(tau: float) -> str:
        grad = straight_through_softmax(x, u, tau=tau).grad
        for bar, height in zip(surrogate_bars, grad, strict=True):
            bar.set_height(float(height))
        dist = float(np.linalg.norm(grad - exact))
        return f"{format_tau(tau)}   distance to exact = {dist:.3f}"

    explorer = make_explorer(
        fig,
        draw,
        alt="Bars per category of the straight-through surrogate gradient at the current τ "
        "beside the bars of the exact gradient, which do not depend on τ.",
        kind="straight_through",
        tau=log_slider(tau, TAU_MIN_EXP, TAU_MAX_EXP),
    )
    explorer.surrogate_bars = surrogate_bars
    explorer.exact_bars = exact_bars
    explorer.exact = exact
    explorer.upstream = u
    explorer.logits = x
    return explorer
