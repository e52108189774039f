"""The per-frame series rules read, each a small function registered by name in :data:`SERIES`.

Why a registry: a lift computes only the series its checks declare (see
:attr:`formcheck.rules.Rule.series`), and a new measure is one more function here, which every
lift, the report's plots and the long-track machinery of :mod:`formcheck.kinematics` pick up by
its name.

Each function gets the smoothed coordinates of some frames and the clip's constants
(:class:`Frames`) and returns a :class:`Sided` series (both sides, offered for the side facing
the camera), a single :class:`Series`, or a per-frame mask. Each series carries a per-frame
reliability, the lowest visibility of the landmarks it uses, so rules can abstain on occluded
frames; a missing landmark gives NaN in every series that uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from formcheck import geometry
from formcheck.geometry import angle_at, inclination_to_vertical
from formcheck.landmarks import Landmark, joint

Side = Literal["left", "right"]

WRIST_HEIGHT_MIN_TRUNK_RISE = 0.5
"""Least height of the shoulders above the hips, in trunk lengths, for the wrist height to be
defined. With the trunk more than 60 degrees from vertical the shoulders are no longer a height
reference (level with the hips, or below them in a deep hinge, the ratio blows up or flips)."""

ARM_VISIBILITY = 0.5
"""Visibility above which an elbow or wrist counts as seen for hiding the back; an arm the model
is unsure of is usually the far one, behind the body, and hides nothing of the near outline."""


@dataclass(frozen=True)
class Series:
    """One per-frame quantity for one side, with how far each frame can be trusted."""

    value: np.ndarray
    """(T,) the quantity; NaN where it cannot be computed."""
    reliability: np.ndarray
    """(T,) lowest visibility in [0, 1] of the landmarks used; 0 where unknown."""

    def trusted(self, min_reliability: float) -> np.ndarray:
        """The values, NaN wherever reliability is below ``min_reliability``."""
        return np.where(self.reliability >= min_reliability, self.value, np.nan)


@dataclass(frozen=True)
class Sided:
    """A quantity on both sides of the body, and which of them faces the camera."""

    left: Series
    right: Series
    facing_side: Side

    def __getitem__(self, side: Side) -> Series:
        return self.left if side == "left" else self.right

    @property
    def facing(self) -> Series:
        """The side nearer the camera: its landmarks are observed, not inferred."""
        return self[self.facing_side]

    @property
    def far(self) -> Series:
        """The other side: further from the camera, its landmarks more often guessed, yet the
        check on one the model placed badly on the facing side in a lift on both legs."""
        return self["left" if self.facing_side == "right" else "right"]


Measure = Sided | Series | np.ndarray
"""What a series function returns."""


def arrays(measure: Measure) -> list[np.ndarray]:
    """The per-frame arrays a measure holds, in a fixed order that :func:`rebuilt` reads back:
    what lets a long clip be measured in blocks and stitched whatever the series."""
    if isinstance(measure, Sided):
        return [*arrays(measure.left), *arrays(measure.right)]
    if isinstance(measure, Series):
        return [measure.value, measure.reliability]
    return [measure]


def rebuilt(like: Measure, parts: Iterator[np.ndarray]) -> Measure:
    """A measure shaped like ``like`` holding the next arrays of ``parts``."""
    if isinstance(like, Sided):
        return Sided(rebuilt(like.left, parts), rebuilt(like.right, parts),  # type: ignore[arg-type]
                     like.facing_side)
    if isinstance(like, Series):
        return Series(next(parts), next(parts))
    return next(parts)


@dataclass(frozen=True)
class Coordinates:
    """What every per-frame series is measured from: the track's coordinates after smoothing."""

    pixels: np.ndarray
    """(T, 33, 2) image landmarks in pixels."""
    world: np.ndarray
    """(T, 33, 3) world landmarks in metres."""
    contour: np.ndarray
    """(T, 9, 2) back contour in pixels."""
    visibility: np.ndarray
    """(T, 33) visibility, its gaps bridged like the coordinates' (never when causal)."""

    def __len__(self) -> int:
        return len(self.pixels)


