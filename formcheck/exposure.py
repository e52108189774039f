"""Dark video: the picture the pose model reads is lifted out of the dark.

Why: gyms are dim, and a phone filming a lifter against a bright window or under one ceiling
light exposes for the light. The pose model then loses the lifter's hips and knees in the
shadows: a dark deadlift is counted 0 or 2 times for its 1 rep, a pull-up set lit from
above is missed (benchmarks/RESULTS.md, "Dark video"). A gamma curve raises the shadows
without clipping the highlights, so the model reads the body that is there; only frames
darker than :data:`DARK_TARGET` are touched, so a well-lit video is read exactly as filmed.
The picture the user sees (annotated video, live view) and the picture's own measures (edit
cuts, camera motion) are the frame as filmed.

Example:
    >>> dim = np.full((720, 1280, 3), 20, dtype=np.uint8)
    >>> int(for_model(dim).mean()) == round(DARK_TARGET * 255)
    True
    >>> lit = np.full((720, 1280, 3), 120, dtype=np.uint8)
    >>> for_model(lit) is lit
    True
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np

DARK_TARGET = 0.25
"""Mean grey level, as a share of white, below which a frame is brightened (to this level) for
the pose model. Labelled clips read 12-26 (of 255) where the model lost the lifter: four
BichraiX deadlifts, a Sebitzu pull-up set; most clips read 45-130. At this level a frame's
brightening is continuous with leaving it as it is (gamma 1 at the target), so a video whose
light hovers near it does not flicker between two pictures. formcheck choice, measured on
every labelled clip (benchmarks/RESULTS.md, "Dark video"): 0.4 counted the same clips right."""

BLACK = 4.0
"""Mean grey level (of 255) at or below which a frame is left as it is: a fade to black or a
covered lens holds nothing to find, and a curve steep enough to lift it would make a figure
of its noise."""

STRIDE = 8
"""Every this many rows and columns are averaged for a frame's brightness: 1/64 of a 720p
frame's pixels, a mean within a grey level of all of them, at ~0.05 ms."""


def for_model(image: np.ndarray) -> np.ndarray:
    """The (H, W, 3) uint8 frame as the pose model should read it: the same array when it is
    lit well enough (or black), else a brightened copy (:data:`DARK_TARGET`)."""
    mean = float(image[::STRIDE, ::STRIDE].mean())
    if not BLACK < mean < DARK_TARGET * 255:
        return image
    return cv2.LUT(image, _curve(round(mean)))


@cache
def _curve(mean: int) -> np.ndarray:
    """Lookup table of the gamma curve that takes a mean grey level of ``mean`` to the target:
    (mean/255) ** gamma = DARK_TARGET."""
    gamma = np.log(DARK_TARGET) / np.log(mean / 255)
    levels = np.arange(256) / 255
    return np.round(255 * levels**gamma).astype(np.uint8)
