"""``moodtune analyze PATH... --out FILE`` and ``moodtune catalog add-audio DIR``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from moodtune.cli import console

if TYPE_CHECKING:
    from moodtune.audio.batch import BatchResult, Failure

__all__ = [
    "EstimateOption",
    "JobsOption",
    "Terminated",
    "add_audio_command",
    "analyze",
    "register",
    "show_folder_report",
]

JobsOption = Annotated[
    int,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        max=64,
        help="Processes to analyse with (each file is analysed by one process).",
    ),
]
EstimateOption = Annotated[
    bool,
    typer.Option(
        "--estimate/--no-estimate",
        help="Estimate energy, valence and the other 5 features with VibeNet when it is "
        "installed (the audio-ml extra).",
    ),
]


PathsArgument = Annotated[
    list[Path],
    typer.Argument(
        help="Audio files or folders (searched recursively): mp3, ogg, opus, flac, wav."
    ),
]
OutOption = Annotated[
    Path,
    typer.Option(
        "--out",
        "-o",
        help="The feature table to write (.csv, .parquet or .json); an existing one is resumed.",
    ),
]
FreshOption = Annotated[
    bool,
    typer.Option(
        "--fresh",
        help="Analyse every file again instead of resuming from the rows OUT already holds.",
    ),
]
WriteTagsOption = Annotated[
    bool,
    typer.Option(
        "--write-tags",
        help="Also write the emotion and the valence/arousal reading into the files' own "
        "tags (MP3, FLAC, Ogg, Opus, M4A; each file replaced whole; needs the 'tags' extra).",
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Analyse on this Dask scheduler (e.g. tcp://host:8786); its workers must see "
        "the files at the same paths.",
    ),
]
ClusterOption = Annotated[
    str | None,
    typer.Option("--cluster", help="Analyse on a local Dask cluster of N processes: local:N."),
]


def analyze(
    paths: PathsArgument,
    out: OutOption,
    jobs: JobsOption = 1,
    estimate: EstimateOption = True,
    fresh: FreshOption = False,
    write_tags: WriteTagsOption = False,
    scheduler: SchedulerOption = None,
    cluster: ClusterOption = None,
) -> None:
    """Compute audio features of local files into a table that 'moodtune predict' reads.

    Measured: tempo, key, mode, loudness, duration. Estimated by VibeNet when the
    audio-ml extra is installed (left out otherwise): energy, valence,
    danceability, acousticness, instrumentalness, speechiness, liveness.
    Files that cannot be read are reported and skipped. With --cluster or --scheduler the
    files are analysed by Dask workers (a worker that dies mid-file is replaced and the file
    run elsewhere) and OUT.worklog.jsonl logs which worker started and finished each file.
    """
    from moodtune.audio.output import EmptyAnalysisError, analyse_to_table, sidecar_path

    try:
        with _stop_on_sigterm(out), _progress() as progress:
            if scheduler or cluster:
                result, kept, dropped = _analyse_on_dask(
                    list(paths), out, jobs, estimate, fresh, progress, scheduler, cluster
                )
            else:
                result, kept, dropped = analyse_to_table(
                    list(paths), out, jobs=jobs, estimate=estimate, fresh=fresh, progress=progress
                )
    except EmptyAnalysisError as error:
        _report_failures(error.result.failures, failed=True)
        raise
    _report_analysis(result, out, kept, dropped, estimate)
    if write_tags:
        _write_tags(result)
    new = len(result.analyses) - result.reused - kept
    console.done(
        f"{len(result.analyses)} track(s) → {out} ({new} analysed, {result.reused} unchanged "
        f"since the last run, {len(result.failures)} skipped); provenance in "
        f"{sidecar_path(out).name}"
    )


def _report_analysis(
    result: BatchResult, out: Path, kept: int, dropped: int, estimate: bool
) -> None:
    """The notes after an analysis: failures, rows kept or left out, what was estimated."""
    _report_failures(result.failures)
    if kept:
        console.note(f"kept {kept} row(s) of {out} for files not named in this run")
    if dropped:
        console.note(
            f"left out {dropped} earlier row(s) for other files: they were analysed "
            f"{'without' if result.estimated_by else 'with'} VibeNet; analyse them "
            "again to bring them back"
        )
    _report_estimates(result, estimate)


def _analyse_on_dask(
    paths: list[Path],
    out: Path,
    jobs: int,
    estimate: bool,
    fresh: bool,
    progress: Callable[[int, int, str], None],
    scheduler: str | None,
    cluster: str | None,
) -> tuple[BatchResult, int, int]:
    """``analyze`` with the files analysed on a Dask cluster (see moodtune.distributed)."""
    from moodtune.distributed import (
        ANALYSE_CONFIG,
        ANALYSE_IMPORTS,
        analyse_on_cluster,
        dask_client,
    )
    from moodtune.errors import MoodtuneError

    if jobs != 1:
        raise MoodtuneError(
            "--jobs is for this machine's processes; with --cluster/--scheduler the cluster's "
            "workers analyse (local:N sets how many)"
        )
    with dask_client(scheduler, cluster, config=ANALYSE_CONFIG, imports=ANALYSE_IMPORTS) as client:
        return analyse_on_cluster(
            paths, out, client, estimate=estimate, fresh=fresh, progress=progress
        )


def _write_tags(result: BatchResult) -> None:
    """Predict each analysed file's emotion and reading, and write them into its tags."""
    from moodtune.audio.output import to_frame
    from moodtune.audio.tags import MoodTags, write_tags
    from moodtune.data.readers import tidy
    from moodtune.errors import MoodtuneError
    from moodtune.model.artifact import load_model

    model = load_model()
    frame = to_frame(result.analyses)
    lacking = [name for name in model.feature_names if name not in frame.columns]
    if lacking:
        raise MoodtuneError(
            f"--write-tags needs the features the emotion model reads ({', '.join(lacking)} "
            "are estimated by VibeNet: install the audio-ml extra); no tag was written"
        )
    table = tidy(frame, source="the analysis", merge_repeats=False)
    predicted = model.predict_table(table, follow_reading=True)  # calibrated estimates
    written = unchanged = 0
    refused: list[str] = []
    for analysis, row in zip(result.analyses, predicted.to_dict("records"), strict=True):
        tags = MoodTags(
            row["emotion"], row.get("reading_valence"), row.get("reading_arousal"), model.version
        )
        try:
            changed = write_tags(analysis.path, tags)
        except MoodtuneError as error:
            refused.append(str(error))
            continue
        written += changed
        unchanged += not changed
    for reason in refused:
        console.note(f"tags not written: {reason}")
    console.done(
        f"tags: {written} file(s) written, {unchanged} already had them, {len(refused)} left "
        "alone (a format whose tags moodtune does not write)"
    )


