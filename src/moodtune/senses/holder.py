"""The holder: loads the senses' readers and decides which of them apply to what was given.

The command line, the web app and the library all read through a :class:`Senses`: it maps
the inputs given (by field: ``image=…``, ``text=…``, or positionally in the registry's order)
to their senses, leaves out what is blank, reads each with its sense's reader (loaded on
first use, or all at start-up with :meth:`Senses.load_all`) and mixes the readings
(:func:`moodtune.senses.mix`).

Examples
--------
>>> from moodtune.reading import EmotionReading
>>> class Hum:  # a reader standing for a real one (no model here)
...     def read(self, value):
...         return EmotionReading.from_vector([0, 0, 0, 0, 0, 1, 0], source="text")
>>> senses = Senses(readers={"words": Hum()})
>>> senses.read(text="la la la").top
'sadness'
>>> senses.given((), {"image": None, "text": "  "})
{}
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.senses.mixing import mix
from moodtune.senses.registry import SENSES, Sense, sense_for_field

if TYPE_CHECKING:
    from moodtune.reading import EmotionReading

__all__ = ["Senses", "UnavailableError", "asking", "read_emotion"]

log = logging.getLogger(__name__)

#: What loading a reader may fail with: a missing extra, a model file, the runtime.
LOAD_ERRORS = (MoodtuneError, ImportError, OSError)
_shared: dict[tuple[bool, str], Senses] = {}
_shared_lock = threading.Lock()


class UnavailableError(MoodtuneError):
    """A sense whose reader could not be loaded (HTTP 503)."""

    status = 503


def asking() -> str:
    """What to give, from the registry: ``"give an image, some words, or both"``."""
    names = [sense.asking for sense in SENSES.values()]
    if len(names) == 2:
        return f"give {names[0]}, {names[1]}, or both"
    return f"give {', '.join(names[:-1])} or {names[-1]} (several may go together)"


class Senses:
    """The loaded readers, one per sense, shared by threads.

    ``readers`` are readers already loaded (by sense name); the others load on first use
    with ``offline``, ``cache`` and ``notify`` (see :meth:`SenseSpec.reader`). ``problems``
    names senses that must not be read (by name: why), e.g. a reader that failed to load.
    """

    def __init__(
        self,
        *,
        offline: bool = False,
        cache: str | Path | None = None,
        notify: Any = log.info,
        readers: Mapping[str, Sense] | None = None,
        problems: Mapping[str, str] | None = None,
    ) -> None:
        self.offline = offline
        self.cache = cache
        self._notify = notify
        self._readers: dict[str, Sense] = dict(readers or {})
        self._problems: dict[str, str] = dict(problems or {})
        self._lock = threading.Lock()

    @classmethod
    def around(cls, reader: object, **options: Any) -> Senses:
        """A holder over ``reader``: a :class:`Senses` as it is; None: nothing loaded yet; an
        image reader (with ``read_image``) as the image sense; any other ``read(image, text)``
        object as the reader of both built-in senses (a stand-in of the tests)."""
        if isinstance(reader, Senses):
            return reader
        if reader is None:
            return cls(**options)
        if hasattr(reader, "read_image"):
            return cls(readers={"image": reader}, **options)  # type: ignore[dict-item]
        image, words = (_TwoInputs(reader, position) for position in (0, 1))
        return cls(readers={"image": image, "words": words}, **options)

    def reader(self, name: str) -> Sense:
        """The loaded reader of the sense ``name`` (loaded now if it was not)."""
        if name in self._problems:
            raise UnavailableError(self._problems[name])
        with self._lock:
            if name not in self._readers:
                spec = SENSES[name]
                self._readers[name] = spec.reader(
                    offline=self.offline, cache=self.cache, notify=self._notify
                )
            return self._readers[name]

    def use(self, name: str, reader: Sense) -> None:
        """Read the sense ``name`` with ``reader`` (already loaded) from now on."""
        with self._lock:
            self._readers[SENSES[name].name] = reader

    def load_all(self) -> Senses:
        """Load (and warm) every sense's reader now; one that fails is noted as a problem
        (logged, see :meth:`problem`) and its sense is refused, the others still read."""
        for name, spec in SENSES.items():
            if name in self._problems:
                continue
            try:
                reader = self.reader(name)
                warm = getattr(reader, "warm", None)
                if callable(warm):
                    warm()
            except LOAD_ERRORS as error:
                self._problems[name] = f"{spec.doing or spec.name} is unavailable: {error}"
                log.warning(self._problems[name])
        return self

    def problem(self, name: str) -> str | None:
        """Why the sense ``name`` cannot be read, None when it can."""
        return self._problems.get(name)

    def available(self, name: str) -> bool:
        """Whether the sense ``name`` can be read (it loaded, or may still load)."""
        return name not in self._problems

    def given(self, values: tuple[Any, ...], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs that apply, by sense name, in the registry's order: ``values`` are
        positional (in that order), ``inputs`` by field or sense name; None and blank text
        count as not given."""
        if len(values) > len(SENSES):
            raise MoodtuneError(f"at most {len(SENSES)} inputs, one per sense")
        found: dict[str, Any] = dict(zip(SENSES, values, strict=False))
        for key, value in inputs.items():
            found.setdefault(sense_for_field(key).name, None)
            if value is not None:
                found[sense_for_field(key).name] = value
        return {
            name: found[name]
            for name in SENSES
            if found.get(name) is not None
            and not (isinstance(found[name], str) and not found[name].strip())
        }

    def read(self, *values: Any, lenient: bool = False, **inputs: Any) -> EmotionReading:
        """The emotion of what was given (see :meth:`given`), the readings mixed.

        With ``lenient``, input that looks like binary data is read as nothing readable (a
        neutral reading, left out of a mix) instead of refused. Raises
        :class:`MoodtuneError` when nothing is given, :class:`UnavailableError` for a sense
        that cannot be read.
        """
        given = self.given(values, inputs)
        if not given:
            named = zip(SENSES.values(), values, strict=False)
            blank = [sense.field for sense, value in named if isinstance(value, str)]
            blank += [field for field, value in inputs.items() if isinstance(value, str)]
            empty = f"the {blank[0]} is empty: " if blank else ""
            raise MoodtuneError(empty + asking())
        for name in given:
            if name in self._problems:
                raise UnavailableError(self._problems[name])
        readings = [(name, self._read_one(name, value, lenient)) for name, value in given.items()]
        if len(readings) == 1:
            return readings[0][1]
        return mix(readings)

    def _read_one(self, name: str, value: Any, lenient: bool) -> EmotionReading:
        from moodtune.text.clean import TextInputError

        try:
            return self.reader(name).read(value)
        except TextInputError as error:
            if not lenient:
                raise
            from moodtune.reading import EmotionReading

            spec = SENSES[name]
            return EmotionReading.from_vector(
                [1.0 if emotion == "neutral" else 0.0 for emotion in EMOTIONS],
                source=(spec.sources or (spec.name,))[0],
                confidence="low",
                notes=[f"the {spec.called or spec.name} were not read: {error}"],
                unreadable=True,
            )


class _TwoInputs:
    """One input of a reader of ``read(image, text)`` (a stand-in of the tests)."""

    def __init__(self, reader: Any, position: int) -> None:
        self._reader, self._position = reader, position

    def read(self, value: Any) -> EmotionReading:
        pair = (value, None) if self._position == 0 else (None, value)
        return self._reader.read(*pair)


def read_emotion(*values: Any, offline: bool = False, **inputs: Any) -> EmotionReading:
    """Read the emotion of an image (bytes or a path), a few words, or both (any registered
    sense, by field).

    Uses one shared :class:`Senses` per (offline, cache folder): each reader loads the first
    time its sense is read, so words alone are read even where the image models or their
    runtime cannot load. Raises ``ImageError`` (a :class:`MoodtuneError`) for an image that
    is not an image, truncated, over 20 MB or over 40 megapixels.
    """
    from moodtune.assets import cache_dir

    key = (offline, str(cache_dir()))
    with _shared_lock:
        senses = _shared.get(key)
        if senses is None:
            senses = _shared[key] = Senses(offline=offline, cache=cache_dir())
    return senses.read(*values, **inputs)
