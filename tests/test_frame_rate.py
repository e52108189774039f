"""Analysing at most 30 frames a second (``--fps``): a 60 fps video is read at 30, its outputs
line up with the frames read, and the verdict is the one every frame gives.

On real video with the real model: the TBY66 lifter's four reps as filmed, at 60 fps. How the
cap changes nothing on every labelled fast clip is benchmarks/frame_rate.py's to measure.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TBY66, clip
from corpus import Lifter, make_lifter
from test_cli import _one_clear_line, command

from formcheck.track import PoseTrack
from formcheck.video import VideoInfo, read_frames


@pytest.fixture(scope="module")
def lifter_60fps(tmp_path_factory: pytest.TempPathFactory) -> Lifter:
    """The four reps of the ``lifter`` fixture with every frame the phone filmed: 60 fps."""
    return make_lifter(clip(TBY66.format("c")), tmp_path_factory.mktemp("lifter60"), 2.5, 9.9,
                       every=1)


def analyze(video: Path, folder: Path, *args: str) -> tuple[dict, PoseTrack]:
    track = folder / "t.npz"
    done = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", str(video), "-e", "deadlift",
         "--variant", "kettlebell", "--json", "-", "--track-out", str(track), *args],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), PoseTrack.load(track)


def test_a_60fps_video_is_analysed_at_30_with_the_verdict_of_every_frame(
    lifter_60fps: Lifter, tmp_path: Path
) -> None:
    (tmp_path / "every").mkdir()
    every, every_track = analyze(lifter_60fps.video, tmp_path / "every", "--fps", "source")
    video = tmp_path / "annotated.mp4"
    capped, track = analyze(lifter_60fps.video, tmp_path, "--video-out", str(video))
    assert len(every_track) == len(lifter_60fps.images) and every_track.max_fps is None
    assert len(track) == pytest.approx(len(lifter_60fps.images) / 2, abs=1)
    assert track.max_fps == 30 and track.frame_rate == 30
    assert capped["rep_count"] == every["rep_count"] == 4
    for ours, theirs in zip(capped["reps"], every["reps"], strict=True):
        assert ours["outcome"] == theirs["outcome"]
        assert {f["code"] for f in ours["faults"]} == {f["code"] for f in theirs["faults"]}
        for moment in ("start_s", "turn_s", "end_s"):
            assert ours[moment] == pytest.approx(theirs[moment], abs=0.1)
    # The annotated video is drawn on the very frames analysed, one per track row, at 30 fps.
    info = VideoInfo.from_path(video)
    assert info.fps == pytest.approx(30) and info.frame_count == len(track)
    with read_frames(lifter_60fps.video, max_fps=track.max_fps) as frames:
        times = [frame.time_s for frame in frames]
    assert times == pytest.approx(list(track.times), abs=1e-6)


@pytest.mark.parametrize(("name", "fps"),
                         [("analyze", "0"), ("analyze", "fast"), ("analyze", "1e9"),
                          ("pose", "-5"), ("pose", "nan")])
def test_a_rate_that_is_not_a_positive_number_is_one_clear_error(
    lifter: Lifter, tmp_path: Path, name: str, fps: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "formcheck", *command(name, lifter.video, tmp_path),
         "--fps", fps], capture_output=True, text=True, timeout=120,
    )
    _one_clear_line(done, "--fps takes a number of frames a second")
    assert list(tmp_path.iterdir()) == []
