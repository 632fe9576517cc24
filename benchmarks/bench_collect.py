"""Benchmark ``moodtune collect`` against the local test server (not a pytest test).

Run from the project root:  .venv/bin/python benchmarks/bench_collect.py [tracks]

It serves real tracks from ../shared/datasets/tidytuesday over HTTP on 127.0.0.1 and
collects them through the real spotipy/requests clients, printing wall time and tracks per
second for: Spotify features (100 ids a request), ReccoBeats features (40 ids a request),
and a rerun that finds everything already collected. Network latency to the real services
is not included: these figures measure moodtune's own overhead (client, parsing, CSV
appends with fsync), the floor under any real collection.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "collect"))
from collect_server import CLIENT_ID, CLIENT_SECRET, Catalogue, CollectServer

from moodtune.collect import Collector, Job
from moodtune.collect.credentials import Credentials
from moodtune.collect.providers import build
from moodtune.collect.settings import ServiceSettings

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
EMOTIONS = ("anger", "fear", "happiness", "sadness")


def main(tracks: int = 2000) -> None:
    songs = pd.read_csv(DATASETS / "tidytuesday" / "spotify_songs.csv")
    songs = songs.dropna(subset=["track_name", "track_artist", "track_album_name"])
    rows = songs.drop_duplicates("track_id").head(tracks).to_dict("records")
    catalogue = Catalogue()
    ids = [catalogue.add(row) for row in rows]
    per = len(ids) // len(EMOTIONS)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores (shared), "
        f"Python {platform.python_version()}; {len(ids)} real tracks, "
        f"{len(EMOTIONS)} playlists of {per}"
    )
    with (
        CollectServer(catalogue, CLIENT_ID, CLIENT_SECRET) as server,
        tempfile.TemporaryDirectory() as folder,
    ):
        playlists = []
        for number, emotion in enumerate(EMOTIONS):
            playlist = f"{number:022d}"
            server.playlists[playlist] = ids[number * per : (number + 1) * per]
            playlists.append(Job(emotion, playlist=playlist))
        settings = ServiceSettings(
            spotify_api=f"{server.url}/v1",
            spotify_token_url=f"{server.url}/api/token",
            reccobeats_api=f"{server.url}/reccobeats/v1",
        )
        credentials = Credentials(CLIENT_ID, CLIENT_SECRET)
        for provider in ("spotify", "reccobeats"):
            out = Path(folder) / f"{provider}.csv"
            source, features = build(provider, credentials, settings)
            requests_before = len(server.requests)
            started = time.perf_counter()
            report = Collector(source, features).run(playlists, out)
            elapsed = time.perf_counter() - started
            print(
                f"{provider:>10}: {report.written} tracks in {elapsed:.2f} s = "
                f"{report.written / elapsed:,.0f} tracks/s "
                f"({len(server.requests) - requests_before} HTTP requests)"
            )
            requests_before = len(server.requests)
            started = time.perf_counter()
            again = Collector(source, features).run(playlists, out)
            elapsed = time.perf_counter() - started
            print(
                f"{'rerun':>10}: {again.already} already there, {again.written} new, "
                f"{elapsed:.2f} s ({len(server.requests) - requests_before} HTTP requests, "
                "listing only)"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
