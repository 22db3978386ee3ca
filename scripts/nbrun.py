"""Execute a notebook headlessly: the tests, `make slides`/`make html` and `make bench` use it.

Product tooling, so it lives in scripts/ (product code never imports from tests/).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import jupytext
import nbformat
from jupyter_client.manager import KernelManager
from jupyter_core.utils import ensure_event_loop
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

#: ANSI escape sequences (IPython colours its tracebacks and some messages).
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def one_line(text: str, limit: int = 300) -> str:
    """``text`` without colour codes, its whitespace (line breaks too) collapsed, at most
    ``limit`` characters."""
    text = " ".join(ANSI.sub("", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class NotebookError(CellExecutionError):
    """A cell of notebook ``path`` raised: ``cell`` (its index, as in :func:`problems`),
    ``line`` (where it starts in a ``.md`` file, or None), ``ename``, ``evalue``.

    ``str()`` is nbclient's full traceback (what a test shows); :meth:`summary` is one line."""

    def __init__(self, path: Path, cell: int | None, line: int | None, err: CellExecutionError):
        super().__init__(err.traceback, err.ename, err.evalue)
        self.path, self.cell, self.line = path, cell, line

    def summary(self) -> str:
        """``PATH:LINE: cell N: Type: message`` on one line, with no colour codes."""
        place = where(self.path, self.line)
        return f"{place}: cell {self.cell}: {self.ename}: {one_line(self.evalue)}"

    def __reduce__(self):
        err = CellExecutionError(self.traceback, self.ename, self.evalue)
        return type(self), (self.path, self.cell, self.line, err)


def where(path: Path, line: int | None = None) -> str:
    """``path`` (relative to the working folder when inside it), with ``:line`` if known."""
    path = Path(path)
    with contextlib.suppress(ValueError):
        path = path.resolve().relative_to(Path.cwd())
    return f"{path}:{line}" if line else str(path)


def cell_lines(path: Path, nb: nbformat.NotebookNode) -> list[int | None]:
    """The line of ``path`` (a text notebook, e.g. MyST ``.md``) where each cell's source
    starts, found in order; None where it is not found (and for ``.ipynb`` files)."""
    if Path(path).suffix == ".ipynb":
        return [None] * len(nb.cells)
    text = Path(path).read_text(encoding="utf-8")
    starts, pos = [], 0
    for cell in nb.cells:
        first = next((ln for ln in cell.source.splitlines() if ln.strip()), None)
        found = text.find(first, pos) if first else -1
        if found < 0:
            starts.append(None)
            continue
        starts.append(text.count("\n", 0, found) + 1)
        pos = found + len(first)
    return starts


def _interruptible(run: Callable[[], None]) -> None:
    """``run()`` in a worker thread, the calling thread waiting in a way Ctrl-C can interrupt.

    In the calling thread nbclient would take over SIGINT (its handler only shuts the kernel
    down, and the caller carries on: pytest went on with the next test), and a KeyboardInterrupt
    raised while the blocking client waits in ``zmq.poll`` is lost (pyzmq retries the poll). In a
    worker thread nbclient installs no signal handler, and the caller's thread waits in
    ``Thread.join``, where KeyboardInterrupt arrives at once.
    """
    outcome: list[BaseException] = []

    def target() -> None:
        # The event loop that nbclient's and jupyter_client's blocking calls run on in this
        # thread (jupyter_core makes one per thread), closed afterwards: a loop left to the
        # garbage collector warns about its unclosed sockets (ResourceWarning).
        loop = ensure_event_loop()
        try:
            run()
        except BaseException as err:  # re-raised in the calling thread
            outcome.append(err)
        finally:
            loop.close()

    worker = threading.Thread(target=target, name="nbrun", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
    if outcome:
        raise outcome[0]


def execute(path: str | Path, timeout: int = 180) -> nbformat.NotebookNode:
    """Run every cell of ``path`` (``.md`` or ``.ipynb``) in a fresh kernel; return the notebook.

    The working directory is the notebook's folder, as in JupyterLab. A cell that raises
    raises :class:`NotebookError` (a ``CellExecutionError`` naming the notebook and the cell).
    Ctrl-C raises KeyboardInterrupt here as anywhere else, and the kernel is shut down on every
    way out.
    """
    path = Path(path)
    nb = jupytext.read(path)
    env = dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline")
    # A blocking KernelManager: with nbclient's default asyncio client a run sometimes
    # stalled for exactly `timeout` after a widget cell when several kernels ran at once
    # (a reply that never woke the waiting coroutine); the blocking client polls with a
    # timeout instead (0 stalls in 9 parallel runs, against 3 in 6). IPC sockets in a
    # private folder: no TCP ports to race for, no "unencrypted TCP" warning.
    with tempfile.TemporaryDirectory(prefix="nbrun-") as sockets:
        km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "k"))
        client = NotebookClient(
            nb,
            km=km,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        try:  # cleanup_kc: shut the kernel down, close its sockets
            _interruptible(lambda: client.execute(env=env, cleanup_kc=True))
        except CellExecutionError as err:
            failed = [
                i
                for i, cell in enumerate(nb.cells)
                if any(o.get("output_type") == "error" for o in cell.get("outputs", []))
            ]
            cell = failed[0] if failed else None
            line = cell_lines(path, nb)[cell] if cell is not None else None
            raise NotebookError(path, cell, line, err) from None
        finally:
            if km.has_kernel:  # interrupted (Ctrl-C) or failed before nbclient's clean-up
                with contextlib.suppress(Exception):  # the error in flight is the one to see
                    km.shutdown_kernel(now=True)
    return nb


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """Errors and stderr output (warnings included) of an executed notebook, one line each,
    without colour codes."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {i}: {out.get('ename')}: {one_line(out.get('evalue', ''))}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                found.append(f"cell {i}: stderr: {one_line(out.get('text', ''), 500)}")
    return found