@dataclass(frozen=True)
class Frames(Coordinates):
    """What a series is computed from: smoothed coordinates of some frames, and the constants
    of the whole clip (so a block of a long clip is measured as the clip would be)."""

    times: np.ndarray
    """(T,) seconds."""
    facing: Side
    """Side nearer the camera."""
    forward: float
    """+1 if the lifter faces +x in the image, -1 if -x, NaN if unknown."""
    trunk_length: float
    """Clip median hip-to-shoulder distance in pixels: the unit of scale-free series."""
    trunk_length_m: float
    """Clip median hip-to-shoulder distance in the world landmarks' metres: the unit of their
    scale-free series (the model sets their scale per clip)."""

    def px(self, side: Side, name: str) -> np.ndarray:
        """(T, 2) pixel positions of one landmark."""
        return self.pixels[:, joint(side, name)]

    def sided(self, compute: Callable[[Side], np.ndarray], *names: str) -> Sided:
        """``compute(side)`` on both sides; reliability from the landmarks ``names``."""

        def on(side: Side) -> Series:
            used = self.visibility[:, [joint(side, name) for name in names]]
            return Series(compute(side), np.nan_to_num(np.min(used, axis=1), nan=0.0))

        return Sided(on("left"), on("right"), self.facing)

    def angle(self, points: np.ndarray, a: str, b: str, c: str) -> Sided:
        """The angle ABC on each side, from ``points`` (pixels or world)."""

        def at(side: Side) -> np.ndarray:
            return angle_at(*(points[:, joint(side, name)] for name in (a, b, c)))

        return self.sided(at, a, b, c)

    def incline(self, low: str, high: str) -> Sided:
        """The image segment ``low`` -> ``high`` from vertical, degrees, on each side."""
        return self.sided(
            lambda side: inclination_to_vertical(self.px(side, low), self.px(side, high)),
            low, high,
        )

    def height(self, name: str) -> Sided:
        """Height of a landmark above the ankle in the image, in trunk lengths."""
        return self.rise(self.pixels, name, self.trunk_length)

    def rise(self, points: np.ndarray, name: str, unit: float = 1.0) -> Sided:
        """Height of a landmark above the same side's ankle in ``points`` (pixels or world
        metres, both with y pointing down), divided by ``unit``."""

        def above_ankle(side: Side) -> np.ndarray:
            ankle, point = points[:, joint(side, "ankle"), 1], points[:, joint(side, name), 1]
            return (ankle - point) / unit

        return self.sided(above_ankle, name, "ankle")

    @property
    def mid_trunk(self) -> np.ndarray:
        """(T, 2) the middle of hips and shoulders: inside the trunk whichever way it faces."""
        return 0.25 * sum(  # type: ignore[return-value]
            self.pixels[:, joint(side, name)]
            for side in ("left", "right") for name in ("hip", "shoulder")
        )


SHOWN = ("hip_angle", "knee_angle", "trunk_inclination")
"""The angles every output shows whatever the lift (the annotated video's labels, the report's
plots and each rep's measures): what a coach reads off a side view of any hinge."""

Kind = Literal["sided", "single", "mask"]


@dataclass(frozen=True)
class SeriesSpec:
    """A registered series: its function, and what it returns."""

    name: str
    function: Callable[[Frames], Measure]
    kind: Kind
    """``sided`` (:class:`Sided`), ``single`` (:class:`Series`) or ``mask`` (a bool array)."""
    doc: str


SERIES: dict[str, SeriesSpec] = {}
"""Every series, by name."""


def series(kind: Kind) -> Callable[[Callable[[Frames], Measure]], Callable[[Frames], Measure]]:
    """Register a series under its function's name; its docstring is what the docs say of it."""

    def register(function: Callable[[Frames], Measure]) -> Callable[[Frames], Measure]:
        doc = " ".join((function.__doc__ or "").split())
        SERIES[function.__name__] = SeriesSpec(function.__name__, function, kind, doc)
        return function

    return register


def measure(frames: Frames, names: Iterable[str]) -> dict[str, Measure]:
    """The series ``names`` of ``frames``, by name."""
    return {name: SERIES[name].function(frames) for name in names}


@series("sided")
def hip_angle(f: Frames) -> Sided:
    """Shoulder-hip-knee in the image, degrees; 180 standing tall, smaller as the hips hinge."""
    return f.angle(f.pixels, "shoulder", "hip", "knee")


@series("sided")
def hip_angle_3d(f: Frames) -> Sided:
    """Shoulder-hip-knee from world landmarks, degrees: view-independent, but carrying the
    model's noisier depth guess."""
    return f.angle(f.world, "shoulder", "hip", "knee")


@series("sided")
def hip_flexion_3d(f: Frames) -> Sided:
    """180 minus ``hip_angle_3d``, degrees: 0 standing tall, growing as the hips hinge. Drives
    a top-start hinge (the RDL) whose bottom is its maximum from any view: a camera in front
    foreshortens the trunk's lean in the image to a few degrees, not its 3-D hinge."""
    return flexion(hip_angle_3d(f))


@series("sided")
def knee_angle(f: Frames) -> Sided:
    """Hip-knee-ankle in the image, degrees; 180 locked out."""
    return f.angle(f.pixels, "hip", "knee", "ankle")


