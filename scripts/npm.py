"""Install pinned npm packages once, from a lock file in ``requirements/``, with ``npm ci``.

Used for the offline slide and page assets (``scripts/export.py``) and for the test JupyterHub's
proxy (``scripts/hub.py``): both install from the npm registry once and again only when their lock
changes, never at run time.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path


def npm_ci(spec: Path, where: Path, needed: Sequence[Path], what: str) -> None:
    """Run ``npm ci`` in ``where`` from ``spec``'s package.json and package-lock.json unless the
    installed lock is current and every path of ``needed`` (relative to ``where``) exists.

    Raises ``FileNotFoundError`` when npm is missing (naming ``what`` it is needed for) or when
    ``npm ci`` did not install a needed path.
    """
    lock = spec / "package-lock.json"
    stamp = where / ".installed"
    if stamp.exists() and stamp.read_text() == lock.read_text():
        if all((where / p).exists() for p in needed):
            return
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError(f"npm is needed once to install {what} (apt-get install npm)")
    where.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(spec / name, where / name)
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        cwd=where,
        check=True,
    )
    missing = [str(p) for p in needed if not (where / p).exists()]
    if missing:
        raise FileNotFoundError(f"npm ci did not install {missing} under {where}")
    stamp.write_text(lock.read_text())
