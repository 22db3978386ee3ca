"""The argument rule of ``gumbel_lib._checks``, walked over the whole public API.

The rule (written down in ``_checks``'s docstring): a wrong *type* raises ``TypeError`` (a str,
None or a bool where a number is expected, a float where an int is), a wrong *value* of the right
type raises ``ValueError`` (out of range, NaN, wrong shape), and the message names the argument.
NumPy scalars are numbers (``np.int64`` is an int, ``np.float32`` a float).

Each public function has a row below: a call that works, and the kind of each argument it
checks. The table ``KINDS`` gives, per kind, bad values with the error the rule demands, and the
valid variants of the working value (``np.int64(3)`` for ``3``) that must be accepted. A test
walks the package and fails on any public function without a row, so a new function gets one.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import gumbel_lib

# --- the kinds of arguments: bad values with the error they must raise, valid variants -------


@dataclass(frozen=True)
class Kind:
    bad: list[tuple[Any, type[Exception]]]
    accepts: Callable[[Any], list[Any]] = lambda good: []


def _reals(good: Any) -> list[Any]:
    """np.float64, np.float32 and, for a whole number, int and np.int64: all the same number."""
    out = [np.float64(good), np.float32(good)]
    if float(good).is_integer():
        out += [int(good), np.int64(good)]
    return out


def _ints(good: Any) -> list[Any]:
    return [np.int64(good), np.int32(good), np.uint8(good)] if 0 <= good < 256 else [np.int64(good)]


def _bools(good: Any) -> list[Any]:
    return [np.bool_(good)]


NOT_A_REAL = [
    ("0.5", TypeError),  # a string is not a number
    (None, TypeError),
    (True, TypeError),  # a bool is not a number
    ([0.5], TypeError),  # nor a list of one
    (1j, TypeError),
]
NOT_AN_INT = [
    (2.0, TypeError),  # a float, even a whole one, is not an int
    ("2", TypeError),
    (None, TypeError),
    (True, TypeError),
    ([2], TypeError),
]

KINDS: dict[str, Kind] = {
    "real": Kind([*NOT_A_REAL, (np.nan, ValueError), (np.inf, ValueError)], _reals),
    "real or inf": Kind(NOT_A_REAL, _reals),
    "positive real": Kind(
        [
            *NOT_A_REAL,
            (np.nan, ValueError),
            (np.inf, ValueError),
            (0.0, ValueError),
            (-1.0, ValueError),
            (-np.inf, ValueError),
        ],
        _reals,
    ),
    "optional real": Kind([*NOT_A_REAL[:1], *NOT_A_REAL[2:], (np.nan, ValueError)], _reals),
    "optional positive real": Kind(
        [*NOT_A_REAL[:1], *NOT_A_REAL[2:], (np.nan, ValueError), (0.0, ValueError)], _reals
    ),
    "non-negative real": Kind(
        [*NOT_A_REAL, (np.nan, ValueError), (np.inf, ValueError), (-1.0, ValueError)], _reals
    ),
    "fraction": Kind(  # a number in [0, 1)
        [*NOT_A_REAL, (np.nan, ValueError), (-0.5, ValueError), (1.5, ValueError)], _reals
    ),
    "slider tau": Kind(  # the τ sliders' range, 0.01 to 100
        [*NOT_A_REAL, (np.nan, ValueError), (0.0, ValueError), (1e4, ValueError)], _reals
    ),
    "count": Kind([*NOT_AN_INT, (0, ValueError), (-1, ValueError)], _ints),
    "non-negative int": Kind([*NOT_AN_INT, (-1, ValueError)], _ints),
    "index": Kind([*NOT_AN_INT, (-99, ValueError), (99, ValueError)], _ints),
    "compress level": Kind([*NOT_AN_INT, (-1, ValueError), (10, ValueError)], _ints),
    "bool": Kind(
        [(1, TypeError), (0, TypeError), ("yes", TypeError), (None, TypeError), (0.0, TypeError)],
        _bools,
    ),
    "bool or None": Kind([(1, TypeError), ("yes", TypeError), (0.0, TypeError)], _bools),
    "rng": Kind(
        [
            ("seed", TypeError),
            (1.5, TypeError),
            (True, TypeError),
            (np.random.RandomState(0), TypeError),
            (-1, ValueError),
        ],
        lambda good: [np.int64(0), np.random.default_rng(0), None],
    ),
    "axis": Kind(
        [(0.5, TypeError), ("0", TypeError), (True, TypeError), (None, TypeError), (9, ValueError)],
        _ints,
    ),
    "size": Kind(
        [
            (1.5, TypeError),
            ("3", TypeError),
            ((2, 0.5), TypeError),
            (True, TypeError),
            (0, ValueError),
            (-2, ValueError),
            ((3, 0), ValueError),
        ],
        lambda good: [np.int64(good), (np.int64(good),)],
    ),
    "dtype": Kind([(None, TypeError), (np.int64, TypeError), (3, TypeError)]),
    "array": Kind(
        [
            (["a", "b"], TypeError),
            ([True, False], TypeError),
            ([1j, 2], TypeError),
            (None, TypeError),
            ([[1.0, 2.0], [3.0]], ValueError),
        ],
    ),
    "optional array": Kind(
        [(["a", "b"], TypeError), ([True, False], TypeError), ([[1.0, 2.0], [3.0]], ValueError)]
    ),
    "int array": Kind(
        [
            ([0.5, 1.0], TypeError),
            (["a"], TypeError),
            ([True, False], TypeError),
            (None, TypeError),
            ([[0, 1], [2]], ValueError),
        ],
    ),
    "name": Kind([(3, TypeError), (None, TypeError), ("no such name", ValueError)]),
    "callable": Kind([(3, TypeError), ("f", TypeError), (None, TypeError)]),
    "optional callable": Kind([(3, TypeError), ("f", TypeError)]),
    "text": Kind([(3, TypeError), (None, TypeError), (b"text", TypeError)]),
    "alt text": Kind([(3, TypeError), (None, TypeError), ("", ValueError)]),
    "bytes": Kind([("png", TypeError), (None, TypeError)]),
    "path": Kind([(3, TypeError), (1.5, TypeError), (True, TypeError)]),
    "figure": Kind([(None, TypeError), ("fig", TypeError), (3, TypeError)]),
    "axes": Kind([(None, TypeError), ("ax", TypeError), (3, TypeError)]),
    "labels": Kind([(3, TypeError), ("abc", TypeError), (["a", "b"], ValueError)]),
    "control": Kind([(3, TypeError), (None, TypeError), ("slider", TypeError)]),
    "params": Kind([(None, TypeError), (3, TypeError), ({}, ValueError)]),
    "symbols": Kind([(3, TypeError), (None, TypeError)]),
    "checkpoints": Kind(
        [(2, TypeError), ("1", TypeError), ((1.5,), TypeError), ((-1,), ValueError)]
    ),
}


# --- the rows: a call that works, and the kind of each checked argument ----------------------


class Make:
    """A working argument built afresh for each call (a figure, a temporary folder)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


