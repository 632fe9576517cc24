"""MusicRecommender: tracks for an emotion, or a path from it, with a reason for each.

Modes:

- ``match``: the tracks whose predicted emotion distribution is closest to the target, by
  Hellinger distance (``score = 1 - distance``, 1 = the same distribution).
- ``uplift``: an ordered playlist following the ISO principle of music therapy: it starts
  near the target's point on the valence/arousal plane and steps, track by track, along the
  straight line to happiness (``score = 1 - distance to the step's point / 2√2``).
- ``calm``: the same, stepping toward :data:`CALM_POINT` (neutral valence, low arousal).

Variety: at most ``artist_cap`` tracks per primary artist, no two tracks with near-identical
feature vectors, nothing from the last ``exclude_recent`` plays (unless too few tracks are
left: then the least recently played come back) or disliked, and a random
choice (seedable) among candidates whose scores are within ``tolerance`` of each other.

Speed: the order of the catalogue for a target (a distribution for ``match``, each step's
point for ``uplift``/``calm``) does not depend on history, dislikes or chance, so the
recommender caches it per catalogue revision (:mod:`moodtune.recommend.ranking`), with the
text it shows for each track and whether its local audio file exists; a request for a target
seen before only draws the random choice and applies the variety rules. History and dislikes
are read again whenever the catalogue file changed (see ``Catalogue._state_now``).
"""

from __future__ import annotations

import threading
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
from moodtune.recommend.matching import is_close
from moodtune.recommend.ranking import Ranking, RevisionCache, by_distribution, by_plane
from moodtune.recommend.taste import Taste

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
#: Catalogues up to this many tracks have the shown data of every track read at once (one
#: query, ~0.1 s and ~10 MB for 28,000 tracks), so that no request reads them track by track:
#: an ``uplift``/``calm`` request for a new target otherwise reads those of ~30 tracks per
#: step (10–20 ms of a request's CPU at 28,000 tracks; measured with cProfile).
PRELOAD_TRACKS = 250_000


