"""The built-in catalogue and the immich-memories-music clips it is made of."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from moodtune.audio import builtin
from moodtune.data.features import SEED_FEATURES

immich = pytest.importorskip("immich_memories_music")


def _within(measured: float, listed: float, tolerance: float) -> bool:
    return any(abs(measured / (listed * r) - 1) <= tolerance for r in (1.0, 0.5, 2.0))


def test_license_music_lists_all_28_clips() -> None:
    listed = builtin.listed_tracks()
    files = {p.name for p in immich.tracks_dir().rglob("*.opus")}
    assert len(files) == 28 and set(listed) == files
    assert listed["energetic_electronic_2.opus"] == builtin.Listed(150.0, 7, 0, 202)
    assert listed["nostalgic_electronic_2.opus"].key_name == "A# minor"  # "Bb minor"


@pytest.mark.slow
def test_tempo_of_the_immich_clips_matches_license_music() -> None:
    pytest.importorskip("librosa")
    from moodtune.audio.decode import decode
    from moodtune.audio.measure import measure

    listed = builtin.listed_tracks()
    right, wrong = 0, []
    for path in sorted(immich.tracks_dir().rglob("*.opus")):
        decoded = decode(path)
        tempo = measure(decoded.samples, decoded.rate).tempo
        if _within(tempo, listed[path.name].bpm, 0.04):
            right += 1
        else:
            wrong.append(f"{path.name}: {tempo:.1f} vs {listed[path.name].bpm:g}")
    assert right / len(listed) >= 0.75, f"{right}/{len(listed)}; wrong: {wrong}"


def test_builtin_catalogue_is_28_playable_tracks_with_the_model_features() -> None:
    table, paths, provenance = builtin.builtin_catalogue()
    assert len(table) == 28 == len(paths)
    assert all(p is not None and Path(p).is_file() for p in paths)
    assert set(SEED_FEATURES) <= set(table.feature_names)
    assert np.isfinite(table.matrix(SEED_FEATURES)).all()
    assert provenance["tempo"] == provenance["key"] == provenance["loudness"] == "measured"
    assert provenance["valence"] == provenance["energy"] == "estimated"
    assert set(provenance) == set(table.feature_names)
    assert table.frame["track_id"].is_unique
    assert not table.notes


def test_stored_values_belong_to_the_installed_files() -> None:
    from moodtune.audio.decode import content_id

    frame, _ = builtin._stored()
    tracks = immich.tracks_dir()
    for relative, audio_id in zip(frame["audio_file"], frame["audio_id"], strict=True):
        assert content_id(tracks / relative) == audio_id, relative
    listed = builtin.listed_tracks()
    agree = sum(
        _within(t, listed[Path(f).name].bpm, 0.04)
        for f, t in zip(frame["audio_file"], frame["tempo"], strict=True)
    )
    assert agree >= 21


def test_stored_values_are_what_the_analysis_gives_today() -> None:
    pytest.importorskip("librosa")
    from moodtune.audio.analysis import analyse_file
    from moodtune.audio.estimate import VibeNetEstimator, vibenet_available

    frame, _ = builtin._stored()
    row = frame.iloc[7]
    estimator = VibeNetEstimator() if vibenet_available() else None
    fresh = analyse_file(immich.tracks_dir() / row["audio_file"], estimator)
    for name, value in fresh.values.items():
        assert row[name] == pytest.approx(value, abs=1e-3), name


def test_without_the_package_the_table_still_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builtin, "tracks_folder", lambda: None)
    table, paths, _ = builtin.builtin_catalogue()
    assert len(table) == 28 and paths == [None] * 28
    assert "not installed" in table.notes[0]


def test_stored_predictions_come_from_the_default_model() -> None:
    from moodtune.model.artifact import EmotionModel  # the default model ships in the package

    predictions = builtin.builtin_predictions()
    table, _, _ = builtin.builtin_catalogue()
    # analysed audio: the emotions follow the calibrated reading (docs/audio.md)
    expected = EmotionModel.default().predict_table(table, follow_reading=True)
    assert list(predictions["emotion"]) == list(expected["emotion"])
