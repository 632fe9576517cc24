"""The one mix of readings and the typed ``unreadable`` flag (issue 23)."""

from __future__ import annotations

import numpy as np
import pytest

from moodtune.emotions import EMOTIONS
from moodtune.reading import EmotionReading
from moodtune.senses import TEXT_WEIGHT, Senses, mix


def one(emotion: str, source: str, confidence: str = "low", **more) -> EmotionReading:
    vector = np.eye(len(EMOTIONS))[EMOTIONS.index(emotion)]
    return EmotionReading.from_vector(vector, source=source, confidence=confidence, **more)


def test_the_weights_of_the_registry_give_the_documented_shares():
    assert pytest.approx({"face-high": 0.25, "face-low": 0.4, "scene": 0.5}) == TEXT_WEIGHT
    face = one("happiness", "face", "high", faces=[], image_size=(640, 480))
    words = one("anger", "text", "high")
    both = mix([("image", face), ("words", words)])
    assert both.source == "combined" and both.confidence == "high"
    assert both.image_size == (640, 480) and not both.unreadable
    assert both.probabilities["anger"] == pytest.approx(0.25)
    scene = mix([("image", one("happiness", "scene")), ("words", words)])
    assert scene.probabilities["anger"] == pytest.approx(0.5)


def test_an_unreadable_reading_is_left_out_by_its_flag_not_its_notes():
    face = one("happiness", "face", "high")
    nothing = one("neutral", "text", unreadable=True)  # no note says so: the flag does
    both = mix([("image", face), ("words", nothing)])
    assert both.source == "face" and both.top == "happiness"
    assert np.allclose(both.vector(), face.vector())
    assert both.notes == ["the words were left out"]
    alone = mix([("words", nothing)])
    assert alone.unreadable and alone.top == "neutral"


def test_words_with_nothing_to_read_are_flagged_and_left_out(words_cache):
    """The real words reader: symbols only are read as neutral, flagged ``unreadable``; the
    holder leaves them out beside another reading."""
    from moodtune.text.reader import is_unreadable

    senses = Senses(offline=True, cache=words_cache, notify=None)
    symbols = senses.read(text="🦄 ✨ ###")
    assert symbols.unreadable and is_unreadable(symbols)
    assert symbols.top == "neutral" and symbols.confidence == "low"
    assert symbols.to_dict()["unreadable"] is True
    words = senses.read(text="what a wonderful, happy day")
    assert not words.unreadable and not is_unreadable(words)
    senses.use("image", _Smiling())
    both = senses.read(image=b"a picture", text="🦄 ✨ ###")
    assert both.source == "face" and both.top == "happiness"
    assert "the words were left out" in both.notes


def test_binary_looking_words_are_unreadable_only_when_lenient(words_cache):
    from moodtune.text.clean import TextInputError

    senses = Senses(offline=True, cache=words_cache, notify=None)
    junk = "\x00\x01\x02\x03\x04\x05"
    with pytest.raises(TextInputError):
        senses.read(text=junk)
    lenient = senses.read(text=junk, lenient=True)
    assert lenient.unreadable and lenient.top == "neutral"
    assert any("binary data" in note for note in lenient.notes)


class _Smiling:
    """Stands for the image reader (whose models tests/vision loads): a smiling face."""

    def read(self, value: bytes) -> EmotionReading:
        return one("happiness", "face", "high")
