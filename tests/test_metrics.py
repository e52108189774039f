"""Set metrics: speeds and ranges of motion in metres on known geometry, and on a real set."""

from __future__ import annotations

import math

import numpy as np
import pytest
from synthetic import TRUNK_M, drop, hinge

from formcheck.analysis import analyze_track, run_analysis
from formcheck.config import load_lift
from formcheck.errors import FormcheckError
from formcheck.metrics import (
    TRUNK_SHARE_OF_STATURE,
    check_height,
    heights,
    path_metrics,
    velocity_loss,
)
from formcheck.reps import Rep
from formcheck.summaries import set_line
from tests.conftest import TBY66

TIMES = np.arange(61) / 30.0
"""Two seconds at 30 fps."""


def _rep(turn_at: str = "top") -> Rep:
    return Rep(1, 0, 30, 60, 0.0, 1.0, 2.0, turn_at, 1.0)  # type: ignore[arg-type]


def test_a_wrist_rising_half_a_metre_in_a_second_moves_at_half_a_metre_per_second() -> None:
    hand = np.interp(TIMES, [0, 1, 2], [0.2, 0.7, 0.2])
    moved = path_metrics(hand, TIMES, _rep())
    assert moved is not None
    assert (moved.rom_m, moved.mean_speed_m_s, moved.peak_speed_m_s) == (0.5, 0.5, 0.5)


def test_peak_speed_is_the_fastest_moment_of_the_lifting_half() -> None:
    """Down in the first second, up in the second along half a cosine: the peak, pi/4 m/s
    mid-way up, is in the half that lifts when the rep turns at the bottom."""
    hand = 0.25 * (1 + np.cos(np.pi * TIMES))  # 0.5 -> 0 at 1 s -> 0.5
    moved = path_metrics(hand, TIMES, _rep("bottom"))
    assert moved is not None
    assert moved.mean_speed_m_s == 0.5 and moved.rom_m == 0.5
    assert moved.peak_speed_m_s == pytest.approx(math.pi / 4, abs=0.005)


def test_a_gap_in_the_rep_gives_no_number() -> None:
    hand = np.interp(TIMES, [0, 1, 2], [0.2, 0.7, 0.2])
    hand[40] = np.nan
    assert path_metrics(hand, TIMES, _rep()) is None


def test_velocity_loss_runs_from_the_fastest_rep_to_the_last() -> None:
    assert velocity_loss([0.8, 1.0, 0.9, 0.7]) == 30.0
    assert velocity_loss([0.7]) is None
    assert velocity_loss([0.05, -0.01]) is None  # the hands lifted nothing


@pytest.mark.parametrize("height", [1.75, 0.0, 300.0, math.nan])
def test_a_height_not_in_centimetres_is_refused(height: float) -> None:
    with pytest.raises(FormcheckError, match="centimetres"):
        check_height(height)


SYNTHETIC_STATURE_CM = 100.0 * TRUNK_M / TRUNK_SHARE_OF_STATURE
"""The height at which the image scale is the synthetic lifter's exactly."""


def test_world_and_height_scaled_image_agree_on_a_synthetic_lifter() -> None:
    """The synthetic track's world landmarks are its pixels over a known scale, so both methods
    must find the same metres; and the same as the exact geometry, smoothing aside."""
    clip = hinge(reps=3, from_floor=True)
    lift = load_lift("deadlift")
    analysis = run_analysis(clip.track, lift)
    image = analyze_track(clip.track, lift, height_cm=SYNTHETIC_STATURE_CM)
    assert len(analysis.report.reps) == 3
    raw = clip.track.world[:, :, 1].astype(float)
    for rep, world_rep, image_rep in zip(analysis.reps, analysis.report.reps, image.reps,
                                         strict=True):
        for point in ("wrist", "hip"):
            world_m, image_m = getattr(world_rep.metrics, point), getattr(image_rep.metrics, point)
            assert world_m.rom_m == pytest.approx(image_m.rom_m, abs=0.002)
            assert world_m.mean_speed_m_s == pytest.approx(image_m.mean_speed_m_s, abs=0.005)
            assert world_m.peak_speed_m_s == pytest.approx(image_m.peak_speed_m_s, abs=0.005)
        side = analysis.kin.facing
        index = {"left": 15, "right": 16}[side]
        ankle = {"left": 27, "right": 28}[side]
        lifted = raw[rep.frames, ankle] - raw[rep.frames, index]
        assert world_rep.metrics.wrist.rom_m == pytest.approx(np.ptp(lifted), abs=0.02)
    assert analysis.report.set_metrics.method == "world"
    assert image.set_metrics.method == "image"
    assert image.set_metrics.lifter_height_cm == pytest.approx(SYNTHETIC_STATURE_CM)


