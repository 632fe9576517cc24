"""``moodtune predict``, ``train``, ``evaluate`` and ``model …`` commands."""

from __future__ import annotations

import glob
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from moodtune.cli import console
from moodtune.cli.reports import check_report_paths, print_per_class_f1, save_reports
from moodtune.errors import MoodtuneError

if TYPE_CHECKING:
    import pandas as pd

    from moodtune.data.table import TrackTable
    from moodtune.model.artifact import EmotionModel
    from moodtune.model.training import TrainConfig

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

model_app = typer.Typer(help="Inspect, import and export models.", no_args_is_help=True)


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
        _predict_on_dask(emotion_model, table, out, scheduler, cluster, skip_invalid)
        return
    result = _predict_here(emotion_model, table, skip_invalid)
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


def _predict_here(emotion_model: EmotionModel, table: Path, skip_invalid: bool) -> pd.DataFrame:
    """Today's in-process path: one table, or a (small) Parquet dataset file by file."""
    import pandas as pd

    from moodtune.data.readers import read_tracks

    if table.is_dir() or glob.has_magic(str(table)):
        from moodtune.distributed import dataset_files

        files = dataset_files(table)
    else:
        files = [table]
    parts = []
    for path in files:
        tracks = read_tracks(path, skip_invalid=skip_invalid, merge_repeats=False)
        _show_notes(tracks)
        parts.append(emotion_model.predict_table(tracks))
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

    from moodtune.distributed import dask_client, predict_dataset

    if skip_invalid:
        raise MoodtuneError(
            "--skip-invalid is not available with --cluster/--scheduler: an invalid row stops "
            "the run with its file and row named"
        )
    started = time.perf_counter()
    with dask_client(scheduler, cluster) as client:
        done = predict_dataset(emotion_model, table, out, client)
    seconds = time.perf_counter() - started
    summary = ", ".join(f"{name} {count}" for name, count in done.counts.items())
    console.done(
        f"predicted {done.rows} tracks in {done.partitions} partitions → {done.out}/ "
        f"({summary}; {done.rows / max(seconds, 1e-9):,.0f} tracks/s in all)"
    )


def train(
    data: DataArgument,
    out: Annotated[Path, typer.Option("--out", "-o", help="Model folder to write.")],
    labels: LabelsOption = None,
    features: FeaturesOption = None,
    hidden_size: Annotated[int, typer.Option(help="Hidden ReLU units.")] = 64,
    optimizer: Annotated[
        str | None, typer.Option(help="lbfgs (full batch, the default) or adam (mini-batches).")
    ] = None,
    epochs: Annotated[
        int | None, typer.Option(help="Maximum epochs (adam) or iterations (lbfgs).")
    ] = None,
    l2: Annotated[float | None, typer.Option(help="L2 weight penalty (lbfgs).")] = None,
    learning_rate: Annotated[float | None, typer.Option(help="Learning rate (adam).")] = None,
    weight_decay: Annotated[float | None, typer.Option(help="Weight decay (adam).")] = None,
    batch_size: Annotated[int, typer.Option(help="Mini-batch size (adam).")] = 32,
    early_stopping: Annotated[
        bool | None,
        typer.Option(
            help="Stop on a validation split (default: as chosen by CV, see docs/model.md)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same weights.")] = 0,
    cv: Annotated[bool, typer.Option(help="Also cross-validate and store the metrics.")] = True,
    group_by_artist: GroupOption = False,
    skip_invalid: SkipOption = False,
    reading_data: Annotated[
        Path | None,
        typer.Option(
            "--reading-data",
            help="A table with listeners' valence/arousal (e.g. MuSe's valence_tags, "
            "arousal_tags) to learn the reading from; its artist column groups the CV folds.",
        ),
    ] = None,
    reading_l2: Annotated[float, typer.Option(help="L2 penalty of the reading.")] = 10.0,
) -> None:
    """Train the emotion MLP on DATA and write a model folder (safetensors + JSON).

    With --reading-data, also learn the valence/arousal reading from listeners and combine
    it with the 7 probabilities (see docs/model.md)."""
    from moodtune.model.artifact import check_destination
    from moodtune.model.training import MLPClassifier

    check_destination(out)
    table = _read_labelled(data, labels, skip_invalid)
    names = _feature_names(table, features)
    heads = None
    if reading_data is not None:
        heads = _train_readings(reading_data, names, reading_l2, seed, cv, skip_invalid)
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
    metadata: dict[str, object] = {
        "command": "moodtune " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "training_data": {
            "source": Path(data).name,
            "tracks": len(table),
            "sha256": _data_hash(table, names),
            "class_counts": table.frame["label"].value_counts().sort_index().to_dict(),
        },
        "moodtune_version": _version(),
    }
    if cv:
        report = _evaluate(
            table,
            names,
            ("mlp", "seed_recipe", "logistic_regression") + (("mlp_reading",) if heads else ()),
            config=config,
            group_by_artist=group_by_artist,
            reading=_with_reading(names, heads),
        )
        metadata["cv"] = {
            "protocol": report.to_dict()["protocol"],
            "models": {
                name: {k: s[k] for k in ("accuracy", "macro_f1")}
                for name, s in report.to_dict()["models"].items()
            },
        }
    console.note(f"training on {len(table)} tracks, features {', '.join(names)}")
    classifier = MLPClassifier(config).fit(table.matrix(names), table.labels)
    model = classifier.to_model(names, metadata)
    if heads:
        model.readings = tuple(_combined_heads(heads, table, names, model.labels))
    model.save(out)
    unit = "iterations" if config.optimizer == "lbfgs" else "epochs"
    console.done(f"model {model.version} → {out} (trained for {classifier.steps_} {unit})")


