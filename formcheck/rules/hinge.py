"""The hinge's checks: depth, knees, back, hips first, bar path, lockout, lean-back, a rack
pull's hitch and a pull-through's arms and pause."""

from __future__ import annotations

import numpy as np

from formcheck.holds import held_for, sustained
from formcheck.report import Abstention
from formcheck.rules.core import (
    Measured,
    RepContext,
    Trace,
    Verdict,
    elbow_measure,
    extreme_past,
    mapped,
    needs_view,
    rule,
    seen,
)


def lockout_measure(ctx: RepContext) -> Trace | Abstention:
    """The hip angle around the top of the rep: in a lift on both legs, per frame the more
    open of the two hips where the far one is seen too.

    Both hips open together at a lockout, so one reading bent while the other reads open is
    the model's error, not the lifter's: a plate between the camera and the near hip drags
    that hip's landmark onto the plate (mattiolato Bad_000002/3: near 121-131°, far 177-180°
    at lockout). A short lockout bends both. A lift judged on one leg reads that leg only.
    """
    hips = ctx.kin.hip_angle
    measured = seen(ctx, "incomplete_lockout", hips.facing, ctx.top_frames)
    if isinstance(measured, Abstention) or ctx.kin.working_leg is not None:
        return measured
    return mapped(measured, lambda near: np.fmax(near, ctx.trusted(hips.far, ctx.top_frames)))


@rule(faults=("incomplete_lockout",), series=("hip_angle",),
      thresholds=("lockout_hip_angle", "sagittal_min_yaw"), measure=lockout_measure)
def incomplete_lockout(ctx: RepContext, cue: str) -> Verdict:
    """The hips never open fully at the top: the most extended hip angle of the rep."""
    return extreme_past(ctx, "incomplete_lockout", lockout_measure(ctx), "max",
                        limit="lockout_hip_angle", worse="below", cue=cue)


def lean_back_measure(ctx: RepContext) -> Trace | Abstention:
    """How far the trunk leans back past vertical around the top of the rep (a lift that turns
    at the bottom, a pull-through: in the stand after it, where the lean-back is; its own
    frames end where the trunk passes vertical): the trunk's lean, negated, forward taken in
    each rep as the way the trunk leans furthest, which in every lift judged on it is the
    hinge at the bottom.

    Why per rep: the clip's forward, found once from the feet, is wrong for the reps of a
    lifter who turns round in the clip or a film that cuts between shots (Ulisses' dowel
    deadlift faces right for reps 1-5 and left for 11-15, where a 55° forward lean read as
    55° back; the front-view shots of jf9ss9's read 31-33° back).
    """
    measured = seen(ctx, "hyperextension", ctx.kin.trunk_lean.facing, ctx.top_frames)
    if isinstance(measured, Abstention):
        return measured
    deepest = measured.values[np.nanargmax(np.abs(measured.values))]
    return mapped(measured, lambda lean: lean if deepest < 0 else -lean)


@rule(faults=("hyperextension",), series=("trunk_lean",),
      thresholds=("lean_back", "sagittal_min_yaw"), measure=lean_back_measure)
def hyperextension(ctx: RepContext, cue: str) -> Verdict:
    """Leaning back past vertical at the top: the trunk's most backward lean in the rep."""
    return extreme_past(ctx, "hyperextension", lean_back_measure(ctx), "max",
                        limit="lean_back", worse="above", cue=cue)


def hinge_measure(ctx: RepContext) -> Trace | Abstention:
    """The trunk's inclination around the bottom of the rep, in 3-D: the hinge's depth is the
    trunk's, not its image's, which a camera off the side foreshortens (a Russian swing filmed
    45° off the front reads 16-24° in the image, 38-43° in 3-D; side views read alike to 1-4°)."""
    return seen(ctx, "shallow_hinge", ctx.kin.trunk_inclination_3d.facing, ctx.bottom_frames)


@rule(faults=("shallow_hinge",), series=("trunk_inclination_3d",),
      thresholds=("hinge_trunk_inclination", "sagittal_min_yaw"), measure=hinge_measure)
def shallow_hinge(ctx: RepContext, cue: str) -> Verdict:
    """Not enough hinge at the bottom: the trunk's greatest inclination in the rep."""
    return extreme_past(ctx, "shallow_hinge", hinge_measure(ctx), "max",
                        limit="hinge_trunk_inclination", worse="below", cue=cue)


