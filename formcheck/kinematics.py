"""Per-frame kinematics of a clip: the track's landmarks smoothed, then measured as the named
series of :mod:`formcheck.series`.

Which coordinates: sagittal angles (hip, knee, trunk, shin) come from the 2-D image landmarks in
pixels, so they are the angles a coach sees on the screen in a side view and inherit the model's
best-estimated coordinates (x, y are far more accurate than its depth). Normalised x and y are
scaled by the frame's width and height first: in a 16:9 frame an unscaled angle is simply wrong.
Image angles are view-dependent, so :func:`formcheck.view.estimate_view` says how far to trust
them. Angles from the 3-D world landmarks (``*_3d``) do not depend on the camera angle but carry
the model's noisier depth guess.

Every sided series is computed for both sides and offered for the ``facing`` side, the one
nearer the camera, whose landmarks are seen rather than guessed. Only the series asked for are
computed: an analysis asks for those its lift's checks declare.

Functions never raise on NaN: a missing landmark gives NaN in every series that uses it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from formcheck.geometry import norm
from formcheck.landmarks import joint
from formcheck.series import (
    SERIES,
    Coordinates,
    Frames,
    Measure,
    Side,
    arrays,
    measure,
    rebuilt,
)
from formcheck.smoothing import OneEuroFilter, bridge_gaps, smoothing_reach, zero_phase_smooth
from formcheck.track import TRACK_BLOCK, PoseTrack

Smoothing = Literal["zero_phase", "causal", "none"]

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

_BODY = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index")
"""Sided landmarks whose depth tells which side is nearer the camera (the face is left out:
the head turns independently of the body)."""


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
    trunk_length_m: float


def _votes(track: PoseTrack, coordinates: Coordinates) -> np.ndarray:
    """(T, 7) per-frame evidence for :class:`ClipConstants`, so that a long clip can be read
    block by block and the constants still come from all of its frames: the facing vote, the
    toes ahead of the heels left and right, the trunk left and right in pixels and in the world
    landmarks' metres."""
    columns = [_facing_votes(track)]
    for points, first, second in ((coordinates.pixels, "foot_index", "heel"),
                                  (coordinates.pixels, "shoulder", "hip"),
                                  (coordinates.world, "shoulder", "hip")):
        for side in ("left", "right"):
            ahead = points[:, joint(side, first)] - points[:, joint(side, second)]
            columns.append(ahead[:, 0] if first == "foot_index" else norm(ahead))
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
        trunk_length_m=_nanmedian(votes[:, 5:7].ravel()),
    )


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




@dataclass(frozen=True)
class Kinematics:
    """Per-frame kinematics of one clip: the series asked for, one value per track frame.

    A series is read by name, as ``kin["hip_angle"]`` or ``kin.hip_angle`` (see
    :data:`formcheck.series.SERIES` for what each means). Signs and units are chosen so rules
    read the same whichever way the lifter faces: "forward" is the direction the toes point in
    the image.
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
    series: Mapping[str, Measure] = field(default_factory=dict)
    """The series computed, by name."""
    working_leg: Side | None = None
    """The working leg of a single-leg lift judged on it (:func:`formcheck.legs.on_leg`):
    every sided series is then offered for that leg, not for ``facing``. None otherwise."""

    @property
    def judged_side(self) -> Side:
        """The side every sided series is offered for: the working leg, else ``facing``."""
        return self.working_leg or self.facing

    def __getitem__(self, name: str) -> Any:
        try:
            return self.series[name]
        except KeyError:
            raise KeyError(_not_computed(name, self.series)) from None

    def __getattr__(self, name: str) -> Any:
        # Only reached for names that are not fields; vars() avoids recursing while unpickling.
        computed = vars(self).get("series", {})
        if name in computed:
            return computed[name]
        raise AttributeError(_not_computed(name, computed))


def _not_computed(name: str, computed: Mapping[str, Measure]) -> str:
    if name not in SERIES:
        return f"no series {name!r}; the series are {', '.join(SERIES)}"
    return (f"series {name!r} was not computed (computed: {', '.join(computed) or 'none'}); "
            "ask kinematics(track, series=[...]) for it")


def kinematics(
    track: PoseTrack,
    series: Iterable[str] | None = None,
    *,
    smoothing: Smoothing = "zero_phase",
    max_gap_s: float = 0.25,
    cutoff_hz: float = ZERO_PHASE_CUTOFF_HZ,
    coordinates: Coordinates | None = None,
) -> Kinematics:
    """Compute the named kinematic series of a clip (by default every registered one).

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
    if isinstance(series, str):  # one name, not its letters
        series = (series,)
    names = tuple(dict.fromkeys(SERIES if series is None else series))
    unknown = [name for name in names if name not in SERIES]
    if unknown:
        raise ValueError(f"unknown series {', '.join(map(repr, unknown))}; "
                         f"the series are {', '.join(SERIES)}")
    if smoothing not in ("zero_phase", "causal", "none"):
        raise ValueError(f"unknown smoothing {smoothing!r}")
    if coordinates is not None and len(coordinates) != len(track):
        raise ValueError(f"{len(coordinates)} rows of coordinates for {len(track)} frames")

    def kin(constants: ClipConstants, measured: dict[str, Measure]) -> Kinematics:
        return Kinematics(track.times, constants.facing, constants.facing_confidence,
                          constants.forward, constants.trunk_length_px, smoothing, measured)

    if coordinates is not None or smoothing == "causal" or len(track) <= TRACK_BLOCK:
        coordinates = coordinates or smooth_coordinates(
            track, smoothing, max_gap_s=max_gap_s, cutoff_hz=cutoff_hz
        )
        constants = _constants(_votes(track, coordinates))
        return kin(constants, measure(_frames(track, coordinates, constants), names))

    context = smoothing_reach(track.times, max_gap_s, cutoff_hz) + 1

    def blocks() -> Iterator[tuple[PoseTrack, Coordinates, slice]]:
        for start, stop, window in track.blocks(context):
            coords = smooth_coordinates(window, smoothing, max_gap_s=max_gap_s,
                                        cutoff_hz=cutoff_hz)
            yield window, coords, slice(start, stop)

    constants = _constants(np.concatenate([_votes(w, c)[rows] for w, c, rows in blocks()]))
    parts = ((measure(_frames(w, c, constants), names), rows) for w, c, rows in blocks())
    return kin(constants, _stitch(parts, len(track)))


def _frames(track: PoseTrack, coordinates: Coordinates, constants: ClipConstants) -> Frames:
    return Frames(**vars(coordinates), times=track.times, facing=constants.facing,
                  forward=constants.forward, trunk_length=constants.trunk_length_px,
                  trunk_length_m=constants.trunk_length_m)


def _stitch(parts: Iterable[tuple[dict[str, Measure], slice]], n: int) -> dict[str, Measure]:
    """The series of a whole clip from its blocks': rows ``rows`` of each part, in order,
    copied into arrays allocated once (blocks joined at the end would hold the hour twice)."""
    first: dict[str, Measure] = {}
    out: dict[str, list[np.ndarray]] = {}
    at = 0
    for part, rows in parts:
        if not first:
            first = part
            out = {name: [np.empty((n, *a.shape[1:]), dtype=a.dtype) for a in arrays(m)]
                   for name, m in part.items()}
        size = rows.stop - rows.start
        for name, m in part.items():
            for whole, piece in zip(out[name], arrays(m), strict=True):
                whole[at : at + size] = piece[rows]
        at += size
    assert at == n
    return {name: rebuilt(m, iter(out[name])) for name, m in first.items()}
