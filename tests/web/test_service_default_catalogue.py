"""The default catalogue holds real songs (issue 11): TidyTuesday's 28,356 Spotify songs,
shipped in the package, beside the 28 playable built-in clips; a smiling face gets songs
that match it (issue 10)."""

from __future__ import annotations

import pytest

from moodtune.catalogue.builtin import open_catalogue
from moodtune.catalogue.songs import default_songs


def test_the_shipped_songs_are_the_tidytuesday_tracks():
    songs = default_songs()
    assert len(songs.frame) == 28356
    assert songs.frame["track_id"].is_unique
    assert {"title", "artist"} <= set(songs.frame.columns)
    assert len(songs.feature_names) == 11


@pytest.fixture(scope="module")
def default_catalogue(tmp_path_factory):
    pytest.importorskip("moodtune.audio.builtin")
    path = tmp_path_factory.mktemp("default") / "catalogue.sqlite"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOODTUNE_CATALOGUE", str(path))
        catalogue = open_catalogue()  # the user's default catalogue: no path given
    yield catalogue
    catalogue.close()


def test_the_default_catalogue_is_filled_with_songs_and_clips(default_catalogue, tmp_path):
    assert default_catalogue.count() == 28356 + 28
    assert default_catalogue.stats().sources == {"tidytuesday": 28356, "builtin": 28}
    with open_catalogue(tmp_path / "named.sqlite") as named:  # a named one: clips only
        assert named.stats().sources == {"builtin": 28}


def test_a_smiling_face_gets_songs_that_match_it(default_catalogue, reader, astronaut_jpeg):
    from moodtune.recommend.recommender import MusicRecommender

    face = reader.read(astronaut_jpeg)
    assert face.top == "happiness"
    results = MusicRecommender(default_catalogue, seed=0).recommend(face.probabilities, k=10)
    assert sum(bool(r.close) for r in results) >= 6
    assert all(r.artist for r in results)  # real songs, with their artists
