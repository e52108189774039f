"""Synthetic tracks of held stretches whose geometry and hold times are known exactly, built on
:mod:`synthetic`'s timelines, chain and renderer (segment directions in degrees from straight
up, positive towards +x, the way the lifter faces; the ankle at the origin).

* :func:`downward_dog`: a plank, then ``holds`` times into a downward dog held ``hold_s`` and
  back. In the dog the legs rise forward ``LEG_DEG`` from the ankles to the hips and the trunk
  points down-forward at ``trunk_deg``; the arm reaches ``arm_trunk_deg`` from the trunk
  (elbow-shoulder-hip) and the knees bend to ``knee_deg``.
* :func:`hamstring_stretch`: standing, then ``holds`` times folded forward to ``fold_deg`` of
  trunk inclination with a back bulge of ``bulge``; with ``lead`` the left (near-side) foot
  stands that many trunk lengths ahead of the right one, its knee at ``front_knee_deg``;
  ``seated``, sitting on the floor with the legs straight out in front instead.
* :func:`figure_four`: seated (thighs level, shins down), ``holds`` times crossing the
  ``crossed`` leg's ankle to within ``ankle_gap`` of the other leg's thigh lengths from its knee
  (world landmarks: the ankle lies across the body, which a sagittal chain cannot draw) and
  leaning ``lean_deg`` forward.

Each hold is marked "hold" (mid-hold); moves are ``move_s`` long, so a hold's detected length
is ``hold_s`` plus the part of the two moves spent past the position's limits.

Example:
    >>> clip = downward_dog(holds=2, hold_s=3.0, arm_trunk_deg=157)
    >>> report = run_hold(clip.track, load_pose("downward_dog"), evidence=None).report
"""

from __future__ import annotations

import numpy as np
from synthetic import (
    PX_PER_M,
    SHIN,
    SIDE,
    THIGH,
    THIGH_M,
    TRUNK,
    Body,
    Key,
    Synthetic,
    Timeline,
    View,
    _finish,
    chain,
    timeline,
)

from formcheck.landmarks import joint

LEG_DEG = 35.0
"""The dog's legs, ankle to hip, forward of vertical."""
PLANK = {"shin": 72.0, "knee": 180.0, "trunk": 72.0, "arm": 180.0, "bulge": 0.0}
"""A high plank: a straight body 18° above level, the arms straight down."""
STAND = {"trunk": 0.0, "knee": 180.0, "bulge": 0.0}


def _holds(start: dict[str, float], held: dict[str, float], holds: int, hold_s: float,
           move_s: float, rest_s: float, view: View) -> Timeline:
    keys = [Key({}, 0.0, rest_s)]
    for _ in range(holds):
        keys += [Key(held, move_s, hold_s, "hold"), Key(start, move_s, rest_s)]
    return timeline(start, keys, view.fps)


def downward_dog(holds: int = 1, *, hold_s: float = 3.0, trunk_deg: float = 130.0,
                 arm_trunk_deg: float = 170.0, knee_deg: float = 175.0, move_s: float = 0.2,
                 rest_s: float = 1.0, view: View = SIDE) -> Synthetic:
    """Plank, then ``holds`` downward dogs (see the module doc)."""
    dog = {"shin": LEG_DEG, "knee": knee_deg, "trunk": trunk_deg,
           "arm": trunk_deg + 180.0 - arm_trunk_deg}
    line = _holds(PLANK, dog, holds, hold_s, move_s, rest_s, view)
    return _finish(_dog_body(line), line, view)


def _dog_body(line: Timeline) -> Body:
    """The chain of the timeline: the thigh turned from the shin by the knee's bend."""
    thigh = line["shin"] + (180.0 - line["knee"])
    return chain(line["shin"], thigh, line["trunk"], line["bulge"], arm=line["arm"])


