"""Regression on real clips against labels made by looking at the frames (tests/labels).

Counts must be exact; fault expectations follow the sources' own labels where we could see the
fault ourselves. The measures are tested with every check judging (``evidence=None``); what a
user gets, each check judging only from the views where its precision holds up, is tested
apart. Needs ../shared/clips (skipped, with the reason, when absent).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.report import Report
from tests.conftest import RACK_PULL, RUSSIAN_SWING, TBY66

SQUAT_FRONT = "back_squat/Ulisses-coach__kbtrainer__backSquats.mp4"
SQUAT_SIDE = "back_squat/vivekkumar20041806__gym__dumbbell_squats.mp4"
"""Split screen; the pose model follows the right (DO) panel, which the labels describe."""
SQUAT_REAR = "back_squat/calimiro-ai__WorkoutTracker__squat_13.mp4"
"""Opens on the way down: that squat is under way, not a rep."""
FRONT_SQUAT = "front_squat/Ulisses-coach__kbtrainer__front_squat_.mp4"

pytestmark = pytest.mark.slow

LABELS = Path(__file__).resolve().parent / "labels"

ROW = "row/julioccv13__entrenamiento_2__barbell_row.mp4"
"""Bent-over barbell rows, side view; its last pull is cut at the torso by an end card."""
CLOSE_GRIP_ROW = "row/monkeyshavefallenthetree__bassem__bent_over_row_close_grip.mp4"

CLIPS = {
    TBY66.format("c"): ("deadlift", "kettlebell"),
    TBY66.format("h"): ("deadlift", "kettlebell"),
    TBY66.format("k"): ("deadlift", "kettlebell"),
    TBY66.format("r"): ("deadlift", "kettlebell"),
    "hip_thrust/palFitness__WORKOUT-HOME.github.io__hip_thrust.mp4": ("hip_thrust", None),
    "hip_thrust/palFitness__WORKOUT-HOME.github.io__frog_pump.mp4": (
        "hip_thrust", "glute_bridge"),
    "good_morning/palFitness__WORKOUT-HOME.github.io__goodmorning.mp4": ("good_morning", None),
    "single_leg_rdl/palFitness__WORKOUT-HOME.github.io__single_leg_deadlift.mp4": (
        "single_leg_rdl", None),
    RUSSIAN_SWING: ("kettlebell_swing", "russian"),
    RACK_PULL: ("rack_pull", "below_knee"),
    SQUAT_FRONT: ("back_squat", "bodyweight"),
    SQUAT_SIDE: ("back_squat", "goblet"),
    SQUAT_REAR: ("back_squat", "barbell"),
    FRONT_SQUAT: ("back_squat", "front"),
    ROW: ("barbell_row", "bent_over"),
    CLOSE_GRIP_ROW: ("barbell_row", "bent_over"),
    "pull_up/TRetraint__Digital-Coaching-Assistant__pull_ups.mp4": ("pull_up", None),
    "pull_up/Divyansh3021__exercise-detector__pull_up.mp4": ("pull_up", None),
    "pull_up/calimiro-ai__WorkoutTracker__pull-up_9.mp4": ("pull_up", None),
}

LABELLED_EVENT = {"deadlift": ("end_s", 0.6)}
"""Which labelled time our turnaround matches, and how closely. The TBY66 labels cut each rep
standing → bottom → standing, so our deadlift turnaround (the top) is their rep's end; the
others label the same turnaround we find."""


def _labels() -> tuple[dict[str, int], dict[str, list[dict[str, str]]]]:
    with (LABELS / "clips.csv").open() as fh:
        counts = {row["file"]: int(row["rep_count"]) for row in csv.DictReader(fh)}
    reps: dict[str, list[dict[str, str]]] = defaultdict(list)
    with (LABELS / "reps.csv").open() as fh:
        for row in csv.DictReader(fh):
            reps[row["file"]].append(row)
    return counts, reps


COUNTS, REPS = _labels()


@pytest.fixture(scope="module")
def report(real_track):
    cache: dict[str, Report] = {}

    def get(name: str) -> Report:
        if name not in cache:
            exercise, variant = CLIPS[name]
            cache[name] = analyze_track(real_track(name), load_lift(exercise, variant),
                                        evidence=None)
        return cache[name]

    return get


@pytest.mark.parametrize("name", list(CLIPS))
def test_rep_count_is_exact(report, name: str) -> None:
    assert report(name).rep_count == COUNTS[name]


@pytest.mark.parametrize("name", list(CLIPS))
def test_reps_are_where_the_labels_put_them(report, name: str) -> None:
    event, tolerance = LABELLED_EVENT.get(CLIPS[name][0], ("turn_s", 0.35))
    ours = [rep.turn_s for rep in report(name).reps]
    theirs = [float(row[event]) for row in REPS[name]]
    assert len(ours) == len(theirs)
    for mine, label in zip(ours, theirs, strict=True):
        assert mine == pytest.approx(label, abs=tolerance)


def _flagged(report: Report, code: str) -> float:
    return sum(any(f.code == code for f in rep.faults) for rep in report.reps) / report.rep_count


@pytest.mark.parametrize(
    ("label", "code"),
    [("r", "rounded_back"), ("h", "hips_rise_first"), ("k", "squatted_hinge")],
)
def test_labelled_deadlift_faults_are_found(report, label: str, code: str) -> None:
    assert _flagged(report(TBY66.format(label)), code) >= 0.7


@pytest.mark.parametrize("code", ["rounded_back", "hips_rise_first", "squatted_hinge"])
def test_correct_deadlift_is_not_flagged(report, code: str) -> None:
    assert _flagged(report(TBY66.format("c")), code) <= 0.1


def test_correct_deadlift_scores_high(report) -> None:
    result = report(TBY66.format("c"))
    assert result.valid == result.rep_count
    assert result.mean_score is not None and result.mean_score >= 90


def test_front_oblique_swing_abstains_on_side_plane_checks(real_track) -> None:
    result = analyze_track(real_track(RUSSIAN_SWING), load_lift("kettlebell_swing", "russian"))
    assert result.view.view != "side"
    assert all(rep.outcome == "ambiguous" for rep in result.reps)
    assert all("view yet" in rep.reason for rep in result.reps)
    assert all(not rep.faults for rep in result.reps)


def test_as_shipped_each_check_judges_only_where_its_evidence_holds(real_track) -> None:
    """The squatted set, as a user gets it: the knee-dominant hinge is found (that check's
    side-view precision holds up), and every check says where it judged from and how precise
    it was measured to be there; the others say why they did not judge."""
    result = analyze_track(real_track(TBY66.format("k")), load_lift("deadlift", "kettlebell"))
    assert result.view.view == "side" and result.valid == result.rep_count
    assert _flagged(result, "squatted_hinge") >= 0.7
    for rep in result.reps:
        squat = next(c for c in rep.checks if c.check == "squatted_hinge")
        assert (squat.view, squat.result) == ("side", "fault")
        assert squat.precision is not None and squat.precision >= 0.85
        for check in rep.checks:
            if check.result == "not_judged":
                reason = next(a.reason for a in rep.abstained if a.check == check.check)
                assert reason.startswith("not reliable from a side view yet")


def test_hands_behind_the_back_hide_it(report) -> None:
    result = report("good_morning/palFitness__WORKOUT-HOME.github.io__goodmorning.mp4")
    reasons = [a.reason for rep in result.reps for a in rep.abstained if a.check == "rounded_back"]
    assert len(reasons) == result.rep_count
    assert all("behind the back" in reason for reason in reasons)


ENDS_AT_LOCKOUT = "deadlift/jeff-j-chen__MediaPipe-PoseReader__nico_unblocked.mp4"
"""A single pull from the floor that the clip ends on, at lockout (benchmarks/labels)."""
WALKS_OFF = "deadlift/BichraiX__AI-Deadlift-Analysis__bad_13.mp4"
"""One pull, lowered; then the lifter stands up without the bar and walks off."""


def test_a_single_pull_the_clip_ends_on_is_counted_at_lockout(real_track) -> None:
    result = analyze_track(real_track(ENDS_AT_LOCKOUT), load_lift("deadlift"), evidence=None)
    assert result.rep_count == 1
    rep = result.reps[0]
    assert not rep.lowered and rep.eccentric_s is None and rep.made_s == rep.turn_s
    assert abs(rep.made_s - 3.03) <= 0.35  # labelled: lockout reached at 3.03 s


def test_standing_up_without_the_bar_and_walking_off_is_not_a_rep(real_track) -> None:
    result = analyze_track(real_track(WALKS_OFF), load_lift("deadlift"), evidence=None)
    assert result.rep_count == 1 and result.reps[0].lowered
    walked, = (p for p in result.not_counted if p.start_s > result.reps[0].end_s)
    assert "walked off" in walked.reason  # listed, with why, not dropped silently


@pytest.mark.parametrize("name", [SQUAT_REAR, FRONT_SQUAT])
def test_a_squat_under_way_when_the_clip_opens_is_listed_not_counted(report, name: str) -> None:
    first, *_ = report(name).not_counted
    assert first.start_s == 0.0 and "under way when the clip starts" in first.reason


@pytest.mark.parametrize(("name", "judging"), [
    (SQUAT_FRONT, {"knee_valgus"}),
    (FRONT_SQUAT, {"knee_valgus"}),
    (SQUAT_SIDE, {"squat_depth", "forward_lean", "heel_lift", "hips_rise_first",
                  "incomplete_lockout"}),
])
def test_clean_squats_pass_the_checks_their_view_can_judge(report, name: str, judging) -> None:
    """No labelled squat shows a fault: each check that can judge from the clip's view judges
    every rep and passes it; the others abstain (a side view cannot see knees cave in, a front
    view neither depth nor lean)."""
    for rep in report(name).reps:
        assert not rep.faults
        abstained = {a.check for a in rep.abstained}
        assert judging.isdisjoint(abstained)
        assert abstained >= ({"squat_depth", "forward_lean", "knee_valgus", "heel_lift",
                              "hips_rise_first", "incomplete_lockout"} - judging)


def test_a_row_cut_at_the_torso_by_the_clip_end_is_made(report) -> None:
    """A row is made with the bar at the torso (made_at = "top"): the pull an end card cuts at
    the top counts, not lowered; every other pull is lowered again."""
    for name in (ROW, CLOSE_GRIP_ROW):
        reps = report(name).reps
        assert [rep.lowered for rep in reps] == [True] * (len(reps) - 1) + [False]


def test_correct_row_is_not_flagged_for_short_pulls_or_bent_arms(report) -> None:
    """The correct (bottom) panel rows to the torso with straight arms between reps."""
    result = report(ROW)
    codes = {f.code for rep in result.reps for f in rep.faults}
    assert not codes & {"short_row", "no_extension", "torso_too_upright", "hip_drive"}


RDL_ORBIT = "romanian_deadlift/monkeyshavefallenthetree__bassem__single_rdl.mp4"
"""Four RDLs (benchmarks/labels) while the camera moves from the front to the side."""
RDL_RISING_AT_END = "romanian_deadlift/julioccv13__entrenamiento_2__rdl.mp4"
"""One RDL (benchmarks/labels); the content ends while a second is rising from its bottom."""


def test_rdl_reps_filmed_from_the_front_are_counted(real_track) -> None:
    """The trunk's lean foreshortens to ~15° from the front; the 3-D hip flexion that drives
    the RDL's reps does not (the trunk found only the two reps filmed from the side)."""
    result = analyze_track(real_track(RDL_ORBIT), load_lift("romanian_deadlift", "dumbbell"),
                           evidence=None)
    assert result.rep_count == 4
    bottoms = [3.20, 5.45, 7.80, 9.75]  # benchmarks/labels/reps.csv, +-0.15 s
    assert all(abs(rep.turn_s - t) <= 0.25 for rep, t in zip(result.reps, bottoms, strict=True))


