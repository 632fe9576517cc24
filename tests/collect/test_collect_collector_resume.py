"""A collection killed half-way resumes without refetching and ends with the same files."""

from __future__ import annotations

import os
import subprocess
import sys

from collect_server import episode, local_file

from moodtune.collect import Collector, Job
from moodtune.collect.providers import build
from moodtune.data.readers import read_tracks

ANGER = "37i9dQZF1DX1tyCD9QhIWF"
SADNESS = "5VubtQBdfMONZ4lL7ZEb3Y"


def plan_file(tmp_path):
    path = tmp_path / "playlists.yaml"
    path.write_text(
        f"anger:\n  - https://open.spotify.com/playlist/{ANGER}\n"
        f"sadness: spotify:playlist:{SADNESS}\n"
    )
    return path


def test_killed_run_resumes_without_refetching_and_matches_an_uninterrupted_run(
    server, catalogue, songs, settings, credentials, track_ids, service_env, tmp_path
):
    null_id = catalogue.add(songs.iloc[450].to_dict(), null_features=True)
    server.playlists[ANGER] = [*track_ids[:150], local_file("Demo"), null_id]
    server.playlists[SADNESS] = [
        *track_ids[150:260],
        episode("512ojhOuo1ktJprKbVcKyQ", "Pod"),
        track_ids[3],
    ]  # track 3 is also in ANGER: a conflict
    plans = plan_file(tmp_path)
    interrupted = tmp_path / "interrupted"
    interrupted.mkdir()
    out = interrupted / "data.csv"

    # A real `moodtune collect` process, killed (SIGKILL) while its 3rd batch is in flight.
    server.hold_after["/v1/audio-features"] = 2
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moodtune",
            "collect",
            "--from-file",
            str(plans),
            "--out",
            str(out),
            "--provider",
            "spotify",
        ],
        env={**os.environ, **service_env},
        cwd=interrupted,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert server.holding.wait(60), process.communicate(timeout=5)
    finally:
        process.kill()
        process.wait(30)
    server.hold_after.clear()
    server.release.set()
    # Two batches of 100 were answered before the kill: 199 rows and the null-features track.
    assert len(read_tracks(out)) == 199
    assert null_id in (interrupted / "data.skipped.csv").read_text()
    served_before = sum(server.served_features.values())
    assert served_before == 200

    # Resume in-process with the library API: only what is missing is fetched.
    jobs = [Job("anger", playlist=ANGER), Job("sadness", playlist=SADNESS)]
    source, features = build("spotify", credentials, settings)
    resumed = Collector(source, features).run(jobs, out)
    assert resumed.already == 199 and resumed.complete
    assert max(server.served_features.values()) == 1  # no track's features fetched twice
    assert sum(server.served_features.values()) == 261  # 260 tracks + the null one

    # The same collection, uninterrupted, into another folder.
    server.served_features.clear()
    whole = tmp_path / "whole"
    whole.mkdir()
    source, features = build("spotify", credentials, settings)
    report = Collector(source, features).run(jobs, whole / "data.csv")
    assert report.written == 260 and len(report.conflicts) == 1
    assert (whole / "data.csv").read_bytes() == out.read_bytes()
    assert (whole / "data.skipped.csv").read_bytes() == (
        interrupted / "data.skipped.csv"
    ).read_bytes()

    # Running again changes nothing and fetches nothing.
    before = out.read_bytes(), server.count("/v1/audio-features")
    again = Collector(source, features).run(jobs, out)
    assert again.written == 0 and again.already == 260
    assert (out.read_bytes(), server.count("/v1/audio-features")) == before

    table = read_tracks(out)
    assert table.has_labels and sorted(set(table.labels)) == ["anger", "sadness"]
    assert table.frame.set_index("track_id").loc[track_ids[3], "label"] == "anger"


def test_a_torn_last_line_is_repaired_on_resume(server, settings, credentials, track_ids, tmp_path):
    server.playlists[ANGER] = track_ids[:30]
    out = tmp_path / "data.csv"
    source, features = build("spotify", credentials, settings)
    Collector(source, features).run([Job("anger", playlist=ANGER)], out)
    complete = out.read_bytes()
    out.write_bytes(complete[: complete.rfind(b"\n", 0, -1) + 20])  # cut inside the last row
    report = Collector(source, features).run([Job("anger", playlist=ANGER)], out)
    assert report.written == 1 and report.notes
    assert out.read_bytes() == complete
