"""What to collect: themed playlists (or track lists) mapped to emotions.

A plan comes from the command line (one emotion, some playlists or tracks) or from a YAML
file in either of two forms::

    # emotion → playlist(s)
    anger:
      - https://open.spotify.com/playlist/37i9dQZF1DX1tyCD9QhIWF
    sadness: spotify:playlist:37i9dQZF1DX7qK8ma5wgG1

    # or a list of entries
    playlists:
      - url: https://open.spotify.com/playlist/37i9dQZF1DX1tyCD9QhIWF
        emotion: anger
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moodtune import emotions
from moodtune.data.spotify_ids import spotify_id
from moodtune.errors import InputError, MissingExtraError, MoodtuneError

__all__ = ["Job", "command_line_plan", "read_plan"]


@dataclass(frozen=True)
class Job:
    """One source and its label: a playlist reference, or a tuple of track references."""

    emotion: str
    playlist: str | None = None
    tracks: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        """How the output names where a row came from: ``spotify:playlist:ID`` or ``tracks``."""
        if self.playlist is not None:
            return f"spotify:playlist:{spotify_id(self.playlist, 'playlist')}"
        return "tracks"


def command_line_plan(
    emotion: str, playlists: Sequence[str] = (), tracks: Sequence[str] = ()
) -> list[Job]:
    """Jobs for ``--emotion E --playlist URL… --track URL…``, references checked."""
    label = emotions.canonical(emotion)
    if not playlists and not tracks:
        raise MoodtuneError("give --playlist or --track (or --from-file)")
    jobs = [Job(label, playlist=reference) for reference in playlists]
    for job in jobs:
        spotify_id(job.playlist or "", "playlist")
    if tracks:
        for reference in tracks:
            spotify_id(reference, "track")
        jobs.append(Job(label, tracks=tuple(tracks)))
    return jobs


def read_plan(path: str | Path) -> list[Job]:
    """Jobs from a YAML file (see the module docstring), every entry validated.

    Errors name the file, the entry (1-based) and what was expected.
    """
    path = Path(path)
    try:
        import yaml
    except ImportError as error:  # pragma: no cover - a dependency of the extra
        raise MissingExtraError("collect", "pyyaml") from error
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a YAML plan file", path=str(path)) from None
    except UnicodeDecodeError as error:
        raise InputError(f"not valid YAML ({error})", path=str(path)) from None
    except OSError as error:
        raise InputError(f"cannot be read ({error.strerror or error})", path=str(path)) from None
    try:
        data = yaml.load(text, Loader=_loader(yaml, path))  # a SafeLoader: plain data only
    except yaml.YAMLError as error:
        raise InputError(f"not valid YAML ({error})", path=str(path)) from None
    entries: list[tuple[Any, Any]] = []
    if isinstance(data, dict) and set(data) == {"playlists"}:
        if not isinstance(data["playlists"], list):
            raise InputError("'playlists' must be a list of {url, emotion}", path=str(path))
        for number, entry in enumerate(data["playlists"], start=1):
            if not isinstance(entry, dict):
                raise InputError("each entry needs 'url' and 'emotion'", path=str(path), row=number)
            url = entry.get("url", entry.get("playlist"))
            entries.append((entry.get("emotion"), url))
    elif isinstance(data, dict) and data:
        for emotion, urls in data.items():
            for url in urls if isinstance(urls, list) else [urls]:
                entries.append((emotion, url))
    else:
        raise InputError(
            "expected a mapping emotion → playlist URL(s), or 'playlists:' with a list of "
            "{url, emotion} entries",
            path=str(path),
        )
    jobs = []
    for number, (emotion, url) in enumerate(entries, start=1):
        if emotion is None or not str(emotion).strip():
            raise InputError("missing emotion", path=str(path), row=number, column="emotion")
        if not isinstance(url, str) or not url.strip():
            raise InputError("missing playlist URL", path=str(path), row=number, column="url")
        try:
            label = emotions.canonical(str(emotion))
            spotify_id(url, "playlist")
        except MoodtuneError as error:
            raise InputError(str(error), path=str(path), row=number) from None
        jobs.append(Job(label, playlist=url.strip()))
    return jobs


def _loader(yaml: Any, path: Path) -> type:
    """A ``yaml.SafeLoader`` that refuses a key repeated in one mapping.

    PyYAML keeps only the last of two ``anger:`` entries, silently dropping the first one's
    playlists; this loader raises an :class:`InputError` naming the file, the key and both
    lines instead.
    """

    class UniqueKeyLoader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # '<<': merged keys may repeat
                    continue
                key = self.construct_object(key_node, deep=deep)
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:  # an unhashable key: the base class reports it
                    continue
                if first is not key_node:
                    raise InputError(
                        f"line {key_node.start_mark.line + 1}: the key {key!r} appears twice "
                        f"(first on line {first.start_mark.line + 1}); give each key once, "
                        "with all its playlists in one list under it",
                        path=str(path),
                    )
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader
