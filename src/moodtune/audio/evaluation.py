"""How well the reading of audio files agrees with listeners: ``moodtune evaluate-audio``.

A folder of rated recordings is analysed (resumably, into an analysis table like
``moodtune analyze`` writes), each file is matched to its listeners' ratings
(:mod:`moodtune.audio.listeners`), and every *route* from audio to valence and arousal is
scored against them: Spearman ρ, and the AUC of the top against the bottom quartile of the
listeners' scores, over all files and per genre. The routes: the reading ``analyze`` +
``predict`` give (VibeNet's estimates calibrated, :mod:`moodtune.audio.calibration`), the same
reading from VibeNet's raw estimates (before the calibration), VibeNet's raw valence and
energy, and measured loudness. :mod:`moodtune.audio.evaluation_report` writes the result as
JSON, Markdown and a scatter plot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from moodtune.audio.listeners import IdScheme, Ratings, read_ratings
from moodtune.audio.routes import Route
from moodtune.errors import MoodtuneError

if TYPE_CHECKING:
    from moodtune.model.artifact import EmotionModel
    from moodtune.progress import Progress

__all__ = [
    "ALL",
    "AudioEvaluation",
    "Route",
    "evaluate_audio",
    "evaluate_frame",
    "match_ratings",
    "quartile_auc",
    "spearman",
]

#: The name of the group holding every file.
ALL = "all"


@dataclass
class AudioEvaluation:
    """The scores of every route, per group (``ALL`` and each genre).

    ``scores[route][group][axis]`` is ``{"rho": …, "auc": …, "n": …}``; ``emotions`` counts the
    top emotion of the shipped route per listeners' quadrant (and per most-chosen GEMS emotion
    when the ratings are GEMS); ``frame`` holds, per matched file, the listeners' scores and
    every route's (for the plot).
    """

    folder: str
    labels: str
    matched: int
    unmatched_files: list[str]
    unrated: int
    gems: bool
    routes: dict[str, str]
    scores: dict[str, dict[str, dict[str, dict[str, float]]]]
    emotions: dict[str, dict[str, dict[str, int]]]
    frame: pd.DataFrame = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """Everything but the per-file frame, as JSON-ready values."""
        return {
            "folder": self.folder,
            "labels": self.labels,
            "matched": self.matched,
            "unmatched_files": self.unmatched_files,
            "unrated": self.unrated,
            "targets": "GEMS mapping (docs/audio.md)" if self.gems else "valence/arousal columns",
            "routes": self.routes,
            "scores": self.scores,
            "emotions": self.emotions,
        }


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's ρ (ties averaged); NaN for fewer than 3 values or a constant input.

    Examples
    --------
    >>> spearman(np.array([1.0, 2.0, 3.0]), np.array([10.0, 30.0, 20.0]))
    0.5
    """
    from scipy.stats import rankdata

    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(np.corrcoef(rankdata(a), rankdata(b))[0, 1])


def quartile_auc(score: np.ndarray, target: np.ndarray) -> float:
    """AUC of ``score`` between the top and the bottom quartile of ``target`` (0.5 = chance).

    Examples
    --------
    >>> target = np.arange(8.0)
    >>> quartile_auc(target, target), quartile_auc(-target, target)
    (1.0, 0.0)
    """
    from scipy.stats import rankdata

    low, high = np.quantile(target, [0.25, 0.75])
    top, bottom = score[target >= high], score[target <= low]
    if len(top) == 0 or len(bottom) == 0 or low == high:
        return float("nan")
    ranks = rankdata(np.concatenate([top, bottom]))[: len(top)]
    return float((ranks.sum() - len(top) * (len(top) + 1) / 2) / (len(top) * len(bottom)))


