"""Collection through the real spotipy client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from collect_server import Answer, episode, local_file, spotify_error

from moodtune.collect import Collector, Job
from moodtune.collect.base import FeaturesForbiddenError
from moodtune.collect.providers import build
from moodtune.collect.retry import RateLimitError
from moodtune.collect.spotify import SpotifyClient, SpotifySource
from moodtune.data.readers import read_tracks
from moodtune.errors import MoodtuneError

PLAYLIST = "37i9dQZF1DX1tyCD9QhIWF"
OTHER = "5VubtQBdfMONZ4lL7ZEb3Y"


def run(settings, credentials, jobs, out, provider="spotify", on_switch=None):
    source, features = build(provider, credentials, settings, on_switch=on_switch)
    return Collector(source, features).run(jobs, out)


def test_250_track_playlist_over_three_pages(
    server, settings, credentials, track_ids, catalogue, tmp_path
):
    server.playlists[PLAYLIST] = track_ids[:250]
    out = tmp_path / "data.csv"
    url = f"https://open.spotify.com/playlist/{PLAYLIST}?si=abc"
    report = run(settings, credentials, [Job("anger", playlist=url)], out)

    assert server.count(f"/v1/playlists/{PLAYLIST}/items") == 3
    assert server.count("/v1/audio-features") == 3  # 100 + 100 + 50 ids
    assert report.written == 250 and report.listed == 250 and not report.skipped
    table = read_tracks(out)
    assert list(table.frame["track_id"]) == track_ids[:250]  # playlist order, one row each
    assert set(table.labels) == {"anger"}
    first = catalogue.features[track_ids[0]]
    row = table.frame.iloc[0]
    for name in ("danceability", "energy", "loudness", "tempo", "valence", "key", "mode"):
        assert row[name] == pytest.approx(first[name])
    assert row["title"] == catalogue.tracks[track_ids[0]]["name"]


def test_legacy_track_key_in_playlist_entries(server, settings, credentials, track_ids, tmp_path):
    server.entry_key = "track"  # the shape before Spotify's 2026 rename
    server.playlists[PLAYLIST] = track_ids[:5]
    report = run(settings, credentials, [Job("fear", playlist=PLAYLIST)], tmp_path / "d.csv")
    assert report.written == 5


def test_429_with_retry_after_then_success(
    server, settings, credentials, track_ids, tmp_path, slept
):
    server.playlists[PLAYLIST] = track_ids[:120]
    server.script["/audio-features"].append(
        Answer(429, spotify_error(429, "API rate limit exceeded"), {"Retry-After": "1"})
    )
    report = run(settings, credentials, [Job("anger", playlist=PLAYLIST)], tmp_path / "d.csv")
    assert slept == [1.0]  # Retry-After honoured: one wait of the second asked for
    assert report.written == 120 and report.complete
    assert server.statuses("/v1/audio-features") == [429, 200, 200]


def test_429_beyond_the_total_wait_is_a_clear_error_and_keeps_earlier_batches(
    server, settings, credentials, track_ids, tmp_path, slept
):
    server.playlists[PLAYLIST] = track_ids[:150]
    out = tmp_path / "d.csv"
    source, features = build("spotify", credentials, settings)
    collector = Collector(source, features)
    # First batch succeeds; then Spotify asks for an hour: more than the 3 s the settings allow.
    calls = []
    original = features.features

    def features_then_limit(ids):
        calls.append(len(ids))
        if len(calls) == 2:
            server.script["/audio-features"].append(
                Answer(429, spotify_error(429, "API rate limit exceeded"), {"Retry-After": "3600"})
            )
        return original(ids)

    features.features = features_then_limit
    with pytest.raises(RateLimitError, match=r"3600 s.*limit of 3 s.*rerun resumes"):
        collector.run([Job("anger", playlist=PLAYLIST)], out)
    assert slept == []  # gave up at once instead of waiting an hour
    assert len(read_tracks(out)) == 100  # the first batch is kept


def test_500_then_success(server, settings, credentials, track_ids, tmp_path, slept):
    server.playlists[PLAYLIST] = track_ids[:10]
    server.script["/audio-features"].append(Answer(500, spotify_error(500, "Server error")))
    server.script[f"/playlists/{PLAYLIST}/items"].append(
        Answer(503, spotify_error(503, "Service unavailable"))
    )
    report = run(settings, credentials, [Job("anger", playlist=PLAYLIST)], tmp_path / "d.csv")
    assert report.written == 10 and report.complete
    assert server.statuses("/v1/audio-features") == [500, 200]
    assert slept == [0.05, 0.05]  # one back-off for the playlist page, one for the features


def test_persistent_500_counts_tracks_as_failed_and_a_rerun_fetches_them(
    server, settings, credentials, track_ids, tmp_path, slept
):
    server.playlists[PLAYLIST] = track_ids[:150]
    out = tmp_path / "d.csv"
    for _ in range(3):  # max_attempts = 3: the first batch gives up
        server.script["/audio-features"].append(Answer(502, spotify_error(502, "Bad gateway")))
    report = run(settings, credentials, [Job("anger", playlist=PLAYLIST)], out)
    assert len(report.failed) == 100 and report.written == 50
    assert "HTTP 502 after 3 attempts" in next(iter(report.failed.values()))
    assert slept == [0.05, 0.1]  # exponential back-off between the 3 attempts
    again = run(settings, credentials, [Job("anger", playlist=PLAYLIST)], out)
    assert again.written == 100 and again.already == 50 and again.complete
    assert sorted(read_tracks(out).frame["track_id"]) == sorted(track_ids[:150])


def test_401_refreshes_the_token_once(server, settings, credentials, track_ids, tmp_path):
    server.playlists[PLAYLIST] = track_ids[:150]
    source, features = build("spotify", credentials, settings)
    original = features.features

    def revoke_then_fetch(ids):
        server.revoke_tokens()  # as if the hour-long token expired
        return original(ids)

    features.features = revoke_then_fetch
    report = Collector(source, features).run([Job("anger", playlist=PLAYLIST)], tmp_path / "d.csv")
    assert report.written == 150
    assert len(server.tokens) == 3  # the first, then one refresh per revoked batch
    statuses = server.statuses("/v1/audio-features")
    assert statuses == [401, 200, 401, 200]


def test_403_with_spotify_names_the_restriction_and_the_alternatives(
    server, settings, credentials, track_ids, tmp_path
):
    server.playlists[PLAYLIST] = track_ids[:10]
    server.forbid_spotify_features = True
    with pytest.raises(FeaturesForbiddenError) as error:
        run(settings, credentials, [Job("anger", playlist=PLAYLIST)], tmp_path / "d.csv")
    message = str(error.value)
    assert "27 November 2024" in message
    assert "ReccoBeats" in message and "--provider reccobeats" in message
    assert "moodtune analyze" in message
    assert server.count("/v1/audio-features") == 1  # a 403 is not retried


def test_403_with_auto_falls_back_to_reccobeats(
    server, settings, credentials, track_ids, catalogue, tmp_path
):
    server.playlists[PLAYLIST] = track_ids[:130]
    server.forbid_spotify_features = True
    catalogue.reccobeats_unknown.add(track_ids[7])
    switched = []
    out = tmp_path / "d.csv"
    report = run(
        settings,
        credentials,
        [Job("sadness", playlist=PLAYLIST)],
        out,
        provider="auto",
        on_switch=switched.append,
    )
    assert len(switched) == 1 and "27 November 2024" in switched[0]
    assert server.count("/v1/audio-features") == 1  # Spotify asked once, then never again
    assert server.count("/reccobeats/v1/audio-features") == 4  # 100 → 40+40+20, then 30
    assert report.written == 129
    assert [s["key"] for s in report.skipped] == [track_ids[7]]
    assert "ReccoBeats does not know" in report.skipped[0]["reason"]
    table = read_tracks(out)
    assert list(table.frame["track_id"]) == [t for t in track_ids[:130] if t != track_ids[7]]
    frame = table.frame.set_index("track_id")
    some = track_ids[42]
    assert frame.loc[some, "valence"] == pytest.approx(catalogue.features[some]["valence"])


def test_null_features_local_files_and_episodes_are_skipped_with_reasons(
    server, catalogue, songs, settings, credentials, track_ids, tmp_path
):
    null_id = catalogue.add(songs.iloc[500].to_dict(), null_features=True)
    server.playlists[PLAYLIST] = [
        track_ids[0],
        local_file("Garage Demo"),
        null_id,
        episode("512ojhOuo1ktJprKbVcKyQ", "A Podcast"),
        {"added_at": "2024-01-01T00:00:00Z", "is_local": False, "track": None},
        track_ids[1],
    ]
    out = tmp_path / "d.csv"
    report = run(settings, credentials, [Job("neutral", playlist=PLAYLIST)], out)
    assert report.written == 2
    reasons = {row["title"] or row["key"]: row["reason"] for row in report.skipped}
    assert "local file" in reasons["Garage Demo"]
    assert "podcast episode" in reasons["A Podcast"]
    assert "Spotify returned null" in reasons[catalogue.tracks[null_id]["name"]]
    assert any("removed from Spotify" in r for r in reasons.values())
    assert len(report.skipped) == 4
    skipped = (tmp_path / "d.skipped.csv").read_text()
    assert "Garage Demo" in skipped and null_id in skipped
    # A rerun asks for nothing: written tracks and tracks without features are both known.
    before = server.count("/v1/audio-features")
    again = run(settings, credentials, [Job("neutral", playlist=PLAYLIST)], out)
    assert server.count("/v1/audio-features") == before
    assert again.written == 0 and again.already == 2 and len(again.skipped) == 4


def test_same_title_different_tracks_are_both_kept(
    server, catalogue, same_title, settings, credentials, tmp_path
):
    first, second = (catalogue.add(row) for row in same_title)
    server.playlists[PLAYLIST] = [first, second]
    out = tmp_path / "d.csv"
    run(settings, credentials, [Job("happiness", playlist=PLAYLIST)], out)
    frame = read_tracks(out).frame
    assert list(frame["track_id"]) == [first, second]
    assert frame["title"].nunique() == 1


def test_a_track_in_two_differently_labelled_playlists_is_a_conflict(
    server, settings, credentials, track_ids, tmp_path
):
    server.playlists[PLAYLIST] = track_ids[:5]
    server.playlists[OTHER] = [track_ids[4], track_ids[5], track_ids[0]]
    jobs = [
        Job("anger", playlist=PLAYLIST),
        Job("sadness", playlist=f"spotify:playlist:{OTHER}"),
        Job("anger", playlist=PLAYLIST),
    ]
    out = tmp_path / "d.csv"
    report = run(settings, credentials, jobs, out)
    assert report.written == 6
    assert report.merged_repeats == 5  # the playlist listed twice with the same label
    assert sorted(c["key"] for c in report.conflicts) == sorted([track_ids[4], track_ids[0]])
    assert all("kept as anger" in c["reason"] for c in report.conflicts)
    labels = dict(zip(read_tracks(out).frame["track_id"], read_tracks(out).labels, strict=True))
    assert labels[track_ids[4]] == "anger" and labels[track_ids[5]] == "sadness"
    # An already collected track that a later plan labels differently is reported, not changed.
    again = run(settings, credentials, [Job("fear", playlist=OTHER)], out)
    assert len(again.conflicts) == 3 and again.written == 0
    assert "already collected" in again.conflicts[0]["reason"]
    assert read_tracks(out).frame.set_index("track_id").loc[track_ids[5], "label"] == "sadness"


def test_track_list_source(server, settings, credentials, track_ids, tmp_path):
    refs = [
        f"spotify:track:{track_ids[0]}",
        f"https://open.spotify.com/track/{track_ids[1]}",
        "0" * 22,
    ]
    source = SpotifySource(SpotifyClient(credentials, settings))
    items = list(source.tracks(refs))
    assert [i.id if hasattr(i, "id") else i.reason for i in items] == [
        track_ids[0],
        track_ids[1],
        "not found on Spotify",
    ]


def test_missing_playlist_is_a_clear_error(server, settings, credentials, tmp_path):
    with pytest.raises(MoodtuneError, match=r"not found: check the link.*private"):
        run(settings, credentials, [Job("anger", playlist=PLAYLIST)], tmp_path / "d.csv")


def test_wrong_credentials_are_a_clear_error(server, settings, tmp_path):
    from moodtune.collect.credentials import Credentials

    server.playlists[PLAYLIST] = ["x"]
    with pytest.raises(MoodtuneError, match=r"refused the client credentials.*invalid_client"):
        run(
            settings,
            Credentials("a" * 32, "b" * 32),
            [Job("anger", playlist=PLAYLIST)],
            tmp_path / "d.csv",
        )


def test_no_token_file_is_written(server, settings, credentials, track_ids, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    server.playlists[PLAYLIST] = track_ids[:3]
    run(settings, credentials, [Job("anger", playlist=PLAYLIST)], Path("d.csv"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]
