"""Labelling tracks with emotions: by themed playlist, or by a transparent valence/arousal rule.

Both return a :class:`TrackTable` with a ``label`` column, the same type the readers give for a
labelled file, ready for ``train`` and ``evaluate``. (Labelling from text — tags, lyrics — is in
:mod:`moodtune.text.labelling`.)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from moodtune import emotions
from moodtune.data.readers import COLUMN_ALIASES, bare_spotify_id, normalise_column
from moodtune.data.table import LABEL, TrackTable
from moodtune.errors import InputError

__all__ = [
    "RULE_SOURCE",
    "label_by_circumplex",
    "label_by_playlists",
    "music_plane",
    "nearest",
    "rule_label",
]

RULE_SOURCE = (
    "nearest of the 7 emotions on the valence/arousal plane: valence → 2·valence − 1, "
    "arousal → 2·energy − 1, emotion points from moodtune.emotions.CIRCUMPLEX"
)


def music_plane(valence: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """Tracks on the valence/arousal plane: 0–1 valence and energy → shape (n, 2) in −1…1."""
    return np.stack([2 * np.asarray(valence, float) - 1, 2 * np.asarray(energy, float) - 1], 1)


def nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest of ``centres`` (k, 2) for each of ``points`` (n, 2): shape (n,)."""
    return ((points[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)


def rule_label(valence: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """Nearest of the 7 emotions on the valence/arousal plane, for 0–1 valence and energy.

    Shapes (n,) → (n,) of emotion names; energy stands for arousal.
    """
    points = music_plane(valence, energy)
    return np.asarray(emotions.EMOTIONS)[nearest(points, emotions.coordinates())]


def label_by_circumplex(table: TrackTable) -> TrackTable:
    """Label every track with :func:`rule_label` of its valence and energy."""
    x = table.matrix(("valence", "energy"))
    return table.with_labels(list(rule_label(x[:, 0], x[:, 1])), f"labelled by rule: {RULE_SOURCE}")


def label_by_playlists(
    table: TrackTable,
    assignments: pd.DataFrame | Mapping[str, str],
    *,
    source: str = "the playlist assignments",
    skip_invalid: bool = False,
) -> TrackTable:
    """Label tracks by the themed playlist they were collected from, as the seed did.

    ``assignments`` maps tracks to emotions: a mapping of track id (or title) → emotion, or a
    frame with an ``emotion`` column and a ``spotify_id``/``track_id`` and/or ``title`` column
    (e.g. one row per track of each themed playlist). Tracks are matched by id when both sides
    have ids, else by title (case and spacing ignored). A track assigned two different emotions
    is an error that names it, and so is a track with no assignment; with ``skip_invalid``
    both are left out and counted in the notes.
    """
    frame = _assignment_frame(assignments, source)
    by_id = "track_id" in frame.columns and "track_id" in table.frame.columns
    key_column = "track_id" if by_id else "title"
    if key_column not in frame.columns or key_column not in table.frame.columns:
        raise InputError(
            "the tracks and the playlist assignments share neither a track id nor a title column",
            path=source,
        )
    mapping, conflicts = _playlist_mapping(frame, key_column, source, skip_invalid)
    found = table.frame[key_column].map(_key).map(mapping)
    missing = found.isna().to_numpy()
    notes = [f"labelled by playlist, matched on {key_column}"]
    if conflicts:
        notes.append(
            f"left out {len(conflicts)} {key_column}(s) found in playlists of two emotions: "
            + ", ".join(sorted(conflicts)[:5])
        )
    result = table.frame.copy()
    if missing.any():
        first = table.frame[key_column].iloc[int(np.flatnonzero(missing)[0])]
        if not skip_invalid:
            raise InputError(
                f"{int(missing.sum())} of {len(table)} tracks are in no playlist (the first: "
                f"{str(first)!r}); pass --skip-invalid to leave them out",
                path=table.source or None,
            )
        notes.append(
            f"left out {int(missing.sum())} of {len(table)} tracks that are in no playlist"
        )
        result = result.loc[~missing]
        found = found[~missing]
        if result.empty:
            raise InputError("no track is in any playlist", path=table.source or None)
    result[LABEL] = found.to_numpy()
    return TrackTable(result.reset_index(drop=True), table.source, [*table.notes, *notes])


def _playlist_mapping(
    frame: pd.DataFrame, key_column: str, source: str, skip_invalid: bool
) -> tuple[dict[str, str], set[str]]:
    """Track key → emotion from the assignments, and the keys found in playlists of two
    emotions (an error unless ``skip_invalid``; left out of the mapping)."""
    mapping: dict[str, str] = {}
    conflicts: set[str] = set()
    for key, label in zip(frame[key_column].map(_key), frame[LABEL], strict=True):
        if key is not None and mapping.setdefault(key, label) != label:
            if not skip_invalid:
                raise InputError(
                    f"{key_column} {key!r} is in playlists of two emotions ({mapping[key]} and "
                    f"{label}); keep it in one playlist, or pass --skip-invalid to leave such "
                    "tracks out",
                    path=source,
                )
            conflicts.add(key)
    for key in conflicts:
        del mapping[key]
    return mapping, conflicts


def _assignment_frame(assignments: pd.DataFrame | Mapping[str, str], source: str) -> pd.DataFrame:
    """Assignments with canonical column names (as the readers name them) and bare ids."""
    if isinstance(assignments, Mapping):
        keys = list(assignments)
        frame = pd.DataFrame({"track_id": keys, "title": keys, LABEL: list(assignments.values())})
    else:
        frame = assignments.copy()
        names = [normalise_column(c) for c in frame.columns]
        frame.columns = [COLUMN_ALIASES.get(name, name) for name in names]
        twice = sorted(set(frame.columns[frame.columns.duplicated()]))
        if twice:
            raise InputError(
                f"several columns mean {', '.join(map(repr, twice))}; keep one of each",
                path=source,
            )
    if LABEL not in frame.columns:
        raise InputError(
            f"needs an 'emotion' column; found {', '.join(map(str, frame.columns))}", path=source
        )
    try:
        frame[LABEL] = frame[LABEL].map(emotions.canonical)
    except emotions.UnknownEmotionError as error:
        raise InputError(str(error), path=source, column="emotion") from None
    if "track_id" in frame.columns:
        frame["track_id"] = frame["track_id"].map(bare_spotify_id)
    return frame


def _key(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = " ".join(str(value).split()).casefold()
    return text or None
