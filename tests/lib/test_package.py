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


# --- renamed names: the old ones work for one version, with a DeprecationWarning ------------


def _pixels(n: int = 6):
    import numpy as np

    return (np.random.default_rng(0).random((n, 64)) < 0.3).astype(float)


def test_renamed_functions_warn_and_give_the_same_numbers():
    """Each old name calls the new one (the same numbers) and warns, naming the new name."""
    import numpy as np
    import pytest

    from gumbel_lib import estimators, relaxed, vae

    x, f = [0.0, 1.0, -0.5], [1.0, 0.0, 2.0]
    with pytest.warns(DeprecationWarning, match="straight_through_gumbel_softmax_estimator"):
        old = estimators.straight_through_gumbel_estimator(x, f, 5, 0.5, rng=1)
    new = estimators.straight_through_gumbel_softmax_estimator(x, f, 5, 0.5, rng=1)
    np.testing.assert_array_equal(old, new)

    with pytest.warns(DeprecationWarning, match="gumbel_lib.relaxed.binary_relaxed_mean"):
        old = estimators.binary_relaxed_mean(lambda s: s * s, [0.3, -1.0], 0.4)
    np.testing.assert_array_equal(
        old, relaxed.binary_relaxed_mean(lambda s: s * s, [0.3, -1.0], 0.4)
    )

    params, v = vae.init_params(0, hidden=4), _pixels()
    with pytest.warns(DeprecationWarning, match="grads_straight_through_gumbel_softmax"):
        old = vae.grads_st_gumbel(params, v, 0.5, rng=3)
    new = vae.grads_straight_through_gumbel_softmax(params, v, 0.5, rng=3)
    np.testing.assert_array_equal(old.grad_logits, new.grad_logits)


def test_the_vaes_estimator_names_have_their_own_name():
    """``vae.GRADIENT_METHODS`` ("exact" and the estimators) is not ``estimators.ESTIMATORS``;
    the VAE's old ``ESTIMATORS`` still gives it, with a warning, from either module."""
    import importlib

    import pytest

    from gumbel_lib import estimators, vae

    assert vae.GRADIENT_METHODS[0] == "exact" and "exact" not in estimators.ESTIMATORS
    for module in ("gumbel_lib.vae", "gumbel_lib.vae.gradients"):
        with pytest.warns(DeprecationWarning, match=f"use {module}.GRADIENT_METHODS"):
            old = importlib.import_module(module).ESTIMATORS
        assert old == vae.GRADIENT_METHODS
    with pytest.raises(AttributeError):
        vae.NO_SUCH_NAME  # noqa: B018


def test_the_pixels_keyword_is_v_and_xb_still_works():
    """The VAE's pixels are ``v`` (notebook 00's notation); ``xb=`` and ``eval_xb=`` warn and
    still work; both the old and the new keyword at once is a TypeError."""
    import numpy as np
    import pytest

    from gumbel_lib import vae

    params, v = vae.init_params(0, hidden=4), _pixels()
    with pytest.warns(DeprecationWarning, match=r"elbo_exact\(xb=...\) is deprecated; use"):
        old = vae.elbo_exact(params, xb=v)
    np.testing.assert_array_equal(old, vae.elbo_exact(params, v=v))
    ell = np.zeros((6, 64))
    with pytest.warns(DeprecationWarning, match=r"use bernoulli_log_likelihood\(v=...\)"):
        vae.bernoulli_log_likelihood(xb=v, logits=ell)
    with pytest.warns(DeprecationWarning, match=r"train\(eval_xb=...\)"):
        old = vae.train(v, "exact", 2, batch_size=3, hidden=4, eval_every=2, eval_xb=v[:3])
    new = vae.train(v, "exact", 2, batch_size=3, hidden=4, eval_every=2, eval_v=v[:3])
    np.testing.assert_array_equal(old.elbo, new.elbo)
    with pytest.raises(TypeError, match="got both xb= and v="):
        vae.grads_exact(params, xb=v, v=v)


def test_no_public_name_is_a_deprecated_one():
    """``from gumbel_lib.<module> import *`` warns about nothing: the old names are not in any
    ``__all__``."""
    import importlib
    import warnings

    for name in ("gumbel_lib", "gumbel_lib.estimators", "gumbel_lib.relaxed", "gumbel_lib.vae"):
        module = importlib.import_module(name)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for attr in module.__all__:
                getattr(module, attr)
        assert not {"ESTIMATORS", "grads_st_gumbel", "straight_through_gumbel_estimator"} & (
            set(module.__all__) - ({"ESTIMATORS"} if name == "gumbel_lib.estimators" else set())
        )
