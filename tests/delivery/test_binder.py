"""Binder (repo2docker) config, the pins it shares with conda and CI, and a Binder-like build.

repo2docker reads only binder/ when that folder exists: it installs binder/requirements.txt
BEFORE it copies the repository, then runs binder/postBuild from the repository root.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib.metadata import requires
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from scripts import write_environment
from tests.support.project import ROOT, notebook_paths

BINDER = ROOT / "binder"
LOCK = ROOT / "requirements" / "dev.txt"
REQUIREMENTS = BINDER / "requirements.txt"
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*==[A-Za-z0-9.+!\-]+$")


def _requirement_lines(path: Path) -> list[str]:
    """The requirement lines of a pip-compile output (comments and `# via` notes dropped)."""
    lines = (line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def _pins(path: Path) -> dict[str, str]:
    out = {}
    for line in _requirement_lines(path):
        name, _, version = line.partition("==")
        out[canonicalize_name(name)] = version
    return out


def _declared(*extras: str) -> set[str]:
    """The names pyproject.toml declares (read from the installed metadata) for ``extras``."""
    names = set()
    for spec in requires("gumbel_lib") or []:
        req = Requirement(spec)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras):
            names.add(canonicalize_name(req.name))
    return names


def test_runtime_is_the_tested_python():
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}"


@pytest.mark.parametrize("path", [REQUIREMENTS, LOCK], ids=["binder", "dev"])
def test_every_requirement_is_pinned(path):
    lines = _requirement_lines(path)
    assert lines, f"{path} is empty"
    loose = [line for line in lines if not PIN.match(line)]
    assert loose == [], f"{path.name}: not pinned with ==: {loose} (run `make lock`)"


def test_binder_pins_are_the_locked_versions():
    binder, lock = _pins(REQUIREMENTS), _pins(LOCK)
    differ = {n: (v, lock.get(n)) for n, v in binder.items() if lock.get(n) != v}
    assert differ == {}, f"binder/requirements.txt disagrees with {LOCK.name}: {differ}"


def test_locks_cover_pyproject():
    """A dependency added to pyproject.toml without `make lock` fails here."""
    assert _declared("notebook", "test") - set(_pins(LOCK)) == set()
    assert _declared("notebook") - set(_pins(REQUIREMENTS)) == set()
    assert "gumbel-lib" not in _pins(REQUIREMENTS), "the package is installed by postBuild"


def test_environment_yml_carries_the_binder_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["name"] == "gumbel-softmax"
    deps = env["dependencies"]
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    assert f"python={runtime.removeprefix('python-')}" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert "-e ." in pip_section
    pinned = {
        canonicalize_name(s.partition("==")[0]): s.partition("==")[2]
        for s in pip_section
        if "==" in s
    }
    assert pinned == _pins(REQUIREMENTS), "environment.yml and binder/requirements.txt disagree"
    assert (ROOT / "environment.yml").read_text(encoding="utf-8") == write_environment.render(), (
        "environment.yml is stale: run `make lock` (or python scripts/write_environment.py)"
    )


def test_postbuild_installs_the_package_and_the_lab_settings():
    post = BINDER / "postBuild"
    assert post.stat().st_mode & stat.S_IXUSR, "binder/postBuild must be executable"
    text = post.read_text(encoding="utf-8")
    assert text.startswith("#!")
    assert re.search(r"^set -e", text, re.M)
    assert "pip install --no-cache-dir --no-deps -e ." in text
    assert "python -m gumbel_lib.lab_settings" in text


def test_repo2docker_reads_the_binder_folder():
    """repo2docker generates its Dockerfile without a Docker engine (--no-build)."""
    exe = Path(sys.executable).with_name("repo2docker")
    assert exe.exists(), "jupyter-repo2docker is missing: pip install -e '.[test]'"
    done = subprocess.run(
        [str(exe), "--no-build", "--no-run", "--debug", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dockerfile, log = done.stdout, done.stderr
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip().removeprefix("python-")
    assert f"python={runtime}" in log, log[-2000:]
    install = re.search(r'^RUN .*pip install .*-r "?binder/requirements\.txt"?', dockerfile, re.M)
    copy_repo = re.search(r"^COPY .*src/ \$\{REPO_DIR\}/?$", dockerfile, re.M)
    post = re.search(r"^RUN \./binder/postBuild$", dockerfile, re.M)
    assert install and copy_repo and post, dockerfile[-3000:]
    # The order that forces `pip install -e .` into postBuild: requirements, copy, postBuild.
    assert install.start() < copy_repo.start() < post.start()


# ---- a fresh environment built the way Binder builds it ---------------------------------------

PROBE = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])  # the copy's scripts/nbrun.py (the notebook runner)
import nbformat
from nbrun import execute, problems

probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    "import sys, gumbel_lib; print(sys.prefix); print(gumbel_lib.__file__)")])
probe_path = Path(sys.argv[2]) / "_probe.ipynb"
nbformat.write(probe, probe_path)
kernel = execute(probe_path).cells[0].outputs[0]["text"].split()
probe_path.unlink()
report = {"kernel": kernel, "problems": {}, "seconds": {}}
for md in sorted(Path(sys.argv[2]).glob("[0-9][0-9]_*.md")):
    start = time.perf_counter()
    report["problems"][md.stem] = problems(execute(md))
    report["seconds"][md.stem] = round(time.perf_counter() - start, 1)
print(json.dumps(report))
"""


