"""The scores of :mod:`moodtune.recommend.listening`: what listeners said of the picks, per
method and target, summed over folds and seeds, and the close-match thresholds chosen from
the out-of-fold readings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moodtune.model.listeners import ListenerTable
from moodtune.recommend.matching import CLOSE_HIT, CLOSE_Z

__all__ = [
    "HEADLINE",
    "METHODS",
    "FoldScores",
    "RecommendationReport",
    "choose_thresholds",
    "listener_hits",
    "path_rho",
]

#: The methods compared, moodtune first.
METHODS: tuple[str, ...] = ("moodtune", "ridge", "spotify", "random")
#: The targets of the issue's headline figure (hit rate), and the paths it names.
HEADLINE: tuple[str, ...] = ("happiness", "sadness", "anger", "fear", "calm")
HEADLINE_PATHS: dict[str, str] = {"uplift": "sadness", "calm": "anger"}
#: Fewest pooled out-of-fold tracks a close-match threshold is chosen on.
MIN_CLOSE_TRACKS = 30


def listener_hits(values: np.ndarray, rows: np.ndarray, side: tuple[int, int]) -> np.ndarray:
    """Whether listeners place each of ``rows`` of a catalogue's listener values (n, 2) in the
    region ``side``: beyond the catalogue's median on each sided axis; neutral (0, 0):
    between the quartiles on both axes."""
    values = np.asarray(values, dtype=float)
    if side == (0, 0):
        low, high = np.percentile(values, [25, 75], axis=0)
        inside = ((values >= low) & (values <= high)).all(axis=1)
    else:
        median = np.median(values, axis=0)
        inside = np.ones(len(values), dtype=bool)
        for axis, s in enumerate(side):
            if s:
                inside &= s * (values[:, axis] - median[axis]) > 0
    return inside[np.asarray(rows, dtype=int)]


def path_rho(values: np.ndarray, rows: np.ndarray, mode: str) -> float:
    """Spearman of position in a path vs listeners' valence (uplift) or −arousal (calm)."""
    from scipy.stats import spearmanr

    rows = np.asarray(rows, dtype=int)
    along = values[rows, 0] if mode == "uplift" else -values[rows, 1]
    if len(rows) < 3 or np.ptp(along) == 0:
        return float("nan")
    return float(spearmanr(np.arange(len(rows)), along).statistic)


def choose_thresholds(
    values_by_fold: Sequence[tuple[np.ndarray, np.ndarray]],
) -> dict[tuple[int, int], float | None]:
    """Per region: the smallest z (grid of 0.05) at which out-of-fold readings inside the
    region hit listeners' region at least :data:`~moodtune.recommend.matching.CLOSE_HIT` of
    the time, on ≥ :data:`MIN_CLOSE_TRACKS` tracks (neutral: the largest |z| of the middle);
    None when no z does. ``values_by_fold`` pairs each fold's reading z (n, 2) with its
    listener values (n, 2) (regions split at that fold's medians)."""
    chosen: dict[tuple[int, int], float | None] = {}
    for side in CLOSE_Z:
        readings = np.concatenate([r for r, _ in values_by_fold])
        hits = np.concatenate(
            [listener_hits(v, np.arange(len(v)), side) for _, v in values_by_fold]
        )
        known = np.isfinite(readings).all(axis=1)
        readings, hits = readings[known], hits[known]
        grid = np.round(np.arange(1.5, 0.0, -0.05), 2) if side == (0, 0) else np.arange(0, 61) / 20
        chosen[side] = None
        for t in grid:
            if side == (0, 0):
                inside = (np.abs(readings) <= t).all(axis=1)
            else:
                inside = np.ones(len(readings), dtype=bool)
                for axis, s in enumerate(side):
                    if s:
                        inside &= s * readings[:, axis] >= t
            if inside.sum() >= MIN_CLOSE_TRACKS and hits[inside].mean() >= CLOSE_HIT:
                chosen[side] = float(t)
                break
    return chosen


