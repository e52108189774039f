"""Bad and awkward inputs to ``formcheck pose`` and ``formcheck analyze``, end to end.

Each test checks one row of docs/robustness.md: the input is made by tests/corpus.py from a
real clip, and the test asserts the behaviour the table documents, through the command line
where what the user sees matters (messages, exit status, files left behind), else through the
Python API. Inputs that are not videos at all are in tests/test_cli.py.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from conftest import TBY66, clip, gone, without_progress
from corpus import (
    AWKWARD_NAME,
    Lifter,
    awkward_name,
    cut_mid_stream,
    make_lifter,
    one_frame,
    panned,
    person_leaves,
    rotation_metadata,
    swung_away,
    two_people,
    upscaled_4k,
    upside_down,
    variable_frame_rate,
)
from test_cli import run

import formcheck
from formcheck.analysis import UPSIDE_DOWN, analyze_track
from formcheck.config import load_lift
from formcheck.landmarks import Landmark
from formcheck.models import _load_problem
from formcheck.pose import extract_pose
from formcheck.report import Report, RepReport
from formcheck.track import PoseTrack
from formcheck.video import VideoInfo

pytestmark = [pytest.mark.slow, pytest.mark.clips]

DEADLIFT = ("deadlift", "kettlebell")
FRAME_S = 1 / 30
HIPS = [Landmark.LEFT_HIP, Landmark.RIGHT_HIP]
SHOULDERS = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]


@pytest.fixture(scope="module")
def lifter_track(lifter: Lifter) -> PoseTrack:
    return extract_pose(lifter.video)


@pytest.fixture(scope="module")
def reference(lifter_track: PoseTrack) -> Report:
    """The lifter's four reps as formcheck judges them on a clean video."""
    return analyze_track(lifter_track, load_lift(*DEADLIFT))


def analyze_video(video: Path) -> Report:
    """What ``formcheck.analyze`` says of a kettlebell deadlift video."""
    return formcheck.analyze(video, "deadlift", variant="kettlebell")


def reps_until(report: Report, end_s: float) -> list[RepReport]:
    return [rep for rep in report.reps if rep.end_s < end_s]


def assert_same_reps(got: list[RepReport], expected: list[RepReport], tolerance_s: float) -> None:
    """Same count, same verdicts, same timing to within ``tolerance_s``."""
    assert [(r.outcome, r.score) for r in got] == [(r.outcome, r.score) for r in expected]
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose([a.start_s, a.turn_s, a.end_s],
                                   [b.start_s, b.turn_s, b.end_s], atol=tolerance_s)


def mid(track: PoseTrack, points: list[Landmark]) -> np.ndarray:
    """(T, 2) pixel midpoint of ``points`` per frame."""
    return track.pixels[:, points].mean(axis=1)


def test_the_clean_lifter_clip_has_four_valid_reps(reference: Report) -> None:
    """The baseline every awkward version of the clip is compared with."""
    assert [rep.outcome for rep in reference.reps] == ["valid"] * 4
    assert reference.warnings == []


# Names and damage.


def test_file_names_with_spaces_unicode_and_html(tmp_path: Path, lifter: Lifter) -> None:
    video = awkward_name(lifter.video, tmp_path)
    stem = AWKWARD_NAME.removesuffix(".mp4")
    track_path, json_path, csv_path, annotated = (
        tmp_path / f"{stem}{suffix}" for suffix in (".track.npz", ".json", ".csv", ".annotated.mp4")
    )
    done = run("pose", str(video), "-o", str(track_path))
    assert done.returncode == 0, done.stderr
    assert str(track_path) in done.stderr
    done = run("analyze", str(track_path), "-e", "deadlift", "--variant", "kettlebell",
               "--json", str(json_path), "--csv", str(csv_path), "--video-out", str(annotated))
    assert done.returncode == 0, done.stderr
    assert sorted(video.parent.iterdir()) == sorted(
        [video, track_path, json_path, csv_path, annotated])
    report = json.loads(json_path.read_text(encoding="utf-8"))
    assert report["source"] == str(video)
    assert report["rep_count"] == 4
    with csv_path.open(encoding="utf-8", newline="") as fh:
        assert {row["clip"] for row in csv.DictReader(fh)} == {str(video)}
    assert VideoInfo.from_path(annotated).frame_count == len(lifter.images)


