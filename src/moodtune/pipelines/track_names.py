"""Titles and artists for audio files that carry no tags: from the file name and the folders.

A file's own tags (title, artist, album; read while decoding, see
:mod:`moodtune.audio.decode`) always win. Without them the title is the file name made
readable, and the artist comes from the usual ``Artist/Album/track`` folder layout inside the
library; an artist that cannot be told is left empty (shown as "unknown artist"), so the
recommender's per-artist cap does not treat every untagged file as one artist.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["folder_album", "folder_artist", "readable_title"]

#: A leading track number: ``01 - ``, ``1. ``, ``03_``.
_TRACK_NUMBER = re.compile(r"^\d{1,3}\s*[-._)]\s*|^\d{1,3}\s+(?=\D)")


def readable_title(stem: str) -> str:
    """A title from a file name without its suffix: ``_`` and runs of spaces become one
    space, a leading track number goes, and each word starts with a capital letter (words
    already holding capitals are kept as they are).

    Examples
    --------
    >>> readable_title("nostalgic_electronic_s522")
    'Nostalgic Electronic S522'
    >>> readable_title("01 - blue in green")
    'Blue In Green'
    >>> readable_title("AC-DC_live")
    'AC-DC Live'
    >>> readable_title("42")
    '42'
    """
    text = re.sub(r"[_\s]+", " ", stem).strip()
    without_number = _TRACK_NUMBER.sub("", text).strip()
    text = without_number or text
    words = [
        word if any(c.isupper() for c in word) else word[:1].upper() + word[1:]
        for word in text.split(" ")
    ]
    return " ".join(words) or stem


def folder_artist(path: str | Path, root: str | Path) -> str | None:
    """The artist told by the folders of ``path`` inside the library ``root``: ``Artist/
    Album/track`` gives ``Artist``; a file directly in the library or one folder down (that
    folder may be an album as well as an artist) gives None.

    Examples
    --------
    >>> folder_artist("/m/Nina Simone/Pastel Blues/01.flac", "/m")
    'Nina Simone'
    >>> folder_artist("/m/Pastel Blues/01.flac", "/m") is None
    True
    """
    parts = _inside(path, root)
    return parts[-3] if len(parts) >= 3 else None


def folder_album(path: str | Path, root: str | Path) -> str | None:
    """The album told by the folders: ``Artist/Album/track`` gives ``Album`` (else None).

    Examples
    --------
    >>> folder_album("/m/Nina Simone/Pastel Blues/01.flac", "/m")
    'Pastel Blues'
    """
    parts = _inside(path, root)
    return parts[-2] if len(parts) >= 3 else None


def _inside(path: str | Path, root: str | Path) -> tuple[str, ...]:
    try:
        return Path(path).relative_to(Path(root)).parts
    except ValueError:
        return ()
