"""gumbel_lib: small, tested helpers for teaching the Gumbel-softmax trick.

The numerical core needs only NumPy. Every other module is imported on first use
(``gumbel_lib.simplex``, ``gumbel_lib.vae`` …): those that need Matplotlib (``plots``,
``simplex_plot``), ipywidgets (``widgets``) or SymPy (``symbolic``) as well as the pure
NumPy ones, so that ``import gumbel_lib`` stays as cheap as ``import numpy``.
"""

from __future__ import annotations

import importlib
from typing import Any

from .gumbel import EULER_GAMMA, gumbel_cdf, gumbel_max_sample, gumbel_noise, gumbel_pdf
from .relaxed import concrete_log_density, gumbel_softmax
from .softmax import entropy, log_softmax, one_hot, softmax, softmax_vjp
from .straight_through import (
    StraightThrough,
    straight_through_gumbel_softmax,
    straight_through_softmax,
)

__version__ = "0.1.0"

__all__ = [
    "EULER_GAMMA",
    "StraightThrough",
    "concrete_log_density",
    "entropy",
    "gumbel_cdf",
    "gumbel_max_sample",
    "gumbel_noise",
    "gumbel_pdf",
    "gumbel_softmax",
    "log_softmax",
    "one_hot",
    "softmax",
    "softmax_vjp",
    "straight_through_gumbel_softmax",
    "straight_through_softmax",
]

#: The public modules not imported by ``import gumbel_lib``; each loads on first access.
_LAZY_MODULES = {
    "data",
    "estimators",
    "exercises",
    "lab_settings",
    "plots",
    "simplex",
    "simplex_plot",
    "stats",
    "subsets",
    "symbolic",
    "vae",
    "widgets",
}


def __getattr__(name: str) -> Any:
    """Import the other public modules (``gumbel_lib.plots`` …) on first access."""
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'gumbel_lib' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The names of the package, the lazy modules included (for tab completion)."""
    return sorted(set(globals()) | _LAZY_MODULES)
