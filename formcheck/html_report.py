"""The analysis as a page people would rather look at than read: one self-contained HTML file.

The page carries everything inline (CSS, plots as PNG, key frames as JPEG, the annotated video
as MP4, all as ``data:`` URIs) and a Content-Security-Policy that forbids fetching anything
else, so it opens offline and can be mailed or archived as one file. Its one script (seek the
video to a rep, enlarge a key frame) is allowed by its SHA-256 hash alone: no other script can
run, even one slipped into a file name. All text goes through Jinja's autoescaping; nothing is
pasted into HTML by hand.

What it shows, top to bottom: the verdict (reps, outcomes, mean score, the cues that matter
most), what stopped any check from judging (view, visibility), the annotated video (when under
:data:`~formcheck.html_media.MAX_VIDEO_BYTES`), the driver and joint angles over time with the
reps, turnarounds, faults and thresholds drawn on them, one row per rep with each fault's
measured value against its threshold (click a row to play that rep), and per rep the measure
each fault fired on against its thresholds (:mod:`formcheck.html_plots`) and its start,
turnaround, end and fault frames with the skeleton drawn, enlarged on click.

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
import hashlib
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from formcheck.analysis import Analysis
from formcheck.batch_tables import Status
from formcheck.files import write_text
from formcheck.html_media import MAX_VIDEO_BYTES, film, gallery
from formcheck.html_plots import OUTCOME_WORDS, measure_plots, overview_plot, set_plot
from formcheck.lift import Lift
from formcheck.report import Report, RepReport
from formcheck.stretch import Pose

SCRIPT = files("formcheck").joinpath("templates", "report.js").read_text(encoding="utf-8")
"""The page's one script, inlined as is."""
SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
"""What the Content-Security-Policy names as the only script allowed to run."""


@dataclass(frozen=True)
class IndexRow:
    """One clip of a batch, for the index page: its report, or the error that stopped it."""

    clip: str
    report_path: Path | None
    report: Report | None
    error: str | None
    status: Status = "ok"
    """As in ``summary.csv``: a clip with no rep found is ``no_reps``, never shown as valid."""


def render_html(
    analysis: Analysis,
    video: Path | None = None,
    *,
    max_video_bytes: int = MAX_VIDEO_BYTES,
    annotated: Path | None = None,
) -> str:
    """The report page of ``analysis``; key frames and the embedded annotated video come from
    ``video``, else from the track's ``source``, and the page says so when neither can be read
    or the video is over ``max_video_bytes`` (0: never embed it). ``annotated``: the annotated
    video already written, embedded instead of drawn again."""
    report, lift = analysis.report, analysis.lift
    source = Path(video) if video else Path(analysis.track.source)
    return _environment().get_template("report.html.j2").render(
        report=report,
        lift=lift,
        clip=Path(report.source).name or report.source,
        plot=overview_plot(analysis),
        speeds=set_plot(analysis.report),
        measures=measure_plots(analysis),
        gallery=gallery(analysis, source),
        film=film(analysis, source, max_video_bytes, annotated),
        cannot_judge=_cannot_judge(report.reps),
        thresholds=_threshold_rows(lift),
        landscape=analysis.track.width > analysis.track.height,
        script=Markup(SCRIPT),  # the packaged file, never user input
        script_hash=SCRIPT_HASH,
    )


def write_html(
    analysis: Analysis,
    path: str | os.PathLike[str],
    video: str | os.PathLike[str] | None = None,
    *,
    max_video_bytes: int = MAX_VIDEO_BYTES,
    annotated: Path | None = None,
) -> Path:
    """Render and write the report page atomically; returns its path."""
    page = render_html(analysis, Path(video) if video is not None else None,
                       max_video_bytes=max_video_bytes, annotated=annotated)
    return _write(page, path)


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


def _threshold_rows(lift: Lift | Pose) -> list[tuple[str, float, str, str, str, bool]]:
    """Name, value used, unit, meaning, source and whether it was overridden (by the variant or
    the user's config, whose source it then carries) of every threshold the analysis used."""
    return [
        (t.name, t.value, t.unit, t.means, t.source, t.value != lift.defaults.get(t.name))
        for t in lift.thresholds.values()
    ]