def add_audio_command(
    folder: Annotated[Path, typer.Argument(help="A folder of audio files (searched recursively).")],
    catalogue: Annotated[
        Path | None,
        typer.Option(
            "--catalogue",
            help="The catalogue file "
            "(default: $MOODTUNE_CATALOGUE, else "
            "catalogue.sqlite in your user data "
            "folder).",
        ),
    ] = None,
    jobs: JobsOption = 1,
) -> None:
    """Analyse the audio files in FOLDER and add them to the catalogue, playable from there.

    Needs VibeNet (the audio-ml extra): the emotion model takes valence, energy
    and other features that only VibeNet estimates. The analysis is kept in your
    user data folder, so a second run analyses only new or changed files.
    """
    from moodtune.audio.output import EmptyAnalysisError
    from moodtune.pipelines.audio_folder import add_audio_folder, analysis_table_path

    table_path = analysis_table_path(folder) if folder.is_dir() else None
    try:
        with _stop_on_sigterm(table_path or folder), _progress() as progress:
            report = add_audio_folder(
                catalogue, folder, jobs=jobs, analysis_table=table_path, progress=progress
            )
    except EmptyAnalysisError as error:
        _report_failures(error.result.failures, failed=True)
        raise
    show_folder_report(report)


def show_folder_report(report: Any) -> None:
    """What :func:`~moodtune.pipelines.audio_folder.add_audio_folder` did: the files it did
    not analyse, its notes and its one-line summary."""
    _report_failures(report.failures)
    for line in report.notes():
        console.note(line)
    console.done(report.summary())


