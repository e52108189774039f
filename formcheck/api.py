"""What the CLI does, as plain functions: each one is the documented way to do that job in Python.

Example:
    >>> import formcheck
    >>> track = formcheck.pose_video("lift.mp4", "lift.track.npz", video_out="lift.mp4")
    >>> report = formcheck.analyze("lift.mp4", "deadlift", json_out="lift.json")
    >>> report.rep_count, report.top_cues
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.errors import FormcheckError
from formcheck.pose import PoseSettings, extract_pose
from formcheck.report import Report
from formcheck.track import PoseTrack, check_writable

TRACK_SUFFIXES = (".npz", ".json")
"""Inputs with these suffixes are pose tracks written by ``formcheck pose``, not videos."""


def pose_video(
    video: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    video_out: str | os.PathLike[str] | None = None,
    model: str = "full",
    model_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> PoseTrack:
    """Extract the lifter's pose track from ``video``; optionally save it and an annotated mp4.

    Output paths are checked before the model runs, and a video in which nobody is ever found
    is an error (there is nothing to analyse) rather than an empty track. ``workers``: how many
    processes share a long video (see :func:`~formcheck.pose.extract_pose`).
    """
    for path in (output, video_out):
        if path is not None:
            check_writable(path)
    settings = PoseSettings(model=model, model_dir=Path(model_dir) if model_dir else None)
    track = extract_pose(video, settings, progress=progress, workers=workers)
    if not track.present.any():
        raise FormcheckError(f"{video}: no person found in any of its {len(track)} frames")
    if output is not None:
        track.save(output)
    if video_out is not None:
        from formcheck.annotate import write_annotated_video

        write_annotated_video(video, track, video_out)
    return track


def analyze(
    source: str | os.PathLike[str],
    exercise: str,
    *,
    variant: str | None = None,
    config: str | os.PathLike[str] | None = None,
    model: str = "full",
    model_dir: str | os.PathLike[str] | None = None,
    json_out: str | os.PathLike[str] | None = None,
    csv_out: str | os.PathLike[str] | None = None,
    video_out: str | os.PathLike[str] | None = None,
    report_html: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> Report:
    """Count and judge every rep of ``exercise`` in a video (or a saved pose track).

    The lift and its thresholds are loaded, and every output path tried, before the pose model
    runs, so a typo costs seconds, not minutes. Outputs are written atomically: a report on disk
    is always a whole one.
    """
    lift = load_lift(exercise, variant, config)
    for path in (json_out, csv_out, video_out, report_html):
        if path is not None and os.fspath(path) != "-":
            check_writable(path)
    if Path(source).suffix.lower() in TRACK_SUFFIXES:
        track = PoseTrack.load(source)
        video = Path(track.source)
        if video_out is not None and not video.is_file():
            raise FormcheckError(
                f"--video-out draws on the original video, and {video} (recorded in the track) "
                "is not there; analyse the video itself instead"
            )
    else:
        track = pose_video(source, model=model, model_dir=model_dir, progress=progress,
                           workers=workers)
        video = Path(source)
    report = analyze_track(track, lift)
    if json_out is not None and os.fspath(json_out) != "-":
        report.save_json(json_out)
    if csv_out is not None:
        report.save_csv(csv_out)
    if report_html is not None:
        from formcheck.html_report import write_html

        write_html(report, track, report_html, video=video)
    if video_out is not None:
        from formcheck.annotate import report_overlays, write_annotated_video

        write_annotated_video(video, track, video_out, report_overlays(track, report))
    return report