def test_an_rdl_the_clip_ends_on_while_rising_is_not_made(real_track) -> None:
    result = analyze_track(real_track(RDL_RISING_AT_END),
                           load_lift("romanian_deadlift", "dumbbell"), evidence=None)
    assert result.rep_count == 1
    last = result.not_counted[-1]
    assert last.start_s > result.reps[0].end_s and "before the return" in last.reason


RDL_OPENING_MID_DESCENT = "romanian_deadlift/TheSebitzu__gym-app-ai__rdl.mp4"
"""Opens with the bar near the knees on the way down (the hip flexion a third of its range from
the top, under ``rep_leave``); then two whole RDLs, bottoms 3.33 and 5.68 s (benchmarks/labels)."""


def test_an_rdl_the_clip_opens_on_the_way_down_to_is_listed_not_counted(real_track) -> None:
    result = analyze_track(real_track(RDL_OPENING_MID_DESCENT), load_lift("romanian_deadlift"),
                           evidence=None)
    assert [rep.turn_s for rep in result.reps] == pytest.approx([3.33, 5.68], abs=0.15)
    first = result.not_counted[0]
    assert first.start_s == 0.0 and "under way when the clip starts" in first.reason
    assert first.end_s <= result.reps[0].start_s


THRUSTS = {
    "hip_thrust/palFitness__WORKOUT-HOME.github.io__hip_thrust.mp4": ("hip_thrust", 0.1),
    "hip_thrust/palFitness__WORKOUT-HOME.github.io__frog_pump.mp4": ("glute_bridge", 0.15),
    "hip_thrust/Hanshitha22__personalised-fitness-companion__glute-bridges.mp4": (
        "glute_bridge", 0.25),
}
"""The thrusts a blind second look timed the top of (benchmarks/labels/second_look): their
variant, and how near it each is made (the second look's own uncertainty is ±3 frames)."""


