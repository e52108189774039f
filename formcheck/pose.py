"""Pose extraction: frames in, the lifter's :class:`~formcheck.track.PoseTrack` out.

This is the only module that knows MediaPipe's result objects. The landmarker runs in VIDEO
mode, so it tracks the person between frames instead of re-detecting every frame (faster and
steadier), which needs strictly increasing millisecond timestamps.

Example:
    >>> from formcheck.pose import extract_pose
    >>> track = extract_pose("lift.mp4", model="full")
    >>> track.detection_rate
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from formcheck import contour
from formcheck.landmarks import Landmark
from formcheck.models import model_path
from formcheck.track import FramePose, PoseTrack, TrackBuilder
from formcheck.video import Frame, TruncatedVideoWarning, read_frames

REACQUIRE_AFTER_S = 1.0
"""After the lifter has been lost this long, re-acquire the largest person instead of the
nearest: whoever was nearest before is no longer a reliable anchor."""

MAX_JUMP = 1.0
"""Largest move of the trunk centre between consecutive sightings, in trunk lengths, that is
still the same person; anyone farther is someone else walking through the frame."""

_TRUNK = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]


@dataclass(frozen=True)
class PoseSettings:
    """How the pose model is run; the defaults are MediaPipe's own confidence thresholds.

    ``num_poses=1`` lets MediaPipe track one person from frame to frame, re-running its person
    detector only when the track is lost; the lifter-identity check in :class:`PoseEstimator`
    then turns a jump to somebody else into missing frames, never into the other person's pose.
    ``num_poses=2`` sees a passer-by as a second person and keeps the lifter throughout, but runs
    the detector on every frame: about 1.6 times slower (measured on the TBY66 side-view clip).
    """

    model: str = "full"
    num_poses: int = 1
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    back_contour: bool = True
    model_dir: Path | None = None


class PoseEstimator:
    """One PoseLandmarker in VIDEO mode that follows one lifter from frame to frame.

    Use as a context manager; feed frames in time order to :meth:`estimate`.
    """

    def __init__(self, settings: PoseSettings | None = None) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        self.settings = settings or PoseSettings()
        path = model_path(self.settings.model, self.settings.model_dir)
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=os.fspath(path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=self.settings.num_poses,
            min_pose_detection_confidence=self.settings.min_detection_confidence,
            min_pose_presence_confidence=self.settings.min_presence_confidence,
            min_tracking_confidence=self.settings.min_tracking_confidence,
            output_segmentation_masks=self.settings.back_contour,
        )
        with _native_logs_silenced():
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
        self._last_ms = -1
        self._anchor: tuple[np.ndarray, float, float] | None = None
        self._facing_votes = 0.0

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._landmarker.close()

    def estimate(self, frame: Frame) -> FramePose:
        """The lifter's pose in this frame, or a missing row when the lifter is not in it."""
        import mediapipe as mp

        # VIDEO mode rejects a timestamp equal to the previous one; containers with
        # sub-millisecond frame spacing are nudged forward by a millisecond.
        stamp = max(round(frame.time_s * 1000.0), self._last_ms + 1)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.image)
        first = self._last_ms < 0
        self._last_ms = stamp
        with _native_logs_silenced() if first else nullcontext():
            result = self._landmarker.detect_for_video(image, stamp)
        height, width = frame.image.shape[:2]
        candidates = [_landmark_array(pose) for pose in result.pose_landmarks]
        chosen = self._choose(candidates, frame.time_s, np.array([width, height], float))
        if chosen is None:
            return FramePose.missing(frame.time_s)
        image_lm = candidates[chosen]
        world_lm = _landmark_array(result.pose_world_landmarks[chosen])
        back = np.full((contour.CONTOUR_POINTS, 2), np.nan)
        if self.settings.back_contour and result.segmentation_masks:
            mask = result.segmentation_masks[chosen].numpy_view()
            back = self._back_contour(mask.reshape(height, width), image_lm, width, height)
        return FramePose(
            time_s=frame.time_s,
            landmarks=image_lm[:, :3],
            visibility=image_lm[:, 3],
            presence=image_lm[:, 4],
            world=world_lm[:, :3],
            back_contour=back,
        )

    def _choose(self, candidates: list[np.ndarray], time_s: float, size: np.ndarray) -> int | None:
        """Index of the lifter among the detected people, or None when the lifter is absent.

        The lifter is the person nearest to where the lifter was last seen; when the lifter has
        been gone a while (or at the start), the largest person in the frame.
        """
        if not candidates:
            return None
        px = [c[_TRUNK, :2] * size for c in candidates]
        centres = np.array([p.mean(axis=0) for p in px])
        trunks = np.array([_trunk_length(p) for p in px])
        if self._anchor is not None and time_s - self._anchor[2] <= REACQUIRE_AFTER_S:
            centre, trunk, _ = self._anchor
            jumps = np.hypot(*(centres - centre).T) / trunk
            best = int(np.argmin(jumps))
            if not jumps[best] <= MAX_JUMP:
                return None
        else:
            extents = [np.ptp(c[:, :2] * size, axis=0).prod() for c in candidates]
            best = int(np.argmax(extents))
        if np.isfinite(trunks[best]) and trunks[best] > 0:
            self._anchor = (centres[best], float(trunks[best]), time_s)
        return best

    def _back_contour(
        self, mask: np.ndarray, lm: np.ndarray, width: int, height: int
    ) -> np.ndarray:
        """Trace the back in pixels and return it normalised like the landmarks."""
        px = lm[:, :2] * np.array([width, height])
        shoulder = px[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]].mean(axis=0)
        hip = px[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP]].mean(axis=0)
        ear = px[[Landmark.LEFT_EAR, Landmark.RIGHT_EAR]].mean(axis=0)
        # The body does not turn around within a set: a running vote over frames keeps one
        # blurry face from flipping which side is the back.
        self._facing_votes += contour.facing_sign(shoulder, hip, px[Landmark.NOSE], ear)
        sign = float(np.sign(self._facing_votes))
        if sign == 0:
            return np.full((contour.CONTOUR_POINTS, 2), np.nan)
        normal = contour.dorsal_normal(shoulder, hip, sign)
        return contour.trace_back(mask, shoulder, hip, normal) / np.array([width, height])


