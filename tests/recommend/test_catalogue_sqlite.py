"""The SQLite catalogue: import (idempotent), provenance, classification, history, feedback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moodtune.catalogue import sqlite as catalogue_module
from moodtune.catalogue.builtin import open_catalogue
from moodtune.catalogue.schema import SCHEMA_VERSION
from moodtune.catalogue.sqlite import Catalogue, artist_key, default_path
from moodtune.data.features import SEED_FEATURES
from moodtune.emotions import EMOTIONS
from moodtune.errors import InputError, MoodtuneError


def test_tidytuesday_import_counts_every_unique_track(tidy_catalogue, tidytuesday, emotion_model):
    catalogue, report = tidy_catalogue
    assert report.rows == len(tidytuesday) == 28356
    assert (report.added, report.updated, report.unchanged) == (28356, 0, 0)
    assert catalogue.count() == 28356
    assert report.model_version == emotion_model.version == catalogue.model_version
    stats = catalogue.stats()
    assert sum(stats.by_emotion.values()) == 28356
    assert set(stats.by_emotion) == set(EMOTIONS)
    assert stats.coverage["valence"] == {
        "tracks": 28356,
        "provider": 28356,
        "measured": 0,
        "estimated": 0,
    }
    assert stats.sources == {"tidytuesday": 28356}


def test_stored_probabilities_are_the_models(tidy_catalogue, tidytuesday, emotion_model):
    catalogue, _ = tidy_catalogue
    frame = tidytuesday.frame
    # The model's answer for a table with all 11 features: combined with its richest reading.
    expected = emotion_model.predict_table_all(tidytuesday).probabilities[:5]
    for row in range(5):
        record = catalogue.track(frame["track_id"][row])
        assert record is not None
        assert record.title == frame["title"][row]
        assert record.spotify_id == frame["track_id"][row]
        assert record.model_version == emotion_model.version
        assert record.features["valence"] == pytest.approx(frame["valence"][row])
        assert record.provenance["valence"] == "provider"
        got = np.array([record.probabilities[e] for e in EMOTIONS])
        np.testing.assert_allclose(got, expected[row], atol=1e-6)
    assert catalogue.track("no-such-track") is None


def test_importing_the_same_table_twice_changes_nothing(tmp_path, make_table, emotion_model):
    catalogue = Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False)
    table = make_table(20)
    first = catalogue.import_table(table, source="small")
    revision = catalogue.revision
    second = catalogue.import_table(table, source="small")
    assert (first.added, first.changed) == (20, True)
    assert (second.added, second.updated, second.unchanged, second.changed) == (0, 0, 20, False)
    assert "no change" in second.summary()
    assert catalogue.revision == revision
    assert catalogue.count() == 20


def test_changed_values_update_the_track_and_its_prediction(tmp_path, make_table, emotion_model):
    catalogue = Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False)
    table = make_table(10)
    catalogue.import_table(table, source="small")
    changed = table.frame.copy()
    changed.loc[3, "valence"] = 0.987
    changed.loc[3, "energy"] = 0.01
    report = catalogue.import_table(type(table)(changed, "small2"), source="small2")
    assert (report.added, report.updated, report.unchanged) == (0, 1, 9)
    record = catalogue.track(changed["track_id"][3])
    assert record.features["valence"] == pytest.approx(0.987)
    names = list(emotion_model.feature_names)
    expected = emotion_model.predict_proba(changed[names].to_numpy()[3:4])[0]
    np.testing.assert_allclose([record.probabilities[e] for e in EMOTIONS], expected, atol=1e-6)


def test_tracks_without_ids_get_stable_derived_ids(tmp_path, make_table, emotion_model):
    catalogue = Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False)
    frame = make_table(6).frame.drop(columns=["track_id"])
    table = type(make_table())(frame, "no-ids")
    first = catalogue.import_table(table, source="no-ids")
    second = catalogue.import_table(table, source="no-ids")
    assert first.added == 6 and second.unchanged == 6
    with sqlite3.connect(catalogue.path) as raw:
        ids = [r[0] for r in raw.execute("SELECT id FROM tracks")]
    assert all(i.startswith("t:") for i in ids) and len(set(ids)) == 6


def test_provenance_per_feature_and_audio_paths(tmp_path, make_table, emotion_model):
    catalogue = Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False)
    table = make_table(3)
    audio = tmp_path / "clip.mp3"
    audio.write_bytes(b"ID3")
    provenance = {name: "measured" for name in SEED_FEATURES} | {"liveness": "estimated"}
    catalogue.import_table(
        table,
        source="clips",
        provenance=provenance,
        audio_paths=[str(audio), "https://example.org/a.mp3", None],
        preview_urls=[None, None, "https://p.example/x"],
    )
    ids = table.frame["track_id"]
    first = catalogue.track(ids[0])
    assert first.provenance["tempo"] == "measured"
    assert first.provenance["liveness"] == "estimated"
    assert catalogue.audio_path(ids[0]) == audio.resolve()
    assert catalogue.audio_path(ids[1]) is None  # a URL is not a local file
    assert catalogue.track(ids[1]).audio_url == "https://example.org/a.mp3"
    assert catalogue.track(ids[2]).preview_url == "https://p.example/x"
    assert catalogue.audio_path("unknown") is None
    coverage = catalogue.stats().coverage
    assert coverage["liveness"]["estimated"] == 3 and coverage["tempo"]["measured"] == 3
    assert coverage["key"]["tracks"] == 0


def test_bad_imports_are_refused_and_leave_nothing(tmp_path, make_table, emotion_model):
    catalogue = Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False)
    table = make_table(4)
    with pytest.raises(MoodtuneError, match="provenance of 'danceability' is 'guessed'"):
        catalogue.import_table(table, source="x", provenance="guessed")
    with pytest.raises(MoodtuneError, match="audio_paths has 2 entries for 4 tracks"):
        catalogue.import_table(table, source="x", audio_paths=["a", "b"])
    twice = table.frame.copy()
    twice.loc[1, "track_id"] = twice.loc[0, "track_id"]
    with pytest.raises(MoodtuneError, match="appears more than once with different values"):
        catalogue.import_table(type(table)(twice, "twice"), source="x")
    same = pd.concat([table.frame, table.frame.iloc[:2]], ignore_index=True)
    report = Catalogue.open(
        catalogue.path.with_name("same.sqlite"), model=emotion_model, fill_builtin=False
    ).import_table(type(table)(same, "s"), source="s")
    assert (report.rows, report.added, report.merged) == (6, 4, 2)
    lacking = type(table)(table.frame.drop(columns=["liveness"]), "no-liveness.csv")
    with pytest.raises(InputError, match="liveness"):
        catalogue.import_table(lacking, source="x")
    assert catalogue.count() == 0


def test_new_model_version_reclassifies_automatically(copy_catalogue, other_model, emotion_model):
    catalogue = copy_catalogue()
    revision = catalogue.revision
    reopened = Catalogue.open(catalogue.path, model=other_model, fill_builtin=False)
    arrays = reopened.arrays()  # sees the stored version differs, reclassifies first
    assert reopened.model_version == other_model.version != emotion_model.version
    assert reopened.revision == revision + 1
    some = reopened.tracks_by_rowid(arrays.rowids[:3].tolist())
    assert {r.model_version for r in some.values()} == {other_model.version}
    assert reopened.reclassify(emotion_model) == catalogue.count()
    assert reopened.model_version == emotion_model.version


def test_history_and_feedback_are_stored(tmp_path, make_table, emotion_model):
    catalogue = Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False)
    table = make_table(5)
    catalogue.import_table(table, source="small")
    ids = table.frame["track_id"].tolist()
    for track_id in (ids[0], ids[1], ids[0]):
        catalogue.record_played(track_id)
    recent = catalogue.recent_rowids(2)
    assert len(recent) == 2  # ids[0] and ids[1]
    catalogue.add_feedback(ids[2], liked=False, context={"emotion": "sadness"})
    catalogue.add_feedback(ids[3], liked=False)
    catalogue.add_feedback(ids[3], liked=True)
    stored = catalogue.feedback()
    assert [(f.track_id, f.liked) for f in stored] == [
        (ids[2], False),
        (ids[3], False),
        (ids[3], True),
    ]
    assert stored[0].context == {"emotion": "sadness"}
    assert len(catalogue.disliked_rowids()) == 1
    with pytest.raises(MoodtuneError, match="no track with id 'nope'"):
        catalogue.record_played("nope")
    with pytest.raises(MoodtuneError, match="JSON"):
        catalogue.add_feedback(ids[0], liked=True, context={"x": object()})
    stats = catalogue.stats()
    assert (stats.plays, stats.feedback) == (3, 3)


def test_default_path_honours_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(catalogue_module.ENV_VAR, str(tmp_path / "mine.sqlite"))
    assert default_path() == tmp_path / "mine.sqlite"
    catalogue = Catalogue.open(fill_builtin=False)
    assert catalogue.path == tmp_path / "mine.sqlite" and catalogue.count() == 0


def test_files_that_are_not_catalogues_are_refused(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(MoodtuneError, match="not a moodtune catalogue"):
        Catalogue.open(junk, fill_builtin=False)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as raw:
        raw.execute("CREATE TABLE songs (x)")
    with pytest.raises(MoodtuneError, match="not a moodtune catalogue"):
        Catalogue.open(other, fill_builtin=False)
    newer = tmp_path / "newer.sqlite"
    Catalogue.open(newer, fill_builtin=False).close()
    with sqlite3.connect(newer) as raw:
        raw.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(MoodtuneError, match="newer than this moodtune"):
        Catalogue.open(newer, fill_builtin=False)
    with pytest.raises(MoodtuneError, match="folder does not exist"):
        Catalogue.open(tmp_path / "missing" / "c.sqlite", fill_builtin=False)


def test_wal_mode_and_schema_version(tmp_path):
    path = tmp_path / "c.sqlite"
    Catalogue.open(path, fill_builtin=False).close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_builtin_catalogue_fills_a_new_catalogue(tmp_path, emotion_model):
    builtin = pytest.importorskip("moodtune.audio.builtin")
    table, paths, _ = builtin.builtin_catalogue()
    catalogue = open_catalogue(tmp_path / "c.sqlite", model=emotion_model)
    assert catalogue.count() == len(table)
    assert catalogue.stats().sources == {"builtin": len(table)}
    first = table.frame["track_id"][0]
    expected = None if paths[0] is None else Path(paths[0]).resolve()
    assert catalogue.audio_path(first) == expected


@pytest.mark.parametrize(
    ("artists", "key"),
    [
        ("Ed Sheeran", "ed sheeran"),
        ("Ed  Sheeran, Justin Bieber", "ed sheeran"),
        ("DJ A feat. B", "dj a"),
        ("A & B", "a"),
        ("", None),
        (None, None),
    ],
)
def test_artist_key_is_the_primary_artist(artists, key):
    assert artist_key(artists) == key
