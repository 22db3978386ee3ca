"""`make slides` and `make html`: offline pages, checked as files and in headless Chromium.

The notebooks are executed once (module fixture) and exported to a temporary folder with
scripts/export.py, the code the make targets run. In the browser every request that is not a
local file is recorded and aborted: the pages must render with no network at all.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from scripts import export

from ._browser import chromium, screenshot_dir, unavailable
from .conftest import NOTEBOOKS

MARKDOWN = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md"))
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", re.I)


@pytest.fixture(scope="module")
def executed():
    return [(md, export.run(md)) for md in MARKDOWN]


@pytest.fixture(scope="module")
def exported(executed, tmp_path_factory):
    """``{"slides": folder, "html": folder}`` with every notebook exported."""
    try:
        export.ensure_assets()
    except FileNotFoundError as err:
        unavailable(str(err))
    out = tmp_path_factory.mktemp("exports")
    for kind in ("slides", "html"):
        export.export(kind, out / kind, executed=copy.deepcopy(executed))
    return {"slides": out / "slides", "html": out / "html"}


def _page(kind: str, md: Path) -> str:
    return md.stem + (".slides.html" if kind == "slides" else ".html")


@pytest.mark.parametrize("kind", ["slides", "html"])
def test_one_page_per_notebook_and_an_index(exported, kind):
    folder = exported[kind]
    index = (folder / "index.html").read_text(encoding="utf-8")
    for md in MARKDOWN:
        assert (folder / _page(kind, md)).is_file()
        assert f'href="{_page(kind, md)}"' in index


@pytest.mark.parametrize("kind", ["slides", "html"])
def test_nothing_is_loaded_from_the_network(exported, kind):
    for page in exported[kind].glob("*.html"):
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
        assert text.count('<details class="solution">') == hidden, md.stem


def test_slides_leave_out_the_solutions_and_keep_the_sections(exported, executed):
    for md, nb in executed:
        text = (exported["slides"] / _page("slides", md)).read_text(encoding="utf-8")
        for cell in nb.cells:
            if "hide-cell" in cell.metadata.get("tags", []):
                first = cell.source.strip().splitlines()[0]
                assert first not in text, f"{md.stem}: a solution is on the slides"
        n_slides = sum(
            c.metadata.get("slideshow", {}).get("slide_type") in ("slide", "subslide")
            for c in nb.cells
        )
        assert text.count("<section") >= max(n_slides, 1), md.stem


# ---- in the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(exported):
    with chromium() as b:
        yield b


def _open_offline(browser, url: str):
    """A page that may load file:// and data: URLs only; returns (page, blocked requests)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    blocked: list[str] = []

    def guard(route):
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return page, blocked, errors


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


def _check_maths(page, name: str) -> None:
    page.wait_for_function(WAIT_MATHJAX)
    rendered = page.locator(".mjx-chtml").count()
    assert rendered > 0, f"{name}: no MathJax output"
    assert page.evaluate(RAW_MATH) == [], f"{name}: raw $...$ left in the text"


def _has_widgets(nb) -> bool:
    return "widgets" in nb.metadata


@pytest.mark.browser
@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_slides_work_offline_in_chromium(exported, executed, browser, md):
    nb = dict((m, n) for m, n in executed)[md]
    url = (exported["slides"] / _page("slides", md)).as_uri()
    page, blocked, errors = _open_offline(browser, url)
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
def test_html_pages_work_offline_in_chromium(exported, executed, browser):
    index, blocked, errors = _open_offline(browser, (exported["html"] / "index.html").as_uri())
    links = index.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert links == [_page("html", md) for md, _ in executed]
    index.context.close()
    for md, nb in executed:
        page, blocked, errors = _open_offline(
            browser, (exported["html"] / _page("html", md)).as_uri()
        )
        page.wait_for_selector(".jp-Cell")
        if any("$" in c.source for c in nb.cells if c.cell_type == "markdown"):
            _check_maths(page, md.stem)
        if _has_widgets(nb):
            page.wait_for_selector(".widget-slider", state="attached")
        page.screenshot(path=screenshot_dir() / f"html-{md.stem}.png", full_page=False)
        assert blocked == [], f"{md.stem} page tried to load {blocked}"
        assert errors == [], f"{md.stem} page raised {errors}"
        page.context.close()
