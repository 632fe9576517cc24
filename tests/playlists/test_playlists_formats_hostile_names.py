"""Hostile names through every playlist format: control characters (ESC, NUL), 100,000
characters, spreadsheet formulas and right-to-left overrides each leave a file that its
format's reader parses back (XSPF by an XML parser and the specification's schema, JSPF by
``json.loads``, M3U8 line by line, CSV by the ``csv`` module with every cell safe)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from moodtune.playlists import PlaylistEntry, render_playlist

xmlschema = pytest.importorskip("xmlschema", reason="the XSPF check needs the 'dev' extra")

XSPF = "{http://xspf.org/ns/0/}"
SCHEMA = Path(__file__).with_name("xspf-1.xsd")

HOSTILE = [
    "\x1b[31mred\x1b[0m title",
    "nul\x00inside",
    "x" * 100_000,
    '=HYPERLINK("http://evil.example","x")',
    "+1+2",
    "-3.2",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=cmd|' /C calc'!A0",
    "\u202egnp.exe",
    "line one\nline two\r\n#EXTINF:-1,injected\nfile:///etc/passwd",
    "lone surrogate \ud800 and \ufffe",
    "bell\x07 del\x7f c1\x85\x9b",
]
FORMULA = ("=", "+", "-", "@", "\t", "\r")
FORBIDDEN_IN_XML = {*map(chr, range(0x20)), "\ufffe", "\uffff"} - {"\t", "\n", "\r"}


def hostile_entries() -> list[PlaylistEntry]:
    return [
        PlaylistEntry(
            title=name,
            artist=HOSTILE[(n + 3) % len(HOSTILE)],
            location=f"https://example.org/{n}.ogg",
            local_path=None,
            spotify_uri=None,
            score=-0.25 * n,
            reason=HOSTILE[(n + 5) % len(HOSTILE)],
        )
        for n, name in enumerate(HOSTILE)
    ]


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    entries = hostile_entries()
    return {
        kind: render_playlist(entries, kind, title=HOSTILE[0])
        for kind in ("m3u8", "xspf", "jspf", "csv")
    }


def test_xspf_is_well_formed_and_valid(rendered):
    text = rendered["xspf"].decode("utf-8")
    assert not FORBIDDEN_IN_XML & set(text)
    root = ET.fromstring(rendered["xspf"])
    xmlschema.XMLSchema11(SCHEMA).validate(text)
    titles = [t.findtext(f"{XSPF}title") for t in root.iter(f"{XSPF}track")]
    assert len(titles) == len(HOSTILE)
    assert titles[0] == "[31mred[0m title"
    assert titles[2] == "x" * 100_000
    assert "\u202e" not in text


def test_jspf_is_json(rendered):
    tracks = json.loads(rendered["jspf"])["playlist"]["track"]
    assert [t["location"] for t in tracks] == [
        [f"https://example.org/{n}.ogg"] for n in range(len(HOSTILE))
    ]
    assert tracks[1]["title"] == "nulinside"
    assert all("\x00" not in t["title"] and "\x1b" not in t["creator"] for t in tracks)


def test_m3u8_keeps_two_lines_per_track(rendered):
    lines = rendered["m3u8"].decode("utf-8").split("\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    assert lines[0] == "#EXTM3U"
    assert lines[1].startswith("#PLAYLIST:")
    body = lines[2:]
    assert len(body) == 2 * len(HOSTILE)
    assert all(line.startswith("#EXTINF:-1,") for line in body[0::2])
    assert body[1::2] == [f"https://example.org/{n}.ogg" for n in range(len(HOSTILE))]
    assert not any(c in "".join(lines) for c in "\r\x00\x1b\x0b\x0c\x85\u2028\u2029")


def test_csv_parses_back_with_every_cell_safe(rendered):
    text = rendered["csv"].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["position", "title", "artist", "spotify_uri", "location", "score", "reason"]
    assert len(rows) == 1 + len(HOSTILE)
    for number, row in enumerate(rows[1:]):
        assert len(row) == 7
        assert row[0] == str(number + 1)
        assert float(row[5]) == pytest.approx(-0.25 * number)
        for cell in (row[1], row[2], row[3], row[4], row[6]):
            assert not cell.startswith(FORMULA), cell[:40]
            assert not set(cell) & (FORBIDDEN_IN_XML | {"\n", "\r", "\t", "\x7f"})
    assert rows[4][1] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[6][1] == "'-3.2"
    assert rows[8][1] == "'=1+1"
