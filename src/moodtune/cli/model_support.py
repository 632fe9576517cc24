"""What the model commands share: their options, a progress bar for the library's
:class:`moodtune.progress.Progress` and the library's log messages shown as notes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from moodtune.cli import console
from moodtune.progress import Progress

__all__ = [
    "BatchOption",
    "CvOption",
    "DataArgument",
    "EarlyStoppingOption",
    "EpochsOption",
    "FeaturesOption",
    "FoldsOption",
    "GroupOption",
    "HiddenOption",
    "IdColumnOption",
    "JsonOption",
    "L2Option",
    "LabelsOption",
    "LearningRateOption",
    "ModelOption",
    "ModelsOption",
    "OnConflictOption",
    "OptimizerOption",
    "ReadingDataOption",
    "ReadingL2Option",
    "RepeatsOption",
    "ReportOption",
    "SeedOption",
    "SkipOption",
    "TargetsOption",
    "WeightDecayOption",
    "notes_shown",
    "progress_bar",
]

ModelOption = Annotated[
    Path | None,
    typer.Option("--model", help="A model folder (default: the model shipped with moodtune)."),
]
SkipOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Leave out invalid rows (counted and reported) instead of stopping at the first.",
    ),
]
DataArgument = Annotated[
    Path,
    typer.Argument(
        help="A labelled track table (CSV, TSV, Parquet, JSON), or a seed-format "
        "JSON (title → values) with --labels."
    ),
]
LabelsOption = Annotated[
    Path | None,
    typer.Option("--labels", help="For seed-format JSON: a CSV of title,emotion in file order."),
]
FeaturesOption = Annotated[
    str | None,
    typer.Option(
        "--features", help="Comma-separated features to use (default: all the table has)."
    ),
]
GroupOption = Annotated[
    bool,
    typer.Option(
        "--group-by-artist",
        help="Keep each artist's tracks on one side of every split (needs an artist column).",
    ),
]
IdColumnOption = Annotated[
    str | None,
    typer.Option(
        "--id-column",
        help="The column that identifies a track when the table has several id columns "
        "(e.g. spotify_id beside an MSD id); the others are not read as the track id.",
    ),
]
OnConflictOption = Annotated[
    str,
    typer.Option(
        "--on-conflict",
        help="Rows of one track with different labels: error (stop, the default), first "
        "(keep the first row's label), drop (leave the track out) or vote (the most common "
        "label; a tie is left out). The tracks affected are counted in a note.",
    ),
]

HiddenOption = Annotated[int, typer.Option(help="Hidden ReLU units.")]
OptimizerOption = Annotated[
    str | None, typer.Option(help="lbfgs (full batch, the default) or adam (mini-batches).")
]
EpochsOption = Annotated[
    int | None, typer.Option(help="Maximum epochs (adam) or iterations (lbfgs).")
]
L2Option = Annotated[float | None, typer.Option(help="L2 weight penalty (lbfgs).")]
LearningRateOption = Annotated[float | None, typer.Option(help="Learning rate (adam).")]
WeightDecayOption = Annotated[float | None, typer.Option(help="Weight decay (adam).")]
BatchOption = Annotated[int, typer.Option(help="Mini-batch size (adam).")]
EarlyStoppingOption = Annotated[
    bool | None,
    typer.Option(help="Stop on a validation split (default: as chosen by CV, see docs/model.md)."),
]
SeedOption = Annotated[int, typer.Option(help="Random seed: same seed, same weights.")]
CvOption = Annotated[bool, typer.Option(help="Also cross-validate and store the metrics.")]
ReadingDataOption = Annotated[
    Path | None,
    typer.Option(
        "--reading-data",
        help="A table with listeners' valence/arousal (e.g. MuSe's valence_tags, "
        "arousal_tags) to learn the reading from; its artist column groups the CV folds.",
    ),
]
ReadingL2Option = Annotated[float, typer.Option(help="L2 penalty of the reading.")]
ModelsOption = Annotated[
    str | None,
    typer.Option(
        help="Comma-separated models to compare (default: seed_recipe, mlp, mlp_reading, "
        "logistic_regression, random_forest, rule; for a table with listeners' "
        "valence/arousal: reading, raw_features, ridge, gradient_boosting, implied_7class)."
    ),
]
FoldsOption = Annotated[int, typer.Option(help="Folds per repeat.")]
RepeatsOption = Annotated[str, typer.Option(help="Comma-separated shuffle seeds.")]
JsonOption = Annotated[Path | None, typer.Option("--json", help="Write the JSON report.")]
ReportOption = Annotated[
    Path | None,
    typer.Option(
        help="Write a .md or .html report with a confusion-matrix PNG (or, for listeners' "
        "valence/arousal, a scatter plot)."
    ),
]
TargetsOption = Annotated[
    str | None,
    typer.Option(
        help="Listeners' valence,arousal columns (default: valence_tags,arousal_tags or "
        "listener_valence,listener_arousal when the table has them)."
    ),
]


@contextmanager
def notes_shown() -> Iterator[None]:
    """While inside, messages of the ``moodtune`` logger (INFO and above) appear as notes
    (once: inside ``moodtune``'s own :func:`console.showing_notes` this adds nothing)."""
    with console.showing_notes():
        yield


@contextmanager
def progress_bar(description: str) -> Iterator[Progress]:
    """A transient Rich progress bar on stderr, and the :class:`Progress` callable that
    moves it (the total may change between calls: the bar follows)."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Bar(*columns, console=console.err, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int | None, what: str) -> None:
            bar.update(task, completed=done, total=total, description=f"{description}: {what}")

        yield update
