"""``moodtune catalog import|stats|reclassify`` and ``moodtune recommend``: shells over the
library (:mod:`moodtune.catalogue.builtin`, :mod:`moodtune.recommend.target`,
:mod:`moodtune.recommend.answer`) that parse options and print."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from moodtune.cli import console
from moodtune.cli.senses import sense_option, with_sense_options
from moodtune.recommend.modes import DEFAULT_MODE, K_DEFAULT, K_MAX, K_MIN, MODES
from moodtune.recommend.target import parse_distribution
from moodtune.senses import sense_for_field

if TYPE_CHECKING:
    from moodtune.catalogue.sqlite import Catalogue, CatalogueStats
    from moodtune.playlists import PlaylistEntry
    from moodtune.playlists.spotify import UserAuth
    from moodtune.recommend.answer import Answer

__all__ = [
    "catalog_app",
    "existing_catalogue",
    "import_tracks",
    "parse_distribution",
    "recommend",
    "register",
]

catalog_app = typer.Typer(
    name="catalog",
    help="The music catalogue: import tracks, show what is in it, reclassify.",
    no_args_is_help=True,
)

CatalogueOption = Annotated[
    Path | None,
    typer.Option(
        "--catalogue",
        help="The catalogue file (default: $MOODTUNE_CATALOGUE, else catalogue.sqlite in "
        "your user data folder).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def existing_catalogue(path: Path | None) -> Path | None:
    """``--catalogue`` for a command that reads a catalogue: a path that names no file is a
    mistake (a typo would otherwise start a new catalogue and answer from it); None stays
    None (the default catalogue, made on first use)."""
    if path is None:
        return None
    from moodtune.errors import MoodtuneError

    found = path.expanduser()
    if not found.exists():
        raise MoodtuneError(
            f"--catalogue {str(path)!r}: no such file (a catalogue is made by 'moodtune "
            "catalog import' or 'moodtune library add')"
        )
    if not found.is_file():
        raise MoodtuneError(f"--catalogue {str(path)!r} is not a file")
    return found


ProvenanceOption = Annotated[
    str | None,
    typer.Option(
        "--provenance",
        help="Where the feature values come from: provider, measured or estimated "
        "(default: per feature from a 'moodtune analyze' sidecar beside FILE, else provider).",
    ),
]
ImportSchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", help="Import on this Dask scheduler.")
]
ImportClusterOption = Annotated[
    str | None, typer.Option("--cluster", help="Import on local:N Dask workers.")
]


@catalog_app.command("import")
def import_tracks(
    file: Annotated[Path, typer.Argument(help="A CSV, TSV, Parquet or JSON track table.")],
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="A name for where the tracks come from (default: the file name)."
        ),
    ] = None,
    provenance: ProvenanceOption = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Leave out invalid rows (counted and reported) instead of stopping at the first.",
        ),
    ] = False,
    builtin: Annotated[
        bool,
        typer.Option(
            "--builtin/--no-builtin", help="Fill a new catalogue with the built-in tracks first."
        ),
    ] = True,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
    scheduler: ImportSchedulerOption = None,
    cluster: ImportClusterOption = None,
) -> None:
    """Add the tracks of FILE to the catalogue and classify them (a repeat changes nothing)."""
    from moodtune.audio.provenance import read_provenance, sidecar_path
    from moodtune.catalogue.builtin import open_catalogue
    from moodtune.cli.dataset_import import import_dataset_command, is_dataset
    from moodtune.data.readers import read_tracks

    if scheduler or cluster or is_dataset(file):  # a Parquet dataset (folder or glob), by file
        options = dict(source=source, provenance=provenance, skip_invalid=skip_invalid)
        options |= dict(builtin=builtin, catalogue=catalogue, as_json=as_json)
        return import_dataset_command(file, **options, scheduler=scheduler, cluster=cluster)

    with console.working("importing", notes=False) as step:
        step(f"reading {file}")
        tracks = read_tracks(file, skip_invalid=skip_invalid)
        for line in tracks.notes:
            console.note(f"{file}: {line}")
        analysed = read_provenance(file)
        if analysed is not None and provenance is not None:
            console.note(f"--provenance {provenance} overrides {sidecar_path(file).name}")
        origin: str | dict[str, str] = provenance or analysed or "provider"
        with open_catalogue(catalogue, builtin=builtin) as opened:
            step(f"adding {len(tracks)} tracks to {opened.path}")
            report = opened.import_table(tracks, source=source or file.name, provenance=origin)
            path = opened.path
    if as_json:
        console.out.print_json(json.dumps({**report.to_dict(), "catalogue": str(path)}))
        return
    for line in report.notes[len(tracks.notes) :]:
        console.note(line)
    console.done(f"{report.summary()} → {path}")


@catalog_app.command("stats")
def stats(catalogue: CatalogueOption = None, as_json: JsonOption = False) -> None:
    """Tracks per top emotion and per source, and how many have each feature (by origin)."""
    from moodtune.catalogue.builtin import open_catalogue

    with open_catalogue(existing_catalogue(catalogue)) as opened:
        figures = opened.stats()
    if as_json:
        console.out.print_json(json.dumps(figures.to_dict()))
        return
    _print_stats(figures)


@catalog_app.command("reclassify")
def reclassify(
    model: Annotated[
        Path | None,
        typer.Option("--model", help="A model folder (default: the model shipped with moodtune)."),
    ] = None,
    catalogue: CatalogueOption = None,
) -> None:
    """Classify every track again (done automatically when the model version changes)."""
    from moodtune.catalogue.builtin import open_catalogue
    from moodtune.model.artifact import load_model

    catalogue = existing_catalogue(catalogue)
    emotion_model = load_model(model)
    with open_catalogue(catalogue, model=emotion_model) as opened:
        count = opened.reclassify()
        path = opened.path
    console.done(f"classified {count} tracks with model {emotion_model.version} → {path}")


#: The modes and what each does, from the registry (:mod:`moodtune.recommend.modes`).
_MODE_HELP = "; ".join(f"{mode.name}: {mode.help}" for mode in MODES.values())
EmotionOption = Annotated[
    str | None,
    typer.Option("--emotion", "-e", help="An emotion or alias, e.g. sadness, happy, calm."),
]

DistributionOption = Annotated[
    str | None,
    typer.Option(
        "--distribution",
        "-d",
        help="Weights over the emotions, e.g. 'happiness=0.6,sadness=0.4' (normalised).",
    ),
]

KOption = Annotated[int, typer.Option("--k", "-k", help=f"How many tracks ({K_MIN}–{K_MAX}).")]

ModeOption = Annotated[str, typer.Option("--mode", "-m", help=_MODE_HELP)]

SeedOption = Annotated[
    int | None,
    typer.Option(
        "--seed", help="Same seed, same list (default: a fresh choice among near-equal tracks)."
    ),
]

ArtistCapOption = Annotated[
    int, typer.Option("--artist-cap", help="At most this many tracks per artist (0: no cap).")
]

PlaylistOption = Annotated[
    Path | None,
    typer.Option(
        "--playlist",
        help="Also write the tracks as a playlist: .m3u8 (local files by path), .xspf, "
        ".jspf or .csv (with Spotify URIs).",
    ),
]

SpotifyOption = Annotated[
    str | None,
    typer.Option(
        "--save-to-spotify",
        help="Also save the tracks as a private playlist of this name in your Spotify "
        "account (after 'moodtune spotify login').",
    ),
]


#: ``--text WORDS``, as the registry's words sense describes it.
TextOption = sense_option(sense_for_field("text"))


@with_sense_options  # --image, --text, … and --sense FIELD=VALUE, from moodtune.senses
def recommend(
    emotion: EmotionOption = None,
    distribution: DistributionOption = None,
    inputs: dict[str, Any] | None = None,
    k: KOption = K_DEFAULT,
    mode: ModeOption = DEFAULT_MODE,
    seed: SeedOption = None,
    artist_cap: ArtistCapOption = 2,
    playlist: PlaylistOption = None,
    save_to_spotify: SpotifyOption = None,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """Recommend tracks for an emotion, a distribution of emotions, or a picture."""
    from moodtune.catalogue.builtin import open_catalogue
    from moodtune.recommend.answer import recommend_for
    from moodtune.recommend.recommender import MusicRecommender
    from moodtune.recommend.target import resolve_target

    spotify = _check_outputs(playlist, save_to_spotify)  # said before any work
    catalogue = existing_catalogue(catalogue)
    target = resolve_target(emotion=emotion, distribution=distribution, inputs=inputs)
    for line in target.notes:
        console.note(line)
    if target.reading is not None:
        console.note(f"reading: {target.describe()}")
    with console.working("recommending", notes=False), open_catalogue(catalogue) as opened:
        # (a new default catalogue is filled first: a few seconds, under the spinner)
        recommender = MusicRecommender(opened, artist_cap=artist_cap or None, seed=seed)
        answer = recommend_for(recommender, target, k=k, mode=mode)
        if playlist is not None:
            _write_playlist(answer, playlist, opened, f"{mode} for {emotion or 'your mood'}")
    if spotify is not None and save_to_spotify is not None:
        from moodtune.playlists import entries_from

        _save_to_spotify(spotify, save_to_spotify, entries_from(answer.recommendations), mode)
    if as_json:
        console.out.print_json(json.dumps(answer.to_dict()))
        return
    _print_recommendations(answer)


def _check_outputs(playlist: Path | None, save_to_spotify: str | None) -> UserAuth | None:
    """Refuse a playlist file of an unknown kind, or saving to Spotify before logging in,
    before any work; the Spotify login to save with (None: not saving)."""
    if playlist is not None:
        from moodtune.playlists import playlist_format

        playlist_format(playlist.name)
    if save_to_spotify is None:
        return None
    from moodtune.cli.spotify_commands import user_auth

    spotify = user_auth()
    spotify.require_login()  # no browser is opened
    return spotify


def _write_playlist(answer: Answer, playlist: Path, opened: Catalogue, about: str) -> None:
    from moodtune.playlists import entries_from, write_playlist

    entries = entries_from(answer.recommendations, opened.audio_path)
    written = write_playlist(entries, playlist, title=f"moodtune: {about}")
    console.done(f"playlist of {len(entries)} tracks → {written}")


def _save_to_spotify(
    auth: UserAuth, name: str, entries: Sequence[PlaylistEntry], mode: str
) -> None:
    from moodtune.collect.spotify import SpotifyClient
    from moodtune.playlists.spotify import save_playlist

    client = SpotifyClient(auth, auth.settings)
    saved = save_playlist(client, name, entries, description=f"moodtune, mode {mode}")
    left = f"; {saved.left_out} without a Spotify id left out" if saved.left_out else ""
    console.done(f"saved {saved.added} tracks to Spotify as {name!r}{left}: {saved.url}")


def _print_recommendations(answer: Answer) -> None:
    """The answer as a table: each track with, under its title, why it was chosen in words
    (dim: the numbers); readable at 80 columns."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=answer.summary)
    table.add_column("#", justify="right")
    table.add_column("title · why", ratio=3)
    table.add_column("artist", ratio=1)
    table.add_column("score", justify="right")
    words = answer.explanations or [""] * len(answer.recommendations)
    for number, (item, said) in enumerate(zip(answer.recommendations, words, strict=True), 1):
        weaker = item.close is False and not said  # the words say "a looser match"
        reason = f"{item.reason} (a weaker match)" if weaker else item.reason
        cell = Text(item.title or item.track_id, style="bold")
        cell.append(f"\n{said}" if said else "")
        cell.append(f"\n{reason}", style="dim")
        table.add_row(str(number), cell, item.artist or "", f"{item.score:.3f}")
    console.out.print(table)


def _print_stats(figures: CatalogueStats) -> None:
    from rich.table import Table

    console.out.print(
        f"{figures.path}: {figures.tracks} tracks, model {figures.model_version}, revision "
        f"{figures.revision}, {figures.plays} plays, {figures.feedback} feedback",
        highlight=False,
    )
    emotions = Table(title="tracks per top emotion")
    emotions.add_column("emotion")
    emotions.add_column("tracks", justify="right")
    for name, count in figures.by_emotion.items():
        emotions.add_row(name, str(count))
    console.out.print(emotions)
    sources = Table(title="tracks per source")
    sources.add_column("source")
    sources.add_column("tracks", justify="right")
    for name, count in figures.sources.items():
        sources.add_row(name, str(count))
    console.out.print(sources)
    coverage = Table(title="feature coverage")
    for column in ("feature", "tracks", "provider", "measured", "estimated"):
        coverage.add_column(column, justify="left" if column == "feature" else "right")
    for name, counts in figures.coverage.items():
        coverage.add_row(
            name, *(str(counts[c]) for c in ("tracks", "provider", "measured", "estimated"))
        )
    console.out.print(coverage)


def register(app: typer.Typer) -> None:
    app.add_typer(catalog_app, name="catalog")
    app.command()(recommend)
