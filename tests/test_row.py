"""The barbell row (issue #17): its series, its notion of a made rep, and each of its checks on
synthetic rows (tests/synthetic.row) a little inside and a little outside every threshold.

Values are sized from the lift's own thresholds, so the tests keep their meaning when one is
retuned; expected values come from the generator's exact geometry.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from synthetic import FPS, Synthetic, View, crop, row

from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.errors import FormcheckError
from formcheck.kinematics import kinematics
from formcheck.lift import Lift
from formcheck.report import Report
from formcheck.track import PoseTrack

MARGIN = 3.0
"""Degrees inside or outside a limit: well past the generator's easing and smoothing error."""


@cache
def lift(variant: str = "bent_over") -> Lift:
    return load_lift("barbell_row", variant)


def analyze(clip: Synthetic | PoseTrack, variant: str = "bent_over") -> Report:
    track = clip.track if isinstance(clip, Synthetic) else clip
    return analyze_track(track, lift(variant), evidence=None)


def codes(report: Report) -> list[set[str]]:
    return [{f.code for f in rep.faults} for rep in report.reps]


@pytest.mark.parametrize("variant", ["bent_over", "pendlay"])
def test_setting_the_bar_down_and_standing_up_is_never_a_row(variant):
    """Issue #17: a set-down of the bar is never a row. The arms stay straight while the trunk
    hinges to the floor and back up; the pulls before it are all counted, and nothing more."""
    clip = row(3, set_down=True)
    assert len(clip.times("set_down")) == 1
    assert analyze(clip, variant).rep_count == 3


@pytest.mark.parametrize("yaw", [90, 30], ids=["side", "front_oblique"])
def test_bending_the_elbows_standing_is_never_a_row(yaw):
    """Issue #17: carrying the weight, setting it down, picking it up bend the elbows upright
    (Ulisses' kettlebell carried between sets, 15° from vertical). A row is pulled bent over,
    past ``rep_min_trunk_inclination`` (3-D, so alike from any view); a nearly upright row
    just past it is still a row, judged too upright (``row_trunk_inclination_major``)."""
    least = lift().value("rep_min_trunk_inclination")
    standing = analyze(row(3, trunk_deg=least - 10.0, view=View(yaw_deg=yaw)))
    assert standing.rep_count == 0
    assert len(standing.not_counted) == 3
    assert all("standing with the weight, not a row" in p.reason for p in standing.not_counted)
    upright = analyze(row(3, trunk_deg=least + MARGIN, view=View(yaw_deg=yaw)))
    assert upright.rep_count == 3
    assert lift().value("row_trunk_inclination_major") > least + MARGIN
    if yaw == 90:  # the torso checks judge from the side
        assert all("torso_too_upright" in found for found in codes(upright))


@pytest.mark.parametrize("yaw", [90, -90])
def test_elbow_angle_is_the_drawn_one_and_flexion_its_complement(yaw):
    clip = row(2, top_elbow_deg=75, bottom_elbow_deg=165, view=View(yaw_deg=yaw))
    kin = kinematics(clip.track, ["elbow_angle", "elbow_flexion"])
    angle = kin.elbow_angle.facing.value
    tops = np.round(clip.times("top") * FPS).astype(int)
    bottoms = np.round(clip.times("bottom") * FPS).astype(int)
    np.testing.assert_allclose(angle[tops], 75.0, atol=0.5)
    np.testing.assert_allclose(angle[bottoms], 165.0, atol=0.5)
    np.testing.assert_allclose(kin.elbow_flexion.facing.value, 180.0 - angle)


@pytest.mark.parametrize("variant", ["bent_over", "pendlay"])
@pytest.mark.parametrize("yaw", [90, -90], ids=["facing_right", "facing_left"])
def test_clean_row_counts_every_pull_without_faults(variant, yaw):
    clip = row(3, trunk_deg=75, view=View(yaw_deg=yaw))
    report = analyze(clip, variant)
    assert report.rep_count == 3
    assert [rep.turn_s for rep in report.reps] == pytest.approx(clip.times("top"), abs=0.1)
    assert codes(report) == [set()] * 3


def _first_faults(clip: Synthetic, code: str, variant: str = "bent_over") -> list[float]:
    """The value ``code`` was found with on each rep (NaN where it was not found)."""
    report = analyze(clip, variant)
    assert report.rep_count == 3
    return [next((f.value for f in rep.faults if f.code == code), np.nan) for rep in report.reps]


CASES = {
    "torso_too_upright": ("row_trunk_inclination", "below", lambda v: row(3, trunk_deg=v)),
    "torso_swing": ("torso_swing", "above", lambda v: row(3, trunk_deg=70, swing_deg=v)),
    "hip_drive": ("hip_drive", "above", lambda v: row(3, trunk_deg=70, hip_drive_deg=v)),
    "short_row": ("row_elbow_angle", "above", lambda v: row(3, top_elbow_deg=v)),
    "no_extension": ("extension_elbow_angle", "below", lambda v: row(3, bottom_elbow_deg=v)),
}
"""Each check's threshold, the side a fault lies on, and a row with its measure set to a
value. The trunk's swing and the hips' drive read up to the rest band's share (0.08) less than
drawn: a rep starts where the driver leaves rest, with every channel already moving."""


