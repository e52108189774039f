"""The lifts done kneeling or lying down: the glute-ham raise (and Nordic curl) and the
stability-ball hamstring curl, on synthetic tracks of exactly known geometry
(tests/synthetic_floor.py): reps counted where they were made, each check just inside and just
outside its thresholds, the upside-down test that knows the lift, and the outputs (CLI, live,
HTML report, batch) end to end. No real clip of either lift exists yet.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from synthetic import FPS, Synthetic, View, crop
from synthetic_floor import ball_curl, ghr, single_leg_curl
from test_cli import run
from test_judging import turned_half
from test_live import replay, verdicts

from formcheck.analysis import analyze_track, run_analysis, upside_down, upside_down_warning
from formcheck.batch import batch
from formcheck.config import LIFT_PATH_ENV, load_lift
from formcheck.errors import FormcheckError
from formcheck.html_plots import measure_plots
from formcheck.html_report import render_html
from formcheck.kinematics import kinematics
from formcheck.landmarks import joint
from formcheck.lift import UPRIGHT
from formcheck.overlay import report_overlays
from formcheck.report import Report

REPS = 3
MARGIN = 2.0
"""How far inside or outside a threshold a synthetic rep is put, in the threshold's unit."""
TOL = 0.5
"""How closely a fault's value must read the injected one (smoothing and the chain's pike)."""


def analyze(clip: Synthetic, name: str, variant: str | None = None) -> Report:
    return analyze_track(clip.track, load_lift(name, variant), evidence=None)


@dataclass(frozen=True)
class Case:
    """A fault injected at a threshold's value plus ``offset`` (in the threshold's unit)."""

    lift: str
    code: str
    limit: str
    make: Callable[..., Synthetic]
    """The clip with the measure at the given value; takes ``view``."""
    worse: float
    """+1 when values above the limit are the fault, -1 below."""
    variant: str | None = None


CASES = {
    "ghr_piked": Case("glute_ham_raise", "body_line", "body_line_hip_angle",
                      lambda v, **kw: ghr(REPS, pike_deg=180 - v, **kw), -1),
    "ghr_shallow": Case("glute_ham_raise", "shallow_eccentric", "eccentric_from_level",
                        lambda v, **kw: ghr(REPS, lowest_deg=v, **kw), +1),
    "ghr_not_upright": Case("glute_ham_raise", "incomplete_lockout", "upright_lean_max",
                            lambda v, **kw: ghr(REPS, top_lean_deg=v, **kw), +1),
    "ghr_leans_back": Case("glute_ham_raise", "hyperextension", "upright_lean_min",
                           lambda v, **kw: ghr(REPS, top_lean_deg=v, **kw), -1),
    "nordic_shallow": Case("glute_ham_raise", "shallow_eccentric", "eccentric_from_level",
                           lambda v, **kw: ghr(REPS, lowest_deg=v, **kw), +1, "nordic"),
    "nordic_piked": Case("glute_ham_raise", "body_line", "body_line_hip_angle",
                         lambda v, **kw: ghr(REPS, lowest_deg=50, pike_deg=180 - v, **kw), -1,
                         "nordic"),
    "curl_hips_sag": Case("ball_leg_curl", "body_line", "body_line_hip_angle",
                          lambda v, **kw: ball_curl(REPS, sag_deg=180 - v, **kw), -1),
    "curl_short": Case("ball_leg_curl", "short_curl", "curl_knee_angle",
                       lambda v, **kw: ball_curl(REPS, curl_deg=180 - v, **kw), +1),
    "curl_no_extension": Case("ball_leg_curl", "no_leg_extension", "extension_knee_angle",
                              lambda v, **kw: ball_curl(REPS, extended_deg=180 - v, **kw), -1),
    "single_leg_short": Case("ball_leg_curl", "short_curl", "curl_knee_angle",
                             lambda v, **kw: ball_curl(REPS, curl_deg=180 - v, **kw), +1,
                             "single_leg"),
}


def _at(case: Case, offset: float) -> tuple[Report, float]:
    value = load_lift(case.lift, case.variant).value(case.limit) + offset
    return analyze(case.make(value), case.lift, case.variant), value


