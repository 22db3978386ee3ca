"""The package: NumPy-only import, lazy heavy modules, the JupyterLab settings override."""

from __future__ import annotations

import json
import subprocess
import sys

import gumbel_lib


def run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout


def test_import_needs_only_numpy():
    out = run(
        "import sys, gumbel_lib\n"
        "heavy = {'matplotlib', 'sympy', 'ipywidgets', 'scipy', 'IPython'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    assert out.strip() == "[]"


def test_heavy_modules_load_on_first_use():
    out = run(
        "import sys, gumbel_lib\n"
        "gumbel_lib.plots.use_style\n"
        "print('matplotlib' in sys.modules, 'sympy' in sys.modules)"
    )
    assert out.split() == ["True", "False"]


def test_every_public_module_is_an_attribute():
    """``gl.simplex`` works like ``gl.vae``: each public module of the package loads on first use,
    and none of the lazy ones is imported by ``import gumbel_lib``."""
    import pkgutil

    public = {
        info.name for info in pkgutil.iter_modules(gumbel_lib.__path__) if info.name[0] != "_"
    }
    out = run(
        "import sys, gumbel_lib\n"
        f"public = {sorted(public)!r}\n"
        "early = [m for m in public if 'gumbel_lib.' + m in sys.modules]\n"
        "print(' '.join(early))\n"
        "print([m for m in public if getattr(gumbel_lib, m) is not sys.modules['gumbel_lib.' + m]\n"
        "       and m not in gumbel_lib.__all__])\n"  # gl.softmax is the function softmax
        "print(sorted(set(public) - set(dir(gumbel_lib))))"
    )
    early, loaded, undiscoverable = out.splitlines()
    assert loaded == "[]"
    assert undiscoverable == "[]"  # tab completion lists them
    # the core modules are imported eagerly, the others only on first use
    assert set(early.split()) == {"gumbel", "relaxed", "softmax", "straight_through"}


def test_simplex_loads_without_matplotlib_and_simplex_plot_with_it():
    out = run(
        "import sys, gumbel_lib as gl\n"
        "print(gl.simplex.to_cartesian([0, 1, 0]).tolist(), 'matplotlib' in sys.modules)\n"
        "gl.simplex_plot.draw_triangle\n"
        "print('matplotlib' in sys.modules)"
    )
    assert out.split("\n")[:2] == ["[1.0, 0.0] False", "True"]


def test_unknown_attribute():
    try:
        gumbel_lib.nonexistent  # noqa: B018
    except AttributeError as err:
        assert "nonexistent" in str(err)
    else:
        raise AssertionError("expected AttributeError")


def test_public_api_is_documented():
    for name in gumbel_lib.__all__:
        obj = getattr(gumbel_lib, name)
        if callable(obj):
            assert obj.__doc__ and "Examples" in obj.__doc__ or name == "StraightThrough", name


def test_lab_settings_merge_keeps_user_keys(tmp_path):
    from gumbel_lib.lab_settings import install_overrides

    path = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True)
    user = {
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
        "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    }
    path.write_text(json.dumps(user))
    install_overrides(tmp_path)
    install_overrides(tmp_path)  # idempotent
    merged = json.loads(path.read_text())
    assert merged["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    doc = merged["@jupyterlab/docmanager-extension:plugin"]
    assert doc["autosave"] is False
    assert doc["defaultViewers"]["markdown"] == "Jupytext Notebook"


def test_every_package_folder_is_installed():
    """A non-editable install ships only the packages pyproject.toml lists (the explorers too)."""
    import tomllib
    from pathlib import Path

    root = Path(gumbel_lib.__file__).parent
    config = tomllib.loads((root.parent / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    folders = {
        ".".join(init.parent.relative_to(root.parent).parts) for init in root.rglob("__init__.py")
    }
    assert folders <= listed, f"not installed by a wheel: {sorted(folders - listed)}"