class Terminated(SystemExit):
    """SIGTERM arrived: unwind (the worker processes are ended on the way), exit 143."""


@contextmanager
def _stop_on_sigterm(out: Path) -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` while analysing, so the worker processes are
    terminated and the user is told that what was analysed is saved (exit status 143); on
    Ctrl-C the same note is given.

    Without it SIGTERM would end this process at once and leave its workers running. Only
    the main thread can set a signal handler; elsewhere this only adds the note.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise Terminated(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    except (Terminated, KeyboardInterrupt) as stop:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut this
        saved = (
            f"every file analysed so far is saved in {out}; run the same command again to "
            "analyse the rest"
            if out.exists()
            else f"no file was analysed yet ({out} not written)"
        )
        kind = "stopped by SIGTERM" if isinstance(stop, Terminated) else "interrupted"
        console.error(f"{kind}: {saved}")
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _progress() -> Iterator[Callable[[int, int, str], None]]:
    """A Rich progress bar on stderr, as a ``(done, total, path)`` callback."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("analysing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[name]}"),
        console=console.err,
        transient=True,
    )
    task = bar.add_task("analyse", total=None, name="")

    def update(done: int, total: int, path: str) -> None:
        bar.update(task, completed=done, total=total, name=Path(path).name)

    with bar:
        yield update


#: The start of the reason :func:`moodtune.audio.batch.find_audio` gives a non-audio file.
_NOT_AUDIO = "unsupported file type"


def _report_failures(failures: Sequence[Failure], *, failed: bool = False) -> None:
    """The files not analysed: as errors when nothing could be analysed (``failed``), else
    as notes (the run succeeded); files that are not audio are named in one note."""
    say = console.error if failed else console.note
    others = [f for f in failures if not f.reason.startswith(_NOT_AUDIO)]
    for failure in others:
        say(f"skipped {failure.path}: {failure.reason}")
    not_audio = [f.path for f in failures if f.reason.startswith(_NOT_AUDIO)]
    if not_audio:
        shown = ", ".join(Path(path).name for path in not_audio[:10])
        more = f" and {len(not_audio) - 10} more" if len(not_audio) > 10 else ""
        say(f"skipped {len(not_audio)} file(s) that are not audio: {shown}{more}")


def _report_estimates(result: BatchResult, wanted: bool) -> None:
    if result.estimated_by:
        console.note(
            f"energy, valence, danceability, acousticness, instrumentalness, "
            f"speechiness and liveness are estimates by {result.estimated_by} "
            "(GPL-3.0-or-later), not measurements"
        )
    elif wanted:
        console.note(
            "energy, valence and the other estimated features were not computed: "
            "VibeNet is not installed (pip install 'moodtune[audio-ml]'); the table "
            "has the measured tempo, key, mode and loudness only"
        )
    else:
        console.note("estimated features not computed (--no-estimate)")


def register(app: typer.Typer) -> None:
    app.command()(analyze)
    try:  # the catalog group belongs to the recommend commands
        from moodtune.cli.recommend_commands import catalog_app
    except ImportError:  # pragma: no cover - only when the recommend part is absent
        app.command("catalog-add-audio")(add_audio_command)
    else:
        catalog_app.command("add-audio")(add_audio_command)
