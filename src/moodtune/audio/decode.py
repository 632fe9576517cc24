"""Decode an audio file into samples: PyAV (FFmpeg) first, then soundfile (libsndfile), then
audioread.

FFmpeg's own decoders (bundled in the PyAV wheels) are the fastest here: 2.6× libsndfile's
libopus on Opus and 1.7× its libvorbis on Ogg Vorbis, per core. When PyAV is not installed, or
cannot read a file, libsndfile 1.1+ (bundled with the soundfile wheels) reads WAV, FLAC, Ogg
Vorbis, Opus and MP3; audioread is only tried for what neither can read, and needs ffmpeg or
GStreamer to do anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from moodtune.errors import InputError, MissingExtraError

__all__ = [
    "AUDIO_SUFFIXES",
    "MAX_SECONDS",
    "MIN_SECONDS",
    "TAG_NAMES",
    "AudioDecodeError",
    "Decoded",
    "content_id",
    "decode",
    "mono_mix",
    "pyav_available",
]

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
#: The tag names kept from a file (title/artist/album), whatever their case in the file.
TAG_NAMES: tuple[str, ...] = ("title", "artist", "album")


class AudioDecodeError(InputError):
    """A file that is not audio moodtune can read: corrupt, empty, unsupported or too long."""


@dataclass
class Decoded:
    """Decoded audio.

    ``samples`` has shape (n, channels), float32 in [-1, 1], at ``rate`` samples per second
    (the file's own rate). It may be a transposed view of channel-major (channels, n) memory
    (what FFmpeg's decoders produce): ``samples.T`` then gives each channel contiguous.
    ``tags`` holds the title/artist/album the file carries, if any; ``decoder`` names the
    library that decoded it ("ffmpeg", "libsndfile" or "audioread"). The channel order is the
    decoder's: FFmpeg puts a 3-, 5- or 6-channel Ogg Vorbis file's centre after left and right
    (the file has it between them); the measured features do not depend on the order.
    """

    samples: np.ndarray
    rate: int
    tags: dict[str, str] = field(default_factory=dict)
    decoder: str = ""

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.samples.shape[0] / float(self.rate)

    def mono(self) -> np.ndarray:
        """The channel mean, shape (n,), float32."""
        return mono_mix(self.samples)


def mono_mix(samples: np.ndarray) -> np.ndarray:
    """The mean of the channels of ``samples`` (n, channels) or (n,), shape (n,), float32.

    Adds whole channels (one contiguous pass each when the memory is channel-major) rather
    than averaging across each row, which is 20× slower on (n, 2) interleaved arrays.
    """
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 1:
        return samples
    channels = samples.shape[1]
    if channels == 1:
        return np.ascontiguousarray(samples[:, 0])
    total = samples[:, 0] + samples[:, 1]
    for index in range(2, channels):
        total += samples[:, index]
    total *= np.float32(1.0 / channels)
    return total


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
    decoded = _first_decoder(path)
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


def pyav_available() -> bool:
    """True when PyAV (FFmpeg's decoders) can be imported."""
    return importlib.util.find_spec("av") is not None


def _first_decoder(path: Path) -> Decoded:
    """The first of PyAV, soundfile and audioread that reads ``path``."""
    readers: list[tuple[str, Callable[[Path], Decoded]]] = []
    if pyav_available():
        readers.append(("ffmpeg", _with_pyav))
    readers.append(("libsndfile", _with_soundfile))
    messages: list[str] = []
    for name, reader in readers:
        try:
            return reader(path)
        except _CannotDecode as error:
            messages.append(f"{name}: {error}")
    return _with_audioread(path, "; ".join(messages))


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


def _too_long(path: Path, seconds: float | None = None) -> AudioDecodeError:
    length = f" ({seconds / 60:.1f} min)" if seconds else ""
    return AudioDecodeError(
        f"longer than {MAX_SECONDS / 60:g} minutes{length}; not analysed", path=str(path)
    )


def _with_pyav(path: Path) -> Decoded:
    """Decode with FFmpeg through PyAV into channel-major float32 (channels, n) memory."""
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise _CannotDecode("no audio stream")
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                seconds = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                seconds = container.duration / 1e6
            else:
                seconds = None
            if seconds is not None and seconds > MAX_SECONDS:
                raise _too_long(path, seconds)
            tags = _pick_tags({**dict(container.metadata), **dict(stream.metadata)})
            blocks, rate = _pyav_blocks(container, stream, path)
    except av.error.FFmpegError as error:
        message = getattr(error, "strerror", None) or str(error).strip() or type(error).__name__
        raise _CannotDecode(str(message)) from None
    if not blocks:
        raise _CannotDecode("no audio frames")
    planar = np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]
    return Decoded(planar.T, rate, tags, "ffmpeg")


def _pyav_blocks(container, stream, path: Path) -> tuple[list[np.ndarray], int]:
    """The decoded frames as float32 (channels, n) blocks at the first frame's rate and layout.

    Frames are gathered in FFmpeg's own FIFO and taken out a quarter million samples at a
    time (converting each 20 ms Opus or 2.9 ms Vorbis frame to numpy on its own costs as much
    as decoding it); frames in another sample format (integer PCM, packed) go through
    FFmpeg's converter first. From 8 channels on, samples are taken out interleaved (PyAV
    16 crashes converting planar frames of 8 or more channels to numpy). Samples FFmpeg
    stamps before the stream's start are dropped (:func:`_samples_before_start`).
    """
    import av

    blocks: list[np.ndarray] = []
    fifo = av.AudioFifo()
    rate = channels = 0
    layout = target = None
    converter = None
    limit = total = skip = 0
    for frame in container.decode(stream):
        if not rate:
            rate, layout = int(frame.sample_rate), frame.layout.name
            channels = len(frame.layout.channels)
            target = "fltp" if channels < _PLANAR_CHANNELS else "flt"
            limit = int((MAX_SECONDS + 1.0) * rate)
        if total == 0 or skip == total:  # only leading frames can be before the start
            skip += _samples_before_start(frame)
        if (
            frame.format.name == target
            and frame.sample_rate == rate
            and frame.layout.name == layout
        ):
            frames = [frame]
        else:
            if converter is None:
                converter = av.AudioResampler(format=target, layout=layout, rate=rate)
            frames = converter.resample(frame)
        for out in frames:
            out.pts = None  # the FIFO checks time stamps are contiguous; Vorbis' are not
            fifo.write(out)
            total += out.samples
        if fifo.samples >= _FIFO_BLOCK:
            blocks.append(_channel_major(fifo.read(), channels))
        if total > limit:
            raise _too_long(path)
    if converter is not None:
        for out in converter.resample(None):
            out.pts = None
            fifo.write(out)
    if fifo.samples:
        blocks.append(_channel_major(fifo.read(), channels))
    if skip and blocks:
        planar = np.concatenate(blocks, axis=1)
        blocks = [planar[:, skip:]] if skip < planar.shape[1] else []
    return blocks, rate


def _channel_major(frame, channels: int) -> np.ndarray:
    """A float32 frame (planar or interleaved) as a (channels, n) array."""
    array = frame.to_ndarray()
    if frame.format.is_planar:
        return array
    return array.reshape(-1, channels).T


def _samples_before_start(frame) -> int:
    """How many of ``frame``'s samples are time-stamped before the stream's start.

    An Ogg Vorbis stream whose first page's granule position is smaller than what its first
    packets decode to says that those leading samples are not part of the audio (libsndfile
    drops them); FFmpeg hands them over with a negative time stamp.
    """
    if frame.pts is None or frame.pts >= 0 or frame.time_base is None:
        return 0
    early = round(-frame.pts * frame.time_base * frame.sample_rate)
    return int(min(max(early, 0), frame.samples))


#: From this many channels on, PyAV's frames are converted to numpy interleaved.
_PLANAR_CHANNELS = 8
#: Samples taken out of FFmpeg's FIFO at a time while decoding.
_FIFO_BLOCK = 1 << 18


def _pick_tags(metadata: dict[str, str]) -> dict[str, str]:
    """title/artist/album from a container's or stream's metadata, any case."""
    found = {str(key).lower(): value for key, value in metadata.items()}
    return {
        name: str(found[name]).strip()
        for name in TAG_NAMES
        if found.get(name) is not None and str(found[name]).strip()
    }


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
                raise _too_long(path, handle.frames / handle.samplerate)
            samples = handle.read(dtype="float32", always_2d=True)
            tags = {}
            for name in TAG_NAMES:
                value = getattr(handle, name, None)
                if value and str(value).strip():
                    tags[name] = str(value).strip()
            return Decoded(samples, int(handle.samplerate), tags, "libsndfile")
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as error:
        message = str(error).strip() or type(error).__name__
        if "Error opening" in message:  # libsndfile's generic "not a readable audio stream"
            message = "not a readable audio stream"
        raise _CannotDecode(message) from None


def _with_audioread(path: Path, earlier: str) -> Decoded:
    try:
        with warnings.catch_warnings():  # its raw reader imports aifc/audioop/sunau (3.13 drops)
            warnings.simplefilter("ignore", DeprecationWarning)
            import audioread
            import audioread.rawread
    except ImportError:
        raise AudioDecodeError(f"cannot be decoded ({earlier})", path=str(path)) from None
    try:
        with audioread.audio_open(str(path)) as source:
            channels, rate = int(source.channels), int(source.samplerate)
            if source.duration and source.duration > MAX_SECONDS:
                raise _too_long(path, source.duration)
            blocks = [np.frombuffer(block, dtype="<i2") for block in source]
    except audioread.exceptions.NoBackendError:
        raise AudioDecodeError(
            f"cannot be decoded ({earlier}; audioread has no decoder "
            "for it: corrupt, or a format that needs ffmpeg)",
            path=str(path),
        ) from None
    except (audioread.exceptions.DecodeError, OSError, EOFError) as error:
        detail = str(error).strip() or type(error).__name__
        raise AudioDecodeError(
            f"cannot be decoded ({earlier}; audioread: {detail})",
            path=str(path),
        ) from None
    data = np.concatenate(blocks) if blocks else np.zeros(0, dtype="<i2")
    samples = (data.astype(np.float32) / 32768.0).reshape(-1, max(channels, 1))
    return Decoded(samples, rate, {}, "audioread")
