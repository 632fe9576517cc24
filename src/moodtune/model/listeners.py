"""Track tables with listeners' valence and arousal, read for training and measuring the reading.

A *listener table* is any track table (CSV, TSV, Parquet, JSON) with the audio features and
two columns of what listeners said: MuSe's ``valence_tags`` / ``arousal_tags`` (1–9 scale,
from Last.fm tags scored with word norms), or columns named ``listener_valence`` /
``listener_arousal`` or ``reading_valence`` / ``reading_arousal`` (−1..1). Values on the 1–9
scale are mapped to −1..1 by (x − 5) / 4 (clipped: MuSe has a few values below 1), the scale
of moodtune's reading. Spotify's own ``valence`` column is a feature, never a target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from moodtune.data.cells import describe_cell, is_blank
from moodtune.data.readers import normalise_column, read_frame, tidy
from moodtune.data.table import LABEL, TrackTable
from moodtune.errors import InputError, MoodtuneError

#: Recognised target columns (after normalising case and spacing), by axis.
TARGET_NAMES: dict[str, tuple[str, ...]] = {
    "valence": ("valence_tags", "listener_valence", "reading_valence", "valence_listeners"),
    "arousal": ("arousal_tags", "listener_arousal", "reading_arousal", "arousal_listeners"),
}
_ROW = "__row__"

__all__ = [
    "TARGET_NAMES",
    "ListenerTable",
    "find_target_columns",
    "has_listener_columns",
    "read_listener_table",
]


@dataclass
class ListenerTable:
    """Tracks with listeners' valence/arousal.

    ``table`` is the validated track table (features, identity, and the table's own labels
    when it has some); ``targets`` (n, 2) float64 is listeners' valence and arousal on the
    −1..1 scale, row for row; ``columns`` names the two source columns and ``scale`` says
    whether they were on the 1–9 scale or −1..1.
    """

    table: TrackTable
    targets: np.ndarray
    columns: tuple[str, str]
    scale: str

    def __len__(self) -> int:
        return len(self.targets)

    @property
    def artists(self) -> np.ndarray | None:
        if "artist" not in self.table.frame.columns:
            return None
        return self.table.frame["artist"].fillna("").to_numpy(dtype=str)


def find_target_columns(
    frame: pd.DataFrame, given: Sequence[str] | None = None
) -> tuple[str, str] | None:
    """The (valence, arousal) target columns of a raw frame, or None when it has none.

    ``given`` names them explicitly (any case and spacing); otherwise the names of
    :data:`TARGET_NAMES` are looked for.
    """
    columns = {normalise_column(c): c for c in frame.columns}
    if given:
        found = []
        for name in given:
            key = normalise_column(name)
            if key not in columns:
                raise MoodtuneError(
                    f"no column {name!r} for listeners' valence/arousal; the table has "
                    f"{', '.join(map(str, frame.columns))}"
                )
            found.append(columns[key])
        if len(found) != 2:
            raise MoodtuneError("name two target columns: valence,arousal")
        return found[0], found[1]
    picked = []
    for axis in ("valence", "arousal"):
        match = next((columns[n] for n in TARGET_NAMES[axis] if n in columns), None)
        picked.append(match)
    if picked[0] is None and picked[1] is None:
        return None
    if None in picked:
        have = picked[0] or picked[1]
        raise MoodtuneError(
            f"the table has listeners' {('valence' if picked[0] else 'arousal')} ({have!r}) "
            f"but not the other axis; expected one of "
            f"{', '.join(TARGET_NAMES['arousal' if picked[0] else 'valence'])}"
        )
    return picked[0], picked[1]


def has_listener_columns(path: str | Path) -> bool:
    """True when the table in ``path`` has listeners' valence/arousal columns."""
    return find_target_columns(read_frame(path)) is not None


