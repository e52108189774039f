"""What the report shows of the video itself: the annotated video, embedded when small enough,
and each rep's key frames with the pose drawn.

Both are carried inline (``data:`` URIs), so the page stays one file that works offline.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from formcheck.analysis import Analysis
from formcheck.annotate import BackContourAnnotator, SkeletonAnnotator, write_annotated_video
from formcheck.errors import FormcheckError
from formcheck.hold_analysis import HoldAnalysis
from formcheck.html_plots import data_uri
from formcheck.kinematics import Kinematics
from formcheck.overlay import FrameOverlay, angle_labels
from formcheck.report import Fault
from formcheck.track import PoseTrack
from formcheck.view import View

THUMBNAIL_PX = 480
"""Long side of a key frame in pixels: sharp at the size a phone or a laptop shows it, still
readable enlarged, and 30 of them stay around a megabyte as JPEG."""
JPEG_QUALITY = 80

MAX_VIDEO_BYTES = 25_000_000
"""Largest annotated video (as encoded) the page embeds; past it, key frames stand in for it.

Why 25 MB: as base64 it grows by a third, to about 33 MB of HTML, which Chromium and Firefox
on a phone still open in a few seconds; a bigger page is slow to open and too big for most
mail and chat attachments, the ways a report is shared. At the annotated video's x264 quality
(crf 23) that holds about a minute of 1080p or several of 720p: a set, not a session.
"""

KEY_FRAME_ANNOTATORS = (SkeletonAnnotator(), BackContourAnnotator())
"""Skeleton and back outline on key frames; the angles go in the caption, where text stays
readable at thumbnail size."""


@dataclass(frozen=True)
class KeyFrame:
    """One thumbnail of the gallery."""

    moment: str
    time_s: float
    seek_s: float
    """Where this frame is in the embedded video (see :func:`video_time`)."""
    image: str
    """``data:`` URI of the JPEG."""
    angles: str
    fault: bool = False


@dataclass(frozen=True)
class Gallery:
    """Each rep's key frames, or why there are none."""

    reps: dict[int, list[KeyFrame]]
    note: str | None


@dataclass(frozen=True)
class Film:
    """The annotated video as a ``data:`` URI, or why the page goes without it."""

    src: str | None
    note: str | None
    rep_starts: dict[int, float]
    """Each rep's start (by rep index) in the video's own time, where clicking a rep seeks."""


def video_time(track: PoseTrack, frame: int) -> float:
    """Where frame ``frame`` plays in the annotated video.

    That video is written at a constant :attr:`~formcheck.track.PoseTrack.frame_rate`, one
    frame after another, so frame ``i`` is at ``i / rate``: the same as the track's time for a
    steady video that starts at 0, but not for one with a variable frame rate or an offset
    start, where seeking to the track's time would land on the wrong frame.
    """
    return round(frame / track.frame_rate, 3)


def film(analysis: Analysis, video: Path, limit: int = MAX_VIDEO_BYTES,
         annotated: Path | None = None) -> Film:
    """The annotated video of ``analysis`` drawn on ``video``, inline if it is at most ``limit``
    bytes; else a note saying why it is left out (the key frames then stand in for it). No
    video without a rep to seek to, or with ``limit`` 0. ``annotated``: that video, already
    written (``--video-out``), embedded as it is instead of being encoded a second time.

    The video is encoded to find its size: no estimate from the source's size or length holds
    across codecs and frame contents.
    """
    starts = {rep.index: video_time(analysis.track, found.start)
              for found, rep in zip(analysis.reps, analysis.report.reps, strict=True)}
    if not analysis.reps or limit <= 0 or not video.is_file():
        return Film(None, None, starts)  # the gallery says why there is no video
    try:
        return embedded(analysis, video, limit, starts, annotated)
    except FormcheckError as exc:
        return Film(None, f"The annotated video could not be made: {exc}", starts)