@pytest.mark.parametrize("variant", ["bent_over", "pendlay"])
@pytest.mark.parametrize("outside", [True, False], ids=["outside", "inside"])
@pytest.mark.parametrize("code", list(CASES))
def test_each_check_faults_a_rep_just_outside_its_threshold_and_passes_one_inside(
        code, outside, variant):
    name, worse, clip_of = CASES[code]
    limit = lift(variant).value(name)
    step = MARGIN if worse == "above" else -MARGIN
    drawn = limit + step if outside else limit - step
    found = _first_faults(clip_of(drawn), code, variant)
    if not outside:
        assert np.isnan(found).all()
    elif worse == "above":
        assert all(limit < v <= drawn + 0.5 for v in found)
    else:
        assert found == pytest.approx([drawn] * 3, abs=0.5)


def test_a_major_fault_is_graded_past_its_major_limit():
    """Straight arms at the bottom: a half row must still travel rep_min_range to be a rep."""
    top = lift().value("row_elbow_angle_major") + MARGIN
    report = analyze(row(3, top_elbow_deg=top, bottom_elbow_deg=178))
    assert [f.severity for rep in report.reps for f in rep.faults] == ["major"] * 3


@pytest.mark.parametrize("floor_s", [0.0, 0.2])
def test_no_dead_stop_is_a_pendlay_row_that_does_not_rest_at_the_floor(floor_s):
    """The hands' rest at the floor reads the drawn hold plus the easing's last frames (the
    generator eases into every pose, ~0.07 s slower than ``dead_stop_speed``)."""
    clip = row(3, trunk_deg=75, floor_s=floor_s, move_s=0.5)
    limit = lift("pendlay").value("dead_stop_s")
    found = _first_faults(clip, "no_dead_stop", "pendlay")
    if floor_s < limit:
        assert all(floor_s <= v < limit for v in found)
    else:
        assert np.isnan(found).all()
    assert np.isnan(_first_faults(clip, "no_dead_stop", "bent_over")).all()  # not checked


def test_a_row_the_clip_ends_at_the_torso_is_made():
    clip = row(3)
    last_top = clip.times("top")[-1]
    report = analyze(crop(clip.track, 0.0, last_top + 0.1))
    assert report.rep_count == 3 and not report.reps[-1].lowered
    # 0.2 s before the bar reaches the torso: the pull is under way, the elbows short of
    # made_top
    short = analyze(crop(clip.track, 0.0, last_top - 0.35))
    assert short.rep_count == 2
    assert "before the rep was made" in short.not_counted[-1].reason


def test_made_at_top_needs_the_made_top_threshold(tmp_path, monkeypatch):
    from formcheck.config import LIFT_PATH_ENV
    from formcheck.lifts import __file__ as lifts_init

    text = (type(tmp_path)(lifts_init).parent / "barbell_row.toml").read_text()
    start = text.index("[thresholds.made_top]")
    end = text.index("[thresholds.row_trunk_inclination]")
    (tmp_path / "barbell_row.toml").write_text(text[:start] + text[end:])
    monkeypatch.setenv(LIFT_PATH_ENV, str(tmp_path))
    with pytest.raises(FormcheckError, match="made_at = 'top' needs the threshold made_top"):
        load_lift("barbell_row")


@pytest.fixture(scope="module")
def filmed_row(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved track of three rows, one short (the bar stops short of the torso), with a video
    of its own (grey frames) for the annotated outputs."""
    from dataclasses import replace

    from formcheck.video_sink import VideoSink

    folder = tmp_path_factory.mktemp("row")
    clip = row(3, top_elbow_deg=lift().value("row_elbow_angle") + MARGIN)
    video = folder / "row.mp4"
    with VideoSink(video, width=128, height=72, fps=clip.track.fps) as sink:
        for shade in np.linspace(40, 200, len(clip.track)).astype(np.uint8):
            sink.write(np.full((72, 128, 3), shade))
    track = replace(clip.track, source=str(video), width=128, height=72)
    return track.save(folder / "row.track.npz")


def test_a_row_is_analysed_end_to_end_json_csv_html_and_video(filmed_row: Path, tmp_path: Path):
    import json
    import subprocess
    import sys

    out = {name: tmp_path / name for name in ("r.json", "r.csv", "r.html", "r.mp4")}
    done = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", str(filmed_row), "-e", "barbell_row",
         "--all-checks", "--no-guard", "--json", str(out["r.json"]), "--csv", str(out["r.csv"]),
         "--report", str(out["r.html"]), "--video-out", str(out["r.mp4"])],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(out["r.json"].read_text())
    assert report["exercise"] == "barbell_row" and report["rep_count"] == 3
    assert [[f["code"] for f in rep["faults"]] for rep in report["reps"]] == [["short_row"]] * 3
    rows = out["r.csv"].read_text()
    assert len(rows.splitlines()) == 4 and "short_row" in rows
    page = out["r.html"].read_text()
    assert "Barbell row (Pendlay or bent-over)" in page and "short row" in page
    assert out["r.mp4"].stat().st_size > 0


def test_a_row_is_scored_in_a_batch_like_analyze(filmed_row: Path, tmp_path: Path):
    from formcheck.api import analyze as api_analyze
    from formcheck.batch import batch

    summary = batch([filmed_row], exercise="barbell_row", out=tmp_path / "o", workers=1,
                    report_html=True)
    (result,) = summary.results
    assert result.error is None and result.report is not None
    assert result.report == api_analyze(filmed_row, "barbell_row")
    assert result.report.rep_count == 3
    assert result.job.html is not None and result.job.html.exists()
