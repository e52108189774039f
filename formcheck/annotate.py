"""Annotators: small drawing steps composed into the annotated video, the live view and reports.

Each annotator has one method, ``annotate(scene, overlay) -> scene``, that draws onto an RGB
frame in place and returns it, so a view is a list of annotators applied in turn, and what a
user sees is which of them are in the list (:data:`DRAWABLE`, ``--draw``). What to draw for a
frame arrives as one :class:`~formcheck.overlay.FrameOverlay` (built in
:mod:`formcheck.overlay`); annotators never compute kinematics or verdicts themselves.

Text is sized to the frame and drawn on dark boxes: a phone clip's 360-pixel width still gets
legible letters, and they stay legible on a white wall and after video compression, which
blurs a thin outline into a doubled letter.

Example:
    >>> import numpy as np
    >>> from formcheck.overlay import angle_overlays
    >>> from formcheck.track import PoseTrack
    >>> track = PoseTrack.load("lift.track.npz")
    >>> overlay = next(angle_overlays(track))
    >>> scene = np.zeros((track.height, track.width, 3), np.uint8)
    >>> for annotator in annotators_named(["skeleton", "contour", "angles"]):
    ...     scene = annotator.annotate(scene, overlay)
    >>> bool(scene.any())
    True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from formcheck.errors import FormcheckError
from formcheck.files import display
from formcheck.landmarks import SKELETON
from formcheck.overlay import (
    CYAN,
    MIN_VISIBILITY,
    VIOLET,
    WHITE,
    Color,
    FrameOverlay,
    Label,
    angle_overlays,
)
from formcheck.track import PoseTrack


class Annotator(Protocol):
    def annotate(self, scene: np.ndarray, overlay: FrameOverlay) -> np.ndarray: ...


FONT = cv2.FONT_HERSHEY_SIMPLEX

TEXT_REFERENCE_SIDE = 600.0
"""Shorter frame side at which text gets OpenCV's font scale 1 (capitals 22 px): text keeps the
same share of the frame at any size, about a 27th of its shorter side, so a 360-pixel-wide
phone clip gets 13-pixel capitals, about what a phone's own interface uses."""

MIN_FONT_SCALE = 0.45
"""Smallest font scale (10-pixel capitals), for frames under 270 pixels a side: below it the
letters of a compressed video run together."""

BOX_OPACITY = 0.75
"""How much a text box darkens what is under it: white text on it stays legible on a white
wall, and the lifter still shows through dimly."""


@dataclass(frozen=True)
class TextStyle:
    """Font scale, stroke and spacing for one frame size."""

    scale: float
    thickness: int

    @classmethod
    def of(cls, scene: np.ndarray) -> TextStyle:
        scale = max(min(scene.shape[:2]) / TEXT_REFERENCE_SIDE, MIN_FONT_SCALE)
        # Two pixels at least: a one-pixel stroke is what compression smears away first.
        return cls(scale, max(2, round(2 * scale)))

    @property
    def pad(self) -> int:
        return max(round(6 * self.scale), 3)

    @property
    def line(self) -> int:
        """Height of one line of text, spacing included."""
        return round(30 * self.scale)

    def width(self, text: str) -> int:
        (width, _), _ = cv2.getTextSize(text, FONT, self.scale, self.thickness)
        return width


def _printable(text: str) -> str:
    """Hershey fonts draw ASCII only: name the degree sign, and mark anything else plainly."""
    return text.replace("°", " deg").encode("ascii", "replace").decode("ascii")


