"""Measured features: tempo, key, mode, integrated loudness and duration, from decoded samples.

Pure signal processing on arrays (no file I/O): librosa 0.11 for the onset envelope and the
chromagram; ITU-R BS.1770-4 loudness with pyloudnorm's K-weighting filters, applied with
``scipy.signal.sosfilt`` in float32 and gated in numpy (pyloudnorm's own meter copies the
signal to float64 and gates block by block in Python: 2.5-7× slower, the same value within
0.01 dB). The tempo refines librosa's coarse estimate: the global autocorrelation of the onset
envelope is scored at every candidate beat period by the mean of its peaks at 1–4 periods (a
comb over one 4/4 bar), weighted by librosa's log-normal prior around 120 BPM to pick the
octave; then every multiple of that period up to 8 s is located to a fraction of a frame by
parabolic interpolation and the period is fitted to all of them by least squares. Key and mode
come from the time-averaged constant-Q chromagram correlated with the 24 rotations of a major
and a minor key profile (the Krumhansl–Schmuckler algorithm; profiles in :data:`KEY_PROFILES`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moodtune.audio.decode import mono_mix
from moodtune.errors import MissingExtraError

__all__ = [
    "ANALYSIS_RATE",
    "CHANNEL_WEIGHTS",
    "CHROMA_BINS_PER_OCTAVE",
    "CHROMA_HOP",
    "COMB_BEATS",
    "DEFAULT_PROFILES",
    "KEY_PROFILES",
    "ONSET_HOP",
    "Measured",
    "estimate_key",
    "estimate_tempo",
    "integrated_loudness",
    "jit_lock",
    "k_weighting",
    "librosa_module",
    "mean_chroma",
    "measure",
    "onset_envelope",
    "resample",
    "warm_up",
]

#: Sample rate the signal is resampled to before the tempo and key analysis (Hz).
ANALYSIS_RATE = 22050
#: Hop between onset-envelope frames (samples at ANALYSIS_RATE): 86.1 frames per second.
ONSET_HOP = 256
#: Hop between chroma frames (samples at ANALYSIS_RATE): 0.19 s.
CHROMA_HOP = 4096
#: Chroma bins per octave of the constant-Q transform (3 per semitone).
CHROMA_BINS_PER_OCTAVE = 36
#: ITU-R BS.1770-4 gating: 400 ms blocks, 75 % overlap, absolute gate -70 LUFS, relative -10 LU,
#: channel weights (L, R, C, Ls, Rs).
GATE_BLOCK, GATE_OVERLAP = 0.400, 0.75
ABSOLUTE_GATE, RELATIVE_GATE = -70.0, -10.0
CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)
#: Tempo search range (BPM) and the prior that picks between tempo octaves.
MIN_BPM, MAX_BPM = 40.0, 240.0
PRIOR_BPM, PRIOR_OCTAVES = 120.0, 1.0
#: Beat periods summed per candidate period (one 4/4 bar): favours the period that explains
#: the whole comb of autocorrelation peaks over a strong off-beat or triplet peak.
COMB_BEATS = 4

#: Key profiles (C major, C minor) for the Krumhansl–Schmuckler correlation. "krumhansl":
#: the Krumhansl–Kessler probe-tone ratings (Krumhansl 1990); "albrecht": the pitch-class
#: distributions of Albrecht & Shanahan (2013), the default: both find every key of the
#: synthetic test progressions, and on the 28 built-in clips "albrecht" agrees with the keys
#: their generator was asked for on 19, "krumhansl" on 16 (see docs/audio.md).
KEY_PROFILES: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "krumhansl": (
        np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]),
        np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]),
    ),
    "albrecht": (
        np.array(
            [0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081]
        ),
        np.array(
            [0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052]
        ),
    ),
}
DEFAULT_PROFILES = "albrecht"


@dataclass(frozen=True)
class Measured:
    """Features measured from the signal.

    tempo in BPM (0 when no beat is found), key 0–11 (C = 0; -1 when there is no pitched
    content), mode 1 major / 0 minor, loudness in LUFS (integrated, BS.1770-4; clipped to the
    schema's -60 dB floor), duration in seconds. ``tempo_strength`` (0–1, the normalised
    autocorrelation at the beat period) and ``key_strength`` (the winning profile correlation,
    -1–1) say how clear each estimate was.
    """

    tempo: float
    key: int
    mode: int
    loudness: float
    duration: float
    tempo_strength: float
    key_strength: float


def librosa_module():
    """Import librosa, or raise :class:`MissingExtraError` for the ``audio`` extra."""
    try:
        import librosa
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise MissingExtraError("audio", "librosa") from error
    return librosa


def measure(samples: np.ndarray, rate: int) -> Measured:
    """Measure everything from ``samples`` of shape (n, channels) or (n,) at ``rate`` Hz.

    float32 samples are used as they are (no copy); channel-major memory (``samples.T``
    contiguous, as :func:`moodtune.audio.decode.decode` gives from FFmpeg) is the fastest.
    The first call in a process holds :func:`jit_lock` (see :func:`warm_up`).
    """
    if _warmed.is_set():
        return _measure(samples, rate)
    with jit_lock():
        measured = _measure(samples, rate)
    _warmed.set()
    return measured


def _measure(samples: np.ndarray, rate: int) -> Measured:
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 1:
        samples = samples[:, None]
    y = resample(mono_mix(samples), rate, ANALYSIS_RATE)
    tempo, tempo_strength = estimate_tempo(onset_envelope(y), ANALYSIS_RATE / ONSET_HOP)
    key, mode, key_strength = estimate_key(mean_chroma(y))
    return Measured(
        tempo=tempo,
        key=key,
        mode=mode,
        loudness=integrated_loudness(samples, rate),
        duration=samples.shape[0] / float(rate),
        tempo_strength=tempo_strength,
        key_strength=key_strength,
    )


_warmed = threading.Event()


def warm_up() -> None:
    """Measure two seconds of a tone once in this process, under :func:`jit_lock`, so that
    the analysis' JIT-compiled parts (librosa's numba functions) are compiled and cached.

    numba writes its cache without a lock: processes compiling the same function at once can
    leave a cache that crashes (SIGSEGV) every later process. The first compiles while the
    others wait, then they load it (about 20 s the first time). A process's first
    :func:`measure` and loading VibeNet (:mod:`moodtune.audio.batch`) hold the lock too, so a
    pool's or a cluster's workers never compile at once. ``make setup`` runs this once.
    """
    if not _warmed.is_set():
        time = np.arange(2 * ANALYSIS_RATE, dtype=np.float32) / ANALYSIS_RATE
        measure(0.5 * np.sin(2 * np.pi * 440.0 * time), ANALYSIS_RATE)


def jit_lock() -> Any:
    """The :class:`filelock.FileLock` (one process and thread at a time) around compiling into
    numba's cache: in ``$NUMBA_CACHE_DIR`` when set, else (numba then caches beside librosa) in
    the temporary folder, named after librosa's folder and the user."""
    from filelock import FileLock

    if folder := os.environ.get("NUMBA_CACHE_DIR", "").strip():
        Path(folder).mkdir(parents=True, exist_ok=True)
        return FileLock(Path(folder) / "moodtune-jit.lock")
    where = hashlib.sha256(f"{librosa_module().__file__} {os.getuid()}".encode()).hexdigest()
    return FileLock(Path(tempfile.gettempdir()) / f"moodtune-jit-{where[:16]}.lock")


