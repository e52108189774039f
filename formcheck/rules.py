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

from formcheck.evidence import Evidence
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
    names = [name for base in rule.thresholds if not base.endswith("_min_yaw")
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
    return covered(ctx, code, frames, ctx.trusted(series, frames))


def _mapped(measured: Trace | Abstention, how: Callable[[np.ndarray], np.ndarray]
            ) -> Trace | Abstention:
    """The trace with ``how`` applied to its values (an abstention passes through)."""
    if isinstance(measured, Abstention):
        return measured
    return Trace(measured.frames, how(measured.values))


def sustained(values: np.ndarray, times: np.ndarray, hold_s: float) -> np.ndarray:
    """Per frame, the lowest value over the next ``hold_s`` seconds: what was held, not flashed.

    The maximum of this is the largest value the signal kept for ``hold_s``; a silhouette glitch
    lasting a frame or two cannot reach it.
    """
    if values.size < 2:
        return values.copy()
    step = float(np.median(np.diff(times)))
    width = min(max(round(hold_s / step) + 1, 1), values.size) if step > 0 else 1
    padded = np.concatenate([values, np.full(width - 1, np.nan)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)
    complete = np.isfinite(windows).all(axis=1)
    return np.where(complete, windows.min(axis=1, initial=np.inf, where=complete[:, None]),
                    np.nan)


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


def back_bend_measure(ctx: RepContext) -> Measured:
    """The back's bend beyond the lifter's own standing one, held for ``spine_sustain``, over
    the frames with the trunk well inclined (NaN in the others).

    Only those frames count: that is where a flexed spine is loaded, and where the contour of
    a flat back is a straight line.
    """
    code = "rounded_back"
    refused = needs_view(ctx, code, "spine_min_yaw")
    if refused is not None:
        return refused
    if ctx.neutral_back is None:
        return Abstention(
            check=code, reason="the lifter was never seen standing tall, so there is no neutral "
            "back to compare with",
        )
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
    return Trace(frames, held - ctx.neutral_back)


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


def needs_front_view(ctx: RepContext, check: str, max_yaw: str) -> Abstention | None:
    """Abstain unless the camera is at most ``max_yaw`` (a threshold name) from the front (or
    the back): the mirror of :func:`needs_view` for a check that measures in the frontal plane,
    which a side view sees edge-on."""
    yaw = ctx.view.yaw_deg
    if not np.isfinite(yaw):
        return Abstention(check=check, reason="the camera view could not be estimated")
    if yaw > ctx.t(max_yaw):
        return Abstention(
            check=check,
            reason=f"needs a front or back view; the camera is {yaw:.0f}° from the front "
            f"(at most {ctx.t(max_yaw):.0f}° allowed)",
        )
    return None


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
    refused = needs_front_view(ctx, "no_dead_hang", "frontal_max_yaw")
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
