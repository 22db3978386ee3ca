"""Drawing on the 2-simplex with Matplotlib: the triangle, and a density under a cloud.

Imported only on demand (``from gumbel_lib.simplex_plot import ...``), so that
``import gumbel_lib`` does not need Matplotlib. The geometry (barycentric →
Cartesian) is in :mod:`gumbel_lib.simplex`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.tri import Triangulation
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_axes, check_int, check_real, describe_value
from .simplex import CORNERS, to_cartesian

__all__ = ["draw_triangle", "simplex_density"]


def draw_triangle(
    ax: Axes,
    labels: Sequence[str] | None = ("$e_1$", "$e_2$", "$e_3$"),
    fontsize: float | None = None,
    color: str = "0.2",
) -> None:
    """Draw the outline of the 2-simplex, label its corners and hide the axes.

    The corner ``i`` (one-hot vector :math:`e_i`) is at ``CORNERS[i]``. The axes get an
    equal aspect ratio (so the triangle is equilateral), a small margin and no frame.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    labels : sequence of 3 str or None
        Corner labels, in the order of the categories; None draws no labels.
    fontsize : float, optional
        Label size; defaults to the axes' label size.
    color : str
        Colour of the outline and the labels.

    Examples
    --------
    >>> from gumbel_lib.plots import figure
    >>> fig, ax = figure()
    >>> draw_triangle(ax, labels=["a", "b", "c"])
    >>> [t.get_text() for t in ax.texts], ax.axison
    (['a', 'b', 'c'], False)
    """
    check_axes(ax)
    if labels is not None:
        if isinstance(labels, str) or not isinstance(labels, Sequence):
            raise TypeError(
                f"labels must be a sequence of 3 str or None; got {describe_value(labels)}"
            )
        if len(labels) != 3:
            raise ValueError(f"labels must hold 3 strings (one per corner); got {len(labels)}")
        if not all(isinstance(label, str) for label in labels):
            raise TypeError(
                f"labels must be 3 str (one per corner); got {describe_value(tuple(labels))}"
            )
    if fontsize is not None:
        fontsize = check_real(fontsize, "fontsize", low=0, low_open=True)
    closed = np.vstack([CORNERS, CORNERS[:1]])
    ax.plot(closed[:, 0], closed[:, 1], color=color, lw=1.5, zorder=3)
    if labels is not None:
        size = fontsize if fontsize is not None else ax.xaxis.label.get_size()
        offsets = [(-0.03, -0.05, "right", "top"), (0.03, -0.05, "left", "top")]
        offsets.append((0.0, 0.04, "center", "bottom"))
        for (cx, cy), (dx, dy, ha, va), text in zip(CORNERS, offsets, labels, strict=True):
            ax.text(cx + dx, cy + dy, text, ha=ha, va=va, fontsize=size, color=color)
    ax.set_aspect("equal")
    ax.set_xlim(-0.12, 1.12)
    ax.set_ylim(-0.12, CORNERS[2, 1] + 0.12)
    ax.set_axis_off()


def simplex_density(
    ax: Axes,
    y: ArrayLike,
    values: ArrayLike,
    vmin: float | None = None,
    vmax: float | None = None,
    levels: int = 16,
    **kwargs: Any,
) -> Any:
    """A filled contour plot of ``values`` given at points ``y`` of the 2-simplex.

    Values outside ``[vmin, vmax]`` are clipped to the end colours (use it for a
    log-density, whose range is huge at small temperatures). The points are
    triangulated in the plane, so any scattered set works; a regular grid from
    :func:`gumbel_lib.simplex.simplex_grid` gives the cleanest picture.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw (call :func:`draw_triangle` on it as well).
    y : array_like, shape (m, 3)
        Points of the simplex.
    values : array_like, shape (m,)
        Finite values at those points, e.g. ``concrete_log_density(y, x, tau)``.
    vmin, vmax : float, optional
        Colour range; default the 1st and 99th percentiles of ``values``.
    levels : int
        Number of contour bands.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.tricontourf` (e.g. ``cmap``).

    Returns
    -------
    matplotlib.tri.TriContourSet
        The contour set, for a colour bar.

    Examples
    --------
    >>> from gumbel_lib.plots import figure
    >>> from gumbel_lib.simplex import simplex_grid
    >>> fig, ax = figure()
    >>> grid = simplex_grid(20)
    >>> cs = simplex_density(ax, grid, grid[:, 0], vmin=0, vmax=1, levels=5)
    >>> cs.levels
    array([0. , 0.2, 0.4, 0.6, 0.8, 1. ])
    """
    check_axes(ax)
    levels = check_int(levels, "levels", low=1, what="the number of contour bands")
    vmin = None if vmin is None else check_real(vmin, "vmin")
    vmax = None if vmax is None else check_real(vmax, "vmax")
    xy = to_cartesian(y)
    v = as_float_array(values, "values").astype(np.float64)
    if xy.ndim != 2 or v.shape != xy.shape[:1]:
        raise ValueError(
            f"values must have one entry per point of y, shape ({xy.shape[0]},); got {v.shape}"
        )
    if not np.isfinite(v).all():
        raise ValueError("values must be finite")
    lo = float(np.percentile(v, 1)) if vmin is None else float(vmin)
    hi = float(np.percentile(v, 99)) if vmax is None else float(vmax)
    if not lo < hi:
        raise ValueError(f"vmin must be < vmax; got vmin={lo}, vmax={hi}")
    bands = np.linspace(lo, hi, levels + 1)
    tri = Triangulation(xy[:, 0], xy[:, 1])
    return ax.tricontourf(tri, np.clip(v, lo, hi), levels=bands, zorder=1, **kwargs)
