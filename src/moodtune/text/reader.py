"""TextReader: the emotion of a few words, without the image models.

It is the reader of the ``words`` sense (:mod:`moodtune.senses`), apart from the image
reader, so reading words never needs the image runtime. The result is a
:class:`moodtune.reading.EmotionReading` (a light module).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from moodtune import assets
from moodtune.errors import MoodtuneError

#: Notes for people (a first-use download): children of the ``moodtune`` logger.
log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from moodtune.reading import EmotionReading
    from moodtune.text.classifier import TextEmotionClassifier

__all__ = ["HIGH_CONFIDENCE", "MAX_TEXT", "UNREADABLE", "TextReader", "clean_text", "is_unreadable"]

#: A words reading is "high" confidence when its top probability reaches this.
HIGH_CONFIDENCE = 0.5
#: The most characters of text accepted by a reading (the web API's limit too).
MAX_TEXT = 2000
#: The note that marks a text with nothing readable in it.
UNREADABLE = "hold nothing readable (no letters or digits): read as neutral"


def clean_text(text: object) -> str | None:
    """Whitespace-collapsed text, ``None`` when there is none.

    Raises :class:`MoodtuneError` for a non-string or more than :data:`MAX_TEXT` characters,
    and :class:`moodtune.text.clean.TextInputError` for binary data.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise MoodtuneError(f"text must be a string, got {type(text).__name__}")
    from moodtune.text.clean import refuse_binary

    words = " ".join(text.split())
    if len(words) > MAX_TEXT:
        raise MoodtuneError(f"the text has {len(words)} characters; at most {MAX_TEXT}")
    refuse_binary(words)
    return words or None


def is_unreadable(reading: EmotionReading) -> bool:
    """True for the neutral reading of a text with nothing readable in it (its
    :attr:`~moodtune.reading.EmotionReading.unreadable` flag)."""
    return reading.unreadable


class TextReader:
    """``read(text)`` → :class:`EmotionReading` (source "text"); safe to share between threads.

    The words model loads on first use (or with :meth:`text_classifier`); ``offline``,
    ``cache``, ``notify`` and ``threads`` are as for
    :class:`moodtune.text.classifier.TextEmotionClassifier`.
    """

    def __init__(
        self,
        *,
        offline: bool = False,
        cache: str | Path | None = None,
        notify: assets.Notify | None = log.info,
        threads: int = 1,
    ) -> None:
        self.offline = offline
        self.cache = Path(cache) if cache is not None else None
        self._notify = notify
        self._threads = threads
        self._classifier: TextEmotionClassifier | None = None
        self._lock = threading.Lock()

    def text_classifier(self) -> TextEmotionClassifier:
        """The words → emotion classifier, loaded on first use and kept."""
        with self._lock:
            if self._classifier is None:
                from moodtune.text.classifier import TextEmotionClassifier

                self._classifier = TextEmotionClassifier(
                    offline=self.offline,
                    cache=self.cache,
                    notify=self._notify,
                    threads=self._threads,
                )
        return self._classifier

    def warm(self) -> None:
        """Load the words model now (a server does, rather than in its first request)."""
        self.text_classifier()

    def read(self, text: str) -> EmotionReading:
        """The emotion of a few words.

        Read by the trained head; the notes say which prototype phrases the words sound
        like. A text with nothing readable (only symbols or unknown emoji) gets the neutral
        reading (neutral 1.0, low confidence, a note saying so). Raises
        :class:`MoodtuneError` for empty text, more than :data:`MAX_TEXT` characters or
        binary data.
        """
        from moodtune.reading import EmotionReading

        words = clean_text(text)
        if words is None:
            raise MoodtuneError("the text is empty: give a few words")
        vector, phrases, readable = self.text_classifier().read(words)  # thread-safe
        if not readable:
            return EmotionReading.from_vector(
                vector,
                source="text",
                confidence="low",
                notes=[f"words {words[:80]!r} {UNREADABLE}"],
                unreadable=True,
            )
        confidence = "high" if vector.max() >= HIGH_CONFIDENCE else "low"
        notes = [f"words: {words[:80]!r}"]
        if phrases:
            notes.append("sounds like: " + "; ".join(phrases))
        return EmotionReading.from_vector(vector, source="text", confidence=confidence, notes=notes)
