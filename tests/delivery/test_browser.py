"""JupyterLab in a real browser: every notebook runs, its slider redraws the figure, and axe-core
finds no serious or critical WCAG 2.1 AA violation in its cells and outputs (tests/support/axe.py).

One `jupyter lab` from this venv per module (127.0.0.1, a free port, a random token), serving a
copy of notebooks/ (nothing the browser does can write into the working tree; autosave is off
too), driven with pytest-playwright's fixtures on Debian's Chromium (tests/conftest.py).
Screenshots land in build/screenshots/; a failed test keeps its trace in build/test-results/.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import jupytext
import pytest

from scripts import procs
from tests.support.axe import (
    JUPYTERLAB_UPSTREAM,
    axe_script,
    describe,
    failing,
    run_axe,
    split_upstream,
)
from tests.support.browser import screenshot_dir
from tests.support.project import NOTEBOOKS, notebook_paths

pytestmark = pytest.mark.browser

MARKDOWN = notebook_paths()
TIMEOUT_MS = 90_000  # generous: CI machines are shared; a notebook takes a few seconds


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path

    def href(self, path: str) -> str:
        return f"{self.url}/lab/tree/{path}?token={self.token}&reset"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _user_settings(folder: Path) -> None:
    """Test-only user settings: never autosave (pages must not write files), render all cells."""
    settings = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for name, value in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A fresh JupyterLab server for this module, stopped by its own PID afterwards."""
    from tests.support.browser import require_chromium

    require_chromium()  # skip/fail before paying for a server
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(NOTEBOOKS, root / "notebooks", ignore=shutil.ignore_patterns(".ipynb*"))
    _user_settings(root / "user-settings")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_TOKEN=token,  # as `make lab` does: never on a command line, which `ps` shows
        JUPYTERLAB_SETTINGS_DIR=str(root / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"),
        JUPYTER_CONFIG_DIR=str(root / "config"),  # no personal jupyter_server_config
    )
    cmd = [
        str(Path(sys.executable).with_name("jupyter-lab")),
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = root / "jupyter-lab.log"
    with open(log, "wb") as out:
        # No terminal on stdin: Ctrl-C stops the server at once instead of asking "Shutdown
        # this Jupyter server (y/[n])?" into its log (tests/support/interrupt.py stops it anyway).
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer in 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        assert_token_on_no_command_line(token)
        yield Lab(url=url, token=token, root=root, log=log)
        assert_token_on_no_command_line(token)  # the kernels the tests started included
    finally:
        proc.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def assert_token_on_no_command_line(token: str) -> None:
    """No process (this server, its kernels, anything) shows ``token`` in its argv."""
    shown = {pid: cmd for pid, cmd in procs.cmdlines().items() if token.encode() in cmd}
    assert shown == {}, f"the token is on a command line: {shown}"


def test_the_command_line_check_sees_a_token_in_argv():
    """The check above can fail: a process with the token among its arguments is found."""
    token = secrets.token_hex(16)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", token])
    try:
        deadline = time.monotonic() + 10
        while not procs.cmdline(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)  # just after the exec, /proc shows an empty command line
        with pytest.raises(AssertionError, match=f"the token is on a command line.*{proc.pid}"):
            assert_token_on_no_command_line(token)
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture
def page(lab, new_context):
    """A page of pytest-playwright's browser (Debian's Chromium: tests/conftest.py); its trace
    and a screenshot are kept under build/test-results/ when the test fails."""
    page = new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


@pytest.fixture(scope="module")
def axe():
    from scripts import export

    return axe_script(export.ensure_assets())


#: The notebook's cells and outputs: axe's scope in JupyterLab (the rest is upstream's interface).
NOTEBOOK_SCOPE = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"


def assert_accessible(page, axe, name: str) -> None:
    """No serious or critical WCAG 2.1 AA violation (axe-core) in the open notebook, apart from
    JupyterLab's own elements (tests/support/axe.py lists them; they are printed)."""
    ours, upstream = split_upstream(run_axe(page, axe, NOTEBOOK_SCOPE), JUPYTERLAB_UPSTREAM)
    minor = [v for v in ours if v not in failing(ours)]
    if minor or upstream:
        print(f"{name}: minor or moderate:\n{describe(minor)}")
        print(f"{name}: JupyterLab's own:\n{describe(upstream)}")
    assert failing(ours) == [], f"{name} in JupyterLab:\n{describe(failing(ours))}"


def _open_notebook(page, lab: Lab, path: str) -> None:
    page.goto(lab.href(path))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")


def _menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).click()


def _run_all(page) -> None:
    # Hidden solution cells show no execution count while folded: unfold them first.
    _menu(page, "View", "Expand All Code")
    _menu(page, "Run", "Run All Cells")


CODE_PROMPTS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt"


