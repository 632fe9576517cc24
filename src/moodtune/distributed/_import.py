"""``catalog import`` of a Parquet dataset of any size: partitions read and validated in
process or on Dask workers, written into the SQLite catalogue by this process, in order."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moodtune.data.readers import read_tracks
from moodtune.data.table import TrackTable
from moodtune.distributed._predict import dataset_files, partition_result
from moodtune.errors import MoodtuneError

if TYPE_CHECKING:
    from moodtune.catalogue.sqlite import Catalogue, ImportReport

__all__ = ["ImportProgress", "import_dataset", "read_partition"]

#: Called after each partition is in the catalogue: (partitions done, partitions, its file).
ImportProgress = Callable[[int, int, str], None]


def import_dataset(
    catalogue: Catalogue,
    dataset: str | Path,
    *,
    source: str,
    provenance: str | Mapping[str, str] = "provider",
    skip_invalid: bool = False,
    client: Any = None,
    window: int | None = None,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Import every track of the Parquet dataset ``dataset`` into ``catalogue``.

    Each file is one partition: read and validated (``read_tracks``; errors name the file and
    row) here, or on the workers of the Dask ``client``, then added by this process with
    :meth:`Catalogue.import_table` (which classifies it with the catalogue's model), one
    transaction per partition, in file order, so SQLite has one writer and the result is the
    one of importing the same rows from one table. Memory is bounded by ``window``
    partitions in flight (default: two per worker thread), not by the dataset.

    A track repeated inside a partition is merged (as in one table); a repeat in a later
    partition with the same values is counted as unchanged, and one with other values
    updates the track (one table would refuse it). Empty files are passed over. Returns one
    report for the whole dataset.
    """
    files = dataset_files(dataset)
    started = time.perf_counter()
    tables = (
        _read_here(files, skip_invalid)
        if client is None
        else _read_on(client, files, skip_invalid, window)
    )
    reports: list[ImportReport] = []
    try:
        for done, (path, table) in enumerate(tables, start=1):
            if table is not None:
                reports.append(catalogue.import_table(table, source=source, provenance=provenance))
            if progress is not None:
                progress(done, len(files), path)
    except MoodtuneError as error:
        if not reports:
            raise
        raise MoodtuneError(
            f"{error} (the {len(reports)} file(s) before it are in the catalogue; importing "
            "again after the fix leaves them unchanged)"
        ) from None
    finally:  # stopped early (an error, Ctrl-C): the reads in flight are cancelled now,
        tables.close()  # while the client is open, not when the generator is collected
    return _combined(reports, source, time.perf_counter() - started)


def read_partition(path: str, skip_invalid: bool = False) -> TrackTable | None:
    """One file of a dataset as a validated track table (None when it has no rows)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        empty = pq.ParquetFile(path).metadata.num_rows == 0
    except (pa.ArrowException, OSError):
        empty = False  # read_tracks says what is wrong with it, naming the file
    return None if empty else read_tracks(path, skip_invalid=skip_invalid)


def _read_here(files: list[Path], skip_invalid: bool) -> Iterator[tuple[str, TrackTable | None]]:
    for path in files:
        yield str(path), read_partition(str(path), skip_invalid)


def _read_on(
    client: Any, files: list[Path], skip_invalid: bool, window: int | None
) -> Iterator[tuple[str, TrackTable | None]]:
    """The partitions read on the workers, yielded in file order, ``window`` in flight."""
    if window is None:
        window = 2 * max(1, sum(client.nthreads().values()))
    waiting = iter(files)
    flight: deque[tuple[str, Any]] = deque()

    def submit() -> None:
        path = next(waiting, None)
        if path is not None:
            flight.append((str(path), client.submit(read_partition, str(path), skip_invalid)))

    for _ in range(window):
        submit()
    try:
        while flight:
            path, future = flight.popleft()
            table = partition_result(future, path)  # a worker's error, its file named
            future.release()
            submit()
            yield path, table
    finally:  # stopped early (an error, an interruption): nothing stays on the cluster
        if flight:
            client.cancel([future for _, future in flight])


def _combined(reports: list[ImportReport], source: str, seconds: float) -> ImportReport:
    from moodtune.catalogue.sqlite import ImportReport

    if not reports:
        raise MoodtuneError(f"{source}: the dataset has no tracks to import")
    notes = list(dict.fromkeys(note for report in reports for note in report.notes))
    return ImportReport(
        source=str(source),
        rows=sum(r.rows for r in reports),
        added=sum(r.added for r in reports),
        updated=sum(r.updated for r in reports),
        unchanged=sum(r.unchanged for r in reports),
        merged=sum(r.merged for r in reports),
        model_version=reports[-1].model_version,
        seconds=round(seconds, 3),
        notes=notes,
    )
