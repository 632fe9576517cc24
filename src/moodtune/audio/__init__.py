"""Local audio analysis: features computed from audio files on the user's machine.

* :mod:`moodtune.audio.decode` — files → samples (PyAV/FFmpeg, then soundfile, then audioread);
* :mod:`moodtune.audio.measure` — tempo, key, mode, loudness (librosa, scipy, pyloudnorm filters);
* :mod:`moodtune.audio.estimate` — energy, valence, … estimated by VibeNet (optional);
* :mod:`moodtune.audio.analysis` — one file → one labelled row;
* :mod:`moodtune.audio.batch` / :mod:`moodtune.audio.output` — many files, resumable, to a table;
* :mod:`moodtune.audio.builtin` — the built-in catalogue of 28 playable clips.

Importing this package is light: librosa, pyloudnorm and VibeNet load only when used.
"""

from __future__ import annotations
