"""Frame sources: video files and cameras (the writer is :mod:`formcheck.video_sink`).

Frames always reach the rest of formcheck upright (rotation metadata applied), as contiguous
RGB ``uint8`` arrays no larger than :data:`MAX_FRAME_SIDE`, with timestamps taken from the
container rather than assumed from a nominal frame rate, because phone videos are often
variable-frame-rate and rep timing and velocities are only as honest as those timestamps. Where
the timestamps themselves break (two recordings joined, a stream without any), the time line is
kept continuous and the break is recorded (:attr:`FrameReader.notes`), never squeezed.

Example:
    >>> info = VideoInfo.from_path("lift.mp4")
    >>> with read_frames("lift.mp4", max_fps=30) as frames:
    ...     first = next(frames)
    >>> first.image.shape[:2] == (info.height, info.width), first.index, first.time_s
    (True, 0, 0.0)
"""

from __future__ import annotations

import math
import os
import queue
import threading
import time
import warnings
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import av
import av.container
import av.error
import av.video.stream
import cv2
import numpy as np

from formcheck.errors import FormcheckError
from formcheck.timeline import Interval, Timeline, to_ms

_CV2_ROTATIONS = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


def usable_cores() -> int:
    """Cores this process may run on: a container's CPU set, not the host's core count."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


MAX_WORKERS_PER_CORE = 2
"""Most worker processes per usable core. Each process loads its own pose model and keeps a
core busy with it, so past a core each, more add memory and start-up, not speed; a typo such as
``--workers 64`` would load 64 models into a laptop's memory."""


def check_workers(workers: int | None) -> None:
    """Refuse a number of processes this machine cannot put to use (None: the default)."""
    most = MAX_WORKERS_PER_CORE * usable_cores()
    if workers is not None and not 1 <= workers <= most:
        cores = usable_cores()
        raise FormcheckError(f"--workers takes 1 to {most} here (this machine has {cores} "
                             f"usable core{'s' if cores > 1 else ''}), not {workers}")


_DECODE_THREADS = max(1, usable_cores() - 1)
"""FFmpeg decoder threads: all usable cores but the one the pose model runs on. On a
2-core machine that is a single decoder thread, which measured faster end to end at 1080p
than FFmpeg's automatic count (3 threads there): those threads took CPU from the model. Large
machines still get frame threading for 4K phone footage."""

_TRUNCATION_SLACK_FRAMES = 3
"""How many nominal frame intervals the decoded video may fall short of the duration the
container declares before it counts as truncated. Real clips (edit lists, rounding) end within
1.5 intervals; a cut-off download ends seconds early."""

URL_TIMEOUT_S = 10.0
"""How long a network stream may stay silent, on opening or between packets, before reading it
fails with a clear message instead of hanging."""

_SEEK_SLACK_S = 0.0005
"""A frame this little before the time sought still counts as at it: container times are
rounded to their time base, and MediaPipe sees them in whole milliseconds anyway."""

_END = object()
"""Queue sentinel: the producer decoded everything it could."""

MAX_FRAME_SIDE = 1920
"""Frames whose longer side exceeds this are scaled down (keeping their shape) as they are
converted to RGB, before anything else sees them. Why it costs no accuracy: the pose model looks
at the person through a 256x256 crop (and finds them at 224x224), and its segmentation mask,
from which the back contour is traced, has that crop's resolution too; so a lifter taller than
256 pixels after the cap (more than an eighth of a 1920-pixel side) is seen exactly as well.
Why it matters: an RGB frame of an 8192x8192 video is 200 MB and the reader keeps up to eight
in flight, so without it memory grew to gigabytes; 1920 is the largest side phone video is
commonly recorded at below 4K, the size the rest of formcheck is tested on. Measured on the
TBY66 lifter scaled up to fill a 3840x2160 frame: the landmarks found at the cap lie 1.17 px
(median, in the 360x640 original's pixels) from those found in the original, against 1.31 px
at full 4K, and the back contour is traced in every frame either way."""

