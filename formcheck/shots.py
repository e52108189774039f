"""Edit cuts: where a video jumps from one shot to another.

Why: an edited clip (a montage, a coach's compilation, a phone video trimmed and joined) can
splice the descent of one squat onto the ascent of another, and the landmarks alone see one
smooth rep where the lifter did none: the same lifter in the same place looks continuous to
the pose. The picture does not: at a cut most of it changes at once, between two frames, where
a moving lifter changes only the part of the picture they fill and a camera that pans or
refocuses changes it over several frames. The pose stage measures each frame's change
(:func:`picture_change`, kept in the track); :func:`edit_cuts` finds the cuts in it; counting
does not count a rep the cut runs through (:mod:`formcheck.counting`).

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> shot_a, shot_b = (rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8) for _ in "ab")
    >>> picture_change(signature(shot_a), signature(shot_b)) > CUT_CHANGE
    True
    >>> picture_change(signature(shot_a), signature(shot_a))
    0.0
"""

from __future__ import annotations

import numpy as np

GRID = 32
"""Cells a side of a frame's :func:`signature`: fine enough that a lifter fills a minority of
them in any framing that shows the whole body, coarse enough to average out compression noise."""

_SAMPLES = 2 * GRID
"""Pixels sampled a side of the frame: each cell is the mean of 2 x 2 samples of 3 colours.
Sampling, not averaging every pixel, keeps the cost at ~0.4 ms of CPU a frame whatever its size
(0.7 % of the full model's 56-60 ms here); averaging every pixel of a 720p frame with OpenCV's
area resize took 4 ms."""

CUT_CHANGE = 10.0
"""Least median change of a frame's cells, in grey levels (0-255), for a cut: more than half the
picture changed by this much since the frame before. Measured over the 30,700 frames of the 99
labelled clips at 30 frames a second: continuous shots change 0 (median) to 5.3 (99.9th
percentile), text and arrows drawn over a video 2.4-3.4 (julioccv13's RDL); one frame passes 8,
in PapitomasterDeveloper's hip-thrust GIF (11.0, after frames changing 4.2: :data:`CUT_RATIO`
keeps it). Cuts: the goblet-squat montage's seven found 10.6-39.4, TheSebitzu's row clip 29.5;
changes to a picture without the lifter (two end cards) 43.5-105, no cut (:func:`edit_cuts`).
Cuts between two shots of the same lifter in the same light can stay below it (BichraiX's
trims, ~0; one of the montage's eight): missed, they leave counting as it was, where a cut found
in a continuous shot would take a real rep away. formcheck choice."""

CUT_RATIO = 4.0
"""How many times the change of the frames just before (plus one grey level) a cut's change
must be: a picture already changing (a pan, a handheld camera walking) is not cut by a frame
that changes a little more. formcheck choice, with :data:`CUT_CHANGE`."""

CUT_BASELINE_FRAMES = 8
"""Frames before a frame whose median change is its baseline (:data:`CUT_RATIO`). Only frames
before it: the live view finds a cut the moment it comes, as ``analyze`` does."""

CUT_MAX_GAP_S = 0.1
"""Longest time between two frames whose change can tell a cut: across a longer gap (frames a
live view dropped while it was busy, a video missing frames) the camera may have moved or the
light changed in the unseen time, and a cut cannot be told from that. Three frames at 30 fps:
a video filmed at 10 frames/s or more has every change measured, and a live view at its usual
15-25 judged frames a second too. formcheck choice."""


def signature(image: np.ndarray) -> np.ndarray:
    """A (GRID, GRID) grey-level summary of an RGB frame, compared frame to frame by
    :func:`picture_change`."""
    height, width = image.shape[:2]
    rows = np.linspace(0, height - 1, _SAMPLES).round().astype(np.intp)
    columns = np.linspace(0, width - 1, _SAMPLES).round().astype(np.intp)
    samples = image[rows][:, columns].astype(np.float32).mean(axis=2)
    return samples.reshape(GRID, 2, GRID, 2).mean(axis=(1, 3))


