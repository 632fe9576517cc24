"""resolve_target (recommend/target.py): exactly one way of giving a target; emotions,
distributions and words."""

from __future__ import annotations

import pytest

from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.recommend.target import parse_distribution, resolve_target


@pytest.fixture(scope="module")
def read():
    """The real image/words reader (models from the user's model cache)."""
    from moodtune.senses import Senses

    return Senses(notify=None).read


def test_resolve_target_takes_exactly_one_way():
    with pytest.raises(MoodtuneError, match="give exactly one of"):
        resolve_target()
    with pytest.raises(MoodtuneError, match="got emotion, distribution"):
        resolve_target(emotion="sad", distribution="sad=1")


def test_resolve_target_for_an_emotion_and_a_distribution():
    sad = resolve_target(emotion="Sad")
    assert sad.given_as == "emotion" and sad.top == "sadness" and sad.reading is None
    assert list(sad.probabilities) == list(EMOTIONS) and sad.describe() == "sadness"
    text = resolve_target(distribution="happy=3, sad=1")
    mapping = resolve_target(distribution={"happiness": 3, "sad": 1})
    assert text.probabilities == mapping.probabilities
    assert (text.probabilities["happiness"], text.probabilities["sadness"]) == (0.75, 0.25)
    assert text.notes == ["the weights sum to 4; normalised to 1"]
    assert resolve_target(distribution="happiness=1").notes == []
    with pytest.raises(MoodtuneError, match="all zero"):
        resolve_target(distribution="happiness=0")
    with pytest.raises(MoodtuneError, match="unknown emotion 'bliss'"):
        resolve_target(distribution={"bliss": 1})


def test_parse_distribution_names_the_bad_part():
    with pytest.raises(MoodtuneError, match="'happiness:1' should be emotion=weight"):
        parse_distribution("happiness:1")


def test_words_alone_are_a_target(read):
    found = resolve_target(text="what a wonderful, happy day", read=read)
    assert found.given_as == "text" and found.reading is not None
    assert found.probabilities == pytest.approx(found.reading.probabilities)
