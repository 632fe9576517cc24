"""Senses: the sources an emotion is read from (a picture, words, …), as plug-ins.

:data:`SENSES` defines each once (:mod:`moodtune.senses.registry`); :class:`Senses` holds
their loaded readers and decides which apply; :func:`mix` is the one place readings meet.
Importing this package is light: readers and their models load on first use.

>>> from moodtune.senses import SENSES
>>> list(SENSES)
['image', 'words']
>>> from moodtune.senses import read_emotion                        # doctest: +SKIP
>>> read_emotion(image="photo.jpg", text="rainy evening").top       # doctest: +SKIP
'sadness'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moodtune.senses.registry import (
    FIELDS,
    KINDS,
    SENSES,
    Sense,
    SenseSpec,
    file_fields,
    reading_sources,
    register,
    revision,
    sense_for_field,
    sense_named,
    text_fields,
    unregister,
)

if TYPE_CHECKING:
    from moodtune.senses.holder import Senses, UnavailableError, asking, read_emotion
    from moodtune.senses.mixing import TEXT_WEIGHT, mix

__all__ = [
    "FIELDS",
    "KINDS",
    "SENSES",
    "TEXT_WEIGHT",
    "Sense",
    "SenseSpec",
    "Senses",
    "UnavailableError",
    "asking",
    "file_fields",
    "mix",
    "read_emotion",
    "reading_sources",
    "register",
    "revision",
    "sense_for_field",
    "sense_named",
    "text_fields",
    "unregister",
]

_LAZY = {
    "Senses": "moodtune.senses.holder",
    "UnavailableError": "moodtune.senses.holder",
    "asking": "moodtune.senses.holder",
    "read_emotion": "moodtune.senses.holder",
    "TEXT_WEIGHT": "moodtune.senses.mixing",
    "mix": "moodtune.senses.mixing",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'moodtune.senses' has no attribute {name!r}")
