"""`make slides` and `make html`: offline pages, checked as files and in headless Chromium.

`make html` is the course site (scripts/site.py: Sphinx + myst-nb); its search, table of contents,
cross-references, bibliography, buttons and widgets are checked in tests/delivery/test_site.py.

The notebooks are executed once and exported to a temporary folder with scripts/export.py, the
code the make targets run, once per session (the ``exports`` fixture of tests/conftest.py, shared
with the accessibility and slide-fit tests). In the browser every request that is not a
local file is recorded and aborted: the pages must render with no network at all.
"""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import nbformat
import pytest

from scripts import export
from tests.support.browser import open_offline, screenshot_dir
from tests.support.project import executed as run_once
from tests.support.project import notebook_paths

MARKDOWN = notebook_paths()
#: A resource a page would load from the network: a ``src``, or a ``<link>``'s ``href`` (a
#: stylesheet, a preload). Plain links (``<a href>``: Binder, Colab, a DOI) load nothing.
EXTERNAL = re.compile(r"""(?:\bsrc\s*=|<link\b[^>]*\bhref\s*=)\s*["']\s*(?:https?:)?//""", re.I)


@pytest.fixture(scope="module")
def executed(exports):
    """The executed notebooks that ``exports`` exported (run once per session)."""
    return [(md, run_once(md)) for md in MARKDOWN]


@pytest.fixture(scope="module")
def exported(exports):
    """``{"slides": folder, "html": folder}`` with every notebook exported."""
    return exports


def _page(kind: str, md: Path) -> str:
    return md.stem + ".slides.html" if kind == "slides" else f"notebooks/{md.stem}.html"


@pytest.mark.parametrize("kind", ["slides", "html"])
def test_one_page_per_notebook_and_an_index(exported, kind):
    folder = exported[kind]
    index = (folder / "index.html").read_text(encoding="utf-8")
    for md in MARKDOWN:
        assert (folder / _page(kind, md)).is_file()
        assert f'href="{_page(kind, md)}"' in index


@pytest.mark.parametrize("kind", ["slides", "html"])
def test_nothing_is_loaded_from_the_network(exported, kind):
    pages = list(exported[kind].rglob("*.html"))
    assert len(pages) > len(MARKDOWN)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not EXTERNAL.findall(text), f"{page.name} links to the network"
        assert "cdnjs" not in text and "unpkg.com" not in text, f"{page.name} mentions a CDN"


def test_html_pages_carry_the_figures_and_fold_the_solutions(exported, executed):
    for md, nb in executed:
        text = (exported["html"] / _page("html", md)).read_text(encoding="utf-8")
        n_png = sum(
            "image/png" in out.get("data", {})
            for cell in nb.cells
            for out in cell.get("outputs", [])
        )
        assert text.count('src="data:image/png;base64,') >= n_png, md.stem
        hidden = sum("hide-cell" in c.metadata.get("tags", []) for c in nb.cells)
        assert text.count(SITE_FOLD_TAG) == hidden, md.stem
        assert solution_leaks(text, nb, SITE_FOLD) == [], md.stem


def test_slides_leave_out_the_solutions_and_keep_the_sections(exported, executed):
    for md, nb in executed:
        text = (exported["slides"] / _page("slides", md)).read_text(encoding="utf-8")
        lesson = {
            line.strip()
            for c in nb.cells
            if "hide-cell" not in c.metadata.get("tags", [])
            for line in c.source.splitlines()
        }
        for cell in nb.cells:
            if "hide-cell" in cell.metadata.get("tags", []):
                # the solution's first line of its own (a decorator such as `@jax.jit` may also
                # be a line of the lesson's code, which the slides rightly show)
                own = [ln for ln in cell.source.strip().splitlines() if ln.strip() not in lesson]
                first = own[0] if own else cell.source.strip().splitlines()[0]
                on_slides = first in _plain(text) or (_anchor(cell) and _anchor(cell) in text)
                assert not on_slides, f"{md.stem}: the solution {first!r} is on the slides"
        n_slides = sum(
            c.metadata.get("slideshow", {}).get("slide_type") in ("slide", "subslide")
            for c in nb.cells
        )
        assert text.count("<section") >= max(n_slides, 1), md.stem


# ---- solutions: folded in the pages (code AND output), absent from the slides -------------------

FOLD = re.compile(r'<details class="solution">(.*?)</details>', re.S)
#: The site folds a solution as myst-nb folds a hidden cell (scripts/site.py does the same for
#: a solution written in Markdown).
SITE_FOLD_TAG = '<details class="admonition hide above-input">'
SITE_FOLD = re.compile(re.escape(SITE_FOLD_TAG) + "(.*?)</details>", re.S)