def evaluate(
    data: DataArgument,
    labels: LabelsOption = None,
    features: FeaturesOption = None,
    models: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated models to compare (default: seed_recipe, mlp, mlp_reading, "
            "logistic_regression, random_forest, rule; for a table with listeners' "
            "valence/arousal: reading, raw_features, ridge, gradient_boosting, implied_7class)."
        ),
    ] = None,
    folds: Annotated[int, typer.Option(help="Folds per repeat.")] = 5,
    repeats: Annotated[str, typer.Option(help="Comma-separated shuffle seeds.")] = "0,1,2",
    group_by_artist: GroupOption = False,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON report.")] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            help="Write a .md or .html report with a confusion-matrix PNG (or, for listeners' "
            "valence/arousal, a scatter plot)."
        ),
    ] = None,
    skip_invalid: SkipOption = False,
    model: ModelOption = None,
    targets: Annotated[
        str | None,
        typer.Option(
            help="Listeners' valence,arousal columns (default: valence_tags,arousal_tags or "
            "listener_valence,listener_arousal when the table has them)."
        ),
    ] = None,
) -> None:
    """Cross-validate models on the same repeated folds of DATA.

    A labelled table: accuracy and macro-F1 of the classifiers. A table with listeners'
    valence/arousal (e.g. MuSe): Spearman rho and quadrant accuracy of the reading beside
    baselines."""
    from rich.table import Table

    check_report_paths(json_path, report)
    try:
        seeds = tuple(int(s) for s in repeats.split(","))
    except ValueError:
        raise typer.BadParameter("--repeats takes comma-separated whole numbers") from None
    if not 2 <= folds <= 20:
        raise typer.BadParameter("--folds must be between 2 and 20")
    if labels is None and _listener_table(data, targets):
        _evaluate_reading(
            data,
            targets,
            models,
            folds,
            seeds,
            group_by_artist,
            json_path,
            report,
            model,
            skip_invalid,
        )
        return
    from moodtune.model.artifact import load_model

    table = _read_labelled(data, labels, skip_invalid)
    names = _feature_names(table, features)
    emotion_model = load_model(model)
    chosen = models or "seed_recipe,mlp,mlp_reading,logistic_regression,random_forest,rule"
    wanted = tuple(m.strip() for m in chosen.split(","))
    if "mlp_reading" in wanted and (
        not emotion_model.has_reading or any(f not in names for f in emotion_model.feature_names)
    ):
        if models:
            raise typer.BadParameter(
                f"mlp_reading needs a model with a reading over features the table has "
                f"(model {emotion_model.version}: {', '.join(emotion_model.feature_names)})",
                param_hint="--models",
            )
        console.note("mlp_reading left out: the model has no reading for these features")
        wanted = tuple(m for m in wanted if m != "mlp_reading")
    result = _evaluate(
        table,
        names,
        wanted,
        folds=folds,
        repeats=seeds,
        group_by_artist=group_by_artist,
        reading=emotion_model if "mlp_reading" in wanted else None,
    )
    data_dict = result.to_dict()
    view = Table(title=f"{Path(data).name}: {data_dict['protocol']['cv']}, seeds {list(seeds)}")
    for column in ("model", "accuracy", "macro-F1"):
        view.add_column(column)
    for name, scores in data_dict["models"].items():
        acc, f1 = scores["accuracy"], scores["macro_f1"]
        view.add_row(
            name, f"{acc['mean']:.3f} ± {acc['std']:.3f}", f"{f1['mean']:.3f} ± {f1['std']:.3f}"
        )
    console.out.print(view)
    print_per_class_f1(data_dict, "F1 per class (mean over repeats)")
    save_reports(result, json_path, report)


