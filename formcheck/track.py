"""PoseTrack: the one value the pose stage hands to everything downstream.

A track is a handful of numpy arrays with one row per decoded frame. Frames in which the model
found nobody stay in the track with ``present == False`` and NaN coordinates, so that time stays
honest (a gap is a gap, never an invented pose) and frame indices match the source video.

Example:
    >>> track = PoseTrack.load("samples/deadlift_side.track.npz")
    >>> track.landmarks.shape            # (frames, 33, 3): x, y normalised; z relative
    >>> track.pixels[..., 0].max() <= track.width
"""

from __future__ import annotations

import json
import mmap
import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any, ClassVar

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.landmarks import NUM_LANDMARKS

FORMAT_VERSION = 1
CONTOUR_POINTS = 9
"""Points in each frame's back contour, evenly spaced from shoulder level to hip level."""

_ROW_SHAPES: dict[str, tuple[int, ...]] = {
    "times": (),
    "present": (),
    "landmarks": (NUM_LANDMARKS, 3),
    "visibility": (NUM_LANDMARKS,),
    "presence": (NUM_LANDMARKS,),
    "world": (NUM_LANDMARKS, 3),
    "back_contour": (CONTOUR_POINTS, 2),
}
"""Shape of one frame's row of each array field."""
_ARRAY_FIELDS = tuple(_ROW_SHAPES)

TRACK_BLOCK = 4096
"""Frames a :class:`TrackBuilder` holds in memory before it moves them to a temporary file, and
the unit in which long tracks are read back (about 4.7 MB; two minutes of 30 fps video)."""