def _wrap(text: str, style: TextStyle, width: int) -> list[str]:
    """Words of ``text`` in lines no wider than ``width`` pixels (a longer word stands alone)."""
    lines: list[str] = []
    for word in _printable(text).split():
        if lines and style.width(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _rows(labels: Iterable[Label], style: TextStyle, width: int) -> list[tuple[str, Color]]:
    return [(row, label.color) for label in labels for row in _wrap(label.text, style, width)]


def _darken(scene: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> None:
    box = scene[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)]
    box[:] = (box * (1.0 - BOX_OPACITY)).astype(scene.dtype)


def _room(scene: np.ndarray, x: int, style: TextStyle, width: int | None, indent: int) -> int:
    """Pixels a line of text may take in a box at ``x`` that is ``width`` wide (to the frame's
    right edge when None), after its padding and an accent's ``indent``."""
    return (width or scene.shape[1] - x) - 2 * style.pad - indent


def _box_height(scene: np.ndarray, labels: Sequence[Label], style: TextStyle) -> int:
    """Height of the box :func:`_text_box` draws for ``labels`` at the frame's left edge."""
    rows = _rows(labels, style, _room(scene, 0, style, None, 0))
    return len(rows) * style.line + 2 * style.pad if rows else 0


def _text_box(
    scene: np.ndarray, labels: Sequence[Label], x: int, y: int, style: TextStyle,
    *, width: int | None = None, accent: Color | None = None,
) -> None:
    """Lines of text on a dark box whose top-left corner is (x, y), wrapped to fit the frame
    (or ``width``, which the box then fills); an ``accent`` colours the box's left edge."""
    pad = style.pad
    indent = pad if accent is not None else 0
    room = _room(scene, x, style, width, indent)
    rows = _rows(labels, style, room)
    if not rows:
        return
    inner = room if width else max(style.width(text) for text, _ in rows)
    bottom = y + len(rows) * style.line + 2 * pad
    _darken(scene, x, y, x + indent + inner + 2 * pad, bottom)
    if accent is not None:
        cv2.rectangle(scene, (x, y), (x + indent - 1, bottom - 1), accent, -1)
    for row, (text, color) in enumerate(rows, start=1):
        baseline = y + pad + row * style.line - round(8 * style.scale)
        cv2.putText(scene, text, (x + indent + pad, baseline), FONT, style.scale, color,
                    style.thickness, cv2.LINE_AA)


def _pixels(scene: np.ndarray, normalised: np.ndarray) -> np.ndarray:
    height, width = scene.shape[:2]
    return normalised[..., :2] * np.array([width, height])


def _pt(p: np.ndarray) -> tuple[int, int]:
    x, y = np.rint(p).astype(int)
    return int(x), int(y)


def _stroke(scene: np.ndarray, weight: float) -> int:
    """A line ``weight`` pixels thick on a 600-pixel frame, scaled to this one."""
    return max(round(weight * max(min(scene.shape[:2]) / 600.0, 0.6)), 1)


def _polyline(scene: np.ndarray, points: np.ndarray, color: Color, thickness: int) -> None:
    """A line through the finite ``points`` (pixels), where there are two of them at least."""
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) >= 2:
        cv2.polylines(scene, [np.rint(points).astype(np.int32)], False, color, thickness,
                      cv2.LINE_AA)


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
        thickness = _stroke(scene, 3)
        for a, b in SKELETON:
            if seen[a] and seen[b]:
                cv2.line(scene, _pt(points[a]), _pt(points[b]), self.color, thickness, cv2.LINE_AA)
        for p in points[seen]:
            cv2.circle(scene, _pt(p), thickness + 1, self.joint_color, -1, cv2.LINE_AA)
        return scene


@dataclass(frozen=True)
class BackContourAnnotator:
    """The traced outline of the back, the line the neutral-spine rule judges."""

    color: Color = VIOLET

    def annotate(self, scene: np.ndarray, overlay: FrameOverlay) -> np.ndarray:
        _polyline(scene, _pixels(scene, overlay.pose.back_contour), self.color,
                  _stroke(scene, 5))
        return scene


@dataclass(frozen=True)
class FaultAnnotator:
    """The body parts at fault, in the fault's colour, over the skeleton and back outline: where
    to look while the rep goes wrong."""

    weight: float = 8.0
    """Line thickness on a 600-pixel frame: wider than the skeleton's, so it stands out."""

    def annotate(self, scene: np.ndarray, overlay: FrameOverlay) -> np.ndarray:
        pose = overlay.pose
        if not pose.found:
            return scene
        points = _pixels(scene, pose.landmarks)
        points[pose.visibility < MIN_VISIBILITY] = np.nan
        thickness = _stroke(scene, self.weight)
        for mark in overlay.faults:
            for chain in mark.chains:
                _polyline(scene, points[list(chain)], mark.color, thickness)
            if mark.back:
                _polyline(scene, _pixels(scene, pose.back_contour), mark.color, thickness)
        return scene


@dataclass(frozen=True)
class AngleAnnotator:
    """Each label beside its joint (the angles), on a small box kept inside the frame."""

    def annotate(self, scene: np.ndarray, overlay: FrameOverlay) -> np.ndarray:
        style = TextStyle.of(scene)
        points = _pixels(scene, overlay.pose.landmarks)
        height, width = scene.shape[:2]
        for label in overlay.labels:
            if label.anchor is None or not np.isfinite(points[label.anchor]).all():
                continue
            size = style.width(_printable(label.text)) + 2 * style.pad
            x, y = points[label.anchor] + np.array([10, -20]) * style.scale
            x = int(np.clip(x, 0, max(width - size, 0)))
            y = int(np.clip(y, 0, max(height - style.line - 2 * style.pad, 0)))
            _text_box(scene, [label], x, y, style)
        return scene


