"""The box jump's checks: the take-off's extension, the landing, standing tall on the box and
how the lifter gets down. They share one reading of the jump (:func:`jump_phases`): where the
feet stood, where the box is, when the feet left the floor, the flight's top and the time on the
box, all from the picture of a camera that stays put (the box's height in the world is not in
the pose: it is measured in the picture, as the feet's rise)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.report import Abstention
from formcheck.rules.core import (
    Measured,
    RepContext,
    Trace,
    Verdict,
    covered,
    extreme_past,
    needs_view,
    rule,
    seen,
)


@dataclass(frozen=True)
class Jump:
    """Frames of one box jump, from the rep's start."""

    flight: np.ndarray
    """From the countermovement's bottom to the top of the flight: the take-off's extension
    lies in it, before the legs tuck."""
    standing: np.ndarray
    """On the box, from the hips' lowest point in the landing (its bottom, the first frame)
    until a foot leaves it."""
    off: tuple[int, int] | None
    """The frames at which each foot came down off the box (the nearer one first), or None when
    the clip ends first."""


def _lower_ankle(ctx: RepContext, frames: np.ndarray) -> np.ndarray:
    """The lower of the two ankles' heights in the picture at ``frames`` (NaN where unseen)."""
    both = [ctx.trusted(ctx.kin.ankle_lift[side], frames) for side in ("left", "right")]
    return np.fmin(*both)


def jump_phases(ctx: RepContext, code: str) -> Jump | Abstention:
    """The phases of the rep's jump: the feet's floor level before it (the rep starts as they
    leave the floor; up to ``bottom_lookback`` earlier) and their level on the box at its
    turnaround (standing on the box); the take-off, where the lower foot has risen a quarter
    of the way to the box; the countermovement's bottom, the hips' lowest before it; the
    flight's top, where the hips stop rising after it; the time on the box, while the lower
    foot stays more than half way up to it; the touchdown, the feet within a tenth of the rise
    of their level on the box; and the landing's bottom, the hips' lowest after it (not in
    the flight, where a tuck can hold them lower still)."""
    frames = np.arange(ctx.bottom_frames[0], ctx.search_to + 1)
    feet = _lower_ankle(ctx, frames)
    hips = ctx.trusted(ctx.kin.hip_lift.facing, frames)
    start, turn = ctx.rep.start - frames[0], ctx.rep.turn - frames[0]
    before = feet[:start + 1][np.isfinite(feet[:start + 1])]
    floor, box = (np.median(before) if before.size else np.nan), feet[turn]
    rise = box - floor
    if not np.isfinite(rise) or rise <= 0:
        return Abstention(check=code, reason="the feet were not seen to stand higher on the "
                          "box than on the floor (a camera that moves loses the floor)")
    up = np.nan_to_num(feet, nan=-np.inf) > floor + 0.25 * rise
    takeoff = start + int(np.argmax(up[start:turn + 1]))
    dip = int(np.nanargmin(hips[:takeoff + 1])) if np.isfinite(hips[:takeoff + 1]).any() else 0
    climbing = np.diff(hips[takeoff:turn + 1]) > 0  # an unseen frame ends the climb
    apex = takeoff + (int(np.argmin(climbing)) if not climbing.all() else len(climbing))
    on_box = np.nan_to_num(feet, nan=-np.inf) > floor + 0.5 * rise
    after = np.flatnonzero(~on_box[apex:])
    leaves = apex + (int(after[0]) if after.size else len(frames) - apex)
    if leaves - apex < 2 or not np.isfinite(hips[apex:leaves]).any():
        return Abstention(check=code, reason="the lifter was not seen on the box")
    landed = np.flatnonzero(np.nan_to_num(feet[apex:leaves], nan=np.inf) <= box + 0.1 * rise)
    touchdown = apex + (int(landed[0]) if landed.size else 0)
    if not np.isfinite(hips[touchdown:leaves]).any():
        return Abstention(check=code, reason="the hips were not seen on the box")
    bottom = touchdown + int(np.nanargmin(hips[touchdown:leaves]))
    return Jump(frames[dip:apex + 1], frames[bottom:leaves],
                _feet_down(ctx, frames, leaves, floor + 0.5 * rise))


def _feet_down(ctx: RepContext, frames: np.ndarray, leaves: int, half: float
               ) -> tuple[int, int] | None:
    """The frames at which each foot first came half way down from the box, from ``leaves``
    on; None when one never does in the clip."""
    down = []
    for side in ("left", "right"):
        ankle = ctx.trusted(ctx.kin.ankle_lift[side], frames[leaves:])
        below = np.flatnonzero(np.nan_to_num(ankle, nan=np.inf) < half)
        if not below.size:
            return None
        down.append(int(frames[leaves + below[0]]))
    first, second = sorted(down)
    return first, second


