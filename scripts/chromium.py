"""Debian's Chromium, as the PDF handouts and the browser tests launch it (never Playwright's)."""

from __future__ import annotations

import os
from pathlib import Path

#: The browser binary: Debian's package, or the path in the CHROMIUM environment variable.
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
#: Headless, as root in a container, and quiet on the network: no update, sync or QUIC traffic.
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
