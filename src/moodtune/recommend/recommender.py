"""MusicRecommender: tracks for an emotion, or a path from it, with a reason for each.

Modes:

- ``match``: the tracks whose predicted emotion distribution is closest to the target, by
  Hellinger distance (``score = 1 - distance``, 1 = the same distribution).
- ``uplift``: an ordered playlist following the ISO principle of music therapy: it starts
  near the target's point on the valence/arousal plane and steps, track by track, along the
  straight line to happiness (``score = 1 - distance to the step's point / 2√2``).
- ``calm``: the same, stepping toward :data:`CALM_POINT` (neutral valence, low arousal).

Variety: at most ``artist_cap`` tracks per primary artist, no two tracks with near-identical
feature vectors, nothing from the last ``exclude_recent`` plays or disliked, and a random
choice (seedable) among candidates whose scores are within ``tolerance`` of each other.

Speed: the order of the catalogue for a target (a distribution for ``match``, each step's
point for ``uplift``/``calm``) does not depend on history, dislikes or chance, so the
recommender caches it per catalogue revision (:mod:`moodtune.recommend.ranking`), with the
text it shows for each track and whether its local audio file exists; a request for a target
seen before only draws the random choice and applies the variety rules. History and dislikes
are read again whenever the catalogue file changed (see ``Catalogue._state_now``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from moodtune import emotions
from moodtune.emotions import CIRCUMPLEX, EMOTIONS, Circumplex, coordinates
from moodtune.errors import MoodtuneError
from moodtune.recommend.arrays import CatalogueArrays
from moodtune.recommend.catalogue import Catalogue, TrackRecord
from moodtune.recommend.ranking import Ranking, RevisionCache, by_distribution, by_plane

MODES: tuple[str, ...] = ("match", "uplift", "calm")
#: Allowed number of recommendations.
K_MIN, K_MAX = 1, 100
#: Where ``uplift`` ends: happiness on the plane.
UPLIFT_POINT: Circumplex = CIRCUMPLEX["happiness"]
#: Where ``calm`` ends: neutral valence, low arousal.
CALM_POINT = Circumplex(valence=CIRCUMPLEX["neutral"].valence, arousal=-0.6)
#: Rankings kept per recommender (one per distribution asked for in ``match``, one per step
#: point in ``uplift``/``calm``), and tracks whose shown data are kept.
RANKING_CACHE_SIZE = 1024
TRACK_CACHE_SIZE = 4096
#: Rankings longer than this (a catalogue almost all excluded) are not cached.
MAX_CACHED_RANKING = 65536
#: When a ranking is computed, the shown data of its first tracks (up to this many) are read
#: with it, so that later requests drawing other near-equal tracks find them in memory.
PREFETCH_TRACKS = 512


@dataclass
class Recommendation:
    """One recommended track, its score (0–1, higher is better) and why it was chosen.

    ``probabilities`` are the track's predicted emotions; ``valence``/``energy`` its features
    (0–1) when known. ``has_audio`` is True only when the track has a local audio file that
    exists (checked once per catalogue revision); ``audio_url`` is left None here, and the
    web layer fills it with its own URL for such tracks. ``remote_audio_url`` is the track's
    audio elsewhere (an http(s) URL given at import, never fetched by moodtune), or None.
    """

    track_id: str
    title: str | None
    artist: str | None
    score: float
    reason: str
    probabilities: dict[str, float]
    valence: float | None
    energy: float | None
    audio_url: str | None
    spotify_id: str | None
    preview_url: str | None
    has_audio: bool
    remote_audio_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (a shallow copy; ``dataclasses.asdict`` deep-copies, slowly)."""
        data = {spec.name: getattr(self, spec.name) for spec in fields(self)}
        data["probabilities"] = dict(self.probabilities)
        return data


