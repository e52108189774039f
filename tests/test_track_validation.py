"""A pose track file is untrusted input: whatever is wrong with it, loading it is one
FormcheckError naming the file and the fault, never a traceback nor a track that misleads later."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_cli import run

from formcheck import track as track_module
from formcheck.errors import FormcheckError
from formcheck.track import PoseTrack

N = 10
MISSING = object()
"""Stands for a field or array taken out of the file."""


def valid_track(n: int = N) -> PoseTrack:
    """A small track as formcheck writes it: 30 fps, the lifter missed in every fourth frame."""
    rng = np.random.default_rng(0)
    track = PoseTrack.empty(n, width=640, height=360, fps=30.0, source="clip.mp4", model="full",
                            meta={"rotation": 0, "codec": "h264"})
    track.times[:] = np.arange(n) / 30
    seen = np.arange(n) % 4 != 3
    track.present[:] = seen
    for name in ("landmarks", "visibility", "presence", "world", "back_contour"):
        array = getattr(track, name)
        array[seen] = rng.random(array[seen].shape)
    return track


def _apply(fields: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (fields | changes).items() if v is not MISSING}


def npz(tmp_path: Path, fields: dict[str, Any] | None = None, n: int = N, **arrays: Any) -> Path:
    """A saved valid track with some header ``fields`` changed, then some ``arrays`` (or the
    ``header`` entry itself) replaced."""
    path = valid_track(n).save(tmp_path / "t.npz")
    with np.load(path) as data:
        stored = {name: data[name] for name in data.files}
    fields = _apply(json.loads(str(stored["header"])), fields or {})
    stored["header"] = np.array(json.dumps(fields))
    np.savez(path, **_apply(stored, arrays))
    return path


def json_track(tmp_path: Path, **changes: Any) -> Path:
    """A saved valid ``.json`` track with some top-level fields (header or arrays) changed."""
    path = valid_track().save(tmp_path / "t.json")
    path.write_text(json.dumps(_apply(json.loads(path.read_text()), changes)))
    return path


def refusal(path: Path) -> str:
    with pytest.raises(FormcheckError) as caught:
        PoseTrack.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


def times(**at: float) -> np.ndarray:
    """The valid track's times with frames ``f<i>`` set."""
    values = np.arange(20) / 30
    for frame, value in at.items():
        values[int(frame[1:])] = value
    return values


def rows(name: str, dtype: Any = np.float32, **at: Any) -> np.ndarray:
    """The valid track's array ``name`` in ``dtype``, with frame ``f<i>``'s first value set."""
    array = getattr(valid_track(), name).astype(dtype)
    for frame, value in at.items():
        array.reshape(len(array), -1)[int(frame[1:]), 0] = value
    return array


# --- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_a_valid_track_still_round_trips(tmp_path: Path, suffix: str) -> None:
    track = valid_track()
    assert PoseTrack.load(track.save(tmp_path / f"t{suffix}")) == track


@pytest.mark.parametrize(
    "arrays",
    [{"landmarks": rows("landmarks", np.float16)}, {"world": rows("world", np.float64)},
     {"present": valid_track().present.astype(np.uint8)},
     {"times": np.arange(N) * 33},
     {"world": np.arange(N * 33 * 3, dtype=np.int16).reshape(N, 33, 3)}],
    ids=["float16", "float64", "present-0-1", "int-times", "int-values"],
)
def test_other_numeric_dtypes_are_accepted(tmp_path: Path, arrays: dict[str, Any]) -> None:
    track = PoseTrack.load(npz(tmp_path, **arrays))
    assert track.times.dtype == np.float64 and track.present.dtype == bool
    assert track.landmarks.dtype == np.float32
    (name, array), = arrays.items()
    assert np.array_equal(getattr(track, name), array.astype(getattr(track, name).dtype),
                          equal_nan=True)


