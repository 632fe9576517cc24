"""Spotify references (moodtune.data.spotify_ids): ids, URIs and links; bad ones refused."""

from __future__ import annotations

import pytest

from moodtune.data.spotify_ids import id_from_href, spotify_id
from moodtune.errors import MoodtuneError

ID = "37i9dQZF1DX1tyCD9QhIWF"


@pytest.mark.parametrize(
    "reference",
    [
        ID,
        f"spotify:playlist:{ID}",
        f"https://open.spotify.com/playlist/{ID}",
        f"https://open.spotify.com/playlist/{ID}?si=0123abcd",
        f"open.spotify.com/playlist/{ID}/",
        f"https://open.spotify.com/intl-de/playlist/{ID}",
        f"spotify:user:someone:playlist:{ID}",
        f"  {ID}  ",
    ],
)
def test_playlist_references(reference):
    assert spotify_id(reference, "playlist") == ID


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (f"spotify:track:{ID}", "is a Spotify track, not a playlist"),
        ("https://example.com/playlist/x", "is not a Spotify playlist"),
        (ID[:-1], "is not a Spotify playlist"),
        ("", "is not a Spotify playlist"),
    ],
)
def test_bad_references(reference, message):
    with pytest.raises(MoodtuneError, match=message):
        spotify_id(reference, "playlist")


def test_id_from_href():
    assert id_from_href(f"https://open.spotify.com/track/{ID}") == ID
    assert id_from_href(f"https://open.spotify.com/album/{ID}") is None
    assert id_from_href(None) is None
