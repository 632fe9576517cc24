"""``moodtune library add FOLDER`` and ``moodtune library playlist FOLDER``: your own music,
from a folder of audio files to a playlist in that folder (:mod:`moodtune.pipelines`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from moodtune.cli import console
from moodtune.cli.audio_commands import (
    ClusterOption,
    JobsOption,
    SchedulerOption,
    _progress,
    _report_failures,
    _stop_on_sigterm,
    show_folder_report,
)
from moodtune.cli.recommend_commands import (
    ArtistCapOption,
    DistributionOption,
    EmotionOption,
    KOption,
    ModeOption,
    SeedOption,
    TextOption,
    existing_catalogue,
)
from moodtune.recommend.modes import DEFAULT_MODE, K_DEFAULT

__all__ = ["add", "library_app", "playlist", "register"]

library_app = typer.Typer(
    name="library",
    help="Your own music: analyse a folder into its catalogue, write playlists into it.",
    no_args_is_help=True,
)

FolderArgument = Annotated[
    Path, typer.Argument(help="The music folder (searched recursively), e.g. ~/Music.")
]
LibraryCatalogueOption = Annotated[
    Path | None,
    typer.Option(
        "--catalogue",
        help="The catalogue file (default: the library's own catalogue in your user data "
        "folder, holding only this folder's music).",
    ),
]


@library_app.command("add")
def add(
    folder: FolderArgument,
    catalogue: LibraryCatalogueOption = None,
    jobs: JobsOption = 1,
    scheduler: SchedulerOption = None,
    cluster: ClusterOption = None,
) -> None:
    """Analyse the audio files in FOLDER and keep them, playable, in the library's catalogue.

    Run it again whenever the folder changes: files unchanged since the last run (same path,
    size and modification time) are not analysed again, new and changed ones are. Titles,
    artists and albums come from the files' tags, else from the file name and the
    Artist/Album/track folders. Needs VibeNet (the audio-ml extra). With --cluster local:N or
    --scheduler ADDR the files are analysed by Dask workers.
    """
    from moodtune.audio.output import EmptyAnalysisError
    from moodtune.distributed import ANALYSE_CONFIG, ANALYSE_IMPORTS, dask_client
    from moodtune.errors import MoodtuneError
    from moodtune.pipelines.audio_folder import add_audio_folder, analysis_table_path
    from moodtune.pipelines.library import library_catalogue_path

    folder = folder.expanduser()
    if not folder.is_dir():
        raise MoodtuneError(f"{str(folder)!r} is not a folder")
    if jobs != 1 and (scheduler or cluster):
        raise MoodtuneError("give --jobs or --cluster/--scheduler, not both")
    table_path = analysis_table_path(folder)
    target = catalogue.expanduser() if catalogue else library_catalogue_path(folder)
    try:
        with (
            _stop_on_sigterm(table_path),
            dask_client(
                scheduler, cluster, config=ANALYSE_CONFIG, imports=ANALYSE_IMPORTS
            ) as client,
            _progress() as progress,
        ):
            report = add_audio_folder(
                target,
                folder,
                jobs=jobs,
                analysis_table=table_path,
                progress=progress,
                client=client,
                builtin=False,
            )
    except EmptyAnalysisError as error:
        _report_failures(error.result.failures, failed=True)
        raise
    show_folder_report(report)
    if catalogue is None:
        console.note(
            f"recommend from it: moodtune library playlist {folder} --emotion calm; or "
            f"moodtune serve --catalogue '{report.catalogue}'"
        )


@library_app.command("playlist")
def playlist(
    folder: FolderArgument,
    emotion: EmotionOption = None,
    distribution: DistributionOption = None,
    text: TextOption = None,
    k: KOption = K_DEFAULT,
    mode: ModeOption = DEFAULT_MODE,
    seed: SeedOption = None,
    artist_cap: ArtistCapOption = 2,
    name: Annotated[
        str | None,
        typer.Option(
            "--name", help="The playlist's file name (default: 'moodtune EMOTION (MODE).m3u8')."
        ),
    ] = None,
    catalogue: LibraryCatalogueOption = None,
) -> None:
    """Write an M3U8 playlist of recommended tracks INTO FOLDER, with paths relative to it.

    Media servers that read playlists from the music folder (Navidrome, Jellyfin) list it
    on their next scan; any player opens it from the folder. Make the library's catalogue
    first with 'moodtune library add FOLDER'.
    """
    from moodtune.pipelines.library import write_library_playlist
    from moodtune.recommend.target import resolve_target

    catalogue = existing_catalogue(catalogue)
    target = resolve_target(emotion=emotion, distribution=distribution, text=text)
    for line in target.notes:
        console.note(line)
    written = write_library_playlist(
        folder,
        target,
        catalogue=catalogue,
        k=k,
        mode=mode,
        seed=seed,
        artist_cap=artist_cap or None,
        name=name,
        about=emotion,
    )
    if written.left_out:
        console.note(
            f"{len(written.left_out)} recommended track(s) are not files in {folder} and were "
            "left out: " + "; ".join(entry.title for entry in written.left_out[:5])
        )
    console.note(written.summary)
    for number, entry in enumerate(written.entries, 1):
        who = f"{entry.artist} - " if entry.artist else ""
        console.out.print(f"{number:>2}. {who}{entry.title}  ({entry.location})", highlight=False)
    console.done(f"playlist of {len(written.entries)} tracks → {written.path}")


def register(app: typer.Typer) -> None:
    app.add_typer(library_app, name="library")