def knee_share_measure(ctx: RepContext) -> Trace | Abstention:
    """Knee flexion over hip flexion at the deepest hip bend: one value per rep."""
    code = "squatted_hinge"
    hips = seen(ctx, code, ctx.kin.hip_angle.facing, ctx.bottom_frames)
    if isinstance(hips, Abstention):
        return hips
    hip, frame = hips.pick("min")
    knee = ctx.trusted(ctx.kin.knee_angle.facing, np.array([frame]))[0]
    if not np.isfinite(knee) or hip >= 180:
        return Abstention(check=code, reason="the knee was not clearly visible at the bottom")
    return Trace(np.array([frame]), np.array([(180.0 - knee) / (180.0 - hip)]))


@rule(faults=("squatted_hinge",), series=("hip_angle", "knee_angle"),
      thresholds=("knee_to_hip_flexion", "sagittal_min_yaw"), measure=knee_share_measure)
def squatted_hinge(ctx: RepContext, cue: str) -> Verdict:
    """Knees doing the hips' work: knee flexion over hip flexion at the deepest hip bend."""
    return extreme_past(ctx, "squatted_hinge", knee_share_measure(ctx), "max",
                        limit="knee_to_hip_flexion", worse="above", cue=cue)


NEVER_STANDING = "never seen standing tall in this clip: no neutral back to compare with"
"""Why the back is not judged in a clip without standing frames, unless the lift declares a
``neutral_back_reference`` to compare with instead."""


def back_bend_measure(ctx: RepContext) -> Measured:
    """The back's bend beyond the lifter's own standing one, held for ``spine_sustain``, over
    the frames with the trunk well inclined (NaN in the others). In a clip that never shows
    the lifter standing tall, beyond the lift's ``neutral_back_reference`` if it has one (a
    typical lifter's standing back), else not judged (:data:`NEVER_STANDING`).

    Only those frames count: that is where a flexed spine is loaded, and where the contour of
    a flat back is a straight line.
    """
    code = "rounded_back"
    refused = needs_view(ctx, code, "spine_min_yaw")
    if refused is not None:
        return refused
    neutral = ctx.neutral_back
    if neutral is None and "neutral_back_reference" not in ctx.lift.thresholds:
        return Abstention(check=code, reason=NEVER_STANDING)
    if neutral is None:
        neutral = ctx.t("neutral_back_reference")
    frames = ctx.loaded_frames
    lean = ctx.trusted(ctx.kin.trunk_lean.facing, frames)
    inclined = np.where(
        np.isfinite(lean), lean, ctx.trusted(ctx.kin.trunk_inclination.facing, frames)
    )
    loaded = frames[inclined >= ctx.t("spine_loaded_inclination")]
    if loaded.size == 0:
        return None  # a trunk that never leans forward never loads the spine in flexion
    hidden = ctx.kin.back_hidden[loaded].mean()
    if hidden > 1.0 - ctx.t("min_coverage"):
        return Abstention(
            check=code, reason=f"the arms were behind the back in {hidden:.0%} of the loaded "
            "frames, hiding its outline",
        )
    loaded = loaded[~ctx.kin.back_hidden[loaded]]
    bend = ctx.trusted(ctx.kin.back_bend, frames)
    bend[~np.isin(frames, loaded)] = np.nan
    if not loaded.size or np.isfinite(bend).sum() < ctx.t("min_coverage") * loaded.size:
        return Abstention(check=code, reason="the back's outline was not traced in enough frames")
    held = sustained(bend, ctx.kin.times[frames], ctx.t("spine_sustain"))
    if not np.isfinite(held).any():
        return None  # loaded only in passing, never for as long as a bend must be held
    return Trace(frames, held - neutral)


@rule(faults=("rounded_back",),
      series=("back_bend", "back_hidden", "trunk_lean", "trunk_inclination"),
      thresholds=("back_bend", "spine_min_yaw", "spine_loaded_inclination", "spine_sustain",
                  "upright_inclination", "neutral_back_min_frames"),
      measure=back_bend_measure)
def rounded_back(ctx: RepContext, cue: str) -> Verdict:
    """The back bows out under load, compared with the same lifter's back standing tall."""
    return extreme_past(ctx, "rounded_back", back_bend_measure(ctx), "max",
                        limit="back_bend", worse="above", cue=cue)


