"""The pull-up's checks: chin over the bar, dead hang, kipping and the descent."""

from __future__ import annotations

import numpy as np

from formcheck.report import Abstention
from formcheck.rules.core import (
    Measured,
    RepContext,
    Trace,
    Verdict,
    covered,
    extreme_past,
    needs_front,
    rule,
    seen,
)


def chin_measure(ctx: RepContext) -> Trace | Abstention:
    """The mouth's height over the hands around the top of the rep. Any view will do: a
    height against the lifter's own hands reads the same from the front and the side."""
    return seen(ctx, "chin_not_over_bar", ctx.kin.mouth_over_hands, ctx.top_frames,
                min_yaw=None)


@rule(faults=("chin_not_over_bar",), series=("mouth_over_hands",),
      thresholds=("no_rep_chin_clearance",), measure=chin_measure)
def chin_not_over_bar(ctx: RepContext, cue: str) -> Verdict:
    """The chin never rises over the bar: the mouth's greatest height over the hands."""
    return extreme_past(ctx, "chin_not_over_bar", chin_measure(ctx), "max",
                        limit="no_rep_chin_clearance", worse="below", cue=cue)


def hang_measure(ctx: RepContext) -> Trace | Abstention:
    """The elbow angle from the previous rep's top to the next one's, whose straightest
    moments are the hangs before and after this rep (the rep's own ends lie at the edge of the
    rest band, a little short of the hang).

    From the front or back only: the elbows bend out to the sides, in the frontal plane, so
    from the side a bent arm is seen edge-on and looks straighter than it is."""
    refused = needs_front(ctx, "no_dead_hang", "frontal_max_yaw")
    if refused is not None:
        return refused
    return seen(ctx, "no_dead_hang", ctx.kin.elbow_angle.facing,
                np.arange(ctx.search_from, ctx.search_to + 1), min_yaw=None)


@rule(faults=("no_dead_hang",), series=("elbow_angle",),
      thresholds=("dead_hang_elbow_angle", "frontal_max_yaw"), measure=hang_measure)
def no_dead_hang(ctx: RepContext, cue: str) -> Verdict:
    """The arms never straighten between reps: the straightest elbow angle of the rep."""
    return extreme_past(ctx, "no_dead_hang", hang_measure(ctx), "max",
                        limit="dead_hang_elbow_angle", worse="below", cue=cue)


def swing_measure(ctx: RepContext) -> Trace | Abstention:
    """How far hips and knees fold and open during the pull: per frame, the larger of the two
    angles' height above its own lowest in the pull, whose maximum is the larger range. In 3-D,
    so legs driven up towards the camera read as they would from the side."""
    frames = ctx.lifting_frames
    travel = [ctx.trusted(angle.facing, frames) for angle in
              (ctx.kin.hip_angle_3d, ctx.kin.knee_angle_3d)]
    with np.errstate(invalid="ignore"):
        above = [angle - np.nanmin(angle) if np.isfinite(angle).any() else angle
                 for angle in travel]
    return covered(ctx, "kipping", frames, np.fmax(*above))


@rule(faults=("kipping",), series=("hip_angle_3d", "knee_angle_3d"),
      thresholds=("kip_range",), measure=swing_measure)
def kipping(ctx: RepContext, cue: str) -> Verdict:
    """The legs swing to drive the pull: the hips' or knees' greatest travel in it."""
    return extreme_past(ctx, "kipping", swing_measure(ctx), "max",
                        limit="kip_range", worse="above", cue=cue)


def descent_measure(ctx: RepContext) -> Measured:
    """How long the lowering took, from the top back to the hang: one value per rep; nothing
    to judge when the clip ends before it."""
    lowering = ctx.rep.eccentric_s
    if lowering is None:
        return None
    return Trace(np.array([ctx.rep.end]), np.array([lowering]))


@rule(faults=("fast_descent",), series=(), thresholds=("descent_s",),
      measure=descent_measure)
def fast_descent(ctx: RepContext, cue: str) -> Verdict:
    """The lowering is dropped, not controlled: the time from the top back to the hang."""
    return extreme_past(ctx, "fast_descent", descent_measure(ctx), "min",
                        limit="descent_s", worse="below", cue=cue)
