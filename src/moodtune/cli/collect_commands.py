"""``moodtune collect``: build a labelled feature table from themed Spotify playlists."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from moodtune.cli import console

__all__ = ["collect", "register"]


OutOption = Annotated[
    Path,
    typer.Option(
        "--out",
        "-o",
        help="The output table (.csv); rows are appended per batch and a rerun resumes it.",
    ),
]
PlaylistOption = Annotated[
    list[str] | None,
    typer.Option("--playlist", "-p", help="A playlist URL, URI or id (repeatable)."),
]
TrackOption = Annotated[
    list[str] | None, typer.Option("--track", help="A track URL, URI or id (repeatable).")
]
EmotionOption = Annotated[
    str | None,
    typer.Option("--emotion", "-e", help="The label for --playlist/--track (e.g. anger)."),
]
FromFileOption = Annotated[
    Path | None, typer.Option("--from-file", help="A YAML file mapping emotions to playlists.")
]
ProviderOption = Annotated[
    str,
    typer.Option(
        "--provider",
        help="Who supplies the features: spotify, reccobeats, or auto "
        "(Spotify, then ReccoBeats after a 403).",
    ),
]
EnvFileOption = Annotated[
    Path,
    typer.Option(
        "--env-file",
        help="A .env file with SPOTIPY_CLIENT_ID / SPOTIPY_CLIENT_SECRET (the environment wins).",
    ),
]


def collect(
    out: OutOption,
    playlist: PlaylistOption = None,
    track: TrackOption = None,
    emotion: EmotionOption = None,
    from_file: FromFileOption = None,
    provider: ProviderOption = "auto",
    env_file: EnvFileOption = Path(".env"),
) -> None:
    """Collect audio features for themed playlists into a labelled table (keyed by track id)."""
    from moodtune.collect.collector import Collector
    from moodtune.collect.output import check_output_path
    from moodtune.collect.providers import build
    from moodtune.collect.settings import ServiceSettings

    jobs = _jobs(playlist, track, emotion, from_file)
    check_output_path(out)
    # spotipy logs every HTTP error itself; our retry policy reports what matters, so keep
    # its records away from Python's last-resort stderr handler (configured logging still
    # receives them, with credentials redacted).
    logging.getLogger("spotipy").addHandler(logging.NullHandler())
    credentials = _credentials(provider, env_file)
    with _RichProgress() as progress:
        source, features = build(
            provider,
            credentials,
            ServiceSettings.from_env(),
            on_switch=lambda why: progress.note(f"{why}\nSwitching to ReccoBeats for features."),
            notify=progress.note,
        )
        report = Collector(source, features, progress).run(jobs, out)
    _show(report, out)


def _credentials(provider: str, env_file: Path) -> Any:
    """Spotify's credentials; with ``--provider reccobeats`` None when there are none (the
    tracks are then looked up on ReccoBeats, and playlists cannot be listed)."""
    from moodtune.collect.credentials import load_credentials
    from moodtune.errors import MoodtuneError

    try:
        return load_credentials(env_file)
    except MoodtuneError:
        if provider.strip().lower() != "reccobeats":
            raise
    console.note("no Spotify credentials: titles and artists come from ReccoBeats")
    return None


def _jobs(
    playlist: list[str] | None,
    track: list[str] | None,
    emotion: str | None,
    from_file: Path | None,
) -> list:
    """What to collect: from the YAML file, or from --playlist/--track with --emotion."""
    from moodtune.collect.plan import command_line_plan, read_plan
    from moodtune.errors import MoodtuneError

    if from_file is not None:
        if playlist or track or emotion:
            raise MoodtuneError("give either --from-file or --playlist/--track with --emotion")
        return read_plan(from_file)
    if emotion is None:
        raise MoodtuneError("--emotion is required with --playlist or --track")
    return command_line_plan(emotion, playlist or (), track or ())


def _show(report: Any, out: Path) -> None:
    """The notes, conflicts and skipped rows of a collection, then its summary (exit status
    1 when some tracks failed)."""
    from moodtune.collect.output import skipped_path

    for note in report.notes:
        console.note(note)
    for row in report.conflicts[:10]:
        console.note(f"{row['title'] or row['key']} ({row['key']}): {row['reason']}")
    if len(report.conflicts) > 10:
        console.note(
            f"… and {len(report.conflicts) - 10} more conflicts (all are listed in "
            f"{skipped_path(out).name})"
        )
    reasons = Counter(row["reason"] for row in report.skipped)
    for reason, count in reasons.most_common():
        console.note(f"skipped {count}: {reason}")
    summary = (
        f"{report.written} new tracks → {out} ({report.already} already there, "
        f"{len(report.skipped)} skipped, {len(report.conflicts)} conflicts, "
        f"{report.merged_repeats} repeats merged; details in "
        f"{skipped_path(out).name})"
    )
    if report.failed:
        console.error(
            f"{len(report.failed)} tracks failed ({next(iter(report.failed.values()))})"
            "; run the same command again to fetch them"
        )
        console.note(summary)
        raise typer.Exit(1)
    console.done(summary)


class _RichProgress:
    """A Rich progress bar on stderr: tracks done, skipped and failed."""

    def __enter__(self) -> _RichProgress:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "done {task.fields[done]} · skipped {task.fields[skipped]} · "
                "failed {task.fields[failed]}"
            ),
            TimeElapsedColumn(),
            console=console.err,
        )
        self._task = None
        self._counts = {"done": 0, "skipped": 0, "failed": 0}
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def start(self, total: int) -> None:
        self._task = self._progress.add_task("features", total=total, **self._counts)

    def advance(self, done: int = 0, skipped: int = 0, failed: int = 0) -> None:
        self._counts["done"] += done
        self._counts["skipped"] += skipped
        self._counts["failed"] += failed
        if self._task is not None:
            self._progress.update(self._task, advance=done + skipped + failed, **self._counts)

    def note(self, message: str) -> None:
        from rich.markup import escape

        self._progress.console.print(f"[dim]{escape(message)}[/]", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(collect)
