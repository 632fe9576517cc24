"""Shared fixtures: the real public data sets that live beside the project in ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def datasets() -> Path:
    """``../shared/datasets`` (see its README); the tests need it, as CI provides it."""
    assert DATASETS.is_dir(), f"expected the shared data sets at {DATASETS}"
    return DATASETS
