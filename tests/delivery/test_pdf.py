"""`make pdf`: the handouts, checked on the real PDFs (and on the pages printed to them).

The notebooks are executed once per session (tests.support.project.executed) and printed once per
module by scripts/pdf.py, the code `make pdf` runs, with pytest-playwright's Chromium. The PDFs
are read with poppler's command-line tools (`pdftotext`, `pdfimages`, `pdfinfo`; Debian's
poppler-utils, installed by .ci/run): pdftotext extracts the formulas that MathJax typeset as the
Unicode a reader copies, where pypdf drops them.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from scripts import export, pdf
from tests.support.browser import require_chromium, unavailable
from tests.support.project import executed, notebook_paths

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MARKDOWN = notebook_paths()
FIGURES = ("image/png", "image/jpeg", "image/svg+xml")
#: TeX in Markdown: display maths first, then inline.
MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S)
#: What MathJax leaves behind when it did not typeset: a dollar sign or a TeX command.
RAW_TEX = re.compile(r"\$|\\[A-Za-z]+")
#: Code in Markdown (fenced blocks, then spans): printed as written, TeX and all.
MD_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.S)


def _poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        unavailable(f"{tool} is missing (apt-get install -y poppler-utils)")
    done = subprocess.run([tool, *args], capture_output=True, text=True, check=True)
    return done.stdout


def _text(path: Path) -> str:
    """The text of a PDF in the order it was drawn (``-raw``: a line of code or output stays
    one line; the default layout order can move a word of it to another column)."""
    text = _poppler("pdftotext", "-raw", "-enc", "UTF-8", str(path), "-")
    return unicodedata.normalize("NFKC", text)


def _squash(text: str) -> str:
    """``text`` compared as a reader sees it: ligatures expanded, no whitespace (a PDF breaks
    lines where the source did not, and wraps long code lines)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _is_solution(cell) -> bool:
    return "hide-cell" in cell.metadata.get("tags", [])


@pytest.fixture(scope="module")
def handouts(tmp_path_factory, browser):
    """Every handout, printed once into a temporary folder: scripts/pdf.py's ``build`` result
    and the executed notebooks ``{stem: notebook}``."""
    require_chromium()
    _poppler("pdfinfo", "-v")
    try:
        export.ensure_assets()
    except FileNotFoundError as err:
        unavailable(str(err))
    runs = [(md, copy.deepcopy(executed(md))) for md in MARKDOWN]
    out = tmp_path_factory.mktemp("pdf")
    built = pdf.build(out, executed=runs, browser=browser)
    built["executed"] = {md.stem: nb for md, nb in runs}
    return built


def _all_pdfs(handouts) -> list[Path]:
    return [*handouts["notebooks"].values(), handouts["course"], handouts["solutions"]]


def test_every_handout_is_an_a4_pdf(handouts):
    assert sorted(handouts["notebooks"]) == [md.stem for md in MARKDOWN]
    for path in _all_pdfs(handouts):
        info = _poppler("pdfinfo", str(path))
        assert "(A4)" in info, f"{path.name} is not A4:\n{info}"
        assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 1


# ---- text extractable ----------------------------------------------------------------------


def _heading_words(nb) -> list[str]:
    """Every heading of ``nb``'s printed cells, without its maths, Markdown marks and links."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or _is_solution(cell):
            continue
        for line in cell.source.splitlines():
            if line.startswith("#"):
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.lstrip("#"))
                for part in MATH.split(text.replace("*", "").replace("`", "")):
                    if len(part.strip()) >= 4:
                        found.append(part.strip())
    return found


def test_the_text_of_each_handout_can_be_extracted(handouts):
    """Every heading's words come out of the PDF as text (titles in the course PDF too)."""
    course = _squash(_text(handouts["course"]))
    for stem, nb in handouts["executed"].items():
        text = _squash(_text(handouts["notebooks"][stem]))
        headings = _heading_words(nb)
        assert len(headings) >= 5, f"{stem}: too few headings to check"
        missing = [h for h in headings if _squash(h) not in text]
        assert missing == [], f"{stem}.pdf: headings not found in its text: {missing}"
        assert _squash(export.title_of(nb)) in course, f"{stem} is not in course.pdf"


