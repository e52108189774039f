"""Synthetic tracks of the lifts done kneeling or lying down: a glute-ham raise (or Nordic curl)
and a stability-ball hamstring curl, built on :mod:`synthetic`'s timelines, chain and renderer.

The chain's convention holds (segment directions in degrees from straight up, positive towards
+x, y down), so the standing lifts' generators stay as they are:

* :func:`ghr`: kneeling, the ankles at the origin behind the knees (feet hooked at -x), the
  shins level along +x, the body pivoting forward about the knees towards +x. With the thigh
  ``lean`` degrees from vertical and the hips ``pike`` degrees flexed, the knee angle is
  ``90 + lean``, the hip angle ``180 - pike`` and the knee-to-shoulder line leans forward by
  ``lean + atan(pike's share)`` (exactly ``lean`` when straight).
* :func:`ball_curl`: lying on the back, shoulders on the floor at the origin, heels on a ball
  towards +x at a fixed height; the hips ``sag`` degrees flexed and the knees flexed
  ``flexion`` degrees, the trunk's slope solved so the ankle stays on top of the ball. The
  shoulders stay put and the ball rolls, as on a real floor.

Example:
    >>> clip = ghr(reps=3, lowest_deg=20, pike_deg=25)
    >>> report = analyze_track(clip.track, load_lift("glute_ham_raise"), evidence=None)
"""

from __future__ import annotations

import numpy as np
from synthetic import (
    PX_PER_M,
    SHIN_M,
    SIDE,
    THIGH_M,
    TRUNK_M,
    Body,
    Key,
    Synthetic,
    View,
    _direction,
    _finish,
    chain,
    legs_and_trunk,
    timeline,
)

from formcheck.landmarks import joint

GHR_ORIGIN = (0.25, 0.88)
"""Where the ankle lands in the frame (fractions): the body leans out towards +x."""
CURL_ORIGIN = (0.2, 0.85)
"""Where the shoulders land in the frame: the legs reach out towards +x."""
BALL_TOP_M = 0.52
"""Height of the ankle (heel on the ball's top) above the shoulder joint, metres: a 55 cm ball."""


def _moved(body: Body, shift: np.ndarray) -> Body:
    """Every point of ``body`` moved by (T, 2) pixels."""
    return Body({name: p + shift for name, p in body.points.items()}, body.bulge)


def ghr(
    reps: int = 3,
    *,
    lowest_deg: float = 0.0,
    pike_deg: float = 0.0,
    top_lean_deg: float = 0.0,
    move_s: float = 1.2,
    bottom_hold_s: float = 0.3,
    top_hold_s: float = 0.6,
    lead_in_s: float = 0.8,
    view: View = SIDE,
) -> Synthetic:
    """A glute-ham raise: kneeling upright, then ``reps`` times lowered until the knee-to-
    shoulder line is ``lowest_deg`` above level and raised back to ``top_lean_deg`` forward of
    vertical (negative: leaning back over the feet). ``pike_deg``: hip flexion at the bottom,
    growing with the lowering (0 upright). Marks: "bottom", "top"."""
    lowest = 90.0 - lowest_deg

    def pose(lean: float, share: float) -> dict[str, float]:
        return {"lean": lean, "pike": share * pike_deg}

    top = pose(top_lean_deg, 0.0)
    keys = [Key({}, 0.0, lead_in_s)]
    for _ in range(reps):
        keys += [Key(pose(lowest, 1.0), move_s, bottom_hold_s, "bottom"),
                 Key(top, move_s, top_hold_s, "top")]
    line = timeline(pose(0.0, 0.0), keys, view.fps)
    # the pike folds the trunk forward of the thigh; the body line's lean is kept at ``lean``
    # by tipping the thigh back by the share of the pike below the hips
    share = TRUNK_M / (THIGH_M + TRUNK_M)
    thigh = line["lean"] - share * line["pike"]
    n = len(line.times)
    shin, trunk = np.full(n, 90.0), thigh + line["pike"]
    core = legs_and_trunk(shin, thigh, trunk)
    chest = core["shoulder"] + 0.35 * (core["hip"] - core["shoulder"])
    wrist = chest + 0.12 * PX_PER_M * _direction(trunk + 90.0)  # arms crossed on the chest
    body = chain(shin, thigh, trunk, np.zeros(n), wrist=wrist)
    feet = {"heel": np.array([0.02, -0.06]), "foot_index": np.array([-0.17, 0.02])}
    body = Body(body.points | {name: body["ankle"] + at * PX_PER_M for name, at in feet.items()},
                body.bulge)
    return _finish(body, line, view, origin=GHR_ORIGIN)