def resample(y: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Resample a mono signal (n,) from ``rate`` to ``target`` Hz (soxr, high quality)."""
    if rate == target:
        return np.ascontiguousarray(y, dtype=np.float32)
    import soxr

    return soxr.resample(np.asarray(y, dtype=np.float32), rate, target, quality="HQ")


def onset_envelope(y: np.ndarray) -> np.ndarray:
    """Spectral-flux onset strength of a mono signal at ANALYSIS_RATE, shape (frames,)."""
    librosa = librosa_module()
    return librosa.onset.onset_strength(y=y, sr=ANALYSIS_RATE, hop_length=ONSET_HOP, n_fft=1024)


def estimate_tempo(envelope: np.ndarray, frame_rate: float) -> tuple[float, float]:
    """Tempo in BPM from an onset envelope sampled at ``frame_rate`` frames per second.

    Returns ``(bpm, strength)``; ``(0.0, 0.0)`` when the envelope is flat or too short to hold
    two beats at the slowest tempo.
    """
    envelope = np.asarray(envelope, dtype=np.float64)
    envelope = envelope - envelope.mean()
    min_lag = int(np.floor(60.0 * frame_rate / MAX_BPM))
    max_lag = int(np.ceil(60.0 * frame_rate / MIN_BPM))
    if envelope.size < 2 * max_lag or not np.any(envelope):
        return 0.0, 0.0
    acf = _autocorrelation(envelope)
    if acf[0] <= 0:
        return 0.0, 0.0
    acf = acf / acf[0]
    # Unbiased: undo the linear decay of a finite signal's autocorrelation.
    acf = acf * (envelope.size / (envelope.size - np.arange(acf.size)))
    lags = np.arange(min_lag, max_lag + 1)
    bpm = 60.0 * frame_rate / lags
    prior = np.exp(-0.5 * (np.log2(bpm / PRIOR_BPM) / PRIOR_OCTAVES) ** 2)
    score = _comb(acf, lags) * prior
    if not np.any(score > 0):
        return 0.0, 0.0
    best = int(lags[np.argmax(score)])
    period = _refine_period(acf, best, limit=min(acf.size - 2, int(8.0 * frame_rate)))
    strength = float(np.clip(acf[best], 0.0, 1.0))
    return float(60.0 * frame_rate / period), strength


def _comb(acf: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Mean positive autocorrelation at the first COMB_BEATS multiples of each lag, shape
    (len(lags),); each multiple takes the largest value within 2% of it (tempo drift)."""
    total = np.zeros(lags.size)
    count = np.zeros(lags.size)
    positive = np.maximum(acf, 0.0)
    for k in range(1, COMB_BEATS + 1):
        centres = k * lags
        reach = np.maximum(1, (0.02 * centres).astype(int))
        inside = centres + reach < acf.size
        for i in np.flatnonzero(inside):
            total[i] += positive[centres[i] - reach[i] : centres[i] + reach[i] + 1].max()
            count[i] += 1
    return np.divide(total, count, out=np.zeros_like(total), where=count > 0)


def _autocorrelation(x: np.ndarray) -> np.ndarray:
    size = 1 << int(np.ceil(np.log2(2 * x.size - 1)))
    spectrum = np.fft.rfft(x, size)
    return np.fft.irfft(spectrum * np.conj(spectrum), size)[: x.size]


def _parabolic(values: np.ndarray, index: int) -> float:
    """Sub-sample position of the peak at ``index`` from a parabola through its neighbours."""
    left, centre, right = values[index - 1], values[index], values[index + 1]
    curvature = left - 2.0 * centre + right
    if curvature >= 0:
        return float(index)
    return index + float(np.clip(0.5 * (left - right) / curvature, -0.5, 0.5))


def _refine_period(acf: np.ndarray, lag: int, *, limit: int) -> float:
    """Least-squares beat period (frames) through the peaks at every multiple of ``lag``."""
    multiples, positions = [], []
    for k in range(1, limit // lag + 1):
        centre = positions[-1] / multiples[-1] * k if positions else float(lag)
        reach = max(2, round(0.04 * centre))
        low, high = round(centre) - reach, round(centre) + reach
        if low < 1 or high >= acf.size - 1:
            break
        index = low + int(np.argmax(acf[low : high + 1]))
        if index in (low, high) or acf[index] <= 0:
            if k == 1:
                return float(lag)
            break
        multiples.append(k)
        positions.append(_parabolic(acf, index))
    k = np.asarray(multiples, dtype=np.float64)
    return float(np.dot(k, positions) / np.dot(k, k))


def mean_chroma(y: np.ndarray) -> np.ndarray:
    """Time-averaged constant-Q chroma of a mono signal at ANALYSIS_RATE, shape (12,), C first."""
    librosa = librosa_module()
    with warnings.catch_warnings():
        # Silence has no pitch to estimate the tuning from; the flat chroma says so.
        warnings.filterwarnings("ignore", "Trying to estimate tuning", UserWarning)
        chroma = librosa.feature.chroma_cqt(
            y=y,
            sr=ANALYSIS_RATE,
            hop_length=CHROMA_HOP,
            n_octaves=6,
            bins_per_octave=CHROMA_BINS_PER_OCTAVE,
            fmin=librosa.note_to_hz("C2"),
        )
    return chroma.mean(axis=1)


def estimate_key(chroma: np.ndarray, profiles: str = DEFAULT_PROFILES) -> tuple[int, int, float]:
    """Krumhansl–Schmuckler key finding: ``(pitch class 0–11, mode 1/0, correlation)``.

    ``chroma`` has shape (12,), C first. A flat chroma (no pitched content) gives
    ``(-1, 1, 0.0)`` (Spotify's convention for "no key detected").
    """
    chroma = np.asarray(chroma, dtype=np.float64)
    if chroma.shape != (12,) or not np.all(np.isfinite(chroma)) or np.ptp(chroma) <= 1e-9:
        return -1, 1, 0.0
    major, minor = KEY_PROFILES[profiles]
    scores = np.empty((2, 12))
    for mode, profile in ((1, major), (0, minor)):
        for tonic in range(12):
            scores[mode, tonic] = np.corrcoef(chroma, np.roll(profile, tonic))[0, 1]
    mode, tonic = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return int(tonic), int(mode), float(scores[mode, tonic])


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770-4) of (n, channels) or (n,) samples.

    K-weighting with pyloudnorm's two biquads (its ``Meter`` defaults), then the standard's
    gating: mean squares over 400 ms blocks with 75 % overlap, absolute gate at -70 LUFS,
    relative gate 10 LU under the gated mean, channels weighted (1, 1, 1, 1.41, 1.41). The
    same blocks and gates as ``pyloudnorm.Meter(rate).integrated_loudness``, computed in
    float32 with whole-array operations. More than 5 channels are mixed to mono (the weights
    cover 5). Silence (below the -70 LUFS absolute gate), anything under -60 LUFS and a signal
    shorter than one block give -60.0, the floor of the loudness feature.
    """
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.shape[1] > len(CHANNEL_WEIGHTS):
        samples = mono_mix(samples)[:, None]
    count = samples.shape[0]
    blocks = int(np.round((count / rate - GATE_BLOCK) / (GATE_BLOCK * (1.0 - GATE_OVERLAP)))) + 1
    if blocks < 1:
        return -60.0
    step = 1.0 - GATE_OVERLAP
    index = np.arange(blocks)
    lower = np.minimum((GATE_BLOCK * (index * step) * rate).astype(np.int64), count)
    upper = np.minimum((GATE_BLOCK * (index * step + 1) * rate).astype(np.int64), count)
    sos = k_weighting(rate).astype(np.float32)
    power = np.empty((samples.shape[1], blocks))
    for channel, signal in enumerate(samples.T):
        power[channel] = _block_mean_squares(sos, signal, lower, upper) / (GATE_BLOCK * rate)
    weights = np.asarray(CHANNEL_WEIGHTS[: samples.shape[1]])[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        block_loudness = -0.691 + 10.0 * np.log10((weights * power).sum(axis=0))
        gated = block_loudness >= ABSOLUTE_GATE
        if not np.any(gated):
            return -60.0
        relative = _loudness(weights, power[:, gated]) + RELATIVE_GATE
        gated = (block_loudness > relative) & (block_loudness > ABSOLUTE_GATE)
        if not np.any(gated):
            return -60.0
        value = _loudness(weights, power[:, gated])
    if not np.isfinite(value):
        return -60.0
    return float(np.clip(value, -60.0, 5.0))


def k_weighting(rate: int) -> np.ndarray:
    """BS.1770 K-weighting at ``rate`` Hz as second-order sections, shape (2, 6): the high
    shelf (+4 dB above 1.5 kHz) and the 38 Hz high-pass of pyloudnorm's ``K-weighting``."""
    try:
        from pyloudnorm.iirfilter import IIRfilter
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise MissingExtraError("audio", "pyloudnorm") from error
    stages = (
        IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, rate, "high_shelf"),
        IIRfilter(0.0, 0.5, 38.0, rate, "high_pass"),
    )
    rows = []
    for stage in stages:
        b = np.asarray(stage.b, dtype=np.float64) * stage.passband_gain
        a = np.asarray(stage.a, dtype=np.float64)
        rows.append(np.concatenate([b / a[0], a / a[0]]))
    return np.vstack(rows)


def _block_mean_squares(
    sos: np.ndarray, signal: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> np.ndarray:
    """Sum of the squared K-weighted ``signal`` over each block [lower, upper), float64."""
    from scipy.signal import sosfilt

    weighted = sosfilt(sos, np.asarray(signal, dtype=np.float32))
    np.square(weighted, out=weighted)
    edges = np.unique(np.concatenate([[0, weighted.size], lower, upper]))
    sums = np.add.reduceat(weighted, edges[:-1], dtype=np.float64)
    before = np.concatenate([[0.0], np.cumsum(sums)])  # before[k] = sum(weighted[:edges[k]])
    return before[np.searchsorted(edges, upper)] - before[np.searchsorted(edges, lower)]


def _loudness(weights: np.ndarray, power: np.ndarray) -> float:
    """-0.691 + 10 log10 of the weighted sum over channels of the mean block power."""
    return float(-0.691 + 10.0 * np.log10(float((weights[:, 0] * power.mean(axis=1)).sum())))
