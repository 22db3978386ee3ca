"""`make student`: the notebooks without their solutions, every starter and check kept, and
each student notebook runs top to bottom with every check saying "not written yet"."""

from __future__ import annotations

import re
import subprocess

import jupytext
import nbformat
import pytest

from gumbel_lib import exercises
from scripts import student
from scripts.nbrun import execute, problems
from tests.support.project import ROOT, notebook_paths

CHECK = re.compile(r"gl\.exercises\.(check_\w+)\(")


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    """The student edition written once into a temporary folder: {stem: notebook}."""
    out = tmp_path_factory.mktemp("student")
    paths = student.write(out)
    return {p.stem: nbformat.read(p, as_version=4) for p in paths}


def _code(cells) -> list[str]:
    return [c.source for c in cells if c.cell_type == "code"]


def test_every_notebook_is_in_the_edition(edition):
    assert sorted(edition) == [md.stem for md in notebook_paths()]


@pytest.mark.parametrize("md", notebook_paths(), ids=lambda p: p.stem)
def test_no_solution_survives(edition, md):
    original = jupytext.read(md).cells
    solutions = [c for c in original if student.is_solution(c)]
    assert solutions, f"{md.stem} has no folded solution to remove"
    cells = edition[md.stem].cells
    assert not any(student.is_solution(c) for c in cells)
    texts = [c.source.strip() for c in cells]
    for sol in solutions:
        assert sol.source.strip() not in texts, f"{md.stem}: a solution survived"
    # Everything else survives, in order, plus one note under the Exercises heading.
    kept = [c.source for c in original if not student.is_solution(c)]
    assert [c.source for c in cells if c.source != student.NOTE] == kept
    assert sum(c.source == student.NOTE for c in cells) == 1
    assert not any(c.get("outputs") for c in cells if c.cell_type == "code")


@pytest.mark.parametrize("md", notebook_paths(), ids=lambda p: p.stem)
def test_every_check_call_survives(edition, md):
    original = jupytext.read(md).cells
    visible = [CHECK.findall(s) for s in _code(c for c in original if not student.is_solution(c))]
    in_solutions = {
        n for s in _code(c for c in original if student.is_solution(c)) for n in CHECK.findall(s)
    }
    in_edition = [CHECK.findall(s) for s in _code(edition[md.stem].cells)]
    assert [n for ns in in_edition for n in ns] == [n for ns in visible for n in ns]
    # Each check a solution calls is also called under its starter, for the student.
    assert in_solutions <= {n for ns in in_edition for n in ns}, md.stem


def test_every_checker_is_called_in_some_notebook(edition):
    called = {n for nb in edition.values() for s in _code(nb.cells) for n in CHECK.findall(s)}
    assert called == {n for n in exercises.__all__ if n.startswith("check_")}


def test_a_solution_outside_the_exercises_is_refused():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## Lesson"),
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["hide-cell"]}),
        nbformat.v4.new_markdown_cell("## Exercises"),
    ]
    with pytest.raises(ValueError, match="outside the Exercises section"):
        student.student_edition(nb, "lesson.md")


@pytest.mark.slow
@pytest.mark.parametrize("md", notebook_paths(), ids=lambda p: p.stem)
def test_the_student_notebook_runs_and_every_check_is_not_written_yet(edition, md, tmp_path):
    path = tmp_path / f"{md.stem}.ipynb"
    nbformat.write(edition[md.stem], path)
    nb = execute(path)
    assert problems(nb) == []
    checks = [c for c in nb.cells if c.cell_type == "code" and CHECK.search(c.source)]
    assert checks, f"{md.stem} has no check"
    for cell in checks:
        shown = "".join(
            o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs
        )
        calls = len(CHECK.findall(cell.source))
        assert shown.count("not written yet") == calls, (md.stem, cell.source, shown)


def test_make_student_writes_build_student():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"(?m)^\.PHONY:.*\bstudent\b", makefile)
    dry = subprocess.run(
        ["make", "-n", "student"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "scripts.student --out build/student" in dry
