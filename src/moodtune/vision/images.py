"""Reading a user's image safely: size limits before decoding, EXIF orientation, first frame.

Nothing is written to disk: an image is read from bytes or a path into memory only.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moodtune.errors import MoodtuneError

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "MAX_PIXELS",
    "ImageError",
    "LoadedImage",
    "load_image",
]

#: The largest image file accepted, in bytes (20 MB).
MAX_BYTES = 20 * 1024 * 1024
#: The largest image accepted, in pixels (40 megapixels), checked before decoding.
MAX_PIXELS = 40_000_000
#: Formats read (Pillow names); anything else is refused before decoding.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")


class ImageError(MoodtuneError):
    """An image that cannot be read: not an image, truncated, too large or too many pixels."""


@dataclass
class LoadedImage:
    """An RGB image (Pillow, EXIF orientation applied) and what was done to read it.

    ``size`` is the picture's (width, height) after EXIF orientation; ``image`` may have been
    decoded smaller (a large JPEG, see ``min_side`` of :func:`load_image`): ``scale`` is the
    picture's pixels per pixel of ``image`` (1.0 when decoded at full size).
    """

    image: object  # PIL.Image.Image (typed loosely to keep this module's import light)
    format: str
    notes: list[str] = field(default_factory=list)
    size: tuple[int, int] = (0, 0)
    scale: float = 1.0


def _read_bytes(image: bytes | str | Path, name: str) -> bytes:
    if isinstance(image, bytes | bytearray | memoryview):
        data = bytes(image)
        if len(data) > MAX_BYTES:
            raise ImageError(f"{name}: {len(data) / 1e6:.1f} MB is over the 20 MB limit")
        return data
    path = Path(image)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImageError(f"{path}: file not found") from None
    except OSError as error:
        raise ImageError(f"{path}: cannot be read ({error.strerror or error})") from None
    if not path.is_file():
        raise ImageError(f"{path}: not a file")
    if size > MAX_BYTES:
        raise ImageError(f"{path}: {size / 1e6:.1f} MB is over the 20 MB limit")
    with open(path, "rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:  # the file grew while we read it
        raise ImageError(f"{path}: over the 20 MB limit")
    return data


def load_image(
    image: bytes | str | Path, *, name: str | None = None, min_side: int | None = None
) -> LoadedImage:
    """Decode ``image`` (bytes or a path) into an RGB Pillow image with EXIF orientation.

    With ``min_side``, a JPEG more than twice that size on its longer side is decoded at a
    reduced scale (JPEG's own 1/2, 1/4, 1/8 decoding, much faster) that keeps its longer side
    at least ``min_side`` pixels; ``LoadedImage.scale`` tells by how much.

    Raises :class:`ImageError` for: more than 20 MB, not an image (or a format other than
    JPEG, PNG, WebP, GIF, BMP, TIFF), more than 40 megapixels (checked from the header,
    before decoding), a truncated or corrupt file. An animated image gives its first frame,
    with a note.
    """
    from PIL import Image

    label = name or (str(image) if isinstance(image, str | Path) else "the image")
    data = _read_bytes(image, label)
    if not data:
        raise ImageError(f"{label}: empty file, not an image")
    notes: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        picture = _open(data, label)
        width, height = picture.size
        if width * height > MAX_PIXELS:
            raise ImageError(
                f"{label}: {width}×{height} is {width * height / 1e6:.1f} megapixels, over the "
                f"{MAX_PIXELS // 1_000_000} megapixel limit"
            )
        if width < 1 or height < 1:
            raise ImageError(f"{label}: the image is empty ({width}×{height})")
        rgb, decoded = _decode(picture, label, min_side, notes)
    swapped = rgb.size != decoded
    size = (height, width) if swapped else (width, height)
    if swapped:
        notes.append(f"rotated by its EXIF orientation to {size[0]}×{size[1]}")
    scale = width / decoded[0]
    return LoadedImage(rgb, picture.format or "unknown", notes, size, scale)


def _too_many_pixels(label: str) -> ImageError:
    return ImageError(
        f"{label}: too many pixels (over the {MAX_PIXELS // 1_000_000} megapixel limit)"
    )


def _open(data: bytes, label: str) -> Any:
    """The image's header, read (nothing decoded yet): a Pillow image of a FORMATS format."""
    from PIL import Image, UnidentifiedImageError

    try:
        return Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError:
        raise ImageError(
            f"{label}: not an image moodtune can read (expected JPEG, PNG, WebP, GIF, BMP or TIFF)"
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(label) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageError(f"{label}: corrupt or truncated image ({error})") from None


def _decode(
    picture: Any, label: str, min_side: int | None, notes: list[str]
) -> tuple[Any, tuple[int, int]]:
    """Decode the first frame (a large JPEG at a reduced scale when ``min_side`` allows),
    apply the EXIF orientation, convert to RGB. Returns the RGB image and the decoded size
    before orientation."""
    from PIL import Image, ImageOps

    width, height = picture.size
    try:
        frames = getattr(picture, "n_frames", 1)
        if frames > 1:
            picture.seek(0)
            notes.append(f"animated image with {frames} frames: read the first frame")
        if min_side and picture.format == "JPEG" and max(width, height) > 2 * min_side:
            ratio = min_side / max(width, height)
            picture.draft("RGB", (max(1, int(width * ratio)), max(1, int(height * ratio))))
        decoded = picture.size
        picture.load()
        oriented = ImageOps.exif_transpose(picture)
        rgb = oriented.convert("RGB") if oriented.mode != "RGB" else oriented
        rgb.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(label) from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageError(f"{label}: corrupt or truncated image ({error})") from None
    except Exception as error:  # a decoder or EXIF parser tripping on crafted input
        raise ImageError(
            f"{label}: the image could not be decoded ({type(error).__name__}: {error})"
        ) from None
    return rgb, decoded
