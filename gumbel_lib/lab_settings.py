"""Install JupyterLab settings overrides so that a double-clicked ``.md`` opens as a notebook.

Run as ``python -m gumbel_lib.lab_settings [PREFIX]`` (PREFIX defaults to ``sys.prefix``,
the virtual environment). It writes ``PREFIX/share/jupyter/lab/settings/overrides.json``,
merging with what is already there: keys a user set are kept.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["OVERRIDES", "install_overrides"]

OVERRIDES: dict[str, Any] = {
    "@jupyterlab/docmanager-extension:plugin": {
        "defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}
    },
    # No "news" pop-up and no update check: nothing is fetched at run time.
    "@jupyterlab/apputils-extension:notification": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
}


def _merge(existing: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Add ``new``'s keys to ``existing`` recursively; values already in ``existing`` win."""
    out = dict(existing)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out.setdefault(key, value)
    return out


def install_overrides(prefix: str | Path | None = None) -> Path:
    """Write (or merge into) ``overrides.json`` under ``prefix`` and return its path.

    Examples
    --------
    >>> import tempfile, json
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = install_overrides(d)
    ...     json.loads(p.read_text())["@jupyterlab/docmanager-extension:plugin"]
    {'defaultViewers': {'markdown': 'Jupytext Notebook', 'myst': 'Jupytext Notebook'}}
    """
    path = Path(prefix if prefix is not None else sys.prefix)
    path = path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    existing: dict[str, Any] = {}
    if path.exists():
        try:
            existing = json.loads(path.read_text(encoding="utf-8") or "{}")
        except json.JSONDecodeError as err:
            raise SystemExit(f"{path} is not valid JSON ({err}); fix or remove it first") from None
    path.write_text(json.dumps(_merge(existing, OVERRIDES), indent=2) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"JupyterLab settings: {install_overrides(sys.argv[1] if len(sys.argv) > 1 else None)}")
