"""Words → emotion with the packaged MiniLM, mixing words with images, and `moodtune label`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moodtune.data.readers import read_tracks
from moodtune.emotions import EMOTIONS
from moodtune.senses import TEXT_WEIGHT
from moodtune.text.prototypes import PROTOTYPES

from .pictures import encode

# Phrases that are not among the prototypes, one clear case per emotion.
CASES = {
    "rainy evening, missing home": "sadness",
    "best day ever with my friends": "happiness",
    "I'm terrified of the dark": "fear",
    "this food is revolting": "disgust",
    "wow, what a twist": "surprise",
    "Chill Vibes": "neutral",
    "Beast Mode workout": "anger",
}


@pytest.fixture(scope="module")
def classifier(reader):
    return reader.reader("words").text_classifier()


def test_cases_are_not_prototypes() -> None:
    phrases = {p.lower() for group in PROTOTYPES.values() for p in group}
    assert not phrases & {c.lower() for c in CASES}


def test_clear_phrases_by_prototypes(classifier) -> None:
    # The prototypes now explain readings ("sounds like: …"); the trained head reads
    # (tests/text/test_reader_words.py). Short tags and titles still read right by prototypes.
    probabilities = classifier.prototype_proba(list(CASES))
    assert probabilities.shape == (len(CASES), 7)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    names = [EMOTIONS[i] for i in probabilities.argmax(axis=1)]
    assert names == list(CASES.values())


def test_embeddings_are_unit_length_and_batch_independent(classifier) -> None:
    texts = ["a", "a much longer sentence about a sunny day at the sea with friends"]
    together = classifier.embed(texts)
    alone = np.concatenate([classifier.embed([t]) for t in texts])
    assert together.shape == (2, 384)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-4)


def test_text_only_reading(reader) -> None:
    reading = reader.read(text="rainy evening, missing home")
    assert reading.source == "text" and reading.top == "sadness" and reading.faces == []
    assert reading.image_size is None


def test_words_with_a_face_and_with_a_scene(reader, astronaut, coffee) -> None:
    words = "rainy evening, missing home"
    text = reader.read(text=words).vector()
    face = reader.read(encode(astronaut))
    both = reader.read(encode(astronaut), words)
    assert both.source == "combined" and both.top == "happiness" and len(both.faces) == 1
    weight = TEXT_WEIGHT["face-high"]
    assert np.allclose(both.vector(), (1 - weight) * face.vector() + weight * text)
    scene = reader.read(encode(coffee))
    words = "sad songs for a rainy day"
    text = reader.read(text=words).vector()
    mixed = reader.read(encode(coffee), words)
    weight = TEXT_WEIGHT["scene"]
    assert np.allclose(mixed.vector(), (1 - weight) * scene.vector() + weight * text)
    assert scene.top != "sadness" and mixed.top == "sadness"


def test_a_smiling_face_with_furious_words(reader, astronaut) -> None:
    """The example of docs/vision.md: a confident face outweighs a few words (w = 0.25)."""
    face = reader.read(encode(astronaut))
    words = reader.read(text="I am furious")
    both = reader.read(encode(astronaut), "I am furious")
    assert face.top == "happiness" and face.confidence == "high"
    assert words.top == "anger"
    assert both.top == "happiness" and both.source == "combined"
    weight = TEXT_WEIGHT["face-high"]
    anger = (1 - weight) * face.probabilities["anger"] + weight * words.probabilities["anger"]
    assert both.probabilities["anger"] == pytest.approx(anger)
    assert both.probabilities["anger"] > face.probabilities["anger"] + 0.1
    assert any("0.25 × words (anger)" in note for note in both.notes)


def test_unreadable_words_are_left_out_of_a_face_reading(reader, astronaut) -> None:
    face = reader.read(encode(astronaut))
    both = reader.read(encode(astronaut), "🦄🦄")
    assert both.source == "face" and np.allclose(both.vector(), face.vector())
    assert "the words were left out" in both.notes


def test_too_much_text(reader) -> None:
    from moodtune.errors import MoodtuneError

    with pytest.raises(MoodtuneError, match="at most 2000"):
        reader.read(text="la " * 1000)


@pytest.fixture
def tagged_csv(datasets: Path, tmp_path: Path) -> Path:
    songs = pd.read_csv(datasets / "tidytuesday" / "spotify_songs.csv", nrows=300)
    path = tmp_path / "tagged.csv"
    songs.to_csv(path, index=False)
    return path


def test_cli_label_from_playlist_names(run_cli, offline_env, tagged_csv: Path, tmp_path) -> None:
    out = tmp_path / "labelled.parquet"
    code, _, err = run_cli(
        "label", str(tagged_csv), "--text-column", "playlist_name", "--out", str(out), "--offline"
    )
    assert code == 0, err
    table = read_tracks(out)
    source = pd.read_csv(tagged_csv)
    assert table.has_labels and set(table.labels) <= set(EMOTIONS)
    assert len(table) == source["track_id"].nunique()
    assert "distinct 'playlist_name' text" in err


def test_cli_label_blank_text(run_cli, offline_env, tagged_csv: Path, tmp_path) -> None:
    frame = pd.read_csv(tagged_csv)
    frame.loc[4, "playlist_name"] = "   "
    frame.loc[9, "playlist_name"] = None
    frame.to_csv(tagged_csv, index=False)
    out = tmp_path / "labelled.csv"
    code, _, err = run_cli(
        "label", str(tagged_csv), "--text-column", "Playlist Name", "--out", str(out), "--offline"
    )
    assert code == 2 and "row 5" in err and "2 row(s)" in err and "--skip-invalid" in err
    assert not out.exists()
    code, _, err = run_cli(
        "label",
        str(tagged_csv),
        "--text-column",
        "playlist_name",
        "--out",
        str(out),
        "--offline",
        "--skip-invalid",
    )
    assert code == 0 and "left out 2 row(s) with empty" in err
    assert read_tracks(out).has_labels


def test_cli_label_unknown_column(run_cli, offline_env, tagged_csv: Path, tmp_path) -> None:
    code, _, err = run_cli(
        "label",
        str(tagged_csv),
        "--text-column",
        "lyrics",
        "--out",
        str(tmp_path / "x.csv"),
        "--offline",
    )
    assert code == 2 and "no text column 'lyrics'" in err and "playlist_name" in err


def test_label_replaces_an_existing_mood_column(classifier, tmp_path) -> None:
    from moodtune.text.labelling import label_frame

    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "valence": [0.2, 0.9],
            "energy": [0.3, 0.8],
            "mood": ["Calm", "Happy"],
            "tags": ["sad songs for a rainy day", "feel good summer party"],
        }
    )
    table = label_frame(frame, "tags", classifier, source="memory")
    assert table.labels.tolist() == ["sadness", "happiness"]
    assert any("replaced the existing label column(s) mood" in n for n in table.notes)
