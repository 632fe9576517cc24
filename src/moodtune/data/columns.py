"""Column names as people write them, read as moodtune's canonical names.

Names are compared after folding case, spaces, dashes and dots (:func:`normalise_column`);
identity and label columns have many spellings (:data:`COLUMN_ALIASES`), and some features
too (:data:`FEATURE_ALIASES`, each use said in a note).

Examples
--------
>>> normalise_column(" Track Name ")
'track_name'
>>> COLUMN_ALIASES["spotify_id"], FEATURE_ALIASES["positiveness"]
('track_id', 'valence')
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from moodtune.data.features import FEATURES
from moodtune.data.table import ID_COLUMNS, LABEL, TRACK_ID_ALIASES
from moodtune.errors import InputError

__all__ = ["COLUMN_ALIASES", "FEATURE_ALIASES", "canonical_columns", "normalise_column"]


#: Column names (after lower-casing and folding spaces, dashes and dots to "_") that mean
#: an identity or label column.
COLUMN_ALIASES: dict[str, str] = {
    **{name: "track_id" for name in TRACK_ID_ALIASES},
    **{
        name: "title"
        for name in (
            "title",
            "name",
            "track_name",
            "track",
            "song",
            "song_name",
            "track_title",
            "song_title",
        )
    },
    **{
        name: "artist"
        for name in ("artist", "artists", "track_artist", "artist_name", "artist_names", "artist_s")
    },
    **{name: "album" for name in ("album", "album_name", "track_album_name")},
    **{name: LABEL for name in ("label", "emotion", "mood", "class")},
}

#: Other names people give Spotify's features (Spotify's own app says "Positiveness"; many
#: tables say BPM); a table read through one of them gets a note saying so.
FEATURE_ALIASES: dict[str, str] = {
    "positiveness": "valence",
    "bpm": "tempo",
    "beats_per_minute": "tempo",
    "loudness_db": "loudness",
}


def normalise_column(name: object) -> str:
    """``" Track Name "`` → ``"track_name"``; ``"Dance-ability"`` → ``"dance_ability"``.

    A byte-order mark inside a name (a Parquet or JSON file made from a CSV read without
    dropping it) is ignored like a space.
    """
    text = str(name).replace("\ufeff", " ").strip().lower()
    return re.sub(r"[\s\-\.\(\)]+", "_", text).strip("_")


def _check_repeated_columns(names: Sequence[str], source: str) -> None:
    """Refuse a header that names the same column twice (exactly, or after folding case and
    spacing) when moodtune reads that column: which of the two is meant cannot be guessed."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        folded = normalise_column(name)
        meaning = COLUMN_ALIASES.get(folded, folded)
        if meaning not in FEATURES and meaning not in ID_COLUMNS and meaning != LABEL:
            continue
        if folded in seen:
            first = seen[folded]
            same = "the same name" if names[first - 1] == name else "names that mean the same"
            raise InputError(
                f"columns {first} and {position} have {same} ({names[first - 1]!r}, {name!r}): "
                "keep one of them",
                path=source,
                column=name,
            )
        seen[folded] = position


def canonical_columns(
    frame: pd.DataFrame,
    source: str,
    label_column: str | None,
    notes: list[str],
    id_column: str | None = None,
) -> pd.DataFrame:
    """``frame`` with its columns renamed to canonical names (features, identity, label).

    ``label_column`` names the label column when it is not called emotion, label or mood;
    ``id_column`` names the column that identifies a track when several could (an MSD id
    beside a Spotify id): it becomes ``track_id`` and the others keep their own names (so
    they are not read as the track id). Two columns that mean the same are refused.
    """
    names = _feature_aliases([normalise_column(c) for c in frame.columns], frame, notes)
    wanted_label = normalise_column(label_column) if label_column else None
    if wanted_label is not None and wanted_label not in names:
        raise InputError(f"no label column {label_column!r}; found {', '.join(names)}", path=source)
    wanted_id = normalise_column(id_column) if id_column else None
    if wanted_id is not None and wanted_id not in names:
        raise InputError(
            f"no id column {id_column!r} (--id-column); found {', '.join(names)}", path=source
        )
    renamed = [_canonical_name(name, wanted_label, wanted_id) for name in names]
    if wanted_id is not None:
        others = [n for n, r in zip(names, renamed, strict=True) if r == n and n != wanted_id]
        others = [n for n in others if COLUMN_ALIASES.get(n) == "track_id"]
        if others:
            notes.append(
                f"track id read from {id_column!r}; {', '.join(others)} not read as the id"
            )
    _refuse_two_meaning_one(list(frame.columns), renamed, source, id_column is None)
    frame = frame.copy()
    frame.columns = renamed
    return frame


def _feature_aliases(names: list[str], frame: pd.DataFrame, notes: list[str]) -> list[str]:
    """Read other names of features (Positiveness, BPM) as the feature, said in a note,
    unless the table also has the feature under its own name."""
    for column, name in zip(list(frame.columns), names, strict=True):
        if name in FEATURE_ALIASES and FEATURE_ALIASES[name] not in names:
            notes.append(f"read column {str(column)!r} as {FEATURE_ALIASES[name]}")
    return [
        FEATURE_ALIASES[n] if n in FEATURE_ALIASES and FEATURE_ALIASES[n] not in names else n
        for n in names
    ]


def _canonical_name(name: str, wanted_label: str | None, wanted_id: str | None) -> str:
    if wanted_id is not None:
        if name == wanted_id:
            return "track_id"
        if COLUMN_ALIASES.get(name) == "track_id":
            return name  # another id column: kept under its own name, not read
    if wanted_label is not None:
        if name == wanted_label:
            return LABEL
        if COLUMN_ALIASES.get(name) == LABEL:
            return name
    return COLUMN_ALIASES.get(name, name)


def _refuse_two_meaning_one(
    originals: Sequence[object], renamed: Sequence[str], source: str, hint_id: bool
) -> None:
    seen: dict[str, int] = {}
    for original, name in zip(originals, renamed, strict=True):
        if name in FEATURES or name in ID_COLUMNS or name == LABEL:
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                hint = " or name the one to use with --id-column" if name == "track_id" else ""
                raise InputError(
                    f"two columns mean {name!r} (column names after case and spacing are "
                    f"folded); keep one of them ({original!r}){hint if hint_id else ''}",
                    path=source,
                )


#: The former private name of :func:`canonical_columns`.
_canonical_columns = canonical_columns
