"""The analysis as a page people would rather look at than read: one self-contained HTML file.

The page carries everything inline (CSS, the plot as PNG, key frames as JPEG, all as ``data:``
URIs) and a Content-Security-Policy that forbids fetching anything else, so it opens offline, can
be mailed or archived as one file, and cannot run a script even if one slipped into a file name.
All text goes through Jinja's autoescaping; nothing is pasted into HTML by hand.

What it shows, top to bottom: the verdict (reps, outcomes, mean score, the cues that matter
most), what stopped any check from judging (view, visibility), the driver and joint angles over
time with the reps, turnarounds, faults and thresholds drawn on them, one row per rep with each
fault's measured value against its threshold, and each rep's start, turnaround, end and fault
frames with the skeleton drawn.

Example:
    >>> from formcheck.analysis import run_analysis
    >>> from formcheck.config import load_lift
    >>> from formcheck.track import PoseTrack
    >>> analysis = run_analysis(PoseTrack.load("set.track.npz"), load_lift("deadlift"))
    >>> write_html(analysis, "set.html")
    PosixPath('set.html')
"""

from __future__ import annotations

import base64
import io
import os
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import cv2
import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from formcheck.analysis import Analysis
from formcheck.annotate import BackContourAnnotator, SkeletonAnnotator
from formcheck.batch_tables import Status
from formcheck.errors import FormcheckError
from formcheck.files import write_text
from formcheck.kinematics import Kinematics
from formcheck.lift import Lift
from formcheck.overlay import FrameOverlay, angle_labels
from formcheck.report import Fault, Report, RepReport
from formcheck.series import SHOWN, Series, Sided
from formcheck.track import PoseTrack
from formcheck.view import View

THUMBNAIL_PX = 400
"""Long side of a key frame in pixels: sharp at the size a phone or a laptop shows it, and 30 of
them stay well under a megabyte as JPEG."""
JPEG_QUALITY = 80
PLOT_DPI = 110
PLOT_WIDTH_IN = 10.0
PANEL_HEIGHT_IN = 1.9

OUTCOME_COLORS = {"valid": "#2e9d4f", "no_rep": "#d63a3a", "ambiguous": "#8c8c8c"}
OUTCOME_WORDS = {"valid": "valid", "no_rep": "no-rep", "ambiguous": "can't tell"}
SEVERITY_COLORS = {"major": "#d63a3a", "minor": "#f08c00"}
FAULT_MARKERS = ("v", "s", "D", "^", "P", "X", "*", "o")

KEY_FRAME_ANNOTATORS = (SkeletonAnnotator(), BackContourAnnotator())
"""Skeleton and back outline on key frames; the angles go in the caption, where text stays
readable at thumbnail size."""


@dataclass(frozen=True)
class Panel:
    """One plotted series and the thresholds that are compared with it directly."""

    series: str
    """A :class:`~formcheck.kinematics.Kinematics` attribute (its facing side is plotted)."""
    label: str
    thresholds: tuple[str, ...] = ()


PANELS = {
    panel.series: panel
    for panel in (
        Panel("hip_angle", "hip angle (°)",
              ("lockout_hip_angle", "lockout_hip_angle_major", "no_rep_hip_angle")),
        Panel("hip_angle_3d", "hip angle, 3-D (°)"),
        Panel("knee_angle", "knee angle (°)"),
        Panel("trunk_inclination", "trunk from vertical (°)",
              ("hinge_trunk_inclination", "hinge_trunk_inclination_major")),
        Panel("wrist_height", "hands (shoulder heights)",
              ("swing_height_min", "swing_height_max")),
        Panel("shin_inclination", "shin from vertical (°)",
              ("shin_inclination", "shin_inclination_major")),
    )
}
"""Every series the page can plot. Thresholds measured on something other than a plotted series
(a ratio, a bend) are listed in the rep table, and their faults marked on the driver panel."""



@dataclass(frozen=True)
class IndexRow:
    """One clip of a batch, for the index page: its report, or the error that stopped it."""

    clip: str
    report_path: Path | None
    report: Report | None
    error: str | None
    status: Status = "ok"
    """As in ``summary.csv``: a clip with no rep found is ``no_reps``, never shown as valid."""


@dataclass(frozen=True)
class KeyFrame:
    """One thumbnail of the gallery."""

    moment: str
    time_s: float
    image: str
    """``data:`` URI of the JPEG."""
    angles: str
    fault: bool = False


@dataclass(frozen=True)
class Gallery:
    """Each rep's key frames, or why there are none."""

    reps: dict[int, list[KeyFrame]]
    note: str | None


def render_html(analysis: Analysis, video: Path | None = None) -> str:
    """The report page of ``analysis``; key frames come from ``video``, else from the track's
    ``source``, and the page says so when neither can be read."""
    report, lift = analysis.report, analysis.lift
    return _environment().get_template("report.html.j2").render(
        report=report,
        lift=lift,
        clip=Path(report.source).name or report.source,
        plot=_plot(analysis),
        gallery=_gallery(analysis, Path(video) if video else Path(analysis.track.source)),
        cannot_judge=_cannot_judge(report.reps),
        thresholds=_threshold_rows(lift),
        landscape=analysis.track.width > analysis.track.height,
    )


