"""The built-in catalogue: the 28 royalty-free clips of ``immich-memories-music`` (MIT),
analysed once and stored in moodtune; the audio is played from the installed package.

The stored table (``catalogue/catalogue.csv``) holds, per clip: identity, the measured and
the VibeNet-estimated features, the tempo and key the clip's generator was asked for (from
the package's LICENSE-MUSIC, as ``listed_bpm``/``listed_key``), the file path relative to the
package's ``tracks`` folder, and what the default model says: the emotion, its probabilities
and the valence/arousal reading (``reading_valence``, ``reading_arousal``, −1..1, learned
from listeners). Regenerate it (analysis and predictions) with::

    python -m moodtune.cli.scripts builtin --regenerate

or re-derive only the predictions from the stored features with the current default model::

    python -m moodtune.cli.scripts builtin --rederive

Reading it needs neither librosa nor VibeNet; only the audio paths need the immich package.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from moodtune.data.features import FEATURE_NAMES, PITCH_CLASSES, parse_key
from moodtune.data.readers import tidy
from moodtune.data.table import TrackTable, write_frame
from moodtune.errors import MoodtuneError

if TYPE_CHECKING:
    from moodtune.audio.analysis import TrackAnalysis

__all__ = [
    "CATALOGUE_FILE",
    "PACKAGE",
    "PROVENANCE_FILE",
    "Listed",
    "builtin_catalogue",
    "builtin_predictions",
    "data_folder",
    "license_text",
    "listed_tracks",
    "rederive",
    "regenerate",
    "tracks_folder",
]

log = logging.getLogger(__name__)

PACKAGE = "immich-memories-music"
CATALOGUE_FILE = "catalogue.csv"
PROVENANCE_FILE = "provenance.json"


def data_folder() -> Path:
    """Where the stored catalogue lives inside moodtune."""
    return Path(str(resources.files("moodtune.audio") / "catalogue"))


def tracks_folder() -> Path | None:
    """The installed package's ``tracks`` folder, or None when it is not installed."""
    try:
        import immich_memories_music
    except ImportError:
        return None
    folder = immich_memories_music.tracks_dir()
    return folder if folder.is_dir() else None


def builtin_catalogue() -> tuple[TrackTable, list[str | None], dict[str, str]]:
    """The built-in catalogue: ``(table, audio paths, provenance)``.

    ``table`` has track_id, title, artist, album (the mood folder) and the features (tempo,
    key, mode, loudness measured; the 7 others estimated by VibeNet); ``audio paths`` are
    absolute paths into the installed ``immich-memories-music`` package, in table order (None
    for a clip whose file is missing, all None when the package is not installed: a note in
    ``table.notes`` says so); ``provenance`` maps each feature to "measured" or "estimated".
    """
    frame, provenance = _stored()
    table = tidy(frame, source=f"moodtune built-in catalogue ({PACKAGE})")
    folder = tracks_folder()
    paths: list[str | None] = []
    for relative in frame["audio_file"]:
        candidate = folder / relative if folder is not None else None
        paths.append(str(candidate) if candidate is not None and candidate.is_file() else None)
    if folder is None:
        table.notes.append(
            f"{PACKAGE} is not installed, so the built-in tracks cannot be played: "
            f"pip install 'moodtune[audio]'"
        )
    elif None in paths:
        table.notes.append(f"{paths.count(None)} built-in audio file(s) missing from {folder}")
    features = provenance["features"]
    return table, paths, {name: features[name] for name in table.feature_names}


def builtin_predictions() -> pd.DataFrame:
    """The stored predictions: track_id, emotion, confidence, p_<emotion> and (when the model
    has a reading) reading_valence and reading_arousal per clip, made by the default model
    whose version is in ``provenance.json`` (empty columns if none was)."""
    frame, _ = _stored()
    columns = ["track_id", *[c for c in frame.columns if _is_prediction(c)]]
    return frame[columns].copy()


def _stored() -> tuple[pd.DataFrame, dict]:
    folder = data_folder()
    frame = pd.read_csv(folder / CATALOGUE_FILE, dtype={"track_id": str, "audio_file": str})
    provenance = json.loads((folder / PROVENANCE_FILE).read_text(encoding="utf-8"))
    return frame, provenance


# --- the generator's own record: LICENSE-MUSIC ---------------------------------------------


@dataclass(frozen=True)
class Listed:
    """What LICENSE-MUSIC says a clip was generated with: tempo (BPM), key, mode, seed."""

    bpm: float
    key: int
    mode: int
    seed: int

    @property
    def key_name(self) -> str:
        return f"{PITCH_CLASSES[self.key]} {'major' if self.mode == 1 else 'minor'}"


