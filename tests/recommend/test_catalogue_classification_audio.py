"""Tracks whose valence was estimated from their audio (``catalog add-audio``, the built-in
clips) get emotions that follow their calibrated reading (docs/audio.md); other tracks keep
the model's distribution."""

from __future__ import annotations

import numpy as np

from moodtune.catalogue.classification import classify
from moodtune.catalogue.sqlite import Catalogue
from moodtune.data.features import FEATURE_NAMES, SEED_FEATURES
from moodtune.emotions import EMOTIONS


def _stored(catalogue: Catalogue, ids) -> np.ndarray:
    records = [catalogue.track(i) for i in ids]
    return np.array([[r.probabilities[e] for e in EMOTIONS] for r in records])


def test_estimated_valence_follows_the_reading(tmp_path, make_table, emotion_model):
    table = make_table(60, seed=3)
    audio = {name: "estimated" for name in SEED_FEATURES} | {"tempo": "measured"}
    stored = {}
    for name, provenance in (("provider", "provider"), ("audio", audio)):
        catalogue = Catalogue.open(
            tmp_path / f"{name}.sqlite", model=emotion_model, fill_builtin=False
        )
        catalogue.import_table(table, source=name, provenance=provenance)
        stored[name] = _stored(catalogue, table.frame["track_id"])
        assert catalogue.reclassify() == len(table)  # reading the provenance back from SQLite
        assert np.allclose(_stored(catalogue, table.frame["track_id"]), stored[name], atol=1e-6)
    every = np.full((len(table), len(FEATURE_NAMES)), np.nan)
    for column, name in enumerate(FEATURE_NAMES):
        if name in table.feature_names:
            every[:, column] = table.frame[name].to_numpy(float)
    plain = classify(emotion_model, every).probabilities
    followed = classify(emotion_model, every, np.ones(len(every), bool)).probabilities
    assert np.allclose(stored["provider"], plain, atol=1e-4)
    assert np.allclose(stored["audio"], followed, atol=1e-4)
    assert (plain.argmax(axis=1) != followed.argmax(axis=1)).any()
    mixed = classify(emotion_model, every, np.arange(len(every)) % 2 == 0).probabilities
    assert np.allclose(mixed[::2], followed[::2]) and np.allclose(mixed[1::2], plain[1::2])