def _trunk_slope(sag: np.ndarray, flexion: np.ndarray) -> np.ndarray:
    """Degrees above level of the shoulder-to-hip line that puts the ankle ``BALL_TOP_M`` above
    the shoulder, by bisection (the ankle's height rises with it over the range searched)."""
    low, high = np.full(sag.shape, -20.0), np.full(sag.shape, 85.0)

    def ankle_height(slope: np.ndarray) -> np.ndarray:
        return (TRUNK_M * np.sin(np.radians(slope)) + THIGH_M * np.sin(np.radians(slope + sag))
                + SHIN_M * np.sin(np.radians(slope + sag - flexion)))

    for _ in range(50):
        middle = (low + high) / 2
        above = ankle_height(middle) > BALL_TOP_M
        high, low = np.where(above, middle, high), np.where(above, low, middle)
    return (low + high) / 2


def ball_curl(
    reps: int = 3,
    *,
    curl_deg: float = 110.0,
    extended_deg: float = 0.0,
    sag_deg: float = 0.0,
    move_s: float = 0.9,
    curl_hold_s: float = 0.3,
    rest_hold_s: float = 0.5,
    lead_in_s: float = 0.8,
    view: View = SIDE,
) -> Synthetic:
    """A stability-ball hamstring curl: lying bridged, legs extended to knee flexion
    ``extended_deg`` (0 straight), then ``reps`` curls to knee flexion ``curl_deg`` (the knee
    angle is 180 minus it) and back. ``sag_deg``: the hips' flexion out of the straight line,
    the same all clip (the hip angle is 180 minus it). Marks: "curl", "extended"."""
    rest = {"flexion": extended_deg}
    keys = [Key({}, 0.0, lead_in_s)]
    for _ in range(reps):
        keys += [Key({"flexion": curl_deg}, move_s, curl_hold_s, "curl"),
                 Key(rest, move_s, rest_hold_s, "extended")]
    line = timeline(rest, keys, view.fps)
    sag = np.full(len(line.times), float(sag_deg))
    slope = _trunk_slope(sag, line["flexion"])
    # chain() goes from the ankle up; a segment rising towards +x at ``e`` above level points,
    # read from its far end back, -(90 + e) from straight up
    trunk, thigh = -(90.0 + slope), -(90.0 + slope + sag)
    shin = -(90.0 + slope + sag - line["flexion"])
    shoulder = legs_and_trunk(shin, thigh, trunk)["shoulder"]
    wrist = shoulder + np.array([0.5, 0.05]) * PX_PER_M  # arms along the floor by the body
    body = chain(shin, thigh, trunk, np.zeros(len(sag)), wrist=wrist)
    body = _moved(body, -body["shoulder"])
    return _finish(body, line, view, origin=CURL_ORIGIN)


FREE_LEG = ("knee", "ankle", "heel", "foot_index")
"""The landmarks of the leg a single-leg ball curl holds up."""


def single_leg_curl(reps: int = 3, *, working: str = "near", view: View = SIDE,
                    **curl: float) -> Synthetic:
    """A single-leg ball curl: one heel on the ball curling as :func:`ball_curl` (``curl``
    passes its faults on), the other leg held straight up from the hip. ``working``: the
    curling leg nearer the camera ("near") or further ("far"); the renderer's near side at a
    positive yaw is the right. The track joins two renders, the curling leg from one and the
    raised leg from the other."""
    clip = ball_curl(reps, view=view, **curl)
    hip = clip.body["hip"]
    up = np.array([0.0, -1.0])
    knee = hip + THIGH_M * PX_PER_M * up
    ankle = knee + SHIN_M * PX_PER_M * up
    raised = {"knee": knee, "ankle": ankle, "heel": ankle + np.array([-0.06, 0.0]) * PX_PER_M,
              "foot_index": ankle + np.array([0.05, -0.17]) * PX_PER_M}
    free = _finish(Body(clip.body.points | raised, clip.body.bulge), clip.timeline, view,
                   origin=CURL_ORIGIN).track
    near = "right" if view.yaw_deg > 0 else "left"
    far = "left" if near == "right" else "right"
    columns = [joint(far if working == "near" else near, name) for name in FREE_LEG]
    track = clip.track
    for name in ("landmarks", "world", "visibility", "presence"):
        getattr(track, name)[:, columns] = getattr(free, name)[:, columns]
    return Synthetic(track, clip.body, clip.timeline)
