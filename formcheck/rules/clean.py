"""The power clean's checks: the arms bending before the hips finish, the bar looping away from
the body, and how deep the bar is caught. Its hips rising first and its back rounding are the
deadlift's checks (:mod:`formcheck.rules.hinge`): the pull from the floor is one."""

from __future__ import annotations

import numpy as np

from formcheck.counting import racked
from formcheck.report import Abstention
from formcheck.rules.core import (
    RepContext,
    Trace,
    Verdict,
    covered,
    extreme_past,
    judge,
    needs_view,
    rule,
    seen,
)


def arm_bend_measure(ctx: RepContext) -> Trace | Abstention:
    """The elbow angle in the pull before the hips first open to ``arm_bend_hip_angle`` (the
    end of the second pull; all of the pull if they never do), from the side: the arms bend
    forward and up, which a front view sees end-on.

    Abstains on video sparser than ``arm_bend_max_interval`` between frames: the second pull
    lasts about 0.2 s and a good lifter bends the arms right as the hips finish, so the two
    events lie a frame or two apart at 30 frames/s, and their order is not in the pictures."""
    code = "early_arm_bend"
    times = ctx.kin.times[ctx.rep.frames]
    interval = float(np.median(np.diff(times))) if times.size > 1 else np.inf
    if not interval <= ctx.t("arm_bend_max_interval") * 1.01:
        return Abstention(check=code, reason=(
            f"needs {1 / ctx.t('arm_bend_max_interval'):.0f} frames/s or more (the video has "
            f"{1 / interval:.0f}): the second pull lasts about 0.2 s, too short to tell whether "
            "the arms bent before the hips finished; film faster and analyse with --fps source"))
    refused = needs_view(ctx, code, "sagittal_min_yaw")
    if refused is not None:
        return refused
    frames = ctx.lifting_frames
    hips = ctx.trusted(ctx.kin.hip_angle.facing, frames)
    opened = np.flatnonzero(np.nan_to_num(hips, nan=-np.inf) >= ctx.t("arm_bend_hip_angle"))
    before = frames[:opened[0] + 1] if opened.size else frames
    return covered(ctx, code, before, ctx.trusted(ctx.kin.elbow_angle.facing, before))


@rule(faults=("early_arm_bend",), series=("elbow_angle", "hip_angle"),
      thresholds=("arm_bend_elbow_angle", "arm_bend_hip_angle", "arm_bend_max_interval",
                  "sagittal_min_yaw"),
      measure=arm_bend_measure)
def early_arm_bend(ctx: RepContext, cue: str) -> Verdict:
    """The arms pull before the hips have finished driving the bar: the most bent elbow before
    the hips open ("when the arms bend, the power ends")."""
    return extreme_past(ctx, "early_arm_bend", arm_bend_measure(ctx), "min",
                        limit="arm_bend_elbow_angle", worse="below", cue=cue)


def bar_loop_measure(ctx: RepContext) -> Trace | Abstention:
    """How far the wrists (the bar) lie in front of the hip-to-shoulder line while they travel
    from the hips to the shoulders, up to the catch: from the side only, since from the front
    the distance points at the camera."""
    code = "bar_loop"
    refused = needs_view(ctx, code, "sagittal_min_yaw")
    if refused is not None:
        return refused
    frames = ctx.lifting_frames
    up = ctx.trusted(ctx.kin.wrist_height.facing, frames)
    between = frames[(np.nan_to_num(up, nan=-np.inf) >= 0.0) & (up <= 1.0)]
    if between.size == 0:
        return Abstention(check=code, reason="the wrists were not seen between the hips and "
                          "the shoulders in the pull")
    return seen(ctx, code, ctx.kin.wrist_from_trunk.facing, between, min_yaw=None)


@rule(faults=("bar_loop",), series=("wrist_from_trunk", "wrist_height"),
      thresholds=("bar_loop", "sagittal_min_yaw"), measure=bar_loop_measure)
def bar_loop(ctx: RepContext, cue: str) -> Verdict:
    """The bar swings out away from the body in the top of the pull (hips bumping it forward,
    arms pulling it round): the wrists' greatest distance in front of the trunk's line."""
    return extreme_past(ctx, "bar_loop", bar_loop_measure(ctx), "max",
                        limit="bar_loop", worse="above", cue=cue)


def catch_frames(ctx: RepContext) -> np.ndarray:
    """The catch: from the rep's turnaround (the bar first racked) while it stays racked, the
    stand up with it included, before it is lowered."""
    held = racked(ctx.kin, ctx.lift)[ctx.rep.turn:ctx.search_to + 1]
    lowered = np.flatnonzero(~held)
    return np.arange(ctx.rep.turn, ctx.rep.turn + (int(lowered[0]) if lowered.size
                                                   else held.size))


def catch_measure(ctx: RepContext) -> Trace | Abstention:
    """How far the hips sit above the knees through the catch, in trunk lengths (0 at
    parallel); a height, so any view will do."""
    frames = catch_frames(ctx)
    if frames.size == 0 or not racked(ctx.kin, ctx.lift)[ctx.rep.turn]:
        return Abstention(check="catch_depth", reason="the bar was never racked on the "
                          "shoulders in this rep (elbows up, the wrists above them and still)")
    return seen(ctx, "catch_depth", ctx.kin.hip_above_knee.facing, frames, min_yaw=None)


def catch_bend_measure(ctx: RepContext) -> Trace | Abstention:
    """The knee angle (3-D, so from any view) through the catch."""
    return seen(ctx, "catch_depth", ctx.kin.knee_angle_3d.facing, catch_frames(ctx),
                min_yaw=None)


@rule(faults=("squat_catch", "stiff_catch"),
      series=("hip_above_knee", "knee_angle_3d", "elbow_over_shoulder", "forearm_rise",
              "wrist_speed"),
      thresholds=("catch_hip_above_knee", "catch_knee_angle", "rack_elbow_height"),
      measure=catch_measure)
def catch_depth(ctx: RepContext, low_cue: str, stiff_cue: str) -> Verdict:
    """How deep the bar is caught: a power clean is received above parallel (the hips' lowest
    point in the catch still over the knees), in a partial squat that absorbs it (the knees'
    deepest bend in the catch)."""
    depth = catch_measure(ctx)
    if isinstance(depth, Abstention):
        return depth
    low = judge(ctx, "squat_catch", *depth.pick("min"), limit="catch_hip_above_knee",
                worse="below", cue=low_cue)
    bend = catch_bend_measure(ctx)
    if low is not None or isinstance(bend, Abstention):
        return low or bend
    return judge(ctx, "stiff_catch", *bend.pick("min"), limit="catch_knee_angle",
                 worse="above", cue=stiff_cue)
