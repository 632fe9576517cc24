"""The senses: each kind of input an emotion can be read from, defined once.

A sense is a name, the field that carries its input (the API's field, the command line's
option), what it accepts (a ``file``: bytes or a path; or ``text``), how it counts when mixed
with other readings, and the reader that reads it, imported only when first loaded. The
holder (:class:`moodtune.senses.Senses`), the mixing of readings (:func:`moodtune.senses.mix`),
the API's request fields, the command line's options and the page's inputs all derive from
:data:`SENSES`: adding a source of emotion (a voice recording, …) is one :func:`register`
call, or one entry here, plus its reader.

Examples
--------
>>> [(sense.name, sense.field, sense.kind) for sense in SENSES.values()]
[('image', 'image', 'file'), ('words', 'text', 'text')]
>>> from moodtune.reading import EmotionReading
>>> smiling = EmotionReading.from_vector([0, 0, 0, 1, 0, 0, 0], source="face", confidence="high")
>>> SENSES["image"].weight_of(smiling), SENSES["words"].weight_of(smiling)
(3.0, 1.0)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from moodtune.errors import MoodtuneError

if TYPE_CHECKING:
    from moodtune.reading import EmotionReading

__all__ = [
    "FIELDS",
    "KINDS",
    "SENSES",
    "Sense",
    "SenseSpec",
    "file_fields",
    "reading_sources",
    "register",
    "revision",
    "sense_for_field",
    "sense_named",
    "text_fields",
    "unregister",
]

#: What a sense accepts: a ``file`` (bytes, or a path on the command line) or ``text``.
KINDS = ("file", "text")


@runtime_checkable
class Sense(Protocol):
    """A loaded reader of one kind of input: ``read(value) -> EmotionReading``."""

    def read(self, value: Any) -> EmotionReading:
        """The emotion of ``value`` (bytes or a path for a file sense, a str for a text one)."""
        ...


#: Loads a sense's reader: ``load(offline=…, cache=…, notify=…)``.
Loader = Callable[..., Sense]


@dataclass(frozen=True)
class SenseSpec:
    """One source of emotion.

    Parameters
    ----------
    name : str
        The sense's name ("image", "words").
    field : str
        The input's name in the API (JSON or form field), the command line (``--field``) and
        the library (``resolve_target(field=…)``).
    kind : {"file", "text"}
        What it accepts: a file (bytes; a path on the command line) or text.
    help : str
        One sentence for the command line's help, the API's documentation and the page.
    asking : str
        How "give …" names it ("an image", "some words").
    load : str or callable
        Creates the reader: ``"module:callable"`` (imported on first load, so the registry
        stays light) or the callable itself; called as ``load(offline=, cache=, notify=)``.
    weights : mapping of str to float
        The weight of a reading when mixed, by the reading's ``"source-confidence"`` or
        ``"source"`` (e.g. ``"face-high"``, ``"scene"``); :attr:`weight` otherwise.
    weight : float
        The weight of a reading not named in :attr:`weights`.
    called : str
        How the notes name this sense's reading ("words"); the reading's source when empty.
    sources : tuple of str
        The ``source`` values of its readings (for the API's reply types).
    doing : str
        How a problem names the reading ("image reading is unavailable: …").
    label, example : str
        How the page names a text sense's input ("Words"; the sense's name when empty), and
        an example shown in it.
    """

    name: str
    field: str
    kind: Literal["file", "text"]
    help: str
    asking: str
    load: str | Loader
    weights: Mapping[str, float] = field(default_factory=dict)
    weight: float = 1.0
    called: str = ""
    sources: tuple[str, ...] = ()
    doing: str = ""
    label: str = ""
    example: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise MoodtuneError(f"sense {self.name!r}: kind must be one of {KINDS}")
        if not self.field.isidentifier() or not self.name.isidentifier():
            raise MoodtuneError(f"sense {self.name!r}: name and field must be identifiers")

    def weight_of(self, reading: EmotionReading) -> float:
        """How much ``reading`` counts when mixed with the readings of other senses."""
        kind = f"{reading.source}-{reading.confidence}"
        return float(self.weights.get(kind, self.weights.get(reading.source, self.weight)))

    def loader(self) -> Loader:
        """The callable that creates this sense's reader (imported now if named)."""
        if not isinstance(self.load, str):
            return self.load
        module, _, name = self.load.partition(":")
        return getattr(importlib.import_module(module), name)

    def reader(
        self, *, offline: bool = False, cache: str | Path | None = None, notify: Any = None
    ) -> Sense:
        """A new loaded reader of this sense."""
        return self.loader()(offline=offline, cache=cache, notify=notify)