@pytest.mark.parametrize("name", list(THRUSTS))
def test_a_thrust_is_made_where_the_hips_stop_rising(real_track, name: str) -> None:
    """When the second look saw each top reached: the hip angle's hold made them 0.17-0.48 s
    early (Hanshitha's glute bridges, whose hips creep up for half a second, the most), the
    hips' height within 5 % of its highest (made_series) -0.16 to +0.20 s."""
    path = Path(__file__).resolve().parents[1] / "benchmarks/labels/second_look/thrust_top.csv"
    with path.open() as fh:
        tops = [float(row["top_reached_s"]) for row in csv.DictReader(fh) if row["file"] == name]
    variant, within = THRUSTS[name]
    report = analyze_track(real_track(name), load_lift("hip_thrust", variant), evidence=None)
    made = [rep.made_s for rep in report.reps]
    assert len(made) == len(tops)
    assert made == pytest.approx(tops, abs=within)


THRUSTS_ENDING_AT_THE_TOP = "hip_thrust/TheSebitzu__gym-app-ai__hip_thrusts.mp4"
"""Two thrusts (benchmarks/labels); the clip ends as the second reaches its top (~3.35 s)."""


def test_a_thrust_the_clip_ends_on_at_its_lockout_is_counted(real_track) -> None:
    """At 30 frames a second the second thrust's lockout (the hips open past
    ``no_rep_hip_angle``) lies at 0.58 of a range the first thrust stretched, short of
    ``rep_enter``: made all the same, so counted, as labelled (it was listed as a rise)."""
    result = analyze_track(real_track(THRUSTS_ENDING_AT_THE_TOP), load_lift("hip_thrust"),
                           evidence=None)
    assert result.rep_count == 2 and result.not_counted == []
    last = result.reps[-1]
    assert not last.lowered and abs(last.made_s - 3.35) <= 0.15


