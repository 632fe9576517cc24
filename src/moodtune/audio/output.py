"""The analysis table on disk: a track table ``read_tracks`` takes, and a provenance sidecar.

The table has the identity columns, the measured features (tempo, key, mode, loudness) and,
when VibeNet ran, the 7 estimated ones; then ``duration_ms``, ``tempo_strength``,
``key_strength``, ``estimated_by``, a per-row ``provenance`` (JSON: feature → "measured" or
"estimated") and the file's ``path``, ``size_bytes`` and ``mtime_ns`` (so a later run can
skip unchanged files). Without VibeNet the estimated columns are left out, not written empty:
``read_tracks`` rejects empty feature values, and an absent column says "not computed"
plainly. ``<table>.provenance.json`` beside it says how each column was obtained, by what,
and lists the files that could not be analysed; its ``provenance`` entry (feature → measured
or estimated) is what an importer passes to the catalogue (see
:mod:`moodtune.audio.provenance`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from moodtune.audio.analysis import MEASURED, TrackAnalysis
from moodtune.audio.batch import BatchResult, Progress, Runner, analyse_batch, find_audio
from moodtune.audio.estimate import ESTIMATED_FEATURES, vibenet_available, vibenet_version
from moodtune.audio.provenance import feature_provenance, sidecar_path
from moodtune.data.features import FEATURE_NAMES
from moodtune.errors import InputError, MoodtuneError
from moodtune.files import remove_leftovers, replace_atomically

#: How each measured column is obtained (written into the sidecar).
METHODS: dict[str, str] = {
    "tempo": "BPM; onset-envelope autocorrelation, 4-beat comb with a log-normal prior at "
    "120 BPM, period refined by parabolic interpolation over its multiples (librosa 0.11)",
    "key": "pitch class 0-11; Krumhansl-Schmuckler correlation of the mean constant-Q chroma "
    "with Albrecht-Shanahan key profiles (librosa 0.11)",
    "mode": "1 major / 0 minor; from the same key-profile correlation",
    "loudness": "integrated loudness, LUFS (ITU-R BS.1770-4: pyloudnorm's K-weighting filters, "
    "400 ms blocks gated at -70 LUFS and -10 LU), floor -60",
    "duration_ms": "decoded length in milliseconds (FFmpeg via PyAV, else libsndfile)",
}
VIBENET_LICENCE = "GPL-3.0-or-later"


def to_frame(analyses: list[TrackAnalysis]) -> pd.DataFrame:
    """One row per analysis; feature columns in schema order; absent estimates left out."""
    frame = pd.DataFrame([item.row() for item in analyses])
    features = [name for name in FEATURE_NAMES if name in frame.columns]
    rest = [c for c in frame.columns if c not in features and c not in _IDENTITY]
    return frame[[*_IDENTITY, *features, *rest]]


_IDENTITY = ["track_id", "title", "artist", "album"]


def drop_copies(
    analyses: list[TrackAnalysis],
) -> tuple[list[TrackAnalysis], list[tuple[TrackAnalysis, TrackAnalysis]]]:
    """One analysis per track: files with the same bytes share a track id (a content hash).

    Returns the analyses with the first file of each track id kept (input order), and the
    left-out copies as ``(copy, the file kept instead)`` pairs so they can be reported.
    """
    first: dict[str, TrackAnalysis] = {}
    copies: list[tuple[TrackAnalysis, TrackAnalysis]] = []
    for item in analyses:
        kept = first.setdefault(item.track_id, item)
        if kept is not item:
            copies.append((item, kept))
    return list(first.values()), copies


def write_output(
    result: BatchResult, out: str | Path, *, complete: bool = True
) -> tuple[Path, Path]:
    """Write the table (csv, parquet or json by suffix) and its sidecar, each atomically.

    Each file is written under a temporary name, flushed to disk and renamed over the old
    one, so a reader (or a process killed at any moment) sees either the previous file or
    the new one, whole. ``complete`` False marks the sidecar of a checkpoint taken during a
    run (``"complete": false``; its failures are the unsupported files found before the
    analysis, those that fail to decode are added at the end).
    """
    from moodtune import __version__

    table = Path(out)
    suffix = table.suffix.lower()
    if suffix not in {".csv", ".parquet", ".json"}:
        raise MoodtuneError(
            f"cannot write {table.name!r}: use a name ending in .csv, .parquet or .json"
        )
    frame = to_frame(result.analyses)
    replace_atomically(table, lambda temporary: _write_table(frame, temporary, suffix))
    estimated = None
    missing: dict[str, str] = {}
    if result.estimated_by:
        estimated = {
            "model": result.estimated_by,
            "licence": VIBENET_LICENCE,
            "features": list(ESTIMATED_FEATURES),
            "note": "estimates of Spotify-style features by a learned model, not measurements; "
            "calibrated so that the model's valence/arousal reading agrees with listeners "
            "(moodtune.audio.calibration); VibeNet's own values are in the vibenet_* columns",
        }
    else:
        reason = "not computed: VibeNet is not installed (pip install 'moodtune[audio-ml]')"
        missing = dict.fromkeys(ESTIMATED_FEATURES, reason)
    sidecar = {
        "generator": f"moodtune {__version__} analyze",
        "tracks": len(result.analyses),
        # feature → measured/estimated: what 'moodtune catalog import' stores per feature
        "provenance": feature_provenance(bool(result.estimated_by)),
        "measured": METHODS,
        "estimated": estimated,
        "missing": missing,
        "failures": [{"path": f.path, "reason": f.reason} for f in result.failures],
        "complete": complete,
    }
    _write_json(sidecar_path(table), sidecar)
    return table, sidecar_path(table)


def read_previous(out: str | Path) -> list[TrackAnalysis]:
    """The analyses stored in an earlier output ``out`` (empty when it does not exist yet)."""
    out = Path(out)
    if not out.is_file():
        return []
    suffix = out.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(out)
        elif suffix == ".json":
            frame = pd.read_json(out, orient="records", dtype=False)
        else:
            frame = pd.read_csv(out, keep_default_na=True)
    except (ValueError, OSError) as error:
        raise InputError(
            f"the earlier output cannot be read to resume ({error}); move it away or pass --fresh",
            path=str(out),
        ) from None
    needed = {"path", "size_bytes", "mtime_ns", "track_id", "provenance"}
    if frame.empty or not needed <= set(frame.columns):
        raise InputError(
            "is not an output of 'moodtune analyze' (it lacks the path, size_bytes, mtime_ns "
            "and provenance columns needed to resume); choose another --out or pass --fresh",
            path=str(out),
        )
    return [_from_row(row) for row in frame.to_dict(orient="records")]


def analyse_to_table(
    paths: list[str | Path],
    out: str | Path,
    *,
    jobs: int = 1,
    estimate: bool = True,
    fresh: bool = False,
    progress: Progress | None = None,
    runner: Runner | None = None,
) -> tuple[BatchResult, int, int]:
    """Analyse ``paths`` into the table ``out``, resuming from what ``out`` already holds.

    Rows of ``out`` for files not named in this run are kept as they are, unless they were
    analysed with a different estimator (with vs without VibeNet): one table cannot hold both
    without empty values, so those are left out and counted. The table (and its sidecar) is
    rewritten atomically after every file that finishes, so a run killed at any moment (even
    with SIGKILL) leaves a whole table holding every file finished so far, and a rerun
    analyses only the others. ``runner`` analyses the files elsewhere (see
    :func:`moodtune.audio.batch.analyse_batch`); this process still writes every result.
    Returns the batch result, the number of
    earlier rows kept for other files and the number left out. Raises
    :class:`EmptyAnalysisError` (its ``result`` lists the failures) when nothing could be
    analysed.
    """
    out = Path(out)
    if out.suffix.lower() not in {".csv", ".parquet", ".json"}:
        raise MoodtuneError(
            f"cannot write {out.name!r}: use a name ending in .csv, .parquet or .json"
        )
    if not out.parent.is_dir():
        raise MoodtuneError(f"the folder {str(out.parent)!r} does not exist")
    _remove_leftovers(out)
    estimated_by = vibenet_version() if estimate and vibenet_available() else ""
    previous = [] if fresh else recalibrate(read_previous(out), estimated_by)
    files, unsupported = find_audio(paths)
    named = {str(path) for path in files}
    others = [p for p in previous if p.path not in named and p.estimated_by == estimated_by]
    dropped = sum(1 for p in previous if p.path not in named) - len(others)
    reusable = [p for p in previous if p.path in named and p.estimated_by == estimated_by]
    saved: dict[str, TrackAnalysis] = {p.path: p for p in [*others, *reusable]}

    def checkpoint(item: TrackAnalysis) -> None:
        saved[item.path] = item
        partial = BatchResult(list(saved.values()), unsupported, 0, estimated_by)
        write_output(partial, out, complete=False)

    result = analyse_batch(
        paths,
        jobs=jobs,
        estimate=estimate,
        previous=previous,
        progress=progress,
        on_result=checkpoint,
        runner=runner,
    )
    combined = BatchResult(
        [*others, *result.analyses], result.failures, result.reused, result.estimated_by
    )
    if not combined.analyses:
        raise EmptyAnalysisError(combined)
    write_output(combined, out)
    return combined, len(others), dropped


def recalibrate(previous: list[TrackAnalysis], estimated_by: str) -> list[TrackAnalysis]:
    """Earlier analyses with VibeNet's estimates from the same VibeNet version, calibrated
    otherwise (another calibration or model, or none: tables written before the calibration
    hold VibeNet's raw values), calibrated again from their stored raw estimates and measured
    values, so that a rerun need not decode those files again. The tempo and key strengths
    stored (rounded to 4 digits) stand in for the exact ones. Others are returned as they are.
    """
    vibenet = estimated_by.split(",")[0]
    stale = [
        item
        for item in previous
        if estimated_by
        and item.estimated_by != estimated_by
        and item.estimated_by.split(",")[0] == vibenet
    ]
    if not stale:
        return previous
    from moodtune.audio.calibration import Calibrator

    calibrator = Calibrator()
    for item in stale:
        raw = item.raw_estimates or {
            k: item.values[k] for k in ESTIMATED_FEATURES if k in item.values
        }
        if len(raw) != len(ESTIMATED_FEATURES):
            continue
        calibrated = calibrator.calibrate({**item.values, **raw}, item.strengths)
        item.values.update({k: round(calibrated.get(k, v), 5) for k, v in raw.items()})
        item.raw_estimates = dict(raw)
        item.estimated_by = estimated_by
    return previous


class EmptyAnalysisError(MoodtuneError):
    """No file could be analysed; ``result.failures`` says why for each."""

    def __init__(self, result: BatchResult) -> None:
        self.result = result
        super().__init__(
            f"no file could be analysed ({len(result.failures)} failed or unsupported)"
        )


def _from_row(row: dict) -> TrackAnalysis:
    provenance = json.loads(row["provenance"])
    values = {
        name: float(row[name])
        for name in FEATURE_NAMES
        if name in provenance and _present(row.get(name))
    }
    return TrackAnalysis(
        path=str(row["path"]),
        size=int(row["size_bytes"]),
        mtime_ns=int(row["mtime_ns"]),
        track_id=str(row["track_id"]),
        title=str(row["title"]),
        artist=str(row["artist"]) if _present(row.get("artist")) else None,
        album=str(row["album"]) if _present(row.get("album")) else None,
        duration_ms=int(row["duration_ms"]),
        values=values,
        provenance=provenance,
        estimated_by=str(row["estimated_by"]) if _present(row.get("estimated_by")) else "",
        strengths={
            "tempo": float(row.get("tempo_strength") or 0.0),
            "key": float(row.get("key_strength") or 0.0),
        },
        raw_estimates={
            name: float(row[f"vibenet_{name}"])
            for name in ESTIMATED_FEATURES
            if _present(row.get(f"vibenet_{name}"))
        },
    )


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return str(value).strip() != ""


def _write_json(path: Path, data: dict) -> None:
    def write(temporary: Path) -> None:
        with open(temporary, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=1, ensure_ascii=False)
            stream.write("\n")

    replace_atomically(path, write)


def _write_table(frame: pd.DataFrame, path: Path, suffix: str) -> None:
    """Write ``frame`` to ``path`` as ``suffix`` says (".csv", ".parquet" or ".json")."""
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix == ".json":
        frame.to_json(path, orient="records", indent=1)
    else:
        frame.to_csv(path, index=False)


def _remove_leftovers(out: Path) -> None:
    """Delete the temporary files a killed run may have left beside ``out`` and its sidecar."""
    remove_leftovers(out)
    remove_leftovers(sidecar_path(out))


__all__ = [
    "MEASURED",
    "analyse_to_table",
    "drop_copies",
    "read_previous",
    "recalibrate",
    "sidecar_path",
    "to_frame",
    "write_output",
]
