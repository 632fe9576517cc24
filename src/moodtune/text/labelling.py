"""Label a track table from a text column (tags, lyrics, playlist titles) with its emotion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from moodtune.data.readers import COLUMN_ALIASES, normalise_column, read_frame, tidy
from moodtune.data.table import LABEL, TrackTable
from moodtune.emotions import EMOTIONS
from moodtune.errors import InputError

__all__ = ["label_file", "label_frame"]


def label_frame(
    frame: pd.DataFrame,
    text_column: str,
    classifier,  # TextEmotionClassifier (anything with predict_proba(texts) -> (n, 7))
    *,
    source: str,
    skip_invalid: bool = False,
) -> TrackTable:
    """Label each row of a raw track frame by the emotion of its ``text_column``.

    ``text_column`` is matched like other columns (any case and spacing). Each distinct text
    is read once by ``classifier`` (the trained words head; a text with nothing readable, such
    as only unknown emoji, reads as neutral). Rows whose text is blank or binary data stop the
    labelling with an :class:`InputError` naming the row, or, with
    ``skip_invalid``, are left out and counted in the notes. A column that already holds
    labels (label, emotion, mood, class) is replaced, with a note. Returns the validated
    :class:`TrackTable` (see :func:`moodtune.data.readers.tidy`) with a ``label`` column.
    """
    column = _text_column(frame, text_column, source)
    notes: list[str] = []
    texts = frame[column].map(lambda v: "" if v is None or v != v else " ".join(str(v).split()))
    blank = (texts == "").to_numpy()
    _refuse_or_note(blank, "empty text in", "fill them", source, column, skip_invalid)
    binary = np.array([not b and _is_binary(t) for t, b in zip(texts, blank, strict=True)])
    _refuse_or_note(
        binary, "binary data instead of words in", "fix them", source, column, skip_invalid
    )
    if blank.any():
        notes.append(f"left out {int(blank.sum())} row(s) with empty {column!r} text")
    if binary.any():
        notes.append(f"left out {int(binary.sum())} row(s) with binary data in {column!r}")
    frame = frame.loc[~blank & ~binary].copy()
    texts = texts[~blank & ~binary]
    replaced = [
        c for c in frame.columns if c != column and COLUMN_ALIASES.get(normalise_column(c)) == LABEL
    ]
    if replaced:
        notes.append(f"replaced the existing label column(s) {', '.join(map(str, replaced))}")
        frame = frame.drop(columns=replaced)
    labels, distinct = _labels(frame, texts, classifier, notes)
    if COLUMN_ALIASES.get(normalise_column(column)) == LABEL:  # e.g. a text column 'mood'
        frame = frame.rename(columns={column: f"{column}_text"})
    frame[LABEL] = labels
    notes.append(f"labelled {len(frame)} row(s) from {distinct} distinct {column!r} text(s)")
    table = tidy(frame.reset_index(drop=True), source=source, skip_invalid=skip_invalid)
    return TrackTable(table.frame, table.source, [*notes, *table.notes])


def _text_column(frame: pd.DataFrame, text_column: str, source: str) -> object:
    """The frame's column matching ``text_column`` (any case and spacing)."""
    wanted = normalise_column(text_column)
    matches = [c for c in frame.columns if normalise_column(c) == wanted]
    if not matches:
        raise InputError(
            f"no text column {text_column!r}; the columns are {', '.join(map(str, frame.columns))}",
            path=source,
        )
    return matches[0]


def _refuse_or_note(
    bad: np.ndarray, what: str, fix: str, source: str, column: object, skip_invalid: bool
) -> None:
    """Raise an :class:`InputError` naming the first ``bad`` row unless ``skip_invalid``."""
    if not bad.any() or skip_invalid:
        return
    row = int(np.flatnonzero(bad)[0]) + 1
    raise InputError(
        f"{what} {int(bad.sum())} row(s), the first on row {row}; {fix} or pass "
        "--skip-invalid to leave them out",
        path=source,
        row=row,
        column=str(column),
    )


def _labels(
    frame: pd.DataFrame, texts: pd.Series, classifier: object, notes: list[str]
) -> tuple[np.ndarray, int]:
    """The emotion of each row (each distinct text read once; the rows of one track id
    averaged) and the number of distinct texts."""
    unique, inverse = np.unique(texts.to_numpy(dtype=str), return_inverse=True)
    probabilities = classifier.predict_proba(list(unique))[inverse]  # type: ignore[attr-defined]
    ids = [c for c in frame.columns if COLUMN_ALIASES.get(normalise_column(c)) == "track_id"]
    if ids:  # one track in several rows (e.g. several playlists): average over its rows
        groups = frame[ids[0]].astype(str).to_numpy()
        averaged = pd.DataFrame(probabilities).groupby(groups, sort=False).transform("mean")
        if len(set(groups)) < len(groups):
            notes.append("rows of the same track id were labelled from all their texts together")
        probabilities = averaged.to_numpy()
    return np.array(EMOTIONS)[probabilities.argmax(axis=1)], len(unique)


def _is_binary(text: str) -> bool:
    from moodtune.text.clean import TextInputError, refuse_binary

    try:
        refuse_binary(text)
    except TextInputError:
        return True
    return False


def label_file(
    path: str | Path, text_column: str, classifier, *, skip_invalid: bool = False
) -> TrackTable:
    """Read a track table file (CSV, TSV, Parquet, JSON) and label it: see :func:`label_frame`."""

    raw = read_frame(Path(path))
    if isinstance(raw, TrackTable):  # the seed format has titles and numbers only
        raise InputError(f"has no text column {text_column!r} (seed format)", path=str(path))
    return label_frame(raw, text_column, classifier, source=str(path), skip_invalid=skip_invalid)
