"""`moodtune collect` end to end, and the plan files it reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from moodtune.collect.output import COLUMNS, CsvLog
from moodtune.collect.plan import command_line_plan, read_plan
from moodtune.data.features import SEED_FEATURES
from moodtune.data.readers import read_tracks
from moodtune.emotions import EMOTIONS
from moodtune.errors import InputError

ANGER = "37i9dQZF1DX1tyCD9QhIWF"
CALM = "5VubtQBdfMONZ4lL7ZEb3Y"


@pytest.fixture
def cli(service_env, monkeypatch, tmp_path, run_main):
    """``moodtune collect ARGS`` in ``tmp_path``, pointed at the test server, via main()."""
    monkeypatch.chdir(tmp_path)
    for name, value in service_env.items():
        monkeypatch.setenv(name, value)

    def invoke(*args):
        return run_main("collect", *args)

    return invoke


def assert_user_error(result, message: str) -> None:
    """Exit status 2 (a user mistake), the message on stderr, no traceback."""
    assert result.exit_code == 2, result.output
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_from_file_builds_a_labelled_table_ready_for_training(server, track_ids, cli, tmp_path):
    server.playlists[ANGER] = track_ids[:60]
    server.playlists[CALM] = track_ids[60:100]
    (tmp_path / "playlists.yaml").write_text(
        "playlists:\n"
        f"  - url: https://open.spotify.com/playlist/{ANGER}\n    emotion: angry\n"
        f"  - url: spotify:playlist:{CALM}\n    emotion: calm\n"
    )
    result = cli("--from-file", "playlists.yaml", "--out", "data.csv")
    assert result.exit_code == 0, result.output
    assert "100 new tracks" in result.output
    table = read_tracks(tmp_path / "data.csv")
    assert table.has_labels and set(table.labels) == {"anger", "neutral"}
    assert set(table.labels) <= set(EMOTIONS)
    features = table.matrix(SEED_FEATURES)
    assert features.shape == (100, 7) and np.isfinite(features).all()
    again = cli("--from-file", "playlists.yaml", "--out", "data.csv")
    assert again.exit_code == 0 and "0 new tracks" in again.output
    assert "100 already there" in again.output


def test_conflicts_and_skips_are_reported(server, track_ids, cli):
    server.playlists[ANGER] = track_ids[:3]
    server.playlists[CALM] = [track_ids[2], track_ids[3]]
    assert cli("-p", ANGER, "-e", "anger", "-o", "d.csv").exit_code == 0
    result = cli("-p", CALM, "-e", "sadness", "-o", "d.csv")
    assert result.exit_code == 0, result.output
    assert "conflict:" in result.output and "kept as anger" in result.output


def test_failed_tracks_exit_1_and_say_how_to_resume(server, track_ids, cli):
    from collect_server import Answer, spotify_error

    server.playlists[ANGER] = track_ids[:3]
    for _ in range(5):
        server.script["/v1/audio-features"].append(Answer(503, spotify_error(503, "down")))
    result = cli("-p", ANGER, "-e", "anger", "-o", "d.csv")
    assert result.exit_code == 1
    assert "3 tracks failed" in result.output and "run the same command again" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-p", ANGER, "-o", "d.csv"], "--emotion is required"),
        (["-e", "anger", "-o", "d.csv"], "give --playlist or --track"),
        (["-p", ANGER, "-e", "anger", "-o", "d.parquet"], "must be a .csv file"),
        (
            ["-p", "https://open.spotify.com/album/" + "a" * 22, "-e", "anger", "-o", "d.csv"],
            "is a Spotify album, not a playlist",
        ),
        (["-p", ANGER, "-e", "bored", "-o", "d.csv"], "unknown emotion 'bored'"),
        (["-p", ANGER, "-e", "anger", "-o", "d.csv", "--provider", "lastfm"], "unknown provider"),
        (["--from-file", "p.yaml", "-e", "anger", "-o", "d.csv"], "either --from-file"),
    ],
)
def test_usage_mistakes_are_clear_errors(cli, args, message):
    assert_user_error(cli(*args), message)


@pytest.mark.parametrize("ending", ["\n", ""], ids=["last-newline", "no-last-newline"])
def test_existing_file_of_another_kind_is_not_appended_to(cli, tmp_path, ending):
    # Someone's own CSV, possibly without a final newline: refused, and not one byte lost.
    mine = f"a,b\n1,2\n3,4{ending}".encode()
    (tmp_path / "d.csv").write_bytes(mine)
    result = cli("-p", ANGER, "-e", "anger", "-o", "d.csv")
    assert_user_error(result, "not those of a 'moodtune collect' file")
    assert (tmp_path / "d.csv").read_bytes() == mine
    assert not (tmp_path / "d.skipped.csv").exists()


@pytest.mark.parametrize("content", [b"\xff\xfe\x00binary\n", b"\xff\xfe\x00binary"])
def test_a_binary_output_file_is_refused(cli, tmp_path, content):
    (tmp_path / "d.csv").write_bytes(content)
    result = cli("-p", ANGER, "-e", "anger", "-o", "d.csv")
    assert_user_error(result, "not a UTF-8 text file")
    assert (tmp_path / "d.csv").read_bytes() == content


@pytest.mark.parametrize(
    ("content", "repaired"),
    [
        (b"track_id,title,art", True),  # the header of a first write, cut short
        (",".join(COLUMNS).encode(), True),
        (b"track_id;title", False),  # one line of someone else's file, no newline
        (b"title,artist", False),
    ],
)
def test_only_a_collect_output_is_repaired(tmp_path, content, repaired):
    path = tmp_path / "d.csv"
    path.write_bytes(content)
    log = CsvLog(path, COLUMNS)
    if repaired:
        assert log.read() == [] and log.repaired and path.read_bytes() == b""
    else:
        with pytest.raises(InputError, match="not those of a 'moodtune collect' file"):
            log.read()
        assert not log.repaired and path.read_bytes() == content


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: (tmp / "plans").mkdir() or tmp / "plans", "is a folder"),
        # Reading /proc/self/mem from offset 0 fails with EIO: an unreadable file even for
        # root (a chmod 000 file is readable by root, which runs these tests here).
        (lambda tmp: Path("/proc/self/mem"), "cannot be read"),
    ],
    ids=["folder", "unreadable"],
)
def test_a_plan_that_is_a_folder_or_unreadable_is_a_clear_error(cli, tmp_path, make, message):
    path = make(tmp_path)
    if not path.exists():
        pytest.skip(f"{path} does not exist on this system")
    result = cli("--from-file", str(path), "-o", "d.csv")
    assert_user_error(result, message)
    assert str(path) in result.stderr


def test_plan_mapping_form(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        f"fear:\n  - {ANGER}\n  - https://open.spotify.com/playlist/{CALM}\n"
        f"Happy: spotify:playlist:{ANGER}\n"
    )
    jobs = read_plan(path)
    assert [(j.emotion, j.source) for j in jobs] == [
        ("fear", f"spotify:playlist:{ANGER}"),
        ("fear", f"spotify:playlist:{CALM}"),
        ("happiness", f"spotify:playlist:{ANGER}"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- just a list\n", "expected a mapping"),
        (f"playlists:\n  - url: {ANGER}\n  - emotion: fear\n", "row 1, column 'emotion'"),
        (
            f"playlists:\n  - url: {ANGER}\n    emotion: fear\n  - emotion: fear\n",
            "row 2, column 'url'",
        ),
        (f"playlists:\n  - url: {ANGER}\n    emotion: bored\n", "row 1: unknown emotion"),
        ("anger: [not-a-playlist]\n", "row 1: 'not-a-playlist' is not a Spotify playlist"),
        ("anger: [\n", "not valid YAML"),
        (
            f"anger: [{ANGER}]\nsadness: [{CALM}]\nanger: [{CALM}]\n",
            "line 3: the key 'anger' appears twice (first on line 1)",
        ),
        (
            f"playlists:\n  - url: {ANGER}\n    emotion: fear\n    url: {CALM}\n",
            "line 4: the key 'url' appears twice (first on line 2)",
        ),
    ],
)
def test_plan_errors_name_the_file_and_entry(tmp_path, text, message):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=r"p.yaml") as error:
        read_plan(path)
    assert message in str(error.value)


def test_command_line_plan_with_tracks():
    jobs = command_line_plan("sad", tracks=[f"spotify:track:{'b' * 22}"])
    assert jobs[0].emotion == "sadness" and jobs[0].source == "tracks"


def test_reccobeats_collects_tracks_without_spotify_credentials(
    server, track_ids, cli, monkeypatch, tmp_path
) -> None:
    monkeypatch.delenv("SPOTIPY_CLIENT_ID")
    monkeypatch.delenv("SPOTIPY_CLIENT_SECRET")
    server.catalogue.reccobeats_unknown.add(track_ids[2])
    tracks = [arg for track_id in track_ids[:45] for arg in ("--track", track_id)]
    result = cli(*tracks, "--emotion", "calm", "--provider", "reccobeats", "--out", "d.csv")
    assert result.exit_code == 0, result.output
    assert "no Spotify credentials: titles and artists come from ReccoBeats" in result.stderr
    assert not [r for r in server.requests if "/reccobeats/" not in r[1]]  # Spotify not asked
    table = read_tracks(tmp_path / "d.csv")
    assert len(table.frame) == 44 and set(table.labels) == {"neutral"}
    first = server.catalogue.tracks[track_ids[0]]
    row = table.frame.set_index("track_id").loc[track_ids[0]]
    assert row["title"] == first["name"]

    listed = cli(
        "--playlist", ANGER, "--emotion", "anger", "--provider", "reccobeats", "--out", "e.csv"
    )
    assert listed.exit_code == 2 and "needs Spotify credentials" in listed.stderr
    spotify = cli(*tracks[:2], "--emotion", "calm", "--provider", "spotify", "--out", "f.csv")
    assert spotify.exit_code == 2 and "SPOTIPY_CLIENT_ID" in spotify.stderr