@dataclass(frozen=True)
class Row:
    path: str  # "softmax.softmax": the module (under gumbel_lib) and the name
    good: dict[str, Any]
    kinds: dict[str, str]

    @property
    def function(self) -> Callable[..., Any]:
        module, _, name = self.path.rpartition(".")
        return getattr(importlib.import_module(f"gumbel_lib.{module}"), name)

    def call(self, **override: Any) -> Any:
        kw = {**self.good, **override}
        kw = {k: (v.make() if isinstance(v, Make) else v) for k, v in kw.items()}
        return self.function(**kw)


X = [0.0, 1.0, 2.0]
P = [0.2, 0.3, 0.5]
F = [1.0, 2.0, 3.0]
U = [1.0, 0.0, 0.0]


def _fig() -> Any:
    from gumbel_lib.plots import figure

    return figure()[0]


def _ax() -> Any:
    from gumbel_lib.plots import figure

    return figure()[1]


def _params() -> dict:
    from gumbel_lib.vae import init_params

    return init_params(0, hidden=8)


def _pixels() -> np.ndarray:
    return (np.random.default_rng(0).random((12, 64)) < 0.3).astype(float)


def _grid() -> np.ndarray:
    from gumbel_lib.simplex import simplex_grid

    return simplex_grid(10)


def _tmp() -> str:
    """A fresh folder, removed when the tests end."""
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="gumbel-lib-rule-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _slider() -> Any:
    from gumbel_lib.widgets import log_slider

    return log_slider(1.0)


PARAMS = Make(_params)
PIXELS = Make(_pixels)
FIG = Make(_fig)
AX = Make(_ax)
LOGITS, TAU, AXIS, RNG = "array", "positive real", "axis", "rng"