@series("sided")
def elbow_angle(f: Frames) -> Sided:
    """Shoulder-elbow-wrist in the image, degrees; 180 with the arm straight, smaller as the
    elbow bends (a row's pull, a pull-up's climb). Trusted only as far as the wrist is seen:
    in a pull-through the hands are between the legs, where the model often guesses them."""
    return f.angle(f.pixels, "shoulder", "elbow", "wrist")


@series("sided")
def elbow_flexion(f: Frames) -> Sided:
    """180 minus ``elbow_angle``, degrees: 0 with the arm straight, growing as the elbow bends.
    What drives a row's reps, whose turnaround (the bar at the torso) is this series' maximum;
    the wrist's height cannot, being undefined with the trunk past 60° of lean."""
    return flexion(elbow_angle(f))


def flexion(angle: Sided) -> Sided:
    """180 minus a joint angle: a series that rises as the joint bends, so that a lift turning
    where the joint bends most (a squat's bottom, a row's top, a curl) has it as its driver,
    whose turnaround is its maximum (:mod:`formcheck.counting`)."""
    return Sided(*(Series(180.0 - s.value, s.reliability) for s in (angle.left, angle.right)),
                 angle.facing_side)


@series("sided")
def knee_angle_3d(f: Frames) -> Sided:
    """Hip-knee-ankle from world landmarks, degrees: view-independent, so the two legs compare
    whichever of them faces the camera."""
    return f.angle(f.world, "hip", "knee", "ankle")


@series("sided")
def kneel_lean(f: Frames) -> Sided:
    """The knee-to-shoulder line's angle from vertical, degrees, signed: positive tilted away
    from the feet (a kneeling lifter lowering forward; 90 level), negative leaning back over
    them. The size is the line's angle to the image's vertical axis (0-90, whichever end is
    up), the sign which side of the knee the shoulder lies on compared with the ankle: both
    read the same in a picture turned upside down or mirrored, so a kneeling lift is judged
    alike either way."""

    def lean(side: Side) -> np.ndarray:
        knee, shoulder = f.px(side, "knee"), f.px(side, "shoulder")
        slope = inclination_to_vertical(knee, shoulder)
        away = (shoulder[:, 0] - knee[:, 0]) * (knee[:, 0] - f.px(side, "ankle")[:, 0])
        return np.where(away < 0, -1.0, 1.0) * np.minimum(slope, 180.0 - slope)

    return f.sided(lean, "knee", "shoulder", "ankle")


@series("sided")
def knee_height(f: Frames) -> Sided:
    """Height of the knee above the ankle, in trunk lengths: what tells a picture stored upside
    down for most lifts (knees above the ankles; see ``upright`` in a lift's file)."""
    return f.height("knee")


@series("sided")
def shin_inclination(f: Frames) -> Sided:
    """Ankle-to-knee from vertical, degrees; beyond 90 the knee is below the ankle."""
    return f.incline("ankle", "knee")


@series("sided")
def trunk_inclination(f: Frames) -> Sided:
    """Hip-to-shoulder from vertical, degrees; 90 with the back horizontal."""
    return f.incline("hip", "shoulder")


@series("sided")
def trunk_inclination_3d(f: Frames) -> Sided:
    """Mid-hip to mid-shoulder from vertical from world landmarks, degrees: the trunk's own
    inclination wherever the camera stands. The image's shrinks as the lifter turns towards
    the camera (a forward lean then points at it): about tan⁻¹(tan θ · sin yaw), so 45° off
    the front a 60° hinge reads 51°, a 40° backswing 31°. The midline, not one side's hip and
    shoulder: the shoulders are wider than the hips, which tilts each side's line sideways by
    several degrees. The same on both sides, trusted as far as each side's hip and shoulder
    are seen; it carries the model's noisier depth guess instead. It also tells a hinge from a
    squat, a row or a lifter lying down (:mod:`formcheck.recognise`)."""

    def mid(name: str) -> np.ndarray:
        return 0.5 * (f.world[:, joint("left", name)] + f.world[:, joint("right", name)])

    inclination = inclination_to_vertical(mid("hip"), mid("shoulder"))
    return f.sided(lambda side: inclination, "hip", "shoulder")


@series("sided")
def trunk_lean(f: Frames) -> Sided:
    """Trunk inclination signed by direction: positive with the shoulders ahead of the hips
    (towards the toes), negative leaning back behind them, the lean-back at a lockout that
    over-extends the lower back. NaN when the forward direction is unknown."""

    def lean(side: Side) -> np.ndarray:
        ahead = f.forward * (f.px(side, "shoulder")[:, 0] - f.px(side, "hip")[:, 0])
        return np.sign(ahead) * inclination_to_vertical(f.px(side, "hip"), f.px(side, "shoulder"))

    return f.sided(lean, "hip", "shoulder")


