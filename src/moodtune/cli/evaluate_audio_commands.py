"""``moodtune evaluate-audio FOLDER --labels CSV``: the audio reading against listeners."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from moodtune.cli import console

if TYPE_CHECKING:
    from moodtune.audio.evaluation import AudioEvaluation

#: The fewest rated files --fit-calibration fits and cross-validates on.
MIN_FIT = 20

__all__ = ["evaluate_audio_command", "register"]


FolderOption = Annotated[Path, typer.Argument(help="A folder of rated audio files (recursive).")]

LabelsOption = Annotated[
    Path,
    typer.Option(
        "--labels",
        help="CSV of ratings: a 'file' or 'id' column, then 'valence' and 'arousal' "
        "columns or the nine GEMS columns; optionally 'genre' (see docs/audio.md).",
    ),
]

OutOption = Annotated[
    Path,
    typer.Option("--out", "-o", help="Report folder: report.md, report.json, scatter.png."),
]

AnalysisOption = Annotated[
    Path | None,
    typer.Option(
        "--analysis",
        help="The analysis table to keep and resume (default: OUT/analysis.csv); a table "
        "'moodtune analyze' wrote for this folder is reused.",
    ),
]

IdOffsetsOption = Annotated[
    str | None,
    typer.Option(
        "--id-offsets",
        help="With an 'id' column: file N.mp3 in sub-folder G has id OFFSET[G] + N, "
        "e.g. classical=0,rock=100,electronic=200,pop=300 (Emotify).",
    ),
]

GenreFromOption = Annotated[
    str,
    typer.Option("--genre-from", help="Genre of each file: 'labels' or 'folder'."),
]

JobsOption = Annotated[int, typer.Option("--jobs", "-j", min=1, max=64)]

FitCalibrationOption = Annotated[
    Path | None,
    typer.Option(
        "--fit-calibration",
        help="Also fit the audio calibration on these files, write it to this JSON file "
        "and report its cross-validated figures (needs scikit-learn).",
    ),
]


def evaluate_audio_command(
    folder: FolderOption,
    labels: LabelsOption,
    out: OutOption = Path("audio-evaluation"),
    analysis: AnalysisOption = None,
    id_offsets: IdOffsetsOption = None,
    genre_from: GenreFromOption = "labels",
    jobs: JobsOption = 1,
    fit_calibration: FitCalibrationOption = None,
) -> None:
    """Score the reading of audio files against listeners' ratings.

    Analyses FOLDER (resumable), matches each file to its ratings and reports Spearman ρ
    and quartile AUC of valence and arousal, over all files and per genre, for the reading
    'analyze' + 'predict' give and for VibeNet's raw estimates, with a scatter plot.
    """
    from moodtune.audio.evaluation import evaluate_audio
    from moodtune.audio.listeners import IdScheme
    from moodtune.cli.audio_commands import _progress

    if fit_calibration and importlib.util.find_spec("sklearn") is None:
        from moodtune.errors import MissingExtraError

        raise MissingExtraError("train", "scikit-learn")
    out.mkdir(parents=True, exist_ok=True)
    scheme = IdScheme.parse(id_offsets) if id_offsets else None
    with _progress() as progress:
        evaluation = evaluate_audio(
            folder,
            labels,
            analysis or out / "analysis.csv",
            id_scheme=scheme,
            genre_from=genre_from,
            jobs=jobs,
            progress=progress,
        )
    extra = _fit(evaluation, fit_calibration) if fit_calibration else None
    _write_report(evaluation, out, extra)


def _write_report(evaluation: AudioEvaluation, out: Path, extra: dict | None) -> None:
    """report.md, report.json and (with matplotlib) scatter.png in ``out``; the Markdown
    on standard output."""
    from moodtune.audio.evaluation_report import to_markdown, write_json, write_plot
    from moodtune.files import write_atomic

    markdown = to_markdown(evaluation, extra)
    write_atomic(out / "report.md", markdown.encode())
    write_json(evaluation, out / "report.json", extra)
    files = "report.md, report.json"
    if importlib.util.find_spec("matplotlib") is not None:
        write_plot(evaluation, out / "scatter.png")
        files += ", scatter.png"
    else:
        console.note("no scatter plot: it needs matplotlib (pip install 'moodtune[train]')")
    console.out.print(markdown, markup=False, highlight=False, soft_wrap=True)
    console.done(f"report → {out}/ ({files})")


def _fit(evaluation: AudioEvaluation, path: Path) -> dict:
    """Fit the calibration on the matched files; its cross-validated scores by group."""
    from moodtune.audio.calibration_fit import (
        calibration_inputs,
        cross_validate,
        fit_calibration,
    )
    from moodtune.files import write_atomic
    from moodtune.model.artifact import load_model

    frame = evaluation.frame
    if len(frame) < MIN_FIT:
        from moodtune.errors import MoodtuneError

        raise MoodtuneError(
            f"--fit-calibration needs at least {MIN_FIT} rated files (5 folds grouped by "
            f"artist); {len(frame)} matched"
        )
    targets = frame[["target_valence", "target_arousal"]].to_numpy(float)
    summary, _ = cross_validate(frame, load_model())
    calibration = fit_calibration(calibration_inputs(frame), targets)
    calibration.metadata = {
        "fitted_on": f"{evaluation.matched} files of {evaluation.folder} rated in "
        f"{evaluation.labels}",
        "cross_validated": summary,
    }
    write_atomic(path, json.dumps(calibration.to_json(), indent=1).encode())
    console.note(f"calibration fitted on {evaluation.matched} files → {path}")
    return {"calibrated (cross-validated)": summary}


def register(app: typer.Typer) -> None:
    app.command("evaluate-audio")(evaluate_audio_command)
