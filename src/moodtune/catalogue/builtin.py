"""Opening a catalogue ready to use: a new one is filled with the built-in tracks.

:class:`~moodtune.catalogue.sqlite.Catalogue` itself starts empty; the command line and
the web app open catalogues through :func:`open_catalogue`, which fills a new, empty one with
the 28 built-in playable clips (:mod:`moodtune.audio.builtin`) and, for the user's default
catalogue, TidyTuesday's 28,356 Spotify songs first (:mod:`moodtune.catalogue.songs`), so
that ``moodtune serve`` recommends real songs at once.
"""

from __future__ import annotations

from pathlib import Path

from moodtune.catalogue.sqlite import Catalogue, ImportReport
from moodtune.model.artifact import EmotionModel

__all__ = ["fill_builtin", "open_catalogue"]


def open_catalogue(
    path: str | Path | None = None,
    *,
    model: EmotionModel | None = None,
    builtin: bool = True,
    songs: bool | None = None,
) -> Catalogue:
    """Open the catalogue at ``path`` and, when it is empty, fill it (:func:`fill_builtin`).

    Parameters
    ----------
    path : str or Path or None
        The catalogue file (created when missing); None: the user's default catalogue
        (:func:`moodtune.catalogue.store.default_path`).
    model : EmotionModel or None
        The model that classifies the tracks (default: the one shipped with moodtune).
    builtin : bool
        Fill an empty catalogue (False: open it as it is).
    songs : bool or None
        Also import TidyTuesday's songs into an empty catalogue; None: only into the
        user's default catalogue (``path`` None).

    Returns
    -------
    Catalogue
        The open catalogue (nothing is left open when filling it fails).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with open_catalogue(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as catalogue:
    ...     catalogue.stats().sources
    {'builtin': 28}
    """
    catalogue = Catalogue.open(path, model=model)
    try:
        if builtin and catalogue.count() == 0:
            fill_builtin(catalogue, songs=path is None if songs is None else songs)
    except BaseException:
        catalogue.close()
        raise
    return catalogue


def fill_builtin(catalogue: Catalogue, *, songs: bool = False) -> ImportReport:
    """Import the built-in clips into ``catalogue`` and, with ``songs``, the shipped
    TidyTuesday songs first; returns the report of the clips' import.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with Catalogue.open(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as catalogue:
    ...     fill_builtin(catalogue).added
    28
    """
    from moodtune.audio.builtin import builtin_catalogue

    if songs:
        from moodtune.catalogue.songs import SOURCE, default_songs

        catalogue.import_table(default_songs(), source=SOURCE)
    table, audio_paths, provenance = builtin_catalogue()
    return catalogue.import_table(
        table, source="builtin", provenance=provenance, audio_paths=audio_paths
    )
