"""Deprecated name of :mod:`gumbel_lib.widgets.gumbel_softmax`, notebook 04's explorer.

The widget modules now follow their notebooks' names. Every name still works, with a
``DeprecationWarning``; this module goes in the next version.
"""

from .._deprecation import moved_module

__getattr__ = moved_module(__name__, "gumbel_lib.widgets.gumbel_softmax")
