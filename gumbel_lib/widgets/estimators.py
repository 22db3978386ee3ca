r"""A τ slider showing the bias and the spread of five gradient estimators.

Used by ``notebooks/06_gradient_estimators``. For logits :math:`x` and losses :math:`f`
the exact gradient of :math:`L(x) = \mathbb{E}_{k \sim \operatorname{softmax}(x)}[f_k]`
is known (:func:`gumbel_lib.estimators.exact_gradient`); each estimator draws ``n``
samples from the same seed at every τ, and the bars show

* left, the bias :math:`\lVert \bar g - \nabla L \rVert`, with a marker at twice its
  Monte Carlo standard error (a bar below its marker is indistinguishable from 0);
* right, the spread of one sample :math:`\sqrt{\operatorname{tr} \mathrm{Cov}\,\hat g}`.

The REINFORCE bars do not depend on τ; the three relaxed estimators' bars do.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_logits_f, check_n
from ..estimators import ESTIMATORS, bias_std, estimate, exact_gradient
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

#: Short labels of the estimators, in the order of :data:`gumbel_lib.estimators.ESTIMATORS`.
LABELS = ("REINFORCE", "REINFORCE\n+ LOO", "straight-\nthrough", "Gumbel-\nsoftmax", "ST\nGumbel")

#: The y-range of both panels (log scale).
Y_MIN, Y_MAX = 1e-4, 1e2

#: The largest ``n``: five estimators of ``n`` samples are recomputed at every slider move.
MAX_N = 100_000


def estimators_explorer(
    logits: ArrayLike,
    f_values: ArrayLike,
    f_grad: Callable[[np.ndarray], ArrayLike] | None = None,
    n: int = 2000,
    seed: int = 0,
    tau: float = 0.5,
) -> Explorer:
    r"""Bias and standard-deviation bars of each estimator at the slider's τ.

    At every τ each estimator of :data:`gumbel_lib.estimators.ESTIMATORS` is called
    with ``n`` samples and ``rng=seed`` (so the Gumbel noise is the same at every τ,
    and the bars move smoothly), and summarised by
    :func:`gumbel_lib.estimators.bias_std` against the exact gradient. The caption
    reads ``τ = 0.5   Gumbel-softmax: bias 0.053, std 0.41   ST Gumbel: ...``.

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
        Samples per estimator and per τ, 2 (for the leave-one-out baseline) to 100000.
    seed : int, default 0
        Seed of the Gumbel noise, reused at every τ.
    tau : float, default 0.5
        Initial temperature, between 0.01 and 100 (the slider's range).

    Returns
    -------
    Explorer
        ``.slider`` is the τ slider; ``.bias_bars``, ``.std_bars`` (one rectangle per
        estimator, in the order of ``ESTIMATORS``), ``.floor`` (the 2-standard-error
        markers), ``.exact`` and ``.summaries`` (a list, updated in place: the
        :class:`~gumbel_lib.estimators.BiasStd` of each estimator at the current τ) are
        kept for inspection.

    Examples
    --------
    >>> ex = estimators_explorer([0.0, 1.0, -1.0], [1.0, 0.0, 2.0], n=500, tau=1.0)
    >>> ex.caption.startswith("τ = 1.00   Gumbel-softmax: bias ")
    True
    >>> before = ex.std_bars[3].get_height()
    >>> ex.slider.value = 0.1
    >>> ex.caption[:7], ex.std_bars[3].get_height() > before  # less τ, more spread
    ('τ = 0.100', True)
    """
    x, f = check_logits_f(logits, f_values)
    n = check_n(n, low=2, high=MAX_N)  # 2: the leave-one-out baseline
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    if f_grad is not None and not callable(f_grad):
        raise TypeError(f"f_grad must be None or a callable; got {type(f_grad).__name__}")
    tau = check_slider_tau(tau)
    exact = exact_gradient(x, f)

    def summaries(t: float) -> list:
        return [
            bias_std(estimate(name, x, f, n, t, rng=int(seed), f_grad=f_grad), exact)
            for name in ESTIMATORS
        ]

    fig, (ax_bias, ax_std) = figure(1, 2, figsize=(11.0, 4.4))
    k = np.arange(len(ESTIMATORS))
    first = summaries(tau)
    floor = np.array([s.stderr for s in first])
    # Fix the log scale and its limits before the bars exist: bars of height 0 (a
    # noise-free estimator, or logits so far apart that every gradient is 0) must not
    # send Matplotlib autoscaling a log axis with no positive data (a warning).
    for ax, title in [(ax_bias, "bias  ‖mean − exact‖"), (ax_std, "std of one sample")]:
        ax.set_yscale("log")
        ax.set_ylim(Y_MIN, Y_MAX)
        ax.set_xticks(k, LABELS, fontsize=10)
        ax.set_title(title)
    bias_bars = ax_bias.bar(k, [s.bias for s in first], 0.6, color=COLORS[: len(k)])
    floor_marks = ax_bias.scatter(
        k, 2 * floor, marker="_", s=600, color="black", zorder=3, label="2 × standard error"
    )
    std_bars = ax_std.bar(k, [s.std for s in first], 0.6, color=COLORS[: len(k)])
    ax_std.text(2, 2 * Y_MIN, "0: no noise", ha="center", va="bottom", fontsize=10)
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
        gs, st = now[3], now[4]
        return (
            f"{format_tau(tau)}   Gumbel-softmax: bias {gs.bias:.3g}, std {gs.std:.3g}"
            f"   ST Gumbel: bias {st.bias:.3g}, std {st.std:.3g}"
        )

    current: list = []
    explorer = make_explorer(
        fig,
        draw,
        alt="Two bar charts, one bar per gradient estimator: left the bias, with a marker at "
        "twice its standard error; right the spread of one sample, at the current τ.",
        kind="estimators",
        tau=log_slider(tau, TAU_MIN_EXP, TAU_MAX_EXP),
    )
    explorer.bias_bars = bias_bars
    explorer.std_bars = std_bars
    explorer.floor = floor_marks
    explorer.exact = exact
    explorer.summaries = current
    return explorer
