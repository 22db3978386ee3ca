"""A JupyterHub for a class on this machine, and the one-click link: tests, bench, `make hub-link`.

    python -m scripts.hub link --hub URL --repo URL --notebook PATH [--branch main]
    python -m scripts.hub proxy        # install configurable-http-proxy into build/hub-proxy

- :func:`link`: the one-click nbgitpuller link of a notebook on a hub (docs/teaching-at-scale.md).
- :class:`Hub` starts a real ``jupyterhub`` (PyPI) with ``configurable-http-proxy`` (npm, installed
  once into build/hub-proxy from requirements/npm-hub by :func:`ensure_proxy`) on 127.0.0.1, free
  ports, JupyterHub's shared-password authenticator and its local-process spawner: each student's
  server is a ``jupyterhub-singleuser`` of this Python's environment (the pinned packages), in a
  home folder of its own. Secrets (the students' password, the admin service's token) are written
  to the hub's config file (mode 600), never to a command line; the hub hands the proxy its token
  through the environment. :meth:`Hub.stop` stops the hub, its proxy, every server and kernel.
- :func:`run_notebook` runs a notebook in a student's own kernel on the student's server, through
  the Jupyter server's REST API and the kernel's websocket, as JupyterLab does.

Only for a machine the tests own: the local-process spawner runs every server as the hub's own
system user, so it separates students on the web (tokens, URLs), not on the file system.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from scripts import procs
from scripts.npm import npm_ci

ROOT = Path(__file__).resolve().parent.parent
NPM_SPEC = ROOT / "requirements" / "npm-hub"
PROXY_DIR = ROOT / "build" / "hub-proxy"
PROXY_BIN = Path("node_modules") / ".bin" / "configurable-http-proxy"
BIN = Path(sys.executable).parent
START_SECONDS = 120


def ensure_proxy(where: Path = PROXY_DIR) -> Path:
    """``configurable-http-proxy`` installed by ``npm ci`` from requirements/npm-hub (once: again
    only when that lock changes); its path. Raises ``FileNotFoundError`` when npm is missing."""
    npm_ci(NPM_SPEC, where, [PROXY_BIN], "configurable-http-proxy")
    return where / PROXY_BIN


def link(hub: str, repo: str, notebook: str, branch: str = "main", app: str = "lab") -> str:
    """The nbgitpuller link that clones (first click) or merges (later clicks) ``repo`` into the
    student's server, then opens ``notebook`` (a path inside the repository) in ``app``.

    >>> url = link("https://hub.example.edu", "https://github.com/OWNER/REPO", "notebooks/00.ipynb")
    >>> url.split("?")[0]
    'https://hub.example.edu/hub/user-redirect/git-pull'
    >>> url.split("?")[1].split("&")  # doctest: +NORMALIZE_WHITESPACE
    ['repo=https%3A%2F%2Fgithub.com%2FOWNER%2FREPO', 'branch=main',
     'urlpath=lab%2Ftree%2FREPO%2Fnotebooks%2F00.ipynb']
    """
    for name, value in (("hub", hub), ("repo", repo)):
        if urlsplit(value).scheme not in ("http", "https", "file"):
            raise ValueError(f"{name} must be a URL (https://...), not {value!r}")
    if not notebook or notebook.startswith("/") or ".." in Path(notebook).parts:
        raise ValueError(f"notebook must be a path inside the repository, not {notebook!r}")
    if app not in ("lab", "tree"):
        raise ValueError(f"app must be 'lab' or 'tree', not {app!r}")
    # nbgitpuller clones into a folder named after the last part of the repository's URL
    folder = repo.rstrip("/").split("/")[-1]
    query = urlencode(
        {"repo": repo, "branch": branch, "urlpath": f"{app}/tree/{folder}/{notebook}"},
        quote_via=quote,
        safe="",
    )
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(
    method: str, url: str, token: str | None = None, body: object = None, timeout: float = 30
) -> tuple[int, bytes]:
    """``(status, body)`` of one request; a token goes in the ``Authorization`` header."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"token {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


class Hub:
    """A JupyterHub on 127.0.0.1 for the students ``users``, in ``workdir`` (config, database,
    logs, and ``home/NAME`` for each student). Use as a context manager, or call :meth:`start`
    and :meth:`stop` (which also runs when the start fails).

    ``roles``: extra ``load_roles`` entries; ``services``: extra hub services (e.g. the idle
    culler). The service ``class-admin`` holds :attr:`admin_token` (users, servers, tokens).
    """

    def __init__(
        self,
        workdir: Path,
        users: Sequence[str],
        *,
        services: Sequence[dict] = (),
        roles: Sequence[dict] = (),
    ) -> None:
        self.workdir = Path(workdir)
        self.users = list(users)
        self.services, self.roles = list(services), list(roles)
        self.port, self.hub_port, self.api_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.password = secrets.token_urlsafe(18)
        self.admin_token = secrets.token_hex(32)
        self.proc: subprocess.Popen | None = None
        self.log = self.workdir / "jupyterhub.log"
        self.config = self.workdir / "jupyterhub_config.py"

    def home(self, user: str) -> Path:
        return self.workdir / "home" / user

    def config_text(self, proxy: Path) -> str:
        root_flag = ["--allow-root"] if os.geteuid() == 0 else []
        services = [{"name": "class-admin", "api_token": self.admin_token}, *self.services]
        roles = [
            {
                "name": "class-admin",
                "scopes": ["admin:users", "admin:servers", "tokens", "list:users"],
                "services": ["class-admin"],
            },
            *self.roles,
        ]
        w = self.workdir
        home = str(w / "home") + "/{username}"
        return "\n".join(
            [
                "# Written by scripts/hub.py for one run; holds secrets (mode 600).",
                "c = get_config()  # noqa: F821",
                'c.JupyterHub.ip = "127.0.0.1"',
                f"c.JupyterHub.port = {self.port}",
                'c.JupyterHub.hub_ip = "127.0.0.1"',
                f"c.JupyterHub.hub_port = {self.hub_port}",
                f'c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{self.api_port}"',
                f"c.ConfigurableHTTPProxy.command = [{str(proxy)!r}]",
                f"c.ConfigurableHTTPProxy.pid_file = {str(w / 'proxy.pid')!r}",
                f"c.JupyterHub.pid_file = {str(w / 'jupyterhub.pid')!r}",
                f"c.JupyterHub.db_url = {'sqlite:///' + str(w / 'jupyterhub.sqlite')!r}",
                f"c.JupyterHub.cookie_secret_file = {str(w / 'cookie_secret')!r}",
                "c.JupyterHub.cleanup_servers = True",
                'c.JupyterHub.authenticator_class = "shared-password"',
                f"c.SharedPasswordAuthenticator.user_password = {self.password!r}",
                f"c.Authenticator.allowed_users = {set(self.users)!r}",
                'c.JupyterHub.spawner_class = "simple"',
                f"c.SimpleLocalProcessSpawner.home_dir_template = {home!r}",
                f"c.Spawner.cmd = [{str(BIN / 'jupyterhub-singleuser')!r}]",
                f"c.Spawner.args = {root_flag!r}",
                'c.Spawner.ip = "127.0.0.1"',
                'c.Spawner.default_url = "/lab"',
                f"c.Spawner.start_timeout = {START_SECONDS}",
                f"c.Spawner.http_timeout = {START_SECONDS}",
                f"c.JupyterHub.services = {services!r}",
                f"c.JupyterHub.load_roles = {roles!r}",
                "",
            ]
        )

    def start(self) -> Hub:
        proxy = ensure_proxy()
        for user in self.users:
            self.home(user).mkdir(parents=True, exist_ok=True)
        fd = os.open(self.config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.config_text(proxy))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "jupyterhub"), "-f", str(self.config)],
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + START_SECONDS
            while self.status("/hub/api/") != 200:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"jupyterhub exited ({self.proc.returncode}):\n{self.tail()}"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(f"jupyterhub did not answer in {START_SECONDS} s")
                time.sleep(0.2)
        except BaseException:
            self.stop()
            raise
        return self

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]

    def status(self, path: str, token: str | None = None) -> int:
        try:
            return http("GET", self.url + path, token, timeout=5)[0]
        except OSError:
            return 0

    def api(self, method: str, path: str, token: str | None = None, body: object = None):
        """``(status, decoded JSON or None)`` of a hub REST call (``path`` after /hub/api)."""
        status, raw = http(method, f"{self.url}/hub/api{path}", token or self.admin_token, body)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, None

    def login(self, user: str, password: str | None = None) -> str:
        """A student's login through the REST API: name and password for an API token."""
        auth = {"username": user, "password": self.password if password is None else password}
        status, raw = http(
            "POST", f"{self.url}/hub/api/users/{user}/tokens", body={"auth": auth, "note": "login"}
        )
        if status != 201:
            raise PermissionError(f"login of {user} refused: {status}")
        return json.loads(raw)["token"]

    def start_server(self, user: str, token: str, timeout: float = START_SECONDS) -> str:
        """Start ``user``'s server with the student's own token; its URL once it answers."""
        status, _ = self.api("POST", f"/users/{user}/server", token)
        if status not in (201, 202):
            raise RuntimeError(f"the hub refused to start {user}'s server: {status}")
        server = f"{self.url}/user/{user}"
        deadline = time.monotonic() + timeout
        while self.status(f"/user/{user}/api/status", token) != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{user}'s server not ready in {timeout} s:\n{self.tail()}")
            time.sleep(0.25)
        return server

    def server_pid(self, user: str) -> int | None:
        """The process of ``user``'s single-user server (its kernels are below it)."""
        if self.proc is None:
            return None
        for pid in procs.descendants(self.proc.pid):
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[1]) != self.proc.pid:  # a kernel inherits JUPYTERHUB_USER too
                    continue
                env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                if f"JUPYTERHUB_USER={user}".encode() in env:
                    return pid
        return None

    def stop(self, grace: float = 20.0) -> list[int]:
        """Stop the hub (it stops its servers and its proxy), then whatever of its process tree
        is still running; return the processes that needed SIGKILL."""
        if self.proc is None:
            return []
        tree = [
            self.proc.pid,
            *procs.descendants(self.proc.pid),
        ]  # before orphans lose their parent
        with contextlib.suppress(OSError):
            os.kill(self.proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=grace)
        left = [p for p in tree if procs.alive(p)]
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and any(procs.alive(p) for p in left):
            time.sleep(0.05)
        stubborn = [p for p in left if procs.alive(p)]
        for pid in stubborn:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        return stubborn

    def __enter__(self) -> Hub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _message(session: str, msg_type: str, content: dict, channel: str) -> dict:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "session": session,
            "username": "student",
            "version": "5.3",
            "date": datetime.now(UTC).isoformat(),
        },
        "parent_header": {},
        "metadata": {},
        "content": content,
        "channel": channel,
        "buffers": [],
    }


