"""Joint angles, inclinations and speeds per frame, from a pose track.

Which coordinates: sagittal angles (hip, knee, trunk, shin, head, arm) come from the 2-D image
landmarks in pixels, so they are the angles a coach sees on the screen in a side view and inherit
the model's best-estimated coordinates (x, y are far more accurate than its depth). Normalised x
and y are scaled by the frame's width and height first: in a 16:9 frame an unscaled angle is
simply wrong. Image angles are view-dependent, so :func:`estimate_view` says how far to trust
them. Hip and knee angles from the 3-D world landmarks are kept as extras (``*_3d``): they do not
depend on the camera angle but carry the model's noisier depth guess.

Every series is computed for both sides and offered for the ``facing`` side, the one nearer the
camera, whose landmarks are seen rather than guessed. Each comes with a per-frame reliability,
the lowest visibility among the landmarks it uses, so rules can abstain on occluded frames.

Functions never raise on NaN: a missing landmark gives NaN in every series that uses it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any, Literal, TypeVar

import numpy as np

from formcheck.landmarks import joint
from formcheck.smoothing import OneEuroFilter, bridge_gaps, smoothing_reach, zero_phase_smooth
from formcheck.track import TRACK_BLOCK, PoseTrack

_T = TypeVar("_T")

Side = Literal["left", "right"]
Smoothing = Literal["zero_phase", "causal", "none"]
View = Literal["side", "oblique", "front", "unknown"]

ZERO_PHASE_CUTOFF_HZ = 4.0
"""Cutoff for recorded video. Source: Winter (Biomechanics and Motor Control of Human Movement)
low-passes walking markers at about 6 Hz; lifts are slower and pose-model jitter is larger than
marker noise, so a little lower. The fastest content, a kettlebell swing's hip snap at about
1 rep/s, keeps its first three harmonics. On synthetic hinges with 3 px jitter it halves the
hip-angle error (3.4 to 1.8 degrees) without lag; 3 Hz did as well. Untuned on real clips."""

CAUSAL_MIN_CUTOFF_HZ = ZERO_PHASE_CUTOFF_HZ
"""One-Euro cutoff when still: the band recorded video keeps, so that live and offline smoothing
pass the same motion and a live verdict can equal ``analyze``'s. Casiez et al. 2012 suggest
starting at 1 Hz; that lags a lift so much that on a synthetic 30 fps swing (3 px jitter) the
hip angle came out worse than unsmoothed (rms 3.5 against 2.4 degrees), and on real tracks
thinned to 12-20 irregular fps its verdicts differed from the offline ones on 15 of 72 runs
(tests/test_live.py explains the thinning). With these three values: rms 1.9 held still (2.7
unsmoothed, 1.5 offline), 1.9 through the swing, and 3 of 72 thinned runs differ; at full frame
rate none of the nine labelled clips does."""
CAUSAL_BETA = 60.0
"""One-Euro speed coefficient, hertz per (frame height per second): moving at 0.1 frame heights
per second lifts the cutoff by 6 Hz. Chosen with the cutoffs above on synthetic hinges and
swings and the thinned labelled tracks (beta 20 to 100 compared; 60 to 100 alike). World
landmarks (metres) go through the same filter; a metre is about half a frame height of a
full-body shot, so there it adapts about twice as strongly, which is harmless."""
CAUSAL_D_CUTOFF_HZ = 4.0
"""One-Euro cutoff of the speed estimate: as responsive as the positions, so the filter opens up
as a rep starts rather than a quarter of a second later (1 Hz, Casiez et al.'s default, did)."""

WRIST_HEIGHT_MIN_TRUNK_RISE = 0.5
"""Least height of the shoulders above the hips, in trunk lengths, for the wrist height to be
defined. With the trunk more than 60 degrees from vertical the shoulders are no longer a height
reference (level with the hips, or below them in a deep hinge, the ratio blows up or flips)."""

ARM_VISIBILITY = 0.5
"""Visibility above which an elbow or wrist counts as seen for hiding the back; an arm the model
is unsure of is usually the far one, behind the body, and hides nothing of the near outline."""

ARM_DEPTH = 0.5
"""How far from the trunk's mid-line towards the back's outline (as a share of that distance)
an elbow or wrist must be to hide the outline; an arm hanging at the side sits near 0."""

_DEGENERATE_RATIO = 1e-9
"""A segment shorter than this fraction of the other one makes an angle undefined."""

_BODY = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index")
"""Sided landmarks whose depth tells which side is nearer the camera (the face is left out:
the head turns independently of the body)."""


def _norm(v: np.ndarray) -> np.ndarray:
    return np.sqrt(np.sum(v * v, axis=-1))


def _undegenerate(u: np.ndarray, v: np.ndarray, degrees: np.ndarray) -> np.ndarray:
    """NaN where either arm of an angle has (next to) no length, so no direction."""
    nu, nv = _norm(u), _norm(v)
    ok = np.minimum(nu, nv) > _DEGENERATE_RATIO * np.maximum(nu, nv)
    return np.where(ok, degrees, np.nan)


def _angle_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Unsigned angle (degrees) between vectors; atan2 keeps precision near 0 and 180."""
    if u.shape[-1] == 2:
        cross = np.abs(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0])
    else:
        cross = _norm(np.cross(u, v))
    dot = np.sum(u * v, axis=-1)
    return _undegenerate(u, v, np.degrees(np.arctan2(cross, dot)))


def _signed_angle_2d(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle (degrees) from u to v in the image, in (-180, 180], positive towards +x from up."""
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = np.sum(u * v, axis=-1)
    return _undegenerate(u, v, np.degrees(np.arctan2(cross, dot)))


def angle_at(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC in degrees, in [0, 180], per frame, from (T, 2) or (T, 3) points.

    180 is a straight line (a locked-out knee), 0 a fully folded joint. NaN where any point is
    NaN or where A or C coincides with B (the angle has no meaning there; 0 would be a lie).
    """
    b = np.asarray(b, dtype=np.float64)
    return _angle_between(np.asarray(a, dtype=np.float64) - b, np.asarray(c, dtype=np.float64) - b)


def inclination_to_vertical(p_low: np.ndarray, p_high: np.ndarray) -> np.ndarray:
    """Angle in degrees, in [0, 180], of the segment p_low -> p_high from straight up.

    0 = p_high directly above p_low, 90 = horizontal, 180 = directly below. Coordinates have y
    (index 1) pointing down, as in images and MediaPipe world landmarks; in 3-D the horizontal
    part is everything but y. Unsigned: which way is "forward" depends on where the lifter faces.
    """
    v = np.asarray(p_high, dtype=np.float64) - np.asarray(p_low, dtype=np.float64)
    up = -v[..., 1]
    horizontal = _norm(np.delete(v, 1, axis=-1))
    length = _norm(v)
    return np.where(length > 0, np.degrees(np.arctan2(horizontal, up)), np.nan)


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


@dataclass(frozen=True)
class Kinematics:
    """Per-frame kinematics of one clip; every series has one value per track frame.

    Signs and units are chosen so rules read the same whichever way the lifter faces: "forward"
    is the direction the toes point in the image.
    """

    times: np.ndarray
    """(T,) seconds, as in the track."""
    facing: Side
    """Side nearer the camera, decided once per clip."""
    facing_confidence: float
    """Agreement of frames on ``facing`` in [0, 1]; near 0 in a front view, where it is moot."""
    forward: float
    """+1 if the lifter faces +x (right) in the image, -1 if left, NaN if the feet never showed."""
    trunk_length_px: float
    """Clip median of the hip-to-shoulder distance in pixels: the unit of scale-free series."""
    smoothing: Smoothing
    """How the landmarks were smoothed before the series were computed."""
    hip_angle: Sided
    """Shoulder-hip-knee, degrees; 180 standing tall, smaller as the hips hinge."""
    knee_angle: Sided
    """Hip-knee-ankle, degrees; 180 locked out."""
    shin_inclination: Sided
    """Ankle-to-knee from vertical, degrees."""
    trunk_inclination: Sided
    """Hip-to-shoulder from vertical, degrees; 90 with the back horizontal."""
    trunk_lean: Sided
    """Trunk inclination signed by direction: positive with the shoulders ahead of the hips
    (towards the toes), negative leaning back behind them, the lean-back at a lockout that
    over-extends the lower back. NaN when ``forward`` is unknown."""
    elbow_angle: Sided
    """Shoulder-elbow-wrist, degrees; 180 with the arm straight."""
    arm_trunk_angle: Sided
    """Hip-shoulder-elbow, degrees; 0 with the arm along the trunk, 90 held out in front."""
    head_alignment: Sided
    """Angle of the shoulder-to-ear line from the hip-to-shoulder line, degrees; 0 = head in
    line with the trunk, positive = head forward/down of it (neck flexion), negative = behind it
    (neck extended, looking up). NaN when ``forward`` is unknown."""
    wrist_height: Sided
    """Height of the wrist above the hip over that of the shoulder above the hip: 0 at hip
    height, 1 at shoulder height, above 1 higher. NaN when the trunk leans so far that the
    shoulders are not a height reference (see ``WRIST_HEIGHT_MIN_TRUNK_RISE``)."""
    wrist_offset: Sided
    """Horizontal distance of the wrist from mid-foot (between heel and toe), in trunk lengths;
    positive = in front of mid-foot (towards the toes)."""
    hip_height: Sided
    """Height of the hip above the ankle, in trunk lengths; what 'hips rise' means."""
    shoulder_height: Sided
    """Height of the shoulder above the ankle, in trunk lengths."""
    hip_velocity: Sided
    """Vertical speed of the hip in trunk lengths per second; positive = rising."""
    shoulder_velocity: Sided
    """Vertical speed of the shoulder in trunk lengths per second; positive = rising."""
    back_bend: Series
    """Bulge of the back contour past the straight line between its ends, in lengths of that
    line: 0 flat, positive rounded (spine flexed), negative arched; see :func:`back_bend`."""
    back_hidden: np.ndarray
    """(T,) bool: an elbow or wrist lies behind the back, between shoulder and hip level, where
    its silhouette merges with the back's (hands behind the back, a bar on it); the back
    contour then traces the arm, not the spine."""
    hip_angle_3d: Sided
    """Shoulder-hip-knee from world landmarks, degrees; view-independent, noisier."""
    knee_angle_3d: Sided
    """Hip-knee-ankle from world landmarks, degrees; view-independent, noisier."""


def _nanmedian(values: np.ndarray) -> float:
    """Median of the finite values, NaN if none (without numpy's empty-slice warning)."""
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else math.nan


def _facing_votes(track: PoseTrack) -> np.ndarray:
    """(T,) each frame's vote on the nearer side: +1 left, -1 right, NaN without a cue.

    Depth (MediaPipe world z: smaller = nearer the camera) is the direct geometric cue.
    Visibility is the fallback: occluded far-side landmarks score lower, but the model is often
    confident about both sides, so its margin is a weaker cue.
    """
    left = [joint("left", name) for name in _BODY]
    right = [joint("right", name) for name in _BODY]
    depth = np.mean(track.world[:, right, 2] - track.world[:, left, 2], axis=1, dtype=np.float64)
    sight = np.mean(
        track.visibility[:, left] - track.visibility[:, right], axis=1, dtype=np.float64
    )
    return np.sign(np.where(np.isnan(depth), sight, depth))


@dataclass(frozen=True)
class ClipConstants:
    """What every series of a clip is measured against, settled once from all its frames."""

    facing: Side
    facing_confidence: float
    forward: float
    trunk_length_px: float


_VOTES = 5
"""Columns of :func:`_votes`: facing vote, toe-ahead left and right, trunk left and right."""


def _votes(track: PoseTrack, pixels: np.ndarray) -> np.ndarray:
    """(T, 5) per-frame evidence for :class:`ClipConstants`, so that a long clip can be read
    block by block and the constants still come from all of its frames."""
    columns = [_facing_votes(track)]
    for first, second in (("foot_index", "heel"), ("shoulder", "hip")):
        for side in ("left", "right"):
            ahead = pixels[:, joint(side, first)] - pixels[:, joint(side, second)]
            columns.append(ahead[:, 0] if first == "foot_index" else _norm(ahead))
    return np.stack(columns, axis=1)


def _constants(votes: np.ndarray) -> ClipConstants:
    facing_votes = votes[:, 0][~np.isnan(votes[:, 0])]
    score = float(facing_votes.mean()) if facing_votes.size else 0.0
    direction = np.sign(_nanmedian(votes[:, 1:3].ravel()))
    return ClipConstants(
        facing="left" if score >= 0 else "right",
        facing_confidence=abs(score),
        forward=float(direction) if direction != 0 else math.nan,
        trunk_length_px=_nanmedian(votes[:, 3:5].ravel()),
    )


def _derivative(values: np.ndarray, times: np.ndarray, *, causal: bool) -> np.ndarray:
    """d values / dt along frames: backward difference if causal, else central.

    A frame next to a gap has no neighbour to difference with and gives NaN.
    """
    out = np.full_like(values, np.nan)
    if len(values) < 2:
        return out
    if causal:
        dt = np.diff(times)
        np.divide(np.diff(values), dt, out=out[1:], where=dt > 0)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.gradient(values, times, edge_order=1)
    return np.where(np.isfinite(out), out, np.nan)


def back_bend(contour: np.ndarray, trunk_mid: np.ndarray) -> np.ndarray:
    """(T,) peak outward bulge of the back between its end stations, in chord lengths.

    The chord runs between the second and second-to-last contour stations: the end stations sit
    on the shoulder blades and the glutes, whose shape says nothing about the spine. Outward is
    away from the trunk's mid-line (``trunk_mid``, a point between hips and shoulders), so the
    sign does not depend on which way the lifter faces. A flexed (rounded) spine bows the back
    out; a neutral one keeps it near the chord.
    """
    a, b = contour[:, 1], contour[:, -2]
    chord = b - a
    length = _norm(chord)
    safe = np.where(length > 0, length, np.nan)

    def side_of_chord(points: np.ndarray) -> np.ndarray:
        """Signed distance of (T, k, 2) points from the chord line, in pixels."""
        v = points - a[:, None]
        return (chord[:, None, 0] * v[..., 1] - chord[:, None, 1] * v[..., 0]) / safe[:, None]

    inward = np.sign(side_of_chord(trunk_mid[:, None]))
    offsets = -inward * side_of_chord(contour[:, 2:-2])
    return np.max(offsets, axis=1) / safe


def arms_behind_back(
    contour: np.ndarray, trunk_mid: np.ndarray, shoulder: np.ndarray, hip: np.ndarray,
    arm_points: np.ndarray,
) -> np.ndarray:
    """(T,) whether any of ``arm_points`` (T, k, 2) sits on the back's side of the trunk line.

    The back's side is where the traced contour lies relative to the hip–shoulder line; a hand
    or elbow there, level with the trunk, is in the silhouette the contour was traced from.
    """
    axis = shoulder - hip
    length = _norm(axis)
    safe = np.where(length > 0, length, np.nan)

    def across(points: np.ndarray) -> np.ndarray:
        v = points - hip[:, None]
        return (axis[:, None, 0] * v[..., 1] - axis[:, None, 1] * v[..., 0]) / safe[:, None]

    def along(points: np.ndarray) -> np.ndarray:
        v = points - hip[:, None]
        return (axis[:, None, 0] * v[..., 0] + axis[:, None, 1] * v[..., 1]) / safe[:, None] ** 2

    outline = across(contour)
    traced = np.isfinite(outline)
    outline = np.divide(
        np.where(traced, outline, 0.0).sum(axis=1), traced.sum(axis=1),
        out=np.full(len(contour), np.nan), where=traced.any(axis=1),
    )
    mid = across(trunk_mid[:, None])[:, 0]
    depth = (across(arm_points) - mid[:, None]) / (outline - mid)[:, None]
    behind = depth > ARM_DEPTH
    level = (along(arm_points) > 0.0) & (along(arm_points) < 1.0)
    return np.any(behind & level, axis=1)


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


def _raw_coordinates(track: PoseTrack) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pixels, world metres and back contour in pixels, as float64, before any smoothing."""
    contour = track.back_contour.astype(np.float64) * np.array([track.width, track.height])
    return track.pixels.astype(np.float64), track.world.astype(np.float64), contour


class CausalSmoother:
    """The causal smoothing of :func:`smooth_coordinates`, fed a track a few frames at a time.

    Why: a live view must smooth each frame once, as it arrives, not the whole session again at
    every frame. ``smooth_coordinates(track, "causal")`` is this class fed the whole track at
    once, so the rows it returns are exactly those of the recording smoothed in one piece.
    One-Euro's beta is in units per second, so pixels and the contour are filtered in frame
    heights (see ``CAUSAL_BETA``) and world landmarks in metres.
    """

    def __init__(self) -> None:
        self._filters = [
            OneEuroFilter(
                min_cutoff=CAUSAL_MIN_CUTOFF_HZ, beta=CAUSAL_BETA, d_cutoff=CAUSAL_D_CUTOFF_HZ
            )
            for _ in range(3)
        ]

    def __call__(self, track: PoseTrack) -> Coordinates:
        """Smoothed coordinates of ``track``'s frames, continuing from the frames fed before."""
        units = (float(track.height), 1.0, float(track.height))
        smoothed = []
        for values, unit, smooth in zip(_raw_coordinates(track), units, self._filters,
                                        strict=True):
            out = np.empty_like(values)
            for i, t in enumerate(track.times):
                out[i] = smooth(float(t), values[i] / unit) * unit
            smoothed.append(out)
        pixels, world, contour = smoothed
        return Coordinates(pixels, world, contour, track.visibility.astype(np.float64))


def smooth_coordinates(
    track: PoseTrack,
    smoothing: Smoothing = "zero_phase",
    *,
    max_gap_s: float = 0.25,
    cutoff_hz: float = ZERO_PHASE_CUTOFF_HZ,
) -> Coordinates:
    """The track's coordinates smoothed as :func:`kinematics` describes."""
    if smoothing == "causal":
        return CausalSmoother()(track)
    times = track.times
    bridged = [bridge_gaps(values, times, max_gap_s) for values in _raw_coordinates(track)]
    if smoothing == "zero_phase":
        bridged = [zero_phase_smooth(values, times, cutoff_hz) for values in bridged]
    pixels, world, contour = bridged
    visibility = bridge_gaps(track.visibility.astype(np.float64), times, max_gap_s)
    return Coordinates(pixels, world, contour, visibility)


def kinematics(
    track: PoseTrack,
    *,
    smoothing: Smoothing = "zero_phase",
    max_gap_s: float = 0.25,
    cutoff_hz: float = ZERO_PHASE_CUTOFF_HZ,
    coordinates: Coordinates | None = None,
) -> Kinematics:
    """Compute every kinematic series of a clip, for both sides and the facing side.

    Landmark coordinates are smoothed before any angle is taken: the noise is in the positions,
    and averaging angles near 180 degrees would bias them low. ``"zero_phase"`` and ``"none"``
    first bridge gaps up to ``max_gap_s`` (visibility too, so bridged frames keep the reliability
    of their neighbours); ``"causal"`` does not, because bridging looks at the future, and runs
    :class:`~formcheck.smoothing.OneEuroFilter`, so the landmarks, angles and inclinations equal
    what a live run would have produced frame by frame. Clip-level constants (facing side,
    forward direction, trunk length) use the whole clip in every mode, so series scaled by the
    trunk length or signed by the forward direction are causal only given those constants; a
    live caller has to settle them during a warm-up.

    ``coordinates`` are the track's coordinates smoothed already (by a live view's
    :class:`CausalSmoother`), so that a window of a long session is measured without being
    smoothed again; ``smoothing`` then only records how they were smoothed.

    A track longer than :data:`~formcheck.track.TRACK_BLOCK` frames is measured a block at a
    time, each block with the neighbouring frames its smoothing reaches, into series allocated
    once: an hour of video never has its smoothed landmarks in memory all at once. (Causal
    smoothing remembers the whole past, so it measures a track in one piece.)
    """
    if smoothing not in ("zero_phase", "causal", "none"):
        raise ValueError(f"unknown smoothing {smoothing!r}")
    if coordinates is not None and len(coordinates) != len(track):
        raise ValueError(f"{len(coordinates)} rows of coordinates for {len(track)} frames")
    if coordinates is not None or smoothing == "causal" or len(track) <= TRACK_BLOCK:
        coordinates = coordinates or smooth_coordinates(
            track, smoothing, max_gap_s=max_gap_s, cutoff_hz=cutoff_hz
        )
        constants = _constants(_votes(track, coordinates.pixels))
        return _measure(track, coordinates, constants, smoothing)

    context = smoothing_reach(track.times, max_gap_s, cutoff_hz) + 1

    def blocks() -> Iterator[tuple[PoseTrack, Coordinates, slice]]:
        for start, stop, window in track.blocks(context):
            coords = smooth_coordinates(window, smoothing, max_gap_s=max_gap_s,
                                        cutoff_hz=cutoff_hz)
            yield window, coords, slice(start, stop)

    votes = np.concatenate([_votes(w, c.pixels)[rows] for w, c, rows in blocks()])
    constants = _constants(votes)
    parts = ((_measure(w, c, constants, smoothing), rows) for w, c, rows in blocks())
    return _assemble(parts, len(track))


def _arrays(value: Any) -> Iterator[np.ndarray]:
    """Every per-frame array inside ``value`` (a Kinematics, Sided or Series), in field order."""
    for f in fields(value):
        item = getattr(value, f.name)
        if isinstance(item, np.ndarray):
            yield item
        elif is_dataclass(item):
            yield from _arrays(item)


def _rebuild(value: _T, arrays: Iterator[np.ndarray]) -> _T:
    """``value`` with its per-frame arrays replaced, in :func:`_arrays` order, by ``arrays``."""
    changes: dict[str, Any] = {}
    for f in fields(value):  # type: ignore[arg-type]
        item = getattr(value, f.name)
        if isinstance(item, np.ndarray):
            changes[f.name] = next(arrays)
        elif is_dataclass(item):
            changes[f.name] = _rebuild(item, arrays)
    return replace(value, **changes)  # type: ignore[type-var]


def _assemble(parts: Iterable[tuple[Kinematics, slice]], n: int) -> Kinematics:
    """One clip's kinematics from its blocks': rows ``rows`` of each part, in order, copied into
    arrays allocated once (blocks joined at the end would hold the hour twice)."""
    first: Kinematics | None = None
    out: list[np.ndarray] = []
    at = 0
    for kin, rows in parts:
        arrays = list(_arrays(kin))
        if first is None:
            first = kin
            out = [np.empty((n, *a.shape[1:]), dtype=a.dtype) for a in arrays]
        size = rows.stop - rows.start
        for whole, part in zip(out, arrays, strict=True):
            whole[at : at + size] = part[rows]
        at += size
    assert first is not None and at == n
    return _rebuild(first, iter(out))


def _measure(
    track: PoseTrack, coordinates: Coordinates, constants: ClipConstants, smoothing: Smoothing
) -> Kinematics:
    """The series of :func:`kinematics` for ``track``'s frames, given the clip's constants."""
    times = track.times
    causal = smoothing == "causal"
    pixels, world, contour = coordinates.pixels, coordinates.world, coordinates.contour
    visibility = coordinates.visibility
    facing, forward = constants.facing, constants.forward
    trunk_length = constants.trunk_length_px

    def sided(compute: Callable[[Side], np.ndarray], *names: str) -> Sided:
        """Evaluate ``compute(side)`` on both sides; reliability from the landmarks ``names``."""

        def series(side: Side) -> Series:
            used = visibility[:, [joint(side, name) for name in names]]
            return Series(compute(side), np.nan_to_num(np.min(used, axis=1), nan=0.0))

        return Sided(series("left"), series("right"), facing)

    def px(side: Side, name: str) -> np.ndarray:
        return pixels[:, joint(side, name)]

    def angle(points: np.ndarray, a: str, b: str, c: str) -> Sided:
        def at(side: Side) -> np.ndarray:
            return angle_at(*(points[:, joint(side, name)] for name in (a, b, c)))

        return sided(at, a, b, c)

    def incline(low: str, high: str) -> Sided:
        return sided(lambda side: inclination_to_vertical(px(side, low), px(side, high)), low, high)

    def height(name: str) -> Sided:
        def above_ankle(side: Side) -> np.ndarray:
            return (px(side, "ankle")[:, 1] - px(side, name)[:, 1]) / trunk_length

        return sided(above_ankle, name, "ankle")

    def rising(name: str) -> Sided:
        def speed(side: Side) -> np.ndarray:
            return -_derivative(px(side, name)[:, 1], times, causal=causal) / trunk_length

        return sided(speed, name)

    def head(side: Side) -> np.ndarray:
        trunk_line = px(side, "shoulder") - px(side, "hip")
        neck_line = px(side, "ear") - px(side, "shoulder")
        return forward * _signed_angle_2d(trunk_line, neck_line)

    def lean(side: Side) -> np.ndarray:
        ahead = forward * (px(side, "shoulder")[:, 0] - px(side, "hip")[:, 0])
        return np.sign(ahead) * inclination_to_vertical(px(side, "hip"), px(side, "shoulder"))

    def wrist_height(side: Side) -> np.ndarray:
        hip_y = px(side, "hip")[:, 1]
        rise = hip_y - px(side, "shoulder")[:, 1]
        defined = rise >= WRIST_HEIGHT_MIN_TRUNK_RISE * trunk_length
        lift = hip_y - px(side, "wrist")[:, 1]
        return np.divide(lift, rise, out=np.full_like(lift, np.nan), where=defined)

    def wrist_offset(side: Side) -> np.ndarray:
        mid_foot = 0.5 * (px(side, "heel")[:, 0] + px(side, "foot_index")[:, 0])
        return forward * (px(side, "wrist")[:, 0] - mid_foot) / trunk_length

    mid_trunk = 0.25 * sum(
        pixels[:, joint(side, name)] for side in ("left", "right") for name in ("hip", "shoulder")
    )
    trunk_seen = visibility[:, [joint(facing, "hip"), joint(facing, "shoulder")]].min(axis=1)
    bend = back_bend(contour, mid_trunk)
    arm_names = ("elbow", "wrist")
    arms = np.stack(
        [px(side, name) for side in ("left", "right") for name in arm_names], axis=1
    )
    arms_seen = np.stack(
        [visibility[:, joint(side, name)] for side in ("left", "right") for name in arm_names],
        axis=1,
    )
    arms = np.where((arms_seen >= ARM_VISIBILITY)[..., None], arms, np.nan)
    hidden = arms_behind_back(
        contour, mid_trunk, px(facing, "shoulder"), px(facing, "hip"), arms
    )
    return Kinematics(
        times=times,
        facing=facing,
        facing_confidence=constants.facing_confidence,
        forward=forward,
        trunk_length_px=trunk_length,
        smoothing=smoothing,
        hip_angle=angle(pixels, "shoulder", "hip", "knee"),
        knee_angle=angle(pixels, "hip", "knee", "ankle"),
        shin_inclination=incline("ankle", "knee"),
        trunk_inclination=incline("hip", "shoulder"),
        trunk_lean=sided(lean, "hip", "shoulder"),
        elbow_angle=angle(pixels, "shoulder", "elbow", "wrist"),
        arm_trunk_angle=angle(pixels, "hip", "shoulder", "elbow"),
        head_alignment=sided(head, "hip", "shoulder", "ear"),
        wrist_height=sided(wrist_height, "hip", "shoulder", "wrist"),
        wrist_offset=sided(wrist_offset, "wrist", "heel", "foot_index"),
        hip_height=height("hip"),
        shoulder_height=height("shoulder"),
        hip_velocity=rising("hip"),
        shoulder_velocity=rising("shoulder"),
        back_bend=Series(bend, np.where(np.isfinite(bend), np.nan_to_num(trunk_seen), 0.0)),
        back_hidden=hidden,
        hip_angle_3d=angle(world, "shoulder", "hip", "knee"),
        knee_angle_3d=angle(world, "hip", "knee", "ankle"),
    )


@dataclass(frozen=True)
class ViewThresholds:
    """Where the camera's yaw splits side, oblique and front views; override per use.

    Source: an even three-way split of 0-90 degrees, checked on synthetic skeletons only. A view
    within 30 degrees of the sagittal plane shows sagittal angles with at most cos(30) = 13 %
    foreshortening of lengths in that plane.
    """

    side_min_yaw_deg: float = 60.0
    """Yaw at or above which the camera sees the lifter from the side (degrees)."""
    front_max_yaw_deg: float = 30.0
    """Yaw at or below which the camera sees the lifter from the front or back (degrees)."""
    min_frames: int = 5
    """Fewest frames with a usable yaw estimate for any verdict other than ``unknown``."""


@dataclass(frozen=True)
class ViewEstimate:
    """Camera view of a clip."""

    view: View
    confidence: float
    """Share of usable frames whose own yaw falls in ``view``; 0 when ``unknown``."""
    yaw_deg: float
    """Median yaw in [0, 90] degrees: 0 facing (or back to) the camera, 90 side-on; NaN if
    unknown."""


def _pair_width(points: np.ndarray, name: str) -> np.ndarray:
    return _norm(points[:, joint("left", name)] - points[:, joint("right", name)])


def _trunk_length(points: np.ndarray) -> np.ndarray:
    mid = {
        name: 0.5 * (points[:, joint("left", name)] + points[:, joint("right", name)])
        for name in ("hip", "shoulder")
    }
    return _norm(mid["shoulder"] - mid["hip"])


def _frame_yaw(track: PoseTrack) -> np.ndarray:
    """Per-frame yaw in degrees from two independent cues, averaged where both exist.

    World cue: the left-to-right hip and shoulder axes point along x when the lifter faces the
    camera and along z when side-on. Image cue: the body's width seen in the image, relative to
    its trunk length, shrinks by cos(yaw) from its true ratio (taken from the world landmarks,
    which do not change with the view). The image cue rests on the accurate x, y; the world cue
    also works when the trunk is foreshortened by a hinge towards the camera.
    """
    world = track.world.astype(np.float64)
    pixels = track.pixels.astype(np.float64)
    axes = np.stack(
        [world[:, joint("right", n)] - world[:, joint("left", n)] for n in ("hip", "shoulder")]
    )
    world_yaw = np.degrees(np.arctan2(np.abs(axes[..., 2]), np.abs(axes[..., 0]))).mean(axis=0)

    def width_ratio(points: np.ndarray) -> np.ndarray:
        width = _pair_width(points, "hip") + _pair_width(points, "shoulder")
        trunk = _trunk_length(points)
        return np.divide(width, trunk, out=np.full_like(width, np.nan), where=trunk > 0)

    apparent, true = width_ratio(pixels), width_ratio(world)
    cosine = np.divide(apparent, true, out=np.full_like(apparent, np.nan), where=true > 0)
    image_yaw = np.degrees(np.arccos(np.clip(cosine, 0.0, 1.0)))
    both = np.stack([world_yaw, image_yaw])
    count = np.sum(~np.isnan(both), axis=0)
    return np.divide(
        np.nansum(both, axis=0), count, out=np.full(len(track), np.nan), where=count > 0
    )


def estimate_view(track: PoseTrack, thresholds: ViewThresholds | None = None) -> ViewEstimate:
    """Classify the camera view of a clip as side, oblique or front, by median yaw over frames.

    Rules trust sagittal image angles only from the side; this tells them whether they may.
    """
    thresholds = thresholds or ViewThresholds()
    yaw = np.concatenate([_frame_yaw(window) for _, _, window in track.blocks()])
    yaw = yaw[~np.isnan(yaw)]
    if yaw.size < thresholds.min_frames:
        return ViewEstimate("unknown", 0.0, math.nan)

    def classify(deg: np.ndarray) -> np.ndarray:
        return np.where(
            deg >= thresholds.side_min_yaw_deg,
            2,
            np.where(deg <= thresholds.front_max_yaw_deg, 0, 1),
        )

    median = float(np.median(yaw))
    verdict = int(classify(np.array(median)))
    views: tuple[View, View, View] = ("front", "oblique", "side")
    return ViewEstimate(views[verdict], float(np.mean(classify(yaw) == verdict)), median)
