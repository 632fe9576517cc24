import numpy as np
import pytest

from moodtune import emotions
from moodtune.errors import MoodtuneError


def test_seven_canonical_emotions_in_fixed_order():
    assert emotions.EMOTIONS == (
        "anger",
        "disgust",
        "fear",
        "happiness",
        "neutral",
        "sadness",
        "surprise",
    )


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Joy", "happiness"),
        (" happy ", "happiness"),
        ("ANGRY", "anger"),
        ("sad", "sadness"),
        ("surprised", "surprise"),
        ("disgusted", "disgust"),
        ("fearful", "fear"),
        ("scared", "fear"),
        ("calm", "neutral"),
        ("neutral", "neutral"),
    ],
)
def test_aliases_map_to_canonical_names(word, expected):
    assert emotions.canonical(word) == expected


def test_unknown_emotion_lists_valid_names_and_aliases():
    with pytest.raises(emotions.UnknownEmotionError) as caught:
        emotions.canonical("bored")
    message = str(caught.value)
    assert "'bored'" in message
    assert all(name in message for name in emotions.EMOTIONS)
    assert "joy" in message


def test_every_emotion_has_a_circumplex_point_within_the_plane():
    points = emotions.coordinates()
    assert points.shape == (7, 2)
    assert np.all(np.abs(points) <= 1)
    happiness, sadness = emotions.CIRCUMPLEX["happiness"], emotions.CIRCUMPLEX["sadness"]
    assert happiness.valence > 0 > sadness.valence
    assert emotions.CIRCUMPLEX["anger"].arousal > sadness.arousal


def test_distribution_from_name_mapping_and_weights():
    assert emotions.distribution("joy")[emotions.index("happiness")] == 1.0
    mixed = emotions.distribution({"happy": 3, "sad": 1})
    assert mixed.sum() == pytest.approx(1.0)
    assert mixed[emotions.index("happiness")] == pytest.approx(0.75)
    assert emotions.distribution([2, 0, 0, 0, 0, 0, 2])[0] == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [[0] * 7, [1, -1, 0, 0, 0, 0, 1], [1, 2, 3], {"joy": float("nan")}])
def test_distribution_refuses_unusable_weights(bad):
    with pytest.raises(MoodtuneError):
        emotions.distribution(bad)


def test_distribution_of_huge_weights_stays_finite():
    weights = emotions.distribution({"joy": 1e308, "sad": 1e308})
    assert weights[emotions.index("happiness")] == pytest.approx(0.5)
