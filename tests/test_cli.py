"""Every bad input to the command line: one clear line on stderr, non-zero exit, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import without_progress
from corpus import audio_only, black_video, read_only_folder, text_as_video, zero_bytes


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``formcheck ARGS`` in a child process; ``env``: variables set beside this one's."""
    return subprocess.run(
        [sys.executable, "-m", "formcheck", *args], capture_output=True, text=True, timeout=300,
        env=None if env is None else {**os.environ, **env},
    )


def _one_clear_line(done: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = without_progress(done.stderr)
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("formcheck: error:")
    assert pattern in lines[0], lines[0]


def command(name: str, video: Path, folder: Path) -> tuple[str, ...]:
    """``formcheck pose`` or ``formcheck analyze`` of ``video``, writing into ``folder``."""
    if name == "pose":
        return ("pose", str(video), "-o", str(folder / "t.npz"))
    return ("analyze", str(video), "-e", "deadlift", "--json", str(folder / "r.json"))


COMMANDS = ("pose", "analyze")


@pytest.mark.parametrize("name", COMMANDS)
def test_missing_file(tmp_path: Path, name: str) -> None:
    _one_clear_line(run(*command(name, tmp_path / "nope.mp4", tmp_path)), "not found")


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize(
    ("make", "pattern"),
    [(zero_bytes, "empty (0 bytes)"), (text_as_video, "as a video"),
     (audio_only, "no video stream (it contains audio)")],
    ids=["zero-bytes", "text", "audio-only"],
)
def test_not_a_video(tmp_path: Path, make, pattern: str, name: str) -> None:
    video = make(tmp_path)
    _one_clear_line(run(*command(name, video, tmp_path)), pattern)
    assert list(tmp_path.iterdir()) == [video]


def _file_as_folder(folder: Path) -> Path:
    blocker = folder / "file"
    blocker.write_text("")
    return blocker


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("unwritable", [_file_as_folder, read_only_folder],
                         ids=["file-as-folder", "read-only"])
def test_unwritable_output_is_refused_before_work(tmp_path: Path, unwritable, name: str) -> None:
    if unwritable is read_only_folder and os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"whatever")
    _one_clear_line(run(*command(name, video, unwritable(tmp_path))), "cannot write")


@pytest.mark.parametrize("name", COMMANDS)
def test_no_person_anywhere(tmp_path: Path, pose_model: Path, name: str) -> None:
    video = black_video(tmp_path)
    _one_clear_line(run(*command(name, video, tmp_path)), "no person")
    assert list(tmp_path.iterdir()) == [video]


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
    assert all(len(rep.checks) == 6 and rep.checks[0].view == "side" for rep in report.reps)
    judged = sum(c.result != "not_judged" for c in report.reps[0].checks)
    assert f" {judged}/6 " in done.stdout
    assert ("not judged:" in done.stdout) == (judged < 6)


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
    assert "hip_thrust" in schema["properties"]["exercise"]["enum"]
    assert "rounded_back" in schema["$defs"]["Fault"]["properties"]["code"]["enum"]
    undescribed = [k for k, v in schema["properties"].items() if not v.get("description")]
    assert not undescribed, f"top-level fields without a description: {undescribed}"


def test_exercises_lists_every_lift_with_sources() -> None:
    from formcheck.config import lift_names

    done = run("exercises")
    assert done.returncode == 0
    for lift in lift_names():
        assert lift in done.stdout
    assert "lockout_hip_angle" in done.stdout


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (("-e", "squat"), "unknown exercise"),
        (("-e", "kettlebell_swing", "--variant", "sumo"), "no variant"),
        (("-e", "deadlift", "--height-cm", "1.75"), "height must be in centimetres"),
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
    """Thresholds of one's own are used, and said to be unmeasured: by default the checks they
    change abstain with that reason; with --all-checks they judge with them."""
    import json

    path = tmp_path / "c.toml"
    path.write_text('[thresholds.knee_to_hip_flexion]\nvalue = 5.0\nsource = "test"\n'
                    "[thresholds]\nknee_to_hip_flexion_major = 6.0\n")
    args = ("analyze", str(SAMPLE), "-e", "deadlift", "--config", str(path), "--json", "-")
    report = json.loads(run(*args).stdout)
    assert report["thresholds"]["knee_to_hip_flexion"] == 5.0
    for rep in report["reps"]:
        reason = next(a["reason"] for a in rep["abstained"] if a["check"] == "squatted_hinge")
        assert ("not measured with these thresholds (knee_to_hip_flexion 5, "
                "knee_to_hip_flexion_major 6)") in reason
    judged = json.loads(run(*args, "--all-checks").stdout)
    assert all(f["code"] != "squatted_hinge" for rep in judged["reps"] for f in rep["faults"])
    assert all(any(c["check"] == "squatted_hinge" and c["result"] == "clear" for c in rep["checks"])
               for rep in judged["reps"])
    assert any("every check judged" in warning for warning in judged["warnings"])


