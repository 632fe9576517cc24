"""``moodtune predict``, ``train`` and ``evaluate``: thin shells over
:mod:`moodtune.model.pipeline` (the ``model …`` commands are in ``model_admin_commands``)."""

from __future__ import annotations

import glob
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from moodtune.cli import console
from moodtune.cli.model_support import (
    BatchOption,
    CvOption,
    DataArgument,
    EarlyStoppingOption,
    EpochsOption,
    FeaturesOption,
    FoldsOption,
    GroupOption,
    HiddenOption,
    IdColumnOption,
    JsonOption,
    L2Option,
    LabelsOption,
    LearningRateOption,
    ModelOption,
    ModelsOption,
    OnConflictOption,
    OptimizerOption,
    ReadingDataOption,
    ReadingL2Option,
    RepeatsOption,
    ReportOption,
    SeedOption,
    SkipOption,
    TargetsOption,
    WeightDecayOption,
    notes_shown,
    progress_bar,
)
from moodtune.cli.reports import check_report_paths, print_per_class_f1, save_reports
from moodtune.errors import MoodtuneError

if TYPE_CHECKING:
    import pandas as pd

    from moodtune.model.artifact import EmotionModel
    from moodtune.model.evaluation import EvaluationReport
    from moodtune.model.reading_evaluation import ReadingReport
    from moodtune.model.training import TrainConfig

__all__ = ["evaluate", "predict", "register", "train"]


def predict(
    table: Annotated[
        Path,
        typer.Argument(
            help="A CSV, TSV, Parquet or JSON track table, or a Parquet dataset (a folder or "
            "a quoted glob of .parquet files)."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Where to write the predictions (.csv, .parquet or .json); with --cluster or "
            "--scheduler, a new folder of Parquet files.",
        ),
    ],
    model: ModelOption = None,
    skip_invalid: SkipOption = False,
    id_column: IdColumnOption = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Run on this Dask scheduler (e.g. tcp://host:8786)."),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="Run on a local Dask cluster of N processes: local:N."),
    ] = None,
) -> None:
    """Predict the emotion of every track in TABLE: the top emotion and all probabilities.

    One output row per input row, in order, with the input's id columns.
    """
    from moodtune.model.artifact import load_model

    emotion_model = load_model(model)
    if scheduler or cluster:
        if id_column is not None:
            raise MoodtuneError("--id-column is not available with --cluster/--scheduler")
        _predict_on_dask(emotion_model, table, out, scheduler, cluster, skip_invalid)
        return
    with notes_shown():
        result = _predict_here(emotion_model, table, skip_invalid, id_column)
    from moodtune.data.table import write_frame

    write_frame(result, out)
    counts = result["emotion"].value_counts()
    summary = ", ".join(f"{name} {counts.get(name, 0)}" for name in emotion_model.labels)
    console.done(f"predicted {len(result)} tracks → {out} ({summary})")
    if emotion_model.has_reading:
        console.note(
            "reading_valence and reading_arousal: the valence/arousal listeners would give "
            "each track, -1..1, learned from listeners' tags (not Spotify's 'valence')"
        )


def _predict_here(
    emotion_model: EmotionModel, table: Path, skip_invalid: bool, id_column: str | None
) -> pd.DataFrame:
    """Today's in-process path: one table, or a (small) Parquet dataset file by file."""
    import pandas as pd

    from moodtune.audio.provenance import analysed_audio
    from moodtune.data.readers import read_tracks
    from moodtune.model.pipeline import log_notes

    if table.is_dir() or glob.has_magic(str(table)):
        from moodtune.distributed import dataset_files

        files = dataset_files(table)
    else:
        files = [table]
    parts = []
    for path in files:
        tracks = read_tracks(
            path, skip_invalid=skip_invalid, merge_repeats=False, id_column=id_column
        )
        log_notes(tracks)
        follow = analysed_audio(path)  # emotions follow the calibrated reading
        parts.append(emotion_model.predict_table(tracks, follow_reading=follow))
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _predict_on_dask(
    emotion_model: EmotionModel,
    table: Path,
    out: Path,
    scheduler: str | None,
    cluster: str | None,
    skip_invalid: bool,
) -> None:
    import time

    from moodtune.distributed import INCOMPLETE, dask_client, predict_dataset

    if skip_invalid:
        raise MoodtuneError(
            "--skip-invalid is not available with --cluster/--scheduler: an invalid row stops "
            "the run with its file and row named"
        )
    started = time.perf_counter()
    try:
        with dask_client(scheduler, cluster) as client:
            done = predict_dataset(emotion_model, table, out, client)
    except KeyboardInterrupt:  # the cluster is stopped; the parts written stay, marked
        console.error(
            f"interrupted: {out} is marked unfinished ({INCOMPLETE}); run the same command "
            "again to predict the missing parts"
        )
        raise SystemExit(130) from None
    seconds = time.perf_counter() - started
    summary = ", ".join(f"{name} {count}" for name, count in done.counts.items())
    resumed = f", {done.resumed} of them from the stopped run" if done.resumed else ""
    console.done(
        f"predicted {done.rows} tracks in {done.partitions} partitions{resumed} → {done.out}/ "
        f"({summary}; {done.rows / max(seconds, 1e-9):,.0f} tracks/s in all)"
    )