def extension(ctx: RepContext, code: str, phase: str) -> Trace | Abstention:
    """The less open of the hip and knee angles (image, so from the side) over the jump's
    ``phase`` (a :class:`Jump` field): both open is the higher of the two's lower."""
    refused = needs_view(ctx, code, "sagittal_min_yaw")
    if refused is not None:
        return refused
    phases = jump_phases(ctx, code)
    if isinstance(phases, Abstention):
        return phases
    frames = getattr(phases, phase)
    hips, knees = (ctx.trusted(angle.facing, frames)
                   for angle in (ctx.kin.hip_angle, ctx.kin.knee_angle))
    return covered(ctx, code, frames, np.fmin(hips, knees))


def takeoff_measure(ctx: RepContext) -> Measured:
    """Hips and knees (the less open of the two) from the countermovement to the top of the
    flight: at their most open, the moment the feet leave."""
    return extension(ctx, "incomplete_extension", "flight")


@rule(faults=("incomplete_extension",), series=("hip_angle", "knee_angle", "ankle_lift",
                                                "hip_lift"),
      thresholds=("takeoff_extension", "sagittal_min_yaw"), measure=takeoff_measure)
def incomplete_extension(ctx: RepContext, cue: str) -> Verdict:
    """The jump leaves before the hips and knees open fully: their most open at take-off."""
    return extreme_past(ctx, "incomplete_extension", takeoff_measure(ctx), "max",
                        limit="takeoff_extension", worse="below", cue=cue)


def landing_measure(ctx: RepContext) -> Measured:
    """How far the knees bent to absorb the landing: the straightest knee standing on the box
    less the knee at the hips' lowest point in the landing, degrees (one value per rep)."""
    code = "stiff_landing"
    phases = jump_phases(ctx, code)
    if isinstance(phases, Abstention):
        return phases
    knees = seen(ctx, code, ctx.kin.knee_angle.facing, phases.standing)
    if isinstance(knees, Abstention):
        return knees
    bottom = phases.standing[0]
    if not np.isfinite(knees.values[0]):
        return Abstention(check=code, reason="the knee was not seen at the bottom of the landing")
    return Trace(np.array([bottom]), np.array([np.nanmax(knees.values) - knees.values[0]]))


@rule(faults=("stiff_landing",), series=("knee_angle", "ankle_lift", "hip_lift"),
      thresholds=("landing_knee_bend", "sagittal_min_yaw"), measure=landing_measure)
def stiff_landing(ctx: RepContext, cue: str) -> Verdict:
    """The landing is taken on straight legs: the knees' bend at its bottom. (How fast the
    landing is absorbed is not judged: at 30 frames/s it lasts a handful of frames.)"""
    return extreme_past(ctx, "stiff_landing", landing_measure(ctx), "min",
                        limit="landing_knee_bend", worse="below", cue=cue)


def standing_measure(ctx: RepContext) -> Measured:
    """Hips and knees (the less open) on the box after the landing, until a foot leaves it."""
    return extension(ctx, "not_standing_tall", "standing")


@rule(faults=("not_standing_tall",), series=("hip_angle", "knee_angle", "ankle_lift",
                                             "hip_lift"),
      thresholds=("standing_extension", "sagittal_min_yaw"), measure=standing_measure)
def not_standing_tall(ctx: RepContext, cue: str) -> Verdict:
    """The lifter never stands up on the box ("a complete opening of the knees and hips"): the
    most open the hips and knees get there."""
    return extreme_past(ctx, "not_standing_tall", standing_measure(ctx), "max",
                        limit="standing_extension", worse="below", cue=cue)


def step_down_measure(ctx: RepContext) -> Measured:
    """The time between the two feet coming down off the box, seconds: a step down puts one
    foot down well before the other, a jump down both at once. Heights, so any view will do;
    nothing to judge when the clip ends on the box."""
    phases = jump_phases(ctx, "jumping_down")
    if isinstance(phases, Abstention) or phases.off is None:
        return None if not isinstance(phases, Abstention) else phases
    first, second = phases.off
    times = ctx.kin.times
    return Trace(np.array([first]), np.array([times[second] - times[first]]))


@rule(faults=("jumping_down",), series=("ankle_lift", "hip_lift"),
      thresholds=("step_down_s",), measure=step_down_measure)
def jumping_down(ctx: RepContext, cue: str) -> Verdict:
    """The lifter jumps down off the box (both feet together, a landing from the box's height
    on every rep) instead of stepping down."""
    return extreme_past(ctx, "jumping_down", step_down_measure(ctx), "min",
                        limit="step_down_s", worse="below", cue=cue)