def _wait_all_executed(page, n_code: int) -> None:
    """Every code cell shows an execution count `[k]:` and the kernel is idle."""
    page.wait_for_function(
        """([sel, n]) => {
            const ps = [...document.querySelectorAll(sel)];
            return ps.length === n && ps.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        arg=[CODE_PROMPTS, n_code],
    )
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")


def _errors(page) -> list[str]:
    """Tracebacks and stderr text shown in the notebook (JupyterLab renders both as stderr)."""
    sel = ".jp-NotebookPanel .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    return [t[:500] for t in page.locator(sel).all_inner_texts()]


def _caption_value(text: str) -> float | None:
    """The number in a caption's first "name = value" (e.g. 1.58 in "τ = 1.58   entropy = ...").

    Compared as numbers for every slider (notebook 03's sample-count caption shows the whole
    count it drew); a τ caption must also repeat the readout's text exactly (checked below).
    """
    m = re.search(r"^\s*\S+ = ([-+0-9.eE]+)", text, re.M)
    return float(m.group(1)) if m else None


def assert_tau_caption_repeats_readout(slider, out) -> None:
    """A τ caption starts with the readout's exact text: the student sees one number twice."""
    if slider.locator(".widget-label").first.inner_text().strip() != "τ":
        return
    readout = slider.locator(".widget-readout").inner_text().strip()
    caption = out.inner_text().strip()
    assert caption.startswith(f"τ = {readout} "), (
        f"caption {caption!r} does not repeat the readout {readout!r}"
    )


def _uses_widgets(md: Path) -> bool:
    return "gumbel_lib.widgets" in md.read_text(encoding="utf-8")


@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_notebook_runs_and_slider_redraws(lab, page, axe, md):
    n_code = sum(c.cell_type == "code" for c in jupytext.read(md).cells)
    shots = screenshot_dir()
    _open_notebook(page, lab, f"notebooks/{md.stem}.ipynb")
    page.wait_for_function(  # JupyterLab renders the cells progressively
        "([sel, n]) => document.querySelectorAll(sel).length === n", arg=[CODE_PROMPTS, n_code]
    )
    _run_all(page)
    _wait_all_executed(page, n_code)
    assert _errors(page) == [], f"{md.stem}: errors or stderr output in JupyterLab"
    page.screenshot(path=shots / f"lab-{md.stem}-run.png")
    if _uses_widgets(md):  # the sliders are named by a script that runs once they are drawn
        page.wait_for_selector(".jp-NotebookPanel .widget-slider [role=slider][aria-label]")
    assert_accessible(page, axe, md.stem)

    if not _uses_widgets(md):
        # Nothing to move: the notebook builds no explorer (checked from its source, not skipped).
        assert page.locator(".jp-NotebookPanel .widget-slider").count() == 0
        return

    # The first explorer: a VBox of controls followed by its Output (figure + caption).
    explorer = page.locator(".jp-NotebookPanel .widget-vbox:has(> .widget-output)").first
    explorer.scroll_into_view_if_needed()
    slider = explorer.locator(":scope > .widget-slider").first
    out = explorer.locator(":scope > .widget-output")
    out.locator("img").first.wait_for()
    readout = slider.locator(".widget-readout")
    before_value = float(readout.inner_text())
    before_img = out.locator("img").first.get_attribute("src")
    assert _caption_value(out.inner_text()) == before_value, (
        f"caption {out.inner_text()!r} does not show the slider value {readout.inner_text()!r}"
    )
    assert_tau_caption_repeats_readout(slider, out)  # at τ = 1: "1.00", not "1"

    handle = slider.locator(".noUi-handle")
    handle.focus()
    for _ in range(4):
        handle.press("ArrowRight")
    after_value = float(readout.inner_text())
    assert after_value != before_value, "the keyboard did not move the slider"

    # The callback prints a caption starting with the value it drew ("τ = 1.58 ..."):
    # wait until that value is the slider's new one (a stale redraw would show an older one).
    page.wait_for_function(
        """([el, value]) => {
            const m = el.innerText.match(/^\\s*\\S+ = ([-+0-9.eE]+)/m);
            return m !== null && parseFloat(m[1]) === value;
        }""",
        arg=[out.element_handle(), after_value],
    )
    assert_tau_caption_repeats_readout(slider, out)
    after_img = out.locator("img").first.get_attribute("src")
    assert after_img and after_img != before_img, "the figure was not redrawn"
    assert _errors(page) == [], f"{md.stem}: errors or stderr output after moving the slider"
    explorer.screenshot(path=shots / f"lab-{md.stem}-slider.png")


def test_markdown_file_opens_as_notebook(lab, page):
    """The settings override (python -m gumbel_lib.lab_settings) makes a .md open as a notebook."""
    md = MARKDOWN[0]
    page.goto(lab.href(f"notebooks/{md.name}"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell, .jp-FileEditor")
    assert page.locator(".jp-FileEditor").count() == 0, f"{md.name} opened in the text editor"
    n_cells = len(jupytext.read(md).cells)
    assert page.locator(".jp-NotebookPanel .jp-Cell").count() == n_cells
    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")
    assert tab.inner_text().strip() == md.name
    page.screenshot(path=screenshot_dir() / f"lab-{md.stem}-md.png")
