"""The H.264 writer for annotated videos, apart from the frame sources (:mod:`formcheck.video`)
as supervision keeps its ``VideoSink``: drawing code needs it without the decoding machinery.

Example:
    >>> from formcheck.video import VideoInfo, read_frames
    >>> info = VideoInfo.from_path("lift.mp4")
    >>> with read_frames("lift.mp4") as frames, VideoSink("out.mp4", width=info.width,
    ...         height=info.height, fps=info.fps) as sink:
    ...     for frame in frames:
    ...         sink.write(frame.image)
    >>> frames.truncated is None  # else why decoding stopped before the end
    True
"""

from __future__ import annotations

import math
import os
from contextlib import ExitStack, suppress
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import av.container
import av.error
import av.video.stream
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorRange, ColorTrc

from formcheck.errors import FormcheckError
from formcheck.files import atomic_write, check_writable
from formcheck.soundtrack import Soundtrack
from formcheck.video import ffmpeg_reason

_AVCOL_SPC_SMPTE170M = 6
"""FFmpeg's AVColorSpace for BT.601 (PyAV's Colorspace enum holds swscale's numbering)."""


class VideoSink:
    """Writes RGB frames to an H.264 mp4 that browsers play, atomically.

    The file is yuv420p (the only H.264 chroma format browsers decode) with its index at the
    front (``+faststart``) so playback starts before the download ends. Odd sizes are padded
    by one edge-replicated pixel, since 4:2:0 needs even dimensions. Frames go to a temporary
    file beside ``path`` that replaces ``path`` only when the ``with`` block finishes
    normally; an exception inside the block removes it.

    The destination is checked (and its directory created) on entering the block, so an
    unwritable path fails before any decoding or model time is spent.

    Args:
        path: the mp4 to write.
        width, height: size of every frame passed to :meth:`write`.
        fps: constant frame rate of the output.
        crf: x264 quality (lower is better and bigger); 23 is x264's default.
        preset: x264 speed/size trade-off.
        audio_from: a video whose sound goes with the frames (the one they were drawn on),
            from its first frame on; :attr:`has_audio` says, once the block is entered,
            whether it had any. Without it (or sound in it) the mp4 is silent.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        width: int,
        height: int,
        fps: float,
        crf: int = 23,
        preset: str = "veryfast",
        audio_from: str | os.PathLike[str] | None = None,
    ) -> None:
        if width <= 0 or height <= 0:
            raise ValueError(f"frame size must be positive, got {width}x{height}")
        if not math.isfinite(fps) or fps <= 0:
            raise ValueError(f"fps must be a positive number, got {fps}")
        self.path = Path(path)
        self.width = width
        self.height = height
        self.fps = fps
        self.frames_written = 0
        self._crf = crf
        self._preset = preset
        self._stack: ExitStack | None = None
        self._container: av.container.OutputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None
        self._audio_from = audio_from
        self._sound: Soundtrack | None = None

    @property
    def has_audio(self) -> bool:
        """Whether the video written carries sound (from ``audio_from``)."""
        return self._sound is not None and self._sound.present

    def __enter__(self) -> VideoSink:
        check_writable(self.path)
        stack = ExitStack()
        tmp = stack.enter_context(atomic_write(self.path))
        try:
            container = av.open(
                os.fspath(tmp), mode="w", format="mp4", options={"movflags": "+faststart"}
            )
        except (av.error.FFmpegError, OSError) as exc:
            stack.close()
            raise FormcheckError(f"cannot write {self.path}: {exc}") from None
        stream = container.add_stream(
            "libx264",
            rate=Fraction(self.fps).limit_denominator(1001),
            options={"crf": str(self._crf), "preset": self._preset},
        )
        stream.width = self.width + self.width % 2
        stream.height = self.height + self.height % 2
        stream.pix_fmt = "yuv420p"
        # Tag what write() converts to; untagged H.264 leaves players guessing (often BT.709).
        stream.codec_context.colorspace = _AVCOL_SPC_SMPTE170M
        stream.codec_context.color_primaries = ColorPrimaries.SMPTE170M
        stream.codec_context.color_trc = ColorTrc.SMPTE170M
        stream.codec_context.color_range = ColorRange.MPEG
        if self._audio_from is not None:
            try:
                self._sound = Soundtrack(self._audio_from, container)
            except FormcheckError:
                container.close()
                stack.close()
                raise
            stack.callback(self._sound.close)
        self._stack, self._container, self._stream = stack, container, stream
        return self

    def write(self, image: np.ndarray) -> None:
        """Append one (height, width, 3) ``uint8`` RGB frame."""
        if self._stream is None or self._container is None:
            raise RuntimeError("VideoSink.write() called outside its with block")
        if image.shape != (self.height, self.width, 3) or image.dtype != np.uint8:
            raise ValueError(
                f"expected a ({self.height}, {self.width}, 3) uint8 RGB image, "
                f"got {image.shape} {image.dtype}"
            )
        pad = ((0, self.height % 2), (0, self.width % 2), (0, 0))
        if any(after for _, after in pad):
            image = np.pad(image, pad, mode="edge")
        rgb = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        frame = rgb.reformat(
            format="yuv420p", dst_colorspace="itu601", dst_color_range="MPEG", threads=1
        )
        frame.pts = self.frames_written
        self._container.mux(self._stream.encode(frame))
        self.frames_written += 1
        if self._sound is not None:
            self._sound.mux_until(self.frames_written / self.fps)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._stack is not None and self._container is not None
        assert self._stream is not None
        stack, container, stream = self._stack, self._container, self._stream
        self._stack = self._container = self._stream = None
        if exc_type is not None:
            try:
                # Only to release the file; the original exception is the one worth seeing.
                with suppress(av.error.FFmpegError):
                    container.close()
            finally:
                stack.__exit__(exc_type, exc, tb)
            return
        with stack:
            if self.frames_written == 0:
                container.close()
                raise FormcheckError(f"nothing written to {self.path}: no frames were given")
            try:
                container.mux(stream.encode(None))
                if self._sound is not None:
                    self._sound.finish()
                container.close()
            except av.error.FFmpegError as exc:
                raise FormcheckError(f"cannot write {self.path}: {ffmpeg_reason(exc)}") from None