MAX_DECODE_SIDE = 16384
"""Videos with a larger side are refused before anything is decoded: the decoder alone would
hold several frames of at least 400 MB each, and no camera records such a picture."""

_PTS_REORDER_FRAMES = 16
"""How far back a packet's presentation time may lie behind the latest one seen, in frame
intervals, through B-frame reordering (H.264 allows at most 16 frames of it)."""


class TruncatedVideoWarning(UserWarning):
    """Decoding stopped before the end of the video; the frames before the damage are kept."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video file claims about itself, with the frame size as it will be decoded.

    Attributes:
        width, height: frame size in pixels after applying rotation metadata and the size cap
            (:data:`MAX_FRAME_SIDE`), i.e. the size of every :attr:`Frame.image` that
            :func:`read_frames` yields.
        fps: nominal (average) frame rate; 0.0 when the container states none. For a stream
            without timestamps, the rate its codec states (an H.264 or HEVC stream's timing
            information), which is what its frames are timed by. Informational otherwise: use
            :attr:`Frame.time_s` for timing.
        frame_count: estimated number of frames (duration x fps, which unlike the container's
            packet count respects edit lists); within a frame or two, 0 when unknown.
        duration_s: duration of the video stream (the container's when the stream has none).
        rotation: degrees (0, 90, 180, 270) the stored picture is turned clockwise for display,
            the convention of the legacy mp4 ``rotate`` tag (FFmpeg's display-matrix angle has
            the opposite sign).
        codec: decoder name, e.g. ``h264``.
        scaled_from: (width, height) as displayed, before the size cap, when the frames are
            scaled down; None when they keep their size. Landmarks are normalised, so a pixel
            of the source is ``landmark * scaled_from``.
    """

    width: int
    height: int
    fps: float
    frame_count: int
    duration_s: float
    rotation: int
    codec: str
    scaled_from: tuple[int, int] | None = None

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> VideoInfo:
        """Read the header and decode the first frame: rotation and decodability live there."""
        container, stream = _open_video(path)
        with container:
            first = next(_decode(container, stream, _Outcome()), None)
            if first is None:
                raise FormcheckError(f"{path}: the video stream has no decodable frames")
            return _video_info(container, stream, first)


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded frame, upright.

    Attributes:
        index: 0-based position in decoded (presentation) order.
        time_s: seconds since the first frame, from the container's timestamps; strictly
            increasing, and so is :attr:`timestamp_ms`. Continuous across a cut in the
            timestamps (see :class:`~formcheck.timeline.TimeCut`): the frame after it comes
            one nominal interval after the frame before it.
        image: (H, W, 3) contiguous ``uint8`` RGB, rotation metadata applied.
    """

    index: int
    time_s: float
    image: np.ndarray

    @property
    def timestamp_ms(self) -> int:
        """Whole milliseconds, as MediaPipe's VIDEO mode wants them; strictly increasing."""
        return to_ms(self.time_s)


class _Outcome:
    """Shared between decoder and reader: why decoding stopped early, if it did, and the
    time line the frames were given."""

    truncated: str | None = None
    timeline: Timeline | None = None