def test_video_out_from_a_track_needs_its_video(tmp_path: Path) -> None:
    from formcheck.track import PoseTrack

    track = PoseTrack.load(SAMPLE)
    track.source = str(tmp_path / "gone.mp4")
    moved = track.save(tmp_path / "t.npz")
    _one_clear_line(run("analyze", str(moved), "-e", "deadlift",
                        "--video-out", str(tmp_path / "a.mp4")), "original video")


def test_version_is_printed() -> None:
    import formcheck

    done = run("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"formcheck {formcheck.__version__}")


def test_why_checks_did_not_judge_is_said_once_per_check(tmp_path: Path) -> None:
    """A front-view set: every rep is ambiguous for the same reasons, each printed once."""
    from synthetic import View, hinge

    track = hinge(3, from_floor=True, view=View(yaw_deg=0)).track.save(tmp_path / "t.npz")
    done = run("analyze", str(track), "-e", "deadlift")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    reasons = [line for line in lines if line.startswith("not judged:")]
    assert len(reasons) == len({line.split(" (reps")[0] for line in reasons}) == 6
    assert all("(reps 1-3)" in line for line in reasons)
    assert sum("no check could judge it" in line for line in lines) == 3


def test_help_lists_the_lifts_and_their_variants() -> None:
    from formcheck.config import lift_variants

    for command in ("analyze", "batch", "live"):
        done = subprocess.run([sys.executable, "-m", "formcheck", command, "--help"],
                              capture_output=True, text=True, timeout=60,
                              env=os.environ | {"COLUMNS": "400"})
        assert done.returncode == 0
        # rich wraps a long option help even at 400 columns: read it with the wraps undone
        text = " ".join(done.stdout.replace("│", " ").split())
        for lift, variants in lift_variants().items():
            assert lift in text, (command, lift)
            assert f"{lift}: {', '.join(variants)}" in text, (command, lift)


def test_exercises_shows_one_lift_when_asked() -> None:
    done = run("exercises", "kettlebell_swing")
    assert done.returncode == 0
    assert "kettlebell_swing" in done.stdout and "russian" in done.stdout
    assert "hip_thrust" not in done.stdout and "romanian_deadlift" not in done.stdout
    assert len(done.stdout.splitlines()) < len(run("exercises").stdout.splitlines()) / 3


def test_exercises_unknown_lift_names_the_choices() -> None:
    _one_clear_line(run("exercises", "squat"), "choose a lift (deadlift, romanian_deadlift")


@pytest.mark.parametrize(("args", "pattern"), [
    (("completion",), "Missing argument 'shell'. Choose from: bash, zsh, fish"),
    (("completion", "powershell"), "'powershell' is not one of 'bash', 'zsh', 'fish'"),
])
def test_completion_mistakes_are_one_line(args: tuple[str, ...], pattern: str) -> None:
    _one_clear_line(run(*args), pattern)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script_and_completions(shell: str) -> None:
    done = run("completion", shell)
    assert done.returncode == 0 and "_FORMCHECK_COMPLETE" in done.stdout
    assert "formcheck" in done.stdout


def test_completion_offers_lifts_and_the_chosen_lift_variants() -> None:
    def complete(*words: str) -> list[str]:
        env = os.environ | {"_FORMCHECK_COMPLETE": "complete_bash",
                            "COMP_WORDS": " ".join(("formcheck", *words)),
                            "COMP_CWORD": str(len(words))}
        done = subprocess.run([sys.executable, "-m", "formcheck"], capture_output=True,
                              text=True, timeout=60, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("ana") == ["analyze"]
    assert complete("analyze", "x", "-e", "kettle") == ["kettlebell_swing"]
    assert complete("analyze", "x", "-e", "kettlebell_swing", "--variant", "") == [
        "russian", "american"]
    assert complete("exercises", "hip") == ["hip_thrust"]


def test_quiet_prints_no_progress_and_no_table(tmp_path: Path) -> None:
    done = run("analyze", str(SAMPLE), "-e", "deadlift", "--quiet",
               "--csv", str(tmp_path / "r.csv"))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert (tmp_path / "r.csv").exists()
    (tmp_path / "broken.npz").write_bytes(b"not a track")
    failed = run("analyze", str(tmp_path / "broken.npz"), "-e", "deadlift", "--quiet")
    _one_clear_line(failed, "not a formcheck pose track")  # errors still said


def test_quiet_still_says_the_warnings(tmp_path: Path) -> None:
    done = run("analyze", str(SAMPLE), "-e", "deadlift", "--quiet", "--all-checks")
    assert done.returncode == 0 and done.stdout == ""
    assert done.stderr.startswith("formcheck: note: every check judged")
