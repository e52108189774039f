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
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

# typer (from 0.29) carries its own copy of click; its exceptions are not re-exported.
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from formcheck import models
from formcheck.errors import FormcheckError
from formcheck.files import display
from formcheck.native_logs import native_logs_filtered
from formcheck.report import Report, RepReport
from formcheck.signals import stop_like_ctrl_c

if TYPE_CHECKING:
    from formcheck.batch import BatchProgress, BatchSummary

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Form checking for posterior-chain lifts from video.",
)
models_app = typer.Typer(no_args_is_help=True, help="List, fetch and verify the pose models.")
app.add_typer(models_app, name="models")


def _print_version(asked: bool) -> None:
    if asked:
        from formcheck import __version__

        out.print(f"formcheck {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True,
                     help="Print formcheck's version and exit."),
    ] = False,
) -> None:
    """Form checking for posterior-chain lifts from video."""

DEFAULT_PORT = 8765
"""Port of ``live --serve`` when none is given."""

INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), which typer gives a KeyboardInterrupt."""

out = Console()
err = Console(stderr=True, soft_wrap=True)

ModelVariant = Literal["lite", "full", "heavy"]
ModelOption = Annotated[ModelVariant, typer.Option("--model", help="Pose model variant.")]
ExerciseOption = Annotated[
    str, typer.Option("--exercise", "-e", help="Lift name; see `formcheck exercises`.")
]
VariantOption = Annotated[str | None, typer.Option(help="Lift variant, e.g. american.")]
ConfigOption = Annotated[Path | None, typer.Option("--config", help="TOML overriding thresholds.")]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", min=1,
                 help="Processes sharing a video [default: one per core, parts of 10 s or more]."),
]
ModelDirOption = Annotated[
    Path | None,
    typer.Option("--model-dir", help="Model cache folder [env: FORMCHECK_MODEL_DIR]."),
]


def say(line: str) -> None:
    """One line of formcheck's own on stderr, marked as such (never read as rich markup)."""
    err.print(f"formcheck: {line}", highlight=False, markup=False)


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
    workers: WorkersOption = None,
) -> None:
    """Extract the lifter's pose track from a video."""
    from formcheck.analysis import timing_notes, truncation_note
    from formcheck.api import pose_video

    with frame_progress("pose") as progress:
        track = pose_video(
            video, output, video_out=video_out, model=model, model_dir=model_dir,
            progress=progress, workers=workers,
        )
    say(
        f"{len(track)} frames, lifter found in {track.detection_rate:.0%}; "
        f"track written to {display(output)}"
        + (f", video to {display(video_out)}" if video_out else "")
    )
    for note in [truncation_note(track), *timing_notes(track)]:
        if note is not None:
            say(f"note: {note}")


@app.command()
def analyze(
    source: Annotated[Path, typer.Argument(help="Video, or a pose track from `formcheck pose`.")],
    exercise: ExerciseOption,
    variant: VariantOption = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the JSON report here ('-': stdout).")
    ] = None,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="One row per rep ('-': stdout).")
    ] = None,
    video_out: Annotated[
        Path | None, typer.Option("--video-out", help="Annotated H.264 mp4 to write.")
    ] = None,
    report_html: Annotated[
        Path | None,
        typer.Option("--report", help="One-file HTML report: plots, rep table, the "
                     "annotated video (up to 25 MB), key frames ('-': stdout)."),
    ] = None,
    track_out: Annotated[
        Path | None,
        typer.Option("--track-out", help="Pose track of the video (.npz, .json): analyse it "
                     "again in moments, without the model."),
    ] = None,
    model: ModelOption = "full",
    config: ConfigOption = None,
    model_dir: ModelDirOption = None,
    workers: WorkersOption = None,
    all_checks: Annotated[
        bool,
        typer.Option("--all-checks", help="Let every check judge from any camera view, even "
                     "where its precision there was not measured to hold up (research use)."),
    ] = False,
) -> None:
    """Count every rep, judge it, and say what to fix."""
    from formcheck.api import analyze as run
    from formcheck.outputs import Outputs

    outputs = Outputs(track=track_out, json=json_out, csv=csv_out, html=report_html,
                      video=video_out)
    with frame_progress("pose") as progress:
        report = run(
            source, exercise, variant=variant, config=config, outputs=outputs, model=model,
            model_dir=model_dir, progress=progress, workers=workers, all_checks=all_checks,
        )
    print_summary(report, err if outputs.to_stdout else out)


