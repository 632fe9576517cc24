"""Fixtures for the senses' tests: the words model files, fetched once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from moodtune import assets


@pytest.fixture(scope="session")
def words_cache(tmp_path_factory: pytest.TempPathFactory, verified_models) -> Path:
    """A model folder holding the verified words model files (the real words reader)."""
    folder = tmp_path_factory.mktemp("moodtune-senses-cache") / "models"
    return verified_models(assets.GROUPS["text"], folder)