@contextmanager
def _native_logs_silenced() -> Iterator[None]:
    """Keep MediaPipe's C++ start-up chatter (TFLite delegates, glog warnings) off stderr.

    Those lines are written by native code straight to file descriptor 2, where they would bury
    formcheck's own messages; Python-level errors still surface as exceptions.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with Path(os.devnull).open("wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _landmark_array(landmarks: Any) -> np.ndarray:
    """(33, 5) array of x, y, z, visibility, presence from MediaPipe's landmark list."""
    return np.array(
        [(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0) for p in landmarks],
        dtype=np.float64,
    )


def _trunk_length(points: np.ndarray) -> float:
    """Mid-shoulder to mid-hip distance from the four trunk points (shoulders first)."""
    return float(np.hypot(*(points[:2].mean(axis=0) - points[2:].mean(axis=0))))


def estimate_frames(frames: Iterable[Frame], settings: PoseSettings | None = None
                    ) -> Iterator[tuple[Frame, FramePose]]:
    """Each frame with the lifter's pose in it; the live view and the annotator share this."""
    with PoseEstimator(settings) as estimator:
        for frame in frames:
            yield frame, estimator.estimate(frame)


def extract_pose(
    video: str | os.PathLike[str],
    settings: PoseSettings | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> PoseTrack:
    """Run the pose model over every frame of a video file and return the lifter's track.

    ``progress(done, total)`` is called after each frame (``total`` is the container's
    estimate and may be 0 when unknown). A video that ends before its declared end (a damaged
    or cut-off file) gives the track of the frames before the damage, with the reason in
    ``track.meta["truncated"]``.
    """
    settings = settings or PoseSettings()
    frames = read_frames(video)
    info = frames.info
    builder = TrackBuilder(
        width=info.width,
        height=info.height,
        fps=info.fps,
        source=os.fspath(video),
        model=settings.model,
        meta={"rotation": info.rotation, "codec": info.codec},
    )
    with frames, warnings.catch_warnings():
        # A damaged video's frames up to the damage are worth analysing; that it ended early
        # goes into the track (and from there into the report), not to stderr as a warning.
        warnings.simplefilter("ignore", TruncatedVideoWarning)
        for frame, pose in estimate_frames(frames, settings):
            builder.append(pose)
            if progress is not None:
                progress(frame.index + 1, info.frame_count)
    track = builder.build()
    if frames.truncated is not None:
        track.meta["truncated"] = frames.truncated
    return track
