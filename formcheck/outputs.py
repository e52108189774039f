"""Where one analysis goes: a single value naming every output, checked before any work starts
and written from the one :class:`~formcheck.analysis.Analysis`.

Why one value: ``analyze`` and ``live`` (and the CLI and batch that call them) take the same
outputs; as keyword lists each grew its own checks, names in error messages and write order.

Example:
    >>> outputs = Outputs(json="set.json", html="set.html")
    >>> outputs.check({"the input video": "lift.mp4"})   # before the model runs
    >>> outputs.given()
    ['set.json', 'set.html']
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from formcheck.annotate import DRAWABLE, annotators_named, write_annotated_video
from formcheck.config import definition_files
from formcheck.errors import FormcheckError
from formcheck.files import (
    PathLike,
    check_file_name,
    check_outputs,
    display,
    is_special,
    is_stdout,
)
from formcheck.models import bundle_files
from formcheck.overlay import FrameOverlay, report_overlays
from formcheck.track import check_track_path

if TYPE_CHECKING:
    from collections.abc import Mapping

    from formcheck.analysis import Analysis
    from formcheck.hold_analysis import HoldAnalysis
    from formcheck.hold_report import HoldReport
    from formcheck.progress import Progress
    from formcheck.report import Report

NAMES = {
    "track": "the pose track",
    "json": "the JSON report",
    "csv": "the CSV",
    "video": "the annotated video",
    "html": "the HTML report",
}
"""What each output is called in messages, in the order they are written: the pose track first,
since it holds the model's minutes of work; the annotated video before the HTML report, which
embeds that same video rather than drawing it again."""

TEXT = frozenset({"json", "csv", "html"})
"""The outputs that may be ``-``, standard output (at most one of them)."""


@dataclass(frozen=True)
class Outputs:
    """Every file one analysis writes; None for not written. Each is written atomically, so a
    file on disk is always whole, and none may be an input or another output."""

    track: PathLike | None = None
    """The pose track (.npz or .json): analysed again in moments, without the model."""
    json: PathLike | None = None
    """The JSON report (``-``: standard output)."""
    csv: PathLike | None = None
    """One row per rep (``-``: standard output)."""
    html: PathLike | None = None
    """The one-file HTML report: plots, rep table, the annotated video (when small enough),
    key frames (``-``: standard output)."""
    video: PathLike | None = None
    """The annotated video (H.264 mp4, with the source's sound); live records its view as it
    was shown."""
    draw: Sequence[str] = tuple(DRAWABLE)
    """What the annotated video shows, by the names of :data:`formcheck.annotate.DRAWABLE`
    (skeleton, contour, faults, angles, panel, card); everything by default."""

    def _paths(self) -> dict[str, PathLike]:
        return {name: getattr(self, name) for name in NAMES
                if getattr(self, name) is not None}

    def given(self) -> list[str]:
        """The paths asked for, as they can be printed, in the order they are written."""
        return ["stdout" if is_stdout(path) else display(path) for path in self._paths().values()]

    @property
    def to_stdout(self) -> bool:
        """Whether a report goes to standard output (so messages must not)."""
        return any(is_stdout(path) for path in self._paths().values())

    def check(self, inputs: Mapping[str, PathLike | None],
              model_dir: PathLike | None = None) -> None:
        """Refuse now, before any work, what could not be written or would destroy an input
        (``inputs`` maps what each input is called to its path) or one of formcheck's own
        files: the pose models cached in ``model_dir`` (default: the usual cache) and the lift
        files."""
        for path in self._paths().values():
            check_file_name(path)  # first: the checks below read it as a path, without its /
        if self.track is not None:
            check_track_path(self.track)
        if self.video is not None:
            annotators_named(self.draw)
        if self.video is not None:
            check_video_path(self.video)
        # last: it creates the folders the outputs go in
        check_outputs({NAMES[name]: path for name, path in self._paths().items()},
                      {**inputs, **bundle_files(model_dir), **definition_files()},
                      text=frozenset(NAMES[name] for name in TEXT))

    def write_report(self, report: Report | HoldReport) -> None:
        """The JSON report and the CSV, where asked for (a rep report or a hold report)."""
        if self.json is not None:
            report.save_json(self.json)
        if self.csv is not None:
            report.save_csv(self.csv)

    def write(
        self, analysis: Analysis | HoldAnalysis, video: str | os.PathLike[str] | None = None, *,
        progress: Progress | None = None, notify: Callable[[str], None] | None = None,
    ) -> None:
        """Everything asked for, from ``analysis``; key frames and the annotated video are
        drawn on ``video`` (by default the video the track was made from). ``progress`` is
        told of the slow ones: the HTML ``report`` stage and the ``video`` stage's frames.
        ``notify`` hears what a user should know about an output (an annotated video left
        silent)."""
        video = Path(video if video is not None else analysis.track.source)
        if self.track is not None:
            analysis.track.save(self.track)
        self.write_report(analysis.report)
        if self.video is not None:
            from formcheck.progress import frames_of

            write_annotated_video(video, analysis.track, self.video, overlays_of(analysis),
                                  annotators_named(self.draw), frames_of(progress, "video"),
                                  notify)
        if self.html is not None:
            from formcheck.hold_analysis import HoldAnalysis
            from formcheck.hold_html import write_hold_html
            from formcheck.html_report import write_html

            if progress is not None:
                progress("report", 0, None)
            # the video just written is the one the page embeds: encoded once, not twice
            written = Path(self.video) if self.video is not None else None
            page = write_hold_html if isinstance(analysis, HoldAnalysis) else write_html
            page(analysis, self.html, video,  # type: ignore[arg-type]
                 annotated=written if written is not None and written.is_file() else None)


VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov")
"""Names an annotated video may have: it is always an MP4 (H.264), which players read under
each of them."""


def check_video_path(path: PathLike) -> None:
    """Refuse an annotated video's file name that says another kind of file (``x.json``), or
    none (``out``): a player, or the user, would take it for what its name says. A special
    file (``/dev/null``, a pipe) is named by no one and takes the video as it comes."""
    if (Path(path).suffix.lower() not in VIDEO_SUFFIXES and not is_special(Path(path))
            and not is_stdout(path)):  # "-" has its own message (no binary output on stdout)
        raise FormcheckError(f"{display(path)}: an annotated video is an MP4 file; give it a "
                             f"{', '.join(VIDEO_SUFFIXES)} name")


def overlays_of(analysis: Analysis | HoldAnalysis) -> Iterator[FrameOverlay]:
    """What the annotated video draws on each frame: the reps' verdicts, or the holds'."""
    from formcheck.hold_analysis import HoldAnalysis

    if isinstance(analysis, HoldAnalysis):
        from formcheck.hold_overlay import hold_overlays

        return hold_overlays(analysis)
    return report_overlays(analysis)


NO_OUTPUTS = Outputs()
"""Nothing written: the caller only wants the report back."""