ROWS = [
    # the core: softmax, gumbel, relaxed, straight_through (re-exported by gumbel_lib)
    Row("softmax.softmax", {"logits": X, "tau": 1.0, "axis": -1},
        {"logits": LOGITS, "tau": TAU, "axis": AXIS}),
    Row("softmax.log_softmax", {"logits": X, "tau": 1.0, "axis": -1},
        {"logits": LOGITS, "tau": TAU, "axis": AXIS}),
    Row("softmax.entropy", {"probs": P, "axis": -1}, {"probs": "array", "axis": AXIS}),
    Row("softmax.softmax_vjp", {"y": P, "upstream": U, "tau": 1.0, "axis": -1},
        {"y": "array", "upstream": "array", "tau": TAU, "axis": AXIS}),
    Row("softmax.one_hot", {"indices": [0, 2], "d": 3}, {"indices": "int array", "d": "count"}),
    Row("gumbel.gumbel_pdf", {"g": X}, {"g": "array"}),
    Row("gumbel.gumbel_cdf", {"g": X}, {"g": "array"}),
    Row("gumbel.gumbel_noise", {"shape": 3, "rng": 0, "dtype": np.float32},
        {"shape": "size", "rng": RNG, "dtype": "dtype"}),
    Row("gumbel.gumbel_max_sample", {"logits": X, "rng": 0, "size": 4},
        {"logits": LOGITS, "rng": RNG, "size": "size"}),
    Row("relaxed.gumbel_softmax",
        {"logits": X, "tau": 1.0, "hard": False, "rng": 0, "axis": -1, "size": 4},
        {"logits": LOGITS, "tau": TAU, "hard": "bool", "rng": RNG, "axis": AXIS, "size": "size"}),
    Row("relaxed.concrete_log_density", {"y": P, "logits": X, "tau": 1.0, "axis": -1},
        {"y": "array", "logits": LOGITS, "tau": TAU, "axis": AXIS}),
    Row("relaxed.binary_relaxed_mean",
        {"h": lambda s: s, "theta": 0.0, "tau": 0.5, "v_max": 40.0, "nodes": 8},
        {"h": "callable", "theta": "array", "tau": TAU, "v_max": "positive real",
         "nodes": "count"}),
    Row("straight_through.straight_through_softmax",
        {"logits": X, "upstream": U, "tau": 1.0, "axis": -1},
        {"logits": LOGITS, "upstream": "array", "tau": TAU, "axis": AXIS}),
    Row("straight_through.straight_through_gumbel_softmax",
        {"logits": X, "upstream": U, "tau": 1.0, "rng": 0, "axis": -1},
        {"logits": LOGITS, "upstream": "array", "tau": TAU, "rng": RNG, "axis": AXIS}),
    # estimators
    Row("estimators.bias_std", {"estimates": np.ones((5, 3)), "exact": [1.0, 1.0, 1.0]},
        {"estimates": "array", "exact": "array"}),
    Row("estimators.estimate",
        {"name": "reinforce", "logits": X, "f_values": F, "n": 10, "tau": 1.0, "rng": 0},
        {"name": "name", "logits": LOGITS, "f_values": "array", "n": "count", "tau": TAU,
         "rng": RNG}),
    Row("estimators.estimate_batch",
        {"name": "reinforce", "logits": X, "f_values": F, "noise": np.zeros((2, 4, 3)),
         "tau": 1.0},
        {"name": "name", "logits": LOGITS, "f_values": "array", "noise": "array", "tau": TAU}),
    Row("estimators.exact_gradient", {"logits": X, "f_values": F},
        {"logits": LOGITS, "f_values": "array"}),
    Row("estimators.objective", {"logits": X, "f_values": F},
        {"logits": LOGITS, "f_values": "array"}),
    Row("estimators.gumbel_softmax_estimator",
        {"logits": X, "f_values": F, "n": 10, "tau": 1.0, "rng": 0},
        {"logits": LOGITS, "f_values": "array", "n": "count", "tau": TAU, "rng": RNG}),
    Row("estimators.reinforce", {"logits": X, "f_values": F, "n": 10, "rng": 0},
        {"logits": LOGITS, "f_values": "array", "n": "count", "rng": RNG}),
    Row("estimators.straight_through", {"logits": X, "f_values": F, "n": 1, "tau": 1.0},
        {"logits": LOGITS, "f_values": "array", "n": "count", "tau": TAU}),
    Row("estimators.straight_through_gumbel_softmax_estimator",
        {"logits": X, "f_values": F, "n": 10, "tau": 1.0, "rng": 0},
        {"logits": LOGITS, "f_values": "array", "n": "count", "tau": TAU, "rng": RNG}),
    Row("estimators.straight_through_estimator", {"logits": X, "f_values": F, "n": 10, "rng": 0},
        {"logits": LOGITS, "f_values": "array", "n": "count", "rng": RNG}),
    # 09: estimators on conditional noise, the conditional Gumbels, the KS test
    Row("estimators.gumbel_rao_estimator",
        {"logits": X, "f_values": F, "n": 10, "tau": 1.0, "rng": 0, "n_conditional": 3},
        {"logits": LOGITS, "f_values": "array", "n": "count", "tau": TAU, "rng": RNG,
         "n_conditional": "count"}),
    Row("estimators.rebar_estimator",
        {"logits": X, "f_values": F, "n": 10, "tau": 1.0, "rng": 0, "alpha": 1.0},
        {"logits": LOGITS, "f_values": "array", "n": "count", "tau": TAU, "rng": RNG,
         "alpha": "real"}),
    Row("gumbel.conditional_gumbel", {"logits": X, "k": [0, 2], "rng": 0},
        {"logits": "array", "k": "int array", "rng": RNG}),
    Row("stats.ks_statistic", {"a": X, "b": P}, {"a": "array", "b": "array"}),
    Row("stats.ks_pvalue", {"statistic": 0.1, "n_a": 100, "n_b": 50},
        {"statistic": "fraction", "n_a": "count", "n_b": "count"}),
    # the VAE of notebook 07
    Row("vae.init_params", {"rng": 0, "n_pixels": 64, "hidden": 8, "m": 1, "d": 10},
        {"rng": RNG, "n_pixels": "count", "hidden": "count", "m": "count", "d": "count"}),
    Row("vae.adam_init", {"params": PARAMS}, {"params": "params"}),
    Row("vae.adam_step",
        {"params": PARAMS, "grads": PARAMS, "state": Make(lambda: gumbel_lib.vae.adam_init(
            _params())), "lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        {"params": "params", "grads": "params", "lr": "positive real", "beta1": "fraction",
         "beta2": "fraction", "eps": "positive real"}),
    Row("vae.category_images", {"params": PARAMS}, {"params": "params"}),
    Row("vae.reconstruction_table", {"params": PARAMS, "v": PIXELS},
        {"params": "params", "v": "array"}),
    Row("vae.elbo_exact", {"params": PARAMS, "v": PIXELS}, {"params": "params", "v": "array"}),
    Row("vae.elbo_monte_carlo", {"params": PARAMS, "v": PIXELS, "n_samples": 2, "rng": 0},
        {"params": "params", "v": "array", "n_samples": "count", "rng": RNG}),
    Row("vae.grads_exact", {"params": PARAMS, "v": PIXELS}, {"params": "params", "v": "array"}),
    Row("vae.grads_gumbel_softmax",
        {"params": PARAMS, "v": PIXELS, "tau": 1.0, "rng": 0, "n_samples": 1},
        {"params": "params", "v": "array", "tau": TAU, "rng": RNG, "n_samples": "count"}),
    Row("vae.grads_straight_through_gumbel_softmax",
        {"params": PARAMS, "v": PIXELS, "tau": 1.0, "rng": 0, "n_samples": 1},
        {"params": "params", "v": "array", "tau": TAU, "rng": RNG, "n_samples": "count"}),
    Row("vae.grads_reinforce_loo", {"params": PARAMS, "v": PIXELS, "rng": 0, "n_samples": 2},
        {"params": "params", "v": "array", "rng": RNG, "n_samples": "count"}),
    Row("vae.estimate_gradients",
        {"name": "reinforce_loo", "params": PARAMS, "v": PIXELS, "tau": 1.0, "rng": 0,
         "n_samples": 2},
        {"name": "name", "params": "params", "v": "array", "tau": TAU, "rng": RNG,
         "n_samples": "count"}),
    Row("vae.logit_gradient_samples",
        {"name": "reinforce_loo", "params": PARAMS, "v": PIXELS, "n_repeats": 2, "tau": 1.0,
         "rng": 0, "n_samples": 2},
        {"name": "name", "params": "params", "v": "array", "n_repeats": "count", "tau": TAU,
         "rng": RNG, "n_samples": "count"}),
    Row("vae.relaxed_decoding",
        {"params": PARAMS, "image": np.ones(64), "noise": np.zeros(10), "tau": 1.0},
        {"params": "params", "image": "array", "noise": "array", "tau": TAU}),
    Row("vae.tau_schedule", {"step": 10, "tau0": 1.0, "rate": 1e-3, "tau_min": 0.5},
        {"step": "non-negative int", "tau0": "positive real", "rate": "non-negative real",
         "tau_min": "positive real"}),
    Row("vae.train",
        {"v": PIXELS, "name": "reinforce_loo", "steps": 2, "batch_size": 4, "lr": 1e-3,
         "hidden": 8, "m": 1, "d": 3, "n_samples": 2, "tau": 1.0, "seed": 0, "eval_every": 1,
         "eval_samples": 2, "checkpoints": (1,)},
        {"v": "array", "name": "name", "steps": "count", "batch_size": "count",
         "lr": "positive real", "hidden": "count", "m": "count", "d": "count",
         "n_samples": "count", "seed": RNG, "eval_every": "count",
         "eval_samples": "count", "checkpoints": "checkpoints"}),
    Row("vae.train_seeds",
        {"v": PIXELS, "name": "reinforce_loo", "steps": 2, "seeds": (0,), "batch_size": 4,
         "lr": 1e-3, "hidden": 8, "m": 1, "d": 3, "n_samples": 2, "tau": 1.0, "eval_every": 1,
         "eval_samples": 2, "checkpoints": (1,)},
        {"v": "array", "name": "name", "steps": "count", "batch_size": "count",
         "lr": "positive real", "hidden": "count", "m": "count", "d": "count",
         "n_samples": "count", "eval_every": "count", "eval_samples": "count",
         "checkpoints": "checkpoints"}),
    Row("vae.confusion_matrix", {"assigned": [0, 1], "labels": [0, 1], "d": 2, "n_labels": 10},
        {"assigned": "int array", "labels": "int array", "d": "count", "n_labels": "count"}),
    Row("vae.cluster_purity", {"confusion": np.eye(3) * 5}, {"confusion": "array"}),
    Row("vae.bernoulli_log_likelihood", {"v": PIXELS, "logits": np.zeros((12, 64))},
        {"v": "array", "logits": "array"}),
    Row("vae.bernoulli_log_likelihood_grad", {"v": PIXELS, "logits": np.zeros((12, 64))},
        {"v": "array", "logits": "array"}),
    Row("vae.kl_to_uniform", {"logits": np.zeros((2, 1, 3))}, {"logits": "array"}),
    Row("vae.kl_to_uniform_grad", {"logits": np.zeros((2, 1, 3))}, {"logits": "array"}),
    Row("vae.dense", {"a": np.ones((2, 3)), "W": np.ones((3, 4)), "b": np.ones(4)},
        {"a": "array", "W": "array", "b": "array"}),
    Row("vae.dense_backward",
        {"a": np.ones((2, 3)), "W": np.ones((3, 4)), "grad_out": np.ones((2, 4))},
        {"a": "array", "W": "array", "grad_out": "array"}),
    Row("vae.tanh_backward", {"t": np.zeros((2, 3)), "grad_out": np.ones((2, 3))},
        {"t": "array", "grad_out": "array"}),
    Row("vae.encode", {"params": PARAMS, "v": PIXELS}, {"params": "params", "v": "array"}),
    Row("vae.decode", {"params": PARAMS, "z": np.full((12, 1, 10), 0.1)},
        {"params": "params", "z": "array"}),
    # data
    Row("data.binarize", {"X": [[0.2, 0.9]], "threshold": 0.5},
        {"X": "array", "threshold": "fraction"}),
    Row("data.tile_images", {"images": np.ones((3, 64)), "ncols": 2, "side": 8, "pad": 1},
        {"images": "array", "ncols": "count", "side": "count", "pad": "non-negative int"}),
    Row("data.load_digits", {"path": None}, {"path": "path"}),
    # the simplex, and its drawing
    Row("simplex.to_cartesian", {"y": P}, {"y": "array"}),
    Row("simplex.to_barycentric", {"xy": [0.5, 0.2]}, {"xy": "array"}),
    Row("simplex.simplex_grid", {"n": 5}, {"n": "count"}),
    Row("simplex_plot.draw_triangle", {"ax": AX, "labels": ("a", "b", "c"), "fontsize": 10.0},
        {"ax": "axes", "labels": "labels", "fontsize": "optional positive real"}),
    Row("simplex_plot.simplex_density",
        {"ax": AX, "y": Make(_grid), "values": Make(lambda: _grid()[:, 0]), "vmin": 0.0,
         "vmax": 1.0, "levels": 4},
        {"ax": "axes", "y": "array", "values": "array", "vmin": "optional real",
         "vmax": "optional real",
         "levels": "count"}),
    # plots
    Row("plots.figure", {"nrows": 1, "ncols": 2}, {"nrows": "count", "ncols": "count"}),
    Row("plots.figure_png", {"fig": FIG, "tight": None, "compress_level": 1},
        {"fig": "figure", "tight": "bool or None", "compress_level": "compress level"}),
    Row("plots.log_tick_label", {"value": 1e-5}, {"value": "real or inf"}),
    Row("plots.needs_tight_bbox", {"fig": FIG}, {"fig": "figure"}),
    Row("plots.plain_log_labels", {"fig": FIG}, {"fig": "figure"}),
    Row("plots.show", {"fig": FIG, "alt": "An empty set of axes."},
        {"fig": "figure", "alt": "alt text"}),
    Row("plots.FigureImage", {"png": b"png", "alt": "An empty set of axes."},
        {"png": "bytes", "alt": "alt text"}),
    # symbolic (SymPy)
    Row("symbolic.logit_symbols", {"d": 3}, {"d": "count"}),
    Row("symbolic.gumbel_pdf_expr", {}, {}),
    Row("symbolic.softmax_expr", {"x": Make(lambda: gumbel_lib.symbolic.logit_symbols(2)),
                                  "k": 0}, {"x": "symbols", "k": "index"}),
    Row("symbolic.argmax_probability",
        {"x": Make(lambda: gumbel_lib.symbolic.logit_symbols(2)), "k": 0},
        {"x": "symbols", "k": "index"}),
    Row("symbolic.argmax_probability_integrand",
        {"x": Make(lambda: gumbel_lib.symbolic.logit_symbols(2)), "k": 0},
        {"x": "symbols", "k": "index"}),
    Row("symbolic.note_integrand", {"x": Make(lambda: gumbel_lib.symbolic.logit_symbols(2)),
                                    "k": 0}, {"x": "symbols", "k": "index"}),
    Row("symbolic.at_dimension",
        {"expr": Make(lambda: gumbel_lib.symbolic.general_derivation().result), "d": 2, "k": 0},
        {"d": "count", "k": "index"}),
    Row("symbolic.note_merged_integrand", {"keep_note_sign": False}, {"keep_note_sign": "bool"}),
    Row("symbolic.substitute_t", {"integrand": Make(lambda: gumbel_lib.symbolic.gumbel_pdf_expr())},
        {}),
    Row("symbolic.unflipped_substitution",
        {"integrand": Make(lambda: gumbel_lib.symbolic.gumbel_pdf_expr())}, {}),
    # the JupyterLab settings
    Row("lab_settings.install_overrides", {"prefix": Make(_tmp)}, {"prefix": "path"}),
    # the widgets
    Row("widgets.log_slider",
        {"value": 1.0, "min_exp": -2.0, "max_exp": 2.0, "step": 0.05, "description": "τ",
         "label": "temperature τ"},
        {"value": "positive real", "min_exp": "real", "max_exp": "real", "step": "positive real",
         "description": "text", "label": "text"}),
    Row("widgets.make_explorer",
        {"fig": FIG, "draw": lambda tau: f"τ = {tau}", "alt": "An empty set of axes.",
         "tau": Make(_slider)},
        {"fig": "figure", "draw": "callable", "alt": "alt text", "tau": "control"}),
    Row("widgets._core.format_tau", {"tau": 0.5}, {"tau": "positive real"}),
    Row("widgets._core.check_slider_tau", {"tau": 0.5}, {"tau": "slider tau"}),
    Row("widgets._core.check_small_logits", {"logits": X, "max_d": 20},
        {"logits": "array", "max_d": "count"}),
    Row("widgets.softmax.softmax_explorer", {"logits": X, "tau": 1.0},
        {"logits": "array", "tau": "slider tau"}),
    Row("stats.argmax_counts", {"logits": X, "n": 100, "noise": "Gumbel", "seed": 0},
        {"logits": "array", "n": "count", "noise": "name", "seed": "non-negative int"}),
    Row("stats.chi2_statistic", {"counts": [30, 30, 40], "probs": P},
        {"counts": "array", "probs": "array"}),
    Row("stats.chi2_quantile", {"df": 2, "level": 0.99},
        {"df": "count", "level": "fraction"}),
    Row("widgets.gumbel_max.sampling_explorer", {"pi": P, "n": 100, "noise": "Gumbel", "seed": 0},
        {"pi": "array", "n": "count", "noise": "name", "seed": "non-negative int"}),
    Row("widgets.gumbel_softmax.simplex_explorer",
        {"pi": P, "n": 50, "seed": 0, "tau": 1.0, "labels": ("a", "b", "c")},
        {"pi": "array", "n": "count", "seed": "non-negative int", "tau": "slider tau",
         "labels": "labels"}),
    Row("widgets.estimators.estimators_explorer",
        {"logits": X, "f_values": F, "n": 50, "seed": 0, "tau": 0.5},
        {"logits": "array", "f_values": "array", "n": "count", "seed": "non-negative int",
         "tau": "slider tau"}),
    Row("widgets.vae.vae_tau_explorer",
        {"params": PARAMS, "image": np.ones(64), "seed": 0, "tau": 1.0},
        {"params": "params", "image": "array", "seed": "non-negative int", "tau": "slider tau"}),
    # 10: subsets (sparsemax, Gumbel-top-k, relaxed top-k) and their explorer
    Row("subsets.sparsemax", {"logits": X, "tau": 1.0}, {"logits": LOGITS, "tau": TAU}),
    Row("subsets.sparsemax_vjp", {"y": P, "upstream": U, "tau": 1.0},
        {"y": "array", "upstream": "array", "tau": TAU}),
    Row("subsets.gumbel_top_k", {"logits": X, "k": 2, "rng": 0, "size": 4},
        {"logits": LOGITS, "k": "count", "rng": RNG, "size": "size"}),
    Row("subsets.plackett_luce_log_prob", {"logits": X, "order": [2, 0]},
        {"logits": LOGITS, "order": "int array"}),
    Row("subsets.plackett_luce_probabilities", {"logits": X, "k": 2, "ordered": True},
        {"logits": LOGITS, "k": "count", "ordered": "bool"}),
    Row("subsets.relaxed_top_k", {"logits": X, "k": 2, "tau": 1.0},
        {"logits": LOGITS, "k": "count", "tau": TAU}),
    Row("subsets.relaxed_top_k_vjp", {"logits": X, "k": 2, "upstream": U, "tau": 1.0},
        {"logits": LOGITS, "k": "count", "upstream": "array", "tau": TAU}),
    Row("widgets.subsets.subsets_explorer", {"logits": X, "k": 1, "tau": 1.0, "seed": 0},
        {"logits": "array", "k": "count", "tau": "slider tau", "seed": "non-negative int"}),
]  # fmt: skip

