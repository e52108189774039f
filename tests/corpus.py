"""Bad and awkward inputs, generated on demand: nothing large is committed.

Every generator writes one input into ``folder`` (a ``tmp_path``) and returns its path. The
ones that need a lifter build on frames of a real shared clip (:class:`Lifter`, made by the
``lifter`` fixture in conftest.py), so the pose model meets a real person, not a drawing.
The hour-long input is :func:`looped` from benchmarks/common.py; benchmarks/memory.py measures it.
docs/robustness.md lists what formcheck does with each input and which test checks it; tests
for other commands (``live --source``, ``batch``, the HTML report) can take the same inputs.

Example:
    >>> path = person_leaves(lifter, tmp_path, gap_s=(3.0, 5.0))
    >>> formcheck.analyze(path, "deadlift", variant="kettlebell")
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from benchmarks.common import looped
from formcheck.video import read_frames
from formcheck.video_sink import VideoSink

__all__ = [
    "AWKWARD_NAME",
    "Lifter",
    "audio_only",
    "awkward_name",
    "black_video",
    "cut_mid_stream",
    "looped",
    "make_lifter",
    "one_frame",
    "panned",
    "person_leaves",
    "read_only_folder",
    "rotation_metadata",
    "swung_away",
    "text_as_video",
    "two_people",
    "upscaled_4k",
    "upside_down",
    "variable_frame_rate",
    "write_video",
    "zero_bytes",
]

AWKWARD_NAME = '<b>lift</b> & "ü" 1.mp4'
"""Spaces, non-ASCII, quotes and HTML in one path, to be carried through command lines, JSON,
CSV cells and HTML unchanged (and harmless). A file name cannot hold the ``/`` of ``</b>``, so
this is a file ``b> & "ü" 1.mp4`` in a folder ``<b>lift<``."""


@dataclass(frozen=True)
class Lifter:
    """A stretch of a real clip: its frames (RGB, upright), their rate, and an mp4 of them.

    ``start_s`` is where the stretch begins in ``source``, so rep times found in ``video`` are
    rep times in the source minus ``start_s``.
    """

    images: list[np.ndarray]
    fps: float
    video: Path
    source: Path
    start_s: float

    @property
    def duration_s(self) -> float:
        return len(self.images) / self.fps

    def at(self, start_s: float, end_s: float) -> slice:
        """Frame indices of ``start_s`` to ``end_s`` (seconds into the stretch)."""
        return slice(round(start_s * self.fps), round(end_s * self.fps))


def make_lifter(
    source: Path, folder: Path, start_s: float, end_s: float, *, every: int = 2
) -> Lifter:
    """Every ``every``-th frame of ``source`` from ``start_s`` to ``end_s`` as a :class:`Lifter`
    written to ``folder/lifter.mp4``; ``every=2`` halves a 60 fps clip to save model time."""
    images = []
    with read_frames(source) as frames:
        fps = frames.info.fps / every
        for frame in itertools.islice(frames, 0, None, every):
            if frame.time_s >= end_s:
                break
            if frame.time_s >= start_s:
                images.append(frame.image)
    return Lifter(images, fps, _sink(folder / "lifter.mp4", images, fps), source, start_s)


def _sink(path: Path, images: Iterable[np.ndarray], fps: float) -> Path:
    """Constant-rate H.264, as phones and editors write it."""
    images = iter(images)
    first = next(images)
    height, width = first.shape[:2]
    with VideoSink(path, width=width, height=height, fps=fps) as sink:
        for image in itertools.chain([first], images):
            sink.write(image)
    return path


def write_video(
    path: Path,
    images: Iterable[np.ndarray],
    *,
    fps: float = 30.0,
    pts_ms: Sequence[int] | None = None,
    display_rotation: float | None = None,
    faststart: bool = False,
    container_format: str = "mp4",
    codec: str = "libx264",
) -> Path:
    """Encode RGB ``images``; what :class:`VideoSink` cannot: per-frame timestamps (``pts_ms``)
    and a display matrix (``display_rotation``, FFmpeg's counter-clockwise degrees)."""
    options = {"movflags": "+faststart"} if faststart else {}
    images = iter(images)
    first = next(images)
    with av.open(str(path), "w", format=container_format, options=options) as container:
        stream = container.add_stream(
            codec, rate=Fraction(fps).limit_denominator(1001), options={"preset": "ultrafast"}
        )
        stream.height, stream.width = first.shape[:2]
        stream.pix_fmt = "yuv420p"
        if pts_ms is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        if display_rotation is not None:
            stream.set_display_rotation(display_rotation)
        for i, image in enumerate(itertools.chain([first], images)):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            if pts_ms is not None:
                frame.pts, frame.time_base = pts_ms[i], Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


# Not a video at all.


def zero_bytes(folder: Path) -> Path:
    path = folder / "empty.mp4"
    path.touch()
    return path


def text_as_video(folder: Path) -> Path:
    path = folder / "notes.mp4"
    path.write_text("this is a shopping list, not a video\n" * 20)
    return path


def audio_only(folder: Path) -> Path:
    """An mp4 with one AAC track and no picture (a voice memo)."""
    path = folder / "voice.mp4"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=8000, layout="mono")
        for i in range(8):
            samples = np.zeros((1, 1024), np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 8000, i * 1024
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def cut_mid_stream(video: Path, folder: Path, keep: float = 0.5) -> Path:
    """The first ``keep`` of ``video``'s bytes: a download that stopped half-way. With the index
    at the front (+faststart) the header still promises the whole duration."""
    path = folder / f"cut-{video.name}"
    data = video.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


# A video, but of nobody or of too little.


def black_video(folder: Path, frames: int = 5, size: tuple[int, int] = (64, 64)) -> Path:
    """A lens cap on: ``frames`` black frames of ``size`` (width, height)."""
    width, height = size
    return _sink(folder / "black.mp4", (np.zeros((height, width, 3), np.uint8)
                                        for _ in range(frames)), 10.0)


def one_frame(lifter: Lifter, folder: Path) -> Path:
    """A single frame of the lifter standing: a photo saved as a video."""
    return _sink(folder / "one-frame.mp4", lifter.images[:1], lifter.fps)


# The lifter, filmed awkwardly.


def rotation_metadata(lifter: Lifter, folder: Path) -> Path:
    """What a phone held upright writes: the picture stored sideways (landscape) plus a display
    matrix saying to turn it a quarter clockwise on playback."""
    stored = (cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE) for image in lifter.images)
    return write_video(folder / "phone-portrait.mp4", stored, fps=lifter.fps,
                       display_rotation=-90)


