"""Synthetic box jumps of exactly known geometry (see :mod:`synthetic` for how tracks are made).

Apart from :mod:`synthetic` so that lifts added in parallel do not all edit one file. A jump is
the one movement here whose feet leave the floor: the whole body is moved up (``lift``) and
forward onto the box (``ahead``) in the picture of a camera that stays put, and the near-side
(left, the far one at yaw 90) foot can step down on its own (``lead``).

The hip and knee angles are set together: with the segments' directions from straight up
(:mod:`synthetic`), hip angle = 180 - (trunk - thigh) and knee angle = 180 - (shin - thigh), so
a pose with both at ``angle`` takes thigh = -(180 - angle) / 2 and trunk = shin = -thigh.
"""

from __future__ import annotations

import numpy as np
from synthetic import PX_PER_M, SIDE, Key, Synthetic, View, _finish, chain, timeline
from synthetic_floor import _moved

BOX_M = 0.45
"""The box's height, metres."""
BOX_AHEAD_M = 0.5
"""How far ahead of the take-off the lifter lands on the box, metres."""
FOOT = ("ankle", "heel", "foot_index")


def opened(angle: float, lean: float = 0.0) -> dict[str, float]:
    """Hips and knees both at ``angle`` (see the module docstring), the trunk ``lean`` more."""
    thigh = -(180.0 - angle) / 2.0
    return {"thigh": thigh, "shin": -thigh, "trunk": -thigh + lean}


def box_jump(
    reps: int = 1,
    *,
    takeoff_deg: float = 175.0,
    landing_bend_deg: float = 80.0,
    standing_deg: float = 178.0,
    step_s: float = 0.35,
    jump_down: bool = False,
    lead_in_s: float = 1.0,
    view: View = SIDE,
) -> Synthetic:
    """Standing, then ``reps`` box jumps: a dip (held 0.3 s), the hips and knees opening to
    ``takeoff_deg`` on the floor (held 0.1 s), a flight clearing the box by 10 cm, a landing with
    the knees bent ``landing_bend_deg`` from standing (held 0.2 s), standing on the box with
    hips and knees at ``standing_deg`` (held 0.6 s, marked "top"), then down: the left foot
    first (``step_s``), then the body with the right (``step_s``), so the feet come down about
    ``step_s`` apart; or ``jump_down``, both at once. Back on the floor, standing 0.8 s."""
    floor = opened(180.0) | {"lift": 0.0, "ahead": 0.0, "lead": 0.0}
    dip = opened(110.0, lean=25.0)
    land = opened(standing_deg - landing_bend_deg, lean=20.0)
    box = {"lift": BOX_M, "ahead": BOX_AHEAD_M}
    keys = [Key({}, 0.0, lead_in_s)]
    for _ in range(reps):
        keys += [
            Key(dip, 0.5, 0.3, "dip"),
            Key(opened(takeoff_deg), 0.25, 0.1, "takeoff"),
            Key(opened(160.0, lean=10.0) | {"lift": BOX_M + 0.1, "ahead": 0.7 * BOX_AHEAD_M},
                0.25, 0.0, "apex"),
            Key(land | box, 0.25, 0.2, "land"),
            Key(opened(standing_deg), 0.6, 0.6, "top"),
        ]
        if jump_down:
            keys.append(Key(opened(180.0) | {"lift": 0.0, "ahead": 0.0}, 0.35))
        else:
            keys += [Key({"lead": BOX_M}, step_s),
                     Key({"lift": 0.0, "ahead": 0.0, "lead": 0.0}, step_s)]
        keys.append(Key(opened(180.0), 0.3, 0.8))
    line = timeline(floor | {"bulge": 0.0}, keys, view.fps)
    body = chain(line["shin"], line["thigh"], line["trunk"], line["bulge"],
                 arm=np.full(len(line.times), 170.0))
    shift = np.stack([line["ahead"], -line["lift"]], axis=-1) * PX_PER_M
    body = _moved(body, shift)
    drop = np.stack([np.zeros_like(line["lead"]), line["lead"]], axis=-1) * PX_PER_M
    body.points.update({f"left_{name}": body[name] + drop for name in FOOT})
    return _finish(body, line, view, origin=(0.3, 0.94))


__all__ = ["BOX_M", "SIDE", "box_jump", "opened"]
