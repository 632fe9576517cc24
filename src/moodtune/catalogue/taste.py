"""Feedback that changes later rankings: a listener's taste from their 👍 and 👎.

Each liked or disliked track is a point in the space of the tracks' feature vectors (the
seed's seven features, about 0..1; see :data:`moodtune.catalogue.arrays.SIMILARITY_FEATURES`).
A candidate's *taste* is how close it lies to the nearest liked track minus how close it
lies to the nearest disliked one, each closeness a Gaussian of the distance
(``exp(-d² / 2h²)``, bandwidth h): +1 for a twin of a liked track, −1 for a twin of a disliked
one, 0 far from both. The recommender adds ``weight × taste`` to a candidate's score before
the random choice among near-equal tracks, so feedback reorders the tracks that fit the mood
without pulling in tracks that do not. A kernel over examples (rather than a model fitted
to them) needs no training, works from the first 👍, follows a taste with several separate
kinds of track, and each bonus can be explained by the track it comes from.

What a request costs does not grow with the feedback given (issue 22: 76 ms per answer at
3,000 👎 before). :class:`~moodtune.catalogue.feedback_log.FeedbackLog` keeps, per SQLite
catalogue, the latest 👍/👎 of each track, updated from the feedback rows added since it last
looked (one indexed query for the new rows; a counter kept by a trigger tells when rows were
undone, and only then is the latest feedback of each track read again, see
:func:`moodtune.catalogue.queries.feedback_since`); it never rereads the whole table on a
new 👍/👎. Its :class:`FeedbackState` gives a request, once per catalogue revision and change
of feedback, a boolean mask of the disliked tracks over the arrays (a disliked track is
skipped by one array lookup, not by a search of every dislike) and the :class:`Taste` of the
:data:`MAX_EXAMPLES` most recent likes and dislikes: a request then costs the same at 0 and
at 100,000 feedback rows. Each track's taste is computed once per state and kept
(:class:`Nearest`: its nearest liked and disliked example); a state made after one more 👍/👎
starts from the one before it, comparing the tracks it knew with the new examples only, so a
👍/👎 under load does not make the following requests compute every taste again.

Examples
--------
>>> import numpy as np
>>> vectors = np.array([[0.1, 0.1], [0.9, 0.9], [0.12, 0.1]])
>>> taste = Taste.of(vectors, liked=np.array([0]), disliked=np.array([1]))
>>> taste.scores(vectors[2:]).round(2).tolist()
[0.99]
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from moodtune.catalogue.arrays import CatalogueArrays


#: Gaussian bandwidth in the feature space (features about 0..1; 0.15 ≈ a clear neighbour).
BANDWIDTH = 0.15
#: At most this many of the most recent likes (and dislikes) count.
MAX_EXAMPLES = 200
#: Rankings whose tracks left after the dislikes a feedback state keeps (then it forgets all).
MAX_KEPT_RANKINGS = 2048


@dataclass(frozen=True)
class Taste:
    """Liked and disliked feature vectors, shapes (p, f) and (q, f)."""

    liked: np.ndarray
    disliked: np.ndarray
    bandwidth: float = BANDWIDTH
    #: Each track's nearest liked and disliked example, kept by :meth:`scores_at` for the
    #: arrays it was made for (see :meth:`FeedbackState.for_arrays`), or None.
    memo: Nearest | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, vectors: np.ndarray, liked: np.ndarray, disliked: np.ndarray) -> Taste | None:
        """The taste of the tracks at array indices ``liked`` and ``disliked`` of ``vectors``
        (n, f); None without any feedback."""
        if len(liked) == 0 and len(disliked) == 0:
            return None
        return cls(
            np.ascontiguousarray(vectors[np.asarray(liked[:MAX_EXAMPLES], dtype=np.int64)]),
            np.ascontiguousarray(vectors[np.asarray(disliked[:MAX_EXAMPLES], dtype=np.int64)]),
        )

    def scores(self, candidates: np.ndarray) -> np.ndarray:
        """Taste of each candidate vector (m, f): shape (m,), −1..1."""
        return self._closeness(candidates, self.liked) - self._closeness(candidates, self.disliked)

    def scores_at(self, vectors: np.ndarray, indices: np.ndarray) -> np.ndarray:
        """Taste of the tracks at ``indices`` of ``vectors`` (n, f), as float32 values (so
        that a value computed now and one kept from before are the same number); each
        track's nearest examples computed once and kept in :attr:`memo` when there is one
        for these vectors."""
        memo = self.memo
        if memo is None or memo.size != len(vectors):
            return self.scores(vectors[indices]).astype(np.float32).astype(np.float64)
        return memo.scores_at(vectors, indices, self.bandwidth)

    def _closeness(self, candidates: np.ndarray, examples: np.ndarray) -> np.ndarray:
        """The kernel of each candidate's squared distance to its nearest example."""
        return kernel(nearest(candidates, examples)[0], self.bandwidth)


