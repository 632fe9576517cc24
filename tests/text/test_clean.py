"""Preparing text for the words model: binary refused, emoji as words, unreadable → None."""

from __future__ import annotations

import pytest

from moodtune.text.clean import MAX_CHARS, TextInputError, prepare
from moodtune.text.reader import MAX_TEXT, clean_text


def test_whitespace_collapsed_and_emoji_put_into_words() -> None:
    assert prepare("  so   happy\n\ttoday ") == "so happy today"
    assert prepare("😭😭") == "crying sad crying sad"
    assert prepare("great news ❤️") == "great news love"


def test_nothing_readable_is_none() -> None:
    assert prepare("🦄🦄 ✨") is None
    assert prepare("?!... ---") is None
    assert prepare("") is None


@pytest.mark.parametrize(
    "text",
    [
        "\x00\x01\x02\x03 binary",
        bytes(range(256)).decode("latin-1"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".decode("utf-8", "replace"),
    ],
)
def test_binary_is_refused(text: str) -> None:
    with pytest.raises(TextInputError, match="binary data"):
        prepare(text)


def test_a_stray_control_character_is_dropped_not_refused() -> None:
    text = "a sunny\x00 day at the beach with friends"
    assert prepare(text) == "a sunny day at the beach with friends"
    assert prepare("lone surrogate \ud800 here, happy") == "lone surrogate here, happy"


def test_non_string_is_refused() -> None:
    with pytest.raises(TextInputError, match="must be a string, got bytes"):
        prepare(b"hello")


def test_long_text_is_bounded() -> None:
    long = "word " * 20_000  # 100 KB
    assert len(prepare(long) or "") <= MAX_CHARS


def test_reading_limits() -> None:
    from moodtune.errors import MoodtuneError

    assert clean_text("   ") is None
    with pytest.raises(MoodtuneError, match=f"at most {MAX_TEXT}"):
        clean_text("x" * 100_000)
    with pytest.raises(MoodtuneError, match="binary"):
        clean_text("\x00" * 50)
