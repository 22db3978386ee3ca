"""`make lab`: start JupyterLab on 127.0.0.1 and print its URL once the server is really up.

    python -m scripts.lab --port 8888 [-- extra jupyter-lab options]

- The token never appears on a command line (``ps`` shows every command line to every local
  user): it reaches the server through the environment variable ``JUPYTER_TOKEN``, which only
  the owner can read (``/proc/PID/environ``). Set ``JUPYTER_TOKEN`` to choose it; otherwise a
  fresh random one is drawn.
- A busy port is an error (``--ServerApp.port_retries=0``), never a silent move to the next
  port. Nothing is sent to the port before this server's own process listens on it (no other
  program can then hold it), so another program never sees the token.
- Whatever Jupyter config or environment the user has, the URL is printed only once the running
  server has been checked: it listens on 127.0.0.1 only, refuses a request without the token,
  accepts the token, refuses a foreign ``Host`` (DNS rebinding), and, to a browser logged in by
  its cookie, sends no CORS header for a foreign ``Origin`` and refuses a write without the XSRF
  token. The options that are not secret are forced on the command line (:data:`FORCED`); a
  setting that would need a secret there (the token) is never overridden: the launcher stops
  the server and names the setting in one line instead.
- Ctrl-C reaches the server directly (same process group); SIGTERM/SIGHUP sent to this
  launcher are passed on to the server, and the launcher exits with the server. A signal during
  start-up stops the server and is reported as such (no URL, no "is the port in use?"). The
  server's runtime files (``jpserver-PID.json`` and ``jpserver-PID-open.html``, which hold the
  token) are removed when it exits, even when it was killed with SIGKILL.
- ``jupyter-lab`` next to ``sys.executable`` is used if there is one, else ``python -m
  jupyterlab``; without JupyterLab the launcher says so in one line.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import ipaddress
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
START = "notebooks/00_overview.md"
STARTUP_SECONDS = 120

#: Server options forced on the command line whatever the user's Jupyter config says. None of
#: them is secret. (Giving one of them again after ``--`` is an error of jupyter-lab's own.)
FORCED = [
    "--no-browser",
    "--ServerApp.ip=127.0.0.1",
    "--ServerApp.port_retries=0",  # a busy port is an error, not a move to the next one
    "--ServerApp.sock=",  # TCP, not a Unix socket
    "--ServerApp.base_url=/",
    "--ServerApp.certfile=",  # plain HTTP on the loopback interface, as the URL says
    "--ServerApp.keyfile=",
    "--ServerApp.allow_remote_access=False",
    "--ServerApp.disable_check_xsrf=False",
    "--ServerApp.allow_origin=",
    "--ServerApp.allow_origin_pat=",
    "--ServerApp.allow_credentials=False",
]

#: The Jupyter config files a ``jupyter-lab`` server reads (``.py``/``.json``, and ``.d`` folders).
CONFIG_NAMES = ("jupyter_server_config", "jupyter_lab_config", "jupyter_notebook_config")


class Refused(Exception):
    """The server is not safe to hand out; the message (one line) says why and which setting."""


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


def jupyter_lab_command() -> list[str]:
    """How to start JupyterLab with this Python: ``jupyter-lab`` next to ``sys.executable``
    (a venv), else ``python -m jupyterlab`` (pyenv shims, user-site installs)."""
    exe = Path(sys.executable).with_name("jupyter-lab")
    if exe.is_file() and os.access(exe, os.X_OK):
        return [str(exe)]
    if importlib.util.find_spec("jupyterlab") is not None:
        return [sys.executable, "-m", "jupyterlab"]
    raise Refused(
        f"JupyterLab is not installed for {sys.executable} (no jupyter-lab next to it, no "
        "jupyterlab module): run `make lab`, which installs it into .venv, or "
        "`python -m pip install jupyterlab`"
    )


def _server_sockets(pid: int) -> list[tuple[str, int]] | None:
    """The (address, port) of every TCP socket process ``pid`` listens on; None if it is gone."""
    import psutil  # a dependency of ipykernel, so present wherever JupyterLab is

    try:
        proc = psutil.Process(pid)
        # net_connections since psutil 6; connections before
        conns = getattr(proc, "net_connections", proc.connections)(kind="tcp")
    except psutil.Error:
        return None
    return [(c.laddr.ip, c.laddr.port) for c in conns if c.status == psutil.CONN_LISTEN]


def _wait_until_listening(proc: subprocess.Popen, port: int, stopped: list[int]) -> bool:
    """True once the server listens on ``port``; False if it exited, hung or was stopped first.

    Checked on the server's own sockets: jupyter_server writes its runtime file before it
    binds, and a program already holding the port would answer a probe just as well.
    """
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and not stopped:
        if proc.poll() is not None:
            return False
        if any(p == port for _, p in _server_sockets(proc.pid) or []):
            return True
        time.sleep(0.2)
    return False


def _port_busy(port: int) -> bool:
    """Whether another program listens on 127.0.0.1:``port`` (binding it fails)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no listener
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def config_mentions(*names: str) -> str:
    """Where the user's Jupyter config files mention one of ``names`` (``" (in FILE:LINE: …)"``),
    or ``""``: the setting a refusal names."""
    from jupyter_core.paths import jupyter_config_path

    pattern = re.compile("|".join(re.escape(n) for n in names))
    files: list[Path] = []
    for folder in map(Path, jupyter_config_path()):
        for name in CONFIG_NAMES:
            files += [folder / f"{name}.py", folder / f"{name}.json"]
            files += sorted((folder / f"{name}.d").glob("*.json"))
    found = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for i, line in enumerate(lines, 1):
            if pattern.search(line):
                found.append(f"{path}:{i}: {line.strip()[:80]}")
    return f" (in {'; '.join(found[:3])})" if found else ""


