"""``moodtune train-text`` and ``label --text-column`` (moodtune.cli.text_commands): the head is
written outside the package, the label reader reads in counted batches, a missing emotion is one
clear line."""

from __future__ import annotations

import numpy as np


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
