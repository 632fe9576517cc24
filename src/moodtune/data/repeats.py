"""Rows that repeat a track: merged when identical, refused when they disagree, or — for
tables where one track carries several labels — resolved by a policy the user chose.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame(
...     {"track_id": ["a", "a", "a", "b"], "valence": [0.5] * 4,
...      "label": ["happiness", "sadness", "sadness", "fear"]})
>>> notes = []
>>> resolve_repeats(frame, "t.csv", notes, on_conflict="vote")["label"].tolist()
['sadness', 'fear']
>>> notes[0]
'1 track(s) carry several labels: took the most common label of each (--on-conflict vote)'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from moodtune.data.features import FEATURES
from moodtune.data.table import LABEL
from moodtune.errors import InputError

__all__ = ["ON_CONFLICT", "resolve_repeats"]

#: What to do with rows of one track id that carry different labels (same feature values):
#: ``error`` refuses the table (the default), ``first`` keeps the first row's label, ``drop``
#: leaves the track out, ``vote`` keeps the most common label (a tie leaves it out).
ON_CONFLICT: tuple[str, ...] = ("error", "first", "drop", "vote")


def resolve_repeats(
    frame: pd.DataFrame,
    source: str,
    notes: list[str],
    *,
    merge: bool = True,
    on_conflict: str = "error",
) -> pd.DataFrame:
    """Resolve rows that repeat a track id; return the frame without the repeats.

    Repeats with identical features and labels are merged into the first (or, with
    ``merge=False``, all kept, in order, and counted in a note). Repeats whose feature values
    differ are refused: they are not one track. Repeats that differ only in their label
    follow ``on_conflict`` (see :data:`ON_CONFLICT`); how many tracks that touched is said
    in ``notes``.
    """
    if on_conflict not in ON_CONFLICT:
        raise InputError(
            f"unknown --on-conflict {on_conflict!r}; choose from {', '.join(ON_CONFLICT)}",
            path=source,
        )
    if "track_id" not in frame.columns:
        return frame
    repeated = frame["track_id"].duplicated(keep=False) & frame["track_id"].notna()
    if not repeated.any():
        return frame
    features = [c for c in frame.columns if c in FEATURES]
    labelled = LABEL in frame.columns
    groups = frame[repeated].groupby("track_id", sort=False)
    differ_features = _differing(groups, features)
    differ_label = _differing(groups, [LABEL] if labelled else [])
    if on_conflict == "error":
        _refuse(frame, differ_features | differ_label, source, "labels or feature values")
    _refuse(frame, differ_features, source, "feature values")
    if differ_label.any():
        frame = _resolve_labels(frame, list(differ_label[differ_label].index), on_conflict, notes)
        repeated = frame["track_id"].duplicated(keep=False) & frame["track_id"].notna()
    return _merge_identical(frame, repeated, notes, merge)


def _differing(groups: pd.core.groupby.DataFrameGroupBy, columns: list[str]) -> pd.Series:
    """Per repeated track id: True when the rows differ in one of ``columns``."""
    if not columns:
        return pd.Series(False, index=groups.size().index)
    return groups[columns].nunique(dropna=False).max(axis=1) > 1


def _refuse(frame: pd.DataFrame, conflicting: pd.Series, source: str, what: str) -> None:
    if not conflicting.any():
        return
    track_id = str(conflicting[conflicting].index[0])
    rows = (np.flatnonzero(frame["track_id"].to_numpy() == track_id) + 1).tolist()
    hint = ""
    if what != "feature values":
        hint = ", or pass --on-conflict first|drop|vote for tables with several labels per track"
    raise InputError(
        f"duplicate track id {track_id!r} on rows {', '.join(map(str, rows[:5]))} with "
        f"different {what}; keep one row per track ({int(conflicting.sum())} such id(s)){hint}",
        path=source,
        column="track_id",
    )


def _resolve_labels(
    frame: pd.DataFrame, ids: list[object], policy: str, notes: list[str]
) -> pd.DataFrame:
    """Give the rows of each id in ``ids`` one label by ``policy`` (or drop them)."""
    frame = frame.copy()
    affected = frame["track_id"].isin(ids)
    if policy == "first":
        first = frame[affected].groupby("track_id", sort=False)[LABEL].first()
        frame.loc[affected, LABEL] = frame.loc[affected, "track_id"].map(first)
        done = "kept the first row's label of each"
    elif policy == "drop":
        frame = frame[~affected]
        done = "left them out"
    else:
        winners = frame[affected].groupby("track_id", sort=False)[LABEL].agg(_majority)
        frame.loc[affected, LABEL] = frame.loc[affected, "track_id"].map(winners)
        tied = [str(i) for i, w in winners.items() if pd.isna(w)]
        frame = frame[frame[LABEL].notna() | ~affected]
        done = "took the most common label of each"
        if tied:
            done += f" and left out {len(tied)} with a tie ({', '.join(tied[:5])})"
    notes.append(f"{len(ids)} track(s) carry several labels: {done} (--on-conflict {policy})")
    return frame.reset_index(drop=True)


def _majority(labels: pd.Series) -> object:
    """The most common label, or None when two or more are the most common."""
    counts = labels.value_counts(sort=True)
    if len(counts) > 1 and counts.iloc[0] == counts.iloc[1]:
        return None
    return counts.index[0]


def _merge_identical(
    frame: pd.DataFrame, repeated: pd.Series, notes: list[str], merge: bool
) -> pd.DataFrame:
    copies = frame["track_id"].duplicated(keep="first") & repeated
    if not copies.any():
        return frame
    if not merge:
        notes.append(
            f"{int(copies.sum())} row(s) repeat an earlier track id with identical values; kept"
        )
        return frame
    before = len(frame)
    frame = frame[~copies].reset_index(drop=True)
    notes.append(
        f"merged {before - len(frame)} repeated row(s) of the same track id with identical "
        f"values ({len(frame)} unique tracks)"
    )
    return frame


#: The former private name of :func:`resolve_repeats`.
_resolve_repeats = resolve_repeats
