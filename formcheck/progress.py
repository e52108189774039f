"""Where a long job stands, shown to people: each stage named, a bar on a terminal, plain lines
off one.

The library reports progress as ``progress(stage, done, total)`` (:data:`Progress`): the pose
model's frames, then the analysis, the annotated video's frames and the HTML report, so the
display never sits at 100 % of one stage while another runs. On a terminal that is a bar
labelled with the stage; off one (CI, ``nohup`` logs, a pipe) a bar would print nothing useful,
so the latest state is printed as one plain line every :data:`PLAIN_EVERY_S` seconds, a
heartbeat that also tells a log watcher the job is alive. ``quiet`` shows nothing.

Example:
    >>> import formcheck
    >>> with stage_progress(Console(stderr=True)) as progress:
    ...     report = formcheck.analyze("set.track.npz", "deadlift", progress=progress)
    >>> report.rep_count
    10
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal, Protocol

import rich.progress
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from formcheck.batch_tables import ClipResult


class BatchState(Protocol):
    """What a batch's progress shows (:class:`formcheck.batch.BatchProgress`): a protocol, as
    batch runs through :mod:`formcheck.api`, which reports its stages through this module."""

    @property
    def done(self) -> int: ...
    @property
    def total(self) -> int: ...
    @property
    def skipped(self) -> int: ...
    @property
    def reps(self) -> int: ...
    @property
    def errors(self) -> int: ...
    @property
    def last(self) -> ClipResult | None: ...


Stage = Literal["pose", "analysis", "video", "report"]
"""The stages of one clip, in order: the pose model, the analysis, the annotated video, the
HTML report (its key frames are decoded from the video)."""

Progress = Callable[[Stage, int, "int | None"], None]
"""``progress(stage, done, total)``: ``done`` of ``total`` frames of ``stage``; ``total`` is
None for a stage that is not counted (it is reported once, as it starts)."""

PLAIN_EVERY_S = 5.0
"""Seconds between progress lines off a terminal: often enough to see a job move, rarely enough
that an hour-long video leaves a log of hundreds of lines, not thousands."""


def frames_of(progress: Progress | None, stage: Stage) -> Callable[[int, int], None] | None:
    """The ``progress(done, total)`` a frame loop takes (pose, drawing), reporting ``stage``."""
    if progress is None:
        return None
    return lambda done, total: progress(stage, done, total)


def describe(stage: Stage, done: int, total: int | None) -> str:
    """The state as a plain line: ``pose 1200/3000 frames (40%)``, or just the stage."""
    if total is None:
        return stage
    total = max(total, done, 1)  # a container's frame count is an estimate
    return f"{stage} {done}/{total} frames ({done / total:.0%})"


@contextmanager
def plain_lines(
    console: Console, every_s: float = PLAIN_EVERY_S
) -> Iterator[Callable[[str], None]]:
    """Yields ``show(text)``; every ``every_s`` seconds the latest text shown is printed as one
    line, ``formcheck: TEXT · elapsed M:SS``, until the block ends. Nothing before the first
    interval: a job shorter than that prints no progress at all."""
    latest: dict[str, str] = {}
    stop = threading.Event()
    start = time.monotonic()

    def beat() -> None:
        while not stop.wait(every_s):
            if "text" in latest:
                elapsed = int(time.monotonic() - start)
                console.print(
                    f"formcheck: {latest['text']} · elapsed {elapsed // 60}:{elapsed % 60:02d}",
                    highlight=False, markup=False,
                )

    thread = threading.Thread(target=beat, name="formcheck-progress", daemon=True)
    thread.start()
    try:
        yield lambda text: latest.update(text=text)
    finally:
        stop.set()
        thread.join()


def _bar(
    console: Console, *columns: ProgressColumn, disable: bool = False
) -> rich.progress.Progress:
    """A bar that leaves nothing behind: ``stage  ━━━━  [columns]  time left  elapsed``."""
    return rich.progress.Progress(
        TextColumn("{task.description}"), BarColumn(), *columns, TimeRemainingColumn(),
        TimeElapsedColumn(), console=console, transient=True, disable=disable,
    )


@contextmanager
def stage_progress(console: Console, *, quiet: bool = False) -> Iterator[Progress]:
    """A :data:`Progress` that shows each stage on ``console``: a bar labelled with the stage on
    a terminal, a plain line every :data:`PLAIN_EVERY_S` off one, nothing when ``quiet``."""
    if quiet:
        yield lambda stage, done, total: None
    elif not console.is_terminal:
        with plain_lines(console) as show:
            yield lambda stage, done, total: show(describe(stage, done, total))
    else:
        with _bar(console, TextColumn("{task.fields[frames]}")) as bar:
            task = bar.add_task("pose", total=None, frames="")

            def update(stage: Stage, done: int, total: int | None) -> None:
                """An uncounted stage shows a pulsing bar, with no count."""
                total = None if total is None else max(total, done) or None
                bar.update(task, description=stage, completed=done, total=total,
                           frames="" if total is None else f"{done}/{total} frames")

            yield update


@contextmanager
def batch_progress(
    console: Console, *, quiet: bool = False
) -> Iterator[Callable[[BatchState], None]]:
    """Clips done, reps found, errors, on ``console`` (a bar, or plain lines off a terminal;
    nothing when ``quiet``); each failure and each note of a clip as one line, quiet or not."""
    plain = not (quiet or console.is_terminal)
    with _bar(console, MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
              disable=not console.is_terminal or quiet) as bar, plain_lines(console) as show:
        task = bar.add_task("batch", total=None, counts="")

        def update(state: BatchState) -> None:
            last = state.last
            if last is not None:
                clip = last.job.clip  # printable, as the error and notes are
                for line in ([last.error] if last.error else []) + list(last.notes):
                    text = line if clip in line else f"{clip}: {line}"
                    bar.console.print(f"formcheck: {text}", highlight=False, markup=False)
            counts = (f"{state.reps} reps · {state.errors} errors"
                      + (f" · {state.skipped} done before" if state.skipped else ""))
            bar.update(task, completed=state.done, total=state.total, counts=counts)
            if plain:
                show(f"batch {state.done}/{state.total} clips · {counts}")

        yield update
