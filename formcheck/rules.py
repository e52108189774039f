"""The checks a coach makes, written once and shared by the lifts that need them.

A check looks at one rep and returns a :class:`~formcheck.report.Fault` when it sees the fault,
``None`` when the rep passes, or an :class:`~formcheck.report.Abstention` when it cannot tell:
the camera does not see the plane the check measures in, or the joints it needs were not
visible enough. It never guesses. Every limit comes from the lift's thresholds by name.

Every rule is registered in :data:`RULES` with what it can report, what it reads and which
thresholds it needs; a lift's TOML file names the rules it uses and gives their cues, and
loading the lift checks all of that up front (:func:`formcheck.config.load_lift`). A new lift
that reuses these rules is a TOML file; a genuinely new check is one more registered rule.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from formcheck.counting import driver_signal
from formcheck.evidence import Evidence
from formcheck.holds import held_for, sustained
from formcheck.kinematics import Kinematics
from formcheck.lift import Lift
from formcheck.report import Abstention, Fault
from formcheck.reps import Rep
from formcheck.series import SERIES, Series
from formcheck.view import ViewEstimate

Verdict = Fault | Abstention | None
Check = Callable[["RepContext"], Verdict]


@dataclass(frozen=True)
class RepContext:
    """What the checks see of one rep."""

    rep: Rep
    kin: Kinematics
    view: ViewEstimate
    lift: Lift
    neutral_back: float | None
    """The lifter's own back bend when standing tall in this clip; None if never seen."""
    search_from: int
    """First frame worth looking back to for this rep's true bottom: the previous rep's
    turnaround, or the clip's start."""
    search_to: int
    """Last frame worth looking ahead to for this rep's finish: the next rep's turnaround, or
    the clip's end."""
    evidence: Evidence | None = None
    """What each check was measured to get right per view bucket; a check abstains from a
    bucket where it does not hold up (see :mod:`formcheck.evidence`). None: no such gate."""

    @property
    def frames(self) -> np.ndarray:
        return np.arange(self.rep.start, self.rep.end + 1)

    @property
    def lifting_frames(self) -> np.ndarray:
        """The concentric half: from the bottom up to the top."""
        rep = self.rep
        if rep.turn_at == "top":
            return np.arange(rep.start, rep.turn + 1)
        return np.arange(rep.turn, rep.end + 1)

    @property
    def top_frames(self) -> np.ndarray:
        """Where this rep's standing finish lies: the turnaround itself for a lift that turns at
        the top; for one that turns at the bottom, the stand that follows (up to the next rep),
        which the rep's own frames only reach the edge of."""
        if self.rep.turn_at == "top":
            return self.frames
        return np.arange(self.rep.turn, self.search_to + 1)

    @property
    def loaded_frames(self) -> np.ndarray:
        """The frames in which this rep can load the back: from just before it starts (so a
        bend held as the weight leaves the floor counts) to its end."""
        times = self.kin.times
        lift_off = np.searchsorted(times, times[self.rep.start] - self.t("spine_sustain"))
        return np.arange(max(self.search_from, int(lift_off)), self.rep.end + 1)

    @property
    def bottom_frames(self) -> np.ndarray:
        """Where the bottom of this rep lies: the rep itself for a lift that turns at the bottom;
        else from shortly before the rep starts (at most ``bottom_lookback``, and not before
        the previous top) to its top: a pull's floor position, a swing's backswing. The rep's
        own start is where the driver begins to rise, which in a hips-first pull comes after
        the hips have already risen."""
        if self.rep.turn_at == "bottom":
            return self.frames
        times = self.kin.times
        earliest = np.searchsorted(times, times[self.rep.start] - self.t("bottom_lookback"))
        return np.arange(max(self.search_from, int(earliest)), self.rep.turn + 1)

    def t(self, name: str) -> float:
        return self.lift.value(name)

    def trusted(self, series: Series, frames: np.ndarray) -> np.ndarray:
        """Values at ``frames`` where the landmarks were seen well enough; NaN elsewhere."""
        return series.trusted(self.t("min_visibility"))[frames]


