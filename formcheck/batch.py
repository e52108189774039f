"""Score a folder of clips: the same report as ``analyze`` for each, and one table for them all.

Each clip's work is exactly :func:`formcheck.api.analyze`, run in worker processes: a local
process pool by default, or the workers of a Dask cluster (``pip install 'formcheck[dask]'``).
The calling process plans the jobs, skips clips whose result is already on disk, writes every
report it gets back atomically and keeps ``summary.csv`` and ``reps.csv`` current, so Ctrl-C
or a crash loses only the clips in flight and running the same command again completes the
rest. A manifest row may name a held stretch (``formcheck exercises``) instead of a lift: that
clip's work is :func:`formcheck.api.hold`, its report a hold report, its holds in
``holds.csv``.

A report is reused when its cache key matches: the sha256 of the clip's bytes and its path, the
effective lift (exercise, variant and every threshold after ``config``), the model variant, the
frame rate read, the guard turned off (``guard=False``, if it was) and the formcheck version. A
failure is recorded beside the reports under the same key (``<clip>-<key>.error``): a re-run
does not try that clip again (it stays an error row, counted in
:attr:`BatchSummary.failed_before`) unless ``retry_failed`` is given, for when the cause (a
killed worker, a model not yet fetched, a file still being copied) is gone.

A file name need not be valid UTF-8: every path becomes text through
:func:`formcheck.files.display` (bad bytes shown as ``\\xff``), so such a clip is scored, or is
one error row, like any other. Every CSV cell goes through :func:`formcheck.csvsafe.csv_safe`.

Example:
    >>> from formcheck.batch import batch
    >>> summary = batch(["clips/"], exercise="deadlift", out="scored", workers=2)
    >>> summary.scored, summary.skipped, summary.errors
    (1, 0, 0)
    >>> summary.summary_csv                      # one row per clip
    PosixPath('scored/summary.csv')
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Sequence
from contextlib import closing, suppress
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import ValidationError

import formcheck
from formcheck.batch_engines import DaskEngine, Engine, LocalPool, check_scheduler
from formcheck.batch_jobs import ClipJob, ClipResult, found
from formcheck.batch_plan import plan
from formcheck.batch_tables import write_tables
from formcheck.config import definition_files, pose_names
from formcheck.errors import FormcheckError
from formcheck.files import check_outputs, display, write_text
from formcheck.hold_report import HoldReport
from formcheck.html_report import IndexRow, write_index
from formcheck.models import bundle_files, model_path
from formcheck.pose import DEFAULT_MAX_FPS
from formcheck.report import Report
from formcheck.track import is_track_path
from formcheck.video import check_workers, usable_cores

DEFAULT_OUT = Path("formcheck-batch")
SUMMARY_EVERY_S = 5.0
"""How often the tables are rewritten while the batch runs (and once at the end): often enough
that an interrupted batch leaves a current summary, rarely enough that thousands of clips do
not rewrite thousands of rows each."""

@dataclass(frozen=True)
class BatchProgress:
    """Where a batch stands, passed to ``progress`` before the first clip and after each one.

    ``total`` and ``done`` count the clips this run scores (cached ones excluded, so an ETA
    computed from them is honest); ``reps`` and ``errors`` count over all clips so far.
    """

    done: int
    total: int
    skipped: int
    reps: int
    errors: int
    last: ClipResult | None


@dataclass(frozen=True)
class BatchSummary:
    """The outcome of :func:`batch`: one result per clip, in the order the inputs named them."""

    out: Path
    results: tuple[ClipResult, ...]

    @property
    def summary_csv(self) -> Path:
        return self.out / "summary.csv"

    @property
    def reps_csv(self) -> Path:
        return self.out / "reps.csv"

    def report_path(self, result: ClipResult) -> Path:
        return self.out / "reports" / result.job.report_name

    @property
    def scored(self) -> int:
        """Clips scored by this run."""
        return sum(r.ok and not r.cached for r in self.results)

    @property
    def skipped(self) -> int:
        """Clips whose report an earlier run had already written."""
        return sum(r.cached and r.ok for r in self.results)

    @property
    def failed_before(self) -> int:
        """Clips that failed in an earlier run and were not tried again (see ``retry_failed``)."""
        return sum(r.cached and not r.ok for r in self.results)

    @property
    def errors(self) -> int:
        return sum(not r.ok for r in self.results)

    @property
    def no_reps(self) -> int:
        """Clips scored (now or before) in which no rep was found."""
        return sum(r.status == "no_reps" for r in self.results)

    @property
    def reps(self) -> int:
        return sum(found(r.report) for r in self.results if r.report is not None)


def batch(
    inputs: Sequence[str | os.PathLike[str]] = (),
    *,
    exercise: str | None = None,
    variant: str | None = None,
    manifest: str | os.PathLike[str] | None = None,
    root: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    local_cluster: bool = False,
    config: str | os.PathLike[str] | None = None,
    model: str = "full",
    model_dir: str | os.PathLike[str] | None = None,
    rescore: bool = False,
    retry_failed: bool = False,
    report_html: bool = False,
    progress: Callable[[BatchProgress], None] | None = None,
    max_fps: float | None = DEFAULT_MAX_FPS,
    guard: bool = True,
) -> BatchSummary:
    """Score every clip named by ``inputs`` (as ``exercise``) or by a ``manifest`` CSV.

    ``inputs`` are video files, folders (searched recursively for videos) and globs. A manifest
    has the columns ``file[,exercise][,variant]`` (no exercise column, or ``auto`` in it: the
    lift is recognised, :mod:`formcheck.recognise`), with files relative to its folder;
    its clips are named by their resolved paths (symbolic links and ``..`` resolved). With
    ``root``, a manifest row whose resolved file is outside that folder is not read: it is an
    error row. Reports go to ``out/reports/<clip>-<key>.json`` (``out`` defaults to
    ``formcheck-batch``); ``out/summary.csv`` has one row per clip (an error row for a clip that
    failed) and ``out/reps.csv`` one row per rep.

    ``workers`` local processes score the clips (default: one per usable core). With
    ``scheduler`` (``tcp://host:8786``) the workers of that Dask cluster do, and with
    ``local_cluster`` those of a Dask cluster started on this machine for the batch. Every
    input, the manifest, the lifts and the output folder are checked before any clip is
    scored; ``rescore`` ignores reports already on disk. A clip that failed in an earlier run
    (same cache key) is not tried again, and stays an error row, unless ``retry_failed`` (or
    ``rescore``) is given. ``report_html`` adds each clip's HTML report beside its JSON and
    ``out/index.html`` linking them all. ``max_fps``: the most frames a second the pose model
    reads of each video (None: every frame). ``guard=False`` judges each clip as the lift it
    is named even where it looks like another (:func:`formcheck.api.analyze`); clips left to
    ``auto`` are recognised as ever.
    """
    if scheduler is not None and local_cluster:
        raise FormcheckError("use --scheduler or --local-cluster, not both")
    if scheduler is not None and workers is not None:
        raise FormcheckError(
            "--workers sizes the local pool or --local-cluster; a running Dask cluster "
            "brings its own workers"
        )
    check_workers(workers)
    if scheduler is not None:
        check_scheduler(scheduler)
    if out is not None and not os.fspath(out):
        raise FormcheckError("--out needs a folder name (an empty one was given)")
    jobs = plan(
        inputs, exercise=exercise, variant=variant, manifest=manifest, root=root, config=config,
        model=model, model_dir=model_dir, max_fps=max_fps, guard=guard,
    )
    out = Path(out) if out is not None else DEFAULT_OUT
    check_outputs(
        {f"the batch's {table}": out / table
         for table in ("summary.csv", "reps.csv", *(("index.html",) if report_html else ()))},
        {"the manifest": manifest, "the --config file": config, **bundle_files(model_dir),
         **definition_files()},
    )
    if report_html:
        reports = (out / "reports").resolve()
        jobs = [replace(job, html=reports / Path(job.report_name).with_suffix(".html"))
                for job in jobs]
    earlier = _cached_results(jobs, out / "reports", retry_failed=False)
    results = {} if rescore else {job: result for job, result in earlier.items()
                                  if result.report is not None or not retry_failed}
    todo = [job for job in jobs if job not in results]  # the refused ones included
    engine: Engine
    if scheduler is not None or local_cluster:
        engine = DaskEngine(scheduler, workers or usable_cores())
    else:
        engine = LocalPool(workers or usable_cores())
    if scheduler is None and any(
        not is_track_path(job.path) and job.refused is None for job in todo
    ):
        # Fetch (or verify) the model here, once, rather than in every worker at the same time.
        model_path(model, model_dir)
    _score(engine, jobs, todo, results, out, progress or (lambda _: None), earlier=earlier)
    summary = BatchSummary(out, tuple(results[job] for job in jobs))
    if report_html:
        write_index([
            IndexRow(clip=r.job.clip, report=r.report, error=r.error, status=r.status,
                     report_path=r.job.html if r.ok else None)
            for r in summary.results
        ], out / "index.html")
    return summary


def _score(
    engine: Engine,
    jobs: Sequence[ClipJob],
    todo: Sequence[ClipJob],
    results: dict[ClipJob, ClipResult],
    out: Path,
    progress: Callable[[BatchProgress], None],
    earlier: dict[ClipJob, ClipResult] | None = None,
) -> None:
    """Run ``todo`` on ``engine``, saving each report as it arrives and the tables as they go.

    A refused job (outside ``--root``) is never sent to the engine: it is an error row at once.
    ``earlier``: the results on disk, failures included; until a clip scored again (a
    rescore, a failure retried) has its new one, its earlier row stays in the tables, so a run
    interrupted, or whose cluster cannot be reached, leaves them as they were, not emptier.
    """
    earlier = earlier or {}

    def tables() -> None:
        write_tables(out, [results[j] if j in results else earlier[j] for j in jobs
                           if j in results or j in earlier])

    skipped = len(results)
    reps = sum(found(r.report) for r in results.values() if r.report is not None)
    done = errors = 0
    progress(BatchProgress(0, len(todo), skipped, reps, errors, None))
    refused = [ClipResult(job, error=job.refused) for job in todo if job.refused is not None]
    work = [job for job in todo if job.refused is None]
    written = time.monotonic()
    try:
        with closing(engine.run(work)) as finished:
            for arrived in itertools.chain(refused, finished):
                result = _checked_version(_printable(arrived))
                _save(result, out / "reports")
                if result.report is not None:
                    reps += found(result.report)
                results[result.job] = result
                done, errors = done + 1, errors + (not result.ok)
                progress(BatchProgress(done, len(todo), skipped, reps, errors, result))
                if time.monotonic() - written >= SUMMARY_EVERY_S:
                    tables()
                    written = time.monotonic()
    finally:
        tables()


def _save(result: ClipResult, reports: Path) -> None:
    """Write the clip's report, or record its failure (a refused clip's is not: it is refused
    again at every plan); a success removes the failure an earlier run recorded."""
    job = result.job
    failure = reports / _failure_name(job)
    if result.report is not None:
        result.report.save_json(reports / job.report_name)
        failure.unlink(missing_ok=True)
    elif job.refused is None:
        write_text(failure, f"{result.error}\n")


def _failure_name(job: ClipJob) -> str:
    return str(Path(job.report_name).with_suffix(".error"))


def _printable(result: ClipResult) -> ClipResult:
    """``result`` with every text that came from a path made printable (see :func:`display`).

    Why: a report whose ``source`` holds a name that is not UTF-8 cannot be saved as JSON, and an
    error or note quoting it cannot be written to the tables; the worker's text is taken as is.
    """
    report = result.report
    if report is not None and display(report.source) != report.source:
        report = report.model_copy(update={"source": display(report.source)})
    return replace(
        result, report=report, error=None if result.error is None else display(result.error),
        notes=tuple(display(note) for note in result.notes),
    )


def _checked_version(result: ClipResult) -> ClipResult:
    """A report made by another formcheck version (a stale cluster worker) is not trusted."""
    if result.report is None or result.report.formcheck_version == formcheck.__version__:
        return result
    return ClipResult(
        result.job,
        error=f"the worker runs formcheck {result.report.formcheck_version}, this is "
        f"{formcheck.__version__}; install the same version everywhere",
    )


def _cached_results(
    jobs: Sequence[ClipJob], reports: Path, *, retry_failed: bool
) -> dict[ClipJob, ClipResult]:
    """Reports an earlier run left for exactly these jobs (same key), and unless
    ``retry_failed`` the failures it recorded; an unreadable report is redone."""
    found = {}
    for job in jobs:
        if job.refused is not None:
            continue
        try:
            if job.html is None or job.html.exists():
                model = HoldReport if job.exercise in pose_names() else Report
                report = model.model_validate_json((reports / job.report_name).read_bytes())
                found[job] = ClipResult(job, report=report, cached=True)
                continue
        except (OSError, ValidationError):
            pass
        if not retry_failed:
            with suppress(OSError, UnicodeDecodeError):
                error = (reports / _failure_name(job)).read_text(encoding="utf-8").strip()
                found[job] = ClipResult(job, error=error, cached=True)
    return found


