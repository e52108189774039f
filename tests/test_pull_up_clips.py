"""The pull-up on its labelled real clips (tests/labels): exact counts, tops where the labels
put them, and the faults their sources label (kipping in TRetraint's first set, no dead hang in
Divyansh3021's clip), with the strict reps left alone."""

from __future__ import annotations

import pytest

from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.report import Report
from tests.test_clips import COUNTS, REPS

pytestmark = pytest.mark.slow

TRETRAINT = "pull_up/TRetraint__Digital-Coaching-Assistant__pull_ups.mp4"
DIVYANSH = "pull_up/Divyansh3021__exercise-detector__pull_up.mp4"
CLIPS = [TRETRAINT, DIVYANSH, "pull_up/calimiro-ai__WorkoutTracker__pull-up_9.mp4"]


@pytest.fixture(scope="module")
def report(real_track):
    cache: dict[str, Report] = {}

    def get(name: str) -> Report:
        if name not in cache:
            cache[name] = analyze_track(real_track(name), load_lift("pull_up"), evidence=None)
        return cache[name]

    return get


@pytest.mark.parametrize("name", CLIPS)
def test_pull_up_count_is_exact(report, name: str) -> None:
    assert report(name).rep_count == COUNTS[name]


@pytest.mark.parametrize("name", CLIPS)
def test_pull_up_tops_are_where_the_labels_put_them(report, name: str) -> None:
    ours = [rep.turn_s for rep in report(name).reps]
    theirs = [float(row["turn_s"]) for row in REPS[name]]
    assert ours == pytest.approx(theirs, abs=0.35)


def test_letting_go_of_the_bar_between_sets_is_not_a_rep(report) -> None:
    """TRetraint drops off, stands with the hands at the shoulders and jumps back up, and does
    so again at the end: the top of a pull-up to the pose alone."""
    reasons = [p.reason for p in report(TRETRAINT).not_counted]
    assert sum("let go of the bar" in reason for reason in reasons) == 2


def test_labelled_kipping_is_found_and_strict_reps_pass(report) -> None:
    flagged = [any(f.code == "kipping" for f in rep.faults) for rep in report(TRETRAINT).reps]
    labelled = [row["faults"] == "kipping" for row in REPS[TRETRAINT]]
    assert flagged == labelled


def test_labelled_bent_arm_hangs_are_found(report) -> None:
    assert all(any(f.code == "no_dead_hang" for f in rep.faults)
               for rep in report(DIVYANSH).reps)


@pytest.mark.parametrize("name", CLIPS)
def test_every_labelled_top_clears_the_bar(report, name: str) -> None:
    assert report(name).no_rep == 0
