r"""A τ slider showing the bias and the spread of the gradient estimators.

Used by ``notebooks/06_gradient_estimators``. For logits :math:`x` and losses :math:`f`
the exact gradient of :math:`L(x) = \mathbb{E}_{K \sim \operatorname{softmax}(x)}[f_K]`
is known (:func:`gumbel_lib.estimators.exact_gradient`); each estimator of
:data:`gumbel_lib.estimators.REGISTRY` (its bar labelled with the registry's short label)
computes ``n // m`` gradients of ``m`` samples each (a gradient step's budget: the
leave-one-out baseline of REINFORCE uses the other ``m - 1`` samples of its step, as a user
would run it), from the same seed at every τ, and the bars show

* left, the bias :math:`\lVert \overline{\nabla L} - \nabla L \rVert`, with a marker at
  twice its Monte Carlo standard error (a bar below its marker is indistinguishable from 0);
* right, the spread of one ``m``-sample gradient
  :math:`\sqrt{\operatorname{tr} \mathrm{Cov}\,\widehat{\nabla L}}`.

Only the bars of the estimators whose ``uses_tau`` is true move with τ.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_logits_f, check_n, check_seed
from ..estimators import ESTIMATORS, REGISTRY, bias_std, estimate_batch, exact_gradient
from ..gumbel import gumbel_noise
from ..plots import COLORS, figure
from ._core import (
    TAU_MAX_EXP,
    TAU_MIN_EXP,
    Explorer,
    check_slider_tau,
    format_tau,
    log_slider,
    make_explorer,
)

__all__ = ["estimators_explorer", "LABELS"]

#: Short labels of the estimators, in the order of :data:`gumbel_lib.estimators.ESTIMATORS`
#: (read from the registry).
LABELS = tuple(REGISTRY[name].short for name in ESTIMATORS)

#: The y-range of both panels (log scale).
Y_MIN, Y_MAX = 1e-4, 1e2

#: The largest ``n``: the estimators that use τ are recomputed on ``n`` samples at every move.
MAX_N = 100_000


def estimators_explorer(
    logits: ArrayLike,
    f_values: ArrayLike,
    f_grad: Callable[[np.ndarray], ArrayLike] | None = None,
    n: int = 2000,
    seed: int = 0,
    tau: float = 0.5,
    m: int = 4,
) -> Explorer:
    r"""Bias and standard-deviation bars of each estimator at the slider's τ.

    The Gumbel noise ``gumbel_noise((n // m, m, d), rng=seed)`` is drawn once (the same
    at every τ, so the bars move smoothly). At every τ each estimator of
    :data:`gumbel_lib.estimators.ESTIMATORS` turns it into ``n // m`` gradients of ``m``
    samples each (:func:`gumbel_lib.estimators.estimate_batch`, averaged over each step),
    summarised by :func:`gumbel_lib.estimators.bias_std` against the exact gradient. The
    caption reads ``τ = 0.5   Gumbel-softmax: bias 0.053, std 0.2   ST Gumbel: ...``.

    Parameters
    ----------
    logits : array_like, shape (d,)
        Finite logits :math:`x`, :math:`d \ge 2`.
    f_values : array_like, shape (d,)
        The loss of each category.
    f_grad : callable, optional
        Gradient of the relaxed loss (see :func:`gumbel_lib.estimators.straight_through`);
        default: the linear extension.
    n : int, default 2000
        Samples per estimator and per τ, ``2 m`` to 100000 (``n // m`` gradients).
    seed : int, default 0
        Seed of the Gumbel noise, reused at every τ.
    tau : float, default 0.5
        Initial temperature, between 0.01 and 100 (the slider's range).
    m : int, default 4
        Samples per gradient step, 2 (for the leave-one-out baseline) to 1000.

    Returns
    -------
    Explorer
        ``.slider`` is the τ slider; ``.bias_bars``, ``.std_bars`` (one rectangle per
        estimator, in the order of ``ESTIMATORS``; ``.names`` lists them), ``.floor``
        (the 2-standard-error markers), ``.exact`` and ``.summaries`` (a list, updated in place: the
        :class:`~gumbel_lib.estimators.BiasStd` of each estimator at the current τ) are
        kept for inspection.

    Examples
    --------
    >>> ex = estimators_explorer([0.0, 1.0, -1.0], [1.0, 0.0, 2.0], n=500, tau=1.0)
    >>> ex.caption.startswith("τ = 1.00   Gumbel-softmax: bias ")
    True
    >>> gs = ex.names.index("gumbel_softmax")
    >>> before = ex.std_bars[gs].get_height()
    >>> ex.slider.value = 0.1
    >>> ex.caption[:7], ex.std_bars[gs].get_height() > before  # less τ, more spread
    ('τ = 0.100', True)
    """
    x, f = check_logits_f(logits, f_values)
    m = check_n(m, "m", low=2, high=1000, what="samples per gradient step")
    n = check_n(n, low=2 * m, high=MAX_N)  # at least two steps of m samples
    seed = check_seed(seed)
    if f_grad is not None and not callable(f_grad):  # the estimators would say it only later
        raise TypeError(f"f_grad must be None or a callable; got {type(f_grad).__name__}")
    tau = check_slider_tau(tau)
    exact = exact_gradient(x, f)

    noise = gumbel_noise((n // m, m, x.shape[0]), rng=seed)

    def summary(name: str, t: float):
        grads = estimate_batch(name, x, f, noise, t, f_grad=f_grad).mean(axis=1)
        return bias_std(grads, exact)

    # the estimators that ignore τ are summarised once; the others at every slider move
    fixed = {name: summary(name, 1.0) for name in ESTIMATORS if not REGISTRY[name].uses_tau}

    def summaries(t: float) -> list:
        return [fixed[name] if name in fixed else summary(name, t) for name in ESTIMATORS]

    fig, (ax_bias, ax_std) = figure(1, 2, figsize=(12.0, 4.6))
    k = np.arange(len(ESTIMATORS))
    first = summaries(tau)
    floor = np.array([s.stderr for s in first])
    # Fix the log scale and its limits before the bars exist: bars of height 0 (a
    # noise-free estimator, or logits so far apart that every gradient is 0) must not
    # send Matplotlib autoscaling a log axis with no positive data (a warning).
    spread = f"std of a {m}-sample gradient"
    for ax, title in [(ax_bias, "bias  ‖mean − exact‖"), (ax_std, spread)]:
        ax.set_yscale("log")
        ax.set_ylim(Y_MIN, Y_MAX)
        ax.set_xticks(k, LABELS, fontsize=10)
        ax.set_title(title)
    bias_bars = ax_bias.bar(k, [s.bias for s in first], 0.6, color=COLORS[: len(k)])
    floor_marks = ax_bias.scatter(
        k, 2 * floor, marker="_", s=600, color="black", zorder=3, label="2 × standard error"
    )
    std_bars = ax_std.bar(k, [s.std for s in first], 0.6, color=COLORS[: len(k)])
    for i, name in enumerate(ESTIMATORS):
        if not REGISTRY[name].stochastic:
            ax_std.text(i, 2 * Y_MIN, "0: no\nnoise", ha="center", va="bottom", fontsize=9)
    ax_bias.set_ylabel("size (log scale)")
    ax_bias.legend(loc="upper left", frameon=False, fontsize=10)

    def draw(tau: float) -> str:
        now = summaries(tau)
        for bar, s in zip(bias_bars, now, strict=True):
            bar.set_height(s.bias)
        for bar, s in zip(std_bars, now, strict=True):
            bar.set_height(s.std)
        floor_marks.set_offsets(np.column_stack([k, [2 * s.stderr for s in now]]))
        current[:] = now  # the list kept as explorer.summaries, updated in place
        gs, st = now[where["gumbel_softmax"]], now[where["st_gumbel"]]
        return (
            f"{format_tau(tau)}   Gumbel-softmax: bias {gs.bias:.3g}, std {gs.std:.3g}"
            f"   ST Gumbel: bias {st.bias:.3g}, std {st.std:.3g}"
        )

    where = {name: i for i, name in enumerate(ESTIMATORS)}
    current: list = []
    explorer = make_explorer(
        fig,
        draw,
        alt="Two bar charts, one bar per gradient estimator: left the bias, with a marker at "
        f"twice its standard error; right the spread of a {m}-sample gradient, at the current τ.",
        kind="estimators",
        tau=log_slider(tau, TAU_MIN_EXP, TAU_MAX_EXP),
    )
    explorer.names = ESTIMATORS
    explorer.bias_bars = bias_bars
    explorer.std_bars = std_bars
    explorer.floor = floor_marks
    explorer.exact = exact
    explorer.summaries = current
    return explorer
