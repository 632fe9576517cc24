"""A scene's emotion from its colours: pleasure and arousal (Valdez & Mehrabian 1994).

Valdez & Mehrabian (1994), "Effects of color on emotions", J. Exp. Psychology: General 123,
report regressions of pleasure and arousal on a colour's brightness (Y) and saturation (S):

    pleasure = 0.69 Y + 0.22 S        arousal = -0.31 Y + 0.60 S

moodtune applies them to the image's mean HSV value (Y) and mean HSV saturation (S), both in
[0, 1], as is usual in affective image analysis (e.g. Machajdik & Hanbury 2010). Over
Y, S ∈ [0, 1] pleasure spans [0, 0.91] and arousal [-0.31, 0.60], both 0.91 wide; each is
rescaled linearly to [-1, 1] so the middle of its range is 0:

    valence = (pleasure - 0.455) / 0.455      arousal' = (arousal - 0.145) / 0.455

The point (valence, arousal') is compared with each emotion's point of
:data:`moodtune.emotions.CIRCUMPLEX`: the distribution is ``softmax(-d² / T)`` over the
squared distances d² with temperature ``T = 0.25``, so an emotion 0.5 farther away than
another gets about e⁻¹ of its weight. This is an estimate from colour alone, always marked
low confidence. Colourfulness (Hasler & Süsstrunk 2003) is reported, not used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from moodtune.emotions import coordinates

__all__ = [
    "AROUSAL",
    "PLEASURE",
    "STAT_SIDE",
    "TEMPERATURE",
    "SceneColour",
    "colour_statistics",
    "scene_distribution",
    "shrink_for_statistics",
]

PLEASURE = (0.69, 0.22)  # weights of Y, S
AROUSAL = (-0.31, 0.60)
TEMPERATURE = 0.25
#: Largest side the colour statistics are computed on (they barely change with resolution).
STAT_SIDE = 256


@dataclass(frozen=True)
class SceneColour:
    """Colour statistics of an image and the pleasure/arousal they give.

    ``brightness`` and ``saturation`` are mean HSV V and S in [0, 1]; ``colourfulness`` is
    Hasler & Süsstrunk's M (0 = gray, about 109 = extremely colourful); ``pleasure`` and
    ``arousal`` are Valdez & Mehrabian's values; ``valence`` and ``arousal_scaled`` are those
    rescaled to [-1, 1].
    """

    brightness: float
    saturation: float
    colourfulness: float
    pleasure: float
    arousal: float
    valence: float
    arousal_scaled: float


def colour_statistics(rgb: np.ndarray) -> SceneColour:
    """Statistics of an RGB uint8 array of shape (h, w, 3)."""
    pixels = np.asarray(rgb, dtype=np.float64).reshape(-1, 3) / 255.0
    high = pixels.max(axis=1)
    low = pixels.min(axis=1)
    value = high
    saturation = np.where(high > 0, (high - low) / np.maximum(high, 1e-12), 0.0)
    y, s = float(value.mean()), float(saturation.mean())
    rg = (pixels[:, 0] - pixels[:, 1]) * 255.0
    yb = (0.5 * (pixels[:, 0] + pixels[:, 1]) - pixels[:, 2]) * 255.0
    colourfulness = float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))
    pleasure = PLEASURE[0] * y + PLEASURE[1] * s
    arousal = AROUSAL[0] * y + AROUSAL[1] * s
    p_low, p_high = 0.0, PLEASURE[0] + PLEASURE[1]
    a_low, a_high = AROUSAL[0], AROUSAL[1]
    valence = (pleasure - (p_low + p_high) / 2) / ((p_high - p_low) / 2)
    arousal_scaled = (arousal - (a_low + a_high) / 2) / ((a_high - a_low) / 2)
    return SceneColour(y, s, colourfulness, pleasure, arousal, valence, arousal_scaled)


def scene_distribution(colour: SceneColour, temperature: float = TEMPERATURE) -> np.ndarray:
    """(7,) distribution over EMOTIONS: softmax of minus squared distance / temperature."""
    point = np.array([colour.valence, colour.arousal_scaled])
    squared = ((coordinates() - point) ** 2).sum(axis=1)
    logits = -squared / temperature
    weights = np.exp(logits - logits.max())
    return weights / weights.sum()


def shrink_for_statistics(image: object) -> np.ndarray:
    """A Pillow RGB image → uint8 array of at most :data:`STAT_SIDE` pixels a side."""
    from PIL import Image

    picture: Image.Image = image  # type: ignore[assignment]
    if max(picture.size) > STAT_SIDE:
        picture = picture.copy()
        picture.thumbnail((STAT_SIDE, STAT_SIDE), Image.Resampling.BILINEAR)
    return np.asarray(picture, dtype=np.uint8)
