"""PDF handouts (`make pdf`): one PDF per notebook and one for the whole course, without the
exercise solutions, and a separate solutions booklet.

    python -m scripts.pdf [--out build/pdf] [notebooks/01_x.md ...]

The route: every notebook is executed (scripts/export.py's executor: errors and warnings are
fatal), rendered to a print page by nbconvert's HTMLExporter with a small template of this file's
own (no input prompts, the explorers drawn in their saved state, print CSS), its formulas typeset
by the local MathJax of build/assets (the same npm copy as the slides; never a CDN), then printed
to A4 by Debian's Chromium through Playwright (`page.pdf`). No LaTeX: the notebooks' outputs are
HTML (figures with their descriptions, SymPy's formulas, tables) that a browser already renders,
and a TeX route would need a TeX distribution in CI on top of the Chromium the tests already use.

Before printing, each page is laid out as it will be printed (print media, the viewport as wide
as the A4 text block); code wraps, table cells wrap between words, and anything still wider than
the text block (a wide table, a matrix) is scaled down, to half size at most; what is still too
wide then may also break inside words (FIT_JS). A page where something still sticks out stops the
build with the element named: nothing is cut at the page edge.

Output (``--out``, default build/pdf/): ``NN_name.pdf`` for each notebook, ``course.pdf`` (a
contents page, then every notebook, with bookmarks), ``solutions.pdf`` (each notebook's exercises
with their solutions), and ``print/``, the HTML pages that were printed.
"""

from __future__ import annotations

import argparse
import copy
import html
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for scripts/export.py when run as a file

from scripts import export  # noqa: E402
from scripts.chromium import ARGS as CHROMIUM_ARGS  # noqa: E402
from scripts.chromium import CHROMIUM  # noqa: E402

OUT = ROOT / "build" / "pdf"
COURSE = "Gumbel-softmax, step by step"

#: A4, with these margins (mm). The text block is 180 mm wide: 680 CSS pixels (96 per inch).
PAPER_MM = (210, 297)
MARGIN_MM = {"top": 16, "bottom": 16, "left": 15, "right": 15}
CONTENT_WIDTH_PX = int((PAPER_MM[0] - MARGIN_MM["left"] - MARGIN_MM["right"]) / 25.4 * 96)
CONTENT_HEIGHT_PX = int((PAPER_MM[1] - MARGIN_MM["top"] - MARGIN_MM["bottom"]) / 25.4 * 96)

#: The heading of every notebook's exercises (docs/course-design.md).
EXERCISES = "## Exercises"

PRINT_CSS = """
:root {
  --jp-content-font-size1: 10.5pt;
  --jp-code-font-size: 8.5pt;
  --jp-ui-font-size1: 9.5pt;
  --jp-cell-padding: 0px;
  --jp-code-padding: 3px;
}
html, body { margin: 0 !important; padding: 0 !important; background: #fff !important; }
body.jp-Notebook, .jp-Notebook { padding: 0 !important; overflow: visible !important; }
.jp-Cell { padding: 0 !important; margin: 0 0 0.55em 0 !important; }
.jp-Cell-inputWrapper, .jp-Cell-outputWrapper, .jp-InputArea, .jp-InputArea-editor,
.jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output, .jp-RenderedHTMLCommon {
  overflow: visible !important; max-width: 100%; min-width: 0;
}
.jp-InputArea-editor { border: 1px solid #ccc !important; }
/* Code and text outputs wrap at the text block's edge instead of running off it. */
pre, .highlight pre, .jp-RenderedText pre, .jp-RenderedHTMLCommon :not(pre) > code {
  white-space: pre-wrap !important; overflow-wrap: anywhere; word-break: break-word;
  overflow: visible !important;
}
.jp-RenderedHTMLCommon table {
  table-layout: auto !important; max-width: 100%; font-size: 9pt;
  break-inside: auto;
}
/* Table cells wrap between words only: a table too wide even so is scaled (FIT_JS), not broken
   into a letter per line. */
.jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon td {
  white-space: normal !important; overflow-wrap: normal !important; word-break: normal !important;
  padding: 0.2em 0.5em;
}
.jp-RenderedHTMLCommon tr { break-inside: avoid; }
.print-break-anywhere, .print-break-anywhere *,
.jp-RenderedHTMLCommon .print-break-anywhere td, .jp-RenderedHTMLCommon .print-break-anywhere th {
  overflow-wrap: anywhere !important; word-break: break-all !important;
}
img { max-width: 100% !important; height: auto !important; max-height: 232mm; break-inside: avoid; }
.jp-RenderedImage, .jp-OutputArea-output:has(> img) { break-inside: avoid; }
h1, h2, h3, h4 { break-after: avoid; }
.jp-MarkdownCell:has(h1, h2, h3, h4) { break-after: avoid; }
h1 { font-size: 17pt !important; }
h2 { font-size: 14pt !important; margin-top: 0.9em !important; }
h3 { font-size: 12pt !important; }
.MJXc-display { overflow: visible !important; }
a { color: inherit !important; text-decoration: none !important; }
a.anchor-link { display: none !important; }
p.handout-note { font-family: sans-serif; font-size: 8.5pt; color: #444; margin: 0 0 1em 0;
  border-bottom: 1px solid #bbb; padding-bottom: 0.4em; }
p.explorer-note { font-style: italic; color: #333; margin: 0.2em 0; }
/* The solutions booklet: each notebook (its title, the only h1) on a new page. */
.jp-MarkdownCell:has(h1) ~ .jp-MarkdownCell:has(h1) { break-before: page; }
"""

