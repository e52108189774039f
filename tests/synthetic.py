"""Synthetic pose tracks of a lifter whose geometry is known exactly, for rep and rule tests.

Why synthetic: a rule is only testable against a number we know. Here every joint angle is set
by construction, so a test can say "the knees bent 1.1 times as much as the hips" and expect the
fault's value to read 1.1, not "somewhere near".

How a track is made:

1. A :func:`timeline` eases a handful of named channels (segment angles in degrees, a back
   bulge) from key pose to key pose, with holds; it remembers when each marked pose (a top, a
   bottom) was held, which is the ground truth for rep timing.
2. The channels drive a 2-D sagittal chain in pixels, y down, the lifter facing +x, the ankle
   fixed at the origin. Segment directions are measured from straight up, positive towards the
   toes, so for a standing hinge with trunk ``a``, thigh ``b`` (hips behind the knees) and shin
   ``s`` (knees ahead of the ankles)::

       hip angle = 180 - a - b     knee angle = 180 - s - b     trunk inclination = |a|

3. :func:`render` gives each landmark a lateral offset (left side +, right side -), turns the
   body about the vertical by ``yaw_deg`` (90 = side view facing +x, right side nearer the
   camera; -90 = facing -x; 0 = facing the camera), projects orthographically into a 1280x720
   frame (non-square on purpose: an angle computed from unscaled normalised coordinates comes
   out wrong) and fills a :class:`~formcheck.track.PoseTrack`, world landmarks included
   (metres, hip-centred, consistent with the image). The back contour is the dorsal outline:
   nine stations from shoulder (0) to hip (8), a constant thickness behind the trunk line plus a
   bulge ``B sin(pi t)`` whose size is chosen so that :func:`formcheck.geometry.back_bend`
   reads exactly the ``bulge`` channel, in chord lengths.

Post-processing helpers (:func:`drop`, :func:`dim`, :func:`knock`, :func:`crop`) damage a track
the way real footage does: dropouts, occlusion, a knocked camera, a clip cut mid-rep.

Example:
    >>> clip = hinge(reps=3, depth_deg=60, knee_bend_deg=60, from_floor=True)
    >>> report = analyze_track(clip.track, load_lift("deadlift"))
    >>> clip.times("top")          # when each lockout was held (the rep turnarounds)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from formcheck.landmarks import SIDES, Landmark, joint
from formcheck.series import WRIST_HEIGHT_MIN_TRUNK_RISE, Side
from formcheck.track import ARRAY_FIELDS, CONTOUR_POINTS, PoseTrack

WIDTH, HEIGHT, FPS = 1280, 720, 30.0
PX_PER_M = 380.0
"""Image scale: a 1.65 m lifter standing spans ~630 of the 720 rows."""

SHIN_M, THIGH_M, TRUNK_M, ARM_M = 0.45, 0.45, 0.50, 0.62
"""Segment lengths (ankle-knee, knee-hip, hip-shoulder, shoulder-wrist), in metres."""
SHIN, THIGH, TRUNK, ARM = (m * PX_PER_M for m in (SHIN_M, THIGH_M, TRUNK_M, ARM_M))
HEEL_M, TOE_M = (-0.06, 0.05), (0.17, 0.06)
"""Heel and toe (foot_index) from the ankle, metres forward and down: mid-foot is 5.5 cm ahead
of the ankle."""
MID_FOOT = 0.5 * (HEEL_M[0] + TOE_M[0]) * PX_PER_M
ELBOW_SHARE = 0.48
"""Where the elbow sits along a straight arm, from the shoulder."""

BACK_THICKNESS = 0.22
"""Distance of the dorsal outline behind the hip-shoulder line, in trunk lengths."""
CHORD_SHARE = (CONTOUR_POINTS - 3) / (CONTOUR_POINTS - 1)
"""back_bend's chord joins the second and second-to-last stations: 6/8 of the trunk."""
BULGE_PER_BEND = CHORD_SHARE / (1.0 - math.sin(math.pi / (CONTOUR_POINTS - 1)))
"""Peak bulge, in trunk lengths, per unit of back_bend: the chord's stations already sit
sin(pi/8) of the way out, and the peak (mid-trunk, station 4) is measured from the chord."""

VISIBLE = 0.99

LATERAL_M: dict[str, float] = {
    "hip": 0.10, "knee": 0.10, "ankle": 0.10, "heel": 0.10, "foot_index": 0.10,
    "shoulder": 0.18, "elbow": 0.20, "wrist": 0.20, "pinky": 0.20, "index": 0.20,
    "thumb": 0.19, "ear": 0.07, "eye": 0.03, "eye_inner": 0.015, "eye_outer": 0.045,
}
"""Half the body's width at each sided landmark (left side +, right side -). Shoulders wider
than hips, as in people: it is what a front view's trunk inclination responds to."""

# timelines


@dataclass(frozen=True)
class Key:
    """Move to ``pose`` in ``move_s`` seconds (eased in and out), then hold it for ``hold_s``.

    Channels ``pose`` leaves out keep their previous value. ``mark`` names the pose ("top",
    "bottom") so tests can ask when it was held.
    """

    pose: Mapping[str, float]
    move_s: float
    hold_s: float = 0.0
    mark: str = ""


