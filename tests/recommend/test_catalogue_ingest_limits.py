"""``catalog import`` on a full disk, and hostile names at import.

A full disk is made two ways: SQLite's page limit (``PRAGMA max_page_count``) set on the
catalogue's real connection, which makes SQLite answer SQLITE_FULL exactly as a full disk
does (always runs), and a real 1 MB tmpfs mounted for the test (runs where mounting is
permitted, as root here and in CI; skipped with the reason otherwise).
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from moodtune.catalogue import store as store_module
from moodtune.catalogue.builtin import open_catalogue
from moodtune.data.names import NAME_LIMIT


def contents(path: Path) -> str:
    """A digest of every track and prediction of the catalogue at ``path``."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT * FROM tracks ORDER BY rowid").fetchall()
        rows += connection.execute("SELECT * FROM predictions ORDER BY 1").fetchall()
    connection.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(scope="module")
def songs(datasets, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6,000 TidyTuesday songs: more than a 1 MB disk or a 300-page catalogue holds."""
    table = tmp_path_factory.mktemp("songs") / "songs.csv"
    pd.read_csv(datasets / "tidytuesday/spotify_songs.csv", nrows=6000).drop_duplicates(
        "track_id"
    ).to_csv(table, index=False)
    return table


@pytest.fixture
def page_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every catalogue opened may grow by at most 60 pages beyond what it has when opened."""
    real = store_module.connect

    def limited(path: Path) -> sqlite3.Connection:
        connection = real(path)
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages + 60}")
        return connection

    monkeypatch.setattr(store_module, "connect", limited)
    yield


def assert_one_line_full(result) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "is full" in lines[0] and "Traceback" not in result.output


def test_a_new_catalogue_a_full_disk_stopped_is_removed(run_main, songs, tmp_path, page_limit):
    catalogue = tmp_path / "c.sqlite"
    # The 28 built-in clips fit in 60 pages; 6,000 songs do not.
    assert_one_line_full(run_main("catalog", "import", str(songs), "--catalogue", str(catalogue)))
    assert [p.name for p in tmp_path.iterdir()] == []


def test_an_existing_catalogue_is_kept_whole(run_main, songs, tmp_path, request):
    catalogue = tmp_path / "c.sqlite"
    open_catalogue(catalogue).close()  # an existing catalogue: the built-in clips
    before = contents(catalogue)
    request.getfixturevalue("page_limit")
    assert_one_line_full(run_main("catalog", "import", str(songs), "--catalogue", str(catalogue)))
    assert contents(catalogue) == before
    wal = Path(f"{catalogue}-wal")
    assert not wal.exists() or wal.stat().st_size == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MB tmpfs (needs permission to mount: root here and in CI)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command: the real full-disk test needs one")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a 1 MB tmpfs here ({mounted.stderr.decode().strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_real_full_disk(run_main, songs, small_disk):
    catalogue = small_disk / "c.sqlite"
    assert_one_line_full(run_main("catalog", "import", str(songs), "--catalogue", str(catalogue)))
    assert list(small_disk.iterdir()) == []
    open_catalogue(catalogue).close()  # an existing catalogue: the built-in clips
    before = contents(catalogue)
    assert_one_line_full(run_main("catalog", "import", str(songs), "--catalogue", str(catalogue)))
    assert contents(catalogue) == before
    assert sorted(p.name for p in small_disk.iterdir()) <= [
        "c.sqlite",
        "c.sqlite-shm",
        "c.sqlite-wal",
    ]
    wal = Path(f"{catalogue}-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_hostile_names_are_cleaned_and_bounded_at_import(run_main, datasets, tmp_path):
    table = tmp_path / "hostile.parquet"  # (a CSV holding NUL is refused as binary)
    frame = pd.read_csv(datasets / "tidytuesday/spotify_songs.csv", nrows=4)
    frame["track_name"] = ["\x1b[31mred\x00", "t" * 100_000, "=1+1\nnext", "\u202egnp.exe"]
    frame["track_artist"] = ["a" * 5_000_000, "ok", "b\x07", "c"]
    frame.loc[3, "track_id"] = "i" * 5_000_000  # a 5 MB id
    frame.to_parquet(table, index=False)
    catalogue = tmp_path / "c.sqlite"
    result = run_main(
        "catalog", "import", str(table), "--no-builtin", "--catalogue", str(catalogue)
    )
    assert result.exit_code == 0, result.output
    assert f"2 names longer than {NAME_LIMIT} characters were cut" in result.stderr
    assert "1 track ids longer than 256 characters replaced" in result.stderr
    with sqlite3.connect(catalogue) as connection:
        rows = dict(connection.execute("SELECT id, title FROM tracks").fetchall())
        artists = [a for (a,) in connection.execute("SELECT artists FROM tracks")]
    connection.close()
    long_id = "t:" + hashlib.sha256(frame["track_id"][3].encode()).hexdigest()
    titles = [rows[i] for i in [*frame["track_id"][:3], long_id]]
    assert titles[0] == "[31mred"
    assert len(titles[1]) == NAME_LIMIT and titles[1].endswith("…")
    assert titles[2:] == ["=1+1 next", "gnp.exe"]
    assert max(map(len, artists)) == NAME_LIMIT
    assert "b" in artists