def train(
    data: DataArgument,
    out: Annotated[Path, typer.Option("--out", "-o", help="Model folder to write.")],
    labels: LabelsOption = None,
    features: FeaturesOption = None,
    hidden_size: HiddenOption = 64,
    optimizer: OptimizerOption = None,
    epochs: EpochsOption = None,
    l2: L2Option = None,
    learning_rate: LearningRateOption = None,
    weight_decay: WeightDecayOption = None,
    batch_size: BatchOption = 32,
    early_stopping: EarlyStoppingOption = None,
    seed: SeedOption = 0,
    cv: CvOption = True,
    group_by_artist: GroupOption = False,
    skip_invalid: SkipOption = False,
    id_column: IdColumnOption = None,
    on_conflict: OnConflictOption = "error",
    reading_data: ReadingDataOption = None,
    reading_l2: ReadingL2Option = 10.0,
) -> None:
    """Train the emotion MLP on DATA and write a model folder (safetensors + JSON).

    With --reading-data, also learn the valence/arousal reading from listeners and combine
    it with the 7 probabilities (see docs/model.md)."""
    from moodtune.model.artifact import check_destination
    from moodtune.model.pipeline import read_labelled, train_model
    from moodtune.model.training import ReadingConfig

    check_destination(out)
    config = _config(
        hidden_size=hidden_size,
        batch_size=batch_size,
        seed=seed,
        optimizer=optimizer,
        epochs=epochs,
        l2=l2,
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        early_stopping=early_stopping,
    )
    with notes_shown():
        table = read_labelled(
            data, labels, skip_invalid=skip_invalid, id_column=id_column, on_conflict=on_conflict
        )
        listeners = _read_listeners(reading_data, None, skip_invalid) if reading_data else None
        with progress_bar("training") as progress:
            trained = train_model(
                table,
                features=features,
                config=config,
                cv=cv,
                group_by_artist=group_by_artist,
                listeners=listeners,
                reading_config=ReadingConfig(l2=reading_l2, seed=seed),
                command="moodtune " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
                progress=progress,
            )
    trained.model.save(out)
    console.done(
        f"model {trained.model.version} → {out} (trained for {trained.steps} {trained.step_unit})"
    )


def evaluate(
    data: DataArgument,
    labels: LabelsOption = None,
    features: FeaturesOption = None,
    models: ModelsOption = None,
    folds: FoldsOption = 5,
    repeats: RepeatsOption = "0,1,2",
    group_by_artist: GroupOption = False,
    json_path: JsonOption = None,
    report: ReportOption = None,
    skip_invalid: SkipOption = False,
    model: ModelOption = None,
    targets: TargetsOption = None,
    id_column: IdColumnOption = None,
    on_conflict: OnConflictOption = "error",
) -> None:
    """Cross-validate models on the same repeated folds of DATA.

    A labelled table: accuracy and macro-F1 of the classifiers. A table with listeners'
    valence/arousal (e.g. MuSe): Spearman rho and quadrant accuracy of the reading beside
    baselines."""
    from moodtune.model import pipeline

    check_report_paths(json_path, report)
    seeds = _seeds(repeats)
    if not 2 <= folds <= 20:
        raise typer.BadParameter("--folds must be between 2 and 20")
    wanted = [m.strip() for m in models.split(",")] if models else None
    options = {"folds": folds, "repeats": seeds, "group_by_artist": group_by_artist}
    with notes_shown():
        if labels is None and _listener_table(data, targets):
            listeners = _read_listeners(data, targets, skip_invalid)
            with progress_bar("cross-validating") as progress:
                result = pipeline.evaluate_reading(
                    listeners, models=wanted, model=model, progress=progress, **options
                )
            _show_reading(result, Path(data).name, seeds)
        else:
            table = pipeline.read_labelled(
                data,
                labels,
                skip_invalid=skip_invalid,
                id_column=id_column,
                on_conflict=on_conflict,
            )
            with progress_bar("cross-validating") as progress:
                result = pipeline.evaluate_model(
                    table,
                    models=wanted,
                    features=features,
                    model=model,
                    progress=progress,
                    **options,
                )
            _show_classifiers(result, Path(data).name, seeds)
    save_reports(result, json_path, report)