@dataclass(frozen=True)
class Timeline:
    """Channels sampled at the frame times, and when each marked pose was held."""

    times: np.ndarray
    channels: dict[str, np.ndarray]
    marks: tuple[tuple[str, float], ...]
    """(mark, time) at the middle of each marked hold (its arrival if it is not held)."""

    def at(self, mark: str) -> np.ndarray:
        return np.array([t for name, t in self.marks if name == mark])

    def __getitem__(self, channel: str) -> np.ndarray:
        return self.channels[channel]


def timeline(start: Mapping[str, float], keys: Sequence[Key], fps: float = FPS) -> Timeline:
    """Sample channels moving through ``keys`` from ``start`` at ``fps``.

    Cosine easing: each move starts and ends at rest, like a lifter between positions, and a
    held pose is exactly constant, so a smoothing filter reproduces it exactly.
    """
    names = tuple(start)
    knot_t, knot_v, marks = [0.0], [tuple(start[n] for n in names)], []
    t, pose = 0.0, dict(start)
    for key in keys:
        pose |= key.pose
        t += key.move_s
        knot_t.append(t)
        knot_v.append(tuple(pose[n] for n in names))
        if key.mark:
            marks.append((key.mark, t + key.hold_s / 2))
        if key.hold_s > 0:
            t += key.hold_s
            knot_t.append(t)
            knot_v.append(knot_v[-1])
    kt, kv = np.array(knot_t), np.array(knot_v, dtype=np.float64)
    times = np.arange(math.floor(t * fps + 1e-9) + 1) / fps
    if len(kt) == 1:
        values = np.broadcast_to(kv[0], (len(times), len(names)))
    else:
        i = np.clip(np.searchsorted(kt, times, side="right") - 1, 0, len(kt) - 2)
        t0, t1 = kt[i], kt[i + 1]
        u = np.clip(np.divide(times - t0, t1 - t0, out=np.ones_like(times), where=t1 > t0), 0, 1)
        ease = (1.0 - np.cos(np.pi * u)) / 2.0
        values = kv[i] + ease[:, None] * (kv[i + 1] - kv[i])
    return Timeline(times, {n: values[:, c] for c, n in enumerate(names)}, tuple(marks))


def excursions(
    reps: int,
    *,
    rest: float = 80.0,
    peak: float = 180.0,
    move_s: float = 0.8,
    peak_hold_s: float = 0.4,
    rest_hold_s: float = 0.4,
    lead_s: float = 0.5,
    fps: float = FPS,
) -> Timeline:
    """A bare driver signal (channel "driver"): rest, then ``reps`` trips to ``peak`` and back.

    For :func:`formcheck.reps.segment_reps` tests; each peak is marked "turn".
    """
    keys = [Key({}, 0.0, lead_s)]
    for _ in range(reps):
        keys += [Key({"driver": peak}, move_s, peak_hold_s, "turn"),
                 Key({"driver": rest}, move_s, rest_hold_s)]
    return timeline({"driver": rest}, keys, fps)


# the body


def _direction(deg: np.ndarray) -> np.ndarray:
    """(T, 2) unit vector ``deg`` from straight up, positive towards +x (forward); y down."""
    r = np.radians(deg)
    return np.stack([np.sin(r), -np.cos(r)], axis=-1)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


@dataclass(frozen=True)
class Body:
    """Per-frame sagittal points in pixels (origin at the ankle, y down, facing +x), plus the
    back bulge in back_bend units (chord lengths)."""

    points: dict[str, np.ndarray]
    bulge: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        return self.points[name]


def legs_and_trunk(
    shin: np.ndarray, thigh: np.ndarray, trunk: np.ndarray
) -> dict[str, np.ndarray]:
    """Ankle (the origin), knee, hip and shoulder from segment directions (degrees from up,
    positive forward)."""
    ankle = np.zeros((len(shin), 2))
    knee = ankle + SHIN * _direction(shin)
    hip = knee + THIGH * _direction(thigh)
    return {"ankle": ankle, "knee": knee, "hip": hip, "shoulder": hip + TRUNK * _direction(trunk)}