def _plain(fragment: str) -> str:
    """The text a reader sees: tags dropped (code is split into highlighting spans), entities
    decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _output_lines(cell) -> list[str]:
    """The first line of each text output of a cell (what would give the answer away)."""
    lines = []
    for out in cell.get("outputs", []):
        text = out.get("text") or out.get("data", {}).get("text/plain", "")
        text = "".join(text) if isinstance(text, list) else text
        if text.strip():
            lines.append(text.strip().splitlines()[0])
    return lines


def _anchor(cell) -> str:
    """The id nbconvert gives a cell's element (``id="cell-id=..."``), or "" without a cell id."""
    return f'id="cell-id={html.escape(cell.id)}"' if cell.get("id") else ""


def _visible_words(markdown: str) -> list[str]:
    """The runs of a Markdown line that render as they are written (no maths, no markup), the
    longest first: those of eight characters or more, or else the longest."""
    plain = re.sub(r"\$[^$]*\$", "|", markdown)
    runs = sorted((s.strip() for s in re.split(r"[*_`\[\]()|\\<>#]", plain)), key=len)[::-1]
    return [r for r in runs if len(r) >= 8] or runs[:1]


def solution_leaks(page: str, nb, fold: re.Pattern = FOLD) -> list[str]:
    """What of each solution cell (tag ``hide-cell``, code or Markdown) a reader sees unfolded.

    The cell's element (found by its cell id; without one, by its first source line) must be
    inside a folded block of the page (``fold``: a ``<details class="solution">`` block of the
    nbconvert template by default) and nowhere else, and so must the first line of each text
    output. The site (any other ``fold``) has no cell ids: there a code cell is found by its
    first lines (a leak: all of them in the open), a Markdown cell by the runs of its first
    line's words outside maths and markup.
    """
    blocks = fold.findall(page)
    folded = " ".join(_plain(block) for block in blocks)
    outside_html = fold.sub(" ", page)
    outside = _plain(outside_html)
    leaks = []
    for cell in nb.cells:
        if "hide-cell" not in cell.metadata.get("tags", []):
            continue
        first = cell.source.strip().splitlines()[0]
        anchor = _anchor(cell) if fold is FOLD else ""
        # a code solution by its lines (a student's stub above it may share the first one)
        runs = [line.strip() for line in cell.source.strip().splitlines()[:6] if line.strip()]
        if cell.cell_type == "markdown":
            runs = [first]
        if fold is not FOLD and cell.cell_type == "markdown":
            runs = _visible_words(first)
        if anchor:
            hidden = any(anchor in block for block in blocks) and anchor not in outside_html
        else:  # all of the line folded, and not all of it in the open too
            hidden = all(r in folded for r in runs) and not all(r in outside for r in runs)
        if not hidden:
            leaks.append(f"source {first!r} is not folded")
        shown = [line for line in _output_lines(cell) if line not in folded]
        leaks += [f"output {line!r} is not folded" for line in shown]
    return leaks


def _tiny_notebook():
    """A lesson cell and a solution cell, both with outputs (no kernel needed)."""
    nb = nbformat.v4.new_notebook()
    lesson = nbformat.v4.new_code_cell("lesson = 1 + 1")
    lesson.outputs = [nbformat.v4.new_output("stream", name="stdout", text="the lesson prints 2\n")]
    solution = nbformat.v4.new_code_cell("answer = 6 * 7  # the solution\nanswer")
    folded = {"source_hidden": True, "outputs_hidden": True}
    solution.metadata = {"tags": ["hide-cell"], "jupyter": folded}
    answer = {"text/plain": "42 is the answer"}
    solution.outputs = [nbformat.v4.new_output("execute_result", data=answer, execution_count=2)]
    worked = nbformat.v4.new_markdown_cell("*Solution.* By hand: $6 \\cdot 7 = 42$.")
    worked.metadata = {"tags": ["hide-cell"], "jupyter": {"source_hidden": True}}
    nb.cells = [nbformat.v4.new_markdown_cell("# A tiny lesson"), lesson, solution, worked]
    return nb


def _render(kind: str, nb, tmp_path: Path) -> str:
    urls = export.asset_urls(tmp_path / "node_modules", tmp_path / "out")  # paths only: no npm
    body, _ = export._exporter(kind, urls).from_notebook_node(nb, resources={"metadata": {}})
    return body


