"""Playlist files: M3U8, XSPF, JSPF and CSV, each rendered to bytes."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import datetime

from moodtune.playlists._entries import PlaylistEntry

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "GENERATOR",
    "XSPF_NAMESPACE",
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
    lines = ["#EXTM3U", f"#PLAYLIST:{_one_line(title)}"]
    for entry in entries:
        name = f"{entry.artist} - {entry.title}" if entry.artist else entry.title
        lines += [f"#EXTINF:-1,{_one_line(name)}", _one_line(entry.location or "")]
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_xspf(entries: Sequence[PlaylistEntry], title: str, created: datetime) -> bytes:
    """XSPF version 1 (the XML Shareable Playlist Format)."""
    ET.register_namespace("", XSPF_NAMESPACE)

    def child(parent: ET.Element, tag: str, text: str | None) -> None:
        if text:
            ET.SubElement(parent, f"{{{XSPF_NAMESPACE}}}{tag}").text = text

    playlist = ET.Element(f"{{{XSPF_NAMESPACE}}}playlist", version="1")
    child(playlist, "title", title)
    child(playlist, "creator", GENERATOR)
    child(playlist, "date", created.isoformat(timespec="seconds"))
    track_list = ET.SubElement(playlist, f"{{{XSPF_NAMESPACE}}}trackList")
    for entry in entries:
        track = ET.SubElement(track_list, f"{{{XSPF_NAMESPACE}}}track")
        child(track, "location", entry.uri)
        child(track, "identifier", entry.spotify_uri)
        child(track, "title", entry.title)
        child(track, "creator", entry.artist)
        child(track, "annotation", entry.reason)
    return ET.tostring(playlist, encoding="utf-8", xml_declaration=True) + b"\n"


def render_jspf(entries: Sequence[PlaylistEntry], title: str, created: datetime) -> bytes:
    """JSPF: XSPF's JSON form (``location`` and ``identifier`` are lists)."""
    tracks = []
    for entry in entries:
        track: dict[str, object] = {"title": entry.title}
        if entry.artist:
            track["creator"] = entry.artist
        if entry.uri:
            track["location"] = [entry.uri]
        if entry.spotify_uri:
            track["identifier"] = [entry.spotify_uri]
        track["annotation"] = entry.reason
        tracks.append(track)
    playlist = {
        "title": title,
        "creator": GENERATOR,
        "date": created.isoformat(timespec="seconds"),
        "track": tracks,
    }
    return (json.dumps({"playlist": playlist}, ensure_ascii=False, indent=1) + "\n").encode()


CSV_COLUMNS = ("position", "title", "artist", "spotify_uri", "location", "score", "reason")


def render_csv(entries: Sequence[PlaylistEntry], title: str, created: datetime) -> bytes:
    """One row per track: position, title, artist, Spotify URI, location, score, reason."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for position, entry in enumerate(entries, 1):
        writer.writerow(
            [
                position,
                entry.title,
                entry.artist or "",
                entry.spotify_uri or "",
                entry.location or "",
                f"{entry.score:.4f}",
                entry.reason,
            ]
        )
    return buffer.getvalue().encode("utf-8")


def _one_line(text: str) -> str:
    """M3U is line-based: a line break inside a title would start a new entry."""
    return " ".join(text.split())


Renderer = Callable[[Sequence[PlaylistEntry], str, datetime], bytes]

#: Playlist formats by file suffix, and the media type each is served with.
FORMATS: dict[str, tuple[Renderer, str]] = {
    ".m3u8": (render_m3u8, "audio/x-mpegurl; charset=utf-8"),
    ".xspf": (render_xspf, "application/xspf+xml"),
    ".jspf": (render_jspf, "application/jspf+json"),
    ".csv": (render_csv, "text/csv; charset=utf-8"),
}