def chain(
    shin: np.ndarray,
    thigh: np.ndarray,
    trunk: np.ndarray,
    bulge: np.ndarray,
    *,
    arm: np.ndarray | None = None,
    wrist: np.ndarray | None = None,
    elbow: np.ndarray | None = None,
) -> Body:
    """The whole lifter from segment directions (see :func:`legs_and_trunk`).

    The arm is either a direction (shoulder to wrist) or a wrist position; the elbow sits on the
    straight line between shoulder and wrist unless its position is given (a bent arm). Feet
    flat, toes forward; the head continues the trunk line, face to the front.
    """
    core = legs_and_trunk(shin, thigh, trunk)
    ankle, hip, shoulder = core["ankle"], core["hip"], core["shoulder"]
    if wrist is None:
        if arm is None:
            raise ValueError("give the arm's direction or the wrist's position")
        wrist = shoulder + ARM * _direction(arm)
    along = _unit(shoulder - hip)
    front = np.stack([-along[:, 1], along[:, 0]], axis=-1)  # the dorsal side is -front
    hand = _unit(wrist - shoulder)
    m = PX_PER_M
    ear = shoulder + 0.30 * TRUNK * along
    nose = ear + 0.10 * m * front + 0.02 * m * along
    eye = ear + 0.08 * m * front + 0.04 * m * along
    points = core | {
        "heel": ankle + np.array(HEEL_M) * m,
        "foot_index": ankle + np.array(TOE_M) * m,
        "elbow": shoulder + ELBOW_SHARE * (wrist - shoulder) if elbow is None else elbow,
        "wrist": wrist,
        "pinky": wrist + 0.07 * m * hand,
        "index": wrist + 0.08 * m * hand,
        "thumb": wrist + 0.05 * m * hand + 0.02 * m * front,
        "ear": ear,
        "eye": eye,
        "eye_inner": eye + 0.01 * m * front,
        "eye_outer": eye - 0.01 * m * front,
        "nose": nose,
        "mouth": nose - 0.04 * m * along,
    }
    return Body(points, np.asarray(bulge, dtype=np.float64))


def contour(body: Body) -> np.ndarray:
    """(T, 9, 2) sagittal dorsal outline, shoulder to hip, with the body's bulge."""
    shoulder, hip = body["shoulder"], body["hip"]
    along = _unit(shoulder - hip)
    dorsal = np.stack([along[:, 1], -along[:, 0]], axis=-1)
    t = np.linspace(0.0, 1.0, CONTOUR_POINTS)
    out = (BACK_THICKNESS + BULGE_PER_BEND * body.bulge[:, None] * np.sin(np.pi * t)) * TRUNK
    return shoulder[:, None] + t[None, :, None] * (hip - shoulder)[:, None] + out[..., None] * (
        dorsal[:, None]
    )


@dataclass(frozen=True)
class Synthetic:
    """A synthetic clip: the track, the exact body it was drawn from, and its timeline."""

    track: PoseTrack
    body: Body
    timeline: Timeline

    def times(self, mark: str) -> np.ndarray:
        """When each pose marked ``mark`` was held (mid-hold), in seconds."""
        return self.timeline.at(mark)

    @property
    def truth(self) -> dict[str, np.ndarray]:
        """The per-frame quantities formcheck should measure, from the exact geometry."""
        return truth(self.body)


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC in degrees, by arccos: deliberately not formcheck's own atan2 code."""
    u, v = _unit(a - b), _unit(c - b)
    return np.degrees(np.arccos(np.clip(np.sum(u * v, axis=-1), -1.0, 1.0)))


def truth(body: Body) -> dict[str, np.ndarray]:
    """Exact per-frame measures of the body, in formcheck's units (degrees, trunk lengths)."""
    p = body.points
    trunk = p["shoulder"] - p["hip"]
    inclination = np.degrees(np.arctan2(np.abs(trunk[:, 0]), -trunk[:, 1]))
    shin = p["knee"] - p["ankle"]
    rise = p["hip"][:, 1] - p["shoulder"][:, 1]
    lift = p["hip"][:, 1] - p["wrist"][:, 1]
    defined = rise >= WRIST_HEIGHT_MIN_TRUNK_RISE * TRUNK  # formcheck's definition
    mid_foot = 0.5 * (p["heel"][:, 0] + p["foot_index"][:, 0])
    return {
        "hip_angle": _angle(p["shoulder"], p["hip"], p["knee"]),
        "knee_angle": _angle(p["hip"], p["knee"], p["ankle"]),
        "trunk_inclination": inclination,
        "trunk_lean": np.sign(trunk[:, 0]) * inclination,
        "shin_inclination": np.degrees(np.arctan2(np.abs(shin[:, 0]), -shin[:, 1])),
        "wrist_height": np.where(defined, lift / np.where(defined, rise, 1.0), np.nan),
        "wrist_offset": (p["wrist"][:, 0] - mid_foot) / TRUNK,
        "hip_height": (p["ankle"][:, 1] - p["hip"][:, 1]) / TRUNK,
        "shoulder_height": (p["ankle"][:, 1] - p["shoulder"][:, 1]) / TRUNK,
        "back_bend": body.bulge,
        "elbow_angle": _angle(p["shoulder"], p["elbow"], p["wrist"]),
    }


# rendering


def _landmark_layout(body: Body) -> tuple[list[int], list[str], list[float]]:
    """Which landmark each rendered point is, the sagittal point of ``body`` it sits on (a
    side's own point, such as ``left_knee``, where the body has one: a leg that differs from
    the other) and its lateral offset in metres (left +, right -)."""
    index, source, lateral = [], [], []
    for name, half in LATERAL_M.items():
        for side, sign in (("left", 1.0), ("right", -1.0)):
            index.append(joint(side, name))
            source.append(f"{side}_{name}" if f"{side}_{name}" in body.points else name)
            lateral.append(sign * half)
    for landmark, name, offset in (
        (Landmark.NOSE, "nose", 0.0),
        (Landmark.MOUTH_LEFT, "mouth", 0.02),
        (Landmark.MOUTH_RIGHT, "mouth", -0.02),
    ):
        index.append(landmark.value)
        source.append(name)
        lateral.append(offset)
    return index, source, lateral


