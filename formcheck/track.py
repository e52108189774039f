"""PoseTrack: the one value the pose stage hands to everything downstream.

A track is a handful of numpy arrays with one row per decoded frame. Frames in which the model
found nobody stay in the track with ``present == False`` and NaN coordinates, so that time stays
honest (a gap is a gap, never an invented pose) and frame indices match the source video.

Example:
    >>> track = PoseTrack.load("set.track.npz")
    >>> track.landmarks.shape            # (frames, 33, 3): x, y normalised; z relative
    (1576, 33, 3)
    >>> bool(track.pixels[..., 0].max() <= track.width)
    True
"""

from __future__ import annotations

import json
import math
import mmap
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any, ClassVar

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.files import atomic_write, display
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
    "picture_change": (),
    "camera_shift": (2,),
}
"""Shape of one frame's row of each array field."""
ARRAY_FIELDS = tuple(_ROW_SHAPES)
"""The per-frame arrays of a track, in the order saved: what slicing, joining or copying a
track's frames must carry, all of them, for the track to stay whole."""
_OPTIONAL_FIELDS = ("picture_change", "camera_shift")
"""Arrays a track file may lack: formcheck wrote none before it measured them, and such a track
reads as not known (NaN) there."""

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
        picture_change: (T,) how much of the picture changed since the frame before, in grey
            levels (:func:`formcheck.shots.picture_change`), whether or not the lifter was
            found; NaN for the first frame, and where it was not measured.
        camera_shift: (T, 2) how far the picture outside the lifter moved since the frame
            before, as shares of the frame's width (:func:`formcheck.camera.camera_shift`);
            NaN for the first frame, where too little of the picture could be followed, and
            where it was not measured.
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
    picture_change: np.ndarray | None = None
    """None: not measured (NaN for every frame)."""
    camera_shift: np.ndarray | None = None
    """None: not measured (NaN for every frame)."""

    version: ClassVar[int] = FORMAT_VERSION

    def __post_init__(self) -> None:
        self.times = np.asarray(self.times, dtype=np.float64)
        self.present = np.asarray(self.present, dtype=bool)
        for name in _OPTIONAL_FIELDS:
            if getattr(self, name) is None:
                setattr(self, name, np.full((len(self.times), *_ROW_SHAPES[name]), np.nan))
        for name in ("landmarks", "visibility", "presence", "world", "back_contour",
                     *_OPTIONAL_FIELDS):
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
        window = {name: np.array(getattr(self, name)[start:stop]) for name in ARRAY_FIELDS}
        for name in ARRAY_FIELDS:
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
            if f.name in ARRAY_FIELDS
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
            picture_change=float(self.picture_change[i]),
            camera_shift=self.camera_shift[i],
        )

    @property
    def max_fps(self) -> float | None:
        """The most frames a second the video was read at (``meta["max_fps"]``), None if every
        frame was: what reading it again, frame for frame with the track, needs."""
        value = self.meta.get("max_fps")
        return float(value) if isinstance(value, int | float) and value > 0 else None

    @property
    def frame_rate(self) -> float:
        """Frames per second to play the track back at: the container's nominal rate (or the
        rate it was read at, if lower), or, for a video that states none (``fps`` 0), the rate
        its timestamps show (30 if too short)."""
        if self.fps > 0:
            return min(self.fps, self.max_fps or self.fps)
        steps = np.diff(self.times[:TRACK_BLOCK])
        step = float(np.median(steps)) if steps.size else 0.0
        return 1.0 / step if step > 0 else 30.0

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
            picture_change=np.full(n, nan),
            camera_shift=np.full((n, 2), nan),
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
        path = check_track_path(path)
        if path.suffix.lower() == ".json":
            doc = self._header() | {
                name: _nan_to_none(getattr(self, name)) for name in ARRAY_FIELDS
            }
            with atomic_write(path) as tmp:
                tmp.write_text(json.dumps(doc, separators=(",", ":")))
        else:
            arrays = {name: getattr(self, name) for name in ARRAY_FIELDS}
            with atomic_write(path) as tmp, tmp.open("wb") as fh:
                np.savez_compressed(fh, header=np.array(json.dumps(self._header())), **arrays)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PoseTrack:
        """Read a track written by :meth:`save`; refuse anything else in one line.

        Why so strict: a track file is untrusted input (it is shared, or written by another
        tool). Its size is checked before anything is decompressed or parsed, and its header
        and every array before a track is made, so a bad file is one :class:`FormcheckError`
        naming what is wrong: never a traceback, a memory blow-up, nor a track that gives
        nonsense later (reps timed by NaN seconds).
        """
        path = Path(path)
        read = _read_json if path.suffix.lower() == ".json" else _read_npz
        try:
            header, arrays = read(path)
        except _Unusable as exc:
            raise FormcheckError(f"{display(path)}: {exc.verdict}: {exc}") from None
        except FileNotFoundError:
            raise FormcheckError(f"{display(path)}: no such file") from None
        except (OSError, ValueError, KeyError, EOFError, RecursionError, NotImplementedError,
                zipfile.BadZipFile, zlib.error) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise FormcheckError(
                f"{display(path)}: not a formcheck pose track ({reason})"
            ) from None
        return cls(**arrays, **{name: header[name] for name in _TRACK_HEADER})


