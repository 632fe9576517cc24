"""``moodtune catalog add-audio DIR``: a user's folder into the catalogue, playable from there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("vibenet")
pytest.importorskip("librosa")

from moodtune.audio.decode import content_id
from moodtune.catalogue.sqlite import Catalogue


@pytest.fixture
def add_audio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_main):
    """``moodtune catalog add-audio FOLDER`` into a fresh catalogue (and data folder)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    database = tmp_path / "catalogue.sqlite"

    def run(folder: Path):
        return run_main("catalog", "add-audio", str(folder), "--catalogue", str(database))

    run.database = database
    return run


def test_add_audio_imports_the_folder_with_paths_and_provenance(
    music_folder: Path, add_audio
) -> None:
    (music_folder / "readme.txt").write_text("not audio")
    run = add_audio(music_folder)
    assert run.exit_code == 0, run.output
    assert "readme.txt" in run.stderr
    with Catalogue.open(add_audio.database, fill_builtin=False) as catalogue:
        for path in sorted(music_folder.glob("*.*")):
            if path.suffix == ".txt":
                continue
            record = catalogue.track(content_id(path))
            assert record is not None, path.name
            assert catalogue.audio_path(record.track_id) == path.resolve()
            assert record.provenance["tempo"] == "measured"
            assert record.provenance["valence"] == "estimated"
            assert record.top_emotion is not None
    again = add_audio(music_folder)
    assert again.exit_code == 0, again.output
    assert "no change" in again.stderr, again.stderr


def test_copies_of_a_file_are_reported_and_the_rest_imported(music_folder: Path, add_audio) -> None:
    # The same bytes under two names share a content id: one track, not a failed import.
    original = music_folder / "c_a_minor.ogg"
    (music_folder / "z").mkdir()
    shutil.copy(original, music_folder / "z" / "copy of c.ogg")
    run = add_audio(music_folder)
    assert run.exit_code == 0, run.output
    assert "Traceback" not in run.output
    assert "1 file(s) are copies of others" in run.stderr
    assert f"{(music_folder / 'z' / 'copy of c.ogg').resolve()} (= {original.resolve()})" in (
        run.stderr
    )
    with Catalogue.open(add_audio.database, fill_builtin=False) as catalogue:
        for path in sorted(music_folder.glob("*.*")):
            record = catalogue.track(content_id(path))
            assert record is not None, path.name
            assert catalogue.audio_path(record.track_id) == path.resolve()
        assert catalogue.stats().sources[f"audio:{music_folder.resolve()}"] == 3
