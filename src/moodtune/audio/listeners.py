"""Listeners' ratings of audio files: the labels CSV that ``moodtune evaluate-audio`` reads.

A labels CSV has one row per rated recording:

* a key: a ``file`` column (the file's path relative to the folder evaluated, or its name when
  that is unique), or an ``id`` column (also ``track id``, ``track_id``) together with an
  :class:`IdScheme` that gives each file its id (Emotify: file ``n.mp3`` in sub-folder ``g`` is
  id ``offset[g] + n``);
* the ratings: ``valence`` and ``arousal`` columns (any scale: only ranks are used), or the
  nine GEMS columns (``amazement``, ``solemnity``, ``tenderness``, ``nostalgia``,
  ``calmness``, ``power``, ``joyful_activation``, ``tension``, ``sadness``; spaces allowed),
  turned into valence and arousal by the fixed mapping :data:`GEMS_VALENCE` /
  :data:`GEMS_AROUSAL`;
* optionally a ``genre`` column (any grouping: results are reported per group as well).

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "labels.csv").write_text("file,valence,arousal\\na.wav,7,2\\nb.wav,3,8\\n")
>>> ratings = read_ratings(folder / "labels.csv")
>>> ratings.frame[["key", "valence", "arousal"]].values.tolist()
[['a.wav', 7.0, 2.0], ['b.wav', 3.0, 8.0]]
>>> IdScheme.parse("classical=0,rock=100").key_of(Path("/x/rock/7.mp3"), Path("/x"))
'107'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from moodtune.errors import InputError, MoodtuneError

__all__ = [
    "GEMS",
    "GEMS_AROUSAL",
    "GEMS_VALENCE",
    "IdScheme",
    "Ratings",
    "gems_scores",
    "read_ratings",
]

#: The nine GEMS emotions (Zentner et al. 2008) Emotify's listeners chose from.
GEMS: tuple[str, ...] = (
    "amazement",
    "solemnity",
    "tenderness",
    "nostalgia",
    "calmness",
    "power",
    "joyful_activation",
    "tension",
    "sadness",
)
#: valence = joyful activation + tenderness + calmness + amazement − sadness − tension
GEMS_VALENCE: dict[str, int] = {
    "joyful_activation": 1,
    "tenderness": 1,
    "calmness": 1,
    "amazement": 1,
    "sadness": -1,
    "tension": -1,
}
#: arousal = power + joyful activation + tension + amazement − calmness − tenderness − sadness
#: − nostalgia − solemnity
GEMS_AROUSAL: dict[str, int] = {
    "power": 1,
    "joyful_activation": 1,
    "tension": 1,
    "amazement": 1,
    "calmness": -1,
    "tenderness": -1,
    "sadness": -1,
    "nostalgia": -1,
    "solemnity": -1,
}
_ID_COLUMNS = ("id", "track_id", "track id")


@dataclass(frozen=True)
class IdScheme:
    """Gives a file its id: ``offsets[sub-folder] + int(file stem)`` (Emotify's layout).

    ``offsets`` maps the name of the file's parent folder to the number added to the number in
    the file's name. Written on the command line as ``classical=0,rock=100``.
    """

    offsets: dict[str, int]

    @classmethod
    def parse(cls, text: str) -> IdScheme:
        """``"classical=0,rock=100"`` → the scheme; a bad item is a :class:`MoodtuneError`."""
        offsets: dict[str, int] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, _, number = item.partition("=")
            if not name.strip() or not re.fullmatch(r"-?\d+", number.strip()):
                raise MoodtuneError(
                    f"--id-offsets: {item!r} is not FOLDER=NUMBER (e.g. classical=0,rock=100)"
                )
            offsets[name.strip()] = int(number)
        if not offsets:
            raise MoodtuneError("--id-offsets: give at least one FOLDER=NUMBER")
        return cls(offsets)

    def key_of(self, path: Path, folder: Path) -> str | None:
        """The id of ``path`` as text, None when its folder or name does not fit the scheme."""
        offset = self.offsets.get(path.parent.name)
        if offset is None or not path.stem.isdigit():
            return None
        return str(offset + int(path.stem))


@dataclass
class Ratings:
    """Listeners' ratings: ``frame`` has ``key`` (text), ``valence``, ``arousal`` and
    ``genre`` (None when the CSV has none); ``by`` is ``"file"`` or ``"id"``; ``gems`` says
    whether valence and arousal were derived from the nine GEMS columns; ``top_gems`` is the
    GEMS emotion most listeners chose for each row (None without GEMS columns)."""

    frame: pd.DataFrame
    by: str
    gems: bool
    source: str


def gems_scores(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Valence and arousal from the nine GEMS columns by the fixed mapping.

    Examples
    --------
    >>> row = {name: 0.0 for name in GEMS} | {"joyful_activation": 0.5, "power": 0.25}
    >>> valence, arousal = gems_scores(pd.DataFrame([row]))
    >>> float(valence[0]), float(arousal[0])
    (0.5, 0.75)
    """

    def total(weights: dict[str, int]) -> np.ndarray:
        return sum(weight * frame[name].to_numpy(float) for name, weight in weights.items())

    return total(GEMS_VALENCE), total(GEMS_AROUSAL)


def read_ratings(path: str | Path) -> Ratings:
    """Read a labels CSV (see the module's documentation).

    Raises :class:`InputError` naming the file, and the row and column where one is at fault.
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as error:
        raise InputError(f"cannot read the labels CSV: {error}", path=str(path)) from error
    raw.columns = [_canonical(str(name)) for name in raw.columns]
    by, key_column = _key_column(raw, path)
    gems = not {"valence", "arousal"} <= set(raw.columns)
    needed = GEMS if gems else ("valence", "arousal")
    missing = [name for name in needed if name not in raw.columns]
    if missing:
        raise InputError(
            "needs valence and arousal columns, or the nine GEMS columns "
            f"(missing: {', '.join(missing)})",
            path=str(path),
        )
    numbers = {name: _numbers(raw, name, path) for name in needed}
    frame = pd.DataFrame({"key": raw[key_column].str.strip()})
    if gems:
        table = pd.DataFrame(numbers)
        frame["valence"], frame["arousal"] = gems_scores(table)
        frame["top_gems"] = table.idxmax(axis=1).to_numpy()
    else:
        frame["valence"], frame["arousal"] = numbers["valence"], numbers["arousal"]
        frame["top_gems"] = None
    frame["genre"] = raw["genre"].str.strip() if "genre" in raw.columns else None
    repeated = frame["key"][frame["key"].duplicated()]
    if len(repeated):
        raise InputError(
            f"{key_column} {repeated.iloc[0]!r} appears twice",
            path=str(path),
            row=int(repeated.index[0]) + 1,
            column=key_column,
        )
    return Ratings(frame, by, gems, str(path))


def _canonical(name: str) -> str:
    """``"Joyful Activation"`` → ``"joyful_activation"``; ``"track id"`` stays recognisable."""
    name = name.strip().lower()
    return name if name in _ID_COLUMNS else re.sub(r"[\s\-]+", "_", name)


def _key_column(raw: pd.DataFrame, path: Path) -> tuple[str, str]:
    if "file" in raw.columns:
        return "file", "file"
    for name in _ID_COLUMNS:
        if name in raw.columns:
            return "id", name
    raise InputError("needs a 'file' column or an 'id' column", path=str(path))


def _numbers(raw: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(raw[column].str.strip(), errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise InputError(
            f"{raw[column].iloc[bad[0]]!r} is not a number",
            path=str(path),
            row=int(bad[0]) + 1,
            column=column,
        )
    return values
