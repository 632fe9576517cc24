"""The answer to "music for this mood": what the CLI prints and the API returns.

:class:`Answer` holds the target, the tracks, the line said above them and each track's
explanation in listeners' words (:mod:`moodtune.recommend.explain`). :meth:`Answer.to_dict`
is the one JSON shape of an answer, version :data:`ANSWER_VERSION`: ``moodtune recommend
--json`` prints it, ``POST /api/recommend`` returns it with this server's URLs added
(``request_id``; per track ``audio_url``, ``spotify_url``, ``playback``). Its JSON schema is
docs/answer.schema.json, described in docs/recommend.md ("The answer").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moodtune.recommend.explain import explain
from moodtune.recommend.matching import summarise
from moodtune.recommend.modes import DEFAULT_MODE, K_DEFAULT, MODES
from moodtune.recommend.recommender import MusicRecommender, Recommendation
from moodtune.recommend.target import Reader, ResolvedTarget, resolve_target

__all__ = [
    "ANSWER_VERSION",
    "Answer",
    "recommend_for",
    "recommend_for_image",
    "track_dict",
]

#: The version of :meth:`Answer.to_dict`'s shape (``"version"`` in it); raised when a field
#: changes meaning or goes away (new fields keep the version).
ANSWER_VERSION = 1


def track_dict(item: Recommendation, explanation: str | None = None) -> dict[str, Any]:
    """One track of an answer as JSON-ready data: :meth:`Recommendation.to_dict` with
    ``reading`` as ``{"valence": …, "arousal": …}`` (or None), ``explanation`` (the sentence in
    listeners' words, None where no mood was asked for) and no ``audio_url`` (a server adds
    its own URL for local files).

    Examples
    --------
    >>> from moodtune.recommend.recommender import Recommendation
    >>> item = Recommendation("t1", "Song", "Band", 0.9, "match 0.90", {"happiness": 1.0},
    ...                       0.8, 0.7, None, None, None, False, reading=(0.41234, -0.2))
    >>> data = track_dict(item, "Bright and energetic, like the happy mood you chose.")
    >>> data["reading"], "audio_url" in data
    ({'valence': 0.4123, 'arousal': -0.2}, False)
    """
    data = item.to_dict()
    del data["audio_url"]
    if item.reading is not None:
        valence, arousal = item.reading
        data["reading"] = {"valence": round(valence, 4), "arousal": round(arousal, 4)}
    data["explanation"] = explanation
    return data


@dataclass
class Answer:
    """Recommendations with what they were asked for, the line said above them and why each.

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
    explanations : list of str
        Per track, why it was chosen in listeners' words
        (:func:`moodtune.recommend.explain.explain`).
    """

    target: ResolvedTarget
    mode: str
    k: int
    recommendations: list[Recommendation]
    summary: str
    explanations: list[str] = field(default_factory=list)
    _listed: list[dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(
        cls, target: ResolvedTarget, tracks: Sequence[Recommendation], *, k: int, mode: str
    ) -> Answer:
        """The answer giving ``tracks`` for ``target``: its summary and explanations."""
        given_as = target.reading.source if target.reading is not None else target.given_as
        listed = [track_dict(item) for item in tracks]
        explanations = [
            explain(
                {**data, "reading_z": item.reading_z},
                mood=target.top,
                given_as=given_as,
                mode=mode,
                step=i,
                steps=len(listed),
            )
            for i, (item, data) in enumerate(zip(tracks, listed, strict=True), 1)
        ]
        summary = summarise(listed, target.top, mode)
        for data, said in zip(listed, explanations, strict=True):
            data["explanation"] = said
        return cls(target, mode, k, list(tracks), summary, explanations, listed)

    def tracks(self) -> list[dict[str, Any]]:
        """The tracks as :meth:`to_dict` gives them (:func:`track_dict`, with the words); new
        dicts at each call (made once by :meth:`of`, copied)."""
        if self._listed is not None and len(self._listed) == len(self.recommendations):
            return [dict(data) for data in self._listed]
        words = self.explanations or [None] * len(self.recommendations)
        pairs = zip(self.recommendations, words, strict=True)
        return [track_dict(item, said) for item, said in pairs]

    def matches(self) -> dict[str, int] | None:
        """``{"close": n, "weaker": m}`` in a mode that matches the target (how many tracks
        closely match it, :mod:`moodtune.recommend.matching`); None in a path mode."""
        kind = MODES.get(self.mode)
        if kind is not None and kind.end is not None:
            return None
        close = sum(bool(item.close) for item in self.recommendations)
        return {"close": close, "weaker": len(self.recommendations) - close}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the shape of docs/answer.schema.json: ``version``, ``target`` (``top``,
        ``probabilities``, ``given_as``, ``point``, ``notes``), ``reading`` (what was read
        from a picture or words, else None), ``mode``, ``k``, ``summary``, ``matches`` and
        ``tracks`` (:func:`track_dict`, each with its ``explanation``)."""
        reading = self.target.reading
        return {
            "version": ANSWER_VERSION,
            "target": self.target.to_dict(),
            "reading": reading.to_dict() if reading is not None else None,
            "mode": self.mode,
            "k": self.k,
            "summary": self.summary,
            "matches": self.matches(),
            "tracks": self.tracks(),
        }


def recommend_for(
    recommender: MusicRecommender,
    target: ResolvedTarget,
    *,
    k: int = K_DEFAULT,
    mode: str = DEFAULT_MODE,
) -> Answer:
    """``k`` tracks for ``target`` in ``mode``, with the line that sums them up and why each
    was chosen.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from moodtune.catalogue.builtin import open_catalogue
    >>> with open_catalogue(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as catalogue:
    ...     recommender = MusicRecommender(catalogue, seed=0)
    ...     answer = recommend_for(recommender, resolve_target(emotion="sad"), k=4)
    >>> shown = answer.to_dict()
    >>> len(shown["tracks"]), shown["target"]["probabilities"]["sadness"], shown["mode"]
    (4, 1.0, 'match')
    >>> all("sad" in track["explanation"] for track in shown["tracks"])
    True
    """
    tracks = recommender.recommend(target, k=k, mode=mode)
    return Answer.of(target, tracks, k=k, mode=mode)


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
    >>> "in your photo" in answer.explanations[0]
    True
    """
    target = resolve_target(image=image, text=text, read=read)
    return recommend_for(recommender, target, k=k, mode=mode)