@pytest.mark.parametrize("fps", [0, 0.0, 60, 1000])
def test_fps_zero_means_not_stated_and_is_accepted(tmp_path: Path, fps: float) -> None:
    """The video reader records 0 for a video that states no frame rate."""
    assert PoseTrack.load(npz(tmp_path, fields={"fps": fps})).fps == fps


# --- the header ---------------------------------------------------------------------------------


HEADER_CASES = {
    "width-10^400": ({"width": 10**400}, "width must be a whole number from 1 to 16384, not 1000"),
    "width-negative": ({"width": -640}, "width must be a whole number from 1 to 16384, not -640"),
    "width-zero": ({"width": 0}, "width must be a whole number from 1 to 16384, not 0"),
    "width-fraction": ({"width": 640.5}, "width must be a whole number from 1 to 16384, not 640.5"),
    "width-bool": ({"width": True}, "width must be a whole number from 1 to 16384, not True"),
    "width-string": ({"width": "640"}, "width must be a whole number from 1 to 16384, not '640'"),
    "height-huge": ({"height": 16385}, "height must be a whole number from 1 to 16384, not 16385"),
    "fps-nan": ({"fps": float("nan")}, "fps must be a number from 0 to 1000, not nan"),
    "fps-inf": ({"fps": float("inf")}, "fps must be a number from 0 to 1000, not inf"),
    "fps-negative": ({"fps": -30}, "fps must be a number from 0 to 1000, not -30"),
    "fps-huge": ({"fps": 1e9}, "fps must be a number from 0 to 1000, not 1000000000.0"),
    "fps-string": ({"fps": "30"}, "fps must be a number from 0 to 1000, not '30'"),
    "fps-null": ({"fps": None}, "fps must be a number from 0 to 1000, not None"),
    "version-string": ({"version": "1"}, "version must be a whole number from 1 to 1, not '1'"),
    "version-zero": ({"version": 0}, "version must be a whole number from 1 to 1, not 0"),
    "version-bool": ({"version": True}, "version must be a whole number from 1 to 1, not True"),
    "source-number": ({"source": 5}, "source must be a string, not 5"),
    "model-null": ({"model": None}, "model must be a string, not None"),
    "meta-string": ({"meta": "x"}, "meta must be a JSON object, not 'x'"),
    "meta-list": ({"meta": []}, "meta must be a JSON object, not []"),
    "meta-truncated": ({"meta": {"truncated": 5}}, "meta's truncated must be a string, not 5"),
    "meta-cuts-number": ({"meta": {"time_cuts": 5}}, "meta's time_cuts must be a list, not 5"),
    "meta-cut-list": ({"meta": {"time_cuts": [[1e9, 5]]}},
                      "meta's time_cuts must each be {at_s, kind (restart or jump), size_s}"),
    "meta-cut-kindless": ({"meta": {"time_cuts": [{"at_s": 5.0, "size_s": 1.0}]}},
                          "meta's time_cuts must each be"),
    "meta-cut-string": ({"meta": {"time_cuts": [{"at_s": "x", "kind": "jump", "size_s": 1}]}},
                        "meta's time_cuts must each be"),
    "meta-untimed": ({"meta": {"no_timestamps": "yes"}},
                     "meta's no_timestamps must be {assumed_fps, stated}, not 'yes'"),
    "meta-untimed-fps": ({"meta": {"no_timestamps": {"assumed_fps": 0, "stated": True}}},
                         "meta's no_timestamps must be {assumed_fps, stated}"),
    "no-width": ({"width": MISSING}, "its header has no width"),
    "no-fps": ({"fps": MISSING}, "its header has no fps"),
    "no-meta": ({"meta": MISSING}, "its header has no meta"),
    "no-version": ({"version": MISSING}, "its header has no version"),
}


