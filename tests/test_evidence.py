"""A check judges only from the view buckets where its measured precision holds up."""

from __future__ import annotations

import pytest
from synthetic import View, hinge

from formcheck.analysis import analyze_track
from formcheck.config import lift_names, load_lift
from formcheck.evidence import BUCKETS, EVIDENCE, MIN_FLAGGED, MIN_PRECISION, Evidence, Tally, _read

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


def test_a_check_ships_only_on_enough_precise_flags() -> None:
    assert Tally(tp=MIN_FLAGGED, fp=0).ships
    assert not Tally(tp=MIN_FLAGGED - 1, fp=0).ships, "too few flags to count"
    assert not Tally(tp=80, fp=20).ships and MIN_PRECISION > 0.8
    assert not Tally(tn=500).ships, "a check never seen to flag anything is unmeasured"


def test_why_a_check_may_not_judge_names_the_numbers() -> None:
    evidence = Evidence({"a": {"side": Tally(tp=9, fp=1), "oblique": Tally(tp=3, fp=5)},
                         "b": {"side": Tally(tn=40), "oblique": Tally(tp=2)}}, "test")
    assert evidence.why_not(("a",), "side") is None
    assert evidence.why_not(("a",), "oblique") == (
        "not reliable from an oblique view yet: 0.38 precision on 8 labelled reps it flagged")
    assert evidence.why_not(("a", "b"), "side") == (
        "not reliable from a side view yet: never measured (b flagged on none of 40 labelled "
        "reps)")
    assert evidence.why_not(("b",), "oblique").endswith("(too few to count)")
    assert evidence.why_not(("a",), "unknown") == "the camera view could not be estimated"
    assert evidence.judges_from(("a",)) == "side 0.90 on 10"
    assert evidence.judges_from(("b",)) == "no view yet (measured: oblique 1.00 on 2)"


def test_the_evidence_file_round_trips_and_covers_every_shipped_check() -> None:
    """Every check was measured against labelled reps, but the new ones of a lift validated on
    synthetic tracks only: with no real clip of it there is nothing to measure them on, so
    they judge from no view (analyze has them abstain, saying so)."""
    again = _read(tomllib.loads(EVIDENCE.to_toml()))
    assert again == EVIDENCE and EVIDENCE.measured
    for name in lift_names():
        lift = load_lift(name)
        if lift.validated_on.startswith("synthetic tracks only"):
            continue  # no real clip to label yet: its checks abstain, never measured
        for code in lift.faults:
            measured = [EVIDENCE.tally(code, bucket).labelled for bucket in BUCKETS]
            assert any(measured), (
                f"{name}: {code} was never measured against a label")


@pytest.mark.parametrize("yaw", [90, 40])
def test_gated_checks_abstain_and_the_rep_is_judged_on_the_rest(yaw: int) -> None:
    """A clean synthetic pull: ungated every check judges it clean; as shipped, the checks
    without evidence from this view abstain with their numbers, and the rep is valid on the
    others (or ambiguous where none may judge)."""
    track = hinge(3, from_floor=True, view=View(yaw_deg=yaw)).track
    lift = load_lift("deadlift")
    raw = analyze_track(track, lift, evidence=None)
    assert all(rep.outcome == "valid" and not rep.abstained for rep in raw.reps)
    shipped = analyze_track(track, lift)
    bucket = shipped.view.view
    for rep in shipped.reps:
        allowed = {c.rule for c in lift.checks if EVIDENCE.why_not(c.faults, bucket) is None}
        judged = {c.check for c in rep.checks if c.result != "not_judged"}
        assert judged == allowed
        assert {a.check for a in rep.abstained} == {c.rule for c in lift.checks} - allowed
        assert all(c.view == bucket for c in rep.checks)
        assert rep.outcome == ("valid" if allowed else "ambiguous")


def test_thresholds_the_evidence_was_not_measured_with_make_a_check_abstain() -> None:
    """The stiff-legged variant judges the squatted hinge at 0.3, which no labelled clip was
    judged with: the check abstains and says so (its measured precision is for other values)."""
    evidence = Evidence({}, "test", {"a": [{"x": 1.0, "x_major": 2.0}]})
    assert evidence.unmeasured_thresholds("a", {"x": 1.0, "x_major": 2.0}) is None
    assert evidence.unmeasured_thresholds("a", {"x": 0.5, "x_major": 2.0}) == (
        "its precision was not measured with these thresholds (x 0.5); `--all-checks` judges "
        "anyway")
    assert evidence.unmeasured_thresholds("b", {"x": 0.5}) is None, "nothing recorded"
    clip = hinge(3, depth_deg=70, knee_bend_deg=20)
    for rep in analyze_track(clip.track, load_lift("romanian_deadlift", "stiff_legged")).reps:
        reason = next(a.reason for a in rep.abstained if a.check == "squatted_hinge")
        assert "not measured with these thresholds (knee_to_hip_flexion 0.3" in reason
