"""Interactive explorers built on ipywidgets (imported lazily by ``gumbel_lib``).

Every explorer is an :class:`Explorer`: one Matplotlib figure whose artists are updated
in place, controls (a τ slider first), and a caption such as ``τ = 0.5`` that the
callback prints under the figure. The callbacks are plain functions, so tests drive
them by setting ``explorer.slider.value``. ``explorer.close()`` releases the widgets and
the figure; making a new explorer of the same kind (re-running its cell) closes the
previous one.
"""

from ._core import Explorer, log_slider, make_explorer

__all__ = ["Explorer", "log_slider", "make_explorer"]
