"""A folder of audio files into a catalogue, playable from there.

The pipeline behind ``moodtune catalog add-audio DIR``: find the audio files, analyse them
(measured tempo, key, mode, loudness; VibeNet's estimates of the other features), keep the
analysis between runs so a second run analyses only new or changed files, leave out copies
of the same file, and import the rest into the catalogue with each file's path and which
features were measured or estimated. The emotion model classifies them on import.

Example (needs the ``audio`` and ``audio-ml`` extras and a folder of music)::

    from moodtune.pipelines import add_audio_folder

    report = add_audio_folder("catalogue.sqlite", "~/Music/calm",
                              progress=lambda done, total, what: print(done, total, what))
    print(report.summary())
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moodtune.audio.output import EmptyAnalysisError
from moodtune.errors import MoodtuneError

if TYPE_CHECKING:
    import pandas as pd

    from moodtune.audio.analysis import TrackAnalysis
    from moodtune.audio.batch import BatchResult, Failure
    from moodtune.catalogue.sqlite import Catalogue, ImportReport
    from moodtune.progress import Progress

__all__ = [
    "AudioFolderReport",
    "FolderNotAnalysedError",
    "add_audio_folder",
    "analysis_table_path",
]


#: Playlist files in a music folder (moodtune writes them there too): not reported as skipped.
_PLAYLISTS = (".m3u", ".m3u8")


class FolderNotAnalysedError(EmptyAnalysisError):
    """No audio file of the folder could be analysed; ``result.failures`` says why."""

    def __init__(self, folder: Path, result: BatchResult) -> None:
        self.result = result
        MoodtuneError.__init__(self, f"no audio file in {str(folder)!r} could be analysed")


@dataclass
class AudioFolderReport:
    """What :func:`add_audio_folder` did.

    ``imported``: the catalogue's import report (added, updated, unchanged); ``catalogue``:
    the catalogue file; ``failures``: the files that were not analysed, with the reason;
    ``copies``: ``(copy, the file kept instead)`` pairs of files with the same bytes (one
    track), left out; ``analysis_table``: where the analysis is kept between runs;
    ``estimated_by``: the model of the estimated features ("" for none); ``files``: the
    audio files of the folder analysed (now or before); ``reused``: those unchanged since an
    earlier run (by path, size and modification time), not analysed again.
    """

    folder: Path
    catalogue: Path
    imported: ImportReport
    analysis_table: Path
    estimated_by: str
    failures: list[Failure] = field(default_factory=list)
    copies: list[tuple[TrackAnalysis, TrackAnalysis]] = field(default_factory=list)
    files: int = 0
    reused: int = 0

    @property
    def analysed(self) -> int:
        """Files analysed by this run (the others were unchanged since an earlier run)."""
        return max(self.files - self.reused, 0)

    def notes(self) -> list[str]:
        """Sentences for people about what was left out (copies; failures are listed apart)."""
        if not self.copies:
            return []
        return [
            f"{len(self.copies)} file(s) are copies of others (the same bytes, so the same "
            "track), left out: "
            + "; ".join(f"{copy.path} (= {kept.path})" for copy, kept in self.copies)
        ]

    def summary(self) -> str:
        """One line: the import's counts and the catalogue file."""
        return (
            f"{self.analysed} file(s) analysed, {self.reused} unchanged; "
            f"{self.imported.summary()} → {self.catalogue}"
        )


def analysis_table_path(folder: str | Path, base: str | Path | None = None) -> Path:
    """Where the analysis of ``folder`` is kept between runs (``base`` is created).

    ``base`` defaults to ``audio-analyses`` in the user data folder
    (``platformdirs.user_data_path("moodtune")``). The name is the folder's name and a hash
    of its full path, so two folders of the same name do not share an analysis.

    Examples
    --------
    >>> import tempfile
    >>> base = Path(tempfile.mkdtemp())
    >>> path = analysis_table_path("/music/calm", base=base)
    >>> path.parent == base, path.name.startswith("calm-"), path.suffix
    (True, True, '.csv')
    >>> path == analysis_table_path("/other/calm", base=base)
    False
    """
    folder = Path(folder).resolve()
    if base is None:
        import platformdirs

        base = platformdirs.user_data_path("moodtune") / "audio-analyses"
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    key = hashlib.blake2b(str(folder).encode(), digest_size=8).hexdigest()
    return base / f"{folder.name}-{key}.csv"


