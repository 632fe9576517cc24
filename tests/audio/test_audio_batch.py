"""Batches: a mixed folder, resuming, processes, and a table the core readers take."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("librosa")

from audio_synth import clicks, write

from moodtune.audio import batch, output
from moodtune.audio.estimate import ESTIMATED_FEATURES
from moodtune.data.readers import read_tracks
from moodtune.errors import MoodtuneError


def _add_bad_files(folder: Path) -> dict[str, str]:
    """Corrupt and unsupported files beside the good ones; name → a word its reason has."""
    (folder / "notes.txt").write_text("not audio")
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "empty.wav").write_bytes(b"")
    (folder / "noise.mp3").write_bytes(os.urandom(4000))
    (folder / "fake.flac").write_bytes(b"fLaC" + b"\x00" * 200)
    write(folder / "blip.wav", clicks(120, seconds=0.4))
    return {
        "notes.txt": "unsupported",
        "cover.jpg": "unsupported",
        "empty.wav": "empty",
        "noise.mp3": "decoded",
        "fake.flac": "decoded",
        "blip.wav": "too short",
    }


def test_mixed_folder_reports_every_bad_file_and_analyses_the_rest(music_folder: Path) -> None:
    bad = _add_bad_files(music_folder)
    result = batch.analyse_batch([music_folder], estimate=False)
    assert sorted(Path(a.path).name for a in result.analyses) == [
        "a_c_major_120.wav",
        "b_clicks_90.flac",
        "c_a_minor.ogg",
    ]
    reasons = {Path(f.path).name: f.reason for f in result.failures}
    assert set(reasons) == set(bad)
    for name, word in bad.items():
        assert word in reasons[name], (name, reasons[name])
    by_name = {Path(a.path).name: a for a in result.analyses}
    assert by_name["a_c_major_120.wav"].values["tempo"] == pytest.approx(120, rel=0.02)
    assert by_name["b_clicks_90.flac"].values["tempo"] == pytest.approx(90, rel=0.02)
    assert (by_name["c_a_minor.ogg"].values["key"], by_name["c_a_minor.ogg"].values["mode"]) == (
        9,
        0,
    )
    assert by_name["a_c_major_120.wav"].provenance["tempo"] == "measured"


def test_cli_output_reads_back_with_read_tracks_and_names_the_bad_files(
    music_folder: Path, tmp_path: Path, run_main
) -> None:
    bad = _add_bad_files(music_folder)
    out = tmp_path / "features.csv"
    run = run_main("analyze", str(music_folder), "--out", str(out), "--no-estimate")
    assert run.exit_code == 0, run.output
    for name in bad:
        assert name in run.output
    assert "--no-estimate" in run.output
    table = read_tracks(out, columns=())
    assert len(table) == 3
    assert table.feature_names == ("key", "loudness", "mode", "tempo")
    assert not set(ESTIMATED_FEATURES) & set(pd.read_csv(out).columns)
    sidecar = json.loads(output.sidecar_path(out).read_text())
    assert sidecar["estimated"] is None
    assert set(sidecar["missing"]) == set(ESTIMATED_FEATURES)
    assert {Path(f["path"]).name for f in sidecar["failures"]} == set(bad)


def test_a_second_run_reuses_unchanged_files_and_redoes_changed_ones(
    music_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "features.parquet"
    first, _, _ = output.analyse_to_table([music_folder], out, estimate=False)
    assert first.reused == 0 and len(first.analyses) == 3
    calls: list[str] = []
    second, _, _ = output.analyse_to_table(
        [music_folder], out, estimate=False, progress=lambda d, t, p: calls.append(p)
    )
    assert second.reused == 3 and calls == []
    assert [a.values for a in second.analyses] == [a.values for a in first.analyses]
    write(music_folder / "b_clicks_90.flac", clicks(150, seconds=6.0))  # a new version
    third, _, _ = output.analyse_to_table(
        [music_folder], out, estimate=False, progress=lambda d, t, p: calls.append(p)
    )
    assert third.reused == 2 and [Path(p).name for p in calls] == ["b_clicks_90.flac"]
    redone = {Path(a.path).name: a for a in third.analyses}["b_clicks_90.flac"]
    assert redone.values["tempo"] == pytest.approx(150, rel=0.02)
    fresh, _, _ = output.analyse_to_table([music_folder], out, estimate=False, fresh=True)
    assert fresh.reused == 0


def test_rows_for_other_files_are_kept(music_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "features.json"
    output.analyse_to_table([music_folder / "c_a_minor.ogg"], out, estimate=False)
    result, kept, dropped = output.analyse_to_table(
        [music_folder / "b_clicks_90.flac"], out, estimate=False
    )
    assert (kept, dropped, len(result.analyses)) == (1, 0, 2)
    assert len(read_tracks(out)) == 2


def test_two_processes_give_the_same_values_as_one(music_folder: Path) -> None:
    one = batch.analyse_batch([music_folder], jobs=1, estimate=False)
    two = batch.analyse_batch([music_folder], jobs=2, estimate=False)
    assert [(a.path, a.values) for a in one.analyses] == [(a.path, a.values) for a in two.analyses]


def test_the_same_file_has_the_same_id_wherever_it_lies(music_folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    shutil.copy(music_folder / "c_a_minor.ogg", copy / "renamed.ogg")
    result = batch.analyse_batch([music_folder / "c_a_minor.ogg", copy], estimate=False)
    assert result.analyses[0].track_id == result.analyses[1].track_id
    assert result.analyses[1].title == "renamed"


def test_user_mistakes_are_clear_errors(tmp_path: Path, run_main) -> None:
    run = run_main("analyze", str(tmp_path / "nope"), "--out", str(tmp_path / "x.csv"))
    assert run.exit_code == 2, run.output
    assert "does not exist" in run.stderr and "Traceback" not in run.output
    run = run_main("analyze", str(tmp_path), "--out", str(tmp_path / "x.mp3"))
    assert run.exit_code == 2, run.output
    assert "use a name ending in .csv, .parquet or .json" in run.stderr
    (tmp_path / "only.txt").write_text("x")
    with pytest.raises(output.EmptyAnalysisError) as caught:
        output.analyse_to_table([tmp_path], tmp_path / "x.csv", estimate=False)
    assert "only.txt" in caught.value.result.failures[0].path
    not_ours = tmp_path / "other.csv"
    not_ours.write_text("title,tempo\nx,120\n")
    with pytest.raises(Exception, match="not an output of 'moodtune analyze'"):
        output.read_previous(not_ours)


def test_an_interrupted_run_resumes_from_its_checkpoint(music_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "features.csv"

    def interrupt(done: int, total: int, path: str) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        output.analyse_to_table([music_folder], out, estimate=False, progress=interrupt)
    assert len(pd.read_csv(out)) == 2
    resumed, _, _ = output.analyse_to_table([music_folder], out, estimate=False)
    assert (resumed.reused, len(resumed.analyses)) == (2, 3)


#: Each format's writer, with results from this process; and with results from a pool of two
#: (the writer is the same, in this process, whatever computes the results).
@pytest.mark.parametrize(
    ("jobs", "suffix"), [(1, ".csv"), (1, ".parquet"), (1, ".json"), (2, ".csv")]
)
def test_each_result_is_saved_as_it_finishes(
    music_folder: Path, tmp_path: Path, suffix: str, jobs: int
) -> None:
    """When the progress of file k is reported, the table on disk already holds k rows."""
    out = tmp_path / f"features{suffix}"
    on_disk: list[int] = []
    sidecar_counts: list[int] = []

    def look(done: int, total: int, path: str) -> None:
        table = output.read_previous(out)
        on_disk.append(len(table))
        assert path in {item.path for item in table}
        sidecar = json.loads(output.sidecar_path(out).read_text())
        sidecar_counts.append(sidecar["tracks"])
        assert sidecar["complete"] is False

    output.analyse_to_table([music_folder], out, jobs=jobs, estimate=False, progress=look)
    assert on_disk == sidecar_counts == [1, 2, 3]
    assert json.loads(output.sidecar_path(out).read_text())["complete"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["music", out.name, output.sidecar_path(out).name]
    )  # no temporary file left
    assert out.stat().st_mode & 0o777 == 0o644  # not the 0600 of a temporary file


def test_an_output_in_a_missing_folder_fails_before_any_analysis(music_folder: Path) -> None:
    with pytest.raises(MoodtuneError, match="does not exist"):
        output.analyse_to_table([music_folder], music_folder / "no" / "x.csv", estimate=False)
    with pytest.raises(MoodtuneError, match=r"\.csv, \.parquet or \.json"):
        output.analyse_to_table([music_folder], music_folder / "x.xlsx", estimate=False)


@pytest.mark.parametrize(
    ("name", "rate", "options"),
    [
        ("clicks.mp3", 44100, {"format": "MP3", "subtype": "MPEG_LAYER_III"}),
        ("clicks.opus", 48000, {"format": "OGG", "subtype": "OPUS"}),
    ],
)
def test_mp3_and_opus_decode_and_keep_their_tempo(
    tmp_path: Path, name: str, rate: int, options: dict
) -> None:
    path = write(tmp_path / name, clicks(100, seconds=6.0, rate=rate), rate, **options)
    result = batch.analyse_batch([path], estimate=False)
    assert not result.failures
    (analysis,) = result.analyses
    assert analysis.values["tempo"] == pytest.approx(100, rel=0.02)
    assert analysis.duration_ms == pytest.approx(6000, abs=100)


def test_vibenet_is_loaded_holding_the_jit_lock(tmp_path: Path, monkeypatch) -> None:
    """Importing VibeNet imports librosa, which may compile into numba's cache: a pool's
    workers load it one at a time (the parent no longer warms the cache up first)."""
    import subprocess
    import sys

    from moodtune.audio import measure

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    probe = f"import filelock; filelock.FileLock({measure.jit_lock().lock_file!r}).acquire(0)"
    refused: list[bool] = []

    def loading() -> str:
        taken = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        refused.append(taken.returncode != 0 and "Timeout" in taken.stderr)
        return "the estimator"

    monkeypatch.setattr(batch, "VibeNetEstimator", loading)
    assert batch._load_estimator() == "the estimator" and refused == [True]
    free = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert free.returncode == 0, free.stderr  # released once loaded