def print_summary(report: Report, console: Console) -> None:
    """What a coach would say after the set: reps, verdicts, and the cues that matter most."""
    view = report.view
    console.print(
        f"[bold]{report.exercise.replace('_', ' ')}[/] ({report.variant}) · {view.view} view"
        f" · {report.rep_count} reps: {report.valid} valid, {report.no_rep} no-rep, "
        f"{report.ambiguous} ambiguous"
        + (f" · mean score {report.mean_score:.0f}" if report.mean_score is not None else "")
    )
    table = Table("rep", "time (s)", "outcome", "score", "checks", "faults / reason", box=None)
    for rep in report.reps:
        detail = ", ".join(
            f"{f.code} {f.severity} ({f.value:.3g} vs {f.threshold:g})" for f in rep.faults
        ) or ("-" if rep.outcome == "valid" else _rep_reason(rep))
        table.add_row(
            str(rep.index), f"{rep.start_s:.1f}-{rep.end_s:.1f}", rep.outcome,
            "" if rep.score is None else str(rep.score),
            f"{rep.judged_checks}/{len(rep.checks)}" if rep.checks else "", escape(detail),
        )
    if report.reps:
        console.print(table)
    for line in not_judged(report):
        console.print(f"[yellow]not judged:[/] {escape(line)}")
    for cue in report.top_cues:
        console.print(f"[bold green]cue:[/] {escape(cue)}")
    for warning in report.warnings:
        console.print(f"[yellow]note:[/] {escape(warning)}")


def _rep_reason(rep: RepReport) -> str:
    """Why a rep got no verdict, without the checks' own reasons (listed once, below)."""
    checks = {check.check for check in rep.checks}
    own = [a for a in rep.abstained if a.check not in checks]
    if own:
        return "cannot judge " + "; ".join(f"{a.check}: {a.reason}" for a in own)
    if rep.outcome == "ambiguous":
        return "no check could judge it (below: why)"
    return rep.reason


def not_judged(report: Report) -> list[str]:
    """One line per check that did not judge some reps, and why, however many reps share it:
    a score means only as much as the checks behind it."""
    reps: dict[tuple[str, str], list[int]] = {}
    for rep in report.reps:
        checks = {check.check for check in rep.checks}
        for abstention in rep.abstained:
            if abstention.check in checks:
                reps.setdefault((abstention.check, abstention.reason), []).append(rep.index)
    return [f"{check} (rep{'s' if len(indices) > 1 else ''} {_spans(indices)}): {reason}"
            for (check, reason), indices in reps.items()]


def _spans(indices: list[int]) -> str:
    """1, 2, 3, 5 as '1-3, 5'."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


@app.command()
def exercises(
    lift_name: Annotated[
        str | None, typer.Argument(metavar="[LIFT]", help="Show only this lift.")
    ] = None,
    markdown: Annotated[bool, typer.Option(help="Print markdown tables (docs/rules.md).")] = False,
) -> None:
    """List the lifts, their checks and every threshold with its unit and source."""
    from formcheck.config import lift_names, load_lift, thresholds_markdown
    from formcheck.evidence import EVIDENCE

    names = (lift_name,) if lift_name else lift_names()
    if markdown:
        sys.stdout.write(thresholds_markdown(names) + "\n")
        return
    for name in names:
        lift = load_lift(name)
        out.print(
            f"\n[bold]{name}[/] — {escape(lift.title)}; variants: {', '.join(lift.variants)}; "
            f"reps turn at the {lift.turn_at} of {lift.driver.replace('_', ' ')}"
        )
        out.print(f"validated on: {escape(lift.validated_on)}", highlight=False)
        checks = Table("check", "faults", "judges from (precision on flagged reps)", box=None)
        for check in lift.checks:
            checks.add_row(check.rule, ", ".join(check.faults), EVIDENCE.judges_from(check.faults))
        out.print(checks)
        table = Table("threshold", "value", "unit", "source", box=None)
        for t in lift.thresholds.values():
            table.add_row(t.name, f"{t.value:g}", t.unit, escape(t.source))
        out.print(table)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the analysis report."""
    import json

    from formcheck.schema import report_schema

    sys.stdout.write(json.dumps(report_schema(), indent=2) + "\n")


