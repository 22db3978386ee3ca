"""Old names that still work for one version, with a ``DeprecationWarning``."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any


def moved_module(old: str, new: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``old``, a module whose names moved to ``new``: each name
    still works, with a ``DeprecationWarning`` naming the new place.

    Examples
    --------
    >>> import warnings
    >>> getattr_ = moved_module("old_math", "math")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     getattr_("pi") > 3, str(caught[0].message)
    (True, 'old_math.pi is deprecated; use math.pi')
    """

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):  # module protocol (__all__, __path__, …): not a moved name
            raise AttributeError(name)
        value = getattr(importlib.import_module(new), name)  # AttributeError if it has no such name
        warnings.warn(
            f"{old}.{name} is deprecated; use {new}.{name}", DeprecationWarning, stacklevel=2
        )
        return value

    return __getattr__
