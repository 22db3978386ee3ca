"""`make lab` as another local user would attack it: the token, a busy port, a hostile PORT.

Each test runs the real `make lab` (in its own process group, as from a terminal) with the venv
of this test run (`VENV=...`, and `-o` so that a test never reinstalls it), then stops the whole
group and checks that nothing is left running.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from scripts.lab import lab_url, port_number

from . import _procs
from .conftest import ROOT

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

    def __init__(self, tmp_path: Path, port: str, token: str, name: str = "lab"):
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
                env=_env(tmp_path, port, token),
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
        if _procs.group(self.pgid):
            os.killpg(self.pgid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while _procs.group(self.pgid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _procs.group(self.pgid)
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
    """Items 4, 5 and 6 of issue 9 on one running server (a server start costs a few seconds)."""
    token = f"tok en/&=é+{secrets.token_hex(12)}"  # characters a URL must encode
    port = _free_port()
    lab = MakeLab(tmp_path, str(port), token)
    try:
        url, printed_port, printed_token = lab.wait_for_url().groups()
        _wait_until_answering(port)

        # Every process's command line is readable by every local user (`ps`).
        secret = token.encode()
        shown = {pid: cmd for pid, cmd in _procs.cmdlines().items() if secret in cmd}
        assert shown == {}, f"the token is on a command line: {shown}"
        assert _procs.group(lab.pgid), "make lab is not running"

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