def embedded(analysis: Analysis | HoldAnalysis, video: Path, limit: int,
             starts: dict[int, float], annotated: Path | None) -> Film:
    """The annotated video of ``analysis`` (reps or holds) inline, or why not; ``starts``:
    where each rep or hold starts in it."""
    from formcheck.outputs import overlays_of
    from formcheck.video import VideoInfo

    track = analysis.track
    info = VideoInfo.from_path(video)
    if (info.width, info.height) != (track.width, track.height):
        return Film(None, f"The video is {info.width}x{info.height}, but the track was made "
                    f"from {track.width}x{track.height} frames, so no annotated video is "
                    "embedded: the pose would be drawn in the wrong place.", starts)
    with tempfile.TemporaryDirectory(prefix="formcheck-report-") as folder:
        path = annotated if annotated is not None else Path(folder) / "annotated.mp4"
        if annotated is None:
            write_annotated_video(video, track, path, overlays_of(analysis))
        size = path.stat().st_size
        if size > limit:
            return Film(None, f"The annotated video is {size / 1e6:.1f} MB, more than the "
                        f"{limit / 1e6:g} MB this page carries, so it is left out; the key "
                        "frames below show each rep. Write it on its own with --video-out.",
                        starts)
        return Film(data_uri("video/mp4", path.read_bytes()), None, starts)


def _moments(analysis: Analysis) -> dict[int, list[tuple[int, str, Fault | None]]]:
    """Frame index -> (rep, moment, fault) for every key frame the gallery shows."""
    wanted: dict[int, list[tuple[int, str, Fault | None]]] = defaultdict(list)
    for found, rep in zip(analysis.reps, analysis.report.reps, strict=True):
        for moment, frame in (("start", found.start), ("turnaround", found.turn),
                              ("end", found.end)):
            wanted[frame].append((rep.index, moment, None))
        for fault in rep.faults:
            for frame in fault.frames[:1]:
                wanted[frame].append((rep.index, fault.code.replace("_", " "), fault))
    return wanted


def gallery(analysis: Analysis, video: Path) -> Gallery:
    """Key frames decoded from ``video`` with the pose drawn, grouped by rep in time order."""
    track, kin = analysis.track, analysis.kin
    if not analysis.reps:
        return Gallery({}, None)
    if not video.is_file():
        return Gallery({}, f"The video ({video}) is not available here, so no key frames are "
                           "shown; analyse the video itself, or keep it where the track says.")
    wanted = _moments(analysis)
    reps: dict[int, list[KeyFrame]] = defaultdict(list)
    try:
        for index, image in _decode(video, set(wanted), track.max_fps):
            thumbnail = _thumbnail(image, track, index)
            for rep, moment, fault in wanted.pop(index):
                reps[rep].append(KeyFrame(
                    moment=moment,
                    time_s=float(track.times[index]),
                    seek_s=video_time(track, index),
                    image=thumbnail,
                    angles=_angles(kin, index, analysis.view.view),
                    fault=fault is not None,
                ))
    except FormcheckError as exc:
        return Gallery({}, f"The key frames could not be read from the video: {exc}")
    note = (f"{len(wanted)} key frame(s) lie past the end of the video {video}; it may not be "
            "the one the track was made from.") if wanted else None
    return Gallery({rep: sorted(frames, key=lambda f: (f.time_s, f.fault))
                    for rep, frames in reps.items()}, note)


def _decode(video: Path, wanted: set[int], max_fps: float | None
            ) -> Iterator[tuple[int, np.ndarray]]:
    """The frames of ``video`` at ``wanted`` track rows (read at the track's ``max_fps``),
    stopping after the last one."""
    from formcheck.video import read_frames

    last = max(wanted)
    with read_frames(video, max_fps=max_fps) as frames:
        for frame in frames:
            if frame.index in wanted:
                yield frame.index, frame.image
            if frame.index >= last:
                return


def _thumbnail(image: np.ndarray, track: PoseTrack, index: int) -> str:
    """The frame shrunk to ``THUMBNAIL_PX`` with the pose drawn on it, as a JPEG ``data:`` URI.

    Drawn after shrinking, so the skeleton is as thick on a 4K frame as on a phone's.
    """
    height, width = image.shape[:2]
    factor = THUMBNAIL_PX / max(height, width)
    if factor < 1:
        size = (max(round(width * factor), 1), max(round(height * factor), 1))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    else:
        image = image.copy()
    overlay = FrameOverlay(pose=track.frame(index))
    for annotator in KEY_FRAME_ANNOTATORS:
        image = annotator.annotate(image, overlay)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise FormcheckError(f"could not encode key frame {index} as JPEG")
    return data_uri("image/jpeg", jpeg.tobytes())


def _angles(kin: Kinematics, index: int, view: View) -> str:
    """The joint angles the annotated video writes beside the joints, as the caption."""
    return " · ".join(f"{label.text}°" for label in angle_labels(kin, index, view))
