"""One figure style for every notebook, and small plotting helpers (Matplotlib, lazy).

``use_style()`` applies the style to pyplot figures (call it once, in a notebook's
imports cell); ``figure()`` creates a stand-alone :class:`matplotlib.figure.Figure` in
that style, without pyplot's global figure registry (the widgets use it, so a redraw
never creates a new figure).
"""

from __future__ import annotations

import base64
import html
import io
import math
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from ._checks import check_alt_text, check_bool, check_figure, check_int, check_real

__all__ = [
    "STYLE",
    "COLORS",
    "FigureImage",
    "figure",
    "figure_png",
    "log_tick_label",
    "needs_tight_bbox",
    "plain_log_labels",
    "show",
    "style_context",
    "use_style",
]

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
    nrows = check_int(nrows, "nrows", low=1, what="rows of axes")
    ncols = check_int(ncols, "ncols", low=1, what="columns of axes")
    with style_context():
        fig = Figure(figsize=kwargs.pop("figsize", STYLE["figure.figsize"]))
        axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_tick_label(value: float) -> str:
    """A tick label of a log axis as plain text: ``0.01``, ``1``, ``100`` from 10⁻³ to 10⁴,
    and powers of ten with Unicode superscripts outside (``10⁻⁵``, ``10⁶``).

    The power of ten is read from the shortest decimal form of ``value`` (its ``repr``),
    so subnormal numbers down to ``5e-324`` get their own exponent (``10⁻³¹⁹``, not
    ``10×10⁻³²⁰``); NaN and infinities are written as Python writes them.

    Examples
    --------
    >>> [log_tick_label(v) for v in (1e-5, 1e-3, 0.5, 1.0, 100.0, 1e4, 1e6, 2e6, 0.0)]
    ['10⁻⁵', '0.001', '0.5', '1', '100', '10000', '10⁶', '2×10⁶', '0']
    >>> log_tick_label(1e-319), log_tick_label(5e-324)
    ('10⁻³¹⁹', '5×10⁻³²⁴')
    """
    from decimal import Context, Decimal

    value = check_real(value, "value", finite=False)
    if value == 0 or not math.isfinite(value) or 1e-3 <= abs(value) < 1e5:
        return f"{value:g}"
    # the shortest decimal that reads back as value, rounded to the 6 digits of "g"
    shown = Context(prec=6).plus(Decimal(repr(value)))
    exponent = shown.adjusted()
    mantissa = float(shown.scaleb(-exponent))
    power = "10" + str(exponent).translate(_SUPERSCRIPTS)
    if abs(mantissa) == 1.0:
        return power if mantissa > 0 else "-" + power
    return f"{mantissa:g}×{power}"


def plain_log_labels(fig: Figure) -> None:
    """Label every log-scaled axis of ``fig`` with plain text (0.01, 0.1, 1, 10, 10⁻⁵): see
    :func:`log_tick_label`.

    Plain labels read better than ``10^{-2}`` for temperatures, and they skip
    Matplotlib's mathtext parser, which was a quarter of a widget redraw's time and half
    of a log-log figure's. Minor ticks keep no label unless the axis spans less than a
    decade (then they are its only labels).

    Examples
    --------
    >>> fig, ax = figure()
    >>> ax.set_xscale("log")
    >>> _ = ax.set_xlim(0.01, 100)
    >>> plain_log_labels(fig)
    >>> ax.xaxis.get_major_formatter()(0.01, 0), ax.xaxis.get_major_formatter()(1e-6, 0)
    ('0.01', '10⁻⁶')
    """
    from matplotlib.ticker import FuncFormatter, NullFormatter

    check_figure(fig)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "log":
                axis.set_major_formatter(FuncFormatter(lambda v, _pos: log_tick_label(v)))
                low, high = sorted(abs(v) for v in axis.get_view_interval())
                if low > 0 and high / low < 10:
                    axis.set_minor_formatter(FuncFormatter(lambda v, _pos: log_tick_label(v)))
                else:
                    axis.set_minor_formatter(NullFormatter())