def _ask(port: int, method: str, path: str, headers: dict[str, str]):
    """One HTTP request to 127.0.0.1:``port``: the response (body read)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response
    except (OSError, http.client.HTTPException) as err:
        raise Refused(
            f"the server does not answer HTTP on 127.0.0.1:{port} ({err}); a certfile or "
            f"base_url in your Jupyter config?{config_mentions('certfile', 'base_url')}"
        ) from None
    finally:
        conn.close()


def check_server(pid: int, port: int, token: str) -> None:
    """Raise :class:`Refused` unless server ``pid`` on ``port`` is safe to hand out (see the
    module's docstring). Call only once ``pid`` itself listens on 127.0.0.1:``port``."""
    sockets = _server_sockets(pid) or []
    exposed = [f"{a}:{p}" for a, p in sockets if not ipaddress.ip_address(a).is_loopback]
    if exposed:
        raise Refused(
            f"the server listens on {', '.join(exposed)}, not only on 127.0.0.1: set by "
            "ServerApp.ip or by code in your Jupyter config"
            + config_mentions("ServerApp.ip", "socket", "listen")
        )
    auth = {"Authorization": f"token {token}"}
    anonymous = _ask(port, "GET", "/api/status", {})
    if anonymous.status not in (401, 403) and not 300 <= anonymous.status < 400:
        raise Refused(
            f"the server answers a request without the token ({anonymous.status}): your Jupyter "
            "config turns authentication off (IdentityProvider.token = '' with no password?)"
            + config_mentions("token", "password", "identity_provider")
            + "; remove that setting: make lab needs a token"
        )
    owner = _ask(port, "GET", "/api/status", auth)
    if owner.status != 200:
        raise Refused(
            f"the server refuses the token of make lab ({owner.status}): your Jupyter config sets "
            "a token of its own or none (IdentityProvider.token, ServerApp.token)"
            + config_mentions("token", "identity_provider")
            + "; remove it and set JUPYTER_TOKEN to choose the token"
        )
    foreign_host = _ask(port, "GET", "/api/status", {**auth, "Host": "make-lab-check.invalid"})
    if foreign_host.status != 403:
        raise Refused(
            "the server answers requests for any host name (DNS rebinding): "
            "ServerApp.allow_remote_access is on" + config_mentions("allow_remote_access")
        )
    # A browser logged in by the printed URL holds a cookie: no other web site may read
    # answers with it (CORS) or write with it (XSRF). Token requests are exempt from both.
    cookies = [c.split(";", 1)[0] for c in owner.headers.get_all("Set-Cookie") or []]
    if cookies:
        browser = {"Cookie": "; ".join(cookies)}
        cors = _ask(port, "GET", "/api/status", {**browser, "Origin": "http://check.invalid"})
        if cors.getheader("Access-Control-Allow-Origin"):
            raise Refused(
                "the server lets any web site read its answers to a logged-in browser (CORS): "
                "ServerApp.allow_origin or a header in tornado_settings"
                + config_mentions("allow_origin", "Access-Control", "tornado_settings")
            )
        probe = f"/api/contents/.make-lab-check-{secrets.token_hex(8)}"  # does not exist
        write = _ask(port, "DELETE", probe, browser)
        if write.status != 403:
            raise Refused(
                "the server accepts a logged-in request without its XSRF token "
                f"({write.status}): ServerApp.disable_check_xsrf is on"
                + config_mentions("xsrf", "tornado_settings")
            )


def remove_runtime_files(pid: int) -> None:
    """Delete server ``pid``'s runtime files (they hold the token); the server removes them
    itself when it stops cleanly, not when it is killed."""
    from jupyter_core.paths import jupyter_runtime_dir

    folder = Path(jupyter_runtime_dir())
    for name in (f"jpserver-{pid}.json", f"jpserver-{pid}-open.html"):
        (folder / name).unlink(missing_ok=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make lab", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=port_number, default=port_number("8888"))
    parser.add_argument("extra", nargs="*", help="more jupyter-lab options (e.g. --allow-root)")
    args = parser.parse_args(argv)

    try:
        exe = jupyter_lab_command()
    except Refused as err:
        print(f"make lab: {err}", file=sys.stderr)
        return 1
    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_urlsafe(24)
    env = dict(os.environ, JUPYTER_TOKEN=token)
    cmd = [
        *exe,
        *FORCED,
        f"--ServerApp.port={args.port}",
        f"--ServerApp.root_dir={ROOT}",
        *args.extra,
    ]
    stopped: list[int] = []  # the signals this launcher received
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)

    def forward(signum: int, _frame: object) -> None:
        stopped.append(signum)
        if proc.poll() is None:
            proc.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    # Ctrl-C goes to the whole foreground process group, the server included: it decides
    # (it asks for confirmation at a terminal); the launcher notes it (during start-up it stops
    # the server and prints no URL) and otherwise waits for the server to exit.
    signal.signal(signal.SIGINT, lambda signum, _frame: stopped.append(signum))

    try:
        problem = None
        if _wait_until_listening(proc, args.port, stopped):
            try:
                check_server(proc.pid, args.port, token)
            except Refused as err:
                problem = f"make lab: refused to hand out the URL: {err}"
        elif not stopped and _port_busy(args.port):
            problem = (
                f"make lab: JupyterLab did not start on 127.0.0.1:{args.port} (is the port in "
                "use? choose another with `make lab PORT=...`); see the messages above"
            )
        elif not stopped:
            problem = (
                f"make lab: JupyterLab did not start on 127.0.0.1:{args.port} (it exited with "
                f"code {proc.poll()}); see its messages above"
            )
        if stopped:
            problem = (
                f"make lab: stopped by {signal.Signals(stopped[0]).name} while JupyterLab was "
                "starting; no URL was handed out"
            )
        if problem:
            _stop(proc)
            print(problem, file=sys.stderr)
            return 128 + stopped[0] if stopped else 1
        print(f"\nJupyterLab: {lab_url(args.port, token)}\n", flush=True)
        code = proc.wait()
        if code < 0 and -code not in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            print(
                f"make lab: JupyterLab was killed ({signal.Signals(-code).name})", file=sys.stderr
            )
        return code if code >= 0 else 128 - code
    finally:
        _stop(proc)
        remove_runtime_files(proc.pid)


if __name__ == "__main__":
    sys.exit(main())
