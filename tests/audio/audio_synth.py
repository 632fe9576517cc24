"""Synthetic audio with known tempo, key, mode and loudness, generated with numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np

RATE = 22050

#: Scale degrees (semitones above the tonic) of the triads of I–IV–V–I in major and
#: i–iv–V–i in (harmonic) minor, each with the chord's root as a bass note.
PROGRESSIONS = {
    1: [(0, 4, 7), (5, 9, 12), (7, 11, 14), (0, 4, 7)],
    0: [(0, 3, 7), (5, 8, 12), (7, 11, 14), (0, 3, 7)],
}


def clicks(bpm: float, seconds: float = 8.0, rate: int = RATE) -> np.ndarray:
    """A click track: 25 ms decaying 1.5 kHz + noise bursts every beat, accent every 4th."""
    rng = np.random.default_rng(int(bpm * 100))
    y = np.zeros(int(seconds * rate), dtype=np.float64)
    length = int(0.025 * rate)
    t = np.arange(length) / rate
    burst = (np.sin(2 * np.pi * 1500 * t) + 0.3 * rng.standard_normal(length)) * np.exp(-t / 0.006)
    for beat, start in enumerate(np.arange(0.05, seconds - 0.03, 60.0 / bpm)):
        index = round(start * rate)
        y[index : index + length] += burst * (1.0 if beat % 4 == 0 else 0.6)
    return (0.5 * y / np.abs(y).max()).astype(np.float32)


def tone(frequency: float, seconds: float, rate: int = RATE) -> np.ndarray:
    """A harmonic tone (4 partials, 1/n amplitudes) with a soft attack and decay."""
    t = np.arange(int(seconds * rate)) / rate
    y = sum(np.sin(2 * np.pi * frequency * n * t) / n for n in range(1, 5))
    envelope = np.minimum(1.0, t / 0.02) * np.exp(-t / (0.8 * seconds))
    return y * envelope


def progression(
    tonic: int, mode: int, chord_seconds: float = 0.6, repeats: int = 2, rate: int = RATE
) -> np.ndarray:
    """I–IV–V–I (major, ``mode`` 1) or i–iv–V–i (minor, 0) in ``tonic`` (0 = C), with bass."""
    base = 261.63 * 2 ** (tonic / 12)  # C4 up to B4
    chords = []
    for chord in PROGRESSIONS[mode] * repeats:
        notes = [tone(base * 2 ** (step / 12), chord_seconds, rate) for step in chord]
        notes.append(tone(base / 2 * 2 ** (chord[0] / 12), chord_seconds, rate))
        chords.append(sum(notes))
    y = np.concatenate(chords)
    return (0.5 * y / np.abs(y).max()).astype(np.float32)


def sine(
    frequency: float, amplitude: float, seconds: float = 3.0, rate: int = 48000, channels: int = 1
) -> np.ndarray:
    """A steady sine of peak ``amplitude``, shape (n, channels), the same in every channel."""
    t = np.arange(int(seconds * rate)) / rate
    y = (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
    return np.repeat(y[:, None], channels, axis=1)


def write(path: Path, samples: np.ndarray, rate: int = RATE, **kwargs: object) -> Path:
    """Write samples with soundfile (format from the suffix)."""
    import soundfile

    soundfile.write(str(path), samples, rate, **kwargs)
    return path
