"""The library layer under the command line and the web app: whole pipelines as functions.

Each pipeline strings the packages below it together (audio analysis, the emotion model, the
catalogue) the way ``moodtune`` commands do, so a Python user can run the same work: it never
prints, tells how far it got through a :class:`moodtune.progress.Progress` callable, and
returns a report the caller may show.

* :func:`moodtune.pipelines.audio_folder.add_audio_folder` — a folder of audio files into a
  catalogue, playable from there (``moodtune catalog add-audio``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moodtune.pipelines.audio_folder import AudioFolderReport, add_audio_folder

__all__ = ["AudioFolderReport", "add_audio_folder"]


def __getattr__(name: str) -> Any:  # light import: the pipelines load their packages lazily
    if name in __all__:
        from moodtune.pipelines import audio_folder

        return getattr(audio_folder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
