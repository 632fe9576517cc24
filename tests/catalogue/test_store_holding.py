"""What a reader that does not wait (``Store.recall``) gets while the store writes: the file
as last committed, until the writer has read it again; then the change (catalogue/store.py)."""

from __future__ import annotations

import pytest

from moodtune.catalogue.store import Store


def test_recall_gives_the_last_commit_while_a_write_lasts(tmp_path):
    path = tmp_path / "c.sqlite"
    with Store.open(path) as store, Store.open(path) as other:
        assert store.revision == 0 and store.recall("revision") == 0  # remembered
        with store.transaction() as connection:
            store.bump(connection)
            assert store.recall("revision") == 0  # not committed: the last commit's
            assert store.revision == 1  # the writer itself reads its change
        assert store.recall("revision") is None  # committed: no longer the file's
        assert store.revision == 1 and store.recall("revision") == 1
        with other.transaction() as connection:  # another connection (a process) commits
            other.bump(connection)
        assert store.recall("revision") is None
        assert store.revision == 2


def test_a_failed_write_holds_nothing_back(tmp_path):
    path = tmp_path / "c.sqlite"
    with Store.open(path) as store, Store.open(path) as other:
        assert store.revision == 0
        with pytest.raises(RuntimeError, match="stop"), store.transaction() as connection:
            store.bump(connection)
            raise RuntimeError("stop")
        assert store.recall("revision") == 0  # rolled back: the file did not change
        with other.transaction() as connection:
            other.bump(connection)
        assert store.recall("revision") is None  # no hold left over from the failed write
        assert store.revision == 1


class Renewing(Store):
    """A store whose hook after each commit (where ``Catalogue`` reads the history again)
    notes what a reader that does not wait gets at that moment."""

    def __init__(self, *args, **options) -> None:
        super().__init__(*args, **options)
        self.seen: list[object] = []

    def _committed(self) -> None:
        self.seen.append(self.recall("revision"))


def test_between_the_commit_and_the_writer_reading_again_readers_get_the_last_commit(tmp_path):
    with Renewing.open(tmp_path / "c.sqlite") as store:
        assert store.revision == 0
        with store.transaction() as connection:
            store.bump(connection)
        # Committed, but the writer had not read the file again: the state before, not None
        # (a reader that found nothing would have gone to a worker thread to read it).
        assert store.seen == [0]
        assert store.recall("revision") is None and store.revision == 1
