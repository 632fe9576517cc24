"""Image (and words) → emotion, offline on a CPU.

Importing this package is light: the models and their runtimes load only when an
:class:`EmotionReader` is created (or :func:`read_emotion` is first called).

>>> from moodtune.vision import EmotionReader          # doctest: +SKIP
>>> reader = EmotionReader()                           # doctest: +SKIP
>>> reader.read("photo.jpg", "rainy evening").top      # doctest: +SKIP
'sadness'

Reading needs the model files (fetched once from PyPI), so these examples are not run as
doctests; :class:`EmotionReading` itself is light:

>>> from moodtune.vision import EmotionReading
>>> EmotionReading.from_vector([1, 0, 0, 0, 0, 0, 1], source="scene").probabilities["anger"]
0.5
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moodtune.reading import EmotionReading, Face
    from moodtune.vision.images import ImageError
    from moodtune.vision.reader import EmotionReader

__all__ = ["EmotionReader", "EmotionReading", "Face", "ImageError", "read_emotion"]

_LAZY = {
    "EmotionReader": "moodtune.vision.reader",
    "EmotionReading": "moodtune.reading",
    "Face": "moodtune.reading",
    "ImageError": "moodtune.vision.images",
}
_readers: dict[tuple[bool, str | None, bool], Any] = {}
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
    first call. Words alone are read by a shared :class:`moodtune.text.reader.TextReader`,
    which needs only the words model: they are read even where the image models or their
    runtime cannot load. Raises ``ImageError`` (a :class:`moodtune.errors.MoodtuneError`)
    for an image that is not an image, truncated, over 20 MB or over 40 megapixels.
    """
    from moodtune.assets import cache_dir

    if image is None and text is None:
        from moodtune.errors import MoodtuneError

        raise MoodtuneError("give an image, some words, or both")
    key = (offline, str(cache_dir()), image is None)
    with _readers_lock:
        reader = _readers.get(key)
        if reader is None:
            if image is None:
                from moodtune.text.reader import TextReader

                reader = TextReader(offline=offline, cache=cache_dir())
            else:
                from moodtune.vision.reader import EmotionReader

                reader = EmotionReader(offline=offline, cache=cache_dir())
            _readers[key] = reader
    if image is None:
        return reader.read(text or "")
    return reader.read(image, text)
