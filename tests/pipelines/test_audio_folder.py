"""``moodtune.pipelines.add_audio_folder``: the folder → catalogue pipeline as a library call
(what ``moodtune catalog add-audio`` runs), with progress and a report, printing nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("vibenet")
pytest.importorskip("librosa")
soundfile = pytest.importorskip("soundfile")

from moodtune.audio.decode import content_id  # noqa: E402
from moodtune.audio.output import EmptyAnalysisError  # noqa: E402
from moodtune.catalogue.sqlite import Catalogue  # noqa: E402
from moodtune.errors import MoodtuneError  # noqa: E402
from moodtune.pipelines import add_audio_folder  # noqa: E402

RATE = 22_050


def _clicks(bpm: float, seconds: float = 6.0) -> np.ndarray:
    """Short decaying 1 kHz clicks at ``bpm``: a real, analysable signal."""
    samples = np.zeros(int(seconds * RATE), np.float32)
    click = np.sin(2 * np.pi * 1000 * np.arange(441) / RATE) * np.exp(-np.arange(441) / 80)
    for start in np.arange(0, seconds, 60 / bpm):
        at = int(start * RATE)
        samples[at : at + 441] += click[: len(samples) - at]
    return 0.5 * samples


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    music = tmp_path / "music"
    music.mkdir()
    soundfile.write(music / "a_100.wav", _clicks(100), RATE)
    soundfile.write(music / "b_140.flac", _clicks(140), RATE)
    (music / "notes.txt").write_text("not audio")
    return music


def test_a_folder_is_added_with_progress_and_a_report(folder: Path, tmp_path: Path, capfd):
    seen: list[tuple[int, int | None, str]] = []
    with Catalogue.open(tmp_path / "c.sqlite", fill_builtin=False) as catalogue:
        report = add_audio_folder(
            catalogue,
            folder,
            analysis_table=tmp_path / "analysis.csv",
            progress=lambda done, total, what: seen.append((done, total, what)),
        )
        assert report.imported.added == 2 and report.catalogue == catalogue.path
        for name in ("a_100.wav", "b_140.flac"):
            record = catalogue.track(content_id(folder / name))
            assert record is not None and record.provenance["tempo"] == "measured"
            assert catalogue.audio_path(record.track_id) == (folder / name).resolve()
    assert [f.path for f in report.failures] == [str(folder / "notes.txt")]
    assert seen[-1][0] == seen[-1][1] == 2 and {Path(w).name for _, _, w in seen} == {
        "a_100.wav",
        "b_140.flac",
    }
    assert report.summary().endswith(f"→ {tmp_path / 'c.sqlite'}")
    assert (tmp_path / "analysis.csv").is_file()
    assert capfd.readouterr() == ("", "")  # the library never prints

    again = add_audio_folder(
        tmp_path / "c.sqlite", folder, analysis_table=tmp_path / "analysis.csv"
    )  # a path: opened and closed by the pipeline
    assert not again.imported.changed and "no change" in again.summary()


def test_what_cannot_be_added_is_a_clear_error(folder: Path, tmp_path: Path) -> None:
    with pytest.raises(MoodtuneError, match="is not a folder"):
        add_audio_folder(tmp_path / "c.sqlite", folder / "a_100.wav")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("no music here")
    with pytest.raises(EmptyAnalysisError) as raised:
        add_audio_folder(tmp_path / "c.sqlite", empty, analysis_table=tmp_path / "e.csv")
    assert [f.path for f in raised.value.result.failures] == [str(empty / "readme.txt")]