MAX_TRACK_FRAMES = 4 * 3600 * 60
"""Frames of the longest track an ``.npz`` file may hold: four hours at 60 fps.

Why a limit: :meth:`PoseTrack.load` holds a whole track in memory, so what a file may make it
allocate must be bounded before it is read (:data:`MAX_TRACK_BYTES`, :data:`MAX_JSON_BYTES`).
Why four hours at 60 fps: no set, nor a whole training session, is filmed in one take for
longer, and phones film at 60 fps at most except in slow motion, which lasts seconds.
"""
MAX_HEADER_BYTES = 1 << 20
"""Largest header an ``.npz`` track may have; formcheck's are a few hundred bytes."""
MAX_FRAME_SIDE = 16384
"""Largest frame width or height a track may state, in pixels: 16K, twice the 8K cameras film."""
MAX_MAGNITUDE = 1e6
"""Largest size of any value in a track's arrays. None comes near: times are seconds from the
first frame (1e6 s is 11 days), landmarks are normalised image coordinates (~0 to 1) or metres
from the hips, scores are 0 to 1. Why a bound: the kinematics square and multiply these, and a
value near float32's 3.4e38 would overflow there into warnings and nonsense."""
MAX_FPS = 1000.0
"""Highest frame rate a track may state: above the 960 fps of phones' slow motion. ``0`` is
allowed too: it is what :class:`~formcheck.video.VideoInfo` records for a video that states none."""

_ROW_DTYPES: dict[str, np.dtype] = {
    name: array.dtype
    for name, array in vars(PoseTrack.empty(0, width=1, height=1, fps=1.0)).items()
    if name in _ROW_SHAPES
}
"""The dtype a :class:`PoseTrack` keeps each array field in."""
MAX_TRACK_BYTES = MAX_HEADER_BYTES + MAX_TRACK_FRAMES * sum(
    int(np.prod(row)) * _ROW_DTYPES[name].itemsize for name, row in _ROW_SHAPES.items()
)
"""Most an ``.npz`` track may inflate to: :data:`MAX_TRACK_FRAMES` at the 1149 bytes a frame
:meth:`PoseTrack.save` writes, plus a header: 0.99 GB, about what such a track takes loaded."""
MAX_JSON_BYTES = 256_000_000
"""Largest ``.json`` track that is read: ~53,000 frames at the ~4.8 KB a frame
:meth:`PoseTrack.save` writes (half an hour at 30 fps). Why smaller than an ``.npz``: parsing
JSON holds about four times the file in memory (402 MB for a 96 MB track, measured), so this
keeps a JSON load within the ~1 GB an ``.npz`` at :data:`MAX_TRACK_BYTES` takes."""