def write_html(
    analysis: Analysis,
    path: str | os.PathLike[str],
    video: str | os.PathLike[str] | None = None,
) -> Path:
    """Render and write the report page atomically; returns its path."""
    return _write(render_html(analysis, Path(video) if video is not None else None), path)


def write_index(rows: Sequence[IndexRow], path: str | os.PathLike[str]) -> Path:
    """The batch's front page: one line per clip, linking its report, written atomically."""
    path = Path(path)
    folder = path.parent.resolve()
    links = [
        quote(Path(os.path.relpath(row.report_path.resolve(), folder)).as_posix())
        if row.report_path is not None else None
        for row in rows
    ]
    template = _environment().get_template("index.html.j2")
    return _write(template.render(rows=list(zip(rows, links, strict=True))), path)


def _write(page: str, path: str | os.PathLike[str]) -> Path:
    write_text(path, page)
    return Path(path)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("formcheck", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["words"] = lambda code: code.replace("_", " ")
    env.filters["num"] = _number
    env.filters["pct"] = lambda share: f"{share:.0%}"
    env.filters["outcome"] = OUTCOME_WORDS.__getitem__
    env.filters["unit"] = lambda unit: "°" + unit[3:] if unit.startswith("deg") else f" {unit}"
    return env


def _number(value: float | None, digits: int = 0) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _cannot_judge(reps: Sequence[RepReport]) -> list[tuple[str, str, list[int]]]:
    """Each distinct (check, reason) that made a check abstain, with the reps it happened in."""
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for rep in reps:
        for abstention in rep.abstained:
            seen[abstention.check, abstention.reason].append(rep.index)
    return [(check, reason, indices) for (check, reason), indices in seen.items()]


def _threshold_rows(lift: Lift) -> list[tuple[str, float, str, str, str, bool]]:
    """Name, value used, unit, meaning, source and whether it was overridden (by the variant or
    the user's config, whose source it then carries) of every threshold the analysis used."""
    return [
        (t.name, t.value, t.unit, t.means, t.source, t.value != lift.defaults.get(t.name))
        for t in lift.thresholds.values()
    ]


def _panels(kin: Kinematics, lift: Lift) -> list[tuple[Panel, np.ndarray]]:
    """Driver first (under its own name if :data:`PANELS` has no entry for it), then the angles
    every output shows, then the series with a panel that the lift's checks read."""
    minimum = lift.value("min_visibility")
    names = dict.fromkeys((lift.driver, *SHOWN, *(s for s in lift.series if s in PANELS)))
    plotted = []
    for name in names:
        measure = kin[name]
        if isinstance(measure, Sided):
            measure = measure.facing
        if isinstance(measure, Series):
            panel = PANELS.get(name) or Panel(name, name.replace("_", " "))
            plotted.append((panel, measure.trusted(minimum)))
    return plotted


def _threshold_style(name: str) -> tuple[str, str]:
    if name.startswith("no_rep"):
        return SEVERITY_COLORS["major"], ":"
    return SEVERITY_COLORS["major" if name.endswith("_major") else "minor"], "--"


def _plot(analysis: Analysis) -> str:
    """The driver and joint angles over time as a PNG ``data:`` URI.

    Reps are bands coloured by outcome, turnarounds dotted lines, thresholds dashed lines
    labelled with their name and value, faults markers at their measured value where the
    threshold belongs to a plotted series, else on the driver at the moment the fault shows.
    """
    report, kin = analysis.report, analysis.kin
    panels = _panels(kin, analysis.lift)
    times = kin.times
    fig = Figure(figsize=(PLOT_WIDTH_IN, PANEL_HEIGHT_IN * len(panels) + 0.6),
                 layout="constrained")
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    codes = sorted({f.code for rep in report.reps for f in rep.faults})
    shape = {code: FAULT_MARKERS[i % len(FAULT_MARKERS)] for i, code in enumerate(codes)}
    home = {name: i for i, (panel, _) in enumerate(panels) for name in panel.thresholds}
    for ax, (panel, values) in zip(axes, panels, strict=True):
        ax.plot(times, values, color="#1f4e79", linewidth=1.3)
        for rep in report.reps:
            ax.axvspan(rep.start_s, rep.end_s, color=OUTCOME_COLORS[rep.outcome], alpha=0.13,
                       linewidth=0)
            ax.axvline(rep.turn_s, color="#555555", linestyle=":", linewidth=1)
        drawn = [
            ax.axhline(report.thresholds[name], color=color, linestyle=style, linewidth=1.1,
                       label=f"{name.replace('_', ' ')} {report.thresholds[name]:g}")
            for name in panel.thresholds if name in report.thresholds
            for color, style in [_threshold_style(name)]
        ]
        if drawn:
            ax.legend(handles=drawn, loc="best", fontsize=7, framealpha=0.9)
        ax.set_ylabel(panel.label, fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.25)
        ax.margins(x=0)
    for rep in report.reps:
        axes[0].text(rep.turn_s, 1.02, str(rep.index), ha="center", va="bottom", fontsize=8,
                     color=OUTCOME_COLORS[rep.outcome], fontweight="bold",
                     transform=axes[0].get_xaxis_transform())
        for fault in rep.faults:
            row = home.get(fault.threshold_name)
            at = np.asarray(fault.at_s)
            y = (np.full(at.shape, fault.value) if row is not None
                 else panels[0][1][fault.frames])
            axes[0 if row is None else row].scatter(at, y, marker=shape[fault.code], s=46, zorder=5,
                                   color=SEVERITY_COLORS[fault.severity], edgecolors="black",
                                   linewidths=0.6)
    axes[-1].set_xlabel("time (s)", fontsize=9)
    fig.legend(handles=_legend(report, codes, shape), loc="outside upper center",
               ncol=7, fontsize=8, frameon=False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PLOT_DPI)
    return _data_uri("image/png", buffer.getvalue())


def _legend(report: Report, codes: Sequence[str], shape: dict[str, str]) -> list[object]:
    outcomes = sorted({rep.outcome for rep in report.reps}) or ["valid"]
    return [
        *(Patch(color=OUTCOME_COLORS[o], alpha=0.3, label=f"{OUTCOME_WORDS[o]} rep")
          for o in outcomes),
        Line2D([], [], color="#555555", linestyle=":", label="turnaround"),
        *(Line2D([], [], marker=shape[code], linestyle="", color="#bbbbbb",
                 markeredgecolor="black", label=code.replace("_", " ")) for code in codes),
        *(Patch(color=SEVERITY_COLORS[severity], label=f"{severity} fault")
          for severity in ("minor", "major") if codes),
    ]


def _data_uri(mime: str, payload: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def _moments(analysis: Analysis) -> dict[int, list[tuple[int, str, Fault | None]]]:
    """Frame index -> (rep, moment, fault) for every key frame the gallery shows."""
    wanted: dict[int, list[tuple[int, str, Fault | None]]] = defaultdict(list)
    for found, rep in zip(analysis.reps, analysis.report.reps, strict=True):
        for moment, frame in (("start", found.start), ("turnaround", found.turn),
                              ("end", found.end)):
            wanted[frame].append((rep.index, moment, None))
        for fault in rep.faults:
            for frame in fault.frames[:1]:
                wanted[frame].append((rep.index, fault.code.replace("_", " "), fault))
    return wanted


def _gallery(analysis: Analysis, video: Path) -> Gallery:
    """Key frames decoded from ``video`` with the pose drawn, grouped by rep in time order."""
    track, kin = analysis.track, analysis.kin
    if not analysis.reps:
        return Gallery({}, None)
    if not video.is_file():
        return Gallery({}, f"The video ({video}) is not available here, so no key frames are "
                           "shown; analyse the video itself, or keep it where the track says.")
    wanted = _moments(analysis)
    reps: dict[int, list[KeyFrame]] = defaultdict(list)
    try:
        for index, image in _decode(video, set(wanted)):
            thumbnail = _thumbnail(image, track, index)
            for rep, moment, fault in wanted.pop(index):
                reps[rep].append(KeyFrame(
                    moment=moment,
                    time_s=float(track.times[index]),
                    image=thumbnail,
                    angles=_angles(kin, index, analysis.view.view),
                    fault=fault is not None,
                ))
    except FormcheckError as exc:
        return Gallery({}, f"The key frames could not be read from the video: {exc}")
    note = (f"{len(wanted)} key frame(s) lie past the end of the video {video}; it may not be "
            "the one the track was made from.") if wanted else None
    return Gallery({rep: sorted(frames, key=lambda f: (f.time_s, f.fault))
                    for rep, frames in reps.items()}, note)


def _decode(video: Path, wanted: set[int]) -> Iterator[tuple[int, np.ndarray]]:
    """The frames of ``video`` at ``wanted`` indices, stopping after the last one."""
    from formcheck.video import read_frames

    last = max(wanted)
    with read_frames(video) as frames:
        for frame in frames:
            if frame.index in wanted:
                yield frame.index, frame.image
            if frame.index >= last:
                return


def _thumbnail(image: np.ndarray, track: PoseTrack, index: int) -> str:
    """The frame shrunk to ``THUMBNAIL_PX`` with the pose drawn on it, as a JPEG ``data:`` URI.

    Drawn after shrinking, so the skeleton is as thick on a 4K frame as on a phone's.
    """
    height, width = image.shape[:2]
    factor = THUMBNAIL_PX / max(height, width)
    if factor < 1:
        size = (max(round(width * factor), 1), max(round(height * factor), 1))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    else:
        image = image.copy()
    overlay = FrameOverlay(pose=track.frame(index))
    for annotator in KEY_FRAME_ANNOTATORS:
        image = annotator.annotate(image, overlay)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise FormcheckError(f"could not encode key frame {index} as JPEG")
    return _data_uri("image/jpeg", jpeg.tobytes())


def _angles(kin: Kinematics, index: int, view: View) -> str:
    """The joint angles the annotated video writes beside the joints, as the caption."""
    return " · ".join(f"{label.text}°" for label in angle_labels(kin, index, view))