class FrameReader(Iterator[Frame]):
    """Iterator over a video file's frames; decodes ahead in a background thread.

    Returned by :func:`read_frames`. Close it (or use it as a context manager) when stopping
    early: that stops the decoding thread and closes the file. Closing is idempotent, and
    garbage collection closes a forgotten reader too.

    Attributes:
        info: the video's :class:`VideoInfo`.
        truncated: None while decoding goes well; once iteration has ended, a one-line reason
            if the video stopped before its declared end (a damaged or cut-off file). A
            :class:`TruncatedVideoWarning` is issued at the same moment.
        notes: what a pose track of these frames should keep in its ``meta``; complete once
            iteration has ended.
    """

    def __init__(self, path: str | os.PathLike[str], prefetch: int, start_s: float,
                 max_fps: float | None = None) -> None:
        self._closed = True
        self._path = os.fspath(path)
        self._outcome = _Outcome()
        container, stream = _open_video(path)
        try:
            raw = _decode(container, stream, self._outcome)
            first = next(raw, None)
            if first is None:
                raise FormcheckError(f"{path}: the video stream has no decodable frames")
            self.info = _video_info(container, stream, first)
            origin = first.time
            step = _nominal_step(self.info)
            skip_before = 0.0
            if start_s > 0:
                # Frames before ``start_s`` are left unconverted (but a capped read sees them).
                skip_before = start_s
                # A seek goes by the raw timestamps, which a cut in them makes ambiguous or
                # shifted: then decode from the start instead, so that times are those of the
                # whole video.
                if is_url(path) or not _timestamps_break(path, step):
                    raw = _decode_from(container, stream, self._outcome, origin or 0.0, start_s)
                    first = next(raw, None)
        except BaseException:
            container.close()
            raise
        self._container = container
        self._outcome.timeline = Timeline(step, origin)
        self._frames = _to_frames(
            first, raw, self.info, _stream_duration(stream), self._outcome, skip_before, max_fps
        )
        self._queue: queue.Queue[object] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if prefetch > 0:
            self._queue = queue.Queue(maxsize=prefetch)
            # The thread gets only what it needs, never ``self``, so an abandoned reader can
            # still be garbage collected and its __del__ stop the thread.
            self._thread = threading.Thread(
                target=_produce,
                args=(self._frames, container, self._queue, self._stop),
                name="formcheck-decode",
                daemon=True,
            )
            self._thread.start()
        self._closed = False

    @property
    def truncated(self) -> str | None:
        return self._outcome.truncated

    @property
    def notes(self) -> dict[str, Any]:
        """Notes for a pose track's ``meta``, each present only when it applies:

        * ``time_cuts``: where the container's timestamps restart or jump
          (:class:`~formcheck.timeline.TimeCut` as dicts), and the time line was cut;
        * ``no_timestamps``: ``{"assumed_fps": N, "stated": True}`` when no frame had a
          timestamp and the frames were timed at the stream's nominal rate (``stated`` False:
          the stream states none, and N is a default);
        * ``scaled_from``: ``[width, height]`` displayed, when the frames were scaled down to
          :data:`MAX_FRAME_SIDE`.
        """
        notes: dict[str, Any] = {}
        timeline = self._outcome.timeline
        if timeline is not None and timeline.cuts:
            notes["time_cuts"] = [
                {"at_s": c.at_s, "kind": c.kind, "size_s": c.size_s} for c in timeline.cuts
            ]
        if timeline is not None and timeline.frames and timeline.untimed == timeline.frames:
            notes["no_timestamps"] = {
                "assumed_fps": round(1.0 / _nominal_step(self.info), 3),
                "stated": self.info.fps > 0,
            }
        if self.info.scaled_from is not None:
            notes["scaled_from"] = list(self.info.scaled_from)
        return notes

    def __next__(self) -> Frame:
        if self._closed:
            raise StopIteration
        if self._queue is None:
            item: object = next(self._frames, _END)
        else:
            item = self._queue.get()
        if isinstance(item, Frame):
            return item
        self.close()
        if isinstance(item, BaseException):
            raise item
        if self._outcome.truncated is not None:
            warnings.warn(
                f"{self._path}: {self._outcome.truncated}", TruncatedVideoWarning, stacklevel=2
            )
        raise StopIteration

    def close(self) -> None:
        """Stop decoding and release the file; frames already yielded stay valid."""
        if self._closed:
            return
        self._closed = True
        if self._thread is None:
            self._frames.close()
            self._container.close()
            return
        self._stop.set()
        self._thread.join()
        assert self._queue is not None
        while not self._queue.empty():
            self._queue.get_nowait()

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