def match_ratings(
    table: pd.DataFrame,
    folder: Path,
    ratings: Ratings,
    *,
    id_scheme: IdScheme | None = None,
    genre_from: str = "labels",
) -> tuple[pd.DataFrame, list[str], int]:
    """Join the analysis rows of files under ``folder`` with their ratings.

    Returns the joined frame (with ``target_valence``, ``target_arousal``, ``genre``,
    ``top_gems``), the files without ratings and the number of ratings without a file.
    ``genre_from``: ``"labels"`` (the CSV's ``genre`` column) or ``"folder"`` (the name of the
    file's parent folder).
    """
    if genre_from not in ("labels", "folder"):
        raise MoodtuneError(f"--genre-from must be 'labels' or 'folder', not {genre_from!r}")
    if ratings.by == "id" and id_scheme is None:
        raise MoodtuneError(
            f"{ratings.source} names recordings by id: give --id-offsets (FOLDER=NUMBER,…) "
            "to say which file has which id"
        )
    paths = [Path(p) for p in table["path"]]
    keys = [_key(path, folder, ratings.by, id_scheme) for path in paths]
    if ratings.by == "file":
        names = pd.Series([path.name for path in paths])
        unique = set(names[~names.duplicated(keep=False)])
        keys = [
            key if key in set(ratings.frame["key"]) or path.name not in unique else path.name
            for key, path in zip(keys, paths, strict=True)
        ]
    frame = table.assign(rating_key=keys)
    rated = ratings.frame.rename(
        columns={"key": "rating_key", "valence": "target_valence", "arousal": "target_arousal"}
    )
    joined = frame.merge(rated, on="rating_key", how="inner", suffixes=("", "_labels"))
    known = set(rated["rating_key"])
    unmatched = sorted(str(p) for p, k in zip(paths, keys, strict=True) if k not in known)
    if genre_from == "folder":
        joined["genre"] = [Path(p).parent.name for p in joined["path"]]
    if joined.empty:
        raise MoodtuneError(
            f"no analysed file under {str(folder)!r} matches a row of {ratings.source} "
            f"(keys such as {keys[0] if keys else '–'!r} against {ratings.frame.key.iloc[0]!r})"
        )
    return joined.reset_index(drop=True), unmatched, len(rated) - len(joined)


def _key(path: Path, folder: Path, by: str, scheme: IdScheme | None) -> str | None:
    if by == "id":
        return scheme.key_of(path, folder) if scheme else None
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return path.name


def evaluate_frame(frame: pd.DataFrame, routes: list[Route]) -> dict[str, Any]:
    """``scores[route][group][axis]`` for the routes over ``frame``'s targets and genres."""
    groups = {ALL: np.ones(len(frame), dtype=bool)}
    if frame["genre"].notna().any():
        for genre in sorted(frame["genre"].dropna().unique()):
            groups[str(genre)] = (frame["genre"] == genre).to_numpy()
    scores: dict[str, Any] = {}
    for route in routes:
        scores[route.name] = {}
        for group, rows in groups.items():
            scores[route.name][group] = {
                axis: _axis(values[rows], frame[f"target_{axis}"].to_numpy(float)[rows])
                for axis, values in (("valence", route.valence), ("arousal", route.arousal))
                if values is not None
            }
    return scores


def _axis(score: np.ndarray, target: np.ndarray) -> dict[str, float]:
    keep = np.isfinite(score)
    score, target = score[keep], target[keep]
    return {
        "rho": round(spearman(score, target), 4),
        "auc": round(quartile_auc(score, target), 4),
        "n": len(score),
    }


def evaluate_audio(
    folder: str | Path,
    labels: str | Path,
    analysis: str | Path,
    *,
    id_scheme: IdScheme | None = None,
    genre_from: str = "labels",
    jobs: int = 1,
    model: EmotionModel | None = None,
    progress: Progress | None = None,
) -> AudioEvaluation:
    """Analyse ``folder`` into ``analysis`` (resumed: files already there are not analysed
    again), match the files to the ratings in ``labels`` and score every route.

    Needs VibeNet (the ``audio-ml`` extra). ``model``: the emotion model (default: the
    shipped one).
    """
    from moodtune.audio.estimate import vibenet_available
    from moodtune.audio.output import analyse_to_table
    from moodtune.audio.routes import audio_routes, emotion_spread
    from moodtune.errors import MissingExtraError
    from moodtune.model.artifact import load_model

    folder = Path(folder)
    if not folder.is_dir():
        raise MoodtuneError(f"{str(folder)!r} is not a folder")
    if not vibenet_available():
        raise MissingExtraError("audio-ml", "vibenet")
    ratings = read_ratings(labels)
    analyse_to_table([folder], analysis, jobs=jobs, progress=progress)
    table = pd.read_csv(analysis) if str(analysis).endswith(".csv") else _read(Path(analysis))
    frame, unmatched, unrated = match_ratings(
        table, folder, ratings, id_scheme=id_scheme, genre_from=genre_from
    )
    model = model or load_model()
    routes, frame = audio_routes(frame, model)
    return AudioEvaluation(
        folder=str(folder),
        labels=str(labels),
        matched=len(frame),
        unmatched_files=unmatched,
        unrated=unrated,
        gems=ratings.gems,
        routes={route.name: route.description for route in routes},
        scores=evaluate_frame(frame, routes),
        emotions=emotion_spread(frame),
        frame=frame,
    )


def _read(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    return pd.read_json(path, orient="records", dtype=False)
