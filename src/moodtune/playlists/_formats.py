"""Playlist files: M3U8, XSPF, JSPF and CSV, each rendered to bytes.

Every text written (titles, artists, reasons, the playlist's title) first goes through
:func:`moodtune.data.names.clean_text`: line breaks become spaces and control characters
(ESC, NUL, …), bidirectional overrides and the characters XML 1.0 forbids are removed, so each
format stays well-formed for any name (an M3U8 entry stays on its lines, an XSPF file parses).
CSV text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return: the OWASP rule) get a leading ``'``; the ``position`` and
``score`` cells are numbers this module formats itself and stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import NamedTuple

from moodtune.data.names import clean_text
from moodtune.playlists._entries import PlaylistEntry

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "GENERATOR",
    "XSPF_NAMESPACE",
    "PlaylistFormat",
    "Renderer",
    "render_csv",
    "render_jspf",
    "render_m3u8",
    "render_xspf",
]

XSPF_NAMESPACE = "http://xspf.org/ns/0/"
GENERATOR = "moodtune"


def render_m3u8(entries: Sequence[PlaylistEntry], title: str, created: datetime) -> bytes:
    """Extended M3U in UTF-8: ``#EXTINF`` with artist and title, then the location.

    Entries without a location cannot be in an M3U playlist: ``write_playlist`` refuses them.
    """
    lines = ["#EXTM3U", f"#PLAYLIST:{clean_text(title)}"]
    for entry in entries:
        name = f"{entry.artist} - {entry.title}" if entry.artist else entry.title
        lines += [f"#EXTINF:-1,{clean_text(name)}", clean_text(entry.line or "")]
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_xspf(entries: Sequence[PlaylistEntry], title: str, created: datetime) -> bytes:
    """XSPF version 1 (the XML Shareable Playlist Format)."""
    ET.register_namespace("", XSPF_NAMESPACE)

    def child(parent: ET.Element, tag: str, text: str | None) -> None:
        if text and (text := clean_text(text)):
            ET.SubElement(parent, f"{{{XSPF_NAMESPACE}}}{tag}").text = text

    playlist = ET.Element(f"{{{XSPF_NAMESPACE}}}playlist", version="1")
    child(playlist, "title", title)
    child(playlist, "creator", GENERATOR)
    child(playlist, "date", created.isoformat(timespec="seconds"))
    track_list = ET.SubElement(playlist, f"{{{XSPF_NAMESPACE}}}trackList")
    for entry in entries:
        track = ET.SubElement(track_list, f"{{{XSPF_NAMESPACE}}}track")
        child(track, "location", entry.uri)
        for identifier in entry.identifiers:
            child(track, "identifier", identifier)
        child(track, "title", entry.title)
        child(track, "creator", entry.artist)
        child(track, "annotation", entry.reason)
    return ET.tostring(playlist, encoding="utf-8", xml_declaration=True) + b"\n"


def render_jspf(entries: Sequence[PlaylistEntry], title: str, created: datetime) -> bytes:
    """JSPF: XSPF's JSON form (``location`` and ``identifier`` are lists)."""
    tracks = []
    for entry in entries:
        track: dict[str, object] = {"title": clean_text(entry.title)}
        if entry.artist:
            track["creator"] = clean_text(entry.artist)
        if entry.uri:
            track["location"] = [clean_text(entry.uri)]
        if entry.identifiers:
            track["identifier"] = entry.identifiers
        track["annotation"] = clean_text(entry.reason)
        tracks.append(track)
    playlist = {
        "title": clean_text(title),
        "creator": GENERATOR,
        "date": created.isoformat(timespec="seconds"),
        "track": tracks,
    }
    return (json.dumps({"playlist": playlist}, ensure_ascii=False, indent=1) + "\n").encode()


CSV_COLUMNS = ("position", "title", "artist", "spotify_uri", "location", "score", "reason")


def render_csv(entries: Sequence[PlaylistEntry], title: str, created: datetime) -> bytes:
    """One row per track: position, title, artist, Spotify URI, location, score, reason (text
    cells cleaned and neutralised against formulas, see the module's docstring)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for position, entry in enumerate(entries, 1):
        writer.writerow(
            [
                position,
                _cell(entry.title),
                _cell(entry.artist or ""),
                _cell(entry.spotify_uri or ""),
                _cell(entry.location or ""),
                f"{entry.score:.4f}",
                _cell(entry.reason),
            ]
        )
    return buffer.getvalue().encode("utf-8")


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A CSV text cell: cleaned, and prefixed with ``'`` when a spreadsheet would read it as a
    formula (OWASP's CSV injection rule)."""
    cleaned = clean_text(text)
    return f"'{cleaned}" if cleaned.startswith(_FORMULA_STARTS) else cleaned


Renderer = Callable[[Sequence[PlaylistEntry], str, datetime], bytes]


class PlaylistFormat(NamedTuple):
    """A playlist format: how it is rendered, the media type it is served with, and how the
    page names it."""

    render: Renderer
    media_type: str
    label: str


#: The registry of playlist formats, by file suffix: the CLI, the API (its ``format``
#: parameter's type and media types) and the page's menu all read it, so a format added here
#: is offered everywhere.
FORMATS: dict[str, PlaylistFormat] = {
    ".m3u8": PlaylistFormat(render_m3u8, "audio/x-mpegurl; charset=utf-8", "M3U8"),
    ".xspf": PlaylistFormat(render_xspf, "application/xspf+xml", "XSPF (most players)"),
    ".jspf": PlaylistFormat(render_jspf, "application/jspf+json", "JSPF (ListenBrainz)"),
    ".csv": PlaylistFormat(render_csv, "text/csv; charset=utf-8", "CSV with Spotify links"),
}