def read_listener_table(
    path: str | Path,
    *,
    columns: Sequence[str] | None = None,
    skip_invalid: bool = False,
    labels: bool = False,
) -> ListenerTable:
    """Read a table with listeners' valence/arousal (see the module docstring).

    A missing, non-numeric or out-of-range target is an error naming file, row and column
    (``skip_invalid`` leaves such rows out and says so in ``table.notes``). With ``labels``,
    the table's own label column is kept too.
    """
    source = str(path)
    frame = read_frame(path)
    found = find_target_columns(frame, columns)
    if found is None:
        raise InputError(
            "has no listeners' valence/arousal columns (e.g. valence_tags and arousal_tags, "
            "1-9, or listener_valence and listener_arousal, -1..1)",
            path=source,
        )
    raw, bad = _target_values(frame, found, source, skip_invalid)
    good = np.setdiff1d(np.arange(len(raw)), list(bad))
    if len(good) == 0:
        raise InputError("no row has listeners' valence and arousal", path=source)
    scale = _scale(raw[good], found, source)
    targets = np.clip((raw - 5.0) / 4.0, -1.0, 1.0) if scale == "1-9" else raw
    table, rows = _features_of(frame.drop(index=list(bad)).copy(), source, skip_invalid, labels)
    if bad:
        table.notes.append(f"skipped {len(bad)} row(s) without listeners' valence/arousal")
    return ListenerTable(table, targets[rows], (str(found[0]), str(found[1])), scale)


def _target_values(
    frame: pd.DataFrame, found: tuple[str, str], source: str, skip_invalid: bool
) -> tuple[np.ndarray, dict[int, str]]:
    """The two target columns as float64 (n, 2), and the rows without a number in them
    (an error naming the row unless ``skip_invalid``)."""
    raw = np.column_stack(
        [pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=np.float64) for c in found]
    )
    bad: dict[int, str] = {}
    for axis, column in enumerate(found):
        for row in np.flatnonzero(~np.isfinite(raw[:, axis])):
            if not skip_invalid:
                value = frame[column].iloc[row]
                what = (
                    "is missing" if is_blank(value) else f"{describe_cell(value)} is not a number"
                )
                raise InputError(
                    f"listeners' value {what} "
                    "(or pass --skip-invalid to leave such rows out and count them)",
                    path=source,
                    row=int(row) + 1,
                    column=str(column),
                )
            bad.setdefault(int(row), f"non-numeric {column!r}")
    return raw, bad


def _features_of(
    work: pd.DataFrame, source: str, skip_invalid: bool, labels: bool
) -> tuple[TrackTable, np.ndarray]:
    """The validated track table of the rows in ``work`` (with the table's own labels when
    ``labels``), and for each of its rows the position of its source row."""
    # Carry the row number through validation in the label column, so that rows the reader
    # leaves out (with skip_invalid) cannot misalign features and targets.
    label_column = next(
        (c for c in work.columns if normalise_column(c) in ("emotion", "label", "mood", "class")),
        None,
    )
    own_labels = work[label_column].to_numpy() if (labels and label_column) else None
    if label_column is not None:
        work = work.drop(columns=[label_column])
    work[_ROW] = [str(i) for i in work.index]
    table = tidy(work, source=source, skip_invalid=skip_invalid, label_column=_ROW)
    rows = table.frame[LABEL].astype(int).to_numpy()
    table.notes[:] = [n for n in table.notes if not n.startswith("labels are not all")]
    frame_out = table.frame.drop(columns=[LABEL])
    if own_labels is not None:
        positions = {row: i for i, row in enumerate(work.index)}
        frame_out[LABEL] = [own_labels[positions[r]] for r in rows]
        return tidy(frame_out, source=source, skip_invalid=False), rows
    return TrackTable(frame_out.reset_index(drop=True), source, table.notes), rows


def _scale(values: np.ndarray, columns: tuple[str, str], source: str) -> str:
    low, high = float(values.min()), float(values.max())
    if low >= -1.0 and high <= 1.0:
        return "-1..1"
    if low >= 0.0 and high <= 9.0:  # MuSe has a few values just below 1
        return "1-9"
    raise InputError(
        f"listeners' valence/arousal range from {low:g} to {high:g}; expected the 1-9 scale "
        "of word norms or -1..1",
        path=source,
        column=f"{columns[0]}, {columns[1]}",
    )