@pytest.mark.parametrize("suffix", [".npz", ".json"])
@pytest.mark.parametrize(("changes", "what"), HEADER_CASES.values(), ids=HEADER_CASES.keys())
def test_a_bad_header_field_is_named(tmp_path: Path, suffix: str, changes: dict[str, Any],
                                     what: str) -> None:
    path = npz(tmp_path, fields=changes) if suffix == ".npz" else json_track(tmp_path, **changes)
    assert refusal(path).startswith(f"{path}: not a valid pose track: {what}")


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_a_newer_format_is_refused(tmp_path: Path, suffix: str) -> None:
    changes = {"version": 2}
    path = npz(tmp_path, fields=changes) if suffix == ".npz" else json_track(tmp_path, **changes)
    assert refusal(path) == (f"{path}: refused: pose track format v2 is newer than this "
                             "formcheck reads (v1); upgrade formcheck")


@pytest.mark.parametrize("suffix", [".npz", ".json"])
@pytest.mark.parametrize("fmt", ["something.else", MISSING, 7])
def test_another_format_is_not_a_track(tmp_path: Path, suffix: str, fmt: Any) -> None:
    changes = {"format": fmt}
    path = npz(tmp_path, fields=changes) if suffix == ".npz" else json_track(tmp_path, **changes)
    assert refusal(path) == (f"{path}: not a formcheck pose track: "
                             "it does not say format formcheck.PoseTrack")


@pytest.mark.parametrize(
    ("header", "what"),
    [(MISSING, "not a formcheck pose track: it has no header"),
     (np.zeros(3), "not a formcheck pose track: its header is not text"),
     (np.array(json.dumps([1, 2])), "not a formcheck pose track: it does not say format")],
    ids=["missing", "not-text", "a-list"],
)
def test_a_bad_npz_header_entry(tmp_path: Path, header: Any, what: str) -> None:
    path = npz(tmp_path, header=header)
    assert refusal(path).startswith(f"{path}: {what}")


# --- the arrays of an .npz ----------------------------------------------------------------------


