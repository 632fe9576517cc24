"""A taste made after one more 👍/👎 starts from the one before (issue 22, mixed load): the
values it gives are those of a taste computed afresh, whatever was added, moved from liked
to disliked, or pushed out past ``MAX_EXAMPLES``."""

from __future__ import annotations

import numpy as np

from moodtune.catalogue import taste as taste_module
from moodtune.catalogue.taste import FeedbackState, Taste


class Arrays:
    """What ``FeedbackState.for_arrays`` reads of a revision's arrays: row ids are positions."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors
        self.size = len(vectors)

    def indices(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(rows, dtype=np.int64)


def fresh(arrays: Arrays, state: FeedbackState, indices: np.ndarray) -> np.ndarray:
    """The taste of a state that never saw another (no memo carried over)."""
    alone = FeedbackState(state.liked, state.disliked)
    _, taste = alone.for_arrays(arrays)
    return taste.scores(arrays.vectors[indices])


def test_a_carried_taste_gives_the_values_of_a_fresh_one(monkeypatch):
    monkeypatch.setattr(taste_module, "MAX_EXAMPLES", 12)  # so that examples get pushed out
    rng = np.random.default_rng(22)
    arrays = Arrays(rng.random((400, 7)).astype(np.float32))
    liked: list[int] = []
    disliked: list[int] = []
    state = None
    everyone = np.arange(arrays.size)
    for step in range(60):
        track = int(rng.integers(0, 40))  # few tracks: each changes side now and then
        for side in (liked, disliked):
            if track in side:
                side.remove(track)
        (liked if rng.random() < 0.4 else disliked).insert(0, track)
        state = FeedbackState(
            np.array(liked, dtype=np.int64), np.array(disliked, dtype=np.int64), previous=state
        )
        _, taste = state.for_arrays(arrays)
        if step:  # started from the taste before, not from nothing
            assert not np.isnan(taste.memo.squared).all()
        asked = rng.choice(everyone, size=50, replace=False)
        np.testing.assert_allclose(
            taste.scores_at(arrays.vectors, asked), fresh(arrays, state, asked), atol=1e-6
        )
        if step % 7 == 0:  # and every track, known or not
            np.testing.assert_allclose(
                taste.scores_at(arrays.vectors, everyone), fresh(arrays, state, everyone), atol=1e-6
            )
        assert state.previous is None  # used, then dropped: no chain of states is kept


def test_a_state_made_after_another_drops_the_one_before_that():
    first = FeedbackState(np.array([1]), np.array([], dtype=np.int64))
    second = FeedbackState(np.array([1, 2]), np.array([], dtype=np.int64), previous=first)
    third = FeedbackState(np.array([1, 2, 3]), np.array([], dtype=np.int64), previous=second)
    assert third.previous is second and second.previous is None


def test_without_a_memo_the_taste_is_computed_from_its_examples():
    vectors = np.array([[0.1] * 7, [0.9] * 7, [0.5] * 7], dtype=np.float32)
    taste = Taste.of(vectors, np.array([0]), np.array([1]))
    scores = taste.scores_at(vectors, np.arange(3))
    np.testing.assert_allclose(scores, taste.scores(vectors), atol=1e-6)
