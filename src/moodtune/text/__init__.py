"""Words → emotion: sentence embeddings compared with prototype phrases (lazy imports)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moodtune.text.classifier import TextEmotionClassifier

__all__ = ["TextEmotionClassifier"]


def __getattr__(name: str) -> Any:
    if name == "TextEmotionClassifier":
        from moodtune.text.classifier import TextEmotionClassifier

        return TextEmotionClassifier
    raise AttributeError(f"module 'moodtune.text' has no attribute {name!r}")