def with_dip(clip: Synthetic, channel: str, value: float, start_s: float, end_s: float,
             view: View = SIDE) -> Synthetic:
    """``clip`` (a downward dog) with ``channel`` held at ``value`` over [start_s, end_s):
    a wobble out of the position and back."""
    line = clip.timeline
    dipped = line.channels[channel].copy()
    dipped[(line.times >= start_s) & (line.times < end_s)] = value
    line = Timeline(line.times, line.channels | {channel: dipped}, line.marks)
    return _finish(_dog_body(line), line, view)


def hamstring_stretch(holds: int = 1, *, hold_s: float = 3.0, fold_deg: float = 90.0,
                      bulge: float = 0.0, lead: float = 0.0, front_knee_deg: float = 180.0,
                      seated: bool = False, move_s: float = 0.2, rest_s: float = 1.0,
                      view: View = SIDE) -> Synthetic:
    """Standing (or ``seated`` on the floor, the legs straight out in front), then ``holds``
    forward folds (see the module doc)."""
    if seated and lead:
        raise ValueError("a seated fold has both legs out in front: no front foot to lead")
    fold = {"trunk": fold_deg, "knee": 180.0, "bulge": bulge}
    line = _holds(STAND, fold, holds, hold_s, move_s, rest_s, view)
    n = len(line.times)
    legs = np.full(n, -90.0 if seated else 0.0)  # seated: hip to ankle level, towards +x
    body = chain(legs, legs, line["trunk"], line["bulge"],
                 arm=line["trunk"] + 90.0 + 0.5 * line["trunk"])
    if lead:
        body = _front_leg(body, lead * TRUNK, front_knee_deg)
    return _finish(body, line, view)


def _front_leg(body: Body, ahead_px: float, knee_deg: float) -> Body:
    """``body`` with its left leg stepped ``ahead_px`` forward of the right one (both hips
    stay), the left knee bent to ``knee_deg``, the knee pushed forward."""
    hip = body["hip"]
    reach = np.sqrt(THIGH**2 + SHIN**2 - 2 * THIGH * SHIN * np.cos(np.radians(knee_deg)))
    dx = ahead_px - hip[:, 0]
    drop = np.sqrt(np.maximum(reach**2 - dx**2, 0.0))
    ankle = np.stack([hip[:, 0] + dx, hip[:, 1] + drop], axis=-1)
    along = (ankle - hip) / reach
    share = (THIGH**2 - SHIN**2 + reach**2) / (2 * reach)
    out = np.sqrt(max(THIGH**2 - share**2, 0.0))
    forward = np.stack([-along[:, 1], along[:, 0]], axis=-1)  # down -> +x
    knee = hip + share * along + out * forward
    feet = {"heel": np.array([-0.06, 0.05]), "foot_index": np.array([0.17, 0.06])}
    return Body(body.points | {"left_ankle": ankle, "left_knee": knee}
                | {f"left_{name}": ankle + at * PX_PER_M for name, at in feet.items()},
                body.bulge)


def figure_four(holds: int = 1, *, hold_s: float = 3.0, ankle_gap: float = 0.1,
                lean_deg: float = 30.0, crossed: str = "left", move_s: float = 0.2,
                rest_s: float = 1.0, view: View = SIDE) -> Synthetic:
    """Seated, then ``holds`` figure-fours (see the module doc); between them both feet are
    on the floor (the ankle a leg and more from the other knee)."""
    line = _holds({"trunk": 0.0, "cross": 0.0}, {"trunk": lean_deg, "cross": 1.0}, holds,
                  hold_s, move_s, rest_s, view)
    n = len(line.times)
    body = chain(np.zeros(n), np.full(n, 90.0), line["trunk"], np.zeros(n),
                 arm=line["trunk"] + 150.0)
    clip = _finish(body, line, view)
    world = clip.track.world
    other = "right" if crossed == "left" else "left"
    knee, ankle = world[:, joint(other, "knee")], world[:, joint(crossed, "ankle")]
    on_knee = knee + np.array([0.0, -ankle_gap * THIGH_M, 0.0])  # just above the knee
    crossing = line["cross"][:, None]
    world[:, joint(crossed, "ankle")] = (1 - crossing) * ankle + crossing * on_knee
    return clip
