"""Notebook 00 agrees with the notebooks it describes.

- Its table of the source note's mistakes names, in the "where" column, the notebook and the
  section of each correction (``05 *Aside: the source note, checked*``). Every such section must
  hold an **In the original note** paragraph, and every such paragraph in 01, 02, … must be named
  by exactly one row entry: a one-to-one matching per notebook. So a box added, removed or moved,
  or a row added, fails here, and 00 and the notebooks cannot disagree about the note again.
- The note's errata live in one place (docs/course-design.md, rule 4): the table names notebook 05
  only, so a box in any other notebook has no row and fails the matching.
- Its path table links every notebook of the collection.
"""

from __future__ import annotations

import re

import jupytext
import pytest

from tests.support.project import NOTEBOOKS, notebook_paths
from tests.support.sections import Notebook, boxes, notebook, read, table_rows

OVERVIEW = NOTEBOOKS / "00_overview.md"
ENTRY = re.compile(r"(\d\d)\s+\*([^*]+)\*")


def _markdown(path) -> str:
    return "\n".join(c.source for c in jupytext.read(path).cells if c.cell_type == "markdown")


def where_entries(markdown: str) -> list[tuple[int, str, str]]:
    """``(row, notebook prefix, section title)`` for every entry of the "where" column."""
    entries = []
    for r, row in enumerate(table_rows(markdown, "the note says")):
        found = ENTRY.findall(row[-1])
        assert found, f"row {r + 1} ({row[0][:40]!r}): the where column names no `NN *section*`"
        entries += [(r, nn, title.strip()) for nn, title in found]
    return entries


def _matching(entries: list[set[int]], n_boxes: int) -> dict[int, int] | None:
    """A one-to-one assignment entry -> box (each entry to a box it may cover), or None."""
    owner: dict[int, int] = {}

    def assign(e: int, seen: set[int]) -> bool:
        for b in entries[e]:
            if b not in seen:
                seen.add(b)
                if b not in owner or assign(owner[b], seen):
                    owner[b] = e
                    return True
        return False

    if len(entries) != n_boxes or not all(assign(e, set()) for e in range(len(entries))):
        return None
    return {e: b for b, e in owner.items()}


def disagreements(markdown: str, notebooks: list[Notebook]) -> list[str]:
    """Why 00's table and the notebooks' boxes disagree (empty when they match one to one)."""
    problems = []
    by_nb: dict[str, list[tuple[int, str]]] = {}
    for row, nn, title in where_entries(markdown):
        by_nb.setdefault(nn, []).append((row, title))
    for nb in notebooks:
        nn = nb.stem[:2]
        wanted = by_nb.pop(nn, [])
        found = boxes(nb)
        covers = []
        for row, title in wanted:
            if not nb.named(title):
                problems.append(f"row {row + 1}: {nb.stem} has no section {title!r}")
                covers.append(set())
                continue
            covers.append(
                {b for b, i in enumerate(found) if title in [s.title for s in nb.enclosing(i)]}
            )
            if not covers[-1]:
                problems.append(
                    f"row {row + 1}: {nb.stem} *{title}* holds no **In the original note** box"
                )
        if _matching(covers, len(found)) is None:
            where = [" / ".join(s.title for s in nb.enclosing(i)) or "(no section)" for i in found]
            problems.append(
                f"{nb.stem}: {len(found)} **In the original note** boxes (under {where}) but "
                f"{len(wanted)} table entries ({[t for _, t in wanted]}): they must match one to "
                "one"
            )
    problems += [f"the table names notebook {nn}, which does not exist" for nn in by_nb]
    return problems


def _corrected_notebooks() -> list[Notebook]:
    return [read(p) for p in notebook_paths() if p.stem != "00_overview"]


def test_note_table_matches_the_notebooks_boxes():
    assert disagreements(_markdown(OVERVIEW), _corrected_notebooks()) == []


def test_note_table_check_catches_a_drift():
    """The same check fails when a row names a wrong section, or one box too many or too few."""
    text = _markdown(OVERVIEW)
    nbs = _corrected_notebooks()
    entries = where_entries(text)
    row, nn, title = entries[-1]
    assert any(
        "has no section" in p for p in disagreements(text.replace(f"*{title}*", "*No such*"), nbs)
    )
    # A row more for the same section: one entry too many for that notebook's boxes.
    extra = f"| an extra claim | true | {nn} *{title}* |"
    lines = text.splitlines()
    last = max(i for i, line in enumerate(lines) if f"{nn} *{title}*" in line)
    assert disagreements("\n".join(lines[: last + 1] + [extra] + lines[last + 1 :]), nbs)
    # A row less: the box it covered is no longer named.
    assert disagreements("\n".join(lines[:last] + lines[last + 1 :]), nbs)


def test_every_notebook_has_a_where_entry_prefix_that_exists():
    for _, nn, _ in where_entries(_markdown(OVERVIEW)):
        notebook(nn)  # raises LookupError for a notebook number that does not exist


def test_the_errata_live_in_05_only():
    assert {nn for _, nn, _ in where_entries(_markdown(OVERVIEW))} == {"05"}


def test_path_table_lists_every_notebook():
    rows = table_rows(_markdown(OVERVIEW), "the part of the problem it solves")
    links = [m for row in rows for m in re.findall(r"\]\(([^)]+\.ipynb)\)", row[0])]
    assert links == sorted(links), "the path table lists the notebooks in order"
    for link in links:
        assert (NOTEBOOKS / link).exists(), f"00's path table links a missing {link}"
    for md in notebook_paths():
        assert f"{md.stem}.ipynb" in links, f"00's path table does not list {md.stem}"


@pytest.mark.parametrize("title", ["Notation", "Aside: history and credits"])
def test_overview_has_section(title):
    assert read(OVERVIEW).named(title), f"00 lacks the section {title!r}"


def test_a_table_continued_on_the_next_slide_is_read_as_one():
    """00 splits its long tables for the slides: the same header again continues the table,
    whether the cells are joined with blank lines and markers or with nothing between them."""
    head = "| the note says | what is true | where |\n|---|---|---|\n"
    first, second = "| a | b | 01 *A* |\n", "| c | d | 02 *B* |\n"
    other = "| symbol | meaning |\n|---|---|\n| e | f |\n"
    marker = '\n+++ {"slideshow": {"slide_type": "subslide"}}\n\n'
    for between in (marker, ""):
        rows = table_rows(head + first + between + head + second + "\n" + other, "the note says")
        assert [r[0] for r in rows] == ["a", "c"]
    assert [r[0] for r in table_rows(head + first + "\ntext\n\n" + head + second, "note")] == ["a"]