#: Runs once MathJax has typeset the page: scales down whatever is still wider than the text
#: block, to the room it has but not below half size; what is still too wide then (a table of
#: many columns, a long word) may break anywhere, and is scaled again. Then marks the page ready.
FIT_JS = """
<script>
(function () {
  function shrink(el, width, floor) {
    var r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 0.5) { return true; }
    var zoom = (parseFloat(el.style.zoom) || 1) * Math.max(width - r.left, 40) / r.width;
    el.style.zoom = Math.max(floor, zoom);
    el.dataset.scaledToFit = el.style.zoom;
    return el.getBoundingClientRect().right <= width + 0.5;
  }
  function fit() {
    var width = document.documentElement.clientWidth;
    var sel = 'pre, table, .MJXc-display, .MathJax_CHTML, img, .jp-RenderedHTMLCommon > *, '
      + '.jp-OutputArea-output, .jp-InputArea-editor';
    document.querySelectorAll(sel).forEach(function (el) {
      if (!shrink(el, width, 0.5)) {
        el.style.zoom = '';
        el.classList.add('print-break-anywhere');
        shrink(el, width, 0.1);
      }
    });
    document.documentElement.dataset.printReady = '1';
  }
  function whenTypeset() {
    if (window.MathJax && MathJax.Hub) {
      MathJax.Hub.Queue(['Typeset', MathJax.Hub], fit);
    } else {
      fit();
    }
  }
  if (document.readyState === 'complete') { whenTypeset(); }
  else { window.addEventListener('load', whenTypeset); }
})();
</script>
"""

#: Lists what sticks out of the text block (``{tag, cls, text, right}``), in print layout.
OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (el.closest('.MJX_Assistive_MathML')) continue;  // clipped to 1px: never drawn
    if (r.right > width + 1 || r.left < -1) {
      out.push({tag: el.tagName, cls: String(el.className).slice(0, 60),
                text: (el.textContent || '').trim().slice(0, 80), right: Math.round(r.right)});
    }
  }
  return {width: width, overflow: out};
}
"""

TEMPLATE = """
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style>{{ resources.print_css }}</style>
{%- endblock html_head_css -%}
{#- A PNG output keeps its description (gumbel_lib.plots.show stores it in the metadata). -#}
{%- block data_png scoped -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
 alt="{{ ((output | get_metadata('alt', 'image/png')) or cell.metadata.get('alt') or 'Figure')
 | escape_html }}">
