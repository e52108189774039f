"""One clip of a batch: its job, its result, and the work of scoring it in a worker.

A job carries everything a worker process needs (it is pickled to it); its result is what
the calling process writes to disk and into the tables (:mod:`formcheck.batch`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from formcheck.api import analyze, hold
from formcheck.batch_tables import Status
from formcheck.config import pose_names
from formcheck.errors import FormcheckError
from formcheck.files import display
from formcheck.hold_report import HoldReport
from formcheck.native_logs import quiet_numpy_warnings
from formcheck.outputs import Outputs
from formcheck.pose import DEFAULT_MAX_FPS
from formcheck.report import Report

KEY_CHARS = 12
"""Hex digits of the cache key in a report's file name: 48 bits, no collision in any real batch,
and still a readable name."""

@dataclass(frozen=True)
class ClipJob:
    """One clip to score and everything a worker needs to score it (picklable, hashable).

    Attributes:
        path: the clip, absolute, so workers with another working folder find it too.
        exercise, variant: the lift; ``variant`` is resolved (never None), for the tables.
        config: the thresholds file laid over the lift's own, if any.
        model, model_dir: pose model variant and the folder it is cached in.
        max_fps: the most frames a second the model reads (None: every frame).
        guard: whether a named lift is held to what the recogniser finds
            (:func:`formcheck.api.analyze`); always for ``auto``, which names none, and for a held
            stretch, which has no guard.
        key: sha256 over the clip's bytes and path, the effective lift, the model, the frame
            rate, the guard and formcheck's version.
    """

    path: Path
    exercise: str
    variant: str
    config: Path | None
    model: str
    model_dir: Path | None
    key: str
    max_fps: float | None = DEFAULT_MAX_FPS
    guard: bool = True
    html: Path | None = None
    """Where to write the clip's HTML report, if one was asked for."""
    refused: str | None = None
    """Why the clip is not read at all (a manifest row outside ``--root``): an error row."""
    named_variant: str | None = None
    """The variant the user named, which the analysis is given; None where the lift's default
    was left to it: a lift named without a variant is held by the guard only to what every
    variant shows (a bodyweight squat's hands need not be at a bar), as ``analyze`` holds it."""

    @property
    def report_name(self) -> str:
        """The report's file name: the clip's name as text (bad bytes as ``\\xff``), the key."""
        return f"{display(self.path.stem)}-{self.key[:KEY_CHARS]}.json"

    @property
    def clip(self) -> str:
        """The clip's path as text, for tables, pages and messages."""
        return display(self.path)


@dataclass(frozen=True)
class ClipResult:
    """What became of one clip: its report, or the one-line reason it has none.

    ``cached`` marks a result from an earlier run (a report, or a recorded failure) found on
    disk; ``notes`` are warnings raised while scoring (a truncated video, say) that are not
    part of the report itself.
    """

    job: ClipJob
    report: Report | HoldReport | None = None
    """The clip's report: a lift's, or a held stretch's (a manifest row naming a pose)."""
    error: str | None = None
    cached: bool = False
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.report is not None

    @property
    def status(self) -> Status:
        """``ok``; ``no_reps`` when the clip was scored but no rep was found in it (nothing
        was judged: not a clean set); ``error`` when it has no report."""
        if self.report is None:
            return "error"
        return "no_reps" if found(self.report) == 0 else "ok"


def found(report: Report | HoldReport) -> int:
    """What a clip's report found: reps, or for a held stretch holds."""
    return report.hold_count if isinstance(report, HoldReport) else report.rep_count




def score_clip(job: ClipJob) -> ClipResult:
    """Score one clip in a worker: exactly :func:`formcheck.api.analyze`, nothing added (for a
    held stretch, :func:`formcheck.api.hold`).

    A worker process keeps what is per process (Python, MediaPipe and the decoders, imported
    once: about 3 s) but builds a fresh pose landmarker for every clip (about 0.4 s). Why:
    MediaPipe's VIDEO mode low-pass filters landmark visibility from frame to frame and has no
    way to reset that filter, not even a frame without anybody in it; a landmarker carried over
    from the previous clip changed the next clip's first visibilities by up to 0.8 (measured;
    the rules compare visibility with thresholds), and a batch would no longer agree with
    ``analyze``.

    Every failure becomes an error result, never an exception: one bad clip must not end a
    batch of thousands.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet_numpy_warnings()
        try:
            # One process per clip: the batch already keeps every core busy with clips.
            if job.exercise in pose_names():  # a held stretch: formcheck hold
                report: Report | HoldReport = hold(
                    job.path, job.exercise, config=job.config, model=job.model,
                    model_dir=job.model_dir, outputs=Outputs(html=job.html), workers=1,
                    max_fps=job.max_fps)
            else:
                report = analyze(
                    job.path, job.exercise, variant=job.named_variant, config=job.config,
                    model=job.model, model_dir=job.model_dir, outputs=Outputs(html=job.html),
                    workers=1, max_fps=job.max_fps,
                    guard=job.guard,
                )
        except FormcheckError as exc:
            return ClipResult(job, error=str(exc))
        except Exception as exc:
            return ClipResult(
                job, error=f"formcheck failed on this clip ({type(exc).__name__}: {exc}); "
                "please report it",
            )
    return ClipResult(job, report=report, notes=tuple(str(w.message) for w in caught))