def variable_frame_rate(lifter: Lifter, folder: Path, seed: int = 0) -> Path:
    """A phone's variable frame rate: about a third of the frames dropped at random (gaps of one
    to three frame intervals) and the rest shown at their true times, jittered by a few ms."""
    rng = np.random.default_rng(seed)
    keep = rng.random(len(lifter.images)) > 1 / 3
    keep[0] = True
    kept = np.flatnonzero(keep)
    jitter = rng.integers(-3, 4, kept.size)
    jitter[0] = 0
    pts = np.round(kept * 1000 / lifter.fps).astype(int) + jitter
    return write_video(folder / "vfr.mp4", (lifter.images[i] for i in kept), fps=lifter.fps,
                       pts_ms=[int(p) for p in pts])


def upscaled_4k(lifter: Lifter, folder: Path, seconds: float = 2.0) -> Path:
    """The first ``seconds`` scaled up to fill the height of a 3840x2160 frame, centred on
    black, as a 4K phone in landscape would see a person standing at the same place."""
    width, height = 3840, 2160
    images = lifter.images[: round(seconds * lifter.fps)]
    h, w = images[0].shape[:2]
    scaled_w = round(w * height / h) // 2 * 2
    left = (width - scaled_w) // 2

    def frame(image: np.ndarray) -> np.ndarray:
        canvas = np.zeros((height, width, 3), np.uint8)
        canvas[:, left:left + scaled_w] = cv2.resize(image, (scaled_w, height),
                                                     interpolation=cv2.INTER_LINEAR)
        return canvas

    return _sink(folder / "4k.mp4", map(frame, images), lifter.fps)


def person_leaves(lifter: Lifter, folder: Path, gap_s: tuple[float, float]) -> Path:
    """The lifter vanishes from ``gap_s[0]`` to ``gap_s[1]`` (seconds into the clip): those frames
    are black, as when someone walks in front of the camera or it is knocked away."""
    gap = lifter.at(*gap_s)
    images = [np.zeros_like(image) if gap.start <= i < gap.stop else image
              for i, image in enumerate(lifter.images)]
    return _sink(folder / "person-leaves.mp4", images, lifter.fps)


def panned(lifter: Lifter, folder: Path, pan_s: tuple[float, float], share: float = 0.2
           ) -> Path:
    """A camera that pans across the room from ``pan_s[0]`` to ``pan_s[1]`` (seconds into the
    clip), the lifter in the picture throughout: each frame is a window ``1 - share`` of the
    frame wide (its full height), sliding smoothly from the frame's left edge to its right."""
    width = lifter.images[0].shape[1]
    size = round(width * (1 - share)) // 2 * 2
    offsets = _pan(lifter, pan_s, width - size)
    return _sink(folder / "panned.mp4",
                 (image[:, x:x + size] for image, x in zip(lifter.images, offsets, strict=True)),
                 lifter.fps)


