"""Pose extraction: frames in, the lifter's :class:`~formcheck.track.PoseTrack` out.

This is the only module that knows MediaPipe's result objects. The landmarker runs in VIDEO
mode, so it tracks the person between frames instead of re-detecting every frame (faster and
steadier), which needs strictly increasing millisecond timestamps.

Example:
    >>> track = extract_pose("lift.mp4", PoseSettings(model="lite"))
    >>> track.detection_rate > 0.9
    True
"""

from __future__ import annotations

import itertools
import os
import pickle
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import numpy as np

from formcheck import camera, contour, exposure, shots
from formcheck.errors import FormcheckError
from formcheck.landmarks import Landmark
from formcheck.models import model_path
from formcheck.native_logs import native_logs_filtered
from formcheck.signals import signals_held
from formcheck.track import TRACK_BLOCK, FramePose, PoseTrack, TrackBuilder
from formcheck.video import (
    Frame,
    TruncatedVideoWarning,
    check_workers,
    is_url,
    read_frames,
    usable_cores,
)

REACQUIRE_AFTER_S = 1.0
"""After the lifter has been lost this long, re-acquire the largest person instead of the
nearest: whoever was nearest before is no longer a reliable anchor."""

MAX_JUMP = 1.0
"""Largest move of the trunk centre between consecutive sightings, in trunk lengths, that is
still the same person; anyone farther is someone else walking through the frame."""

_TRUNK = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]


DEFAULT_MAX_FPS = 30.0
"""Frames a second a video is analysed at by default. Why not every frame: the landmarks are
smoothed at 4 Hz (:mod:`formcheck.smoothing`) and the fastest event judged, a swing's float or
a lockout, lasts ~0.2 s, so 30 frames a second hold everything a verdict uses; the frames of a
60 fps phone video beyond that double the model's work and change nothing
(benchmarks/frame_rate.py measures it on every labelled 60 fps clip)."""


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
    max_fps: float | None = DEFAULT_MAX_FPS
    """Frames a second the model runs on at most (None: every frame of the video); see
    :data:`DEFAULT_MAX_FPS`."""

    def __post_init__(self) -> None:
        check_max_fps(self.max_fps)


def check_max_fps(max_fps: float | None) -> None:
    """Refuse a rate to read a video at that is not a positive number of frames a second."""
    if max_fps is not None and not max_fps > 0:
        raise FormcheckError(f"the frame rate to analyse at must be positive, not {max_fps:g}")


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
        # Native log lines are filtered from creation to close, when mediapipe logs most.
        self._to_close = ExitStack()
        try:
            with signals_held():
                # Entered and registered for closing in one held step: a stop signal that came
                # while the model loaded is acted on at the block's end, and must find the
                # landmarker closable (left open, its __del__ prints a traceback at exit) and
                # the log filter removable.
                self._to_close.enter_context(native_logs_filtered())
                self._landmarker = self._to_close.enter_context(
                    vision.PoseLandmarker.create_from_options(options))
        except BaseException:
            self.close()
            raise
        self._last_ms = -1
        self._signature: np.ndarray | None = None
        self._thumbnail: np.ndarray | None = None
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
        with signals_held():
            self._to_close.close()

    def estimate(self, frame: Frame) -> FramePose:
        """The lifter's pose in this frame, or a missing row when the lifter is not in it.

        Stop signals are held until the frame is done: MediaPipe's images (the frame given to
        the model, the masks it returns) free their native memory in a Python ``__del__``, and
        a stop raised inside one is printed as a traceback ("Exception ignored in ...
        Image.__del__"), so they must be gone, with :meth:`_estimate`'s frame, before a signal
        is acted on. (Should the model raise, its traceback keeps them a while longer.)"""
        with signals_held():
            return self._estimate(frame)

    def _estimate(self, frame: Frame) -> FramePose:
        import mediapipe as mp

        # VIDEO mode rejects a timestamp equal to the previous one; containers with
        # sub-millisecond frame spacing are nudged forward by a millisecond.
        stamp = max(round(frame.time_s * 1000.0), self._last_ms + 1)
        self._last_ms = stamp
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=exposure.for_model(frame.image))
        result = self._landmarker.detect_for_video(image, stamp)
        height, width = frame.image.shape[:2]
        signature = shots.signature(frame.image)
        change = (np.nan if self._signature is None
                  else shots.picture_change(self._signature, signature))
        self._signature = signature
        candidates = [_landmark_array(pose) for pose in result.pose_landmarks]
        chosen = self._choose(candidates, frame.time_s, np.array([width, height], float))
        # the lifter's box from the landmarks as the track keeps them (float32), so that the
        # shift can be measured again from a track and its video alone
        shift = self._camera_shift(frame.image, None if chosen is None else camera.lifter_box(
            candidates[chosen][:, :2].astype(np.float32)))
        if chosen is None:
            return FramePose.missing(frame.time_s, change, shift)
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
            picture_change=change,
            camera_shift=shift,
        )

    def _camera_shift(self, image: np.ndarray, lifter: np.ndarray | None) -> np.ndarray:
        """How far the picture outside the lifter moved since the frame before
        (:func:`formcheck.camera.camera_shift`); NaN for the first frame."""
        thumbnail = camera.thumbnail(image)
        previous, self._thumbnail = self._thumbnail, thumbnail
        if previous is None:
            return np.full(2, np.nan)
        return camera.camera_shift(previous, thumbnail, lifter)

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


