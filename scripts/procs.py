"""Processes as Linux shows them in /proc: command lines, process groups, descendants.

Used by the test JupyterHub (``scripts/hub.py``) to stop its whole process tree, and by the tests
that start servers (``make lab``, JupyterLab, kernels, Chromium) to check that nothing leaks a
secret on a command line and nothing is left running afterwards, and by the conftest hook that
stops every child process when a test run is interrupted.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

PROC = Path("/proc")


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name: state, ppid, pgrp, session, …"""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def pids() -> list[int]:
    return [int(p.name) for p in PROC.iterdir() if p.name.isdigit()]


def alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped, does not count)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def cmdline(pid: int) -> bytes:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""


def cmdlines() -> dict[int, bytes]:
    """Every process's command line (arguments joined by NUL bytes), as any user can read it."""
    return {pid: cmdline(pid) for pid in pids()}


def group(pgid: int) -> list[int]:
    """The live processes of process group ``pgid``."""
    found = []
    for pid in pids():
        fields = _stat(pid)
        if fields is not None and fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(pid)
    return found


def descendants(root: int) -> list[int]:
    """Every live process below ``root`` (children, their children, …), parents first."""
    children: dict[int, list[int]] = {}
    for pid in pids():
        fields = _stat(pid)
        if fields is not None and fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(pid)
    out, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop(0)
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def terminate(pids_: list[int], grace: float = 3.0) -> list[int]:
    """SIGTERM ``pids_``, SIGKILL whatever still runs after ``grace`` s; return those killed."""
    for pid in pids_:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(p) for p in pids_):
        time.sleep(0.05)
    stubborn = [p for p in pids_ if alive(p)]
    for pid in stubborn:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return stubborn
