"""gumbel_lib.plots: figures saved whole, with one draw where one is enough."""

from __future__ import annotations

import io

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")

from gumbel_lib import plots  # noqa: E402


def _png_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    return Image.open(io.BytesIO(png)).size


def _inside(fig) -> bool:
    """Everything drawn lies within the canvas (checked after a save has laid it out)."""
    fig.draw_without_rendering()
    box = fig.get_tightbbox()
    width, height = fig.get_size_inches()
    return box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height


def _crowded():
    """Constrained layout must keep all of this inside without a tight bounding box."""
    fig, ax = plots.figure()
    ax.plot([1, 10, 100], [1, 2, 3], label="a long legend entry outside the axes")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_ylabel("a label\non two lines")
    ax.set_xscale("log")
    fig.suptitle("A title above it all")
    return fig


def test_constrained_layout_keeps_labels_and_legends_inside_with_one_draw():
    fig = _crowded()
    assert not plots.needs_tight_bbox(fig)
    png = plots.figure_png(fig)
    assert _png_size(png) == (800, 420)  # the style's 8 × 4.2 in at 100 dpi: not cropped
    assert _inside(fig)


def test_a_figure_legend_below_the_canvas_gets_a_tight_box():
    fig, ax = plots.figure()
    ax.plot([0, 1], label="a")
    fig.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0))
    assert not _inside(fig)  # the legend hangs below the canvas ...
    assert plots.needs_tight_bbox(fig)
    width, height = _png_size(plots.figure_png(fig))
    assert height > 420  # ... and the tight box grows the image to hold it
    assert _png_size(plots.figure_png(fig, tight=False))[1] == 420  # without it: cut off
    fig.set_layout_engine(None)
    assert plots.needs_tight_bbox(fig)  # no layout engine: no promise either


def test_log_axes_are_labelled_in_plain_text():
    fig = _crowded()
    plots.show(fig, alt="A crowded test figure with a log axis from 1 to 100.")
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "10" in labels and "100" in labels
    assert not any("$" in t or "mathdefault" in t for t in labels)  # no mathtext to parse


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (1e-6, "10⁻⁶"),
        (0.001, "0.001"),
        (0.25, "0.25"),
        (1.0, "1"),
        (1e4, "10000"),
        (1e5, "10⁵"),
        (3e-7, "3×10⁻⁷"),
        (-1e-6, "-10⁻⁶"),
        (0.0, "0"),
    ],
)
def test_log_tick_label(value, label):
    assert plots.log_tick_label(value) == label


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (5e-324, "5×10⁻³²⁴"),  # the smallest subnormal: was a ZeroDivisionError
        (1e-319, "10⁻³¹⁹"),  # a subnormal: was "10×10⁻³²⁰"
        (-3e-320, "-3×10⁻³²⁰"),
        (2.2250738585072014e-308, "2.22507×10⁻³⁰⁸"),
        (1e308, "10³⁰⁸"),
        (np.float32(1e-6), "10⁻⁶"),  # 9.99999997e-07 in float64: still ten to the -6
        (999_999.99, "10⁶"),
        (np.inf, "inf"),
        (np.nan, "nan"),
        pytest.param(10**400, "inf", id="10**400"),  # an int beyond the largest float
    ],
)
def test_log_tick_label_at_the_ends_of_the_float_range(value, label):
    assert plots.log_tick_label(value) == label


@pytest.mark.parametrize("value", ["1e-5", None, True, [1e-5], 1j])
def test_log_tick_label_refuses_what_is_not_a_number(value):
    with pytest.raises(TypeError, match="value must be a real number"):
        plots.log_tick_label(value)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda fig: plots.figure(nrows=2.0), TypeError, "nrows must be an int"),
        (lambda fig: plots.figure(ncols=0), ValueError, "ncols must be >= 1"),
        (lambda fig: plots.figure_png(None), TypeError, "fig must be a matplotlib Figure"),
        (lambda fig: plots.figure_png(fig, tight="yes"), TypeError, "tight must be True or False"),
        (lambda fig: plots.figure_png(fig, compress_level=10), ValueError,
         "compress_level must be between 0 and 9"),
        (lambda fig: plots.show("fig", alt="An empty set of axes."), TypeError,
         "fig must be a matplotlib Figure"),
        (lambda fig: plots.plain_log_labels(fig.axes[0]), TypeError, "fig must be a matplotlib"),
    ],
)  # fmt: skip
def test_plotting_helpers_name_the_bad_argument(call, error, words):
    fig, _ = plots.figure()
    with pytest.raises(error, match=words):
        call(fig)


def test_a_short_log_axis_keeps_its_minor_labels():
    fig, ax = plots.figure()
    ax.plot([2, 5], [1, 2])
    ax.set_xscale("log")
    ax.set_xlim(2, 5)  # less than a decade: no major tick inside, the minor ones carry the labels
    plots.plain_log_labels(fig)
    minor = ax.xaxis.get_minor_formatter()
    assert minor(3.0, 0) == "3"
    assert np.isfinite(ax.get_xlim()).all()