#: Every sense, in the order they are read, mixed and shown.
SENSES: dict[str, SenseSpec] = {
    sense.name: sense
    for sense in (
        SenseSpec(
            "image",
            "image",
            "file",
            "A picture: faces if there are any, else the colours of the scene.",
            "an image",
            "moodtune.senses.builtin:image_reader",
            weights={"face-high": 3.0, "face-low": 1.5, "scene": 1.0},
            sources=("face", "scene"),
            doing="image reading",
        ),
        SenseSpec(
            "words",
            "text",
            "text",
            "A few words (with the picture, or alone).",
            "some words",
            "moodtune.senses.builtin:words_reader",
            called="words",
            sources=("text",),
            doing="reading words",
            label="Words",
            example="rainy Sunday, missing the sea",
        ),
    )
}
#: The input fields of the built-in senses, in order (``("image", "text")``).
FIELDS: tuple[str, ...] = tuple(sense.field for sense in SENSES.values())
_revision = [0]


def register(sense: SenseSpec) -> SenseSpec:
    """Add ``sense`` to :data:`SENSES` (after the others); its field must be new.

    The holder, the command line's ``--sense NAME=VALUE`` and the API's request fields
    accept it from then on.
    """
    taken = {s.field for s in SENSES.values()} | {"emotion", "distribution"}
    if sense.name in SENSES or sense.field in taken:
        raise MoodtuneError(f"a sense named {sense.name!r} or with field {sense.field!r} exists")
    SENSES[sense.name] = sense
    _revision[0] += 1
    return sense


def unregister(name: str) -> None:
    """Remove the sense called ``name`` (a registered one; nothing when there is none)."""
    if SENSES.pop(name, None) is not None:
        _revision[0] += 1


def revision() -> int:
    """A number that changes whenever a sense is registered or removed."""
    return _revision[0]


def sense_named(name: str) -> SenseSpec:
    """The sense called ``name``; :class:`MoodtuneError` naming the choices otherwise."""
    try:
        return SENSES[name]
    except (KeyError, TypeError):
        raise MoodtuneError(f"unknown sense {name!r}; use one of {', '.join(SENSES)}") from None


def sense_for_field(field: str) -> SenseSpec:
    """The sense whose input is ``field`` (or whose name it is)."""
    for sense in SENSES.values():
        if field in (sense.field, sense.name):
            return sense
    fields = ", ".join(s.field for s in SENSES.values())
    raise MoodtuneError(f"unknown input {field!r}; use one of {fields}")


def file_fields() -> tuple[str, ...]:
    """The fields of the senses that read a file, in order."""
    return tuple(s.field for s in SENSES.values() if s.kind == "file")


def text_fields() -> tuple[str, ...]:
    """The fields of the senses that read text, in order."""
    return tuple(s.field for s in SENSES.values() if s.kind == "text")


def reading_sources() -> tuple[str, ...]:
    """Every ``source`` a reading can have: each sense's, then "combined" (a mix).

    >>> reading_sources()
    ('face', 'scene', 'text', 'combined')
    """
    found = [source for sense in SENSES.values() for source in sense.sources or (sense.name,)]
    return tuple(dict.fromkeys([*found, "combined"]))
