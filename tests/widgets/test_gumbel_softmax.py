"""The τ explorer of notebook 04: a cloud of Gumbel-softmax samples on the simplex."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gumbel_lib as gl
from gumbel_lib.widgets._core import format_tau
from gumbel_lib.widgets.gumbel_softmax import simplex_explorer

PI = np.array([0.2, 0.3, 0.5])
N, SEED = 400, 5


def expected_points(pi, noise, tau):
    """softmax((log π + g)/τ) drawn on the triangle, written out without gumbel_lib."""
    with np.errstate(divide="ignore"):
        z = (np.log(pi) + noise) / tau
    z = z - z.max(axis=-1, keepdims=True)
    y = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    u = y[:, 1] + 0.5 * y[:, 2]
    v = math.sqrt(3.0) / 2.0 * y[:, 2]
    return y, np.stack([u, v], axis=-1)


@pytest.fixture
def explorer():
    return simplex_explorer(PI, n=N, seed=SEED, tau=1.0)


def test_the_noise_is_drawn_once_from_the_seed(explorer):
    noise = gl.gumbel_noise((N, 3), rng=SEED)
    assert np.array_equal(explorer.noise, noise)


def test_slider_moves_the_cloud_to_the_right_points(explorer):
    fig, ax = explorer.fig, explorer.fig.axes[0]
    scatter, n_collections, n_lines = explorer.scatter, len(ax.collections), len(ax.lines)
    noise = gl.gumbel_noise((N, 3), rng=SEED)
    _, start = expected_points(PI, noise, 1.0)
    np.testing.assert_allclose(scatter.get_offsets(), start, rtol=1e-10, atol=1e-12)
    before = np.array(scatter.get_offsets())

    for tau in [0.1, 0.02, 7.0, 100.0]:
        explorer.slider.value = tau
        y, xy = expected_points(PI, noise, tau)
        offsets = np.array(scatter.get_offsets())
        np.testing.assert_allclose(offsets, xy, rtol=1e-9, atol=1e-12)
        assert np.abs(offsets - before).max() > 1e-3  # the cloud moved
        before = offsets

        m = y.mean(axis=0)
        mx, my = explorer.mean_marker.get_data()
        np.testing.assert_allclose([mx[0], my[0]], xy.mean(axis=0), rtol=1e-9, atol=1e-12)
        assert explorer.caption == (
            f"{format_tau(tau)}   mean = ({m[0]:.2f}, {m[1]:.2f}, {m[2]:.2f})"
        )  # fmt: skip
        # updated in place: same figure, same artists, nothing added
        assert explorer.fig is fig and fig.axes == [ax]
        assert explorer.scatter is scatter and ax.collections[0] is scatter
        assert (len(ax.collections), len(ax.lines)) == (n_collections, n_lines)


def test_the_limits_of_tau(explorer):
    explorer.slider.value = 0.01
    y, _ = expected_points(PI, explorer.noise, 0.01)
    assert (y.max(axis=-1) > 0.99).mean() > 0.95  # almost all at a corner
    assert explorer.caption.startswith("τ = 0.0100   mean = (0.2")
    explorer.slider.value = 100.0
    offsets = np.array(explorer.scatter.get_offsets())
    centre = np.array([0.5, math.sqrt(3.0) / 6])
    assert np.linalg.norm(offsets - centre, axis=-1).max() < 0.1  # all near the centroid
    assert explorer.caption == "τ = 100   mean = (0.33, 0.33, 0.33)"


def test_redraws_are_deterministic_and_continuous(explorer):
    explorer.slider.value = 0.3
    first = np.array(explorer.scatter.get_offsets())
    explorer.slider.value = 30.0
    explorer.slider.value = 0.3
    np.testing.assert_array_equal(explorer.scatter.get_offsets(), first)
    explorer.slider.value = 0.3 * 1.001  # a tiny move of τ moves every point a little
    assert np.abs(np.array(explorer.scatter.get_offsets()) - first).max() < 0.01


def test_pi_marker_and_a_masked_category():
    ex = simplex_explorer([0.5, 0.5, 0.0], n=100, seed=1, tau=0.5)
    star = ex.fig.axes[0].lines[-1]
    np.testing.assert_allclose(np.ravel(star.get_xydata()), [0.5, 0.0], atol=1e-15)
    ex.slider.value = 3.0
    offsets = np.array(ex.scatter.get_offsets())
    np.testing.assert_allclose(offsets[:, 1], 0.0, atol=1e-15)  # π_2 = 0: the bottom edge
    assert ex.caption.endswith(", 0.00)")


def test_corners_are_labelled_0_based_by_default(explorer):
    """The notation of the notebooks: categories 0, 1, 2, so the corners are e_0, e_1, e_2."""
    assert [t.get_text() for t in explorer.fig.axes[0].texts] == ["$e_0$", "$e_1$", "$e_2$"]


def test_the_figure_renders(explorer):
    assert explorer.render_png()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"pi": [0.5, 0.5]}, ValueError, "3 probabilities"),
        ({"pi": [0.2, 0.2, 0.2]}, ValueError, "sum to 1"),
        ({"pi": [-0.1, 0.6, 0.5]}, ValueError, ">= 0"),
        ({"n": 0}, ValueError, "n must be between"),
        ({"n": 2.5}, TypeError, "n must be an int"),
        ({"seed": -1}, ValueError, "seed"),
        ({"tau": 1000.0}, ValueError, "tau must be between"),
        ({"tau": 0.0}, ValueError, "tau must be between"),
        ({"tau": "1"}, TypeError, "tau must be a real number"),
    ],
)
def test_bad_input(kwargs, error, words):
    args = {"pi": PI, "n": 10, "seed": 0, "tau": 1.0, **kwargs}
    with pytest.raises(error, match=words):
        simplex_explorer(**args)


@pytest.mark.parametrize("tau", [np.int64(1), np.float32(1.0), 1, np.int32(1)])
def test_numpy_scalars_are_accepted_like_the_other_explorers(tau):
    ex = simplex_explorer(PI, n=10, seed=0, tau=tau)
    assert ex.caption.startswith("τ = 1.00")
