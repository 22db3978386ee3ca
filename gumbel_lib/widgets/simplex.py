"""Deprecated name of :mod:`gumbel_lib.widgets.gumbel_softmax`, notebook 04's explorer: the
widget modules now follow their notebooks' names. Every name still works, with a
``DeprecationWarning``; this module goes in the next version.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

NEW = "gumbel_lib.widgets.gumbel_softmax"


def __getattr__(name: str) -> Any:
    if name.startswith("__"):  # module protocol (__all__, __path__, …): not a moved name
        raise AttributeError(name)
    value = getattr(importlib.import_module(NEW), name)  # AttributeError if it has no such name
    warnings.warn(
        f"{__name__}.{name} is deprecated; use {NEW}.{name}",
        DeprecationWarning,
        stacklevel=2,
    )
    return value
