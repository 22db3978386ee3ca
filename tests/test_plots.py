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


def test_a_short_log_axis_keeps_its_minor_labels():
    fig, ax = plots.figure()
    ax.plot([2, 5], [1, 2])
    ax.set_xscale("log")
    ax.set_xlim(2, 5)  # less than a decade: no major tick inside, the minor ones carry the labels
    plots.plain_log_labels(fig)
    minor = ax.xaxis.get_minor_formatter()
    assert minor(3.0, 0) == "3"
    assert np.isfinite(ax.get_xlim()).all()
