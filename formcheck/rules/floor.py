"""The kneeling and lying lifts' checks: the glute-ham raise's body line, depth and top, and
the ball curl's curl and extension."""

from __future__ import annotations

import numpy as np

from formcheck.report import Abstention
from formcheck.rules.core import (
    RepContext,
    Trace,
    Verdict,
    extreme_past,
    judge,
    mapped,
    rule,
    seen,
)


def body_line_measure(ctx: RepContext) -> Trace | Abstention:
    """The hip angle (shoulder-hip-knee) over the rep: the straight line from knee to shoulder
    that a kneeling or bridged lift holds, broken at the hips."""
    return seen(ctx, "body_line", ctx.kin.hip_angle.facing, ctx.frames)


@rule(faults=("body_line",), series=("hip_angle",),
      thresholds=("body_line_hip_angle", "sagittal_min_yaw"), measure=body_line_measure)
def body_line(ctx: RepContext, cue: str) -> Verdict:
    """The body bends at the hips where it should stay straight from knee to shoulder: piking
    in a glute-ham raise, hips sagging in a ball curl. One measure, the rep's smallest hip
    angle; each lift sets its own limit."""
    return extreme_past(ctx, "body_line", body_line_measure(ctx), "min",
                        limit="body_line_hip_angle", worse="below", cue=cue)


def eccentric_depth_measure(ctx: RepContext) -> Trace | Abstention:
    """How far above level the knee-to-shoulder line stays over the rep, in degrees (0 level)."""
    return mapped(seen(ctx, "shallow_eccentric", ctx.kin.kneel_lean.facing, ctx.frames),
                   lambda lean: 90.0 - np.abs(lean))


@rule(faults=("shallow_eccentric",), series=("kneel_lean",),
      thresholds=("eccentric_from_level", "sagittal_min_yaw"), measure=eccentric_depth_measure)
def shallow_eccentric(ctx: RepContext, cue: str) -> Verdict:
    """A kneeling lowering stopped short: the body's lowest angle above level in the rep."""
    return extreme_past(ctx, "shallow_eccentric", eccentric_depth_measure(ctx), "min",
                        limit="eccentric_from_level", worse="above", cue=cue)


def kneeling_top_measure(ctx: RepContext) -> Trace | Abstention:
    """The knee-to-shoulder line's lean from vertical around the top (forward positive)."""
    return seen(ctx, "kneeling_top", ctx.kin.kneel_lean.facing, ctx.top_frames)


@rule(faults=("incomplete_lockout", "hyperextension"), series=("kneel_lean",),
      thresholds=("upright_lean_max", "upright_lean_min", "sagittal_min_yaw"),
      measure=kneeling_top_measure)
def kneeling_top(ctx: RepContext, cue: str, arch_cue: str) -> Verdict:
    """At the top of a kneeling lift the body stands upright over the knees. Its most upright
    lean around the top still forward past ``upright_lean_max`` is an unfinished rep
    (incomplete_lockout); back past ``upright_lean_min``, leaning back over the feet, is
    hyperextension.

    Why not the standing rules: their lockout is the hip angle, which a kneeling body keeps
    open all the way down, and their lean-back is signed by where the toes point, which is
    behind a kneeling lifter."""
    measured = kneeling_top_measure(ctx)
    if isinstance(measured, Abstention):
        return measured
    top = measured.pick("min")
    return judge(ctx, "incomplete_lockout", *top, limit="upright_lean_max", worse="above",
                 cue=cue) or judge(
        ctx, "hyperextension", *top, limit="upright_lean_min", worse="below", cue=arch_cue
    )


def curl_measure(ctx: RepContext) -> Trace | Abstention:
    """The knee angle over the rep: smallest at the curl."""
    return seen(ctx, "short_curl", ctx.kin.knee_angle.facing, ctx.frames)


@rule(faults=("short_curl",), series=("knee_angle",),
      thresholds=("curl_knee_angle", "sagittal_min_yaw"), measure=curl_measure)
def short_curl(ctx: RepContext, cue: str) -> Verdict:
    """The heels not pulled in: the rep's smallest knee angle."""
    return extreme_past(ctx, "short_curl", curl_measure(ctx), "min",
                        limit="curl_knee_angle", worse="above", cue=cue)


def leg_extension_measure(ctx: RepContext) -> Trace | Abstention:
    """The knee angle from the extension the curl starts from (``bottom_frames``: the rep's
    own start lies where the knee has already begun to bend) to the curl."""
    return seen(ctx, "no_leg_extension", ctx.kin.knee_angle.facing, ctx.bottom_frames)


@rule(faults=("no_leg_extension",), series=("knee_angle",),
      thresholds=("extension_knee_angle", "sagittal_min_yaw"), measure=leg_extension_measure)
def no_leg_extension(ctx: RepContext, cue: str) -> Verdict:
    """The legs not straightened between curls: the largest knee angle before the curl."""
    return extreme_past(ctx, "no_leg_extension", leg_extension_measure(ctx), "max",
                        limit="extension_knee_angle", worse="below", cue=cue)
