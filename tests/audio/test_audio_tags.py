"""``moodtune.audio.tags``: moodtune's reading written into MP3, Ogg/Opus, FLAC and M4A files,
read back through mutagen, idempotent, and whole after a SIGKILL at any moment."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

mutagen = pytest.importorskip("mutagen", reason="tags need the 'tags' extra (mutagen)")
av = pytest.importorskip("av", reason="the test files are encoded with PyAV (the 'dev' extra)")

from moodtune.audio.tags import MoodTags, read_tags, write_tags  # noqa: E402
from moodtune.errors import InputError  # noqa: E402

#: container format, codec, sample rate for each kind of file the tags go into
ENCODINGS = {
    ".mp3": ("mp3", "libmp3lame", 44100),
    ".opus": ("ogg", "libopus", 48000),
    ".flac": ("flac", "flac", 44100),
    ".m4a": ("ipod", "aac", 44100),
}
TAGS = MoodTags("happiness", valence=0.61, arousal=0.42, model="abc123")


def encode(path: Path, seconds: float = 1.0) -> Path:
    """A real encoded tone (PyAV's FFmpeg encoders), with no tags."""
    container, codec, rate = ENCODINGS[path.suffix]
    t = np.arange(int(rate * seconds)) / rate
    signal = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        fmt = "s16" if codec == "flac" else "fltp"
        samples = (signal * 32767).astype(np.int16) if fmt == "s16" else signal
        for start in range(0, len(samples), 960):
            frame = av.AudioFrame.from_ndarray(
                samples[start : start + 960].reshape(1, -1), format=fmt, layout="mono"
            )
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def decoded(path: Path) -> np.ndarray:
    with av.open(str(path)) as source:
        return np.concatenate([f.to_ndarray().ravel() for f in source.decode(audio=0)])


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("originals")
    return {suffix: encode(folder / f"tone{suffix}") for suffix in ENCODINGS}


@pytest.mark.parametrize("suffix", list(ENCODINGS))
def test_tags_round_trip_and_the_audio_is_untouched(originals, tmp_path: Path, suffix: str):
    path = tmp_path / originals[suffix].name
    path.write_bytes(originals[suffix].read_bytes())
    assert read_tags(path) == {}
    assert write_tags(path, TAGS) is True
    assert read_tags(path) == {
        "MOOD": "happiness",
        "MOODTUNE_VALENCE": "0.610",
        "MOODTUNE_AROUSAL": "0.420",
        "MOODTUNE_MODEL": "abc123",
    }
    np.testing.assert_array_equal(decoded(path), decoded(originals[suffix]))
    assert isinstance(mutagen.File(path), mutagen.FileType)  # still a file of its kind
    if suffix == ".mp3":  # ID3's own mood frame, for players that show it
        assert str(mutagen.File(path).tags["TMOO"].text[0]) == "happiness"


@pytest.mark.parametrize("suffix", list(ENCODINGS))
def test_writing_the_same_reading_again_changes_nothing(originals, tmp_path: Path, suffix: str):
    path = tmp_path / originals[suffix].name
    path.write_bytes(originals[suffix].read_bytes())
    write_tags(path, TAGS)
    before = path.read_bytes()
    assert write_tags(path, TAGS) is False
    assert path.read_bytes() == before
    assert write_tags(path, MoodTags("sadness")) is True  # a new reading replaces the old one
    assert read_tags(path) == {"MOOD": "sadness"}


def test_a_file_that_is_not_audio_is_named(tmp_path: Path):
    path = tmp_path / "notes.mp3"
    path.write_text("not audio")
    with pytest.raises(InputError, match=r"notes\.mp3"):
        write_tags(path, TAGS)
    assert path.read_text() == "not audio"


WRITER = """
import sys
from pathlib import Path
from moodtune.audio.tags import MoodTags, write_tags
for round_ in range(1000):
    for name in sys.argv[1:]:
        write_tags(Path(name), MoodTags("happiness" if round_ % 2 else "sadness", 0.5, -0.25))
        print(name, flush=True)
"""


def test_sigkill_while_writing_leaves_every_file_untouched_or_complete(originals, tmp_path):
    files = []
    for n in range(3):
        for suffix, original in originals.items():
            path = tmp_path / f"{n}{suffix}"
            path.write_bytes(original.read_bytes())
            files.append(path)
    digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, *map(str, files)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    for _ in range(len(files) + 5):  # past one full round: the kill lands in the middle of one
        assert writer.stdout.readline(), "the writer stopped before it was killed"
    writer.kill()
    writer.wait()
    for path in files:
        if hashlib.sha256(path.read_bytes()).hexdigest() == digests[path]:
            continue  # untouched
        tags = read_tags(path)
        assert tags["MOOD"] in {"happiness", "sadness"}
        assert tags["MOODTUNE_AROUSAL"] == "-0.250"
        np.testing.assert_array_equal(decoded(path), decoded(originals[path.suffix]))
    write_tags(files[0], TAGS)  # the next write clears what the kill left behind
    assert not list(tmp_path.glob(f".{files[0].name}.*.tmp"))