@series("sided")
def wrist_height(f: Frames) -> Sided:
    """Height of the wrist above the hip over that of the shoulder above the hip: 0 at hip
    height, 1 at shoulder height, above 1 higher. NaN when the trunk leans so far that the
    shoulders are not a height reference (``WRIST_HEIGHT_MIN_TRUNK_RISE``)."""

    def ratio(side: Side) -> np.ndarray:
        hip_y = f.px(side, "hip")[:, 1]
        rise = hip_y - f.px(side, "shoulder")[:, 1]
        defined = rise >= WRIST_HEIGHT_MIN_TRUNK_RISE * f.trunk_length
        lift = hip_y - f.px(side, "wrist")[:, 1]
        return np.divide(lift, rise, out=np.full_like(lift, np.nan), where=defined)

    return f.sided(ratio, "hip", "shoulder", "wrist")


@series("sided")
def wrist_offset(f: Frames) -> Sided:
    """Horizontal distance of the wrist from mid-foot (between heel and toe), in trunk lengths;
    positive in front of mid-foot (towards the toes)."""

    def offset(side: Side) -> np.ndarray:
        mid_foot = 0.5 * (f.px(side, "heel")[:, 0] + f.px(side, "foot_index")[:, 0])
        return f.forward * (f.px(side, "wrist")[:, 0] - mid_foot) / f.trunk_length

    return f.sided(offset, "wrist", "heel", "foot_index")


@series("sided")
def hip_height(f: Frames) -> Sided:
    """Height of the hip above the ankle, in trunk lengths: what 'hips rise' means."""
    return f.height("hip")


@series("sided")
def hip_height_3d(f: Frames) -> Sided:
    """Height of the hip above the ankle from world landmarks, in metres. Why above the ankle:
    MediaPipe's world landmarks are centred on the hips in every frame, so the hips never move
    in them; the feet, planted in every lift here, are the fixed reference."""
    return f.rise(f.world, "hip")


@series("sided")
def hip_rise_3d(f: Frames) -> Sided:
    """Height of the hip above the same side's ankle from the world landmarks, in trunk lengths
    (the clip's median hip-to-shoulder distance, 3-D: the model shortens the trunk in a deep
    fold): ``hip_height_3d`` free of the world landmarks' scale, which the model sets per clip
    (the lifters of one source read 0.54-0.69 m of leg, of most others 0.7-0.8). Standing about
    a leg's length, 1.5-2; half-kneeling upright about a thigh's, 0.7-1.1; about 0.6 or less
    sitting or lying on the floor with the feet planted."""
    return f.rise(f.world, "hip", f.trunk_length_m)


@series("sided")
def knee_height_3d(f: Frames) -> Sided:
    """Height of the knee above the ankle from world landmarks, in metres (see
    ``hip_height_3d``): about a shin's length standing, squatting or lying with the feet
    planted, near 0 kneeling with the shins on a pad or the floor."""
    return f.rise(f.world, "knee")


@series("sided")
def hand_height(f: Frames) -> Sided:
    """Height of the wrist (the hands, and the bar or bell they hold) above the ankle in the
    image, in trunk lengths."""
    return f.height("wrist")


@series("sided")
def hand_height_3d(f: Frames) -> Sided:
    """Height of the wrist above the ankle from world landmarks, in metres (see
    ``hip_height_3d``)."""
    return f.rise(f.world, "wrist")


@series("sided")
def shoulder_height(f: Frames) -> Sided:
    """Height of the shoulder above the ankle, in trunk lengths."""
    return f.height("shoulder")


@series("sided")
def shoulder_height_3d(f: Frames) -> Sided:
    """Height of the shoulder above the ankle from world landmarks, in metres (see
    ``hip_height_3d``): with the hands', how far a hanging lifter's body rose to the bar."""
    return f.rise(f.world, "shoulder")


@series("single")
def back_bend(f: Frames) -> Series:
    """Bulge of the back contour past the straight line between its ends, in lengths of that
    line: 0 flat, positive rounded (spine flexed), negative arched; trusted as far as the facing
    hip and shoulder are seen."""
    bend = geometry.back_bend(f.contour, f.mid_trunk)
    seen = f.visibility[:, [joint(f.facing, "hip"), joint(f.facing, "shoulder")]].min(axis=1)
    return Series(bend, np.where(np.isfinite(bend), np.nan_to_num(seen), 0.0))


@series("mask")
def back_hidden(f: Frames) -> np.ndarray:
    """Whether an elbow or wrist lies behind the back, between shoulder and hip level, where its
    silhouette merges with the back's (hands behind the back, a bar on it): the back contour
    then traces the arm, not the spine."""
    names = ("elbow", "wrist")
    arms = np.stack([f.px(side, name) for side in ("left", "right") for name in names], axis=1)
    seen = np.stack(
        [f.visibility[:, joint(side, name)] for side in ("left", "right") for name in names],
        axis=1,
    )
    arms = np.where((seen >= ARM_VISIBILITY)[..., None], arms, np.nan)
    return geometry.arms_behind_back(f.contour, f.mid_trunk, f.px(f.facing, "shoulder"),
                            f.px(f.facing, "hip"), arms)


