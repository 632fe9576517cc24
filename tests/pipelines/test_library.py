"""``moodtune library add`` and ``moodtune library playlist`` on a folder of real audio (two of
the built-in clips, generated tone files with and without tags in an Artist/Album layout):
one command makes a playable catalogue, a rerun analyses nothing, a new or changed file is
picked up, and the M3U8 written into the folder plays by relative paths (issue 21)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("vibenet")
pytest.importorskip("librosa")
soundfile = pytest.importorskip("soundfile")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "audio"))
from audio_synth import RATE, clicks, progression  # noqa: E402

from moodtune.audio.builtin import tracks_folder  # noqa: E402
from moodtune.audio.decode import content_id, decode  # noqa: E402
from moodtune.catalogue.sqlite import Catalogue  # noqa: E402
from moodtune.pipelines.library import library_catalogue_path  # noqa: E402


def _tagged(path: Path, samples, **tags: str) -> Path:
    """A FLAC file carrying ``tags`` (title, artist, album) in its Vorbis comments."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with soundfile.SoundFile(path, "w", samplerate=RATE, channels=1, format="FLAC") as out:
        for name, value in tags.items():
            setattr(out, name, value)
        out.write(samples)
    return path


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A music folder, with the user data folder (where the catalogue goes) in tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("MOODTUNE_CATALOGUE", raising=False)
    music = tmp_path / "My Music"
    _tagged(music / "tagged.flac", progression(0, 1, 0.5), title="Clair", artist="Claude")
    _tagged(music / "Nina/Pastel Blues/01 - blue in green.flac", progression(9, 0, 0.5))
    soundfile.write(music / "nostalgic_electronic_s522.wav", clicks(120, seconds=4.0), RATE)
    clips = tracks_folder()
    if clips is not None:  # two of the built-in clips (installed with moodtune)
        for clip in sorted(clips.rglob("*.opus"))[:2]:
            shutil.copy(clip, music / clip.name)
    (music / "cover.jpg").write_bytes(b"\xff\xd8 not really a picture")
    return music


def _tracks(catalogue: Path, music: Path) -> dict[str, tuple[str, str | None, str | None]]:
    """file name → (title, artist, album) of the folder's audio files in the catalogue."""
    found = {}
    with Catalogue.open(catalogue) as opened:
        assert opened.count() == len(_audio(music))  # only this folder's music
        for path in _audio(music):
            record = opened.track(content_id(path))
            assert record is not None and opened.audio_path(record.track_id) == path.resolve()
            found[path.name] = (record.title, record.artists, record.album)
    return found


def _audio(music: Path) -> list[Path]:
    return sorted(p for p in music.rglob("*") if p.suffix in (".flac", ".wav", ".opus"))


def _playlist_paths(playlist: Path) -> list[str]:
    lines = playlist.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    return [line for line in lines if line and not line.startswith("#")]


def test_one_command_makes_a_playable_library_and_a_rerun_analyses_nothing(
    library: Path, run_cli
) -> None:
    files = 3 + (2 if tracks_folder() is not None else 0)
    code, _, err = run_cli("library", "add", str(library))
    assert code == 0, err
    assert f"{files} file(s) analysed, 0 unchanged" in err
    assert "error" not in err and "skipped 1 file(s) that are not audio: cover.jpg" in err
    catalogue = library_catalogue_path(library)
    assert str(catalogue) in err and catalogue.is_file()

    named = _tracks(catalogue, library)
    assert named["tagged.flac"][:2] == ("Clair", "Claude")  # the file's own tags win
    assert named["01 - blue in green.flac"] == ("Blue In Green", "Nina", "Pastel Blues")
    title, artist, _ = named["nostalgic_electronic_s522.wav"]
    assert (title, artist) == ("Nostalgic Electronic S522", None)  # shown as unknown artist

    code, _, err = run_cli("library", "add", str(library))
    assert code == 0, err
    assert f"0 file(s) analysed, {files} unchanged" in err and "no change" in err

    _tagged(library / "Later/Album/new.flac", clicks(90, seconds=4.0), title="New one")
    code, _, err = run_cli("library", "add", str(library))
    assert code == 0, err
    assert f"1 file(s) analysed, {files} unchanged" in err and "1 added" in err

    _tagged(library / "tagged.flac", clicks(140, seconds=4.0), title="Clair", artist="Claude")
    code, _, err = run_cli("library", "add", str(library))  # a changed file: analysed again
    assert code == 0 and f"1 file(s) analysed, {files} unchanged" in err, err
    code, _, err = run_cli("library", "playlist", str(library), "-e", "calm", "--k", "20")
    assert code == 0, err
    paths = _playlist_paths(library / "moodtune calm (match).m3u8")
    # Each file once (the changed file's earlier version is not listed again); the picks are
    # the recommender's (its variety rules may leave out a near-duplicate of another track).
    assert len(paths) == len(set(paths)) >= files and "Later/Album/new.flac" in paths


def test_the_playlist_is_written_into_the_folder_with_relative_paths(
    library: Path, run_cli
) -> None:
    assert run_cli("library", "add", str(library))[0] == 0
    code, _, err = run_cli("library", "playlist", str(library), "-e", "calm", "--k", "4")
    assert code == 0, err
    playlist = library / "moodtune calm (match).m3u8"
    assert f"playlist of 4 tracks → {playlist}" in err
    paths = _playlist_paths(playlist)
    assert len(paths) == 4
    for relative in paths:
        assert not Path(relative).is_absolute() and ".." not in Path(relative).parts
        assert (library / relative).is_file()
    first = decode(library / paths[0])  # the entry plays: its audio decodes
    assert first.duration > 1.0
    assert "#PLAYLIST:moodtune: match for calm" in playlist.read_text(encoding="utf-8")

    # a named playlist, and one more run of `library add`: the playlists are not reported
    code, _, err = run_cli(
        "library", "playlist", str(library), "-e", "sad", "--mode", "uplift", "--name", "up.m3u8"
    )
    assert code == 0, err
    assert (library / "up.m3u8").is_file()
    code, _, err = run_cli("library", "add", str(library))
    assert code == 0 and ".m3u8" not in err


MISTAKES = [
    (("--name", "../x.m3u8"), "give a plain file name ending in .m3u8"),
    (("--name", "x.txt"), "give a plain file name ending in .m3u8"),
    (("--catalogue", "nowhere.sqlite"), "--catalogue 'nowhere.sqlite': no such file"),
]


def test_playlist_mistakes_are_one_line_and_write_nothing(library: Path, run_cli) -> None:
    assert run_cli("library", "add", str(library))[0] == 0
    for args, message in MISTAKES:
        code, _, err = run_cli("library", "playlist", str(library), "-e", "calm", *args)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not list(library.glob("*.m3u8")) and not (library.parent / "x.m3u8").exists()


def test_a_playlist_before_the_library_is_added_says_what_to_run(library: Path, run_cli):
    code, _, err = run_cli("library", "playlist", str(library), "-e", "calm")
    assert code == 2 and "run 'moodtune library add" in err, err


@pytest.mark.slow
def test_library_add_on_a_local_dask_cluster(library: Path, run_cli) -> None:
    pytest.importorskip("distributed")
    code, _, err = run_cli("library", "add", str(library), "--cluster", "local:1")
    assert code == 0, err
    assert "0 unchanged" in err and "added" in err
    code, _, err = run_cli("library", "add", str(library), "--cluster", "local:1")
    assert code == 0 and "0 file(s) analysed" in err, err
