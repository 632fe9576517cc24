"""The snapshot of a catalogue in memory (catalogue/snapshot.py): only after one was read, and
not after the file changed."""

from __future__ import annotations

import numpy as np

from moodtune.catalogue.sqlite import Catalogue


def test_snapshot_in_memory_only_after_a_snapshot(copy_catalogue):
    catalogue = copy_catalogue()
    assert catalogue.snapshot_in_memory(100) is None  # nothing read yet
    taken = catalogue.snapshot(100)
    again = catalogue.snapshot_in_memory(100)
    assert again is not None and again.arrays is taken.arrays
    track_id = catalogue.tracks_by_rowid([int(taken.arrays.rowids[0])])
    catalogue.record_played(next(iter(track_id.values())).track_id)
    # Its own write: read again by the writer, in memory at once with the play.
    assert np.array_equal(catalogue.snapshot_in_memory(100).recent, taken.arrays.rowids[:1])
    with Catalogue.open(catalogue.path, model=catalogue.model) as other:
        other.record_played(next(iter(track_id.values())).track_id)
    assert catalogue.snapshot_in_memory(100) is None  # another connection changed the file
    assert np.array_equal(catalogue.snapshot(100).recent, taken.arrays.rowids[:1])