class MusicRecommender:
    """Recommends catalogue tracks for an emotion or an emotion distribution.

    ``artist_cap=None`` lifts the cap (for a catalogue of one artist, say). ``seed`` makes
    every call reproducible (the same catalogue, target, k and mode give the
    same list); ``None`` gives a fresh choice among near-equal tracks on each call.

    A recommender is safe to share between threads; it caches rankings and track data for
    the current catalogue revision (see the module's docstring).
    """

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        artist_cap: int | None = 2,
        seed: int | None = None,
        exclude_recent: int = 100,
        tolerance: float = 0.02,
        duplicate_distance: float = 0.03,
    ) -> None:
        if artist_cap is not None and (not isinstance(artist_cap, int) or artist_cap < 1):
            raise MoodtuneError(
                f"artist_cap must be a whole number ≥ 1 (or None for no cap); got {artist_cap!r}"
            )
        if exclude_recent < 0:
            raise MoodtuneError(f"exclude_recent must be ≥ 0; got {exclude_recent!r}")
        if not 0.0 <= tolerance <= 1.0:
            raise MoodtuneError(f"tolerance must be from 0 to 1; got {tolerance!r}")
        self.catalogue = catalogue
        self.artist_cap = artist_cap
        self.seed = seed
        self.exclude_recent = int(exclude_recent)
        self.tolerance = float(tolerance)
        self.duplicate_distance = float(duplicate_distance)
        self._rankings = RevisionCache(RANKING_CACHE_SIZE)
        self._tracks = RevisionCache(TRACK_CACHE_SIZE)

    def recommend(
        self,
        target: str | Mapping[str, float] | Sequence[float],
        k: int = 10,
        mode: str = "match",
    ) -> list[Recommendation]:
        """Up to ``k`` tracks for ``target`` (an emotion or alias, a mapping emotion → weight,
        or 7 weights in EMOTIONS order; weights are normalised).

        Fewer than ``k`` come back only when the catalogue has no more eligible tracks.
        """
        return self._recommend(target, k, mode, build=True)

    def recommend_cached(
        self,
        target: str | Mapping[str, float] | Sequence[float],
        k: int = 10,
        mode: str = "match",
    ) -> list[Recommendation] | None:
        """:meth:`recommend` if it can answer at once, else None.

        At once means: no other thread is using the catalogue, and its arrays, history,
        dislikes, the rankings the request needs and the data of the tracks it picks are all
        in memory for the catalogue file as it is now, so that only the cheap part runs (a
        fraction of a millisecond for k = 10; see the module's docstring). The only I/O is
        one ``PRAGMA data_version`` (a few microseconds: it reads no page of the file) to
        tell whether the file changed; no other query, no file-system call. For an event
        loop that must not wait: on None, call :meth:`recommend` in a worker thread. The
        answer is the one :meth:`recommend` would give (the same list for the same
        ``seed``); bad arguments raise the same errors.
        """
        with self.catalogue.unless_busy() as free:
            if not free:
                return None
            try:
                return self._recommend(target, k, mode, build=False)
            except _NotCached:
                return None

    def _recommend(
        self,
        target: str | Mapping[str, float] | Sequence[float],
        k: int,
        mode: str,
        *,
        build: bool,
    ) -> list[Recommendation]:
        """:meth:`recommend`; with ``build=False`` it raises :class:`_NotCached` rather than
        load the arrays, query the catalogue, compute a ranking or look at a file."""
        distribution = emotions.distribution(target)
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not K_MIN <= k <= K_MAX:
            raise MoodtuneError(f"k must be a whole number from {K_MIN} to {K_MAX}; got {k!r}")
        if mode not in MODES:
            raise MoodtuneError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        arrays = self.catalogue.arrays(load=build)
        if arrays is None:
            raise _NotCached
        if arrays.size == 0:
            raise MoodtuneError(
                f"the catalogue {self.catalogue.path} is empty: add tracks with "
                "'moodtune catalog import FILE'"
            )
        recent = self.catalogue.recent_rowids(self.exclude_recent, load=build)
        disliked = self.catalogue.disliked_rowids(load=build)
        if recent is None or disliked is None:
            raise _NotCached
        excluded = np.concatenate([recent, disliked])
        picker = _Picker(
            arrays,
            set(arrays.indices(excluded).tolist()),
            self.artist_cap,
            self.duplicate_distance,
            int(k),
        )
        rng = np.random.default_rng(self.seed)
        if mode == "match":
            picks = self._match(arrays, distribution, int(k), picker, rng, build)
        else:
            end = UPLIFT_POINT if mode == "uplift" else CALM_POINT
            picks = self._path(arrays, distribution, int(k), picker, rng, build, mode, end)
        return self._recommendations(arrays, picks, build)

    def clear_cache(self) -> None:
        """Forget the cached rankings and track data (they are also dropped by themselves
        whenever the catalogue's arrays change)."""
        self._rankings.clear()
        self._tracks.clear()

    # --- modes -----------------------------------------------------------------------------

    def _ranking(
        self,
        arrays: CatalogueArrays,
        key: tuple,
        count: int,
        compute: Callable[[int], Ranking],
        build: bool,
    ) -> Ranking:
        """The cached ranking for ``key`` when it covers ``count`` tracks, else a new one
        (``compute(count)``; with ``build=False``, :class:`_NotCached` is raised instead)."""
        ranking = self._rankings.get(arrays, key)
        if ranking is None or not ranking.covers(count):
            if not build:
                raise _NotCached
            ranking = compute(count)
            if len(ranking) <= MAX_CACHED_RANKING:
                self._rankings.put(arrays, key, ranking)
            self._track_infos(arrays, ranking.indices[: min(count, PREFETCH_TRACKS)].tolist())
        return ranking

    def _match(
        self,
        arrays: CatalogueArrays,
        distribution: np.ndarray,
        k: int,
        picker: _Picker,
        rng: np.random.Generator,
        build: bool,
    ) -> list[tuple[int, float, str]]:
        size = arrays.size
        key = ("match", distribution.tobytes())
        pool = min(size, 8 * k + 2 * len(picker.excluded) + 32)
        while True:
            ranking = self._ranking(
                arrays,
                key,
                pool,
                lambda count: by_distribution(arrays, distribution, count),
                build,
            )
            scores = ranking.scores[:pool]
            jittered = scores + rng.uniform(0.0, self.tolerance, len(scores))
            order = np.argsort(-jittered, kind="stable")
            chosen = picker.take(ranking.indices[order], scores[order], k)
            if len(chosen) == k or pool >= size:
                break
            picker.reset()
            pool = min(size, pool * 4)
        picks = sorted(chosen, key=lambda pick: -pick[1])
        named = _describe(distribution)
        return [(i, s, f"match {s:.2f} to {named}") for i, s in picks]

    def _path(
        self,
        arrays: CatalogueArrays,
        distribution: np.ndarray,
        k: int,
        picker: _Picker,
        rng: np.random.Generator,
        build: bool,
        mode: str,
        end: Circumplex,
    ) -> list[tuple[int, float, str]]:
        # The expected point of the target on the plane (element-wise: no BLAS call).
        start = np.sum(distribution[:, None] * coordinates(), axis=0)
        finish = np.array([end.valence, end.arousal])
        steps = np.linspace(0.0, 1.0, k) if k > 1 else np.zeros(1)
        waypoints = (start + steps[:, None] * (finish - start)).astype(np.float32)
        origin = EMOTIONS[int(np.argmax(distribution))]
        goal = "happiness" if mode == "uplift" else "calm"
        picks = []
        for number, point in enumerate(waypoints, start=1):
            key = ("plane", point.tobytes())
            want = 32 + 2 * (len(picker.excluded) + len(picker.chosen))
            while True:
                ranking = self._ranking(
                    arrays, key, want, lambda count, at=point: by_plane(arrays, at, count), build
                )
                scores = ranking.scores[:want]
                jittered = scores + rng.uniform(0.0, self.tolerance, len(scores))
                order = np.argsort(-jittered, kind="stable")
                found = picker.take_one(ranking.indices, scores, order)
                if found is not None or len(scores) >= arrays.size:
                    break
                want *= 4
            if found is None:
                break  # the catalogue has no eligible track left
            index, score = found
            v, a = arrays.position[index]
            picks.append(
                (
                    index,
                    score,
                    f"step {number}/{k} from {origin} toward {goal}, at ({v:+.2f}, {a:+.2f}) "
                    "on the valence/arousal plane",
                )
            )
        return picks

    def _recommendations(
        self, arrays: CatalogueArrays, picks: list[tuple[int, float, str]], build: bool
    ) -> list[Recommendation]:
        """The picks as :class:`Recommendation` objects; track data come from the cache or,
        for tracks not seen in this revision, from one SQLite query (with ``build=False``,
        :class:`_NotCached` is raised instead)."""
        known = self._track_infos(arrays, [index for index, _, _ in picks], build=build)
        return [
            known[index].recommendation(score, detail)  # type: ignore[union-attr]
            for index, score, detail in picks
        ]

    def _track_infos(
        self, arrays: CatalogueArrays, indices: list[int], *, build: bool = True
    ) -> dict[int, _TrackInfo]:
        """index → :class:`_TrackInfo` for ``indices``, from the cache or, for the others,
        one SQLite query (with ``build=False``, :class:`_NotCached` is raised instead)."""
        known = self._tracks.get_many(arrays, indices)
        missing = [index for index, info in known.items() if info is None]
        if missing:
            if not build:
                raise _NotCached
            records = self.catalogue.tracks_by_rowid(arrays.rowids[missing])
            for index in missing:
                info = _TrackInfo.of(arrays, index, records[int(arrays.rowids[index])])
                self._tracks.put(arrays, index, info)
                known[index] = info
        return known  # type: ignore[return-value]


