"""The collection on a real JupyterHub: students log in, each runs a notebook in a server of
their own, the hub keeps them apart, nbgitpuller keeps a student's edits, idle servers are culled.

One hub for the module (scripts/hub.py): ``jupyterhub`` with ``configurable-http-proxy`` (npm,
installed once into build/hub-proxy) on 127.0.0.1, JupyterHub's shared-password authenticator
(password and admin token in the hub's config file, never on a command line) and its
local-process spawner (each student a ``jupyterhub-singleuser`` of this environment, with the
pinned packages, in a home folder of its own). The idle culler runs as a hub service whose role
lets it see one student only, ``idle``; the others stay up while it works. Everything the hub
started is stopped at the end (checked), also on failure, and on Ctrl-C (checked by running the
first test in a pytest of its own and interrupting it).
"""

from __future__ import annotations

import copy
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from scripts import hub as hubs
from scripts import procs
from scripts.nbrun import execute
from tests.support.browser import unavailable
from tests.support.project import NOTEBOOKS, ROOT

STUDENTS = [f"student{i}" for i in range(1, 6)]
IDLE = "idle"
NOTEBOOK = NOTEBOOKS / "03_gumbel_max.ipynb"
CULL_TIMEOUT = 6  # seconds without activity before the culler stops a server

CULLER = {
    "name": "idle-culler",
    "command": [
        sys.executable,
        "-m",
        "jupyterhub_idle_culler",
        f"--timeout={CULL_TIMEOUT}",
        "--cull-every=2",
    ],
}
# The culler's usual role (docs/teaching-at-scale.md), narrowed to one student for the test.
CULLER_ROLE = {
    "name": "idle-culler",
    "scopes": [
        f"list:users!user={IDLE}",
        f"read:users:activity!user={IDLE}",
        f"read:servers!user={IDLE}",
        f"delete:servers!user={IDLE}",
    ],
    "services": ["idle-culler"],
}


def _tree(root: int) -> list[int]:
    return [root, *procs.descendants(root)]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A running hub for the students and ``idle``; stopped (and checked stopped) afterwards."""
    try:
        hubs.ensure_proxy()
    except FileNotFoundError as err:
        unavailable(str(err))  # skipped locally, a failure with CI=true
    the_hub = hubs.Hub(
        tmp_path_factory.mktemp("hub"),
        [*STUDENTS, IDLE],
        services=[CULLER],
        roles=[CULLER_ROLE],
    )
    the_hub.start()
    ports = (the_hub.port, the_hub.hub_port, the_hub.api_port)
    seen: set[int] = set()
    try:
        yield the_hub
    finally:
        seen.update(_tree(the_hub.proc.pid))
        stubborn = the_hub.stop()
    left = [p for p in seen if procs.alive(p)]
    assert left == [], f"still running after the hub stopped: {left}"
    assert stubborn == [], f"needed SIGKILL: {stubborn}"
    for port in ports:  # nothing listens any more
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))


@pytest.fixture(scope="module")
def students(hub):
    """Each student logged in through the REST API (name and password for a token), with a
    running server holding their own copy of the notebook: ``{name: (token, server URL)}``."""
    tokens = {name: hub.login(name) for name in STUDENTS}
    with ThreadPoolExecutor(len(STUDENTS)) as pool:
        urls = dict(
            zip(STUDENTS, pool.map(lambda n: hub.start_server(n, tokens[n]), STUDENTS), strict=True)
        )
    # One snapshot of the notebook for the students and the reference run alike.
    snapshot = hub.workdir / NOTEBOOK.name
    snapshot.write_bytes(NOTEBOOK.read_bytes())
    nb = json.loads(snapshot.read_text(encoding="utf-8"))
    for name in STUDENTS:
        body = {"type": "notebook", "format": "json", "content": nb}
        status, _ = hubs.http(
            "PUT", f"{urls[name]}/api/contents/{NOTEBOOK.name}", tokens[name], body
        )
        assert status in (200, 201), f"{name} could not save the notebook: {status}"
    return {name: (tokens[name], urls[name]) for name in STUDENTS}


def _reference(path: Path) -> list[dict]:
    """The notebook's outputs run headlessly here (scripts/nbrun.py), per code cell."""
    nb = execute(path)
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        got = {"stdout": "", "stderr": "", "text": [], "errors": []}
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                got[o.name] += o.text
            elif o.output_type in ("execute_result", "display_data"):
                got["text"].append(o.data.get("text/plain", ""))
            elif o.output_type == "error":
                got["errors"].append(f"{o.ename}: {o.evalue}")
        out.append(got)
    return out


