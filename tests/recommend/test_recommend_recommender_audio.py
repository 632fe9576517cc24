"""Local audio vs remote URLs in the recommender's results: has_audio only for a local file
that exists."""

from __future__ import annotations

import pytest

from moodtune.catalogue.sqlite import Catalogue
from moodtune.recommend import recommender as recommender_module
from moodtune.recommend.recommender import MODES, MusicRecommender

# --- has_audio: a local file that exists; a remote URL apart -----------------------------------


def test_only_existing_local_files_count_as_audio(tmp_path, emotion_model, make_table):
    present = tmp_path / "present.wav"
    present.write_bytes(b"RIFF....WAVE")  # exists; its content does not matter here
    audio = [
        "https://example.org/a.mp3",  # remote: never has_audio, shown as remote_audio_url
        "HTTP://example.org/b.mp3",  # remote too (the scheme's case does not matter)
        str(present),
        str(tmp_path / "gone.wav"),  # a local path whose file does not exist
        None,
        None,
    ]
    table = make_table(6)
    catalogue = Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False)
    with catalogue:
        catalogue.import_table(table, source="small", audio_paths=audio)
        ids = table.frame["track_id"].tolist()
        recommender = MusicRecommender(catalogue, artist_cap=None, duplicate_distance=0)
        for mode in MODES:
            results = {r.track_id: r for r in recommender.recommend("sadness", 6, mode)}
            assert set(results) == set(ids)
            assert [results[i].has_audio for i in ids] == [False, False, True, False, False, False]
            assert [results[i].remote_audio_url for i in ids] == [
                "https://example.org/a.mp3",
                "HTTP://example.org/b.mp3",
                None,
                None,
                None,
                None,
            ]
            assert all(r.audio_url is None for r in results.values())  # the web layer's URL
            assert results[ids[0]].to_dict()["remote_audio_url"] == "https://example.org/a.mp3"


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("https://example.org/a.mp3", True),
        ("http://example.org:8080/x?y=1", True),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("data:audio/wav;base64,AAAA", False),
        ("https:///no-host", False),
        ("", False),
        (None, False),
    ],
)
def test_web_url_keeps_only_http_urls_with_a_host(value, kept):
    assert recommender_module.web_url(value) == (value if kept else None)
