"""A lift is data: a TOML file in a folder on $FORMCHECK_LIFT_PATH, reusing registered rules,
is listed, documented, analysed and reported like a shipped one; a broken one fails on load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import SAMPLE
from test_pull_up import pull_up

from formcheck.config import LIFT_PATH_ENV, lift_names, load_lift
from formcheck.counting import find_reps
from formcheck.errors import FormcheckError
from formcheck.kinematics import kinematics
from formcheck.legs import judged_kinematics
from formcheck.rules import RULES
from tests import synthetic

DRILL = '''
title = "Hip hinge drill"
description = "A test lift: an unloaded hinge, judged for depth and lockout."
validated_on = "synthetic tracks only (a test)"
driver = "hip_angle"
turn_at = "top"
default_variant = "bodyweight"

[[checks]]
rule = "shallow_hinge"
cue = "Push the hips back further."

[[checks]]
rule = "incomplete_lockout"
cue = "Stand all the way up."

[variants.bodyweight]

[thresholds.rep_min_range]
value = 40.0
unit = "deg"
means = "the hips must travel this far for a rep"
source = "test"

[thresholds.hinge_trunk_inclination]
value = 45.0
unit = "deg"
means = "trunk from vertical at the bottom below this is a shallow hinge"
source = "test"

[thresholds.lockout_hip_angle]
value = 165.0
unit = "deg"
means = "hip angle at the top below this is an incomplete lockout"
source = "test"
'''


@pytest.fixture
def lift_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "lifts"
    folder.mkdir()
    (folder / "hinge_drill.toml").write_text(DRILL)
    monkeypatch.setenv(LIFT_PATH_ENV, str(folder))
    return folder


def _formcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True,
                          text=True, timeout=300, env=os.environ.copy())


def test_a_lift_of_one_toml_file_is_listed_analysed_reported_and_documented(
    lift_dir: Path, tmp_path: Path
) -> None:
    assert "hinge_drill" in lift_names()
    lift = load_lift("hinge_drill")
    assert lift.faults == ("shallow_hinge", "incomplete_lockout")
    listed = _formcheck("exercises", "hinge_drill")
    assert listed.returncode == 0 and "Hip hinge drill" in listed.stdout
    assert "synthetic tracks only" in listed.stdout
    docs = _formcheck("exercises", "--markdown")
    assert "### hinge_drill" in docs.stdout and "`shallow_hinge`" in docs.stdout
    page = tmp_path / "drill.html"
    done = _formcheck("analyze", str(SAMPLE), "-e", "hinge_drill", "--json", "-",
                      "--report", str(page))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["exercise"] == "hinge_drill" and report["rep_count"] == 10
    assert {f["code"] for rep in report["reps"] for f in rep["faults"]} <= set(lift.faults)
    assert "Hip hinge drill" in page.read_text()


def _broken(lift_dir: Path, old: str, new: str) -> None:
    (lift_dir / "hinge_drill.toml").write_text(DRILL.replace(old, new))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('rule = "shallow_hinge"', 'rule = "shallow_hinj"', "names rule 'shallow_hinj'"),
        ('cue = "Push the hips back further."', "", "needs the cue text(s) cue"),
        ('rule = "incomplete_lockout"', 'rule = "swing_height"',
         "needs the cue text(s) low_cue, high_cue"),
        ("[thresholds.hinge_trunk_inclination]", "[thresholds.hinge_trunk_inclinatio]",
         "needs threshold(s) hinge_trunk_inclination"),
        ("[thresholds.rep_min_range]", "[thresholds.rep_min_rang]",
         "every lift needs threshold(s) rep_min_range"),
        ('driver = "hip_angle"', 'driver = "elbow_bend"', "driver"),
        ('turn_at = "top"', 'turn_at = "top"\ncolour = "red"', "unknown key(s) colour"),
        ('turn_at = "top"', 'turn_at = "top"\nmade_at = "lockout"',
         "made_at = 'lockout' needs the threshold no_rep_hip_angle"),
        ('turn_at = "top"', 'turn_at = "top"\nmade_at = "halfway"', "made_at"),
        ('rule = "shallow_hinge"', 'rule = "shallow_hinge"\nvariants = ["paused"]',
         "check 1 (shallow_hinge) variants must list some of the lift's variants (bodyweight)"),
        ('rule = "shallow_hinge"', 'rule = "shallow_hinge"\nvariants = []', "variants must"),
        ('driver = "hip_angle"', 'driver = "hip_angle"\ndriver_stand_in = "back_hidden"',
         "driver_stand_in 'back_hidden' is not a sided or single series; choose one of:"),
        ('driver = "hip_angle"', 'driver = "hip_angle"\ndriver_stand_in = 3',
         "driver_stand_in 3 is not a sided or single series"),
        ('driver = "hip_angle"', 'driver = "hip_angle"\ndriver_stand_in = "hip_angle"',
         "driver_stand_in 'hip_angle' must be another sided series than the driver 'hip_angle'"),
        ('driver = "hip_angle"', 'driver = "hip_angle"\ndriver_stand_in = "knee_width_ratio"',
         "driver_stand_in 'knee_width_ratio' must be another sided series than the driver"),
        ('turn_at = "top"', 'turn_at = "top"\nmade_series = "hip_height"',
         "made_series is for a lift turning at its top and made there"),
        ('turn_at = "top"', 'turn_at = "top"\nmade_series = "trunk_twist"',
         "made_series 'trunk_twist' is not a sided series; choose one of:"),
        ('turn_at = "top"', 'turn_at = "top"\nmade_series = 3', "made_series 3 is not a sided"),
        ('turn_at = "top"', 'turn_at = "bottom"\nmade_series = "hip_height"',
         "made_series is for a lift turning at its top and made there"),
    ],
    ids=["unknown-rule", "no-cue", "wrong-cues", "missing-threshold", "no-rep-range",
         "bad-driver", "unknown-key", "made-without-lockout", "bad-made-at",
         "check-of-unknown-variant", "check-of-no-variant", "stand-in-not-a-series",
         "stand-in-not-a-name", "stand-in-the-driver", "stand-in-of-another-kind",
         "made-series-made-back-at-the-top", "made-series-not-sided", "made-series-not-a-name",
         "made-series-turning-at-the-bottom"],
)
def test_a_broken_lift_file_fails_on_load_naming_what_is_wrong(
    lift_dir: Path, old: str, new: str, message: str
) -> None:
    _broken(lift_dir, old, new)
    with pytest.raises(FormcheckError, match=r"hinge_drill\.toml") as raised:
        load_lift("hinge_drill")
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_every_shipped_lift_uses_registered_rules_with_their_thresholds() -> None:
    for name in lift_names():
        lift = load_lift(name)
        for check in lift.checks:
            rule = RULES[check.rule]
            assert set(check.cues) == set(rule.cues)
            assert all(t in lift.thresholds for t in rule.thresholds)


@pytest.mark.parametrize("name", lift_names())
def test_reps_are_found_from_the_counting_series_alone(name) -> None:
    """Live counts between judgements from ``counting_series`` only: whatever ``find_reps``
    reads must be in it, or the count and the judgement would disagree (or the count fail)."""
    lift = load_lift(name)
    for clip in (synthetic.hinge(3, from_floor=True), synthetic.swing(3), pull_up(3)):
        found = [find_reps(judged_kinematics(kinematics(clip.track, series), lift), lift)
                 for series in (lift.counting_series, lift.series)]
        assert found[0] == found[1]
