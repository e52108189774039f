"""What a lift is, as the analysis needs it: the values :mod:`formcheck.config` reads from a
lift's TOML file. Apart from the loader so that the rules, which read thresholds, and the
loader, which checks a lift's checks against the rules, depend on it and not on each other.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Threshold(BaseModel):
    """One named limit a rule compares a measurement with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    value: float
    unit: str
    means: str
    source: str


class CheckSpec(BaseModel):
    """One check a lift makes: a rule from :data:`formcheck.rules.RULES` and its cues, keyed
    by the rule's cue parameters (``cue``, or e.g. ``low_cue`` and ``high_cue``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    cues: dict[str, str]
    faults: tuple[str, ...]
    """The fault codes the rule can report (from the registry)."""
    series: tuple[str, ...]
    """The kinematic series the rule reads (from the registry)."""
    variants: tuple[str, ...] = ()
    """The only variants that make this check (a paused variant's pause); empty: every one."""


UprightLandmark = Literal["ankle", "knee", "hip", "shoulder"]
"""The landmarks a lift's ``upright`` pair may name: those with a height series."""

UPRIGHT: tuple[UprightLandmark, UprightLandmark] = ("knee", "ankle")
"""A lift's ``upright`` pair unless its file names another: the knees above the ankles."""

MADE_SERIES = {
    "lockout": ("hip_angle_3d", "feet_x"),
    "apex": ("hip_angle_3d", "feet_x"),
    "standing_tall": ("hip_angle_3d",),
    "top": ("feet_x",),
    "chin_over_bar": ("mouth_over_hands",),
    "rack": ("elbow_over_shoulder", "forearm_rise", "wrist_speed"),
    "return": (),
}
"""What tells that a rep the clip ends in was made, by ``made_at``: hips open to the lockout
(in 3-D, so from any view; a swing's apex comes after that), or the driver itself at its top,
and feet that stay put (a lifter walking off has left the weight; not a box jump's, whose
feet move on as it steps down, the end of its rep); or the mouth over the
hands (the chin over the bar); or the bar racked on the shoulders (the elbows up, the wrists
above them and still)."""


WORKING_LEG_SERIES = ("knee_angle_3d", "ankle_gap")
"""What tells a single-leg lift's working leg (:mod:`formcheck.legs`): the legs bent unalike,
and the planted foot down while the free one is held up."""

class SideChoice(BaseModel):
    """How a lift whose working side changes from rep to rep finds it, per rep
    (:func:`formcheck.sides.working_side`): the side whose sided ``series`` is, in the median
    over the upper half of the way from the rep's start to its turnaround, the ``works`` of the
    two (the arm whose elbow bends the more in a one-arm row, ``higher``; the front leg of a
    lunge, whose knee stays the higher while the rear one drops to the floor, ``higher`` too)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    series: str
    works: Literal["higher", "lower"]
    limb: Literal["arm", "leg"]
    """What the side is of, as a report names it: the working arm, the front leg."""
    compare: tuple[str, ...] = ()
    """Checks (rules of the lift) whose measure of a rep is one value, averaged per side over
    the set and compared: a lunge deeper on one leg than the other. The difference is judged
    against the threshold ``<rule>_asymmetry`` where the lift has one."""


HANGING_SERIES = ("let_go",)
"""What tells that a hanging lifter let go of the bar."""

BENT_OVER_SERIES = ("trunk_inclination_3d",)
"""What tells that a lift pulled bent over (a row) was pulled standing: the trunk's inclination,
in 3-D so from any view."""

Posture = Literal["standing", "hanging", "lying", "kneeling"]
"""How a lift places the lifter's body: on the feet, hanging from a bar overhead, lying back on
a bench or the floor, kneeling."""


Hands = Literal["anywhere", "low", "high", "rising"]
"""Where a lift keeps the hands: anywhere (a squat's bar on the back or bodyweight arms), low,
the weight hanging from straight arms (the deadlift family, rows), high, on the upper back or
held at the chest (a good morning), or rising to the shoulders at the top of each rep (a
swing's float, a clean's catch)."""


Stance = Literal["square", "split", "one_leg"]
"""How a standing lift places the legs: side by side (``square``, the default: nothing to
hold a clip to), one foot stepped behind the other (``split``: a lunge), or one leg reaching
back off the floor (``one_leg``: a single-leg deadlift)."""


class Fact(BaseModel):
    """Something every clip of a lift done in a :data:`Posture` (or with its :data:`Hands`, or
    its :data:`Stance`) shows, whatever the camera and the lifter's form: a clip outside it was
    filmed doing something else (the wrong-name guard, :func:`formcheck.recognise.wrong_name`).
    Facts are few and blunt on purpose: a lift's faults must never take its clips outside them
    (a rounded deadlift is still a deadlift), so they tell lifts apart only where the body's
    placement does."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    feature: str
    """A clip measure (:data:`formcheck.recognise.MEASURES`) the fact bounds."""
    at_least: float = float("-inf")
    at_most: float = float("inf")
    unit: str
    means: str
    """What the feature is, as it reads in a warning ("the wrists' median height above the
    shoulders")."""
    because: str
    """Why a clip of the posture (or hands) keeps within the bounds, as a warning reads it."""
    source: str

    @property
    def bounds(self) -> str:
        """The bounds as a warning reads them: ``at most 0.3 m``."""
        low, high = (f"{v:g} {self.unit}" for v in (self.at_least, self.at_most))
        if self.at_least == float("-inf"):
            return f"at most {high}"
        return f"at least {low}" if self.at_most == float("inf") else f"{low} to {high}"


class Lift(BaseModel):
    """A lift as the analysis needs it: how reps are found, the checks it makes and every
    threshold its rules use, with the values in force (variant and user overrides applied)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    description: str = ""
    variant: str
    variants: tuple[str, ...]
    driver: str
    """The series (:data:`formcheck.series.SERIES`) that cuts the reps: a sided one's facing
    side, or a single series read from both sides at once (the more bent elbow of a one-arm
    row, whichever arm works)."""
    driver_stand_in: str | None = None
    """A series of the driver's kind (sided or single) the driver is estimated from in the
    frames where the driver's own landmarks are unclear and its are not
    (:func:`formcheck.counting.stood_in`): the hip's height over the knee, which a front
    camera sees, for a squat's knee angle, which needs the ankles a front view often loses.
    None: the driver alone."""
    turn_at: Literal["top", "bottom"]
    made_at: Literal[
        "lockout", "apex", "standing_tall", "top", "chin_over_bar", "rack", "return"
    ] = "return"
    """When a lifter counts a rep: at the lockout (a pull or thrust held at the top), at the
    apex (a swing's bell, once it starts down), standing tall (a box jump's hips open on the
    box with the feet still; stepping off ends the rep, never unmakes it), at the top of the
    driver itself (past its ``made_top`` threshold: a row's bar at the torso, whatever the hips
    do), with the chin over the bar (a pull-up: the mouth over the hands by
    ``no_rep_chin_clearance``), with the bar racked on the shoulders (a clean: the elbows up by
    ``rack_elbow_height``, the wrists above them; such a rep turns at the catch, its first
    racked frame), or back at the top (a top-start lift). A clip that ends after the rep was
    made, before the lowering, still holds that rep."""
    made_series: str | None = None
    """A sided series (read on the facing side; a height) whose highest in a rep is its top,
    and tells when a rep turning at its top is made, where the driver's hold there is too wide
    (:func:`formcheck.reps.reached_near_top`): a thrust's hips creep up the last degrees of
    the hip angle. The rep is made at the first frame the lift's ``made_at`` holds in where it
    comes within ``rep_made_tolerance`` of its highest in the rep. None: the first frame of the
    driver's hold (``rep_hold_tolerance``)."""
    set_ends_standing: bool = False
    """Whether lifters stand up after parking the weight at the end of a set: that rise looks
    like one more pull to the pose alone, so after reps with their lowering, a last rise the
    clip ends on is not counted (a single pull, seen alone, still is)."""
    judged_leg: Literal["facing", "working"] = "facing"
    """Which leg the checks read: the one nearer the camera (both legs do the same work), or
    in a single-leg lift the working leg, found from the pose (:mod:`formcheck.legs`)."""
    judged_side: SideChoice | None = None
    """How to find each rep's working side, for a lift whose working arm or leg changes within
    a set (a one-arm row's sets, alternating lunges); its checks then read that side in that
    rep (:mod:`formcheck.sides`). None: every rep is judged on ``judged_leg``'s side."""
    posture: Posture = "standing"
    """How the lift places the lifter's body; a hanging lifter's excursion in which the bar was
    let go (dropped off, stood, gestured) is not a rep, and the hands, not the feet, are what
    stays put (:attr:`hangs`)."""
    hands: Hands = "anywhere"
    """Where the lift keeps the hands, as far as every clip of it shows (:attr:`shows`); a
    variant may say otherwise (a barbell squat's hands at the bar on the back, a bodyweight
    squat's anywhere)."""
    stance: Stance = "square"
    """How the lift places the legs, as far as every clip of it shows (:attr:`shows`)."""
    shows: tuple[Fact, ...] = ()
    """What every clip of the lift shows, by its posture, hands and stance
    (``common.toml``)."""
    checks: tuple[CheckSpec, ...]
    thresholds: dict[str, Threshold]
    defaults: dict[str, float]
    """Each threshold's value before the variant and the user's config: what a report marks
    as overridden."""
    upright: tuple[UprightLandmark, UprightLandmark] = UPRIGHT
    """Two landmarks this lift keeps one above the other, the first higher, on both sides in
    most frames of a rep: what tells a picture stored upside down (the knees above the ankles
    for a lifter on their feet; not for one kneeling or lying on their back, whose knees sit
    level with or below the ankles)."""
    validated_on: str = "not validated yet"
    """What the lift's checks were validated on (real clips, or synthetic tracks only)."""

    @property
    def hangs(self) -> bool:
        """Whether the lifter hangs from the hands rather than stands on the feet."""
        return self.posture == "hanging"

    @property
    def bent_over(self) -> bool:
        """Whether the lift is pulled with the trunk bent over (a row), so that an excursion made
        standing is not one of its reps: it declares ``rep_min_trunk_inclination``."""
        return "rep_min_trunk_inclination" in self.thresholds

    def threshold(self, name: str) -> Threshold:
        return self.thresholds[name]

    def value(self, name: str) -> float:
        return self.thresholds[name].value

    @property
    def driver_series(self) -> tuple[str, ...]:
        """The series the driver is read from: itself, and its stand-in if it has one."""
        return (self.driver,) if self.driver_stand_in is None else (
            self.driver, self.driver_stand_in)

    @property
    def counting_series(self) -> tuple[str, ...]:
        """The series its reps are found from (:func:`formcheck.counting.find_reps`): all live
        computes to count between two judgements of the set."""
        legs = WORKING_LEG_SERIES if self.judged_leg == "working" else ()
        hanging = HANGING_SERIES if self.hangs else ()
        bent = BENT_OVER_SERIES if self.bent_over else ()
        top = () if self.made_series is None else (self.made_series,)
        return tuple(dict.fromkeys(
            (*self.driver_series, *MADE_SERIES[self.made_at], *top, *legs, *hanging, *bent)))

    @property
    def series(self) -> tuple[str, ...]:
        """The series its reps and checks read: all an analysis of it has to compute."""
        sides = (self.judged_side.series,) if self.judged_side else ()
        return tuple(dict.fromkeys(
            (*self.counting_series, *sides, *(s for c in self.checks for s in c.series))))

    @property
    def faults(self) -> tuple[str, ...]:
        """Every fault code this lift's checks can report, in check order."""
        return tuple(dict.fromkeys(code for check in self.checks for code in check.faults))
