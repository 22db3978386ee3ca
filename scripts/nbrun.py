"""Execute a notebook headlessly: the tests, `make slides`/`make html` and `make bench` use it.

Product tooling, so it lives in scripts/ (product code never imports from tests/).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import jupytext
import nbformat
from jupyter_client.manager import KernelManager
from jupyter_core.utils import ensure_event_loop
from nbclient import NotebookClient


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

    The working directory is the notebook's folder, as in JupyterLab. Ctrl-C raises
    KeyboardInterrupt here as anywhere else, and the kernel is shut down on every way out.
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
        finally:
            if km.has_kernel:  # interrupted (Ctrl-C) or failed before nbclient's clean-up
                with contextlib.suppress(Exception):  # the error in flight is the one to see
                    km.shutdown_kernel(now=True)
    return nb


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """Errors and stderr output (warnings included) of an executed notebook."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                found.append(f"cell {i}: stderr: {out.get('text', '')[:500]}")
    return found
