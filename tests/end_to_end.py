"""A lift's synthetic track through every output, as a user meets it: JSON and CSV reports,
the HTML report, the annotated video, live and batch. Shared by the tests of the lifts added
with issue #17 so that each says only what its own outputs must show."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from test_live import replay, verdicts

from formcheck.analysis import analyze_track, run_analysis
from formcheck.api import analyze
from formcheck.batch import batch
from formcheck.html_report import render_html
from formcheck.lift import Lift
from formcheck.outputs import Outputs
from formcheck.report import Report
from formcheck.track import PoseTrack
from formcheck.video_sink import VideoSink


def json_and_csv(track: PoseTrack, lift: Lift, folder: Path
                 ) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The JSON report (parsed) and the CSV's rows of ``track`` analysed as ``lift``, every
    check judging."""
    analysis = run_analysis(track, lift, evidence=None)
    Outputs(json=folder / "r.json", csv=folder / "r.csv").write_report(analysis.report)
    rows = list(csv.DictReader(io.StringIO((folder / "r.csv").read_text())))
    return json.loads((folder / "r.json").read_text()), rows


def html_and_video(track: PoseTrack, lift: Lift, folder: Path) -> tuple[Report, str]:
    """The report and the HTML page of ``track`` filmed as a video of grey frames, whose
    annotated copy must be written."""
    video = folder / "filmed.mp4"
    with VideoSink(video, width=128, height=72, fps=track.fps) as sink:
        for shade in np.linspace(40, 200, len(track)).astype(np.uint8):
            sink.write(np.full((72, 128, 3), shade))
    filmed = dataclasses.replace(track, source=str(video), width=128, height=72)
    analysis = run_analysis(filmed, lift, evidence=None)
    Outputs(video=folder / "annotated.mp4").write(analysis, video, notify=lambda _: None)
    assert (folder / "annotated.mp4").stat().st_size > 0
    return analysis.report, render_html(analysis)


def live_equals_analyze(track: PoseTrack, lift: Lift) -> Report:
    """The offline report of ``track``, once a live session fed it frame by frame has reached
    the same verdicts (every check judging)."""
    live_report, _ = replay(track, lift.name, lift.variant, evidence=None)
    offline = analyze_track(track, lift, evidence=None)
    assert verdicts(live_report) == verdicts(offline)
    return offline


def batch_equals_analyze(track: PoseTrack, lift: Lift, folder: Path) -> Report:
    """The report a batch of the saved ``track`` gives, once it equals ``analyze``'s."""
    path = track.save(folder / "set.track.npz")
    summary = batch([path], exercise=lift.name, variant=lift.variant, out=folder / "o",
                    workers=1)
    (result,) = summary.results
    assert result.error is None and result.report is not None
    assert result.report == analyze(path, lift.name, variant=lift.variant)
    return result.report
