"""The course site of `make html` (scripts/site.py): search, table of contents, cross-references,
bibliography, launch and download buttons, widgets, folded solutions, offline, alt text.

The site is the one the ``exports`` fixture builds once per session with scripts/export.py (the
code of `make html`); a few tests build a small site of their own from a tiny notebook, to show
that a broken cross-reference or an unfolded solution is caught. The offline, MathJax and axe-core
checks of every page are in tests/delivery/test_exports.py and test_accessibility.py.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from scripts import references, site, student
from tests.support.browser import open_offline
from tests.support.project import executed, notebook_paths

MARKDOWN = notebook_paths()
NOTEBOOK_REF = re.compile(r"\b[Nn]otebooks? (\d\d)\b")


def _soup(path: Path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def html(exports) -> Path:
    return exports["html"]


def _page(html: Path, md: Path) -> Path:
    return html / "notebooks" / f"{md.stem}.html"


# ---- table of contents, cross-references, bibliography ----------------------------------------


def test_every_page_has_the_table_of_contents_and_previous_next_links(html):
    pages = [f"notebooks/{md.stem}.html" for md in MARKDOWN]
    for i, md in enumerate(MARKDOWN):
        soup = _soup(_page(html, md))
        nav = soup.select("nav.bd-docs-nav a.reference")
        here = _page(html, md)
        targets = [
            (here.parent / urlsplit(a["href"]).path).resolve() if urlsplit(a["href"]).path else here
            for a in nav
        ]
        assert [t.relative_to(html).as_posix() for t in targets[: len(pages)]] == pages, md.stem
        # the entry names the notebook's number, as the prose does ("notebook 03")
        assert nav[i].get_text(strip=True).startswith(f"{md.stem[:2]} ·"), md.stem
        assert soup.select("#pst-page-navigation-heading-2, .prev-next-area a"), md.stem
        assert soup.select("nav.page-toc a"), f"{md.stem}: no in-page table of contents"


def _internal_links(page: Path, html: Path) -> list[tuple[str, Path, str]]:
    """(href, target file, fragment) of every link of ``page`` to a file of the site."""
    found = []
    for a in _soup(page).select("a[href]"):
        href = a["href"]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith(("javascript:", "mailto:")):
            continue
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        found.append((href, target, parts.fragment))
    return found


def test_every_internal_link_and_anchor_of_the_site_resolves(html):
    ids: dict[Path, set[str]] = {}
    broken = []
    pages = sorted(html.rglob("*.html"))
    assert len(pages) >= len(MARKDOWN) + 3  # the notebooks, index, references, search
    for page in pages:
        if "_static" in page.parts:
            continue
        for href, target, fragment in _internal_links(page, html):
            if not target.exists():
                broken.append(f"{page.relative_to(html)}: {href} (no file)")
            elif fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = {el["id"] for el in _soup(target).select("[id]")}
                if fragment not in ids[target]:
                    broken.append(f"{page.relative_to(html)}: {href} (no anchor)")
    assert broken == []


def test_notebook_numbers_in_the_prose_link_to_the_notebooks(html):
    """Each "notebook NN" of the opening *Where this fits* paragraph is a link to notebook NN."""
    for md in MARKDOWN[1:]:
        soup = _soup(_page(html, md))
        fits = next(p for p in soup.select("article p") if "Where this fits" in p.get_text())
        if fits.get_text(strip=True) == "Where this fits":  # a heading of its own: the next one
            fits = fits.find_next_sibling("p")
        named = set(NOTEBOOK_REF.findall(fits.get_text()))
        assert named, md.stem
        linked = {
            Path(a["href"]).name[:2]
            for a in fits.select("a.reference.internal")
            if a["href"].endswith(".html") and NOTEBOOK_REF.search(a.get_text())
        }
        assert named <= linked, f"{md.stem}: {sorted(named - linked)} not linked"


def test_link_notebooks_leaves_code_maths_links_and_headings_alone():
    pages = {"03": "03_gumbel_max.ipynb"}
    text = (
        "See notebook 03, `notebook 03`, $notebook 03$ and [notebook 03](x.ipynb).\n# Notebook 03"
    )
    assert site.link_notebooks(text, pages) == (
        "See [notebook 03](03_gumbel_max.ipynb), `notebook 03`, $notebook 03$ and "
        "[notebook 03](x.ipynb).\n# Notebook 03"
    )
    assert site.link_notebooks("notebook 42", pages) == "[notebook 42](42_missing.ipynb)"


def test_the_bibliography_lists_every_entry_with_its_link(html):
    soup = _soup(html / "docs" / "references.html")
    entries = references.entries()
    for key, entry in entries.items():
        item = soup.find(id=key)
        assert item is not None, f"{key}: no entry on the references page"
        hrefs = [a["href"] for a in item.find_all("a", href=True)]
        doi = entry.fields.get("doi")
        want = f"https://doi.org/{doi}" if doi else entry.fields["url"]
        assert any(h.replace("%2F", "/") == want for h in hrefs), f"{key}: {hrefs}"


def test_citation_links_land_on_their_entry(html):
    keys = set(references.entries())
    seen = 0
    for md in MARKDOWN:
        for a in _soup(_page(html, md)).select('a[href*="references.html#"]'):
            assert a["href"].split("#", 1)[1] in keys, f"{md.stem}: {a['href']}"
            seen += 1
    assert seen >= 10


# ---- buttons ----------------------------------------------------------------------------------


def test_each_notebook_page_launches_on_binder_and_colab_and_downloads_its_files(html):
    repo = site.repository_url()
    owner_repo = repo.removeprefix("https://github.com/")
    for md in MARKDOWN:
        page = _page(html, md)
        hrefs = [a["href"] for a in _soup(page).select("a[href]")]
        binder = (
            f"https://mybinder.org/v2/gh/{owner_repo}/main?"
            f"urlpath=lab/tree/notebooks/{md.stem}.ipynb"
        )
        colab = (
            f"https://colab.research.google.com/github/{owner_repo}/blob/main/"
            f"notebooks/{md.stem}.ipynb"
        )
        assert binder in hrefs, f"{md.stem}: no Binder button"
        assert colab in hrefs, f"{md.stem}: no Colab button"
        for suffix in (".ipynb", ".md"):
            href = f"../downloads/{md.stem}{suffix}"
            assert href in hrefs, f"{md.stem}: no {suffix} download"
            target = (page.parent / href).resolve()
            assert target.read_bytes() == md.with_suffix(suffix).read_bytes()


def _without_ids(path: Path) -> dict:
    """The notebook at ``path`` without its cells' ids (jupytext draws new ones at each read)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.pop("id", None)
    return nb