def test_html_template_folds_a_solution_with_its_output(tmp_path):
    nb = _tiny_notebook()
    page = _render("html", nb, tmp_path)
    assert solution_leaks(page, nb) == []
    assert "the lesson prints 2" in FOLD.sub(" ", page)  # lesson output stays in the open
    # The same check fails on nbconvert's stock page, which shows the answer.
    from nbconvert import HTMLExporter

    stock, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    assert len(solution_leaks(stock, nb)) == 3  # the code, its output, the worked answer


def test_slides_leave_a_solution_out(tmp_path):
    nb = _tiny_notebook()
    shown = _plain(_render("slides", copy.deepcopy(nb), tmp_path))
    assert "42 is the answer" in shown  # without the mechanism the answer is on a slide ...
    export._skip_solutions(nb)
    hidden = _plain(_render("slides", nb, tmp_path))
    assert "answer = 6 * 7" not in hidden and "42 is the answer" not in hidden  # ... with it, not
    assert "By hand" not in hidden
    assert "the lesson prints 2" in hidden


def _figure_cell(lines: int):
    """A code cell of ``lines`` lines that printed a line and drew a figure."""
    cell = nbformat.v4.new_code_cell("\n".join(f"step_{i} = {i}" for i in range(lines)))
    cell.metadata = {"slideshow": {"slide_type": "fragment"}}
    png = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="printed with the figure\n"),
        nbformat.v4.new_output("display_data", data=png),
    ]
    return cell


def test_slides_put_a_long_cells_figure_on_its_own_subslide(tmp_path):
    """Code longer than FIGURE_CODE_LINES and its figure cannot share a 1280×720 frame: the
    slides show the code, then the outputs without the code on the next sub-slide."""
    n = export.FIGURE_CODE_LINES
    short, long = _figure_cell(n), _figure_cell(n + 1)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Figures"), short, long]
    export._figures_on_their_own_subslide(nb)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "code"]
    kept, code, shown = nb.cells[1:]
    assert kept.outputs == short.outputs and "transient" not in kept.metadata  # short: one slide
    assert code.outputs == [] and code.metadata["slideshow"]["slide_type"] == "fragment"
    assert shown.metadata["slideshow"]["slide_type"] == "subslide"
    assert shown.metadata["transient"] == {"remove_source": True}
    assert [o.output_type for o in shown.outputs] == ["stream", "display_data"]
    page = _render("slides", nb, tmp_path)
    sections = re.findall(r"<section\b.*?(?=<section\b|</section>)", page, flags=re.S)
    where = {
        what: [i for i, sec in enumerate(sections) if what in sec]
        for what in (f"step_{n}", "printed with the figure")
    }
    # the long code once, on an earlier sub-slide than its output (shown twice: short and long)
    assert len(where[f"step_{n}"]) == 1
    assert where["printed with the figure"][-1] > where[f"step_{n}"][0]


# ---- in the browser ---------------------------------------------------------------------------


WAIT_MATHJAX = """() => {
    if (!(window.MathJax && MathJax.Hub && MathJax.Hub.queue)) return false;
    if (MathJax.Hub.queue.pending || MathJax.Hub.queue.running) return false;
    const tex = [...document.querySelectorAll('script[type^="math/tex"]')];
    return tex.length > 0 && tex.every(s => s.previousElementSibling &&
        s.previousElementSibling.matches('.mjx-chtml, .MathJax_Display'));
}"""

RAW_MATH = """() => [...document.querySelectorAll('.jp-RenderedMarkdown, .jp-MarkdownOutput')]
    .map(el => { const c = el.cloneNode(true);
                 c.querySelectorAll('script').forEach(s => s.remove());
                 return c.textContent; })
    .filter(t => /\\$\\$|\\$[^$\\s][^$]*\\$/.test(t))"""


#: The site's prose (not code, not outputs) with a raw ``$...$`` left in it.
SITE_RAW_MATH = RAW_MATH.replace(
    "'.jp-RenderedMarkdown, .jp-MarkdownOutput'",
    "'article p:not(.cell_output p), article li:not(.cell_output li)'",
)


def _check_maths(page, name: str, raw_math: str = RAW_MATH) -> None:
    page.wait_for_function(WAIT_MATHJAX)
    rendered = page.locator(".mjx-chtml").count()
    assert rendered > 0, f"{name}: no MathJax output"
    assert page.evaluate(raw_math) == [], f"{name}: raw $...$ left in the text"


