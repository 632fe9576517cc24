"""How each feature of an analysis table was obtained, as a mapping the catalogue takes.

``moodtune analyze`` writes ``<table>.provenance.json`` beside its table; its ``provenance``
entry maps every feature column to ``"measured"`` or ``"estimated"`` — exactly the
``provenance`` argument of :meth:`moodtune.catalogue.sqlite.Catalogue.import_table`. The
catalogue's readers do not keep the table's per-row ``provenance`` column, so an importer of
an analysis table reads this mapping with :func:`read_provenance` instead of storing the
values as a provider's. (Every row of one analysis table has the same provenance: a table
never mixes rows analysed with and without VibeNet.)

Light to import (numpy at most): no audio library is loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

from moodtune.audio.analysis import ESTIMATED, MEASURED, MEASURED_FEATURES
from moodtune.audio.estimate import ESTIMATED_FEATURES
from moodtune.data.features import FEATURE_NAMES
from moodtune.errors import InputError


def sidecar_path(table: str | Path) -> Path:
    """``songs.csv`` → ``songs.csv.provenance.json``."""
    table = Path(table)
    return table.with_name(table.name + ".provenance.json")


def feature_provenance(estimated: bool) -> dict[str, str]:
    """Feature → ``"measured"`` / ``"estimated"`` for a table analysed with VibeNet
    (``estimated=True``: 4 measured + 7 estimated features) or without it (4 measured)."""
    provenance = dict.fromkeys(MEASURED_FEATURES, MEASURED)
    if estimated:
        provenance.update(dict.fromkeys(ESTIMATED_FEATURES, ESTIMATED))
    return {name: provenance[name] for name in FEATURE_NAMES if name in provenance}


def read_provenance(table: str | Path) -> dict[str, str] | None:
    """The per-feature provenance of the ``moodtune analyze`` table ``table``, or ``None``
    when no sidecar lies beside it (then the table is not an analysis, e.g. a provider's).

    Raises :class:`InputError` naming the sidecar when it exists but cannot be used.
    """
    path = sidecar_path(table)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"cannot be read as JSON ({error})", path=str(path)) from None
    provenance = data.get("provenance") if isinstance(data, dict) else None
    if not isinstance(provenance, dict) or not provenance:
        raise InputError(
            "has no 'provenance' mapping (feature → measured/estimated); analyse the files "
            "again with this version of 'moodtune analyze'",
            path=str(path),
        )
    for name, origin in provenance.items():
        if name not in FEATURE_NAMES or origin not in (MEASURED, ESTIMATED):
            raise InputError(
                f"provenance entry {name!r}: {origin!r} is not a feature mapped to "
                f"{MEASURED!r} or {ESTIMATED!r}",
                path=str(path),
            )
    return dict(provenance)


def analysed_audio(table: str | Path) -> bool:
    """True for a ``moodtune analyze`` table with VibeNet's estimates (calibrated by the
    analysis): ``moodtune predict`` confines its emotions to what the calibrated reading
    allows (``EmotionModel.predict_table(follow_reading=True)``, docs/audio.md). A table
    without a usable sidecar is not one."""
    try:
        provenance = read_provenance(table)
    except InputError:
        return False
    return bool(provenance) and ESTIMATED in provenance.values()


__all__ = ["analysed_audio", "feature_provenance", "read_provenance", "sidecar_path"]
