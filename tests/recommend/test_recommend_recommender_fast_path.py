"""The recommender's fast path does no I/O beyond ``PRAGMA data_version``, on a connection of
its own (never the catalogue's, which writers hold)."""

from __future__ import annotations

import pathlib
from pathlib import Path

import pytest

from moodtune.catalogue.sqlite import Catalogue
from moodtune.recommend.recommender import MODES, MusicRecommender

# --- the fast path: no I/O beyond PRAGMA data_version ------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_recommend_cached_runs_no_query_and_checks_no_file(
    copy_catalogue, monkeypatch: pytest.MonkeyPatch, mode
):
    catalogue = copy_catalogue()
    recommender = MusicRecommender(catalogue, seed=3)
    first = recommender.recommend("fear", k=10, mode=mode)  # warms every cache
    on_catalogue: list[str] = []  # statements on the catalogue's own connection
    on_watch: list[str] = []  # and on the connection that only watches for changes
    checked: list[Path] = []
    real_is_file = pathlib.Path.is_file

    def is_file(self: pathlib.Path) -> bool:  # a spy: counts, then asks the real file system
        checked.append(self)
        return real_is_file(self)

    def trace(on: bool) -> None:
        catalogue._connection.set_trace_callback(on_catalogue.append if on else None)
        catalogue._remembered._watch.set_trace_callback(on_watch.append if on else None)
        on_catalogue.clear()
        on_watch.clear()

    monkeypatch.setattr(pathlib.Path, "is_file", is_file)
    trace(True)
    assert recommender.recommend_cached("fear", k=10, mode=mode) is not None
    assert not on_catalogue and set(on_watch) == {"PRAGMA data_version"} and not checked

    # A play through this catalogue: the writer read the history again, so the fast path
    # answers at once, with the play excluded, and still without a query of its own.
    trace(False)
    catalogue.record_played(first[0].track_id)
    trace(True)
    again = recommender.recommend_cached("fear", k=10, mode=mode)
    assert again is not None and first[0].track_id not in {r.track_id for r in again}
    assert not on_catalogue and set(on_watch) == {"PRAGMA data_version"} and not checked

    # A play by another connection (as another process would): the fast path declines
    # rather than query the changed file; the full path (a worker thread in the app) reads it.
    trace(False)
    with Catalogue.open(catalogue.path, model=catalogue.model) as other:
        other.record_played(first[1].track_id)
    trace(True)
    assert recommender.recommend_cached("fear", k=10, mode=mode) is None
    assert not on_catalogue and set(on_watch) == {"PRAGMA data_version"} and not checked
    recommender.recommend("fear", k=10, mode=mode)
    trace(True)
    latest = recommender.recommend_cached("fear", k=10, mode=mode)
    assert latest is not None and not {first[0].track_id, first[1].track_id} & {
        r.track_id for r in latest
    }
    assert not on_catalogue and set(on_watch) == {"PRAGMA data_version"} and not checked
    trace(False)