MIN_PART_S = 10.0
"""Shortest part of a video that :func:`extract_pose` gives a process of its own unless told how
many to use. A helper costs about 3 s of CPU before its first frame (a Python interpreter,
MediaPipe, the model) plus its warm-up. Measured with the full model on the TBY66 clip looped at
720p on 2 cores: a 10 s video read as two parts of 5 s was no faster than one process, 20 s as
two parts of 10 s took 15.1 s instead of 21.2 (1.4x), 30 s and 45 s were 1.5x faster."""

WARMUP_S = 1.0
"""Video a helper process runs the model on before its part begins, and throws away. MediaPipe
tracks the person and smooths the landmarks from frame to frame, and the lifter anchor and the
facing vote here carry over too; a process starting cold mid-video would judge its first frames
differently from one that had watched the video up to there. After this long its state has
caught up: the first frames of a part then match those of one process reading the whole video to
within the model's own frame-to-frame jitter (tests/test_pose.py measures it). Measured on the
TBY66 side-view clips, full model, as the largest difference of hip, knee and trunk angle from
one process's in the first second of the helper's part, per clip: 0.9–2.1 degrees after a 1 s
warm-up (clips c, h, k, r), 0.8–1.0 after 2 s (c, r) and 0.6–1.2 after 0.5 s (c, h, k, r); up
to 3 degrees later in the part whatever the warm-up; the verdicts were the same every time.
Each second of it costs a helper 30 frames of the model."""

HELPER_LAG_S = 1.0
"""Video seconds this process gets through while a helper starts (a Python interpreter importing
MediaPipe: 0.9 s wall against this process's 0.3 s to build its own model; at the full model's
~40 frames/s on 30 fps video that is ~1 s of video). Measured with ``python -m benchmarks
utilisation`` on a quiet machine: with equal parts (and a 2 s warm-up) this process waited
2.3 s for its helper."""


def part_bounds(duration_s: float, workers: int) -> list[float]:
    """Where each of ``workers`` processes starts and stops reading a video (the last stop is
    infinite: a video may run past its stated duration).

    Split by work, not by time: a helper also runs the model over the :data:`WARMUP_S` before
    its part and starts :data:`HELPER_LAG_S` late, so with equal parts the first process would
    sit idle at the end while the helpers finish. Each helper's part is shorter by that much and
    the first part longer, so all finish together.
    """
    lead = (workers - 1) * (WARMUP_S + HELPER_LAG_S) / workers
    first = min(duration_s, duration_s / workers + lead)
    rest = (duration_s - first) / max(1, workers - 1)
    return [0.0, *(first + rest * k for k in range(workers - 1)), np.inf]

