"""The power clean on its labelled real clips (benchmarks/labels/beyond_hinge: Ulisses-coach's
dowel cleans from the floor and from the hang, filmed about 20° round from the front): counts
exact, each rep turning at the labelled catch, the return of the bar to the floor or the hang
never a rep, and the clean catches passing the one check that judges from that view (the
others abstain, saying why). Needs ../shared/clips (skipped when absent)."""

from __future__ import annotations

import pytest

from benchmarks.accuracy import read_labels
from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.report import Report

pytestmark = pytest.mark.slow

FLOOR = "power_clean/Ulisses-coach__kbtrainer__powerClean.mp4"
HANG = "power_clean/Ulisses-coach__kbtrainer__hangPowerClean.mp4"
CLIPS = {FLOOR: "floor", HANG: "hang"}
_, REPS = read_labels()


@pytest.fixture(scope="module")
def report(real_track):
    cache: dict[str, Report] = {}

    def get(name: str) -> Report:
        if name not in cache:
            cache[name] = analyze_track(real_track(name), load_lift("power_clean", CLIPS[name]),
                                        evidence=None)
        return cache[name]

    return get


@pytest.mark.parametrize("name", list(CLIPS))
def test_every_labelled_clean_is_counted_at_its_catch(report, name: str) -> None:
    """The labelled catch is the first frame the bar sits racked, elbows through (re-checked on
    frame grids); the rack found starts within 0.2 s of it (0.35 s: the labels' own ±0.15)."""
    ours = [rep.turn_s for rep in report(name).reps]
    theirs = [float(row["turn_s"]) for row in REPS[name]]
    assert ours == pytest.approx(theirs, abs=0.35)


@pytest.mark.parametrize("name", list(CLIPS))
def test_clean_catches_pass_and_the_front_view_checks_abstain(report, name: str) -> None:
    for rep in report(name).reps:
        assert rep.outcome == "valid" and not rep.faults
        judged = {c.check for c in rep.checks if c.result == "clear"}
        assert judged == {"catch_depth"}
        why = {a.check: a.reason for a in rep.abstained}
        assert "side view" in why["bar_loop"] and "60 frames/s" in why["early_arm_bend"]


def test_lowering_the_dowel_to_the_hang_after_the_set_is_not_a_rep(report) -> None:
    """After rep 5 the lifter lowers the dowel from the rack to the hang and the clip ends:
    the rep the clip ends in is the fifth, made at its catch, not a sixth."""
    result = report(FLOOR)
    assert result.rep_count == 5 and result.reps[-1].turn_s < 16.0