@series("single")
def feet_x(f: Frames) -> Series:
    """Horizontal position of the middle of the two ankles, in trunk lengths from the image's
    left edge: still while a lifter holds a lockout, moving when they walk off."""
    ankles = f.pixels[:, [joint("left", "ankle"), joint("right", "ankle")], 0]
    seen = f.visibility[:, [joint("left", "ankle"), joint("right", "ankle")]].min(axis=1)
    return Series(ankles.mean(axis=1) / f.trunk_length, np.nan_to_num(seen))


@series("sided")
def knee_flexion(f: Frames) -> Sided:
    """How far the knee is bent, degrees: 180 - ``knee_angle``, 0 locked out, growing as the
    knee bends. A driver whose turnaround is its maximum (see :mod:`formcheck.counting`) for
    lifts that turn where the knees bend most: the bottom of a squat, a ball curl's curl."""
    return flexion(knee_angle(f))


@series("sided")
def hip_above_knee(f: Frames) -> Sided:
    """Height of the hip joint above the knee joint in the image, in trunk lengths: 0 at a
    parallel squat (greater trochanter level with the knee, the CSCCA standard), negative
    below parallel. A height, so it reads the same from any yaw."""

    def above(side: Side) -> np.ndarray:
        return (f.px(side, "knee")[:, 1] - f.px(side, "hip")[:, 1]) / f.trunk_length

    return f.sided(above, "hip", "knee")


@series("sided")
def heel_rise(f: Frames) -> Sided:
    """Height of the heel above the toes (foot_index) in the image, in trunk lengths: constant
    while the foot stays flat, growing when the heel comes off the floor and the weight rocks
    onto the toes."""

    def rise(side: Side) -> np.ndarray:
        return (f.px(side, "foot_index")[:, 1] - f.px(side, "heel")[:, 1]) / f.trunk_length

    return f.sided(rise, "heel", "foot_index")


@series("single")
def knee_width_ratio(f: Frames) -> Series:
    """Distance between the knees over distance between the toes (foot_index) in the image:
    Exercise-Correction's KNEE_FOOT_RATIO. Below ~0.7 at the bottom of a squat the knees have
    caved in (valgus); only meaningful from the front or back, where both widths face the
    camera."""
    names = ("knee", "foot_index")
    width = {name: geometry.norm(f.px("left", name) - f.px("right", name)) for name in names}
    seen = f.visibility[:, [joint(side, name) for side in ("left", "right") for name in names]]
    ratio = np.divide(width["knee"], width["foot_index"],
                      out=np.full_like(width["knee"], np.nan), where=width["foot_index"] > 0)
    return Series(ratio, np.nan_to_num(seen.min(axis=1)))


@series("single")
def ankle_gap(f: Frames) -> Series:
    """Height of the right ankle above the left one in the image, in trunk lengths: positive
    with the left foot the lower. In a single-leg lift the working leg's foot stays planted
    while the free one is held up, so this tells the legs apart (:mod:`formcheck.legs`)."""
    left, right = f.px("left", "ankle")[:, 1], f.px("right", "ankle")[:, 1]
    seen = f.visibility[:, [joint("left", "ankle"), joint("right", "ankle")]].min(axis=1)
    return Series((left - right) / f.trunk_length, np.nan_to_num(seen))


@series("single")
def pelvis_tilt(f: Frames) -> Series:
    """The left-hip to right-hip line from level, from the world landmarks, degrees: positive
    with the left hip the lower. From world landmarks so it reads the same from the front and
    obliquely (the pelvis axis against the floor plane); from the side the axis points at the
    camera and its length is the model's depth guess, so rules reading it gate on the view."""
    axis = f.world[:, joint("right", "hip")] - f.world[:, joint("left", "hip")]
    level = np.hypot(axis[:, 0], axis[:, 2])
    seen = f.visibility[:, [joint("left", "hip"), joint("right", "hip")]].min(axis=1)
    return Series(np.degrees(np.arctan2(-axis[:, 1], level)), np.nan_to_num(seen))