def kernel(squared: np.ndarray, bandwidth: float) -> np.ndarray:
    """The closeness ``exp(-d² / 2h²)`` of squared distances (inf: far from everything, 0)."""
    return np.exp(-np.maximum(squared, 0.0) / (2.0 * bandwidth**2))


def nearest(candidates: np.ndarray, examples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each candidate's squared distance to its nearest example and that example's row in
    ``examples`` (inf and -1 without examples), from ``|c|² + |e|² − 2 c·e`` (one small
    matrix product, no (m, p, f) array of gaps)."""
    if len(examples) == 0 or len(candidates) == 0:
        return np.full(len(candidates), np.inf), np.full(len(candidates), -1, dtype=np.int64)
    points = np.asarray(candidates, dtype=np.float64)
    known = np.asarray(examples, dtype=np.float64)
    squared = (
        np.einsum("mf,mf->m", points, points)[:, None]
        + np.einsum("pf,pf->p", known, known)[None, :]
        - 2.0 * (points @ known.T)
    )
    rows = squared.argmin(axis=1)
    return squared[np.arange(len(points)), rows], rows


class Nearest:
    """Per track of one revision's arrays, its squared distance to the nearest liked and the
    nearest disliked example, and which track those examples are (array positions; NaN and
    -1 where not yet known). A taste made after one more 👍/👎 starts from the one before
    (:meth:`after`): only the distances to the new examples are computed, and only the
    tracks whose nearest example left are forgotten (issue 22: every 👍/👎 emptied the
    kept tastes of the server, which then computed them again for every request)."""

    def __init__(self, size: int, liked: np.ndarray, disliked: np.ndarray) -> None:
        self.size = size
        #: The array positions of the examples, in the order of the taste's rows.
        self.examples = (np.asarray(liked, dtype=np.int64), np.asarray(disliked, dtype=np.int64))
        self.squared = np.full((2, size), np.nan)
        self.who = np.full((2, size), -1, dtype=np.int64)
        self.lock = threading.Lock()

    def scores_at(self, vectors: np.ndarray, indices: np.ndarray, bandwidth: float) -> np.ndarray:
        """The taste of the tracks at ``indices`` (float32 values as float64)."""
        with self.lock:
            squared = self.squared[:, indices]
        missing = np.isnan(squared[0]) | np.isnan(squared[1])
        if missing.any():
            fresh = indices[missing]
            found = [nearest(vectors[fresh], vectors[side]) for side in self.examples]
            with self.lock:
                for side, (distances, rows) in enumerate(found):
                    self.squared[side, fresh] = distances
                    self.who[side, fresh] = (
                        self.examples[side][rows] if len(self.examples[side]) else -1
                    )
                    squared[side, missing] = distances
        taste = kernel(squared[0], bandwidth) - kernel(squared[1], bandwidth)
        return taste.astype(np.float32).astype(np.float64)

    def after(self, vectors: np.ndarray, liked: np.ndarray, disliked: np.ndarray) -> Nearest:
        """The memo of a taste of examples ``liked`` and ``disliked`` (array positions) over
        the same ``vectors``, from this one's: a known track keeps its nearest example unless
        that example left (then it is computed again when asked for), and is compared with
        the new examples only."""
        memo = Nearest(self.size, liked, disliked)
        with self.lock:
            squared, who = self.squared.copy(), self.who.copy()
        for side, (before, now) in enumerate(zip(self.examples, memo.examples, strict=True)):
            left = _not_in(before, now)  # a few examples: a cheap test of every track
            if len(left):
                squared[side, np.isin(who[side], left)] = np.nan
            added = _not_in(now, before)
            known = np.flatnonzero(~np.isnan(squared[side]))
            if len(added) and len(known):
                distances, rows = nearest(vectors[known], vectors[added])
                closer = distances < squared[side, known]
                squared[side, known[closer]] = distances[closer]
                who[side, known[closer]] = added[rows[closer]]
        memo.squared, memo.who = squared, who
        return memo


def _not_in(values: np.ndarray, others: np.ndarray) -> np.ndarray:
    """The values of ``values`` (unique) not in ``others``, in their order: a few hundred
    examples each, compared as Python sets (``np.setdiff1d`` sorts both: 4 calls took half
    of a 👍/👎's reading again, issue 22)."""
    known = set(others.tolist())
    kept = [value for value in values.tolist() if value not in known]
    return np.asarray(kept, dtype=np.int64)


@dataclass(eq=False)
class FeedbackState:
    """The latest feedback of each track at one moment: row ids whose latest feedback is a
    like (``liked``) or a dislike (``disliked``), most recent first, int64, read-only.

    :meth:`for_arrays` gives what a request needs of it for one revision's arrays, computed
    once and kept (a state is replaced, not changed, when feedback changes).
    """

    liked: np.ndarray
    disliked: np.ndarray
    _seen: dict[int, tuple[Any, np.ndarray, Taste | None]] = field(default_factory=dict)
    _eligible: dict[int, tuple[Any, np.ndarray, np.ndarray]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: The state this one follows (one more 👍/👎), whose kept taste this one's starts from;
    #: dropped once used, and the one before it when this one is made (no chain is kept).
    previous: FeedbackState | None = None

    def __post_init__(self) -> None:
        if self.previous is not None:
            self.previous.previous = None

    def eligible(self, ranking: Any, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The indices and scores of ``ranking`` (a :class:`~moodtune.recommend.ranking.
        Ranking`) without the tracks of ``mask`` (from :meth:`for_arrays`), in its order;
        computed once per ranking and kept while this state lasts."""
        with self._lock:
            kept = self._eligible.get(id(ranking))
        if kept is not None and kept[0] is ranking:
            return kept[1], kept[2]
        keep = ~mask[ranking.indices]
        indices, scores = ranking.indices[keep], ranking.scores[keep]
        with self._lock:
            if len(self._eligible) >= MAX_KEPT_RANKINGS:
                self._eligible.clear()
            self._eligible[id(ranking)] = (ranking, indices, scores)  # holds it: no id reuse
        return indices, scores

    def for_arrays(self, arrays: CatalogueArrays) -> tuple[np.ndarray, Taste | None]:
        """The mask of disliked tracks over ``arrays`` ((n,) bool, read-only) and the taste
        (None without feedback)."""
        with self._lock:
            kept = self._seen.get(id(arrays))
            if kept is not None and kept[0] is arrays:
                return kept[1], kept[2]
        mask = np.zeros(arrays.size, dtype=bool)
        disliked = arrays.indices(self.disliked)
        mask[disliked] = True
        mask.flags.writeable = False
        liked = arrays.indices(self.liked)
        taste = Taste.of(arrays.vectors, liked, disliked)
        if taste is not None:
            examples = (liked[:MAX_EXAMPLES], disliked[:MAX_EXAMPLES])
            memo = self._memo_before(arrays)
            memo = (
                Nearest(arrays.size, *examples)
                if memo is None
                else memo.after(arrays.vectors, *examples)
            )
            taste = Taste(taste.liked, taste.disliked, taste.bandwidth, memo)
        with self._lock:
            self._seen = {id(arrays): (arrays, mask, taste)}  # one revision at a time
            self.previous = None  # what it kept of the state before is no longer needed
        return mask, taste

    def _memo_before(self, arrays: CatalogueArrays) -> Nearest | None:
        """The memo of :attr:`previous`'s taste for ``arrays``, if it made one."""
        previous = self.previous
        if previous is None:
            return None
        with previous._lock:
            kept = previous._seen.get(id(arrays))
        if kept is None or kept[0] is not arrays or kept[2] is None:
            return None
        return kept[2].memo


__all__ = [
    "BANDWIDTH",
    "MAX_EXAMPLES",
    "MAX_KEPT_RANKINGS",
    "FeedbackState",
    "Nearest",
    "Taste",
]
