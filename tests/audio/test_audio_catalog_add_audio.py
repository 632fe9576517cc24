"""``moodtune catalog add-audio DIR``: a user's folder into the catalogue, playable from there."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("vibenet")
pytest.importorskip("librosa")

from typer.testing import CliRunner

from moodtune.cli.main import app


def test_add_audio_imports_the_folder_with_paths_and_provenance(
    music_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moodtune.model.artifact import default_model_folder

    if not (default_model_folder() / "model.safetensors").is_file():
        pytest.skip("the default model has not been trained into the package yet")
    from moodtune.recommend.catalogue import Catalogue

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    (music_folder / "readme.txt").write_text("not audio")
    database = tmp_path / "catalogue.sqlite"
    runner = CliRunner()
    run = runner.invoke(
        app, ["catalog", "add-audio", str(music_folder), "--catalogue", str(database)]
    )
    assert run.exit_code == 0, run.output
    assert "readme.txt" in run.output
    from moodtune.audio.decode import content_id

    with Catalogue.open(database, fill_builtin=False) as catalogue:
        for path in sorted(music_folder.glob("*.*")):
            if path.suffix == ".txt":
                continue
            record = catalogue.track(content_id(path))
            assert record is not None, path.name
            assert catalogue.audio_path(record.track_id) == path.resolve()
            assert record.provenance["tempo"] == "measured"
            assert record.provenance["valence"] == "estimated"
            assert record.top_emotion is not None
    again = runner.invoke(
        app, ["catalog", "add-audio", str(music_folder), "--catalogue", str(database)]
    )
    assert again.exit_code == 0, again.output
    assert "no change" in again.output, again.output