@dataclass(eq=False)
class PoseTrack:
    """Per-frame pose of one lifter in one video.

    Attributes:
        times: (T,) seconds from the container's own timestamps (variable frame rate safe).
        present: (T,) whether the model found the lifter in that frame.
        landmarks: (T, 33, 3) image landmarks: x and y normalised to [0, 1] by the frame's width
            and height (after rotation), z BlazePose's relative depth; NaN where absent.
        visibility: (T, 33) model's visibility score in [0, 1]; NaN where absent.
        presence: (T, 33) model's presence score in [0, 1]; NaN where absent.
        world: (T, 33, 3) world landmarks in metres, hip-centred; NaN where absent.
        back_contour: (T, 9, 2) dorsal outline from shoulder to hip level, normalised image
            coordinates, from the segmentation mask; NaN where it could not be traced.
        width, height: frame size in pixels after applying rotation metadata.
        fps: the container's nominal frame rate (informational; use ``times``).
        source: where the frames came from (a path, or ``camera:N``).
        model: pose model variant that produced the track (lite, full or heavy).
        meta: free-form provenance (rotation, codec, formcheck version).
    """

    times: np.ndarray
    present: np.ndarray
    landmarks: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray
    back_contour: np.ndarray
    width: int
    height: int
    fps: float
    source: str = ""
    model: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    version: ClassVar[int] = FORMAT_VERSION

    def __post_init__(self) -> None:
        self.times = np.asarray(self.times, dtype=np.float64)
        self.present = np.asarray(self.present, dtype=bool)
        for name in ("landmarks", "visibility", "presence", "world", "back_contour"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.float32))
        n = len(self.times)
        for name, row in _ROW_SHAPES.items():
            shape = (n, *row)
            if getattr(self, name).shape != shape:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected {shape}")
        self.width, self.height, self.fps = int(self.width), int(self.height), float(self.fps)

    def __len__(self) -> int:
        return len(self.times)

    def __getitem__(self, frames: slice) -> PoseTrack:
        """Frames ``frames`` (a slice with step 1) as a track of their own, held in memory.

        Why a copy: a long track built by :class:`TrackBuilder` lives in a temporary file, and
        the pages read to make the copy are handed back at once, so walking an hour of video
        block by block costs the memory of one block, not of the hour.
        """
        start, stop, step = frames.indices(len(self))
        if step != 1:
            raise ValueError("a track is sliced into contiguous frames only")
        window = {name: np.array(getattr(self, name)[start:stop]) for name in _ARRAY_FIELDS}
        for name in _ARRAY_FIELDS:
            _release(getattr(self, name))
        return PoseTrack(
            **window, width=self.width, height=self.height, fps=self.fps, source=self.source,
            model=self.model, meta=dict(self.meta),
        )

    def blocks(self, context: int = 0) -> Iterator[tuple[int, int, PoseTrack]]:
        """``(start, stop, window)`` for consecutive blocks of :data:`TRACK_BLOCK` frames; each
        window holds frames ``start - context`` to ``stop + context`` (clipped to the track), so
        a filter that looks ``context`` frames away gives block ``start:stop`` exactly as it
        would in one piece."""
        n = len(self)
        for start in range(0, max(n, 1), TRACK_BLOCK):
            stop = min(start + TRACK_BLOCK, n)
            lo, hi = max(start - context, 0), min(stop + context, n)
            yield start - lo, stop - lo, self[lo:hi]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PoseTrack):
            return NotImplemented
        return all(
            np.array_equal(getattr(self, f.name), getattr(other, f.name), equal_nan=True)
            if f.name in _ARRAY_FIELDS
            else getattr(self, f.name) == getattr(other, f.name)
            for f in fields(self)
        )

    @property
    def pixels(self) -> np.ndarray:
        """(T, 33, 2) image landmarks in pixels of the (rotated) frame."""
        return self.landmarks[..., :2] * np.array([self.width, self.height], dtype=np.float32)

    def frame(self, i: int) -> FramePose:
        """Row ``i`` of the track as one frame's pose."""
        return FramePose(
            time_s=float(self.times[i]),
            landmarks=self.landmarks[i],
            visibility=self.visibility[i],
            presence=self.presence[i],
            world=self.world[i],
            back_contour=self.back_contour[i],
        )

    @property
    def detection_rate(self) -> float:
        """Share of frames in which the lifter was found."""
        return float(self.present.mean()) if len(self) else 0.0

    @classmethod
    def empty(
        cls, n: int, *, width: int, height: int, fps: float, **kwargs: Any
    ) -> PoseTrack:
        """A track of ``n`` frames with nobody found yet; the extractor fills rows in place."""
        nan = np.float32(np.nan)
        return cls(
            times=np.zeros(n),
            present=np.zeros(n, dtype=bool),
            landmarks=np.full((n, NUM_LANDMARKS, 3), nan),
            visibility=np.full((n, NUM_LANDMARKS), nan),
            presence=np.full((n, NUM_LANDMARKS), nan),
            world=np.full((n, NUM_LANDMARKS, 3), nan),
            back_contour=np.full((n, CONTOUR_POINTS, 2), nan),
            width=width,
            height=height,
            fps=fps,
            **kwargs,
        )

    def _header(self) -> dict[str, Any]:
        return {
            "format": "formcheck.PoseTrack",
            "version": self.version,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "source": self.source,
            "model": self.model,
            "meta": self.meta,
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the track as ``.npz`` (exact) or ``.json`` (interop, NaN as null), atomically."""
        path = Path(path)
        if path.suffix.lower() == ".json":
            doc = self._header() | {
                name: _nan_to_none(getattr(self, name)) for name in _ARRAY_FIELDS
            }
            with atomic_write(path) as tmp:
                tmp.write_text(json.dumps(doc, separators=(",", ":")))
        else:
            arrays = {name: getattr(self, name) for name in _ARRAY_FIELDS}
            with atomic_write(path) as tmp, tmp.open("wb") as fh:
                np.savez_compressed(fh, header=np.array(json.dumps(self._header())), **arrays)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PoseTrack:
        """Read a track written by :meth:`save`; refuse other files and newer versions."""
        path = Path(path)
        try:
            if path.suffix.lower() == ".json":
                doc = json.loads(path.read_text())
                header = doc
                n = len(doc["times"])
                arrays = {
                    name: np.array(doc[name], dtype=object).astype(np.float64).reshape(n, *row)
                    for name, row in _ROW_SHAPES.items()
                }
            else:
                with np.load(path, allow_pickle=False) as data:
                    header = json.loads(str(data["header"]))
                    arrays = {name: data[name] for name in _ARRAY_FIELDS}
        except FileNotFoundError:
            raise FormcheckError(f"{path}: no such file") from None
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise FormcheckError(f"{path}: not a formcheck pose track ({exc})") from None
        if header.get("format") != "formcheck.PoseTrack":
            raise FormcheckError(f"{path}: not a formcheck pose track")
        if header["version"] > FORMAT_VERSION:
            raise FormcheckError(
                f"{path}: pose track format v{header['version']} is newer than this formcheck "
                f"reads (v{FORMAT_VERSION}); upgrade formcheck"
            )
        if arrays["present"].dtype != bool:
            arrays["present"] = np.asarray(arrays["present"], dtype=bool)
        return cls(
            **arrays,
            width=header["width"],
            height=header["height"],
            fps=header["fps"],
            source=header["source"],
            model=header["model"],
            meta=header["meta"],
        )


def _release(array: np.ndarray) -> None:
    """Drop the pages of a file-backed array from this process (the file keeps the data).

    A read-only shared mapping reloads dropped pages from the file when they are touched again,
    so this changes memory use, never values. Arrays held in memory are left alone.
    """
    base = array
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        base.madvise(mmap.MADV_DONTNEED)


def _nan_to_none(array: np.ndarray) -> Any:
    if array.dtype == bool:
        return array.tolist()
    return np.where(np.isnan(array), None, array.astype(object)).tolist()


@contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success.

    Why: an interrupted run must never leave a half-written report, track or video where a
    finished one is expected (batch resumption trusts whatever file it finds).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise FormcheckError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(name)
    tmp.chmod(0o666 & ~_umask())
    try:
        yield tmp
        tmp.replace(path)
    except OSError as exc:
        raise FormcheckError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class FramePose:
    """One frame's pose of the lifter: one row of a :class:`PoseTrack`, with the same meanings.

    A frame in which nobody was found has ``found == False`` and NaN arrays; it is still a frame.
    """

    time_s: float
    landmarks: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray
    back_contour: np.ndarray

    @property
    def found(self) -> bool:
        return bool(np.isfinite(self.landmarks).any())

    @classmethod
    def missing(cls, time_s: float) -> FramePose:
        """The row for a frame in which the lifter was not found."""
        nan = np.float32(np.nan)
        return cls(
            time_s,
            landmarks=np.full((NUM_LANDMARKS, 3), nan),
            visibility=np.full(NUM_LANDMARKS, nan),
            presence=np.full(NUM_LANDMARKS, nan),
            world=np.full((NUM_LANDMARKS, 3), nan),
            back_contour=np.full((CONTOUR_POINTS, 2), nan),
        )


class TrackBuilder:
    """Grows a :class:`PoseTrack` one frame at a time without knowing its length in advance.

    Why not a list of per-frame objects: a one-hour video has ~10^5 frames, and a Python object
    per frame costs more than the numbers it holds. Why a temporary file: even as arrays an hour
    is ~120 MB, more than the rest of an analysis needs. Frames are gathered in a block of
    :data:`TRACK_BLOCK` rows; a full block is appended to one unnamed temporary file per array
    (gone with the process, whatever way it ends), and a long track is built as read-only
    arrays mapped from those files, which :meth:`PoseTrack.blocks` reads back a block at a time.
    """

    def __init__(self, *, width: int, height: int, fps: float, **kwargs: Any) -> None:
        self._block = PoseTrack.empty(TRACK_BLOCK, width=width, height=height, fps=fps, **kwargs)
        self._pending = 0
        self._stored = 0
        self._files: dict[str, IO[bytes]] = {}

    def __len__(self) -> int:
        return self._stored + self._pending

    def append(self, pose: FramePose) -> None:
        """Add one frame's pose (or its absence)."""
        if self._pending == TRACK_BLOCK:
            self._store(advance=True)
        i, t = self._pending, self._block
        t.times[i] = pose.time_s
        t.present[i] = pose.found
        for name in ("landmarks", "visibility", "presence", "world", "back_contour"):
            getattr(t, name)[i] = getattr(pose, name) if pose.found else np.nan
        self._pending += 1

    def extend(self, track: PoseTrack) -> None:
        """Add every frame of ``track`` after those appended so far, a block at a time."""
        for _, _, window in track.blocks():
            at = 0
            while at < len(window):
                if self._pending == TRACK_BLOCK:
                    self._store(advance=True)
                take = min(TRACK_BLOCK - self._pending, len(window) - at)
                for name in _ARRAY_FIELDS:
                    rows = getattr(window, name)[at : at + take]
                    getattr(self._block, name)[self._pending : self._pending + take] = rows
                self._pending += take
                at += take

    def _store(self, *, advance: bool) -> None:
        """Write the pending rows after the stored ones; keep them pending unless ``advance``."""
        if not self._files:
            # Open for the builder's life; tracks mapped from them keep their own descriptors.
            self._files = {name: tempfile.TemporaryFile() for name in _ARRAY_FIELDS}  # noqa: SIM115
        for name, fh in self._files.items():
            block = getattr(self._block, name)
            fh.seek(self._stored * block[0].nbytes)
            fh.write(block[: self._pending].tobytes())
            fh.flush()
        if advance:
            self._stored += self._pending
            self._pending = 0

    def build(self, start: int = 0) -> PoseTrack:
        """The frames appended so far, from frame ``start`` on, as a track the builder does not
        change as it goes on; a live view measures a recent window of a long session."""
        t = self._block
        header = {"width": t.width, "height": t.height, "fps": t.fps, "source": t.source,
                  "model": t.model, "meta": dict(t.meta)}
        if start >= self._stored:
            rows = slice(start - self._stored, self._pending)
            return PoseTrack(
                **{name: getattr(t, name)[rows].copy() for name in _ARRAY_FIELDS}, **header
            )
        self._store(advance=False)
        n = len(self)
        mapped = PoseTrack(
            **{
                name: np.memmap(fh, dtype=getattr(t, name).dtype, mode="r",
                                shape=(n, *_ROW_SHAPES[name]))
                for name, fh in self._files.items()
            },
            **header,
        )
        return mapped[start:] if start else mapped

def _umask() -> int:
    """The process umask, so atomically written files get the permissions a plain open gives."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_writable(path: str | os.PathLike[str]) -> Path:
    """Fail now, with a clear message, if ``path`` could not be written later.

    Why: finding out that the report folder is read-only after ten minutes of pose inference
    wastes the user's time; an output path is tried before any work starts.
    """
    path = Path(path)
    if path.is_dir():
        raise FormcheckError(f"cannot write {path}: it is a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix=f".{path.name}.", dir=path.parent):
            pass
    except OSError as exc:
        raise FormcheckError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