def render(
    body: Body,
    times: np.ndarray,
    *,
    yaw_deg: float = 90.0,
    origin: tuple[float, float] = (0.45, 0.94),
    noise_px: float = 0.0,
    seed: int = 0,
    width: int = WIDTH,
    height: int = HEIGHT,
    fps: float = FPS,
) -> PoseTrack:
    """A pose track of ``body`` seen with the camera ``yaw_deg`` round from the lifter's front.

    ``origin`` is where the ankle's sagittal position lands, as fractions of the frame. The
    projection is orthographic, so at yaw 90 image x is exactly the sagittal x. ``noise_px``
    adds seeded Gaussian jitter to image landmarks and contour (and its equivalent in metres to
    the world landmarks), as the model's own jitter would.
    """
    n = len(times)
    index, source, lateral = _landmark_layout(body)
    sagittal = np.stack([body[name] for name in source], axis=1)  # (T, K, 2) pixels
    forward, down = sagittal[..., 0], sagittal[..., 1]
    side = np.broadcast_to(np.array(lateral) * PX_PER_M, forward.shape)
    yaw = math.radians(yaw_deg)
    x = forward * math.sin(yaw) + side * math.cos(yaw)
    depth = -forward * math.cos(yaw) + side * math.sin(yaw)
    rng = np.random.default_rng(seed)

    def jitter(shape: tuple[int, ...]) -> np.ndarray:
        return rng.normal(0.0, noise_px, shape) if noise_px > 0 else np.zeros(shape)

    track = PoseTrack.empty(n, width=width, height=height, fps=fps, source="synthetic")
    track.times[:] = times
    track.present[:] = True
    at = np.array([origin[0] * width, origin[1] * height])
    image = np.stack([x, down], axis=-1) + at + jitter((n, len(index), 2))
    track.landmarks[:, index, :2] = image / np.array([width, height])
    track.landmarks[:, index, 2] = depth / width
    world = np.stack([x, down, depth], axis=-1) + jitter((n, len(index), 3))
    hips = [index.index(joint(side, "hip")) for side in SIDES]
    track.world[:, index] = (world - world[:, hips].mean(axis=1, keepdims=True)) / PX_PER_M
    track.visibility[:, index] = VISIBLE
    track.presence[:, index] = VISIBLE

    outline = contour(body)  # on the mid-line: no lateral offset
    traced = np.stack([outline[..., 0] * math.sin(yaw), outline[..., 1]], axis=-1)
    traced = traced + at + jitter(traced.shape)
    track.back_contour[:] = traced / np.array([width, height])
    return track


# movements


@dataclass(frozen=True)
class View:
    """How the clip is filmed: camera yaw, jitter and seed (see :func:`render`)."""

    yaw_deg: float = 90.0
    noise_px: float = 0.0
    seed: int = 0
    fps: float = FPS


SIDE = View()


def _hinge_pose(
    depth: float, knee_bend: float, shin: float, share: float, lean: float = 0.0
) -> dict[str, float]:
    """A hinge ``share`` of the way from standing to the bottom (trunk ``depth``, knee flexion
    ``knee_bend``, shin ``shin``), the trunk then tipped back by ``lean``."""
    return {
        "trunk": share * depth - lean,
        "thigh": -share * (knee_bend - shin),
        "shin": share * shin,
    }


def trunk_for_shoulder_rise(bottom: dict[str, float], legs: dict[str, float], trunk_deg: float,
                            share: float = 0.0) -> float:
    """Trunk angle from vertical that lets the shoulders rise only ``share`` of the hips' rise
    once the legs have moved from ``bottom`` to ``legs`` (0: kept at their bottom height): the
    rest of the hips' rise taken up by the trunk tipping forward, as when the hips rise first."""

    def hip_height(pose: dict[str, float]) -> float:
        return (SHIN_M * math.cos(math.radians(pose["shin"]))
                + THIGH_M * math.cos(math.radians(pose["thigh"])))

    rise = hip_height(legs) - hip_height(bottom)
    cosine = math.cos(math.radians(trunk_deg)) - (1.0 - share) * rise / TRUNK_M
    return math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


HIPS_FIRST_SHOULDER_SHARE = 0.25
"""In a hinge's hips-first pull the shoulders (and the bar hanging from them) still rise this
share of the hips' rise: the bar leaves the floor, slowly, while the hips shoot up."""