def test_truncated_video_keeps_the_part_before_the_damage(
    tmp_path: Path, lifter: Lifter, reference: Report, pose_model: Path
) -> None:
    cut = cut_mid_stream(lifter.video, tmp_path)
    track_path = tmp_path / "cut.track.npz"
    done = run("pose", str(cut), "-o", str(track_path))
    assert done.returncode == 0, done.stderr
    lines = without_progress(done.stderr)
    assert len(lines) == 2, lines
    assert lines[1].startswith("formcheck: note: the video ends early at"), lines
    done = run("analyze", str(track_path), "-e", "deadlift", "--variant", "kettlebell",
               "--json", "-")
    assert done.returncode == 0 and "Warning" not in done.stderr, done.stderr
    report = Report.model_validate_json(done.stdout)
    end_s = PoseTrack.load(track_path).times[-1]
    assert end_s < 0.75 * lifter.duration_s
    assert report.warnings[0].startswith(f"the video ends early at {end_s:.1f} s")
    assert_same_reps(report.reps, reps_until(reference, end_s - 0.5), 2 * FRAME_S)


def test_one_frame_is_a_result_with_no_reps(tmp_path: Path, lifter: Lifter,
                                           pose_model: Path) -> None:
    done = run("analyze", str(one_frame(lifter, tmp_path)), "-e", "deadlift", "--json", "-")
    assert done.returncode == 0, done.stderr
    report = Report.model_validate_json(done.stdout)
    assert report.rep_count == 0 and report.detection_rate == 1.0
    assert any(w.startswith("the video is too short to hold a rep") for w in report.warnings)


# Awkward filming.


def test_phone_rotation_metadata_is_applied(
    tmp_path: Path, short_lifter: Lifter, reference: Report
) -> None:
    track = formcheck.pose_video(rotation_metadata(short_lifter, tmp_path))
    assert (track.width, track.height, track.meta["rotation"]) == (360, 640, 90)
    report = analyze_track(track, load_lift(*DEADLIFT))
    assert_same_reps(report.reps, reps_until(reference, short_lifter.duration_s), 2 * FRAME_S)


def test_variable_frame_rate_keeps_real_time(
    tmp_path: Path, short_lifter: Lifter, reference: Report
) -> None:
    track = formcheck.pose_video(variable_frame_rate(short_lifter, tmp_path))
    steps = np.diff(track.times)
    assert len(track) < 0.8 * len(short_lifter.images)
    assert steps.min() < 1.2 * FRAME_S and steps.max() > 2.5 * FRAME_S
    report = analyze_track(track, load_lift(*DEADLIFT))
    # A dropped frame can move a rep's edge by up to the gap it leaves.
    assert_same_reps(report.reps, reps_until(reference, short_lifter.duration_s), 4 * FRAME_S)