# ---- formulas ------------------------------------------------------------------------------


def _printed_as_written(nb) -> Counter:
    """The dollar signs and TeX commands that ``nb`` prints as they are written: in code (cell
    sources, text outputs) and in Markdown code spans. Anything more in a PDF is raw TeX."""
    raw = Counter()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for code in MD_CODE.findall(cell.source):
                raw.update(RAW_TEX.findall(code))
            continue
        raw.update(RAW_TEX.findall(cell.source))
        for out in cell.get("outputs", []):
            raw.update(RAW_TEX.findall(out.get("text", "")))
            raw.update(RAW_TEX.findall(out.get("data", {}).get("text/plain", "")))
    return raw


def _too_many(text: str, allowed: Counter) -> dict[str, int]:
    found = Counter(RAW_TEX.findall(text))
    return {tex: n for tex, n in found.items() if n > allowed[tex]}


def test_no_raw_tex_is_left_in_the_pdfs(handouts):
    """MathJax typeset every formula: no ``$`` or ``\\frac`` in the text beyond what the code
    itself prints (its own strings, e.g. a Matplotlib label)."""
    everything = Counter()
    for stem, nb in handouts["executed"].items():
        allowed = _printed_as_written(nb)
        everything += allowed
        markdown = Counter()
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                markdown.update(RAW_TEX.findall(MD_CODE.sub("", cell.source)))
        assert markdown["$"] >= 10, f"{stem}: too little maths in the Markdown to check"
        extra = _too_many(_text(handouts["notebooks"][stem]), allowed)
        assert extra == {}, f"{stem}.pdf: raw TeX in the text (count beyond the code's): {extra}"
    for path in (handouts["course"], handouts["solutions"]):
        extra = _too_many(_text(path), everything)
        assert extra == {}, f"{path.name}: raw TeX in the text: {extra}"


# ---- the pages as printed: formulas typeset, nothing cut at the page edge ----------------

#: Every element that reaches past the text block's right edge (or its left one).
STICKS_OUT = """
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // MathJax's copy for screen readers is clipped to 1 px: it is never drawn
    if (el.closest('.MJX_Assistive_MathML')) continue;
    if (r.right > width + 1 || r.left < -1) {
      out.push(el.tagName + '.' + String(el.className).slice(0, 40) + ' ['
               + Math.round(r.left) + ', ' + Math.round(r.right) + '] '
               + (el.textContent || '').trim().slice(0, 50));
    }
  }
  return {width: width, out: out};
}
"""


#: What MathJax made of a page's formulas.
MATHS = """() => ({
    jax: window.MathJax ? MathJax.Hub.getAllJax().length : 'MathJax did not load',
    chtml: document.querySelectorAll('.MathJax_CHTML').length,
    errors: document.querySelectorAll('.MathJax_Error, .merror').length,
})"""


@pytest.fixture(scope="module")
def laid_out(handouts, browser):
    """Each printed page opened once more as it was printed (scripts/pdf.py's ``Printer.open``:
    print media, the text block's width, MathJax done): ``{pdf: {"maths": MATHS, "width",
    "out": STICKS_OUT, "print": whether print media applied}}``."""
    found = {}
    with pdf.Printer(browser) as printer:
        for target, page_html in handouts["print"].items():
            page = printer.open(page_html)
            try:
                found[target] = {
                    **page.evaluate(STICKS_OUT),
                    "maths": page.evaluate(MATHS),
                    "print": page.evaluate("matchMedia('print').matches"),
                }
            finally:
                page.close()
    return found


