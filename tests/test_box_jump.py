"""The box jump (issue #17): its series, its reps (stepping or jumping down is never one) and
each of its checks on synthetic jumps of known geometry (tests/synthetic_jump.py), a rep just
inside and just outside every threshold; then the lift end to end: JSON, CSV, HTML report,
annotated video, live and batch; and its labelled real clip (slow)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from end_to_end import batch_equals_analyze, html_and_video, json_and_csv, live_equals_analyze
from synthetic import TRUNK_M, View, crop
from synthetic_jump import BOX_M, box_jump

from benchmarks.accuracy import read_labels
from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.kinematics import kinematics
from formcheck.lift import Lift
from formcheck.report import Report

MARGIN = 3.0
"""Degrees inside or outside an angle's limit."""
FRONT = View(yaw_deg=0.0)


@cache
def lift() -> Lift:
    return load_lift("box_jump")


def judged(track) -> Report:
    return analyze_track(track, lift(), evidence=None)


def found(report: Report, code: str) -> list[float]:
    """The value ``code`` was found with on each rep (NaN where it was not)."""
    return [next((f.value for f in rep.faults if f.code == code), np.nan) for rep in report.reps]


def test_the_lift_is_listed_with_sourced_thresholds() -> None:
    assert lift().driver == "ankle_lift" and lift().made_at == "standing_tall"
    assert set(lift().faults) == {"incomplete_extension", "stiff_landing", "not_standing_tall",
                                  "jumping_down"}
    assert all(t.source for t in lift().thresholds.values())
    assert "box's height in centimetres is not in the pose" in lift().description


def test_the_hips_and_feet_rise_by_the_box_in_the_picture() -> None:
    clip = box_jump(1)
    kin = kinematics(clip.track, ["hip_lift", "ankle_lift"], smoothing="none")
    side = kin.facing
    top = round(clip.times("top")[0] * clip.track.fps)
    for name in ("hip_lift", "ankle_lift"):
        rise = kin[name][side].value[top] - kin[name][side].value[0]
        assert rise == pytest.approx(BOX_M / TRUNK_M, abs=0.02)  # trunk lengths


@pytest.mark.parametrize("view", [View(), View(yaw_deg=-90.0)], ids=["right", "left"])
def test_every_jump_is_counted_standing_on_the_box_and_stepping_down_is_not_a_rep(view) -> None:
    clip = box_jump(2, view=view)
    report = judged(clip.track)
    assert report.rep_count == 2
    for rep, landed, top in zip(report.reps, clip.times("land"), clip.times("top"), strict=True):
        assert landed - 0.2 <= rep.turn_s <= top + 0.3  # on the box
    assert all(not rep.faults for rep in report.reps)
    assert not report.not_counted  # each step down ends its jump: no movement of its own


def test_a_squat_never_lifts_the_feet_and_is_no_box_jump() -> None:
    from synthetic_squat import squat

    report = judged(squat(3).track)
    assert report.rep_count == 0 and not report.not_counted


def test_a_jump_the_clip_ends_on_the_box_counts_once_standing_tall() -> None:
    clip = box_jump(2)
    top = clip.times("top")[-1]
    made = judged(crop(clip.track, 0.0, top + 0.2))
    assert made.rep_count == 2 and not made.reps[-1].lowered
    before = judged(crop(clip.track, 0.0, clip.times("takeoff")[-1]))  # still on the floor
    assert before.rep_count == 1


def test_standing_tall_needs_the_made_still_threshold(tmp_path: Path, monkeypatch) -> None:
    """How still the feet must be is the lift's threshold, with its unit and source: a lift
    file made standing tall without it is refused by name."""
    from formcheck.config import LIFT_PATH_ENV
    from formcheck.errors import FormcheckError
    from formcheck.lifts import __file__ as lifts_init

    text = (Path(lifts_init).parent / "box_jump.toml").read_text()
    start = text.index("[thresholds.made_still]")
    end = text.index("[thresholds.takeoff_extension]")
    (tmp_path / "box_jump.toml").write_text(text[:start] + text[end:])
    monkeypatch.setenv(LIFT_PATH_ENV, str(tmp_path))
    with pytest.raises(FormcheckError, match="made_at = 'standing_tall' needs the threshold "
                                             "made_still"):
        load_lift("box_jump")
    assert lift().value("made_still") == 1.5


CASES = {
    "incomplete_extension": ("takeoff_extension", "below", "takeoff_deg"),
    "not_standing_tall": ("standing_extension", "below", "standing_deg"),
    "stiff_landing": ("landing_knee_bend", "below", "landing_bend_deg"),
}
"""Each angle check's threshold, the side a fault lies on, and the generator's parameter."""


@pytest.mark.parametrize("outside", [True, False], ids=["outside", "inside"])
@pytest.mark.parametrize("code", list(CASES))
def test_each_angle_check_just_inside_and_outside(code: str, outside: bool) -> None:
    name, _, parameter = CASES[code]
    limit = lift().value(name)
    drawn = limit - MARGIN if outside else limit + MARGIN
    values = found(judged(box_jump(2, **{parameter: drawn}).track), code)
    if outside:
        assert values == pytest.approx([drawn] * 2, abs=0.5)
    else:
        assert np.isnan(values).all()


