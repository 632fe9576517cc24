"""Reading words with the trained head: the classifier, TextReader, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from moodtune.emotions import EMOTIONS
from moodtune.text.clean import TextInputError

# Reddit-style sentences (not in GoEmotions' train or dev split), one clear case each.
CASES = {
    "I am furious, they lied to me again": "anger",
    "that smell made me want to throw up, gross": "disgust",
    "I'm terrified something bad will happen tonight": "fear",
    "best day ever, I love you all so much": "happiness",
    "I miss my grandmother so much since she died": "sadness",
    "Wow, really? I had no idea that was possible": "surprise",
    "the meeting is moved to 3pm on Tuesday": "neutral",
}


def test_the_head_reads_clear_sentences(classifier) -> None:
    probabilities = classifier.predict_proba(list(CASES))
    assert probabilities.shape == (len(CASES), 7)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert classifier.predict(list(CASES)) == list(CASES.values())


def test_head_and_prototypes_share_one_embedding(classifier) -> None:
    texts = ["rainy evening, missing home", "what a twist"]
    embeddings = classifier.embed(texts)
    assert np.allclose(
        classifier.predict_proba(texts), classifier.proba_from_embeddings(embeddings), atol=1e-5
    )
    assert np.allclose(
        classifier.prototype_proba(texts),
        classifier.prototype_proba_from_embeddings(embeddings),
        atol=1e-5,
    )
    assert not np.allclose(classifier.predict_proba(texts), classifier.prototype_proba(texts))


def test_unreadable_text_reads_neutral_and_binary_is_refused(classifier) -> None:
    probabilities = classifier.predict_proba(["🦄🦄", "so happy for you 😂"])
    assert probabilities[0][EMOTIONS.index("neutral")] == 1.0
    assert EMOTIONS[int(probabilities[1].argmax())] == "happiness"
    with pytest.raises(TextInputError, match="binary"):
        classifier.predict_proba(["\x00\x01\x02\x03\x04"])


def test_text_reader_explains_with_prototypes(text_root: Path) -> None:
    from moodtune.text.reader import TextReader

    reader = TextReader(offline=True, cache=text_root / "models", notify=None)
    reading = reader.read("rainy evening, missing home")
    assert reading.source == "text" and reading.top == "sadness"
    assert any(n.startswith("sounds like: ") for n in reading.notes)
    emoji = reader.read("🦄 ✨")
    assert emoji.top == "neutral" and emoji.confidence == "low"
    assert any("nothing readable" in n for n in emoji.notes)


def test_words_only_needs_no_image_runtime(text_root: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['ai_edge_litert'] = None  # as if the vision extra were not installed\n"
        "sys.modules['PIL'] = None\n"
        "from moodtune.text.reader import TextReader\n"
        f"r = TextReader(offline=True, cache={str(text_root / 'models')!r}, notify=None)\n"
        "print(r.read('I am furious').top)\n"
        "assert 'torch' not in sys.modules and 'sklearn' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "anger"


def test_cli_emotion_words_only(run_cli, text_env) -> None:
    code, out, err = run_cli("emotion", "--text", "I am furious", "--offline", "--json")
    assert code == 0, err
    reading = json.loads(out)
    assert reading["top"] == "anger" and reading["source"] == "text"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "the text is empty"),
        ("x" * 100_000, "at most 2000"),
        ("\x00\x01\x02\x03\x04\x05", "binary data"),
    ],
)
def test_cli_emotion_bad_words(run_cli, text_env, text: str, message: str) -> None:
    code, out, err = run_cli("emotion", "--text", text, "--offline")
    assert code == 2 and message in err and "Traceback" not in err + out


def test_cli_emotion_only_emoji(run_cli, text_env) -> None:
    code, out, err = run_cli("emotion", "--text", "🦄🦄🦄", "--offline", "--json")
    assert code == 0, err
    reading = json.loads(out)
    assert reading["top"] == "neutral" and reading["confidence"] == "low"


def test_cli_emotion_needs_something(run_cli, text_env) -> None:
    code, _, err = run_cli("emotion", "--offline")
    assert code == 2 and "--text" in err


def test_label_text_column_with_binary_and_emoji_rows(classifier) -> None:
    import pandas as pd

    from moodtune.errors import InputError
    from moodtune.text.labelling import label_frame

    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "valence": [0.2, 0.9, 0.5],
            "energy": [0.3, 0.8, 0.5],
            "tags": ["sad songs, I miss her", "\x00\x01\x02\x03\x04", "🦄🦄"],
        }
    )
    with pytest.raises(InputError, match=r"row 2.*binary data"):
        label_frame(frame, "tags", classifier, source="memory")
    table = label_frame(frame, "tags", classifier, source="memory", skip_invalid=True)
    assert table.labels.tolist() == ["sadness", "neutral"]
    assert any("left out 1 row(s) with binary data" in n for n in table.notes)
