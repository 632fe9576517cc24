"""Image (and words) → emotion, offline on a CPU.

Importing this package is light: the models and their runtimes load only when an
:class:`EmotionReader` is created (or :func:`read_emotion` is first called).

>>> from moodtune.vision import EmotionReader          # doctest: +SKIP
>>> reader = EmotionReader()                           # loads the models once
>>> reader.read("photo.jpg", "rainy evening").top      # doctest: +SKIP
'sadness'
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moodtune.vision.images import ImageError
    from moodtune.vision.reader import EmotionReader
    from moodtune.vision.reading import EmotionReading, Face

__all__ = ["EmotionReader", "EmotionReading", "Face", "ImageError", "read_emotion"]

_LAZY = {
    "EmotionReader": "moodtune.vision.reader",
    "EmotionReading": "moodtune.vision.reading",
    "Face": "moodtune.vision.reading",
    "ImageError": "moodtune.vision.images",
}
_readers: dict[tuple[bool, str | None], Any] = {}
_readers_lock = threading.Lock()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'moodtune.vision' has no attribute {name!r}")


def read_emotion(
    image: bytes | str | Path | None = None,
    text: str | None = None,
    *,
    offline: bool = False,
) -> EmotionReading:
    """Read the emotion of an image (bytes or a path), a few words, or both.

    Uses one shared :class:`EmotionReader` per (offline, cache folder), created on the
    first call. Raises ``ImageError`` (a :class:`moodtune.errors.MoodtuneError`) for an
    image that is not an image, truncated, over 20 MB or over 40 megapixels.
    """
    from moodtune.assets import cache_dir
    from moodtune.vision.reader import EmotionReader

    key = (offline, str(cache_dir()))
    with _readers_lock:
        reader = _readers.get(key)
        if reader is None:
            reader = _readers[key] = EmotionReader(offline=offline, cache=cache_dir())
    return reader.read(image, text)
