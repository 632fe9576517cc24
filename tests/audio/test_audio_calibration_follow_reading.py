"""The emotions of analysed audio files follow their calibrated reading
(``Combination.follow_reading``, ``predict_table(follow_reading=True)``; docs/audio.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from moodtune.data.readers import tidy
from moodtune.model.artifact import load_model


def _setup():
    model = load_model()
    head = model.reading_head(model.feature_names)
    return model, head.combination


def test_each_quadrant_of_the_reading_names_its_own_emotions() -> None:
    model, combination = _setup()
    labels = model.labels
    centre, spread = np.asarray(combination.center), np.asarray(combination.spread)
    z = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [-1.0, 1.0], [0.3, 0.2]])
    reading = centre + z * spread
    uniform = np.full((len(z), len(labels)), 1.0 / len(labels), dtype=np.float32)
    followed = combination.follow_reading(uniform, reading, labels)
    assert np.allclose(followed.sum(axis=1), 1.0, atol=1e-6)
    allowed = [set(np.asarray(labels)[row > 0]) for row in followed]
    assert allowed[0] == {"happiness", "surprise"}  # cheerful: not neutral
    assert allowed[1] == {"neutral"}  # calm and pleasant: not sadness
    assert allowed[2] == {"sadness"}
    assert allowed[3] == {"anger", "disgust", "fear", "sadness"}
    assert allowed[4] == {"happiness", "surprise"}


def test_rows_without_a_reading_or_with_nothing_left_keep_their_distribution() -> None:
    model, combination = _setup()
    labels = model.labels
    p = np.zeros((2, len(labels)), dtype=np.float32)
    p[:, labels.index("neutral")] = 1.0
    centre, spread = np.asarray(combination.center), np.asarray(combination.spread)
    reading = np.array([[np.nan, np.nan], centre + spread])  # unknown; bright-energetic
    assert np.array_equal(combination.follow_reading(p, reading, labels), p)


def test_predict_table_follows_the_reading_only_when_asked() -> None:
    model, combination = _setup()
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame(
        {
            "track_id": [f"t{i}" for i in range(n)],
            "danceability": rng.uniform(0, 1, n),
            "energy": rng.uniform(0, 1, n),
            "speechiness": rng.uniform(0, 0.3, n),
            "acousticness": rng.uniform(0, 1, n),
            "instrumentalness": rng.uniform(0, 1, n),
            "liveness": rng.uniform(0, 0.5, n),
            "valence": rng.uniform(0, 1, n),
            "tempo": rng.uniform(60, 180, n),
            "key": rng.integers(0, 12, n),
            "mode": rng.integers(0, 2, n),
            "loudness": rng.uniform(-30, -3, n),
        }
    )
    table = tidy(frame, source="synthetic")
    plain = model.predict_table(table)
    followed = model.predict_table(table, follow_reading=True)
    assert plain[["reading_valence", "reading_arousal"]].equals(
        followed[["reading_valence", "reading_arousal"]]
    )
    reading = followed[["reading_valence", "reading_arousal"]].to_numpy(float)
    z = combination.standardise(reading)
    cheerful = (z > 0).all(axis=1)
    calm_pleasant = (z[:, 0] > 0) & (z[:, 1] < 0)
    assert cheerful.any() and calm_pleasant.any()
    assert set(followed.loc[cheerful, "emotion"]) <= {"happiness", "surprise"}
    assert set(followed.loc[calm_pleasant, "emotion"]) == {"neutral"}
    assert not followed["emotion"].equals(plain["emotion"])  # the rule changed something
