"""Every target a recommendation can aim for, defined once: the seven emotions and the mood
words people use for music, each with its place on the valence/arousal plane and its source.

A :class:`Mood` is a point of the plane (valence, arousal, both −1..1) and an emotion
distribution. ``match`` ranks tracks by how near their listener-grounded reading lies to the
point (:mod:`moodtune.recommend.ranking`) and uses the distribution only among tracks about
equally near; the *region* of a mood is the side of a typical track it lies on, per axis
(:func:`region`), and a track is a close match only inside it
(:mod:`moodtune.recommend.matching`). The CLI's ``--emotion``, the API's ``emotion`` field
and the page's picker accept every name and word of :data:`MOODS`
(:func:`mood_named`); ``neutral`` stays neutral.

Sources of the coordinates (approximate, rounded to 0.05; the scale is the circumplex's
−1..1 on both axes):

- the seven emotions: :data:`moodtune.emotions.CIRCUMPLEX` (Russell & Mehrabian 1977);
- calm, relaxed, peaceful, tense, excited, gloomy, sleepy: the affect words placed on the
  circumplex by Russell (1980), "A circumplex model of affect", J. Personality and Social
  Psychology 39(6), Fig. 2 (read off the figure), as used by Posner, Russell & Peterson (2005),
  "The circumplex model of affect", Development and Psychopathology 17(3);
- tender, nostalgic, dreamy, powerful, melancholic, uplifting: the GEMS music-specific
  emotions (Zentner, Grandjean & Scherer 2008, "Emotions evoked by the sound of music",
  Emotion 8(4)) placed on the valence/energy/tension plane as Eerola & Vuoskoski (2011), "A
  comparison of the discrete and dimensional models of emotion in music", Psychology of Music
  39(1), found them (tender: pleasant and low arousal; nostalgic and melancholic: sad, low
  arousal, nostalgia less negative; power: high arousal);
- energetic, upbeat, dark: Thayer's energetic arousal (Thayer 1989, "The biopsychology of mood
  and arousal") and the mood words of music tags, placed by the nearest circumplex words
  (energetic ~ aroused/active, upbeat ~ happy-excited, dark ~ gloomy at mid arousal).

Examples
--------
>>> mood_named("Chill").name, region(mood_named("calm"))
('calm', (1, -1))
>>> mood_named("relaxing").name, mood_named("sad").name, region(mood_named("sadness"))
('relaxed', 'sadness', (-1, -1))
>>> region(mood_named("neutral")), region(mood_named("energetic"))
((0, 0), (0, 1))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from moodtune.emotions import (
    ALIASES,
    CIRCUMPLEX,
    CIRCUMPLEX_SOURCE,
    EMOTIONS,
    UnknownEmotionError,
)

__all__ = [
    "MOODS",
    "MOOD_WORDS",
    "SIDE_MARGIN",
    "Mood",
    "aim",
    "is_mood",
    "mood_named",
    "region",
    "valid_moods",
]

#: How far from the middle of an axis a mood's point must lie for the mood to have a side on
#: it: 0.25, so that sadness (arousal −0.27) is darker *and* calmer than typical, the quadrant
#: listeners place it in.
SIDE_MARGIN = 0.25

_RUSSELL = "Russell (1980) circumplex, Fig. 2 (approximate); Posner, Russell & Peterson (2005)"
_GEMS = "GEMS (Zentner et al. 2008) placed as in Eerola & Vuoskoski (2011) (approximate)"
_THAYER = "Thayer (1989) energetic arousal; nearest circumplex words (approximate)"


@dataclass(frozen=True)
class Mood:
    """One target: a point of the valence/arousal plane and the emotions it stands for.

    Parameters
    ----------
    name : str
        The identifier (an emotion of :data:`~moodtune.emotions.EMOTIONS` or a mood word).
    valence, arousal : float
        Where the mood lies on the plane, −1..1.
    emotions : mapping of str to float
        The emotion distribution the mood stands for (weights, normalised by
        :attr:`distribution`); used among tracks equally near the point, and as the start of
        a path.
    source : str
        Where the coordinates come from.
    words : tuple of str
        Other words for it (lower case).
    """

    name: str
    valence: float
    arousal: float
    emotions: Mapping[str, float]
    source: str
    words: tuple[str, ...] = field(default=())

    @property
    def point(self) -> np.ndarray:
        """(valence, arousal), shape (2,) float64."""
        return np.array([self.valence, self.arousal])

    @property
    def distribution(self) -> np.ndarray:
        """The emotions as 7 weights in EMOTIONS order, summing to 1."""
        vector = np.array([float(self.emotions.get(e, 0.0)) for e in EMOTIONS])
        return vector / vector.sum()

    @property
    def is_emotion(self) -> bool:
        return self.name in EMOTIONS


def _emotion(name: str) -> Mood:
    point = CIRCUMPLEX[name]
    words = tuple(
        w for w, e in ALIASES.items() if e == name and w != name and w not in _WORD_TARGETS
    )
    return Mood(name, point.valence, point.arousal, {name: 1.0}, CIRCUMPLEX_SOURCE, words)


#: Mood words that are targets of their own (and their other words); they are not aliases of
#: an emotion when recommending, even where :data:`moodtune.emotions.ALIASES` maps them to
#: one for labelling training data.
_WORDS: tuple[Mood, ...] = (
    Mood("calm", 0.55, -0.6, {"neutral": 0.6, "happiness": 0.4}, _RUSSELL, ("chill", "calming")),
    Mood("relaxed", 0.65, -0.55, {"neutral": 0.5, "happiness": 0.5}, _RUSSELL, ("relaxing",)),
    Mood("peaceful", 0.6, -0.65, {"neutral": 0.6, "happiness": 0.4}, _RUSSELL, ("serene",)),
    Mood("sleepy", 0.0, -0.85, {"neutral": 1.0}, _RUSSELL, ("drowsy",)),
    Mood("tense", -0.35, 0.75, {"fear": 0.6, "anger": 0.4}, _RUSSELL, ("nervous", "edgy")),
    Mood(
        "excited", 0.6, 0.75, {"happiness": 0.6, "surprise": 0.4}, _RUSSELL, ("thrilled", "hyped")
    ),
    Mood("gloomy", -0.6, -0.45, {"sadness": 0.8, "neutral": 0.2}, _RUSSELL, ("depressed",)),
    Mood("energetic", 0.2, 0.85, {"happiness": 0.5, "surprise": 0.3, "anger": 0.2}, _THAYER,
         ("energising", "energizing", "lively", "pumped")),
    Mood("upbeat", 0.7, 0.6, {"happiness": 0.8, "surprise": 0.2}, _THAYER, ("groovy", "fun")),
    Mood("dark", -0.6, 0.1, {"fear": 0.4, "sadness": 0.3, "anger": 0.3}, _THAYER, ("brooding",)),
    Mood("melancholic", -0.55, -0.4, {"sadness": 0.8, "neutral": 0.2}, _GEMS,
         ("melancholy", "wistful", "bittersweet")),
    Mood("tender", 0.55, -0.35, {"happiness": 0.5, "neutral": 0.5}, _GEMS,
         ("gentle", "romantic", "loving", "warm")),
    Mood("nostalgic", -0.1, -0.4, {"sadness": 0.5, "neutral": 0.5}, _GEMS, ("sentimental",)),
    Mood("dreamy", 0.2, -0.55, {"neutral": 0.7, "happiness": 0.3}, _GEMS, ("ethereal", "floaty")),
    Mood("powerful", 0.1, 0.8, {"anger": 0.4, "happiness": 0.3, "surprise": 0.3}, _GEMS,
         ("epic", "intense")),
    Mood("uplifting", 0.75, 0.35, {"happiness": 1.0}, _GEMS, ("hopeful", "inspiring")),
)  # fmt: skip
_WORD_TARGETS = {m.name for m in _WORDS} | {w for m in _WORDS for w in m.words}

#: Every target by name, the seven emotions first (in EMOTIONS order), then the mood words.
MOODS: dict[str, Mood] = {
    **{name: _emotion(name) for name in EMOTIONS},
    **{m.name: m for m in _WORDS},
}
#: The mood words (targets that are not one of the seven emotions), in registry order.
MOOD_WORDS: tuple[str, ...] = tuple(m.name for m in _WORDS)
_LOOKUP: dict[str, str] = {
    **{w: m.name for m in MOODS.values() for w in (m.name, *m.words)},
}


def is_mood(word: str) -> bool:
    """True when ``word`` names a target of :data:`MOODS` (a name or one of its words)."""
    return isinstance(word, str) and word.strip().lower() in _LOOKUP


def valid_moods() -> str:
    """The accepted names and words, for error messages."""
    others = sorted(w for m in MOODS.values() for w in m.words)
    return (
        f"emotions: {', '.join(EMOTIONS)}; mood words: {', '.join(MOOD_WORDS)}; "
        f"other words: {', '.join(others)}"
    )


def mood_named(word: str) -> Mood:
    """The :class:`Mood` a word names (any case and spacing); UnknownEmotionError otherwise."""
    key = str(word).strip().lower()
    if key not in _LOOKUP:
        raise UnknownEmotionError(f"unknown emotion {word!r}; valid {valid_moods()}")
    return MOODS[_LOOKUP[key]]


def region(mood: Mood | np.ndarray) -> tuple[int, int]:
    """+1 / −1 / 0 per axis (valence, arousal): the side of a typical track the mood (or a
    point (2,) of the plane) lies on; 0 when it lies within :data:`SIDE_MARGIN` of the middle.
    """
    point = mood.point if isinstance(mood, Mood) else np.asarray(mood, dtype=float)
    return tuple(  # type: ignore[return-value]
        0 if abs(v) < SIDE_MARGIN else (1 if v > 0 else -1) for v in point
    )


def aim(point: np.ndarray) -> np.ndarray:
    """Where ``match`` aims for a target at ``point`` (2,), float32 (2,): halfway between the
    corner of its region (the edge of the plane, ±1, where readings two standard deviations
    from typical are placed, on each sided axis; its own coordinate elsewhere) and its point
    scaled out until one coordinate reaches the edge (its direction). The corner puts tracks
    inside the region on both axes first; the direction keeps targets of one region apart
    (calm and tender, anger and tense). Neutral aims at the middle.

    Tracks are then ranked by the larger of their two gaps to it (Chebyshev distance).

    >>> [round(float(v), 3) for v in aim(np.array([0.55, -0.6]))]
    [0.958, -1.0]
    >>> [round(float(v), 3) for v in aim(np.array([0.2, 0.85]))]
    [0.218, 1.0]
    """
    point = np.asarray(point, dtype=float)
    side = np.array(region(point))
    corner = np.where(side != 0, side, point)
    largest = float(np.abs(point).max())
    direction = point / largest if largest > 0 else point
    return (0.5 * corner + 0.5 * direction).astype(np.float32)
