"""BlazeFace face detection (MediaPipe's tflite models) with anchor decoding and weighted NMS.

The models output, per anchor, 16 regression values (box centre offset, width, height, then
6 key points) and one score logit. Anchors follow MediaPipe's SSD anchor scheme with fixed
anchor size, so only their centres matter:

- short range: 128×128 input, strides 8, 16, 16, 16 → a 16×16 grid with 2 anchors per cell
  and an 8×8 grid with 6 per cell = 896 anchors;
- full range (sparse): 192×192 input, stride 4 → a 48×48 grid with 1 anchor per cell = 2304.

Boxes decode as ``centre = raw / input_size + anchor``, ``size = raw / input_size`` (in units
of the square, letterboxed input); the score is ``sigmoid(clip(logit, ±100))``. Overlapping
detections (IoU above 0.3) are merged by weighted NMS: the box is the score-weighted mean of
the cluster, the score that of its best member.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "FULL_RANGE",
    "MAX_SIDE",
    "MIN_TILE",
    "NMS_IOU",
    "SHORT_RANGE",
    "TILE_FRACTION",
    "TILE_LEVELS",
    "TILE_MAX_FACE",
    "TILE_MIN_SCORE",
    "TILE_OVERLAP",
    "BlazeFace",
    "BlazeFaceSpec",
    "FaceDetector",
    "anchor_centres",
    "decode",
    "iou",
    "tiles",
    "weighted_nms",
]


@dataclass(frozen=True)
class BlazeFaceSpec:
    """Input size, anchor layout and score threshold of one BlazeFace model."""

    size: int
    strides: tuple[int, ...]
    anchors_per_layer: int  # 2 with an interpolated scale, 1 without
    min_score: float


#: MediaPipe's own thresholds are 0.5 (short range) and 0.6 (full range). moodtune runs the
#: short-range model on tiles too, which gives more chances for false faces, and asks 0.65
#: and 0.75: on the scikit-image pictures false faces (a flag, a colour wheel, galaxies, a
#: logo) scored 0.51–0.64 and real faces 0.89–0.96 (a 30-pixel face scored 0.52 and is lost).
SHORT_RANGE = BlazeFaceSpec(size=128, strides=(8, 16, 16, 16), anchors_per_layer=2, min_score=0.65)
FULL_RANGE = BlazeFaceSpec(size=192, strides=(4,), anchors_per_layer=1, min_score=0.75)
NMS_IOU = 0.3


def anchor_centres(spec: BlazeFaceSpec) -> np.ndarray:
    """Anchor centres, shape (n, 2) as (x, y) in [0, 1], in the models' output order.

    Consecutive layers with the same stride share one grid; each cell of that grid holds
    ``anchors_per_layer`` anchors per layer, all with the same centre.
    """
    centres: list[np.ndarray] = []
    layer = 0
    while layer < len(spec.strides):
        stride = spec.strides[layer]
        same = 0
        while layer < len(spec.strides) and spec.strides[layer] == stride:
            same += 1
            layer += 1
        cells = int(np.ceil(spec.size / stride))
        grid = (np.arange(cells) + 0.5) / cells
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        cell_centres = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(cell_centres, same * spec.anchors_per_layer, axis=0))
    return np.concatenate(centres).astype(np.float32)


def decode(
    regressors: np.ndarray, logits: np.ndarray, anchors: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Raw outputs → boxes (n, 4) as (x0, y0, x1, y1) in [0, 1] of the input, and scores (n,).

    ``regressors`` has shape (n, 16), ``logits`` (n,) or (n, 1), ``anchors`` (n, 2).
    """
    raw = np.asarray(regressors, dtype=np.float32)
    centre = raw[:, :2] / size + anchors
    half = raw[:, 2:4] / size / 2.0
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    clipped = np.clip(np.asarray(logits, dtype=np.float64).reshape(-1), -100.0, 100.0)
    scores = 1.0 / (1.0 + np.exp(-clipped))
    return boxes, scores.astype(np.float32)


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one (4,) box with (n, 4) boxes, all as (x0, y0, x1, y1)."""
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def weighted_nms(
    boxes: np.ndarray, scores: np.ndarray, threshold: float = NMS_IOU
) -> tuple[np.ndarray, np.ndarray]:
    """Merge overlapping boxes: returns (k, 4) score-weighted mean boxes and (k,) top scores.

    Boxes are taken in decreasing score; each takes every remaining box whose IoU with it is
    above ``threshold`` into its cluster.
    """
    order = np.argsort(-scores)
    boxes, scores = boxes[order], scores[order]
    kept_boxes: list[np.ndarray] = []
    kept_scores: list[float] = []
    remaining = np.ones(len(scores), dtype=bool)
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        members = remaining & (iou(boxes[i], boxes) > threshold)
        members[i] = True
        weights = scores[members]
        kept_boxes.append((boxes[members] * weights[:, None]).sum(axis=0) / weights.sum())
        kept_scores.append(float(scores[i]))
        remaining &= ~members
    if not kept_boxes:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
    return np.array(kept_boxes, np.float32), np.array(kept_scores, np.float32)


class BlazeFace:
    """One BlazeFace model on the LiteRT interpreter.

    ``detect(rgb)`` takes an RGB uint8 array of shape (h, w, 3) and returns boxes (k, 4) as
    (x0, y0, x1, y1) in pixels of that array and scores (k,) in [0, 1].
    """

    def __init__(self, model: bytes, spec: BlazeFaceSpec, *, threads: int = 1) -> None:
        from moodtune.vision.native import interpreter

        self.spec = spec
        self._interpreter = interpreter(model, threads=threads)
        self._input = self._interpreter.get_input_details()[0]["index"]
        outputs = self._interpreter.get_output_details()
        # The regressors are the (1, n, 16) output, the scores the (1, n, 1) one.
        outputs = sorted(outputs, key=lambda d: -int(d["shape"][-1]))
        self._regressors, self._scores = outputs[0]["index"], outputs[1]["index"]
        self._anchors = anchor_centres(spec)
        if int(outputs[0]["shape"][1]) != len(self._anchors):
            raise ValueError(
                f"the model has {outputs[0]['shape'][1]} anchors, expected {len(self._anchors)}"
            )

    def letterbox(self, rgb: np.ndarray) -> tuple[np.ndarray, float, float, float]:
        """Resize keeping the aspect ratio and pad to the square input, scaled to [-1, 1].

        Returns the (1, size, size, 3) float32 tensor, the side of the padded square in source
        pixels, and the source offsets (x, y) of the square's corner.
        """
        from PIL import Image

        height, width = rgb.shape[:2]
        side = float(max(width, height))
        scale = self.spec.size / side
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        resized = np.asarray(
            Image.fromarray(rgb).resize((new_w, new_h), Image.Resampling.BILINEAR),
            dtype=np.float32,
        )
        canvas = np.full((self.spec.size, self.spec.size, 3), -1.0, np.float32)
        top, left = (self.spec.size - new_h) // 2, (self.spec.size - new_w) // 2
        canvas[top : top + new_h, left : left + new_w] = resized / 127.5 - 1.0
        return canvas[None], side, left / scale, top / scale

    def detect(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tensor, side, offset_x, offset_y = self.letterbox(rgb)
        self._interpreter.set_tensor(self._input, tensor)
        self._interpreter.invoke()
        regressors = self._interpreter.get_tensor(self._regressors)[0]
        logits = self._interpreter.get_tensor(self._scores)[0]
        boxes, scores = decode(regressors, logits, self._anchors, self.spec.size)
        keep = scores >= self.spec.min_score
        boxes, scores = weighted_nms(boxes[keep], scores[keep])
        boxes = boxes * side - np.array([offset_x, offset_y, offset_x, offset_y], np.float32)
        height, width = rgb.shape[:2]
        boxes = np.clip(boxes, 0, [width, height, width, height]).astype(np.float32)
        return boxes, scores


#: Tiles are squares of this fraction of the image's shorter side, overlapping by a quarter.
TILE_FRACTION = 0.6
TILE_OVERLAP = 0.25
#: Pictures are searched at most this many pixels on their longer side.
MAX_SIDE = 1024
#: Smallest tile side in pixels (smaller tiles would only upscale the picture).
MIN_TILE = 256
#: At most this many levels of tiles (each 0.6 × the side of the one before).
TILE_LEVELS = 2
#: Tile detections must score this much (false faces in tiles scored up to 0.68 on the
#: scikit-image pictures, galaxies of the Hubble deep field; real small faces 0.93–0.96).
TILE_MIN_SCORE = 0.75
#: Largest face kept from a tile, as a fraction of the tile's side.
TILE_MAX_FACE = 0.5


def tiles(width: int, height: int, fraction: float = TILE_FRACTION) -> list[tuple[int, int, int]]:
    """Overlapping square windows (x, y, side) covering a width × height image, in levels.

    Level k has sides ``fraction``**k × the shorter side (k = 1 … :data:`TILE_LEVELS`) while
    the side stays at least :data:`MIN_TILE` px; consecutive windows overlap by
    :data:`TILE_OVERLAP` of the side and the last one is aligned to the edge. A small image
    gives no windows.
    """
    windows: list[tuple[int, int, int]] = []
    side = int(min(width, height) * fraction)
    for _ in range(TILE_LEVELS):
        if side < MIN_TILE:
            break
        step = max(1, int(side * (1 - TILE_OVERLAP)))

        def starts(length: int, side: int = side, step: int = step) -> list[int]:
            positions = list(range(0, length - side + 1, step))
            if positions[-1] + side < length:
                positions.append(length - side)
            return positions

        windows += [(x, y, side) for y in starts(height) for x in starts(width)]
        side = int(side * fraction)
    return windows


class FaceDetector:
    """Faces of many sizes: BlazeFace short range on the whole image and on overlapping tiles
    (two levels, see :func:`tiles`, so that faces small in a large picture are seen at the
    size the model expects), merged by weighted NMS; the full-range model when that finds
    nothing. Pictures larger than :data:`MAX_SIDE` are searched on a smaller copy.

    ``detect(rgb)``: (h, w, 3) uint8 → boxes (k, 4) as (x0, y0, x1, y1) pixels, scores (k,).
    """

    def __init__(self, short: BlazeFace, full: BlazeFace) -> None:
        self.short = short
        self.full = full

    def detect(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        height, width = rgb.shape[:2]
        scale = MAX_SIDE / max(height, width)
        if scale < 1:  # search a smaller copy; boxes are scaled back to the full picture
            from PIL import Image

            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR))
            boxes, scores = self._detect(small)
            return boxes / np.float32(scale), scores
        return self._detect(rgb)

    def _detect(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        height, width = rgb.shape[:2]
        found_boxes, found_scores = [], []
        boxes, scores = self.short.detect(rgb)
        found_boxes.append(boxes)
        found_scores.append(scores)
        for x, y, side in tiles(width, height):
            boxes, scores = self.short.detect(rgb[y : y + side, x : x + side])
            keep = self._plausible_in_tile(boxes, side, x, y, width, height)
            keep &= scores >= TILE_MIN_SCORE
            found_boxes.append(boxes[keep] + np.array([x, y, x, y], np.float32))
            found_scores.append(scores[keep])
        boxes, scores = np.concatenate(found_boxes), np.concatenate(found_scores)
        if len(boxes):
            return weighted_nms(boxes, scores)
        return self.full.detect(rgb)

    @staticmethod
    def _plausible_in_tile(
        boxes: np.ndarray, side: int, x: int, y: int, width: int, height: int
    ) -> np.ndarray:
        """Which tile detections to keep, (k,) bool; ``boxes`` in tile pixels.

        Tiles are there for small faces: a box over :data:`TILE_MAX_FACE` of the tile would
        be seen by the whole-image pass (on the test pictures such boxes were hands and flags),
        and a box touching a tile edge inside the image is a cut face, seen whole elsewhere.
        """
        large = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) > (
            TILE_MAX_FACE * side
        )
        margin = 2.0
        cut = (
            ((boxes[:, 0] <= margin) & (x > 0))
            | ((boxes[:, 1] <= margin) & (y > 0))
            | ((boxes[:, 2] >= side - margin) & (x + side < width))
            | ((boxes[:, 3] >= side - margin) & (y + side < height))
        )
        return ~large & ~cut