def read_frames(
    path: str | os.PathLike[str],
    *,
    prefetch: int = 8,
    start_s: float = 0.0,
    max_fps: float | None = None,
) -> FrameReader:
    """Stream a video file's frames, upright and RGB, with container timestamps.

    ``start_s`` skips to the first frame at or after that time (seeking to the key frame
    before it, so the skip costs one group of pictures, not the video up to there); times stay
    those of the whole video, but :attr:`Frame.index` then counts from the first frame read.

    ``max_fps`` reads at most that many frames a second (see :func:`kept_at_rate`; the others
    are decoded but never converted), and :attr:`Frame.index` counts the frames read: a pose
    track made at a capped rate is read again, frame for frame, with the same cap.

    Decoding and colour conversion run ``prefetch`` frames ahead in a background thread so
    that they overlap with the pose model in the consumer (PyAV and MediaPipe both release the
    GIL); ``prefetch=0`` decodes in the caller's thread. Memory stays bounded by ``prefetch``
    frames whatever the video's length.

    The file is opened and its first frame decoded before this returns, so a missing,
    unreadable or frameless video raises :class:`FormcheckError` here, not mid-iteration. A
    video damaged further on yields the frames before the damage and then sets
    :attr:`FrameReader.truncated` instead of raising.
    """
    if prefetch < 0:
        raise ValueError(f"prefetch must be >= 0, got {prefetch}")
    if max_fps is not None and not max_fps > 0:
        raise ValueError(f"max_fps must be positive, got {max_fps}")
    return FrameReader(path, prefetch, start_s, max_fps)


def _open_video(
    path: str | os.PathLike[str],
) -> tuple[av.container.InputContainer, av.video.stream.VideoStream]:
    """Open ``path`` (or a URL FFmpeg can read, such as ``rtsp://`` or ``http://``) and pick its
    first video stream, turning every failure into one line."""
    p = Path(path)
    if not is_url(path):
        if not p.exists():
            raise FormcheckError(f"video not found: {path}")
        if not p.is_file():
            raise FormcheckError(f"not a video file: {path}")
        if p.stat().st_size == 0:
            raise FormcheckError(f"{path} is empty (0 bytes)")
    try:
        # Phone and editor metadata is not always valid UTF-8; it must not stop decoding.
        container = av.open(
            os.fspath(path), mode="r", metadata_errors="replace",
            timeout=URL_TIMEOUT_S if is_url(path) else None,
        )
    except av.error.FFmpegError as exc:
        raise FormcheckError(f"cannot read {path} as a video: {ffmpeg_reason(exc)}") from None
    except OSError as exc:
        raise FormcheckError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams}) or ["nothing"]
        container.close()
        raise FormcheckError(f"{path} has no video stream (it contains {', '.join(kinds)})")
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if max(width, height) > MAX_DECODE_SIDE:
        container.close()
        raise FormcheckError(
            f"{path}: the video is {width}x{height} pixels, too large to decode; formcheck reads "
            f"up to {MAX_DECODE_SIDE} pixels a side (scale it down first, e.g. "
            "ffmpeg -i in.mp4 -vf scale=1920:-2 out.mp4)"
        )
    stream.thread_type = "AUTO"
    stream.thread_count = _DECODE_THREADS
    return container, stream