def _copy_repo(dest: Path) -> Path:
    """The repository as Binder sees it: the files, none of the local environments or builds."""
    skip = shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", ".ipynb_*"
    )
    shutil.copytree(ROOT, dest, ignore=skip)
    return dest


@contextlib.contextmanager
def _scratch(prefix: str) -> Iterator[Path]:
    """A temporary folder that is removed afterwards, whatever happens.

    Not pytest's ``tmp_path``: pytest keeps the folders of the last three runs, and this one
    holds a virtualenv of about 500 MB.
    """
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_scratch_folder_is_removed_even_after_a_failure():
    with _scratch("binder-like-") as folder:
        (folder / "env" / "lib").mkdir(parents=True)
        (folder / "env" / "lib" / "big").write_bytes(b"x" * 1000)
    assert not folder.exists()
    with pytest.raises(RuntimeError), _scratch("binder-like-") as folder:
        (folder / "env").mkdir()
        raise RuntimeError("pip failed")
    assert not folder.exists()


@pytest.mark.slow
def test_a_binder_like_environment_runs_every_notebook():
    with _scratch("binder-like-") as tmp_path:
        _build_and_run_every_notebook(tmp_path)


def _build_and_run_every_notebook(tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path / "repo")
    prefix = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(prefix)], check=True, timeout=120)
    env = dict(
        os.environ,
        PATH=f"{prefix / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        VIRTUAL_ENV=str(prefix),
        NB_PYTHON_PREFIX=str(prefix),
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),  # no personal kernelspecs
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    env.pop("PYTHONPATH", None)
    py = str(prefix / "bin" / "python")

    def run(*cmd: str) -> None:
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{cmd} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        print(f"{' '.join(cmd[-2:])}: {time.perf_counter() - start:.0f} s")  # shown with -rP / -s

    # What the Dockerfile does: requirements first (no repository yet), then postBuild.
    run(py, "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt")
    run("./binder/postBuild")

    overrides = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    viewers = json.loads(overrides.read_text())["@jupyterlab/docmanager-extension:plugin"]
    assert viewers["defaultViewers"]["markdown"] == "Jupytext Notebook"

    done = subprocess.run(
        [py, "-c", PROBE, str(repo / "scripts"), str(repo / "notebooks")],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    kernel_prefix, module = report["kernel"]
    assert Path(kernel_prefix) == prefix, "the kernel is not the fresh environment's Python"
    assert Path(module).is_relative_to(repo), "gumbel_lib was not installed from the repository"
    assert sorted(report["problems"]) == sorted(p.stem for p in notebook_paths())
    print("notebook seconds in the Binder-like environment:", report["seconds"])
    bad = {name: found for name, found in report["problems"].items() if found}
    assert bad == {}, f"notebooks fail in the Binder environment: {bad}"


def test_readme_badge_opens_the_overview_on_binder():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badge = re.search(
        r"\[!\[Binder\]\(https://mybinder\.org/badge_logo\.svg\)\]"
        r"\((https://mybinder\.org/v2/gh/([^/]+/[^/]+)/main\?urlpath=lab/tree/(notebooks/[^)]+))\)",
        readme,
    )
    assert badge, "no Binder badge in README.md"
    assert (ROOT / badge.group(3)).exists(), (
        f"the badge opens {badge.group(3)}, which does not exist"
    )
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as f:
        repository = tomllib.load(f)["project"]["urls"]["Repository"]
    assert repository == f"https://github.com/{badge.group(2)}", (
        f"the badge launches {badge.group(2)}, pyproject.toml's [project.urls] names {repository}"
    )
