"""Decode an audio file into samples: soundfile (libsndfile) first, audioread as a fallback.

libsndfile 1.1+ (bundled with the soundfile wheels) reads WAV, FLAC, Ogg Vorbis, Opus and MP3;
audioread is only tried for what it cannot read, and needs ffmpeg or GStreamer to do anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from moodtune.errors import InputError, MissingExtraError

#: File name endings that ``moodtune analyze`` takes.
AUDIO_SUFFIXES: tuple[str, ...] = (
    ".mp3",
    ".ogg",
    ".oga",
    ".opus",
    ".flac",
    ".wav",
    ".aiff",
    ".aif",
)
#: Longest audio analysed, in seconds (a longer file is reported, not half-analysed).
MAX_SECONDS = 30 * 60.0
#: Shortest audio analysed, in seconds: below this there is no tempo or key to measure.
MIN_SECONDS = 1.0


class AudioDecodeError(InputError):
    """A file that is not audio moodtune can read: corrupt, empty, unsupported or too long."""


@dataclass
class Decoded:
    """Decoded audio.

    ``samples`` has shape (n, channels), float32 in [-1, 1], at ``rate`` samples per second
    (the file's own rate). ``tags`` holds the title/artist/album the file carries, if any.
    """

    samples: np.ndarray
    rate: int
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.samples.shape[0] / float(self.rate)

    def mono(self) -> np.ndarray:
        """The channel mean, shape (n,), float32."""
        return self.samples.mean(axis=1, dtype=np.float32)


def decode(path: str | Path) -> Decoded:
    """Read ``path`` into a :class:`Decoded`; raise :class:`AudioDecodeError` naming the file."""
    path = Path(path)
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        raise AudioDecodeError(
            f"unsupported file type {path.suffix or '(none)'!r}; moodtune analyses "
            f"{', '.join(AUDIO_SUFFIXES)}",
            path=str(path),
        )
    if not path.is_file():
        raise AudioDecodeError("file not found", path=str(path))
    if path.stat().st_size == 0:
        raise AudioDecodeError("empty file (0 bytes)", path=str(path))
    try:
        decoded = _with_soundfile(path)
    except _CannotDecode as first:
        decoded = _with_audioread(path, str(first))
    if decoded.samples.shape[0] == 0:
        raise AudioDecodeError("no audio samples in the file", path=str(path))
    if decoded.duration < MIN_SECONDS:
        raise AudioDecodeError(
            f"too short ({decoded.duration:.2f} s); at least {MIN_SECONDS:g} s is needed",
            path=str(path),
        )
    if not np.all(np.isfinite(decoded.samples)):
        raise AudioDecodeError("the audio holds NaN or infinite samples", path=str(path))
    return decoded


def content_id(path: str | Path, prefix: str = "audio-") -> str:
    """A stable track id from the file's bytes (BLAKE2b, 64 bits): the same file, the same id,
    wherever it lies."""
    digest = hashlib.blake2b(digest_size=8)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return prefix + digest.hexdigest()


class _CannotDecode(Exception):
    pass


def _soundfile():
    try:
        import soundfile
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise MissingExtraError("audio", "soundfile") from error
    return soundfile


@contextlib.contextmanager
def _quiet_stderr(enabled: bool) -> Iterator[None]:
    """Send file descriptor 2 to /dev/null: libmpg123 (inside libsndfile) prints "Note: …"
    lines straight to it for damaged MP3 frames; the error that follows says what matters."""
    if not enabled:
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _with_soundfile(path: Path) -> Decoded:
    soundfile = _soundfile()
    try:
        with _quiet_stderr(path.suffix.lower() == ".mp3"), soundfile.SoundFile(str(path)) as handle:
            if handle.frames > MAX_SECONDS * handle.samplerate:
                raise AudioDecodeError(
                    f"longer than {MAX_SECONDS / 60:g} minutes "
                    f"({handle.frames / handle.samplerate / 60:.1f} min); not analysed",
                    path=str(path),
                )
            samples = handle.read(dtype="float32", always_2d=True)
            tags = {}
            for name in ("title", "artist", "album"):
                value = getattr(handle, name, None)
                if value and str(value).strip():
                    tags[name] = str(value).strip()
            return Decoded(samples, int(handle.samplerate), tags)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as error:
        message = str(error).strip() or type(error).__name__
        if "Error opening" in message:  # libsndfile's generic "not a regular file (pipe?)"
            message = "not a readable audio stream"
        raise _CannotDecode(message) from None


def _with_audioread(path: Path, soundfile_message: str) -> Decoded:
    try:
        with warnings.catch_warnings():  # its raw reader imports aifc/audioop/sunau (3.13 drops)
            warnings.simplefilter("ignore", DeprecationWarning)
            import audioread
            import audioread.rawread
    except ImportError:
        raise AudioDecodeError(f"cannot be decoded ({soundfile_message})", path=str(path)) from None
    try:
        with audioread.audio_open(str(path)) as source:
            channels, rate = int(source.channels), int(source.samplerate)
            if source.duration and source.duration > MAX_SECONDS:
                raise AudioDecodeError(
                    f"longer than {MAX_SECONDS / 60:g} minutes; not analysed", path=str(path)
                )
            blocks = [np.frombuffer(block, dtype="<i2") for block in source]
    except audioread.exceptions.NoBackendError:
        raise AudioDecodeError(
            f"cannot be decoded (libsndfile: {soundfile_message}; audioread has no decoder "
            "for it: corrupt, or a format that needs ffmpeg)",
            path=str(path),
        ) from None
    except (audioread.exceptions.DecodeError, OSError, EOFError) as error:
        detail = str(error).strip() or type(error).__name__
        raise AudioDecodeError(
            f"cannot be decoded (libsndfile: {soundfile_message}; audioread: {detail})",
            path=str(path),
        ) from None
    data = np.concatenate(blocks) if blocks else np.zeros(0, dtype="<i2")
    samples = (data.astype(np.float32) / 32768.0).reshape(-1, max(channels, 1))
    return Decoded(samples, rate, {})
