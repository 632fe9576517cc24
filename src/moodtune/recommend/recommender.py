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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from moodtune import emotions
from moodtune.emotions import CIRCUMPLEX, EMOTIONS, Circumplex, coordinates
from moodtune.errors import MoodtuneError
from moodtune.recommend.arrays import CatalogueArrays
from moodtune.recommend.catalogue import Catalogue, TrackRecord

MODES: tuple[str, ...] = ("match", "uplift", "calm")
#: Allowed number of recommendations.
K_MIN, K_MAX = 1, 100
#: Where ``uplift`` ends: happiness on the plane.
UPLIFT_POINT: Circumplex = CIRCUMPLEX["happiness"]
#: Where ``calm`` ends: neutral valence, low arousal.
CALM_POINT = Circumplex(valence=CIRCUMPLEX["neutral"].valence, arousal=-0.6)
_PLANE_DIAMETER = 2.0 * np.sqrt(2.0)


@dataclass
class Recommendation:
    """One recommended track, its score (0–1, higher is better) and why it was chosen.

    ``probabilities`` are the track's predicted emotions; ``valence``/``energy`` its features
    (0–1) when known. ``audio_url`` is left None here; the web layer fills it for tracks with
    ``has_audio``.
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
        distribution = emotions.distribution(target)
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not K_MIN <= k <= K_MAX:
            raise MoodtuneError(f"k must be a whole number from {K_MIN} to {K_MAX}; got {k!r}")
        if mode not in MODES:
            raise MoodtuneError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        arrays = self.catalogue.arrays()
        if arrays.size == 0:
            raise MoodtuneError(
                f"the catalogue {self.catalogue.path} is empty: add tracks with "
                "'moodtune catalog import FILE'"
            )
        excluded = np.concatenate(
            [
                self.catalogue.recent_rowids(self.exclude_recent),
                self.catalogue.disliked_rowids(),
            ]
        )
        picker = _Picker(
            arrays, set(arrays.indices(excluded).tolist()), self.artist_cap, self.duplicate_distance
        )
        rng = np.random.default_rng(self.seed)
        if mode == "match":
            picks = self._match(arrays, distribution, int(k), picker, rng)
        else:
            end = UPLIFT_POINT if mode == "uplift" else CALM_POINT
            picks = self._path(arrays, distribution, int(k), picker, rng, mode, end)
        records = self.catalogue.tracks_by_rowid(arrays.rowids[[i for i, _, _ in picks]])
        return [
            _recommendation(arrays, index, records[int(arrays.rowids[index])], score, detail)
            for index, score, detail in picks
        ]

    # --- modes -----------------------------------------------------------------------------

    def _match(
        self,
        arrays: CatalogueArrays,
        distribution: np.ndarray,
        k: int,
        picker: _Picker,
        rng: np.random.Generator,
    ) -> list[tuple[int, float, str]]:
        size = arrays.size
        pool = min(size, 8 * k + 2 * len(picker.excluded) + 32)
        while True:
            candidates, coefficient = arrays.closest(distribution, pool)
            scores = 1.0 - np.sqrt(np.clip(1.0 - coefficient, 0.0, 1.0))
            jittered = scores + rng.uniform(0.0, self.tolerance, len(candidates))
            order = np.argsort(-jittered, kind="stable")
            chosen = picker.take(candidates[order], k)
            if len(chosen) == k or pool >= size:
                break
            picker.reset()
            pool = min(size, pool * 4)
        score_of = dict(zip(candidates.tolist(), scores.tolist(), strict=True))
        picks = sorted(((i, score_of[i]) for i in chosen), key=lambda p: -p[1])
        named = _describe(distribution)
        return [(i, s, f"match {s:.2f} to {named}") for i, s in picks]

    def _path(
        self,
        arrays: CatalogueArrays,
        distribution: np.ndarray,
        k: int,
        picker: _Picker,
        rng: np.random.Generator,
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
            want = 32 + 2 * (len(picker.excluded) + len(picker.chosen))
            while True:
                candidates = arrays.grid.near(point, want)
                offset = arrays.position[candidates] - point
                scores = 1.0 - np.sqrt(np.einsum("ij,ij->i", offset, offset)) / _PLANE_DIAMETER
                jittered = scores + rng.uniform(0.0, self.tolerance, len(candidates))
                best = _top(jittered, want)
                found = picker.take_one(candidates[best])
                if found is not None or len(candidates) >= arrays.size:
                    break
                want *= 4
            if found is None:
                break  # the catalogue has no eligible track left
            score = float(scores[best][np.flatnonzero(candidates[best] == found)[0]])
            v, a = arrays.position[found]
            picks.append(
                (
                    found,
                    score,
                    f"step {number}/{k} from {origin} toward {goal}, at ({v:+.2f}, {a:+.2f}) "
                    "on the valence/arousal plane",
                )
            )
        return picks


def _top(values: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` largest ``values``, largest first."""
    if count < len(values):
        part = np.argpartition(-values, count - 1)[:count]
        return part[np.argsort(-values[part], kind="stable")]
    return np.argsort(-values, kind="stable")


