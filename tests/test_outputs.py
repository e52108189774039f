"""Outputs never destroy what the user has: inputs, other outputs, special files.

Every refusal happens before any decoding or model time (the inputs here need not even be
videos), so these run in the fast suite.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import TBY66, clip
from test_cli import SAMPLE, _one_clear_line, run

from formcheck.outputs import Outputs
from formcheck.track import PoseTrack

VIDEO_BYTES = b"not decoded: the command must refuse before reading it"


@pytest.fixture
def video(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(VIDEO_BYTES)
    return path


@pytest.fixture
def track(tmp_path: Path) -> Path:
    path = tmp_path / "t.npz"
    path.write_bytes(SAMPLE.read_bytes())
    return path


def _unchanged(path: Path, content: bytes) -> None:
    assert path.read_bytes() == content


@pytest.mark.parametrize(
    "args",
    [
        ("analyze", "{video}", "-e", "deadlift", "--json", "{video}"),
        ("analyze", "{video}", "-e", "deadlift", "--video-out", "{video}"),
        ("analyze", "{video}", "-e", "deadlift", "--csv", "{video}"),
        ("analyze", "{video}", "-e", "deadlift", "--report", "{video}"),
        ("pose", "{video}", "-o", "t.npz", "--video-out", "{video}"),
    ],
    ids=["json", "video-out", "csv", "report", "pose-video-out"],
)
def test_an_output_that_is_the_input_video_is_refused(video: Path, args: tuple[str, ...]) -> None:
    done = run(*(a.format(video=video) for a in args))
    _one_clear_line(done, "is the input video: refusing to overwrite it")
    _unchanged(video, VIDEO_BYTES)


def test_pose_output_must_be_a_track_file(video: Path) -> None:
    _one_clear_line(run("pose", str(video), "-o", str(video)), "saved as .npz (exact) or .json")
    _one_clear_line(run("pose", str(video), "-o", str(video.with_suffix(".txt"))), ".npz")
    _unchanged(video, VIDEO_BYTES)
    assert not video.with_suffix(".txt").exists()


def test_an_output_that_is_the_input_track_is_refused(track: Path) -> None:
    before = track.read_bytes()
    _one_clear_line(run("analyze", str(track), "-e", "deadlift", "--json", str(track)),
                    "is the input pose track")
    _unchanged(track, before)


@pytest.mark.parametrize(
    "args",
    [("analyze", "{track}", "-e", "deadlift", "--json", "{video}"),
     ("analyze", "{track}", "-e", "deadlift", "--csv", "{video}"),
     ("hold", "{track}", "-p", "hamstring_stretch", "--json", "{video}")],
    ids=["json", "csv", "hold-json"],
)
def test_a_report_over_the_video_a_track_was_made_from_is_refused(
    tmp_path: Path, video: Path, args: tuple[str, ...]
) -> None:
    """A saved track's video is the user's too, whether or not an output draws on it."""
    made = PoseTrack.load(SAMPLE)
    made.source = str(video)
    path = made.save(tmp_path / "made.npz")
    done = run(*(a.format(track=path, video=video) for a in args))
    _one_clear_line(done, "is the video the track was made from: refusing to overwrite it")
    _unchanged(video, VIDEO_BYTES)


@pytest.mark.parametrize("name", ["annotated.json", "annotated"])
def test_an_annotated_video_is_named_as_the_mp4_it_is(tmp_path: Path, name: str) -> None:
    _one_clear_line(run("analyze", str(SAMPLE), "-e", "deadlift", "--video-out",
                        str(tmp_path / name)), "an annotated video is an MP4 file")
    assert not (tmp_path / name).exists()
    # any case, any MP4 name; a special file is named by no one
    for fine in (tmp_path / "a.MP4", tmp_path / "a.m4v", tmp_path / "a.mov", Path(os.devnull)):
        Outputs(video=fine).check({})


def test_an_output_inside_a_file_says_the_file_is_no_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    _one_clear_line(run("analyze", str(SAMPLE), "-e", "deadlift", "--json",
                        str(blocker / "r.json")), "notes.txt is not a folder")
    assert blocker.read_text() == "a file, not a folder"


@pytest.mark.parametrize(("option", "name"), [("--json", "sub"), ("--csv", "sub"),
                                              ("--report", "sub"), ("--track-out", "sub.npz")])
def test_an_output_named_as_a_folder_is_refused(tmp_path: Path, option: str, name: str) -> None:
    # the option's text is read as given: a path object drops the slash and writes "sub"
    _one_clear_line(run("analyze", str(SAMPLE), "-e", "deadlift", option, f"{tmp_path}/{name}/"),
                    "a name ending in / is a folder's")
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("command", [("analyze", str(SAMPLE), "-e", "deadlift"),
                                     ("hold", str(SAMPLE), "-p", "hamstring_stretch"),
                                     ("live", "-e", "deadlift", "--source", "x.mp4", "--serve")])
def test_an_output_over_the_config_is_refused(tmp_path: Path, command: tuple[str, ...]) -> None:
    config = tmp_path / "mine.toml"
    config.write_text("# my thresholds\n")
    _one_clear_line(run(*command, "--config", str(config), "--json", str(config)),
                    "is the --config file: refusing to overwrite it")
    assert config.read_text() == "# my thresholds\n"


@pytest.mark.parametrize(
    ("args", "named"),
    [(("analyze", "-e", "deadlift", "--fps", "15"), "--fps"),
     (("analyze", "-e", "deadlift", "--model", "full", "--workers", "2"), "--model, --workers"),
     (("hold", "-p", "hamstring_stretch", "--model-dir", "models"), "--model-dir")],
    ids=["fps", "model-workers", "hold-model-dir"],
)
def test_options_of_the_model_given_for_a_saved_track_are_said_to_do_nothing(
        args: tuple[str, ...], named: str) -> None:
    # a note, not an error: one command line may be run over videos and tracks alike
    done = run(args[0], str(SAMPLE), *args[1:], "-q")
    assert done.returncode == 0, done.stderr
    assert f"note: {named} did nothing: " in done.stderr
    assert "is a pose track, read by the model when it was made" in done.stderr


def test_a_track_given_for_a_video_and_a_stretch_for_a_lift_say_what_to_run(video: Path) -> None:
    _one_clear_line(run("pose", str(SAMPLE), "-o", str(video.with_suffix(".npz"))),
                    "is a pose track already: analyse it")
    _one_clear_line(run("analyze", str(SAMPLE), "-e", "downward_dog"),
                    "time it with `formcheck hold --pose downward_dog`")


def test_an_empty_output_name_is_refused() -> None:
    _one_clear_line(run("analyze", str(SAMPLE), "-e", "deadlift", "--json", ""),
                    "an output needs a file name")


def test_an_unknown_exercise_lists_the_lifts_and_the_stretches_where_both_are_taken() -> None:
    for args in (("exercises", "bogus"), ("batch", str(SAMPLE), "-e", "bogus")):
        _one_clear_line(run(*args), "or a held stretch (downward_dog")


def test_more_workers_than_the_machine_can_use_are_refused(video: Path, tmp_path: Path) -> None:
    # each loads a pose model: a typo such as 64 would fill a laptop's memory
    _one_clear_line(run("analyze", str(video), "-e", "deadlift", "--workers", "640", "--json",
                        str(tmp_path / "new" / "r.json")), "--workers takes 1 to")
    assert not (tmp_path / "new").exists()  # refused before the outputs' folders are made
    _one_clear_line(run("pose", str(video), "-o", str(tmp_path / "t.npz"), "--workers", "640"),
                    "--workers takes 1 to")
    _one_clear_line(run("batch", str(video), "-e", "deadlift", "--workers", "640"),
                    "--workers takes 1 to")


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_a_link_to_the_input_is_the_input(video: Path, link: str) -> None:
    alias = video.parent / "alias.json"
    (os.symlink if link == "symlink" else os.link)(video, alias)
    _one_clear_line(run("analyze", str(video), "-e", "deadlift", "--json", str(alias)),
                    "is the input video")
    _unchanged(video, VIDEO_BYTES)


def test_two_outputs_on_one_file_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    _one_clear_line(run("analyze", str(SAMPLE), "-e", "deadlift", "--json", str(out),
                        "--csv", str(tmp_path / "." / "r.json")), "are the same file")
    assert not out.exists()


def test_only_one_output_goes_to_stdout() -> None:
    _one_clear_line(run("analyze", str(SAMPLE), "-e", "deadlift", "--json", "-", "--csv", "-"),
                    "only one output can go to stdout")


@pytest.mark.parametrize(
    "args",
    [("analyze", str(SAMPLE), "-e", "deadlift", "--video-out", "-"),
     ("pose", str(SAMPLE), "-o", "-")],
    ids=["video-out", "pose-track"],
)
def test_binary_outputs_are_not_stdout(args: tuple[str, ...]) -> None:
    done = run(*args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "formcheck: error:" in done.stderr
    assert not Path("-").exists()


@pytest.mark.parametrize(("option", "marker"), [("--csv", "clip,exercise"),
                                                ("--report", "<!doctype html>")])
def test_a_dash_means_stdout_for_text_outputs(option: str, marker: str) -> None:
    done = run("analyze", str(SAMPLE), "-e", "deadlift", option, "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout.lower().startswith(marker)
    assert "10 reps" in done.stderr  # the summary moves to stderr
    assert not Path("-").exists()


def test_dev_null_stays_a_device() -> None:
    done = run("analyze", str(SAMPLE), "-e", "deadlift", "--json", os.devnull,
               "--csv", os.devnull)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(Path(os.devnull).stat().st_mode)


def test_a_fifo_is_written_to_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    done = run("analyze", str(SAMPLE), "-e", "deadlift", "--json", str(fifo))
    reader.join(timeout=30)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert json.loads(received[0])["rep_count"] == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.fifo"]


def test_a_symlinked_output_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "r.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    done = run("analyze", str(SAMPLE), "-e", "deadlift", "--json", str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink()
    assert json.loads(target.read_text())["rep_count"] == 10


def test_a_track_whose_video_has_another_size_is_refused_before_writing(tmp_path: Path) -> None:
    other = clip("deadlift/jeff-j-chen__MediaPipe-PoseReader__good.mp4")
    track = PoseTrack.load(SAMPLE)
    track.source = str(other)
    moved = track.save(tmp_path / "t.npz")
    for option, name in (("--video-out", "a.mp4"), ("--report", "r.html")):
        done = run("analyze", str(moved), "-e", "deadlift", "--json", str(tmp_path / "r.json"),
                   option, str(tmp_path / name))
        _one_clear_line(done, "it is not the video the track was made from")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.npz"]


def test_a_track_whose_video_of_the_same_size_is_another_is_refused(tmp_path: Path) -> None:
    """Same size, another clip: the 26 s set would be drawn on 2 s of something else."""
    track = PoseTrack.load(SAMPLE)
    other = tmp_path / "other.mp4"
    with av.open(str(other), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = track.width, track.height, "yuv420p"
        for _ in range(60):
            frame = av.VideoFrame.from_ndarray(
                np.zeros((track.height, track.width, 3), np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    track.source = str(other)
    moved = track.save(tmp_path / "t.npz")
    _one_clear_line(run("analyze", str(moved), "-e", "deadlift", "--video-out",
                        str(tmp_path / "a.mp4")),
                    "lasts 2.0 s, but the track's frames run to 26.2 s: it is not the video")
    assert not (tmp_path / "a.mp4").exists()


def test_live_refuses_to_record_over_its_source(video: Path) -> None:
    done = run("live", "-e", "deadlift", "--source", str(video), "--record", str(video),
               "--serve", "0")
    _one_clear_line(done, "is the source video: refusing to overwrite it")
    _unchanged(video, VIDEO_BYTES)


@pytest.mark.parametrize(("port", "pattern"), [("99999", "65535"), ("0.0.0.0", "port number")])
def test_serve_port_is_checked(port: str, pattern: str) -> None:
    _one_clear_line(run("live", "-e", "deadlift", "--serve", port), pattern)


@pytest.mark.slow
@pytest.mark.clips
def test_a_track_of_a_video_that_states_no_frame_rate_is_drawn_at_its_own(
    tmp_path: Path,
) -> None:
    """A video that states no frame rate gives a track with fps 0; its annotated video plays at
    the rate its timestamps show instead of failing half-way."""
    from formcheck.video import VideoInfo

    track = PoseTrack.load(SAMPLE)
    track.fps, track.source = 0.0, str(clip(TBY66.format("r")))
    saved = track.save(tmp_path / "t.npz")
    done = run("analyze", str(saved), "-e", "deadlift", "--video-out", str(tmp_path / "a.mp4"))
    assert done.returncode == 0, done.stderr
    assert VideoInfo.from_path(tmp_path / "a.mp4").fps == pytest.approx(60, rel=0.02)


@pytest.mark.clips
def test_analyze_saves_the_track_it_made_and_it_judges_the_same(tmp_path: Path) -> None:
    """``--track-out`` keeps the model's work: the track analysed again (no model) gives the
    report the video gave, and a CSV to stdout leaves the summary on stderr."""
    video = clip("deadlift/Goondoc08__to-be-frank__kb-deadlift.mp4")  # 2.8 s, one valid rep
    saved, first = tmp_path / "t.npz", tmp_path / "a.json"
    done = run("analyze", str(video), "-e", "deadlift", "--variant", "kettlebell",
               "--track-out", str(saved), "--json", str(first), "--csv", "-")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2 and "1 rep: 1 valid" in done.stderr
    again = run("analyze", str(saved), "-e", "deadlift", "--variant", "kettlebell", "--json", "-")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["reps"] == json.loads(first.read_text())["reps"]


def test_live_refuses_an_html_report_before_starting(video: Path, tmp_path: Path) -> None:
    from formcheck import FormcheckError, Outputs
    from formcheck.live import live

    with pytest.raises(FormcheckError, match="live writes no HTML report"):
        live("deadlift", source=video, serve=0, outputs=Outputs(html=tmp_path / "r.html"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


def test_an_output_over_a_cached_model_or_a_lift_file_is_refused(tmp_path: Path) -> None:
    """formcheck's own files are inputs too: a report written over the cached model would leave
    the next run fetching one, over a user's lift file would lose the lift."""
    models, lifts = tmp_path / "models", tmp_path / "lifts"
    models.mkdir()
    lifts.mkdir()
    model = models / "pose_landmarker_full.task"
    model.write_bytes(b"the model")
    lift = lifts / "my_pull.toml"
    lift.write_text("# my lift\n")
    _one_clear_line(run("analyze", str(SAMPLE), "-e", "deadlift", "--json", str(model),
                        env={"FORMCHECK_MODEL_DIR": str(models)}),
                    "is the full pose model: refusing to overwrite")
    _one_clear_line(run("analyze", str(SAMPLE), "-e", "deadlift", "--csv", str(lift),
                        env={"FORMCHECK_LIFT_PATH": str(lifts)}),
                    f"is the lift file my_pull.toml in {lifts}: refusing to overwrite it")
    assert model.read_bytes() == b"the model"
    assert lift.read_text() == "# my lift\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("args", [("--json", "/dev/full"), ("--csv", "/dev/full"),
                                  ("--json", "-")], ids=["json", "csv", "stdout"])
def test_a_full_disk_under_an_output_is_one_line(args: tuple[str, ...]) -> None:
    with Path("/dev/full").open("w") as full:
        done = subprocess.run([sys.executable, "-m", "formcheck", "analyze", str(SAMPLE), "-e",
                               "deadlift", *args], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=300)
    _one_clear_line(done, "No space left on device")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_listing_to_a_full_disk_is_one_line() -> None:
    with Path("/dev/full").open("w") as full:
        done = subprocess.run([sys.executable, "-m", "formcheck", "exercises"], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=300)
    _one_clear_line(done, "cannot write to standard output: No space left on device")