@dataclass(frozen=True)
class Rule:
    """A registered check: the function, and what a lift using it must know and provide."""

    name: str
    function: Callable[..., Verdict]
    faults: tuple[str, ...]
    """Fault codes it can report."""
    series: tuple[str, ...]
    """Kinematic series it reads (what a report plots for it)."""
    thresholds: tuple[str, ...]
    """Thresholds it needs beyond the common ones (``<name>_major`` ones are optional)."""
    cues: tuple[str, ...]
    """Its cue parameters, which the lift's TOML fills in."""
    measure: Callable[[RepContext], Measured]
    """What it measures in a rep, frame by frame: the numbers its faults come from, for a
    report to plot against the thresholds."""


RULES: dict[str, Rule] = {}
"""Every rule, by name."""


def rule(
    *,
    faults: tuple[str, ...],
    series: tuple[str, ...],
    thresholds: tuple[str, ...],
    measure: Callable[[RepContext], Measured],
) -> Callable[[Callable[..., Verdict]], Callable[..., Verdict]]:
    """Register a check under its function's name; its cue parameters are its keyword-only
    ``*cue`` arguments."""

    unknown = [name for name in series if name not in SERIES]
    if unknown:
        raise ValueError(f"rule reads unknown series {', '.join(unknown)}")

    def register(function: Callable[..., Verdict]) -> Callable[..., Verdict]:
        if function.__name__ in RULES:  # a lift names its rules: two of one name is a bug
            raise ValueError(f"a rule named {function.__name__} is registered already")
        cues = tuple(name for name in inspect.signature(function).parameters if "cue" in name)
        RULES[function.__name__] = Rule(function.__name__, function, faults, series,
                                        thresholds, cues, measure)
        return function

    return register


def run_checks(ctx: RepContext) -> list[Verdict]:
    """Every check of the rep's lift, in the order the lift lists them; a check whose evidence
    does not hold up from this camera's view bucket abstains instead, saying so."""
    return [_gated(ctx, RULES[check.rule], RULES[check.rule].function(ctx, **check.cues))
            for check in ctx.lift.checks]


def _gated(ctx: RepContext, rule: Rule, verdict: Verdict) -> Verdict:
    if ctx.evidence is None or isinstance(verdict, Abstention):
        return verdict
    why = ctx.evidence.why_not(rule.faults, ctx.view.view) or next(
        (reason for code in rule.faults
         if (reason := ctx.evidence.unmeasured_thresholds(code, judged_with(rule, ctx.lift)))),
        None)
    return verdict if why is None else Abstention(check=rule.name, reason=why)


def judged_with(rule: Rule, lift: Lift) -> dict[str, float]:
    """The threshold values ``rule`` judges with in ``lift`` (its major twins included; the
    view gates left out: the evidence's view buckets stand for them)."""
    names = [name for base in rule.thresholds if not base.endswith(("_min_yaw", "_max_yaw"))
             for name in (base, f"{base}_major")]
    return {name: lift.value(name) for name in names if name in lift.thresholds}


def needs_view(ctx: RepContext, check: str, min_yaw: str) -> Abstention | None:
    """Abstain unless the camera is at least ``min_yaw`` (a threshold name) from the front.

    Sagittal angles seen from the front are foreshortened into nonsense, so a check that
    measures them must not run on a front view.
    """
    yaw = ctx.view.yaw_deg
    if not np.isfinite(yaw):
        return Abstention(check=check, reason="the camera view could not be estimated")
    if yaw < ctx.t(min_yaw):
        return Abstention(
            check=check,
            reason=f"needs a side view; the camera is {yaw:.0f}° from the front "
            f"(at least {ctx.t(min_yaw):.0f}° needed)",
        )
    return None


@dataclass(frozen=True)
class Trace:
    """What a check measured in one rep, frame by frame; it judges the extreme of ``values``.

    Kept apart from the verdict so the report can plot the very numbers a fault came from. One
    frame when the check looks at a single moment (the top of a thrust, the deepest hip bend):
    then the measure is a per-rep value, not a curve.
    """

    frames: np.ndarray
    values: np.ndarray
    """In the unit of the check's thresholds; NaN where the joints were not seen well enough."""

    def pick(self, which: Literal["max", "min"]) -> tuple[float, int]:
        """The extreme value and the frame where it occurs."""
        at = np.nanargmax(self.values) if which == "max" else np.nanargmin(self.values)
        return float(self.values[at]), int(self.frames[at])


Measured = Trace | Abstention | None
"""A check's measure of a rep: None when the rep gives it nothing to fault (a trunk that never
leans forward never loads the back), an Abstention when it cannot tell."""