def hinge(
    reps: int = 3,
    *,
    depth_deg: float = 60.0,
    knee_bend_deg: float = 50.0,
    shin_deg: float | None = None,
    pause_s: float = 0.3,
    top_pause_s: float = 0.5,
    descent_s: float = 0.8,
    ascent_s: float = 0.8,
    lockout_deg: float | Sequence[float] = 180.0,
    lean_back_deg: float = 0.0,
    rounded: float = 0.0,
    hips_first: float = 0.0,
    shoulders_follow: float = HIPS_FIRST_SHOULDER_SHARE,
    bar_offset: float = 0.0,
    hitch_deg: float = 0.0,
    hitch_s: float = 0.3,
    elbow_deg: float = 180.0,
    from_floor: bool = False,
    lead_in_s: float = 1.0,
    tail_s: float = 0.8,
    view: View = SIDE,
) -> Synthetic:
    """A deadlift, RDL or good morning: standing, then ``reps`` hinges.

    At the bottom the trunk is ``depth_deg`` from vertical, the knees flexed ``knee_bend_deg``
    with the shins ``shin_deg`` forward (default a third of the knee bend), so
    ``knee/hip flexion = knee_bend / (depth + knee_bend - shin)``. Every angle scales with one
    hinge depth, so the bottom is the deepest frame of each rep.

    Faults, on every rep:
      * ``lockout_deg``: the hip angle at each top, or one per rep (the standing lead-in stays
        tall, so the lifter's neutral back is still learnt);
      * ``lean_back_deg``: the trunk behind vertical at each top, legs straight;
      * ``rounded``: back_bend at the bottom (chord lengths), growing with the hinge depth;
      * ``hips_first``: share of the knee extension done first, the trunk tipping forward so
        that the shoulders rise only ``shoulders_follow`` of the hips' rise (1: the back angle
        kept, as Rippetoe's first pull should);
      * ``bar_offset``: hands ahead of mid-foot, in trunk lengths (they hang there, arms
        straight);
      * ``hitch_deg``: the bar stalls half-way up (held ``hitch_s``), then the knees bend
        again by this much (held ``hitch_s``) while the hips keep opening, and straighten to
        the top: a hitched pull, whose knee angle falls exactly ``hitch_deg`` below the
        straightest it had held.
      * ``elbow_deg``: the arms bent to this elbow angle all clip, elbows pulled back (a
        pull-through rowing its rope); the hands still hang ``bar_offset`` ahead of mid-foot.

    ``from_floor`` (a deadlift, turnaround at the top): the lifter hinges down to the bar, then
    pulls ``reps`` times, each from the floor to lockout and back, and finally stands up after
    the bar is set down: ``reps + 1`` descents, of which the first and last are set-up and
    park. Otherwise (RDL, good morning, turnaround at the bottom) each rep is standing -> bottom
    -> standing and the clip ends standing. ``lead_in_s = 0`` starts the clip at the top pose
    instead of standing tall.
    """
    shin = knee_bend_deg / 3.0 if shin_deg is None else shin_deg
    hip_flexion = depth_deg + knee_bend_deg - shin
    if not 0 < hip_flexion <= 180:
        raise ValueError(f"hip flexion at the bottom would be {hip_flexion}")
    lockouts = [lockout_deg] * reps if np.ndim(lockout_deg) == 0 else list(lockout_deg)
    if len(lockouts) != reps:
        raise ValueError(f"{len(lockouts)} lockout angles for {reps} reps")
    stand = _hinge_pose(depth_deg, knee_bend_deg, shin, 0.0) | {"bulge": 0.0}
    bottom = _hinge_pose(depth_deg, knee_bend_deg, shin, 1.0) | {"bulge": rounded}
    legs_first = _hinge_pose(depth_deg, knee_bend_deg, shin, 1.0 - hips_first)
    legs_first = bottom | {"thigh": legs_first["thigh"], "shin": legs_first["shin"]}
    legs_first["trunk"] = trunk_for_shoulder_rise(bottom, legs_first, depth_deg,
                                                  shoulders_follow)

    def top(lockout: float) -> dict[str, float]:
        share = (180.0 - lockout) / hip_flexion
        pose = _hinge_pose(depth_deg, knee_bend_deg, shin, share, lean_back_deg)
        return pose | {"bulge": share * rounded}

    def up(lockout: float) -> list[Key]:
        split = hips_first > 0 or hitch_deg > 0
        finish = Key(top(lockout), ascent_s / 2 if split else ascent_s, top_pause_s, "top")
        if hitch_deg > 0:
            return [*hitch(lockout), finish]
        return [Key(legs_first, ascent_s / 2), finish] if hips_first > 0 else [finish]

    def hitch(lockout: float) -> list[Key]:
        """Stalled half-way up, then the knees flexed ``hitch_deg`` more (shins forward,
        thighs still) as the trunk rises as far: the hips open, the knees re-bend."""
        share = 0.5 * (1.0 + (180.0 - lockout) / hip_flexion)
        halfway = _hinge_pose(depth_deg, knee_bend_deg, shin, share)
        dipped = halfway | {"shin": halfway["shin"] + hitch_deg,
                            "trunk": halfway["trunk"] - hitch_deg}
        return [Key(halfway, ascent_s / 4, hitch_s), Key(dipped, ascent_s / 4, hitch_s, "hitch")]

    down = Key(bottom, descent_s, pause_s, "bottom")
    keys: list[Key] = [Key({}, 0.0, lead_in_s)] if lead_in_s > 0 else []
    if from_floor:
        keys.append(down)
        for lockout in lockouts:
            keys += [*up(lockout), down]
        if tail_s > 0:
            keys.append(Key(stand, ascent_s, tail_s))
    else:
        for lockout in lockouts:
            keys += [down, *up(lockout)]
        if tail_s > 0:
            keys.append(Key(stand, ascent_s / 2, tail_s))
    line = timeline(stand if lead_in_s > 0 else top(lockouts[0]), keys, view.fps)
    return _hinge_body(line, bar_offset, view, elbow_deg)