@series("sided")
def body_rise(f: Frames) -> Sided:
    """Height of the shoulder above the same side's wrist, in trunk lengths: about -1.2 in a
    dead hang (arms straight overhead), rising towards 0 as a pull-up brings the body up to the
    hands. Why against the wrists: on a bar they stay put, so the measure holds with a camera
    that pans or zooms, and only the pull moves it (a hanging knee raise leaves it flat). NaN
    with the wrist below the elbow: not hanging from the hands (see ``let_go``), where the
    shoulders stand above the wrists and the measure would read as the highest pull-up."""

    def rise(side: Side) -> np.ndarray:
        wrist = f.px(side, "wrist")[:, 1]
        height = (wrist - f.px(side, "shoulder")[:, 1]) / f.trunk_length
        return np.where(wrist > f.px(side, "elbow")[:, 1], np.nan, height)

    return f.sided(rise, "shoulder", "elbow", "wrist")


@series("mask")
def let_go(f: Frames) -> np.ndarray:
    """Whether a hand is seen below its elbow: a lifter hanging from a bar never has one there
    (the forearms point up to the bar from dead hang to the top), a lifter who let go and
    stands with the arms down does. Unseen arms count as holding on."""
    sides = [(joint(side, "wrist"), joint(side, "elbow")) for side in ("left", "right")]
    return np.logical_or.reduce([
        (f.visibility[:, wrist] >= ARM_VISIBILITY) & (f.visibility[:, elbow] >= ARM_VISIBILITY)
        & (f.pixels[:, wrist, 1] > f.pixels[:, elbow, 1])
        for wrist, elbow in sides
    ])


@series("single")
def mouth_over_hands(f: Frames) -> Series:
    """Height of the mouth (the middle of its corners: the chin's nearest landmark, some 4 cm
    above it) over the line of the two wrists (the bar, in a hang), in trunk lengths: what
    "chin over the bar" reads from; trusted as far as mouth and wrists are seen."""
    used = [Landmark.MOUTH_LEFT, Landmark.MOUTH_RIGHT, joint("left", "wrist"),
            joint("right", "wrist")]
    mouth_y, hands_y = (f.pixels[:, pair, 1].mean(axis=1) for pair in (used[:2], used[2:]))
    return Series((hands_y - mouth_y) / f.trunk_length,
                  np.nan_to_num(f.visibility[:, used].min(axis=1)))


def more_of(measure: Sided) -> Series:
    """Frame by frame, the larger of the two sides' values, trusted as far as that side is seen:
    a sided series read from whichever side does the most, without knowing which."""
    left, right = measure.left, measure.right
    take_left = np.nan_to_num(left.value, nan=-np.inf) >= np.nan_to_num(right.value, nan=-np.inf)
    return Series(np.where(take_left, left.value, right.value),
                  np.where(take_left, left.reliability, right.reliability))


@series("single")
def elbow_flexion_max(f: Frames) -> Series:
    """The more bent elbow's ``elbow_flexion``, frame by frame: what drives a one-arm row's
    reps whichever arm rows. Why the larger of the two: only the working arm bends through a
    row's range, while the free one rests on a bench or a knee at a steady bend (10-35° on the
    labelled clips), so the larger follows the working arm, and follows it when a set changes
    arms or an alternating row passes the bell from hand to hand, with no side to choose
    first. Its rest is the free arm's steady bend when that is the larger: the range a rep
    travels shrinks by that much (65-115° on the labelled clips)."""
    return more_of(elbow_flexion(f))


@series("single")
def mean_knee_flexion_3d(f: Frames) -> Series:
    """The two knees' flexion from the world landmarks (180 - ``knee_angle_3d``), averaged,
    degrees: ~15-20 standing, ~100 at the bottom of a lunge, where both knees bend to about
    90°. What drives a lunge's reps: from world landmarks so it reads from the front (where
    the front thigh points at the camera and its image angle is foreshortened), and of both
    legs so it does not matter which one steps back."""
    knees = flexion(knee_angle_3d(f))
    return Series(0.5 * (knees.left.value + knees.right.value),
                  np.minimum(knees.left.reliability, knees.right.reliability))


@series("sided")
def knee_over_floor(f: Frames) -> Sided:
    """Height of the knee above the lower of the two ankles in the image, in trunk lengths:
    how far a knee is off the floor (the planted foot's ankle, ~0.15 trunk lengths above it),
    which the rear knee of a lunge all but touches. A height, so it reads from the front."""
    floor = np.fmax(f.px("left", "ankle")[:, 1], f.px("right", "ankle")[:, 1])

    def above(side: Side) -> np.ndarray:
        return (floor - f.px(side, "knee")[:, 1]) / f.trunk_length

    return f.sided(above, "knee", "ankle")


