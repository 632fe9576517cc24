"""Several writes in one transaction (``Store.batch``: what the web
app's writer thread does with the plays and 👍/👎 queued, issue 22), and a 👍/👎 stored in
one statement (``Catalogue.give_feedback``)."""

from __future__ import annotations

import sqlite3

import pytest

from moodtune.catalogue.builtin import open_catalogue
from moodtune.catalogue.history import give_feedback
from moodtune.catalogue.sqlite import Catalogue
from moodtune.errors import MoodtuneError


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "c.sqlite"
    open_catalogue(path).close()
    return path


def _ids(catalogue: Catalogue, count: int) -> list[str]:
    records = catalogue.tracks_by_rowid(list(range(1, count + 1)))
    return [records[r].track_id for r in range(1, count + 1)]


def _rows(path, table: str) -> int:
    with sqlite3.connect(path) as other:  # another connection: sees what is committed
        return other.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_the_writes_of_a_batch_are_committed_and_read_again_together(path):
    with Catalogue.open(path) as catalogue:
        first, second = _ids(catalogue, 2)
        before = catalogue.snapshot(10)
        with catalogue.batch():
            catalogue.add_feedback(first, liked=False)
            catalogue.record_played(second)
            assert _rows(path, "feedback") == 0 and _rows(path, "history") == 0
            during = catalogue.snapshot_in_memory(10)
            assert during is not None and during.disliked.tolist() == []  # as before
        assert _rows(path, "feedback") == 1 and _rows(path, "history") == 1
        after = catalogue.snapshot_in_memory(10)  # read again by the writer: at once
        assert before.disliked.tolist() == [] and after is not None
        assert after.disliked.tolist() == [1] and after.recent.tolist() == [2]


def test_an_unknown_track_is_refused_alone(path):
    with Catalogue.open(path) as catalogue:
        (first,) = _ids(catalogue, 1)
        with catalogue.batch():
            with pytest.raises(MoodtuneError, match="no track with id 'nope'"):
                catalogue.record_played("nope")
            with pytest.raises(MoodtuneError, match="no track with id 'nope'"):
                catalogue.add_feedback("nope", liked=True)
            catalogue.record_played(first)
        assert _rows(path, "history") == 1  # the others are written


def test_an_error_in_a_write_rolls_the_batch_back(path):
    with Catalogue.open(path) as catalogue:
        first, second = _ids(catalogue, 2)
        catalogue.snapshot(10)
        refused = pytest.raises(sqlite3.OperationalError, match="no such table")
        with refused, catalogue.batch():
            catalogue.record_played(first)
            with pytest.raises(sqlite3.OperationalError), catalogue.transaction() as connection:
                connection.execute("INSERT INTO absent VALUES (1)")
            with pytest.raises(sqlite3.OperationalError):  # the batch failed: no more
                catalogue.record_played(second)
        assert _rows(path, "history") == 0
        catalogue.record_played(second)  # a write after it is a transaction of its own
        assert _rows(path, "history") == 1
        assert catalogue.snapshot_in_memory(10).recent.tolist() == [2]


def test_the_same_verdict_twice_is_stored_once(path):
    with Catalogue.open(path) as catalogue:
        first, second = _ids(catalogue, 2)
        with catalogue.batch():  # the second sees the first, not yet committed
            assert give_feedback(catalogue, first, False, {"emotion": "sadness"})
            assert not give_feedback(catalogue, first, False, None)
        assert not catalogue.give_feedback(first, False)
        assert catalogue.give_feedback(first, True) and catalogue.give_feedback(second, True)
        with pytest.raises(MoodtuneError, match="no track with id 'nope'"):
            catalogue.give_feedback("nope", True)
        given = [(f.track_id, f.liked) for f in catalogue.feedback()]
        assert given == [(first, False), (first, True), (second, True)]
        assert catalogue.feedback()[0].context == {"emotion": "sadness"}
