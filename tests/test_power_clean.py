"""The power clean (issue #17): its series, its made rep (the bar racked: the catch), and each
of its new checks on synthetic cleans of known geometry (tests/synthetic_clean.py), a rep just
inside and just outside every threshold; then the lift end to end: JSON, CSV, HTML report,
annotated video, live and batch. Its real clips are in test_power_clean_clips.py."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from end_to_end import batch_equals_analyze, html_and_video, json_and_csv, live_equals_analyze
from synthetic import TRUNK, View, crop
from synthetic_clean import PULL_REACH, power_clean
from synthetic_squat import thigh_for_depth

from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.errors import FormcheckError
from formcheck.kinematics import kinematics
from formcheck.lift import Lift
from formcheck.report import Report

FAST = View(fps=60.0)
"""Fast enough for the arm-bend check (``arm_bend_max_interval``)."""
FRONT = View(yaw_deg=0.0)
MARGIN = 3.0
"""Degrees inside or outside an angle's limit."""


@cache
def lift(variant: str = "floor") -> Lift:
    return load_lift("power_clean", variant)


def judged(track, variant: str = "floor") -> Report:
    return analyze_track(track, lift(variant), evidence=None)


def found(report: Report, code: str) -> list[float]:
    """The value ``code`` was found with on each rep (NaN where it was not)."""
    return [next((f.value for f in rep.faults if f.code == code), np.nan) for rep in report.reps]


def test_the_lift_is_listed_with_its_variants_and_sourced_thresholds() -> None:
    assert lift().driver == "wrist_over_hip" and lift().made_at == "rack"
    assert set(lift().variants) == {"floor", "hang"}
    assert {"early_arm_bend", "bar_loop", "squat_catch", "stiff_catch", "hips_rise_first",
            "rounded_back"} <= set(lift().faults)
    assert "hips_rise_first" not in lift("hang").faults  # no floor to rise from
    assert all(t.source for t in lift().thresholds.values())


def test_the_series_are_the_drawn_heights() -> None:
    clip = power_clean(1)
    kin = kinematics(clip.track, ["wrist_over_hip", "elbow_over_shoulder", "forearm_rise"],
                     smoothing="none")  # the pull under is faster than the smoothing passes
    p, side = clip.body.points, kin.facing
    for name, (high, low) in {"wrist_over_hip": ("wrist", "hip"),
                              "elbow_over_shoulder": ("elbow", "shoulder"),
                              "forearm_rise": ("wrist", "elbow")}.items():
        drawn = (p[low][:, 1] - p[high][:, 1]) / TRUNK
        np.testing.assert_allclose(kin[name][side].value, drawn, atol=0.02)


@pytest.mark.parametrize("start", ["floor", "hang"])
@pytest.mark.parametrize("view", [View(), FRONT], ids=["side", "front"])
def test_every_clean_is_counted_at_its_catch_and_passes(start: str, view: View) -> None:
    """The rep turns as the bar lands in the rack (the catch's arrival, ~0.2 s before the
    middle of its hold), not in the middle of the rack held through the stand."""
    clip = power_clean(3, start=start, view=view)
    report = judged(clip.track, start)
    assert report.rep_count == 3
    arrivals = clip.times("catch") - 0.2
    assert [rep.turn_s for rep in report.reps] == pytest.approx(arrivals, abs=0.1)
    assert all(not rep.faults for rep in report.reps)


def test_the_arm_bend_check_abstains_below_60_frames_a_second() -> None:
    report = judged(power_clean(1, pull_elbow_deg=120.0).track)
    reason, = (a.reason for a in report.reps[0].abstained if a.check == "early_arm_bend")
    assert "needs 60 frames/s or more (the video has 30)" in reason
    assert "second pull lasts about 0.2 s" in reason


@pytest.mark.parametrize("outside", [True, False], ids=["outside", "inside"])
def test_early_arm_bend_just_inside_and_outside(outside: bool) -> None:
    limit = lift().value("arm_bend_elbow_angle")
    drawn = limit - MARGIN if outside else limit + MARGIN
    values = found(judged(power_clean(3, pull_elbow_deg=drawn, view=FAST).track),
                   "early_arm_bend")
    if outside:
        assert values == pytest.approx([drawn] * 3, abs=0.5)
    else:
        assert np.isnan(values).all()


@pytest.mark.parametrize("outside", [True, False], ids=["outside", "inside"])
def test_bar_loop_just_inside_and_outside(outside: bool) -> None:
    """At the top of the pull the wrists lie PULL_REACH in front of the trunk, plus the loop."""
    limit = lift().value("bar_loop")
    drawn = limit + 0.05 if outside else limit - 0.05
    values = found(judged(power_clean(3, loop=drawn - PULL_REACH).track), "bar_loop")
    if outside:
        assert values == pytest.approx([drawn] * 3, abs=0.02)
    else:
        assert np.isnan(values).all()


