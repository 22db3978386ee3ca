"""Ctrl-C stops a test run at once, with no kernel, JupyterLab server or Chromium left running.

A pytest run of two notebook tests (or two browser tests) is started in a process group of its
own, as a terminal's foreground job; once a kernel runs, the whole group gets SIGINT, as Ctrl-C
sends it. Every process of that run carries a marker in its environment (children inherit it,
even when they leave the process group or lose their parent), so none can hide.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time

import pytest

from scripts import procs
from tests.support.project import ROOT

#: Generous for a loaded 2-core machine; before the fix the runs went on for minutes.
EXIT_SECONDS = 30
CHILDREN_SECONDS = 8


def _marked(marker: bytes) -> list[tuple[int, bytes]]:
    found = []
    for pid in procs.pids():
        try:
            environ = (procs.PROC / str(pid) / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0") and procs.alive(pid):
            found.append((pid, procs.cmdline(pid)[:120]))
    return found


def _interrupt_run(
    tmp_path, args: list[str], wait_for: bytes, codes: tuple[int, ...] = (2,)
) -> None:
    marker = f"GUMBEL_INTERRUPT_TEST={secrets.token_hex(8)}"
    name, _, value = marker.partition("=")
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        run = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
            cwd=ROOT,
            env=dict(os.environ, **{name: value}),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 240
        while not any(wait_for in cmd for _, cmd in _marked(marker.encode())):
            assert run.poll() is None, f"the run ended early:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "no kernel started within 240 s"
            time.sleep(0.2)
        time.sleep(2)  # well inside a notebook run
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C does: SIGINT to the foreground group
        sent = time.monotonic()

        while _marked(marker.encode()) and time.monotonic() - sent < CHILDREN_SECONDS:
            time.sleep(0.1)
        others = [(p, c) for p, c in _marked(marker.encode()) if p != run.pid]
        assert others == [], f"still running {CHILDREN_SECONDS} s after Ctrl-C: {others}"

        try:
            code = run.wait(timeout=max(1.0, EXIT_SECONDS - (time.monotonic() - sent)))
        except subprocess.TimeoutExpired:
            pytest.fail(f"pytest still runs {EXIT_SECONDS} s after Ctrl-C:\n{log.read_text()}")
        text = log.read_text(errors="replace")
        assert code in codes, f"exit status {code}, not {codes} (interrupted):\n{text[-3000:]}"
        assert "KeyboardInterrupt" in text
        assert " passed" not in text, f"the run went on after Ctrl-C:\n{text[-3000:]}"
    finally:
        for pid, _ in _marked(marker.encode()):  # never leave anything behind, pass or fail
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_ctrl_c_stops_a_notebook_run(tmp_path):
    _interrupt_run(
        tmp_path,
        ["tests/notebooks/test_notebooks.py", "-k", "runs_without and (05_ or 06_)"],
        wait_for=b"ipykernel_launcher",
    )


@pytest.mark.slow
@pytest.mark.browser
def test_ctrl_c_stops_a_browser_run(tmp_path):
    from tests.support.browser import require_chromium

    require_chromium()
    _interrupt_run(
        tmp_path,
        ["tests/delivery/test_browser.py", "-k", "slider_redraws and (04_ or 05_)"],
        wait_for=b"ipykernel_launcher",
    )
