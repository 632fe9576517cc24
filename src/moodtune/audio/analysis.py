"""One file → one row of features, each value labelled with how it was obtained."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from moodtune.audio.decode import content_id, decode
from moodtune.audio.estimate import ESTIMATED_FEATURES, VibeNetEstimator
from moodtune.audio.measure import measure

#: The features measured from the signal (always present in an analysis).
MEASURED_FEATURES: tuple[str, ...] = ("tempo", "key", "mode", "loudness")
MEASURED = "measured"
ESTIMATED = "estimated"


@dataclass
class TrackAnalysis:
    """The analysis of one audio file.

    ``values`` maps feature names (moodtune's schema) to numbers; ``provenance`` maps the same
    names, plus ``duration_ms``, to "measured" or "estimated"; ``estimated_by`` names the model
    of the estimates ("" when there are none). ``size`` (bytes) and ``mtime_ns`` identify the
    file version analysed, so a later run can skip it. ``raw_estimates``: VibeNet's own
    estimates before the calibration (:mod:`moodtune.audio.calibration`), written as
    ``vibenet_<feature>`` columns; ``values`` holds the calibrated ones.
    """

    path: str
    size: int
    mtime_ns: int
    track_id: str
    title: str
    artist: str | None
    album: str | None
    duration_ms: int
    values: dict[str, float]
    provenance: dict[str, str]
    estimated_by: str = ""
    strengths: dict[str, float] = field(default_factory=dict)
    raw_estimates: dict[str, float] = field(default_factory=dict)

    def row(self) -> dict[str, object]:
        """A flat record for the output table (see :func:`moodtune.audio.batch.to_frame`)."""
        return {
            "track_id": self.track_id,
            "title": self.title,
            "artist": self.artist,
            "album": self.album,
            **{k: int(v) if k in ("key", "mode") else v for k, v in self.values.items()},
            "duration_ms": self.duration_ms,
            "tempo_strength": round(self.strengths.get("tempo", 0.0), 4),
            "key_strength": round(self.strengths.get("key", 0.0), 4),
            **{f"vibenet_{k}": v for k, v in self.raw_estimates.items()},
            "estimated_by": self.estimated_by,
            "provenance": json.dumps(self.provenance, sort_keys=True),
            "path": self.path,
            "size_bytes": self.size,
            "mtime_ns": self.mtime_ns,
        }


def analyse_file(path: str | Path, estimator: VibeNetEstimator | None = None) -> TrackAnalysis:
    """Decode and analyse ``path``; with ``estimator``, add VibeNet's estimated features,
    calibrated (:meth:`~moodtune.audio.estimate.VibeNetEstimator.calibrate`).

    Raises :class:`moodtune.audio.decode.AudioDecodeError` for a file that cannot be read.
    """
    path = Path(path).resolve()
    stat = path.stat()
    decoded = decode(path)
    measured = measure(decoded.samples, decoded.rate)
    values: dict[str, float] = {
        "tempo": round(measured.tempo, 3),
        "key": float(measured.key),
        "mode": float(measured.mode),
        "loudness": round(measured.loudness, 3),
    }
    provenance = {name: MEASURED for name in (*MEASURED_FEATURES, "duration_ms")}
    estimated_by = ""
    strengths = {"tempo": measured.tempo_strength, "key": measured.key_strength}
    raw: dict[str, float] = {}
    if estimator is not None:
        raw = {k: round(v, 5) for k, v in estimator.estimate(decoded.mono(), decoded.rate).items()}
        calibrated = estimator.calibrate({**values, **raw}, strengths)
        for name in raw:
            values[name] = round(calibrated.get(name, raw[name]), 5)
            provenance[name] = ESTIMATED
        estimated_by = estimator.name
    return TrackAnalysis(
        path=str(path),
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        track_id=content_id(path),
        title=decoded.tags.get("title") or path.stem,
        artist=decoded.tags.get("artist"),
        album=decoded.tags.get("album"),
        duration_ms=round(decoded.duration * 1000),
        values=values,
        provenance=provenance,
        estimated_by=estimated_by,
        strengths=strengths,
        raw_estimates=raw,
    )


__all__ = ["ESTIMATED_FEATURES", "MEASURED_FEATURES", "TrackAnalysis", "analyse_file"]