@series("single")
def trunk_twist(f: Frames) -> Series:
    """The shoulder line's turn against the hip line about the trunk's long axis, from the
    world landmarks, degrees, signed (one way positive, the other negative: what a check reads
    is how far it changes within a rep). 0 with hips and shoulders parallel; a one-arm row
    that opens the chest to lift the weight turns the shoulders while the hips stay, the
    "counter-rotation" the row should resist. In 3-D, so it reads from any view, with the
    model's depth guess in it."""
    w = f.world
    hips = w[:, joint("right", "hip")] - w[:, joint("left", "hip")]
    shoulders = w[:, joint("right", "shoulder")] - w[:, joint("left", "shoulder")]
    axis = 0.5 * (w[:, joint("left", "shoulder")] + w[:, joint("right", "shoulder")]
                  - w[:, joint("left", "hip")] - w[:, joint("right", "hip")])
    axis = axis / geometry.norm(axis)[:, None]

    def across(line: np.ndarray) -> np.ndarray:
        """``line`` with its part along the trunk's axis taken out."""
        return line - np.sum(line * axis, axis=1)[:, None] * axis

    hips, shoulders = across(hips), across(shoulders)
    sine = np.sum(np.cross(hips, shoulders) * axis, axis=1)
    twist = np.degrees(np.arctan2(sine, np.sum(hips * shoulders, axis=1)))
    used = [joint(side, name) for side in ("left", "right") for name in ("hip", "shoulder")]
    return Series(twist, np.nan_to_num(f.visibility[:, used].min(axis=1)))


@series("single")
def knee_gap(f: Frames) -> Series:
    """Horizontal distance between the two knees in the image, in trunk lengths. Seen from the
    front, a lunge's rear knee right behind the front one (under 0.3 on the labelled clips,
    0.8-1.0 when it shows beside it) is hidden, and the model puts it on the front leg; from
    the side, the knees stand a thigh's length apart at the bottom of a lunge."""
    knees = [joint("left", "knee"), joint("right", "knee")]
    gap = np.abs(f.pixels[:, knees[0], 0] - f.pixels[:, knees[1], 0]) / f.trunk_length
    return Series(gap, np.nan_to_num(f.visibility[:, knees].min(axis=1)))
# The series of the held stretches (formcheck.stretch): shapes a pose holds, not a rep's path.


def other(side: Side) -> Side:
    """The other side of the body."""
    return "right" if side == "left" else "left"


def across(f: Frames, compute: Callable[[Side], np.ndarray],
           used: Callable[[Side], list[tuple[Side, str]]]) -> Sided:
    """``compute(side)`` on both sides, each trusted as far as the landmarks ``used(side)``
    (of either side: a measure across the legs) are seen; :meth:`Frames.sided` for one side's
    own landmarks."""

    def on(side: Side) -> Series:
        seen = f.visibility[:, [joint(s, name) for s, name in used(side)]]
        return Series(compute(side), np.nan_to_num(np.min(seen, axis=1), nan=0.0))

    return Sided(on("left"), on("right"), f.facing)


@series("sided")
def arm_trunk_angle(f: Frames) -> Sided:
    """Elbow-shoulder-hip in the image, degrees: 180 with the arm reaching overhead in line
    with the trunk (a downward dog's "biceps by your ears"), about 90 with the arm straight out
    in front of the chest, near 0 hanging by the side."""
    return f.angle(f.pixels, "elbow", "shoulder", "hip")


@series("sided")
def hip_peak(f: Frames) -> Sided:
    """Height of the hip above the higher of the same side's shoulder and ankle in the image,
    in trunk lengths: positive with the hips the highest point of the body (a downward dog's
    inverted V), negative in a plank or standing."""

    def peak(side: Side) -> np.ndarray:
        hip_y = f.px(side, "hip")[:, 1]
        higher = np.minimum(f.px(side, "shoulder")[:, 1], f.px(side, "ankle")[:, 1])
        return (higher - hip_y) / f.trunk_length

    return f.sided(peak, "hip", "shoulder", "ankle")


@series("sided")
def ankle_lead(f: Frames) -> Sided:
    """How far this side's ankle is ahead of the other one, towards the toes, in trunk lengths:
    positive for the front leg of a split stance, near 0 with the feet together. NaN when the
    forward direction is unknown."""

    def lead(side: Side) -> np.ndarray:
        ahead = f.px(side, "ankle")[:, 0] - f.px(other(side), "ankle")[:, 0]
        return f.forward * ahead / f.trunk_length

    return across(f, lead, lambda side: [(side, "ankle"), (other(side), "ankle")])


@series("sided")
def ankle_to_knee(f: Frames) -> Sided:
    """Distance from this side's ankle to the other leg's knee, from the world landmarks, over
    that leg's thigh (knee to hip): near 0 with the ankle resting on the other knee (a
    figure-four's crossed leg). From the world landmarks so that it reads alike from any view:
    the crossed ankle lies across the knee, towards the camera in a side view."""

    def reach(side: Side) -> np.ndarray:
        knee = f.world[:, joint(other(side), "knee")]
        thigh = geometry.norm(knee - f.world[:, joint(other(side), "hip")])
        gap = geometry.norm(f.world[:, joint(side, "ankle")] - knee)
        return np.divide(gap, thigh, out=np.full_like(gap, np.nan), where=thigh > 0)

    return across(f, reach, lambda side: [(side, "ankle"), (other(side), "knee"),
                                          (other(side), "hip")])


