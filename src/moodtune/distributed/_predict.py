"""``predict`` over a Parquet dataset of any size: one Dask task per file through the numpy
model, read and written with pyarrow on the workers."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from moodtune.data.readers import tidy
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import EmotionModel


def dataset_files(source: str | Path) -> list[Path]:
    """The Parquet files of a dataset: a folder (its ``*.parquet`` files, searched
    recursively), a glob pattern, or one file; sorted by path."""
    text = str(source)
    path = Path(text)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.parquet") if p.is_file())
    elif glob.has_magic(text):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
    else:
        files = [path] if path.is_file() else []
    if not files:
        raise MoodtuneError(f"{text!r}: no Parquet files (expected a folder, a glob or a file)")
    return files


def predict_frame(model: EmotionModel, frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Predictions for one partition: one output row per input row, in order."""
    return model.predict_table(tidy(frame, source=source, merge_repeats=False))


@dataclass(frozen=True)
class DatasetPrediction:
    """What ``predict_dataset`` wrote: ``rows`` predictions in ``partitions`` Parquet files
    under ``out``, and how many tracks each label got."""

    out: Path
    rows: int
    partitions: int
    counts: dict[str, int]


def predict_dataset(
    model: EmotionModel, source: str | Path, out: str | Path, client: Any
) -> DatasetPrediction:
    """Predict every row of the Parquet dataset ``source`` on the Dask cluster of ``client``.

    Each file is one partition, a task that a worker reads, validates (errors name the file
    and row), predicts with ``model`` and writes as ``out/part.N.parquet`` (N: the file's
    place in path order; written under a temporary name and renamed, so a part is whole or
    absent): memory is bounded by the largest file, not by the dataset, and only the label
    counts come back to this process. ``out`` must be a new or empty folder.
    """
    files = dataset_files(source)
    target = _empty_folder(Path(out))
    shared = client.scatter(model, broadcast=True, hash=False)
    futures = [
        client.submit(
            predict_file, shared, str(path), str(target / f"part.{number}.parquet"), pure=False
        )
        for number, path in enumerate(files)
    ]
    try:
        counted = client.gather(futures)  # raises the first error (its file and row named)
    finally:  # after an error: the other partitions stop (the parts written stay)
        client.cancel(futures)
    totals: dict[str, int] = dict.fromkeys(model.labels, 0)
    for counts in counted:
        for label, count in counts.items():
            totals[label] = totals.get(label, 0) + count
    return DatasetPrediction(
        out=target, rows=sum(totals.values()), partitions=len(files), counts=totals
    )


def predict_file(model: EmotionModel, source: str, out: str) -> dict[str, int]:
    """One partition (run on a worker): predict the Parquet file ``source`` into ``out``.

    Returns how many tracks each label got.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from moodtune.files import replace_atomically

    frame = pq.read_table(source).to_pandas()
    predictions = predict_frame(model, frame, source)
    del frame
    table = pa.Table.from_pandas(predictions, preserve_index=False)
    counts = predictions["emotion"].value_counts()
    del predictions
    replace_atomically(out, lambda temporary: pq.write_table(table, temporary))
    return {str(label): int(count) for label, count in counts.items()}


def _empty_folder(folder: Path) -> Path:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise MoodtuneError(
            f"--out {str(folder)!r}: a dataset is written as a folder of Parquet files; "
            "name a new or empty folder"
        )
    if not folder.parent.is_dir():
        raise MoodtuneError(f"the folder {str(folder.parent)!r} does not exist")
    folder.mkdir(exist_ok=True)
    return folder
