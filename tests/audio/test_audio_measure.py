"""Measured features on synthetic audio with known tempo, key, mode and loudness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("librosa")

from audio_synth import RATE, clicks, progression, sine

from moodtune.audio import measure
from moodtune.data.features import PITCH_CLASSES

TEMPI = (60, 72, 87, 100, 120, 128, 140, 155, 174, 200)


def _close(measured: float, true: float, tolerance: float) -> bool:
    return any(abs(measured / (true * r) - 1) <= tolerance for r in (1.0, 0.5, 2.0))


@pytest.mark.parametrize("bpm", TEMPI)
def test_click_track_tempo_within_2_percent(bpm: int) -> None:
    result = measure.measure(clicks(bpm), RATE)
    assert _close(result.tempo, bpm, 0.02), f"{bpm} BPM measured as {result.tempo:.2f}"
    assert result.tempo_strength > 0.2


def test_120_bpm_is_not_librosas_117() -> None:
    # librosa's plain estimate snaps to its lag grid (117.5 at its default hop); ours refines.
    result = measure.measure(clicks(120, seconds=10.0), RATE)
    assert abs(result.tempo - 120.0) < 0.5


def test_tempo_reads_stereo_at_other_rates() -> None:
    mono = clicks(100, seconds=6.0, rate=44100)
    result = measure.measure(np.stack([mono, 0.5 * mono], axis=1), 44100)
    assert _close(result.tempo, 100, 0.02)
    assert result.duration == pytest.approx(6.0, abs=1e-3)


def test_key_and_mode_of_chord_progressions() -> None:
    right, wrong = 0, []
    for tonic in range(12):
        for mode in (1, 0):
            key, found_mode, _ = measure.estimate_key(measure.mean_chroma(progression(tonic, mode)))
            if (key, found_mode) == (tonic, mode):
                right += 1
            else:
                wrong.append(f"{PITCH_CLASSES[tonic]}/{mode} → {PITCH_CLASSES[key]}/{found_mode}")
    assert right / 24 >= 0.9, f"{right}/24 right; wrong: {wrong}"


@pytest.mark.parametrize("profiles", sorted(measure.KEY_PROFILES))
def test_both_profile_sets_find_a_minor_and_e_flat_major(profiles: str) -> None:
    a_minor = measure.mean_chroma(progression(9, 0))
    e_flat_major = measure.mean_chroma(progression(3, 1))
    assert measure.estimate_key(a_minor, profiles)[:2] == (9, 0)
    assert measure.estimate_key(e_flat_major, profiles)[:2] == (3, 1)


@pytest.mark.parametrize(
    ("amplitude", "channels"), [(1.0, 1), (0.5, 1), (0.1, 1), (0.25, 2), (0.02, 2)]
)
def test_loudness_of_a_1khz_sine_within_1_db(amplitude: float, channels: int) -> None:
    # BS.1770: a full-scale 997 Hz sine in one channel reads -3.01 LUFS; each further
    # identical (front) channel adds its power (+3.01 dB for two).
    expected = 20 * np.log10(amplitude) - 3.01 + 10 * np.log10(channels)
    measured = measure.integrated_loudness(sine(997.0, amplitude, channels=channels), 48000)
    assert measured == pytest.approx(expected, abs=1.0)


def test_silence_has_no_tempo_no_key_and_the_loudness_floor() -> None:
    silence = np.zeros((RATE * 3, 1), dtype=np.float32)
    result = measure.measure(silence, RATE)
    assert (result.tempo, result.key, result.loudness) == (0.0, -1, -60.0)


def test_tempo_of_too_short_an_envelope_is_zero() -> None:
    assert measure.estimate_tempo(np.ones(20), 86.1) == (0.0, 0.0)


def test_the_first_compile_holds_a_lock_that_other_processes_wait_for(tmp_path, monkeypatch):
    """warm_up compiles holding jit_lock, in $NUMBA_CACHE_DIR, which no other process can take
    meanwhile (numba writes its cache without a lock), and compiles once per process."""
    import subprocess
    import sys
    import threading

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    where = measure.jit_lock().lock_file
    assert Path(where).parent == tmp_path / "cache"
    probe = f"import filelock; filelock.FileLock({where!r}).acquire(timeout=0)"
    refused = []

    def compiling(samples: np.ndarray, rate: int) -> None:
        taken = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        refused.append(taken.returncode != 0 and "Timeout" in taken.stderr)

    monkeypatch.setattr(measure, "_warmed", threading.Event())
    monkeypatch.setattr(measure, "_measure", compiling)
    measure.warm_up()
    measure.warm_up()
    assert refused == [True]
    free = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert free.returncode == 0, free.stderr  # released once compiled