class _Picker:
    """Greedy selection under the variety rules: exclusions, artist cap, no near-duplicates."""

    def __init__(
        self, arrays: CatalogueArrays, excluded: set[int], cap: int | None, duplicate: float
    ) -> None:
        self.arrays = arrays
        self.excluded = excluded
        self.cap = cap
        self.duplicate = duplicate
        self.reset()

    def reset(self) -> None:
        self.chosen: list[int] = []
        self.taken: set[int] = set()
        self.per_artist: Counter[int] = Counter()

    def acceptable(self, index: int) -> bool:
        if index in self.excluded or index in self.taken:
            return False
        artist = int(self.arrays.artists[index])
        if artist >= 0 and self.cap is not None and self.per_artist[artist] >= self.cap:
            return False
        if self.chosen and self.duplicate > 0:
            vectors = self.arrays.vectors
            gaps = np.linalg.norm(vectors[self.chosen] - vectors[index], axis=1)
            if gaps.min() < self.duplicate:
                return False
        return True

    def add(self, index: int) -> None:
        self.chosen.append(index)
        self.taken.add(index)
        artist = int(self.arrays.artists[index])
        if artist >= 0:
            self.per_artist[artist] += 1

    def take(self, ordered: np.ndarray, k: int) -> list[int]:
        for index in ordered.tolist():
            if len(self.chosen) >= k:
                break
            if self.acceptable(index):
                self.add(index)
        return list(self.chosen)

    def take_one(self, ordered: np.ndarray) -> int | None:
        for index in ordered.tolist():
            if self.acceptable(index):
                self.add(index)
                return index
        return None


def _describe(distribution: np.ndarray) -> str:
    """``"sadness 0.60, happiness 0.40"``: the target's weights above 0.05, largest first."""
    order = np.argsort(-distribution)
    parts = [f"{EMOTIONS[i]} {distribution[i]:.2f}" for i in order if distribution[i] >= 0.05]
    return ", ".join(parts[:3]) if len(parts) > 1 else EMOTIONS[int(order[0])]


def _reason(arrays: CatalogueArrays, index: int, detail: str) -> str:
    """``"valence 0.18, energy 0.91 → anger 0.74, fear 0.12; match 0.93 to anger"``."""
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
    head = f"{', '.join(features)} → {', '.join(named)}" if features else ", ".join(named)
    return f"{head}; {detail}"


def _recommendation(
    arrays: CatalogueArrays, index: int, record: TrackRecord, score: float, detail: str
) -> Recommendation:
    valence, energy = arrays.valence[index], arrays.energy[index]
    return Recommendation(
        track_id=record.track_id,
        title=record.title,
        artist=record.artists,
        score=round(float(score), 4),
        reason=_reason(arrays, index, detail),
        probabilities={
            e: round(float(p), 4)
            for e, p in zip(EMOTIONS, arrays.probabilities[index], strict=True)
        },
        valence=float(valence) if np.isfinite(valence) else None,
        energy=float(energy) if np.isfinite(energy) else None,
        audio_url=None,
        spotify_id=record.spotify_id,
        preview_url=record.preview_url,
        has_audio=bool(record.audio_url)
        or bool(record.audio_path and Path(record.audio_path).is_file()),
    )
