"""Shared test fixtures and helpers."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

# Ctrl-C stops the whole run and every process it started (kernels, servers, Chromium).
from ._interrupt import (  # noqa: F401  (pytest hooks)
    pytest_configure,
    pytest_runtest_teardown,
    pytest_sessionfinish,
    pytest_unconfigure,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture
def rng():
    """A fixed-seed generator: every statistical test is reproducible."""
    import numpy as np

    return np.random.default_rng(20261129)


@functools.cache
def executed(md: Path):
    """``md`` run top to bottom in a fresh kernel, once per test session (several tests read it)."""
    from scripts.nbrun import execute

    return execute(md)


@pytest.fixture(scope="session")
def exports(tmp_path_factory):
    """Every notebook executed once (:func:`executed`) and exported by scripts/export.py, the code
    of `make slides` and `make html`, into a temporary folder, once per session for every test
    that reads them: ``{"slides": folder, "html": folder, "modules": node_modules}``."""
    import copy

    from scripts import export
    from scripts.nbrun import problems

    from ._browser import unavailable

    try:
        modules = export.ensure_assets()
    except FileNotFoundError as err:
        unavailable(str(err))
    runs = []
    for md in export.notebooks():
        found = problems(executed(md))
        if found:
            pytest.fail(f"{md.name} does not run cleanly:\n  " + "\n  ".join(found))
        runs.append((md, executed(md)))
    out = tmp_path_factory.mktemp("exports")
    for kind in ("slides", "html"):
        export.export(kind, out / kind, executed=copy.deepcopy(runs))
    return {"slides": out / "slides", "html": out / "html", "modules": modules}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's browser is Debian's Chromium (never `playwright install`)."""
    from ._browser import ARGS, require_chromium

    return {
        **browser_type_launch_args,
        "executable_path": str(require_chromium()),
        "headless": True,
        "args": ARGS,
    }
