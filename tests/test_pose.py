"""The pose pipeline on real lifting video with the real model (skipped without ../shared)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.kinematics import estimate_view
from formcheck.track import PoseTrack
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
        frames_out = sum(1 for _ in out.decode(video=0))
    assert frames_in == frames_out == len(track)