class _NotCached(Exception):
    """Raised inside :meth:`MusicRecommender.recommend_cached` when something is not cached."""


class _Picker:
    """Greedy selection under the variety rules: exclusions, artist cap, no near-duplicates.

    ``capacity`` is the most tracks that will be chosen (k).
    """

    def __init__(
        self,
        arrays: CatalogueArrays,
        excluded: set[int],
        cap: int | None,
        duplicate: float,
        capacity: int,
    ) -> None:
        self.arrays = arrays
        self.excluded = excluded
        self.cap = cap
        self.duplicate = duplicate
        self._limit = duplicate * duplicate
        self._vectors = np.empty((capacity, arrays.vectors.shape[1]), dtype=np.float32)
        self.reset()

    def reset(self) -> None:
        self.chosen: list[int] = []
        self.taken: set[int] = set()
        self.per_artist: dict[int, int] = {}

    def acceptable(self, index: int) -> bool:
        if index in self.excluded or index in self.taken:
            return False
        artist = int(self.arrays.artists[index])
        if artist >= 0 and self.cap is not None and self.per_artist.get(artist, 0) >= self.cap:
            return False
        if self.chosen and self.duplicate > 0:
            gaps = self._vectors[: len(self.chosen)] - self.arrays.vectors[index]
            if np.einsum("ij,ij->i", gaps, gaps).min() < self._limit:
                return False
        return True

    def add(self, index: int) -> None:
        if len(self.chosen) == len(self._vectors):  # more than the capacity: grow
            self._vectors = np.concatenate([self._vectors, np.empty_like(self._vectors)])
        self._vectors[len(self.chosen)] = self.arrays.vectors[index]
        self.chosen.append(index)
        self.taken.add(index)
        artist = int(self.arrays.artists[index])
        if artist >= 0:
            self.per_artist[artist] = self.per_artist.get(artist, 0) + 1

    def take(self, ordered: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Go through ``ordered`` indices (with their ``scores``) until ``k`` are chosen;
        returns every (index, score) chosen since the last reset."""
        picked = []
        for index, score in zip(ordered.tolist(), scores.tolist(), strict=True):
            if len(self.chosen) >= k:
                break
            if self.acceptable(index):
                self.add(index)
                picked.append((index, score))
        return picked

    def take_one(
        self, indices: np.ndarray, scores: np.ndarray, order: np.ndarray
    ) -> tuple[int, float] | None:
        """The first acceptable of ``indices[order]`` (chosen) with its score, or None."""
        for position in order.tolist():
            index = int(indices[position])
            if self.acceptable(index):
                self.add(index)
                return index, float(scores[position])
        return None


@dataclass(frozen=True)
class _TrackInfo:
    """What a recommendation shows of a track, kept per catalogue revision.

    ``has_audio`` (the local audio file exists) is checked when the info is built, so once
    per revision and track: a file removed later shows until the catalogue changes (the
    audio endpoint then answers 404).
    """

    track_id: str
    title: str | None
    artist: str | None
    summary: str
    probabilities: dict[str, float]
    valence: float | None
    energy: float | None
    spotify_id: str | None
    preview_url: str | None
    remote_audio_url: str | None
    has_audio: bool

    @classmethod
    def of(cls, arrays: CatalogueArrays, index: int, record: TrackRecord) -> _TrackInfo:
        valence, energy = arrays.valence[index], arrays.energy[index]
        return cls(
            track_id=record.track_id,
            title=record.title,
            artist=record.artists,
            summary=_summary(arrays, index),
            probabilities={
                e: round(float(p), 4)
                for e, p in zip(EMOTIONS, arrays.probabilities[index], strict=True)
            },
            valence=float(valence) if np.isfinite(valence) else None,
            energy=float(energy) if np.isfinite(energy) else None,
            spotify_id=record.spotify_id,
            preview_url=record.preview_url,
            remote_audio_url=web_url(record.audio_url),
            has_audio=bool(record.audio_path) and Path(record.audio_path).is_file(),
        )

    def recommendation(self, score: float, detail: str) -> Recommendation:
        return Recommendation(
            track_id=self.track_id,
            title=self.title,
            artist=self.artist,
            score=round(float(score), 4),
            reason=f"{self.summary}; {detail}",
            probabilities=dict(self.probabilities),
            valence=self.valence,
            energy=self.energy,
            audio_url=None,
            spotify_id=self.spotify_id,
            preview_url=self.preview_url,
            has_audio=self.has_audio,
            remote_audio_url=self.remote_audio_url,
        )


def web_url(value: str | None) -> str | None:
    """``value`` when it is an absolute http(s) URL with a host, else None.

    The catalogue stores as remote audio only what was given as http(s); this keeps any other
    scheme (``javascript:``, ``file:``, ``data:``) out of what is shown, should one be there.
    """
    if not value:
        return None
    parts = urlsplit(value)
    return value if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _describe(distribution: np.ndarray) -> str:
    """``"sadness 0.60, happiness 0.40"``: the target's weights above 0.05, largest first."""
    order = np.argsort(-distribution)
    parts = [f"{EMOTIONS[i]} {distribution[i]:.2f}" for i in order if distribution[i] >= 0.05]
    return ", ".join(parts[:3]) if len(parts) > 1 else EMOTIONS[int(order[0])]


def _summary(arrays: CatalogueArrays, index: int) -> str:
    """``"valence 0.18, energy 0.91 → anger 0.74, fear 0.12"``: the first part of a reason."""
    features = [
        f"{name} {float(values[index]):.2f}"
        for name, values in (("valence", arrays.valence), ("energy", arrays.energy))
        if np.isfinite(values[index])
    ]
    probabilities = arrays.probabilities[index]
    top = np.argsort(-probabilities)[:2]
    named = [f"{EMOTIONS[top[0]]} {probabilities[top[0]]:.2f}"]
    if probabilities[top[1]] >= 0.15:
        named.append(f"{EMOTIONS[top[1]]} {probabilities[top[1]]:.2f}")
    return f"{', '.join(features)} → {', '.join(named)}" if features else ", ".join(named)