_TRACK_HEADER = ("width", "height", "fps", "source", "model", "meta")
"""Header fields that become :class:`PoseTrack` fields."""
_HEADER_RULES: dict[str, tuple[tuple[type, ...], str, tuple[float, float] | None]] = {
    "version": ((int,), "a whole number", (1, FORMAT_VERSION)),
    "width": ((int,), "a whole number", (1, MAX_FRAME_SIDE)),
    "height": ((int,), "a whole number", (1, MAX_FRAME_SIDE)),
    "fps": ((int, float), "a number", (0, MAX_FPS)),
    "source": ((str,), "a string", None),
    "model": ((str,), "a string", None),
    "meta": ((dict,), "a JSON object", None),
}
"""Each header field's types (exact: ``true`` is no width), what they are called, and range."""
_ARRAY_KINDS = {"present": ("biu", "booleans (or 0 and 1)")}
"""numpy dtype kinds each array may hold; the others hold :data:`_NUMBER_KINDS`."""
_NUMBER_KINDS = ("fiu", "numbers (float16, float32, float64 or integers)")
_JSON_KINDS = {"present": ({bool, int}, "true or false")}
"""JSON value types each array of a ``.json`` track may hold; the others :data:`_JSON_NUMBERS`."""
_JSON_NUMBERS = ({int, float, type(None)}, "numbers or null")
_NPY_HEADERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}
"""Readers of the ``.npy`` header versions numpy writes for a track's arrays."""
_PLAIN_ZIP = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
"""Zip compressions numpy writes (``np.savez``, ``np.savez_compressed``)."""


class _Unusable(Exception):
    """Why :meth:`PoseTrack.load` cannot use a file; ``load`` puts the file's name first."""

    verdict = "not a valid pose track"


class _NotATrack(_Unusable):
    verdict = "not a formcheck pose track"


class _Refused(_Unusable):
    """A file that may well be a track, but one formcheck will not read (too big, too new)."""

    verdict = "refused"


