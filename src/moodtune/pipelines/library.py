"""Your own music library: its catalogue, and playlists written into the library folder.

``moodtune library add ~/Music`` analyses a folder into a catalogue of its own
(:func:`library_catalogue_path`, through :func:`moodtune.pipelines.audio_folder.add_audio_folder`);
``moodtune library playlist ~/Music --emotion calm`` recommends from it and writes an M3U8
playlist **into the folder**, each track by its path relative to the playlist, so media
servers that read playlists from the music folder (Navidrome, Jellyfin) and any player that
opens the file find the tracks, wherever the folder is mounted.

Example (after ``add_audio_folder(library_catalogue_path(folder), folder, builtin=False)``)::

    from moodtune.pipelines.library import write_library_playlist
    from moodtune.recommend.target import resolve_target

    written = write_library_playlist("~/Music", resolve_target(emotion="calm"), k=20)
    print(written.path, len(written.entries))
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from moodtune.errors import MoodtuneError
from moodtune.recommend.modes import DEFAULT_MODE, K_DEFAULT

if TYPE_CHECKING:
    from moodtune.playlists import PlaylistEntry
    from moodtune.recommend.target import ResolvedTarget

__all__ = [
    "LibraryPlaylist",
    "library_catalogue_path",
    "playlist_name",
    "relative_entries",
    "write_library_playlist",
]


def library_catalogue_path(folder: str | Path, base: str | Path | None = None) -> Path:
    """The catalogue of the music library ``folder`` (``base`` is created).

    ``base`` defaults to ``libraries`` in the user data folder
    (``platformdirs.user_data_path("moodtune")``); the name is the folder's name and a hash
    of its full path, so two libraries of the same name keep apart.

    Examples
    --------
    >>> import tempfile
    >>> base = Path(tempfile.mkdtemp())
    >>> path = library_catalogue_path("/music", base=base)
    >>> path.parent == base, path.name.startswith("music-"), path.suffix
    (True, True, '.sqlite')
    """
    folder = Path(folder).expanduser().resolve()
    if base is None:
        import platformdirs

        base = platformdirs.user_data_path("moodtune") / "libraries"
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    key = hashlib.blake2b(str(folder).encode(), digest_size=8).hexdigest()
    return base / f"{folder.name or 'root'}-{key}.sqlite"


def playlist_name(about: str, mode: str) -> str:
    """The playlist's file name: ``moodtune <about> (<mode>).m3u8``, safe on every system.

    Examples
    --------
    >>> playlist_name("calm", "match")
    'moodtune calm (match).m3u8'
    >>> playlist_name("../happy/x", "uplift")
    'moodtune happy x (uplift).m3u8'
    """
    words = re.sub(r"[^\w\- ]+", " ", about).split()
    return f"moodtune {' '.join(words) or 'mix'} ({mode}).m3u8"


def relative_entries(
    entries: list[PlaylistEntry], folder: Path
) -> tuple[list[PlaylistEntry], list[PlaylistEntry]]:
    """The entries whose audio file is inside ``folder``, each located by its path relative
    to it (with ``/``, as M3U players expect), and the entries left out (no local file in
    the folder). A file is listed once (an earlier version of a changed file is another
    track of the catalogue at the same path)."""
    inside, outside, seen = [], [], set()
    for entry in entries:
        local = entry.local_path
        try:
            relative = local.relative_to(folder) if local is not None else None
        except ValueError:
            relative = None
        if relative is None or not local.is_file():
            outside.append(entry)
        elif relative not in seen:
            seen.add(relative)
            inside.append(dataclasses.replace(entry, location=relative.as_posix()))
    return inside, outside


@dataclass
class LibraryPlaylist:
    """What :func:`write_library_playlist` wrote: the file, its entries (relative paths),
    the recommended tracks left out (not a file inside the library) and the line that sums
    up the recommendations."""

    path: Path
    entries: list[PlaylistEntry]
    left_out: list[PlaylistEntry]
    summary: str


def write_library_playlist(
    folder: str | Path,
    target: ResolvedTarget,
    *,
    catalogue: str | Path | None = None,
    k: int = K_DEFAULT,
    mode: str = DEFAULT_MODE,
    seed: int | None = None,
    artist_cap: int | None = 2,
    name: str | None = None,
    about: str | None = None,
) -> LibraryPlaylist:
    """Recommend ``k`` tracks for ``target`` in ``mode`` from the library's catalogue and
    write them as an M3U8 playlist into ``folder``.

    ``catalogue``: the catalogue file (default: :func:`library_catalogue_path`; it must
    exist, made by ``moodtune library add``). Only tracks whose audio file is inside
    ``folder`` go in, by relative path. ``name``: the playlist's file name (default
    :func:`playlist_name` of ``about``, the words the person used, e.g. "calm", else the
    target's top emotion); a plain name ending in ``.m3u8``, written atomically.

    Raises :class:`MoodtuneError` when the folder or the catalogue is missing, the name is
    not a plain ``.m3u8`` file name, or no recommended track is a file of the library.
    """
    from moodtune.catalogue.builtin import open_catalogue
    from moodtune.playlists import entries_from, write_playlist
    from moodtune.recommend.answer import recommend_for
    from moodtune.recommend.recommender import MusicRecommender

    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise MoodtuneError(f"{str(folder)!r} is not a folder")
    about = about or target.top
    file_name = _checked_name(name) if name else playlist_name(about, mode)
    path = Path(catalogue).expanduser() if catalogue else library_catalogue_path(root)
    if not path.is_file():
        raise MoodtuneError(
            f"no catalogue of {str(folder)!r} at {str(path)!r}: run 'moodtune library add "
            f"{folder}' first"
        )
    with open_catalogue(path, builtin=False) as opened:
        recommender = MusicRecommender(opened, artist_cap=artist_cap, seed=seed)
        answer = recommend_for(recommender, target, k=k, mode=mode)
        entries = entries_from(answer.recommendations, opened.audio_path)
    inside, outside = relative_entries(entries, root)
    if not inside:
        raise MoodtuneError(
            f"none of the {len(entries)} recommended tracks is an audio file in {str(root)!r}: "
            "add the folder with 'moodtune library add' first"
        )
    title = f"moodtune: {mode} for {about}"
    written = write_playlist(inside, root / file_name, title=title)
    return LibraryPlaylist(written, inside, outside, answer.summary)


def _checked_name(name: str) -> str:
    """A playlist file name given by the user: a plain name (no folder) ending in .m3u8."""
    if Path(name).name != name or name in (".", "..") or not name.lower().endswith(".m3u8"):
        raise MoodtuneError(
            f"--name {name!r}: give a plain file name ending in .m3u8 (it is written into "
            "the library folder)"
        )
    return name