def covered(ctx: RepContext, check: str, frames: np.ndarray, values: np.ndarray
            ) -> Trace | Abstention:
    """``values`` over ``frames`` as a trace, or an abstention when too few of them were trusted:
    the extreme of a rep half-hidden from the camera may be exactly the part that was hidden."""
    seen = np.isfinite(values)
    if frames.size == 0 or seen.mean() < ctx.t("min_coverage"):
        share = 0.0 if frames.size == 0 else seen.mean()
        return Abstention(
            check=check,
            reason=f"the joints it needs were clearly visible in only {share:.0%} of the frames",
        )
    return Trace(frames, values)


def _seen(
    ctx: RepContext, code: str, series: Series, frames: np.ndarray,
    min_yaw: str | None = "sagittal_min_yaw",
) -> Trace | Abstention:
    """The usual preamble: abstain for the view, then for unseen joints; else the trusted values
    of ``series`` over ``frames``."""
    if min_yaw is not None:
        refused = needs_view(ctx, code, min_yaw)
        if refused is not None:
            return refused
    return far_leg(ctx, covered(ctx, code, frames, ctx.trusted(series, frames)))


def far_leg(ctx: RepContext, measured: Trace | Abstention) -> Trace | Abstention:
    """An abstention for joints not seen says so when the lift is judged on its working leg
    and that is the far one from the camera (:mod:`formcheck.legs`): the likely reason, and
    what filming from the other side would mend."""
    leg = ctx.kin.working_leg
    if not isinstance(measured, Abstention) or leg is None or leg == ctx.kin.facing:
        return measured
    return Abstention(check=measured.check, reason=f"the working leg ({leg}) is the far one "
                      f"from the camera and poorly seen: {measured.reason}")


def _mapped(measured: Trace | Abstention, how: Callable[[np.ndarray], np.ndarray]
            ) -> Trace | Abstention:
    """The trace with ``how`` applied to its values (an abstention passes through)."""
    if isinstance(measured, Abstention):
        return measured
    return Trace(measured.frames, how(measured.values))


def judge(
    ctx: RepContext,
    code: str,
    value: float,
    frame: int,
    *,
    limit: str,
    worse: Literal["above", "below"],
    cue: str,
) -> Fault | None:
    """A fault when ``value`` is past the threshold ``limit``; major past ``limit + "_major"``."""
    minor = ctx.lift.threshold(limit)
    major = ctx.lift.thresholds.get(f"{limit}_major")

    def past(threshold: float) -> bool:
        return value > threshold if worse == "above" else value < threshold

    if not past(minor.value):
        return None
    severe = major is not None and past(major.value)
    crossed = major if severe and major is not None else minor
    return Fault(
        code=code,
        severity="major" if severe else "minor",
        value=round(value, 3),
        threshold=crossed.value,
        unit=minor.unit,
        threshold_name=crossed.name,
        at_s=[round(float(ctx.kin.times[frame]), 3)],
        frames=[frame],
        cue=cue,
    )


def _extreme_past(
    ctx: RepContext,
    code: str,
    measured: Measured,
    which: Literal["max", "min"],
    *,
    limit: str,
    worse: Literal["above", "below"],
    cue: str,
) -> Verdict:
    """The commonest check: the extreme of one measure over the rep, judged against one
    threshold (the measure's abstention, or its having nothing to judge, passed on)."""
    if not isinstance(measured, Trace):
        return measured
    return judge(ctx, code, *measured.pick(which), limit=limit, worse=worse, cue=cue)


def lockout_measure(ctx: RepContext) -> Trace | Abstention:
    """The hip angle around the top of the rep."""
    return _seen(ctx, "incomplete_lockout", ctx.kin.hip_angle.facing, ctx.top_frames)


@rule(faults=("incomplete_lockout",), series=("hip_angle",),
      thresholds=("lockout_hip_angle", "sagittal_min_yaw"), measure=lockout_measure)
def incomplete_lockout(ctx: RepContext, cue: str) -> Verdict:
    """The hips never open fully at the top: the most extended hip angle of the rep."""
    return _extreme_past(ctx, "incomplete_lockout", lockout_measure(ctx), "max",
                         limit="lockout_hip_angle", worse="below", cue=cue)


