"""The checks of lifts judged per rep on their working side (:mod:`formcheck.sides`): a one-arm
row's trunk rotation, a lunge's depth at the rear knee and a racked bell kept in the rack.
The checks they share with two-sided lifts (a row's torso and elbows, a squat's lean, a
thrust's shins) are those lifts' own, reading the rep's working side."""

from __future__ import annotations

import numpy as np

from formcheck.report import Abstention
from formcheck.rules.core import RepContext, Trace, Verdict, extreme_past, mapped, rule, seen
from formcheck.rules.row import _above_lowest
from formcheck.series import more_of
from formcheck.sides import other


def rotation_measure(ctx: RepContext) -> Trace | Abstention:
    """The shoulders' turn against the hips over the rep, above its least: how far the trunk
    twists within the rep. From any view: the world landmarks measure it in 3-D."""
    return mapped(seen(ctx, "trunk_rotation", ctx.kin.trunk_twist, ctx.frames, min_yaw=None),
                  _above_lowest)


@rule(faults=("trunk_rotation",), series=("trunk_twist",), thresholds=("trunk_rotation",),
      measure=rotation_measure)
def trunk_rotation(ctx: RepContext, cue: str) -> Verdict:
    """The trunk turns to heave the weight: the shoulders open against the hips (the
    counter-rotation a one-arm row should resist), the range of their turn over the rep."""
    return extreme_past(ctx, "trunk_rotation", rotation_measure(ctx), "max",
                        limit="trunk_rotation", worse="above", cue=cue)


def rear_knee_measure(ctx: RepContext) -> Trace | Abstention:
    """The rear knee's height off the floor (above the planted foot's ankle) at the rep's
    turnaround, the bottom: the lunge's depth. The rear leg is the one that is not the rep's
    working (front) one. A height, so any view will do; but a rear knee within
    ``rear_knee_apart`` of the front one in the image is hidden behind it (a front view), where
    the model guesses it on the front leg: then it abstains."""
    code = "shallow_lunge"
    side = ctx.working_side or ctx.kin.facing
    bottom = np.array([ctx.rep.turn])
    measured = seen(ctx, code, ctx.kin.knee_over_floor[other(side)], bottom, min_yaw=None)
    gap = ctx.trusted(ctx.kin.knee_gap, bottom)
    if isinstance(measured, Trace) and not gap[0] >= ctx.t("rear_knee_apart"):
        return Abstention(check=code, reason="the rear knee was hidden behind the front leg at "
                          "the bottom (the knees together in the picture): film a little from "
                          "the side")
    return measured


@rule(faults=("shallow_lunge",), series=("knee_over_floor", "knee_gap"),
      thresholds=("lunge_knee_height", "rear_knee_apart"), measure=rear_knee_measure)
def shallow_lunge(ctx: RepContext, cue: str) -> Verdict:
    """Not down: the rear knee still off the floor at the bottom of the rep."""
    return extreme_past(ctx, "shallow_lunge", rear_knee_measure(ctx), "min",
                        limit="lunge_knee_height", worse="above", cue=cue)


def rack_measure(ctx: RepContext) -> Trace | Abstention:
    """The higher wrist's height between hip (0) and shoulder (1) over the rep: a bell racked
    at the chest keeps the hand holding it near the shoulder whichever hand that is. A height,
    so any view will do."""
    return seen(ctx, "rack_dropped", more_of(ctx.kin.wrist_height), ctx.frames, min_yaw=None)


@rule(faults=("rack_dropped",), series=("wrist_height",), thresholds=("rack_wrist_height",),
      measure=rack_measure)
def rack_dropped(ctx: RepContext, cue: str) -> Verdict:
    """The bell slips out of the rack: the holding hand's lowest height in the rep."""
    return extreme_past(ctx, "rack_dropped", rack_measure(ctx), "min",
                        limit="rack_wrist_height", worse="below", cue=cue)


