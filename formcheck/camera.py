"""Camera motion: when the camera panned, tilted or shook, and how far the picture moved.

Why: reps are cut from the lifter's own joint angles, which a moving camera leaves as they are,
so a camera that pans or shakes changes no count by itself. What it does change: a lifter the
camera swings away from is not seen at the turn of a rep, and whether that rep was made cannot
be seen (:func:`formcheck.counting.in_sight`); a lift read from positions in the picture (the
box jump's feet) reads the camera's motion as the lifter's; and a user should know that a
verdict was reached through a moving picture. The pose stage follows points of the picture
outside the lifter from each frame to the next (:func:`camera_shift`, kept in the track);
:func:`camera_moves` finds the spans where they moved.

Example:
    >>> rng = np.random.default_rng(0)
    >>> scene = rng.integers(0, 256, (90, 160, 3), dtype=np.uint8).repeat(8, 0).repeat(8, 1)
    >>> before, after = scene[:, 40:1240], scene[:, 72:1272]  # the camera turned 32 px right
    >>> shift = camera_shift(thumbnail(before), thumbnail(after), None)
    >>> np.round(shift * before.shape[1]).tolist()  # the picture moved 32 px left, in pixels
    [-32.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

THUMB_WIDTH = 160
"""Width in pixels of the grey picture points are followed in (its height keeps the frame's
shape): one pixel is 8 of a 720p frame, finer than the smallest move worth telling
(:data:`MOVE_MIN`), and making it and following 100 points in it costs 0.35-0.65 ms of CPU a
frame, 2-5 % of the full model's (benchmarks/RESULTS.md, "A moving camera"). It is the mean of
2 x 2 samples of the frame, not of every pixel: averaging every pixel of a 720p frame took
~1 ms."""

MAX_POINTS = 100
"""Corners followed from one frame to the next: enough that the lifter's weights or a person
walking by, should they fall outside the lifter's box, stay a minority the median ignores."""

MIN_POINTS = 8
"""Fewest corners followed for a frame's shift to be known: a plain wall, a dark gym or a lifter
filling the picture leaves too few, and the shift is then unknown (NaN), not zero."""

STILL_SHARE = 1 / 3
"""Share of the points followed that, standing still (under a quarter of a thumbnail pixel)
while their median moves, makes the step unknown: a camera moves every point of the picture
(but a caption or a logo drawn over it), where a weight beside the lifter, a person walking by
or a door moves a cluster of them and leaves the rest. Measured on the clips labelled by eye
(benchmarks/RESULTS.md): a deadlift's plate below the lifter's box, filmed close from the
front, moved the median of a mostly dark picture on 4 of 39 still cameras without it, none
with it, the moving cameras found the same."""

STILL_STEP = 0.25
"""Largest step of a point, in thumbnail pixels (2 of a 720p frame), that is standing still."""

LIFTER_MARGIN = 0.25
"""Share of the lifter's box (from the landmarks) added on each side before points are looked
for outside it: the bar's plates, a bell or a bench move with the lifter and reach past the
joints."""

MOVE_WINDOW_S = 0.5
"""Seconds over which the picture's travel is summed to tell a moving camera: long enough that
a pan of a few pixels a frame adds up, short enough to say when it happened."""

MOVE_MIN = 0.01
"""Least travel of the picture over :data:`MOVE_WINDOW_S`, as a share of the frame's width, for
the camera to be moving: 13 px of a 720p frame in half a second. A camera on a tripod or a
propped phone reads under 0.002 (compression noise); a hand holding a phone steady drifts
~0.005; a pan that follows a lifter moves 0.02-0.1. formcheck choice, measured against labels
by eye in benchmarks/RESULTS.md."""

MOVE_REPORTED = 0.03
"""Least displacement of the picture within a span of motion (the farthest it went from where
it was when the span began, a share of the frame's width) for the span to be reported: a
hand's wobble that comes back where it started is not worth a warning."""

MERGE_S = 0.5
"""Spans of motion closer than this are one: a pan that slows for a moment has not stopped."""

STEP_SHARE = 0.25
"""A span of motion begins at its first step of at least this share of the span's mean step
and ends at its last: where the camera began and stopped moving, not where the window around
a frame first reached the motion (half a window before it)."""

MIN_STEPS = 3
"""Fewest such steps in a span: a jump of the picture in one or two frames is an edit the cut
finder missed (a first frame left from the shot before, two takes of one camera joined), or
the points' glitch, as often as a knock of the camera."""

MAX_GAP_S = 0.1
"""Longest time between two frames whose shift is believed (as :data:`formcheck.shots.
CUT_MAX_GAP_S`): across a longer gap the points may have moved too far to be followed."""


@dataclass(frozen=True)
class CameraMove:
    """A span in which the camera moved: from ``start_s`` to ``end_s``, and ``size``, the
    farthest the picture went from where it was at ``start_s`` (a share of the frame's width)."""

    start_s: float
    end_s: float
    size: float


def thumbnail(image: np.ndarray) -> np.ndarray:
    """A small grey copy of an RGB frame (:data:`THUMB_WIDTH` wide) for :func:`camera_shift`."""
    height, width = image.shape[:2]
    small = max(2, round(THUMB_WIDTH * height / width))
    sampled = cv2.resize(image, (2 * THUMB_WIDTH, 2 * small), interpolation=cv2.INTER_NEAREST)
    grey = cv2.cvtColor(sampled, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (THUMB_WIDTH, small), interpolation=cv2.INTER_AREA)