# --- helpers ---------------------------------------------------------------------------------


def _seeds(repeats: str) -> tuple[int, ...]:
    try:
        return tuple(int(s) for s in repeats.split(","))
    except ValueError:
        raise typer.BadParameter("--repeats takes comma-separated whole numbers") from None


def _listener_table(data: Path, targets: str | None) -> bool:
    """True when DATA has listeners' valence/arousal columns (or --targets names them)."""
    from moodtune.data.readers import read_frame
    from moodtune.model.listeners import find_target_columns

    if data.suffix.lower() == ".json" and targets is None:
        return False
    given = [t.strip() for t in targets.split(",")] if targets else None
    return find_target_columns(read_frame(data), given) is not None


def _read_listeners(data: Path, targets: str | None, skip_invalid: bool):
    from moodtune.model.listeners import read_listener_table
    from moodtune.model.pipeline import log_notes

    given = [t.strip() for t in targets.split(",")] if targets else None
    listeners = read_listener_table(data, columns=given, skip_invalid=skip_invalid)
    log_notes(listeners.table)
    return listeners


def _show_classifiers(result: EvaluationReport, name: str, seeds: tuple[int, ...]) -> None:
    from rich.table import Table

    from moodtune.model.report import spread

    data_dict = result.to_dict()
    view = Table(title=f"{name}: {data_dict['protocol']['cv']}, seeds {list(seeds)}")
    for column in ("model", "accuracy", "macro-F1"):
        view.add_column(column)
    for model_name, scores in data_dict["models"].items():
        acc, f1 = scores["accuracy"], scores["macro_f1"]
        view.add_row(
            model_name,
            spread(acc),
            spread(f1),
        )
    console.out.print(view)
    print_per_class_f1(data_dict, "F1 per class (mean over repeats)")


def _show_reading(result: ReadingReport, name: str, seeds: tuple[int, ...]) -> None:
    from rich.table import Table

    from moodtune.model.report import spread

    data_dict = result.to_dict()
    columns = data_dict["targets"]["columns"]
    view = Table(
        title=f"{name}: agreement with listeners ({columns[0]}, {columns[1]}), "
        f"{data_dict['protocol']['cv']}, seeds {list(seeds)}"
    )
    for column in ("model", "valence rho", "arousal rho", "quadrant accuracy"):
        view.add_column(column)
    for model_name, scores in data_dict["models"].items():
        view.add_row(
            model_name + (" (ours)" if model_name == "reading" else ""),
            *(spread(scores[k]) for k in ("valence_rho", "arousal_rho", "quadrant_accuracy")),
        )
    console.out.print(view)


def _config(*, hidden_size: int, batch_size: int, seed: int, **given: object) -> TrainConfig:
    """The default TrainConfig with the options the user gave (None = not given)."""
    from dataclasses import replace

    from moodtune.model.training import TrainConfig

    config = replace(
        TrainConfig(),
        hidden_size=hidden_size,
        batch_size=batch_size,
        seed=seed,
        **{name: value for name, value in given.items() if value is not None},
    )
    try:
        return config.validate()
    except MoodtuneError as error:
        raise typer.BadParameter(str(error)) from None


def register(app: typer.Typer) -> None:
    app.command()(predict)
    app.command()(train)
    app.command()(evaluate)
