"""Where :func:`~formcheck.batch_jobs.score_clip` runs: a local process pool (replaced when a
worker dies) or the workers of a Dask cluster; and stopping a batch (Ctrl-C, SIGTERM,
SIGHUP) so that no process is left behind.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.resource_tracker
import os
import re
import signal
import sys
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, suppress
from multiprocessing.connection import wait as wait_for_exit
from pathlib import Path
from typing import Any, Protocol

from formcheck.batch_jobs import ClipJob, ClipResult, score_clip
from formcheck.errors import FormcheckError
from formcheck.signals import STOP_SIGNALS, signals_held

MAX_CRASHES = 3
"""Worker deaths a clip may be caught in before it becomes an error row. After its first it
runs with no other suspect beside it, so a clip that kills every worker is blamed by its third
death, and an innocent clip that shared a worker pool with it is simply scored again."""

STOP_GRACE_S = 2.0
"""How long stopped workers get to exit (removing their temporary files and pose helpers)
before they are killed."""




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


SCHEDULER = re.compile(
    r"(?:(?:tcp|tls|ucx|ws|wss)://)?(?:\[[0-9A-Za-z:.%_-]+\]|[A-Za-z0-9_.-]+):(\d{1,5})")
"""A Dask scheduler's address as ``--scheduler`` takes it: ``tcp://host:8786`` (or another
network scheme Dask has: ``tls``, ``ucx``, ``ws``, ``wss``; or none), the host a name, an IPv4
address or a bracketed IPv6 one (a zone too: ``[fe80::1%eth0]``)."""


def check_scheduler(address: str) -> None:
    """Refuse, before any work or output folder, an address no scheduler can have: Dask would
    otherwise fail deep inside with a traceback, or wait for a port that cannot exist."""
    found = SCHEDULER.fullmatch(address)
    if found is None or not 0 < int(found.group(1)) < 65536:
        raise FormcheckError(f"--scheduler {address!r} is not a Dask scheduler's address: give "
                             "tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786)")


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
            except (OSError, ValueError) as exc:
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
