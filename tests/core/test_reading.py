"""The valence/arousal reading: listener tables, the reading heads, their combination with the
seven probabilities, storage, ``predict`` and ``evaluate`` on listeners' tags."""

import json

import numpy as np
import pandas as pd
import pytest

from moodtune.data.readers import read_tracks
from moodtune.emotions import EMOTIONS
from moodtune.errors import InputError
from moodtune.model.artifact import Combination, EmotionModel
from moodtune.model.listeners import read_listener_table

torch = pytest.importorskip("torch", reason="training the reading needs the 'train' extra")

from moodtune.model.training import (  # noqa: E402
    MLPClassifier,
    ReadingConfig,
    ReadingRegressor,
    TrainConfig,
    fit_combination,
)

SEED7 = ("danceability", "energy", "speechiness", "acousticness", "liveness", "valence", "tempo")


@pytest.fixture(scope="module")
def muse(datasets):
    return read_listener_table(datasets / "muse/muse_dev.csv")


@pytest.fixture(scope="module")
def small_listeners(tmp_path_factory, datasets):
    """600 MuSe rows (every 7th), written to a temporary file (never into the repository)."""
    frame = pd.read_csv(datasets / "muse/muse_dev.csv").iloc[::7].reset_index(drop=True)
    path = tmp_path_factory.mktemp("listeners") / "small.csv"
    frame.to_csv(path, index=False)
    return path


def _uniform_combination(tau: float = 2.0, kappa: float = 0.0) -> Combination:
    return Combination(
        center=(0.0, 0.0),
        spread=(0.1, 0.1),
        prototypes={name: (0.0, 0.0) for name in EMOTIONS},
        variance=(1.0, 1.0),
        kappa=kappa,
        tau=tau,
    )


# --- listener tables --------------------------------------------------------------------------


def test_muse_targets_are_mapped_from_1_9_to_minus_one_one(muse, datasets):
    raw = pd.read_csv(datasets / "muse/muse_dev.csv")
    assert len(muse) == len(raw) == 4233 and muse.scale == "1-9"
    expected = np.clip((raw[["valence_tags", "arousal_tags"]].to_numpy() - 5) / 4, -1, 1)
    np.testing.assert_allclose(muse.targets, expected)
    assert muse.artists is not None and len(set(muse.artists)) == 1917
    assert muse.table.feature_names == tuple(
        read_tracks(datasets / "muse/muse_dev.csv").feature_names
    )


def test_a_bad_listener_value_names_row_and_column_and_skipping_keeps_rows_aligned(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "name,artist,valence,energy,valence_tags,arousal_tags\n"
        "a,x,0.1,0.2,2,3\n"
        "b,y,0.5,0.5,oops,5\n"
        "c,z,0.9,0.8,8,7\n"
    )
    with pytest.raises(InputError, match=r"row 2.*valence_tags"):
        read_listener_table(path)
    listeners = read_listener_table(path, skip_invalid=True)
    assert list(listeners.table.frame["title"]) == ["a", "c"]
    np.testing.assert_allclose(listeners.targets, [[-0.75, -0.5], [0.75, 0.5]])
    assert any("skipped 1 row" in note for note in listeners.table.notes)


def test_targets_outside_both_scales_are_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("name,valence,energy,listener_valence,listener_arousal\na,0.1,0.2,12,3\n")
    with pytest.raises(InputError, match="expected the 1-9 scale"):
        read_listener_table(path)


# --- the reading head and its combination -------------------------------------------------------


