"""The student edition (`make student`): every notebook as .ipynb without the solutions.

A solution is a cell tagged ``hide-cell`` in a notebook's *Exercises* section (markdown or
code; docs/course-design.md, rule 7). Everything else is kept: the lesson, the starter cells
under the exercises and their checks (``gl.exercises.check_...``), which say "not written yet"
until the student fills the starter in. The notebooks are written without outputs, ready to
hand out or to upload to a hub.

    python -m scripts.student --out build/student
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = re.compile(r"(?m)^## Exercises\s*$")
SECTION = re.compile(r"(?m)^## ")
SOLUTION_TAG = "hide-cell"

#: Said once, under the Exercises heading, in place of the folded solutions.
NOTE = (
    "*Student edition: the solutions are not included. Under each exercise that asks for code "
    "or a value, fill in the starter cell and run it: the check says* correct, *or names the "
    "slip it finds.*"
)


def notebooks() -> list[Path]:
    """The numbered notebooks ``notebooks/NN_name.md``, in course order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md"))


def is_solution(cell: nbformat.NotebookNode) -> bool:
    """True for a cell tagged ``hide-cell``: a folded solution."""
    return SOLUTION_TAG in cell.metadata.get("tags", [])


def student_edition(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """``nb`` without its solution cells, with a note under the Exercises heading.

    A ``hide-cell`` cell outside the Exercises section is not a solution by the course's rules:
    it raises ``ValueError`` rather than being dropped from a lesson.
    """
    kept, in_exercises, noted = [], False, False
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and SECTION.search(cell.source):
            in_exercises = bool(EXERCISES.search(cell.source))
        if is_solution(cell):
            if not in_exercises:
                raise ValueError(
                    f"{name}: cell {i} is tagged {SOLUTION_TAG!r} outside the Exercises section; "
                    "only solutions are folded that way"
                )
            continue
        kept.append(cell)
        if in_exercises and not noted and cell.cell_type == "markdown":
            kept.append(nbformat.v4.new_markdown_cell(NOTE))
            noted = True
    if not noted:
        raise ValueError(f"{name}: no '## Exercises' section")
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    for cell in kept:
        copy = nbformat.from_dict(dict(cell))
        if copy.cell_type == "code":
            copy.outputs, copy.execution_count = [], None
        out.cells.append(copy)
    out.metadata.pop("jupytext", None)
    return out


def write_one(md: Path, out: Path) -> Path:
    """Write the student edition of the notebook ``md`` (``NN_name.md``) into the folder ``out``
    as ``NN_name.ipynb``; return that file. The course site (scripts/site.py) calls it too."""
    nb = student_edition(jupytext.read(md), Path(md).name)
    target = Path(out) / Path(md).with_suffix(".ipynb").name
    nbformat.write(nb, target)  # validates it first
    return target


def write(out: Path) -> list[Path]:
    """Write the student edition of every notebook into ``out``; return the files written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return [write_one(md, out) for md in notebooks()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "student")
    args = parser.parse_args(argv)
    for path in write(args.out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
