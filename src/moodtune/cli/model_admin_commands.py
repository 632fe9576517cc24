"""``moodtune model …``: inspect a model (``info``), import and export the original
project's ``.pth`` files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from moodtune.cli import console
from moodtune.cli.model_support import ModelOption

if TYPE_CHECKING:
    from moodtune.model.artifact import EmotionModel

__all__ = ["model_app", "model_description", "register"]

model_app = typer.Typer(help="Inspect, import and export models.", no_args_is_help=True)


def model_description(model: EmotionModel) -> dict[str, Any]:
    """Everything ``model info`` shows, as plain JSON-ready data."""
    return {
        "version": model.version,
        "features": list(model.feature_names),
        "labels": list(model.labels),
        "hidden_size": model.hidden_size,
        **model.metadata,
        "readings": [
            {
                "features": list(head.feature_names),
                **{k: v for k, v in head.metadata.items() if k != "reference"},
                "combination": head.combination.to_dict() if head.combination else None,
            }
            for head in model.readings
        ],
    }


@model_app.command("info")
def model_info(
    model: Annotated[
        Path | None,
        typer.Argument(help="A model folder (default: the model shipped with moodtune)."),
    ] = None,
    model_option: ModelOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print everything as JSON instead of tables.")
    ] = False,
) -> None:
    """Show a model's features, labels, version, training data and cross-validated metrics.

    Name the model folder as MODEL or with --model (either way).
    """
    from moodtune.errors import MoodtuneError
    from moodtune.model.artifact import load_model

    if model is not None and model_option is not None and model != model_option:
        raise MoodtuneError(f"give the model once: {str(model)!r} or --model {str(model_option)!r}")
    described = model_description(load_model(model or model_option))
    if as_json:
        console.out.print_json(json.dumps(described))
        return
    _print_overview(described)
    _print_cv(described.get("cv"), "cross-validated (mean ± std over repeats)")
    for number, reading in enumerate(described["readings"], start=1):
        _print_reading(number, reading)


def _print_overview(described: dict[str, Any]) -> None:
    from rich.table import Table

    view = Table(title=f"model {described['version']}", show_header=False)
    view.add_column("field", style="bold")
    view.add_column("value")
    data = described.get("training_data") or {}
    training = described.get("training") or {}
    rows = {
        "labels": ", ".join(described["labels"]),
        "features": ", ".join(described["features"]),
        "network": f"{len(described['features'])} → {described['hidden_size']} ReLU → "
        f"{len(described['labels'])} softmax",
        "optimiser": training.get("optimizer"),
        "training data": f"{data.get('source')}, {data.get('tracks')} tracks" if data else None,
        "class counts": ", ".join(f"{k} {v}" for k, v in data.get("class_counts", {}).items()),
        "data sha256": data.get("sha256"),
        "readings": str(len(described["readings"])),
        "moodtune": described.get("moodtune_version"),
        "command": described.get("command"),
    }
    for name, value in rows.items():
        if value:
            view.add_row(name, str(value))
    console.out.print(view)


def _print_cv(cv: dict[str, Any] | None, title: str) -> None:
    from rich.table import Table

    from moodtune.model.report import spread

    if not cv:
        return
    models = cv.get("models") or {}
    metrics = [k for k in next(iter(models.values()), {}) if k != "features"]
    view = Table(title=f"{title}: {cv.get('protocol', {}).get('cv', '')}")
    view.add_column("model")
    for metric in metrics:
        view.add_column(metric.replace("_", " "), justify="right")
    for name, scores in models.items():
        view.add_row(name, *(spread(scores[m]) for m in metrics))
    console.out.print(view)


def _print_reading(number: int, reading: dict[str, Any]) -> None:
    data = reading.get("training_data") or {}
    console.out.print(
        f"reading {number}: valence/arousal over {len(reading['features'])} features "
        f"({', '.join(reading['features'])}); learned from {data.get('source')} "
        f"({data.get('tracks')} tracks, targets {', '.join(data.get('targets', []))})"
    )
    _print_cv(reading.get("cv"), f"reading {number}, agreement with listeners")


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


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")