def _hinge_body(line: Timeline, bar_offset: float, view: View, elbow_deg: float = 180.0
                ) -> Synthetic:
    """Upright chain from the timeline; the hands hang ``bar_offset`` trunk lengths ahead of
    mid-foot, arms straight or bent to ``elbow_deg``."""
    shoulder = legs_and_trunk(line["shin"], line["thigh"], line["trunk"])["shoulder"]
    upper, fore = ELBOW_SHARE * ARM, (1.0 - ELBOW_SHARE) * ARM
    straight = elbow_deg >= 180.0
    reach = ARM if straight else math.sqrt(
        upper**2 + fore**2 - 2.0 * upper * fore * math.cos(math.radians(elbow_deg)))
    dx = MID_FOOT + bar_offset * TRUNK - shoulder[:, 0]
    if np.any(np.abs(dx) >= reach):
        raise ValueError("the hands cannot reach the bar line with these arms")
    wrist = np.stack([shoulder[:, 0] + dx, shoulder[:, 1] + np.sqrt(reach**2 - dx**2)], axis=-1)
    elbow = None if straight else _bent_elbow(shoulder, wrist, upper, fore)
    body = chain(line["shin"], line["thigh"], line["trunk"], line["bulge"], wrist=wrist,
                 elbow=elbow)
    return _finish(body, line, view)


def _bent_elbow(shoulder: np.ndarray, wrist: np.ndarray, upper: float, fore: float
                ) -> np.ndarray:
    """(T, 2) the elbow ``upper`` from the shoulder and ``fore`` from the wrist, on the side of
    the shoulder-to-wrist line towards -x (back) for an arm hanging down."""
    reach = np.linalg.norm(wrist - shoulder, axis=-1)
    along = (reach**2 + upper**2 - fore**2) / (2.0 * reach)
    out = np.sqrt(upper**2 - along**2)
    hand = _unit(wrist - shoulder)
    back = np.stack([-hand[:, 1], hand[:, 0]], axis=-1)  # (0, 1) down -> (-1, 0) back
    return shoulder + along[:, None] * hand + out[:, None] * back


def _finish(body: Body, line: Timeline, view: View, **kwargs: tuple[float, float]) -> Synthetic:
    track = render(body, line.times, yaw_deg=view.yaw_deg, noise_px=view.noise_px,
                   seed=view.seed, fps=view.fps, **kwargs)
    return Synthetic(track, body, line)


def arm_for_height(height: float, trunk_deg: float) -> float:
    """Arm angle (degrees forward from hanging) that puts the wrist ``height`` shoulder heights
    above the hip with the trunk ``trunk_deg`` from vertical (kinematics' wrist_height)."""
    rise = TRUNK * math.cos(math.radians(trunk_deg))
    cosine = (1.0 - height) * rise / ARM
    if abs(cosine) > 1:
        raise ValueError(f"a wrist height of {height} is out of the arm's reach")
    return math.degrees(math.acos(cosine))


def swing(
    reps: int = 4,
    *,
    height: float = 0.9,
    depth_deg: float = 55.0,
    knee_bend_deg: float = 30.0,
    shin_deg: float = 10.0,
    backswing_arm_deg: float = -25.0,
    lockout_deg: float = 180.0,
    lean_back_deg: float = 0.0,
    float_s: float = 0.3,
    backswing_s: float = 0.1,
    move_s: float = 0.45,
    lead_in_s: float = 1.0,
    tail_s: float = 0.8,
    view: View = SIDE,
) -> Synthetic:
    """A kettlebell swing: stand, hike, ``reps`` swings backswing -> top -> backswing, park.

    At the top the arms float to ``height`` (kinematics' wrist_height: 0 at the hip, 1 at the
    shoulder); the wrist is highest there, so that is the rep's peak wrist height exactly. At
    the backswing the trunk is ``depth_deg`` forward and the hands ``backswing_arm_deg`` behind
    vertical (between the thighs). Faults: ``height``, ``lockout_deg``, ``lean_back_deg`` (the
    trunk behind vertical at the top), ``depth_deg`` (a shallow hike), ``knee_bend_deg``.
    """
    hip_flexion = depth_deg + knee_bend_deg - shin_deg
    top_share = (180.0 - lockout_deg) / hip_flexion
    stand = _hinge_pose(depth_deg, knee_bend_deg, shin_deg, 0.0) | {"arm": 0.0, "bulge": 0.0}
    hike = _hinge_pose(depth_deg, knee_bend_deg, shin_deg, 1.0) | {"arm": backswing_arm_deg}
    top = _hinge_pose(depth_deg, knee_bend_deg, shin_deg, top_share, lean_back_deg)
    top["arm"] = arm_for_height(height, abs(top["trunk"]))
    keys = [Key({}, 0.0, lead_in_s), Key(hike, move_s, backswing_s, "bottom")]
    for _ in range(reps):
        keys += [Key(top, move_s, float_s, "top"), Key(hike, move_s, backswing_s, "bottom")]
    keys.append(Key(stand, 2 * move_s, tail_s))
    line = timeline(stand, keys, view.fps)
    # the arm channel is from hanging, forward; chain() wants the direction from straight up
    body = chain(line["shin"], line["thigh"], line["trunk"], line["bulge"],
                 arm=180.0 - line["arm"])
    return _finish(body, line, view)