def needs_tight_bbox(fig: Figure) -> bool:
    """Whether saving ``fig`` needs ``bbox_inches="tight"`` (a second draw): only when it has
    no layout engine, or figure-level legends or texts (but a ``suptitle``), which may sit
    outside the canvas. Constrained layout (the style's) keeps the axes, their labels and
    legends, and the figure's title inside.

    Examples
    --------
    >>> fig, ax = figure()
    >>> needs_tight_bbox(fig)
    False
    >>> _ = fig.legend(["a"], loc="upper center", bbox_to_anchor=(0.5, 0.0))
    >>> needs_tight_bbox(fig)
    True
    """
    check_figure(fig)
    # suptitle, supxlabel and supylabel are texts of the figure that the layout places
    managed = {id(getattr(fig, name, None)) for name in ("_suptitle", "_supxlabel", "_supylabel")}
    loose = [t for t in fig.texts if id(t) not in managed]
    return fig.get_layout_engine() is None or bool(fig.legends) or bool(loose)


def figure_png(fig: Figure, *, tight: bool | None = None, compress_level: int = 6) -> bytes:
    """``fig`` as PNG bytes at the style's resolution; ``bbox_inches="tight"`` (like Jupyter's
    inline backend) when ``tight`` is true, or when :func:`needs_tight_bbox` says so if
    ``tight`` is None.

    Examples
    --------
    >>> fig, ax = figure()
    >>> figure_png(fig)[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    check_figure(fig)
    compress_level = check_int(compress_level, "compress_level", low=0, high=9, what="zlib's")
    tight = needs_tight_bbox(fig) if tight is None else check_bool(tight, "tight")
    buf = io.BytesIO()
    fig.savefig(
        buf,
        format="png",
        bbox_inches="tight" if tight else None,
        pil_kwargs={"compress_level": compress_level},
    )
    return buf.getvalue()


class FigureImage:
    """A PNG image with its alt text, for Jupyter's ``display``.

    The output carries the text three ways, so every front end has it: the PNG's metadata
    ``{"image/png": {"alt": ...}}`` (nbconvert's templates write it as ``alt``), an HTML
    ``<img alt=...>`` (JupyterLab's PNG renderer ignores the metadata, its HTML renderer
    does not) and the plain-text form (for screen readers of text front ends).

    Examples
    --------
    >>> data, meta = FigureImage(b"png", "A bar chart of 3 <categories>.")._repr_mimebundle_()
    >>> sorted(data)
    ['image/png', 'text/html', 'text/plain']
    >>> meta
    {'image/png': {'alt': 'A bar chart of 3 <categories>.'}}
    >>> data["text/html"]
    '<img src="data:image/png;base64,cG5n" alt="A bar chart of 3 &lt;categories&gt;.">'
    """

    def __init__(self, png: bytes, alt: str) -> None:
        if not isinstance(png, bytes):
            raise TypeError(f"png must be the bytes of a PNG image; got {type(png).__name__}")
        self.png = png
        self.alt = check_alt_text(alt)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None):
        b64 = base64.b64encode(self.png).decode("ascii")
        alt = html.escape(self.alt, quote=True)
        data = {
            "image/png": b64,
            "text/html": f'<img src="data:image/png;base64,{b64}" alt="{alt}">',
            "text/plain": self.alt,
        }
        return data, {"image/png": {"alt": self.alt}}


def show(fig: Figure, alt: str) -> None:
    """Display ``fig`` as a PNG whose output carries ``alt`` (a sentence saying what the figure
    shows, with the key numbers), then close the figure so Jupyter does not draw it again.

    Use it instead of ``plt.show()``: a plain figure output has no description, which
    nbconvert replaces by "No description has been provided for this image".

    Log axes get plain-text labels (:func:`plain_log_labels`), and the figure is saved with a
    tight bounding box only where it needs one (:func:`needs_tight_bbox`): both halve the
    time of a log-log figure.

    Examples
    --------
    >>> fig, ax = figure()
    >>> show(fig, alt="An empty set of axes.")  # doctest: +ELLIPSIS
    <...FigureImage object at ...>
    >>> show(fig, alt="")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: alt must describe what the figure shows in a sentence ...
    """
    from IPython.display import display

    check_figure(fig)
    alt = check_alt_text(alt)
    plain_log_labels(fig)
    image = FigureImage(figure_png(fig), alt)
    if fig.canvas.manager is not None:  # a pyplot figure: unregister it
        import matplotlib.pyplot as plt

        plt.close(fig)
    display(image)
