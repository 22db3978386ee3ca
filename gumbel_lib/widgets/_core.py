"""The machinery shared by all explorers: a log-scale τ slider and in-place redraws."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from IPython.display import display
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from .._checks import (
    as_float_array,
    check_alt_text,
    check_figure,
    check_int,
    check_real,
    check_str,
    describe_value,
)
from ..plots import FigureImage, plain_log_labels
from ._a11y import EXPLORER_CLASS, label_sliders_script

__all__ = [
    "TAU_MAX_EXP",
    "TAU_MIN_EXP",
    "Explorer",
    "check_slider_tau",
    "check_small_logits",
    "format_tau",
    "log_slider",
    "make_explorer",
]

#: The τ sliders' range, as powers of ten: 0.01 to 100.
TAU_MIN_EXP, TAU_MAX_EXP = -2.0, 2.0


def _in_kernel() -> bool:
    """True inside a Jupyter kernel, where an Output widget can show the figure."""
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def format_tau(tau: float) -> str:
    """The caption text for a temperature, the same digits as the slider's readout.

    The readout is formatted in the browser with d3-format ``".3g"``, which keeps
    trailing zeros (``1.00``, ``0.500``); Python's ``"#.3g"`` does the same, apart from
    a trailing point (``100.``) that is dropped here. Valid for the sliders' range,
    ``1e-4 <= tau < 1000``.

    Examples
    --------
    >>> format_tau(0.5), format_tau(2.0), format_tau(0.0123), format_tau(100.0)
    ('τ = 0.500', 'τ = 2.00', 'τ = 0.0123', 'τ = 100')
    """
    tau = check_real(tau, "tau", low=0, low_open=True)
    return "τ = " + f"{tau:#.3g}".removesuffix(".")


def check_slider_tau(tau: object) -> float:
    """Return ``tau`` as a float if it is a real number inside the τ sliders' range
    (``TypeError`` for a str, a bool or None, ``ValueError`` outside 0.01 to 100).

    Examples
    --------
    >>> check_slider_tau(0.5)
    0.5
    >>> check_slider_tau(1000)
    Traceback (most recent call last):
    ...
    ValueError: tau must be between 0.01 and 100 (the slider's range); got 1000.0
    """
    value = check_real(tau, "tau", what="between 0.01 and 100, the slider's range")
    if not 10**TAU_MIN_EXP <= value <= 10**TAU_MAX_EXP:
        raise ValueError(f"tau must be between 0.01 and 100 (the slider's range); got {value}")
    return value


def check_small_logits(logits: ArrayLike, max_d: int = 20) -> np.ndarray:
    """Return ``logits`` as a finite 1-d float array of 2 to ``max_d`` entries (one bar each).

    Examples
    --------
    >>> check_small_logits([1, 2])
    array([1., 2.])
    """
    max_d = check_int(max_d, "max_d", low=2, what="the most categories drawn")
    x = as_float_array(logits, "logits")
    if x.ndim != 1 or not 2 <= x.shape[0] <= max_d:
        raise ValueError(f"logits must be a 1-d array of 2 to {max_d} numbers; got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("logits must be finite")
    return x


def log_slider(
    value: float = 1.0,
    min_exp: float = -2.0,
    max_exp: float = 2.0,
    description: str = "τ",
    step: float = 0.05,
    label: str = "temperature τ",
) -> widgets.FloatLogSlider:
    """A log-scale slider from ``10**min_exp`` to ``10**max_exp`` (τ spans decades).

    The readout uses the same format as :func:`format_tau`. ``description`` is the short
    visible label; ``label`` (its tooltip) is the slider's accessible name, which a screen
    reader announces (:mod:`gumbel_lib.widgets._a11y` puts it on the handle).

    Examples
    --------
    >>> log_slider(0.5).value
    0.5
    >>> log_slider(1000.0)
    Traceback (most recent call last):
    ...
    ValueError: value must be in [0.01, 100.0] (the slider's range); got 1000.0
    """
    min_exp = check_real(min_exp, "min_exp")
    max_exp = check_real(max_exp, "max_exp")
    if not min_exp < max_exp:
        raise ValueError(f"max_exp must be > min_exp; got min_exp={min_exp}, max_exp={max_exp}")
    value = check_real(
        value,
        "value",
        low=10.0**min_exp,
        high=10.0**max_exp,
        what="the slider's range",
    )
    step = check_real(step, "step", low=0, low_open=True, what="in powers of ten")
    check_str(description, "description", "the slider's visible label")
    check_str(label, "label", "the slider's accessible name")
    return widgets.FloatLogSlider(
        value=value,
        base=10,
        min=min_exp,
        max=max_exp,
        step=step,
        description=description,
        tooltip=label,
        readout_format=".3g",
        continuous_update=True,
        layout=widgets.Layout(width="60%"),
    )


#: The latest explorer of each kind (``"softmax"``, ``"simplex"`` …): making a new one
#: closes the previous one, so re-running an explorer cell does not pile up widgets.
_LATEST: dict[str, Explorer] = {}


def _close_widget_tree(widget: widgets.Widget) -> None:
    """Close ``widget`` and every widget it holds (children, ``layout``, ``style`` …).

    ``Widget.close()`` alone leaves a slider's ``Layout`` and ``SliderStyle`` widgets,
    and a box's children, registered (and alive) in the kernel.
    """
    stack, seen = [widget], set()
    while stack:
        w = stack.pop()
        if id(w) in seen:
            continue
        seen.add(id(w))
        for name in w.keys:
            value = getattr(w, name, None)
            items = value if isinstance(value, (list, tuple)) else (value,)
            stack.extend(v for v in items if isinstance(v, widgets.Widget))
        w.close()


def _closed_draw(**_values: Any) -> str:
    raise RuntimeError("this explorer is closed; make a new one")


@dataclass
class Explorer:
    """An interactive figure: controls, one figure, an output area and a caption.

    :meth:`close` releases it; :func:`make_explorer` with a ``kind`` closes the
    previous explorer of that kind, so re-running a notebook cell does not leak.
    """

    slider: widgets.Widget
    """The main control (the τ slider where τ matters)."""
    controls: list[widgets.Widget]
    fig: Figure
    out: widgets.Output
    draw: Callable[..., str]
    """``draw(**values)`` updates the figure's artists and returns the caption."""
    caption: str = ""
    alt: str = ""
    """What the figure shows, in a sentence; the image's alt text is this and the caption."""
    kind: str | None = None
    """The explorer's kind; a new explorer of the same kind closes this one."""
    closed: bool = False
    widget: widgets.Widget = field(init=False)
    """What to display in the notebook."""

    def __post_init__(self) -> None:
        self.widget = widgets.VBox([*self.controls, self.out])
        self.widget.add_class(EXPLORER_CLASS)
        for control in self.controls:
            control.observe(self._on_change, names="value")

    def _on_change(self, _change: Any) -> None:
        self.update()

    def close(self) -> None:
        """Close the widgets and clear the figure; idempotent.

        The controls, the output area, the box and their layout and style widgets are
        closed, so that nothing of this explorer stays registered in the kernel, and
        the figure loses its artists. A closed explorer no longer redraws.

        Examples
        --------
        >>> from gumbel_lib.plots import figure
        >>> fig, ax = figure()
        >>> ex = make_explorer(fig, format_tau, alt="An empty plot.", tau=log_slider(1.0))
        >>> ex.close()
        >>> ex.closed, ex.fig.axes, ex.slider.comm is None
        (True, [], True)
        """
        if self.closed:
            return
        for control in self.controls:
            control.unobserve(self._on_change, names="value")
        _close_widget_tree(self.widget)
        self.fig.clear()
        self.draw = _closed_draw  # drop the closure over the artists and the data
        self.closed = True
        if self.kind is not None and _LATEST.get(self.kind) is self:
            del _LATEST[self.kind]

    def values(self) -> dict[str, Any]:
        """The current values of the controls, keyed by their ``name`` attribute."""
        return {getattr(c, "_explorer_name", c.description): c.value for c in self.controls}

    def set(self, **values: Any) -> str:
        """Move several controls at once, with one redraw (not one per control); return the
        caption. Keywords are the controls' names, as in :meth:`values`.

        Examples
        --------
        >>> from gumbel_lib.plots import figure
        >>> fig, ax = figure()
        >>> calls = []
        >>> def draw(tau, n):
        ...     calls.append((tau, n))
        ...     return f"{format_tau(tau)}, n = {n}"
        >>> alt = "An empty plot, whatever τ and n are."
        >>> ex = make_explorer(fig, draw, alt=alt, tau=log_slider(1.0), n=log_slider(10.0))
        >>> calls.clear()
        >>> ex.set(tau=2.0, n=100.0)
        'τ = 2.00, n = 100.0'
        >>> calls
        [(2.0, 100.0)]
        >>> ex.set(sigma=1.0)
        Traceback (most recent call last):
        ...
        TypeError: set() got unknown controls ['sigma']; this explorer has ['tau', 'n']
        """
        controls = {getattr(c, "_explorer_name", c.description): c for c in self.controls}
        unknown = sorted(set(values) - set(controls))
        if unknown:
            raise TypeError(
                f"set() got unknown controls {unknown}; this explorer has {list(controls)}"
            )
        for control in self.controls:
            control.unobserve(self._on_change, names="value")
        try:
            for name, value in values.items():
                controls[name].value = value
        finally:
            for control in self.controls:
                control.observe(self._on_change, names="value")
        return self.update()

    def update(self) -> str:
        """Redraw for the controls' current values; show the figure and the caption.

        Outside a Jupyter kernel (tests, scripts) only the artists are updated.
        """
        self.caption = self.draw(**self.values())
        if _in_kernel():
            png = self.render_png()
            with self.out:
                self.out.clear_output(wait=True)
                display(FigureImage(png, f"{self.alt} {self.caption}"))
                print(self.caption)
        return self.caption

    def render_png(self) -> bytes:
        """The figure as PNG bytes, exactly what a redraw shows (the benchmarks time it)."""
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
        return buf.getvalue()

    def freeze_layout(self) -> None:
        """Compute the layout once, then keep it: a redraw only re-renders the artists.

        Constrained layout measures every tick label on every draw, which was more
        than half of a redraw's time; the explorers keep their axes limits fixed, so
        the layout of the first draw stays right.
        """
        self.fig.draw_without_rendering()
        # With no engine at all, savefig skips its extra layout pass ("none" would keep a
        # placeholder engine, and None alone would re-read the rcParams).
        with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            self.fig.set_layout_engine(None)

    def _ipython_display_(self) -> None:
        display(self.widget)


def make_explorer(
    fig: Figure,
    draw: Callable[..., str],
    *,
    alt: str,
    kind: str | None = None,
    **controls: widgets.Widget,
) -> Explorer:
    """Wire ``controls`` (keyword = the argument name of ``draw``) to ``draw`` and ``fig``.

    ``alt`` says in a sentence what the figure shows; each redraw's image carries it,
    followed by the caption (which states the values), as its alt text.

    The first control is the explorer's ``slider``. The figure is drawn once here. If
    ``kind`` is given, the previous explorer of that kind (if any) is closed once this
    one is built: re-running a notebook cell replaces its explorer instead of keeping
    every old one alive (widgets in the kernel, a figure each).

    Examples
    --------
    >>> from gumbel_lib.plots import figure
    >>> fig, ax = figure()
    >>> (line,) = ax.plot([0, 1], [0, 0])
    >>> def draw(tau):
    ...     line.set_ydata([0, tau])
    ...     return format_tau(tau)
    >>> ex = make_explorer(fig, draw, alt="A line rising to height τ.", tau=log_slider(1.0))
    >>> ex.caption
    'τ = 1.00'
    >>> ex.slider.value = 10.0
    >>> ex.caption, list(line.get_ydata())
    ('τ = 10.0', [0, 10.0])
    """
    check_figure(fig)
    if not callable(draw):
        raise TypeError(
            f"draw must be a function of the controls' values that returns the caption; "
            f"got {describe_value(draw)}"
        )
    if not controls:
        raise ValueError("make_explorer needs at least one control")
    for name, control in controls.items():
        if not isinstance(control, widgets.ValueWidget):
            raise TypeError(
                f"{name} must be a widget with a value (a control); got {describe_value(control)}"
            )
    for name, control in controls.items():
        control._explorer_name = name
    explorer = Explorer(
        slider=next(iter(controls.values())),
        controls=list(controls.values()),
        fig=fig,
        out=widgets.Output(),
        draw=draw,
        alt=check_alt_text(alt),
        kind=kind,
    )
    try:
        explorer.caption = draw(**explorer.values())
        plain_log_labels(fig)
        explorer.freeze_layout()
        explorer.update()
    except BaseException:
        explorer.close()  # no half-built explorer left registered
        raise
    if kind is not None:
        previous = _LATEST.get(kind)
        _LATEST[kind] = explorer
        if previous is not None:
            previous.close()
    if _in_kernel():
        # Names the sliders for screen readers once they are drawn (see _a11y): an invisible
        # output of the cell that builds the explorer, so it is there however it is shown.
        display(label_sliders_script())
    return explorer
