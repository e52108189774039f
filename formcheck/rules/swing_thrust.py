"""The swing's and the hip thrust's checks: the bell's height, the torso and shins at the top
of a thrust, and a single-leg thrust's hip drop."""

from __future__ import annotations

import numpy as np

from formcheck.counting import driver_signal
from formcheck.report import Abstention
from formcheck.rules.core import (
    RepContext,
    Trace,
    Verdict,
    covered,
    extreme_past,
    judge,
    mapped,
    needs_front,
    rule,
    seen,
)


def swing_height_measure(ctx: RepContext) -> Trace | Abstention:
    """The hands' height relative to hip and shoulder over the rep.

    Any view will do: heights relative to the lifter's own hip and shoulder read the same from
    the front as from the side.
    """
    return seen(ctx, "swing_height", ctx.kin.wrist_height.facing, ctx.frames, min_yaw=None)


@rule(faults=("low_swing", "high_swing"), series=("wrist_height",),
      thresholds=("swing_height_min", "swing_height_max"), measure=swing_height_measure)
def swing_height(ctx: RepContext, low_cue: str, high_cue: str) -> Verdict:
    """Where the bell (the hands) peaks, relative to hip and shoulder height."""
    measured = swing_height_measure(ctx)
    if isinstance(measured, Abstention):
        return measured
    peak = measured.pick("max")
    return judge(ctx, "low_swing", *peak, limit="swing_height_min", worse="below",
                 cue=low_cue) or judge(
        ctx, "high_swing", *peak, limit="swing_height_max", worse="above", cue=high_cue
    )


def torso_tilt_measure(ctx: RepContext) -> Trace | Abstention:
    """The torso's tilt from level (shoulders up is negative) at the top of the rep."""
    return mapped(seen(ctx, "torso_not_parallel", ctx.kin.trunk_inclination.facing,
                         np.array([ctx.rep.turn])), lambda inclination: inclination - 90.0)


@rule(faults=("torso_not_parallel", "hyperextension"), series=("trunk_inclination",),
      thresholds=("torso_tilt_min", "torso_tilt_max", "sagittal_min_yaw"),
      measure=torso_tilt_measure)
def torso_tilt(ctx: RepContext, low_cue: str, arch_cue: str) -> Verdict:
    """At the top of a thrust the torso should be level (a bridge: tilted, shoulders on the
    floor). Shoulders higher than that means the hips stopped low (torso_not_parallel); hips
    pushed past it means the lower back arched to get there (hyperextension)."""
    measured = torso_tilt_measure(ctx)
    if isinstance(measured, Abstention):
        return measured
    tilt = measured.pick("max")
    return judge(ctx, "torso_not_parallel", *tilt, limit="torso_tilt_min",
                 worse="below", cue=low_cue) or judge(
        ctx, "hyperextension", *tilt, limit="torso_tilt_max", worse="above", cue=arch_cue
    )


def shin_measure(ctx: RepContext) -> Trace | Abstention:
    """The shins' inclination from vertical at the top of the rep."""
    return seen(ctx, "shins_not_vertical", ctx.kin.shin_inclination.facing,
                np.array([ctx.rep.turn]))


@rule(faults=("shins_not_vertical",), series=("shin_inclination",),
      thresholds=("shin_inclination", "sagittal_min_yaw"), measure=shin_measure)
def shins_not_vertical(ctx: RepContext, cue: str) -> Verdict:
    """At the top of a thrust the shins should stand vertical over the ankles."""
    return extreme_past(ctx, "shins_not_vertical", shin_measure(ctx), "max",
                        limit="shin_inclination", worse="above", cue=cue)


def hip_drop_measure(ctx: RepContext) -> Trace | Abstention:
    """How far the pelvis tilts towards the free leg's side at the top of the rep, beyond its
    tilt at the bottom (the driver's lowest point before the top, where the hips rest, level):
    a check of a lift that turns at the top, a thrust.

    From the bottom, not from level: a camera not quite level, or the model's bias, tilts
    every frame alike and cancels out. The free side is the leg the lift is not judged on
    (:mod:`formcheck.legs`); with no working leg found, a tilt either way counts.
    """
    code = "hip_drop"
    refused = needs_front(ctx, code, "hip_drop_max_yaw")
    if refused is not None:
        return refused
    low = driver_signal(ctx.kin, ctx.lift)[ctx.bottom_frames]
    if not np.isfinite(low).any():
        return Abstention(check=code, reason="the bottom of the rep was not seen")
    frames = np.array([ctx.bottom_frames[np.nanargmin(low)], ctx.rep.turn])
    measured = covered(ctx, code, frames, ctx.trusted(ctx.kin.pelvis_tilt, frames))
    if isinstance(measured, Abstention):
        return measured
    bottom, top = measured.values
    if not np.isfinite(bottom + top):
        return Abstention(check=code, reason="the hips were not clearly visible at the bottom "
                          "and the top")
    rise = top - bottom  # positive: the left hip dropped
    leg = ctx.kin.working_leg
    toward_free = abs(rise) if leg is None else rise if leg == "right" else -rise
    return Trace(frames[1:], np.array([toward_free]))


@rule(faults=("hip_drop",), series=("pelvis_tilt",),
      thresholds=("hip_drop", "hip_drop_max_yaw"), measure=hip_drop_measure)
def hip_drop(ctx: RepContext, cue: str) -> Verdict:
    """At the top of a single-leg thrust the pelvis should stay level: the free side sagging
    means the working hip does not hold it."""
    return extreme_past(ctx, "hip_drop", hip_drop_measure(ctx), "max",
                        limit="hip_drop", worse="above", cue=cue)