def test_a_rep_the_lifter_was_lost_in_has_no_metrics() -> None:
    clip = hinge(reps=3, from_floor=True)
    rep_times = clip.times("top")
    report = analyze_track(drop(clip.track, rep_times[1] - 0.4, rep_times[1] + 0.4),
                           load_lift("deadlift"))
    lost = [rep for rep in report.reps if rep.outcome == "ambiguous"]
    assert lost and all(rep.metrics.wrist is None and rep.metrics.hip is None for rep in lost)
    assert report.set_metrics.reps_measured == len(report.reps) - len(lost)


def test_heights_of_a_real_set_are_those_of_a_kettlebell_deadlift(real_track) -> None:
    """The correct TBY66 set, full model: every rep measured, the bell rising from the floor to
    the hips (about half a metre), and the two methods within 15 % at a stated 1.75 m."""
    track = real_track(TBY66.format("c"))
    lift = load_lift("deadlift", "kettlebell")
    world = analyze_track(track, lift)
    image = analyze_track(track, lift, height_cm=175)
    assert world.set_metrics.reps_measured == world.rep_count == 10
    for a, b in zip(world.reps, image.reps, strict=True):
        assert 0.35 < a.metrics.wrist.rom_m < 0.7
        assert 0.3 < a.metrics.wrist.mean_speed_m_s < 1.5
        assert a.metrics.wrist.mean_speed_m_s == pytest.approx(b.metrics.wrist.mean_speed_m_s,
                                                               rel=0.15)
    assert world.set_metrics.velocity_loss_pct is not None


def test_heights_read_world_landmarks_unless_a_height_is_given() -> None:
    clip = hinge(reps=1)
    kin = run_analysis(clip.track, load_lift("deadlift")).kin
    world, image = heights(kin, 0.5), heights(kin, 0.5, SYNTHETIC_STATURE_CM)
    np.testing.assert_allclose(world["hip"], image["hip"], atol=1e-3)


def test_the_velocity_loss_reads_right_when_the_last_rep_was_the_fastest() -> None:
    from formcheck.metrics import velocity_loss_words
    from formcheck.report import SetMetrics

    def words(loss: float | None, fastest: int) -> str | None:
        return velocity_loss_words(SetMetrics.model_construct(
            velocity_loss_pct=loss, fastest_rep=fastest))

    assert words(11.5, 8) == "velocity loss 11.5% from rep 8 to the last"
    assert words(0.0, 10) == "no velocity loss: the fastest rep, rep 10, was the last"
    assert words(None, 3) is None


def test_the_speed_line_is_left_out_where_the_hands_lifted_nothing() -> None:
    """A set whose hands moved slower than anything loaded moves, or fell as each rep 'rose'
    (a lift named wrongly), has no speed to read: "hands -0.58 m/s mean concentric" was said."""
    report = analyze_track(hinge(3).track, load_lift("deadlift"))
    metrics = report.set_metrics
    for speed, said in ((0.6, True), (0.05, False), (-0.58, False)):
        moved = report.model_copy(update={"set_metrics": metrics.model_copy(
            update={"mean_wrist_speed_m_s": speed})})
        line = set_line(moved)
        assert (line is not None) == said, line
        if said:
            assert line.startswith("speed: hands 0.60 m/s mean concentric")
