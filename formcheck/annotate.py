"""Annotators: small drawing steps composed into the annotated video, the live view and reports.

Each annotator has one method, ``annotate(scene, overlay) -> scene``, that draws onto an RGB
frame in place and returns it, so a view is a list of annotators applied in turn. What to draw
for a frame arrives as one :class:`FrameOverlay`; annotators never compute kinematics or
verdicts themselves.

Example:
    >>> import numpy as np
    >>> from formcheck.track import PoseTrack
    >>> track = PoseTrack.load("lift.track.npz")
    >>> overlay = next(angle_overlays(track))
    >>> scene = np.zeros((track.height, track.width, 3), np.uint8)
    >>> for annotator in [SkeletonAnnotator(), BackContourAnnotator(), LabelAnnotator()]:
    ...     scene = annotator.annotate(scene, overlay)
    >>> bool(scene.any())
    True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np

from formcheck.analysis import Analysis
from formcheck.kinematics import Kinematics, kinematics
from formcheck.landmarks import SKELETON, joint
from formcheck.report import Report
from formcheck.series import SHOWN
from formcheck.track import FramePose, PoseTrack

Color = tuple[int, int, int]
WHITE: Color = (255, 255, 255)
BLACK: Color = (0, 0, 0)
CYAN: Color = (0, 220, 255)
ORANGE: Color = (255, 150, 0)
RED: Color = (230, 40, 40)
GREEN: Color = (40, 200, 80)

MIN_VISIBILITY = 0.5
"""Landmarks the model is less sure of than this are not drawn: a limb drawn in the wrong place
misleads more than a missing one."""


@dataclass(frozen=True)
class Label:
    """Text to draw, at a landmark (``anchor``) or, with ``anchor=None``, in the corner panel."""

    text: str
    anchor: int | None = None
    color: Color = WHITE


@dataclass(frozen=True)
class FrameOverlay:
    """Everything drawn on one frame."""

    pose: FramePose
    labels: Sequence[Label] = field(default_factory=tuple)
    footer: Sequence[Label] = field(default_factory=tuple)
    """Lines for the bottom-left band: how the view itself is doing (frame rate, latency)."""


class Annotator(Protocol):
    def annotate(self, scene: np.ndarray, overlay: FrameOverlay) -> np.ndarray: ...


def _scale(scene: np.ndarray) -> float:
    """Line and text size relative to a 600-pixel-wide frame, so drawings read alike at any size;
    never so small that a phone's portrait video (360 wide) becomes unreadable."""
    return max(min(scene.shape[:2]) / 600.0, 0.6)


def _pixels(scene: np.ndarray, normalised: np.ndarray) -> np.ndarray:
    height, width = scene.shape[:2]
    return normalised[..., :2] * np.array([width, height])


@dataclass(frozen=True)
class SkeletonAnnotator:
    """Bones between confidently seen landmarks, and a dot on each joint."""

    color: Color = CYAN
    joint_color: Color = WHITE

    def annotate(self, scene: np.ndarray, overlay: FrameOverlay) -> np.ndarray:
        pose = overlay.pose
        if not pose.found:
            return scene
        points = _pixels(scene, pose.landmarks)
        seen = (pose.visibility >= MIN_VISIBILITY) & np.isfinite(points).all(axis=1)
        thickness = max(int(3 * _scale(scene)), 1)
        for a, b in SKELETON:
            if seen[a] and seen[b]:
                cv2.line(scene, _pt(points[a]), _pt(points[b]), self.color, thickness, cv2.LINE_AA)
        for p in points[seen]:
            cv2.circle(scene, _pt(p), thickness + 1, self.joint_color, -1, cv2.LINE_AA)
        return scene


@dataclass(frozen=True)
class BackContourAnnotator:
    """The traced outline of the back, the line the neutral-spine rule judges."""

    color: Color = ORANGE

    def annotate(self, scene: np.ndarray, overlay: FrameOverlay) -> np.ndarray:
        points = _pixels(scene, overlay.pose.back_contour)
        points = points[np.isfinite(points).all(axis=1)]
        if len(points) >= 2:
            thickness = max(int(5 * _scale(scene)), 2)
            cv2.polylines(
                scene, [np.rint(points).astype(np.int32)], False, self.color, thickness,
                cv2.LINE_AA,
            )
        return scene


@dataclass(frozen=True)
class LabelAnnotator:
    """Text beside joints (angles) and a panel of lines on a dark band at the top-left."""

    def annotate(self, scene: np.ndarray, overlay: FrameOverlay) -> np.ndarray:
        scale = _scale(scene)
        panel = [label for label in overlay.labels if label.anchor is None]
        if panel:
            line = int(26 * scale)
            width = max(_text_width(label.text, scale) for label in panel) + int(16 * scale)
            band = scene[: line * len(panel) + int(10 * scale), :width]
            band[:] = (band * 0.35).astype(scene.dtype)
            for row, label in enumerate(panel, start=1):
                origin = np.array([8 * scale, line * row])
                _text(scene, label.text, origin, label.color, scale, outline=False)
        points = _pixels(scene, overlay.pose.landmarks)
        for label in overlay.labels:
            if label.anchor is not None and np.isfinite(points[label.anchor]).all():
                origin = points[label.anchor] + np.array([10, -10]) * scale
                _text(scene, label.text, origin, label.color, scale)
        return scene