def thrust(
    reps: int = 3,
    *,
    top_tilt_deg: float = 0.0,
    top_thigh_deg: float = 0.0,
    shin_deg: float = 0.0,
    bottom_tilt_deg: float = -35.0,
    bottom_thigh_deg: float = 40.0,
    move_s: float = 0.7,
    top_hold_s: float = 0.6,
    bottom_hold_s: float = 0.4,
    free_leg: Side | None = None,
    free_leg_deg: float = 30.0,
    hip_drop_deg: float = 0.0,
    view: View = SIDE,
) -> Synthetic:
    """A hip thrust or glute bridge: lying face up, feet at +x, ``reps`` times bottom -> top.

    Single-leg (``free_leg``, the leg held up): that leg is straight, ``free_leg_deg`` above
    level towards the feet all clip, so its hip angle is not the working leg's; the pelvis
    tilts down on the free side by ``hip_drop_deg`` at each top, level at the bottom. At yaw 90
    the right leg faces the camera.

    Angles (degrees) follow formcheck's torso tilt: ``tilt`` is the trunk's angle below level
    going from hips to shoulders (trunk inclination - 90; positive = shoulders lower than hips),
    ``thigh`` the hips below the knees; the hip angle is ``180 - |thigh - tilt|``. ``shin_deg``
    is the shin from vertical (knees behind the ankles: feet too far out), the same all clip.
    Faults at the top: ``top_tilt_deg`` under the lift's torso_tilt_min is a torso not parallel
    (hips low), over torso_tilt_max an arched back; ``shin_deg`` past shin_inclination is shins
    not vertical; keep ``top_thigh_deg >= top_tilt_deg`` unless the hip angle should pass 180
    on the way up (it is unsigned, so an arched top reads as a bent hip). Hands rest on the bar
    at the hips.
    """
    if hip_drop_deg and free_leg is None:
        raise ValueError("a hip drop is towards the free leg: give free_leg")
    bottom = {"thigh": bottom_thigh_deg, "tilt": bottom_tilt_deg, "bulge": 0.0, "drop": 0.0}
    top = {"thigh": top_thigh_deg, "tilt": top_tilt_deg, "drop": hip_drop_deg}
    keys = [Key({}, 0.0, bottom_hold_s)]
    for _ in range(reps):
        keys += [Key(top, move_s, top_hold_s, "top"), Key(bottom, move_s, bottom_hold_s, "bottom")]
    line = timeline(bottom, keys, view.fps)
    shin = np.full(len(line.times), -shin_deg)
    thigh, trunk = -(90.0 + line["thigh"]), -(90.0 + line["tilt"])
    wrist = legs_and_trunk(shin, thigh, trunk)["hip"] - np.array([0.0, 0.12 * PX_PER_M])
    body = chain(shin, thigh, trunk, line["bulge"], wrist=wrist)
    if free_leg is not None:
        body = _on_one_leg(body, free_leg, free_leg_deg, line["drop"])
    return _finish(body, line, view, origin=(0.75, 0.9))


def row(
    reps: int = 3,
    *,
    trunk_deg: float = 50.0,
    knee_bend_deg: float = 30.0,
    shin_deg: float = 10.0,
    top_elbow_deg: float = 80.0,
    bottom_elbow_deg: float = 172.0,
    swing_deg: float = 0.0,
    hip_drive_deg: float = 0.0,
    rounded: float = 0.0,
    floor_s: float = 0.4,
    top_hold_s: float = 0.3,
    move_s: float = 0.6,
    lead_in_s: float = 1.0,
    set_down: bool = False,
    view: View = SIDE,
) -> Synthetic:
    """A barbell row: standing tall holding the bar, a hinge to the trunk ``trunk_deg`` from
    vertical (knees
    flexed ``knee_bend_deg``, shins ``shin_deg`` forward), then ``reps`` pulls from the hang
    (elbows at ``bottom_elbow_deg``, held ``floor_s``: a Pendlay row's dead stop) to the torso
    (``top_elbow_deg``, held ``top_hold_s``) and back. The forearms stay vertical and the upper
    arm swings back, so the elbow angle is exactly the channel's.

    Faults, on every pull: ``swing_deg`` the trunk rising that far at the top (body English;
    it opens the hip as much), ``hip_drive_deg`` the hips opening that much more with the
    trunk held (the thighs coming upright), ``top_elbow_deg`` (short row), ``bottom_elbow_deg``
    (no extension), ``floor_s`` (no dead stop), ``rounded`` (back_bend while hinged).
    ``set_down``: after the last pull the bar is lowered to the floor, arms straight (the trunk
    hinging 25° further), and the lifter stands up without it: never a row.
    """
    hinged = _hinge_pose(trunk_deg, knee_bend_deg, shin_deg, 1.0)
    stand = _hinge_pose(trunk_deg, knee_bend_deg, shin_deg, 0.0) | {"elbow": bottom_elbow_deg,
                                                                     "bulge": 0.0}
    hang = hinged | {"elbow": bottom_elbow_deg, "bulge": rounded}
    top = hang | {"trunk": trunk_deg - swing_deg, "thigh": hinged["thigh"] + hip_drive_deg,
                  "elbow": top_elbow_deg}
    keys = [Key({}, 0.0, lead_in_s), Key(hang, 1.0, floor_s, "bottom")]
    for _ in range(reps):
        keys += [Key(top, move_s, top_hold_s, "top"), Key(hang, move_s, floor_s, "bottom")]
    if set_down:
        keys += [Key(hang | {"trunk": min(trunk_deg + 25.0, 90.0)}, 1.0, 0.5, "set_down"),
                 Key(stand, 1.0, 1.0)]
    line = timeline(stand, keys, view.fps)
    shoulder = legs_and_trunk(line["shin"], line["thigh"], line["trunk"])["shoulder"]
    upper, forearm = ELBOW_SHARE * ARM, (1.0 - ELBOW_SHARE) * ARM
    elbow = shoulder + upper * _direction(360.0 - line["elbow"])
    wrist = elbow + forearm * _direction(np.full(len(line.times), 180.0))
    body = chain(line["shin"], line["thigh"], line["trunk"], line["bulge"], wrist=wrist)
    body = replace(body, points=body.points | {"elbow": elbow})
    return _finish(body, line, view)


