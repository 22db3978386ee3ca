"""Colab: every notebook installs `gumbel_lib` where it is missing, and every launch link agrees.

The repository's address is defined in pyproject.toml's ``[project.urls]``; the README's
Binder and Colab badges, each notebook's "Open in Colab" badge and the source its set-up cell
installs from must name the same repository.

Each notebook's set-up cell (its first code cell) starts with an install-if-missing step:
``importlib.util.find_spec("gumbel_lib") is None`` (as on Colab) runs ``%pip install`` from the
repository, or from ``GUMBEL_LIB_SOURCE`` when that is set (the tests point it at a copy of this
checkout). Two things are checked by running the cells: where `gumbel_lib` is installed
(here, Binder, CI) the step calls no pip at all; and in a fresh environment that has the
notebook packages but no `gumbel_lib`, as a student on Colab meets it, notebook 01 runs top to
bottom after the step installed the package.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import jupytext
import nbformat
import pytest

from tests.support.project import NOTEBOOKS, ROOT, notebook_paths

MARKDOWN = notebook_paths(".md")
SOURCE_VARIABLE = "GUMBEL_LIB_SOURCE"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"

#: Every kind of link that names the repository: a Binder launch, a Colab launch, a GitHub URL
#: (pip's ``git+https://github.com/...`` included). Group 1 is ``OWNER/REPO``.
REPOSITORY_LINK = re.compile(
    r"(?:mybinder\.org/v2/gh|colab\.research\.google\.com/github|github\.com)"
    r"/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)"
)


def _named(match: re.Match) -> str:
    """``OWNER/REPO`` of a :data:`REPOSITORY_LINK` match (a sentence's full stop and pip's
    ``.git`` left out)."""
    return match.group(1).rstrip(".").removesuffix(".git")


def repository() -> str:
    """``OWNER/REPO`` of pyproject.toml's ``[project.urls] Repository``."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        url = tomllib.load(f)["project"]["urls"]["Repository"]
    m = re.fullmatch(r"https://github\.com/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)", url)
    assert m, f"[project.urls] Repository is not https://github.com/OWNER/REPO: {url!r}"
    return m.group(1)


def colab_url(notebook: str) -> str:
    return f"https://colab.research.google.com/github/{repository()}/blob/main/{notebook}"


def setup_cell(md: Path) -> str:
    return next(c.source for c in jupytext.read(md).cells if c.cell_type == "code")


# ---- one address -------------------------------------------------------------------------------


def links_to_other_repositories(text: str) -> list[str]:
    """The links in ``text`` whose repository is not pyproject.toml's (launch links of other
    projects' repositories count too: the README and the notebooks link to none)."""
    return [m.group(0) for m in REPOSITORY_LINK.finditer(text) if _named(m) != repository()]


def test_every_link_names_the_repository_of_pyproject():
    texts = {"README.md": (ROOT / "README.md").read_text(encoding="utf-8")}
    for md in MARKDOWN:
        for path in (md, md.with_suffix(".ipynb")):
            texts[path.name] = path.read_text(encoding="utf-8")
    wrong = {name: links_to_other_repositories(t) for name, t in texts.items()}
    assert {k: v for k, v in wrong.items() if v} == {}, (
        f"links disagree with pyproject.toml's [project.urls] ({repository()})"
    )
    readme = texts["README.md"]
    assert f"mybinder.org/v2/gh/{repository()}/main" in readme
    assert colab_url("notebooks/00_overview.ipynb") in readme


def test_the_link_check_catches_another_repository():
    assert links_to_other_repositories(
        f"[a](https://mybinder.org/v2/gh/{repository()}/main?urlpath=lab) "
        "[b](https://colab.research.google.com/github/someone/else/blob/main/x.ipynb) "
        "`%pip install git+https://github.com/someone/else.git`"
    ) == [
        "colab.research.google.com/github/someone/else",
        "github.com/someone/else.git",
    ]


def test_readme_opens_the_overview_on_colab():
    badge = f"[![Open In Colab]({COLAB_BADGE})]({colab_url('notebooks/00_overview.ipynb')})"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert badge in readme.splitlines()[2], "the Colab badge belongs next to the Binder badge"


@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_each_notebook_opens_itself_on_colab(md):
    """The link is the line under the title of the first cell, alone on its line, and opens
    this notebook's .ipynb (the file Colab reads) on the main branch. It is a text link, not the
    badge image: a notebook opened in JupyterLab or on the offline pages requests nothing from
    another site."""
    first = jupytext.read(md).cells[0].source.splitlines()
    link = f"[Open in Colab]({colab_url(f'notebooks/{md.stem}.ipynb')})"
    assert first[0].startswith("# ") and first[1:3] == ["", link], (
        f"{md.name}: the line under the title should be {link}"
    )
    remote_images = re.findall(r"!\[[^\]]*\]\((https?://[^)]+)\)", md.read_text(encoding="utf-8"))
    assert not remote_images, f"{md.name}: images fetched from another site: {remote_images}"
    assert md.with_suffix(".ipynb").exists()


@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_each_setup_cell_installs_the_package_only_where_it_is_missing(md):
    source = setup_cell(md)
    guard = 'if importlib.util.find_spec("gumbel_lib") is None:'
    install = (
        f'    source = os.environ.get("{SOURCE_VARIABLE}", "git+https://github.com/{repository()}")\n'
        "    %pip install --quiet {source}\n"
        "    importlib.invalidate_caches()\n"
    )
    assert source.startswith("import importlib.util\nimport os\n\n" + guard + "  #"), (
        f"{md.name}: the set-up cell should start with the install-if-missing step"
    )
    assert install in source, f"{md.name}: the step should install from {SOURCE_VARIABLE} or GitHub"


