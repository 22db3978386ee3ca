"""The house habit from docs/architecture.md: no private name crosses a module.

A helper whose name starts with ``_`` is private to its module; when a second module
needs it, it moves down to ``gumbel_lib/_checks.py`` (or becomes public). Importing a
private submodule itself (``from . import _core``, ``from ._checks import check_tau``)
is fine: the underscore there marks the module as internal to the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gumbel_lib"


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
