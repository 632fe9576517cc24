"""The one track-table type that every reader returns and every consumer takes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from moodtune.data.features import FEATURE_NAMES
from moodtune.errors import InputError, MoodtuneError
from moodtune.files import replace_atomically

__all__ = ["ID_COLUMNS", "LABEL", "TRACK_ID_ALIASES", "TrackTable", "is_other_id", "write_frame"]

#: Identity columns a table may carry, in display order.
ID_COLUMNS: tuple[str, ...] = ("track_id", "title", "artist", "album")
#: Name of the label column in a labelled table.
LABEL = "label"
#: Column names (normalised) that name a track id.
TRACK_ID_ALIASES: tuple[str, ...] = (
    "track_id",
    "id",
    "spotify_id",
    "trackid",
    "track_uri",
    "uri",
    "spotify_track_id",
    "spotify_uri",
)


def is_other_id(name: str) -> bool:
    """Whether a (normalised) column name is an id column other than the track id: one left
    under its own name when ``--id-column`` chose another (``msd_id`` beside ``spotify_id``).

    >>> is_other_id("msd_id"), is_other_id("spotify_uri"), is_other_id("track_id")
    (True, True, False)
    """
    return name != "track_id" and (name in TRACK_ID_ALIASES or name.endswith("_id"))


@dataclass
class TrackTable:
    """Tracks with identity columns, audio features and, optionally, a label.

    ``frame`` has one row per track. Identity columns (:data:`ID_COLUMNS`) are strings where
    present; feature columns use the canonical names of :mod:`moodtune.data.features` and hold
    floats; a labelled table has a string column :data:`LABEL`. ``notes`` records what the
    reader did to the input (rescaled columns, merged repeats, skipped rows) so it can be
    reported to the user.
    """

    frame: pd.DataFrame
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The schema features this table has, in schema order."""
        return tuple(name for name in FEATURE_NAMES if name in self.frame.columns)

    @property
    def has_labels(self) -> bool:
        return LABEL in self.frame.columns

    @property
    def labels(self) -> np.ndarray:
        """The labels, shape (n,), as strings."""
        if not self.has_labels:
            raise MoodtuneError(
                f"{self.source or 'the table'} has no labels: give a column named "
                "'emotion', 'label' or 'mood', or label it with 'moodtune label'"
            )
        return self.frame[LABEL].to_numpy(dtype=str)

    def matrix(self, names: Sequence[str]) -> np.ndarray:
        """Feature values, float64 of shape (n, len(names)), columns in ``names`` order."""
        missing = [name for name in names if name not in self.frame.columns]
        if missing:
            raise InputError(
                f"missing feature column(s) {', '.join(missing)}; the model needs "
                f"{', '.join(names)} and the table has {', '.join(self.feature_names) or 'none'}",
                path=self.source or None,
            )
        return self.frame[list(names)].to_numpy(dtype=np.float64)

    def identity(self) -> pd.DataFrame:
        """Just the identity columns that are present, then the table's other id columns
        (those ``--id-column`` did not choose), in the table's order."""
        others = [c for c in self.frame.columns if isinstance(c, str) and is_other_id(c)]
        return self.frame[[c for c in ID_COLUMNS if c in self.frame.columns] + others]

    def with_labels(self, labels: Sequence[str], note: str | None = None) -> TrackTable:
        """A copy of this table with ``labels`` (length n) as its label column."""
        if len(labels) != len(self.frame):
            raise MoodtuneError(f"{len(labels)} labels for {len(self.frame)} tracks")
        frame = self.frame.copy()
        frame[LABEL] = list(labels)
        return TrackTable(frame, self.source, [*self.notes, *([note] if note else [])])


def write_frame(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a data frame as CSV, Parquet or JSON (by suffix), all at once or not at all.

    The file is written beside its destination under a temporary name and renamed into place
    (:func:`moodtune.files.replace_atomically`), so an error or an interruption never leaves a
    half-written file.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in {".csv", ".parquet", ".json"}:
        raise MoodtuneError(
            f"cannot write {target.name!r}: use a file name ending in .csv, .parquet or .json"
        )

    def write(temporary: Path) -> None:
        if suffix == ".csv":
            frame.to_csv(temporary, index=False)
        elif suffix == ".parquet":
            frame.to_parquet(temporary, index=False)
        else:
            frame.to_json(temporary, orient="records", indent=1)

    try:
        if not target.parent.is_dir():
            problem = "is a file, not a folder" if target.parent.exists() else "does not exist"
            raise MoodtuneError(f"the folder {str(target.parent)!r} {problem}")
        if target.is_dir():
            raise MoodtuneError(f"cannot write {str(target)!r}: it is a folder")
        replace_atomically(target, write)
    except OSError as error:  # a name too long, a folder that cannot be written, ...
        raise MoodtuneError(f"cannot write {str(target)!r}: {error.strerror or error}") from None
    return target