def test_mathjax_typeset_every_formula_of_the_printed_pages(handouts, laid_out):
    """On each page as it was printed: MathJax's output is there, one per formula, no errors;
    and the PDFs embed MathJax's fonts (Chromium turns its web fonts into Type 3 fonts)."""
    for target in handouts["print"]:
        counts = laid_out[target]["maths"]
        assert counts["jax"] != "MathJax did not load", (target.name, counts)
        assert counts["jax"] >= 10 and counts["errors"] == 0, (target.name, counts)
        assert counts["chtml"] == counts["jax"], (target.name, counts)
        fonts = _poppler("pdffonts", str(target))
        assert "Type 3" in fonts, f"{target.name} embeds no MathJax font:\n{fonts}"


def test_nothing_reaches_past_the_text_block(handouts, laid_out):
    """Laid out for print (print media, as wide as the A4 text block), no element of any printed
    page ends beyond the block's edge: code and tables wrap, wide formulas are scaled."""
    for target in handouts["print"]:
        found = laid_out[target]
        assert found["print"] and found["width"] == pdf.CONTENT_WIDTH_PX, found["width"]
        assert found["out"] == [], f"{target.name}: cut at the page edge: {found['out'][:5]}"


def test_the_text_block_is_the_a4_page_less_its_margins():
    width_mm = pdf.PAPER_MM[0] - pdf.MARGIN_MM["left"] - pdf.MARGIN_MM["right"]
    assert abs(pdf.CONTENT_WIDTH_PX - width_mm / 25.4 * 96) < 1


# ---- figures -------------------------------------------------------------------------------


def _explorer_figures(nb, model_id: str) -> int:
    """The figures an explorer (a widget tree) showed when the notebook ran, from its state."""
    states = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    entry = states.get("state", {}).get(model_id)
    if entry is None:
        return 0
    state = entry["state"]
    n = sum(any(k in o.get("data", {}) for k in FIGURES) for o in state.get("outputs", []))
    return n + sum(
        _explorer_figures(nb, str(c).removeprefix("IPY_MODEL_")) for c in state.get("children", [])
    )