def test_bar_loop_is_not_judged_from_the_front() -> None:
    report = judged(power_clean(1, loop=1.0, view=FRONT).track)
    assert not report.reps[0].faults
    assert any(a.check == "bar_loop" and "side view" in a.reason
               for a in report.reps[0].abstained)


@pytest.mark.parametrize("view", [View(), FRONT], ids=["side", "front"])
@pytest.mark.parametrize("outside", [True, False], ids=["outside", "inside"])
def test_squat_catch_just_inside_and_outside(outside: bool, view: View) -> None:
    """A height against the knees: judged from the front as from the side."""
    limit = lift().value("catch_hip_above_knee")
    drawn = limit - 0.03 if outside else limit + 0.03
    values = found(judged(power_clean(3, catch_thigh_deg=thigh_for_depth(drawn),
                                      catch_shin_deg=30.0, view=view).track), "squat_catch")
    if outside:
        assert values == pytest.approx([drawn] * 3, abs=0.01)
    else:
        assert np.isnan(values).all()


@pytest.mark.parametrize("outside", [True, False], ids=["outside", "inside"])
def test_stiff_catch_just_inside_and_outside(outside: bool) -> None:
    """The knee angle is 180 - thigh - shin (both from vertical)."""
    limit = lift().value("catch_knee_angle")
    knee = limit + MARGIN if outside else limit - MARGIN
    values = found(judged(power_clean(3, catch_thigh_deg=10.0, catch_shin_deg=170.0 - knee,
                                      catch_trunk_deg=5.0).track), "stiff_catch")
    if outside:
        assert values == pytest.approx([knee] * 3, abs=0.5)
    else:
        assert np.isnan(values).all()


def test_a_catch_deep_past_parallel_is_major() -> None:
    drawn = lift().value("catch_hip_above_knee_major") - 0.03
    report = judged(power_clean(2, catch_thigh_deg=thigh_for_depth(drawn),
                                catch_shin_deg=35.0).track)
    assert [f.severity for rep in report.reps for f in rep.faults] == ["major"] * 2


def test_a_clean_the_clip_ends_in_counts_once_racked() -> None:
    clip = power_clean(2)
    catch = clip.times("catch")[-1]
    made = judged(crop(clip.track, 0.0, catch + 0.1))
    assert made.rep_count == 2 and not made.reps[-1].lowered
    assert made.reps[-1].made_s == pytest.approx(catch - 0.2, abs=0.1)
    short = judged(crop(clip.track, 0.0, catch - 0.3))  # the bar still on its way up
    assert short.rep_count == 1
    assert "before the rep was made" in short.not_counted[-1].reason


def test_made_at_rack_needs_its_threshold(tmp_path: Path, monkeypatch) -> None:
    from formcheck.config import LIFT_PATH_ENV
    from formcheck.lifts import __file__ as lifts_init

    text = (Path(lifts_init).parent / "power_clean.toml").read_text()
    cut = [("[thresholds.rack_elbow_height]", "[thresholds.arm_bend_elbow_angle]"),
           ('[[checks]]\nrule = "catch_depth"', "[variants.floor]")]  # its check reads it too
    for start, end in cut:
        text = text[:text.index(start)] + text[text.index(end):]
    (tmp_path / "power_clean.toml").write_text(text)
    monkeypatch.setenv(LIFT_PATH_ENV, str(tmp_path))
    with pytest.raises(FormcheckError, match="made_at = 'rack' needs the threshold "
                       "rack_elbow_height"):
        load_lift("power_clean")


# --- end to end ------------------------------------------------------------------------------

FAULTY = dict(loop=0.6, catch_thigh_deg=10.0, catch_shin_deg=5.0)
"""A bar swinging out (bar_loop) caught stiff-legged (stiff_catch)."""
FAULTS = {"bar_loop", "stiff_catch"}


def test_json_and_csv_reports(tmp_path: Path) -> None:
    report, rows = json_and_csv(power_clean(2, **FAULTY).track, lift(), tmp_path)
    assert report["rep_count"] == 2 and report["exercise"] == "power_clean"
    assert {f["code"] for f in report["reps"][0]["faults"]} == FAULTS
    assert len(rows) == 2


def test_html_report_and_annotated_video(tmp_path: Path) -> None:
    report, page = html_and_video(power_clean(2, **FAULTY).track, lift(), tmp_path)
    assert report.rep_count == 2
    assert "<h1>Power clean (from the floor or the hang)</h1>" in page
    assert "stiff catch" in page.replace("_", " ")


@pytest.mark.parametrize("view", [View(), FRONT], ids=["side", "front"])
def test_live_verdicts_equal_analyze(view: View) -> None:
    report = live_equals_analyze(power_clean(3, **FAULTY, view=view).track, lift())
    assert report.rep_count == 3 and all(rep.faults for rep in report.reps)


def test_batch_scores_a_clean_like_analyze(tmp_path: Path) -> None:
    report = batch_equals_analyze(power_clean(2, **FAULTY).track, lift("hang"), tmp_path)
    assert report.rep_count == 2

