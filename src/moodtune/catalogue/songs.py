"""The default catalogue's songs: TidyTuesday's Spotify songs (2020-01-21, CC0-1.0).

28,356 unique tracks with their Spotify ids, titles, artists, albums and the 11 audio
features, stored in the package as ``tidytuesday.parquet`` (zstd) and imported, with the
built-in playable clips, into the user's new default catalogue
(:func:`moodtune.catalogue.builtin.open_catalogue`); they
play in the page through Spotify's embed player when the browser is online. The file is made
from the public table by ``python -m moodtune.catalogue.songs CSV`` (the command and the
source's sha256 are in ``tidytuesday.json``).
"""

from __future__ import annotations

import hashlib
import json
import sys
from importlib import resources
from pathlib import Path

from moodtune.data.readers import read_tracks
from moodtune.data.table import TrackTable

#: Where the shipped files live, inside the package.
DATA = "moodtune.catalogue.data"
FILE = "tidytuesday.parquet"
ABOUT = "tidytuesday.json"
SOURCE = "tidytuesday"

__all__ = ["ABOUT", "DATA", "FILE", "SOURCE", "build", "default_songs"]


def default_songs() -> TrackTable:
    """The shipped songs as a validated table (read with moodtune's own reader)."""
    with resources.as_file(resources.files(DATA) / FILE) as path:
        return read_tracks(path)


def build(csv: Path, folder: Path) -> dict[str, object]:
    """Write ``tidytuesday.parquet`` and ``tidytuesday.json`` into ``folder`` from the public
    CSV (repeats of a track merged by the reader); returns what the JSON records."""
    table = read_tracks(csv)
    columns = [c for c in ("track_id", "title", "artist", "album") if c in table.frame.columns]
    frame = table.frame[[*columns, *table.feature_names]]
    frame.to_parquet(folder / FILE, index=False, compression="zstd")
    about = {
        "source": "TidyTuesday 2020-01-21 spotify_songs.csv (rfordatascience/tidytuesday)",
        "licence": "CC0-1.0",
        "source_sha256": hashlib.sha256(csv.read_bytes()).hexdigest(),
        "tracks": len(frame),
        "notes": table.notes,
        "command": f"python -m moodtune.catalogue.songs {csv.name}",
    }
    (folder / ABOUT).write_text(json.dumps(about, indent=1) + "\n")
    return about


if __name__ == "__main__":  # pragma: no cover - run by hand to rebuild the shipped file
    print(build(Path(sys.argv[1]), Path(__file__).parent / "data"))
