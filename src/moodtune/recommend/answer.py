"""Recommendations for a resolved target, and for a picture: the library under CLI and web."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moodtune.recommend.matching import summarise
from moodtune.recommend.modes import DEFAULT_MODE, K_DEFAULT
from moodtune.recommend.recommender import MusicRecommender, Recommendation
from moodtune.recommend.target import Reader, ResolvedTarget, resolve_target

__all__ = ["Answer", "recommend_for", "recommend_for_image"]


@dataclass
class Answer:
    """Recommendations with what they were asked for and the line said above them.

    Attributes
    ----------
    target : ResolvedTarget
        What was asked for (with the reading of a picture or words).
    mode : str
        The mode's name (:data:`~moodtune.recommend.modes.MODES`).
    k : int
        How many tracks were asked for.
    recommendations : list of Recommendation
        Up to ``k`` tracks, in order.
    summary : str
        One line about them (:func:`moodtune.recommend.matching.summarise`).
    """

    target: ResolvedTarget
    mode: str
    k: int
    recommendations: list[Recommendation]
    summary: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``target`` (emotion → weight), ``mode``, ``k``, ``summary``,
        ``recommendations`` and, when something was read, ``reading``."""
        payload: dict[str, Any] = {
            "target": {e: round(float(w), 4) for e, w in self.target.probabilities.items()},
            "mode": self.mode,
            "k": self.k,
            "summary": self.summary,
            "recommendations": [r.to_dict() for r in self.recommendations],
        }
        if self.target.reading is not None:
            payload["reading"] = self.target.reading.to_dict()
        return payload


def recommend_for(
    recommender: MusicRecommender,
    target: ResolvedTarget,
    *,
    k: int = K_DEFAULT,
    mode: str = DEFAULT_MODE,
) -> Answer:
    """``k`` tracks for ``target`` in ``mode``, with the line that sums them up.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from moodtune.catalogue.builtin import open_catalogue
    >>> with open_catalogue(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as catalogue:
    ...     recommender = MusicRecommender(catalogue, seed=0)
    ...     answer = recommend_for(recommender, resolve_target(emotion="sad"), k=4)
    >>> len(answer.recommendations), answer.to_dict()["target"]["sadness"], answer.mode
    (4, 1.0, 'match')
    """
    tracks = recommender.recommend(target, k=k, mode=mode)
    summary = summarise([r.to_dict() for r in tracks], target.top, mode)
    return Answer(target, mode, k, tracks, summary)


def recommend_for_image(
    recommender: MusicRecommender,
    image: bytes | str | Path,
    text: str | None = None,
    *,
    k: int = K_DEFAULT,
    mode: str = DEFAULT_MODE,
    read: Reader | None = None,
) -> Answer:
    """Read the emotion of a picture (and words with it), then recommend for it.

    ``read`` is the reader (default :func:`moodtune.senses.read_emotion`); the reading is
    in ``answer.target.reading``.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from moodtune.catalogue.builtin import open_catalogue
    >>> from moodtune.reading import EmotionReading
    >>> def smiling(image, text):  # stands for the image reader (a model download)
    ...     return EmotionReading.from_vector(np.eye(7)[3], source="face", confidence="high")
    >>> with open_catalogue(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as catalogue:
    ...     answer = recommend_for_image(
    ...         MusicRecommender(catalogue, seed=0), b"...", k=3, read=smiling
    ...     )
    >>> answer.target.reading.top, len(answer.recommendations)
    ('happiness', 3)
    """
    target = resolve_target(image=image, text=text, read=read)
    return recommend_for(recommender, target, k=k, mode=mode)