@series("sided")
def thigh_inclination_3d(f: Frames) -> Sided:
    """Knee-to-hip from vertical from the world landmarks, degrees: 0 standing, about 90 with
    the thigh level (a squat's bottom, a thrust's top), whatever the view."""
    return f.sided(lambda side: inclination_to_vertical(f.world[:, joint(side, "knee")],
                                                        f.world[:, joint(side, "hip")]),
                   "knee", "hip")


@series("sided")
def elbow_angle_3d(f: Frames) -> Sided:
    """Elbow angle (shoulder-elbow-wrist) from the world landmarks, degrees: 180 straight; a
    row or a pull bends it through a wide range whatever the view."""
    return f.angle(f.world, "shoulder", "elbow", "wrist")
def above(f: Frames, name: str, reference: str) -> Sided:
    """Height of landmark ``name`` above the same side's ``reference`` in the image, in trunk
    lengths: a height against the lifter's own body, so it reads the same from the front and
    the side and with a camera that pans."""

    def height(side: Side) -> np.ndarray:
        return (f.px(side, reference)[:, 1] - f.px(side, name)[:, 1]) / f.trunk_length

    return f.sided(height, name, reference)


@series("sided")
def wrist_over_hip(f: Frames) -> Sided:
    """Height of the wrist (the hands, and the bar) above the same side's hip, in trunk
    lengths: about -0.7 with the bar at the floor, 0 at the hips, 1.0-1.4 racked on the
    shoulders. What drives a power clean's reps: unlike ``wrist_height`` it stays defined with
    the trunk leaning far over the bar at the floor."""
    return above(f, "wrist", "hip")


@series("sided")
def elbow_over_shoulder(f: Frames) -> Sided:
    """Height of the elbow above the same side's shoulder, in trunk lengths: -0.15 to +0.1
    with the elbows up in front under a racked bar, -0.2 to -0.5 as they come round under it,
    about -0.6 with the arms hanging."""
    return above(f, "elbow", "shoulder")


@series("sided")
def forearm_rise(f: Frames) -> Sided:
    """Height of the wrist above the same side's elbow, in trunk lengths: negative with the
    arms hanging, positive with the forearms up (a bar racked on the shoulders, a curl)."""
    return above(f, "wrist", "elbow")


@series("sided")
def wrist_from_trunk(f: Frames) -> Sided:
    """Distance of the wrist from the hip-to-shoulder line, in trunk lengths, positive in front
    of it (towards the toes): how far the hands, and the bar, swing away from the body. NaN
    when the forward direction is unknown."""

    def ahead(side: Side) -> np.ndarray:
        hip = f.px(side, "hip")
        trunk, hand = f.px(side, "shoulder") - hip, f.px(side, "wrist") - hip
        cross = trunk[:, 0] * hand[:, 1] - trunk[:, 1] * hand[:, 0]
        return f.forward * cross / np.maximum(geometry.norm(trunk), 1e-9) / f.trunk_length

    return f.sided(ahead, "wrist", "hip", "shoulder")


@series("sided")
def hip_lift(f: Frames) -> Sided:
    """Height of the hip in the picture, in trunk lengths up from its top edge (so negative):
    with a camera that stays put, how high the body rises, a jump onto a box included, which
    a height against the lifter's own feet cannot show. What drives a box jump's reps."""
    return f.sided(lambda side: -f.px(side, "hip")[:, 1] / f.trunk_length, "hip")


@series("sided")
def ankle_lift(f: Frames) -> Sided:
    """Height of the ankle in the picture, in trunk lengths up from its top edge: with a camera
    that stays put, rising when the foot leaves the floor or steps up onto a box."""
    return f.sided(lambda side: -f.px(side, "ankle")[:, 1] / f.trunk_length, "ankle")


@series("sided")
def wrist_speed(f: Frames) -> Sided:
    """Speed of the wrist against the same side's shoulder, in trunk lengths per second: under
    0.8 with the hands held still on the shoulders (a racked bar), several times that as they
    whip up in a clean's pull under."""

    def speed(side: Side) -> np.ndarray:
        hand = (f.px(side, "wrist") - f.px(side, "shoulder")) / f.trunk_length
        if len(f) < 2:
            return np.full(len(f), np.nan)
        return geometry.norm(np.gradient(hand, f.times, axis=0))

    return f.sided(speed, "wrist", "shoulder")