@dataclass
class Recommendation:
    """One recommended track, its score (0–1, higher is better) and why it was chosen.

    ``probabilities`` are the track's predicted emotions; ``valence``/``energy`` its features
    (0–1) when known; ``reading`` its valence and arousal learned from listeners (−1..1, None
    without one). ``close`` says whether the track is a close match for the emotion asked
    for (see :mod:`moodtune.recommend.matching`; in ``match`` mode, else None).
    ``has_audio`` is True only when the track has a local audio file that exists (checked
    once per catalogue revision); ``audio_url`` is left None here, and the web layer fills it
    with its own URL for such tracks. ``remote_audio_url`` is the track's
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
    reading: tuple[float, float] | None = None
    close: bool | None = None

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
        self.catalogue = catalogue
        self.artist_cap = artist_cap
        self.seed = seed
        self.exclude_recent = int(exclude_recent)
        self.tolerance = float(tolerance)
        self.duplicate_distance = float(duplicate_distance)
        if not 0.0 <= taste_weight <= 1.0:
            raise MoodtuneError(f"taste_weight must be from 0 to 1; got {taste_weight!r}")
        self.taste_weight = float(taste_weight)
        self._rankings = RevisionCache(RANKING_CACHE_SIZE)
        self._tracks = RevisionCache(TRACK_CACHE_SIZE)
        # (arrays, [info per array index]) when the catalogue is small enough to preload.
        self._all_tracks: tuple[CatalogueArrays, list[_TrackInfo | None]] | None = None
        self._preload_lock = threading.Lock()

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
        catalogue, plays = self.catalogue, self.exclude_recent
        snapshot = catalogue.snapshot(plays) if build else catalogue.snapshot_in_memory(plays)
        if snapshot is None:
            raise _NotCached
        arrays = snapshot.arrays
        if arrays.size == 0:
            raise MoodtuneError(
                f"the catalogue {self.catalogue.path} is empty: add tracks with "
                "'moodtune catalog import FILE'"
            )
        recent, disliked, liked = snapshot.recent, snapshot.disliked, snapshot.liked
        taste = (
            Taste.of(arrays.vectors, arrays.indices(liked), arrays.indices(disliked))
            if self.taste_weight > 0
            else None
        )
        # The history never empties the catalogue: when too few tracks are left, the window
        # of recent plays shrinks (by half each time), so the least recently played come back.
        window = len(recent)
        while True:
            picker = _Picker(
                arrays,
                set(arrays.indices(np.concatenate([recent[:window], disliked])).tolist()),
                self.artist_cap,
                self.duplicate_distance,
                int(k),
                taste,
            )
            rng = np.random.default_rng(self.seed)
            if mode == "match":
                picks = self._match(arrays, distribution, int(k), picker, rng, build)
            else:
                end = UPLIFT_POINT if mode == "uplift" else CALM_POINT
                picks = self._path(arrays, distribution, int(k), picker, rng, build, mode, end)
            if len(picks) >= k or window == 0:
                break
            window //= 2
        results = self._recommendations(arrays, picks, build)
        if mode == "match":
            wanted = EMOTIONS[int(np.argmax(distribution))]
            for item, (index, _, _) in zip(results, picks, strict=True):
                top = max(item.probabilities, key=item.probabilities.__getitem__)
                item.close = is_close(wanted, top, arrays.reading_z[index])
        return results

    def clear_cache(self) -> None:
        """Forget the cached rankings and track data (they are also dropped by themselves
        whenever the catalogue's arrays change)."""
        self._rankings.clear()
        self._tracks.clear()
        self._all_tracks = None

    def warm(self) -> None:
        """Load now what the first request would otherwise load: the catalogue's arrays and,
        for a catalogue of at most :data:`PRELOAD_TRACKS` tracks, the shown data of every
        track (a server calls this at start-up, in a worker thread)."""
        arrays = self.catalogue.arrays()
        if 0 < arrays.size <= PRELOAD_TRACKS:
            self._preloaded(arrays, build=True)

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
            if arrays.size > PRELOAD_TRACKS:  # else every track's data are in memory
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
            order = self._order(arrays, ranking.indices[:pool], scores, picker, rng)
            chosen = picker.take(ranking.indices[order], scores[order], k)
            if len(chosen) == k or pool >= size:
                break
            picker.reset()
            pool = min(size, pool * 4)
        picks = sorted(chosen, key=lambda pick: -pick[1])
        named = _describe(distribution)
        return [(i, s, f"match {s:.2f} to {named}") for i, s in picks]

    def _order(
        self,
        arrays: CatalogueArrays,
        indices: np.ndarray,
        scores: np.ndarray,
        picker: _Picker,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """The order to try candidates in: by score, plus the listener's taste (weighted),
        plus a random jitter of up to ``tolerance`` (the choice among near-equal tracks)."""
        jittered = scores + rng.uniform(0.0, self.tolerance, len(scores))
        if picker.taste is not None:
            jittered += self.taste_weight * picker.taste.scores(arrays.vectors[indices])
        return np.argsort(-jittered, kind="stable")

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
                order = self._order(arrays, ranking.indices[:want], scores, picker, rng)
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
        one SQLite query (with ``build=False``, :class:`_NotCached` is raised instead).

        A catalogue of at most :data:`PRELOAD_TRACKS` tracks is read whole the first time
        (see :meth:`_preloaded`), and then every track is in memory."""
        if arrays.size <= PRELOAD_TRACKS:
            every = self._preloaded(arrays, build=build)
            if every is None:
                raise _NotCached
            return {index: every[index] for index in indices}  # type: ignore[misc]
        known = self._tracks.get_many(arrays, indices)
        missing = [index for index, info in known.items() if info is None]
        if missing:
            if not build:
                raise _NotCached
            rows = self.catalogue.display_rows(arrays.rowids[missing].tolist())
            for index in missing:
                info = _TrackInfo(arrays, index, rows[int(arrays.rowids[index])])
                self._tracks.put(arrays, index, info)
                known[index] = info
        return known  # type: ignore[return-value]

    def _preloaded(self, arrays: CatalogueArrays, *, build: bool) -> list[_TrackInfo] | None:
        """The info of every track of ``arrays`` (by array index), read in one query the first
        time for these arrays; None when not read yet and ``build`` is False."""
        held = self._all_tracks
        if held is not None and held[0] is arrays:
            return held[1]  # type: ignore[return-value]
        if not build:
            return None
        with self._preload_lock:
            held = self._all_tracks
            if held is not None and held[0] is arrays:
                return held[1]  # type: ignore[return-value]
            rows = self.catalogue.display_rows()
            infos = [
                _TrackInfo(arrays, index, rows[rowid])
                for index, rowid in enumerate(arrays.rowids.tolist())
            ]
            self._all_tracks = (arrays, infos)  # type: ignore[assignment]
            return infos


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
        taste: Taste | None = None,
    ) -> None:
        self.arrays = arrays
        self.excluded = excluded
        self.taste = taste
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


class _TrackInfo:
    """What a recommendation shows of a track, kept per catalogue revision.

    Built from one row of :meth:`Catalogue.display_rows` (text only) and the arrays; the
    reason's first part and the rounded probabilities are computed the first time the track
    is recommended (most prefetched tracks never are), then kept. ``has_audio`` (the local
    audio file exists) is checked when the info is built, so once per revision and track: a
    file removed later shows until the catalogue changes (the audio endpoint then answers
    404).
    """

    __slots__ = (
        "_probabilities",
        "_summary",
        "arrays",
        "artist",
        "has_audio",
        "index",
        "preview_url",
        "remote_audio_url",
        "spotify_id",
        "title",
        "track_id",
    )

    def __init__(self, arrays: CatalogueArrays, index: int, row: tuple[Any, ...]) -> None:
        track_id, title, artists, spotify_id, audio_path, audio_url, preview_url = row
        self.arrays, self.index = arrays, index
        self.track_id: str = track_id
        self.title: str | None = title
        self.artist: str | None = artists
        self.spotify_id: str | None = spotify_id
        self.preview_url: str | None = preview_url
        self.remote_audio_url = web_url(audio_url)
        self.has_audio = bool(audio_path) and Path(audio_path).is_file()
        self._summary: str | None = None
        self._probabilities: dict[str, float] | None = None

    @classmethod
    def of(cls, arrays: CatalogueArrays, index: int, record: TrackRecord) -> _TrackInfo:
        """The info of a full :class:`TrackRecord` (as :meth:`Catalogue.tracks_by_rowid` gives)."""
        row = (
            record.track_id,
            record.title,
            record.artists,
            record.spotify_id,
            record.audio_path,
            record.audio_url,
            record.preview_url,
        )
        return cls(arrays, index, row)

    @property
    def summary(self) -> str:
        if self._summary is None:
            self._summary = _summary(self.arrays, self.index)
        return self._summary

    @property
    def probabilities(self) -> dict[str, float]:
        if self._probabilities is None:
            self._probabilities = {
                e: round(float(p), 4)
                for e, p in zip(EMOTIONS, self.arrays.probabilities[self.index], strict=True)
            }
        return self._probabilities

    def recommendation(self, score: float, detail: str) -> Recommendation:
        valence, energy = self.arrays.valence[self.index], self.arrays.energy[self.index]
        reading = self.arrays.reading[self.index]
        return Recommendation(
            track_id=self.track_id,
            title=self.title,
            artist=self.artist,
            score=round(float(score), 4),
            reason=f"{self.summary}; {detail}",
            probabilities=dict(self.probabilities),
            valence=float(valence) if np.isfinite(valence) else None,
            energy=float(energy) if np.isfinite(energy) else None,
            audio_url=None,
            spotify_id=self.spotify_id,
            preview_url=self.preview_url,
            has_audio=self.has_audio,
            remote_audio_url=self.remote_audio_url,
            reading=(
                (round(float(reading[0]), 4), round(float(reading[1]), 4))
                if np.isfinite(reading).all()
                else None
            ),
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
