"""``predict`` over a Parquet dataset of any size: one Dask task per file through the numpy
model on the workers, each part written there with pyarrow.

An output folder is whole or marked: while a run writes it, it holds :data:`INCOMPLETE`
(what the run reads and with which model); each part is written under a temporary name and
renamed, so it is whole or absent. A run that stops (Ctrl-C, an error, a kill) leaves the
marker; the same command again finishes the missing parts (temporary files of the stopped run
are removed) and removes the marker.
"""

from __future__ import annotations

import glob
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from moodtune.data.readers import read_frame, tidy
from moodtune.errors import MoodtuneError
from moodtune.files import remove_leftovers, write_atomic
from moodtune.model.artifact import EmotionModel

__all__ = [
    "INCOMPLETE",
    "DatasetPrediction",
    "dataset_files",
    "partition_result",
    "predict_dataset",
    "predict_file",
    "predict_frame",
]


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
    under ``out``, and how many tracks each label got; ``resumed`` parts were already
    written by an earlier run that stopped."""

    out: Path
    rows: int
    partitions: int
    counts: dict[str, int]
    resumed: int = 0


#: The file that marks an output folder whose run has not finished (see the module's text).
INCOMPLETE = "_INCOMPLETE"


def predict_dataset(
    model: EmotionModel, source: str | Path, out: str | Path, client: Any
) -> DatasetPrediction:
    """Predict every row of the Parquet dataset ``source`` on the Dask cluster of ``client``.

    Each file is one partition, a task that a worker reads, validates (errors name the file
    and row), predicts with ``model`` and writes as ``out/part.N.parquet`` (N: the file's
    place in path order; written under a temporary name and renamed, so a part is whole or
    absent): memory is bounded by the largest file, not by the dataset, and only the label
    counts come back to this process. ``out`` must be a new or empty folder, or the folder of
    a run of the same files and model that stopped (marked :data:`INCOMPLETE`): then only the
    missing parts are predicted.
    """
    files = dataset_files(source)
    target, done = _output_folder(Path(out), files, model)
    todo = [number for number in range(len(files)) if number not in done]
    shared = client.scatter(model, broadcast=True, hash=False) if todo else None
    futures = [
        client.submit(predict_file, shared, str(files[n]), str(_part(target, n)), pure=False)
        for n in todo
    ]
    try:
        counted = [partition_result(f, files[n]) for f, n in zip(futures, todo, strict=True)]
    finally:  # after an error or Ctrl-C: the other partitions stop (the parts written stay)
        client.cancel(futures)
    counted += [_part_counts(_part(target, number)) for number in sorted(done)]
    (target / INCOMPLETE).unlink(missing_ok=True)
    totals: dict[str, int] = dict.fromkeys(model.labels, 0)
    for counts in counted:
        for label, count in counts.items():
            totals[label] = totals.get(label, 0) + count
    return DatasetPrediction(
        out=target,
        rows=sum(totals.values()),
        partitions=len(files),
        counts=totals,
        resumed=len(done),
    )


def predict_file(model: EmotionModel, source: str, out: str) -> dict[str, int]:
    """One partition (run on a worker): predict the Parquet file ``source`` into ``out``.

    Returns how many tracks each label got.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from moodtune.files import replace_atomically

    frame = read_frame(source)  # as the in-process path reads it: errors name the file
    predictions = predict_frame(model, frame, source)
    del frame
    table = pa.Table.from_pandas(predictions, preserve_index=False)
    counts = predictions["emotion"].value_counts()
    del predictions
    replace_atomically(out, lambda temporary: pq.write_table(table, temporary))
    return {str(label): int(count) for label, count in counts.items()}


def partition_result(future: Any, path: str | Path) -> Any:
    """The result of the task of the file ``path``; its error as one line naming the file.

    An input error (file and row named) is raised as it is; a worker that died on the file
    more often than the scheduler allows, or any other failure, becomes a
    :class:`MoodtuneError` naming the file.
    """
    try:
        return future.result()
    except MoodtuneError:
        raise
    except Exception as error:
        from distributed import KilledWorker

        if isinstance(error, KilledWorker):
            raise MoodtuneError(
                f"{path}: the workers reading it died {error.allowed_failures + 1} times (out "
                "of memory? each file is held whole in memory: split it into smaller ones)"
            ) from None
        raise MoodtuneError(
            f"{path}: failed on the cluster ({type(error).__name__}: {error})"
        ) from None


def _part(folder: Path, number: int) -> Path:
    return folder / f"part.{number}.parquet"


def _part_counts(path: Path) -> dict[str, int]:
    """How many tracks each label got in a part written earlier."""
    counts = pd.read_parquet(path, columns=["emotion"])["emotion"].value_counts()
    return {str(label): int(count) for label, count in counts.items()}


def _output_folder(folder: Path, files: list[Path], model: EmotionModel) -> tuple[Path, set[int]]:
    """The output folder, marked :data:`INCOMPLETE`, and the numbers of the parts an earlier
    stopped run of the same files and model already wrote (their temporary files removed).

    A new or empty folder is used as it is; one marked by a stopped run is resumed; any other
    folder is refused.
    """
    plan = {"files": [str(path.resolve()) for path in files], "model": model.version}
    marker = folder / INCOMPLETE
    if marker.is_file():
        try:
            earlier = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            earlier = None
        if earlier != plan:
            raise MoodtuneError(
                f"--out {str(folder)!r} holds an unfinished run on other files or with another "
                "model: run that command again to finish it, or name a new or empty folder"
            )
        for number in range(len(files)):
            remove_leftovers(_part(folder, number))
        return folder, {n for n in range(len(files)) if _part(folder, n).is_file()}
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise MoodtuneError(
            f"--out {str(folder)!r}: a dataset is written as a folder of Parquet files; "
            "name a new or empty folder"
        )
    if not folder.parent.is_dir():
        raise MoodtuneError(f"the folder {str(folder.parent)!r} does not exist")
    folder.mkdir(exist_ok=True)
    write_atomic(marker, json.dumps(plan, indent=1).encode())
    return folder, set()
