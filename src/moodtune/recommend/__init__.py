"""The music catalogue (SQLite) and the recommender that picks tracks for an emotion.

Importing this package is light; the classes load on first use::

    from moodtune.recommend import Catalogue, MusicRecommender
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moodtune.recommend.catalogue import Catalogue, ImportReport, TrackRecord
    from moodtune.recommend.recommender import MusicRecommender, Recommendation

_EXPORTS = {
    "Catalogue": "moodtune.recommend.catalogue",
    "ImportReport": "moodtune.recommend.catalogue",
    "TrackRecord": "moodtune.recommend.catalogue",
    "MusicRecommender": "moodtune.recommend.recommender",
    "Recommendation": "moodtune.recommend.recommender",
}

__all__ = ["Catalogue", "ImportReport", "MusicRecommender", "Recommendation", "TrackRecord"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'moodtune.recommend' has no attribute {name!r}")