@dataclass(frozen=True)
class FooterAnnotator:
    """The overlay's footer lines on a dark band at the bottom-left, out of the way of the
    panel and of the lifter's feet, which are usually nearer the middle."""

    def annotate(self, scene: np.ndarray, overlay: FrameOverlay) -> np.ndarray:
        if not overlay.footer:
            return scene
        scale = _scale(scene)
        line = int(26 * scale)
        width = max(_text_width(label.text, scale) for label in overlay.footer) + int(16 * scale)
        top = scene.shape[0] - line * len(overlay.footer) - int(10 * scale)
        band = scene[max(top, 0):, :width]
        band[:] = (band * 0.35).astype(scene.dtype)
        for row, label in enumerate(overlay.footer, start=1):
            origin = np.array([8 * scale, top + line * row])
            _text(scene, label.text, origin, label.color, scale, outline=False)
        return scene


def _pt(p: np.ndarray) -> tuple[int, int]:
    x, y = np.rint(p).astype(int)
    return int(x), int(y)


FONT = cv2.FONT_HERSHEY_SIMPLEX


def _text_width(text: str, scale: float) -> int:
    (width, _), _ = cv2.getTextSize(text, FONT, 0.6 * scale, max(int(1.5 * scale), 1))
    return width


def _text(
    scene: np.ndarray, text: str, origin: np.ndarray, color: Color, scale: float,
    *, outline: bool = True,
) -> None:
    """Text, outlined in black where it may fall on a bright background."""
    size, thickness = 0.6 * scale, max(int(1.5 * scale), 1)
    if outline:
        cv2.putText(scene, text, _pt(origin), FONT, size, BLACK, thickness + 2, cv2.LINE_AA)
    cv2.putText(scene, text, _pt(origin), FONT, size, color, thickness, cv2.LINE_AA)


def angle_overlays(track: PoseTrack, kin: Kinematics | None = None) -> Iterator[FrameOverlay]:
    """Each frame's pose with the facing side's hip and knee angles and trunk inclination.

    These three are what a coach reads off a side view of any hinge, so they are what the plain
    annotated video shows; the analysis adds rep and fault labels on top.
    """
    kin = kin or kinematics(track, SHOWN)
    for i in range(len(track)):
        yield FrameOverlay(pose=track.frame(i), labels=angle_labels(kin, i))


def angle_labels(kin: Kinematics, i: int) -> tuple[Label, ...]:
    """Frame ``i``'s hip and knee angles and trunk inclination, each beside its joint, where
    the joints were seen well enough for the number to mean something."""
    side = kin.facing
    shown = (
        (kin.hip_angle.facing, joint(side, "hip"), "hip {:.0f}"),
        (kin.knee_angle.facing, joint(side, "knee"), "knee {:.0f}"),
        (kin.trunk_inclination.facing, joint(side, "shoulder"), "trunk {:.0f}"),
    )
    return tuple(
        Label(fmt.format(series.value[i]), anchor)
        for series, anchor, fmt in shown
        if np.isfinite(series.value[i]) and series.reliability[i] >= MIN_VISIBILITY
    )


BADGE_S = 0.6
"""How long a fault badge stays on screen around the frame where the fault shows."""


def report_overlays(analysis: Analysis) -> Iterator[FrameOverlay]:
    """The angle overlays plus, per frame, the rep counter, the phase and fault badges."""
    track, report = analysis.track, analysis.report
    times = track.times
    rep_at = np.full(len(track), -1)
    done = np.zeros(len(track), dtype=int)
    for i, found in enumerate(analysis.reps):
        rep_at[found.start:found.end + 1] = i
        done[found.end:] += 1
    badges: list[tuple[float, str]] = [
        (at, f"{fault.code.replace('_', ' ')} ({fault.severity})")
        for rep in report.reps for fault in rep.faults for at in fault.at_s
    ]
    for i, overlay in enumerate(angle_overlays(track)):
        t = times[i]
        panel = [Label(f"{report.exercise.replace('_', ' ')}  reps {done[i]}/{report.rep_count}")]
        if rep_at[i] >= 0:
            found, rep = analysis.reps[rep_at[i]], report.reps[rep_at[i]]
            half = "first" if i <= found.turn else "second"
            panel.append(Label(f"rep {rep.index}: {_phase(report, half)}", color=CYAN))
        panel += [Label(text, color=RED) for at, text in badges if abs(t - at) <= BADGE_S / 2]
        yield FrameOverlay(pose=overlay.pose, labels=(*panel, *overlay.labels))


def _phase(report: Report, half: str) -> str:
    """Whether this half of a rep lifts or lowers: lifts that turn at the top lift first."""
    return "lifting" if (half == "first") == (report.turn_at == "top") else "lowering"


DEFAULT_ANNOTATORS: tuple[Annotator, ...] = (
    SkeletonAnnotator(), BackContourAnnotator(), LabelAnnotator(),
)


def write_annotated_video(
    video: str | os.PathLike[str],
    track: PoseTrack,
    output: str | os.PathLike[str],
    overlays: Iterable[FrameOverlay] | None = None,
    annotators: Sequence[Annotator] = DEFAULT_ANNOTATORS,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Decode ``video`` again and write it with each frame's overlay drawn, as H.264 mp4;
    ``progress(done, total)`` after each frame (``total``: the track's frames).

    ``overlays`` defaults to the track's poses with their joint angles. The video is decoded a
    second time rather than kept from the pose pass: decoding is cheap next to the model, and
    keeping frames would make memory grow with the length of the video.
    """
    from formcheck.video import VideoSink, read_frames

    if overlays is None:
        overlays = angle_overlays(track)
    with VideoSink(output, width=track.width, height=track.height, fps=track.frame_rate) as sink:
        for done, (frame, overlay) in enumerate(zip(read_frames(video), overlays, strict=False), 1):
            scene = frame.image.copy()
            for annotator in annotators:
                scene = annotator.annotate(scene, overlay)
            sink.write(scene)
            if progress is not None:
                progress(done, len(track))
