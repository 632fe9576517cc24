"""The recommender that picks tracks for an emotion from a catalogue (:mod:`moodtune.catalogue`).

Importing this package is light; the classes load on first use::

    from moodtune.recommend import MusicRecommender, resolve_target

See docs/recommend.md ("Layout") for which module holds what.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moodtune.recommend.answer import Answer, recommend_for, recommend_for_image
    from moodtune.recommend.recommender import MusicRecommender, Recommendation
    from moodtune.recommend.target import ResolvedTarget, resolve_target

_EXPORTS = {
    "Answer": "moodtune.recommend.answer",
    "recommend_for": "moodtune.recommend.answer",
    "recommend_for_image": "moodtune.recommend.answer",
    "ResolvedTarget": "moodtune.recommend.target",
    "resolve_target": "moodtune.recommend.target",
    "MusicRecommender": "moodtune.recommend.recommender",
    "Recommendation": "moodtune.recommend.recommender",
}

__all__ = [
    "Answer",
    "MusicRecommender",
    "Recommendation",
    "ResolvedTarget",
    "recommend_for",
    "recommend_for_image",
    "resolve_target",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'moodtune.recommend' has no attribute {name!r}")
