"""``moodtune catalog ...`` and ``recommend`` (moodtune.cli.recommend_commands): a mistyped
--catalogue is an error, ``catalog import`` creates the catalogue, a Parquet dataset is imported on
a local Dask cluster."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture
def songs(datasets: Path) -> pd.DataFrame:
    frame = pd.read_csv(datasets / "tidytuesday" / "spotify_songs.csv")
    return frame.drop_duplicates("track_id").head(300).reset_index(drop=True)


@pytest.mark.parametrize(
    "args",
    [
        ("recommend", "-e", "calm"),
        ("catalog", "stats"),
        ("catalog", "reclassify"),
        ("recommend", "-e", "calm", "--playlist", "x.m3u8"),
    ],
)
def test_a_mistyped_catalogue_is_an_error_naming_it(run_cli, tmp_path, args) -> None:
    typo = tmp_path / "catalouge.sqlite"
    code, out, err = run_cli(*args, "--catalogue", str(typo))
    assert code == 2 and f"--catalogue {str(typo)!r}: no such file" in err, err
    assert len(err.strip().splitlines()) == 1 and out == ""
    assert not typo.exists()  # nothing was created


def test_import_creates_the_catalogue_and_then_it_is_read(run_cli, tmp_path, songs) -> None:
    songs.head(50).to_csv(tmp_path / "t.csv", index=False)
    made = tmp_path / "mine.sqlite"
    code, _, err = run_cli("catalog", "import", str(tmp_path / "t.csv"), "--catalogue", str(made))
    assert code == 0 and made.is_file(), err
    code, out, err = run_cli("catalog", "stats", "--catalogue", str(made), "--json")
    assert code == 0 and '"tracks": 78' in out, out  # 50 songs + the 28 built-in clips


@pytest.mark.slow
def test_a_parquet_dataset_is_imported_on_a_local_cluster(run_cli, tmp_path, songs) -> None:
    pytest.importorskip("distributed")
    big = tmp_path / "big"
    big.mkdir()
    for part in range(2):
        songs.iloc[100 * part : 100 * part + 100].to_parquet(big / f"p{part}.parquet")
    made = tmp_path / "c.sqlite"
    code, _, err = run_cli(
        "catalog",
        "import",
        str(big / "*.parquet"),
        "--cluster",
        "local:1",
        "--catalogue",
        str(made),
    )
    assert code == 0, err
    assert "200 added" in err and str(made) in err
    code, _, err = run_cli(  # one file with --cluster, into the same catalogue: no change
        "catalog",
        "import",
        str(big / "p0.parquet"),
        "--cluster",
        "local:1",
        "--catalogue",
        str(made),
    )
    assert code == 0 and "no change: all 100 tracks" in err, err