def hip_lead_measure(ctx: RepContext) -> Trace | Abstention:
    """How much more the hips have risen than the shoulders since the pull started, in trunk
    lengths: the shoulders-over-hips height closing as the back tips towards horizontal.

    Rippetoe's hips rising first is the back angle changing as the weight comes up: hips and
    shoulders should rise together. Heights, not each one's share of its own rise: from the
    floor the shoulders travel further than the hips, so a pull whose hips and shoulders rise
    together by the same amount (back angle kept) still has the hips ahead in share.

    The pull starts where the hips are lowest, which in this fault comes before the hip angle
    starts to open (the knees straighten first, tipping the trunk forward); so the search for
    the bottom looks back to the previous top. A lift whose weight rests on the floor before
    each pull (it declares ``lift_off_rise``) starts later, at lift-off: the last frame its
    hands sit within ``lift_off_rise`` of their lowest. Hips raised while the weight still
    rests on the floor are the set-up, not the pull. It ends where the hips are highest: past
    that the weight is on its way down, and a trunk tipping forward to lower it is no fault.
    """
    code = "hips_rise_first"
    refused = needs_view(ctx, code, "sagittal_min_yaw")
    if refused is not None:
        return refused
    window = ctx.bottom_frames
    hip = ctx.trusted(ctx.kin.hip_height.facing, window)
    shoulder = ctx.trusted(ctx.kin.shoulder_height.facing, window)
    shown = np.isfinite(hip) & np.isfinite(shoulder)
    if shown.mean() < ctx.t("min_coverage"):
        return Abstention(check=code, reason="hips and shoulders were not clearly visible")
    start = int(np.nanargmin(np.where(shown, hip, np.nan)))
    if "lift_off_rise" in ctx.lift.thresholds:
        hands = ctx.trusted(ctx.kin.hand_height.facing, window)
        if not np.isfinite(hands).any():
            return Abstention(check=code, reason="the hands were not clearly visible")
        resting = np.nan_to_num(hands, nan=np.inf) <= np.nanmin(hands) + ctx.t("lift_off_rise")
        start = max(start, int(np.flatnonzero(resting)[-1]))
    if not np.isfinite(hip[start] + shoulder[start]):
        return Abstention(check=code, reason="hips and shoulders were not clearly visible as "
                          "the pull started")
    stop = start + int(np.nanargmax(hip[start:])) + 1  # the hips top out: the pull is over
    lead = (hip[start:stop] - hip[start]) - (shoulder[start:stop] - shoulder[start])
    return Trace(window[start:stop], lead)


@rule(faults=("hips_rise_first",),
      series=("hip_height", "shoulder_height", "hand_height"),
      thresholds=("hip_lead", "sagittal_min_yaw"), measure=hip_lead_measure)
def hips_rise_first(ctx: RepContext, cue: str) -> Verdict:
    """Hips shoot up while the shoulders stay down: the hips' greatest lead in the pull."""
    return extreme_past(ctx, "hips_rise_first", hip_lead_measure(ctx), "max",
                        limit="hip_lead", worse="above", cue=cue)


def bar_offset_measure(ctx: RepContext) -> Trace | Abstention:
    """Where the hands are, forward of mid-foot, while lifting."""
    return seen(ctx, "bar_drift", ctx.kin.wrist_offset.facing, ctx.lifting_frames)


@rule(faults=("bar_drift",), series=("wrist_offset",),
      thresholds=("bar_offset", "sagittal_min_yaw"), measure=bar_offset_measure)
def bar_drift(ctx: RepContext, cue: str) -> Verdict:
    """The hands (and the bar) wander forward of mid-foot during the pull."""
    return extreme_past(ctx, "bar_drift", bar_offset_measure(ctx), "max",
                        limit="bar_offset", worse="above", cue=cue)