def test_each_notebook_page_offers_its_student_edition(html, tmp_path):
    """A button beside the downloads gives the student edition: the file is in the site, a valid
    notebook without any solution (recognised as `make student` recognises them), the very file
    `make student` writes."""
    handed_out = {p.name: _without_ids(p) for p in student.write(tmp_path / "student")}
    assert sorted(handed_out) == [f"{md.stem}.ipynb" for md in MARKDOWN]
    for md in MARKDOWN:
        page = _page(html, md)
        buttons = _soup(page).select("a.btn-download-student-button")
        assert [a["href"] for a in buttons] == [f"../downloads/student/{md.stem}.ipynb"], md.stem
        assert "student" in buttons[0].get_text().lower(), md.stem
        target = (page.parent / buttons[0]["href"]).resolve()
        assert target.is_relative_to(html.resolve()) and target.is_file(), md.stem
        nb = nbformat.read(target, as_version=4)
        nbformat.validate(nb)
        assert not any(student.is_solution(c) for c in nb.cells), md.stem
        assert sum(c.source == student.NOTE for c in nb.cells) == 1, md.stem
        assert _without_ids(target) == handed_out[target.name], f"{md.stem}: not `make student`'s"


def test_the_index_says_what_the_student_edition_is(html):
    text = " ".join(_soup(html / "index.html").select_one("article").get_text().split())
    assert re.search(r"student edition[^.]*without[^.]*solutions", text, re.I), text[:400]


def test_the_repository_url_is_read_from_pyproject(tmp_path):
    toml = tmp_path / "pyproject.toml"
    toml.write_text(
        '[project]\nname = "x"\n[project.urls]\nRepository = "https://github.com/a/b/"\n'
    )
    assert site.repository_url(toml) == "https://github.com/a/b"
    toml.write_text('[project]\nname = "x"\n')
    with pytest.raises(SystemExit, match=r"\[project.urls\]"):
        site.repository_url(toml)


# ---- images and solutions ---------------------------------------------------------------------


def test_every_image_of_the_site_has_a_description_and_is_local(html):
    for page in html.rglob("*.html"):
        for img in _soup(page).find_all("img"):
            alt, src = img.get("alt") or "", img.get("src", "")
            assert len(alt.split()) >= 3, f"{page.relative_to(html)}: {src[:40]} alt={alt!r}"
            assert not re.match(r"(?:https?:)?//", src), f"{page.relative_to(html)}: {src}"


HEADER = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}


def _tiny(text: str = "The first lesson.") -> nbformat.NotebookNode:
    """A notebook with a lesson, a code solution and a Markdown solution (no kernel needed)."""
    nb = nbformat.v4.new_notebook(metadata=HEADER)
    lesson = nbformat.v4.new_markdown_cell(f"# A tiny lesson\n\n**Where this fits.** {text}")
    code = nbformat.v4.new_code_cell("answer = 6 * 7  # the solution\nanswer")
    code.metadata = {"tags": ["hide-cell"]}
    code.outputs = [
        nbformat.v4.new_output(
            "execute_result", data={"text/plain": "42 is the answer"}, execution_count=1
        )
    ]
    worked = nbformat.v4.new_markdown_cell("*By hand.* $6 \\cdot 7 = 42$, the worked answer.")
    worked.metadata = {"tags": ["hide-cell"]}
    nb.cells = [lesson, code, worked]
    return nb


