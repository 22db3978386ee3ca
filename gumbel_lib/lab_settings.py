"""Install JupyterLab settings overrides so that a double-clicked ``.md`` opens as a notebook.

Run as ``python -m gumbel_lib.lab_settings [PREFIX]`` (PREFIX defaults to ``sys.prefix``,
the virtual environment; ``--help`` shows the usage, and unknown options are refused). It writes
``PREFIX/share/jupyter/lab/settings/overrides.json``, merging with what is already there: keys a
user set are kept.

The file may hold the user's own settings, so it is never put at risk:

- it is replaced atomically (a temporary file in the same folder, then ``os.replace``): a
  failed write (a full disk) leaves the old file as it was;
- a file that already holds every key is left alone, and nothing is created, not even the
  lock: a read-only prefix (another user's environment) where nothing is to be written is fine;
- concurrent runs (``make lab`` and ``make test`` started together) take turns on an exclusive
  lock (``fcntl.flock`` on ``overrides.json.lock`` next to it), so none drops another's keys;
- a file that is not a JSON object (``[1, 2]``, ``null``, bad JSON, not UTF-8, a folder, nested
  more than :data:`MAX_DEPTH` levels), a dangling symbolic link, a loop of symbolic links and a
  file the user made read-only (no write permission for its owner, e.g. mode 0444) are refused
  with a one-line message, and nothing is written.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._checks import check_path

__all__ = ["OVERRIDES", "SettingsError", "install_overrides"]

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


#: Deeper JSON is refused (a settings file nests a few levels; Python's parser and printer
#: recurse, so thousands of levels would end in a RecursionError).
MAX_DEPTH = 100


class SettingsError(ValueError):
    """``overrides.json`` cannot be merged safely; the message says why and what to do."""


def _merge(existing: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Add ``new``'s keys to ``existing`` recursively; values already in ``existing`` win."""
    out = dict(existing)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out.setdefault(key, value)
    return out


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` + ``.lock`` for the duration of the block."""
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _target(path: Path) -> Path:
    """The file to read and replace: ``path``, or the existing file a symbolic link names."""
    if path.is_symlink():
        try:
            real = path.resolve()
        except (RuntimeError, OSError) as err:  # RuntimeError: a loop, before Python 3.13
            raise SettingsError(
                f"{path} is a symbolic link that cannot be followed ({err}); a loop? "
                "fix or remove the link"
            ) from None
        if not real.exists():
            raise SettingsError(
                f"{path} is a symbolic link to {real}, which does not exist; "
                "remove the link or create its target first"
            )
        return real
    return path


def _read(path: Path) -> dict[str, Any]:
    """The JSON object in ``path`` ({} when it is missing or empty), or a SettingsError."""
    if not path.exists():
        return {}
    if not path.is_file():
        raise SettingsError(f"{path} is not a regular file; move it away first")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise SettingsError(f"{path} is not UTF-8 text ({err.reason}); fix or remove it") from None
    if not text.strip():
        return {}
    too_deep = SettingsError(
        f"{path} nests JSON more than {MAX_DEPTH} levels deep; fix or remove it"
    )
    try:
        existing = json.loads(text)
    except json.JSONDecodeError as err:
        raise SettingsError(f"{path} is not valid JSON ({err}); fix or remove it") from None
    except RecursionError:  # deeper than Python's parser goes
        raise too_deep from None
    if _depth(existing) > MAX_DEPTH:
        raise too_deep
    if not isinstance(existing, dict):
        raise SettingsError(
            f"{path} holds a JSON {type(existing).__name__}, not an object {{...}}; "
            "fix or remove it"
        )
    return existing


def _depth(value: Any) -> int:
    """How many arrays and objects deep ``value`` nests (without recursion)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        value, level = todo.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            todo += [(v, level + 1) for v in (value.values() if isinstance(value, dict) else value)]
    return deepest


def _check_writable(path: Path) -> None:
    """Refuse a file its owner may not write (mode 0444: the user protected it)."""
    if path.exists() and not path.stat().st_mode & stat.S_IWUSR:
        raise SettingsError(
            f"{path} is read-only (mode {stat.S_IMODE(path.stat().st_mode):04o}): it is left "
            "as it is; make it writable (chmod u+w) to let the settings be added"
        )


def _write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` by a file holding ``text``; on any failure ``path`` is left untouched."""
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if mode is None:  # a new file: the usual permissions (mkstemp makes it owner-only)
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def install_overrides(prefix: str | Path | None = None) -> Path:
    """Write (or merge into) ``overrides.json`` under ``prefix`` and return its path.

    The result is ``existing ∪ OVERRIDES`` merged key by key, where the user's ``existing``
    values win. Raises :class:`SettingsError` (and writes nothing) when the file is not a
    JSON object or is a dangling symbolic link.

    Examples
    --------
    >>> import tempfile, json
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = install_overrides(d)
    ...     json.loads(p.read_text())["@jupyterlab/docmanager-extension:plugin"]
    {'defaultViewers': {'markdown': 'Jupytext Notebook', 'myst': 'Jupytext Notebook'}}
    """
    path = Path(check_path(prefix, "prefix") if prefix is not None else sys.prefix)
    path = path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    if path.parent.is_dir():  # nothing to write, nothing to lock: a read-only prefix is fine
        target = _target(path)
        existing = _read(target)
        if target.exists() and _merge(existing, OVERRIDES) == existing:
            return path
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        target = _target(path)  # read again: another run may have written meanwhile
        existing = _read(target)
        merged = _merge(existing, OVERRIDES)
        if merged != existing or not target.exists():
            _check_writable(target)
            _write_atomically(target, json.dumps(merged, indent=2) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """The command line: one line on success (the path), one line on stderr on refusal."""
    parser = argparse.ArgumentParser(
        prog="python -m gumbel_lib.lab_settings",
        description="Install the JupyterLab settings overrides of this course into PREFIX "
        "(a .md file opens as a notebook; no news or update check).",
    )
    parser.add_argument(
        "prefix",
        nargs="?",
        metavar="PREFIX",
        help=f"the Python environment to configure (default: {sys.prefix})",
    )
    args = parser.parse_args(argv)
    try:
        path = install_overrides(args.prefix)
    except (SettingsError, OSError) as err:
        print(f"gumbel_lib.lab_settings: {err}", file=sys.stderr)
        return 1
    print(f"JupyterLab settings: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
