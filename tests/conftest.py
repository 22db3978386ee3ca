"""Shared test fixtures and helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture
def rng():
    """A fixed-seed generator: every statistical test is reproducible."""
    import numpy as np

    return np.random.default_rng(20261129)
