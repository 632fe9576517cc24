"""Labelled text tables (GoEmotions-style) and cached sentence embeddings for training.

A labelled text table has a ``text`` column and a ``labels`` column (``label``, ``emotion``
and ``mood`` are accepted too) holding one emotion or several separated by commas; emotion
words and their aliases (``joy`` → happiness, ``angry`` → anger, …) map to
:data:`moodtune.emotions.EMOTIONS`. Embeddings of a whole table are cached as ``.npy`` files in
the moodtune cache folder (never in the repository), keyed by the sha256 of the embedding
model and of the texts, and read back with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moodtune import emotions
from moodtune.emotions import EMOTIONS
from moodtune.errors import InputError, MoodtuneError

__all__ = [
    "LABEL_COLUMNS",
    "TEXT_COLUMNS",
    "TextTable",
    "cached_embeddings",
    "embeddings_cache_dir",
    "read_text_table",
    "texts_digest",
]

TEXT_COLUMNS = ("text", "sentence", "comment")
LABEL_COLUMNS = ("labels", "label", "emotion", "emotions", "mood")


@dataclass
class TextTable:
    """Texts with their emotions.

    ``texts``: n strings; ``targets``: (n, 7) float64, 1 for every emotion a row carries (in
    :data:`EMOTIONS` order); ``source``: where it came from.
    """

    texts: list[str]
    targets: np.ndarray
    source: str

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def single(self) -> np.ndarray:
        """Boolean mask (n,) of the rows with exactly one emotion."""
        return self.targets.sum(axis=1) == 1

    def labels(self) -> np.ndarray:
        """(n,) emotion names of the single-label rows' only emotion; '' for the others."""
        names = np.array(EMOTIONS, dtype=object)[self.targets.argmax(axis=1)]
        return np.where(self.single, names, "").astype(str)


def _column(columns: Sequence[str], wanted: Sequence[str], what: str, source: str) -> str:
    lowered = {str(c).strip().lower(): c for c in columns}
    for name in wanted:
        if name in lowered:
            return lowered[name]
    raise InputError(
        f"no {what} column (one of {', '.join(wanted)}); the columns are "
        f"{', '.join(map(str, columns))}",
        path=source,
    )


def read_text_table(path: str | Path) -> TextTable:
    """Read a CSV/TSV/Parquet/JSON table of labelled texts (see the module docstring).

    Raises :class:`InputError` naming the row and column for an empty text, an empty label or
    a label that is none of the seven emotions (nor an alias of one).
    """
    from moodtune.data.readers import read_frame
    from moodtune.data.table import TrackTable

    path = Path(path)
    frame = read_frame(path)
    if isinstance(frame, TrackTable):
        raise InputError("is a seed-format track table, not a labelled text table", path=str(path))
    source = str(path)
    text_column = _column(list(frame.columns), TEXT_COLUMNS, "text", source)
    label_column = _column(list(frame.columns), LABEL_COLUMNS, "label", source)
    texts: list[str] = []
    targets = np.zeros((len(frame), len(EMOTIONS)))
    for row, (text, label) in enumerate(
        zip(frame[text_column].tolist(), frame[label_column].tolist(), strict=True), start=2
    ):
        if not isinstance(text, str) or not text.strip():
            raise InputError("empty text", path=source, row=row, column=str(text_column))
        if not isinstance(label, str) or not label.strip():
            raise InputError(
                "empty label: give one emotion or several separated by commas",
                path=source,
                row=row,
                column=str(label_column),
            )
        for part in label.split(","):
            name = part.strip()
            if not emotions.is_emotion(name):
                raise InputError(
                    f"{name!r} is not an emotion; expected one of {', '.join(EMOTIONS)} "
                    "(or an alias such as joy)",
                    path=source,
                    row=row,
                    column=str(label_column),
                )
            targets[row - 2, EMOTIONS.index(emotions.canonical(name))] = 1.0
        texts.append(text)
    if not texts:
        raise InputError("has no rows", path=source)
    return TextTable(texts, targets, source)


def embeddings_cache_dir() -> Path:
    """``<moodtune cache>/embeddings``: beside the model files, outside the repository."""
    from moodtune.assets import cache_dir

    return cache_dir().parent / "embeddings"


def texts_digest(texts: Sequence[str]) -> str:
    """sha256 of the texts (each UTF-8, NUL-separated)."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def cached_embeddings(
    texts: Sequence[str],
    embed: Callable[[Sequence[str]], np.ndarray],
    model_digest: str,
    *,
    folder: Path | None = None,
    batch: int = 256,
    progress: Callable[[str], None] | None = None,
) -> np.ndarray:
    """Embeddings (n, d) float32 of ``texts``, computed with ``embed`` or read from the cache.

    The texts are embedded in batches of similar length (less padding) and put back in their
    order. The cache file name joins the embedding model's digest and :func:`texts_digest`; it
    is written under a temporary name and renamed, and read with ``allow_pickle=False``.
    """
    folder = folder or embeddings_cache_dir()
    name = f"{model_digest[:16]}-{texts_digest(texts)[:24]}.npy"
    path = folder / name
    if path.is_file():
        try:
            cached = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            cached = None
        if cached is not None and cached.ndim == 2 and cached.shape[0] == len(texts):
            return cached
    order = np.argsort([len(t) for t in texts], kind="stable")
    parts = []
    for start in range(0, len(texts), batch):
        chosen = order[start : start + batch]
        parts.append(np.asarray(embed([texts[i] for i in chosen]), dtype=np.float32))
        if progress and (start // batch) % 20 == 0:
            progress(f"embedded {min(start + batch, len(texts))}/{len(texts)} texts")
    if not parts:
        raise MoodtuneError("no texts to embed")
    result = np.empty((len(texts), parts[0].shape[1]), np.float32)
    result[order] = np.concatenate(parts)
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".npy", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            np.save(out, result, allow_pickle=False)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return result
