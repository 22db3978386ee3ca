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
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from ._checks import check_alt_text

__all__ = [
    "STYLE",
    "COLORS",
    "FigureImage",
    "figure",
    "figure_png",
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


def figure_png(fig: Figure, *, tight: bool = True, compress_level: int = 6) -> bytes:
    """``fig`` as PNG bytes at the style's resolution (``bbox_inches="tight"`` like Jupyter's
    inline backend unless ``tight=False``).

    Examples
    --------
    >>> fig, ax = figure()
    >>> figure_png(fig)[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
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

    image = FigureImage(figure_png(fig), check_alt_text(alt))
    if fig.canvas.manager is not None:  # a pyplot figure: unregister it
        import matplotlib.pyplot as plt

        plt.close(fig)
    display(image)
