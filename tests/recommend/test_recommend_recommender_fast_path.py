"""The recommender's fast path does no I/O beyond ``PRAGMA data_version``."""

from __future__ import annotations

import pathlib
from pathlib import Path

import pytest

from moodtune.recommend.recommender import MODES, MusicRecommender

# --- the fast path: no I/O beyond PRAGMA data_version ------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_recommend_cached_runs_no_query_and_checks_no_file(
    copy_catalogue, monkeypatch: pytest.MonkeyPatch, mode
):
    catalogue = copy_catalogue()
    recommender = MusicRecommender(catalogue, seed=3)
    first = recommender.recommend("fear", k=10, mode=mode)  # warms every cache
    statements: list[str] = []
    catalogue._connection.set_trace_callback(statements.append)
    checked: list[Path] = []
    real_is_file = pathlib.Path.is_file

    def is_file(self: pathlib.Path) -> bool:  # a spy: counts, then asks the real file system
        checked.append(self)
        return real_is_file(self)

    monkeypatch.setattr(pathlib.Path, "is_file", is_file)

    assert recommender.recommend_cached("fear", k=10, mode=mode) is not None
    assert set(statements) == {"PRAGMA data_version"} and not checked

    # After a write, the fast path declines rather than query the changed file.
    catalogue._connection.set_trace_callback(None)
    catalogue.record_played(first[0].track_id)
    catalogue._connection.set_trace_callback(statements.append)
    statements.clear()
    assert recommender.recommend_cached("fear", k=10, mode=mode) is None
    assert set(statements) == {"PRAGMA data_version"} and not checked
    # The full path (a worker thread in the app) refills the memory: fast again, and fresh.
    recommender.recommend("fear", k=10, mode=mode)
    statements.clear()
    again = recommender.recommend_cached("fear", k=10, mode=mode)
    assert again is not None and first[0].track_id not in {r.track_id for r in again}
    assert set(statements) == {"PRAGMA data_version"} and not checked
    catalogue._connection.set_trace_callback(None)