def run_notebook(server: str, token: str, path: str, timeout: float = 300) -> list[dict]:
    """Run every code cell of ``path`` (a notebook on the student's server, relative to its
    root) in a new kernel of that server, as JupyterLab does (a session, then the kernel's
    websocket); shut the kernel down afterwards. One dict per code cell: ``stdout``, ``stderr``
    (joined text), ``text`` (the ``text/plain`` of each result or display), ``errors``, and
    ``captured`` (how many outputs an Output widget took, as nbclient and JupyterLab route them).
    A cell with an error stops the run (as Run All does)."""
    import websocket  # websocket-client, a dependency of jupyter-server

    status, raw = http("GET", f"{server}/api/contents/{quote(path)}?content=1", token)
    if status != 200:
        raise RuntimeError(f"cannot read {path} from {server}: {status}")
    cells = [c for c in json.loads(raw)["content"]["cells"] if c["cell_type"] == "code"]
    status, raw = http(
        "POST",
        f"{server}/api/sessions",
        token,
        {"path": path, "name": Path(path).name, "type": "notebook", "kernel": {"name": "python3"}},
    )
    if status != 201:
        raise RuntimeError(f"cannot start a kernel for {path}: {status} {raw[:200]!r}")
    session = json.loads(raw)
    kernel = session["kernel"]["id"]
    ws_url = "ws" + server[4:] + f"/api/kernels/{kernel}/channels?session_id={session['id']}"
    results: list[dict] = []
    ws = websocket.create_connection(
        ws_url, header=[f"Authorization: token {token}"], timeout=timeout
    )
    try:
        for cell in cells:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            msg = _message(
                session["id"],
                "execute_request",
                {
                    "code": source,
                    "silent": False,
                    "store_history": True,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
                "shell",
            )
            ws.send(json.dumps(msg))
            out = {"stdout": "", "stderr": "", "text": [], "errors": [], "captured": 0}
            idle = replied = capturing = False
            deadline = time.monotonic() + timeout
            while not (idle and replied):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"a cell of {path} ran over {timeout} s")
                frame = ws.recv()
                if isinstance(frame, bytes):  # a message with binary buffers (widgets)
                    continue
                reply = json.loads(frame)
                if reply.get("parent_header", {}).get("msg_id") != msg["header"]["msg_id"]:
                    continue
                kind, content = reply["msg_type"], reply["content"]
                if kind == "comm_msg":  # an Output widget starts or stops capturing this cell
                    state = content.get("data", {}).get("state", {})
                    if "msg_id" in state:
                        capturing = bool(state["msg_id"])
                elif capturing and kind in ("stream", "execute_result", "display_data"):
                    out["captured"] += 1  # shown in the widget, not below the cell
                elif kind == "stream":
                    out[content["name"]] += content["text"]
                elif kind in ("execute_result", "display_data"):
                    out["text"].append(content["data"].get("text/plain", ""))
                elif kind == "error":
                    out["errors"].append(f"{content['ename']}: {content['evalue']}")
                elif kind == "status" and content["execution_state"] == "idle":
                    idle = True
                elif kind == "execute_reply":
                    replied = True
            results.append(out)
            if out["errors"]:
                break
    finally:
        ws.close()
        http("DELETE", f"{server}/api/sessions/{session['id']}", token)
    return results


