"""`moodtune evaluate-text` and the training command, on the shared GoEmotions files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moodtune.emotions import EMOTIONS


@pytest.fixture(scope="module")
def goemotions(datasets: Path) -> Path:
    return datasets / "goemotions"


@pytest.fixture
def dev_sample(goemotions: Path, tmp_path: Path) -> Path:
    """400 rows of dev.csv (fixed sample): single- and multi-label rows."""
    frame = pd.read_csv(goemotions / "dev.csv").sample(400, random_state=0)
    path = tmp_path / "dev-sample.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_evaluate_text_reports(run_cli, text_env, dev_sample: Path, tmp_path: Path) -> None:
    json_path, md_path, html_path = (tmp_path / f"r.{s}" for s in ("json", "md", "html"))
    code, out, err = run_cli(
        "evaluate-text",
        str(dev_sample),
        "--offline",
        "--json",
        str(json_path),
        "--report",
        str(md_path),
    )
    assert code == 0, err
    assert "head" in out and "prototypes" in out and "majority" in out
    assert "row(s) with several emotions" in err
    report = json.loads(json_path.read_text())
    models = report["models"]
    assert set(models) == {"head", "prototypes", "majority"}
    single = pd.read_csv(dev_sample)["labels"].str.count(",").eq(0).sum()
    assert report["n_tracks"] == single
    head, prototypes, majority = (models[m] for m in ("head", "prototypes", "majority"))
    # On this sample as on all of dev.csv: the head well above both baselines.
    assert head["macro_f1"]["mean"] > prototypes["macro_f1"]["mean"] + 0.15
    assert head["accuracy"]["mean"] > majority["accuracy"]["mean"] + 0.1
    assert majority["description"].startswith("always happiness")
    confusion = np.array(head["confusion_matrix"])
    assert confusion.shape == (7, 7) and confusion.sum() == single
    assert set(head["per_class_f1"]) == set(EMOTIONS)
    assert (tmp_path / "r-head-confusion.png").is_file()
    assert "| head |" in md_path.read_text()
    few = tmp_path / "few.csv"  # the HTML report on a few rows: the format, not the scores
    pd.read_csv(dev_sample).head(60).to_csv(few, index=False)
    code, _, err = run_cli("evaluate-text", str(few), "--offline", "--report", str(html_path))
    assert code == 0, err
    assert "<table>" in html_path.read_text() and "| head |" not in html_path.read_text()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"text": ["fine", "  "], "labels": ["joy", "anger"]}, "row 3, column 'text': empty text"),
        ({"text": ["fine", "ok"], "labels": ["joy", "bored"]}, "'bored' is not an emotion"),
        ({"text": ["fine", "ok"], "labels": ["joy", None]}, "row 3, column 'labels': empty label"),
        (
            {"text": ["fine", "\x01\x02\x03\x04\x05"], "labels": ["joy", "anger"]},
            "row 3: the text looks like binary",
        ),
        (  # a NUL byte: the table reader refuses the whole file first, naming the line
            {"text": ["fine", "\x00\x01\x02\x03"], "labels": ["joy", "anger"]},
            "line 3 holds a NUL character",
        ),
        ({"words": ["fine"], "labels": ["joy"]}, "no text column"),
    ],
)
def test_evaluate_text_bad_tables(run_cli, text_env, tmp_path: Path, rows, message) -> None:
    path = tmp_path / "bad.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    code, out, err = run_cli("evaluate-text", str(path), "--offline")
    assert code == 2 and message in err and "Traceback" not in out + err


def test_evaluate_text_refuses_a_bad_report_path(run_cli, text_env, dev_sample, tmp_path) -> None:
    code, _, err = run_cli("evaluate-text", str(dev_sample), "--report", str(tmp_path / "r.txt"))
    assert code == 2 and ".md or .html" in err


@pytest.fixture
def small_corpus(goemotions: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "small"
    folder.mkdir()
    pd.read_csv(goemotions / "train.csv").sample(300, random_state=1).to_csv(
        folder / "train.csv", index=False
    )
    pd.read_csv(goemotions / "dev.csv").sample(100, random_state=1).to_csv(
        folder / "dev.csv", index=False
    )
    return folder


@pytest.mark.slow
def test_training_writes_a_loadable_head_and_is_deterministic(
    text_env, small_corpus, tmp_path
) -> None:
    pytest.importorskip("sklearn", reason="training needs the 'train' extra")
    pytest.importorskip("torch", reason="training needs the 'train' extra")
    from moodtune.text.classifier import TextEmotionClassifier
    from moodtune.text.head import TextHead
    from moodtune.text.train import CANDIDATES, train

    chosen = tuple(c for c in CANDIDATES if c.name in ("logistic-single", "mlp-soft"))
    heads = []
    for name in ("a", "b"):
        _, results = train(small_corpus, out=tmp_path / name, candidates=chosen, command="test")
        heads.append(TextHead.load(tmp_path / name))
    assert set(results) == {"logistic-single", "mlp-soft", "prototypes", "majority"}
    meta = heads[0].metadata
    assert meta["chosen"]["name"] in ("logistic-single", "mlp-soft")
    assert meta["training_data"]["rows"] == 300 and meta["training_data"]["licence"] == "Apache-2.0"
    best = results[meta["chosen"]["name"]].macro_f1
    assert meta["dev_metrics"]["chosen"]["macro_f1"] == pytest.approx(best, abs=1e-4)
    x = np.random.default_rng(0).normal(size=(4, 384))
    assert np.allclose(heads[0].predict_proba(x), heads[1].predict_proba(x), atol=1e-6)
    # The embeddings were cached in MOODTUNE_CACHE (a temporary folder), not the repository.
    assert list((text_env / "embeddings").glob("*.npy"))
    reader = TextEmotionClassifier(
        offline=True, cache=text_env / "models", notify=None, head=tmp_path / "a"
    )
    assert reader.predict_proba(["so happy"]).shape == (1, 7)


def test_training_on_a_missing_folder(run_cli, tmp_path) -> None:
    code, _, _ = run_cli("train-text", str(tmp_path / "nowhere"))
    assert code == 2


def test_evaluate_text_with_a_folder_that_is_not_a_head(run_cli, text_env, dev_sample, tmp_path):
    code, out, err = run_cli("evaluate-text", str(dev_sample), "--head", str(tmp_path))
    assert code == 2 and "not a words head folder: no head.json" in err
    assert "Traceback" not in out + err