</div>
{%- endblock data_png -%}
{%- block body_header -%}
{{ super() }}
{%- if resources.handout_note %}
<p class="handout-note">{{ resources.handout_note }}</p>
{%- endif %}
{%- endblock body_header -%}
{%- block footer_js -%}
{{ super() }}
{{ resources.fit_js }}
{%- endblock footer_js -%}
"""


# --- which cells are solutions, and the exercises section -----------------------------------


def solution_flags(nb) -> list[bool]:
    """For each cell of ``nb``, whether it is an exercise solution: the cells that
    ``export._skip_solutions`` leaves out of the slides (tag ``hide-cell``), found by running it
    on a copy of the cells' metadata alone (the notebook is not changed)."""
    probe = SimpleNamespace(
        cells=[
            SimpleNamespace(
                cell_type=c.cell_type,
                metadata={"tags": list(c.metadata.get("tags", []))},
            )
            for c in nb.cells
        ]
    )
    export._skip_solutions(probe)
    return [c.metadata.get("slideshow", {}).get("slide_type") == "skip" for c in probe.cells]


def _headings(cell) -> list[str]:
    if cell.cell_type != "markdown":
        return []
    return [line.strip() for line in cell.source.splitlines() if line.startswith("#")]


def exercise_flags(nb) -> list[bool]:
    """For each cell, whether it is in the notebook's Exercises section (from the
    ``## Exercises`` heading to the next ``## `` heading or the end)."""
    flags, inside = [], False
    for cell in nb.cells:
        for heading in _headings(cell):
            if heading.startswith("## ") or heading.startswith("# "):
                inside = heading == EXERCISES
        flags.append(inside)
    return flags


# --- the explorers (ipywidgets) on paper ---------------------------------------------------


def _widget_states(nb) -> dict:
    widgets = nb.metadata.get("widgets", {})
    return widgets.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})


def _control_values(states: dict, model_id: str) -> tuple[list[str], list[dict]]:
    """Walk a widget tree: the ``name = value`` of its controls and the outputs of its Output
    widgets, in the order they are shown."""
    entry = states.get(model_id)
    if entry is None:
        return [], []
    state, name = entry.get("state", {}), entry.get("model_name", "")
    if name == "OutputModel":
        return [], list(state.get("outputs", []))
    controls, outputs = [], []
    if "description" in state and "value" in state:
        value = state["value"]
        if isinstance(value, float):
            value = f"{value:g}"
        controls.append(f"{state['description']} = {value}")
    elif "description" in state and "_options_labels" in state and state.get("index") is not None:
        controls.append(f"{state['description']} = {state['_options_labels'][state['index']]}")
    for child in state.get("children", []):
        c, o = _control_values(states, str(child).removeprefix("IPY_MODEL_"))
        controls += c
        outputs += o
    return controls, outputs


