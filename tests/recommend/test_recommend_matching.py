"""Honest matching (issues 10 and 19): the reading stored in the catalogue, tracks placed on
the plane by it, close matches only inside the target's region, chips that never name an
emotion whose region the reading lies outside, and a heading that says how many tracks
really match."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from moodtune.catalogue.builtin import open_catalogue
from moodtune.catalogue.schema import READING_COLUMNS, SCHEMA_VERSION
from moodtune.catalogue.sqlite import Catalogue
from moodtune.emotions import EMOTIONS
from moodtune.recommend.matching import CLOSE_Z, chip, chip_allowed, is_close, match_summary, sides
from moodtune.recommend.recommender import MusicRecommender


def test_sides_follow_the_circumplex():
    assert sides("happiness") == (1, 1)
    assert sides("sadness") == (-1, -1)  # darker and calmer (arousal -0.27, margin 0.25)
    assert sides("nostalgic") == (0, -1)  # calmer; its valence is too near the middle
    assert sides("neutral") == (0, 0)
    assert sides("anger")[0] == -1
    assert sides("calm") == (1, -1)  # a mood word of its own, not neutral


def test_is_close_only_inside_the_region_by_the_threshold():
    far = CLOSE_Z[(1, 1)] + 0.5
    assert is_close("happiness", (far, far))
    assert not is_close("happiness", (far, -far))  # bright but calm
    assert not is_close("happiness", (float("nan"), far))  # no reading
    assert not is_close("happiness", None)
    assert is_close("dark", (-CLOSE_Z[(-1, 0)] - 0.1, 3.0))  # dark: darker only
    assert not is_close("neutral", (2.0, 0.0))
    assert is_close("neutral", (0.0, 0.0), {(0, 0): 0.5})


def test_the_chip_names_the_likeliest_emotion_the_reading_allows():
    happy = np.array([0, 0, 0, 0.9, 0.05, 0.05, 0])
    assert chip(happy, (0.5, 0.5)) == "happiness"
    assert chip(happy, (-0.5, 0.5)) == "neutral"  # darker than typical: not happiness
    assert chip(happy, None) == "happiness"  # no reading: nothing to contradict
    allowed = chip_allowed(np.array([[-1.0, -1.0], [np.nan, np.nan]]))
    assert allowed[0, EMOTIONS.index("sadness")] and not allowed[0, EMOTIONS.index("anger")]
    assert allowed[1].all()


def test_summary_never_claims_more_than_it_has():
    assert match_summary([True] * 10, "happiness") == "10 tracks matching happiness"
    assert match_summary([True] * 3 + [False] * 7, "happiness") == (
        "3 close matches for happiness, 7 weaker ones"
    )
    assert match_summary([True, False], "anger") == "1 close match for anger, 1 weaker one"
    assert match_summary([False] * 4, "anger") == (
        "no close match for anger in this catalogue: the 4 nearest tracks"
    )


def test_the_catalogue_stores_the_reading_and_places_tracks_by_it(tidy_catalogue, emotion_model):
    catalogue, _ = tidy_catalogue
    arrays = catalogue.arrays()
    assert np.isfinite(arrays.reading).all()  # every TidyTuesday track has all 11 features
    assert (np.abs(arrays.reading) <= 1).all()
    np.testing.assert_allclose(arrays.position, np.clip(0.5 * arrays.reading_z, -1, 1), atol=1e-6)


def test_no_chip_names_an_emotion_its_reading_contradicts(tidy_catalogue, emotion_model):
    catalogue, _ = tidy_catalogue
    arrays = catalogue.arrays()
    head = emotion_model.reading_head(emotion_model.readings[0].feature_names)
    contradicted = head.combination.contradicted(arrays.reading, tuple(EMOTIONS))
    tops = arrays.probabilities.argmax(axis=1)
    assert contradicted.any()  # the guard has work to do on real tracks...
    assert not contradicted[np.arange(len(tops)), tops].any()  # ...and no chip breaks it


def test_match_mode_marks_each_track_and_the_heading_is_honest(tidy_catalogue):
    catalogue, _ = tidy_catalogue
    recommender = MusicRecommender(catalogue, seed=1)
    for emotion in EMOTIONS:
        results = recommender.recommend(emotion, k=10)
        assert all(r.close is not None for r in results)
        for r in results:
            assert r.close == is_close(emotion, _z(catalogue, r.track_id))
    uplift = recommender.recommend("sadness", k=5, mode="uplift")
    assert all(r.close is None for r in uplift)


def _z(catalogue: Catalogue, track_id: str) -> np.ndarray:
    arrays = catalogue.arrays()
    rowid = catalogue.rowid(track_id)
    return arrays.reading_z[int(np.searchsorted(arrays.rowids, rowid))]


def test_a_smiling_face_on_the_builtin_clips_gets_matches_or_says_they_are_weak(tmp_path):
    pytest.importorskip("moodtune.audio.builtin")
    with open_catalogue(tmp_path / "builtin.sqlite") as builtin:
        results = MusicRecommender(builtin, seed=0).recommend("happiness", k=10)
    closes = [bool(r.close) for r in results]
    summary = match_summary(closes, "happiness")
    assert sum(closes) >= 6 or "weaker" in summary or "no close match" in summary


def test_a_catalogue_of_schema_1_is_migrated_and_reclassified(tmp_path, make_table, emotion_model):
    path = tmp_path / "old.sqlite"
    with Catalogue.open(path, model=emotion_model, fill_builtin=False) as fresh:
        fresh.import_table(make_table(20), source="t")
    with sqlite3.connect(path) as raw:  # what moodtune 0.1 wrote: no reading columns
        for column in READING_COLUMNS:
            raw.execute(f"ALTER TABLE predictions DROP COLUMN {column}")
        raw.execute("PRAGMA user_version=1")
    with Catalogue.open(path, model=emotion_model, fill_builtin=False) as migrated:
        arrays = migrated.arrays()
        assert arrays.size == 20
        assert migrated.model_version == emotion_model.version
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        columns = {row[1] for row in raw.execute("PRAGMA table_info(predictions)")}
        assert set(READING_COLUMNS) <= columns
