"""The readers of the built-in senses, created on first use (the models load here).

The image reader is looked up on :mod:`moodtune.vision` when it is created, so that a
test can stand in for an image runtime that cannot load.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moodtune.text.reader import TextReader
    from moodtune.vision.reader import EmotionReader

__all__ = ["image_reader", "words_reader"]

log = logging.getLogger(__name__)


def image_reader(
    *, offline: bool = False, cache: str | Path | None = None, notify: Any = log.info
) -> EmotionReader:
    """The reader of pictures (faces, else the scene): :class:`moodtune.vision.EmotionReader`."""
    import moodtune.vision as vision

    return vision.EmotionReader(offline=offline, cache=cache, notify=notify)


def words_reader(
    *, offline: bool = False, cache: str | Path | None = None, notify: Any = log.info
) -> TextReader:
    """The reader of words: :class:`moodtune.text.reader.TextReader` (needs only the words
    model, never the image runtime)."""
    from moodtune.text.reader import TextReader

    return TextReader(offline=offline, cache=cache, notify=notify)
