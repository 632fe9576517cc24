"""Beyond one machine: one index file per shard, and the exact merge of the shards' answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from moodtune.errors import MoodtuneError
from moodtune.index.build import _LEVEL_FIELDS, _Grid, _Groups, _Level
from moodtune.index.common import _EMPTY, select

__all__ = ["load_index", "merge", "save_index"]


def merge(
    parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
    k: int,
    *,
    cap: int | None = None,
    used: Mapping[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The exact top-k of a sharded catalogue from each shard's own top-k.

    Parameters
    ----------
    parts : sequence of (ids, scores, artists)
        Per shard: the answer of its index for the same query, k, cap, ``used`` and excluded
        set (in the shard's own ids), as global track ids (m,), scores (m,) and artist codes
        (m,).
    k, cap, used
        As :meth:`TrackIndex.match`.

    Returns
    -------
    ids, scores : ndarray, shape (≤ k,)
        Best first, ties by global id: the answer one index over every shard would give.

    Notes
    -----
    Exact because a track of the global answer is in its shard's answer: were it not, its
    shard would have ``k`` better picks before it or ``cap`` better tracks of its artist;
    each of those is either in the global answer or blocked by ``cap`` better tracks of its
    artist, so at least ``k`` global picks (or ``cap`` of its artist) would come before it.
    """
    if not parts:
        return _EMPTY, np.zeros(0)
    ids = np.concatenate([np.asarray(p[0], dtype=np.int64) for p in parts])
    scores = np.concatenate([np.asarray(p[1], dtype=np.float64) for p in parts])
    artists = np.concatenate([np.asarray(p[2], dtype=np.int64) for p in parts])
    order = np.lexsort((ids, -scores))
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))  # ties by global id, through the rank
    chosen = select(rank, scores, artists[order], k, cap=cap, used=used)
    return ids[chosen], scores[chosen]


def save_index(artists: np.ndarray, groups: _Groups, grid: _Grid, path: str | Path) -> None:
    """Write an index's arrays to ``path`` (.npz: arrays only, no pickle)."""
    arrays = {"artists": artists, "grid_size": np.array(grid.size)}
    for name in ("columns", "ids", "starts", "sizes", "nested"):
        arrays[f"groups_{name}"] = getattr(groups, name)
    for level in ("fine", "coarse"):
        for name in _LEVEL_FIELDS:
            arrays[f"{level}_{name}"] = getattr(getattr(groups, level), name)
    for name in ("positions", "ids", "starts", "edges_x", "edges_y", "table"):
        arrays[f"grid_{name}"] = getattr(grid, name)
    with open(path, "wb") as handle:  # np.savez would add .npz to a name without it
        np.savez(handle, **arrays)


def load_index(path: str | Path) -> tuple[np.ndarray, _Groups, _Grid]:
    """The artists, groups and grid written by :func:`save_index` (``allow_pickle=False``)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError) as error:
        raise MoodtuneError(f"{path}: not a readable index file ({error})") from None
    try:
        levels = {
            level: _Level(*(arrays[f"{level}_{name}"] for name in _LEVEL_FIELDS))
            for level in ("fine", "coarse")
        }
        groups = _Groups(
            *(arrays[f"groups_{n}"] for n in ("columns", "ids", "starts", "sizes", "nested")),
            levels["fine"],
            levels["coarse"],
        )
        grid = _Grid(
            int(arrays["grid_size"]),
            *(
                arrays[f"grid_{n}"]
                for n in ("positions", "ids", "starts", "edges_x", "edges_y", "table")
            ),
        )
        return arrays["artists"], groups, grid
    except KeyError as error:
        raise MoodtuneError(f"{path}: not an index file (no array {error})") from None