@app.command()
def batch(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(metavar="INPUT", help="Videos, folders (searched recursively), globs."),
    ] = None,
    exercise: Annotated[
        str | None, typer.Option("--exercise", "-e", help="Lift of every INPUT.")
    ] = None,
    variant: VariantOption = None,
    manifest: Annotated[
        Path | None,
        typer.Option("--manifest", help="CSV with columns file,exercise[,variant], for a mixed "
                     "folder (instead of INPUT and --exercise); files are relative to its "
                     "folder."),
    ] = None,
    root: Annotated[
        Path | None,
        typer.Option("--root", metavar="DIR",
                     help="With --manifest: read no file outside DIR (links and .. resolved); "
                     "such a row is an error row."),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for reports/, summary.csv and reps.csv "
                     "(default: formcheck-batch)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: one per core).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Run on this Dask cluster, e.g. tcp://host:8786.")
    ] = None,
    local_cluster: Annotated[
        bool, typer.Option("--local-cluster", help="Run on a Dask cluster on this machine.")
    ] = False,
    rescore: Annotated[
        bool, typer.Option("--rescore", help="Score again the clips that have a report.")
    ] = False,
    report_html: Annotated[
        bool, typer.Option("--report", help="An HTML report per clip and OUT/index.html.")
    ] = False,
    model: ModelOption = "full",
    config: ConfigOption = None,
    model_dir: ModelDirOption = None,
) -> None:
    """Score many clips: a JSON report each, summary.csv and reps.csv; re-runs resume."""
    from formcheck.batch import batch as run

    with batch_progress() as progress:
        summary = run(
            inputs or [], exercise=exercise, variant=variant, manifest=manifest, root=root,
            out=out_dir, workers=workers, scheduler=scheduler, local_cluster=local_cluster,
            config=config, model=model, model_dir=model_dir, rescore=rescore,
            report_html=report_html, progress=progress,
        )
    print_batch_summary(summary, out)
    if summary.errors:
        say(f"{summary.errors} of {len(summary.results)} clips failed; the error "
            f"column of {display(summary.summary_csv)} says why")
        raise typer.Exit(1)


