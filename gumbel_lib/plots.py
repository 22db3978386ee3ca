"""One figure style for every notebook, and small plotting helpers (Matplotlib, lazy).

``use_style()`` applies the style to pyplot figures (call it once, in a notebook's
imports cell); ``figure()`` creates a stand-alone :class:`matplotlib.figure.Figure` in
that style, without pyplot's global figure registry (the widgets use it, so a redraw
never creates a new figure).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

__all__ = ["STYLE", "COLORS", "use_style", "style_context", "figure", "plain_log_labels"]

#: Colour cycle readable on a projector and by colour-blind viewers (Okabe–Ito).
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

#: rcParams shared by all figures: large fonts for a projector, no chart junk.
STYLE: dict[str, Any] = {
    "figure.figsize": (8.0, 4.2),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.autolayout": False,
    "figure.constrained_layout.use": True,
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "legend.fontsize": 12,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 2.0,
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "image.cmap": "viridis",
}


def use_style() -> None:
    """Apply :data:`STYLE` to Matplotlib's defaults (call once per notebook).

    Examples
    --------
    >>> use_style()
    >>> import matplotlib
    >>> matplotlib.rcParams["font.size"]
    13.0
    """
    mpl.rcParams.update(STYLE)


@contextmanager
def style_context():
    """Context manager: :data:`STYLE` inside, the previous defaults outside."""
    with mpl.rc_context(STYLE):
        yield


def figure(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """A stand-alone styled figure and its axes (like ``plt.subplots``, without pyplot).

    The figure is not registered with pyplot, so it is never shown twice and is freed
    with its last reference.

    Examples
    --------
    >>> fig, ax = figure()
    >>> type(fig).__name__, ax.get_xlabel()
    ('Figure', '')
    """
    with style_context():
        fig = Figure(figsize=kwargs.pop("figsize", STYLE["figure.figsize"]))
        axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes


def plain_log_labels(fig: Figure) -> None:
    """Label every log-scaled axis of ``fig`` with plain numbers (0.01, 0.1, 1, 10).

    Plain labels read better than ``10^{-2}`` for temperatures, and they skip
    Matplotlib's mathtext parser, which was a quarter of a widget redraw's time.

    Examples
    --------
    >>> fig, ax = figure()
    >>> ax.set_xscale("log")
    >>> _ = ax.set_xlim(0.01, 100)
    >>> plain_log_labels(fig)
    >>> ax.xaxis.get_major_formatter()(0.01, 0)
    '0.01'
    """
    from matplotlib.ticker import FuncFormatter, NullFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "log":
                axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
                axis.set_minor_formatter(NullFormatter())
