"""Synthetic squats of exactly known geometry (see :mod:`synthetic` for how tracks are made).

Apart from :mod:`synthetic` so that lifts added in parallel do not all edit one file. A squat
bends the knees far more than a hinge and needs two things the hinge does not: a heel that can
leave the floor, and knees that can move across the body (valgus), which only a front view sees.
"""

from __future__ import annotations

import math

import numpy as np
from synthetic import (
    FPS,
    LATERAL_M,
    PX_PER_M,
    SHIN_M,
    SIDE,
    THIGH_M,
    TRUNK_M,
    Key,
    Synthetic,
    View,
    _finish,
    chain,
    timeline,
    trunk_for_shoulder_rise,
)

from formcheck.landmarks import joint


def thigh_for_depth(hip_above_knee: float) -> float:
    """Thigh angle from vertical (degrees, hips behind the knees) that puts the hip
    ``hip_above_knee`` trunk lengths above the knee: 90 is parallel."""
    return math.degrees(math.acos(hip_above_knee * TRUNK_M / THIGH_M))


def squat(
    reps: int = 3,
    *,
    hip_above_knee: float = -0.1,
    shin_deg: float = 30.0,
    trunk_deg: float = 35.0,
    heel_lift: float = 0.0,
    knee_ratio: float = 1.0,
    hips_first: float = 0.0,
    descent_s: float = 0.9,
    ascent_s: float = 0.9,
    pause_s: float = 0.3,
    stand_s: float = 0.6,
    lead_in_s: float = 1.0,
    view: View = SIDE,
) -> Synthetic:
    """Standing, then ``reps`` squats standing -> bottom -> standing, ending standing.

    At the bottom the hip is ``hip_above_knee`` trunk lengths above the knee (negative: below
    parallel), the shins ``shin_deg`` forward, the trunk ``trunk_deg`` from vertical; the heel
    has risen ``heel_lift`` trunk lengths above the toes; the knees are ``knee_ratio`` times as
    far apart as the toes (1 standing; below 0.7 caving in). Each of these moves with the
    depth, so the bottom is its extreme. ``hips_first``: share of the legs' extension done on
    the way up with the shoulders kept at their bottom height, the trunk tipping forward (the
    hips shoot up, the chest stays down), before the rest of the rise. Arms
    hang forward of the chest (goblet-like), clear of the back.
    """
    thigh = thigh_for_depth(hip_above_knee)
    stand = {"shin": 0.0, "thigh": 0.0, "trunk": 0.0, "bulge": 0.0, "heel": 0.0, "knees": 1.0}
    bottom = {"shin": shin_deg, "thigh": -thigh, "trunk": trunk_deg, "heel": heel_lift,
              "knees": knee_ratio}
    legs_first = bottom | {"shin": (1 - hips_first) * shin_deg, "thigh": -(1 - hips_first) * thigh}
    legs_first["trunk"] = trunk_for_shoulder_rise(bottom, legs_first, trunk_deg)
    up = ([Key(legs_first, ascent_s / 2), Key(stand, ascent_s / 2, stand_s, "top")]
          if hips_first > 0 else [Key(stand, ascent_s, stand_s, "top")])
    keys = [Key({}, 0.0, lead_in_s)]
    for _ in range(reps):
        keys += [Key(bottom, descent_s, pause_s, "bottom"), *up]
    line = timeline(stand, keys, view.fps)
    body = chain(line["shin"], line["thigh"], line["trunk"], line["bulge"],
                 arm=line["trunk"] + 150.0)
    trunk_px = TRUNK_M * PX_PER_M
    body.points["heel"] = body["heel"] - np.stack(
        [np.zeros_like(line["heel"]), line["heel"] * trunk_px], axis=-1)
    clip = _finish(body, line, view)
    _knees_in(clip, line["knees"], view.yaw_deg)
    return clip


def _knees_in(clip: Synthetic, ratio: np.ndarray, yaw_deg: float) -> None:
    """Move each knee across the body to ``ratio`` times its standing width (in place), as
    :func:`synthetic.render` would have drawn it with that lateral offset."""
    track = clip.track
    shift = (ratio - 1.0) * LATERAL_M["knee"] * PX_PER_M  # outward, pixels, per frame
    yaw = math.radians(yaw_deg)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        k = joint(side, "knee")
        track.landmarks[:, k, 0] += sign * shift * math.cos(yaw) / track.width
        track.landmarks[:, k, 2] += sign * shift * math.sin(yaw) / track.width
        track.world[:, k, 0] += sign * shift * math.cos(yaw) / PX_PER_M
        track.world[:, k, 2] += sign * shift * math.sin(yaw) / PX_PER_M


FRONT = View(yaw_deg=0.0)
__all__ = ["FPS", "FRONT", "SHIN_M", "squat", "thigh_for_depth"]