def _figures(nb, solutions: bool = False) -> int:
    """The figures ``nb`` shows outside its solutions (or in them), explorers included."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or _is_solution(cell) != solutions:
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if any(k in data for k in FIGURES):
                count += 1
            view = data.get("application/vnd.jupyter.widget-view+json")
            if view:
                count += _explorer_figures(nb, view["model_id"])
    return count


def _images(path: Path) -> int:
    rows = _poppler("pdfimages", "-list", str(path)).splitlines()[2:]
    return sum(row.split()[2] == "image" for row in rows)


def test_each_handout_has_all_its_figures(handouts):
    total = 0
    for stem, nb in handouts["executed"].items():
        expected = _figures(nb)  # 0 for a notebook without figures: then its PDF has none
        found = _images(handouts["notebooks"][stem])
        assert found == expected, f"{stem}.pdf has {found} images, the notebook {expected}"
        total += expected
    assert total >= len(handouts["executed"]) // 2, "most notebooks should have figures to check"
    assert _images(handouts["course"]) == total


# ---- solutions: out of the handouts, all in the booklet ------------------------------------


def _pieces(cell) -> list[str]:
    """Stretches of a solution's text long enough to be its own (its code lines, its printed
    lines, its sentences between formulas)."""
    if cell.cell_type == "markdown":
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", cell.source)
        text = MATH.sub("\n", text).replace("*", "").replace("`", "")
        # punctuation at a formula's edge may be drawn in another order than the text's
        pieces = [p.strip(" .,;:()") for p in re.split(r"\n|(?<=[.;:?!])\s", text)]
    else:
        pieces = cell.source.splitlines()
        for out in cell.get("outputs", []):
            pieces += out.get("text", "").splitlines()
    return [p.strip() for p in pieces if len(_squash(p)) >= 20]


def _not_solutions(*notebooks) -> str:
    """The text of every cell that is not a solution, outputs included, squashed."""
    others = []
    for nb in notebooks:
        for cell in nb.cells:
            if not _is_solution(cell):
                others.append(cell.source)
                for out in cell.get("outputs", []):
                    others.append(out.get("text", ""))
                    others.append(str(out.get("data", {}).get("text/plain", "")))
    return _squash("\n".join(others))


def _solution_pieces(nb, *others) -> list[tuple[int, list[str]]]:
    """For each solution cell (by index), its pieces that appear nowhere else in ``nb`` (nor in
    the notebooks ``others``)."""
    elsewhere = _not_solutions(nb, *others)
    return [
        (i, [p for p in _pieces(cell) if _squash(p) not in elsewhere])
        for i, cell in enumerate(nb.cells)
        if _is_solution(cell)
    ]


def test_the_student_handouts_contain_no_solution(handouts):
    course = _squash(_text(handouts["course"]))
    notebooks = list(handouts["executed"].values())
    for stem, nb in handouts["executed"].items():
        solutions = _solution_pieces(nb)
        assert solutions, f"{stem} has no solution to check"
        text = _squash(_text(handouts["notebooks"][stem]))
        leaked = [p for _, pieces in solutions for p in pieces if _squash(p) in text]
        assert leaked == [], f"{stem}.pdf shows solution text: {leaked[:3]}"
        own = [p for _, pieces in _solution_pieces(nb, *notebooks) for p in pieces]
        leaked = [p for p in own if _squash(p) in course]
        assert leaked == [], f"course.pdf shows solution text of {stem}: {leaked[:3]}"


def test_the_booklet_contains_every_solution(handouts):
    booklet = _squash(_text(handouts["solutions"]))
    for stem, nb in handouts["executed"].items():
        for i, pieces in _solution_pieces(nb):
            assert pieces, f"{stem}: solution cell {i} has no text of its own to look for"
            missing = [p for p in pieces if _squash(p) not in booklet]
            assert missing == [], f"{stem}: solution cell {i} is not in solutions.pdf: {missing}"


def _too_wide_notebook():
    """A notebook of everything that is too wide for A4: a long code line and output without a
    space, a Markdown table of 14 columns (scaled), an HTML table of 40 long words (scaled and
    broken), a matrix formula (MathJax cannot break a matrix: scaled)."""
    import nbformat.v4 as v4

    columns = 14
    table = "| " + " | ".join(f"column {i}" for i in range(columns)) + " |\n"
    table += "|" + "---|" * columns + "\n| " + " | ".join(f"{10**i}" for i in range(columns)) + " |"
    matrix = "&".join(f"x_{{{i}}}^{{{i}}}" for i in range(40))
    html_table = (
        "<table><tr>" + "".join(f"<td>{'w' * 12}{i}</td>" for i in range(40)) + "</tr></table>"
    )
    long = "a" * 300
    return v4.new_notebook(
        cells=[
            v4.new_markdown_cell("# Too wide\n\nA table:\n\n" + table),
            v4.new_markdown_cell(f"A matrix: $$\\begin{{pmatrix}}{matrix}\\end{{pmatrix}}$$"),
            v4.new_code_cell(
                f"s = '{long}'",
                outputs=[
                    v4.new_output("stream", name="stdout", text=long),
                    v4.new_output("display_data", data={"text/html": html_table, "text/plain": ""}),
                ],
            ),
        ]
    )


def test_wide_code_tables_and_formulas_are_wrapped_or_scaled(tmp_path, browser):
    nb = _too_wide_notebook()
    page_html = pdf.render_page(pdf.page_exporter(tmp_path), nb, "Too wide", tmp_path / "w.html")
    with pdf.Printer(browser) as printer:
        page = printer.open(page_html)
        try:
            found = page.evaluate(STICKS_OUT)
            scaled = page.evaluate("document.querySelectorAll('[data-scaled-to-fit]').length")
            jax = page.evaluate("MathJax.Hub.getAllJax().length")
        finally:
            page.close()
    assert jax == 1
    assert found["out"] == [], f"cut at the page edge: {found['out'][:5]}"
    assert scaled >= 1  # the matrix cannot wrap: it was scaled
