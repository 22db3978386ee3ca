"""WCAG 2.1 AA, measured with axe-core, on every exported page and slide deck and in JupyterLab.

axe-core (pinned in requirements/npm with the other offline assets) is injected into each page
of `make html` and `make slides` (exported once per session: the ``exports`` fixture); the same
check runs in JupyterLab on each notebook after "Run All Cells" in tests/delivery/test_browser.py,
scoped there to the notebook's cells and outputs (JupyterLab's own interface is upstream's). Any
serious or critical violation of the WCAG 2.0 and 2.1 A/AA rules fails; minor and moderate ones
are printed. Slide decks are checked in reveal.js's ``?print-pdf`` view, which lays every slide
out at once, each with all its fragments (the normal view shows one slide).

Beside axe (which accepts any non-empty ``alt``), every image must carry a real description:
not nbconvert's stand-in "No description has been provided for this image".
"""

from __future__ import annotations

import re

import pytest

from tests.support.axe import axe_script, describe, failing, run_axe, wait_for_mathjax
from tests.support.project import notebook_paths

pytestmark = pytest.mark.browser

MARKDOWN = notebook_paths()
#: The course site's pages: each notebook, the index, the references, the search page.
PAGES = [("html", f"notebooks/{md.stem}.html") for md in MARKDOWN] + [
    ("html", name) for name in ("index.html", "docs/references.html", "search.html")
]
DECKS = [("slides", f"{md.stem}.slides.html") for md in MARKDOWN] + [("slides", "index.html")]
PLACEHOLDER = "No description has been provided for this image"
#: An image description: a sentence of at least three words.
REAL_ALT = re.compile(r"\S+\s+\S+\s+\S+")

#: The widget renderer draws each saved widget view next to its <script> tag, after load.
WIDGETS_DRAWN = """() => [...document.querySelectorAll(
        'script[type="application/vnd.jupyter.widget-view+json"]')]
    .every(s => s.parentElement.querySelector('.jupyter-widgets, .widget-box, .lm-Widget'))"""


@pytest.fixture(scope="module")
def axe(exports):
    return axe_script(exports["modules"])


def open_export(page, path, slides: bool) -> None:
    page.goto(path.as_uri() + ("?print-pdf&pdfSeparateFragments=false" if slides else ""))
    page.wait_for_load_state("load")
    if slides:
        page.wait_for_selector(".reveal.ready")
        # The print view shows every slide but keeps the `hidden` and `aria-hidden` that the
        # normal view puts on the slides not shown: drop them, so each slide is checked as it
        # is when it is the current one.
        page.evaluate(
            "() => document.querySelectorAll('.reveal section').forEach(s => {"
            " s.removeAttribute('hidden'); s.removeAttribute('aria-hidden'); })"
        )
    wait_for_mathjax(page)
    page.wait_for_function(WIDGETS_DRAWN)


def images_without_description(page) -> list[str]:
    """The images of the page whose ``alt`` is missing, nbconvert's stand-in, or not a sentence."""
    alts = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.getAttribute('alt'), e.src.slice(0, 40)])"
    )
    return [
        f"{src}… alt={alt!r}"
        for alt, src in alts
        if alt is None or alt.strip() == PLACEHOLDER or not REAL_ALT.search(alt)
    ]


@pytest.mark.parametrize(("kind", "name"), PAGES + DECKS, ids=lambda v: v)
def test_exported_page_has_no_serious_violation(exports, axe, page, kind, name):
    open_export(page, exports[kind] / name, slides=kind == "slides" and name != "index.html")
    violations = run_axe(page, axe)
    minor = [v for v in violations if v not in failing(violations)]
    if minor:
        print(f"{kind}/{name}: minor or moderate:\n{describe(minor)}")
    assert failing(violations) == [], f"{kind}/{name}:\n{describe(failing(violations))}"
    assert images_without_description(page) == [], f"{kind}/{name}: images without description"
