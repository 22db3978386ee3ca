"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

The tests use pytest-playwright's fixtures (``browser``, ``new_context``, ``page``); the
``browser_type_launch_args`` fixture in tests/conftest.py points them at this Chromium with
:data:`ARGS`, and pyproject.toml keeps a trace and a screenshot of a failed test under
build/test-results/. Never `playwright install` (it cannot download browsers here): `.ci/run`
installs the apt package `chromium`. With CI=true a missing browser FAILS the browser tests;
locally they skip with the reason.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from scripts.chromium import CHROMIUM
from tests.support.project import ROOT

#: Screenshots go here (build/ is git-ignored) so a person can look at them after a run.
SCREENSHOTS = ROOT / "build" / "screenshots"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where `.ci/run` must have installed what is missing."""
    if in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def require_chromium() -> Path:
    """The browser executable, or skip/fail with the reason it cannot run."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        unavailable(
            f"no Chromium at {CHROMIUM} (apt-get install -y chromium; never `playwright install`)"
        )
    return CHROMIUM if CHROMIUM.exists() else Path(shutil.which("chromium"))


def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def open_offline(new_context, url: str):
    """``url`` in a page that may load file:// and data: URLs only.

    Returns ``(page, blocked, failed, errors)``: the page, the requests refused (anything that
    would leave the machine), the requests that failed (e.g. a missing file) and the page's
    script errors. ``new_context`` is pytest-playwright's fixture: it closes the context after
    the test and keeps a trace and a screenshot under build/test-results/ when the test fails.
    """
    context = new_context(viewport={"width": 1280, "height": 800})
    blocked: list[str] = []

    def guard(route):
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(60_000)
    failed: list[str] = []
    errors: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return page, blocked, failed, errors
