"""The squat's checks: depth, forward lean, heels and knees."""

from __future__ import annotations

import numpy as np

from formcheck.holds import sustained
from formcheck.report import Abstention
from formcheck.rules.core import (
    RepContext,
    Trace,
    Verdict,
    covered,
    extreme_past,
    needs_front,
    rule,
    seen,
)


def depth_measure(ctx: RepContext) -> Trace | Abstention:
    """The hip joint's height above the knee joint over the rep: its lowest is the depth."""
    return seen(ctx, "squat_depth", ctx.kin.hip_above_knee.facing, ctx.bottom_frames)


@rule(faults=("squat_depth",), series=("hip_above_knee",),
      thresholds=("depth_hip_above_knee", "sagittal_min_yaw"), measure=depth_measure)
def squat_depth(ctx: RepContext, cue: str) -> Verdict:
    """Not down to parallel: the hip joint still above the knee joint at the deepest frame."""
    return extreme_past(ctx, "squat_depth", depth_measure(ctx), "min",
                        limit="depth_hip_above_knee", worse="above", cue=cue)


def forward_lean_measure(ctx: RepContext) -> Trace | Abstention:
    """The trunk's inclination over the rep."""
    return seen(ctx, "forward_lean", ctx.kin.trunk_inclination.facing, ctx.frames)


@rule(faults=("forward_lean",), series=("trunk_inclination",),
      thresholds=("squat_trunk_inclination", "sagittal_min_yaw"), measure=forward_lean_measure)
def forward_lean(ctx: RepContext, cue: str) -> Verdict:
    """The chest drops: the trunk's greatest inclination in a squat, which should stay as
    close to vertical as the lifter's build allows."""
    return extreme_past(ctx, "forward_lean", forward_lean_measure(ctx), "max",
                        limit="squat_trunk_inclination", worse="above", cue=cue)


def heel_lift_measure(ctx: RepContext) -> Trace | Abstention:
    """How far the heel rises during the rep above the foot flat, both held for
    ``spine_sustain``. A heel can only leave the floor upwards, so the foot flat is the heel's
    lowest level, looked for from the previous rep's bottom on (the stand before the descent
    included: the rep's own first frames are already moving). Held, so that a flicker of the
    heel landmark, up or down (one frame at -0.16 trunk lengths in the vivekkumar split-screen
    clip), is neither a lift nor the floor."""
    code = "heel_lift"
    measured = seen(ctx, code, ctx.kin.heel_rise.facing, ctx.frames)
    if isinstance(measured, Abstention):
        return measured
    times, hold = ctx.kin.times, ctx.t("spine_sustain")
    before = np.arange(ctx.search_from, ctx.rep.end + 1)
    floor = -sustained(-ctx.trusted(ctx.kin.heel_rise.facing, before), times[before], hold)
    if not np.isfinite(floor).any():
        return Abstention(check=code, reason="the heel was not seen still long enough to tell")
    held = sustained(measured.values, times[measured.frames], hold)
    return Trace(measured.frames, held - np.nanmin(floor))


@rule(faults=("heel_lift",), series=("heel_rise",),
      thresholds=("heel_rise", "sagittal_min_yaw", "spine_sustain"), measure=heel_lift_measure)
def heel_lift(ctx: RepContext, cue: str) -> Verdict:
    """The heels come off the floor: the weight rocks onto the toes."""
    return extreme_past(ctx, "heel_lift", heel_lift_measure(ctx), "max",
                        limit="heel_rise", worse="above", cue=cue)


def knee_width_measure(ctx: RepContext) -> Trace | Abstention:
    """Knee width over toe width in the deep part of the rep: the frames whose knee flexion
    (the lift's driver, read from any view) is past ``valgus_depth_share`` of the rep's
    range. Standing, knees narrower than the toes are normal (Exercise-Correction's up stage
    allows 0.5); the knees must track the toes once bent."""
    code = "knee_valgus"
    refused = needs_front(ctx, code, "front_max_yaw")
    if refused is not None:
        return refused
    frames = ctx.frames
    flexion = ctx.trusted(ctx.kin.knee_flexion.facing, frames)
    if not np.isfinite(flexion).any():
        return Abstention(check=code, reason="the knees were not clearly visible")
    low, high = np.nanmin(flexion), np.nanmax(flexion)
    deep = frames[flexion >= low + ctx.t("valgus_depth_share") * (high - low)]
    return covered(ctx, code, deep, ctx.trusted(ctx.kin.knee_width_ratio, deep))


@rule(faults=("knee_valgus",), series=("knee_width_ratio", "knee_flexion"),
      thresholds=("knee_foot_ratio", "front_max_yaw", "valgus_depth_share"),
      measure=knee_width_measure)
def knee_valgus(ctx: RepContext, cue: str) -> Verdict:
    """The knees cave in: the knees' narrowest width against the toes' in the deep part."""
    return extreme_past(ctx, "knee_valgus", knee_width_measure(ctx), "min",
                        limit="knee_foot_ratio", worse="below", cue=cue)