def lifter_box(landmarks: np.ndarray) -> np.ndarray | None:
    """(x0, y0, x1, y1) of the lifter in normalised image coordinates, widened by
    :data:`LIFTER_MARGIN` and clipped to the picture, from one frame's (33, 2+) landmarks;
    None when the lifter is not in it."""
    points = landmarks[:, :2]
    points = points[np.isfinite(points).all(axis=1)]
    if not len(points):
        return None
    low, high = points.min(axis=0), points.max(axis=0)
    margin = LIFTER_MARGIN * (high - low)
    return np.clip(np.concatenate([low - margin, high + margin]), 0.0, 1.0)


def camera_shift(previous: np.ndarray, current: np.ndarray, lifter: np.ndarray | None
                 ) -> np.ndarray:
    """How far the picture outside the lifter moved from one :func:`thumbnail` to the next:
    (dx, dy) as shares of the frame's width (both, so that a distance is the same whichever
    way it points), the median over :data:`MAX_POINTS` corners followed (Lucas-Kanade);
    NaN when fewer than :data:`MIN_POINTS` could be followed, or when :data:`STILL_SHARE` of
    them stood still while the median moved (something moved in a still picture). ``lifter``:
    the current frame's :func:`lifter_box`, where no point is taken (None: the lifter is not
    in the picture)."""
    unknown = np.full(2, np.nan)
    if previous.shape != current.shape:
        return unknown
    height, width = previous.shape
    mask = np.full(previous.shape, 255, dtype=np.uint8)
    if lifter is not None:
        x0, y0, x1, y1 = lifter
        mask[int(y0 * height):int(np.ceil(y1 * height)),
             int(x0 * width):int(np.ceil(x1 * width))] = 0
    corners = cv2.goodFeaturesToTrack(previous, MAX_POINTS, 0.01, 4, mask=mask)
    if corners is None or len(corners) < MIN_POINTS:
        return unknown
    moved, found, _ = cv2.calcOpticalFlowPyrLK(previous, current, corners, None,
                                               winSize=(9, 9), maxLevel=3)
    steps = (moved - corners).reshape(-1, 2)[found.ravel() == 1]
    if len(steps) < MIN_POINTS:
        return unknown
    median = np.median(steps, axis=0).astype(np.float64)
    still = np.hypot(*steps.T) < STILL_STEP
    if np.hypot(*median) >= STILL_STEP and still.mean() >= STILL_SHARE:
        return unknown
    return median / width


def camera_moves(times: np.ndarray, shift: np.ndarray, cuts: Sequence[float] = ()
                 ) -> list[CameraMove]:
    """The spans in which the camera moved, from each frame's :func:`camera_shift` (NaN where
    unknown: a track made before formcheck measured it shows none) and its times; ``cuts``:
    the first frames of new shots in an edited video, across which nothing was followed.

    A frame is moving where the picture travelled at least :data:`MOVE_MIN` over the
    :data:`MOVE_WINDOW_S` around it; moving frames closer than :data:`MERGE_S` make one span,
    from its first step of at least :data:`STEP_SHARE` of its mean step to its last, reported
    where it holds :data:`MIN_STEPS` such steps and the picture went at least
    :data:`MOVE_REPORTED` from where it began.
    """
    times = np.asarray(times, dtype=np.float64)
    steps = np.array(shift, dtype=np.float64).reshape(len(times), 2)
    steps[1:][np.diff(times) > MAX_GAP_S] = np.nan
    steps[np.isin(times, np.asarray(cuts, dtype=np.float64))] = np.nan
    steps = np.nan_to_num(steps)
    if len(times) < 2:
        return []
    step = np.hypot(*steps.T)
    travelled = np.cumsum(step)
    half = MOVE_WINDOW_S / 2
    before = np.searchsorted(times, times - half)
    after = np.searchsorted(times, times + half, side="right") - 1
    moving = travelled[after] - travelled[before] >= MOVE_MIN
    position = np.cumsum(steps, axis=0)
    shots = np.searchsorted(times, np.asarray(cuts, dtype=np.float64))
    moves: list[CameraMove] = []
    for first, last in _runs(moving, times, shots):
        run = step[first:last + 1]
        stepped = first + np.flatnonzero(run >= STEP_SHARE * run.mean())
        if stepped.size < MIN_STEPS:
            continue
        first, last = max(int(stepped[0]) - 1, 0), int(stepped[-1])
        path = position[first:last + 1] - position[first]
        size = float(np.hypot(*path.T).max())
        if size >= MOVE_REPORTED:
            moves.append(CameraMove(float(times[first]), float(times[last]), size))
    return moves


def _runs(moving: np.ndarray, times: np.ndarray, shots: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) frames of each run of ``moving`` frames, runs closer than
    :data:`MERGE_S` joined, but never across the first frame of a new shot (``shots``)."""
    frames = np.flatnonzero(moving)
    if not frames.size:
        return []
    shot = np.searchsorted(shots, frames, side="right")  # which shot each frame is in
    breaks = np.flatnonzero((np.diff(times[frames]) > MERGE_S) | (np.diff(shot) != 0))
    firsts = frames[np.r_[0, breaks + 1]]
    lasts = frames[np.r_[breaks, frames.size - 1]]
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))
