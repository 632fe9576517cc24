"""``moodtune evaluate-recommendations``: the recommendations measured against listeners."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from moodtune.cli import console
from moodtune.cli.model_support import (
    FoldsOption,
    JsonOption,
    ModelOption,
    SkipOption,
    TargetsOption,
    notes_shown,
    progress_bar,
)

__all__ = ["evaluate_recommendations", "register"]

DataArgument = Annotated[
    Path,
    typer.Argument(
        help="A table with listeners' valence/arousal and artists (CSV, TSV, Parquet, JSON), "
        "e.g. MuSe's valence_tags and arousal_tags.",
        show_default=False,
    ),
]
SeedsOption = Annotated[
    str,
    typer.Option(
        help="Comma-separated seeds: each shuffles the folds, seeds the reading's training "
        "and the recommender's choice among near-equal tracks."
    ),
]
KOption = Annotated[int, typer.Option("--k", help="Tracks per recommendation.")]
MoodsOption = Annotated[
    str | None,
    typer.Option("--moods", help="Comma-separated targets (emotions, mood words); default: all."),
]
ReportOption = Annotated[
    Path | None,
    typer.Option(help="Write a .md or .html report with a valence/arousal scatter PNG beside it."),
]


def evaluate_recommendations(
    data: DataArgument,
    folds: FoldsOption = 5,
    seeds: SeedsOption = "0,1,2",
    k: KOption = 10,
    moods: MoodsOption = None,
    json_path: JsonOption = None,
    report: ReportOption = None,
    targets: TargetsOption = None,
    skip_invalid: SkipOption = False,
    model: ModelOption = None,
) -> None:
    """Measure recommendations against listeners, beside random, Spotify and ridge rankings.

    DATA is a table with listeners' valence/arousal (e.g. MuSe's valence_tags, arousal_tags)
    and artists: folds grouped by artist; on each, the reading is fitted on the other folds
    and every target and mode is recommended from the held-out fold (a real catalogue)."""
    from moodtune.cli.model_commands import _read_listeners
    from moodtune.cli.reports import check_report_paths
    from moodtune.model.artifact import load_model
    from moodtune.recommend import listening_report
    from moodtune.recommend.listening import evaluate_recommendations as evaluate

    check_report_paths(json_path, report)
    if not 2 <= folds <= 20:
        raise typer.BadParameter("--folds must be between 2 and 20")
    if not 1 <= k <= 50:
        raise typer.BadParameter("--k must be from 1 to 50")
    try:
        seed_list = tuple(int(s) for s in seeds.split(","))
    except ValueError:
        raise typer.BadParameter("--seeds takes comma-separated whole numbers") from None
    wanted = [m.strip() for m in moods.split(",") if m.strip()] if moods else None
    with notes_shown():
        listeners = _read_listeners(data, targets, skip_invalid)
        with progress_bar("recommending from held-out folds") as progress:
            result = evaluate(
                listeners,
                folds=folds,
                seeds=seed_list,
                k=k,
                targets=wanted,
                model=load_model(model) if model else None,
                progress=progress,
            )
    _show(result.to_dict())
    if json_path:
        listening_report.write_json(result, json_path)
        console.done(f"JSON report → {json_path}")
    if report:
        listening_report.write_document(result, report)
        console.done(f"report → {report}")


def _show(data: dict[str, Any]) -> None:
    from rich.table import Table

    from moodtune.recommend.listening_report import tables

    for title, header, rows in tables(data):
        table = Table(title=title)
        for name in header:
            table.add_column(name)
        for row in rows:
            table.add_row(*(cell.replace("**", "") for cell in row))
        console.out.print(table)


def register(app: typer.Typer) -> None:
    app.command("evaluate-recommendations")(evaluate_recommendations)
