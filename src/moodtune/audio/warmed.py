"""Importing this module warms the audio analysis up (:func:`moodtune.audio.measure.warm_up`).

A local Dask cluster that analyses audio has its forkserver import it
(:data:`moodtune.distributed.ANALYSE_IMPORTS`), so every worker forked from it, and every
replacement of a worker that died, starts with librosa imported and its numba functions
compiled: about 3 s of CPU once instead of in each worker. It is only a head start: if it
fails (no ``audio`` extra, anything else), the forkserver still starts, and each worker's
first measurement says what is wrong, naming its file.
"""

from __future__ import annotations

from contextlib import suppress

from moodtune.audio.measure import warm_up

__all__: list[str] = []  # imported for what it does, not for names

with suppress(Exception):  # a head start only (see above)
    warm_up()
