"""Where the camera stands: how far from the lifter's front it looks, per frame and per clip.

Sagittal image angles (a hip angle, a trunk's lean) are only what they seem from the side;
checks that measure them ask this module how far the camera was from the front and abstain
where they were not validated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from formcheck.geometry import norm
from formcheck.landmarks import joint
from formcheck.track import PoseTrack

View = Literal["side", "oblique", "front", "unknown"]


@dataclass(frozen=True)
class ViewThresholds:
    """Where the camera's yaw splits side, oblique and front views; override per use.

    These are the buckets each check's precision is measured and published in
    (``benchmarks/views.py``): side (60° and up: sagittal lengths foreshortened by at most
    1 - sin(60°) = 13 %), oblique, and front (below 25°, where the side plane is seen nearly
    edge-on: a sagittal length shows at most sin(25°) = 42 % of itself).
    """

    side_min_yaw_deg: float = 60.0
    """Yaw at or above which the camera sees the lifter from the side (degrees)."""
    front_max_yaw_deg: float = 25.0
    """Yaw at or below which the camera sees the lifter from the front or back (degrees)."""
    min_frames: int = 5
    """Fewest frames with a usable yaw estimate for any verdict other than ``unknown``."""


@dataclass(frozen=True)
class ViewEstimate:
    """Camera view of a clip."""

    view: View
    confidence: float
    """Share of usable frames whose own yaw falls in ``view``; 0 when ``unknown``."""
    yaw_deg: float
    """Median yaw in [0, 90] degrees: 0 facing (or back to) the camera, 90 side-on; NaN if
    unknown."""


def _pair_width(points: np.ndarray, name: str) -> np.ndarray:
    return norm(points[:, joint("left", name)] - points[:, joint("right", name)])


def _trunk_length(points: np.ndarray) -> np.ndarray:
    mid = {
        name: 0.5 * (points[:, joint("left", name)] + points[:, joint("right", name)])
        for name in ("hip", "shoulder")
    }
    return norm(mid["shoulder"] - mid["hip"])


def _frame_yaw(track: PoseTrack) -> np.ndarray:
    """Per-frame yaw in degrees from two independent cues, averaged where both exist.

    World cue: the left-to-right hip and shoulder axes point along x when the lifter faces the
    camera and along z when side-on. Image cue: the body's width seen in the image, relative to
    its trunk length, shrinks by cos(yaw) from its true ratio (taken from the world landmarks,
    which do not change with the view). The image cue rests on the accurate x, y; the world cue
    also works when the trunk is foreshortened by a hinge towards the camera.
    """
    world = track.world.astype(np.float64)
    pixels = track.pixels.astype(np.float64)
    axes = np.stack(
        [world[:, joint("right", n)] - world[:, joint("left", n)] for n in ("hip", "shoulder")]
    )
    world_yaw = np.degrees(np.arctan2(np.abs(axes[..., 2]), np.abs(axes[..., 0]))).mean(axis=0)

    def width_ratio(points: np.ndarray) -> np.ndarray:
        width = _pair_width(points, "hip") + _pair_width(points, "shoulder")
        trunk = _trunk_length(points)
        return np.divide(width, trunk, out=np.full_like(width, np.nan), where=trunk > 0)

    apparent, true = width_ratio(pixels), width_ratio(world)
    cosine = np.divide(apparent, true, out=np.full_like(apparent, np.nan), where=true > 0)
    image_yaw = np.degrees(np.arccos(np.clip(cosine, 0.0, 1.0)))
    both = np.stack([world_yaw, image_yaw])
    count = np.sum(~np.isnan(both), axis=0)
    return np.divide(
        np.nansum(both, axis=0), count, out=np.full(len(track), np.nan), where=count > 0
    )


def estimate_view(track: PoseTrack, thresholds: ViewThresholds | None = None) -> ViewEstimate:
    """Classify the camera view of a clip as side, oblique or front, by median yaw over frames.

    Rules trust sagittal image angles only from the side; this tells them whether they may.
    """
    thresholds = thresholds or ViewThresholds()
    yaw = np.concatenate([_frame_yaw(window) for _, _, window in track.blocks()])
    yaw = yaw[~np.isnan(yaw)]
    if yaw.size < thresholds.min_frames:
        return ViewEstimate("unknown", 0.0, math.nan)

    def classify(deg: np.ndarray) -> np.ndarray:
        return np.where(
            deg >= thresholds.side_min_yaw_deg,
            2,
            np.where(deg <= thresholds.front_max_yaw_deg, 0, 1),
        )

    median = float(np.median(yaw))
    verdict = int(classify(np.array(median)))
    views: tuple[View, View, View] = ("front", "oblique", "side")
    return ViewEstimate(views[verdict], float(np.mean(classify(yaw) == verdict)), median)
