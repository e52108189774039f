"""A held stretch's report as one self-contained HTML page: the rep report's page
(:mod:`formcheck.html_report`: same base, styles, script, Content-Security-Policy and thresholds
table) with the holds instead of reps: time held against the target, per side, each position
check's share of the held time, the annotated video (when small enough) and the position's
measures over time with their thresholds and the holds shaded.

Example:
    >>> from formcheck.config import load_pose
    >>> from formcheck.hold_analysis import run_hold
    >>> from formcheck.track import PoseTrack
    >>> analysis = run_hold(PoseTrack.load("set.track.npz"), load_pose("hamstring_stretch"))
    >>> write_hold_html(analysis, "hold.html")
    PosixPath('hold.html')
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from markupsafe import Markup

from formcheck.errors import FormcheckError
from formcheck.hold_analysis import HoldAnalysis, criterion_values, trusted
from formcheck.html_media import MAX_VIDEO_BYTES, Film, embedded, video_time
from formcheck.html_plots import _png
from formcheck.html_report import SCRIPT, SCRIPT_HASH, _environment, _threshold_rows, _write


def hold_film(analysis: HoldAnalysis, video: Path, limit: int = MAX_VIDEO_BYTES,
              annotated: Path | None = None) -> Film:
    """The annotated video, inline when at most ``limit`` bytes (see
    :func:`formcheck.html_media.film`); each hold seeks to its start."""
    starts = {i: video_time(analysis.track, span.start)
              for i, span in enumerate(analysis.spans, start=1)}
    if not analysis.spans or limit <= 0 or not video.is_file():
        return Film(None, None, starts)
    try:
        return embedded(analysis, video, limit, starts, annotated)
    except FormcheckError as exc:
        return Film(None, f"The annotated video could not be made: {exc}", starts)


def hold_plot(analysis: HoldAnalysis) -> str:
    """Each series the position and its checks read, over time, with the thresholds named on
    it and the holds shaded: a PNG ``data:`` URI. A position's series as the position reads it
    (on either side, the one further in, where it says so), a check's on the facing side."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    pose, times = analysis.pose, analysis.kin.times
    limits: dict[str, list[str]] = {}
    read: dict[str, np.ndarray] = {}
    for criterion in pose.position:
        limits.setdefault(criterion.series, []).extend(
            [criterion.limit, f"{criterion.limit}_leave"])
        read.setdefault(criterion.series, criterion_values(analysis.kin, pose, criterion))
    for check in pose.checks:
        limits.setdefault(check.series, []).append(check.limit)
        read.setdefault(check.series, trusted(analysis.kin, pose, check.series))
    fig = Figure(figsize=(10, 1.8 * len(limits) + 0.6), layout="constrained")
    axes = fig.subplots(len(limits), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (series, names) in zip(axes, limits.items(), strict=True):
        ax.plot(times, read[series], color="#1d2430", lw=1.2)
        for name in dict.fromkeys(names):
            dashed = name.endswith("_leave")
            ax.axhline(pose.value(name), color="#5d6776" if dashed else "#c77000",
                       ls="--" if dashed else "-", lw=0.9, label=name)
        for span in analysis.spans:
            ax.axvspan(times[span.start], times[min(span.end, len(times) - 1)],
                       color="#2e9d4f", alpha=0.15, lw=0)
        ax.set_ylabel(series.replace("_", " "), fontsize=8)
        ax.legend(fontsize=7, loc="upper right")
    axes[-1].set_xlabel("time (s); shaded: the holds")
    return _png(fig, 90)


def render_hold_html(analysis: HoldAnalysis, video: Path | None = None, *,
                     max_video_bytes: int = MAX_VIDEO_BYTES, annotated: Path | None = None
                     ) -> str:
    """The hold report page of ``analysis``; the embedded video is drawn on ``video`` (by
    default the track's source), or ``annotated`` (already written) is embedded as it is."""
    report, pose = analysis.report, analysis.pose
    source = Path(video) if video else Path(analysis.track.source)
    return _environment().get_template("hold.html.j2").render(
        report=report,
        pose=pose,
        clip=Path(report.source).name or report.source,
        plot=hold_plot(analysis),
        film=hold_film(analysis, source, max_video_bytes, annotated),
        thresholds=_threshold_rows(pose),
        script=Markup(SCRIPT),  # the packaged file, never user input
        script_hash=SCRIPT_HASH,
    )


def write_hold_html(analysis: HoldAnalysis, path: str | os.PathLike[str],
                    video: str | os.PathLike[str] | None = None, *,
                    max_video_bytes: int = MAX_VIDEO_BYTES, annotated: Path | None = None
                    ) -> Path:
    """Render and write the hold report page atomically; returns its path."""
    page = render_hold_html(analysis, Path(video) if video is not None else None,
                            max_video_bytes=max_video_bytes, annotated=annotated)
    return _write(page, path)