@pytest.mark.parametrize("name", CASES)
def test_a_rep_just_outside_a_threshold_is_faulted_with_its_value(name: str) -> None:
    case = CASES[name]
    report, value = _at(case, case.worse * MARGIN)
    assert report.rep_count == REPS, report.not_counted
    for rep in report.reps:
        assert rep.outcome == "valid"
        assert [f.code for f in rep.faults] == [case.code], rep.faults
        (fault,) = rep.faults
        assert fault.severity == "minor" and fault.threshold_name == case.limit
        assert fault.value == pytest.approx(value, abs=TOL)


@pytest.mark.parametrize("name", CASES)
def test_a_rep_just_inside_a_threshold_passes(name: str) -> None:
    case = CASES[name]
    report, _ = _at(case, -case.worse * MARGIN)
    assert report.rep_count == REPS, report.not_counted
    assert all(rep.outcome == "valid" and not rep.faults for rep in report.reps), report.reps


@pytest.mark.parametrize("name", ["ghr_piked", "ghr_shallow", "ghr_not_upright", "ghr_leans_back",
                                  "curl_hips_sag", "curl_short", "curl_no_extension"])
def test_past_the_major_limit_the_fault_is_major(name: str) -> None:
    case = CASES[name]
    lift = load_lift(case.lift, case.variant)
    major = lift.value(f"{case.limit}_major")
    report = analyze(case.make(major + case.worse * MARGIN), case.lift, case.variant)
    assert report.rep_count == REPS
    assert all([f.severity for f in rep.faults] == ["major"] for rep in report.reps)


@pytest.mark.parametrize("yaw", [90, -90, 50])
def test_clean_reps_are_counted_where_they_were_made_from_either_side(yaw: float) -> None:
    """A glute-ham raise turns at its lowest point and is made back upright; a ball curl turns
    at the curl (made, like every lift turning at its top, when the turn is known: once the
    legs extend again)."""
    for clip, name, mark in ((ghr(REPS, view=View(yaw_deg=yaw)), "glute_ham_raise", "bottom"),
                             (ball_curl(REPS, view=View(yaw_deg=yaw)), "ball_leg_curl", "curl")):
        report = analyze(clip, name)
        assert report.rep_count == REPS and report.valid == REPS, (name, report.reps)
        assert not any(rep.faults for rep in report.reps), name
        turns = [rep.turn_s for rep in report.reps]
        np.testing.assert_allclose(turns, clip.times(mark), atol=2 / FPS)
        assert not any("upside down" in w for w in report.warnings), report.warnings


def test_a_nordic_caught_on_the_hands_passes_the_depth_check() -> None:
    """A Nordic lowered past the break falls to level: the lowest point is level, whatever the
    break point was; only a Nordic abandoned above the typical break is shallow."""
    report = analyze(ghr(REPS, lowest_deg=0, move_s=0.8), "glute_ham_raise", "nordic")
    assert report.valid == REPS and not any(rep.faults for rep in report.reps)


def test_a_ball_curl_ended_at_the_curl_is_not_counted_without_its_extension() -> None:
    clip = ball_curl(2)
    end = clip.times("curl")[-1]
    report = analyze_track(crop(clip.track, 0.0, end + 0.1), load_lift("ball_leg_curl"),
                           evidence=None)
    assert report.rep_count == 1
    assert "before the return" in report.not_counted[-1].reason


# which way is up


FLOOR = {"glute_ham_raise": lambda: ghr(REPS, lowest_deg=0),
         "ball_leg_curl": lambda: ball_curl(REPS)}


@pytest.mark.parametrize("name", FLOOR)
def test_upside_down_knows_the_lift(name: str) -> None:
    """Kneeling, the knees sit level with the ankles; lying with the heels on a ball, below
    them: the usual cue (knees below the ankles) would call a ball curl filmed upright upside
    down. Each lift's own pair tells both pictures apart."""
    lift = load_lift(name)
    upright, turned = FLOOR[name]().track, turned_half(FLOOR[name]().track)
    assert lift.upright != UPRIGHT
    assert not upside_down(kinematics(upright), slice(None), lift.upright)
    assert upside_down(kinematics(turned), slice(None), lift.upright)
    report = analyze_track(turned, lift, evidence=None)
    warning = upside_down_warning(lift.upright)
    assert warning in report.warnings and report.ambiguous == report.rep_count == REPS
    assert not analyze_track(upright, lift, evidence=None).warnings


