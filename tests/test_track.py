"""PoseTrack: exact round-trips, versioning, growing one frame at a time."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import FormcheckError
from formcheck.files import check_writable
from formcheck.track import FramePose, PoseTrack, TrackBuilder


def random_track(n: int = 20, seed: int = 0) -> PoseTrack:
    rng = np.random.default_rng(seed)
    builder = TrackBuilder(width=640, height=360, fps=29.97, source="clip.mp4", model="full")
    for i in range(n):
        t = i / 29.97
        change = float("nan") if i == 0 else 5 * rng.random()
        shift = np.full(2, np.nan) if i == 0 else rng.normal(0, 0.01, 2)
        if i % 5 == 3:
            builder.append(FramePose.missing(t, change, shift))
            continue
        contour = rng.random((9, 2))
        contour[0] = np.nan
        builder.append(
            FramePose(t, rng.random((33, 3)), rng.random(33), rng.random(33),
                      rng.normal(size=(33, 3)), contour, change, shift)
        )
    return builder.build()


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_round_trip_is_exact(tmp_path: Path, suffix: str) -> None:
    track = random_track(300)
    path = track.save(tmp_path / f"track{suffix}")
    again = PoseTrack.load(path)
    assert again == track
    assert again.present.dtype == bool and again.landmarks.dtype == np.float32
    assert not again.present[3] and np.isnan(again.landmarks[3]).all()


def test_the_picture_is_measured_in_frames_without_the_lifter() -> None:
    track = random_track(10)
    assert np.isnan(track.picture_change[0]) and np.isnan(track.camera_shift[0]).all()
    assert not track.present[3] and np.isfinite(track.picture_change[3])
    assert np.isfinite(track.camera_shift[3]).all()
    assert track.frame(3).picture_change == track.picture_change[3]
    assert np.array_equal(track.frame(3).camera_shift, track.camera_shift[3])


@pytest.mark.parametrize("field", ["picture_change", "camera_shift"])
@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_a_track_saved_before_the_picture_was_measured_reads_as_unmeasured(
    tmp_path: Path, suffix: str, field: str
) -> None:
    """Tracks formcheck wrote before it measured the picture hold no ``picture_change`` or
    ``camera_shift``: they still load, with nothing known of the picture in any frame (and so
    no edit cut and no camera motion found)."""
    track = random_track(30)
    path = track.save(tmp_path / f"old{suffix}")
    if suffix == ".json":
        doc = json.loads(path.read_text())
        del doc[field]
        path.write_text(json.dumps(doc))
    else:
        with np.load(path) as stored:
            arrays = {name: stored[name] for name in stored.files if name != field}
        np.savez_compressed(path, **arrays)
    again = PoseTrack.load(path)
    assert np.isnan(getattr(again, field)).all()
    assert getattr(again, field).shape == getattr(track, field).shape
    assert np.array_equal(again.landmarks, track.landmarks, equal_nan=True)


def test_empty_track_round_trips(tmp_path: Path) -> None:
    track = PoseTrack.empty(0, width=1, height=1, fps=1.0)
    for suffix in (".npz", ".json"):
        assert PoseTrack.load(track.save(tmp_path / f"e{suffix}")) == track


def test_builder_grows_past_its_first_allocation() -> None:
    track = random_track(1000)
    assert len(track) == 1000
    assert np.allclose(np.diff(track.times), 1 / 29.97)
    assert track.detection_rate == pytest.approx(0.8)


def test_pixels_use_width_and_height() -> None:
    track = random_track(5)
    assert np.allclose(track.pixels[..., 0], track.landmarks[..., 0] * 640, equal_nan=True)
    assert np.allclose(track.pixels[..., 1], track.landmarks[..., 1] * 360, equal_nan=True)


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="landmarks"):
        PoseTrack(
            times=np.zeros(2), present=np.zeros(2, bool), landmarks=np.zeros((2, 32, 3)),
            visibility=np.zeros((2, 33)), presence=np.zeros((2, 33)),
            world=np.zeros((2, 33, 3)), back_contour=np.zeros((2, 9, 2)),
            width=1, height=1, fps=1,
        )


def test_newer_version_is_refused(tmp_path: Path) -> None:
    path = random_track(3).save(tmp_path / "t.json")
    doc = json.loads(path.read_text())
    doc["version"] = 99
    path.write_text(json.dumps(doc))
    with pytest.raises(FormcheckError, match="newer"):
        PoseTrack.load(path)


@pytest.mark.parametrize("content", [b"", b"not a track", b"PK\x03\x04garbage"])
def test_other_files_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    with pytest.raises(FormcheckError, match="not a formcheck pose track"):
        PoseTrack.load(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FormcheckError, match="no such file"):
        PoseTrack.load(tmp_path / "nope.npz")


def test_unwritable_destination_fails_before_work(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(FormcheckError, match="cannot write"):
        check_writable(a_file / "out.npz")
    with pytest.raises(FormcheckError, match="folder"):
        check_writable(tmp_path)


def test_save_leaves_no_partial_file_on_failure(tmp_path: Path) -> None:
    track = random_track(3)
    target = tmp_path / "t.npz"
    track.save(target)
    before = target.read_bytes()
    broken = PoseTrack.empty(1, width=1, height=1, fps=1.0, meta={"x": object()})
    with pytest.raises(TypeError):
        broken.save(target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.npz"]