THRUST_OPENS_RISING = "hip_thrust/PapitomasterDeveloper__py-gif__hip-thrust.mp4"
"""Opens mid-ascent, ~30 % up, into a top hold (benchmarks/labels)."""


def test_a_clip_opening_standing_still_lists_no_partial_but_one_opening_mid_lift_does(
        report, real_track) -> None:
    """TBY66's lifter stands before the set: nothing moved before it, so nothing is listed; a
    thrust the clip opens in, rising into its top, is listed as under way."""
    assert not [p for p in report(TBY66.format("c")).not_counted if p.start_s == 0.0]
    thrust = analyze_track(real_track(THRUST_OPENS_RISING), load_lift("hip_thrust"),
                           evidence=None)
    first = thrust.not_counted[0]
    assert first.start_s == 0.0 and first.reason.startswith("at the top when the clip starts")


BAR_PATH_DRILL = "romanian_deadlift/Ulisses-coach__kbtrainer__caminhoDaBarra.mp4"
"""Nine crouched floor-to-knee cycles with a dowel, then a pull to standing, held to the end."""


def test_partial_range_cycles_are_not_reps_but_the_final_pull_to_lockout_is(real_track) -> None:
    result = analyze_track(real_track(BAR_PATH_DRILL), load_lift("deadlift"), evidence=None)
    assert result.rep_count == 1
    rep = result.reps[0]
    assert not rep.lowered and abs(rep.made_s - 16.2) <= 0.3  # benchmarks/labels: lockout 16.2 s


SQUAT_ANKLES_LOST = "back_squat/TheSebitzu__gym-app-ai__squat.mp4"
"""Two barbell squats filmed ~15-30° from the front (benchmarks/labels); the ankles are unclear
in 141 of its 289 frames, mostly near the bottom."""


def test_a_squat_whose_ankles_the_front_camera_loses_is_counted(real_track) -> None:
    """The knee's angle needs the ankles; where they are unclear the hip's height over the knee
    stands in for it (`driver_stand_in`): without it the second squat, whose return to standing
    the knee angle never sees, was listed as cut by the clip's end."""
    result = analyze_track(real_track(SQUAT_ANKLES_LOST), load_lift("back_squat"))
    assert result.rep_count == 2 and not result.not_counted
    bottoms = [2.85, 7.50]  # benchmarks/labels (turn_s)
    assert all(abs(rep.turn_s - t) <= 0.35 for rep, t in zip(result.reps, bottoms, strict=True))