def test_4k_frames_find_the_lifter_where_the_small_video_does(
    tmp_path: Path, short_lifter: Lifter, lifter_track: PoseTrack
) -> None:
    track = formcheck.pose_video(upscaled_4k(short_lifter, tmp_path, seconds=1.0))
    assert (track.width, track.height) == (1920, 1080)  # scaled to MAX_FRAME_SIDE
    assert track.detection_rate == 1.0
    small = mid(lifter_track, HIPS)[: len(track)]
    scale = track.height / lifter_track.height
    left = (track.width - round(lifter_track.width * scale) // 2 * 2) // 2
    expected = small * scale + np.array([left, 0])
    trunk = np.linalg.norm(mid(track, SHOULDERS) - mid(track, HIPS), axis=1)
    error = np.linalg.norm(mid(track, HIPS) - expected, axis=1) / trunk
    assert np.median(error) < 0.1


def test_upside_down_video_makes_every_rep_ambiguous(
    tmp_path: Path, short_lifter: Lifter, reference: Report
) -> None:
    report = analyze_video(upside_down(short_lifter, tmp_path))
    assert report.rep_count == len(reps_until(reference, short_lifter.duration_s)) > 0
    for rep in report.reps:
        assert rep.outcome == "ambiguous" and rep.faults == []
        assert [a.check for a in rep.abstained] == ["orientation"]
    assert UPSIDE_DOWN in report.warnings


def test_person_leaving_mid_set(tmp_path: Path, lifter: Lifter, reference: Report) -> None:
    """Gone from 3.2 to 4.8 s: the end of rep 2 and the start of rep 3 are never seen."""
    report = analyze_video(person_leaves(lifter, tmp_path, (3.2, 4.8)))
    first, merged, last = report.reps
    assert_same_reps([first, last], [reference.reps[0], reference.reps[3]], 2 * FRAME_S)
    assert merged.outcome == "ambiguous" and merged.score is None
    assert merged.abstained[0].check == "tracking"
    assert "not tracked from 3.2 to 4.8 s" in merged.abstained[0].reason
    assert merged.start_s < 3.2 and merged.end_s > 4.8
    assert any(w.startswith("the lifter was out of sight from 3.2 to 4.8 s")
               for w in report.warnings)


def test_a_camera_panning_across_the_room_changes_no_rep(
    tmp_path: Path, lifter: Lifter, reference: Report
) -> None:
    """The camera pans a fifth of the frame over 1.5 s with the lifter in the picture: the
    reps are the clean video's (counted from the joints, not their place in the picture), and
    the report says when the camera moved."""
    report = analyze_video(panned(lifter, tmp_path, (2.0, 3.5)))
    assert_same_reps(report.reps, reference.reps, 3 * FRAME_S)
    (move,) = report.camera_moves
    assert move.start_s == pytest.approx(2.0, abs=0.2) and move.end_s == pytest.approx(3.5, abs=0.2)
    assert move.size == pytest.approx(0.25, abs=0.03)  # 72 px of the 288 px picture
    assert any(w.startswith("the camera moved at 2.") for w in report.warnings)
    assert not any("cuts to another shot" in w for w in report.warnings)


def test_a_rep_the_camera_swung_away_from_is_listed_not_counted(
    tmp_path: Path, lifter: Lifter, reference: Report
) -> None:
    """A hand turns the camera away as the third pull comes up and back as it goes down: the
    lifter leaves the picture through its edge. That rep is listed with why, its neighbours are
    counted as in the clean video, and no whip of the camera is taken for a cut."""
    turn = reference.reps[2].turn_s
    report = analyze_video(swung_away(lifter, tmp_path, (turn - 0.2, turn + 0.2)))
    assert_same_reps([report.reps[0], report.reps[2]], [reference.reps[0], reference.reps[3]],
                     3 * FRAME_S)
    assert report.rep_count == 3
    (listed,) = report.not_counted
    assert listed.reason.startswith("the lifter was out of the picture from ")
    assert listed.reason.endswith("part-way through it: whether it was made cannot be seen")
    assert "(the camera moved at " in listed.reason and listed.start_s < turn < listed.end_s
    assert report.camera_moves and not any("cuts to another shot" in w for w in report.warnings)
    assert any(w.startswith("the lifter was out of the picture from ") for w in report.warnings)


def test_two_people_the_track_follows_one(tmp_path: Path, short_lifter: Lifter) -> None:
    other = make_lifter(clip(TBY66.format("k")), tmp_path, 1.6, 5.2)
    track = formcheck.pose_video(two_people(short_lifter, other, tmp_path))
    assert track.detection_rate > 0.9
    hips = mid(track, HIPS)[track.present]
    half = track.width / 2
    assert (hips[:, 0] < half).all() or (hips[:, 0] > half).all(), "jumped between lifters"
    trunk = np.nanmedian(np.linalg.norm(mid(track, SHOULDERS) - mid(track, HIPS), axis=1))
    assert np.linalg.norm(np.diff(hips, axis=0), axis=1).max() < trunk
    assert analyze_track(track, load_lift(*DEADLIFT)).rep_count > 0


# Ctrl-C.


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


STARTED_CPU_S = 4.0
"""CPU time by which a command is well into the pose model: start-up (imports, loading the
model) and the first frame take about 2.2 s of CPU."""


STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
"""Ctrl-C, a kill or a closed terminal: all three stop a command the same way."""


def _signals_as_in_a_terminal() -> None:
    """Ctrl-C and a closed terminal reach the command as they would from a user's terminal.

    Why: a shell that runs the tests in the background (``make test &``, a CI runner) starts
    them with SIGINT ignored, every child inherits that, and Python then installs no Ctrl-C
    handler: the command would run to its end, which is not what a user pressing Ctrl-C sees.
    """
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)


