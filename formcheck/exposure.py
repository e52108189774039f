"""Dark video: the picture the pose model reads is lifted out of the dark.

Why: gyms are dim, and a phone filming a lifter under one ceiling light exposes for the light.
The pose model then loses the lifter's hips and knees in the shadows: a dark deadlift is
counted 0 or 2 times for its 1 rep, a pull-up set is missed (benchmarks/RESULTS.md, "Dark
video"). A gamma curve raises the shadows without clipping the highlights, so the model reads
the body that is there; only frames darker than :data:`DARK_TARGET` are touched, so a
well-lit video is read exactly as filmed. The picture the user sees (annotated video, live
view) and the picture's own measures (edit cuts, camera motion) are the frame as filmed. A
lifter dark against a bright window is not helped: the frame's mean is not dark.

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
"""Mean grey level, as a share of white, below which a frame is brightened for the pose model
(its curve takes that mean to this level: a uniform frame lands on it, a real one's mean a
little below, the curve being concave). Labelled clips read 12-26 (of 255) where the model lost
the lifter: BichraiX deadlifts, a Sebitzu pull-up set; most clips read 45-210. At this level
brightening is continuous with leaving a frame as it is (gamma 1 at the target), so a video
whose light hovers near it is not read as two pictures. formcheck choice, made before a sweep
over the 50 labelled clips with frames below 0.4 of white confirmed it (counts exact: none 39,
0.16 and 0.2 41, 0.25 43, 0.4 42; benchmarks/RESULTS.md, "Dark video")."""

MAX_GAIN = 4.0
"""About the most a frame's mean grey level is multiplied by (the curve is chosen for the mean
rounded to a grey level): a frame near black (a fade, a covered lens) holds mostly noise, and a
curve steep enough to lift it to :data:`DARK_TARGET` would make a figure of it. Below a quarter
of the target the curve aims at this many times the mean, so the brightening fades out towards
black rather than stopping at a threshold."""

STRIDE = 8
"""Every this many rows and columns are averaged for a frame's brightness: 1/64 of a 720p
frame's pixels, within a grey level of all of them, in 0.04 ms."""


def for_model(image: np.ndarray) -> np.ndarray:
    """The uint8 frame as the pose model should read it: the same array when it is lit well
    enough (or black, or not a picture this knows how to brighten), else a brightened copy
    (:data:`DARK_TARGET`, :data:`MAX_GAIN`)."""
    if image.dtype != np.uint8 or not image.size:
        return image
    mean = float(image[::STRIDE, ::STRIDE].mean())
    level = round(mean)
    if not 0 < level < DARK_TARGET * 255:
        return image
    return cv2.LUT(image, _curve(level))


@cache
def _curve(mean: int) -> np.ndarray:
    """Lookup table of the gamma curve that takes a uniform frame of grey level ``mean`` to
    ``aim``, the lower of ``DARK_TARGET * 255`` and ``MAX_GAIN * mean``:
    ``255 * (mean / 255) ** gamma == aim``."""
    aim = min(DARK_TARGET * 255, MAX_GAIN * mean)
    gamma = np.log(aim / 255) / np.log(mean / 255)
    levels = np.arange(256) / 255
    curve = np.round(255 * levels**gamma).astype(np.uint8)
    curve.setflags(write=False)
    return curve
