"""The play history never empties the catalogue (issue 11): when every fitting track was
played, the least recently played come back."""

from __future__ import annotations

import pytest

from moodtune.catalogue.builtin import open_catalogue
from moodtune.catalogue.sqlite import Catalogue
from moodtune.recommend.recommender import MODES, MusicRecommender


@pytest.mark.parametrize("mode", MODES)
def test_after_every_track_was_played_the_least_recent_come_back(tmp_path, mode):
    pytest.importorskip("moodtune.audio.builtin")
    with open_catalogue(tmp_path / "builtin.sqlite") as catalogue:
        order = [record.track_id for record in catalogue.tracks_by_rowid(range(1, 29)).values()]
        assert len(order) == 28
        for track_id in order:  # every built-in clip, one after the other
            catalogue.record_played(track_id)
        assert len(catalogue.recent_rowids(100)) == 28
        results = MusicRecommender(catalogue, seed=2).recommend("happiness", k=10, mode=mode)
    assert len(results) == 10
    newest = set(order[14:])  # the 14 most recently played stay out
    assert not {r.track_id for r in results} & newest


def test_recent_plays_come_newest_first(tmp_path, make_table, emotion_model):
    with Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False) as c:
        table = make_table(5)
        c.import_table(table, source="t")
        ids = list(table.frame["track_id"])
        for track_id in [ids[0], ids[1], ids[2], ids[0]]:
            c.record_played(track_id)
        rowids = c.recent_rowids(10).tolist()
        by_rowid = {rowid: r.track_id for rowid, r in c.tracks_by_rowid(rowids).items()}
    assert [by_rowid[r] for r in rowids] == [ids[0], ids[2], ids[1]]