_PROGRESS_EVERY = 16
"""Frames between a helper's progress messages."""


def extract_pose(
    video: str | os.PathLike[str],
    settings: PoseSettings | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> PoseTrack:
    """Run the pose model over the frames of a video file, at most ``settings.max_fps`` a
    second, and return the lifter's track.

    ``progress(done, total)`` is called after each frame (``total`` is estimated from the
    container's frame count and may be 0 when unknown). A video that ends before its declared
    end (a damaged or cut-off file) gives the track of the frames before the damage, with the
    reason in ``track.meta["truncated"]``.

    The model runs on one core, so a long video is cut into ``workers`` consecutive parts and
    each later part is read by a helper process while this one reads the first; the parts are
    joined in order (:func:`part_bounds` sizes them so that all finish together).
    ``workers=None`` uses one per usable core, but no more than gives each
    part :data:`MIN_PART_S`; a network stream, or a video that does not state its duration,
    is always read by one. Each helper starts :data:`WARMUP_S` early so
    that its model is tracking the lifter when its part begins.
    """
    check_workers(workers)
    settings = settings or PoseSettings()
    frames = read_frames(video, max_fps=settings.max_fps)
    info = frames.info
    builder = TrackBuilder(
        width=info.width,
        height=info.height,
        fps=info.fps,
        source=os.fspath(video),
        model=settings.model,
        meta={"rotation": info.rotation, "codec": info.codec},
    )
    if is_url(video) or not info.duration_s > 0:
        workers = 1  # a stream cannot be cut into parts that are read at once
    elif workers is None:
        workers = max(1, min(usable_cores(), int(info.duration_s // MIN_PART_S)))
    bounds = part_bounds(info.duration_s, workers)
    with frames, warnings.catch_warnings(), ExitStack() as stack:
        # A damaged video's frames up to the damage are worth analysing; that it ended early
        # goes into the track (and from there into the report), not to stderr as a warning.
        warnings.simplefilter("ignore", TruncatedVideoWarning)
        helpers = [stack.enter_context(_Helper(video, settings, start, stop))
                   for start, stop in itertools.pairwise(bounds[1:])]
        done = 0
        expected = frames_at_rate(info.frame_count, info.fps, settings.max_fps)

        def report() -> None:
            if progress is not None:
                progress(done + sum(h.frames for h in helpers), expected)

        cut_short = True
        poses = stack.enter_context(closing(estimate_frames(frames, settings)))
        for frame, pose in poses:
            if frame.time_s >= bounds[1]:
                cut_short = False
                break
            builder.append(pose)
            done += 1
            report()
        truncated, notes = frames.truncated, frames.notes
        # A part cut short (damage, or the video ending early) ends the track, as it would
        # for one process reading on: what the later parts saw beyond the damage is dropped.
        for helper in [] if cut_short else helpers:
            # The last part's reader saw every cut from the start: its notes cover the whole.
            part, cut_short, truncated, notes = helper.result(report)
            builder.extend(part)
            if cut_short:
                break
    track = builder.build()
    track.meta.update(notes)
    if settings.max_fps is not None:
        track.meta["max_fps"] = settings.max_fps
    if truncated is not None:
        track.meta["truncated"] = truncated
    return track


def frames_at_rate(frame_count: int, fps: float, max_fps: float | None) -> int:
    """How many of a video's ``frame_count`` frames at ``fps`` are read at ``max_fps``."""
    if max_fps is None or not fps > max_fps:
        return frame_count
    return round(frame_count * max_fps / fps)


class _Helper:
    """A process running the model on the part ``start_s`` to ``stop_s`` of a video.

    It is a plain interpreter running :func:`_helper_main` (not :mod:`multiprocessing`, whose
    spawned children re-run the caller's script). It reports over a pipe of its own, never its
    stdout, which a library might print on: pickled blocks of the track, progress counts, and
    finally whether its part ended early. A reader thread takes them in as they come, so the
    helper never waits on this process. It runs in a session of its own, so a Ctrl-C reaches
    only this process, which then stops it.
    """

    def __init__(self, video: str | os.PathLike[str], settings: PoseSettings,
                 start_s: float, stop_s: float) -> None:
        read, write = os.pipe()
        job = pickle.dumps((os.fspath(video), settings, start_s, stop_s, write))
        # The helper imports this very formcheck, wherever it was imported from.
        package_root = os.fspath(Path(__file__).resolve().parents[1])
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", "from formcheck.pose import _helper_main; _helper_main()"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(write,), start_new_session=True, env=os.environ | {"PYTHONPATH": path},
            )
        except OSError as exc:
            os.close(read)
            raise FormcheckError(f"cannot start a pose helper process: {exc}") from None
        finally:
            os.close(write)
        assert self._process.stdin is not None
        with self._process.stdin as stdin:
            stdin.write(job)
        self.frames = 0
        self._part = TrackBuilder(width=1, height=1, fps=0.0)
        self._end: tuple[bool, str | None, dict[str, Any]] | None = None
        self._error: str | None = None
        self._reader = threading.Thread(target=self._read, args=(os.fdopen(read, "rb"),),
                                        name="formcheck-pose-helper", daemon=True)
        self._reader.start()

    def _read(self, pipe: BinaryIO) -> None:
        with pipe:
            try:
                while True:
                    kind, value = pickle.load(pipe)
                    if kind == "frames":
                        self.frames = value
                    elif kind == "rows":
                        self._part.extend(value)
                    elif kind == "end":
                        self._end = value
                    else:
                        self._error = value
            except (EOFError, OSError, pickle.UnpicklingError):
                return

    def result(self, waiting: Callable[[], None]
               ) -> tuple[PoseTrack, bool, str | None, dict[str, Any]]:
        """The part's track, whether it ended before ``stop_s`` and why, once the helper is done."""
        while self._reader.is_alive():
            self._reader.join(timeout=0.2)
            waiting()
        code = self._process.wait()
        if self._error is not None:
            raise FormcheckError(self._error)
        if self._end is None:
            raise FormcheckError(f"a pose helper process stopped unexpectedly (exit status {code})")
        return self._part.build(), *self._end

    def __enter__(self) -> _Helper:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._reader.join()


def _helper_main() -> None:
    """Body of a :class:`_Helper` process; its job arrives pickled on stdin."""
    video, settings, start_s, stop_s, fd = pickle.load(sys.stdin.buffer)
    with os.fdopen(fd, "wb") as pipe:
        def send(kind: str, value: object) -> None:
            pickle.dump((kind, value), pipe, protocol=pickle.HIGHEST_PROTOCOL)
            pipe.flush()

        try:
            send("end", _estimate_part(video, settings, start_s, stop_s, send))
        except FormcheckError as exc:
            send("error", str(exc))
        except Exception as exc:  # a bug: still say what it was, since stderr goes nowhere
            send("error", f"a pose helper process failed: {type(exc).__name__}: {exc}")


def _estimate_part(video: str, settings: PoseSettings, start_s: float, stop_s: float,
                   send: Callable[[str, object], None]
                   ) -> tuple[bool, str | None, dict[str, Any]]:
    """Send the track of frames ``start_s`` to ``stop_s`` in blocks; whether it was cut short,
    why, and the notes on the video's timing its reader kept."""
    frames = read_frames(video, start_s=max(0.0, start_s - WARMUP_S), max_fps=settings.max_fps)
    info = frames.info
    builder = TrackBuilder(width=info.width, height=info.height, fps=info.fps)
    done = 0
    cut_short = True
    with frames, warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncatedVideoWarning)
        for frame, pose in estimate_frames(frames, settings):
            if frame.time_s >= stop_s:
                cut_short = False
                break
            if frame.time_s < start_s:
                continue
            builder.append(pose)
            done += 1
            if done % _PROGRESS_EVERY == 0:
                send("frames", done)
            if len(builder) == TRACK_BLOCK:
                send("rows", builder.build())
                builder = TrackBuilder(width=info.width, height=info.height, fps=info.fps)
    send("rows", builder.build())
    send("frames", done)
    return cut_short, frames.truncated, frames.notes