@dataclass(frozen=True)
class PanelAnnotator:
    """The panel's lines (the lift, rep count and phase) on a dark box at the top-left."""

    def annotate(self, scene: np.ndarray, overlay: FrameOverlay) -> np.ndarray:
        _text_box(scene, overlay.panel, 0, 0, TextStyle.of(scene))
        return scene


@dataclass(frozen=True)
class FooterAnnotator:
    """The footer's lines on a dark box at the bottom-left, out of the way of the panel and of
    the lifter's feet, which are usually nearer the middle."""

    def annotate(self, scene: np.ndarray, overlay: FrameOverlay) -> np.ndarray:
        style = TextStyle.of(scene)
        top = scene.shape[0] - _box_height(scene, overlay.footer, style)
        _text_box(scene, overlay.footer, 0, top, style)
        return scene


@dataclass(frozen=True)
class CardAnnotator:
    """The last rep's verdict card across the frame, under the panel, edged in its colour."""

    def annotate(self, scene: np.ndarray, overlay: FrameOverlay) -> np.ndarray:
        card = overlay.card
        if card is None:
            return scene
        style = TextStyle.of(scene)
        margin = style.pad
        top = _box_height(scene, overlay.panel, style) + margin
        _text_box(scene, card.lines, margin, top, style, width=scene.shape[1] - 2 * margin,
                  accent=card.accent)
        return scene


DRAWABLE: dict[str, Annotator] = {
    "skeleton": SkeletonAnnotator(),
    "contour": BackContourAnnotator(),
    "faults": FaultAnnotator(),
    "angles": AngleAnnotator(),
    "panel": PanelAnnotator(),
    "card": CardAnnotator(),
}
"""What an annotated video can show, by the name ``--draw`` takes, in the order it is drawn:
lines first, the parts at fault over them, text over everything, the card last."""


DEFAULT_ANNOTATORS: tuple[Annotator, ...] = tuple(DRAWABLE.values())
"""Everything: what an annotated video shows unless told otherwise."""


def annotators_named(draw: Iterable[str]) -> tuple[Annotator, ...]:
    """The annotators named in ``draw`` (see :data:`DRAWABLE`), in drawing order whatever the
    order given; an unknown name is an error that lists the known ones."""
    draw = (draw,) if isinstance(draw, str) else tuple(draw)  # one name, not its letters
    unknown = [name for name in draw if name not in DRAWABLE]
    if unknown:
        raise FormcheckError(
            f"cannot draw {', '.join(map(repr, unknown))}: choose from {', '.join(DRAWABLE)}")
    if not draw:
        raise FormcheckError(f"nothing to draw: name at least one of {', '.join(DRAWABLE)}")
    return tuple(annotator for name, annotator in DRAWABLE.items() if name in draw)


def parse_draw(text: str) -> tuple[str, ...]:
    """The names in a comma-separated list such as ``--draw`` takes ("skeleton,card"), checked
    against :data:`DRAWABLE`."""
    names = tuple(name for part in text.split(",") if (name := part.strip()))
    annotators_named(names)
    return names


def write_annotated_video(
    video: str | os.PathLike[str],
    track: PoseTrack,
    output: str | os.PathLike[str],
    overlays: Iterable[FrameOverlay] | None = None,
    annotators: Sequence[Annotator] = DEFAULT_ANNOTATORS,
    progress: Callable[[int, int], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> None:
    """Decode ``video`` again and write it with each frame's overlay drawn, as H.264 mp4, with
    the source's sound; ``progress(done, total)`` after each frame (``total``: the track's
    frames); ``notify`` hears it when there is no sound to keep (the mp4 is silent).

    ``overlays`` defaults to the track's poses with their joint angles. The video is decoded a
    second time rather than kept from the pose pass: decoding is cheap next to the model, and
    keeping frames would make memory grow with the length of the video.
    """
    from formcheck.video import read_frames
    from formcheck.video_sink import VideoSink

    if overlays is None:
        overlays = angle_overlays(track)
    with (VideoSink(output, width=track.width, height=track.height, fps=track.frame_rate,
                    audio_from=video) as sink,
          read_frames(video, max_fps=track.max_fps) as frames):  # the frames the track holds
        for done, (frame, overlay) in enumerate(zip(frames, overlays, strict=False), 1):
            scene = frame.image.copy()
            for annotator in annotators:
                scene = annotator.annotate(scene, overlay)
            sink.write(scene)
            if progress is not None:
                progress(done, len(track))
    if notify is not None and not sink.has_audio:
        notify(f"{display(video)} has no sound: the annotated video is silent")
