"""The output: an append-only CSV keyed by Spotify track id, plus a CSV of skipped tracks.

Rows are appended and flushed to disk one batch at a time, so an interrupted run loses at
most the batch in flight; reopening the file repairs a torn last line and tells the
collector what is already there, so a rerun fetches only what is missing.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from moodtune.collect.base import AudioFeatures, Track
from moodtune.data.features import FEATURE_NAMES, FEATURES
from moodtune.errors import InputError, MoodtuneError

__all__ = [
    "COLUMNS",
    "SKIPPED_COLUMNS",
    "CsvLog",
    "check_output_path",
    "feature_row",
    "skipped_path",
]

#: Columns of the output table; ``emotion`` is the label column the readers recognise.
COLUMNS: tuple[str, ...] = (
    "track_id",
    "title",
    "artist",
    "album",
    "emotion",
    *FEATURE_NAMES,
    "time_signature",
    "duration_ms",
    "provider",
    "playlist",
)
#: Columns of the skipped-tracks file. ``stage`` is ``list`` (seen while listing: local
#: files, episodes, conflicts) or ``features`` (the provider had no features).
SKIPPED_COLUMNS: tuple[str, ...] = (
    "key",
    "title",
    "artist",
    "emotion",
    "playlist",
    "stage",
    "reason",
)


class CsvLog:
    """An append-only CSV with a fixed header, flushed and fsynced after every append."""

    def __init__(self, path: str | os.PathLike[str], columns: Sequence[str]) -> None:
        self.path = Path(path)
        self.columns = tuple(columns)
        self.repaired = False

    def read(self) -> list[dict[str, str]]:
        """The rows already in the file (none if it does not exist).

        The header is checked first: a file with another header (or not UTF-8 text) is
        refused and left exactly as it is. Only then, in a file that is a collect output, a
        last line without its newline (a write cut short) is removed.
        """
        if not self.path.exists():
            return []
        if not self.path.is_file():
            raise MoodtuneError(f"{str(self.path)!r} is not a file")
        data = self.path.read_bytes()
        if not data:
            return []
        end = data.find(b"\n")
        if end < 0:  # not even one whole line: at most a header cut short by an interruption
            if not self._header_line().startswith(self._decode(data)):
                self._check_header(self._decode(data))
            self._truncate(0)
            return []
        self._check_header(self._decode(data[:end]))
        if not data.endswith(b"\n"):
            data = data[: data.rfind(b"\n") + 1]
            self._truncate(len(data))
        return list(csv.DictReader(self._decode(data).splitlines(keepends=True)))

    def _header_line(self) -> str:
        """The header as ``append`` writes it (the column names need no quoting)."""
        return ",".join(self.columns)

    def _decode(self, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(
                "is not a UTF-8 text file, so not a 'moodtune collect' output; choose another "
                "output file",
                path=str(self.path),
            ) from None

    def _check_header(self, line: str) -> None:
        """Refuse the file unless ``line`` (its first line) is this log's header."""
        fields = next(csv.reader([line.rstrip("\r")]), [])
        if tuple(fields) != self.columns:
            raise InputError(
                f"has the columns {', '.join(fields)}, not those of a "
                f"'moodtune collect' file ({', '.join(self.columns)}); choose another "
                "output file",
                path=str(self.path),
            )

    def _truncate(self, size: int) -> None:
        """Cut the file to ``size`` bytes, dropping a torn last line."""
        with self.path.open("r+b") as handle:
            handle.truncate(size)
        self.repaired = True

    def append(self, rows: Iterable[Mapping[str, object]]) -> int:
        """Append ``rows`` (dicts keyed by column), writing the header first if new."""
        rows = list(rows)
        if not rows:
            return 0
        if not self.path.parent.is_dir():
            raise MoodtuneError(f"the folder {str(self.path.parent)!r} does not exist")
        new = not self.path.exists() or self.path.stat().st_size == 0
        with self.path.open("a", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            if new:
                writer.writerow(self.columns)
            for row in rows:
                writer.writerow(["" if row.get(c) is None else row[c] for c in self.columns])
            handle.flush()
            os.fsync(handle.fileno())
        return len(rows)


def skipped_path(out: str | os.PathLike[str]) -> Path:
    """``data.csv`` → ``data.skipped.csv`` beside it."""
    out = Path(out)
    return out.with_name(f"{out.stem}.skipped.csv")


def feature_row(
    track: Track, features: AudioFeatures, emotion: str, playlist: str
) -> dict[str, object]:
    """One output row; integer features written as integers, floats in shortest form."""
    row: dict[str, object] = {
        "track_id": track.id,
        "title": track.title,
        "artist": track.artist,
        "album": track.album,
        "emotion": emotion,
        "time_signature": features.time_signature,
        "duration_ms": track.duration_ms,
        "provider": features.provider,
        "playlist": playlist,
    }
    for name in FEATURE_NAMES:
        value = features.values[name]
        row[name] = int(value) if FEATURES[name].integer else repr(float(value))
    return row


def check_output_path(out: str | os.PathLike[str]) -> Path:
    """The output must be a ``.csv`` file in an existing folder (rows are appended)."""
    out = Path(out)
    if out.suffix.lower() != ".csv":
        raise MoodtuneError(
            f"cannot collect into {out.name!r}: the output is appended batch by batch, so "
            "it must be a .csv file (convert it afterwards if you need Parquet or JSON)"
        )
    if not out.parent.is_dir():
        raise MoodtuneError(f"the folder {str(out.parent)!r} does not exist")
    return out