_LINE = re.compile(
    r"^\s+(?P<name>\S+\.(?:opus|ogg|mp3|flac|wav))\s+(?P<bpm>\d+(?:\.\d+)?)\s*bpm\s+"
    r"(?P<key>[A-G][#b]?)\s+(?P<mode>major|minor)\s+seed\s+(?P<seed>\d+)",
    re.IGNORECASE,
)


def listed_tracks(text: str | None = None) -> dict[str, Listed]:
    """Parse LICENSE-MUSIC (by default the installed package's) into file name → Listed."""
    if text is None:
        text = license_text()
    listed: dict[str, Listed] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if match:
            parsed = parse_key(f"{match['key']} {match['mode']}")
            if parsed is None or parsed[1] is None:
                continue
            listed[match["name"]] = Listed(
                float(match["bpm"]), parsed[0], parsed[1], int(match["seed"])
            )
    return listed


def license_text() -> str:
    """The text of the installed package's LICENSE-MUSIC."""
    from importlib import metadata

    try:
        distribution = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError:
        raise MoodtuneError(f"{PACKAGE} is not installed: pip install 'moodtune[audio]'") from None
    for file in distribution.files or []:
        if file.name == "LICENSE-MUSIC":
            return Path(str(file.locate())).read_text(encoding="utf-8")
    raise MoodtuneError(f"{PACKAGE} is installed without its LICENSE-MUSIC file")


# --- regeneration ----------------------------------------------------------------------------


def regenerate(jobs: int = 1, folder: Path | None = None) -> Path:
    """Analyse every clip of the installed package and rewrite the stored catalogue.

    Needs librosa (``audio`` extra) and VibeNet (``audio-ml``): the default model takes
    valence, energy, danceability, acousticness, speechiness and liveness, which only VibeNet
    estimates. The emotions come from :meth:`EmotionModel.default` when it is present.
    """
    from moodtune.audio.batch import analyse_batch
    from moodtune.audio.estimate import vibenet_available

    tracks = tracks_folder()
    if tracks is None:
        raise MoodtuneError(f"{PACKAGE} is not installed: pip install 'moodtune[audio]'")
    if not vibenet_available():
        raise MoodtuneError(
            "regenerating the built-in catalogue needs VibeNet for the estimated features: "
            "pip install 'moodtune[audio-ml]'"
        )
    listed = listed_tracks()
    result = analyse_batch([tracks], jobs=jobs, estimate=True)
    if result.failures:
        detail = "; ".join(f"{f.path}: {f.reason}" for f in result.failures)
        raise MoodtuneError(f"some built-in clips could not be analysed: {detail}")
    rows = []
    for item in result.analyses:
        path = Path(item.path)
        relative = path.relative_to(tracks.resolve()).as_posix()
        clip = listed.get(path.name)
        rows.append(
            {
                "track_id": f"builtin-{path.stem}",
                "title": _title(path.stem),
                # Generated clips have no artist: left empty, so that the recommender's
                # per-artist cap (meant for real artists) does not cut the list to 2.
                "artist": None,
                "album": path.parent.name,
                **{
                    name: int(item.values[name]) if name in ("key", "mode") else item.values[name]
                    for name in FEATURE_NAMES
                    if name in item.values
                },
                "duration_ms": item.duration_ms,
                "tempo_strength": round(item.strengths["tempo"], 4),
                "key_strength": round(item.strengths["key"], 4),
                # VibeNet's own estimates, before the calibration (moodtune.audio.calibration)
                **{f"vibenet_{k}": v for k, v in item.raw_estimates.items()},
                "listed_bpm": clip.bpm if clip else None,
                "listed_key": clip.key_name if clip else None,
                "audio_file": relative,
                "audio_id": item.track_id,
            }
        )
    frame = pd.DataFrame(rows)
    model_info = _predict(frame)
    folder = folder or data_folder()
    folder.mkdir(parents=True, exist_ok=True)
    write_frame(frame, folder / CATALOGUE_FILE)
    provenance = _provenance(result.analyses[0].provenance, result.estimated_by, model_info)
    (folder / PROVENANCE_FILE).write_text(json.dumps(provenance, indent=1) + "\n", encoding="utf-8")
    return folder / CATALOGUE_FILE


def _title(stem: str) -> str:
    """``happy_acoustic_s411`` → ``Happy acoustic (seed 411)``; ``calm_acoustic_1`` →
    ``Calm acoustic 1``."""
    words = stem.split("_")
    if words[-1].startswith("s") and words[-1][1:].isdigit():
        words[-1] = f"(seed {words[-1][1:]})"
    return " ".join(words).capitalize()


