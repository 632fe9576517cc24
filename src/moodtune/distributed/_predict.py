"""``predict`` over a Parquet dataset of any size: Dask partitions through the numpy model."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from moodtune.data.readers import tidy
from moodtune.errors import MissingExtraError, MoodtuneError
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

    Each file is one partition, read, validated (errors name the file and row), predicted
    with ``model`` and written as ``out/part.N.parquet`` by a worker: memory is bounded by the
    largest file, not by the dataset. ``out`` must be a new or empty folder.
    """
    try:
        import dask.dataframe as dd
    except ImportError:
        raise MissingExtraError("dask", "dask[dataframe]") from None
    files = dataset_files(source)
    target = _empty_folder(Path(out))
    frames = dd.read_parquet([str(f) for f in files], split_row_groups=False)
    if frames.npartitions != len(files):  # one partition per file keeps errors nameable
        raise MoodtuneError(f"expected one partition per file in {str(source)!r}")
    names = [str(f) for f in files]
    sample = predict_frame(model, frames.get_partition(0).head(20, compute=True), names[0])

    def per_partition(frame: pd.DataFrame, partition_info: dict | None = None) -> pd.DataFrame:
        number = partition_info["number"] if partition_info else 0
        return predict_frame(model, frame, names[number])

    predictions = frames.map_partitions(per_partition, meta=sample.iloc[:0])
    # Counted per partition and added up here: no shuffle between workers.
    counts = predictions["emotion"].map_partitions(
        lambda labels: labels.value_counts(), meta=pd.Series(dtype="int64", name="count")
    )
    written = predictions.to_parquet(str(target), write_index=False, compute=False)
    _, per_part = client.compute([written, counts], sync=True)
    totals = per_part.groupby(level=0).sum()
    return DatasetPrediction(
        out=target,
        rows=int(totals.sum()),
        partitions=len(files),
        counts={label: int(totals.get(label, 0)) for label in model.labels},
    )


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
