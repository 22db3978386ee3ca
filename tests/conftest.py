"""Fixtures every test folder shares (lib, widgets, notebooks, delivery); helpers: support/."""

from __future__ import annotations

import pytest

# Ctrl-C stops the whole run and every process it started (kernels, servers, Chromium).
from tests.support.interrupt import (  # noqa: F401  (pytest hooks)
    pytest_configure,
    pytest_runtest_teardown,
    pytest_sessionfinish,
    pytest_unconfigure,
)
from tests.support.project import executed


@pytest.fixture
def rng():
    """A fixed-seed generator: every statistical test is reproducible."""
    import numpy as np

    return np.random.default_rng(20261129)


@pytest.fixture(scope="session")
def digits():
    """The shipped UCI digits as notebook 07 uses them: ``(pixels, labels)``, the pixels binarized
    (0/1 floats, one image of 64 per row). Read-only: the tests of a session share one copy."""
    from gumbel_lib.data import binarize, load_digits

    images, labels = load_digits()
    pixels = binarize(images)
    pixels.setflags(write=False)
    labels.setflags(write=False)
    return pixels, labels


@pytest.fixture(scope="session")
def exports(tmp_path_factory):
    """Every notebook executed once (:func:`tests.support.project.executed`) and exported by
    scripts/export.py, the code of `make slides` and `make html`, into a temporary folder, once
    per session for every test that reads them: ``{"slides": folder, "html": folder, "modules":
    node_modules}``."""
    import copy

    from scripts import export
    from scripts.nbrun import problems
    from tests.support.browser import unavailable

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
    from scripts.chromium import ARGS
    from tests.support.browser import require_chromium

    return {
        **browser_type_launch_args,
        "executable_path": str(require_chromium()),
        "headless": True,
        "args": ARGS,
    }
