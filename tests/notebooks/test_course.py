"""The notebooks form one course (docs/course-design.md): these tests keep its structure.

- Order: a notebook calls a `gumbel_lib` function only when the notebook that introduces it
  (``tests/support/course.py``) is the same or an earlier one, and names a later notebook only
  in its opening and its Summary.
- Every notebook after 00 says where it fits in 00's problem and how long its self-study takes, and
  marks skippable sections with headings that start ``Aside:``.
- The source note is discussed only in 00 and 05.
"""

from __future__ import annotations

import ast
import importlib
import re
import types
from pathlib import Path

import jupytext
import pytest

from tests.support.course import INTRODUCED, SELF_STUDY, by_section, introduced_in, opening
from tests.support.project import notebook_paths

MARKDOWN = notebook_paths()
LESSONS = [md for md in MARKDOWN if not md.stem.startswith("00")]
# "notebook 03", "notebooks 03 and 04", "notebooks 01–03", a link "04_gumbel_softmax.ipynb"
NOTEBOOK_REF = re.compile(
    r"\bnotebooks?\s+(\d\d(?:\s*(?:,|and|or|–|-|to)\s*\d\d)*)|\b(\d\d)_\w+\.ipynb"
)
NOTE = re.compile(r"\b(?:source|original|blog) note\b|\bthe note\b|\bthe note's\b", re.I)


def _cells(md: Path):
    return jupytext.read(md).cells


# --- Which library names a notebook uses ---------------------------------------------------------


def _resolve(dotted: str) -> str:
    """The name under which the library defines ``dotted`` (``gumbel_lib.softmax`` is the function
    re-exported by the package, so it resolves to ``gumbel_lib.softmax.softmax``)."""
    parts = dotted.split(".")
    obj: object = importlib.import_module(parts[0])
    owner = parts[0]
    for i, part in enumerate(parts[1:], start=1):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = importlib.import_module(".".join(parts[: i + 1]))
        if isinstance(obj, types.ModuleType):
            owner = obj.__name__
        elif callable(obj) and getattr(obj, "__module__", "").startswith("gumbel_lib"):
            return f"{obj.__module__}.{getattr(obj, '__qualname__', part)}"
        else:
            return f"{owner}.{part}"
    return owner


