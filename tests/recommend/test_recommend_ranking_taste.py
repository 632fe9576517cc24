"""Feedback changes later rankings (issue 11): the taste learned from 👍/👎."""

from __future__ import annotations

import numpy as np
import pytest

from moodtune.catalogue.taste import Taste
from moodtune.errors import MoodtuneError
from moodtune.recommend.recommender import MusicRecommender
from moodtune.recommend.simulation import simulate


def test_taste_is_plus_one_beside_a_like_minus_one_beside_a_dislike_zero_far_away():
    vectors = np.array([[0.1] * 7, [0.9] * 7, [0.5] * 7], dtype=np.float32)
    taste = Taste.of(vectors, np.array([0]), np.array([1]))
    scores = taste.scores(np.array([[0.1] * 7, [0.9] * 7, [0.5] * 7], dtype=np.float32))
    assert scores[0] == pytest.approx(1.0, abs=1e-6)
    assert scores[1] == pytest.approx(-1.0, abs=1e-6)
    assert abs(scores[2]) < 0.01
    assert Taste.of(vectors, np.array([], dtype=int), np.array([], dtype=int)) is None


def acoustic(features) -> bool:
    return (features.get("acousticness") or 0.0) >= 0.5


def test_a_listener_who_likes_acoustic_tracks_gets_more_of_them(copy_catalogue):
    """The same rounds of melancholic music with and without the taste: the dislikes exclude
    the same tracks in both, so what differs is the taste alone."""
    with_taste, without = copy_catalogue(), copy_catalogue()
    rounds = {"rounds": 4, "emotions": ("melancholic",)}
    learned = simulate(with_taste, MusicRecommender(with_taste, seed=4), acoustic, **rounds)
    blind = simulate(
        without, MusicRecommender(without, seed=4, taste_weight=0.0), acoustic, **rounds
    )
    assert learned[0] == blind[0]  # no feedback yet: the same list
    assert learned[1] > blind[1]  # one round of 👍/👎 later
    assert np.mean(learned[1:]) >= np.mean(blind[1:]) + 0.1


def test_taste_weight_is_checked(copy_catalogue):
    with pytest.raises(MoodtuneError, match="taste_weight"):
        MusicRecommender(copy_catalogue(), taste_weight=2.0)