def _static_widgets(nb) -> None:
    """Replace each explorer's view by what it showed when the notebook ran (its figure and
    caption, from the saved widget state) and a line saying how to move it; drop JavaScript
    outputs and the widget state (a printed page runs no kernel and needs no widget renderer)."""
    import nbformat

    states = _widget_states(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            view = data.get("application/vnd.jupyter.widget-view+json")
            if view is not None:
                controls, shown = _control_values(states, view.get("model_id", ""))
                where = f" ({', '.join(controls)})" if controls else ""
                note = (
                    f'<p class="explorer-note">Interactive explorer, printed as it was drawn'
                    f"{html.escape(where)}: run the notebook in JupyterLab to move it.</p>"
                )
                outputs.append(
                    nbformat.v4.new_output(
                        "display_data", data={"text/html": note, "text/plain": note}
                    )
                )
                outputs.extend(nbformat.from_dict(o) for o in shown)
            elif "application/javascript" in data:
                continue
            else:
                outputs.append(out)
        cell.outputs = outputs
    nb.metadata.pop("widgets", None)


# --- the three kinds of document ------------------------------------------------------------


#: A Markdown image from the web (e.g. the "Open in Colab" badge): printed as its alt text.
REMOTE_IMAGE = re.compile(r"!\[([^\]]*)\]\((?:https?:)?//[^)]*\)")


def _print_copy(nb, keep: Sequence[bool]):
    out = copy.deepcopy(nb)
    out.cells = [c for c, k in zip(out.cells, keep, strict=True) if k]
    for cell in out.cells:
        cell.metadata.pop("jupyter", None)  # folded in JupyterLab; on paper everything is shown
        if cell.cell_type == "markdown":  # a printed page loads nothing from the network
            cell.source = REMOTE_IMAGE.sub(r"\1", cell.source)
    _static_widgets(out)
    return out


def student_notebook(nb):
    """``nb`` without its solutions, a line under the Exercises heading saying where they are."""
    import nbformat

    solutions = solution_flags(nb)
    out = _print_copy(nb, [not s for s in solutions])
    for i, cell in enumerate(out.cells):
        if EXERCISES in _headings(cell):
            note = nbformat.v4.new_markdown_cell(
                "*In this handout the solutions are left out: they are in the solutions booklet.*"
            )
            out.cells.insert(i + 1, note)
            break
    return out


def booklet_notebook(nb, title: str):
    """The exercises of ``nb`` with their solutions (and any solution outside that section),
    under the notebook's title."""
    import nbformat

    keep = [s or e for s, e in zip(solution_flags(nb), exercise_flags(nb), strict=True)]
    out = _print_copy(nb, keep)
    heading = nbformat.v4.new_markdown_cell(f"# {title}")
    out.cells.insert(0, heading)
    return out


def _exporter(mathjax_url: str):
    import jinja2
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config(
        {
            "HTMLExporter": {
                "mathjax_url": mathjax_url,
                "exclude_input_prompt": True,
                "exclude_output_prompt": True,
                "template_file": "print.html.j2",
            }
        }
    )
    return HTMLExporter(
        config=config, extra_loaders=[jinja2.DictLoader({"print.html.j2": TEMPLATE})]
    )


def page_exporter(folder: Path, modules: Path | None = None):
    """nbconvert's exporter of print pages to be written in ``folder``: the local MathJax
    (``modules``, default: build/assets, installed by ``npm ci`` if needed) by a relative URL."""
    modules = modules or export.ensure_assets()
    mathjax = Path(os.path.relpath(modules / export.ASSET_FILES["mathjax"], folder)).as_posix()
    return _exporter(mathjax + export.MATHJAX_CONFIG)


def render_page(exporter, nb, title: str, target: Path, handout_note: str = "") -> Path:
    """Write ``nb`` (as prepared by :func:`student_notebook` or :func:`booklet_notebook`) to
    ``target``, a print page titled ``title``, with ``handout_note`` above it if given."""
    nb.metadata["title"] = title
    resources = {
        "metadata": {"name": target.stem},
        "print_css": PRINT_CSS,
        "fit_js": FIT_JS,
        "handout_note": handout_note,
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    target.write_text(body, encoding="utf-8")
    return target


# --- printing -------------------------------------------------------------------------------

#: How long a page may take to be typeset and laid out before the build gives up.
READY_TIMEOUT_MS = 600_000

FOOTER = (
    '<div style="font-family: sans-serif; font-size: 7.5pt; color: #444; width: 100%; '
    'margin: 0 15mm; display: flex; justify-content: space-between;">'
    '<span class="title"></span><span><span class="pageNumber"></span> / '
    '<span class="totalPages"></span></span></div>'
)


class Printer:
    """Debian's Chromium, driven by Playwright: lays a page out for print and prints it."""

    def __init__(self, browser=None):
        self.browser, self._pw = browser, None  # a Playwright browser to use, or start one

    def __enter__(self):
        if self.browser is not None:
            return self
        from playwright.sync_api import sync_playwright

        if not CHROMIUM.exists():
            raise SystemExit(
                f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set CHROMIUM)"
            )
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        return self

    def __exit__(self, *exc):
        if self._pw is not None:
            self.browser.close()
            self._pw.stop()

    def open(self, page_html: Path):
        """A browser page showing ``page_html`` in print layout (print media, the viewport as
        wide as the A4 text block), once MathJax has typeset it and wide parts were scaled."""
        page = self.browser.new_page(
            viewport={"width": CONTENT_WIDTH_PX, "height": CONTENT_HEIGHT_PX}
        )
        page.emulate_media(media="print")
        # Nothing from the network: a page that needs it would print differently offline.
        page.route(re.compile(r"^(?!file:|data:)"), lambda route: route.abort())
        page.goto(page_html.resolve().as_uri())
        # MathJax typesets the whole course in about a minute on a busy 2-core machine
        page.wait_for_function(
            "document.documentElement.dataset.printReady === '1'", timeout=READY_TIMEOUT_MS
        )
        return page

    def print(self, page_html: Path, target: Path) -> Path:
        page = self.open(page_html)
        try:
            found = page.evaluate(OVERFLOW_JS)["overflow"]
            if found:
                first = found[0]
                raise SystemExit(
                    f"{page_html.name}: {len(found)} element(s) wider than the A4 text block, "
                    f"e.g. <{first['tag'].lower()} class='{first['cls']}'> "
                    f"ending at {first['right']}px of {CONTENT_WIDTH_PX}: {first['text']!r}"
                )
            page.pdf(
                path=str(target),
                format="A4",
                margin={k: f"{v}mm" for k, v in MARGIN_MM.items()},
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
                outline=True,
                tagged=True,
            )
        finally:
            page.close()
        return target


def _joined(parts: Sequence[tuple[str, object]], heading: str, intro: str):
    """One notebook of several (``(stem, notebook)`` pairs, each starting with its own ``# ``
    title, which starts a new page), after a title page with ``intro`` and the contents."""
    import nbformat

    titles = "\n".join(f"{i}. {export.title_of(nb)}" for i, (_, nb) in enumerate(parts))
    joined = nbformat.v4.new_notebook()
    joined.cells.append(
        nbformat.v4.new_markdown_cell(f"# {heading}\n\n{intro}\n\n**Contents**\n\n{titles}")
    )
    for stem, nb in parts:
        for cell in nb.cells:
            cell = copy.deepcopy(cell)
            if "id" in cell:  # ids are unique within a notebook
                cell.id = f"{stem[:20]}-{cell.id}"[:64]
            joined.cells.append(cell)
    return joined


def build(
    out: Path = OUT,
    paths: Sequence[Path] | None = None,
    executed: Sequence[tuple[Path, object]] | None = None,
    browser=None,
) -> dict[str, object]:
    """Execute ``paths`` (default: every notebook; ``executed`` skips that) and write the
    handouts to ``out``, printed by ``browser`` (a Playwright Chromium; default: start
    :data:`CHROMIUM`). Returns ``{"notebooks": {stem: pdf}, "course": pdf, "solutions": pdf,
    "print": {pdf: the HTML page printed to it}}``."""
    if executed is None:
        executed = export.run_all([Path(p).resolve() for p in (paths or export.notebooks())])
    if not executed:
        raise SystemExit("no notebooks/NN_name.md found")
    out = Path(out).resolve()
    pages = out / "print"
    pages.mkdir(parents=True, exist_ok=True)
    exporter = page_exporter(pages)

    note = f"{html.escape(COURSE)} · a handout: the exercise solutions are in solutions.pdf."
    students, booklets, printed = [], [], {}
    for path, nb in executed:
        title = export.title_of(nb)
        student = student_notebook(nb)
        students.append((path.stem, student))
        booklets.append((path.stem, booklet_notebook(nb, title)))
        page = render_page(exporter, student, title, pages / f"{path.stem}.html", note)
        printed[out / f"{path.stem}.pdf"] = page
    course = _joined(
        students,
        COURSE,
        "The notebooks as handouts, executed, with their figures. The exercise solutions are "
        "in a separate booklet, solutions.pdf. The explorers are printed as they were drawn: "
        "run the notebooks in JupyterLab to move them.",
    )
    printed[out / "course.pdf"] = render_page(exporter, course, COURSE, pages / "course.html")
    solutions = _joined(
        booklets,
        f"{COURSE}: solutions",
        "Each notebook's exercises with their worked solutions (code and output).",
    )
    printed[out / "solutions.pdf"] = render_page(
        exporter, solutions, f"{COURSE}: solutions", pages / "solutions.html"
    )
    with Printer(browser) as printer:
        for target, page in printed.items():
            start = time.perf_counter()
            printer.print(page, target)
            took = time.perf_counter() - start
            print(f"wrote {target.relative_to(out.parent)} ({took:.0f} s)")
    return {
        "notebooks": {p.stem: out / f"{p.stem}.pdf" for p, _ in executed},
        "course": out / "course.pdf",
        "solutions": out / "solutions.pdf",
        "print": printed,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.md")
    parser.add_argument("--out", type=Path, default=OUT, help="default: build/pdf")
    args = parser.parse_intermixed_args(argv)
    start = time.perf_counter()
    build(args.out, args.notebooks or None)
    print(f"done in {time.perf_counter() - start:.0f} s: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
