"""Execute a notebook headlessly (used by the tests and the benchmarks)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import jupytext
import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient


def execute(path: str | Path, timeout: int = 180) -> nbformat.NotebookNode:
    """Run every cell of ``path`` (``.md`` or ``.ipynb``) in a fresh kernel; return the notebook.

    The working directory is the notebook's folder, as in JupyterLab.
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
        client.execute(env=env, cleanup_kc=True)  # shut the kernel down, close its sockets
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
