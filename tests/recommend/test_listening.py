"""Recommendations measured against listeners (issue 19): the evaluation on a small synthetic
listener table (always) and on MuSe (when ../shared/datasets is there), its reports, the
command, chips over the default catalogue and the mood words in the CLI and the API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moodtune.catalogue.builtin import open_catalogue
from moodtune.data.features import SEED_FEATURES
from moodtune.emotions import EMOTIONS
from moodtune.model.listeners import read_listener_table
from moodtune.model.training import ReadingConfig
from moodtune.recommend import listening_report
from moodtune.recommend.listening import METHODS, evaluate_recommendations
from moodtune.recommend.listening_scores import choose_thresholds, listener_hits, path_rho
from moodtune.recommend.matching import chip_allowed, sides
from moodtune.recommend.recommender import MusicRecommender

QUICK = ReadingConfig(iterations=40)


def synthetic_listeners(path: Path, rows: int = 96, seed: int = 0) -> Path:
    """Tracks whose listeners' valence follows Spotify's valence and arousal its energy, with
    noise; 32 artists of 3 tracks each."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "title": [f"song {i}" for i in range(rows)],
            "artist": [f"artist {i % 32}" for i in range(rows)],
            "tempo": rng.uniform(60, 180, rows),
            **{name: rng.uniform(0, 1, rows) for name in SEED_FEATURES if name != "tempo"},
        }
    )
    noise = rng.normal(0, 0.15, (rows, 2))
    frame["listener_valence"] = np.clip(1.6 * (frame["valence"] - 0.5) + noise[:, 0], -1, 1)
    frame["listener_arousal"] = np.clip(1.6 * (frame["energy"] - 0.5) + noise[:, 1], -1, 1)
    frame.to_csv(path, index=False)
    return path


def test_the_evaluation_scores_every_method_on_the_same_folds(tmp_path):
    listeners = read_listener_table(synthetic_listeners(tmp_path / "listeners.csv", rows=64))
    report = evaluate_recommendations(
        listeners, folds=2, seeds=(0,), k=4, targets=["happy", "calm"], reading_config=QUICK
    )
    data = report.to_dict()
    assert set(data["match"]) == {"happiness", "calm"}
    for scores in data["match"].values():
        assert set(scores) == set(METHODS)
        assert all(0 <= s["hit_rate"] <= 1 for s in scores.values())
    assert set(data["paths"]) == {"uplift", "calm"}
    # Listeners follow Spotify's features here: its ranking must beat chance for happiness.
    happy = data["match"]["happiness"]
    assert happy["spotify"]["hit_rate"] > happy["random"]["hit_rate"]
    json.dumps(data)  # JSON-ready
    markdown = listening_report.write_document(report, tmp_path / "r.md")
    assert "| happiness |" in markdown.read_text()
    assert (tmp_path / "r-scatter.png").stat().st_size > 1000
    page = listening_report.write_document(report, tmp_path / "r.html").read_text()
    assert "<table>" in page and "r-scatter.png" in page
    saved = json.loads(listening_report.write_json(report, tmp_path / "r.json").read_text())
    assert saved["headline"]["mean_hit_rate"]["moodtune"] >= 0


def test_listener_regions_split_at_the_medians_and_paths_rank_by_position():
    values = np.array(
        [[-0.5, -0.5], [0.5, 0.5], [0.5, -0.5], [-0.5, 0.5], [0, 0], [0.1, 0.1], [0.9, 0.9]]
    )
    assert listener_hits(values, [0, 1, 2, 3], (1, 1)).tolist() == [False, True, False, False]
    assert listener_hits(values, [2], (1, -1)).tolist() == [True]
    assert listener_hits(values, [4, 6], (0, 0)).tolist() == [True, False]
    rising = np.column_stack([np.linspace(-1, 1, 5), -np.linspace(-1, 1, 5)])
    assert path_rho(rising, np.arange(5), "uplift") == pytest.approx(1.0)
    assert path_rho(rising, np.arange(5), "calm") == pytest.approx(1.0)


def test_thresholds_are_the_smallest_z_where_close_tracks_hit_70_percent():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(2000, 2))
    listeners = z + rng.normal(0, 1.5, size=z.shape)  # readings that partly agree
    chosen = choose_thresholds([(z, listeners)])
    assert chosen[(1, 0)] is not None and 0 < chosen[(1, 0)] < 2.5
    noise = choose_thresholds([(z, rng.normal(size=z.shape))])
    assert noise[(1, 1)] is None  # readings that say nothing never make a track close


