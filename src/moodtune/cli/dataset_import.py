"""``moodtune catalog import DATASET``: a Parquet dataset (folder or glob) into the catalogue,
out of core, in process or on Dask (called from the catalog import command)."""

from __future__ import annotations

import glob
import json
from pathlib import Path

from moodtune.cli import console

__all__ = ["import_dataset_command", "is_dataset"]


def is_dataset(file: Path) -> bool:
    """A folder or a glob pattern names a Parquet dataset, not one table."""
    return file.is_dir() or glob.has_magic(str(file))


def import_dataset_command(
    file: Path,
    *,
    source: str | None,
    provenance: str | None,
    skip_invalid: bool,
    builtin: bool,
    catalogue: Path | None,
    as_json: bool,
    scheduler: str | None,
    cluster: str | None,
) -> None:
    """Import the dataset ``file`` partition by partition and print the report."""
    from moodtune.catalogue.builtin import open_catalogue
    from moodtune.cli.model_support import progress_bar
    from moodtune.distributed import dask_client, import_dataset

    name = source or (file.name if file.is_dir() else str(file))
    imported = [0, 0]  # files in the catalogue, files in the dataset

    def moved(done: int, total: int, path: str) -> None:
        imported[:] = [done, total]
        progress(done, total, Path(path).name)

    try:
        with (
            dask_client(scheduler, cluster) as client,
            open_catalogue(catalogue, builtin=builtin) as opened,
            progress_bar("importing") as progress,
        ):
            report = import_dataset(
                opened,
                file,
                source=name,
                provenance=provenance or "provider",
                skip_invalid=skip_invalid,
                client=client,
                progress=moved,
            )
            path = opened.path
    except KeyboardInterrupt:  # the cluster is stopped, the file being added rolled back
        done, total = imported
        console.error(
            f"interrupted: {done} of {total or 'the'} files are in the catalogue; run the same "
            "command again to import the rest (the files already in stay unchanged)"
        )
        raise SystemExit(130) from None
    if as_json:
        console.out.print_json(json.dumps({**report.to_dict(), "catalogue": str(path)}))
        return
    for line in report.notes:
        console.note(line)
    console.done(f"{report.summary()} → {path}")
