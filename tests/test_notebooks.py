"""Every notebook is a synced md/ipynb pair without outputs, and runs top to bottom cleanly."""

from __future__ import annotations

import jupytext
import pytest

from .conftest import NOTEBOOKS
from .nbrun import execute, problems

MARKDOWN = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md"))
IPYNB = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def test_there_are_notebooks():
    assert len(MARKDOWN) >= 1


@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_pair_in_sync(md):
    twin = md.with_suffix(".ipynb")
    assert twin.exists(), f"{md.name} has no {twin.name}: run jupytext --sync {md}"
    a, b = jupytext.read(md), jupytext.read(twin)
    cells_a = [(c.cell_type, c.source.strip(), c.metadata) for c in a.cells]
    cells_b = [(c.cell_type, c.source.strip(), c.metadata) for c in b.cells]
    assert cells_a == cells_b, f"{md.name} and {twin.name} differ: run jupytext --sync {md}"


@pytest.mark.parametrize("nb", IPYNB, ids=lambda p: p.stem)
def test_ipynb_has_md_twin_and_no_outputs(nb):
    assert nb.with_suffix(".md").exists(), f"{nb.name} has no .md twin"
    notebook = jupytext.read(nb)
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{nb.name} cell {i} carries outputs: clear them"
            assert cell.get("execution_count") is None, f"{nb.name} cell {i} has a count"


@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_notebook_runs_without_errors_or_warnings(md):
    nb = execute(md)
    assert problems(nb) == []