@pytest.mark.slow
def test_five_students_run_the_notebook_at_once_with_the_right_outputs(hub, students):
    expected = _reference(hub.workdir / NOTEBOOK.name)
    assert sum(bool(c["stdout"]) for c in expected) > 10, "the reference printed too little"

    def run(name: str) -> list[dict]:
        token, url = students[name]
        return hubs.run_notebook(url, token, NOTEBOOK.name)

    start = time.monotonic()
    with ThreadPoolExecutor(len(STUDENTS)) as pool:
        runs = dict(zip(STUDENTS, pool.map(run, STUDENTS), strict=True))
    print(
        f"{len(STUDENTS)} students ran {NOTEBOOK.name} at once in {time.monotonic() - start:.1f} s"
    )
    for name, cells in runs.items():
        errors = [e for c in cells for e in c["errors"]]
        assert errors == [], f"{name}'s run failed: {errors}"
        assert len(cells) == len(expected), f"{name} ran {len(cells)} of {len(expected)} cells"
        for i, (got, want) in enumerate(zip(cells, expected, strict=True)):
            shown = {k: v for k, v in got.items() if k != "captured"}  # widget state, not cell
            assert shown == want, f"{name}, code cell {i}: {shown} != {want}"
    assert all(sum(c["captured"] for c in cells) for cells in runs.values()), "no widget output"


def _ws_status(url: str, token: str) -> int:
    import websocket

    try:
        ws = websocket.create_connection(
            "ws" + url[4:], header=[f"Authorization: token {token}"], timeout=10
        )
    except websocket.WebSocketBadStatusException as err:
        return err.status_code
    ws.close()
    return 101


@pytest.mark.slow
def test_a_student_cannot_reach_another_students_files_server_or_kernel(hub, students):
    (a_token, a_url), (b_token, b_url) = students["student1"], students["student2"]
    b = "student2"
    # B has a kernel running, as during a class.
    status, raw = hubs.http("POST", f"{b_url}/api/kernels", b_token, {"name": "python3"})
    assert status == 201, status
    kernel = json.loads(raw)["id"]
    try:
        channels = f"{b_url}/api/kernels/{kernel}/channels"
        # Each student's own token works on their own server (so a refusal below is isolation,
        # not a broken token).
        assert hubs.http("GET", f"{a_url}/api/contents/{NOTEBOOK.name}", a_token)[0] == 200
        assert hubs.http("GET", f"{b_url}/api/contents/{NOTEBOOK.name}", b_token)[0] == 200
        assert _ws_status(channels, b_token) == 101

        refused = {
            "B's notebook": hubs.http("GET", f"{b_url}/api/contents/{NOTEBOOK.name}", a_token)[0],
            "B's file list": hubs.http("GET", f"{b_url}/api/contents", a_token)[0],
            "write to B's files": hubs.http(
                "PUT",
                f"{b_url}/api/contents/x.txt",
                a_token,
                {"type": "file", "format": "text", "content": "x"},
            )[0],
            "B's kernels": hubs.http("GET", f"{b_url}/api/kernels", a_token)[0],
            "B's kernel's websocket": _ws_status(channels, a_token),
            "B's JupyterLab page": hubs.http("GET", f"{b_url}/lab", a_token)[0],
            "B's user record": hub.api("GET", f"/users/{b}", a_token)[0],
            "start B's server": hub.api("POST", f"/users/{b}/server", a_token)[0],
            "stop B's server": hub.api("DELETE", f"/users/{b}/server", a_token)[0],
            "a token for B": hub.api("POST", f"/users/{b}/tokens", a_token, {})[0],
            "the user list": hub.api("GET", "/users", a_token)[0],
            "A's server, path ../": hubs.http(
                "GET", f"{a_url}/api/contents/{quote('../' + b)}", a_token
            )[0],
        }
        wrong = {what: code for what, code in refused.items() if code not in (403, 404)}
        assert wrong == {}, f"student1's token got through (status not 403/404): {wrong}"
        # B's kernel is still there: A's attempts did nothing to it.
        assert hubs.http("GET", f"{b_url}/api/kernels/{kernel}", b_token)[0] == 200
        # The shared password logs in; a wrong one does not.
        with pytest.raises(PermissionError):
            hub.login("student1", "not the password")
    finally:
        hubs.http("DELETE", f"{b_url}/api/kernels/{kernel}", b_token)


@pytest.mark.slow
def test_no_secret_is_on_a_command_line(hub, students):
    secrets_ = [hub.password, hub.admin_token, *(token for token, _ in students.values())]
    secrets_.append((hub.workdir / "cookie_secret").read_bytes().strip().decode())
    for secret in secrets_:
        shown = {pid: cmd for pid, cmd in procs.cmdlines().items() if secret.encode() in cmd}
        assert shown == {}, f"a secret is on a command line: {shown}"
    assert (hub.config.stat().st_mode & 0o077) == 0, (
        "the config file (with secrets) is readable by others"
    )
    # The proxy takes its token from the environment, not from a --auth-token option.
    cmds = [cmd for cmd in procs.cmdlines().values() if b"configurable-http-proxy" in cmd]
    assert cmds and not any(b"auth-token" in c for c in cmds), cmds


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Lecturer", "-c", "user.email=lecturer@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


