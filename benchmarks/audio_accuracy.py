"""Before vs after: the measured features of real music from an earlier moodtune and this one.

The earlier ``audio/decode.py`` and ``audio/measure.py`` are read from git (``--before``, a
commit) and run beside the working tree's on the same files, in one process. For each file:
tempo agreement (within 4 %, or 4 % of double/half), key and mode equal, loudness within
0.5 dB, duration equal to the sample (the exact sample count decoded). The built-in clips are
always included; add folders of other real music (e.g. Debian's game-music packages, unpacked
with ``dpkg-deb -x``) as arguments.

    .venv/bin/python benchmarks/audio_accuracy.py [--before COMMIT] [DIR_OR_FILE ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The last commit before the speed work (soundfile decoding, pyloudnorm's meter, librosa's
#: own tuning estimate inside chroma_cqt).
BASELINE = "10fadcb"
SUFFIXES = (".mp3", ".ogg", ".oga", ".opus", ".flac", ".wav", ".aiff", ".aif")


def load_before(commit: str) -> tuple[types.ModuleType, types.ModuleType]:
    """The decode and measure modules as they were at ``commit`` (from git, not the tree)."""
    modules = []
    for name in ("decode", "measure"):
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{commit}:src/moodtune/audio/{name}.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        spec = importlib.util.spec_from_loader(f"moodtune_before_{name}", loader=None)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        exec(compile(source, f"{commit}:{name}.py", "exec"), module.__dict__)
        modules.append(module)
    return modules[0], modules[1]


def music_files(arguments: list[str]) -> list[Path]:
    import immich_memories_music

    files = sorted(immich_memories_music.tracks_dir().rglob("*.opus"))
    for item in arguments:
        path = Path(item)
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()
            )
        else:
            files.append(path)
    return files


def tempo_agrees(before: float, after: float, tolerance: float = 0.04) -> str:
    """ "same" (within tolerance), "octave" (double or half within it) or "differs"."""
    if before <= 0 or after <= 0:
        return "same" if before == after else "differs"
    if abs(after / before - 1) <= tolerance:
        return "same"
    if any(abs(after / (before * r) - 1) <= tolerance for r in (0.5, 2.0)):
        return "octave"
    return "differs"


def analyse(decode_module, measure_module, path: Path) -> dict:
    started = time.process_time()
    decoded = decode_module.decode(path)
    result = measure_module.measure(decoded.samples, decoded.rate)
    return {
        "samples": int(decoded.samples.shape[0]),
        "rate": int(decoded.rate),
        "duration": result.duration,
        "tempo": result.tempo,
        "key": result.key,
        "mode": result.mode,
        "loudness": result.loudness,
        "cpu": time.process_time() - started,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="more folders or files of real music")
    parser.add_argument("--before", default=BASELINE, help="the commit to compare with")
    parser.add_argument("--json", type=Path, help="also write every value to this file")
    arguments = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    from moodtune.audio import decode as decode_after
    from moodtune.audio import measure as measure_after

    decode_before, measure_before = load_before(arguments.before)
    files = music_files(arguments.paths)
    rows = []
    print(f"{len(files)} files; before = {arguments.before}, after = the working tree")
    print(
        f"{'file':44s} {'seconds':>8s} {'tempo before→after':>20s} {'':6s} "
        f"{'key before→after':>17s} {'ΔLUFS':>7s}"
    )
    for path in files:
        try:
            before = analyse(decode_before, measure_before, path)
            after = analyse(decode_after, measure_after, path)
        except Exception as error:  # a file either side cannot read: reported, not hidden
            print(f"{path.name[:44]:44s} FAILED: {error}")
            rows.append({"file": str(path), "error": str(error)})
            continue
        tempo = tempo_agrees(before["tempo"], after["tempo"])
        row = {
            "file": str(path),
            "before": before,
            "after": after,
            "tempo": tempo,
            "key_same": (before["key"], before["mode"]) == (after["key"], after["mode"]),
            "loudness_diff": after["loudness"] - before["loudness"],
            "duration_same": before["samples"] == after["samples"]
            and before["rate"] == after["rate"],
        }
        rows.append(row)
        key = f"{before['key']}/{before['mode']}→{after['key']}/{after['mode']}"
        print(
            f"{path.name[:44]:44s} {after['duration']:8.2f} "
            f"{before['tempo']:9.2f}→{after['tempo']:<9.2f} {tempo:6s} "
            f"{key:>17s}{'' if row['key_same'] else '*'} {row['loudness_diff']:+7.3f}"
            f"{'' if row['duration_same'] else '  DURATION DIFFERS'}"
        )
    done = [r for r in rows if "error" not in r]
    n = len(done)
    seconds = sum(r["after"]["duration"] for r in done)
    cpu_before = sum(r["before"]["cpu"] for r in done)
    cpu_after = sum(r["after"]["cpu"] for r in done)
    worst = max((abs(r["loudness_diff"]) for r in done), default=0.0)
    print()
    print(f"files compared: {n} ({seconds / 60:.1f} min of audio); failed: {len(rows) - n}")
    print(
        f"tempo within 4 %: {sum(r['tempo'] == 'same' for r in done)}/{n}; "
        f"within 4 % or an octave: {sum(r['tempo'] != 'differs' for r in done)}/{n}"
    )
    print(f"same key and mode: {sum(r['key_same'] for r in done)}/{n}")
    print(
        f"loudness within 0.5 dB: {sum(abs(r['loudness_diff']) <= 0.5 for r in done)}/{n} "
        f"(largest difference {worst:.3f} dB)"
    )
    print(
        f"duration exact (same sample count and rate): {sum(r['duration_same'] for r in done)}/{n}"
    )
    print(
        f"CPU (decode + measure): before {cpu_before:.1f} s = {seconds / cpu_before:.0f}× real "
        f"time, after {cpu_after:.1f} s = {seconds / cpu_after:.0f}× (one process; not a "
        "benchmark: see bench_audio.py)"
    )
    if arguments.json:
        arguments.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
