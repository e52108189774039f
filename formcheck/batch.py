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
effective lift (exercise, variant and every threshold after ``config``), the model variant and
the formcheck version. A failure is recorded beside the reports under the same key
(``<clip>-<key>.error``): a re-run does not try that clip again (it stays an error row, counted
in :attr:`BatchSummary.failed_before`) unless ``retry_failed`` is given, for when the cause (a
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

import csv
import glob
import hashlib
import io
import itertools
import logging
import multiprocessing
import multiprocessing.resource_tracker
import os
import signal
import sys
import time
import warnings
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, closing, suppress
from dataclasses import dataclass, replace
from multiprocessing.connection import wait as wait_for_exit
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

import formcheck
from formcheck.api import analyze, hold
from formcheck.batch_tables import Status, write_tables
from formcheck.config import load_exercise, pose_names
from formcheck.errors import FormcheckError
from formcheck.files import check_writable, display, write_text
from formcheck.hold_report import HoldReport
from formcheck.html_report import IndexRow, write_index
from formcheck.models import model_path
from formcheck.outputs import Outputs
from formcheck.pose import DEFAULT_MAX_FPS, check_max_fps
from formcheck.recognise import AUTO, MODEL_PATH, check_auto
from formcheck.report import Report
from formcheck.signals import STOP_SIGNALS, signals_held
from formcheck.track import TRACK_SUFFIXES
from formcheck.video import usable_cores

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm")
"""What a folder or a glob contributes; a file named explicitly is scored whatever its suffix
(so a pose track from ``formcheck pose`` can be re-scored), but a folder also holds reports,
notes and tracks that are not clips."""

DEFAULT_OUT = Path("formcheck-batch")
KEY_CHARS = 12
"""Hex digits of the cache key in a report's file name: 48 bits, no collision in any real batch,
and still a readable name."""

MAX_CRASHES = 3
"""Worker deaths a clip may be caught in before it becomes an error row. After its first it
runs with no other suspect beside it, so a clip that kills every worker is blamed by its third
death, and an innocent clip that shared a worker pool with it is simply scored again."""

SUMMARY_EVERY_S = 5.0
"""How often the tables are rewritten while the batch runs (and once at the end): often enough
that an interrupted batch leaves a current summary, rarely enough that thousands of clips do
not rewrite thousands of rows each."""

STOP_GRACE_S = 2.0
"""How long stopped workers get to exit (removing their temporary files and pose helpers)
before they are killed."""


@dataclass(frozen=True)
class ClipJob:
    """One clip to score and everything a worker needs to score it (picklable, hashable).

    Attributes:
        path: the clip, absolute, so workers with another working folder find it too.
        exercise, variant: the lift; ``variant`` is resolved (never None).
        config: the thresholds file laid over the lift's own, if any.
        model, model_dir: pose model variant and the folder it is cached in.
        max_fps: the most frames a second the model reads (None: every frame).
        key: sha256 over the clip's bytes and path, the effective lift, the model, the frame
            rate and formcheck's version.
    """

    path: Path
    exercise: str
    variant: str
    config: Path | None
    model: str
    model_dir: Path | None
    key: str
    max_fps: float | None = DEFAULT_MAX_FPS
    html: Path | None = None
    """Where to write the clip's HTML report, if one was asked for."""
    refused: str | None = None
    """Why the clip is not read at all (a manifest row outside ``--root``): an error row."""

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
    reads of each video (None: every frame).
    """
    if scheduler is not None and local_cluster:
        raise FormcheckError("use --scheduler or --local-cluster, not both")
    if workers is not None and workers < 1:
        raise FormcheckError(f"--workers must be at least 1 (got {workers})")
    if scheduler is not None and workers is not None:
        raise FormcheckError(
            "--workers sizes the local pool or --local-cluster; a running Dask cluster "
            "brings its own workers"
        )
    jobs = plan(
        inputs, exercise=exercise, variant=variant, manifest=manifest, root=root, config=config,
        model=model, model_dir=model_dir, max_fps=max_fps,
    )
    out = Path(out) if out is not None else DEFAULT_OUT
    for table in ("summary.csv", "reps.csv", *(("index.html",) if report_html else ())):
        check_writable(out / table)
    if report_html:
        reports = (out / "reports").resolve()
        jobs = [replace(job, html=reports / Path(job.report_name).with_suffix(".html"))
                for job in jobs]
    results = {} if rescore else _cached_results(jobs, out / "reports", retry_failed=retry_failed)
    todo = [job for job in jobs if job not in results]  # the refused ones included
    engine: Engine
    if scheduler is not None or local_cluster:
        engine = DaskEngine(scheduler, workers or usable_cores())
    else:
        engine = LocalPool(workers or usable_cores())
    if scheduler is None and any(
        job.path.suffix.lower() not in TRACK_SUFFIXES and job.refused is None for job in todo
    ):
        # Fetch (or verify) the model here, once, rather than in every worker at the same time.
        model_path(model, model_dir)
    _score(engine, jobs, todo, results, out, progress or (lambda _: None))
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
) -> None:
    """Run ``todo`` on ``engine``, saving each report as it arrives and the tables as they go.

    A refused job (outside ``--root``) is never sent to the engine: it is an error row at once.
    """
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
                    write_tables(out, [results[j] for j in jobs if j in results])
                    written = time.monotonic()
    finally:
        write_tables(out, [results[j] for j in jobs if j in results])


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


# Planning: inputs and manifest to jobs, checked before any work.


def plan(
    inputs: Sequence[str | os.PathLike[str]] = (),
    *,
    exercise: str | None = None,
    variant: str | None = None,
    manifest: str | os.PathLike[str] | None = None,
    root: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | None = None,
    model: str = "full",
    model_dir: str | os.PathLike[str] | None = None,
    max_fps: float | None = DEFAULT_MAX_FPS,
) -> list[ClipJob]:
    """The jobs :func:`batch` would run, each clip once per lift, with its cache key.

    A manifest row outside ``root`` becomes a job with ``refused`` set, whose file is not read.
    """
    check_max_fps(max_fps)
    if isinstance(inputs, str | os.PathLike):
        inputs = [inputs]
    if (manifest is None) == (exercise is None):
        raise FormcheckError("give --exercise NAME for the inputs, or --manifest FILE.csv")
    if root is not None and manifest is None:
        raise FormcheckError("--root confines the files a --manifest names; INPUTs are taken "
                             "as given")
    if manifest is not None:
        if inputs:
            raise FormcheckError("with --manifest the clips come from the manifest; drop INPUT")
        if variant is not None:
            raise FormcheckError("with --manifest, variants go in its variant column")
        requests = read_manifest(manifest, root=root)
    elif not inputs:
        raise FormcheckError("no INPUT given: name videos, folders or globs to score")
    else:
        requests = [(path, exercise, variant, "", None) for path in find_clips(inputs)]
    config_path = Path(config).absolute() if config is not None else None
    lifts: dict[tuple[str, str | None], tuple[str, str]] = {}
    contents: dict[Path, str] = {}
    jobs: dict[tuple[Path, str, str], ClipJob] = {}  # each clip once per lift: the first row
    for path, name, wanted, origin, refused in requests:
        if (name, wanted) not in lifts:
            try:
                lifts[name, wanted] = _effective_lift(name, wanted, config)
            except FormcheckError as exc:
                raise FormcheckError(f"{origin}: {exc}" if origin else str(exc)) from None
        resolved, lift_hash = lifts[name, wanted]
        if refused is not None:
            key = _sha256(os.fsencode(path))  # never read: no report, no cache
        else:
            if path not in contents:
                contents[path] = _file_sha256(path)
            # The path is part of the key: two files with the same bytes are two clips, and
            # each report names its own file (its ``source``).
            key = _sha256(b"\n".join([
                contents[path].encode(), lift_hash.encode(), model.encode(),
                formcheck.__version__.encode(), os.fsencode(path),
                f"max_fps {max_fps}".encode(),
            ]))
        job = ClipJob(
            path=path, exercise=name, variant=resolved, config=config_path, model=model,
            model_dir=Path(model_dir).absolute() if model_dir is not None else None, key=key,
            max_fps=max_fps, refused=refused,
        )
        jobs.setdefault((path, name, resolved), job)
    return list(jobs.values())


def found(report: Report | HoldReport) -> int:
    """What a clip's report found: reps, or for a held stretch holds."""
    return report.hold_count if isinstance(report, HoldReport) else report.rep_count


def _effective_lift(name: str, variant: str | None, config: str | os.PathLike[str] | None
                    ) -> tuple[str, str]:
    """The variant a job of lift or held stretch ``name`` runs (empty under ``auto``: the lift
    recognised picks its default; empty for a stretch, which has none) and a hash of everything
    that decides its verdicts: the lift or stretch with the user's thresholds (or, under
    ``auto``, the thresholds file) and the recogniser's model, which picks the lift under
    ``auto`` and guards a named one."""
    recogniser = MODEL_PATH.read_bytes()
    if name != AUTO:
        lift = load_exercise(name, variant, config)
        return (getattr(lift, "variant", ""),
                _sha256(lift.model_dump_json().encode() + recogniser))
    check_auto(variant)
    overrides = b"" if config is None else _file_sha256(Path(config)).encode()
    return "", _sha256(b"auto\n" + recogniser + overrides)


def find_clips(
    inputs: Sequence[str | os.PathLike[str]], base: Path | None = None
) -> list[Path]:
    """Absolute paths of the clips ``inputs`` name, each once, in the order they are named.

    A file is taken as given; a folder is searched recursively for videos (hidden files and
    folders skipped: half-written outputs live there); a glob (``*``, ``?``, ``[``, ``**``)
    contributes the videos it matches. Relative inputs are relative to ``base`` (default: the
    working folder). Anything that names no clip is an error, before any work is done.
    """
    found: dict[Path, None] = {}
    for item in inputs:
        for path in _expand(os.fspath(item), base):
            found.setdefault(path, None)
    return list(found)


def _is_glob(item: str) -> bool:
    return any(char in item for char in "*?[")


def _expand(item: str, base: Path | None) -> list[Path]:
    target = Path(item).expanduser()
    if base is not None and not target.is_absolute():
        target = base / target
    if target.is_file():
        return [target.absolute()]
    if target.is_dir():
        videos = _videos_in(target)
        if not videos:
            raise FormcheckError(
                f"{display(item)}: no videos ({' '.join(VIDEO_SUFFIXES)}) in this folder"
            )
        return videos
    if _is_glob(item):
        # glob.glob, not Path.glob: it takes absolute patterns and, like a shell, skips
        # hidden files.
        pattern = os.fspath(target)
        matches = sorted(Path(m) for m in glob.glob(pattern, recursive=True))  # noqa: PTH207
        videos = [
            video
            for match in matches
            for video in (_videos_in(match) if match.is_dir() else [match.absolute()])
            if video.suffix.lower() in VIDEO_SUFFIXES
        ]
        if not videos:
            raise FormcheckError(f"{display(item)}: matches no videos")
        return videos
    raise FormcheckError(f"{display(item)}: no such file or folder")


def _videos_in(folder: Path) -> list[Path]:
    return sorted(
        path.absolute()
        for path in folder.rglob("*")
        if path.suffix.lower() in VIDEO_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.is_file()
    )


def _resolved(path: str | os.PathLike[str]) -> Path:
    """``path`` with symbolic links and ``..`` resolved (whether or not it exists)."""
    return Path(os.path.realpath(path))


def _inside(path: Path, root: Path) -> bool:
    """Whether the resolved ``path`` is ``root`` (resolved) or below it."""
    try:
        return os.path.commonpath([path, root]) == os.fspath(root)
    except ValueError:  # another drive (Windows)
        return False


def read_manifest(
    manifest: str | os.PathLike[str],
    *,
    root: str | os.PathLike[str] | None = None,
) -> list[tuple[Path, str, str | None, str, str | None]]:
    """``(clip, exercise, variant, 'FILE line N', refused)`` for each clip a manifest CSV names.

    A row's ``file`` (a file, folder or glob) is relative to the manifest's folder, wherever the
    command runs, and its clips are given resolved: symbolic links and ``..`` resolved. Rows that
    reach outside the manifest's folder are taken as they are, unless ``root`` is given: then
    a clip whose resolved path is outside ``root`` is not read, not even checked for existence,
    and ``refused`` says why (it becomes an error row); it is None for every other clip. A
    folder or glob is refused whole when its fixed part is outside ``root``, and each clip it
    holds is checked too (a symbolic link inside ``root`` may point out of it).

    Columns beyond ``file``, ``exercise`` and ``variant`` are ignored, so a catalogue with
    more columns serves as is; an empty variant means the lift's default. Without an
    ``exercise`` column every clip's lift is recognised (``auto``: :mod:`formcheck.recognise`).
    """
    path = Path(manifest)
    confine = None
    if root is not None:
        confine = _resolved(Path(root).expanduser())
        if not confine.is_dir():
            raise FormcheckError(f"--root {display(root)}: no such folder")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormcheckError(f"cannot read manifest {display(path)}: {exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    if "file" not in (reader.fieldnames or ()):
        raise FormcheckError(
            f"{display(path)}: a manifest needs the column file (and optionally exercise and "
            f"variant); its header is: {','.join(reader.fieldnames or ())}"
        )
    named = "exercise" in (reader.fieldnames or ())
    base = path.parent.absolute()
    requests = []
    for row in reader:
        origin = f"{display(path)} line {reader.line_num}"
        file = (row.get("file") or "").strip()
        exercise = (row.get("exercise") or "").strip() if named else AUTO
        if not file or not exercise:
            raise FormcheckError(f"{origin}: file and exercise must both be filled in")
        variant = (row.get("variant") or "").strip() or None
        refused = None if confine is None else (
            f"outside --root {display(confine)} ({origin}); not read"
        )
        target = base / Path(file).expanduser()
        if confine is not None:
            fixed = target
            if _is_glob(file):
                fixed = Path(*itertools.takewhile(lambda part: not _is_glob(part), target.parts))
            if not _inside(_resolved(fixed), confine):
                requests.append((_resolved(target), exercise, variant, origin, refused))
                continue
        try:
            clips = [_resolved(clip) for clip in _expand(file, base)]
        except FormcheckError as exc:
            raise FormcheckError(f"{origin}: {exc}") from None
        requests += [
            (clip, exercise, variant, origin,
             None if confine is None or _inside(clip, confine) else refused)
            for clip in dict.fromkeys(clips)
        ]
    if not requests:
        raise FormcheckError(f"{display(path)}: the manifest lists no clips")
    return requests


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise FormcheckError(f"cannot read {display(path)}: {exc.strerror or exc}") from None
    return digest.hexdigest()


# The work of one clip, in a worker.


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
        try:
            # One process per clip: the batch already keeps every core busy with clips.
            if job.exercise in pose_names():  # a held stretch: formcheck hold
                report: Report | HoldReport = hold(
                    job.path, job.exercise, config=job.config, model=job.model,
                    model_dir=job.model_dir, outputs=Outputs(html=job.html), workers=1,
                    max_fps=job.max_fps)
            else:
                report = analyze(
                    job.path, job.exercise, variant=job.variant or None, config=job.config,
                    model=job.model, model_dir=job.model_dir, outputs=Outputs(html=job.html),
                    workers=1, max_fps=job.max_fps,
                )
        except FormcheckError as exc:
            return ClipResult(job, error=str(exc))
        except Exception as exc:
            return ClipResult(
                job, error=f"formcheck failed on this clip ({type(exc).__name__}: {exc}); "
                "please report it",
            )
    return ClipResult(job, report=report, notes=tuple(str(w.message) for w in caught))


# Engines: where score_clip runs.


class Engine(Protocol):
    """Something that runs :func:`score_clip` on jobs and yields results as they finish."""

    def run(self, jobs: Sequence[ClipJob]) -> Iterator[ClipResult]: ...


Score = Callable[[ClipJob], ClipResult]


class LocalPool:
    """Worker processes on this machine; a pool that loses a worker is replaced.

    When a worker dies (killed for memory, a crash in native code) every clip in flight fails
    with it. Those clips are tried again, one suspect at a time beside fresh clips, until a clip
    has been in :data:`MAX_CRASHES` dead pools: then it is an error row and the batch goes on.
    """

    def __init__(self, workers: int, score: Score = score_clip) -> None:
        self.workers = workers
        self.score = score

    def run(self, jobs: Sequence[ClipJob]) -> Iterator[ClipResult]:
        fresh, suspects = deque(jobs), deque[ClipJob]()
        crashes: Counter[ClipJob] = Counter()
        inflight: dict[Future[ClipResult], ClipJob] = {}
        pool: ProcessPoolExecutor | None = None
        broken = False
        try:
            while fresh or suspects or inflight:
                if pool is None:
                    pool = self._start(len(fresh) + len(suspects))
                while not broken and len(inflight) < self.workers and (fresh or suspects):
                    suspect_running = any(crashes[job] for job in inflight.values())
                    if suspects and not suspect_running:
                        queue = suspects
                    elif fresh:
                        queue = fresh
                    else:
                        break
                    job = queue.popleft()
                    try:
                        # a started worker is always in the pool's table
                        with signals_held(block=True):
                            future = pool.submit(_run_in_worker, self.score, job)
                        inflight[future] = job
                    except BrokenProcessPool:
                        queue.appendleft(job)
                        broken = True
                if inflight:
                    done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                    for future in done:
                        job = inflight.pop(future)
                        try:
                            result = future.result()
                        except BrokenProcessPool:
                            broken = True
                            crashes[job] += 1
                            if crashes[job] < MAX_CRASHES:
                                suspects.append(job)
                                continue
                            result = ClipResult(job, error=(
                                f"the worker process died each of the {MAX_CRASHES} times it "
                                "scored this clip (out of memory, or a crash in the decoder or "
                                "the pose model)"
                            ))
                        yield result
                if broken and not inflight:
                    _stop(pool)
                    pool, broken = None, False
        finally:
            if pool is not None:
                _stop(pool)

    def _start(self, jobs: int) -> ProcessPoolExecutor:
        # spawn, not fork: the parent runs threads (the progress bar's) whose locks fork would
        # copy mid-flight, and spawn behaves the same on Linux, macOS and Windows.
        with signals_held(block=True):  # multiprocessing's resource tracker may start here
            return ProcessPoolExecutor(
                max_workers=min(self.workers, jobs),
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(os.getpid(),),
            )


# Stopping: a batch told to stop (Ctrl-C, SIGTERM, SIGHUP) leaves no process behind.


class _Stopped(BaseException):
    """Raised in a worker that is told to stop while it scores a clip (never caught as an
    ``Exception``, so the clip unwinds: temporary files removed, pose helpers stopped)."""


_busy = False
"""In a worker: whether it is scoring a clip right now."""


def _worker_init(parent: int) -> None:
    """Set up a pool worker: only the parent acts on Ctrl-C and hang-up; SIGTERM stops it.

    Ctrl-C and a terminal's SIGHUP reach every process in the group; the parent stops the
    workers and keeps every finished result, so workers ignore both and print no tracebacks.
    SIGTERM, which the parent sends to stop a worker, unwinds the clip in hand and ends the
    process. On Linux a worker is also sent SIGTERM when the parent dies, however it died
    (killed with SIGKILL, by the out-of-memory killer): no worker outlives its batch.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_stop)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
        except (OSError, AttributeError):
            pass
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # blocked by signals_held
    if os.getppid() != parent:  # the parent died before the line above could matter
        os._exit(128 + signal.SIGTERM)


def _worker_stop(signum: int, frame: object) -> None:
    if _busy:
        raise _Stopped
    os._exit(128 + signum)


def _run_in_worker(score: Score, job: ClipJob) -> ClipResult:
    """What a pool worker runs for a clip: ``score(job)``, ending the process if told to stop."""
    global _busy
    try:
        _busy = True
        return score(job)
    except _Stopped:
        os._exit(128 + signal.SIGTERM)
    finally:
        _busy = False


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's workers, and every process they started, now: after a stop signal or a
    crash nobody waits for the clips in flight.

    Each worker is sent SIGTERM (its clip unwinds) and killed if it has not exited within
    :data:`STOP_GRACE_S`; then any process a worker had started (a pose helper runs in a
    session of its own, so no signal to the group reaches it) is killed, found by parent
    process ID before the workers went. multiprocessing's resource tracker then ends as soon as
    this process does: the workers were the other holders of its pipe.
    """
    with signals_held(block=True):
        # ProcessPoolExecutor.terminate_workers is Python 3.14+; before it, the process table.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        started = _descendants([p.pid for p in processes if p.pid is not None])
        pool.shutdown(wait=False, cancel_futures=True)
        running: dict[Any, Any] = {}  # sentinel: process
        for process in processes:
            try:
                running[process.sentinel] = process
            except ValueError:  # closed: long gone
                continue
            process.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        while running and (left := deadline - time.monotonic()) > 0:
            for sentinel in wait_for_exit(list(running), timeout=left):
                running.pop(sentinel)
        for process in running.values():
            process.kill()
        for pid, start in started:
            _kill(pid, start)
        pool.shutdown(wait=True)


def _descendants(pids: Sequence[int]) -> list[tuple[int, bytes]]:
    """``(pid, start time)`` of every process below ``pids``, children first (from Linux's
    /proc; empty elsewhere). The start time tells a process from a later one given its PID."""
    children: defaultdict[int, list[int]] = defaultdict(list)
    starts: dict[int, bytes] = {}
    try:
        entries = [entry.name for entry in Path("/proc").iterdir()]
    except OSError:
        return []
    for entry in entries:
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            children[stat[0]].append(int(entry))
            starts[int(entry)] = stat[1]
    found: list[tuple[int, bytes]] = []
    todo = list(pids)
    while todo:
        for child in children.get(todo.pop(0), ()):
            found.append((child, starts[child]))
            todo.append(child)
    return found


def _stat(pid: int) -> tuple[int, bytes] | None:
    """Parent PID and start time of ``pid``, from /proc/PID/stat."""
    try:
        text = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = text[text.rfind(b")") + 2:].split()  # after the command name, which may hold ')'
    return int(fields[1]), fields[19]


def _kill(pid: int, start: bytes) -> None:
    """Kill ``pid`` if it is still the process that started at ``start``."""
    stat = _stat(pid)
    if stat is not None and stat[1] == start:
        with suppress(OSError):
            os.kill(pid, signal.SIGKILL)


class DaskEngine:
    """The workers of a Dask cluster: a running one at ``scheduler``, else a local one.

    Each clip is one ``client.submit(score_clip, job)``, the same function the local pool runs.
    Dask itself re-runs the task of a worker that died and gives up on a clip after its
    ``distributed.scheduler.allowed-failures`` deaths (3 by default): that clip becomes an
    error row.
    """

    def __init__(self, scheduler: str | None, workers: int) -> None:
        self.scheduler = scheduler
        self.workers = workers

    def run(self, jobs: Sequence[ClipJob]) -> Iterator[ClipResult]:
        if not jobs:
            return
        try:
            from distributed import Client, LocalCluster, as_completed
        except ImportError:
            raise FormcheckError(
                "--scheduler and --local-cluster need Dask: pip install 'formcheck[dask]'"
            ) from None
        with ExitStack() as stack:
            if self.scheduler is None:
                # see there: a terminal's hang-up must not reach it
                with signals_held(block=True):
                    multiprocessing.resource_tracker.ensure_running()
                cluster: Any = stack.enter_context(LocalCluster(
                    n_workers=min(self.workers, len(jobs)), threads_per_worker=1,
                    processes=True, dashboard_address=None, silence_logs=logging.ERROR,
                ))
            else:
                cluster = self.scheduler
            try:
                client = stack.enter_context(Client(cluster, timeout="20s"))
            except OSError as exc:
                raise FormcheckError(f"cannot reach the Dask scheduler {cluster}: {exc}") from None
            futures = {
                client.submit(score_clip, job, key=f"formcheck-{i}-{job.report_name}"): job
                for i, job in enumerate(jobs)
            }
            for future in as_completed(futures):
                if future.status == "finished":
                    yield future.result()
                elif future.status == "cancelled":
                    raise FormcheckError(
                        "lost the Dask cluster; finished reports were kept, run again to "
                        "score the rest"
                    )
                else:
                    exc = future.exception()
                    yield ClipResult(futures[future], error=f"{type(exc).__name__}: {exc}")
