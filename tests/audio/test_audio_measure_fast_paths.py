"""The fast paths give what the reference implementations give (no timing is asserted here).

* loudness: our gated BS.1770-4 meter (float32 ``sosfilt``, whole-array gating) against
  ``pyloudnorm.Meter.integrated_loudness`` (float64, block by block);
* decoding: FFmpeg through PyAV against libsndfile (same sample count, same samples for PCM);
* measuring: channel-major and interleaved memory, float32 given as is, give the same result.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("librosa")
pytest.importorskip("pyloudnorm")

import pyloudnorm
from audio_synth import clicks, progression, write

from moodtune.audio import decode as decode_module
from moodtune.audio import measure
from moodtune.audio.decode import AudioDecodeError, decode, mono_mix


def _music(seconds: float, rate: int, channels: int, seed: int) -> np.ndarray:
    """Clicks and chords with noise, each channel its own level, quiet stretches between."""
    rng = np.random.default_rng(seed)
    y = 0.6 * clicks(120, seconds=seconds, rate=rate)
    chords = progression(9, 0, chord_seconds=0.75, repeats=8, rate=rate)
    y[: min(y.size, chords.size)] += 0.4 * chords[: y.size]
    y[rate : 2 * rate] *= 0.001  # a near-silent second: the gates have something to do
    columns = [
        (0.8**index) * (y + 0.05 * rng.standard_normal(y.size)).astype(np.float32)
        for index in range(channels)
    ]
    return np.stack(columns, axis=1)


@pytest.mark.parametrize(
    ("rate", "channels"), [(44100, 2), (48000, 1), (22050, 2), (48000, 5), (32000, 3)]
)
def test_loudness_equals_pyloudnorms_meter(rate: int, channels: int) -> None:
    samples = _music(6.0, rate, channels, seed=rate + channels)
    for gain in (1.0, 0.02):
        ours = measure.integrated_loudness(gain * samples, rate)
        reference = pyloudnorm.Meter(rate).integrated_loudness((gain * samples).astype(np.float64))
        assert reference > -60  # above the feature's floor, so the meters are compared
        assert ours == pytest.approx(reference, abs=0.01), (rate, channels, gain)


def test_loudness_filters_are_pyloudnorms() -> None:
    meter = pyloudnorm.Meter(44100)
    stages = list(meter._filters.values())  # the meter's own K-weighting stages
    sos = measure.k_weighting(44100)
    for row, stage in zip(sos, stages, strict=True):
        np.testing.assert_allclose(row[:3], np.asarray(stage.b) / stage.a[0], rtol=1e-12)
        np.testing.assert_allclose(row[3:], np.asarray(stage.a) / stage.a[0], rtol=1e-12)


def test_loudness_of_one_block_or_less_and_of_more_than_five_channels() -> None:
    assert measure.integrated_loudness(np.zeros((1000, 2), np.float32), 48000) == -60.0
    six = _music(3.0, 44100, 6, seed=6)
    mixed = six.mean(axis=1, dtype=np.float64)
    reference = pyloudnorm.Meter(44100).integrated_loudness(mixed)
    assert measure.integrated_loudness(six, 44100) == pytest.approx(reference, abs=0.01)


def test_measure_reads_interleaved_and_channel_major_memory_alike() -> None:
    samples = _music(8.0, 44100, 2, seed=3)
    interleaved = np.ascontiguousarray(samples)
    channel_major = np.ascontiguousarray(samples.T).T
    assert channel_major.flags.f_contiguous and not channel_major.flags.c_contiguous
    a = measure.measure(interleaved, 44100)
    b = measure.measure(channel_major, 44100)
    c = measure.measure(samples.astype(np.float64), 44100)
    assert a == b
    assert (a.key, a.mode) == (c.key, c.mode)
    assert a.tempo == pytest.approx(c.tempo, rel=1e-4)
    assert a.loudness == pytest.approx(c.loudness, abs=1e-3)


def test_mono_mix_is_the_channel_mean() -> None:
    samples = _music(2.0, 22050, 3, seed=1)
    np.testing.assert_allclose(mono_mix(samples), samples.mean(axis=1), atol=1e-6)
    assert mono_mix(samples[:, 0]) is not None
    assert mono_mix(samples).dtype == np.float32


def _with_soundfile(path):
    import soundfile

    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    return data, rate


@pytest.mark.parametrize(
    ("name", "options", "atol"),
    [
        ("pcm16.wav", {"subtype": "PCM_16"}, 0.0),
        ("pcm24.flac", {"subtype": "PCM_24"}, 0.0),
        ("vorbis.ogg", {"format": "OGG", "subtype": "VORBIS"}, 1e-5),
        ("lame.mp3", {"format": "MP3", "subtype": "MPEG_LAYER_III"}, 0.05),
        ("opus.opus", {"format": "OGG", "subtype": "OPUS"}, 0.05),
    ],
)
def test_ffmpeg_decodes_what_libsndfile_decodes(tmp_path, name, options, atol) -> None:
    pytest.importorskip("av")
    rate = 48000 if name.endswith(".opus") else 44100
    path = write(tmp_path / name, _music(4.0, rate, 2, seed=9), rate, **options)
    decoded = decode(path)
    reference, reference_rate = _with_soundfile(path)
    assert decoded.decoder == "ffmpeg"
    assert decoded.rate == reference_rate
    assert decoded.samples.shape == reference.shape  # the same length, to the sample
    assert decoded.samples.dtype == np.float32
    assert decoded.samples.T.flags.c_contiguous  # channel-major, as FFmpeg gives it
    np.testing.assert_allclose(decoded.samples, reference, atol=atol, rtol=0)


def test_without_pyav_libsndfile_decodes(tmp_path, monkeypatch) -> None:
    path = write(tmp_path / "a.flac", _music(2.0, 44100, 2, seed=2), 44100)
    monkeypatch.setattr(decode_module, "pyav_available", lambda: False)
    decoded = decode(path)
    assert decoded.decoder == "libsndfile"
    assert decoded.samples.shape == (88200, 2)


def test_tags_come_through_ffmpeg(tmp_path) -> None:
    pytest.importorskip("av")
    import soundfile

    path = tmp_path / "tagged.ogg"
    with soundfile.SoundFile(str(path), "w", 44100, 2, format="OGG", subtype="VORBIS") as handle:
        handle.title = "Morning Song"
        handle.artist = "A. Band"
        handle.write(_music(2.0, 44100, 2, seed=4))
    decoded = decode(path)
    assert decoded.decoder == "ffmpeg"
    assert decoded.tags == {"title": "Morning Song", "artist": "A. Band"}


def test_ffmpeg_refuses_a_file_longer_than_the_limit(tmp_path, monkeypatch) -> None:
    pytest.importorskip("av")
    path = write(tmp_path / "long.ogg", _music(3.0, 22050, 1, seed=5), 22050, format="OGG")
    monkeypatch.setattr(decode_module, "MAX_SECONDS", 2.0)
    with pytest.raises(AudioDecodeError, match="longer than"):
        decode(path)


def test_a_corrupt_file_names_every_decoder_that_tried(tmp_path) -> None:
    path = tmp_path / "broken.ogg"
    path.write_bytes(b"OggS" + bytes(range(256)) * 8)
    with pytest.raises(AudioDecodeError, match="cannot be decoded") as caught:
        decode(path)
    message = str(caught.value)
    assert "libsndfile" in message
    if decode_module.pyav_available():
        assert "ffmpeg" in message
    assert "broken.ogg" in message


def test_samples_stamped_before_the_start_are_counted() -> None:
    # FFmpeg hands over the leading samples an Ogg Vorbis stream's first granule position
    # excludes with a negative time stamp (libsndfile drops them; so does decode).
    av = pytest.importorskip("av")
    from fractions import Fraction

    samples = np.zeros((2, 576), dtype=np.float32)
    frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
    frame.sample_rate = 44100
    frame.time_base = Fraction(1, 44100)
    counts = {}
    for pts in (-128, -576, -1000, 0, 576):
        frame.pts = pts
        counts[pts] = decode_module._samples_before_start(frame)
    assert counts == {-128: 128, -576: 576, -1000: 576, 0: 0, 576: 0}


@pytest.mark.parametrize(("channels", "name"), [(1, "mono.wav"), (3, "three.flac"), (8, "8.wav")])
def test_ffmpeg_decodes_any_number_of_channels(tmp_path, channels: int, name: str) -> None:
    # PyAV 16 crashes converting planar frames of 8 or more channels to numpy: from 8 on,
    # decode takes them interleaved.
    pytest.importorskip("av")
    samples = _music(2.0, 44100, channels, seed=channels)
    path = write(tmp_path / name, samples, 44100, subtype="PCM_16")
    decoded = decode(path)
    reference, _ = _with_soundfile(path)
    assert decoded.decoder == "ffmpeg"
    np.testing.assert_array_equal(decoded.samples, reference)