#: Public callables that take no argument to check, or are result records the package builds.
EXEMPT = {
    "data.digits_path": "no arguments",
    "plots.use_style": "no arguments",
    "plots.style_context": "no arguments",
    "symbolic.general_derivation": "no arguments",
    "symbolic.gumbel_cdf_expr": "a SymPy symbol, any expression accepted",
    "straight_through.StraightThrough": "a result record",
    "estimators.BiasStd": "a result record",
    "estimators.Estimator": "a record of the registry of estimators",
    "estimators.ConditionalEstimator": "a record of the registry of estimators",
    "vae.SeedsResult": "a result record",
    "vae.AdamState": "a result record",
    "vae.Estimate": "a result record",
    "vae.TrainResult": "a result record",
    "symbolic.Substitution": "a result record",
    "symbolic.GeneralDerivation": "a result record",
    "lab_settings.SettingsError": "an exception",
    "widgets.Explorer": "built by make_explorer, which checks its arguments",
    "vae.decode_backward": "a backward pass over a cache of encode/decode",
    "vae.encode_backward": "a backward pass over a cache of encode/decode",
}

#: Public modules whose functions the rule does not cover, with the reason.
EXEMPT_MODULES = {
    "exercises": "checkers of a student's answer: any answer, of any type, gets a verdict "
    "(correct, not written yet, or the slip), never an error",
}

