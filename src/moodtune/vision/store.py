"""Kept for compatibility: the model store now lives in :mod:`moodtune.assets`.

``moodtune.vision.store`` *is* :mod:`moodtune.assets` (the same module object), so code and
tests that import or patch either name see one store.
"""

from __future__ import annotations

import sys

from moodtune import assets

__all__ = assets.__all__

sys.modules[__name__] = assets
