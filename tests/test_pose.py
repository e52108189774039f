"""The pose pipeline on real lifting video with the real model (skipped without ../shared)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.errors import FormcheckError
from formcheck.kinematics import kinematics
from formcheck.landmarks import Landmark
from formcheck.pose import PoseEstimator, PoseSettings, _Helper, extract_pose, part_bounds
from formcheck.track import PoseTrack
from formcheck.video import Frame, VideoInfo
from formcheck.view import estimate_view
from tests.conftest import RUSSIAN_SWING, TBY66, clip

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("label", ["c", "h", "k", "r"])
def test_side_view_deadlifts_are_tracked(real_track, label: str) -> None:
    track = real_track(TBY66.format(label))
    assert track.detection_rate >= 0.95
    assert np.diff(track.times).min() > 0
    view = estimate_view(track)
    assert view.view == "side", view
    present = track.present
    assert np.isfinite(track.world[present]).all()
    assert np.isfinite(track.back_contour[present]).all(axis=(1, 2)).mean() >= 0.9


def test_front_oblique_swing_is_not_side(real_track) -> None:
    view = estimate_view(real_track(RUSSIAN_SWING))
    assert view.view != "side", view


@pytest.mark.parametrize("label", ["c", "r"])
def test_a_video_shared_between_two_processes_gives_the_same_verdicts(label: str) -> None:
    """Against one process on the same machine: the model's last decimals differ between CPUs
    (tests/tracks/README.md), so a committed track is no reference for the first part's bits."""
    video = clip(TBY66.format(label))
    alone = extract_pose(video, PoseSettings(model="full"), workers=1)
    shared = extract_pose(video, PoseSettings(model="full"), workers=2)
    np.testing.assert_array_equal(shared.times, alone.times)
    helper_part = shared.times >= part_bounds(VideoInfo.from_path(video).duration_s, 2)[1]
    first = ~helper_part
    np.testing.assert_array_equal(shared.landmarks[first], alone.landmarks[first])
    # The helper's model warmed up on the seconds before its part, so it tracks the lifter as
    # this process did, though not bit for bit (MediaPipe's tracking state is its own): on these
    # clips joint angles differ by 0.15 degrees at the median, 1.4 at most.
    for name in ("hip_angle", "knee_angle", "trunk_inclination"):
        gap = np.abs(getattr(kinematics(shared), name).facing.value
                     - getattr(kinematics(alone), name).facing.value)[helper_part]
        assert np.nanmedian(gap) < 0.5 and np.nanmax(gap) < 3.0, (name, np.nanmax(gap))
    lift = load_lift("deadlift", "kettlebell")

    def verdicts(track: PoseTrack) -> list[tuple[str, list[str]]]:
        return [(r.outcome, [f.code for f in r.faults]) for r in analyze_track(track, lift).reps]

    assert verdicts(shared) == verdicts(alone)


def test_a_helper_that_fails_says_why(tmp_path: Path) -> None:
    with (_Helper(tmp_path / "gone.mp4", PoseSettings(), 1.0, 2.0) as helper,
          pytest.raises(FormcheckError, match="video not found")):
        helper.result(lambda: None)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "formcheck", *args], capture_output=True, text=True, timeout=900
    )


def test_pose_command_writes_track_and_playable_video(tmp_path: Path, pose_model: Path) -> None:
    video = clip(TBY66.format("c"))
    done = _run("pose", str(video), "-o", str(tmp_path / "t.npz"),
                "--video-out", str(tmp_path / "a.mp4"))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    track = PoseTrack.load(tmp_path / "t.npz")
    with av.open(str(video)) as source:
        frames_in = sum(1 for _ in source.decode(video=0))
    with av.open(str(tmp_path / "a.mp4")) as out:
        stream = out.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        rate_out = float(stream.average_rate)
        frames_out = sum(1 for _ in out.decode(video=0))
    # the 60 fps clip is read at 30 (the default cap): one video frame per track row
    assert frames_out == len(track) == frames_in // 2 and rate_out == pytest.approx(30)


def _person(centre_px: tuple[float, float], trunk_px: float, size: np.ndarray) -> np.ndarray:
    """A landmark array (33 × 5, normalised): every landmark at ``centre_px`` but the trunk's,
    a ``trunk_px`` square around it; all :meth:`PoseEstimator._choose` reads of a person."""
    person = np.zeros((len(Landmark), 5))
    person[:, :2] = np.array(centre_px) / size
    half = trunk_px / 2
    for landmark, dx, dy in ((Landmark.LEFT_SHOULDER, -half, -half),
                             (Landmark.RIGHT_SHOULDER, half, -half),
                             (Landmark.LEFT_HIP, -half, half), (Landmark.RIGHT_HIP, half, half)):
        person[landmark, :2] = (np.array(centre_px) + np.array([dx, dy])) / size
    return person


@pytest.mark.parametrize(("gap_s", "away_trunks", "found"), [
    (1 / 30, 0.9, True),   # the next frame, within MAX_JUMP
    (1 / 30, 1.5, False),  # the next frame, farther than a lifter moves: somebody else
    (0.5, 1.5, False),     # still held to MAX_JUMP half a second later (see RESULTS.md)
    (1.5, 2.5, True),      # gone longer than REACQUIRE_AFTER_S: the largest person
])
def test_the_lifter_is_the_person_near_where_they_were_last_seen(
        gap_s: float, away_trunks: float, found: bool) -> None:
    size = np.array([1280.0, 720.0])
    estimator = object.__new__(PoseEstimator)  # _choose needs no model
    trunk = 100.0
    estimator._anchor = None
    assert estimator._choose([_person((400, 300), trunk, size)], 1.0, size) == 0
    away = _person((400, 300 - away_trunks * trunk), trunk, size)
    smaller = _person((1000, 300), trunk / 2, size)  # nearer the edge, a passer-by further off
    assert (estimator._choose([smaller, away], 1.0 + gap_s, size) == 1) is found


def test_a_stop_during_a_frame_waits_until_mediapipe_has_freed_its_images(
        monkeypatch: pytest.MonkeyPatch, pose_model: Path) -> None:
    """A stop signal raised inside a MediaPipe image's ``__del__`` is printed as a traceback
    ("Exception ignored in ... Image.__del__": seen once when a batch's process group was
    hung up); the frame's images are freed before the signal is acted on."""
    import mediapipe as mp

    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    free = mp.Image.__del__

    def stopped_while_freeing(image: mp.Image) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        free(image)

    monkeypatch.setattr(mp.Image, "__del__", stopped_while_freeing)
    frame = Frame(index=0, time_s=0.0, image=np.full((96, 64, 3), 128, np.uint8))
    # Ctrl-C as a command meets it, whatever an earlier test left installed
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with PoseEstimator() as estimator, pytest.raises(KeyboardInterrupt):
            estimator.estimate(frame)
    finally:
        signal.signal(signal.SIGINT, before)
    assert unraisable == []
