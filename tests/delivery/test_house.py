"""The house habit from docs/architecture.md: no private name crosses a module.

A helper whose name starts with ``_`` is private to its module; when a second module
needs it, it moves down to ``gumbel_lib/_checks.py`` (or becomes public). Importing a
private submodule itself (``from . import _core``, ``from ._checks import check_tau``)
is fine: the underscore there marks the module as internal to the package.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.support.project import ROOT

PACKAGE = ROOT / "gumbel_lib"


def private_imports(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = path.parent
            for _ in range(node.level - 1):
                base = base.parent
            module_dir = base.joinpath(*(node.module or "").split(".")) if node.module else base
            for alias in node.names:
                is_submodule = (module_dir / f"{alias.name}.py").exists() or (
                    module_dir / alias.name
                ).is_dir()
                if alias.name.startswith("_") and not is_submodule:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {alias.name}")
    return found


def test_no_private_name_is_imported_across_modules():
    offenders = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in private_imports(path)]
    assert offenders == [], "move these helpers to gumbel_lib/_checks.py: " + ", ".join(offenders)


def test_the_check_detects_a_private_import(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a.py").write_text("def _helper():\n    return 1\n")
    (pkg / "b.py").write_text("from .a import _helper\nfrom . import a\n")
    assert private_imports(pkg / "b.py", root=tmp_path) == ["pkg/b.py:1 _helper"]


# ---- the project speaks of itself ----------------------------------------------------------------

ISSUE_NUMBER = re.compile(r"\b[Ii]ssues? \d+\b|\b[Ii]tem \d+ of issue\b")
OUTSIDE_PATH = re.compile(r"/work/|\.\./shared/|shared/guides/")


def self_reference_problems(text: str) -> list[str]:
    """Issue numbers of this project's tracker, and paths outside the repository, in ``text``."""
    return [m.group(0) for m in ISSUE_NUMBER.finditer(text)] + [
        m.group(0) for m in OUTSIDE_PATH.finditer(text)
    ]


def test_the_project_speaks_of_itself():
    """No tracker number (a reader cannot open it: state the requirement instead) and no path
    outside the repository, in code, tests, notebooks and docs: the files of the working tree
    that git tracks or would track (a new file is checked before its first commit, a deleted
    one is not). The bibliography is exempt: a journal's "issue 2023" is a citation."""
    import subprocess

    root = PACKAGE.parent
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    found = []
    for name in files:
        if name == "docs/references.md" or not name.endswith((".py", ".md", ".toml", ".yml")):
            continue
        if not (root / name).is_file():
            continue
        if name == Path(__file__).resolve().relative_to(root).as_posix():
            continue
        text = (root / name).read_text(encoding="utf-8", errors="replace")
        found += [f"{name}: {hit}" for hit in self_reference_problems(text)]
    assert found == [], "\n".join(found)


def test_the_self_reference_check_catches_both_kinds():
    assert self_reference_problems("fixed in issue 9, item 2; see /work/shared/guides/house.md")
    assert not self_reference_problems("upstream issues jupyterlab-contrib/rise #119 and #126")
