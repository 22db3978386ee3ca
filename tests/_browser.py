"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

Never `playwright install` (it cannot download browsers here): `.ci/run` installs the apt
package `chromium`. With CI=true a missing browser FAILS the browser tests; locally they skip
with the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
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


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A Playwright Browser on the system Chromium, closed afterwards."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(executable), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
