"""Words are read even where image reading cannot load (issue 14): words need only the
words model, never the image runtime."""

from __future__ import annotations

import sys

import pytest

from moodtune.errors import MissingExtraError


@pytest.fixture
def no_image_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    # The image runtime cannot be uninstalled for one test: an import of it fails as it
    # does on a machine without the 'vision' extra.
    monkeypatch.setitem(sys.modules, "ai_edge_litert", None)
    monkeypatch.setattr("moodtune.senses.holder._shared", {})


def test_read_emotion_reads_words_without_the_image_runtime(text_env, no_image_runtime) -> None:
    from moodtune.senses import read_emotion
    from moodtune.vision.reader import EmotionReader

    with pytest.raises(MissingExtraError, match="vision"):
        EmotionReader(offline=True)
    reading = read_emotion(text="I am so happy, what a wonderful day", offline=True)
    assert reading.source == "text"
    assert reading.top == "happiness"


def test_the_emotion_command_reads_words_without_the_image_runtime(
    run_main, text_env, no_image_runtime
) -> None:
    result = run_main("emotion", "--text", "I am so happy, what a wonderful day", "--offline")
    assert result.exit_code == 0, result.output
    assert "→ happiness" in result.stdout


def test_read_emotion_without_image_or_words_says_what_to_give(no_image_runtime) -> None:
    from moodtune.errors import MoodtuneError
    from moodtune.senses import read_emotion

    with pytest.raises(MoodtuneError, match="give an image, some words, or both"):
        read_emotion()
