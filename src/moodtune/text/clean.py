"""Prepare text for the words model: binary refused, emoji put into words, length bounded.

- Control, format, private-use, surrogate and unassigned characters, and U+FFFD (what a
  decoder leaves of bytes that are not text), are removed; when they make up more than 10 %
  of the characters (and there are at least 3), the text is refused as binary data.
- Common emoji are replaced by the words they stand for (the MiniLM tokenizer reads emoji as
  ``[UNK]``): "😭" → "crying", "😡" → "angry".
- Whitespace is collapsed. Only the first :data:`MAX_CHARS` characters are kept (the model
  reads at most 128 tokens, a few hundred characters, anyway).
- A text with no letter or digit left (only unknown emoji, punctuation or symbols) is not
  readable: :func:`prepare` returns ``None`` and the classifier gives the documented neutral
  reading (neutral 1.0, low confidence).
"""

from __future__ import annotations

import re
import unicodedata

from moodtune.errors import MoodtuneError

__all__ = ["BINARY_SHARE", "EMOJI_WORDS", "MAX_CHARS", "TextInputError", "prepare", "refuse_binary"]

#: Characters kept before tokenising (about 4× what 128 tokens cover).
MAX_CHARS = 4000
#: Share of control/unreadable characters above which a text is refused as binary.
BINARY_SHARE = 0.10

#: Emoji → words, for the emoji people use most to say how they feel.
EMOJI_WORDS: dict[str, str] = {
    "😂": "laughing",
    "🤣": "laughing hard",
    "😀": "smiling happy",
    "😃": "smiling happy",
    "😄": "smiling happy",
    "😁": "grinning happy",
    "😊": "smiling happy",
    "🙂": "smiling",
    "😍": "in love",
    "🥰": "in love",
    "😘": "kiss love",
    "❤": "love",
    "❤️": "love",
    "💕": "love",
    "🎉": "celebration party",
    "🥳": "celebration party",
    "👍": "good",
    "😢": "sad crying",
    "😭": "crying sad",
    "💔": "heartbroken",
    "😞": "disappointed sad",
    "😔": "sad",
    "🥺": "sad pleading",
    "😡": "angry",
    "😠": "angry",
    "🤬": "furious swearing",
    "😤": "frustrated angry",
    "🤢": "disgusted nauseous",
    "🤮": "disgusted vomiting",
    "😒": "annoyed",
    "😱": "scared screaming",
    "😨": "scared afraid",
    "😰": "anxious scared",
    "😬": "nervous",
    "😮": "surprised",
    "😲": "astonished surprised",
    "🤯": "mind blown",
    "😳": "shocked",
    "😐": "neutral",
    "😑": "expressionless",
    "😴": "sleepy",
}
_EMOJI = re.compile("|".join(re.escape(e) for e in sorted(EMOJI_WORDS, key=len, reverse=True)))


class TextInputError(MoodtuneError):
    """Text that cannot be read as words (not a string, or binary data)."""


def _unreadable(character: str) -> bool:
    return character == "\ufffd" or (
        unicodedata.category(character)[0] == "C" and character not in "\t\n\r"
    )


def refuse_binary(text: str) -> int:
    """Raise :class:`TextInputError` when ``text`` looks like binary data; else return the
    number of control or undecodable characters in it."""
    bad = sum(_unreadable(c) for c in text)
    if bad >= 3 and bad > BINARY_SHARE * len(text):
        raise TextInputError(
            f"the text looks like binary data ({bad} of {len(text)} characters are control "
            "or undecodable characters): give words"
        )
    return bad


def prepare(text: object) -> str | None:
    """The words to embed, or ``None`` when nothing readable is left (see module docstring).

    Raises :class:`TextInputError` for a non-string or binary data.

    Examples
    --------
    >>> prepare("  so   happy 😂 ")
    'so happy laughing'
    >>> prepare("!!! ???") is None
    True
    """
    if not isinstance(text, str):
        raise TextInputError(f"text must be a string, got {type(text).__name__}")
    text = text[: 4 * MAX_CHARS]
    bad = refuse_binary(text)
    if bad:
        text = "".join(" " if _unreadable(c) else c for c in text)
    text = _EMOJI.sub(lambda m: f" {EMOJI_WORDS[m.group(0)]} ", text)
    words = " ".join(text.split())[:MAX_CHARS]
    if not any(c.isalnum() for c in words):
        return None
    return words
