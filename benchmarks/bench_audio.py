"""Benchmark: audio analysis of real music, × real time per core, ours beside librosa and essentia.

One process pinned to one core, BLAS and OpenMP limited to one thread. Every file is analysed by
each pipeline in turn (so a change of load on the shared machine hits them alike), timed with
the process's CPU time (seconds of audio per CPU second = × real time per core) and wall time:

* **ours, measured**: ``decode`` + ``measure`` (tempo, key, mode, loudness, duration), as
  ``moodtune analyze --no-estimate`` does per file;
* **ours, full**: the same + VibeNet's 7 estimates (when installed), calibrated so that the
  model's valence/arousal reading agrees with listeners (``moodtune.audio.calibration``: a
  Gauss–Newton fit of 4 estimates through the reading head), as ``moodtune analyze``;
* **librosa (cqt)**: the stock pipeline a user would write for the same five features:
  ``librosa.load(sr=None, mono=False)``, pyloudnorm's meter for the loudness, ``to_mono`` and
  ``resample`` to 22,050 Hz, ``beat.beat_track``, ``feature.chroma_cqt``, a
  Krumhansl–Schmuckler key from the mean chroma; **librosa (stft)**: the same with
  ``chroma_stft``;
* **essentia** (benchmark only, AGPL-3.0, never a dependency of moodtune; skipped when not
  installed): the algorithms a user would pick for these five features on the same decoded
  audio (soundfile; essentia's bundled FFmpeg has no Opus): ``RhythmExtractor2013`` with the
  fast ``degara`` beat tracker, ``KeyExtractor``, ``LoudnessEBUR128``; and **essentia
  MusicExtractor** (the extractor), on the files its own loader reads.

The files: the 28 built-in clips (real music, immich-memories-music, MIT), a 3-minute Opus track
(one clip looped, 48 kHz stereo) and any folders or files given (e.g. Debian's game-music
packages unpacked with ``dpkg-deb -x``; ``--every K`` takes every K-th of them).

    .venv/bin/python benchmarks/bench_audio.py [DIR_OR_FILE ...] [--every K] [--no-peers]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import common

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_name] = "1"  # per core: before numpy, scipy or numba start their thread pools

SUFFIXES = (".mp3", ".ogg", ".oga", ".opus", ".flac", ".wav", ".aiff", ".aif")
ANALYSIS_RATE = 22050


def machine() -> str:
    """CPU model, cores, AVX-512, Python and the load average."""
    return common.machine()


def versions() -> str:
    from importlib import metadata

    found = []
    for name in ("numpy", "scipy", "librosa", "av", "soundfile", "pyloudnorm", "essentia"):
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return "versions: " + ", ".join(found)


def files_to_analyse(
    paths: list[str], every: int, folder: Path, seconds: float, clips: int
) -> list[Path]:
    """The built-in clips, a looped 3-minute Opus track written into ``folder``, and ``paths``."""
    import immich_memories_music
    import numpy as np
    import soundfile

    count = clips
    clips = sorted(immich_memories_music.tracks_dir().rglob("*.opus"))
    samples, rate = soundfile.read(str(clips[10]), dtype="float32", always_2d=True)
    repeats = int(np.ceil(seconds * rate / samples.shape[0]))
    track = np.tile(samples, (repeats, 1))[: int(seconds * rate)]
    looped = folder / f"{clips[10].stem}_looped_{seconds:.0f}s.opus"
    soundfile.write(str(looped), track, rate, format="OGG", subtype="OPUS")
    extra: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            extra += sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
        else:
            extra.append(path)
    return [*clips[:count], looped, *extra[:: max(1, every)]]


def krumhansl_key(chroma_mean) -> tuple[int, int]:
    """The key a librosa user would compute: correlation with the 24 Krumhansl–Kessler
    profile rotations (the textbook recipe)."""
    import numpy as np

    major = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
    minor = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
    scores = [
        (np.corrcoef(chroma_mean, np.roll(profile, tonic))[0, 1], tonic, mode)
        for mode, profile in ((1, major), (0, minor))
        for tonic in range(12)
    ]
    _, tonic, mode = max(scores)
    return int(tonic), int(mode)


def pipelines(with_vibenet: bool, with_peers: bool) -> dict[str, Callable[[Path], dict]]:
    """name → function(path) returning tempo, key, mode, loudness, duration."""
    import numpy as np

    from moodtune.audio.decode import decode
    from moodtune.audio.measure import measure

    def ours(path: Path) -> dict:
        decoded = decode(path)
        result = measure(decoded.samples, decoded.rate)
        return {
            "strengths": {"tempo": result.tempo_strength, "key": result.key_strength},
            "tempo": result.tempo,
            "key": result.key,
            "mode": result.mode,
            "loudness": result.loudness,
            "duration": result.duration,
            "decoded": decoded,
        }

    chosen: dict[str, Callable[[Path], dict]] = {
        "ours, measured": lambda path: {
            k: v for k, v in ours(path).items() if k not in ("decoded", "strengths")
        }
    }
    if with_vibenet:
        from moodtune.audio.estimate import VibeNetEstimator

        estimator = VibeNetEstimator()

        def ours_full(path: Path) -> dict:
            result = ours(path)
            decoded = result.pop("decoded")
            raw = estimator.estimate(decoded.mono(), decoded.rate)
            result.update(estimator.calibrate({**result, **raw}, result.pop("strengths")))
            return result

        chosen["ours, full (VibeNet)"] = ours_full
    if not with_peers:
        return chosen

    import librosa
    import pyloudnorm

    def librosa_stock(chroma: str) -> Callable[[Path], dict]:
        def run(path: Path) -> dict:
            y, sr = librosa.load(str(path), sr=None, mono=False)
            channels = np.atleast_2d(y)
            loudness = pyloudnorm.Meter(sr).integrated_loudness(channels.T)
            mono = librosa.resample(librosa.to_mono(y), orig_sr=sr, target_sr=ANALYSIS_RATE)
            tempo, _ = librosa.beat.beat_track(y=mono, sr=ANALYSIS_RATE)
            if chroma == "cqt":
                chromagram = librosa.feature.chroma_cqt(y=mono, sr=ANALYSIS_RATE)
            else:
                chromagram = librosa.feature.chroma_stft(y=mono, sr=ANALYSIS_RATE)
            key, mode = krumhansl_key(chromagram.mean(axis=1))
            return {
                "tempo": float(np.atleast_1d(tempo)[0]),
                "key": key,
                "mode": mode,
                "loudness": float(loudness),
                "duration": channels.shape[1] / sr,
            }

        return run

    chosen["librosa (cqt)"] = librosa_stock("cqt")
    chosen["librosa (stft)"] = librosa_stock("stft")
    try:
        import essentia

        essentia.log.infoActive = False
        essentia.log.warningActive = False
        import essentia.standard as es
        import soundfile
    except ImportError:
        return chosen

    def essentia_algorithms(path: Path) -> dict:
        audio, sr = soundfile.read(str(path), dtype="float32", always_2d=True)
        stereo = audio if audio.shape[1] == 2 else np.zeros((audio.shape[0], 2), np.float32)
        if audio.shape[1] != 2:  # BS.1770 of a mono file: the signal in one channel only
            stereo[:, 0] = audio.mean(axis=1)
        loudness = es.LoudnessEBUR128(sampleRate=sr)(stereo)[2]
        mono = audio.mean(axis=1, dtype=np.float32)
        if sr != 44100:
            mono = es.Resample(inputSampleRate=sr, outputSampleRate=44100)(mono)
        bpm = es.RhythmExtractor2013(method="degara")(mono)[0]
        key, scale, _ = es.KeyExtractor()(mono)
        return {
            "tempo": float(bpm),
            "key": _pitch_class(key),
            "mode": int(scale == "major"),
            "loudness": float(loudness),
            "duration": audio.shape[0] / sr,
        }

    extractor = es.MusicExtractor()

    def essentia_extractor(path: Path) -> dict:
        features, _ = extractor(str(path))
        return {
            "tempo": float(features["rhythm.bpm"]),
            "key": _pitch_class(features["tonal.key_edma.key"]),
            "mode": int(features["tonal.key_edma.scale"] == "major"),
            "loudness": float(features["lowlevel.loudness_ebu128.integrated"]),
            "duration": float(features["metadata.audio_properties.length"]),
        }

    chosen["essentia (algorithms)"] = essentia_algorithms
    chosen["essentia MusicExtractor"] = essentia_extractor
    return chosen


PITCH_NAMES = [
    ("C", "B#"),
    ("C#", "Db"),
    ("D", ""),
    ("D#", "Eb"),
    ("E", "Fb"),
    ("F", "E#"),
    ("F#", "Gb"),
    ("G", ""),
    ("G#", "Ab"),
    ("A", ""),
    ("A#", "Bb"),
    ("B", "Cb"),
]


def _pitch_class(name: str) -> int:
    for index, (sharp, flat) in enumerate(PITCH_NAMES):
        if name in (sharp, flat) and name:
            return index
    return -1


def _tempo_agrees(a: float, b: float) -> bool:
    return a > 0 and b > 0 and any(abs(b / (a * r) - 1) <= 0.04 for r in (1.0, 0.5, 2.0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="more folders or files of real music")
    parser.add_argument("--every", type=int, default=1, help="take every K-th extra file")
    parser.add_argument("--seconds", type=float, default=180.0, help="the looped track's length")
    parser.add_argument("--clips", type=int, default=28, help="how many built-in clips")
    parser.add_argument("--no-peers", action="store_true", help="ours only")
    parser.add_argument("--no-vibenet", action="store_true", help="leave out the VibeNet row")
    arguments = parser.parse_args()
    core = None
    if hasattr(os, "sched_setaffinity"):
        core = sorted(os.sched_getaffinity(0))[0]
        os.sched_setaffinity(0, {core})

    import warnings

    warnings.filterwarnings("ignore")  # librosa's tuning warnings on silent openings
    from moodtune.audio.estimate import vibenet_available

    print(machine())
    print(versions())
    print(
        f"one process pinned to core {core}; OMP/OpenBLAS/MKL/numba threads = 1; "
        "× real time = seconds of audio / CPU seconds of this process (per core); "
        "wall in brackets"
    )
    with tempfile.TemporaryDirectory() as folder:
        files = files_to_analyse(
            arguments.paths, arguments.every, Path(folder), arguments.seconds, arguments.clips
        )
        runs = pipelines(
            with_vibenet=vibenet_available() and not arguments.no_vibenet,
            with_peers=not arguments.no_peers,
        )
        for run in runs.values():  # warm-up: imports, numba compilation, model loading
            with contextlib.suppress(Exception):  # a peer that cannot read it: reported below
                run(files[0])
        results: dict[str, dict[Path, dict]] = {name: {} for name in runs}
        header = " ".join(f"{name[:14]:>14s}" for name in runs)
        print(f"\n{'file':40s} {'seconds':>8s} {header}")
        for path in files:
            cells = []
            duration = None
            for name, run in runs.items():
                started, wall = time.process_time(), time.perf_counter()
                try:
                    values = run(path)
                except Exception as error:  # e.g. essentia's loader without Opus
                    cells.append(f"{'—':>14s}")
                    results[name][path] = {"error": str(error).splitlines()[0][:120]}
                    continue
                values["cpu"] = time.process_time() - started
                values["wall"] = time.perf_counter() - wall
                results[name][path] = values
                duration = duration or values["duration"]
                cells.append(f"{values['duration'] / values['cpu']:13.0f}×")
            print(f"{path.name[:40]:40s} {duration or 0:8.1f} {' '.join(cells)}")
        print()
        summarise(runs, results, files)
    print(machine().replace("machine:", "after the run:"))
    return 0


def summarise(runs: dict, results: dict[str, dict[Path, dict]], files: list[Path]) -> None:
    """Totals per pipeline, and each peer beside ours on the files both read, as a ratio."""
    ours = results["ours, measured"]
    for name in runs:
        done = [p for p in files if "cpu" in results[name].get(p, {}) and "cpu" in ours.get(p, {})]
        failed = [p for p in files if "error" in results[name].get(p, {})]
        if not done:
            reason = results[name][failed[0]]["error"] if failed else "no file"
            print(f"{name:24s} ran on no file ({reason})")
            continue
        seconds = sum(results[name][p]["duration"] for p in done)
        cpu = sum(results[name][p]["cpu"] for p in done)
        wall = sum(results[name][p]["wall"] for p in done)
        ours_cpu = sum(ours[p]["cpu"] for p in done)
        line = (
            f"{name:24s} {len(done):3d} files, {seconds / 60:6.1f} min: CPU {cpu:7.2f} s = "
            f"{seconds / cpu:6.1f}× real time per core "
            f"(wall {wall:7.2f} s = {seconds / wall:5.1f}×)"
        )
        if not name.startswith("ours"):
            tempo = sum(_tempo_agrees(ours[p]["tempo"], results[name][p]["tempo"]) for p in done)
            key = sum(
                (ours[p]["key"], ours[p]["mode"])
                == (results[name][p]["key"], results[name][p]["mode"])
                for p in done
            )
            full = results.get("ours, full (VibeNet)", {})
            if all("cpu" in full.get(p, {}) for p in done):
                full_cpu = sum(full[p]["cpu"] for p in done)
                line += f"; ours full (with the reading) is {cpu / full_cpu:5.2f}× as fast"
            line += (
                f"; ours measured is {cpu / ours_cpu:5.2f}× as fast on these files"
                f" (tempo agrees ±4 % or octave {tempo}/{len(done)}, same key {key}/{len(done)})"
            )
        if failed:
            line += f"; could not read {len(failed)} file(s): {results[name][failed[0]]['error']}"
        print(line)


if __name__ == "__main__":
    sys.exit(main())