def _build_tiny(tmp_path: Path, exports, nb) -> Path:
    md = tmp_path / "notebooks" / "01_tiny.md"
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(TINY_MD, encoding="utf-8")
    out = tmp_path / "html"
    site.build([(md, nb)], out, exports["modules"], src=tmp_path / "src")
    return out / "notebooks" / "01_tiny.html"


#: The tiny notebook's source: a lesson, then its exercise with a starter and a folded solution.
TINY_MD = """# A tiny lesson

## Exercises

Multiply six by seven.

```{code-cell} ipython3
answer = ...  # your code here
```

```{code-cell} ipython3
:tags: [hide-cell]

answer = 6 * 7
```
"""


def test_a_tiny_site_hands_out_the_student_edition(tmp_path, exports):
    page = _build_tiny(tmp_path, exports, _tiny())
    href = _soup(page).select_one("a.btn-download-student-button")["href"]
    nb = nbformat.read(page.parent / href, as_version=4)
    sources = [c.source for c in nb.cells]
    assert "answer = ...  # your code here" in sources and student.NOTE in sources
    assert "answer = 6 * 7" not in sources


def test_a_tiny_site_folds_both_kinds_of_solution(tmp_path, exports, monkeypatch):
    from tests.delivery.test_exports import SITE_FOLD, solution_leaks

    nb = _tiny()
    page = _build_tiny(tmp_path, exports, copy.deepcopy(nb)).read_text(encoding="utf-8")
    assert solution_leaks(page, nb, SITE_FOLD) == []
    # Without scripts/site.py's fold, the Markdown solution is in the open.
    monkeypatch.setattr(site, "fold_markdown", lambda source: source)
    page = _build_tiny(tmp_path, exports, copy.deepcopy(nb)).read_text(encoding="utf-8")
    leaks = solution_leaks(page, nb, SITE_FOLD)
    assert len(leaks) == 1 and "By hand" in leaks[0], leaks


def test_a_reference_to_a_missing_notebook_fails_the_build(tmp_path, exports):
    with pytest.raises(SystemExit, match="42_missing"):
        _build_tiny(tmp_path, exports, _tiny("Notebook 42 does not exist."))


# ---- in the browser: search and widgets, offline ---------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize(
    ("query", "expected"),
    [("Yellott", "00_overview"), ("ExpConcrete", "references"), ("straight-through", "02_")],
)
def test_search_finds_a_word_from_file_urls(html, new_context, query, expected):
    page, blocked, failed, errors = open_offline(
        new_context, (html / "search.html").as_uri() + f"?q={query}"
    )
    page.wait_for_selector("#search-results .search li a", state="attached")
    hrefs = page.locator("#search-results .search li a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert any(expected in h for h in hrefs), hrefs
    assert blocked == [] and errors == [], (blocked, errors)
    page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_the_widgets_saved_state_is_drawn_offline(html, new_context, md):
    """The explorers' last state is drawn by the local widget renderer, with its fonts: every
    file a page asks for exists, and nothing is asked of the network."""
    nb = executed(md)
    page, blocked, failed, errors = open_offline(new_context, _page(html, md).as_uri())
    page.wait_for_load_state("load")
    if "widgets" in nb.metadata:
        page.wait_for_selector(".widget-slider", state="visible")
        page.wait_for_selector(".widget-slider .widget-readout")
    page.wait_for_timeout(500)  # fonts and images requested after the first paint
    assert blocked == [], f"{md.stem} tried to load {blocked}"
    assert failed == [], f"{md.stem}: files not found {failed}"
    assert errors == [], f"{md.stem} raised {errors}"
    page.context.close()


@pytest.mark.browser
def test_the_student_edition_opens_from_file_urls(html, new_context):
    """From the folder itself (file://, no network), the student button's menu entry opens the
    student notebook: a browser shows its JSON, which Save As keeps (Chromium ignores the
    ``download`` attribute on file:// links, as for the other downloads)."""
    md = MARKDOWN[3]
    page, blocked, failed, errors = open_offline(new_context, _page(html, md).as_uri())
    page.locator(".dropdown-download-buttons button.dropdown-toggle").click()
    with page.context.expect_page() as opened:
        page.locator("a.btn-download-student-button").click()
    shown = opened.value
    shown.wait_for_load_state("load")
    nb = nbformat.reads(shown.locator("body").inner_text(), as_version=4)
    target = html / "downloads" / "student" / f"{md.stem}.ipynb"
    assert nb == nbformat.read(target, as_version=4)
    assert not any(student.is_solution(c) for c in nb.cells)
    assert blocked == [] and failed == [] and errors == [], (blocked, failed, errors)
    page.context.close()
