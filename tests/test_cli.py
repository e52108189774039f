"""Every bad input to the command line: one clear line on stderr, non-zero exit, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "formcheck", *args], capture_output=True, text=True, timeout=300
    )


def _one_clear_line(done: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("formcheck: error:")
    assert pattern in lines[0], lines[0]


def test_missing_file(tmp_path: Path) -> None:
    _one_clear_line(run("pose", str(tmp_path / "nope.mp4"), "-o", str(tmp_path / "t.npz")),
                    "not found")


@pytest.mark.parametrize(
    ("content", "pattern"), [(b"", "empty"), (b"hello, I am text", "as a video")]
)
def test_not_a_video(tmp_path: Path, content: bytes, pattern: str) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(content)
    _one_clear_line(run("pose", str(video), "-o", str(tmp_path / "t.npz")), pattern)


def test_unwritable_output_is_refused_before_work(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"whatever")
    blocker = tmp_path / "file"
    blocker.write_text("")
    _one_clear_line(run("pose", str(video), "-o", str(blocker / "t.npz")), "cannot write")


def test_no_person_anywhere(tmp_path: Path, pose_model: Path) -> None:
    import av
    import numpy as np

    video = tmp_path / "black.mp4"
    with av.open(str(video), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height = 64, 64
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    _one_clear_line(run("pose", str(video), "-o", str(tmp_path / "t.npz")), "no person")
    assert not (tmp_path / "t.npz").exists()


def test_usage_error_is_not_a_traceback() -> None:
    done = run("pose")
    assert done.returncode == 2 and "Traceback" not in done.stderr


SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "kb_deadlift_side.track.npz"


def test_analyze_writes_json_and_csv(tmp_path: Path) -> None:
    import csv

    from formcheck.report import Report

    done = run("analyze", str(SAMPLE), "-e", "deadlift", "--variant", "kettlebell",
               "--json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "r.csv"))
    assert done.returncode == 0, done.stderr
    report = Report.model_validate_json((tmp_path / "r.json").read_text())
    assert report.exercise == "deadlift" and report.rep_count == 10
    for rep in report.reps:
        assert rep.outcome in ("valid", "no_rep", "ambiguous") and rep.reason
        assert rep.start_s <= rep.turn_s <= rep.end_s
    with (tmp_path / "r.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == report.rep_count
    assert "cue:" in done.stdout


def test_analyze_json_to_stdout_is_pure_json() -> None:
    import json

    done = run("analyze", str(SAMPLE), "-e", "deadlift", "--json", "-")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rep_count"] == 10


def test_schema_describes_the_report() -> None:
    import json

    done = run("schema")
    schema = json.loads(done.stdout)
    for key in ("exercise", "view", "rep_count", "reps"):
        assert key in schema["properties"]


def test_exercises_lists_every_lift_with_sources() -> None:
    from formcheck.config import LIFTS

    done = run("exercises")
    assert done.returncode == 0
    for lift in LIFTS:
        assert lift in done.stdout
    assert "lockout_hip_angle" in done.stdout


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (("-e", "squat"), "unknown exercise"),
        (("-e", "kettlebell_swing", "--variant", "sumo"), "no variant"),
    ],
)
def test_analyze_bad_choices(args: tuple[str, ...], pattern: str) -> None:
    _one_clear_line(run("analyze", str(SAMPLE), *args), pattern)


@pytest.mark.parametrize(
    ("config", "pattern"),
    [
        ("[thresholds]\nnot_a_threshold = 1\n", "unknown threshold"),
        ("[thresholds]\nlockout_hip_angle = 'high'\n", "numeric"),
        ("this is = not toml [", "not valid TOML"),
    ],
)
def test_analyze_bad_config(tmp_path: Path, config: str, pattern: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(config)
    _one_clear_line(run("analyze", str(SAMPLE), "-e", "deadlift", "--config", str(path)),
                    pattern)


def test_config_override_changes_the_verdict(tmp_path: Path) -> None:
    import json

    path = tmp_path / "c.toml"
    path.write_text('[thresholds.back_bend]\nvalue = 0.5\nsource = "test"\n'
                    "[thresholds]\nhip_lead = 0.9\n")
    done = run("analyze", str(SAMPLE), "-e", "deadlift", "--config", str(path), "--json", "-")
    report = json.loads(done.stdout)
    assert report["thresholds"]["back_bend"] == 0.5
    assert all(not rep["faults"] for rep in report["reps"])


def test_video_out_from_a_track_needs_its_video(tmp_path: Path) -> None:
    from formcheck.track import PoseTrack

    track = PoseTrack.load(SAMPLE)
    track.source = str(tmp_path / "gone.mp4")
    moved = track.save(tmp_path / "t.npz")
    _one_clear_line(run("analyze", str(moved), "-e", "deadlift",
                        "--video-out", str(tmp_path / "a.mp4")), "original video")
