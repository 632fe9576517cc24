"""The words head: shipped with its provenance, loaded without pickle, run with numpy only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from moodtune.assets import MODEL_FILES
from moodtune.emotions import EMOTIONS
from moodtune.text.head import HeadError, TextHead, check_embedding_model


@pytest.fixture(scope="module")
def shipped() -> TextHead:
    return TextHead.load()


def test_shipped_head_records_how_it_was_made(shipped: TextHead) -> None:
    meta = shipped.metadata
    assert meta["command"].startswith(("python -m moodtune.text.train ", "moodtune train-text "))
    assert "goemotions" in meta["command"]
    data = meta["training_data"]
    assert data["licence"] == "Apache-2.0" and "GoEmotions" in data["name"]
    assert data["file"] == "train.csv" and data["rows"] == 43_410
    assert meta["validation_data"]["file"] == "dev.csv" and meta["validation_data"]["rows"] == 5426
    assert meta["embedding_model"]["sha256"] == MODEL_FILES["text_model"].sha256
    check_embedding_model(shipped, MODEL_FILES["text_model"].sha256)


def test_shipped_head_meets_its_dev_figures(shipped: TextHead) -> None:
    dev = shipped.metadata["dev_metrics"]
    chosen = dev["chosen"]
    assert chosen["macro_f1"] >= 0.45 and chosen["accuracy"] >= 0.58
    candidates = dev["candidates"]
    assert candidates[shipped.metadata["chosen"]["name"]]["macro_f1"] == max(
        v["macro_f1"] for k, v in candidates.items() if k not in ("prototypes", "majority")
    )
    assert candidates["prototypes"]["macro_f1"] < 0.3
    assert candidates["majority"]["description"].startswith("always happiness")
    assert set(chosen["per_class_f1"]) == set(EMOTIONS)


def _random_head(seed: int = 0, output: str = "softmax") -> TextHead:
    rng = np.random.default_rng(seed)
    layers = [
        (rng.normal(size=(16, 384)), rng.normal(size=16)),
        (rng.normal(size=(7, 16)), rng.normal(size=7)),
    ]
    return TextHead(layers, output, metadata={"embedding_model": {"sha256": "abc"}})


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_forward_pass_matches_the_formula(output: str) -> None:
    head = _random_head(output=output)
    x = np.random.default_rng(1).normal(size=(5, 384)).astype(np.float32)
    (w1, b1), (w2, b2) = head.layers
    z = np.maximum(x @ w1.T + b1, 0) @ w2.T + b2
    expected = (
        np.exp(z - z.max(axis=1, keepdims=True)) if output == "softmax" else 1 / (1 + np.exp(-z))
    )
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(head.predict_proba(x), expected, atol=1e-5)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    head = _random_head(output="sigmoid")
    head.save(tmp_path / "h")
    loaded = TextHead.load(tmp_path / "h")
    assert loaded.output == "sigmoid" and loaded.metadata == head.metadata
    x = np.random.default_rng(2).normal(size=(3, 384))
    assert np.array_equal(loaded.predict_proba(x), head.predict_proba(x))


def test_bad_head_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(HeadError, match=r"no head\.json"):
        TextHead.load(tmp_path)
    folder = _random_head().save(tmp_path / "h")
    (folder / "head.safetensors").write_bytes(b"\x80\x04not a safetensors file")  # a pickle
    with pytest.raises(HeadError, match="cannot read"):
        TextHead.load(folder)
    folder = _random_head().save(tmp_path / "g")
    document = json.loads((folder / "head.json").read_text())
    document["labels"] = ["happy", "sad"]
    (folder / "head.json").write_text(json.dumps(document))
    with pytest.raises(HeadError, match="labels"):
        TextHead.load(folder)
    with pytest.raises(HeadError, match="do not chain"):
        TextHead([(np.zeros((8, 384)), np.zeros(8)), (np.zeros((7, 9)), np.zeros(7))])
    with pytest.raises(HeadError, match="expected 7"):
        TextHead([(np.zeros((6, 384)), np.zeros(6))])
    with pytest.raises(HeadError, match=r"shape \(n, 384\)"):
        _random_head().predict_proba(np.zeros((2, 10)))


def test_a_head_of_other_embeddings_is_refused() -> None:
    with pytest.raises(HeadError, match="retrain"):
        check_embedding_model(_random_head(), MODEL_FILES["text_model"].sha256)


def test_loading_and_the_forward_pass_import_neither_torch_nor_sklearn() -> None:
    code = (
        "import sys, numpy as np\n"
        "from moodtune.text.head import TextHead\n"
        "head = TextHead.load()\n"
        "p = head.predict_proba(np.ones((2, 384), np.float32) / 384 ** 0.5)\n"
        "assert p.shape == (2, 7)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "assert 'sklearn' not in sys.modules, 'sklearn was imported'\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
