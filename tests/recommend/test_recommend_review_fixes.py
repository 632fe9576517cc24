"""Review fixes: local audio vs remote URLs, no connection left open on errors, and a fast
path that does no I/O beyond ``PRAGMA data_version``."""

from __future__ import annotations

import pathlib
import sqlite3
from pathlib import Path

import pytest

from moodtune.catalogue import builtin as builtin_module
from moodtune.catalogue import schema
from moodtune.catalogue.sqlite import Catalogue
from moodtune.errors import MoodtuneError
from moodtune.recommend import recommender as recommender_module
from moodtune.recommend.recommender import MODES, MusicRecommender


def assert_closed(connection: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        connection.execute("SELECT 1")


# --- has_audio: a local file that exists; a remote URL apart -----------------------------------


def test_only_existing_local_files_count_as_audio(tmp_path, emotion_model, make_table):
    present = tmp_path / "present.wav"
    present.write_bytes(b"RIFF....WAVE")  # exists; its content does not matter here
    audio = [
        "https://example.org/a.mp3",  # remote: never has_audio, shown as remote_audio_url
        "HTTP://example.org/b.mp3",  # remote too (the scheme's case does not matter)
        str(present),
        str(tmp_path / "gone.wav"),  # a local path whose file does not exist
        None,
        None,
    ]
    table = make_table(6)
    catalogue = Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False)
    with catalogue:
        catalogue.import_table(table, source="small", audio_paths=audio)
        ids = table.frame["track_id"].tolist()
        recommender = MusicRecommender(catalogue, artist_cap=None, duplicate_distance=0)
        for mode in MODES:
            results = {r.track_id: r for r in recommender.recommend("sadness", 6, mode)}
            assert set(results) == set(ids)
            assert [results[i].has_audio for i in ids] == [False, False, True, False, False, False]
            assert [results[i].remote_audio_url for i in ids] == [
                "https://example.org/a.mp3",
                "HTTP://example.org/b.mp3",
                None,
                None,
                None,
                None,
            ]
            assert all(r.audio_url is None for r in results.values())  # the web layer's URL
            assert results[ids[0]].to_dict()["remote_audio_url"] == "https://example.org/a.mp3"


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("https://example.org/a.mp3", True),
        ("http://example.org:8080/x?y=1", True),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("data:audio/wav;base64,AAAA", False),
        ("https:///no-host", False),
        ("", False),
        (None, False),
    ],
)
def test_web_url_keeps_only_http_urls_with_a_host(value, kept):
    assert recommender_module.web_url(value) == (value if kept else None)


# --- connections are closed when opening fails -------------------------------------------------


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[sqlite3.Connection]:
    """Every connection :func:`moodtune.catalogue.schema.connect` opens (a spy around the real
    ``sqlite3.connect``: the connections are real)."""
    connections: list[sqlite3.Connection] = []
    real = sqlite3.connect

    def spy(*args, **kwargs):
        connections.append(real(*args, **kwargs))
        return connections[-1]

    monkeypatch.setattr(schema.sqlite3, "connect", spy)
    return connections


def _not_a_database(path: Path) -> str:
    path.write_bytes(b"these are my notes, not a database" * 10)
    return "not a moodtune catalogue"


def _other_tables(path: Path) -> str:
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE notes (text TEXT)")
    other.close()
    return "not a moodtune catalogue"


def _newer_schema(path: Path) -> str:
    other = sqlite3.connect(path)
    other.execute(f"PRAGMA user_version={schema.SCHEMA_VERSION + 1}")
    other.close()
    return "newer than this moodtune"


@pytest.mark.parametrize("make", [_not_a_database, _other_tables, _newer_schema])
def test_connect_closes_the_connection_it_refuses(tmp_path, opened, make):
    path = tmp_path / "bad.sqlite"
    words = make(path)
    opened.clear()  # the connections of make() itself
    with pytest.raises(MoodtuneError, match=words):
        schema.connect(path)
    assert len(opened) == 1
    assert_closed(opened[0])


def test_open_closes_the_catalogue_when_filling_it_fails(
    tmp_path, opened, monkeypatch, emotion_model
):
    # The built-in import failing (a broken built-in table, say) stands for any error after
    # the connection is open; replaced because the real built-in import succeeds here.
    def broken(catalogue, **options):
        raise MoodtuneError("the built-in catalogue could not be imported")

    monkeypatch.setattr(builtin_module, "fill_builtin", broken)
    with pytest.raises(MoodtuneError, match="built-in"):
        builtin_module.open_catalogue(tmp_path / "new.sqlite", model=emotion_model)
    assert len(opened) == 1
    assert_closed(opened[0])


# --- the fast path: no I/O beyond PRAGMA data_version ------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_recommend_cached_runs_no_query_and_checks_no_file(
    copy_catalogue, monkeypatch: pytest.MonkeyPatch, mode
):
    catalogue = copy_catalogue()
    recommender = MusicRecommender(catalogue, seed=3)
    first = recommender.recommend("fear", k=10, mode=mode)  # warms every cache
    statements: list[str] = []
    catalogue._connection.set_trace_callback(statements.append)
    checked: list[Path] = []
    real_is_file = pathlib.Path.is_file

    def is_file(self: pathlib.Path) -> bool:  # a spy: counts, then asks the real file system
        checked.append(self)
        return real_is_file(self)

    monkeypatch.setattr(pathlib.Path, "is_file", is_file)

    assert recommender.recommend_cached("fear", k=10, mode=mode) is not None
    assert set(statements) == {"PRAGMA data_version"} and not checked

    # After a write, the fast path declines rather than query the changed file.
    catalogue._connection.set_trace_callback(None)
    catalogue.record_played(first[0].track_id)
    catalogue._connection.set_trace_callback(statements.append)
    statements.clear()
    assert recommender.recommend_cached("fear", k=10, mode=mode) is None
    assert set(statements) == {"PRAGMA data_version"} and not checked
    # The full path (a worker thread in the app) refills the memory: fast again, and fresh.
    recommender.recommend("fear", k=10, mode=mode)
    statements.clear()
    again = recommender.recommend_cached("fear", k=10, mode=mode)
    assert again is not None and first[0].track_id not in {r.track_id for r in again}
    assert set(statements) == {"PRAGMA data_version"} and not checked
    catalogue._connection.set_trace_callback(None)
