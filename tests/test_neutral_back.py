"""``rounded_back`` in a clip that never shows the lifter standing tall (issue #16): it says so,
or compares with the lift's ``neutral_back_reference`` where the lift declares one."""

from __future__ import annotations

from pathlib import Path

import pytest
from synthetic import Synthetic, hinge

from formcheck.analysis import analyze_track
from formcheck.config import Lift, load_lift
from formcheck.report import Fault, Report
from formcheck.rules import NEVER_STANDING

REPS = 3


def analyze_all(clip: Synthetic, chosen: Lift) -> Report:
    return analyze_track(clip.track, chosen, evidence=None)


def faults(report: Report, code: str) -> list[Fault]:
    return [f for rep in report.reps for f in rep.faults if f.code == code]


def reasons(report: Report, check: str) -> set[str]:
    return {a.reason for rep in report.reps for a in rep.abstained if a.check == check}


def _never_standing(tmp_path: Path) -> Path:
    """A config under which no clip shows enough standing frames to learn the neutral back."""
    config = tmp_path / "never.toml"
    config.write_text("[thresholds]\nneutral_back_min_frames = 100000\n")
    return config


def test_without_standing_and_reference_the_back_abstains_saying_why(tmp_path: Path) -> None:
    clip = hinge(REPS, depth_deg=80, knee_bend_deg=20, rounded=0.2)
    report = analyze_all(clip, load_lift("romanian_deadlift", config=_never_standing(tmp_path)))
    assert reasons(report, "rounded_back") == {NEVER_STANDING}
    assert NEVER_STANDING == ("never seen standing tall in this clip: no neutral back to "
                              "compare with")


def test_without_standing_the_deadlift_compares_with_its_reference(tmp_path: Path) -> None:
    """The bend judged against ``neutral_back_reference`` instead of the lifter's own (a
    synthetic lifter stands with a flat back, 0): the same measure less the reference, just
    inside and outside ``back_bend``."""
    clip = hinge(REPS, from_floor=True, rounded=0.12)
    own = [max(f.value for f in rep.faults if f.code == "rounded_back")
           for rep in analyze_all(clip, load_lift("deadlift")).reps]
    limit = load_lift("deadlift").value("back_bend")
    assert load_lift("deadlift").value("neutral_back_reference") == 0.017

    def against(reference: float) -> Report:
        config = _never_standing(tmp_path)
        config.write_text(config.read_text() + f"neutral_back_reference = {reference}\n")
        report = analyze_all(clip, load_lift("deadlift", config=config))
        assert not reasons(report, "rounded_back")
        return report

    outside = against(min(own) - limit - 0.002)
    assert [f.value for f in faults(outside, "rounded_back")] == pytest.approx(
        [value - (min(own) - limit - 0.002) for value in own], abs=1e-3)
    assert not faults(against(max(own) - limit + 0.002), "rounded_back")