def _mark_parents(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child._parent = node  # type: ignore[attr-defined]


def uses(md: Path) -> list[tuple[int, str]]:
    """``(cell index, defining name)`` of every library name the notebook's code uses."""
    out: list[tuple[int, str]] = []
    alias: dict[str, str] = {}  # names bound by imports, across cells as in the kernel
    for i, cell in enumerate(_cells(md)):
        if cell.cell_type != "code":
            continue
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        tree = ast.parse(source)
        _mark_parents(tree)
        out += [(i, _resolve(name)) for _, name in _names(tree, alias)]
    return out


def _names(tree: ast.AST, alias: dict[str, str]) -> list[tuple[int, str]]:
    """``(line, dotted name)`` of every `gumbel_lib` name used in ``tree`` (parents marked), as
    written: ``gl.plots.show`` -> ``gumbel_lib.plots.show``; ``alias`` (updated) maps the names
    that earlier imports bound."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "gumbel_lib":
                    alias[a.asname or "gumbel_lib"] = a.name if a.asname else "gumbel_lib"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "gumbel_lib":
            for a in node.names:
                alias[a.asname or a.name] = f"{node.module}.{a.name}"
                found.append((node.lineno, f"{node.module}.{a.name}"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or isinstance(node._parent, ast.Attribute):
            continue
        parts, inner = [], node
        while isinstance(inner, ast.Attribute):
            parts.insert(0, inner.attr)
            inner = inner.value
        if isinstance(inner, ast.Name) and inner.id in alias:
            found.append((node.lineno, ".".join([alias[inner.id], *parts])))
    return found


def order_problems(notebooks: list[Path]) -> list[str]:
    problems = []
    for md in notebooks:
        nn = md.stem[:2]
        for cell, name in uses(md):
            where = introduced_in(name)
            if where is None:
                problems.append(
                    f"{md.stem} cell {cell}: {name} has no introducing notebook in "
                    "tests/support/course.py"
                )
            elif where > nn:
                problems.append(
                    f"{md.stem} cell {cell}: uses {name}, introduced in notebook {where}"
                )
    return problems


def test_no_library_function_before_its_notebook():
    problems = order_problems(MARKDOWN)
    assert not problems, "\n".join(problems)


def test_the_order_check_catches_a_function_used_too_early(tmp_path):
    early = tmp_path / "01_early.md"
    early.write_text(
        "---\njupyter:\n  kernelspec:\n    name: python3\n---\n\n"
        "```{code-cell} ipython3\nimport gumbel_lib as gl\n```\n\n"
        "```{code-cell} ipython3\nfrom gumbel_lib import estimators as est\n"
        "gl.gumbel_softmax([0.0, 1.0], tau=1.0)\nest.reinforce\ngl.plots.show\n```\n"
    )
    problems = order_problems([early])
    assert any(
        "gumbel_lib.relaxed.gumbel_softmax, introduced in notebook 04" in p for p in problems
    )
    assert any("gumbel_lib.estimators.reinforce" in p for p in problems)
    assert not any("plots" in p for p in problems)


def test_every_registered_function_is_used_by_its_notebook():
    """A key naming one function must be used in the notebook it names (so the registry cannot
    drift to an arbitrary earlier notebook); whole modules are exempt (a module may hold helpers
    its notebook does not call)."""
    used: dict[str, set[str]] = {}
    for md in MARKDOWN:
        for _, name in uses(md):
            used.setdefault(md.stem[:2], set()).add(name)
    stale = []
    for key, nn in INTRODUCED.items():
        target = importlib.import_module(key.rsplit(".", 1)[0])
        obj = getattr(target, key.rsplit(".", 1)[1], None)
        if isinstance(obj, types.ModuleType) or obj is None and _is_module(key):
            continue
        if not any(name == key or name.startswith(key + ".") for name in used.get(nn, ())):
            stale.append(f"{key} is said to be introduced in {nn}, which does not use it")
    assert not stale, "\n".join(stale)


def _is_module(key: str) -> bool:
    try:
        importlib.import_module(key)
    except ImportError:
        return False
    return True


# --- Prose: forward references, opening, asides, the note ---------------------------------------


def _referenced(match: re.Match) -> list[str]:
    if match.group(2):
        return [match.group(2)]
    numbers = re.findall(r"\d\d", match.group(1))
    if re.search(r"–|-|to", match.group(1)) and len(numbers) == 2:
        return [f"{n:02d}" for n in range(int(numbers[0]), int(numbers[1]) + 1)]
    return numbers


def forward_references(md: Path) -> list[str]:
    nn = md.stem[:2]
    found = []
    for title, text in by_section(md):
        if title in ("", "Summary"):
            continue
        for m in NOTEBOOK_REF.finditer(text):
            later = [r for r in _referenced(m) if r > nn]
            if later:
                found.append(f"{md.stem} *{title}*: {m.group(0)!r} names a later notebook")
    return found


@pytest.mark.parametrize("md", LESSONS, ids=lambda p: p.stem)
def test_no_forward_reference_in_the_lesson(md):
    found = forward_references(md)
    assert not found, "\n".join(found)


def test_the_forward_reference_check_catches_one(tmp_path):
    md = tmp_path / "02_x.md"
    md.write_text(
        "# T\n\nNotebook 04 comes later.\n\n## Lesson\n\n"
        "As notebooks 01–03 show, and [this](04_y.ipynb).\n\n"
        "## Summary\n\nNext: notebook 03.\n"
    )
    found = forward_references(md)
    assert len(found) == 2 and all("*Lesson*" in f for f in found), found


@pytest.mark.parametrize("md", LESSONS, ids=lambda p: p.stem)
def test_every_notebook_says_where_it_fits(md):
    assert "**Where this fits" in opening(md), f"{md.stem}: no **Where this fits** in the opening"


@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_self_study_time_and_asides(md):
    m = SELF_STUDY.search(opening(md))
    assert m, (
        f"{md.stem}: the opening has no '**Self-study:** about N minutes to read and run the core "
        "sections, E more for the exercises, A more for the asides.' line"
    )
    asides = [t for t, _ in by_section(md) if t.startswith("Aside:")]
    asides += [
        h
        for h in re.findall(r"(?m)^### +(.+)", jupytext.writes(jupytext.read(md), "md"))
        if h.startswith("Aside:")
    ]
    assert bool(m.group(3)) == bool(asides), (
        f"{md.stem}: asides {sorted(set(asides))} but the self-study line "
        f"{'gives' if m.group(3) else 'does not give'} their time"
    )


@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_the_source_note_only_in_00_and_05(md):
    if md.stem[:2] in ("00", "05"):
        return
    text = "\n".join(c.source for c in _cells(md))
    found = sorted({m.group(0) for m in NOTE.finditer(text)})
    assert not found, f"{md.stem} mentions the source note ({found}): its errata live in 05"