#: (function, argument) pairs in modules being reworked that do not follow the rule yet. Each is
#: an expected failure; once it follows the rule its test passes and fails as "XPASS(strict)":
#: remove it from this set then. Empty: every public function follows the rule.
NOT_YET: set[tuple[str, str]] = set()


# --- the walk --------------------------------------------------------------------------------


def _public_modules() -> list[str]:
    """Every public module of the package: no component of its name starts with ``_``."""
    names = ["gumbel_lib"]
    for info in pkgutil.walk_packages(gumbel_lib.__path__, "gumbel_lib."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def _public_callables() -> dict[int, str]:
    """id → "module.name" of every public function and class of every public module."""
    found: dict[int, str] = {}
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None)
        if names is None:
            names = [
                n for n, obj in vars(module).items()
                if not n.startswith("_") and getattr(obj, "__module__", None) == module_name
            ]  # fmt: skip
        for name in names:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                found.setdefault(id(obj), f"{module_name.removeprefix('gumbel_lib.')}.{name}")
    return found


def _resolve(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(f"gumbel_lib.{module}"), name)


def test_every_public_function_has_a_row():
    covered = {id(row.function) for row in ROWS} | {id(_resolve(path)) for path in EXEMPT}
    missing = sorted(
        name
        for key, name in _public_callables().items()
        if key not in covered and name.partition(".")[0] not in EXEMPT_MODULES
    )
    assert not missing, f"public functions without a row in ROWS (or a reason in EXEMPT): {missing}"


