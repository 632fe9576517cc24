"""MusicRecommender: tracks for an emotion, or a path from it, with a reason for each.

The modes are defined once, in :mod:`moodtune.recommend.modes`, the targets in
:mod:`moodtune.recommend.moods`:

- a mode without an end (``match``) ranks the tracks nearest to the target's point on the
  valence/arousal plane, where the reading learned from listeners places them
  (``score = 1 - distance / 2√2``), the predicted emotion distribution deciding only among
  tracks about equally near (:func:`~moodtune.recommend.ranking.by_point`); a track is a
  close match only inside the target's region (:mod:`moodtune.recommend.matching`);
- a mode with an end on the valence/arousal plane (``uplift``: happiness, ``calm``: neutral
  valence, low arousal) is an ordered playlist following the ISO principle of music
  therapy: it starts where ``match`` aims for the target (:func:`~moodtune.recommend.moods.
  aim`) and steps, track by track, along the straight line to where it aims for the end
  (``score = 1 - distance to the step's point / 2√2``).

Variety: at most ``artist_cap`` tracks per primary artist, no two tracks with near-identical
feature vectors, nothing from the last ``exclude_recent`` plays (unless too few tracks are
left: then the least recently played come back) or disliked, and a random
choice (seedable) among candidates whose scores are within ``tolerance`` of each other.

Speed: the rankings and the shown data of tracks are kept per catalogue revision
(:mod:`moodtune.recommend.supply`); a request for a target seen before only draws the random
choice and applies the variety rules. History and dislikes are read again whenever the
catalogue file changed (:class:`moodtune.catalogue.store.Remembered`).

Examples
--------
>>> import tempfile, pathlib
>>> from moodtune.catalogue.builtin import open_catalogue
>>> with open_catalogue(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as catalogue:
...     tracks = MusicRecommender(catalogue, seed=0).recommend("sadness", k=3, mode="calm")
>>> [item.reason.split("; ")[1].split(",")[0] for item in tracks]  # doctest: +NORMALIZE_WHITESPACE
['step 1/3 from sadness toward calm', 'step 2/3 from sadness toward calm',
 'step 3/3 from sadness toward calm']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from moodtune import emotions
from moodtune.catalogue.arrays import CatalogueArrays
from moodtune.catalogue.protocol import CatalogueView
from moodtune.catalogue.snapshot import Snapshot
from moodtune.catalogue.taste import FeedbackState, Taste
from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.index import path_points
from moodtune.recommend.matching import is_close, sides
from moodtune.recommend.modes import K_MAX, K_MIN, MODES, Mode, mode_named
from moodtune.recommend.moods import aim, mood_named
from moodtune.recommend.picker import Picker
from moodtune.recommend.ranking import by_plane, by_point
from moodtune.recommend.shown import Recommendation, describe, web_url
from moodtune.recommend.supply import PRELOAD_TRACKS, Compute, Loader, Memory
from moodtune.recommend.target import ResolvedTarget

__all__ = ["K_MAX", "K_MIN", "MODES", "MusicRecommender", "Recommendation", "Request", "web_url"]

#: A target: an emotion, alias or mood word, a mapping emotion → weight, 7 weights in EMOTIONS
#: order, or a :class:`~moodtune.recommend.target.ResolvedTarget`.
Target = str | Mapping[str, float] | Sequence[float] | ResolvedTarget
#: (array index, score, the second part of the reason) of each track picked.
Picks = list[tuple[int, float, str]]


@dataclass(frozen=True)
class _Walk:
    """One pass over the catalogue for a request: its arrays, the variety rules (with the
    taste), the random generator of the choice among near-equal tracks, and the source of
    rankings (a :class:`Loader`, or a :class:`Memory` that may lack them)."""

    arrays: CatalogueArrays
    picker: Picker
    rng: np.random.Generator
    source: Loader | Memory
    feedback: FeedbackState | None = None


@dataclass(frozen=True)
class Request:
    """A checked request: the target ``distribution`` (7,), its ``point`` (2,) on the
    valence/arousal plane and ``name``, ``k`` and the :class:`Mode`.

    Examples
    --------
    >>> Request.of("sad", 5, "uplift").mode.goal
    'happiness'
    >>> calm = Request.of("calm", 5, "match")
    >>> calm.name, calm.point.tolist(), calm.distribution.round(2).tolist()
    ('calm', [0.55, -0.6], [0.0, 0.0, 0.0, 0.4, 0.6, 0.0, 0.0])
    >>> Request.of("sad", 500, "match")
    Traceback (most recent call last):
    ...
    moodtune.errors.MoodtuneError: k must be a whole number from 1 to 50; got 500
    """

    distribution: np.ndarray
    k: int
    mode: Mode
    point: np.ndarray
    name: str

    @classmethod
    def of(cls, target: Target, k: int, mode: str) -> Request:
        """Check the arguments of :meth:`MusicRecommender.recommend` (errors name them)."""
        if isinstance(target, ResolvedTarget):
            distribution, point, name = target.vector, target.point, target.top
        elif isinstance(target, str):
            mood = mood_named(target)
            distribution, point, name = mood.distribution, mood.point, mood.name
        else:
            distribution = emotions.distribution(target)
            point = np.asarray(emotions.valence_arousal(distribution), dtype=np.float64)
            name = EMOTIONS[int(np.argmax(distribution))]
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not K_MIN <= k <= K_MAX:
            raise MoodtuneError(f"k must be a whole number from {K_MIN} to {K_MAX}; got {k!r}")
        return cls(distribution, int(k), mode_named(mode), point, name)


class MusicRecommender:
    """Recommends catalogue tracks for an emotion or an emotion distribution.

    ``catalogue``: any :class:`~moodtune.catalogue.protocol.CatalogueView` (the SQLite
    ``Catalogue``, a :class:`~moodtune.catalogue.memory.MemoryCatalogue`).

    ``artist_cap=None`` lifts the cap (for a catalogue of one artist, say). ``seed`` makes
    every call reproducible (the same catalogue, target, k and mode give the
    same list); ``None`` gives a fresh choice among near-equal tracks on each call.

    A recommender is safe to share between threads; it keeps rankings and track data for
    the current catalogue revision (see the module's docstring).
    """

    def __init__(
        self,
        catalogue: CatalogueView,
        *,
        artist_cap: int | None = 2,
        seed: int | None = None,
        exclude_recent: int = 100,
        tolerance: float = 0.02,
        duplicate_distance: float = 0.03,
        taste_weight: float = 0.3,
    ) -> None:
        if artist_cap is not None and (not isinstance(artist_cap, int) or artist_cap < 1):
            raise MoodtuneError(
                f"artist_cap must be a whole number ≥ 1 (or None for no cap); got {artist_cap!r}"
            )
        if exclude_recent < 0:
            raise MoodtuneError(f"exclude_recent must be ≥ 0; got {exclude_recent!r}")
        if not 0.0 <= tolerance <= 1.0:
            raise MoodtuneError(f"tolerance must be from 0 to 1; got {tolerance!r}")
        if not 0.0 <= taste_weight <= 1.0:
            raise MoodtuneError(f"taste_weight must be from 0 to 1; got {taste_weight!r}")
        self.catalogue = catalogue
        self.artist_cap = artist_cap
        self.seed = seed
        self.exclude_recent = int(exclude_recent)
        self.tolerance = float(tolerance)
        self.duplicate_distance = float(duplicate_distance)
        self.taste_weight = float(taste_weight)
        self._memory = Memory()
        self._loader = Loader(self._memory, catalogue)
        self._rankings = self._memory.rankings

    def recommend(self, target: Target, k: int = 10, mode: str = "match") -> list[Recommendation]:
        """Up to ``k`` tracks for ``target`` (an emotion or alias, a mapping emotion → weight,
        or 7 weights in EMOTIONS order; weights are normalised) in ``mode`` (a name of
        :data:`~moodtune.recommend.modes.MODES`).

        A mood word ("calm", "nostalgic") or a :class:`ResolvedTarget` aims at its own point
        of the valence/arousal plane. Fewer than ``k`` come back only when the catalogue has
        no more eligible tracks.
        """
        request = Request.of(target, k, mode)
        snapshot = self.catalogue.snapshot(self.exclude_recent)
        return self._answer(request, snapshot, self._loader)  # type: ignore[return-value]

    def recommend_cached(
        self, target: Target, k: int = 10, mode: str = "match"
    ) -> list[Recommendation] | None:
        """:meth:`recommend` if it can answer at once, else None.

        At once means: the catalogue's arrays, history and 👍/👎 (``snapshot_in_memory``,
        which never waits for another thread, a writer included), the rankings the request
        needs and the data of the tracks it picks are all in memory, so that only the cheap
        part runs (the SQLite catalogue reads one ``PRAGMA data_version`` on a connection of
        its own, no page of the file). For an event loop that must not wait: on None, call
        :meth:`recommend` in a worker thread. The answer is the one :meth:`recommend` would
        give (the same list for the same ``seed``); bad arguments raise the same errors.
        """
        request = Request.of(target, k, mode)
        snapshot = self.catalogue.snapshot_in_memory(self.exclude_recent)
        if snapshot is None:
            return None
        return self._answer(request, snapshot, self._memory)

    def clear_cache(self) -> None:
        """Forget the kept rankings and track data (they are also dropped by themselves
        whenever the catalogue's arrays change)."""
        self._memory.clear()

    def warm(self) -> None:
        """Load now what the first request would otherwise load: the catalogue's arrays and,
        for a catalogue of at most :data:`~moodtune.recommend.supply.PRELOAD_TRACKS` tracks,
        the shown data of every track (a server calls this at start-up, in a worker thread)."""
        arrays = self.catalogue.arrays()
        if 0 < arrays.size <= PRELOAD_TRACKS:
            self._loader.whole(arrays)

    # --- one request -------------------------------------------------------------------------

    def _answer(
        self, request: Request, snapshot: Snapshot, source: Loader | Memory
    ) -> list[Recommendation] | None:
        """The recommendations, or None when ``source`` lacks something (only a
        :class:`Memory` does)."""
        arrays = snapshot.arrays
        if arrays.size == 0:
            raise MoodtuneError(
                f"the catalogue {self.catalogue.where} is empty: add tracks with "
                "'moodtune catalog import FILE'"
            )
        feedback, disliked, taste = self._feedback(snapshot)
        # The history never empties the catalogue: when too few tracks are left, the window
        # of recent plays shrinks (by half each time), so the least recently played come back.
        window = len(snapshot.recent)
        while True:
            excluded = set(snapshot.recent_positions(window).tolist())
            picker = Picker(
                arrays, excluded, self.artist_cap, self.duplicate_distance, request.k, taste
            )
            picker.mask = disliked
            walk = _Walk(arrays, picker, np.random.default_rng(self.seed), source, feedback)
            picks = (self._match if request.mode.end is None else self._path)(request, walk)
            if picks is None:
                return None
            if len(picks) >= request.k or window == 0:
                break
            window //= 2
        infos = source.infos(arrays, [index for index, _, _ in picks])
        if infos is None:
            return None
        results = [infos[index].recommendation(score, detail) for index, score, detail in picks]
        if request.mode.end is None:
            region = sides(request.point)
            for item, (index, _, _) in zip(results, picks, strict=True):
                item.close = is_close(region, arrays.reading_z[index])
        return results

    def _feedback(
        self, snapshot: Snapshot
    ) -> tuple[FeedbackState, np.ndarray | None, Taste | None]:
        """The feedback state, the mask of disliked tracks over the arrays (None: none
        disliked) and the taste (None: no feedback, or ``taste_weight`` 0), kept per feedback
        state and arrays."""
        arrays, state = snapshot.arrays, snapshot.feedback
        if state is None:
            state = FeedbackState(snapshot.liked, snapshot.disliked)
        mask, taste = state.for_arrays(arrays)
        return (
            state,
            mask if len(state.disliked) else None,
            taste if self.taste_weight > 0 else None,
        )

    def _search(
        self,
        walk: _Walk,
        key: tuple,
        compute: Compute,
        want: int,
        attempt: Callable[[np.ndarray, np.ndarray], list[tuple[int, float]]],
        enough: Callable[[list[tuple[int, float]]], bool],
    ) -> list[tuple[int, float]] | None:
        """The ranking loop of every mode: the first ``want`` tracks of the ranking for
        ``key``, ordered by score plus taste plus a random jitter (:meth:`_order`), go to
        ``attempt``; when its picks are not ``enough``, the pool grows ×4 and it tries
        again, until the pool is the whole catalogue. None when ``source`` lacks the ranking.
        """
        arrays = walk.arrays
        want = min(arrays.size, want)
        while True:
            found = self._head(walk, key, compute, want)
            if found is None:
                return None
            indices, scores, whole = found
            order = self._order(walk, indices, scores)
            picked = attempt(indices[order], scores[order])
            if enough(picked) or whole:
                return picked
            want = min(arrays.size, want * 4)

    def _head(
        self, walk: _Walk, key: tuple, compute: Compute, want: int
    ) -> tuple[np.ndarray, np.ndarray, bool] | None:
        """The first ``want`` tracks of the ranking for ``key`` that are not disliked (their
        indices and scores), and whether they are all the catalogue has; None when the source
        lacks the ranking. Disliked tracks are dropped by the feedback state's mask, once per
        ranking; the ranking grows past them until ``want`` others are found."""
        arrays, mask = walk.arrays, walk.picker.mask
        ranking = walk.source.ranking(arrays, key, want, compute)
        while ranking is not None:
            if mask is None or walk.feedback is None:
                indices, scores = ranking.indices, ranking.scores
            else:
                indices, scores = walk.feedback.eligible(ranking, mask)
            whole = len(ranking) >= arrays.size
            if len(indices) >= want or whole:
                return indices[:want], scores[:want], whole and len(indices) <= want
            bigger = min(arrays.size, 2 * len(ranking) + 2 * (want - len(indices)))
            ranking = walk.source.ranking(arrays, key, bigger, compute)
        return None

    def _order(self, walk: _Walk, indices: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """The order to try candidates in: by score, plus the listener's taste (weighted),
        plus a random jitter of up to ``tolerance`` (the choice among near-equal tracks)."""
        jittered = scores + walk.rng.uniform(0.0, self.tolerance, len(scores))
        taste = walk.picker.taste
        if taste is not None:
            jittered += self.taste_weight * taste.scores_at(walk.arrays.vectors, indices)
        return np.argsort(-jittered, kind="stable")

    # --- the two kinds of mode ----------------------------------------------------------------

    def _match(self, request: Request, walk: _Walk) -> Picks | None:
        """``k`` tracks nearest to the target's point (the distribution within), best first."""
        distribution, k, picker = request.distribution, request.k, walk.picker
        point = aim(request.point)

        def attempt(ordered: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
            picker.reset()  # each attempt chooses afresh from its larger pool
            return picker.take(ordered, scores, k)

        chosen = self._search(
            walk,
            ("match", point.tobytes(), distribution.tobytes()),
            lambda count: by_point(walk.arrays, point, distribution, count),
            8 * k + 2 * len(picker.excluded) + 32,
            attempt,
            lambda picked: len(picked) == k,
        )
        if chosen is None:
            return None
        named = describe(distribution) if request.name in EMOTIONS else request.name
        picks = sorted(chosen, key=lambda pick: -pick[1])
        return [(i, s, f"match {s:.2f} to {named}") for i, s in picks]

    def _path(self, request: Request, walk: _Walk) -> Picks | None:
        """One track per step from the target's point on the plane to the mode's end, listed
        in order along the mode's axis (:meth:`Mode.along`): a path never steps back."""
        k, mode, arrays, picker = request.k, request.mode, walk.arrays, walk.picker
        finish = np.array([mode.end.valence, mode.end.arousal])  # type: ignore[union-attr]
        chosen: list[tuple[int, float]] = []
        for point in path_points(aim(request.point), aim(finish), k):
            found = self._search(
                walk,
                ("plane", point.tobytes()),
                lambda count, at=point: by_plane(arrays, at, count),
                32 + 2 * (len(picker.excluded) + len(picker.chosen)),
                lambda ordered, scores: picker.take(ordered, scores, len(picker.chosen) + 1),
                bool,
            )
            if found is None:
                return None
            if not found:
                break  # the catalogue has no eligible track left
            chosen.extend(found)
        order = mode.along(_places(arrays, np.array([index for index, _ in chosen], dtype=int)))
        picks: Picks = []
        for number, (index, score) in enumerate((chosen[i] for i in order), start=1):
            v, a = arrays.position[index]
            where = f"at ({v:+.2f}, {a:+.2f}) on the valence/arousal plane"
            goal = mode.goal or mode.name
            text = f"step {number}/{k} from {request.name} toward {goal}, {where}"
            picks.append((index, score, text))
        return picks


def _places(arrays: CatalogueArrays, indices: np.ndarray) -> np.ndarray:
    """Where the tracks at ``indices`` lie on the plane, unclipped: half their reading's z
    (their plane position before the clip to ±1), their position when they have no reading."""
    z = arrays.reading_z[indices].astype(np.float64)
    return np.where(np.isfinite(z).all(axis=1)[:, None], 0.5 * z, arrays.position[indices])