def lean_back_measure(ctx: RepContext) -> Trace | Abstention:
    """How far the trunk leans back past vertical (the trunk's lean, negated)."""
    return _mapped(_seen(ctx, "hyperextension", ctx.kin.trunk_lean.facing, ctx.frames),
                   np.negative)


@rule(faults=("hyperextension",), series=("trunk_lean",),
      thresholds=("lean_back", "sagittal_min_yaw"), measure=lean_back_measure)
def hyperextension(ctx: RepContext, cue: str) -> Verdict:
    """Leaning back past vertical at the top: the trunk's most backward lean in the rep."""
    return _extreme_past(ctx, "hyperextension", lean_back_measure(ctx), "max",
                         limit="lean_back", worse="above", cue=cue)


def hinge_measure(ctx: RepContext) -> Trace | Abstention:
    """The trunk's inclination around the bottom of the rep."""
    return _seen(ctx, "shallow_hinge", ctx.kin.trunk_inclination.facing, ctx.bottom_frames)


@rule(faults=("shallow_hinge",), series=("trunk_inclination",),
      thresholds=("hinge_trunk_inclination", "sagittal_min_yaw"), measure=hinge_measure)
def shallow_hinge(ctx: RepContext, cue: str) -> Verdict:
    """Not enough hinge at the bottom: the trunk's greatest inclination in the rep."""
    return _extreme_past(ctx, "shallow_hinge", hinge_measure(ctx), "max",
                         limit="hinge_trunk_inclination", worse="below", cue=cue)