def test_reading_is_deterministic_and_numpy_matches_torch(small_listeners):
    listeners = read_listener_table(small_listeners)
    x = listeners.table.matrix(SEED7)
    config = ReadingConfig(iterations=60, seed=1, views=("raw",), valence_views=())
    first = ReadingRegressor(config).fit(x, listeners.targets)
    again = ReadingRegressor(config).fit(x, listeners.targets)
    for name, value in first.state_.items():
        assert np.array_equal(value, again.state_[name]), name
    head = first.to_head(SEED7)
    net = torch.nn.Sequential(torch.nn.Linear(7, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
    net.load_state_dict(
        {
            k.replace("fc1", "0").replace("fc2", "2"): torch.from_numpy(v)
            for k, v in first.state_.items()
        }
    )
    span = np.where(head.scale_max > head.scale_min, head.scale_max - head.scale_min, 1)
    scaled = torch.from_numpy(((x - head.scale_min) / span).astype(np.float32))
    expected = np.clip(net(scaled).detach().numpy(), -1, 1)
    np.testing.assert_allclose(head.predict(x), expected, atol=1e-5)


def test_guard_never_names_an_emotion_a_clear_reading_contradicts():
    combination = _uniform_combination(tau=2.0)
    probabilities = np.full((3, 7), 1 / 7, dtype=np.float32)
    probabilities[:, EMOTIONS.index("disgust")] = 0.9  # the classifier says disgust
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    # bright and energetic (3 spreads above typical), typical, dark and calm
    reading = np.array([[0.3, 0.3], [0.0, 0.0], [-0.3, -0.3]])
    combined = combination.apply(probabilities, reading, EMOTIONS)
    np.testing.assert_allclose(combined.sum(axis=1), 1, atol=1e-6)
    bright = dict(zip(EMOTIONS, combined[0], strict=True))
    for negative in ("anger", "disgust", "fear", "sadness"):
        assert bright[negative] == 0.0, negative
    assert EMOTIONS[int(combined[0].argmax())] in {"happiness", "surprise", "neutral"}
    # a typical track keeps the classifier's distribution
    np.testing.assert_allclose(combined[1], probabilities[1], atol=1e-6)
    dark = dict(zip(EMOTIONS, combined[2], strict=True))
    for bright_one in ("happiness", "surprise", "anger", "fear"):
        assert dark[bright_one] == 0.0, bright_one
    assert dark["disgust"] == 0.0  # disgust has positive arousal (0.35): calm contradicts it
    assert dark["neutral"] > 0 and dark["sadness"] > 0


def test_tilt_moves_probability_toward_the_class_whose_tracks_sit_at_the_reading():
    combination = Combination(
        center=(0.0, 0.0),
        spread=(1.0, 1.0),
        prototypes={name: (0.0, 0.0) for name in EMOTIONS} | {"happiness": (1.0, 1.0)},
        variance=(1.0, 1.0),
        kappa=0.5,
        tau=10.0,
    )
    uniform = np.full((1, 7), 1 / 7)
    combined = combination.apply(uniform, np.array([[1.0, 1.0]]), EMOTIONS)
    assert EMOTIONS[int(combined.argmax())] == "happiness"
    assert combination.apply(uniform, np.array([[0.0, 0.0]]), EMOTIONS)[0].argmax() != 3


# --- storage and prediction ------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_with_reading(datasets, small_listeners):
    from moodtune.data.readers import read_seed

    seed = read_seed(
        datasets / "seed/audio_feature_scale.json", datasets / "seed/labels_by_position.csv"
    )
    listeners = read_listener_table(small_listeners)
    classifier = MLPClassifier(TrainConfig(epochs=40)).fit(seed.matrix(SEED7), seed.labels)
    model = classifier.to_model(SEED7)
    heads = []
    for names in (listeners.table.feature_names, SEED7):
        regressor = ReadingRegressor(ReadingConfig(iterations=60))
        heads.append(regressor.fit(listeners.table.matrix(names), listeners.targets).to_head(names))
    for head in heads:
        head.combination = fit_combination(heads[-1], seed.matrix(SEED7), seed.labels, model.labels)
    model.readings = tuple(heads)
    return model


def test_model_with_readings_round_trips_and_predicts_one_row_per_track(
    tmp_path, model_with_reading, datasets
):
    model_with_reading.save(tmp_path / "m")
    metadata = json.loads((tmp_path / "m/model.json").read_text())
    assert metadata["format"] == "moodtune-mlp/2" and len(metadata["readings"]) == 2
    loaded = EmotionModel.load(tmp_path / "m")
    assert loaded.version == model_with_reading.version and loaded.has_reading
    moods = read_tracks(datasets / "data_moods/data_moods.csv")  # no 'mode': the 7-feature head
    table = loaded.predict_table(moods)
    assert len(table) == len(moods)
    for column in ("reading_valence", "reading_arousal", *(f"p_{e}" for e in EMOTIONS)):
        assert column in table.columns
    assert table["reading_valence"].between(-1, 1).all()
    x = moods.matrix(loaded.feature_names)
    np.testing.assert_allclose(
        loaded.predict_proba(x), model_with_reading.predict_proba(x), atol=1e-6
    )
    prediction = loaded.predict_all(x)
    top = prediction.probabilities.argmax(axis=1)
    assert not prediction.contradicted[np.arange(len(top)), top].any()


def test_richer_tables_get_the_richer_reading(model_with_reading, datasets):
    songs = read_tracks(datasets / "tidytuesday/spotify_songs.csv", skip_invalid=True)
    prediction = model_with_reading.predict_table_all(songs)
    assert prediction.reading_features == model_with_reading.readings[0].feature_names
    assert len(prediction.reading_features) == 11


def test_a_model_without_reading_keeps_the_old_format_and_columns(tmp_path, datasets):
    model = EmotionModel.load(tmp_path_model(tmp_path, datasets))
    assert not model.has_reading
    table = model.predict_table(read_tracks(datasets / "data_moods/data_moods.csv"))
    assert "reading_valence" not in table.columns


def tmp_path_model(tmp_path, datasets):
    from moodtune.data.readers import read_seed

    seed = read_seed(
        datasets / "seed/audio_feature_scale.json", datasets / "seed/labels_by_position.csv"
    )
    classifier = MLPClassifier(TrainConfig(epochs=20)).fit(seed.matrix(SEED7), seed.labels)
    classifier.to_model(SEED7).save(tmp_path / "plain")
    assert json.loads((tmp_path / "plain/model.json").read_text())["format"] == "moodtune-mlp/1"
    return tmp_path / "plain"


# --- the command line ----------------------------------------------------------------------


def test_evaluate_on_a_listener_table_prints_baselines_and_writes_reports(
    run_main, small_listeners, tmp_path
):
    result = run_main(
        "evaluate",
        str(small_listeners),
        "--group-by-artist",
        "--models",
        "raw_features,ridge",
        "--repeats",
        "0",
        "--json",
        str(tmp_path / "r.json"),
        "--report",
        str(tmp_path / "r.md"),
    )
    assert result.exit_code == 0, result.output
    assert "raw_features" in result.stdout and "ridge" in result.stdout
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["kind"] == "reading" and data["targets"]["columns"] == [
        "valence_tags",
        "arousal_tags",
    ]
    for name in ("raw_features", "ridge"):
        assert set(data["models"][name]) >= {"valence_rho", "arousal_rho", "quadrant_accuracy"}
        assert 0 <= data["models"][name]["quadrant_accuracy"]["mean"] <= 1
    assert "| ridge |" in (tmp_path / "r.md").read_text()
    png = tmp_path / "r-reading-scatter.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_with_reading_data_then_predict_writes_the_reading_columns(
    run_main, small_listeners, datasets, tmp_path
):
    result = run_main(
        "train",
        str(datasets / "seed/audio_feature_scale.json"),
        "--labels",
        str(datasets / "seed/labels_by_position.csv"),
        "--reading-data",
        str(small_listeners),
        "--epochs",
        "30",
        "--no-cv",
        "--out",
        str(tmp_path / "m"),
    )
    assert result.exit_code == 0, result.output
    model = EmotionModel.load(tmp_path / "m")
    assert "--reading-data" in model.metadata["command"] and len(model.readings) == 2
    assert model.readings[0].metadata["training_data"]["tracks"] == 605
    moods = datasets / "data_moods/data_moods.csv"
    result = run_main(
        "predict", str(moods), "--model", str(tmp_path / "m"), "--out", str(tmp_path / "p.csv")
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "p.csv")
    assert len(written) == len(pd.read_csv(moods))
    assert written[["reading_valence", "reading_arousal"]].abs().le(1).all().all()
    assert "not Spotify's 'valence'" in result.output
    info = run_main("model", "info", "--model", str(tmp_path / "m"), "--json")
    assert info.exit_code == 0, info.output
    readings = json.loads(info.stdout)["readings"]
    assert [len(r["features"]) for r in readings] == [11, 7]
    assert readings[1]["combination"]["tau"] == 2.0


def test_quadrant_is_relative_to_a_typical_track():
    combination = _uniform_combination()
    reading = np.array([[0.1, 0.1], [0.1, -0.1], [-0.1, 0.1], [-0.1, -0.1]])
    assert list(combination.quadrant(reading)) == [
        "bright-energetic",
        "bright-calm",
        "dark-energetic",
        "dark-calm",
    ]
