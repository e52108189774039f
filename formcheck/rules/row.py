"""The barbell row's checks: torso angle and swing, hip drive, how far the bar travels, and a
Pendlay row's dead stop."""

from __future__ import annotations

import numpy as np

from formcheck.holds import held_for
from formcheck.report import Abstention
from formcheck.rules.core import (
    RepContext,
    Trace,
    Verdict,
    elbow_measure,
    extreme_past,
    mapped,
    rule,
    seen,
)


def row_trunk_measure(ctx: RepContext) -> Trace | Abstention:
    """The trunk's inclination from vertical while the bar is pulled up."""
    return seen(ctx, "torso_too_upright", ctx.kin.trunk_inclination.facing,
                ctx.lifting_frames)


@rule(faults=("torso_too_upright",), series=("trunk_inclination",),
      thresholds=("row_trunk_inclination", "sagittal_min_yaw"), measure=row_trunk_measure)
def torso_too_upright(ctx: RepContext, cue: str) -> Verdict:
    """A row pulled with the chest up works the traps, not the back: the trunk's most upright
    moment in the pull."""
    return extreme_past(ctx, "torso_too_upright", row_trunk_measure(ctx), "min",
                        limit="row_trunk_inclination", worse="below", cue=cue)


def _above_lowest(values: np.ndarray) -> np.ndarray:
    """How far each value lies above the lowest of them: their range, frame by frame."""
    return values - np.nanmin(values)


def _above_lowest_yet(values: np.ndarray) -> np.ndarray:
    """How far each value lies above the lowest before it: how far it has since opened."""
    return values - np.fmin.accumulate(values)


def torso_swing_measure(ctx: RepContext) -> Trace | Abstention:
    """The trunk's inclination over the rep, above its most upright moment: the rep's range of
    trunk motion, which a strict row holds still."""
    return mapped(seen(ctx, "torso_swing", ctx.kin.trunk_inclination.facing, ctx.frames),
                   _above_lowest)


@rule(faults=("torso_swing",), series=("trunk_inclination",),
      thresholds=("torso_swing", "sagittal_min_yaw"), measure=torso_swing_measure)
def torso_swing(ctx: RepContext, cue: str) -> Verdict:
    """Body English: the trunk rocking up to heave the bar and down again, the range of its
    inclination over the rep."""
    return extreme_past(ctx, "torso_swing", torso_swing_measure(ctx), "max",
                        limit="torso_swing", worse="above", cue=cue)


def hip_drive_measure(ctx: RepContext) -> Trace | Abstention:
    """How far the hips open during the pull past their most closed moment before: the snap
    of hip extension that throws the bar up."""
    return mapped(seen(ctx, "hip_drive", ctx.kin.hip_angle.facing, ctx.lifting_frames),
                   _above_lowest_yet)


@rule(faults=("hip_drive",), series=("hip_angle",),
      thresholds=("hip_drive", "sagittal_min_yaw"), measure=hip_drive_measure)
def hip_drive(ctx: RepContext, cue: str) -> Verdict:
    """The hips open to start the bar: a row that has turned into a Romanian deadlift, the
    greatest opening of the hip angle in the pull."""
    return extreme_past(ctx, "hip_drive", hip_drive_measure(ctx), "max",
                        limit="hip_drive", worse="above", cue=cue)


def short_row_measure(ctx: RepContext) -> Trace | Abstention:
    """The elbow angle over the rep: at its smallest, how far the bar came up."""
    return elbow_measure(ctx, "short_row", ctx.frames)


@rule(faults=("short_row",), series=("elbow_angle",),
      thresholds=("row_elbow_angle", "sagittal_min_yaw"), measure=short_row_measure)
def short_row(ctx: RepContext, cue: str) -> Verdict:
    """The bar stops short of the torso: the elbows' deepest bend in the rep."""
    return extreme_past(ctx, "short_row", short_row_measure(ctx), "min",
                        limit="row_elbow_angle", worse="above", cue=cue)


def extension_measure(ctx: RepContext) -> Trace | Abstention:
    """The elbow angle around the bottom of the rep, before and as the pull starts."""
    return elbow_measure(ctx, "no_extension", ctx.bottom_frames)


@rule(faults=("no_extension",), series=("elbow_angle",),
      thresholds=("extension_elbow_angle", "sagittal_min_yaw"), measure=extension_measure)
def no_extension(ctx: RepContext, cue: str) -> Verdict:
    """The arms never straighten between reps: the elbows' straightest moment at the bottom."""
    return extreme_past(ctx, "no_extension", extension_measure(ctx), "max",
                        limit="extension_elbow_angle", worse="below", cue=cue)


def dead_stop_measure(ctx: RepContext) -> Trace | Abstention:
    """How long the hands have rested at the floor before the pull, frame by frame: still
    (slower than ``dead_stop_speed``) and at their lowest (within ``dead_stop_band`` of it).
    A Pendlay row starts each rep from the floor; a touch-and-go only turns there.

    Any view will do: the hands' height over the ankles reads the same from the front."""
    code = "no_dead_stop"
    measured = seen(ctx, code, ctx.kin.hand_height.facing, ctx.bottom_frames, min_yaw=None)
    if isinstance(measured, Abstention):
        return measured
    height, times = measured.values, ctx.kin.times[measured.frames]
    speed = np.abs(np.gradient(height, times))
    still = np.nan_to_num(speed, nan=np.inf) <= ctx.t("dead_stop_speed")
    low = np.nan_to_num(height, nan=np.inf) <= np.nanmin(height) + ctx.t("dead_stop_band")
    return Trace(measured.frames, held_for(still & low, times))


@rule(faults=("no_dead_stop",), series=("hand_height",),
      thresholds=("dead_stop_s", "dead_stop_speed", "dead_stop_band"),
      measure=dead_stop_measure)
def no_dead_stop(ctx: RepContext, cue: str) -> Verdict:
    """A Pendlay row touch-and-goes: the longest rest of the hands at the floor before the
    pull, shorter than ``dead_stop_s`` (0 turns the check off, for rows without a dead stop)."""
    return extreme_past(ctx, "no_dead_stop", dead_stop_measure(ctx), "max",
                        limit="dead_stop_s", worse="below", cue=cue)
