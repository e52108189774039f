"""The committed pose tracks (tests/tracks) are what today's code makes of their clips.

Most tests of real clips judge these tracks rather than run the model (tests/tracks/README.md),
so a change to the code that makes tracks must make them again; these tests say when it has not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.common import TRACK_FIXTURES, committed_track, cpu_model
from benchmarks.fixtures import differences, makers, stale
from formcheck.pose import DEFAULT_MAX_FPS, PoseSettings, extract_pose
from formcheck.track import PoseTrack
from tests.conftest import TBY66, clip

SENTINEL = TBY66.format("c")
"""21 s: long enough to be read in two parts, so that a change to how a video is split between
processes (``formcheck.pose.part_bounds``, the helper's warm-up) shows too."""

DARK_SENTINEL = "deadlift/BichraiX__AI-Deadlift-Analysis__bad_bad005.mp4"
"""1.7 s, every frame dark (mean grey 20 of 255): what the pose model reads of it is brightened
(``formcheck.exposure``), which the sentinel, filmed in daylight, never shows."""


def test_every_committed_track_is_of_todays_format() -> None:
    assert any(TRACK_FIXTURES.glob("*.npz"))
    old = stale()
    assert not old, (f"{len(old)} tracks in tests/tracks are of an older format: "
                     "python -m benchmarks.fixtures makes them again")


@pytest.mark.slow
def test_todays_code_makes_the_committed_track_again(pose_model) -> None:
    """Catches a change to the pipeline that forgot to raise TRACK_FORMAT. On the CPU that made
    the tracks the model is deterministic, so the track must come out bit for bit; another
    CPU's MediaPipe differs in the last decimals, so there the landmarks need only agree to well
    under a pixel, which a changed filter, crop, rotation or contour would not."""
    video = clip(SENTINEL)
    committed = PoseTrack.load(committed_track(video))
    made = extract_pose(video, PoseSettings(model="full", max_fps=DEFAULT_MAX_FPS))
    if made_here(video):
        assert not differences(made, committed)
        return
    assert made.times.tolist() == committed.times.tolist()
    # Measured on the decoded picture: FFmpeg's colour conversion may round a pixel otherwise
    # on another CPU, which moves a mean of many pixels by far less than a grey level.
    assert np.allclose(made.picture_change, committed.picture_change, atol=0.25, equal_nan=True)
    # and the camera's steps: points followed in a thumbnail 160 px wide, to a tenth of its pixel
    assert np.nanmedian(np.abs(made.camera_shift - committed.camera_shift)) < 0.1 / 160
    assert (made.present == committed.present).mean() >= 0.95
    both = made.present & committed.present
    # median differences measured between two AMD EPYC generations (both named so by the
    # virtual machine): 0.0007 of the frame, 1.6 mm and 0.0003; a changed filter, crop or
    # rotation moves them by hundredths of the frame and centimetres
    for name, within in (("landmarks", 1e-3), ("world", 3e-3), ("back_contour", 1e-3)):
        difference = np.abs(getattr(made, name)[both] - getattr(committed, name)[both])
        assert np.nanmedian(difference) < within, name


@pytest.mark.slow
def test_todays_code_reads_a_dark_clip_as_its_committed_track_does(pose_model) -> None:
    """The same for what the model reads of a dark frame. No tolerance was measured for how far
    two CPUs' tracks of a dark clip may differ, so elsewhere than on the CPU that made it
    the test says so and stops."""
    video = clip(DARK_SENTINEL)
    if not made_here(video):
        pytest.skip(f"{DARK_SENTINEL} was made on another CPU (tests/tracks/made_on.json): "
                    "only a bit-for-bit comparison is measured for it")
    made = extract_pose(video, PoseSettings(model="full", max_fps=DEFAULT_MAX_FPS))
    assert not differences(made, PoseTrack.load(committed_track(video)))


def made_here(video: Path) -> bool:
    """Whether this machine's CPU made the committed track of ``video``."""
    return makers().get(committed_track(video).name, {}).get("processor") == cpu_model()