def add_audio_folder(
    catalogue: Catalogue | str | Path | None,
    folder: str | Path,
    *,
    jobs: int = 1,
    analysis_table: str | Path | None = None,
    progress: Progress | None = None,
    client: Any = None,
    builtin: bool = True,
) -> AudioFolderReport:
    """Analyse the audio files in ``folder`` (recursively) and add them to ``catalogue``.

    ``catalogue``: an open :class:`~moodtune.catalogue.sqlite.Catalogue`, or the path of
    one to open and close (None: the default catalogue). ``jobs``: processes to analyse
    with. ``analysis_table``: where the analysis is kept and resumed from (default
    :func:`analysis_table_path`). ``progress`` is told ``(files done, files in all, path)``
    after each file. Needs VibeNet (the ``audio-ml`` extra): the emotion model takes
    features only VibeNet estimates. ``client``: a Dask ``distributed.Client`` whose workers
    analyse the files (they must see them at the same paths; see
    :func:`moodtune.distributed.analyse_on_cluster`) instead of ``jobs`` local processes.
    ``builtin``: fill a new catalogue opened here with the built-in clips first (False: only
    this folder's music). Files without tags get a title from their name and an artist and
    album from the ``Artist/Album/track`` folders (:mod:`moodtune.pipelines.track_names`).

    Raises :class:`MoodtuneError` when ``folder`` is not a folder,
    :class:`~moodtune.errors.MissingExtraError` without VibeNet, and
    :class:`~moodtune.audio.output.EmptyAnalysisError` (``result.failures`` says why) when no
    file could be analysed. Files that fail are listed in the report's ``failures``.
    """
    from moodtune.audio.estimate import vibenet_available
    from moodtune.audio.output import analyse_to_table
    from moodtune.errors import MissingExtraError

    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise MoodtuneError(f"{str(folder)!r} is not a folder")
    if not vibenet_available():
        raise MissingExtraError("audio-ml", "vibenet")
    table_path = Path(analysis_table) if analysis_table else analysis_table_path(folder)
    if client is None:
        result, _, _ = analyse_to_table([folder], table_path, jobs=jobs, progress=progress)
    else:
        from moodtune.distributed import analyse_on_cluster

        result, _, _ = analyse_on_cluster([folder], table_path, client, progress=progress)
    analyses, copies = _in_folder(folder, result)
    estimated = bool(result.estimated_by)
    imported, path = _import(catalogue, folder, analyses, estimated, builtin=builtin)
    return AudioFolderReport(
        folder=folder,
        catalogue=path,
        imported=imported,
        analysis_table=table_path,
        estimated_by=result.estimated_by,
        failures=[f for f in result.failures if Path(f.path).suffix.lower() not in _PLAYLISTS],
        copies=copies,
        files=len(result.analyses),
        reused=result.reused,
    )


def _in_folder(
    folder: Path, result: BatchResult
) -> tuple[list[TrackAnalysis], list[tuple[TrackAnalysis, TrackAnalysis]]]:
    """The analyses of the files now in ``folder`` (the table may hold older rows), one per
    track, and the copies left out."""
    from moodtune.audio.batch import find_audio
    from moodtune.audio.output import drop_copies

    named = {str(path) for path in find_audio([folder])[0]}
    analyses = [item for item in result.analyses if item.path in named]
    if not analyses:
        raise FolderNotAnalysedError(folder, result)
    return drop_copies(analyses)


def _import(
    catalogue: Catalogue | str | Path | None,
    folder: Path,
    analyses: list[TrackAnalysis],
    estimated: bool,
    *,
    builtin: bool = True,
) -> tuple[ImportReport, Path]:
    """Import the analyses into the catalogue (opened here when given as a path)."""
    from moodtune.audio.output import to_frame
    from moodtune.audio.provenance import feature_provenance
    from moodtune.catalogue.builtin import open_catalogue
    from moodtune.catalogue.sqlite import Catalogue
    from moodtune.data.readers import tidy

    table = tidy(_named(to_frame(analyses), folder), source=str(folder))
    path_of = {item.track_id: item.path for item in analyses}
    options = {
        "source": f"audio:{folder.resolve()}",
        "provenance": feature_provenance(estimated),
        "audio_paths": [path_of[track_id] for track_id in table.frame["track_id"]],
    }
    if isinstance(catalogue, Catalogue):
        return catalogue.import_table(table, **options), catalogue.path
    with open_catalogue(catalogue, builtin=builtin) as opened:
        return opened.import_table(table, **options), opened.path


def _named(frame: pd.DataFrame, folder: Path) -> pd.DataFrame:
    """Titles, artists and albums for the rows whose files carry no such tags."""
    from moodtune.pipelines.track_names import folder_album, folder_artist, readable_title

    frame = frame.copy()
    root = folder.resolve()
    paths = [Path(path) for path in frame["path"]]
    untitled = [str(t) == p.stem for t, p in zip(frame["title"], paths, strict=True)]
    frame["title"] = [
        readable_title(p.stem) if bare else t
        for t, p, bare in zip(frame["title"], paths, untitled, strict=True)
    ]
    for column, told in (("artist", folder_artist), ("album", folder_album)):
        frame[column] = [
            value if isinstance(value, str) and value.strip() else told(p, root)
            for value, p in zip(frame[column], paths, strict=True)
        ]
    return frame