@model_app.command("info")
def model_info(model: ModelOption = None) -> None:
    """Show a model's features, labels, version and cross-validated metrics."""
    import json

    from moodtune.model.artifact import load_model

    loaded = load_model(model)
    console.out.print_json(
        json.dumps(
            {
                "version": loaded.version,
                "features": list(loaded.feature_names),
                "labels": list(loaded.labels),
                "hidden_size": loaded.hidden_size,
                **loaded.metadata,
                "readings": [
                    {
                        "features": list(head.feature_names),
                        **{k: v for k, v in head.metadata.items() if k != "reference"},
                        "combination": head.combination.to_dict() if head.combination else None,
                    }
                    for head in loaded.readings
                ],
            }
        )
    )


@model_app.command("import-pth")
def model_import_pth(
    pth: Annotated[Path, typer.Argument(help="A seed-style state_dict (.pth).")],
    scaler_data: Annotated[
        Path,
        typer.Option("--scaler-data", help="The table the original min-max scaler was fitted on."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model folder to write.")],
    features: Annotated[
        str | None,
        typer.Option(
            "--features",
            help="The model's input order, comma-separated. Files written by export-pth record "
            "it; files of the original project do not, and need it "
            "(tempo,valence,energy,danceability,acousticness,speechiness,liveness).",
        ),
    ] = None,
) -> None:
    """Import a model of the original project (fc1/fc2 state_dict), read with weights_only."""
    from moodtune.data.readers import read_tracks
    from moodtune.model.artifact import check_destination
    from moodtune.model.seed_format import import_pth

    check_destination(out)
    names = tuple(n.strip() for n in features.split(",") if n.strip()) if features else None
    model = import_pth(pth, read_tracks(scaler_data), feature_names=names)
    model.save(out)
    console.done(
        f"imported {pth} → {out} (model {model.version}, features {','.join(model.feature_names)})"
    )


@model_app.command("export-pth")
def model_export_pth(
    out: Annotated[Path, typer.Option("--out", "-o", help="The .pth file to write.")],
    model: ModelOption = None,
) -> None:
    """Export a model's weights as a seed-style state_dict (fc1/fc2) for the original code."""
    from moodtune.model.artifact import load_model
    from moodtune.model.seed_format import export_pth

    emotion_model = load_model(model)
    names = export_pth(emotion_model, out)
    console.done(
        f"state_dict → {out}, inputs in the order {','.join(names)}, recorded in the file "
        "(the scaler is in the model's model.json)"
    )
    if emotion_model.readings:
        console.note(
            "the .pth holds the classifier only (the original network): its probabilities are "
            "the classifier's own, without the valence/arousal reading moodtune combines them "
            "with"
        )


# --- helpers ---------------------------------------------------------------------------------


def _listener_table(data: Path, targets: str | None) -> bool:
    """True when DATA has listeners' valence/arousal columns (or --targets names them)."""
    from moodtune.data.readers import read_frame
    from moodtune.model.listeners import find_target_columns

    if data.suffix.lower() == ".json" and targets is None:
        return False
    given = [t.strip() for t in targets.split(",")] if targets else None
    return find_target_columns(read_frame(data), given) is not None


def _evaluate_reading(
    data: Path,
    targets: str | None,
    models: str | None,
    folds: int,
    seeds: tuple[int, ...],
    group_by_artist: bool,
    json_path: Path | None,
    report: Path | None,
    model: Path | None,
    skip_invalid: bool,
) -> None:
    from rich.progress import Progress
    from rich.table import Table

    from moodtune.model.artifact import load_model
    from moodtune.model.evaluation import READING_MODELS, cross_validate_reading
    from moodtune.model.listeners import read_listener_table

    given = [t.strip() for t in targets.split(",")] if targets else None
    listeners = read_listener_table(data, columns=given, skip_invalid=skip_invalid)
    _show_notes(listeners.table)
    wanted = tuple(m.strip() for m in models.split(",")) if models else tuple(READING_MODELS)
    emotion_model = load_model(model)
    with Progress(console=console.err, transient=True) as bar:
        task = bar.add_task("cross-validating", total=None)
        result = cross_validate_reading(
            listeners,
            models=wanted,
            folds=folds,
            repeats=seeds,
            group_by_artist=group_by_artist,
            classifier=emotion_model,
            progress=lambda text: bar.update(task, description=text),
        )
    data_dict = result.to_dict()
    view = Table(
        title=f"{Path(data).name}: agreement with listeners ({listeners.columns[0]}, "
        f"{listeners.columns[1]}), {data_dict['protocol']['cv']}, seeds {list(seeds)}"
    )
    for column in ("model", "valence rho", "arousal rho", "quadrant accuracy"):
        view.add_column(column)
    for name, scores in data_dict["models"].items():
        view.add_row(
            name + (" (ours)" if name == "reading" else ""),
            *(
                f"{scores[k]['mean']:.3f} ± {scores[k]['std']:.3f}"
                for k in ("valence_rho", "arousal_rho", "quadrant_accuracy")
            ),
        )
    console.out.print(view)
    save_reports(result, json_path, report)


def _train_readings(
    path: Path, names: tuple[str, ...], l2: float, seed: int, cv: bool, skip_invalid: bool
) -> list:
    """Train the readings on a listener table (and cross-validate them when ``cv``): one over
    all the table's features and, when those are more, one over the classifier's ``names``."""
    from moodtune.errors import MoodtuneError
    from moodtune.model.listeners import read_listener_table
    from moodtune.model.training import ReadingConfig, ReadingRegressor

    listeners = read_listener_table(path, skip_invalid=skip_invalid)
    _show_notes(listeners.table)
    missing = [f for f in names if f not in listeners.table.feature_names]
    if missing:
        raise typer.BadParameter(
            f"{path.name} lacks the feature(s) {', '.join(missing)} the classifier reads",
            param_hint="--reading-data",
        )
    try:
        config = ReadingConfig(l2=l2, seed=seed).validate()
    except MoodtuneError as error:
        raise typer.BadParameter(str(error), param_hint="--reading-l2") from None
    full = listeners.table.feature_names
    feature_sets = [full] if set(full) == set(names) else [full, names]
    metadata: dict[str, object] = {
        "training_data": {
            "source": path.name,
            "tracks": len(listeners),
            "targets": list(listeners.columns),
            "target_scale": listeners.scale,
            "sha256": _data_hash(listeners.table.with_labels(["-"] * len(listeners)), full),
        }
    }
    if cv:
        from rich.progress import Progress

        from moodtune.model.artifact import EmotionModel
        from moodtune.model.evaluation import cross_validate_reading

        grouped = listeners.artists is not None
        with Progress(console=console.err, transient=True) as bar:
            task = bar.add_task("cross-validating the reading", total=None)
            result = cross_validate_reading(
                listeners,
                models=("reading", "reading_7", "raw_features", "ridge")
                if len(feature_sets) > 1
                else ("reading", "raw_features", "ridge"),
                model_features=names,
                group_by_artist=grouped,
                config=config,
                classifier=EmotionModel.default(),
                progress=lambda text: bar.update(task, description=text),
            )
        summary = result.to_dict()
        metadata["cv"] = {
            "protocol": summary["protocol"],
            "models": {
                name: {
                    k: s[k] for k in ("features", "valence_rho", "arousal_rho", "quadrant_accuracy")
                }
                for name, s in summary["models"].items()
            },
        }
    heads = []
    for features in feature_sets:
        console.note(
            f"training the reading on {len(listeners)} tracks of {path.name}, features "
            f"{', '.join(features)}"
        )
        regressor = ReadingRegressor(config).fit(
            listeners.table.matrix(features), listeners.targets
        )
        heads.append(regressor.to_head(features, metadata))
    return heads


def _combined_heads(heads: list, table: TrackTable, names: tuple[str, ...], labels: tuple):
    """Give every reading its combination. The prototypes are learned with the reading over
    the classifier's features (the training table may have no others) and reused, in the
    same standardised units, by the richer reading."""
    from dataclasses import replace

    from moodtune.model.training import fit_combination

    basic = heads[-1]
    combination = fit_combination(basic, table.matrix(names), table.labels, labels)
    for head in heads:
        reference = head.metadata["reference"]
        head.combination = replace(
            combination,
            center=(reference["mean"][0], reference["mean"][1]),
            spread=(max(reference["std"][0], 1e-6), max(reference["std"][1], 1e-6)),
        )
    return heads


def _with_reading(names: tuple[str, ...], heads: list | None):
    """A model-like object whose ``reading_head`` gives the reading over ``names``, for
    ``mlp_reading`` in the CV (the combination is fitted on each fold)."""
    if not heads:
        return None
    from types import SimpleNamespace

    basic = heads[-1]
    return SimpleNamespace(
        reading_head=lambda available: basic if set(basic.feature_names) <= set(available) else None
    )


def _show_notes(table: TrackTable) -> None:
    for note in table.notes:
        console.note(f"{table.source}: {note}")


def _read_labelled(data: Path, labels: Path | None, skip_invalid: bool) -> TrackTable:
    from moodtune.data.readers import read_seed, read_tracks

    if labels is not None:
        table = read_seed(data, labels, skip_invalid=skip_invalid)
    else:
        table = read_tracks(data, skip_invalid=skip_invalid)
    _show_notes(table)
    _ = table.labels  # a clear error when the table has no label column
    return table


def _feature_names(table: TrackTable, features: str | None) -> tuple[str, ...]:
    from moodtune.data.features import FEATURES

    if not features:
        return table.feature_names
    names = tuple(name.strip() for name in features.split(",") if name.strip())
    unknown = [name for name in names if name not in FEATURES]
    if unknown:
        raise typer.BadParameter(
            f"unknown feature(s) {', '.join(unknown)}; choose from {', '.join(FEATURES)}",
            param_hint="--features",
        )
    return names


def _config(*, hidden_size: int, batch_size: int, seed: int, **given: object) -> TrainConfig:
    """The default TrainConfig with the options the user gave (None = not given)."""
    from dataclasses import replace

    from moodtune.errors import MoodtuneError
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


def _evaluate(table: TrackTable, names: tuple[str, ...], models: tuple[str, ...], **options):
    from rich.progress import Progress

    from moodtune.model.evaluation import cross_validate

    with Progress(console=console.err, transient=True) as bar:
        task = bar.add_task("cross-validating", total=None)
        return cross_validate(
            table,
            models=models,
            feature_names=names,
            progress=lambda text: bar.update(task, description=text),
            **options,
        )


def _data_hash(table: TrackTable, names: tuple[str, ...]) -> str:
    import hashlib

    digest = hashlib.sha256(table.matrix(names).tobytes())
    digest.update("\n".join(table.labels).encode())
    return digest.hexdigest()


def _version() -> str:
    from moodtune import __version__

    return __version__


def register(app: typer.Typer) -> None:
    app.command()(predict)
    app.command()(train)
    app.command()(evaluate)
    app.add_typer(model_app, name="model")