def _is_prediction(column: str) -> bool:
    return column in ("emotion", "confidence") or column.startswith(("p_", "reading_"))


def rederive(folder: Path | None = None) -> Path:
    """Re-predict the stored clips' emotions and reading with the current default model,
    from the stored features (no audio analysis), and record the model in provenance.json."""
    source = data_folder()
    frame, provenance = _stored()
    frame = frame[[c for c in frame.columns if not _is_prediction(c)]].copy()
    label = _recalibrate(frame, provenance.get("estimated", {}).get("model", ""))
    if label:
        provenance["estimated"]["model"] = label
    model_info = _predict(frame)
    folder = folder or source
    folder.mkdir(parents=True, exist_ok=True)
    write_frame(frame, folder / CATALOGUE_FILE)
    provenance["emotions"] = model_info
    (folder / PROVENANCE_FILE).write_text(json.dumps(provenance, indent=1) + "\n", encoding="utf-8")
    return folder / CATALOGUE_FILE


def _recalibrate(frame: pd.DataFrame, stored: str) -> str | None:
    """Calibrate the stored clips' estimates again from their raw ``vibenet_*`` columns when
    they were calibrated otherwise (``stored``: their label) than for the current default
    model (in place); the new label, or None when nothing changed (same label, no raw
    columns, or VibeNet not installed: then the stored values stay)."""
    from moodtune.audio.estimate import ESTIMATED_FEATURES, vibenet_available, vibenet_version

    raw = [f"vibenet_{name}" for name in ESTIMATED_FEATURES]
    if not set(raw) <= set(frame.columns) or not vibenet_available():
        return None
    if stored == vibenet_version():
        return None
    from moodtune.audio.output import recalibrate

    analyses = [_as_analysis(row) for row in frame.to_dict("records")]
    recalibrate(analyses, vibenet_version())
    for name in ESTIMATED_FEATURES:
        frame[name] = [item.values[name] for item in analyses]
    return vibenet_version()


def _as_analysis(row: dict) -> TrackAnalysis:
    from moodtune.audio.analysis import TrackAnalysis
    from moodtune.audio.estimate import ESTIMATED_FEATURES, vibenet_version

    return TrackAnalysis(
        path=str(row["audio_file"]),
        size=0,
        mtime_ns=0,
        track_id=str(row["track_id"]),
        title=str(row["title"]),
        artist=None,
        album=None,
        duration_ms=int(row["duration_ms"]),
        values={n: float(row[n]) for n in FEATURE_NAMES if n in row},
        provenance={},
        estimated_by=vibenet_version().split(",")[0],  # raw estimates of this VibeNet
        strengths={"tempo": float(row["tempo_strength"]), "key": float(row["key_strength"])},
        raw_estimates={n: float(row[f"vibenet_{n}"]) for n in ESTIMATED_FEATURES},
    )


def _predict(frame: pd.DataFrame) -> dict | None:
    from moodtune.model.artifact import EmotionModel

    try:
        model = EmotionModel.default()
    except (MoodtuneError, OSError) as error:
        log.warning("no default model yet (%s); emotions not stored", error)
        return None
    table = tidy(frame, source="built-in catalogue")
    predictions = model.predict_table(table, follow_reading=True)  # calibrated estimates
    for column in predictions.columns:
        if _is_prediction(column):
            frame[column] = predictions[column].to_numpy()
    info: dict = {"version": model.version, "features": list(model.feature_names)}
    head = model.reading_head(table.feature_names)
    if head is not None:
        info["reading_features"] = list(head.feature_names)
    return info


def _provenance(per_feature: dict[str, str], estimated_by: str, model: dict | None) -> dict:
    from moodtune.audio.output import METHODS, VIBENET_LICENCE

    return {
        "source": f"{PACKAGE} 0.1.0 (MIT): 28 clips generated with ACE-Step 1.5",
        "features": {k: v for k, v in per_feature.items() if k in FEATURE_NAMES},
        "measured": METHODS,
        "estimated": {
            "model": estimated_by,
            "licence": VIBENET_LICENCE,
            "note": "estimates of Spotify-style features by a learned model",
        },
        "listed": "listed_bpm and listed_key: the tempo and key the generator was prompted "
        "with, as LICENSE-MUSIC lists them (not measurements)",
        "emotions": model,
        "regenerate": "python -m moodtune.cli.scripts builtin --regenerate",
    }