def test_the_usual_cue_would_call_an_upright_ball_curl_upside_down() -> None:
    """Heels on the ball sit above the knees at the extensions: half the frames of a full curl,
    most of a shorter one, read as upside down by the usual cue."""
    full, short = (kinematics(ball_curl(REPS, curl_deg=c).track) for c in (110, 90))
    assert np.mean(full.knee_height.facing.value < 0) > 0.4
    assert upside_down(short, slice(None), UPRIGHT)


@pytest.mark.parametrize("name", FLOOR)
def test_the_measures_these_lifts_judge_on_do_not_care_which_way_is_up(name: str) -> None:
    """Joint angles and the knee-to-shoulder line's angle from vertical (signed by the ankle's
    side) read the same in a picture turned upside down: the reps are found alike; they are
    marked ambiguous only because the set metrics (heights, speeds) are not."""
    track = FLOOR[name]().track
    series = ("knee_angle", "hip_angle", "kneel_lean", "knee_flexion")
    upright, turned = kinematics(track, series), kinematics(turned_half(track), series)
    for each in series:
        np.testing.assert_allclose(turned[each].facing.value, upright[each].facing.value,
                                   atol=1e-3)


@pytest.mark.parametrize("pair", ['["knee"]', '["knee", "knee"]', '["knee", "toe"]', '"knee"'])
def test_a_bad_upright_pair_is_refused_by_name(pair: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = Path(load_lift.__code__.co_filename).parent / "lifts" / "ball_leg_curl.toml"
    text = shipped.read_text().replace('upright = ["knee", "shoulder"]', f"upright = {pair}")
    (tmp_path / "my_curl.toml").write_text(text)
    monkeypatch.setenv(LIFT_PATH_ENV, str(tmp_path))
    with pytest.raises(FormcheckError, match=r"my_curl\.toml: upright must name two different"):
        load_lift("my_curl")


# the outputs


@pytest.mark.parametrize(("name", "units"), [
    ("glute_ham_raise", ("deg from upright", "Frontiers in Sports")),
    ("ball_leg_curl", ("knee_flexion", "seed 000")),
])
def test_exercises_lists_each_lift_with_units_sources_and_synthetic_validation(
    name: str, units: tuple[str, ...]
) -> None:
    done = run("exercises", name, "--markdown")
    assert done.returncode == 0, done.stderr
    assert "synthetic tracks only" in done.stdout
    assert "upside down when the" in done.stdout
    for word in units:
        assert word in done.stdout
    lift = load_lift(name)
    for threshold in lift.thresholds.values():
        assert f"`{threshold.name}` | {threshold.value:g} | {threshold.unit} |" in done.stdout


@pytest.mark.parametrize(("name", "clip_of", "code"), [
    ("glute_ham_raise", lambda: ghr(REPS, pike_deg=30), "body_line"),
    ("ball_leg_curl", lambda: ball_curl(REPS, curl_deg=60), "short_curl"),
])
def test_analyze_runs_each_lift_end_to_end(name, clip_of, code, tmp_path: Path) -> None:
    """From a pose track on disk: by default the new checks abstain (no labelled clip measured
    their precision); ``--all-checks`` judges and finds the injected fault."""
    track = clip_of().track.save(tmp_path / "clip.track.npz")
    gated = run("analyze", str(track), "-e", name, "--json", "-")
    assert gated.returncode == 0, gated.stderr
    report = json.loads(gated.stdout)
    assert report["rep_count"] == REPS and report["ambiguous"] == REPS
    judged = run("analyze", str(track), "-e", name, "--all-checks", "--json", "-")
    report = json.loads(judged.stdout)
    assert report["valid"] == REPS
    assert all([f["code"] for f in rep["faults"]] == [code] for rep in report["reps"])


@pytest.mark.parametrize(("name", "clip_of"), [
    ("glute_ham_raise", lambda: ghr(REPS, pike_deg=30, top_lean_deg=25)),
    ("ball_leg_curl", lambda: ball_curl(REPS, sag_deg=30, curl_deg=70)),
])
def test_live_verdicts_equal_analyze(name, clip_of) -> None:
    track = clip_of().track
    live_report, _ = replay(track, name, evidence=None)
    offline = analyze_track(track, load_lift(name), evidence=None)
    assert offline.rep_count == REPS and any(rep.faults for rep in offline.reps)
    assert verdicts(live_report) == verdicts(offline)


@pytest.mark.parametrize(("name", "clip_of", "code"), [
    ("glute_ham_raise", lambda: ghr(REPS, lowest_deg=40), "shallow_eccentric"),
    ("ball_leg_curl", lambda: ball_curl(REPS, extended_deg=40), "no_leg_extension"),
])
def test_the_html_report_plots_each_lift_and_its_faults(name, clip_of, code) -> None:
    analysis = run_analysis(clip_of().track, load_lift(name), evidence=None)
    page = render_html(analysis)
    assert analysis.report.rep_count == REPS
    assert code.replace("_", " ") in page and load_lift(name).title in page
    plots = measure_plots(analysis)
    assert sorted(plots) == [1, 2, 3] and all(p[0].code == code for p in plots.values())


@pytest.mark.parametrize(("name", "clip_of"), [
    ("glute_ham_raise", lambda: ghr(REPS)), ("ball_leg_curl", lambda: ball_curl(REPS)),
])
def test_batch_scores_each_lift_like_analyze(name, clip_of, tmp_path: Path) -> None:
    track = clip_of().track.save(tmp_path / f"{name}.track.npz")
    summary = batch([track], exercise=name, out=tmp_path / "o", workers=1)
    (result,) = summary.results
    # batch, as analyze, also says which lift the clip looks like (never flagged here: the
    # recogniser has no real clip of these lifts)
    assert not result.report.recognition.flagged
    assert result.report == analyze_track(clip_of().track, load_lift(name)).model_copy(
        update={"source": result.report.source, "recognition": result.report.recognition})
    assert result.report.rep_count == REPS


def test_a_single_leg_curl_is_judged_on_the_leg_nearer_the_camera() -> None:
    """The checks read the facing side. With the working leg nearer the camera the reps are
    counted and judged as a two-leg curl's; with the raised leg nearer, nothing moves on the
    side read, so no rep is counted (and none is judged wrongly): film the working leg."""
    near = analyze(single_leg_curl(REPS, curl_deg=70), "ball_leg_curl", "single_leg")
    assert near.rep_count == REPS
    assert all([f.code for f in rep.faults] == ["short_curl"] for rep in near.reps)
    far = analyze(single_leg_curl(REPS, working="far"), "ball_leg_curl", "single_leg")
    assert far.rep_count == 0 and "no complete rep was found" in far.warnings


@pytest.mark.parametrize(("name", "variant", "clip_of"), [
    ("glute_ham_raise", "ghr", lambda view: ghr(REPS, view=view)),
    ("glute_ham_raise", "nordic", lambda view: ghr(REPS, lowest_deg=60, view=view)),
    ("ball_leg_curl", "two_leg", lambda view: ball_curl(REPS, view=view)),
])
def test_clean_reps_stay_clean_under_the_models_jitter(name, variant, clip_of) -> None:
    """3 px of landmark jitter, as the pose model's own: every rep counted, none faulted (a
    Nordic lowered to its typical break point included)."""
    report = analyze(clip_of(View(noise_px=3.0, seed=1)), name, variant)
    assert report.rep_count == REPS and not any(rep.faults for rep in report.reps)


@pytest.mark.parametrize(("name", "clip_of", "parts"), [
    ("glute_ham_raise", lambda: ghr(REPS, lowest_deg=40), {("knee", "hip", "shoulder")}),
    ("ball_leg_curl", lambda: ball_curl(REPS, curl_deg=70), {("hip", "knee", "ankle")}),
])
def test_the_annotated_video_lights_up_the_parts_at_fault(name, clip_of, parts) -> None:
    analysis = run_analysis(clip_of().track, load_lift(name), evidence=None)
    assert analysis.report.rep_count == REPS
    side = analysis.kin.facing
    marked = {chain for overlay in report_overlays(analysis) for mark in overlay.faults
              for chain in mark.chains}
    assert marked == {tuple(joint(side, n) for n in chain) for chain in parts}