@pytest.mark.parametrize("outside", [True, False], ids=["outside", "inside"])
def test_jumping_down_just_inside_and_outside(outside: bool) -> None:
    """The feet come down about ``step_s`` apart (each foot half way down mid-move)."""
    limit = lift().value("step_down_s")
    drawn = limit - 0.05 if outside else limit + 0.05
    values = found(judged(box_jump(2, step_s=drawn).track), "jumping_down")
    if outside:
        assert values == pytest.approx([drawn] * 2, abs=0.04)
    else:
        assert np.isnan(values).all()


def test_jumping_down_with_both_feet_is_a_fault_and_a_clip_ending_on_the_box_is_not_judged():
    assert found(judged(box_jump(1, jump_down=True).track), "jumping_down") == [0.0]
    clip = box_jump(1)
    ends = judged(crop(clip.track, 0.0, clip.times("top")[-1] + 0.2))
    check, = (c for c in ends.reps[0].checks if c.check == "jumping_down")
    assert check.result == "clear"  # nothing to judge: the lifter is still on the box


def test_the_angle_checks_abstain_from_the_front_and_jumping_down_does_not() -> None:
    report = judged(box_jump(1, jump_down=True, view=FRONT).track)
    rep, = report.reps
    assert {a.check for a in rep.abstained} == {"incomplete_extension", "stiff_landing",
                                                "not_standing_tall"}
    assert [f.code for f in rep.faults] == ["jumping_down"]


# --- end to end ------------------------------------------------------------------------------

FAULTY = dict(landing_bend_deg=15.0, jump_down=True)
FAULTS = {"stiff_landing", "jumping_down"}


def test_json_and_csv_reports(tmp_path: Path) -> None:
    report, rows = json_and_csv(box_jump(2, **FAULTY).track, lift(), tmp_path)
    assert report["rep_count"] == 2 and report["exercise"] == "box_jump"
    assert {f["code"] for f in report["reps"][0]["faults"]} == FAULTS
    assert len(rows) == 2


def test_html_report_and_annotated_video(tmp_path: Path) -> None:
    report, page = html_and_video(box_jump(2, **FAULTY).track, lift(), tmp_path)
    assert report.rep_count == 2
    assert "<h1>Box jump</h1>" in page and "stiff landing" in page.replace("_", " ")


def test_live_verdicts_equal_analyze() -> None:
    report = live_equals_analyze(box_jump(2, **FAULTY).track, lift())
    assert report.rep_count == 2 and all(rep.faults for rep in report.reps)


def test_batch_scores_a_jump_like_analyze(tmp_path: Path) -> None:
    assert batch_equals_analyze(box_jump(2, **FAULTY).track, lift(), tmp_path).rep_count == 2



# --- the labelled real clip --------------------------------------------------------------------

REAL = "box_jump/Goondoc08__to-be-frank__box-jump.mp4"


@pytest.mark.slow
def test_the_labelled_jump_counts_once_made_standing_tall_and_passes(real_track) -> None:
    """Goondoc08's jump: a paused dip, the jump, a soft landing, standing tall on the box, then
    a step down backwards (not a rep). Made standing tall: the labelled end (3.53 s)."""
    report = judged(real_track(REAL))
    _, labelled = read_labels()
    assert report.rep_count == len(labelled[REAL]) == 1
    rep, = report.reps
    assert rep.made_s == pytest.approx(float(labelled[REAL][0]["end_s"]), abs=0.35)
    assert rep.outcome == "valid" and not rep.faults
    assert {c.check for c in rep.checks if c.result == "clear"} == set(lift().faults)


@pytest.mark.slow
@pytest.mark.parametrize("ends_s", [3.8, 4.2])
def test_the_labelled_jump_cut_standing_on_the_box_counts_where_it_was_made(real_track,
                                                                            ends_s) -> None:
    """Cut while he stands tall on the box, Goondoc08's jump is one rep made there (3.57 s):
    the hips open with the feet still, not at take-off (the hips open then too), and his feet
    travelling on from take-off to where they land is no walk-off."""
    report = judged(crop(real_track(REAL), 0.0, ends_s))
    assert report.rep_count == 1 and not report.not_counted
    rep, = report.reps
    assert not rep.lowered and rep.made_s == pytest.approx(3.57, abs=0.05)


def test_a_jump_the_clip_ends_on_landing_was_not_made() -> None:
    """Cut as the lifter lands on the box, knees bent: no rep, since a box jump is made
    standing tall with the feet still, not where its hips opened in the air (made at lockout,
    as a deadlift is, it counted, made at the take-off)."""
    clip = box_jump(1)
    report = judged(crop(clip.track, 0.0, clip.times("land")[0]))
    assert report.rep_count == 0
    assert [cut.reason for cut in report.not_counted] == [
        "the clip ends before the rep was made (its lockout, apex or top)"]
