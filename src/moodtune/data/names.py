"""Names and other free text from tables and catalogues: control characters out, length bounded.

A title, artist or album comes from a file anyone may have written. At import it is cleaned
(:func:`clean_text`): line breaks and tabs become one space, every other control character
(C0, DEL, C1: ESC, NUL, …) and the bidirectional overrides, embeddings and isolates
(U+202A–U+202E, U+2066–U+2069, which can reorder the text that follows) are removed, as are
the characters XML 1.0 forbids (U+FFFE, U+FFFF, lone surrogates). The directional marks
(U+200E, U+200F, U+061C) stay: right-to-left titles need them. A name is then cut to
:data:`NAME_LIMIT` characters (any other text field to :data:`TEXT_LIMIT`), ending in "…".

Examples
--------
>>> clean_text("Line one\\nline\\x1b[31m two\\u202e")
'Line one line[31m two'
>>> clean_text("x" * 600, NAME_LIMIT)[-3:], len(clean_text("x" * 600, NAME_LIMIT))
('xx…', 500)
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = [
    "ID_LIMIT",
    "NAME_LIMIT",
    "TEXT_LIMIT",
    "bound_ids",
    "clean_names",
    "clean_text",
    "is_cut",
]

#: The longest title, artist or album kept at import, in characters.
NAME_LIMIT = 500
#: The longest track id kept as it is; a longer one is replaced by a digest of it.
ID_LIMIT = 256
#: The longest value kept of any other free-text field (a reason, a URL), in characters.
TEXT_LIMIT = 4096

_SPACES = re.compile(r"[\t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")
_REMOVED = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]"
)


def clean_text(text: str, limit: int | None = None) -> str:
    """``text`` with line breaks as spaces, control characters removed, and at most ``limit``
    characters (cut ones end in "…"); surrounding spaces stripped."""
    cleaned = _REMOVED.sub("", _SPACES.sub(" ", text)).strip()
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def is_cut(text: str, limit: int) -> bool:
    """Whether :func:`clean_text` shortens ``text`` to fit ``limit`` characters."""
    return len(text) > limit and len(clean_text(text)) > limit


def clean_names(values: list[object], limit: int = NAME_LIMIT) -> tuple[list[object], int]:
    """Each string of ``values`` through :func:`clean_text` (a name left empty becomes None;
    other values are kept); with how many were cut to ``limit`` characters.

    >>> clean_names(["a\\x00b", "  ", None, "y" * 501])[1]
    1
    """
    cleaned: list[object] = []
    cut = 0
    for value in values:
        if isinstance(value, str):
            cut += is_cut(value, limit)
            value = clean_text(value, limit) or None
        cleaned.append(value)
    return cleaned, cut


def bound_ids(ids: list[str], limit: int = ID_LIMIT) -> tuple[list[str], int]:
    """Track ids longer than ``limit`` characters replaced by ``t:`` and a SHA-256 digest of
    the id (the same id always gives the same digest, so a re-import finds the track again);
    with how many were replaced.

    >>> bound_ids(["abc", "x" * 300])[0][1][:10], bound_ids(["abc", "x" * 300])[1]
    ('t:0d4e2ca9', 1)
    """
    import hashlib

    bounded = [
        i if len(i) <= limit else "t:" + hashlib.sha256(i.encode("utf-8", "replace")).hexdigest()
        for i in ids
    ]
    return bounded, sum(len(i) > limit for i in ids)


def bound_records(records: pd.DataFrame, source: str) -> list[str]:
    """In place: the ``title``, ``artists`` and ``album`` of track records cleaned and cut to
    :data:`NAME_LIMIT`, ids over :data:`ID_LIMIT` replaced (:func:`bound_ids`); returns one
    note for each kind of change made, counting them.

    >>> records = pd.DataFrame({"id": ["a"], "title": ["t" * 501], "artists": ["x\x1b"],
    ...                         "album": [None]})
    >>> bound_records(records, "in.csv"), records["artists"][0]
    (['in.csv: 1 names longer than 500 characters were cut'], 'x')
    """
    notes = []
    cut = 0
    for column in ("title", "artists", "album"):
        records[column], count = clean_names(records[column].tolist())
        cut += count
    if cut:
        notes.append(f"{source}: {cut} names longer than {NAME_LIMIT} characters were cut")
    records["id"], long = bound_ids(records["id"].tolist())
    if long:
        notes.append(f"{source}: {long} track ids longer than {ID_LIMIT} characters replaced")
    return notes
