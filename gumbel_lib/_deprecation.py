"""Old names that still work for one version, with a ``DeprecationWarning``."""

from __future__ import annotations

import functools
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


def renamed_function(old: str, new: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` under its old name ``old``: the same call, with a ``DeprecationWarning``
    naming ``new``. Not listed in ``__all__``; removed in the next version.

    Examples
    --------
    >>> import math, warnings
    >>> old_sqrt = renamed_function("mylib.root", "math.sqrt", math.sqrt)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     old_sqrt(4.0), str(caught[0].message)
    (2.0, 'mylib.root is deprecated; use math.sqrt')
    """

    @functools.wraps(func)
    def alias(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"{old} is deprecated; use {new}", DeprecationWarning, stacklevel=2)
        return func(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old.rpartition(".")[2]
    alias.__doc__ = f"Deprecated name of :func:`{new}`, removed in the next version."
    return alias


def renamed_keywords(**renames: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator: each old keyword (``xb=``) still works, with a ``DeprecationWarning``
    naming the new one (``renamed_keywords(xb="v")``); passing both is a ``TypeError``.

    Examples
    --------
    >>> import warnings
    >>> @renamed_keywords(xb="v")
    ... def total(v):
    ...     return sum(v)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     total(xb=[1, 2]), str(caught[0].message)
    (3, 'total(xb=...) is deprecated; use total(v=...)')
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def accepting_old_keywords(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    name = func.__name__
                    if new in kwargs:
                        raise TypeError(f"{name}() got both {old}= and {new}=; pass only {new}=")
                    warnings.warn(
                        f"{name}({old}=...) is deprecated; use {name}({new}=...)",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return accepting_old_keywords

    return decorate


def renamed_attributes(module: str, renames: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``module``: each old name in ``renames`` still gives the
    value of its new name (a name of the same module), with a ``DeprecationWarning``.

    Examples
    --------
    >>> import sys, types, warnings
    >>> mod = types.ModuleType("mod")
    >>> mod.NEW = (1, 2)
    >>> sys.modules["mod"] = mod
    >>> mod.__getattr__ = renamed_attributes("mod", {"OLD": "NEW"})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     mod.OLD, str(caught[0].message)
    ((1, 2), 'mod.OLD is deprecated; use mod.NEW')
    >>> del sys.modules["mod"]
    """

    def __getattr__(name: str) -> Any:
        if name not in renames:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warnings.warn(
            f"{module}.{name} is deprecated; use {module}.{renames[name]}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(module), renames[name])

    return __getattr__
