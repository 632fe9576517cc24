"""Playlists out: ``moodtune recommend --playlist`` in every format, read back by each format's
reference reader (the XSPF validated against the specification's schema)."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from moodtune.errors import MoodtuneError
from moodtune.playlists import PlaylistEntry, render_playlist

xmlschema = pytest.importorskip("xmlschema", reason="the XSPF check needs the 'dev' extra")

XSPF = "{http://xspf.org/ns/0/}"
SCHEMA = Path(__file__).with_name("xspf-1.xsd")


@pytest.fixture(scope="module")
def spotify_catalogue(tmp_path_factory: pytest.TempPathFactory, datasets) -> Path:
    """A catalogue of 300 TidyTuesday tracks (with Spotify ids), no built-in clips."""
    folder = tmp_path_factory.mktemp("playlists")
    table = folder / "songs.csv"
    pd.read_csv(datasets / "tidytuesday/spotify_songs.csv", nrows=300).to_csv(table, index=False)
    path = folder / "songs.sqlite"
    from moodtune.catalogue.sqlite import Catalogue
    from moodtune.data.readers import read_tracks

    with Catalogue.open(path, fill_builtin=False) as opened:
        opened.import_table(read_tracks(table), source="tidytuesday")
    return path


def recommend(run_cli, catalogue: Path, playlist: Path, k: int = 6) -> list[dict]:
    code, out, err = run_cli(
        "recommend", "--emotion", "happy", "--k", str(k), "--seed", "3",
        "--catalogue", str(catalogue), "--playlist", str(playlist), "--json",
    )  # fmt: skip
    assert code == 0, err
    assert f"playlist of {k} tracks" in err
    return json.loads(out)["tracks"]


def test_m3u8_of_local_clips_lists_their_files(run_cli, tmp_path: Path):
    from moodtune.catalogue.builtin import open_catalogue

    playlist = tmp_path / "happy.m3u8"
    open_catalogue(tmp_path / "builtin.sqlite").close()  # a new one holds the built-in clips
    tracks = recommend(run_cli, tmp_path / "builtin.sqlite", playlist)
    lines = playlist.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    infos = [line for line in lines if line.startswith("#EXTINF:")]
    files = [Path(line) for line in lines if not line.startswith("#")]
    assert [info.split(",", 1)[1] for info in infos] == [t["title"] for t in tracks]
    assert len(files) == len(tracks) == 6
    assert all(file.is_absolute() and file.is_file() for file in files)


def test_xspf_is_valid_and_names_spotify_tracks(run_cli, spotify_catalogue, tmp_path: Path):
    playlist = tmp_path / "happy.xspf"
    tracks = recommend(run_cli, spotify_catalogue, playlist)
    xmlschema.XMLSchema11(SCHEMA).validate(playlist)
    root = ET.parse(playlist).getroot()
    listed = root.findall(f"{XSPF}trackList/{XSPF}track")
    assert [t.findtext(f"{XSPF}title") for t in listed] == [t["title"] for t in tracks]
    for element, track in zip(listed, tracks, strict=True):
        # The Spotify URI and link are identifiers: no media player plays a web page, so a
        # track only Spotify plays has no <location>.
        assert [e.text for e in element.findall(f"{XSPF}identifier")] == [
            f"spotify:track:{track['spotify_id']}",
            f"https://open.spotify.com/track/{track['spotify_id']}",
        ]
        assert element.find(f"{XSPF}location") is None
        assert element.findtext(f"{XSPF}creator") == track["artist"]


def test_m3u8_of_spotify_tracks_lists_their_spotify_uris(run_cli, spotify_catalogue, tmp_path):
    playlist = tmp_path / "happy.m3u8"
    tracks = recommend(run_cli, spotify_catalogue, playlist)
    lines = playlist.read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if not line.startswith("#")] == [
        f"spotify:track:{t['spotify_id']}" for t in tracks
    ]


def test_jspf_is_json_in_the_xspf_shape(run_cli, spotify_catalogue, tmp_path: Path):
    playlist = tmp_path / "happy.jspf"
    tracks = recommend(run_cli, spotify_catalogue, playlist)
    document = json.loads(playlist.read_text(encoding="utf-8"))
    listed = document["playlist"]["track"]
    assert [t["title"] for t in listed] == [t["title"] for t in tracks]
    assert [t["identifier"][0] for t in listed] == [
        f"spotify:track:{t['spotify_id']}" for t in tracks
    ]
    assert all("location" not in t for t in listed)


def test_csv_has_spotify_uris_in_order(run_cli, spotify_catalogue, tmp_path: Path):
    playlist = tmp_path / "happy.csv"
    tracks = recommend(run_cli, spotify_catalogue, playlist)
    with playlist.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["position"] for row in rows] == [str(n) for n in range(1, 7)]
    assert [row["spotify_uri"] for row in rows] == [
        f"spotify:track:{t['spotify_id']}" for t in tracks
    ]
    assert [row["artist"] for row in rows] == [t["artist"] for t in tracks]
    assert [float(row["score"]) for row in rows] == pytest.approx(
        [t["score"] for t in tracks], abs=1e-4
    )
    assert [row["reason"] for row in rows] == [t["reason"] for t in tracks]


@pytest.mark.parametrize(
    ("name", "message"),
    [("out.pls", "use one of m3u8, xspf, jspf, csv"), ("missing/out.m3u8", "does not exist")],
)
def test_a_bad_playlist_path_is_one_line_and_writes_nothing(run_cli, tmp_path, name, message):
    target = tmp_path / name
    (tmp_path / "c.sqlite").touch()  # an existing (empty) catalogue: the playlist is the mistake
    code, _, err = run_cli(
        "recommend", "--emotion", "sad", "--catalogue", str(tmp_path / "c.sqlite"),
        "--playlist", str(target),
    )  # fmt: skip
    assert code == 2
    assert message in " ".join(err.split())
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def entry(title: str, location: str | None = "https://example.org/a.ogg") -> PlaylistEntry:
    return PlaylistEntry(title, "A & B <duo>", location, None, None, 0.5, 'calm "and" <tender>')


def test_titles_that_would_break_the_formats_are_kept_whole():
    tricky = entry("Line one\nline two & <three>")
    m3u8 = render_playlist([tricky], "m3u8").decode().splitlines()
    assert m3u8[2] == "#EXTINF:-1,A & B <duo> - Line one line two & <three>"
    root = ET.fromstring(render_playlist([tricky], "xspf"))
    # A line break is a space in every format (names are one line).
    assert root.findtext(f"{XSPF}trackList/{XSPF}track/{XSPF}title") == (
        "Line one line two & <three>"
    )
    xmlschema.XMLSchema11(SCHEMA).validate(render_playlist([tricky], "xspf").decode())


def test_m3u8_refuses_tracks_with_nowhere_to_play():
    with pytest.raises(MoodtuneError, match="cannot be in an M3U8 playlist"):
        render_playlist([entry("a"), entry("b", location=None)], "m3u8")
    assert b"<title>b</title>" in render_playlist([entry("b", location=None)], "xspf")
