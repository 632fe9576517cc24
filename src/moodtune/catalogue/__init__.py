"""The music catalogue: tracks, their features and predictions, feedback and history.

What the recommender and the web read and write is a small protocol
(:mod:`moodtune.catalogue.protocol`); the SQLite ``Catalogue`` implements it, and so does
``MemoryCatalogue`` (in memory). Importing this package is light; the classes load on first
use::

    from moodtune.catalogue import Catalogue, open_catalogue

See docs/recommend.md ("Layout") for which module holds what.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moodtune.catalogue.builtin import open_catalogue
    from moodtune.catalogue.memory import MemoryCatalogue
    from moodtune.catalogue.protocol import CatalogueView, ListeningLog, ServedCatalogue
    from moodtune.catalogue.sqlite import Catalogue, ImportReport, TrackRecord

_EXPORTS = {
    "open_catalogue": "moodtune.catalogue.builtin",
    "MemoryCatalogue": "moodtune.catalogue.memory",
    "CatalogueView": "moodtune.catalogue.protocol",
    "ListeningLog": "moodtune.catalogue.protocol",
    "ServedCatalogue": "moodtune.catalogue.protocol",
    "Catalogue": "moodtune.catalogue.sqlite",
    "ImportReport": "moodtune.catalogue.sqlite",
    "TrackRecord": "moodtune.catalogue.sqlite",
}

__all__ = [
    "Catalogue",
    "CatalogueView",
    "ImportReport",
    "ListeningLog",
    "MemoryCatalogue",
    "ServedCatalogue",
    "TrackRecord",
    "open_catalogue",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'moodtune.catalogue' has no attribute {name!r}")