class Usage:
    """Peak resident memory (MB, summed) and CPU seconds of process trees, sampled every
    ``every`` s in a thread while the ``with`` block runs. ``roots()`` returns the roots to
    watch at each sample (e.g. a student's server: its kernels are below it)."""

    def __init__(self, roots, every: float = 0.1) -> None:
        self.roots, self.every = roots, every
        self.peak_mb = 0.0
        self._cpu: dict[tuple[int, float], float] = {}  # (pid, start time) -> last CPU seconds
        self._start_cpu: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()

    def sample(self, first: bool = False) -> None:
        import psutil

        total = 0.0
        for root in self.roots():
            for pid in [root, *procs.descendants(root)]:
                try:
                    p = psutil.Process(pid)
                    with p.oneshot():
                        total += p.memory_info().rss
                        t = p.cpu_times()
                        key = (pid, p.create_time())
                except psutil.Error:
                    continue
                self._cpu[key] = t.user + t.system
                if first:
                    self._start_cpu[key] = t.user + t.system
        self.peak_mb = max(self.peak_mb, total / 2**20)

    @property
    def cpu_seconds(self) -> float:
        """CPU time spent while watched (processes already running count from the start)."""
        return sum(v - self._start_cpu.get(k, 0.0) for k, v in self._cpu.items())

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def __enter__(self) -> Usage:
        self.sample(first=True)
        self._thread = threading.Thread(target=self._loop, name="usage", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser(
        "link",
        help="print the nbgitpuller link of a notebook",
        description="Each option defaults to the environment variable named in capitals "
        "(`make hub-link HUB=... REPO=... NOTEBOOK=...` passes them that way).",
    )
    env = os.environ
    one.add_argument("--hub", default=env.get("HUB"), help="the hub's URL (https://...)")
    one.add_argument("--repo", default=env.get("REPO"), help="the repository's URL (https://...)")
    one.add_argument("--notebook", default=env.get("NOTEBOOK"), help="a path in the repository")
    one.add_argument("--branch", default=env.get("BRANCH") or "main")
    one.add_argument("--app", default=env.get("APP") or "lab", choices=["lab", "tree"])
    sub.add_parser("proxy", help="install configurable-http-proxy into build/hub-proxy")
    args = parser.parse_args(argv)
    if args.command == "proxy":
        print(ensure_proxy())
        return 0
    for name in ("hub", "repo", "notebook"):
        if not getattr(args, name):
            parser.error(
                f"{name.upper()} is missing, e.g. make hub-link HUB=https://hub.example.edu "
                "REPO=https://github.com/OWNER/REPO NOTEBOOK=notebooks/00_overview.ipynb"
            )
    try:
        print(link(args.hub, args.repo, args.notebook, args.branch, args.app))
    except ValueError as err:
        parser.error(str(err))
    return 0


if __name__ == "__main__":
    sys.exit(main())
