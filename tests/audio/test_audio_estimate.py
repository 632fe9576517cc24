"""VibeNet's estimated features, when the audio-ml extra is installed."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("vibenet")
pytest.importorskip("librosa")

from moodtune.audio.analysis import analyse_file
from moodtune.audio.estimate import (
    ESTIMATED_FEATURES,
    VibeNetEstimator,
    vibenet_version,
)
from moodtune.audio.output import analyse_to_table
from moodtune.data.readers import read_tracks


@pytest.mark.filterwarnings("ignore:path is deprecated:DeprecationWarning")  # vibenet's own code
def test_estimates_equal_vibenets_own_prediction(music_folder: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # pydub: no ffmpeg (not used)
        import vibenet

    path = music_folder / "a_c_major_120.wav"
    theirs = vibenet.load_model().predict(str(path))[0].to_dict()
    ours = analyse_file(path, VibeNetEstimator())
    for name in ESTIMATED_FEATURES:  # VibeNet's own values, kept beside the calibrated ones
        assert ours.raw_estimates[name] == pytest.approx(theirs[name], abs=2e-3), name
        assert ours.provenance[name] == "estimated"
        assert 0.0 <= ours.values[name] <= 1.0
    assert ours.estimated_by == vibenet_version()


def test_full_table_has_all_eleven_features_and_reads_back(
    music_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "features.csv"
    result, _, _ = analyse_to_table([music_folder], out, jobs=1)
    assert result.estimated_by.startswith("vibenet")
    table = read_tracks(out)
    assert len(table.feature_names) == 11
    assert ((table.matrix(ESTIMATED_FEATURES) >= 0) & (table.matrix(ESTIMATED_FEATURES) <= 1)).all()
    # Asking without estimates now is a different analysis: every file is analysed again.
    again, _, _ = analyse_to_table([music_folder], out, estimate=False)
    assert again.reused == 0 and again.estimated_by == ""