ARRAY_CASES = {
    "shape": ({"landmarks": np.zeros((N, 33, 2))},
              "landmarks has shape (10, 33, 2), expected (10, 33, 3)"),
    "length": ({"visibility": np.zeros((N - 1, 33))},
               "visibility has shape (9, 33), expected (10, 33)"),
    "times-2d": ({"times": np.zeros((N, 1))}, "times has shape (10, 1), expected one per frame"),
    "times-scalar": ({"times": np.array(1.0)}, "times has shape (), expected one per frame"),
    "strings": ({"landmarks": np.full((N, 33, 3), "x")},
                "landmarks holds <U1 values, expected numbers (float16, float32, float64 or"),
    "object": ({"world": np.empty((N, 33, 3), dtype=object)}, "world holds object values"),
    "complex": ({"world": np.zeros((N, 33, 3), dtype=complex)}, "world holds complex128 values"),
    "bool": ({"presence": np.zeros((N, 33), dtype=bool)}, "presence holds bool values"),
    "float128": ({"presence": np.zeros((N, 33), dtype=np.longdouble)},
                 f"presence holds {np.dtype(np.longdouble)} values"),
    "present-float": ({"present": np.zeros(N)},
                      "present holds float64 values, expected booleans (or 0 and 1)"),
    "present-2": ({"present": np.arange(N) % 3},
                  "present must be true or false (1 or 0), but frame 2 holds 2"),
    "times-nan": ({"times": times(f3=np.nan)[:N]},
                  "times must be seconds within ±1e+06, never NaN, but frame 3 holds nan"),
    "times-inf": ({"times": times(f9=np.inf)[:N]},
                  "times must be seconds within ±1e+06, never NaN, but frame 9 holds inf"),
    "times-equal": ({"times": times(f5=4 / 30)[:N]},
                    "times are not increasing (frame 5: 0.13 s after 0.13 s)"),
    "landmarks-inf": ({"landmarks": rows("landmarks", f2=np.inf)},
                      "landmarks must be NaN (absent) or within ±1e+06, but frame 2 holds inf"),
    "world-overflow": ({"world": rows("world", np.float64, f1=1e300)},
                       "world must be NaN (absent) or within ±1e+06, but frame 1 holds 1e+300"),
    "times-huge": ({"times": times(f9=1e300)[:N]},
                   "times must be seconds within ±1e+06, never NaN, but frame 9 holds 1e+300"),
    "landmarks-huge": ({"landmarks": rows("landmarks", f4=1e7)},
                       "landmarks must be NaN (absent) or within ±1e+06, but frame 4 holds 1000"),
    "no-contour": ({"back_contour": MISSING}, "it has no back_contour array"),
    "change-short": ({"picture_change": np.zeros(N - 1)},
                     "picture_change has shape (9,), expected (10,)"),
    "change-negative": ({"picture_change": rows("picture_change", f2=-3.0)},
                        "picture_change must be NaN (not measured) or grey levels from 0 to 255, "
                        "but frame 2 holds -3"),
    "change-over-255": ({"picture_change": rows("picture_change", f5=300.0)},
                        "picture_change must be NaN (not measured) or grey levels from 0 to 255, "
                        "but frame 5 holds 300"),
    "shift-short": ({"camera_shift": np.zeros((N, 1))},
                    "camera_shift has shape (10, 1), expected (10, 2)"),
    "shift-inf": ({"camera_shift": rows("camera_shift", f2=np.inf)},
                  "camera_shift must be NaN (not measured) or a move of at most the frame's "
                  "width, but frame 2 holds inf"),
    "shift-huge": ({"camera_shift": rows("camera_shift", f3=1e5)},
                   "camera_shift must be NaN (not measured) or a move of at most the frame's "
                   "width, but frame 3 holds 100000"),
    "visibility-50": ({"visibility": rows("visibility", f4=50.0)},
                      "visibility must be NaN (absent) or a score from 0 to 1, but frame 4 holds"),
    "presence-negative": ({"presence": rows("presence", f1=-0.5)},
                          "presence must be NaN (absent) or a score from 0 to 1, but frame 1"),
    "change-inf": ({"picture_change": rows("picture_change", f1=np.inf)},
                   "picture_change must be NaN (not measured) or grey levels from 0 to 255, "
                   "but frame 1 holds inf"),
}


@pytest.mark.parametrize(("arrays", "what"), ARRAY_CASES.values(), ids=ARRAY_CASES.keys())
def test_a_bad_array_is_named(tmp_path: Path, arrays: dict[str, Any], what: str) -> None:
    path = npz(tmp_path, **arrays)
    assert refusal(path).startswith(f"{path}: not a valid pose track: {what}")


@pytest.mark.parametrize("field", ["picture_change", "camera_shift"])
@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_a_track_without_the_picture_measured_loads_as_not_measured(
    tmp_path: Path, suffix: str, field: str
) -> None:
    """Tracks written before formcheck measured the picture hold no ``picture_change`` or
    ``camera_shift``."""
    path = npz(tmp_path, **{field: MISSING}) if suffix == ".npz" else json_track(
        tmp_path, **{field: MISSING})
    assert np.isnan(getattr(PoseTrack.load(path), field)).all()


def test_reversed_times_name_the_frame(tmp_path: Path) -> None:
    path = npz(tmp_path, n=20, times=times(f11=0.43, f12=0.40))
    assert refusal(path) == (f"{path}: not a valid pose track: times are not increasing "
                             "(frame 12: 0.40 s after 0.43 s)")


def test_landmarks_of_the_wrong_shape_exactly(tmp_path: Path) -> None:
    path = npz(tmp_path, landmarks=np.zeros((N, 33, 2)))
    assert refusal(path) == (f"{path}: not a valid pose track: "
                             "landmarks has shape (10, 33, 2), expected (10, 33, 3)")


def _ran_code() -> None:
    raise AssertionError("loading a track ran code from the file")


class _Payload:
    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return _ran_code, ()


