"""Ctrl-C stops the whole test run at once, with nothing left running.

Without this, a SIGINT raised KeyboardInterrupt inside nbclient or Playwright, which turned it
into an ordinary test failure (nbclient's clean-up raised an AssertionError, Playwright a closed
connection), and pytest went on with the next test; kernels (started in sessions of their own,
so the terminal's Ctrl-C never reaches them), JupyterLab servers and Chromium could be left
behind.

On the first SIGINT the handler below stops every process this run started (the whole tree
under pytest, found through /proc before anything is killed, so grandchildren are not lost when
their parent dies first), then raises KeyboardInterrupt; whatever a library makes of that
exception, the report hook stops the session after the current test, a teardown that fails
because the interrupt already stopped its target (a closed browser) is reported in one line,
so the run ends with status 2 (interrupted), and a watchdog ends the process if clean-up
hangs. A second Ctrl-C exits at once.

scripts/nbrun.py does its part: nbclient runs in a worker thread (so it installs no signal
handler of its own, and the KeyboardInterrupt is not lost inside ``zmq.poll``), and the kernel
is shut down on every way out. The hooks are imported into tests/conftest.py.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import threading
import time

import pytest

from scripts import procs

#: After the first Ctrl-C, pytest has this long to print its summary and tear fixtures down.
GRACE_SECONDS = 30.0

_state: dict[str, object] = {"interrupted": False, "previous": None, "capman": None}


def interrupted() -> bool:
    """Whether Ctrl-C was pressed: fixtures then tolerate children that are already gone."""
    return bool(_state["interrupted"])


def _stop_children() -> None:
    if sys.platform.startswith("linux"):
        procs.terminate(procs.descendants(os.getpid()), grace=2.0)


def _watchdog() -> None:
    time.sleep(GRACE_SECONDS)
    _stop_children()
    capman = _state["capman"]
    if capman is not None:  # print to the terminal, not into a test's captured output
        try:
            capman.suspend_global_capture(in_=False)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - best effort, we are exiting anyway
            pass
    sys.stdout.flush()
    sys.stderr.write(f"\ninterrupted: clean-up took over {GRACE_SECONDS:.0f} s; it hung in:\n")
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    sys.stderr.flush()
    os._exit(130)


def _on_sigint(signum: int, frame: object) -> None:
    if _state["interrupted"]:  # a second Ctrl-C: no more waiting
        _stop_children()
        os._exit(130)
    _state["interrupted"] = True
    threading.Thread(target=_watchdog, name="interrupt-watchdog", daemon=True).start()
    _stop_children()
    raise KeyboardInterrupt


def pytest_configure(config: pytest.Config) -> None:
    if threading.current_thread() is threading.main_thread():
        _state["previous"] = signal.signal(signal.SIGINT, _on_sigint)
        _state["capman"] = config.pluginmanager.getplugin("capturemanager")


def pytest_unconfigure(config: pytest.Config) -> None:
    previous = _state["previous"]
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, previous)  # type: ignore[arg-type]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int):
    """After Ctrl-C, a fixture's teardown may fail because the interrupt already stopped what it
    tears down (pytest-playwright's trace of a closed Chromium: TargetClosedError). Raised from
    here, that exception would escape pytest and end the run with status 1 and a traceback;
    report it in one line instead, so the run ends as interrupted (status 2)."""
    try:
        return (yield)
    except Exception as exc:
        if not _state["interrupted"]:
            raise
        sys.stderr.write(f"\ninterrupted: a clean-up failed: {type(exc).__name__}: {exc}\n")
        return None


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After each test: if Ctrl-C was pressed, stop the session (exit status 2, interrupted)."""
    if _state["interrupted"]:
        # A library caught the KeyboardInterrupt and the test merely failed: stop anyway.
        item.session.shouldstop = "interrupted (Ctrl-C)"