def knee_rebend_measure(ctx: RepContext) -> Trace | Abstention:
    """How far the knees have bent again below the straightest they had held, while the hips
    are still opening: a hitch, the knees dipping under a bar stalled at the thighs.

    From the rep's start to the first frame the hips are at their most open (after that the
    weight has stopped rising: standing sway is not a hitch). Both ends are held for
    ``knee_rebend_sustain``, so tracking noise cannot fake one: the running maximum counts only
    a knee angle kept that long (a one-frame spike up would otherwise raise it for the rest of
    the pull), and the drop below it only if kept that long too.
    """
    code = "knee_rebend"
    lifting = ctx.lifting_frames
    hips = ctx.trusted(ctx.kin.hip_angle.facing, lifting)
    if not np.isfinite(hips).any():
        return Abstention(check=code, reason="the hips were not clearly visible in the pull")
    window = lifting[: int(np.nanargmax(hips)) + 1]
    hold, times = ctx.t("knee_rebend_sustain"), ctx.kin.times[window]

    def held_drop(knee: np.ndarray) -> np.ndarray:
        straightest = np.fmax.accumulate(sustained(knee, times, hold))
        return sustained(np.maximum(straightest - knee, 0.0), times, hold)  # straighter: 0

    measured = mapped(seen(ctx, code, ctx.kin.knee_angle.facing, window), held_drop)
    if isinstance(measured, Trace) and not np.isfinite(measured.values).any():
        return Abstention(check=code, reason="the knees were not seen for long enough in the "
                          "pull to tell a held re-bend")
    return measured


@rule(faults=("knee_rebend",), series=("knee_angle", "hip_angle"),
      thresholds=("knee_rebend", "knee_rebend_sustain", "sagittal_min_yaw"),
      measure=knee_rebend_measure)
def knee_rebend(ctx: RepContext, cue: str) -> Verdict:
    """Hitching: the knees bend again while the weight is still rising."""
    return extreme_past(ctx, "knee_rebend", knee_rebend_measure(ctx), "max",
                        limit="knee_rebend", worse="above", cue=cue)


def straight_arm_measure(ctx: RepContext) -> Trace | Abstention:
    """The elbow angle over the rep as held for ``arm_sustain`` (per frame, the straightest it
    gets over that long), where shoulder, elbow and wrist were all seen.

    Seen: in a pull-through the hands work between the legs, so a rep whose wrist the model
    could not see is not judged rather than judged on a guessed wrist. Held: a wrist the model
    jumps for a frame or two bends a straight arm for that long, a lifter rowing the rope
    keeps the bend."""
    code = "arms_bent"
    measured = elbow_measure(ctx, code, ctx.frames)
    if isinstance(measured, Abstention):
        return measured
    hold = ctx.t("arm_sustain")
    held = -sustained(-measured.values, ctx.kin.times[measured.frames], hold)
    if not np.isfinite(held).any():
        return Abstention(check=code, reason=f"the arms were never seen for {hold:g} s at a "
                          "stretch")
    return Trace(measured.frames, held)


@rule(faults=("arms_bent",), series=("elbow_angle",),
      thresholds=("straight_arm_angle", "arm_sustain", "sagittal_min_yaw"),
      measure=straight_arm_measure)
def arms_bent(ctx: RepContext, cue: str) -> Verdict:
    """Pulling with the arms where they should only hold the load (a pull-through's rope): the
    most bent elbow of the rep."""
    return extreme_past(ctx, "arms_bent", straight_arm_measure(ctx), "min",
                        limit="straight_arm_angle", worse="below", cue=cue)


def pause_measure(ctx: RepContext) -> Trace | Abstention:
    """How long the trunk stays at the bottom: per frame, the length of the unbroken hold
    within ``pause_still`` of the rep's deepest inclination that the frame is part of.

    Why near the deepest and not still: a lifter holding the bottom sways a degree or two, and
    the model's trunk jitters as much, so a pause is the trunk staying down, not frozen; the
    band is narrow enough that a rep turning without a pause spends only a moment in it."""
    measured = seen(ctx, "short_pause", ctx.kin.trunk_inclination.facing, ctx.bottom_frames)
    if isinstance(measured, Abstention):
        return measured
    deepest = np.nanmax(measured.values)
    near = np.nan_to_num(measured.values, nan=-np.inf) >= deepest - ctx.t("pause_still")
    return Trace(measured.frames, held_for(near, ctx.kin.times[measured.frames]))


@rule(faults=("short_pause",), series=("trunk_inclination",),
      thresholds=("pause_s", "pause_still", "sagittal_min_yaw"), measure=pause_measure)
def short_pause(ctx: RepContext, cue: str) -> Verdict:
    """A paused rep that does not pause: the longest hold at the bottom, shorter than the
    stated pause."""
    return extreme_past(ctx, "short_pause", pause_measure(ctx), "max",
                        limit="pause_s", worse="below", cue=cue)
