"""Synthetic lifts whose working side changes from rep to rep (tests/synthetic.py explains the
method): a one-arm row, whose working arm is chosen per rep, and an alternating reverse lunge.

Each side's limb is drawn as its own points (``left_elbow``, ``right_knee``...), which the
renderer puts at that side's lateral offset; everything else is as in :mod:`synthetic`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from synthetic import (
    ARM,
    ELBOW_SHARE,
    HEEL_M,
    LATERAL_M,
    PX_PER_M,
    SHIN,
    SIDE,
    THIGH,
    TOE_M,
    TRUNK,
    Body,
    Key,
    Synthetic,
    View,
    _direction,
    _finish,
    chain,
    legs_and_trunk,
    row,
    timeline,
)

from formcheck.series import Side

OTHER: dict[Side, Side] = {"left": "right", "right": "left"}


def _reps_of(pulling: np.ndarray) -> np.ndarray:
    """Per frame, which rep (0, 1, ...) a run of ``pulling`` frames is, -1 between them."""
    starts = np.cumsum(np.diff(pulling.astype(int), prepend=0) == 1) - 1
    return np.where(pulling, starts, -1)


def one_arm_row(
    arms: Sequence[Side],
    *,
    twist_deg: float = 0.0,
    view: View = SIDE,
    **row_kwargs: float,
) -> Synthetic:
    """:func:`synthetic.row` pulled with one arm per rep, ``arms[i]`` in rep ``i``, the other
    hanging straight at ``bottom_elbow_deg``; the shoulders turn against the hips by up to
    ``twist_deg`` as the weight comes up, about the trunk's axis: each shoulder moves that
    much towards or away from the floor, so ``trunk_twist`` reads exactly ``twist_deg`` at the
    top. The turn starts a quarter of the way up the pull, after the rep's start (where the
    driver leaves its rest band), so the rep sees all of it."""
    drawn = row(len(arms), view=view, **row_kwargs)
    line, body = drawn.timeline, drawn.body
    bottom = row_kwargs.get("bottom_elbow_deg", 172.0)
    top = row_kwargs.get("top_elbow_deg", 80.0)
    elbow_deg = line["elbow"]
    rep = _reps_of(elbow_deg < bottom - 1e-6)
    share = np.clip(((bottom - elbow_deg) / (bottom - top) - 0.25) / 0.75, 0.0, 1.0)
    shoulder, hip = body["shoulder"], body["hip"]
    along = (shoulder - hip) / TRUNK
    floorwards = np.stack([along[:, 1], -along[:, 0]], axis=-1)  # across the trunk, ventral
    turn = LATERAL_M["shoulder"] * PX_PER_M * np.tan(np.radians(twist_deg * share))
    upper, forearm = ELBOW_SHARE * ARM, (1.0 - ELBOW_SHARE) * ARM
    points = dict(body.points)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        working = np.isin(rep, [i for i, arm in enumerate(arms) if arm == side])
        angle = np.where(working, elbow_deg, bottom)
        own_shoulder = shoulder + sign * turn[:, None] * floorwards
        elbow = own_shoulder + upper * _direction(360.0 - angle)
        points |= {f"{side}_shoulder": own_shoulder, f"{side}_elbow": elbow,
                   f"{side}_wrist": elbow + forearm * _direction(np.full(len(angle), 180.0))}
    return _finish(Body(points, body.bulge), line, view)


REAR_THIGH_DEG = 10.0
"""The rear thigh at the bottom of a lunge: this far back from straight down."""
REAR_SHIN_DEG = 280.0
"""The rear shin at the bottom, from the knee to the ankle: back along the floor, 10° up (the
foot on its toes)."""


def reverse_lunge(
    fronts: Sequence[Side],
    *,
    rear_knee: float = 0.0,
    shin_deg: float = 10.0,
    lean_deg: float = 5.0,
    rack: float = 0.9,
    rack_bottom: float | None = None,
    move_s: float = 0.8,
    hold_s: float = 0.3,
    stand_s: float = 0.6,
    view: View = SIDE,
) -> Synthetic:
    """Standing, then one reverse lunge per entry of ``fronts`` (the front leg; the other one
    steps back), each lowered until the rear knee is ``rear_knee`` trunk lengths above the
    front foot's ankle (0: at the ankle's height, on the floor), the front shin ``shin_deg``
    forward of vertical and the trunk ``lean_deg``, held ``hold_s`` and back to standing. The
    hands hold a bell at ``rack`` of the way from hip to shoulder, dropping to ``rack_bottom``
    at the bottom (None: kept there)."""
    hip_height = rear_knee * TRUNK + THIGH * math.cos(math.radians(REAR_THIGH_DEG))
    cosine = (hip_height - SHIN * math.cos(math.radians(shin_deg))) / THIGH
    if not -1.0 <= cosine <= 1.0:
        raise ValueError("no front thigh reaches that depth with that shin")
    thigh = -math.degrees(math.acos(cosine))
    low = rack if rack_bottom is None else rack_bottom
    stand = {"shin": 0.0, "thigh": 0.0, "trunk": 0.0, "rear_thigh": 180.0, "rear_shin": 180.0,
             "rack": rack, "bulge": 0.0}
    bottom = {"shin": shin_deg, "thigh": thigh, "trunk": lean_deg,
              "rear_thigh": 180.0 + REAR_THIGH_DEG, "rear_shin": REAR_SHIN_DEG, "rack": low}
    keys = [Key({}, 0.0, stand_s)]
    for _ in fronts:
        keys += [Key(bottom, move_s, hold_s, "bottom"), Key(stand, move_s, stand_s, "top")]
    line = timeline(stand, keys, view.fps)
    hip = legs_and_trunk(line["shin"], line["thigh"], line["trunk"])["hip"]
    hip_to_shoulder = TRUNK * _direction(line["trunk"])
    wrist = hip + line["rack"][:, None] * hip_to_shoulder + np.array([0.15 * PX_PER_M, 0.0])
    body = chain(line["shin"], line["thigh"], line["trunk"], line["bulge"], wrist=wrist)
    knee = hip + THIGH * _direction(line["rear_thigh"])
    ankle = knee + SHIN * _direction(line["rear_shin"])
    rear = {"knee": knee, "ankle": ankle, "heel": ankle + np.array(HEEL_M) * PX_PER_M,
            "foot_index": ankle + np.array(TOE_M) * PX_PER_M}
    lunging = _reps_of(line["rear_shin"] > 180.0 + 1e-6)
    points = dict(body.points)
    for side in ("left", "right"):
        behind = np.isin(lunging, [i for i, leg in enumerate(fronts) if leg != side])
        for name, at in rear.items():
            points[f"{side}_{name}"] = np.where(behind[:, None], at, body[name])
    return _finish(Body(points, body.bulge), line, view)


def filmed(clip: Synthetic, folder: Path, stem: str) -> Path:
    """``clip``'s track saved in ``folder`` with a small video of its own (grey frames), for
    the outputs that draw on the video (the annotated video, the HTML report's frames)."""
    from formcheck.video_sink import VideoSink

    video = folder / f"{stem}.mp4"
    with VideoSink(video, width=128, height=72, fps=clip.track.fps) as sink:
        for shade in np.linspace(40, 200, len(clip.track)).astype(np.uint8):
            sink.write(np.full((72, 128, 3), shade))
    track = replace(clip.track, source=str(video), width=128, height=72)
    return track.save(folder / f"{stem}.track.npz")
