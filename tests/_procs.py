"""The tests' view of processes: ``scripts/procs.py`` (tooling the test hub shares)."""

from scripts.procs import *  # noqa: F403
from scripts.procs import _stat  # noqa: F401
