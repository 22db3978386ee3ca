"""The repository as the tests see it: its root, its notebooks, each notebook run once."""

from __future__ import annotations

import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


def notebook_paths(suffix: str = ".md") -> list[Path]:
    """The numbered notebooks ``notebooks/NN_name{suffix}``, in course order (.md or .ipynb)."""
    return sorted(NOTEBOOKS.glob(f"[0-9][0-9]_*{suffix}"))


@functools.cache
def executed(md: Path):
    """``md`` run top to bottom in a fresh kernel, once per test session (several tests read it)."""
    from scripts.nbrun import execute

    return execute(md)