def test_rows_name_real_arguments_and_known_kinds():
    for row in ROWS:
        params = inspect.signature(row.function).parameters
        for arg in [*row.good, *row.kinds]:
            assert arg in params or "controls" in params, f"{row.path} has no argument {arg!r}"
        for arg, kind in row.kinds.items():
            assert kind in KINDS, f"{row.path}: unknown kind {kind!r}"
            assert arg in row.good, f"{row.path}: no working value for {arg!r}"
    assert {(f, a) for f, a in NOT_YET} <= {(r.path, a) for r in ROWS for a in r.kinds}


@pytest.mark.parametrize("row", ROWS, ids=[r.path for r in ROWS])
def test_the_working_call_works(row):
    row.call()


def _names(arg: str, message: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(arg)}(?!\w)", message) is not None


def _problems(row: Row, arg: str) -> list[str]:
    """Each bad value of ``arg``'s kind that does not raise the rule's error naming ``arg``, and
    each valid variant of the working value that is refused."""
    kind = KINDS[row.kinds[arg]]
    problems = []
    for value, expected in kind.bad:
        try:
            row.call(**{arg: value})
        except Exception as err:  # noqa: BLE001  (any exception is compared with the rule)
            said = f"{type(err).__name__}: {err}"
            other = ValueError if expected is TypeError else TypeError
            if not isinstance(err, expected) or isinstance(err, other):
                problems.append(f"{arg}={value!r} raised {said}; the rule says {expected.__name__}")
            elif not _names(arg, str(err)):
                problems.append(f"{arg}={value!r} raised {said}, which does not name {arg!r}")
        else:
            problems.append(f"{arg}={value!r} was accepted; the rule says {expected.__name__}")
    good = row.good[arg]
    for value in kind.accepts(good):
        try:
            row.call(**{arg: value})
        except Exception as err:  # noqa: BLE001
            problems.append(f"{arg}={value!r} (the same as {good!r}) was refused: {err}")
    return problems


def _marks(row: Row, arg: str) -> list[Any]:
    if (row.path, arg) not in NOT_YET:
        return []
    return [pytest.mark.xfail(strict=True, reason=f"NOT_YET holds ({row.path!r}, {arg!r})")]


CASES = [
    pytest.param(row, arg, id=f"{row.path}-{arg}", marks=_marks(row, arg))
    for row in ROWS
    for arg in row.kinds
]


@pytest.mark.parametrize(("row", "arg"), CASES)
def test_bad_arguments_raise_the_rules_error_naming_the_argument(row, arg):
    problems = _problems(row, arg)
    assert not problems, f"{row.path}:\n  " + "\n  ".join(problems)