@contextmanager
def batch_progress() -> Iterator[Callable[[BatchProgress], None]]:
    """Clips done, reps found, errors and ETA on stderr; each failure as one line above it."""
    with Progress(
        TextColumn("batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("batch", total=None, counts="")

        def update(state: BatchProgress) -> None:
            last = state.last
            if last is not None:
                clip = last.job.clip  # printable, as the error and notes are
                for line in ([last.error] if last.error else []) + list(last.notes):
                    text = line if clip in line else f"{clip}: {line}"
                    bar.console.print(f"formcheck: {text}", highlight=False, markup=False)
            bar.update(
                task, completed=state.done, total=state.total,
                counts=f"{state.reps} reps · {state.errors} errors"
                + (f" · {state.skipped} done before" if state.skipped else ""),
            )

        yield update


def print_batch_summary(summary: BatchSummary, console: Console) -> None:
    console.print(
        f"{len(summary.results)} clips: {summary.scored} scored, {summary.skipped} already "
        f"done, {summary.errors} failed · {summary.reps} reps",
        highlight=False,
    )
    console.print(
        f"summary: {display(summary.summary_csv)} · reps: {display(summary.reps_csv)} · "
        f"reports: {display(summary.out / 'reports')}",
        highlight=False, markup=False,
    )


@app.command()
def live(
    exercise: ExerciseOption,
    variant: VariantOption = None,
    camera: Annotated[
        int | None, typer.Option("--camera", help="Camera index (default 0 without --source).")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help="Video file or URL, played at its own frame rate."),
    ] = None,
    model: ModelOption = "full",
    serve: Annotated[
        int | None,
        typer.Option("--serve", metavar="[PORT]", min=0, max=65535,
                     help="Serve the live view as a web page on http://127.0.0.1:PORT/ "
                     f"(default port {DEFAULT_PORT}; 0: any free one)."),
    ] = None,
    speak: Annotated[
        bool, typer.Option("--speak", help="Say one short cue after a rep with a fault.")
    ] = False,
    json_out: Annotated[
        Path | None,
        typer.Option("--json", help="Session report (default: live-EXERCISE-TIME.json; "
                     "'-': stdout)."),
    ] = None,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="One row per rep ('-': stdout).")
    ] = None,
    record: Annotated[
        Path | None, typer.Option("--record", help="Annotated video of the session (mp4).")
    ] = None,
    track_out: Annotated[
        Path | None,
        typer.Option("--track-out", help="Pose track of the frames processed (.npz, .json)."),
    ] = None,
    no_drop: Annotated[
        bool,
        typer.Option("--no-drop", help="Process every frame of --source, as fast as possible, "
                     "instead of in real time."),
    ] = False,
    config: ConfigOption = None,
    model_dir: ModelDirOption = None,
) -> None:
    """Watch a lift live and judge each rep as it ends. Keys: q quit, r reset, space pause."""
    import time

    from formcheck.live import live as run
    from formcheck.outputs import Outputs

    if json_out is None:
        json_out = Path(f"live-{exercise}-{time.strftime('%Y%m%d-%H%M%S')}.json")
    outputs = Outputs(track=track_out, json=json_out, csv=csv_out, video=record)
    report = run(
        exercise, variant=variant, config=config, camera=camera, source=source, model=model,
        model_dir=model_dir, outputs=outputs, serve=serve, speak=speak, drop=not no_drop,
        notify=say,
    )
    print_summary(report, err if outputs.to_stdout else out)
    say(f"written: {', '.join(outputs.given())}")


def with_default_port(args: list[str]) -> list[str]:
    """``--serve`` given without a port gets the default one: typer options cannot have an
    optional value, and ``--serve [PORT]`` reads best."""
    out = []
    for i, arg in enumerate(args):
        out.append(arg)
        following = args[i + 1] if i + 1 < len(args) else ""
        if arg != "--serve" or following.isdigit():
            continue
        if following and not following.startswith("-"):
            raise FormcheckError(
                f"--serve takes a port number, not {following!r}: the live view is served on "
                "this machine only (http://127.0.0.1:PORT/)"
            )
        out.append(str(DEFAULT_PORT))
    return out


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
        say(f"{status.variant}: {status.problem} ({status.path})")
    models_list(model_dir)
    if damaged:
        raise typer.Exit(1)


def main() -> None:
    """Entry point: run the app, turning user errors into one line and an exit status."""
    stop_like_ctrl_c()  # a kill or a closed terminal keeps what is finished, as Ctrl-C does
    try:
        with native_logs_filtered():
            code = app(args=with_default_port(sys.argv[1:]), standalone_mode=False)
    except FormcheckError as exc:
        say(f"error: {exc}")
        sys.exit(exc.exit_code)
    except NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "formcheck"
        say(f"error: {exc.format_message()} (see '{where} --help')")
        sys.exit(exc.exit_code)
    except ClickException as exc:
        say(f"error: {exc.format_message()}")
        sys.exit(exc.exit_code)
    except typer.Abort:  # end of input at a prompt
        say("aborted")
        sys.exit(1)
    if code == INTERRUPTED:
        say("interrupted; finished outputs were kept")
    sys.exit(code if isinstance(code, int) else 0)
