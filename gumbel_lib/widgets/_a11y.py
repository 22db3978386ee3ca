"""Accessible names for the explorers' sliders, and captions announced on change.

ipywidgets draws a slider's handle with noUiSlider: a ``<div role="slider">`` that its
``<label>`` does not name (a label names only form elements), so a screen reader announces
a bare number and axe-core reports ``aria-input-field-name``. ipywidgets has no option
to name it, so a short script, displayed by the cell that builds each explorer
(:func:`~gumbel_lib.widgets._core.make_explorer`), gives every slider handle the slider's
``tooltip`` (e.g. "temperature τ"; else its description) as ``aria-label``, and marks the
explorers' output areas ``aria-live="polite"`` so the new caption is read after a move.
The script runs in JupyterLab (trusted outputs) and in the exported pages and slides, where
the widgets are drawn from their saved state; it watches the page, because widgets are
drawn after it runs.
"""

from __future__ import annotations

__all__ = ["EXPLORER_CLASS", "LABEL_SLIDERS_JS", "label_sliders_script"]

#: The DOM class of every explorer's box (set with ``add_class``).
EXPLORER_CLASS = "gumbel-explorer"

LABEL_SLIDERS_JS = """
(function () {
  if (window.gumbelLabelSliders) { window.gumbelLabelSliders(); return; }
  function nameOf(slider) {
    var label = slider.querySelector('.widget-label');
    if (!label) { return ''; }
    return (label.getAttribute('title') || label.textContent || '').trim();
  }
  function run() {
    document.querySelectorAll('.widget-slider').forEach(function (slider) {
      var name = nameOf(slider);
      slider.querySelectorAll('[role="slider"]').forEach(function (handle) {
        if (name && handle.getAttribute('aria-label') !== name) {
          handle.setAttribute('aria-label', name);
        }
      });
    });
    document.querySelectorAll('.EXPLORER .widget-output').forEach(function (out) {
      if (out.getAttribute('aria-live') !== 'polite') { out.setAttribute('aria-live', 'polite'); }
    });
  }
  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; run(); });
  }
  window.gumbelLabelSliders = run;
  run();
  new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true});
})();
""".replace("EXPLORER", EXPLORER_CLASS)


def label_sliders_script():
    """The script as an IPython ``Javascript`` object (display it once per explorer).

    Examples
    --------
    >>> "aria-label" in label_sliders_script().data
    True
    """
    from IPython.display import Javascript

    return Javascript(LABEL_SLIDERS_JS)
