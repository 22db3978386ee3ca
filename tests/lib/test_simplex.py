"""Points of the 2-simplex in the plane (gumbel_lib.simplex) and their drawing (simplex_plot)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import gumbel_lib as gl
from gumbel_lib.simplex import CORNERS, simplex_grid, to_barycentric, to_cartesian

SQRT3 = math.sqrt(3.0)


# --- to_cartesian -------------------------------------------------------------------------


def test_vertices_map_to_the_corners_of_a_unit_equilateral_triangle():
    xy = to_cartesian(np.eye(3))
    np.testing.assert_allclose(xy, [[0, 0], [1, 0], [0.5, SQRT3 / 2]], atol=1e-15)
    for a, b in itertools.combinations(xy, 2):
        assert math.isclose(np.linalg.norm(a - b), 1.0, rel_tol=1e-12)


def test_centroid_maps_to_the_centre_of_the_triangle():
    np.testing.assert_allclose(to_cartesian(np.full(3, 1 / 3)), [0.5, SQRT3 / 6], atol=1e-15)
    np.testing.assert_allclose(to_cartesian(np.full(3, 1 / 3)), CORNERS.mean(axis=0), atol=1e-15)


def test_a_zero_entry_lies_on_the_opposite_edge():
    # y_3 = 0: the bottom edge; y_1 = 0: the right edge (from corner 2 to corner 3)
    t = np.linspace(0, 1, 11)
    bottom = to_cartesian(np.stack([1 - t, t, 0 * t], axis=-1))
    np.testing.assert_allclose(bottom, np.stack([t, 0 * t], axis=-1), atol=1e-15)
    right = to_cartesian(np.stack([0 * t, 1 - t, t], axis=-1))
    np.testing.assert_allclose(right, (1 - t)[:, None] * CORNERS[1] + t[:, None] * CORNERS[2])


def test_the_formula_on_random_points(rng):
    y = rng.dirichlet([0.5, 1.0, 2.0], size=1000)
    xy = to_cartesian(y)
    np.testing.assert_allclose(xy[:, 0], y[:, 1] + y[:, 2] / 2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(xy[:, 1], SQRT3 / 2 * y[:, 2], rtol=1e-12, atol=1e-15)
    # every image lies inside the triangle: its barycentric weights are >= 0
    assert (to_barycentric(xy) > -1e-12).all()


def test_batch_shape_and_float32_samples(rng):
    y = gl.gumbel_softmax(np.zeros((4, 5, 3), dtype=np.float32), tau=0.3, rng=rng)
    xy = to_cartesian(y)
    assert xy.shape == (4, 5, 2) and xy.dtype == np.float64
    np.testing.assert_allclose(xy, y.astype(np.float64) @ CORNERS, rtol=1e-12)


@pytest.mark.parametrize("tau", [0.1, 1.0, 100.0])
def test_float16_samples_are_points_of_the_simplex(rng, tau):
    # float16 Gumbel-softmax samples sum to 1 only within float16's rounding (3.7e-4 off here,
    # ε = 9.8e-4): the tolerance follows the dtype, not float64's 1e-6
    y = gl.gumbel_softmax(np.log(np.float16([0.2, 0.3, 0.5])), tau=tau, rng=rng, size=20_000)
    assert y.dtype == np.float16
    xy = to_cartesian(y)
    np.testing.assert_allclose(xy, y.astype(np.float64) @ CORNERS, rtol=1e-12)


@pytest.mark.parametrize(
    ("dtype", "within", "beyond"),
    [(np.float64, 5e-7, 2e-6), (np.float32, 5e-7, 2e-6), (np.float16, 2e-3, 2e-2)],
)
def test_the_sum_tolerance_follows_the_dtype(dtype, within, beyond):
    to_cartesian(np.array([0.25, 0.25, 0.5 + within], dtype=dtype))  # rounding: accepted
    with pytest.raises(ValueError, match=rf"y must sum to 1 .* for {np.dtype(dtype).name}"):
        to_cartesian(np.array([0.25, 0.25, 0.5 + beyond], dtype=dtype))


def test_round_trip_with_to_barycentric(rng):
    y = rng.dirichlet([1.0, 1.0, 1.0], size=(50, 2))
    np.testing.assert_allclose(to_barycentric(to_cartesian(y)), y, atol=1e-14)
    xy = rng.uniform(-1, 2, size=(100, 2))
    np.testing.assert_allclose(to_barycentric(xy).sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(to_barycentric(xy) @ CORNERS, xy, atol=1e-14)


def test_corners_are_read_only():
    with pytest.raises(ValueError):
        CORNERS[0, 0] = 1.0


@pytest.mark.parametrize(
    ("y", "error", "words"),
    [
        ([0.5, 0.5], ValueError, "shape (..., 3)"),
        (np.ones((3, 4)) / 4, ValueError, "shape (..., 3)"),
        (0.5, ValueError, "shape (..., 3)"),
        (np.empty((0, 3)), ValueError, "empty"),
        ([0.5, 0.7, -0.2], ValueError, ">= 0"),
        ([0.2, 0.2, 0.2], ValueError, "sum to 1"),
        ([np.nan, 0.5, 0.5], ValueError, "finite"),
        ([np.inf, 0.5, 0.5], ValueError, "finite"),
        ([True, False, False], TypeError, "booleans"),
        ([1j, 0, 0], TypeError, "complex"),
        (["a", "b", "c"], TypeError, "real numbers"),
    ],
)
def test_to_cartesian_rejects_bad_input(y, error, words):
    with pytest.raises(error, match="y") as info:
        to_cartesian(y)
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("xy", "error"), [([1.0, 2.0, 3.0], ValueError), ([np.nan, 0.0], ValueError), (1.0, ValueError)]
)
def test_to_barycentric_rejects_bad_input(xy, error):
    with pytest.raises(error, match="xy"):
        to_barycentric(xy)


# --- simplex_grid -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [3, 4, 7, 50])
def test_grid_points_are_the_interior_lattice_points(n):
    grid = simplex_grid(n)
    assert grid.shape == ((n - 1) * (n - 2) // 2, 3)
    ijk = grid * n
    np.testing.assert_allclose(ijk, np.round(ijk), atol=1e-9)  # multiples of 1/n
    assert (np.round(ijk) >= 1).all()  # strictly inside: every entry >= 1/n
    np.testing.assert_allclose(grid.sum(axis=-1), 1.0, rtol=1e-12)
    assert len(np.unique(np.round(ijk).astype(int), axis=0)) == len(grid)  # no duplicates
    expected = {(i, j, n - i - j) for i in range(1, n) for j in range(1, n) if n - i - j >= 1}
    assert {tuple(int(v) for v in row) for row in np.round(ijk)} == expected


def test_grid_of_3_is_the_centroid():
    np.testing.assert_allclose(simplex_grid(3), [[1 / 3, 1 / 3, 1 / 3]])


def test_grid_is_equilateral_in_the_plane():
    n = 8
    xy = to_cartesian(simplex_grid(n))
    dist = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=-1)
    np.fill_diagonal(dist, np.inf)
    np.testing.assert_allclose(dist.min(axis=1), 1 / n, rtol=1e-12)  # nearest neighbours 1/n away


def test_the_concrete_density_is_defined_on_the_whole_grid():
    grid = simplex_grid(60)
    log_p = gl.concrete_log_density(grid, np.log([0.2, 0.3, 0.5]), tau=0.1)
    assert np.isfinite(log_p).all()


@pytest.mark.parametrize(
    ("n", "error"),
    [(2, ValueError), (0, ValueError), (-5, ValueError), (3.0, TypeError), (True, TypeError),
     ("10", TypeError), (None, TypeError)],
)  # fmt: skip
def test_grid_rejects_bad_n(n, error):
    with pytest.raises(error, match="n must"):
        simplex_grid(n)


def test_grid_accepts_numpy_ints():
    assert simplex_grid(np.int64(5)).shape == (6, 3)


# --- simplex_plot (Matplotlib) --------------------------------------------------------------


def test_draw_triangle_outline_and_labels():
    from gumbel_lib.plots import figure
    from gumbel_lib.simplex_plot import draw_triangle

    fig, ax = figure()
    draw_triangle(ax, labels=("a", "b", "c"))
    (outline,) = ax.lines
    np.testing.assert_allclose(outline.get_xydata(), np.vstack([CORNERS, CORNERS[:1]]))
    texts = {t.get_text(): t.get_position() for t in ax.texts}
    assert set(texts) == {"a", "b", "c"}
    assert texts["c"][1] > CORNERS[2, 1]  # the top label sits above the top corner
    assert ax.get_aspect() == 1.0 and not ax.axison


def test_draw_triangle_without_labels_and_bad_labels():
    from gumbel_lib.plots import figure
    from gumbel_lib.simplex_plot import draw_triangle

    fig, ax = figure()
    draw_triangle(ax, labels=None)
    assert len(ax.texts) == 0
    with pytest.raises(ValueError, match="labels"):
        draw_triangle(ax, labels=("a", "b"))


def _filled_area(contour_set):
    """Total area of the filled bands of a contour set (shoelace formula, holes subtract)."""
    total = 0.0
    for path in contour_set.get_paths():
        for poly in path.to_polygons():
            x, y = poly[:, 0], poly[:, 1]
            total += 0.5 * (x @ np.roll(y, -1) - y @ np.roll(x, -1))
    return abs(total)


def test_simplex_density_clips_to_the_colour_range():
    from gumbel_lib.plots import figure
    from gumbel_lib.simplex_plot import simplex_density

    fig, ax = figure()
    n = 30
    grid = simplex_grid(n)
    values = gl.concrete_log_density(grid, np.log([0.2, 0.3, 0.5]), tau=0.2)
    assert values.min() < -1 and values.max() > 0.5  # wider than the colour range below
    cs = simplex_density(ax, grid, values, vmin=-1, vmax=0.5, levels=6)
    np.testing.assert_allclose(cs.levels, np.linspace(-1, 0.5, 7))
    # clipped, not cut out: the bands cover the whole triangle spanned by the grid
    hull = math.sqrt(3) / 4 * ((n - 3) / n) ** 2
    assert math.isclose(_filled_area(cs), hull, rel_tol=1e-9)
    # default range: the 1st and 99th percentiles
    cs = simplex_density(ax, grid, values, levels=4)
    np.testing.assert_allclose(cs.levels[[0, -1]], np.percentile(values, [1, 99]))


@pytest.mark.parametrize(
    ("values", "kw", "words"),
    [
        (np.zeros(5), {}, "one entry per point"),
        (np.full(351, np.nan), {}, "finite"),
        (np.arange(351.0), {"vmin": 3, "vmax": 3}, "vmin must be < vmax"),
    ],
)
def test_simplex_density_rejects_bad_input(values, kw, words):
    from gumbel_lib.plots import figure
    from gumbel_lib.simplex_plot import simplex_density

    fig, ax = figure()
    with pytest.raises(ValueError, match=words):
        simplex_density(ax, simplex_grid(28), values, **kw)


@pytest.mark.parametrize(
    "call",
    [
        lambda: to_cartesian(np.ma.array([[0.2, 0.3, 0.5]], mask=[[0, 1, 0]])),
        lambda: to_barycentric(np.ma.array([[0.5, 0.2]], mask=[[0, 1]])),
    ],
)
def test_masked_points_are_refused(call):
    with pytest.raises(TypeError, match="masked array"):
        call()


def test_simplex_density_refuses_masked_values():
    from gumbel_lib.plots import figure
    from gumbel_lib.simplex_plot import simplex_density

    fig, ax = figure()
    grid = simplex_grid(10)
    values = np.ma.array(grid[:, 0], mask=grid[:, 0] > 0.5)
    with pytest.raises(TypeError, match=r"values is a numpy masked array"):
        simplex_density(ax, grid, values)