@pytest.mark.slow
def test_on_muse_moodtune_picks_beat_random(datasets, tmp_path):
    listeners = read_listener_table(datasets / "muse" / "muse_dev.csv")
    report = evaluate_recommendations(
        listeners, folds=2, seeds=(0,), k=10, targets=["happiness", "fear"], reading_config=QUICK
    )
    for target in ("happiness", "fear"):
        scores = report.match[target]
        assert scores["moodtune"]["hit_rate"] > scores["random"]["hit_rate"]


def test_the_command_runs_and_writes_its_reports(tmp_path, run_cli):
    table = synthetic_listeners(tmp_path / "listeners.csv", rows=64)
    args = ["evaluate-recommendations", str(table), "--folds", "2", "--seeds", "0", "--k", "3"]
    args += ["--moods", "happiness,calm", "--json", str(tmp_path / "r.json")]
    code, out, err = run_cli(*args, "--report", str(tmp_path / "r.md"))
    assert code == 0, err
    assert "Hit rate" in out and "random" in out
    assert set(json.loads((tmp_path / "r.json").read_text())["match"]) == {"happiness", "calm"}
    assert (tmp_path / "r-scatter.png").is_file()
    code, _, err = run_cli(*args[:2], "--moods", "melancholia")
    assert code == 2 and "melancholia" in err


def test_no_chip_over_the_default_catalogue_names_an_emotion_the_reading_places_elsewhere(
    tmp_path,
):
    with open_catalogue(tmp_path / "builtin.sqlite") as catalogue:
        arrays = catalogue.arrays()
        recommender = MusicRecommender(catalogue, seed=0, artist_cap=None)
        shown = [r for e in EMOTIONS for r in recommender.recommend(e, k=min(arrays.size, 50))]
        rowids = {item.track_id: catalogue.rowid(item.track_id) for item in shown}
    assert np.isfinite(arrays.reading_z).all()
    allowed = chip_allowed(arrays.reading_z)
    for index in range(arrays.size):
        z = arrays.reading_z[index]
        for emotion in np.asarray(EMOTIONS)[allowed[index]]:
            assert all(s == 0 or s * v >= 0 for s, v in zip(sides(emotion), z, strict=True))
    for item in shown:
        assert item.chip is not None and item.reading is not None
        z = arrays.reading_z[int(np.searchsorted(arrays.rowids, rowids[item.track_id]))]
        side = sides(item.chip)
        assert all(s == 0 or s * v >= 0 for s, v in zip(side, z, strict=True)), item


@pytest.mark.parametrize("word", ["calm", "Nostalgic"])
def test_the_cli_accepts_mood_words(tmp_path, word, run_cli):
    from moodtune.catalogue.builtin import open_catalogue

    open_catalogue(tmp_path / "c.sqlite").close()  # a new catalogue holds the built-in clips
    options = ["--k", "3", "--seed", "0", "--catalogue", str(tmp_path / "c.sqlite"), "--json"]
    code, out, err = run_cli("recommend", "-e", word, *options)
    assert code == 0, err
    answer = json.loads(out)
    assert word.lower() in answer["summary"] and len(answer["tracks"]) == 3


@pytest.mark.parametrize("cap", [None, 1, 2])
def test_the_chebyshev_plane_query_is_the_brute_force_one(cap):
    from moodtune.index import TrackIndex, brute_force_plane

    rng = np.random.default_rng(3)
    positions = np.clip(rng.normal(0, 0.5, (20000, 2)), -1, 1).astype(np.float32)
    artists = rng.integers(0, 800, len(positions))
    index = TrackIndex(rng.dirichlet(np.ones(7), len(positions)), positions, artists)
    for point in ([1.0, -1.0], [-1.0, 1.0], [0.2, 1.0], [0.0, 0.0]):
        found = index.plane(point, 25, cap=cap, excluded=[5, 6], metric="chebyshev")
        floor = brute_force_plane(
            positions, artists, point, 25, cap=cap, excluded=[5, 6], metric="chebyshev"
        )
        assert (found[0] == floor[0]).all() and (found[1] == floor[1]).all()