def knee_share_measure(ctx: RepContext) -> Trace | Abstention:
    """Knee flexion over hip flexion at the deepest hip bend: one value per rep."""
    code = "squatted_hinge"
    hips = _seen(ctx, code, ctx.kin.hip_angle.facing, ctx.bottom_frames)
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
    return _extreme_past(ctx, "squatted_hinge", knee_share_measure(ctx), "max",
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
    return _extreme_past(ctx, "rounded_back", back_bend_measure(ctx), "max",
                         limit="back_bend", worse="above", cue=cue)


def hip_lead_measure(ctx: RepContext) -> Trace | Abstention:
    """How far the hips' share of their rise runs ahead of the shoulders' share, from the
    lowest hip position to the top.

    The pull starts where the hips are lowest, which in this fault comes before the hip angle
    starts to open (the knees straighten first, tipping the trunk forward); so the search for
    the bottom looks back to the previous top.
    """
    code = "hips_rise_first"
    refused = needs_view(ctx, code, "sagittal_min_yaw")
    if refused is not None:
        return refused
    window = ctx.bottom_frames
    hip = ctx.trusted(ctx.kin.hip_height.facing, window)
    shoulder = ctx.trusted(ctx.kin.shoulder_height.facing, window)
    seen = np.isfinite(hip) & np.isfinite(shoulder)
    if seen.mean() < ctx.t("min_coverage"):
        return Abstention(check=code, reason="hips and shoulders were not clearly visible")
    bottom = int(np.nanargmin(np.where(seen, hip, np.nan)))
    hip, shoulder = hip[bottom:], shoulder[bottom:]

    def progress(height: np.ndarray) -> np.ndarray:
        rise = np.nanmax(height) - height[0]
        return (height - height[0]) / rise if rise > 0 else np.full_like(height, np.nan)

    lead = progress(hip) - progress(shoulder)
    if not np.isfinite(lead).any():
        return Abstention(check=code, reason="the hips did not rise in this rep")
    return Trace(window[bottom:], lead)


@rule(faults=("hips_rise_first",), series=("hip_height", "shoulder_height"),
      thresholds=("hip_lead", "sagittal_min_yaw"), measure=hip_lead_measure)
def hips_rise_first(ctx: RepContext, cue: str) -> Verdict:
    """Hips shoot up while the shoulders stay down: the hips' greatest lead in the pull."""
    return _extreme_past(ctx, "hips_rise_first", hip_lead_measure(ctx), "max",
                         limit="hip_lead", worse="above", cue=cue)


def bar_offset_measure(ctx: RepContext) -> Trace | Abstention:
    """Where the hands are, forward of mid-foot, while lifting."""
    return _seen(ctx, "bar_drift", ctx.kin.wrist_offset.facing, ctx.lifting_frames)


@rule(faults=("bar_drift",), series=("wrist_offset",),
      thresholds=("bar_offset", "sagittal_min_yaw"), measure=bar_offset_measure)
def bar_drift(ctx: RepContext, cue: str) -> Verdict:
    """The hands (and the bar) wander forward of mid-foot during the pull."""
    return _extreme_past(ctx, "bar_drift", bar_offset_measure(ctx), "max",
                         limit="bar_offset", worse="above", cue=cue)


def swing_height_measure(ctx: RepContext) -> Trace | Abstention:
    """The hands' height relative to hip and shoulder over the rep.

    Any view will do: heights relative to the lifter's own hip and shoulder read the same from
    the front as from the side.
    """
    return _seen(ctx, "swing_height", ctx.kin.wrist_height.facing, ctx.frames, min_yaw=None)


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
    return _mapped(_seen(ctx, "torso_not_parallel", ctx.kin.trunk_inclination.facing,
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
    return _seen(ctx, "shins_not_vertical", ctx.kin.shin_inclination.facing,
                 np.array([ctx.rep.turn]))


@rule(faults=("shins_not_vertical",), series=("shin_inclination",),
      thresholds=("shin_inclination", "sagittal_min_yaw"), measure=shin_measure)
def shins_not_vertical(ctx: RepContext, cue: str) -> Verdict:
    """At the top of a thrust the shins should stand vertical over the ankles."""
    return _extreme_past(ctx, "shins_not_vertical", shin_measure(ctx), "max",
                         limit="shin_inclination", worse="above", cue=cue)


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

    measured = _mapped(_seen(ctx, code, ctx.kin.knee_angle.facing, window), held_drop)
    if isinstance(measured, Trace) and not np.isfinite(measured.values).any():
        return Abstention(check=code, reason="the knees were not seen for long enough in the "
                          "pull to tell a held re-bend")
    return measured


@rule(faults=("knee_rebend",), series=("knee_angle", "hip_angle"),
      thresholds=("knee_rebend", "knee_rebend_sustain", "sagittal_min_yaw"),
      measure=knee_rebend_measure)
def knee_rebend(ctx: RepContext, cue: str) -> Verdict:
    """Hitching: the knees bend again while the weight is still rising."""
    return _extreme_past(ctx, "knee_rebend", knee_rebend_measure(ctx), "max",
                         limit="knee_rebend", worse="above", cue=cue)


def needs_front(ctx: RepContext, check: str, max_yaw: str) -> Abstention | None:
    """Abstain unless the camera is at most ``max_yaw`` (a threshold name) from the front or
    the back: the mirror of :func:`needs_view`, for a check measured across the body (knee to
    knee, hip to hip, an elbow bending in the frontal plane), which shrinks by cos(yaw) and
    from the side points at the camera."""
    yaw = ctx.view.yaw_deg
    if not np.isfinite(yaw):
        return Abstention(check=check, reason="the camera view could not be estimated")
    if yaw > ctx.t(max_yaw):
        return Abstention(
            check=check,
            reason=f"needs a view from the front or back; the camera is {yaw:.0f}° round from "
            f"the front (at most {ctx.t(max_yaw):.0f}°): across the body is not seen from "
            "the side",
        )
    return None


def depth_measure(ctx: RepContext) -> Trace | Abstention:
    """The hip joint's height above the knee joint over the rep: its lowest is the depth."""
    return _seen(ctx, "squat_depth", ctx.kin.hip_above_knee.facing, ctx.bottom_frames)


@rule(faults=("squat_depth",), series=("hip_above_knee",),
      thresholds=("depth_hip_above_knee", "sagittal_min_yaw"), measure=depth_measure)
def squat_depth(ctx: RepContext, cue: str) -> Verdict:
    """Not down to parallel: the hip joint still above the knee joint at the deepest frame."""
    return _extreme_past(ctx, "squat_depth", depth_measure(ctx), "min",
                         limit="depth_hip_above_knee", worse="above", cue=cue)


def forward_lean_measure(ctx: RepContext) -> Trace | Abstention:
    """The trunk's inclination over the rep."""
    return _seen(ctx, "forward_lean", ctx.kin.trunk_inclination.facing, ctx.frames)


@rule(faults=("forward_lean",), series=("trunk_inclination",),
      thresholds=("squat_trunk_inclination", "sagittal_min_yaw"), measure=forward_lean_measure)
def forward_lean(ctx: RepContext, cue: str) -> Verdict:
    """The chest drops: the trunk's greatest inclination in a squat, which should stay as
    close to vertical as the lifter's build allows."""
    return _extreme_past(ctx, "forward_lean", forward_lean_measure(ctx), "max",
                         limit="squat_trunk_inclination", worse="above", cue=cue)


def heel_lift_measure(ctx: RepContext) -> Trace | Abstention:
    """How far the heel rises during the rep above the foot flat, both held for
    ``spine_sustain``. A heel can only leave the floor upwards, so the foot flat is the heel's
    lowest level, looked for from the previous rep's bottom on (the stand before the descent
    included: the rep's own first frames are already moving). Held, so that a flicker of the
    heel landmark, up or down (one frame at -0.16 trunk lengths in the vivekkumar split-screen
    clip), is neither a lift nor the floor."""
    code = "heel_lift"
    measured = _seen(ctx, code, ctx.kin.heel_rise.facing, ctx.frames)
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
    return _extreme_past(ctx, "heel_lift", heel_lift_measure(ctx), "max",
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
    return _extreme_past(ctx, "knee_valgus", knee_width_measure(ctx), "min",
                         limit="knee_foot_ratio", worse="below", cue=cue)


def row_trunk_measure(ctx: RepContext) -> Trace | Abstention:
    """The trunk's inclination from vertical while the bar is pulled up."""
    return _seen(ctx, "torso_too_upright", ctx.kin.trunk_inclination.facing,
                 ctx.lifting_frames)


@rule(faults=("torso_too_upright",), series=("trunk_inclination",),
      thresholds=("row_trunk_inclination", "sagittal_min_yaw"), measure=row_trunk_measure)
def torso_too_upright(ctx: RepContext, cue: str) -> Verdict:
    """A row pulled with the chest up works the traps, not the back: the trunk's most upright
    moment in the pull."""
    return _extreme_past(ctx, "torso_too_upright", row_trunk_measure(ctx), "min",
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
    return _mapped(_seen(ctx, "torso_swing", ctx.kin.trunk_inclination.facing, ctx.frames),
                   _above_lowest)


@rule(faults=("torso_swing",), series=("trunk_inclination",),
      thresholds=("torso_swing", "sagittal_min_yaw"), measure=torso_swing_measure)
def torso_swing(ctx: RepContext, cue: str) -> Verdict:
    """Body English: the trunk rocking up to heave the bar and down again, the range of its
    inclination over the rep."""
    return _extreme_past(ctx, "torso_swing", torso_swing_measure(ctx), "max",
                         limit="torso_swing", worse="above", cue=cue)


def hip_drive_measure(ctx: RepContext) -> Trace | Abstention:
    """How far the hips open during the pull past their most closed moment before: the snap
    of hip extension that throws the bar up."""
    return _mapped(_seen(ctx, "hip_drive", ctx.kin.hip_angle.facing, ctx.lifting_frames),
                   _above_lowest_yet)


@rule(faults=("hip_drive",), series=("hip_angle",),
      thresholds=("hip_drive", "sagittal_min_yaw"), measure=hip_drive_measure)
def hip_drive(ctx: RepContext, cue: str) -> Verdict:
    """The hips open to start the bar: a row that has turned into a Romanian deadlift, the
    greatest opening of the hip angle in the pull."""
    return _extreme_past(ctx, "hip_drive", hip_drive_measure(ctx), "max",
                         limit="hip_drive", worse="above", cue=cue)


def elbow_measure(ctx: RepContext, code: str, frames: np.ndarray) -> Trace | Abstention:
    """The elbow angle (180 straight) over ``frames``."""
    return _seen(ctx, code, ctx.kin.elbow_angle.facing, frames)


def short_row_measure(ctx: RepContext) -> Trace | Abstention:
    """The elbow angle over the rep: at its smallest, how far the bar came up."""
    return elbow_measure(ctx, "short_row", ctx.frames)


@rule(faults=("short_row",), series=("elbow_angle",),
      thresholds=("row_elbow_angle", "sagittal_min_yaw"), measure=short_row_measure)
def short_row(ctx: RepContext, cue: str) -> Verdict:
    """The bar stops short of the torso: the elbows' deepest bend in the rep."""
    return _extreme_past(ctx, "short_row", short_row_measure(ctx), "min",
                         limit="row_elbow_angle", worse="above", cue=cue)


def extension_measure(ctx: RepContext) -> Trace | Abstention:
    """The elbow angle around the bottom of the rep, before and as the pull starts."""
    return elbow_measure(ctx, "no_extension", ctx.bottom_frames)


@rule(faults=("no_extension",), series=("elbow_angle",),
      thresholds=("extension_elbow_angle", "sagittal_min_yaw"), measure=extension_measure)
def no_extension(ctx: RepContext, cue: str) -> Verdict:
    """The arms never straighten between reps: the elbows' straightest moment at the bottom."""
    return _extreme_past(ctx, "no_extension", extension_measure(ctx), "max",
                         limit="extension_elbow_angle", worse="below", cue=cue)


def dead_stop_measure(ctx: RepContext) -> Trace | Abstention:
    """How long the hands have rested at the floor before the pull, frame by frame: still
    (slower than ``dead_stop_speed``) and at their lowest (within ``dead_stop_band`` of it).
    A Pendlay row starts each rep from the floor; a touch-and-go only turns there.

    Any view will do: the hands' height over the ankles reads the same from the front."""
    code = "no_dead_stop"
    measured = _seen(ctx, code, ctx.kin.hand_height.facing, ctx.bottom_frames, min_yaw=None)
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
    return _extreme_past(ctx, "no_dead_stop", dead_stop_measure(ctx), "max",
                         limit="dead_stop_s", worse="below", cue=cue)


def straight_arm_measure(ctx: RepContext) -> Trace | Abstention:
    """The elbow angle over the rep as held for ``arm_sustain`` (per frame, the straightest it
    gets over that long), where shoulder, elbow and wrist were all seen.

    Seen: in a pull-through the hands work between the legs, so a rep whose wrist the model
    could not see is not judged rather than judged on a guessed wrist. Held: a wrist the model
    jumps for a frame or two bends a straight arm for that long, a lifter rowing the rope
    keeps the bend."""
    code = "arms_bent"
    seen = elbow_measure(ctx, code, ctx.frames)
    if isinstance(seen, Abstention):
        return seen
    hold = ctx.t("arm_sustain")
    held = -sustained(-seen.values, ctx.kin.times[seen.frames], hold)
    if not np.isfinite(held).any():
        return Abstention(check=code, reason=f"the arms were never seen for {hold:g} s at a "
                          "stretch")
    return Trace(seen.frames, held)


@rule(faults=("arms_bent",), series=("elbow_angle",),
      thresholds=("straight_arm_angle", "arm_sustain", "sagittal_min_yaw"),
      measure=straight_arm_measure)
def arms_bent(ctx: RepContext, cue: str) -> Verdict:
    """Pulling with the arms where they should only hold the load (a pull-through's rope): the
    most bent elbow of the rep."""
    return _extreme_past(ctx, "arms_bent", straight_arm_measure(ctx), "min",
                         limit="straight_arm_angle", worse="below", cue=cue)


def pause_measure(ctx: RepContext) -> Trace | Abstention:
    """How long the trunk stays at the bottom: per frame, the length of the unbroken hold
    within ``pause_still`` of the rep's deepest inclination that the frame is part of.

    Why near the deepest and not still: a lifter holding the bottom sways a degree or two, and
    the model's trunk jitters as much, so a pause is the trunk staying down, not frozen; the
    band is narrow enough that a rep turning without a pause spends only a moment in it."""
    measured = _seen(ctx, "short_pause", ctx.kin.trunk_inclination.facing, ctx.bottom_frames)
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
    return _extreme_past(ctx, "short_pause", pause_measure(ctx), "max",
                         limit="pause_s", worse="below", cue=cue)


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
    return _extreme_past(ctx, "hip_drop", hip_drop_measure(ctx), "max",
                         limit="hip_drop", worse="above", cue=cue)


def body_line_measure(ctx: RepContext) -> Trace | Abstention:
    """The hip angle (shoulder-hip-knee) over the rep: the straight line from knee to shoulder
    that a kneeling or bridged lift holds, broken at the hips."""
    return _seen(ctx, "body_line", ctx.kin.hip_angle.facing, ctx.frames)


@rule(faults=("body_line",), series=("hip_angle",),
      thresholds=("body_line_hip_angle", "sagittal_min_yaw"), measure=body_line_measure)
def body_line(ctx: RepContext, cue: str) -> Verdict:
    """The body bends at the hips where it should stay straight from knee to shoulder: piking
    in a glute-ham raise, hips sagging in a ball curl. One measure, the rep's smallest hip
    angle; each lift sets its own limit."""
    return _extreme_past(ctx, "body_line", body_line_measure(ctx), "min",
                         limit="body_line_hip_angle", worse="below", cue=cue)


def eccentric_depth_measure(ctx: RepContext) -> Trace | Abstention:
    """How far above level the knee-to-shoulder line stays over the rep, in degrees (0 level)."""
    return _mapped(_seen(ctx, "shallow_eccentric", ctx.kin.kneel_lean.facing, ctx.frames),
                   lambda lean: 90.0 - np.abs(lean))


@rule(faults=("shallow_eccentric",), series=("kneel_lean",),
      thresholds=("eccentric_from_level", "sagittal_min_yaw"), measure=eccentric_depth_measure)
def shallow_eccentric(ctx: RepContext, cue: str) -> Verdict:
    """A kneeling lowering stopped short: the body's lowest angle above level in the rep."""
    return _extreme_past(ctx, "shallow_eccentric", eccentric_depth_measure(ctx), "min",
                         limit="eccentric_from_level", worse="above", cue=cue)


def kneeling_top_measure(ctx: RepContext) -> Trace | Abstention:
    """The knee-to-shoulder line's lean from vertical around the top (forward positive)."""
    return _seen(ctx, "kneeling_top", ctx.kin.kneel_lean.facing, ctx.top_frames)


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
    return _seen(ctx, "short_curl", ctx.kin.knee_angle.facing, ctx.frames)


@rule(faults=("short_curl",), series=("knee_angle",),
      thresholds=("curl_knee_angle", "sagittal_min_yaw"), measure=curl_measure)
def short_curl(ctx: RepContext, cue: str) -> Verdict:
    """The heels not pulled in: the rep's smallest knee angle."""
    return _extreme_past(ctx, "short_curl", curl_measure(ctx), "min",
                         limit="curl_knee_angle", worse="above", cue=cue)


def leg_extension_measure(ctx: RepContext) -> Trace | Abstention:
    """The knee angle from the extension the curl starts from (``bottom_frames``: the rep's
    own start lies where the knee has already begun to bend) to the curl."""
    return _seen(ctx, "no_leg_extension", ctx.kin.knee_angle.facing, ctx.bottom_frames)


@rule(faults=("no_leg_extension",), series=("knee_angle",),
      thresholds=("extension_knee_angle", "sagittal_min_yaw"), measure=leg_extension_measure)
def no_leg_extension(ctx: RepContext, cue: str) -> Verdict:
    """The legs not straightened between curls: the largest knee angle before the curl."""
    return _extreme_past(ctx, "no_leg_extension", leg_extension_measure(ctx), "max",
                         limit="extension_knee_angle", worse="below", cue=cue)


def chin_measure(ctx: RepContext) -> Trace | Abstention:
    """The mouth's height over the hands around the top of the rep. Any view will do: a
    height against the lifter's own hands reads the same from the front and the side."""
    return _seen(ctx, "chin_not_over_bar", ctx.kin.mouth_over_hands, ctx.top_frames,
                 min_yaw=None)


@rule(faults=("chin_not_over_bar",), series=("mouth_over_hands",),
      thresholds=("no_rep_chin_clearance",), measure=chin_measure)
def chin_not_over_bar(ctx: RepContext, cue: str) -> Verdict:
    """The chin never rises over the bar: the mouth's greatest height over the hands."""
    return _extreme_past(ctx, "chin_not_over_bar", chin_measure(ctx), "max",
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
    return _seen(ctx, "no_dead_hang", ctx.kin.elbow_angle.facing,
                 np.arange(ctx.search_from, ctx.search_to + 1), min_yaw=None)


@rule(faults=("no_dead_hang",), series=("elbow_angle",),
      thresholds=("dead_hang_elbow_angle", "frontal_max_yaw"), measure=hang_measure)
def no_dead_hang(ctx: RepContext, cue: str) -> Verdict:
    """The arms never straighten between reps: the straightest elbow angle of the rep."""
    return _extreme_past(ctx, "no_dead_hang", hang_measure(ctx), "max",
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
    return _extreme_past(ctx, "kipping", swing_measure(ctx), "max",
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
    return _extreme_past(ctx, "fast_descent", descent_measure(ctx), "min",
                         limit="descent_s", worse="below", cue=cue)