def picture_change(previous: np.ndarray, current: np.ndarray) -> float:
    """How much of the picture changed between two frames' signatures: the median over cells of
    the absolute change, in grey levels. A lifter moving changes the cells they fill; the
    median moves only when most of the picture does."""
    return float(np.median(np.abs(current - previous)))


def edit_cuts(times: np.ndarray, change: np.ndarray, seen: np.ndarray | None = None,
              shift: np.ndarray | None = None) -> np.ndarray:
    """Times of the first frame of each new shot, from each frame's :func:`picture_change` since
    the frame before (NaN where unknown: a track made before formcheck measured it has no cuts),
    (``seen``) whether the lifter was found in it, and (``shift``) how far the camera moved
    since the frame before (:func:`formcheck.camera.camera_shift`).

    A cut is a frame whose change reaches :data:`CUT_CHANGE` and :data:`CUT_RATIO` times the
    median change of the :data:`CUT_BASELINE_FRAMES` frames before it plus one grey level; a
    frame with no change measured before it (a track's first two frames, or a live window's),
    or more than :data:`CUT_MAX_GAP_S` after the frame before, is none. So is a change into or
    out of frames where the lifter is not seen: someone walking in front of the camera, a
    hand over the lens or a camera knocked away change the whole picture as a cut does, and
    the same shot comes back; the lifter's absence is what tells them, and the rep it falls
    into is judged as one the lifter was not followed through. So is a frame the camera was
    followed into, turning fast (:data:`PAN_STEP`) the way it turned into the frame before
    (:data:`PAN_RATIO`): a whip pan changes most of the picture from frame to frame, as a cut
    does, but its points are followed across it, each step much like the one before.
    """
    times = np.asarray(times, dtype=np.float64)
    change = np.array(change, dtype=np.float64)
    change[1:][np.diff(times) > CUT_MAX_GAP_S] = np.nan
    if seen is not None:
        seen = np.asarray(seen, dtype=bool)
        change[1:][~(seen[1:] & seen[:-1])] = np.nan
    n = len(change)
    if n < 2:
        return np.empty(0)
    padded = np.concatenate([np.full(CUT_BASELINE_FRAMES, np.nan), change])
    before = np.lib.stride_tricks.sliding_window_view(padded[:-1], CUT_BASELINE_FRAMES)
    known = np.isfinite(before).any(axis=1)
    baseline = np.full(n, np.inf)
    baseline[known] = np.nanmedian(before[known], axis=1)
    with np.errstate(invalid="ignore"):
        cut = (change >= CUT_CHANGE) & (change >= CUT_RATIO * (baseline + 1.0))
        if shift is not None:
            step = np.asarray(shift, dtype=np.float64)
            before = np.vstack([np.full((1, 2), np.nan), step[:-1]])
            size, size_before = np.hypot(*step.T), np.hypot(*before.T)
            cut &= ~((size >= PAN_STEP) & (np.sum(step * before, axis=1) > 0)
                     & (size <= PAN_RATIO * size_before) & (size_before <= PAN_RATIO * size))
    return times[cut]


PAN_STEP = 0.01
"""Least step of the camera between two frames (a share of the frame's width) for a frame that
changes like a cut to be a pan instead: 13 px of a 720p frame, 0.4 of the frame's width in a
second at 30 fps. A slower pan does not change half the picture by :data:`CUT_CHANGE` grey
levels in one frame. formcheck choice."""

PAN_RATIO = 3.0
"""Most a pan's step may grow or shrink from the step before, which must point the same way: a
hand turning a phone speeds up over several frames (an eased quarter-second whip pan grows
2.8-fold between its first two steps). Across a cut from a still camera the step before is
~0; the points followed across it (two unrelated pictures, or a watermark that stays put) give
a step unlike it. formcheck choice."""
