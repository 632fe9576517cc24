"""The catalogue as numpy arrays: what the recommender searches, loaded once per revision.

At a million tracks the arrays take about 100 MB (float32 throughout) and a search touches
only them; titles and other text are read from SQLite for the k tracks that are returned.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import numpy as np

from moodtune.catalogue.schema import PROBABILITY_COLUMNS, READING_COLUMNS
from moodtune.data.features import SEED_FEATURES
from moodtune.emotions import to_plane, valence_arousal
from moodtune.index import TrackIndex
from moodtune.index.common import weighted_sum

#: Features compared to tell near-duplicate tracks apart (tempo divided by :data:`TEMPO_SCALE`).
SIMILARITY_FEATURES: tuple[str, ...] = SEED_FEATURES
TEMPO_SCALE = 250.0
_CHUNK = 65536

__all__ = [
    "SIMILARITY_FEATURES",
    "TEMPO_SCALE",
    "CatalogueArrays",
    "build_arrays",
    "fetch_matrix",
    "load_arrays",
    "plane_position",
    "weighted_sum",
]


def fetch_matrix(cursor: sqlite3.Cursor, rows: int, columns: int) -> np.ndarray:
    """All rows of ``cursor`` as float64 (NULL → NaN), shape (≤ rows, columns), in chunks.

    Reading in chunks keeps the peak memory near the size of the result.
    """
    out = np.empty((rows, columns), dtype=np.float64)
    filled = 0
    while True:
        chunk = cursor.fetchmany(_CHUNK)
        if not chunk:
            break
        block = np.array(chunk, dtype=np.float64)
        if filled + len(block) > rows:  # rows were added meanwhile; grow
            out = np.concatenate([out[:filled], np.empty_like(block)])
            rows = filled + len(block)
        out[filled : filled + len(block)] = block
        filled += len(block)
    return out[:filled]


def plane_position(
    valence: np.ndarray,
    energy: np.ndarray,
    probabilities: np.ndarray,
    reading_z: np.ndarray | None = None,
) -> np.ndarray:
    """Where tracks sit on the valence/arousal plane, shape (n, 2), both axes -1..1.

    Tracks with a reading learned from listeners sit where it puts them: the reading
    standardised against a typical track (``reading_z``, (n, 2)), halved and clipped, so that
    a typical track is at the centre and two standard deviations reach the edge. Others (a
    model without a reading) sit at the mean of two estimates: the features (valence, energy
    mapped from 0..1 to -1..1 by :func:`moodtune.emotions.to_plane`) and the expected
    valence/arousal of the predicted emotion distribution
    (:func:`moodtune.emotions.valence_arousal`), or the second alone when valence or energy
    is unknown.
    """
    predicted = valence_arousal(np.asarray(probabilities, dtype=np.float32))
    measured = to_plane(np.stack([valence, energy], axis=1)).astype(np.float32)
    blended = 0.5 * (measured + predicted)
    position = np.where(np.isnan(measured), predicted, blended)
    if reading_z is not None:
        listened = np.clip(0.5 * reading_z, -1.0, 1.0)
        position = np.where(np.isfinite(reading_z).all(axis=1)[:, None], listened, position)
    return position.astype(np.float32)


@dataclass(frozen=True)
class CatalogueArrays:
    """The searchable part of a catalogue revision, row ``i`` being one track.

    Shapes for n tracks:

    - ``rowids`` (n,) int64, ascending: the store's own key of each track (the SQLite row
      ids; an in-memory catalogue numbers its tracks). Only the catalogue reads them: the
      recommender speaks of array positions (:meth:`indices` turns keys into positions);
    - ``probabilities`` (n, 7) float32 in :data:`moodtune.emotions.EMOTIONS` order;
    - ``valence``, ``energy`` (n,) float32 in 0..1, NaN when unknown;
    - ``reading`` (n, 2) float32: the valence/arousal reading learned from listeners (−1..1),
      and ``reading_z`` (n, 2) the same standardised against a typical track; NaN without one;
    - ``position`` (n, 2) float32 on the valence/arousal plane (:func:`plane_position`);
    - ``vectors`` (n, 7) float32: the :data:`SIMILARITY_FEATURES` scaled to about 0..1;
    - ``artists`` (n,) int32 primary-artist codes, -1 when unknown;
    - ``index``: the :class:`~moodtune.index.TrackIndex` of the distributions,
      positions and artists, which the rankings (:mod:`moodtune.recommend.ranking`) search.
    """

    revision: int
    rowids: np.ndarray
    probabilities: np.ndarray
    valence: np.ndarray
    energy: np.ndarray
    reading: np.ndarray
    reading_z: np.ndarray
    position: np.ndarray
    vectors: np.ndarray
    artists: np.ndarray
    index: TrackIndex

    @property
    def size(self) -> int:
        return int(self.rowids.shape[0])

    def indices(self, rowids: np.ndarray) -> np.ndarray:
        """Array indices of the given keys (:attr:`rowids`); keys not in this revision are
        left out."""
        rowids = np.asarray(rowids, dtype=np.int64)
        at = np.searchsorted(self.rowids, rowids)
        at = np.clip(at, 0, max(self.size - 1, 0))
        found = self.size > 0
        return at[(self.rowids[at] == rowids)] if found else np.zeros(0, dtype=np.int64)

    @property
    def nbytes(self) -> int:
        arrays = (
            self.rowids,
            self.probabilities,
            self.valence,
            self.energy,
            self.reading,
            self.reading_z,
            self.position,
            self.vectors,
            self.artists,
        )
        return int(sum(a.nbytes for a in arrays)) + self.index.nbytes


def load_arrays(connection: sqlite3.Connection, revision: int) -> CatalogueArrays:
    """Read every classified track of the catalogue into :class:`CatalogueArrays`."""
    similarity = ", ".join(f"f.{name}" for name in SIMILARITY_FEATURES)
    total = connection.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
    cursor = connection.execute(
        "SELECT p.track, COALESCE(t.artist_id, -1), "
        f"{', '.join('p.' + c for c in (*PROBABILITY_COLUMNS, *READING_COLUMNS))}, "
        f"f.valence, f.energy, {similarity} "
        "FROM predictions p JOIN tracks t ON t.rowid = p.track "
        "LEFT JOIN features f ON f.track = p.track ORDER BY p.track"
    )
    k, r = len(PROBABILITY_COLUMNS), len(READING_COLUMNS)
    table = fetch_matrix(cursor, total, 2 + k + r + 2 + len(SIMILARITY_FEATURES))
    return build_arrays(
        revision,
        keys=table[:, 0],
        artists=table[:, 1],
        probabilities=table[:, 2 : 2 + k],
        reading=table[:, 2 + k : 2 + k + r],
        valence=table[:, 2 + k + r],
        energy=table[:, 3 + k + r],
        similarity=table[:, 4 + k + r :],
    )


def build_arrays(
    revision: int,
    *,
    keys: np.ndarray,
    artists: np.ndarray,
    probabilities: np.ndarray,
    reading: np.ndarray,
    valence: np.ndarray,
    energy: np.ndarray,
    similarity: np.ndarray,
) -> CatalogueArrays:
    """:class:`CatalogueArrays` of n tracks given as plain arrays, whatever holds them.

    ``keys`` (n,) ascending: the store's own key of each track; ``artists`` (n,) primary
    artist codes (-1: unknown); ``probabilities`` (n, 7) in EMOTIONS order; ``reading``
    (n, 4): valence, arousal and the same standardised (NaN: none); ``valence``, ``energy``
    (n,) features (NaN: unknown); ``similarity`` (n, 7) the raw :data:`SIMILARITY_FEATURES`.
    """
    probabilities = np.ascontiguousarray(probabilities, dtype=np.float32)
    reading_z = np.ascontiguousarray(reading[:, 2:4], dtype=np.float32)
    vectors = np.asarray(similarity).astype(np.float32)
    tempo = SIMILARITY_FEATURES.index("tempo") if "tempo" in SIMILARITY_FEATURES else None
    if tempo is not None:
        vectors[:, tempo] = np.clip(vectors[:, tempo] / TEMPO_SCALE, 0.0, 1.0)
    vectors = np.nan_to_num(vectors, nan=0.5)
    valence = np.asarray(valence).astype(np.float32)
    energy = np.asarray(energy).astype(np.float32)
    position = plane_position(valence, energy, probabilities, reading_z)
    artists = np.asarray(artists).astype(np.int32)
    return CatalogueArrays(
        revision=revision,
        rowids=np.asarray(keys).astype(np.int64),
        probabilities=probabilities,
        valence=valence,
        energy=energy,
        reading=np.ascontiguousarray(reading[:, 0:2], dtype=np.float32),
        reading_z=reading_z,
        position=position,
        vectors=np.ascontiguousarray(vectors),
        artists=artists,
        index=TrackIndex(probabilities, position, artists),
    )