def swung_away(lifter: Lifter, folder: Path, away_s: tuple[float, float],
               swing_s: float = 0.5) -> Path:
    """A hand-held camera that turns away from the lifter to the room beside them and back:
    it pans right over ``swing_s`` before ``away_s[0]`` and back over ``swing_s`` after
    ``away_s[1]``, and between the two the lifter is out of the picture. The room beside the
    frame is its own right-hand quarter mirrored (the wall and the door, no lifter)."""
    width = lifter.images[0].shape[1]
    side = width // 4
    out = _pan(lifter, (away_s[0] - swing_s, away_s[0]), 4 * side)
    back = _pan(lifter, (away_s[1], away_s[1] + swing_s), 4 * side)
    offsets = out - back
    room = (np.hstack([image, *[np.flip(image[:, -side:], axis=1)] * 4])
            for image in lifter.images)
    return _sink(folder / "swung-away.mp4",
                 (image[:, x:x + width] for image, x in zip(room, offsets, strict=True)),
                 lifter.fps)


def _pan(lifter: Lifter, span_s: tuple[float, float], pixels: int) -> np.ndarray:
    """Per frame, how far a camera panning ``pixels`` over ``span_s`` has gone (eased in and
    out, as a hand turns a phone)."""
    times = np.arange(len(lifter.images)) / lifter.fps
    done = np.clip((times - span_s[0]) / (span_s[1] - span_s[0]), 0.0, 1.0)
    return np.round(pixels * (1 - np.cos(np.pi * done)) / 2).astype(int)


def two_people(left: Lifter, right: Lifter, folder: Path) -> Path:
    """Two lifters side by side, each in their own half of the frame (padded to one height)."""
    height = max(left.images[0].shape[0], right.images[0].shape[0])

    def pad(image: np.ndarray) -> np.ndarray:
        return np.pad(image, ((height - image.shape[0], 0), (0, 0), (0, 0)))

    frames = (np.hstack([pad(a), pad(b)])
              for a, b in zip(left.images, right.images, strict=False))
    return _sink(folder / "two-people.mp4", frames, left.fps)


def upside_down(lifter: Lifter, folder: Path) -> Path:
    """The picture turned half a turn with no rotation metadata to undo it (a phone held upside
    down by an app that does not write the display matrix)."""
    return _sink(folder / "upside-down.mp4",
                 (cv2.rotate(image, cv2.ROTATE_180) for image in lifter.images), lifter.fps)


def awkward_name(video: Path, folder: Path) -> Path:
    """``video`` copied to ``folder /`` :data:`AWKWARD_NAME`."""
    path = folder / AWKWARD_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(video, path))


def read_only_folder(folder: Path) -> Path:
    """A folder nobody but root may write into (root ignores the mode bits)."""
    path = folder / "read-only"
    path.mkdir()
    path.chmod(0o555)
    return path


def with_sound(folder: Path, codec: str = "aac", container_format: str = "mp4",
               seconds: float = 1.0) -> Path:
    """A pattern video with a 440 Hz tone: AAC in mp4 (what a phone records), or e.g.
    ``pcm_s16le`` in Matroska (what an mp4 cannot hold as it is)."""
    rate, fps = 48000, 30
    path = folder / f"sound-{codec}.{'mkv' if container_format == 'matroska' else 'mp4'}"
    with av.open(str(path), "w", format=container_format) as container:
        video = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 96, 64, "yuv420p"
        audio = container.add_stream(codec, rate=rate, layout="mono")
        for i in range(round(seconds * fps)):
            image = np.full((64, 96, 3), (i * 8) % 256, np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            container.mux(video.encode(frame))
        tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(round(seconds * rate)) / rate)
        samples = (tone * 32767).astype(np.int16) if codec.startswith("pcm_s16") else \
            tone.astype(np.float32)
        step = audio.codec_context.frame_size or 1024
        for start in range(0, len(samples), step):
            frame = av.AudioFrame.from_ndarray(samples[None, start:start + step],
                                               format=audio.codec_context.format.name,
                                               layout="mono")
            frame.sample_rate, frame.pts = rate, start
            container.mux(audio.encode(frame))
        container.mux(video.encode(None))
        container.mux(audio.encode(None))
    return path