def _on_one_leg(body: Body, free: Side, raised_deg: float, drop_deg: np.ndarray) -> Body:
    """``body`` with the ``free`` leg held straight, ``raised_deg`` above level towards +x,
    and the pelvis tilted ``drop_deg`` (per frame) down on the free side about the body's
    long axis: the free hip as much lower as the working one is higher."""
    working = "right" if free == "left" else "left"
    sink = LATERAL_M["hip"] * np.tan(np.radians(drop_deg)) * PX_PER_M
    down = np.stack([np.zeros_like(sink), sink], axis=-1)
    hip = body["hip"] + down
    along = _direction(np.full(len(sink), 90.0 - raised_deg))
    knee = hip + THIGH * along
    ankle = knee + SHIN * along
    leg = {"hip": hip, "knee": knee, "ankle": ankle, "heel": ankle + np.array(HEEL_M) * PX_PER_M,
           "foot_index": ankle + np.array(TOE_M) * PX_PER_M}
    return Body(body.points | {f"{working}_hip": body["hip"] - down}
                | {f"{free}_{name}": point for name, point in leg.items()}, body.bulge)


# damage


def _rows(track: PoseTrack, start_s: float, end_s: float) -> np.ndarray:
    return (track.times >= start_s - 1e-9) & (track.times < end_s - 1e-9)


def _copy(track: PoseTrack) -> PoseTrack:
    return replace(track, **{name: getattr(track, name).copy() for name in ARRAY_FIELDS})


def drop(track: PoseTrack, start_s: float, end_s: float) -> PoseTrack:
    """The lifter lost in [start_s, end_s): present False and NaN, as the extractor writes it."""
    out = _copy(track)
    rows = _rows(out, start_s, end_s)
    out.present[rows] = False
    for name in ("landmarks", "visibility", "presence", "world", "back_contour"):
        getattr(out, name)[rows] = np.nan
    return out


def dim(
    track: PoseTrack,
    names: Iterable[str],
    visibility: float = 0.2,
    start_s: float = 0.0,
    end_s: float = math.inf,
    sides: Iterable[str] = SIDES,
) -> PoseTrack:
    """Landmarks ``names`` (on ``sides``, both by default) seen with ``visibility`` in
    [start_s, end_s)."""
    out = _copy(track)
    rows = _rows(out, start_s, end_s)
    cols = [joint(side, name) for name in names for side in sides]
    out.visibility[np.ix_(rows, cols)] = visibility
    return out


def knock(track: PoseTrack, at_s: float, dx_px: float, dy_px: float) -> PoseTrack:
    """The camera knocked at ``at_s``: every image point jumps by (dx, dy) pixels and stays."""
    out = _copy(track)
    rows = out.times >= at_s
    shift = np.array([dx_px / out.width, dy_px / out.height], dtype=np.float32)
    out.landmarks[rows, :, :2] += shift
    out.back_contour[rows] += shift
    return out


def crop(track: PoseTrack, start_s: float, end_s: float = math.inf) -> PoseTrack:
    """The frames in [start_s, end_s), with times starting again at 0, as a cut clip's would."""
    rows = _rows(track, start_s, end_s)
    out = replace(track, **{name: getattr(track, name)[rows].copy() for name in ARRAY_FIELDS})
    out.times -= out.times[0] if len(out) else 0.0
    return out


def concat(*tracks: PoseTrack) -> PoseTrack:
    """Tracks played one after another, each starting a frame after the previous one ends."""
    first = tracks[0]
    step = 1.0 / first.fps
    starts = np.cumsum([0.0] + [t.times[-1] + step for t in tracks[:-1]])
    return replace(first, **{
        name: np.concatenate([getattr(t, name) for t in tracks])
        for name in ARRAY_FIELDS if name != "times"
    }, times=np.concatenate([t.times + s for t, s in zip(tracks, starts, strict=True)]))
