"""The library layer under the command line and the web app: whole pipelines as functions.

Each pipeline strings the packages below it together (audio analysis, the emotion model, the
catalogue) the way ``moodtune`` commands do, so a Python user can run the same work: it never
prints, tells how far it got through a :class:`moodtune.progress.Progress` callable, and
returns a report the caller may show.

* :func:`moodtune.pipelines.audio_folder.add_audio_folder` — a folder of audio files into a
  catalogue, playable from there (``moodtune library add``, ``moodtune catalog add-audio``).
* :func:`moodtune.pipelines.library.write_library_playlist` — recommended tracks of a music
  library as an M3U8 playlist inside the library folder (``moodtune library playlist``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moodtune.pipelines.audio_folder import AudioFolderReport, add_audio_folder
    from moodtune.pipelines.library import (
        LibraryPlaylist,
        library_catalogue_path,
        write_library_playlist,
    )

__all__ = [
    "AudioFolderReport",
    "LibraryPlaylist",
    "add_audio_folder",
    "library_catalogue_path",
    "write_library_playlist",
]

_MODULES = {
    "AudioFolderReport": "audio_folder",
    "add_audio_folder": "audio_folder",
    "LibraryPlaylist": "library",
    "library_catalogue_path": "library",
    "write_library_playlist": "library",
}


def __getattr__(name: str) -> Any:  # light import: the pipelines load their packages lazily
    if name in _MODULES:
        import importlib

        return getattr(importlib.import_module(f"moodtune.pipelines.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
