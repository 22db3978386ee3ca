"""`make lab`: start JupyterLab on 127.0.0.1 and print its URL once the server is really up.

    python -m scripts.lab --port 8888 [-- extra jupyter-lab options]

- The token never appears on a command line (``ps`` shows every command line to every local
  user): it reaches the server through the environment variable ``JUPYTER_TOKEN``, which only
  the owner can read (``/proc/PID/environ``). Set ``JUPYTER_TOKEN`` to choose it; otherwise a
  fresh random one is drawn.
- A busy port is an error (``--ServerApp.port_retries=0``), never a silent move to the next
  port; the URL (token URL-encoded) is printed only once this server's own process listens on
  the port. Nothing is ever sent to the port, so another program holding it never sees the
  token.
- Ctrl-C reaches the server directly (same process group); SIGTERM/SIGHUP sent to this
  launcher are passed on to the server, and the launcher exits with the server.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
START = "notebooks/00_overview.md"
STARTUP_SECONDS = 120


def port_number(text: str) -> int:
    """``text`` as a TCP port: ASCII digits only, 1–65535."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(
            f"PORT must be a port number, 1-65535 (digits only), not {text!r}"
        )
    return int(text)


def lab_url(port: int, token: str) -> str:
    """The address that opens the overview notebook, the token URL-encoded."""
    return f"http://127.0.0.1:{port}/lab/tree/{START}?token={quote(token, safe='')}"


def _listens(pid: int, port: int) -> bool:
    """Whether process ``pid`` itself holds a listening TCP socket on ``port``."""
    import psutil  # a dependency of ipykernel, so present wherever JupyterLab is

    try:
        proc = psutil.Process(pid)
        # net_connections since psutil 6; connections before
        conns = getattr(proc, "net_connections", proc.connections)(kind="tcp")
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in conns)


def _wait_until_listening(proc: subprocess.Popen, port: int) -> bool:
    """True once the server listens on ``port``; False if it exited (or hung) first.

    Checked on the server's own sockets: jupyter_server writes its runtime file before it
    binds, and a program already holding the port would answer a probe just as well.
    """
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if _listens(proc.pid, port):
            return True
        time.sleep(0.2)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make lab", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=port_number, default=port_number("8888"))
    parser.add_argument("extra", nargs="*", help="more jupyter-lab options (e.g. --allow-root)")
    args = parser.parse_args(argv)

    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_urlsafe(24)
    env = dict(os.environ, JUPYTER_TOKEN=token)
    exe = Path(sys.executable).with_name("jupyter-lab")
    cmd = [
        str(exe),
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={args.port}",
        "--ServerApp.port_retries=0",  # a busy port is an error, not a move to the next one
        f"--ServerApp.root_dir={ROOT}",
        *args.extra,
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)

    def forward(signum: int, _frame: object) -> None:
        if proc.poll() is None:
            proc.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    # Ctrl-C goes to the whole foreground process group, the server included: it decides
    # (it asks for confirmation at a terminal); the launcher just waits for it to exit.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    if not _wait_until_listening(proc, args.port):
        if proc.poll() is None:  # no runtime file within the time limit: give up cleanly
            proc.terminate()
            proc.wait(timeout=30)
        print(
            f"make lab: JupyterLab did not start on 127.0.0.1:{args.port} (is the port in use? "
            f"choose another with `make lab PORT=...`); see the messages above",
            file=sys.stderr,
        )
        return 1
    print(f"\nJupyterLab: {lab_url(args.port, token)}\n", flush=True)
    return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