def is_url(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a network stream (``scheme://...``) rather than a file."""
    return "://" in os.fspath(path)


def ffmpeg_reason(exc: av.error.FFmpegError) -> str:
    """What went wrong, as the end of one lowercase line."""
    return str(exc.strerror or exc).strip().rstrip(".").lower()


def _decode(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    outcome: _Outcome,
) -> Iterator[av.VideoFrame]:
    """Decoded frames in presentation order; on damaged data, stop and say so in ``outcome``."""
    try:
        for packet in container.demux(stream):
            yield from stream.decode(packet)
    except av.error.FFmpegError as exc:
        outcome.truncated = f"decoding stopped early at damaged data ({ffmpeg_reason(exc)})"
        # Frames already inside the decoder precede the damage and are still good, but after
        # the error they come out without a time base (their time would be NaN): give them
        # the stream's.
        try:
            for frame in stream.decode(None):
                if frame.time_base is None:
                    frame.time_base = stream.time_base
                yield frame
        except av.error.FFmpegError:
            return


def _decode_from(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    outcome: _Outcome,
    origin_s: float,
    start_s: float,
) -> Iterator[av.VideoFrame]:
    """:func:`_decode` from the first frame ``start_s`` after the video's first, ``origin_s``,
    and the one frame before it, if any: a capped read (:func:`kept_at_rate`) keeps a frame or
    not by the one decoded before it."""
    assert stream.time_base is not None
    try:
        container.seek(int((origin_s + start_s) / stream.time_base), stream=stream)
    except av.error.FFmpegError as exc:
        raise FormcheckError(f"cannot seek to {start_s:.1f} s: {ffmpeg_reason(exc)}") from None
    early = start_s - _SEEK_SLACK_S
    before: av.VideoFrame | None = None
    for frame in _decode(container, stream, outcome):
        if frame.time is not None and frame.time - origin_s < early:
            before = frame
            continue
        if before is not None:
            yield before
            before = None
        yield frame


def _video_info(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    first: av.VideoFrame,
) -> VideoInfo:
    if first.time is None:
        # No timestamps: a raw H.264/HEVC stream, whose demuxer states a default 25 fps as its
        # average; the codec's own timing information (the guessed rate) is the better word.
        rate = stream.guessed_rate or stream.average_rate or stream.base_rate
    else:
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else 0.0
    duration_s = _stream_duration(stream)
    if duration_s is None:
        duration_s = container.duration / av.time_base if container.duration else 0.0
    frame_count = round(duration_s * fps) if duration_s and fps else stream.frames
    rotation = _display_rotation(first)
    width, height = _capped(first.width, first.height)
    scaled_from = None if width == first.width else (first.width, first.height)
    if rotation in (90, 270):
        width, height = height, width
        scaled_from = scaled_from and (scaled_from[1], scaled_from[0])
    return VideoInfo(
        width=width,
        height=height,
        fps=fps,
        frame_count=frame_count,
        duration_s=duration_s,
        rotation=rotation,
        codec=stream.codec_context.name,
        scaled_from=scaled_from,
    )


def _capped(width: int, height: int) -> tuple[int, int]:
    """A frame's size scaled down, shape kept, to at most :data:`MAX_FRAME_SIDE` a side."""
    longer = max(width, height)
    if longer <= MAX_FRAME_SIDE:
        return width, height
    return (max(1, round(width * MAX_FRAME_SIDE / longer)),
            max(1, round(height * MAX_FRAME_SIDE / longer)))


def _nominal_step(info: VideoInfo) -> float:
    """The frame interval frames without (trustworthy) timestamps are placed at."""
    return 1.0 / info.fps if info.fps else 1.0 / 30.0


def _timestamps_break(path: str | os.PathLike[str], step: float) -> bool:
    """Whether the timestamps of the video stream :func:`_open_video` picks restart or jump
    anywhere (as :class:`~formcheck.timeline.Timeline` would cut them), by the packets'
    timestamps alone.

    Why: a seek goes by raw timestamps, which after a cut no longer say where a frame is on the
    time line; after a restart the time sought is in the file twice, and the seek may find the
    later one. Demuxing without decoding costs about 20 ms per minute of 30 fps video (0.19 s
    for ten minutes of 1080x716 H.264, file cached, measured); any sign of a break counts, since
    deciding wrongly that there is one costs only decoding from the start.
    """
    interval = Interval(step)
    with av.open(os.fspath(path), mode="r", metadata_errors="replace") as container:
        stream = container.streams.video[0]
        if stream.time_base is None:
            return True
        latest: float | None = None
        for packet in container.demux(stream):
            # Decoding times only ever grow; without them, presentation times may lag the
            # latest one by the B-frame reordering.
            stamp, slack = (packet.dts, 0.0) if packet.dts is not None else (packet.pts, None)
            if stamp is None:
                continue
            t = float(stamp * stream.time_base)
            if latest is not None:
                reorder = _PTS_REORDER_FRAMES * interval.typical_s if slack is None else 0.0
                if interval.breaks(t - latest, reorder):
                    return True
                interval.add(t - latest)
            latest = t if latest is None else max(latest, t)
    return False


def _stream_duration(stream: av.video.stream.VideoStream) -> float | None:
    """The video stream's own duration; unlike the container's it excludes a longer audio track."""
    if stream.duration is None or stream.time_base is None:
        return None
    return float(stream.duration * stream.time_base)


def _display_rotation(frame: av.VideoFrame) -> int:
    """Clockwise display rotation, snapped to a quarter turn.

    PyAV reports the display matrix's counter-clockwise angle; phones only ever write quarter
    turns, and flips in the matrix are ignored (no phone writes them).
    """
    return round(-frame.rotation / 90.0) % 4 * 90


def _to_frames(
    first: av.VideoFrame | None,
    rest: Iterator[av.VideoFrame],
    info: VideoInfo,
    declared_s: float | None,
    outcome: _Outcome,
    skip_before_s: float = 0.0,
    max_fps: float | None = None,
) -> Generator[Frame, None, None]:
    """Convert decoded frames to upright RGB :class:`Frame` values on ``outcome``'s time line,
    leaving out (unconverted) those before ``skip_before_s`` and those :func:`kept_at_rate`
    drops to keep to ``max_fps``.

    Once the frames run out, compare where they ended with the stream's declared duration:
    FFmpeg's threaded decoder can reach the end of a cut-off file without raising anything.
    The container's own clock is what the declared duration was measured by, so a cut in the
    time line does not make a complete video look short.
    """
    times = outcome.timeline
    assert times is not None
    step = _nominal_step(info)
    skip = skip_before_s - _SEEK_SLACK_S if skip_before_s > 0 else -math.inf
    frame: av.VideoFrame | None = first
    index = 0
    previous_s = -math.inf
    while frame is not None:
        time_s = times(frame.time)
        if time_s >= skip and kept_at_rate(time_s, previous_s, max_fps):
            yield Frame(index=index, time_s=time_s, image=_rgb(frame, info.rotation))
            index += 1
        previous_s = time_s
        frame = next(rest, None)
    end = (times.last_s if times.raw_end_s is None else times.raw_end_s) + step
    if (
        outcome.truncated is None
        and declared_s is not None
        and declared_s - end > _TRUNCATION_SLACK_FRAMES * step
    ):
        outcome.truncated = (
            f"frames end at {end:.2f} s but the video stream declares {declared_s:.2f} s "
            "(cut-off or damaged file)"
        )


def kept_at_rate(time_s: float, previous_s: float, max_fps: float | None) -> bool:
    """Whether a frame at ``time_s``, decoded right after one at ``previous_s`` (``-inf``: it
    is the first), is read when reading at most ``max_fps`` frames a second (None: every
    frame).

    Time is cut into slots of ``1 / max_fps`` s and the first frame decoded in each slot is
    kept. It depends only on the frame before, so a reader that starts part-way through a
    video (a helper process reading a later part) keeps exactly the frames a reader from the
    start keeps; a video at or below the rate keeps every frame, and a 60 fps one every other.
    The slots start a quarter of one early (:data:`_SLOT_PHASE`), so neither the frames of a
    60 fps video nor those of a 30 fps one whose timestamps jitter by a millisecond fall on a
    slot's edge, where rounding would decide.
    """
    if max_fps is None or previous_s == -math.inf:
        return True
    return (math.floor(time_s * max_fps + _SLOT_PHASE)
            != math.floor(previous_s * max_fps + _SLOT_PHASE))


_SLOT_PHASE = 0.25


def _rgb(frame: av.VideoFrame, rotation: int) -> np.ndarray:
    # One swscale thread: its slice threading costs more than it saves at these sizes
    # (measured 0.4 vs 1.2 ms at 360x640, 0.9 vs 2.8 ms at 1080p).
    width, height = _capped(frame.width, frame.height)
    if (width, height) == (frame.width, frame.height):
        image = frame.to_ndarray(format="rgb24", threads=1)
    else:
        # Scaled in the same swscale pass as the colour conversion, so the full-size RGB
        # picture never exists; area averaging (measured 44 ms from 8192x8192, 9 ms from 4K to
        # 1080p) does not alias the way bilinear does at these ratios, and is faster.
        image = frame.to_ndarray(
            format="rgb24", width=width, height=height, interpolation="AREA", threads=1
        )
    if rotation:
        # cv2.rotate writes a fresh contiguous array ~10x faster than np.rot90 + copy.
        image = cv2.rotate(image, _CV2_ROTATIONS[rotation])
    return np.ascontiguousarray(image)


def _produce(
    frames: Generator[Frame, None, None],
    container: av.container.InputContainer,
    out: queue.Queue[object],
    stop: threading.Event,
) -> None:
    """Body of the decoding thread: fill ``out`` until the video ends or ``stop`` is set."""
    try:
        for frame in frames:
            if not _put(out, frame, stop):
                return
        _put(out, _END, stop)
    except Exception as exc:  # raised again in the consumer, where it can be handled
        _put(out, exc, stop)
    finally:
        frames.close()
        container.close()


def _put(out: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    """Block until ``item`` is queued; give up (False) once the consumer has closed."""
    while not stop.is_set():
        try:
            out.put(item, timeout=0.05)
        except queue.Full:
            continue
        return True
    return False


def camera_frames(
    index: int, *, width: int | None = None, height: int | None = None
) -> CameraFrames:
    """Frames from a live camera, RGB, timed by a monotonic clock from the first frame.

    ``width`` and ``height`` are requests: the camera may pick the nearest size it supports.
    The camera is opened before this returns, so a missing or busy camera raises
    :class:`FormcheckError` immediately rather than on the first ``next()``.
    """
    if index < 0:  # OpenCV crashes the process on some negative indices
        raise FormcheckError(f"camera index must be 0 or more, not {index}")
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:  # a camera that is not there is said below in one line, not in OpenCV's C++ trace
        capture = cv2.VideoCapture(index)
    finally:
        cv2.utils.logging.setLogLevel(level)
    if not capture.isOpened():
        capture.release()
        raise FormcheckError(f"cannot open camera {index}: no such camera, or it is in use")
    if width is not None:
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
    if height is not None:
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
    return CameraFrames(capture, index)


class CameraFrames(Iterator[Frame]):
    """The frames of an open camera; :meth:`close` lets the camera go whether or not a frame
    was read (a generator never started skips its ``finally``, and would hold the camera)."""

    def __init__(self, capture: cv2.VideoCapture, index: int) -> None:
        self._capture: cv2.VideoCapture | None = capture
        self._index = index
        self._times = Timeline(1.0 / 30.0, cuts=False)
        self._count = 0

    def __next__(self) -> Frame:
        ok, bgr = self._capture.read() if self._capture is not None else (False, None)
        if not ok:
            silent = self._capture is not None and self._count == 0
            self.close()
            if silent:
                raise FormcheckError(f"camera {self._index} opened but delivered no frames")
            raise StopIteration
        now = self._times(time.monotonic())
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        size = _capped(rgb.shape[1], rgb.shape[0])
        if size != (rgb.shape[1], rgb.shape[0]):
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        frame = Frame(index=self._count, time_s=now, image=rgb)
        self._count += 1
        return frame

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