class Browser:
    """A browser's part: cookies, redirects, the hub's login form (with its XSRF token)."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, url: str, data: bytes | None = None) -> tuple[str, str]:
        """The final URL after redirects, and the page's text."""
        with self.opener.open(url, data=data, timeout=120) as r:
            return r.url, r.read().decode()

    def log_in(self, hub, user: str, next_url: str) -> tuple[str, str]:
        """Open ``next_url`` (a hub page), fill in the login form it leads to, submit it."""
        login_url, page = self.get(next_url)
        assert "/hub/login" in login_url, login_url
        xsrf = re.search(r'name="_xsrf"\s+value="([^"]+)"', page).group(1)
        form = urlencode({"_xsrf": xsrf, "username": user, "password": hub.password})
        return self.get(login_url, form.encode())


def _pull(browser: Browser, url: str, repo: str) -> str:
    """What the page behind the link does in the browser: nbgitpuller's pull (an event stream)
    to its end."""
    query = f"repo={quote(repo, safe='')}&branch=main"
    _, text = browser.get(f"{url}/git-pull/api?{query}")
    assert '"phase": "finished"' in text, text[-2000:]
    return text


def _first_markdown(nb: dict) -> str:
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.mark.slow
def test_the_nbgitpuller_link_pulls_the_collection_and_keeps_the_students_edit(
    hub, students, tmp_path
):
    token, url = students["student3"]
    # The lecturer's repository: a working copy and the bare repository students pull from.
    work, bare = tmp_path / "lecturer", tmp_path / "gumbel-course"
    (work / "notebooks").mkdir(parents=True)
    for f in (NOTEBOOK, NOTEBOOK.with_suffix(".md")):
        (work / "notebooks" / f.name).write_bytes(f.read_bytes())
    _git("init", "--quiet", "-b", "main", cwd=work)
    _git("add", ".", cwd=work)
    _git("commit", "--quiet", "-m", "the collection", cwd=work)
    _git("clone", "--quiet", "--bare", str(work), str(bare), cwd=tmp_path)
    _git("remote", "add", "origin", str(bare), cwd=work)
    repo = bare.as_uri()

    # The link (as `make hub-link` prints it) takes the student to their own server's puller.
    nb_path = f"notebooks/{NOTEBOOK.name}"
    link = hubs.link(hub.url, repo, nb_path)
    printed = subprocess.run(
        ["make", "--no-print-directory", f"PYTHON={sys.executable}", "hub-link",
         f"HUB={hub.url}", f"REPO={repo}", f"NOTEBOOK={nb_path}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert printed == link + "\n"
    # A student not yet logged in clicks it: the hub's login form, then their own server.
    browser = Browser()
    landed, page = browser.log_in(hub, "student3", link)
    assert landed.startswith(f"{url}/git-pull?"), landed
    assert f"urlpath={quote('lab/tree/gumbel-course/' + nb_path, safe='')}" in landed
    assert "git-pull" in page

    _pull(browser, url, repo)  # what that page does on the first click: clone
    api = f"{url}/api/contents/gumbel-course/{nb_path}"
    status, raw = hubs.http("GET", api, token)
    assert status == 200, status
    nb = json.loads(raw)["content"]
    upstream_title = _first_markdown(nb)

    # The student writes a note into the first cell and saves; deletes the .md twin.
    mine = copy.deepcopy(nb)
    first = next(c for c in mine["cells"] if c["cell_type"] == "markdown")
    first["source"] = upstream_title + "\n\nMy note: the Gumbel-max trick samples exactly."
    body = {"type": "notebook", "format": "json", "content": mine}
    assert hubs.http("PUT", api, token, body)[0] == 200
    md = f"{url}/api/contents/gumbel-course/notebooks/{quote(NOTEBOOK.with_suffix('.md').name)}"
    assert hubs.http("DELETE", md, token)[0] == 204

    # The lecturer changes the same cell, and adds a notebook, and pushes.
    theirs = json.loads((work / "notebooks" / NOTEBOOK.name).read_text(encoding="utf-8"))
    cell = next(c for c in theirs["cells"] if c["cell_type"] == "markdown")
    cell["source"] = "# Changed upstream\n"
    (work / "notebooks" / NOTEBOOK.name).write_text(json.dumps(theirs, indent=1) + "\n")
    (work / "notebooks" / "99_new.md").write_text("# A new notebook\n")
    _git("commit", "--quiet", "-am", "update", cwd=work)
    _git("add", ".", cwd=work)
    _git("commit", "--quiet", "-m", "a new notebook", cwd=work)
    _git("push", "--quiet", "origin", "main", cwd=work)

    _pull(browser, url, repo)  # a later click: merge
    status, raw = hubs.http("GET", api, token)
    assert status == 200
    kept = _first_markdown(json.loads(raw)["content"])
    assert "My note: the Gumbel-max trick samples exactly." in kept, kept
    assert "Changed upstream" not in kept, "the upstream change overwrote the student's edit"
    new = f"{url}/api/contents/gumbel-course/notebooks/99_new.md"
    assert hubs.http("GET", new, token)[0] == 200, "the lecturer's new notebook did not arrive"
    assert hubs.http("GET", md, token)[0] == 200, "the deleted file was not restored"


@pytest.mark.slow
def test_an_idle_server_is_culled(hub, students):
    token = hub.login(IDLE)
    hub.start_server(IDLE, token)
    pid = hub.server_pid(IDLE)
    assert pid is not None
    deadline = time.monotonic() + CULL_TIMEOUT + 60
    while hub.api("GET", f"/users/{IDLE}")[1]["servers"]:
        assert time.monotonic() < deadline, f"not culled:\n{hub.tail()}"
        time.sleep(0.5)
    while procs.alive(pid):
        assert time.monotonic() < deadline, "culled in the hub, but its process still runs"
        time.sleep(0.2)
    assert "Culling server" in hub.tail(200_000) or "culled" in hub.tail(200_000).lower()
    # The culler's role covers one student: the others (idle too by now) still run.
    servers = hub.api("GET", "/users")[1]
    running = sorted(u["name"] for u in servers if u["servers"])
    assert running == sorted(STUDENTS), running


def _cwd_under(folder: Path) -> list[tuple[int, bytes]]:
    found = []
    for pid in procs.pids():
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if cwd.startswith(str(folder)) and procs.alive(pid):
            found.append((pid, procs.cmdline(pid)[:120]))
    return found


@pytest.mark.slow
def test_ctrl_c_stops_the_hub_its_servers_and_kernels(tmp_path):
    """The first test run alone, interrupted once the kernels run: hub, proxy, servers and
    kernels (found by their working folder, under the run's own temporary folder) all stop."""
    base = tmp_path / "run"
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        run = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--basetemp={base}",
             f"{Path(__file__).relative_to(ROOT)}::"
             "test_five_students_run_the_notebook_at_once_with_the_right_outputs"],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while not any(b"ipykernel_launcher" in cmd for _, cmd in _cwd_under(base)):
            assert run.poll() is None, f"the run ended early:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "no student's kernel started within 240 s"
            time.sleep(0.2)
        started = _cwd_under(base)
        assert any(b"jupyterhub-singleuser" in c for _, c in started), started
        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C: SIGINT to the foreground process group
        sent = time.monotonic()
        while _cwd_under(base) and time.monotonic() - sent < 15:
            time.sleep(0.1)
        assert _cwd_under(base) == [], "still running 15 s after Ctrl-C"
        code = run.wait(timeout=30)
        assert code == 2, f"exit status {code}, not 2 (interrupted):\n{log.read_text()[-3000:]}"
    finally:
        for pid, _ in _cwd_under(base):
            os.kill(pid, signal.SIGKILL)
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)


