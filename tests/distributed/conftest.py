"""The synthetic audio of tests/audio (``audio_synth``) for the cluster tests of ``analyze``."""

from __future__ import annotations

import sys
from pathlib import Path

AUDIO_TESTS = Path(__file__).resolve().parents[1] / "audio"
if str(AUDIO_TESTS) not in sys.path:
    sys.path.insert(0, str(AUDIO_TESTS))
