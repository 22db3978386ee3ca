"""Points of the 2-simplex drawn in the plane: barycentric ↔ Cartesian, and a grid.

A point :math:`y = (y_1, y_2, y_3)` of the probability simplex (entries >= 0, sum 1)
is a weighted average of the three corners of a triangle. Drawing it in 2-D means
taking that average of the corners' plane coordinates (the **barycentric** map). Pure
NumPy: the Matplotlib drawing lives in :mod:`gumbel_lib.simplex_plot`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_int

__all__ = ["CORNERS", "to_cartesian", "to_barycentric", "simplex_grid"]

#: Plane coordinates of the corners :math:`e_1, e_2, e_3`: an equilateral triangle with
#: side 1, :math:`e_1` bottom left, :math:`e_2` bottom right, :math:`e_3` at the top.
CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, math.sqrt(3.0) / 2.0]])
CORNERS.setflags(write=False)


def _sum_tolerance(dtype: np.dtype) -> float:
    r"""How far from 1 the sum of a point of the 2-simplex of ``dtype`` may be: the larger of
    ``1e-6`` and :math:`3\varepsilon`, with :math:`\varepsilon` the machine epsilon of
    ``dtype`` (each of the three entries is rounded once).

    Examples
    --------
    >>> _sum_tolerance(np.float64), _sum_tolerance(np.float32), round(_sum_tolerance(np.float16), 5)
    (1e-06, 1e-06, 0.00293)
    """
    return max(1e-6, 3.0 * float(np.finfo(dtype).eps))


def _check_points(y: ArrayLike, name: str) -> np.ndarray:
    """Validate points of the 2-simplex along the last axis (shape ``(..., 3)``), with the
    tolerance of their dtype (:func:`_sum_tolerance`)."""
    p = as_float_array(y, name)
    atol = _sum_tolerance(p.dtype)
    if p.ndim == 0 or p.shape[-1] != 3:
        raise ValueError(
            f"{name} must have shape (..., 3): points of the 2-simplex along the last axis; "
            f"got shape {p.shape}"
        )
    if p.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError(f"{name} must be finite")
    if (p < -atol).any():
        raise ValueError(f"{name} must be >= 0 (points of the probability simplex)")
    error = float(np.abs(p.sum(axis=-1, dtype=np.float64) - 1).max())
    if error > atol:
        raise ValueError(
            f"{name} must sum to 1 along the last axis (points of the simplex), within "
            f"{atol:.2g} for {p.dtype}; a point is off by {error:.2g}"
        )
    return p


def to_cartesian(y: ArrayLike) -> np.ndarray:
    r"""Plane coordinates of points of the 2-simplex (barycentric → Cartesian).

    The point is the :math:`y`-weighted average of the triangle's corners
    :data:`CORNERS` :math:`c_1 = (0, 0)`, :math:`c_2 = (1, 0)`,
    :math:`c_3 = (\tfrac12, \tfrac{\sqrt3}{2})`:

    .. math::

        (u, v) = \sum_{i=1}^{3} y_i\, c_i
        = \Bigl(y_2 + \tfrac12 y_3,\ \tfrac{\sqrt3}{2}\, y_3\Bigr).

    A one-hot vector lands on a corner, the uniform vector on the centroid, and a point
    with :math:`y_i = 0` on the edge opposite corner :math:`i`.

    Parameters
    ----------
    y : array_like, shape (..., 3)
        Points of the simplex along the last axis: entries >= 0 summing to 1 within the
        rounding of their dtype (``1e-6`` for float64 and float32, ``2.9e-3`` for
        float16), so samples in every precision are accepted.

    Returns
    -------
    numpy.ndarray, shape (..., 2)
        The plane coordinates ``(u, v)``, float64.

    Raises
    ------
    TypeError
        If ``y`` does not hold real numbers (booleans, complex numbers, strings, None).
    ValueError
        If the last axis does not have length 3, or an entry is negative, NaN or
        infinite, or a point does not sum to 1 within the rounding of its dtype.

    Examples
    --------
    >>> to_cartesian(np.eye(3))  # the corners
    array([[0.       , 0.       ],
           [1.       , 0.       ],
           [0.5      , 0.8660254]])
    >>> to_cartesian([1 / 3, 1 / 3, 1 / 3]).round(4)  # the centroid
    array([0.5   , 0.2887])
    """
    p = _check_points(y, "y").astype(np.float64, copy=False)
    return p @ CORNERS


def to_barycentric(xy: ArrayLike) -> np.ndarray:
    r"""Inverse of :func:`to_cartesian`: the weights :math:`y` of a point of the plane.

    .. math::

        y_3 = \frac{2v}{\sqrt3},\qquad y_2 = u - \frac{v}{\sqrt3},\qquad
        y_1 = 1 - y_2 - y_3 .

    Points outside the triangle get a negative weight; no check is made on that.

    Parameters
    ----------
    xy : array_like, shape (..., 2)
        Plane coordinates ``(u, v)``, finite.

    Returns
    -------
    numpy.ndarray, shape (..., 3)
        Weights summing to 1.

    Examples
    --------
    >>> to_barycentric([[0.5, np.sqrt(3) / 6], [1.0, 0.0]]).round(4)
    array([[0.3333, 0.3333, 0.3333],
           [0.    , 1.    , 0.    ]])
    """
    q = as_float_array(xy, "xy").astype(np.float64, copy=False)
    if q.ndim == 0 or q.shape[-1] != 2:
        raise ValueError(f"xy must have shape (..., 2): plane coordinates; got shape {q.shape}")
    if not np.isfinite(q).all():
        raise ValueError("xy must be finite")
    u, v = q[..., 0], q[..., 1]
    y3 = 2.0 * v / math.sqrt(3.0)
    y2 = u - v / math.sqrt(3.0)
    return np.stack([1.0 - y2 - y3, y2, y3], axis=-1)


def simplex_grid(n: int) -> np.ndarray:
    r"""A triangular grid of points strictly inside the 2-simplex, for density plots.

    The points are :math:`y = (i, j, k)/n` with integers :math:`i, j, k \ge 1` and
    :math:`i + j + k = n`: every entry is at least :math:`1/n`, so densities that are
    only defined on the *open* simplex (such as the Concrete density) can be evaluated
    on all of them. There are :math:`(n-1)(n-2)/2` points; in the plane
    (:func:`to_cartesian`) they form equilateral triangles of side :math:`1/n`.

    Parameters
    ----------
    n : int
        Resolution, at least 3 (``n = 3`` gives the centroid alone).

    Returns
    -------
    numpy.ndarray, shape ((n-1)(n-2)/2, 3)
        The grid points, one per row, each summing to 1.

    Examples
    --------
    >>> simplex_grid(4) * 4
    array([[1., 1., 2.],
           [1., 2., 1.],
           [2., 1., 1.]])
    >>> simplex_grid(100).shape, float(simplex_grid(100).min())
    ((4851, 3), 0.01)
    """
    n = check_int(n, "n", low=3, what="the grid resolution; 3 is the least with a point inside")
    i, j = np.meshgrid(np.arange(1, n - 1), np.arange(1, n - 1), indexing="ij")
    k = n - i - j
    keep = k >= 1
    ijk = np.stack([i[keep], j[keep], k[keep]], axis=-1).astype(np.float64)
    return ijk / n