def test_make_hub_link_prints_the_link_and_no_shell_reads_the_values(tmp_path):
    def make(*values: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "--no-print-directory", f"PYTHON={sys.executable}", "hub-link", *values],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip

    done = make("HUB=https://hub.example.edu", "REPO=https://github.com/OWNER/REPO",
                "NOTEBOOK=notebooks/00_overview.ipynb", "BRANCH=spring")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com"
        "%2FOWNER%2FREPO&branch=spring&urlpath=lab%2Ftree%2FREPO%2Fnotebooks%2F00_overview.ipynb\n"
    )
    marker = tmp_path / "ran"
    hostile = make(f"HUB=https://h$$(touch {marker})", f"REPO=x; touch {marker}", "NOTEBOOK=a")
    assert hostile.returncode != 0 and "repo must be a URL" in hostile.stderr, hostile.stderr
    assert not marker.exists(), "a shell ran a value given to make hub-link"
    missing = make("HUB=https://hub.example.edu")
    assert missing.returncode != 0 and "REPO is missing" in missing.stderr, missing.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (("hub.example.edu", "https://github.com/O/R", "a.ipynb"), "hub must be a URL"),
        (("https://h", "https://github.com/O/R", "../a.ipynb"), "notebook must be a path inside"),
        (("https://h", "https://github.com/O/R", "/etc/a.ipynb"), "notebook must be a path inside"),
    ],
)
def test_link_names_the_bad_argument(args, message):
    with pytest.raises(ValueError, match=message):
        hubs.link(*args)
