"""Progress names its stage, and off a terminal is plain lines every few seconds."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
from conftest import without_progress
from rich.console import Console
from test_cli import SAMPLE

import formcheck.progress as progress_module
from formcheck.api import analyze
from formcheck.outputs import Outputs
from formcheck.progress import describe, plain_lines, stage_progress


def test_analyze_reports_each_stage_in_order(tmp_path: Path) -> None:
    """After the pose (a track here: no pose stage), the analysis and the HTML report each say
    so, so a display never sits at 100 % of a finished stage."""
    seen: list[tuple[str, int, int | None]] = []
    analyze(SAMPLE, "deadlift", outputs=Outputs(html=tmp_path / "r.html"),
            progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert seen == [("analysis", 0, None), ("report", 0, None)]


def test_describe() -> None:
    assert describe("pose", 1200, 3000) == "pose 1200/3000 frames (40%)"
    assert describe("report", 0, None) == "report"


def test_off_a_terminal_the_latest_state_is_a_plain_line_every_interval() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, width=200)
    with plain_lines(console, every_s=0.05) as show:
        show("pose 10/100 frames (10%)")
        time.sleep(0.3)
        show("video 5/100 frames (5%)")
        time.sleep(0.3)
    lines = buffer.getvalue().splitlines()
    assert lines[0].startswith("formcheck: pose 10/100 frames (10%) · elapsed 0:00")
    assert lines[-1].startswith("formcheck: video 5/100 frames (5%)")
    assert 4 <= len(lines) <= 14
    assert without_progress(buffer.getvalue()) == []  # tests can tell them from other lines


def test_a_short_job_prints_no_progress_off_a_terminal() -> None:
    buffer = io.StringIO()
    with stage_progress(Console(file=buffer, force_terminal=False)) as progress:
        progress("pose", 1, 10)
    assert buffer.getvalue() == ""
    assert progress_module.PLAIN_EVERY_S == 5.0


def test_on_a_terminal_the_bar_is_labelled_with_the_stage() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=100)
    with stage_progress(console) as progress:
        progress("pose", 50, 100)
        time.sleep(0.2)
        progress("video", 10, 100)
        time.sleep(0.2)
    shown = buffer.getvalue()
    assert "pose" in shown and "video" in shown and "10/100" in shown


def test_quiet_shows_nothing() -> None:
    buffer = io.StringIO()
    with stage_progress(Console(file=buffer, force_terminal=True), quiet=True) as progress:
        progress("pose", 50, 100)
    assert buffer.getvalue() == ""


def test_the_annotated_video_counts_its_frames(tmp_path: Path) -> None:
    from corpus import black_video

    from formcheck.annotate import write_annotated_video
    from formcheck.track import PoseTrack

    video = black_video(tmp_path, frames=5)
    track = PoseTrack.empty(5, width=64, height=64, fps=10.0)
    track.times = np.arange(5) / 10.0
    seen: list[tuple[int, int]] = []
    write_annotated_video(video, track, tmp_path / "a.mp4",
                          progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 5) for i in range(1, 6)]
