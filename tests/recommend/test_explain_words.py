"""The words of an answer (recommend/explain.py) on the default catalogue: how a track sounds
is said from where listeners would place it against a typical track (its reading's z), so
angry metal is not called "warm and steady" because the reading's own scale is narrow."""

from __future__ import annotations

import pytest

from moodtune.catalogue.builtin import open_catalogue
from moodtune.recommend.answer import Answer
from moodtune.recommend.recommender import MusicRecommender
from moodtune.recommend.target import resolve_target

#: What each emotion's region says in words (valence, arousal), docs/recommend.md.
SAID = {
    "anger": ("dark", "energetic"),
    "fear": ("dark", "energetic"),
    "happiness": ("bright", "energetic"),
    "sadness": ("dark", "gentle"),
    "calm": ("bright", "gentle"),
}


@pytest.fixture(scope="module")
def recommender(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalogue") / "c.sqlite"
    catalogue = open_catalogue(path, songs=True)  # TidyTuesday's songs and the 28 clips
    yield MusicRecommender(catalogue, seed=0)
    catalogue.close()


@pytest.mark.parametrize("mood", sorted(SAID))
def test_the_words_follow_where_listeners_would_place_the_tracks(recommender, mood):
    target = resolve_target(emotion=mood)
    tracks = recommender.recommend(target, k=10)
    answer = Answer.of(target, tracks, k=10, mode="match")
    valence, arousal = SAID[mood]
    for item, said in zip(tracks, answer.explanations, strict=True):
        z_valence, z_arousal = item.reading_z
        # the words follow the z: dark below −0.43, bright above +0.43, warm between
        assert said.lower().startswith(valence) == (
            z_valence < -0.43 if valence == "dark" else z_valence > 0.43
        ), (said, item.reading_z)
        assert (f"and {arousal}" in said) == (
            z_arousal > 0.43 if arousal == "energetic" else z_arousal < -0.43
        ), (said, item.reading_z)
    # and on the default catalogue, every track picked for the mood sounds like it
    assert all(s.lower().startswith(f"{valence} and {arousal}") for s in answer.explanations), (
        answer.explanations
    )
    assert "reading_z" not in answer.to_dict()["tracks"][0]  # not part of the answer's shape
