"""Labelling by themed playlist and by the valence/arousal rule."""

import subprocess
import sys

import pandas as pd
import pytest

from moodtune.data.labelling import label_by_circumplex, label_by_playlists, rule_label
from moodtune.data.readers import read_seed, read_tracks
from moodtune.emotions import EMOTIONS
from moodtune.errors import InputError


@pytest.fixture(scope="module")
def seed_tracks(datasets):
    return read_seed(datasets / "seed/audio_feature_scale.json")


def test_rule_places_clear_cases_on_the_plane():
    labels = rule_label([0.95, 0.05, 0.5, 0.1], [0.8, 0.2, 0.5, 0.9])
    assert list(labels) == ["happiness", "sadness", "neutral", "fear"]


def test_rule_labels_a_whole_table(datasets):
    table = read_tracks(datasets / "data_moods/data_moods.csv")
    labelled = label_by_circumplex(table)
    assert len(labelled) == len(table)
    assert set(labelled.labels) <= set(EMOTIONS)
    assert "labelled by rule" in labelled.notes[-1]


def test_themed_playlists_label_the_seed_by_title_and_report_what_they_leave_out(
    datasets, seed_tracks
):
    playlists = pd.read_csv(datasets / "seed/playlists.csv")
    with pytest.raises(InputError, match="'bury a friend' is in playlists of two emotions"):
        label_by_playlists(seed_tracks, playlists, source="playlists.csv")
    labelled = label_by_playlists(seed_tracks, playlists, skip_invalid=True)
    assert 0 < len(labelled) < len(seed_tracks)
    assert any(
        "left out 10 title(s) found in playlists of two emotions" in n for n in labelled.notes
    )
    assert any(f"of {len(seed_tracks)} tracks that are in no playlist" in n for n in labelled.notes)
    row = labelled.frame.set_index("title").loc["Can't Stop"]
    assert row["label"] == "anger"


def test_mapping_by_track_id_and_unmatched_tracks(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,name,valence,energy\na,A,0.9,0.8\nb,B,0.1,0.2\nc,C,0.5,0.5\n")
    table = read_tracks(path)
    with pytest.raises(InputError, match="1 of 3 tracks are in no playlist"):
        label_by_playlists(table, {"a": "joy", "b": "sad"})
    labelled = label_by_playlists(table, {"a": "joy", "b": "sad"}, skip_invalid=True)
    assert list(labelled.labels) == ["happiness", "sadness"]


def test_label_command_output_trains_directly(tmp_path, datasets):
    out = tmp_path / "labelled.csv"
    run = [sys.executable, "-m", "moodtune"]
    result = subprocess.run(
        [*run, "label", datasets / "data_moods/data_moods.csv", "--rule", "--out", out],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert set(read_tracks(out).labels) <= set(EMOTIONS)
    both = subprocess.run(
        [*run, "label", out, "--rule", "--playlists", out, "--out", out],
        capture_output=True,
        text=True,
        check=False,
    )
    assert both.returncode == 2 and "exactly one of" in both.stderr