def _interrupt(args: list[str], ready, signum: int = signal.SIGINT
               ) -> subprocess.CompletedProcess[str]:
    """Run ``formcheck args``, send ``signum`` once ``ready()`` and wait for it to finish; the
    result's ``children`` are the PIDs of every process it had started by then."""
    process = subprocess.Popen([sys.executable, "-m", "formcheck", *args], text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=_signals_as_in_a_terminal)
    try:
        while process.poll() is None and not ready(process.pid):
            time.sleep(0.05)
        assert process.poll() is None, "finished before it could be interrupted"
        children = [child.pid for child in psutil.Process(process.pid).children(recursive=True)]
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    done = subprocess.CompletedProcess(args, process.returncode, stdout, stderr)
    done.children = children  # type: ignore[attr-defined]
    return done


def _assert_interrupted(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 130
    assert without_progress(done.stderr) == ["formcheck: interrupted; finished outputs were kept"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("signum", STOP_SIGNALS, ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("command", ["pose", "analyze"])
def test_ctrl_c_during_the_model_leaves_nothing(tmp_path: Path, pose_model: Path,
                                                command: str, signum: int) -> None:
    video = clip(TBY66.format("c"))
    args = (["pose", str(video), "-o", str(tmp_path / "t.npz")] if command == "pose" else
            ["analyze", str(video), "-e", "deadlift", "--json", str(tmp_path / "out.json")])
    done = _interrupt([*args, "--video-out", str(tmp_path / "out.mp4")],
                      lambda pid: _cpu_seconds(pid) >= STARTED_CPU_S, signum)
    _assert_interrupted(done)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("signum", STOP_SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_ctrl_c_stops_the_helper_processes_too(tmp_path: Path, pose_model: Path,
                                               signum: int) -> None:
    video = clip(TBY66.format("c"))
    done = _interrupt(["analyze", str(video), "-e", "deadlift", "--workers", "2",
                       "--json", str(tmp_path / "out.json")],
                      lambda pid: _cpu_seconds(pid) >= STARTED_CPU_S, signum)
    _assert_interrupted(done)
    assert list(tmp_path.iterdir()) == []
    assert done.children, "no pose helper was started: the test proves nothing"
    assert gone(done.children, within=5)


@pytest.mark.parametrize("load", ["pose stage", "model check"])
def test_a_stop_while_the_model_loads_closes_it(monkeypatch: pytest.MonkeyPatch,
                                                pose_model: Path, load: str) -> None:
    """A stop signal that lands while MediaPipe builds a landmarker is acted on once that
    landmarker is closed. Left open, its ``__del__`` runs at interpreter exit and prints a
    traceback; seen in CI, where the model is Google's download, which the model check loads
    on every command's start."""
    from mediapipe.tasks.python import vision

    create, close = vision.PoseLandmarker.create_from_options, vision.PoseLandmarker.close
    made: list[vision.PoseLandmarker] = []
    closed: set[int] = set()

    def create_then_stop(options):
        made.append(create(options))
        signal.raise_signal(signal.SIGINT)  # arrives as the constructor returns
        return made[-1]

    def recorded_close(landmarker: vision.PoseLandmarker) -> None:
        closed.add(id(landmarker))
        close(landmarker)

    monkeypatch.setattr(vision.PoseLandmarker, "create_from_options", create_then_stop)
    monkeypatch.setattr(vision.PoseLandmarker, "close", recorded_close)
    # Ctrl-C raises here even when the tests run in the background, which ignores SIGINT.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            formcheck.PoseEstimator() if load == "pose stage" else _load_problem(pose_model)
    finally:
        signal.signal(signal.SIGINT, previous)
        left_open = [landmarker for landmarker in made if id(landmarker) not in closed]
        for landmarker in left_open:  # here, not in the garbage collector, where it can hang
            close(landmarker)
    assert len(made) == 1
    assert not left_open


def test_a_stop_before_the_command_runs_is_one_line_and_status_130(tmp_path: Path) -> None:
    """Typer builds every command before running one, evaluating their annotations (stops sent
    at 1.3-1.55 s of CPU landed there in our runs). A Ctrl-C then says what any other stop
    says, not a traceback from inside typer, and exits 130: CPython remembers a
    KeyboardInterrupt that escaped an ``eval`` of a string and, run as ``python -m`` (as here
    and in every test), would end the process by SIGINT (-2) at exit though formcheck
    handled it."""
    (tmp_path / "stopped_start.py").write_text(
        "import sys\n"
        "import typer.main\n"
        "def stopped(*args, **kwargs):\n"
        "    eval('(_ for _ in ()).throw(KeyboardInterrupt)')\n"
        "typer.main.get_command = stopped\n"
        "from formcheck.cli import main\n"
        "sys.argv = ['formcheck', 'exercises']\n"
        "main()\n")
    done = subprocess.run([sys.executable, "-m", "stopped_start"], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path,
                          env=os.environ | {"PYTHONPATH": str(Path(formcheck.__file__).parents[1])})
    _assert_interrupted(done)


def test_ctrl_c_while_drawing_keeps_the_finished_report(tmp_path: Path, real_track) -> None:
    track = real_track(TBY66.format("c")).save(tmp_path / "t.npz")
    report, annotated = tmp_path / "out.json", tmp_path / "out.mp4"
    done = _interrupt(["analyze", str(track), "-e", "deadlift", "--json", str(report),
                       "--video-out", str(annotated)], lambda _: report.exists())
    _assert_interrupted(done)
    assert sorted(tmp_path.iterdir()) == [report, track]
    assert Report.model_validate_json(report.read_text()).rep_count == 10


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("signum", STOP_SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_a_stopped_live_session_keeps_its_report_and_track(tmp_path: Path, pose_model: Path,
                                                           signum: int) -> None:
    """SIGTERM (a kill, a service stop) and SIGHUP (the terminal closed) end a live session as
    Ctrl-C does: what was judged is written."""
    report, track = tmp_path / "live.json", tmp_path / "live.npz"
    done = _interrupt(["live", "-e", "deadlift", "--variant", "kettlebell",
                       "--source", str(clip(TBY66.format("c"))), "--serve", "0",
                       "--json", str(report), "--track-out", str(track)],
                      lambda pid: _cpu_seconds(pid) >= 2 * STARTED_CPU_S, signum)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    written, kept = Report.model_validate_json(report.read_text()), PoseTrack.load(track)
    assert written.source.endswith(".mp4")
    # The whole session, however many frames a loaded machine let it see by the stop.
    assert len(kept) > 1
    assert kept.times[-1] - kept.times[0] == pytest.approx(written.duration_s, abs=1e-3)
    assert sorted(tmp_path.iterdir()) == [report, track]