def _has_widgets(nb) -> bool:
    return "widgets" in nb.metadata


@pytest.mark.browser
@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_slides_work_offline_in_chromium(exported, executed, new_context, md):
    nb = dict((m, n) for m, n in executed)[md]
    url = (exported["slides"] / _page("slides", md)).as_uri()
    page, blocked, _, errors = open_offline(new_context, url)
    page.wait_for_selector(".reveal.ready")  # reveal.js (loaded by require.js) initialised
    assert page.locator(".reveal .slides section").count() > 1
    # The theme's capitals would turn τ into Τ (capital tau) in headings.
    assert page.evaluate(
        "getComputedStyle(document.querySelector('.reveal h1')).textTransform"
    ) == ("none")
    if any("$" in c.source for c in nb.cells if c.cell_type == "markdown"):
        _check_maths(page, md.stem)
    if _has_widgets(nb):  # the widgets' saved state, rendered by the local html-manager
        page.wait_for_selector(".widget-slider", state="attached")
    page.screenshot(path=screenshot_dir() / f"slides-{md.stem}-1.png")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(800)  # the slide transition
    page.screenshot(path=screenshot_dir() / f"slides-{md.stem}-2.png")
    assert blocked == [], f"{md.stem} slides tried to load {blocked}"
    assert errors == [], f"{md.stem} slides raised {errors}"
    page.context.close()


@pytest.mark.browser
def test_html_pages_work_offline_in_chromium(exported, executed, new_context):
    index_url = (exported["html"] / "index.html").as_uri()
    index, blocked, _, errors = open_offline(new_context, index_url)
    links = index.locator("article .toctree-wrapper a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert links == [_page("html", md) for md, _ in executed] + ["docs/references.html"]
    assert blocked == [] and errors == [], (blocked, errors)
    index.context.close()
    for md, nb in executed:
        page, blocked, _, errors = open_offline(
            new_context, (exported["html"] / _page("html", md)).as_uri()
        )
        page.wait_for_selector("article .cell")
        if any("$" in c.source for c in nb.cells if c.cell_type == "markdown"):
            _check_maths(page, md.stem, SITE_RAW_MATH)
        if _has_widgets(nb):
            page.wait_for_selector(".widget-slider", state="attached")
        page.screenshot(path=screenshot_dir() / f"html-{md.stem}.png", full_page=False)
        assert blocked == [], f"{md.stem} page tried to load {blocked}"
        assert errors == [], f"{md.stem} page raised {errors}"
        page.context.close()


HEADER = """---
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---
"""


def _myst(path: Path, *cells: str) -> Path:
    """A MyST notebook of a title and these code cells."""
    code = "".join(f"\n```{{code-cell}} ipython3\n{c}\n```\n" for c in cells)
    path.write_text(f"{HEADER}\n# {path.stem}\n{code}", encoding="utf-8")
    return path


def test_a_failing_notebook_is_one_line_naming_file_cell_and_exception(tmp_path):
    """`make html` / `make slides` with broken notebooks: one line per failing notebook (file and
    line, cell, exception), no traceback, no colour codes; nothing is exported."""
    import subprocess
    import sys

    from tests.support.project import ROOT

    broken = _myst(tmp_path / "broken.md", "x = 2", "def f(v):\n    return 1 / v", "f(x - 2)")
    warns = _myst(tmp_path / "warns.md", "import warnings", 'warnings.warn("τ too small")')
    good = _myst(tmp_path / "good.md", "print(1)")
    coloured = _myst(tmp_path / "coloured.md", r'raise RuntimeError("\x1b[1;31mred\x1b[0m\ntext")')
    out = tmp_path / "out"
    notebooks = [broken, warns, good, coloured]
    done = subprocess.run(
        [sys.executable, "-m", "scripts.export", "html", "--out", str(out), *notebooks],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert "\x1b" not in done.stderr and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    at_broken = broken.read_text().splitlines().index("f(x - 2)") + 1
    at_warns = warns.read_text().splitlines().index('warnings.warn("τ too small")') + 1
    assert len(lines) == 3, done.stderr
    assert lines[0] == f"{broken}:{at_broken}: cell 3: ZeroDivisionError: division by zero"
    assert lines[1].startswith(f"{warns}:{at_warns}: cell 2: stderr: ")
    assert lines[1].endswith('UserWarning: τ too small warnings.warn("τ too small")')
    assert lines[2] == f"{coloured}:11: cell 1: RuntimeError: red text"
    assert not out.exists(), "pages were written for notebooks that do not run"
