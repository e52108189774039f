"""The ``formcheck`` command: a thin layer that parses arguments, calls the library and prints.

Every command's work is a documented function in the package; nothing here computes anything.
User errors (:class:`FormcheckError`) become one line on stderr and exit status 2, an interrupt
exits 130, and no traceback is ever shown for either.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from formcheck import models
from formcheck.errors import FormcheckError
from formcheck.report import Report

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Form checking for posterior-chain lifts from video.",
)
models_app = typer.Typer(no_args_is_help=True, help="List, fetch and verify the pose models.")
app.add_typer(models_app, name="models")

INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), which typer gives a KeyboardInterrupt."""

out = Console()
err = Console(stderr=True, soft_wrap=True)

ModelVariant = Literal["lite", "full", "heavy"]
ModelOption = Annotated[ModelVariant, typer.Option("--model", help="Pose model variant.")]
ModelDirOption = Annotated[
    Path | None,
    typer.Option("--model-dir", help="Model cache folder [env: FORMCHECK_MODEL_DIR]."),
]


@contextmanager
def frame_progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr, fed by the library's ``progress(done, total)`` callbacks."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=max(total, done) or None)

        yield update


@app.command()
def pose(
    video: Annotated[Path, typer.Argument(help="Video file to read.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Pose track to write (.npz, or .json).")
    ],
    video_out: Annotated[
        Path | None, typer.Option("--video-out", help="Annotated H.264 mp4 to write.")
    ] = None,
    model: ModelOption = "full",
    model_dir: ModelDirOption = None,
) -> None:
    """Extract the lifter's pose track from a video."""
    from formcheck.api import pose_video

    with frame_progress("pose") as progress:
        track = pose_video(
            video, output, video_out=video_out, model=model, model_dir=model_dir,
            progress=progress,
        )
    err.print(
        f"{len(track)} frames, lifter found in {track.detection_rate:.0%}; "
        f"track written to {output}" + (f", video to {video_out}" if video_out else "")
    )


@app.command()
def analyze(
    source: Annotated[Path, typer.Argument(help="Video, or a pose track from `formcheck pose`.")],
    exercise: Annotated[
        str, typer.Option("--exercise", "-e", help="Lift name; see `formcheck exercises`.")
    ],
    variant: Annotated[str | None, typer.Option(help="Lift variant, e.g. american.")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the JSON report here ('-': stdout).")
    ] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="One row per rep.")] = None,
    video_out: Annotated[
        Path | None, typer.Option("--video-out", help="Annotated H.264 mp4 to write.")
    ] = None,
    model: ModelOption = "full",
    config: Annotated[
        Path | None, typer.Option("--config", help="TOML overriding thresholds.")
    ] = None,
    model_dir: ModelDirOption = None,
) -> None:
    """Count every rep, judge it, and say what to fix."""
    from formcheck.api import analyze as run

    with frame_progress("pose") as progress:
        report = run(
            source, exercise, variant=variant, config=config, model=model, model_dir=model_dir,
            json_out=json_out, csv_out=csv_out, video_out=video_out, progress=progress,
        )
    if json_out is not None and str(json_out) == "-":
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        print_summary(report, err)
    else:
        print_summary(report, out)


def print_summary(report: Report, console: Console) -> None:
    """What a coach would say after the set: reps, verdicts, and the cues that matter most."""
    view = report.view
    console.print(
        f"[bold]{report.exercise.replace('_', ' ')}[/] ({report.variant}) · {view.view} view"
        f" · {report.rep_count} reps: {report.valid} valid, {report.no_rep} no-rep, "
        f"{report.ambiguous} ambiguous"
        + (f" · mean score {report.mean_score:.0f}" if report.mean_score is not None else "")
    )
    table = Table("rep", "time (s)", "outcome", "score", "faults / reason", box=None)
    for rep in report.reps:
        detail = ", ".join(
            f"{f.code} {f.severity} ({f.value:.3g} vs {f.threshold:g})" for f in rep.faults
        ) or ("-" if rep.outcome == "valid" else rep.reason)
        table.add_row(
            str(rep.index), f"{rep.start_s:.1f}-{rep.end_s:.1f}", rep.outcome,
            "" if rep.score is None else str(rep.score), escape(detail),
        )
    if report.reps:
        console.print(table)
    for cue in report.top_cues:
        console.print(f"[bold green]cue:[/] {escape(cue)}")
    for warning in report.warnings:
        console.print(f"[yellow]note:[/] {escape(warning)}")


@app.command()
def exercises(
    markdown: Annotated[bool, typer.Option(help="Print markdown tables (docs/rules.md).")] = False,
) -> None:
    """List the lifts, their checks and every threshold with its unit and source."""
    from formcheck.config import LIFTS, load_lift, thresholds_markdown

    if markdown:
        sys.stdout.write(thresholds_markdown() + "\n")
        return
    for name in LIFTS:
        lift = load_lift(name)
        out.print(
            f"\n[bold]{name}[/] — {lift.title}; variants: {', '.join(lift.variants)}; "
            f"reps turn at the {lift.turn_at} of {lift.driver.replace('_', ' ')}"
        )
        table = Table("threshold", "value", "unit", "source", box=None)
        for t in lift.thresholds.values():
            table.add_row(t.name, f"{t.value:g}", t.unit, escape(t.source))
        out.print(table)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the analysis report."""
    import json

    sys.stdout.write(json.dumps(Report.model_json_schema(), indent=2) + "\n")


@models_app.command("list")
def models_list(model_dir: ModelDirOption = None) -> None:
    """Show which pose models are cached and whether they verify."""
    table = Table("model", "status", "size", "provenance", "path")
    for status in models.list_models(model_dir):
        table.add_row(
            status.variant,
            "ok" if status.ok else (status.problem or "missing"),
            f"{status.size / 1e6:.1f} MB" if status.exists else "",
            status.provenance or "",
            str(status.path),
        )
    out.print(table)


@models_app.command("fetch")
def models_fetch(
    variants: Annotated[list[str] | None, typer.Argument(help="lite, full, heavy (all).")] = None,
    route: Annotated[
        str, typer.Option(help="auto: official download, else offline build.")
    ] = "auto",
    force: Annotated[bool, typer.Option(help="Fetch again even if cached.")] = False,
    model_dir: ModelDirOption = None,
) -> None:
    """Download (or build offline) the pose models into the cache."""
    for variant in variants or list(models.VARIANTS):
        path = models.fetch(variant, model_dir, route=route, force=force)  # type: ignore[arg-type]
        out.print(f"{variant}: {path}")


@models_app.command("verify")
def models_verify(model_dir: ModelDirOption = None) -> None:
    """Check every cached pose model; exit non-zero if a cached one is damaged."""
    damaged = [s for s in models.list_models(model_dir) if s.exists and not s.ok]
    for status in damaged:
        err.print(f"{status.variant}: {status.problem} ({status.path})")
    models_list(model_dir)
    if damaged:
        raise typer.Exit(1)


def main() -> None:
    """Entry point: run the app, turning user errors into one line and an exit status."""
    try:
        app()
    except FormcheckError as exc:
        err.print(f"formcheck: error: {exc}", highlight=False, markup=False)
        sys.exit(exc.exit_code)
    except SystemExit as exc:
        if exc.code == INTERRUPTED:
            err.print("formcheck: interrupted; finished outputs were kept", highlight=False)
        raise