# ---- where gumbel_lib is installed, no pip ---------------------------------------------------

RECORD_PIP = """
import json, os
pip_calls = []
os.environ.pop("GUMBEL_LIB_SOURCE", None)
get_ipython().register_magic_function(lambda line: pip_calls.append(line), "line", "pip")
"""

PRETEND_MISSING = """
import importlib.util
_find_spec = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name == "gumbel_lib" else _find_spec(name, *a)
"""


def _run_in_kernel(sources: list[str], cwd: Path) -> list[str]:
    """Run the cells in a fresh kernel of this environment; the text each printed."""
    import nbclient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute()
    return [
        "".join(o.get("text", "") for o in c.outputs if o.get("name") == "stdout") for c in nb.cells
    ]


def test_where_gumbel_lib_is_installed_no_setup_cell_runs_pip():
    """Every set-up cell, run in this environment with a `pip` magic that only records its
    calls: none is called. Then the control: the same cell of 01 with `gumbel_lib` made to look
    missing calls it once, with the repository of pyproject.toml (no GUMBEL_LIB_SOURCE set)."""
    cells = [RECORD_PIP, *(setup_cell(md) for md in MARKDOWN), "print(json.dumps(pip_calls))"]
    cells += [PRETEND_MISSING, setup_cell(MARKDOWN[1]), "print(json.dumps(pip_calls))"]
    printed = _run_in_kernel(cells, NOTEBOOKS)
    assert json.loads(printed[len(MARKDOWN) + 1]) == [], "a set-up cell ran pip"
    assert json.loads(printed[-1]) == [f"install --quiet git+https://github.com/{repository()}"]


# ---- a fresh environment without gumbel_lib, as on Colab ------------------------------------

RUN_NOTEBOOK = """
import json, sys
import nbclient, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(  # where it came from; 07's data came with it
    "import sys, gumbel_lib, gumbel_lib.data\\nprint(sys.prefix)\\nprint(gumbel_lib.__file__)\\n"
    "print(len(gumbel_lib.data.load_digits()[0]))"))
nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[2]}}).execute()
print(json.dumps(nb.cells[-1].outputs[0]["text"].split()))
"""


def _is_gumbel_lib(name: str) -> bool:
    """An entry of site-packages that installs gumbel_lib (package, dist-info, editable hook)."""
    return "gumbel_lib" in name or name.startswith("__editable__")


def fresh_environment(where: Path) -> Path:
    """A new virtual environment with this environment's packages but not `gumbel_lib`: its
    site-packages gets a .pth naming a folder of links to every entry of this environment's
    site-packages except gumbel_lib's (its package, its dist-info, the editable install's
    finder and .pth). Returns its Python."""
    subprocess.run([sys.executable, "-m", "venv", str(where / "env")], check=True, timeout=300)
    python = where / "env" / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    linked = where / "packages"
    linked.mkdir()
    ours = Path(sysconfig.get_path("purelib"))
    for entry in ours.iterdir():
        if not (_is_gumbel_lib(entry.name) or entry.suffix == ".pth" or entry.name == "pip"):
            (linked / entry.name).symlink_to(entry)
    (site / "notebook-packages.pth").write_text(f"{linked}\n", encoding="utf-8")
    return python


def _copy_checkout(dest: Path) -> Path:
    """This checkout's files, as a clone would have them (pip builds in the source folder, so
    it builds in a copy rather than in the working tree)."""
    skip = shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", ".ipynb_*"
    )
    shutil.copytree(ROOT, dest, ignore=skip)
    return dest


@pytest.mark.slow
def test_a_fresh_environment_without_gumbel_lib_runs_a_notebook(tmp_path):
    """Notebook 01 alone in a folder, its kernel in :func:`fresh_environment`, its set-up cell
    pointed at a copy of this checkout: pip builds and installs `gumbel_lib` there (the
    dependencies are already present, as on Colab; only the build backend named in
    pyproject.toml's ``[build-system]`` comes from the package index, in pip's isolated build),
    and every cell runs."""
    python = fresh_environment(tmp_path)
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    env.pop(SOURCE_VARIABLE, None)
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "jupyter-data")  # no personal kernelspecs
    student = tmp_path / "student"  # the notebook alone, as Colab opens it
    student.mkdir()

    def run(*args: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(
            [python, *args],
            cwd=student,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            **kw,
        )

    missing = run("-c", "import gumbel_lib")
    assert missing.returncode != 0 and "No module named 'gumbel_lib'" in missing.stderr, (
        "gumbel_lib is importable in the fresh environment: the test would prove nothing"
    )
    present = run("-c", "import ipykernel, ipywidgets, matplotlib, nbclient, numpy, sympy")
    assert present.returncode == 0, present.stderr[-2000:]

    notebook = student / "01_softmax_temperature.ipynb"
    shutil.copy(NOTEBOOKS / notebook.name, notebook)
    env[SOURCE_VARIABLE] = str(_copy_checkout(tmp_path / "checkout"))
    done = run("-c", RUN_NOTEBOOK, str(notebook), str(student))
    assert done.returncode == 0, (
        f"{notebook.name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    )
    prefix, module, n_digits = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(prefix) == tmp_path / "env", "the kernel is not the fresh environment's Python"
    assert Path(module).is_relative_to(tmp_path / "env"), (
        f"gumbel_lib was imported from {module}, not installed into the fresh environment"
    )
    assert n_digits == "1797", "the installed package lacks the digits of notebook 07"
