"""ReccoBeats through requests against the real test server: ids, uploads, retries."""

from __future__ import annotations

import math
import struct
import wave

import pytest
from collect_server import Answer

from moodtune.collect import Collector, Job
from moodtune.collect.providers import build
from moodtune.collect.reccobeats import MAX_UPLOAD, ReccoBeatsFeatures, sniff_audio
from moodtune.data.readers import read_tracks
from moodtune.errors import InputError, MoodtuneError

PLAYLIST = "37i9dQZF1DX1tyCD9QhIWF"


def write_wav(path, seconds=0.5, rate=8000, tone=True):
    """A real mono 16-bit WAV file: a 440 Hz tone, or silence."""
    count = int(seconds * rate)
    if tone:
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
            for i in range(count)
        )
    else:
        frames = bytes(2 * count)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(frames)
    return path


def test_features_are_matched_back_through_the_spotify_href(server, settings, catalogue, track_ids):
    catalogue.reccobeats_unknown.add(track_ids[2])
    batch = ReccoBeatsFeatures(settings).features(track_ids[:5])
    assert sorted(batch.found) == sorted(track_ids[:2] + track_ids[3:5])
    assert "does not know" in batch.missing[track_ids[2]]
    for track_id, features in batch.found.items():
        assert features.provider == "reccobeats" and features.time_signature is None
        assert features.values["tempo"] == pytest.approx(catalogue.features[track_id]["tempo"])


def test_more_than_40_ids_are_refused_before_any_request(server, settings, track_ids):
    with pytest.raises(MoodtuneError, match="1–40 ids"):
        ReccoBeatsFeatures(settings).features(track_ids[:41])
    assert server.count("/reccobeats/v1/audio-features") == 0


def test_the_shared_retry_policy_applies(server, settings, track_ids):
    queue = server.script["/reccobeats/v1/audio-features"]
    queue.append(Answer(429, {"errors": [{"message": "Too many requests"}]}, {"Retry-After": "0"}))
    queue.append(Answer(500, {"errors": [{"message": "oops"}]}))
    batch = ReccoBeatsFeatures(settings).features(track_ids[:3])
    assert len(batch.found) == 3
    assert server.statuses("/reccobeats/v1/audio-features") == [429, 500, 200]


def test_a_4xx_names_the_reason(server, settings, track_ids):
    server.script["/reccobeats/v1/audio-features"].append(
        Answer(400, {"status": 4004, "errors": [{"message": "size must be between 1 and 40"}]})
    )
    with pytest.raises(MoodtuneError, match=r"HTTP 400 .size must be between 1 and 40"):
        ReccoBeatsFeatures(settings).features(track_ids[:3])


def test_collect_with_reccobeats_only(server, settings, credentials, track_ids, tmp_path):
    server.playlists[PLAYLIST] = track_ids[:90]
    out = tmp_path / "d.csv"
    source, provider = build("reccobeats", credentials, settings)
    report = Collector(source, provider).run([Job("surprise", playlist=PLAYLIST)], out)
    assert report.written == 90
    assert server.count("/reccobeats/v1/audio-features") == 3  # 40 + 40 + 10
    assert server.count("/v1/audio-features") == 0
    table = read_tracks(out)
    assert list(table.frame["track_id"]) == track_ids[:90]
    assert set(table.labels) == {"surprise"}


def test_analyze_a_local_audio_file(server, settings, tmp_path):
    path = write_wav(tmp_path / "tone.wav")
    features = ReccoBeatsFeatures(settings).analyze_file(path)
    assert set(features) == {
        "acousticness",
        "danceability",
        "energy",
        "instrumentalness",
        "liveness",
        "loudness",
        "speechiness",
        "tempo",
        "valence",
    }
    assert server.uploads == [("tone.wav", path.stat().st_size)]


def test_uploads_over_5_mb_are_refused_before_sending(server, settings, tmp_path):
    path = write_wav(tmp_path / "long.wav", seconds=MAX_UPLOAD / 16000 + 1, tone=False)
    assert path.stat().st_size > MAX_UPLOAD
    with pytest.raises(InputError, match="at most 5 MB"):
        ReccoBeatsFeatures(settings).analyze_file(path)
    assert server.count("/reccobeats/v1/analysis/audio-features", "POST") == 0


def test_non_audio_is_refused_whatever_its_name(server, settings, tmp_path):
    path = tmp_path / "song.mp3"
    path.write_text("this is not audio at all")
    with pytest.raises(InputError, match="not MP3, OGG, WAV or AIFF"):
        ReccoBeatsFeatures(settings).analyze_file(path)
    assert server.uploads == []


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00", "mp3"),
        (b"\xff\xfb\x90\x00" + bytes(8), "mp3"),
        (b"OggS" + bytes(8), "ogg"),
        (b"RIFF\x00\x00\x00\x00WAVE", "wav"),
        (b"FORM\x00\x00\x00\x00AIFC", "aiff"),
        (b"%PDF-1.7\n" + bytes(3), None),
        (b"RIFF\x00\x00\x00\x00AVI ", None),
    ],
)
def test_sniff_audio(head, kind):
    found = sniff_audio(head)
    assert (found[0] if found else None) == kind
