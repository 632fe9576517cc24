"""``moodtune predict``, ``train``, ``evaluate`` and ``model`` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from moodtune.cli import console

ModelOption = Annotated[
    Path | None,
    typer.Option("--model", help="A model folder (default: the model shipped with moodtune)."),
]
SkipOption = Annotated[
    bool,
    typer.Option("--skip-invalid", help="Leave out invalid rows (counted and reported) "
                 "instead of stopping at the first."),
]


def predict(
    table: Annotated[Path, typer.Argument(help="A CSV, TSV, Parquet or JSON track table.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the predictions "
                                      "(.csv, .parquet or .json).")],
    model: ModelOption = None,
    skip_invalid: SkipOption = False,
) -> None:
    """Predict the emotion of every track in TABLE: the top emotion and all probabilities."""
    from moodtune.data.readers import read_tracks
    from moodtune.data.table import write_frame
    from moodtune.model.artifact import load_model

    emotion_model = load_model(model)
    tracks = read_tracks(table, skip_invalid=skip_invalid)
    for note in tracks.notes:
        console.note(f"{table}: {note}")
    result = emotion_model.predict_table(tracks)
    write_frame(result, out)
    counts = result["emotion"].value_counts()
    summary = ", ".join(f"{name} {counts.get(name, 0)}" for name in emotion_model.labels)
    console.done(f"predicted {len(result)} tracks → {out} ({summary})")


def register(app: typer.Typer) -> None:
    app.command()(predict)