class FoldScores:
    """Sums of the scores over folds and seeds, per method and target."""

    def __init__(self, targets: Sequence[str], k: int) -> None:
        self.targets, self.k = list(targets), k
        self.match: dict[tuple[str, str], list[tuple[float, float, float, float]]] = defaultdict(
            list
        )
        self.paths: dict[tuple[str, str, str], list[float]] = defaultdict(list)
        self.close: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.steps: dict[tuple[str, str, str], list[np.ndarray]] = defaultdict(list)
        self.readings: list[tuple[np.ndarray, np.ndarray]] = []
        self.scatter: dict[str, Any] | None = None

    def add_match(
        self,
        method: str,
        target: str,
        values: np.ndarray,
        rows: np.ndarray,
        side: tuple[int, int],
        closes: np.ndarray | None = None,
        weight: float = 1.0,
    ) -> None:
        """Score one ``match`` list: its ``rows`` of a fold whose listener values are
        ``values`` (n, 2); ``closes`` marks the tracks moodtune called close."""
        rows = np.asarray(rows, dtype=int)
        if len(rows) == 0:
            return
        hits = listener_hits(values, rows, side)
        z = (values - values.mean(axis=0)) / np.maximum(values.std(axis=0), 1e-9)
        mean_z = z[rows].mean(axis=0)
        self.match[(method, target)].append(
            (float(hits.mean()), float(mean_z[0]), float(mean_z[1]), weight)
        )
        if closes is not None:
            tally = self.close[target]
            tally[0] += len(rows)
            tally[1] += int(closes.sum())
            tally[2] += int(hits[closes].sum())
        if method == "moodtune" and self.scatter is not None and target in HEADLINE:
            self.scatter["picks"].setdefault(target, np.asarray(rows).tolist())

    def add_path(
        self, method: str, target: str, mode: str, values: np.ndarray, rows: np.ndarray
    ) -> None:
        """Score one path (``uplift`` or ``calm``) from ``target``."""
        rho = path_rho(values, rows, mode)
        if np.isfinite(rho):
            self.paths[(method, target, mode)].append(rho)
        rows = np.asarray(rows, dtype=int)
        if len(rows) == self.k:
            z = (values - values.mean(axis=0)) / np.maximum(values.std(axis=0), 1e-9)
            along = z[rows, 0] if mode == "uplift" else -z[rows, 1]
            self.steps[(method, target, mode)].append(along)

    def start_fold(self, values: np.ndarray) -> None:
        """Keep the first fold's catalogue for the scatter plot."""
        if self.scatter is None:
            self.scatter = {"catalogue": np.asarray(values).round(4).tolist(), "picks": {}}

    def folds_seen(self, values: np.ndarray, reading_z: np.ndarray | None) -> None:
        if reading_z is not None:
            self.readings.append((reading_z, values))

    def report(
        self, listeners: ListenerTable, folds: int, seeds: Sequence[int]
    ) -> RecommendationReport:
        match: dict[str, dict[str, dict[str, float]]] = {}
        for (method, target), rows in self.match.items():
            array = np.array(rows)
            weights = array[:, 3] / array[:, 3].sum()
            hit, zv, za = (float(np.round((array[:, i] * weights).sum(), 4)) for i in range(3))
            match.setdefault(target, {})[method] = {
                "hit_rate": hit,
                "valence_z": zv,
                "arousal_z": za,
            }
        paths: dict[str, dict[str, dict[str, float]]] = {}
        for (method, target, mode), values in self.paths.items():
            paths.setdefault(mode, {}).setdefault(target, {})[method] = round(
                float(np.mean(values)), 4
            )
        mean_paths: dict[str, dict[str, dict[str, float]]] = {}
        for (method, target, mode), steps in self.steps.items():
            mean = np.mean(steps, axis=0)
            rho = path_rho(mean[:, None] * np.array([[1.0, -1.0]]), np.arange(len(mean)), mode)
            mean_paths.setdefault(mode, {}).setdefault(target, {})[method] = {
                "rho": round(rho, 4),
                "last3_minus_first3_z": round(float(mean[-3:].mean() - mean[:3].mean()), 3),
            }
        close = {
            t: {
                "picks": c[0],
                "close": c[1],
                "close_hit_rate": round(c[2] / c[1], 4) if c[1] else None,
            }
            for t, c in self.close.items()
        }
        thresholds = choose_thresholds(self.readings) if self.readings else {}
        return RecommendationReport(
            source=Path(listeners.table.source).name,
            tracks=len(listeners),
            folds=folds,
            seeds=list(map(int, seeds)),
            k=self.k,
            match=match,
            paths=paths,
            mean_paths=mean_paths,
            close=close,
            thresholds={f"{a:+d},{b:+d}": t for (a, b), t in thresholds.items()},
            scatter=self.scatter,
        )


@dataclass
class RecommendationReport:
    """What :func:`~moodtune.recommend.listening.evaluate_recommendations` measured."""

    source: str
    tracks: int
    folds: int
    seeds: list[int]
    k: int
    match: dict[str, dict[str, dict[str, float]]]
    paths: dict[str, dict[str, dict[str, float]]]
    mean_paths: dict[str, dict[str, dict[str, dict[str, float]]]]
    close: dict[str, dict[str, Any]]
    thresholds: dict[str, float | None]
    scatter: dict[str, Any] | None = None

    def headline(self) -> dict[str, Any]:
        """The issue's figures: mean hit rate over :data:`HEADLINE` per method, whether each
        target reaches 1.5× random and ridge, and the named paths' ρ per method."""
        present = [t for t in HEADLINE if t in self.match]
        means = {
            m: round(float(np.mean([self.match[t][m]["hit_rate"] for t in present])), 4)
            for m in METHODS
            if present and all(m in self.match[t] for t in present)
        }
        checks = {}
        for t in present:
            ours = self.match[t]["moodtune"]["hit_rate"]
            random = self.match[t].get("random", {}).get("hit_rate", np.nan)
            ridge = self.match[t].get("ridge", {}).get("hit_rate", np.nan)
            checks[t] = {
                "vs_random": round(ours / random, 2) if random else None,
                "at_least_1.5x_random": bool(ours >= 1.5 * random),
                "at_least_ridge": bool(ours >= ridge),
            }
        named = {
            f"{mode} from {start}": {
                "rho_per_list": self.paths.get(mode, {}).get(start, {}),
                "mean_path": self.mean_paths.get(mode, {}).get(start, {}),
            }
            for mode, start in HEADLINE_PATHS.items()
        }
        return {"mean_hit_rate": means, "targets": checks, "paths": named}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the scatter's data left out)."""
        return {
            "source": self.source,
            "tracks": self.tracks,
            "folds": self.folds,
            "seeds": self.seeds,
            "k": self.k,
            "methods": list(METHODS),
            "headline": self.headline(),
            "match": self.match,
            "paths": self.paths,
            "mean_paths": self.mean_paths,
            "close": self.close,
            "close_thresholds": self.thresholds,
        }
