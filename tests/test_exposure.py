"""The picture the pose model reads of a dark video (formcheck.exposure)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from benchmarks.accuracy import labelled_lift, read_labels
from formcheck import analyze, pose
from formcheck.analysis import analyze_track
from formcheck.exposure import DARK_TARGET, MAX_GAIN, for_model
from formcheck.video import Frame
from tests.conftest import clip


def frame(level: float, size: tuple[int, int] = (360, 640)) -> np.ndarray:
    return np.full((*size, 3), round(level), dtype=np.uint8)


TARGET = DARK_TARGET * 255


@pytest.mark.parametrize("level", [np.ceil(TARGET), 128, 255])
def test_a_frame_lit_well_enough_is_read_as_filmed(level: float) -> None:
    lit = frame(level)
    assert for_model(lit) is lit


def test_a_black_frame_is_left_black() -> None:
    black = frame(0)
    assert for_model(black) is black


@pytest.mark.parametrize("level", [20, 40, 60])
def test_a_dark_frame_is_brought_up_to_the_target(level: float) -> None:
    assert for_model(frame(level)).mean() == pytest.approx(TARGET, abs=1)


@pytest.mark.parametrize("level", [1, 2, 6, 12])
def test_a_frame_near_black_is_lifted_at_most_max_gain_times(level: float) -> None:
    """A fade or a covered lens holds mostly noise: never blown up to the target."""
    read = for_model(frame(level)).mean()
    assert level < read <= MAX_GAIN * level + 0.5


def test_shadows_rise_while_highlights_stay_and_no_two_levels_swap() -> None:
    dim = frame(20)
    dim[0, :256] = np.arange(256)[:, None]  # every grey level once
    read = for_model(dim)
    assert read.mean() > dim.mean() + 20
    assert (np.diff(read[0, :256, 0].astype(int)) >= 0).all()
    assert read[0, 200:256, 0].min() >= 200  # the highlights stay highlights


def test_no_jump_where_brightening_begins() -> None:
    """Gamma 1 at the target: a video whose light hovers about it is not read as two pictures."""
    rng = np.random.default_rng(1)
    just_below = np.clip(rng.normal(TARGET - 1, 40, (360, 640, 3)), 0, 255).astype(np.uint8)
    assert for_model(just_below) is not just_below
    assert np.abs(for_model(just_below).astype(int) - just_below).max() <= 1


def test_the_frame_given_is_not_changed() -> None:
    dim = frame(20)
    for_model(dim)
    assert (dim == 20).all()


@pytest.mark.parametrize("image", [np.full((4, 4, 3), 0.1), np.zeros((0, 0, 3), np.uint8)])
def test_what_is_no_picture_of_bytes_passes_untouched(image: np.ndarray) -> None:
    assert for_model(image) is image


@pytest.mark.slow
def test_the_model_reads_the_frame_brightened_and_the_picture_measures_it_as_filmed(
        pose_model, monkeypatch: pytest.MonkeyPatch) -> None:
    """Edit cuts and camera motion compare frames as filmed: brightened, a frame whose light
    crosses the target between two frames would read as a change of shot."""
    seen: dict[str, list[float]] = {"model": [], "signature": [], "thumbnail": []}
    for name, module in (("signature", pose.shots), ("thumbnail", pose.camera)):
        measure = getattr(module, name)
        monkeypatch.setattr(module, name, lambda image, m=measure, n=name: (
            seen[n].append(float(image.mean())), m(image))[1])
    with pose.PoseEstimator() as estimator:
        detect = estimator._landmarker.detect_for_video

        def reading(image: Any, stamp: int) -> Any:  # MediaPipe's own types
            seen["model"].append(float(image.numpy_view().mean()))
            return detect(image, stamp)

        monkeypatch.setattr(estimator._landmarker, "detect_for_video", reading)
        estimator.estimate(Frame(0, 0.0, frame(20)))
    assert seen["model"] == [pytest.approx(TARGET, abs=1)]
    assert seen["signature"] == seen["thumbnail"] == [20.0]


DARK_CLIPS = (
    "pull_up/TheSebitzu__gym-app-ai__pull_ups.mp4",  # grey level 26 of 255: 1 of 2 read as filmed
    "deadlift/BichraiX__AI-Deadlift-Analysis__bad_bad005.mp4",  # 20: 0 of 1
    "deadlift/BichraiX__AI-Deadlift-Analysis__good_good004.mp4",  # 20: 2 for 1
)
"""Dark clips the pose model read as filmed miscounted (benchmarks/RESULTS.md, "Dark video"). Their
committed tracks hold the counts on what the model makes of them brightened; the last test
holds the pipeline that brightens them, on the video with the real model."""


@pytest.mark.slow
@pytest.mark.parametrize("name", DARK_CLIPS)
def test_dark_clips_count_as_labelled(real_track, name: str) -> None:
    clips, _ = read_labels()
    row = next(row for row in clips if row["file"] == name)
    report = analyze_track(real_track(name), labelled_lift(row))
    assert report.rep_count == int(row["rep_count"])


@pytest.mark.slow
def test_a_pull_up_set_in_a_dark_gym_is_counted_from_the_video(pose_model) -> None:
    report = analyze(clip(DARK_CLIPS[0]), "pull_up")
    assert report.rep_count == 2
    assert report.detection_rate > 0.95