def test_pickled_objects_are_never_unpickled(tmp_path: Path) -> None:
    payload = np.empty((N, 33, 3), dtype=object)
    payload[0, 0, 0] = _Payload()
    path = npz(tmp_path, landmarks=payload)
    assert "landmarks holds object values" in refusal(path)


# --- the archive --------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_anything_is_inflated(tmp_path: Path, monkeypatch) -> None:
    """64 MB of zeros deflate to ~64 kB; with the limit at 10 MB the file is refused from its
    zip directory alone: no entry is ever opened."""
    path = npz(tmp_path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("padding.npy", "w") as entry:
        for _ in range(64):
            entry.write(bytes(1 << 20))
    assert path.stat().st_size < 1 << 20
    monkeypatch.setattr(track_module, "MAX_TRACK_BYTES", 10_000_000)

    def opened(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an entry was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", opened)
    assert refusal(path) == f"{path}: refused: it would inflate to 67 MB (limit 10 MB)"


def _claim_size(path: Path, name: str, size: int) -> None:
    """Make the zip directory of ``path`` say that entry ``name`` inflates to ``size`` bytes."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length, = struct.unpack_from("<H", data, at + 28)
        if data[at + 46 : at + 46 + length] == name.encode():
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 1)
    path.write_bytes(bytes(data))


def test_the_real_limit_refuses_an_archive_that_would_inflate_to_1_7_gb(tmp_path: Path) -> None:
    path = npz(tmp_path)
    _claim_size(path, "landmarks.npy", 1_700_000_000)
    assert refusal(path) == f"{path}: refused: it would inflate to 1.7 GB (limit 1.0 GB)"


def test_the_limit_is_four_hours_at_60_fps() -> None:
    assert track_module.MAX_TRACK_FRAMES == 864_000
    assert track_module.MAX_TRACK_BYTES == 864_000 * 1149 + (1 << 20)


def test_an_npy_header_claiming_more_than_its_entry_holds(tmp_path: Path) -> None:
    """numpy would allocate what the header declares (TBs) before finding the data short."""
    path = npz(tmp_path, landmarks=MISSING)
    with zipfile.ZipFile(path, "a") as archive, archive.open("landmarks.npy", "w") as entry:
        np.lib.format.write_array_header_1_0(
            entry, {"descr": "<f4", "fortran_order": False, "shape": (10**12, 33, 3)})
        entry.write(bytes(64))
    assert refusal(path) == (f"{path}: not a valid pose track: "
                             "landmarks claims shape (1000000000000, 33, 3) but holds less data")


def test_other_zip_compressions_are_refused(tmp_path: Path) -> None:
    path = npz(tmp_path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("extra.npy", b"x")
    assert refusal(path) == (f"{path}: not a valid pose track: "
                             "'extra.npy' is encrypted or compressed in a way numpy never writes")


def test_a_plain_npy_named_npz_is_not_a_track(tmp_path: Path) -> None:
    np.save(tmp_path / "t.npy", np.zeros(3))
    path = (tmp_path / "t.npy").rename(tmp_path / "t.npz")
    assert "not a formcheck pose track (" in refusal(path)


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_damaged_bytes_are_a_formcheck_error_or_a_valid_track(tmp_path: Path,
                                                              suffix: str) -> None:
    """Flip bytes at random: loading either refuses in one line or yields a track that passes
    every check; nothing else escapes."""
    original = valid_track(4).save(tmp_path / f"ok{suffix}").read_bytes()
    rng = np.random.default_rng(1)
    path = tmp_path / f"t{suffix}"
    for _ in range(150):
        data = bytearray(original)
        for at in rng.integers(0, len(data), rng.integers(1, 4)):
            data[at] = rng.integers(0, 256)
        path.write_bytes(bytes(data))
        try:
            track = PoseTrack.load(path)
        except FormcheckError as exc:
            assert "\n" not in str(exc)
        else:
            assert (np.diff(track.times) > 0).all() and not np.isinf(track.landmarks).any()


# --- .json specifics ----------------------------------------------------------------------------


def _landmarks_with(value: Any) -> list[Any]:
    doc = json.loads(json.dumps(valid_track().landmarks.astype(float).tolist()))
    doc[1][0][0] = value
    return doc


JSON_CASES = {
    "null-time": ({"times": [0.0, 0.1, 0.2, None, *range(4, N)]},
                  "times must be seconds within ±1e+06, never NaN, but frame 3 holds nan"),
    "all-null-times": ({"times": [None] * N},
                       "times must be seconds within ±1e+06, never NaN, but frame 0 holds nan"),
    "string-value": ({"landmarks": _landmarks_with("x")},
                     "landmarks holds 'x', expected numbers or null"),
    "bool-value": ({"landmarks": _landmarks_with(True)},
                   "landmarks holds True, expected numbers or null"),
    "list-value": ({"times": [[0.0]] * N}, "times has shape (10, 1), expected one per frame"),
    "infinite": ({"landmarks": _landmarks_with(float("inf"))},
                 "landmarks must be NaN (absent) or within ±1e+06, but frame 1 holds inf"),
    "10^400": ({"landmarks": _landmarks_with(10**400)},
               "landmarks holds a number too large for it"),
    "present-half": ({"present": [0.5] * N}, "present holds 0.5, expected true or false"),
    "present-2": ({"present": [2] * N},
                  "present must be true or false (1 or 0), but frame 0 holds 2"),
    "ragged": ({"landmarks": [[[0.0] * 3] * 33] * (N - 1) + [[[0.0] * 2] * 33]},
               "landmarks has shape (10, 33)"),
    "times-string": ({"times": "0.1"}, "times has shape (), expected one per frame"),
    "no-times": ({"times": MISSING}, "it has no times array"),
    "change-null": ({"picture_change": None}, "picture_change has shape (), expected (10,)"),
    "change-negative": ({"picture_change": [None] + [-1.0] * (N - 1)},
                        "picture_change must be NaN (not measured) or grey levels from 0 to 255, "
                        "but frame 1 holds -1"),
}


@pytest.mark.parametrize(("changes", "what"), JSON_CASES.values(), ids=JSON_CASES.keys())
def test_a_bad_json_array_is_named(tmp_path: Path, changes: dict[str, Any], what: str) -> None:
    path = json_track(tmp_path, **changes)
    assert refusal(path).startswith(f"{path}: not a valid pose track: {what}")


@pytest.mark.parametrize(
    "text", ["", "[]", "[1, 2]", "null", "{", "[" * 100_000, '"\\ud800"'],
    ids=["empty", "list", "numbers", "null", "cut", "deep", "surrogate"],
)
def test_json_that_is_no_track(tmp_path: Path, text: str) -> None:
    path = tmp_path / "t.json"
    path.write_text(text)
    assert "not a formcheck pose track" in refusal(path)


def test_a_json_track_past_the_limit_is_refused_unread(tmp_path: Path, monkeypatch) -> None:
    path = json_track(tmp_path)
    monkeypatch.setattr(track_module, "MAX_JSON_BYTES", 2000)
    monkeypatch.setattr(json, "loads", lambda *a, **k: pytest.fail("the file was parsed"))
    size = path.stat().st_size
    assert refusal(path) == (f"{path}: refused: it is {size / 1e3:.0f} kB, and a .json pose "
                             "track may be 2 kB at most; save long tracks as .npz")


def test_the_json_limit_is_256_mb() -> None:
    assert track_module.MAX_JSON_BYTES == 256_000_000


# --- the command line ---------------------------------------------------------------------------


def test_analyze_of_a_bad_track_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = npz(tmp_path, n=20, times=times(f11=0.43, f12=0.40))
    done = run("analyze", str(path), "-e", "deadlift")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [f"formcheck: error: {path}: not a valid pose track: times are not "
                     "increasing (frame 12: 0.40 s after 0.43 s)"], done.stderr
