"""Tables as people have them (issue 11): other names for features and labels, each said."""

from __future__ import annotations

from pathlib import Path

import pytest

from moodtune.data.readers import read_tracks

HEADER = "id,Song,Artist,Danceability,Energy,Speechiness,Acousticness,Liveness,Positiveness,BPM"


def test_feature_aliases_are_read_and_said(tmp_path: Path):
    table = tmp_path / "t.csv"
    table.write_text(f"{HEADER}\na,One,X,0.5,0.6,0.05,0.2,0.1,0.7,120\n")
    tracks = read_tracks(table)
    assert tracks.frame["valence"].tolist() == [0.7]
    assert tracks.frame["tempo"].tolist() == [120.0]
    assert "read column 'Positiveness' as valence" in tracks.notes
    assert "read column 'BPM' as tempo" in tracks.notes


def test_an_alias_beside_the_real_column_is_left_alone(tmp_path: Path):
    table = tmp_path / "t.csv"
    table.write_text(f"{HEADER},valence\na,One,X,0.5,0.6,0.05,0.2,0.1,0.9,120,0.3\n")
    tracks = read_tracks(table)
    assert tracks.frame["valence"].tolist() == [0.3]
    assert not any("Positiveness" in note for note in tracks.notes)


@pytest.mark.parametrize(("word", "emotion"), [("angry", "anger"), ("Happy", "happiness")])
def test_label_aliases_are_merged_with_a_note(tmp_path: Path, word: str, emotion: str):
    table = tmp_path / "t.csv"
    table.write_text(
        f"{HEADER},mood\na,One,X,0.5,0.6,0.05,0.2,0.1,0.7,120,{word}\n"
        f"b,Two,Y,0.4,0.3,0.05,0.8,0.1,0.2,80,{emotion}\n"
    )
    tracks = read_tracks(table)
    assert tracks.frame["label"].tolist() == [emotion, emotion]
    assert f"labels read as the seven emotions: {word} → {emotion}" in tracks.notes
