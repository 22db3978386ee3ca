"""A notebook cut into its sections: the ``##`` / ``###`` headings and what lies under each.

Used by the tests that tie documents to the notebooks by heading name (the lecture plan, 00's table
of the note's mistakes), so that a renamed or removed section fails a test instead of leaving a
stale reference. A markdown cell can hold several headings, so the unit is a *piece*: a markdown
cell is split at its heading lines, a code cell is one piece.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jupytext

from tests.support.project import notebook_paths

HEADING = re.compile(r"^(#{1,6}) +(.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
BOX = re.compile(r"^\*\*In the original note\*\*", re.M)


@dataclass(frozen=True)
class Piece:
    kind: str  # "markdown" or "code"
    text: str
    tags: tuple[str, ...] = ()


@dataclass
class Section:
    level: int  # 2 for ##, 3 for ###
    title: str  # the heading's source text, e.g. "A $\chi^2$ test"
    start: int  # index of the heading's piece
    stop: int = 0  # one past the last piece (subsections included)
    pieces: list[Piece] = field(default_factory=list)


@dataclass
class Notebook:
    path: Path
    pieces: list[Piece]
    sections: list[Section]

    @property
    def stem(self) -> str:
        return self.path.stem

    def named(self, title: str) -> list[Section]:
        return [s for s in self.sections if s.title == title]

    def titles(self) -> list[str]:
        return [s.title for s in self.sections]

    def enclosing(self, index: int) -> list[Section]:
        """The sections (``##`` and ``###``) that contain piece ``index``."""
        return [s for s in self.sections if s.start <= index < s.stop]


def _split_markdown(text: str) -> list[tuple[int, str, str]]:
    """``(level, title, body)`` chunks of a markdown cell; level 0 for text before any heading."""
    chunks: list[tuple[int, str, list[str]]] = [(0, "", [])]
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        m = None if fenced else HEADING.match(line)
        if m:
            chunks.append((len(m.group(1)), m.group(2).strip(), [line]))
        else:
            chunks[-1][2].append(line)
    return [(lvl, title, "\n".join(body)) for lvl, title, body in chunks if lvl or body]


@cache
def read(path: Path) -> Notebook:
    """Parse ``notebooks/NN_name.md`` into pieces and its ``##``/``###`` sections."""
    nb = jupytext.read(path)
    pieces: list[Piece] = []
    heads: list[tuple[int, str, int]] = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            pieces.append(Piece("code", cell.source, tuple(cell.metadata.get("tags", []))))
        elif cell.cell_type == "markdown":
            for level, title, body in _split_markdown(cell.source):
                if level:
                    heads.append((level, title, len(pieces)))
                pieces.append(Piece("markdown", body))
    sections = []
    for k, (level, title, start) in enumerate(heads):
        stop = next((s for lvl, _, s in heads[k + 1 :] if lvl <= level), len(pieces))
        if level in (2, 3):
            sections.append(Section(level, title, start, stop, pieces[start:stop]))
    return Notebook(Path(path), pieces, sections)


def notebook(prefix: str) -> Notebook:
    """The notebook whose file name starts with ``prefix`` (``"03"`` or ``"03_gumbel_max"``)."""
    found = [md for md in notebook_paths() if md.name.startswith(prefix)]
    if len(found) != 1:
        raise LookupError(f"no single notebooks/{prefix}*.md (found {[p.name for p in found]})")
    return read(found[0])


def boxes(nb: Notebook) -> list[int]:
    """Piece index of each **In the original note** paragraph (one entry per paragraph)."""
    return [i for i, p in enumerate(nb.pieces) if p.kind == "markdown" for _ in BOX.findall(p.text)]


def table_rows(markdown: str, header_has: str) -> list[list[str]]:
    """The body rows of the first pipe table whose header row contains ``header_has``.

    A long table may be continued: split for the slides into tables with the same header, with
    nothing but blank lines and cell markers (``+++ {...}``) between them. Their rows are read
    as one table.
    """
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if line.lstrip().startswith("|") and header_has in line:
            header, rows, j = line.strip(), [], i + 2
            while True:
                while j < len(lines) and lines[j].lstrip().startswith("|"):
                    if lines[j].strip() == header:  # cells joined with no line between them
                        j += 2
                        continue
                    rows.append([c.strip() for c in _cells(lines[j])])
                    j += 1
                k = j
                while k < len(lines) and (not lines[k].strip() or lines[k].startswith("+++")):
                    k += 1
                if k < len(lines) and lines[k].strip() == header:
                    j = k + 2  # the same header again: the table goes on
                    continue
                return rows
    raise LookupError(f"no table with {header_has!r} in its header")


def _cells(row: str) -> list[str]:
    """Split a pipe-table row at ``|``, except inside ``$…$`` maths or backticks."""
    cells, current, maths, code = [], [], False, False
    for ch in row.strip().strip("|"):
        if ch == "$" and not code:
            maths = not maths
        elif ch == "`" and not maths:
            code = not code
        if ch == "|" and not maths and not code:
            cells.append("".join(current))
            current = []
        else:
            current.append(ch)
    cells.append("".join(current))
    return cells
