"""`make lab` as another local user would attack it: the token, a busy port, a hostile PORT, and
a Jupyter config of the user's that would open the server to others.

Each test runs the real `make lab` (in its own process group, as from a terminal) with the venv
of this test run (`VENV=...`, and `-o` so that a test never reinstalls it), then stops the whole
group and checks that nothing is left running.

The first tests pin ``JUPYTER_CONFIG_DIR`` to an empty folder; the last ones (*A hostile Jupyter
config*) fill it with settings that would open the server. For each, `make lab` either forces the
safe value on the command line (options that are not secret) and starts, or, when the fix would
need a secret on a command line (the token) or the setting cannot be overridden there, stops the
server and names the setting in one line, printing no URL (README.md, `make lab`). Either way
the test checks the running server itself, not the launcher's word for it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, unquote

import psutil
import pytest

from scripts import procs
from scripts.lab import lab_url, port_number
from tests.support.project import ROOT

VENV = Path(sys.prefix)
URL = re.compile(r"JupyterLab: (http://127\.0\.0\.1:(\d+)/lab/tree/\S+\?token=(\S+))")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path, port: str, token: str) -> dict[str, str]:
    return dict(
        os.environ,
        PORT=port,
        JUPYTER_TOKEN=token,
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),  # no personal jupyter_server_config
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
    )


class MakeLab:
    """`make lab` started in a new process group (like a terminal's foreground job)."""

    def __init__(
        self, tmp_path: Path, port: str, token: str, name: str = "lab", env: dict | None = None
    ):
        self.log = tmp_path / f"{name}.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [
                    "make",
                    "--no-print-directory",
                    "-o",
                    f"{VENV}/.installed-notebook",
                    f"VENV={VENV}",
                    "lab",
                ],  # fmt: skip
                cwd=ROOT,
                env={**_env(tmp_path, port, token), **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pgid = self.proc.pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for_url(self, timeout: float = 120) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = URL.search(self.output())
            if found:
                return found
            if self.proc.poll() is not None:
                pytest.fail(f"make lab exited ({self.proc.returncode}):\n{self.output()[-3000:]}")
            time.sleep(0.2)
        pytest.fail(f"make lab printed no URL in {timeout} s:\n{self.output()[-3000:]}")

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """SIGTERM to the group, as `kill -TERM -PGID` would; SIGKILL what outlives 20 s."""
        if procs.group(self.pgid):
            os.killpg(self.pgid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while procs.group(self.pgid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = procs.group(self.pgid)
        if left:
            os.killpg(self.pgid, signal.SIGKILL)
        self.wait(10)
        assert left == [], f"still running 20 s after SIGTERM: {left}"


def _status(port: int, token: str) -> int:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5
        ) as r:
            return r.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return 0  # nothing listening yet


def _wait_until_answering(port: int, timeout: float = 60) -> None:
    """Until the server answers HTTP (a request without the token: it gets 403)."""
    deadline = time.monotonic() + timeout
    while _status(port, "") not in (200, 403):
        assert time.monotonic() < deadline, f"nothing answers on port {port}"
        time.sleep(0.2)


@pytest.mark.slow
def test_token_is_on_no_command_line_and_a_second_lab_leaks_nothing(tmp_path):
    """On one running server (a server start costs a few seconds): the token is on no process's
    command line, the printed URL carries it URL-encoded and logs in, a second `make lab` on the
    same port fails without printing its token, and the port is free once the first one stops."""
    token = f"tok en/&=é+{secrets.token_hex(12)}"  # characters a URL must encode
    port = _free_port()
    lab = MakeLab(tmp_path, str(port), token)
    try:
        url, printed_port, printed_token = lab.wait_for_url().groups()
        _wait_until_answering(port)

        # Every process's command line is readable by every local user (`ps`).
        secret = token.encode()
        shown = {pid: cmd for pid, cmd in procs.cmdlines().items() if secret in cmd}
        assert shown == {}, f"the token is on a command line: {shown}"
        assert procs.group(lab.pgid), "make lab is not running"

        assert int(printed_port) == port
        assert printed_token == quote(token, safe=""), f"the token is not URL-encoded: {url}"
        assert unquote(printed_token) == token
        assert _status(port, printed_token) == 200, "the printed URL does not log in"
        assert _status(port, "wrong") == 403

        # A second `make lab` on the same port must fail and never print its token.
        other_token = secrets.token_hex(16)
        second = MakeLab(tmp_path, str(port), other_token, name="second")
        try:
            code = second.wait(timeout=120)
            text = second.output()
            assert code not in (None, 0), f"the second make lab did not fail:\n{text[-2000:]}"
            assert other_token not in text, "the second make lab printed its token"
            assert f"{port}" in text and "make lab: JupyterLab did not start" in text
        finally:
            second.stop()
    finally:
        lab.stop()
    with socket.socket() as s:  # the port is free again: the server really stopped
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no listener
        s.bind(("127.0.0.1", port))


@pytest.mark.slow
def test_busy_port_fails_without_printing_the_token(tmp_path):
    """A port held by another program: no URL, no token, a clear message, a non-zero exit."""
    token = secrets.token_hex(16)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        lab = MakeLab(tmp_path, str(port), token)
        try:
            code = lab.wait(timeout=120)
            text = lab.output()
            assert code not in (None, 0), f"make lab did not fail on a busy port:\n{text[-2000:]}"
            assert token not in text, "the token was printed for a port another program holds"
            assert "JupyterLab: http" not in text
            assert f"127.0.0.1:{port}" in text and "is the port in use?" in text
        finally:
            lab.stop()


PAYLOADS = [
    "8888$(touch {marker})",
    "8888`touch {marker}`",
    "8888$(shell touch {marker})",
    "$(shell touch {marker})",
    "8888; touch {marker}",
    "8888 --ServerApp.ip=0.0.0.0",
]


@pytest.mark.parametrize(
    "payload",
    PAYLOADS,
    ids=["dollar-paren", "backticks", "make-shell-suffix", "make-shell", "semicolon", "option"],
)
def test_port_with_a_command_in_it_runs_nothing(tmp_path, payload):
    marker = tmp_path / "pwned"
    lab = MakeLab(tmp_path, payload.format(marker=marker), secrets.token_hex(16))
    try:
        code = lab.wait(timeout=60)
        text = lab.output()
        assert not marker.exists(), "PORT ran a command"
        assert code not in (None, 0), f"make lab accepted PORT={payload!r}:\n{text[-2000:]}"
        assert "PORT must be a port number, 1-65535 (digits only)" in text
        assert "JupyterLab: http" not in text
    finally:
        lab.stop()


@pytest.mark.parametrize("port", ["0", "65536", "99999", "", "abc", "٣٣"])
def test_port_outside_1_to_65535_is_refused(tmp_path, port):
    lab = MakeLab(tmp_path, port, secrets.token_hex(16))
    try:
        code = lab.wait(timeout=60)
        text = lab.output()
        assert code not in (None, 0), f"make lab accepted PORT={port!r}:\n{text[-2000:]}"
        assert "PORT must be a port number, 1-65535 (digits only)" in text
    finally:
        lab.stop()


def test_port_number_and_url_helpers():
    assert port_number("1") == 1 and port_number("65535") == 65535
    for bad in ["0", "65536", "-1", "+80", " 80", "8_0", "٣٣", ""]:
        with pytest.raises(Exception, match="1-65535"):
            port_number(bad)
    url = lab_url(8888, "a b&c=d#/é")
    assert url.endswith("?token=a%20b%26c%3Dd%23%2F%C3%A9")
    assert url.startswith("http://127.0.0.1:8888/lab/tree/notebooks/00_overview.md?")
    assert (ROOT / "notebooks" / "00_overview.md").exists()


def _lab_directly(tmp_path: Path, python: str, port: int, token: str) -> subprocess.Popen:
    """``PYTHON -m scripts.lab`` (what `make lab` runs) in a new process group, output to a log."""
    with open(tmp_path / "direct.log", "wb") as log:
        return subprocess.Popen(
            [python, "-m", "scripts.lab", "--port", str(port), "--"]
            + (["--allow-root"] if os.geteuid() == 0 else []),
            cwd=ROOT,
            env=_env(tmp_path, str(port), token),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop_group(proc: subprocess.Popen) -> None:
    if procs.group(proc.pid):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    deadline = time.monotonic() + 20
    while procs.group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert procs.group(proc.pid) == [], "processes left running"


def _venv_without_jupyter_lab_script(tmp_path: Path) -> Path:
    """A Python whose ``sys.executable`` has no ``jupyter-lab`` beside it but that imports
    JupyterLab (as with pyenv shims or a user-site install): this venv's packages, elsewhere."""
    other = tmp_path / "other-venv"
    (other / "bin").mkdir(parents=True)
    (other / "pyvenv.cfg").write_text((VENV / "pyvenv.cfg").read_text())
    (other / "lib").symlink_to(VENV / "lib")
    python = other / "bin" / "python"
    python.symlink_to(Path(sys.executable).resolve())
    return python


@pytest.mark.slow
def test_jupyter_lab_not_beside_the_python_is_started_as_a_module(tmp_path):
    python = _venv_without_jupyter_lab_script(tmp_path)
    token, port = secrets.token_hex(16), _free_port()
    proc = _lab_directly(tmp_path, str(python), port, token)
    log = tmp_path / "direct.log"
    try:
        deadline = time.monotonic() + 120
        while not URL.search(log.read_text(errors="replace")):
            assert proc.poll() is None, f"make lab exited:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "no URL"
            time.sleep(0.2)
        assert "Traceback" not in log.read_text(errors="replace")
        assert _status(port, token) == 200
    finally:
        _stop_group(proc)


def test_jupyterlab_not_installed_is_one_clear_line(tmp_path):
    """The interpreter itself, outside any venv: no jupyter-lab, no jupyterlab module."""
    bare = tmp_path / "bare" / "python"
    bare.parent.mkdir()
    bare.symlink_to(Path(sys.base_prefix) / "bin" / Path(sys.executable).name)
    probe = subprocess.run([bare, "-c", "import jupyterlab"], capture_output=True)
    if probe.returncode == 0:
        pytest.skip(f"{bare} imports jupyterlab")
    done = subprocess.run(
        [bare, "-m", "scripts.lab", "--port", str(_free_port())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("make lab: JupyterLab is not installed"), lines
    assert "python -m pip install jupyterlab" in lines[0] and "make lab" in lines[0]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_during_start_up_says_it_was_stopped(tmp_path, sig):
    """SIGTERM to the launcher, or Ctrl-C (SIGINT to the whole group, as a terminal sends it),
    before the server listens: "stopped", not "is the port in use?"."""
    token, port = secrets.token_hex(16), _free_port()
    proc = _lab_directly(tmp_path, sys.executable, port, token)
    log = tmp_path / "direct.log"
    try:
        deadline = time.monotonic() + 60
        while not procs.descendants(proc.pid):  # the server process exists, not yet listening
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.02)
        time.sleep(0.3)  # the launcher has installed its signal handlers by now
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)
        code = proc.wait(timeout=60)
        text = log.read_text(errors="replace")
        assert "is the port in use?" not in text, text[-2000:]
        assert f"make lab: stopped by {sig.name} while JupyterLab was starting" in text, text[
            -2000:
        ]
        assert code == 128 + sig
        assert "JupyterLab: http" not in text
        # (Ctrl-C during its imports makes the server itself print a KeyboardInterrupt.)
        assert sig == signal.SIGINT or "Traceback" not in text
    finally:
        _stop_group(proc)
    assert list((tmp_path / "runtime").glob("jpserver-*")) == []


@pytest.mark.slow
def test_a_killed_server_leaves_no_runtime_file_with_its_token(tmp_path):
    token, port = secrets.token_hex(16), _free_port()
    lab = MakeLab(tmp_path, str(port), token)
    try:
        lab.wait_for_url()
        server = _server_pid(lab.pgid, port)
        runtime = tmp_path / "runtime"
        files = sorted(p.name for p in runtime.glob(f"jpserver-{server}*"))
        assert files == [f"jpserver-{server}-open.html", f"jpserver-{server}.json"], files
        assert token in (runtime / f"jpserver-{server}.json").read_text()
        os.kill(server, signal.SIGKILL)
        assert lab.wait(timeout=60) not in (None, 0)
        assert sorted(p.name for p in runtime.glob("jpserver-*")) == []
        assert "make lab: JupyterLab was killed (SIGKILL)" in lab.output()
    finally:
        lab.stop()


# A hostile Jupyter config ---------------------------------------------------------------------

#: A password ("x") as jupyter_server.auth.passwd hashes it.
HASHED = (
    "argon2:$argon2id$v=19$m=10240,t=10,p=8$TLKsI9lx74mzCdYOQeDKDQ$"
    "+lIeGTrbhU6IoiKsXuaG42cNPz19pqUWG8/e20Dhxh0"
)

#: id: (config file name, its text, words the one-line refusal must contain)
REFUSED = {
    "token-off": (
        "jupyter_server_config.py",
        'c.IdentityProvider.token = ""\n',
        ["without the token", "IdentityProvider.token", "jupyter_server_config.py:1"],
    ),
    "token-off-old-name": (
        "jupyter_server_config.py",
        'c.ServerApp.token = ""\n',
        ["without the token", "ServerApp.token"],
    ),
    "token-and-password-off": (
        "jupyter_server_config.py",
        'c.IdentityProvider.token = ""\n'
        'c.PasswordIdentityProvider.hashed_password = ""\n'
        "c.PasswordIdentityProvider.password_required = False\n",
        ["without the token", "IdentityProvider.token"],
    ),
    "token-off-json": (
        "jupyter_server_config.json",
        json.dumps({"IdentityProvider": {"token": ""}}),
        ["without the token", "jupyter_server_config.json:1"],
    ),
    "password-instead-of-token": (
        "jupyter_server_config.py",
        f'c.IdentityProvider.token = ""\nc.PasswordIdentityProvider.hashed_password = "{HASHED}"\n',
        ["refuses the token of make lab", "IdentityProvider.token"],
    ),
    "token-of-its-own": (
        "jupyter_server_config.py",
        'c.IdentityProvider.token = "chosen-in-the-config"\n',
        ["refuses the token of make lab", "IdentityProvider.token"],
    ),
    "xsrf-off-in-tornado-settings": (
        "jupyter_server_config.py",
        'c.ServerApp.tornado_settings = {"disable_check_xsrf": True}\n',
        ["XSRF", "tornado_settings"],
    ),
    "remote-access-in-tornado-settings": (
        "jupyter_lab_config.py",
        'c.ServerApp.tornado_settings = {"allow_remote_access": True}\n',
        ["any host name", "allow_remote_access"],
    ),
    "cors-header-in-tornado-settings": (
        "jupyter_server_config.py",
        'c.ServerApp.tornado_settings = {"headers": {"Access-Control-Allow-Origin": "*"}}\n',
        ["CORS", "Access-Control"],
    ),
    "code-that-listens-on-every-interface": (
        "jupyter_server_config.py",
        textwrap.dedent(
            """\
            import socket
            socket.kept_open = socket.create_server(("0.0.0.0", 0))  # lives in the server
            """
        ),
        ["listens on 0.0.0.0:", "not only on 127.0.0.1", "socket"],
    ),
}

#: Settings that `make lab` overrides on the command line: the server starts, and is safe.
FORCED = {
    "network-settings": textwrap.dedent(
        """\
        c.ServerApp.ip = "0.0.0.0"
        c.ServerApp.allow_remote_access = True
        c.ServerApp.disable_check_xsrf = True
        c.ServerApp.allow_origin = "*"
        c.ServerApp.allow_credentials = True
        c.ServerApp.base_url = "/elsewhere/"
        c.ServerApp.port_retries = 50
        c.ServerApp.certfile = "/nonexistent/cert.pem"
        """
    ),
    # A password is a second way in, not a way around the token: allowed.
    "a-password-as-well": f'c.PasswordIdentityProvider.hashed_password = "{HASHED}"\n',
}


def _ask(port: int, method: str = "GET", path: str = "/api/status", **headers) -> tuple:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, headers=headers)
        r = conn.getresponse()
        r.read()
        return r.status, r
    finally:
        conn.close()


def _server_pid(pgid: int, port: int) -> int:
    """The process of group ``pgid`` that listens on ``port`` (the JupyterLab server)."""
    for pid in procs.group(pgid):
        try:
            conns = psutil.Process(pid).net_connections(kind="tcp")
        except psutil.Error:
            continue
        if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in conns):
            return pid
    raise AssertionError(f"no process of group {pgid} listens on {port}")


def _port_is_free(port: int) -> None:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


#: Each refused setting in the user's config folder; two of them also in a folder named by
#: JUPYTER_CONFIG_PATH (the environment route; a server start costs a few seconds).
PLACES = [("JUPYTER_CONFIG_DIR", case) for case in REFUSED] + [
    ("JUPYTER_CONFIG_PATH", "token-off"),
    ("JUPYTER_CONFIG_PATH", "xsrf-off-in-tornado-settings"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("where", "case"), PLACES, ids=[f"{w}-{c}" for w, c in PLACES])
def test_a_config_that_opens_the_server_is_refused(tmp_path, where, case):
    name, text, words = REFUSED[case]
    folder = tmp_path / ("config" if where == "JUPYTER_CONFIG_DIR" else "extra-config")
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    env = {"JUPYTER_CONFIG_PATH": str(folder)} if where == "JUPYTER_CONFIG_PATH" else {}
    token, port = secrets.token_hex(16), _free_port()
    lab = MakeLab(tmp_path, str(port), token, env=env)
    try:
        code = lab.wait(timeout=120)
        text = lab.output()
        assert code not in (None, 0), f"make lab did not refuse:\n{text[-3000:]}"
        assert "JupyterLab: http" not in text and token not in text
        ours = [line for line in text.splitlines() if line.startswith("make lab:")]
        assert len(ours) == 1, text[-3000:]
        assert ours[0].startswith("make lab: refused to hand out the URL: "), ours
        for word in words:
            assert word in ours[0], f"{word!r} not in {ours[0]!r}"
    finally:
        lab.stop()  # nothing of the group may be left running
    _port_is_free(port)
    left = sorted(p.name for p in (tmp_path / "runtime").glob("jpserver-*"))
    assert left == [], f"runtime files (they hold the token) left behind: {left}"


@pytest.mark.slow
@pytest.mark.parametrize("case", FORCED, ids=list(FORCED))
def test_settings_forced_on_the_command_line_leave_a_safe_server(tmp_path, case):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "jupyter_server_config.py").write_text(FORCED[case])
    token, port = secrets.token_hex(16), _free_port()
    lab = MakeLab(tmp_path, str(port), token)
    try:
        lab.wait_for_url()
        pid = _server_pid(lab.pgid, port)
        listening = [
            c.laddr
            for c in psutil.Process(pid).net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN
        ]
        assert listening == [("127.0.0.1", port)], listening
        auth = {"Authorization": f"token {token}"}
        assert _ask(port)[0] == 403, "a request without the token was answered"
        status, owner = _ask(port, **auth)
        assert status == 200, "the token does not log in"
        assert _ask(port, **auth, Host="attacker.invalid")[0] == 403, "a foreign Host answered"
        cookie = "; ".join(c.split(";")[0] for c in owner.headers.get_all("Set-Cookie"))
        _, cors = _ask(port, Cookie=cookie, Origin="http://attacker.invalid")
        assert cors.getheader("Access-Control-Allow-Origin") is None
        assert _ask(port, Cookie=cookie)[0] == 200  # the cookie itself logs in
        missing = f"/api/contents/absent-{secrets.token_hex(4)}"
        assert _ask(port, "DELETE", missing, Cookie=cookie)[0] == 403, "XSRF check is off"
        assert _ask(port, "DELETE", missing, **auth)[0] == 404  # the probe itself is sound
    finally:
        lab.stop()


@pytest.mark.slow
def test_a_forced_option_given_again_is_an_error_not_an_override(tmp_path):
    """`-- --ip=0.0.0.0` cannot undo what make lab forces: jupyter-lab refuses two values."""
    token = secrets.token_hex(16)
    done = subprocess.run(
        [sys.executable, "-m", "scripts.lab", "--port", str(_free_port()), "--", "--ip=0.0.0.0"]
        + (["--allow-root"] if psutil.Process().uids().effective == 0 else []),
        cwd=ROOT,
        env=_env(tmp_path, "0", token),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "JupyterLab: http" not in done.stdout and token not in done.stdout + done.stderr
    assert "ip only accepts one value" in done.stderr
    assert "(it exited with code 1); see its messages above" in done.stderr
    assert "is the port in use?" not in done.stderr
