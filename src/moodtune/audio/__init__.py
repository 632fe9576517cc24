"""Local audio analysis: features computed from audio files on the user's machine.

* :mod:`moodtune.audio.decode` — files → samples (PyAV/FFmpeg, then soundfile, then audioread);
* :mod:`moodtune.audio.measure` — tempo, key, mode, loudness (librosa, scipy, pyloudnorm filters);
* :mod:`moodtune.audio.estimate` — energy, valence, … estimated by VibeNet (optional);
* :mod:`moodtune.audio.calibration` — those estimates calibrated so that the model's reading
  agrees with listeners (fitted by :mod:`moodtune.audio.calibration_fit`);
* :mod:`moodtune.audio.evaluation` — the reading against listeners' ratings
  (:mod:`~moodtune.audio.listeners`, :mod:`~moodtune.audio.routes`,
  :mod:`~moodtune.audio.evaluation_report`): ``moodtune evaluate-audio``;
* :mod:`moodtune.audio.analysis` — one file → one labelled row;
* :mod:`moodtune.audio.batch` / :mod:`moodtune.audio.output` — many files, resumable, to a table;
* :mod:`moodtune.audio.builtin` — the built-in catalogue of 28 playable clips.

Adding a folder of audio files to a catalogue is a pipeline over this package and the
catalogue: :func:`moodtune.pipelines.add_audio_folder`.

Importing this package is light: librosa, pyloudnorm and VibeNet load only when used.
"""

from __future__ import annotations

__all__: list[str] = []  # the API is in the submodules named above