def _read_npz(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Header and arrays of an ``.npz`` track. The archive's size, and each array's shape and
    dtype, are checked from the zip directory and the ``.npy`` headers before any array data is
    decompressed; ``allow_pickle=False`` keeps a file from running code."""
    with zipfile.ZipFile(path) as archive:
        _check_archive(archive.infolist())
        header = _check_header(_npz_header(archive))
        stored = set(archive.namelist())
        layouts = {name: _npy_layout(archive, name) for name in ARRAY_FIELDS
                   if name not in _OPTIONAL_FIELDS or f"{name}.npy" in stored}
        n = _frame_count(layouts["times"][0])
        for name, (shape, dtype) in layouts.items():
            _check_shape(name, shape, n)
            kinds, expected = _ARRAY_KINDS.get(name, _NUMBER_KINDS)
            if dtype.kind not in kinds or dtype.itemsize > 8:
                raise _Unusable(f"{name} holds {_short(str(dtype))} values, expected {expected}")
        arrays = {name: _read_npy(archive, name) for name in layouts}
    return header, {name: _checked_values(name, array) for name, array in arrays.items()}


def _check_archive(entries: list[zipfile.ZipInfo]) -> None:
    """Refuse an archive from its directory alone, before anything in it is decompressed.

    Why: a few MB of deflated zeros inflate to GBs (a zip bomb). The sizes the directory states
    bound what is read, as :mod:`zipfile` stops each entry at its stated size. Other compressions
    are refused: numpy writes none, and zipfile inflates a bzip2 or lzma chunk whole, however
    large it grows; so is encryption, which numpy never writes either.
    """
    for entry in entries:
        if entry.compress_type not in _PLAIN_ZIP or entry.flag_bits & 0x1:
            raise _Unusable(
                f"{_show(entry.filename)} is encrypted or compressed in a way numpy never writes"
            )
    inflated = sum(entry.file_size for entry in entries)
    if inflated > MAX_TRACK_BYTES:
        raise _Refused(f"it would inflate to {_size(inflated)} (limit {_size(MAX_TRACK_BYTES)})")


def _npz_header(archive: zipfile.ZipFile) -> object:
    """The parsed header of an ``.npz`` track: a JSON string stored as a 0-d text array."""
    if "header.npy" not in archive.namelist():
        raise _NotATrack("it has no header")
    shape, dtype = _npy_layout(archive, "header")
    if shape != () or dtype.kind != "U":
        raise _NotATrack("its header is not text")
    if dtype.itemsize > MAX_HEADER_BYTES:
        raise _Unusable(f"its header is {_size(dtype.itemsize)} (limit {_size(MAX_HEADER_BYTES)})")
    return json.loads(str(_read_npy(archive, "header")))


def _npy_layout(archive: zipfile.ZipFile, name: str) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of the array ``name``, from its ``.npy`` header alone.

    Why before reading: numpy allocates the array its header declares before it reads the
    data, so a header declaring more than its entry holds would have a tiny file allocate TBs.
    """
    try:
        entry = archive.getinfo(f"{name}.npy")
    except KeyError:
        raise _Unusable(f"it has no {name} array") from None
    with archive.open(entry) as fh:
        version = np.lib.format.read_magic(fh)
        if version not in _NPY_HEADERS:
            raise _Unusable(f"{name} is in .npy format v{version[0]}.{version[1]}, "
                            "which numpy does not write for it")
        shape, _, dtype = _NPY_HEADERS[version](fh)
    # (An object array holds pickles, not its items: its dtype alone has it refused.)
    if not dtype.hasobject and np.prod(shape, dtype=object) * dtype.itemsize > entry.file_size:
        raise _Unusable(f"{name} claims shape {_short(str(shape))} but holds less data")
    return shape, dtype


def _read_npy(archive: zipfile.ZipFile, name: str) -> np.ndarray:
    with archive.open(f"{name}.npy") as fh:
        return np.lib.format.read_array(fh, allow_pickle=False)


def _read_json(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Header and arrays of a ``.json`` track (NaN written as null); its size is checked before
    it is read, and every value's JSON type before it becomes a number."""
    doc = _check_header(json.loads(_read_capped(path, MAX_JSON_BYTES)))
    raw = {name: _json_array(doc, name) for name in ARRAY_FIELDS
           if name not in _OPTIONAL_FIELDS or name in doc}
    n = _frame_count(raw["times"].shape)
    arrays = {}
    for name, values in raw.items():
        _check_shape(name, values.shape, n)
        arrays[name] = _checked_values(name, _from_json(name, values))
    return doc, arrays


def _read_capped(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, refused unread when it is larger than ``limit``. At most
    ``limit + 1`` bytes are read in any case: a FIFO or a device states no size."""
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        data = b"" if size > limit else fh.read(limit + 1)
    if max(size, len(data)) > limit:
        shown = _size(size) if size > limit else f"more than {_size(limit)}"
        raise _Refused(f"it is {shown}, and a .json pose track may be {_size(limit)} at most; "
                       "save long tracks as .npz")
    return data


def _json_array(doc: dict[str, Any], name: str) -> np.ndarray:
    """The array ``name`` of a ``.json`` track as it stands: an object array of JSON values."""
    if name not in doc:
        raise _Unusable(f"it has no {name} array")
    try:
        values = np.array(doc[name], dtype=object)
    except ValueError:
        raise _Unusable(f"{name} is not a rectangular array") from None
    # An empty track's arrays are plain [] in JSON: they hold no rows to give their shape.
    return values.reshape((0, *_ROW_SHAPES[name])) if values.shape == (0,) else values


def _from_json(name: str, values: np.ndarray) -> np.ndarray:
    """``values`` as numbers (null as NaN), if each is of a JSON type the array may hold.

    Why check types: numpy would silently read ``"1.5"`` or ``true`` as a coordinate.
    """
    types, expected = _JSON_KINDS.get(name, _JSON_NUMBERS)
    wrong = set(map(type, values.flat)) - types
    if wrong:
        value = next(value for value in values.flat if type(value) in wrong)
        raise _Unusable(f"{name} holds {_show(value)}, expected {expected}")
    try:
        return values.astype(np.int64 if name == "present" else np.float64)
    except OverflowError:
        raise _Unusable(f"{name} holds a number too large for it") from None


def _check_header(header: object) -> dict[str, Any]:
    """``header`` if it is a formcheck track's, of a version this formcheck reads, with every
    field of the right type and within range."""
    if not isinstance(header, dict) or header.get("format") != "formcheck.PoseTrack":
        raise _NotATrack("it does not say format formcheck.PoseTrack")
    version = header.get("version")
    if type(version) is int and version > FORMAT_VERSION:
        raise _Refused(f"pose track format v{_show(version)} is newer than this formcheck reads "
                       f"(v{FORMAT_VERSION}); upgrade formcheck")
    for name, (types, kind, span) in _HEADER_RULES.items():
        if name not in header:
            raise _Unusable(f"its header has no {name}")
        value = header[name]
        if type(value) not in types or (span is not None and not span[0] <= value <= span[1]):
            within = f" from {span[0]:g} to {span[1]:g}" if span is not None else ""
            raise _Unusable(f"{name} must be {kind}{within}, not {_show(value)}")
    # The meta fields formcheck reads: why a video ended early, and how its clock was read.
    meta = header["meta"]
    truncated = meta.get("truncated", "")
    if type(truncated) is not str:
        raise _Unusable(f"meta's truncated must be a string, not {_show(truncated)}")
    cuts = meta.get("time_cuts") or []
    if not isinstance(cuts, list):
        raise _Unusable(f"meta's time_cuts must be a list, not {_show(cuts)}")
    for cut in cuts:
        if not (isinstance(cut, dict) and _finite(cut.get("at_s")) and _finite(cut.get("size_s"))
                and cut.get("kind") in ("restart", "jump")):
            raise _Unusable("meta's time_cuts must each be {at_s, kind (restart or jump), size_s}"
                            f", not {_show(cut)}")
    untimed = meta.get("no_timestamps")
    if untimed and not (isinstance(untimed, dict) and _finite(untimed.get("assumed_fps"))
                        and untimed["assumed_fps"] > 0
                        and type(untimed.get("stated", True)) is bool):
        raise _Unusable(f"meta's no_timestamps must be {{assumed_fps, stated}}, not "
                        f"{_show(untimed)}")
    return header


def _finite(value: object) -> bool:
    """Whether ``value`` is a JSON number (not a boolean) that is finite."""
    return type(value) in (int, float) and math.isfinite(value)  # type: ignore[arg-type]


def _frame_count(times_shape: tuple[int, ...]) -> int:
    """Frames in the track: the length of ``times``, which every array must share."""
    if len(times_shape) != 1:
        raise _Unusable(f"times has shape {_short(str(times_shape))}, expected one per frame")
    return times_shape[0]


def _check_shape(name: str, shape: tuple[int, ...], n: int) -> None:
    expected = (n, *_ROW_SHAPES[name])
    if tuple(shape) != expected:
        raise _Unusable(f"{name} has shape {_short(str(tuple(shape)))}, expected {expected}")


def _checked_values(name: str, array: np.ndarray) -> np.ndarray:
    """``array`` in the dtype the track keeps it in, once its values are known to make sense:
    ``present`` true or false; ``times`` seconds, strictly increasing (as the video reader
    makes them); ``picture_change`` NaN (not measured) or grey levels from 0 to 255;
    ``visibility`` and ``presence`` NaN or scores from 0 to 1; ``camera_shift`` NaN or at most a
    frame's width; the rest NaN (absent) or numbers; all within :data:`MAX_MAGNITUDE`."""
    if name == "present":
        _refuse_frames(name, (array != 0) & (array != 1), array, "must be true or false (1 or 0)")
        return array.astype(bool)
    with np.errstate(over="ignore"):
        values = array.astype(_ROW_DTYPES[name])
    out = ~(np.abs(values) <= MAX_MAGNITUDE)  # NaN, infinite, or too large
    if name == "picture_change":
        _refuse_frames(name, ~((values >= 0) & (values <= 255)) & ~np.isnan(values), array,
                       "must be NaN (not measured) or grey levels from 0 to 255")
        return values
    if name in ("visibility", "presence"):
        _refuse_frames(name, ~((values >= 0) & (values <= 1)) & ~np.isnan(values), array,
                       "must be NaN (absent) or a score from 0 to 1")
        return values
    if name == "camera_shift":
        _refuse_frames(name, ~(np.abs(values) <= 1) & ~np.isnan(values), array,
                       "must be NaN (not measured) or a move of at most the frame's width")
        return values
    if name != "times":
        _refuse_frames(name, out & ~np.isnan(values), array,
                       f"must be NaN (absent) or within ±{MAX_MAGNITUDE:g}")
        return values
    _refuse_frames(name, out, array, f"must be seconds within ±{MAX_MAGNITUDE:g}, never NaN")
    back = np.flatnonzero(values[1:] <= values[:-1])
    if len(back):
        i = int(back[0]) + 1
        raise _Unusable(f"times are not increasing (frame {i}: {values[i]:.2f} s after "
                        f"{values[i - 1]:.2f} s)")
    return values


def _refuse_frames(name: str, bad: np.ndarray, array: np.ndarray, rule: str) -> None:
    """Refuse ``array`` if ``bad`` holds anywhere, naming the first such frame and value."""
    if not bad.any():
        return
    frame = int(np.flatnonzero(bad.reshape(len(bad), -1).any(axis=1))[0])
    value = np.asarray(array[frame])[np.asarray(bad[frame])].flat[0]
    raise _Unusable(f"{name} {rule}, but frame {frame} holds {_show(value.item())}")


def _size(n: int) -> str:
    """``n`` bytes for a person, to the precision a limit needs: 1.7 GB, 256 MB, 12 kB."""
    if n >= 0.95e9:
        return f"{n / 1e9:.1f} GB"
    return f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def _show(value: object) -> str:
    """``value`` for a message: its repr on one line, cut short (a file may hold a 400-digit
    width, or a name with a newline in it)."""
    return _short(repr(value))


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else f"{text[: width - 3]}..."


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


TRACK_SUFFIXES = (".npz", ".json")
"""Files with these suffixes are pose tracks (:meth:`PoseTrack.save`), not videos."""


def is_track_path(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a pose track (by its suffix), not a video."""
    return Path(path).suffix.lower() in TRACK_SUFFIXES


def check_track_path(path: str | os.PathLike[str]) -> Path:
    """``path`` if a pose track can be saved there; its suffix chooses the format.

    Why refuse other suffixes: ``-o lift.txt`` would hold a zip archive no one expects, and a
    track saved without ``.npz``/``.json`` would not be recognised as a track when analysed.
    """
    path = Path(path)
    if not is_track_path(path):
        raise FormcheckError(
            f"a pose track is saved as .npz (exact) or .json, not {path.name!r}; "
            "name the file accordingly"
        )
    return path


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
    picture_change: float = float("nan")
    camera_shift: np.ndarray = field(default_factory=lambda: np.full(2, np.nan))

    @property
    def found(self) -> bool:
        return bool(np.isfinite(self.landmarks).any())

    @classmethod
    def missing(cls, time_s: float, picture_change: float = float("nan"),
                camera_shift: np.ndarray | None = None) -> FramePose:
        """The row for a frame in which the lifter was not found."""
        nan = np.float32(np.nan)
        return cls(
            time_s,
            landmarks=np.full((NUM_LANDMARKS, 3), nan),
            visibility=np.full(NUM_LANDMARKS, nan),
            presence=np.full(NUM_LANDMARKS, nan),
            world=np.full((NUM_LANDMARKS, 3), nan),
            back_contour=np.full((CONTOUR_POINTS, 2), nan),
            picture_change=picture_change,
            camera_shift=np.full(2, np.nan) if camera_shift is None else camera_shift,
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
        t.picture_change[i] = pose.picture_change
        t.camera_shift[i] = pose.camera_shift
        self._pending += 1

    def extend(self, track: PoseTrack) -> None:
        """Add every frame of ``track`` after those appended so far, a block at a time."""
        for _, _, window in track.blocks():
            at = 0
            while at < len(window):
                if self._pending == TRACK_BLOCK:
                    self._store(advance=True)
                take = min(TRACK_BLOCK - self._pending, len(window) - at)
                for name in ARRAY_FIELDS:
                    rows = getattr(window, name)[at : at + take]
                    getattr(self._block, name)[self._pending : self._pending + take] = rows
                self._pending += take
                at += take

    def _store(self, *, advance: bool) -> None:
        """Write the pending rows after the stored ones; keep them pending unless ``advance``."""
        if not self._files:
            # Open for the builder's life; tracks mapped from them keep their own descriptors.
            self._files = {name: tempfile.TemporaryFile() for name in ARRAY_FIELDS}  # noqa: SIM115
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
                **{name: getattr(t, name)[rows].copy() for name in ARRAY_FIELDS}, **header
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
