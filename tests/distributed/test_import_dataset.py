"""``moodtune catalog import`` of a Parquet dataset (in process and on a real
``distributed.LocalCluster`` of two worker processes) stores the rows that importing the same
tracks from one CSV stores."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed", reason="needs the 'dask' extra")

from moodtune.catalogue.sqlite import Catalogue
from moodtune.distributed import dask_client, import_dataset


def catalogue_rows(path: Path) -> pd.DataFrame:
    """Every track of the catalogue at ``path`` with its features and predictions, by rowid;
    its artist by name (the artists' own ids are numbered in no fixed order) and without the
    time it was added."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        frame = pd.read_sql_query(
            "SELECT t.*, a.key AS artist_key, f.*, p.* FROM tracks t "
            "LEFT JOIN artists a ON a.id = t.artist_id "
            "JOIN features f ON f.track = t.rowid JOIN predictions p ON p.track = t.rowid "
            "ORDER BY t.rowid",
            connection,
        )
    return frame.drop(columns=["artist_id", "added_at"])


def assert_same_rows(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal, but for the last bits of the float32 probabilities (the forward pass runs in
    batches of another size, and BLAS sums in another order: differences ~3e-7)."""
    assert len(got) == len(expected) > 7_000  # 8,000 rows, 470 repeats
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def from_one_csv(songs, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    table, _, _ = songs
    path = tmp_path_factory.mktemp("csv") / "catalogue.sqlite"
    from moodtune.data.readers import read_tracks

    with Catalogue.open(path, fill_builtin=False) as opened:
        opened.import_table(read_tracks(table), source="songs")
    return catalogue_rows(path)


@pytest.mark.slow
def test_the_cli_imports_a_dataset_folder_as_the_one_csv(songs, from_one_csv, tmp_path, run_cli):
    _, parts, _ = songs
    target = tmp_path / "catalogue.sqlite"
    code, _, err = run_cli(
        "catalog", "import", str(parts), "--source", "songs", "--no-builtin",
        "--catalogue", str(target),
    )  # fmt: skip
    assert code == 0, err
    assert_same_rows(catalogue_rows(target), from_one_csv)


@pytest.mark.slow
def test_a_dataset_on_the_cluster_gives_the_same_catalogue(songs, from_one_csv, tmp_path):
    _, parts, _ = songs
    target = tmp_path / "catalogue.sqlite"
    seen: list[str] = []
    with (
        dask_client(cluster="local:2") as client,
        Catalogue.open(target, fill_builtin=False) as opened,
    ):
        report = import_dataset(
            opened,
            str(parts / "*.parquet"),
            source="songs",
            client=client,
            window=2,
            progress=lambda done, total, path: seen.append(Path(path).name),
        )
    assert seen == [f"songs-{n}.parquet" for n in range(4)]  # written in file order
    assert report.added == len(from_one_csv)
    assert report.rows == report.added + report.unchanged + report.updated
    assert_same_rows(catalogue_rows(target), from_one_csv)

    with Catalogue.open(target, fill_builtin=False) as opened:  # again: nothing changes
        again = import_dataset(opened, parts, source="songs")
    assert (again.added, again.updated) == (0, 0)
    assert_same_rows(catalogue_rows(target), from_one_csv)


def test_a_bad_file_is_named_with_its_row(songs, tmp_path, run_cli):
    _, parts, _ = songs
    broken = tmp_path / "broken"
    broken.mkdir()
    frame = pd.read_parquet(parts / "songs-0.parquet")
    frame.head(100).to_parquet(broken / "a.parquet", index=False)
    bad = frame.iloc[100:150].reset_index(drop=True)
    bad.loc[7, "energy"] = 4.2
    bad.to_parquet(broken / "b.parquet", index=False)
    target = tmp_path / "catalogue.sqlite"
    code, _, err = run_cli(
        "catalog", "import", str(broken), "--no-builtin", "--catalogue", str(target),
        "--cluster", "local:1",
    )  # fmt: skip
    message = " ".join(err.split())
    assert code == 2
    assert "b.parquet" in message and "row 8" in message and "energy" in message
    assert "1 file(s) before it are in the catalogue" in message
    assert len(catalogue_rows(target)) == frame.head(100)["track_id"].nunique()


@pytest.mark.parametrize("cluster", [[], ["--cluster", "local:1"]], ids=["here", "on dask"])
def test_a_file_that_is_not_parquet_is_named(songs, tmp_path, run_cli, cluster):
    _, parts, _ = songs
    broken = tmp_path / "broken"
    broken.mkdir()
    pd.read_parquet(parts / "songs-0.parquet").head(10).to_parquet(broken / "a.parquet")
    (broken / "b.parquet").write_bytes(b"PAR1 not a parquet file")
    code, _, err = run_cli(
        "catalog", "import", str(broken), "--no-builtin",
        "--catalogue", str(tmp_path / "c.sqlite"), *cluster,
    )  # fmt: skip
    assert code == 2
    message = " ".join(err.split())
    assert "b.parquet" in message and "cannot be read as a parquet table" in message
    assert "Traceback" not in err
