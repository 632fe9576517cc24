"""moodtune: which emotion a piece of music carries, and music for the emotion in a picture."""

from __future__ import annotations

from moodtune.emotions import EMOTIONS

__version__ = "0.1.0"
__all__ = ["EMOTIONS", "__version__"]
