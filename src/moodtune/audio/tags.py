"""Writing moodtune's reading into audio files' own tags (opt-in), atomically and idempotently.

Where it goes, by container (read back by any tag editor):

=============================  ==============================================================
MP3 (ID3v2.4)                  ``TMOO`` (ID3's mood frame) and ``TXXX:MOOD`` = the emotion;
                               ``TXXX:MOODTUNE_VALENCE``, ``TXXX:MOODTUNE_AROUSAL``,
                               ``TXXX:MOODTUNE_MODEL``
FLAC, Ogg Vorbis, Ogg Opus     Vorbis comments ``MOOD``, ``MOODTUNE_VALENCE``, ...
MP4 / M4A                      freeform atoms ``----:com.apple.iTunes:MOOD``, ...
=============================  ==============================================================

A file is never edited in place: its bytes are copied beside it, the copy is tagged, flushed
to disk and renamed over the original, so a killed process leaves every file either untouched
or completely tagged (a temporary copy left by a kill is removed by the next write to that
file). A file that already carries the same values is not rewritten.
Needs ``mutagen`` (GPL-2.0-or-later), in the optional ``tags`` extra.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moodtune.errors import InputError, MissingExtraError
from moodtune.files import remove_leftovers, replace_atomically

#: Tag names, Vorbis-comment style; ID3 and MP4 spell them as the module's table shows.
MOOD, VALENCE, AROUSAL, MODEL = "MOOD", "MOODTUNE_VALENCE", "MOODTUNE_AROUSAL", "MOODTUNE_MODEL"
_MP4_PREFIX = "----:com.apple.iTunes:"


@dataclass(frozen=True)
class MoodTags:
    """What is written: the top ``emotion``, and the valence/arousal reading (−1..1) when
    known, with the ``model`` version that produced them."""

    emotion: str
    valence: float | None = None
    arousal: float | None = None
    model: str | None = None

    def to_strings(self) -> dict[str, str]:
        values = {MOOD: self.emotion}
        if self.valence is not None:
            values[VALENCE] = f"{self.valence:.3f}"
        if self.arousal is not None:
            values[AROUSAL] = f"{self.arousal:.3f}"
        if self.model:
            values[MODEL] = self.model
        return values


def read_tags(path: str | Path) -> dict[str, str]:
    """moodtune's tags in ``path`` (``{}`` when it has none), by their Vorbis-style names."""
    audio = _open(Path(path))
    return _read(audio)


def write_tags(path: str | Path, tags: MoodTags) -> bool:
    """Write ``tags`` into ``path``; True when the file changed, False when it already had them.

    Raises
    ------
    InputError
        When the file is not an audio format with tags that moodtune writes.
    """
    target = Path(path)
    values = tags.to_strings()
    if _read(_open(target)) == values:
        return False
    remove_leftovers(target)  # a copy left by a killed run

    def tag(temporary: Path) -> None:
        shutil.copy2(target, temporary)  # bytes and times (the mode is kept by the rename)
        audio = _open(temporary, shown=target)
        _write(audio, values)
        audio.save()

    replace_atomically(target, tag)
    return True


def _open(path: Path, shown: Path | None = None) -> Any:
    try:
        import mutagen
    except ImportError:
        raise MissingExtraError("tags", "mutagen") from None
    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, OSError) as error:
        raise InputError(f"cannot read its tags ({error})", path=str(shown or path)) from None
    if audio is None or _kind(audio) is None:
        raise InputError(
            "not an MP3, FLAC, Ogg Vorbis/Opus or MP4/M4A file, whose tags moodtune writes",
            path=str(shown or path),
        )
    return audio


def _kind(audio: Any) -> str | None:
    from mutagen.flac import FLAC
    from mutagen.mp3 import MP3
    from mutagen.mp4 import MP4
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    if isinstance(audio, MP3):
        return "id3"
    if isinstance(audio, MP4):
        return "mp4"
    if isinstance(audio, FLAC | OggVorbis | OggOpus):
        return "vorbis"
    return None


def _read(audio: Any) -> dict[str, str]:
    kind, tags, found = _kind(audio), audio.tags, {}
    if tags is None:
        return {}
    for name in (MOOD, VALENCE, AROUSAL, MODEL):
        if kind == "id3":
            frame = tags.get(f"TXXX:{name}")
            value = str(frame.text[0]) if frame is not None and frame.text else None
        elif kind == "mp4":
            atom = tags.get(_MP4_PREFIX + name)
            value = bytes(atom[0]).decode("utf-8") if atom else None
        else:
            listed = tags.get(name)
            value = listed[0] if listed else None
        if value is not None:
            found[name] = value
    return found


def _write(audio: Any, values: dict[str, str]) -> None:
    kind = _kind(audio)
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    if kind == "id3":
        from mutagen.id3 import TMOO, TXXX

        tags.setall("TMOO", [TMOO(encoding=3, text=[values[MOOD]])])
        for name, value in values.items():
            tags.setall(f"TXXX:{name}", [TXXX(encoding=3, desc=name, text=[value])])
    elif kind == "mp4":
        from mutagen.mp4 import MP4FreeForm

        for name, value in values.items():
            tags[_MP4_PREFIX + name] = [MP4FreeForm(value.encode("utf-8"))]
    else:
        for name, value in values.items():
            tags[name] = [value]
    for name in {VALENCE, AROUSAL, MODEL} - set(values):  # stale values from an older reading
        key = {"id3": f"TXXX:{name}", "mp4": _MP4_PREFIX + name}.get(kind or "", name)
        if key in tags:
            del tags[key]


__all__ = ["MoodTags", "read_tags", "write_tags"]
