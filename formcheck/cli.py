"""The ``formcheck`` command: a thin layer that parses arguments, calls the library and prints.

Every command's work is a documented function in the package; nothing here computes anything.
User errors (:class:`FormcheckError`) become one line on stderr and exit status 2, an interrupt
exits 130, and no traceback is ever shown for either.
"""

from __future__ import annotations

import os
import sys
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

# typer (from 0.29) carries its own copy of click; its exceptions are not re-exported.
from typer._click.core import ParameterSource
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.completion import completion_init

from formcheck import models
from formcheck.completion import (
    COMPLETE_VAR,
    LIFT_HELP,
    LIFTS,
    POSE_HELP,
    POSES,
    VARIANT_HELP,
    Shell,
    complete_lift,
    complete_pose,
    complete_variant,
    completion_script,
)
from formcheck.errors import FormcheckError
from formcheck.files import STDOUT_FILE, StdoutFailed, display
from formcheck.native_logs import native_logs_filtered, quiet_numpy_warnings
from formcheck.progress import batch_progress, stage_progress
from formcheck.report import Report
from formcheck.signals import stop_like_ctrl_c
from formcheck.summaries import (
    print_batch_summary,
    print_hold_summary,
    print_summary,
    print_thresholds,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from formcheck.hold_report import HoldReport
    from formcheck.outputs import Outputs

    R = TypeVar("R", Report, HoldReport)

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

out = Console(file=STDOUT_FILE)
err = Console(stderr=True, soft_wrap=True)

ModelVariant = Literal["lite", "full", "heavy"]
ModelOption = Annotated[ModelVariant, typer.Option("--model", help="Pose model variant.")]
ExerciseOption = Annotated[
    str, typer.Option("--exercise", "-e", help=LIFT_HELP, autocompletion=complete_lift)
]
VariantOption = Annotated[
    str | None, typer.Option(help=VARIANT_HELP, autocompletion=complete_variant)
]
QuietOption = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="No progress and no summary: only errors, warnings "
                 "and notes (on stderr)."),
]
ConfigOption = Annotated[Path | None, typer.Option("--config", help="TOML overriding thresholds.")]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", min=1,
                 help="Processes sharing a video \\[default: one per core, parts of 10 s or "
                 "more]."),
]
HeightOption = Annotated[
    float | None,
    typer.Option("--height-cm", help="The lifter's height: set metrics (speeds, range of "
                 "motion) from the image scaled by it, instead of the model's world landmarks."),
]
DrawOption = Annotated[
    str | None,
    typer.Option("--draw", metavar="NAMES",
                 help="What the annotated video shows, comma-separated: skeleton, contour, "
                 "faults, angles, panel, card \\[default: all]."),
]
FpsOption = Annotated[
    str | None,
    typer.Option("--fps", metavar="N|source",
                 help="Frames a second to analyse at most; 'source' for every frame of the "
                 "video \\[default: 30]."),
]
ModelDirOption = Annotated[
    Path | None,
    typer.Option("--model-dir", help="Model cache folder \\[env: FORMCHECK_MODEL_DIR]."),
]
JsonOption = Annotated[
    str | None, typer.Option("--json", help="Write the JSON report here ('-': stdout).")
]
VideoOutOption = Annotated[
    str | None, typer.Option("--video-out", help="Annotated H.264 mp4 to write.")
]
TrackOutOption = Annotated[
    str | None,
    typer.Option("--track-out", help="Pose track of the video (.npz, .json): analyse it "
                 "again in moments, without the model."),
]
AllChecksOption = Annotated[
    bool,
    typer.Option("--all-checks", help="Let every check judge from any camera view, even "
                 "where its precision there was not measured to hold up (research use)."),
]

NoGuardOption = Annotated[
    bool,
    typer.Option("--no-guard", help="Judge the lift named even where the clip looks like "
                 "another (the recogniser takes about 1 in 90 clips named right for another "
                 "lift); the report says it was not checked."),
]


def max_fps(fps: str | None) -> float | None:
    """``--fps`` as the rate the model reads the video at: None for every frame ('source')."""
    from formcheck.pose import DEFAULT_MAX_FPS

    if fps is None:
        return DEFAULT_MAX_FPS
    if fps.strip().lower() == "source":
        return None
    try:
        value = float(fps)
    except ValueError:
        value = float("nan")
    if not 1 <= value <= 1000:
        raise FormcheckError(f"--fps takes a number of frames a second (1 to 1000) or 'source', "
                             f"not {fps!r}")
    return value


READING_OPTIONS = ("model", "model_dir", "workers", "fps")
"""Options that choose how the model reads a video: a saved pose track was read already."""


def note_reading_options(ctx: typer.Context, source: Path) -> None:
    """Say so when options of the model are given for a saved pose track, where they do
    nothing (the model read its frames, at its rate, when it was made). A note, not an error:
    one command line with ``--model heavy`` may be run over videos and tracks alike."""
    from formcheck.track import is_track_path

    if not is_track_path(source):
        return
    given = [f"--{name.replace('_', '-')}" for name in READING_OPTIONS
             if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE]
    if given:
        say_note(f"{', '.join(given)} did nothing: {display(source)} is a pose track, read by "
                 "the model when it was made (analyse the video to choose how it is read)")


def draw_names(draw: str | None, video_out: str | None) -> tuple[str, ...]:
    """``--draw`` as names, all of them when not given; refused without ``--video-out``, where
    it would silently do nothing."""
    from formcheck.annotate import DRAWABLE, parse_draw

    if draw is None:
        return tuple(DRAWABLE)
    if video_out is None:
        raise FormcheckError("--draw chooses what the annotated video shows: add --video-out")
    return parse_draw(draw)


def file_outputs(track: str | None, json: str | None, csv: str | None, html: str | None,
                 video: str | None, draw: str | None) -> Outputs:
    """The files ``analyze`` and ``hold`` were asked to write, ``--draw`` checked."""
    from formcheck.outputs import Outputs

    return Outputs(track=track, json=json, csv=csv, html=html, video=video,
                   draw=draw_names(draw, video))


def tell(report: R, outputs: Outputs, summary: Callable[[R, Console], None], *,
         quiet: bool) -> None:
    """What a command prints once its outputs are written: the coach's ``summary`` (on stderr
    when standard output carries an output), or with ``--quiet`` only what must be known."""
    if quiet:
        for warning in report.warnings:
            say(f"note: {warning}")
    else:
        summary(report, err if outputs.to_stdout else out)


def say(line: str) -> None:
    """One line of formcheck's own on stderr, marked as such (never read as rich markup)."""
    err.print(f"formcheck: {line}", highlight=False, markup=False)


def say_note(line: str) -> None:
    """Something to know about what was written, as a note of formcheck's own on stderr."""
    say(f"note: {line}")


@app.command()
def pose(
    video: Annotated[Path, typer.Argument(help="Video file to read.")],
    output: Annotated[
        str, typer.Option("-o", "--output", help="Pose track to write (.npz, or .json).")
    ],
    video_out: VideoOutOption = None,
    draw: DrawOption = None,
    model: ModelOption = "full",
    model_dir: ModelDirOption = None,
    workers: WorkersOption = None,
    fps: FpsOption = None,
    quiet: QuietOption = False,
) -> None:
    """Extract the lifter's pose track from a video."""
    from formcheck.analysis import timing_notes, truncation_note
    from formcheck.api import pose_video

    names = draw_names(draw, video_out)
    with stage_progress(err, quiet=quiet) as progress:
        track = pose_video(
            video, output, video_out=video_out, model=model, model_dir=model_dir,
            progress=progress, workers=workers, draw=names, notify=say_note,
            max_fps=max_fps(fps),
        )
    if not quiet:
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
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="Video, or a pose track from `formcheck pose`.")],
    exercise: ExerciseOption,
    variant: VariantOption = None,
    json_out: JsonOption = None,
    csv_out: Annotated[
        str | None, typer.Option("--csv", help="One row per rep ('-': stdout).")
    ] = None,
    video_out: VideoOutOption = None,
    draw: DrawOption = None,
    report_html: Annotated[
        str | None,
        typer.Option("--report", help="One-file HTML report: plots, rep table, the "
                     "annotated video (up to 25 MB), key frames ('-': stdout)."),
    ] = None,
    track_out: TrackOutOption = None,
    model: ModelOption = "full",
    config: ConfigOption = None,
    model_dir: ModelDirOption = None,
    workers: WorkersOption = None,
    fps: FpsOption = None,
    all_checks: AllChecksOption = False,
    no_guard: NoGuardOption = False,
    height_cm: HeightOption = None,
    quiet: QuietOption = False,
) -> None:
    """Count every rep, judge it, and say what to fix."""
    from formcheck.api import analyze as run

    note_reading_options(ctx, source)
    outputs = file_outputs(track_out, json_out, csv_out, report_html, video_out, draw)
    with stage_progress(err, quiet=quiet) as progress:
        report = run(
            source, exercise, variant=variant, config=config, outputs=outputs, model=model,
            model_dir=model_dir, progress=progress, workers=workers, all_checks=all_checks,
            height_cm=height_cm, notify=say_note, max_fps=max_fps(fps), guard=not no_guard,
        )
    tell(report, outputs, print_summary, quiet=quiet)


@app.command()
def hold(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="Video, or a pose track from `formcheck pose`.")],
    pose: Annotated[
        str, typer.Option("--pose", "-p", help=POSE_HELP, autocompletion=complete_pose)
    ],
    json_out: JsonOption = None,
    csv_out: Annotated[
        str | None, typer.Option("--csv", help="One row per hold ('-': stdout).")
    ] = None,
    video_out: VideoOutOption = None,
    draw: DrawOption = None,
    report_html: Annotated[
        str | None,
        typer.Option("--report", help="One-file HTML report: the holds, their faults, the "
                     "annotated video (up to 25 MB) ('-': stdout)."),
    ] = None,
    track_out: TrackOutOption = None,
    model: ModelOption = "full",
    config: ConfigOption = None,
    model_dir: ModelDirOption = None,
    workers: WorkersOption = None,
    fps: FpsOption = None,
    all_checks: AllChecksOption = False,
    quiet: QuietOption = False,
) -> None:
    """Time a held stretch (not reps) against 30-60 s, and the share of it held with a fault."""
    from formcheck.api import hold as run

    note_reading_options(ctx, source)
    outputs = file_outputs(track_out, json_out, csv_out, report_html, video_out, draw)
    with stage_progress(err, quiet=quiet) as progress:
        report = run(
            source, pose, config=config, outputs=outputs, model=model, model_dir=model_dir,
            progress=progress, workers=workers, all_checks=all_checks, notify=say_note,
            max_fps=max_fps(fps),
        )
    tell(report, outputs, print_hold_summary, quiet=quiet)


@app.command()
def exercises(
    lift_name: Annotated[
        str | None,
        typer.Argument(metavar="[LIFT]", help=f"Show only this lift or held stretch: "
                       f"{', '.join((*LIFTS, *POSES))}.",
                       autocompletion=complete_lift),
    ] = None,
    markdown: Annotated[bool, typer.Option(help="Print markdown tables (docs/rules.md).")] = False,
) -> None:
    """List the lifts and held stretches, their checks and every threshold with its unit and
    source."""
    from formcheck.config import (
        check_exercise_name,
        lift_names,
        load_lift,
        load_pose,
        pose_names,
    )
    from formcheck.evidence import EVIDENCE
    from formcheck.lift_words import (
        check_label,
        driver_words,
        every_check,
        made_words,
        position_words,
        posture_words,
        thresholds_markdown,
        variant_notes,
    )

    if lift_name is not None:
        check_exercise_name(lift_name)
    poses = pose_names()
    names = lift_names() if lift_name is None else () if lift_name in poses else (lift_name,)
    stretches = poses if lift_name is None else (lift_name,) if lift_name in poses else ()
    if markdown:
        STDOUT_FILE.write(thresholds_markdown(names, stretches) + "\n")
        return
    for name in names:
        lift = load_lift(name)
        out.print(
            f"\n[bold]{name}[/] — {escape(lift.title)}; variants: {', '.join(lift.variants)}; "
            f"reps turn at the {lift.turn_at} of {driver_words(lift)}; "
            f"{made_words(lift)}"
        )
        out.print(f"validated on: {escape(lift.validated_on)}", highlight=False)
        out.print(escape(posture_words(lift)), highlight=False)
        for note in variant_notes(name):
            out.print(escape(note), highlight=False)
        checks = Table("check", "faults", "judges from (precision on flagged reps)", box=None)
        for check in every_check(name):
            checks.add_row(check_label(check), ", ".join(check.faults),
                           EVIDENCE.judges_from(check.faults))
        out.print(checks)
        print_thresholds(lift.thresholds, out)
    for name in stretches:
        pose = load_pose(name)
        out.print(f"\n[bold]{name}[/] — {escape(pose.title)}; held stretch (formcheck hold), "
                  f"target {pose.value('hold_target_min'):g}-{pose.value('hold_target_max'):g} s")
        out.print(f"validated on: {escape(pose.validated_on)}", highlight=False)
        for line in position_words(pose):
            out.print(escape(line), highlight=False)
        checks = Table("check", "measure", "judges from (precision on flagged reps)", box=None)
        for check in pose.checks:
            checks.add_row(check.fault, f"{check.series} {check.worse} {check.limit}",
                           EVIDENCE.judges_from((pose.evidence_code(check),)))
        out.print(checks)
        print_thresholds(pose.thresholds, out)


@app.command()
def completion(
    shell: Annotated[Shell, typer.Argument(help="The shell to complete in.")],
) -> None:
    """Print a shell completion script: commands, options, lifts and variants complete on TAB.

    Install: `eval "$(formcheck completion bash)"` in ~/.bashrc (zsh: ~/.zshrc), or
    `formcheck completion fish > ~/.config/fish/completions/formcheck.fish`.
    """
    STDOUT_FILE.write(completion_script(shell) + "\n")


@app.command()
def schema(
    hold_report: Annotated[
        bool, typer.Option("--hold", help="The hold report's (formcheck hold) instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of the analysis report (or of the hold report)."""
    import json

    from formcheck.schema import hold_schema, report_schema

    chosen = hold_schema() if hold_report else report_schema()
    STDOUT_FILE.write(json.dumps(chosen, indent=2) + "\n")


@app.command()
def batch(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(metavar="INPUT", help="Videos, folders (searched recursively), globs."),
    ] = None,
    exercise: Annotated[
        str | None, typer.Option("--exercise", "-e", help="Lift (or held stretch) of every "
                                 "INPUT (auto: recognise each clip's lift).")
    ] = None,
    variant: VariantOption = None,
    manifest: Annotated[
        Path | None,
        typer.Option("--manifest", help="CSV with columns file[,exercise][,variant], for a "
                     "mixed folder (instead of INPUT and --exercise); files are relative to its "
                     "folder; an exercise may be a held stretch (timed as `formcheck hold`); no "
                     "exercise column: each clip's lift is recognised."),
    ] = None,
    root: Annotated[
        Path | None,
        typer.Option("--root", metavar="DIR",
                     help="With --manifest: read no file outside DIR (links and .. resolved); "
                     "such a row is an error row."),
    ] = None,
    out_dir: Annotated[
        str | None,  # as typed: a Path would make '' the current folder
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
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Try again the clips that failed in an "
                           "earlier run (skipped otherwise, and still error rows).")
    ] = False,
    report_html: Annotated[
        bool, typer.Option("--report", help="An HTML report per clip and OUT/index.html.")
    ] = False,
    model: ModelOption = "full",
    config: ConfigOption = None,
    model_dir: ModelDirOption = None,
    fps: FpsOption = None,
    no_guard: NoGuardOption = False,
    quiet: QuietOption = False,
) -> None:
    """Score many clips: a JSON report each, summary.csv and reps.csv; re-runs resume."""
    from formcheck.batch import batch as run

    with batch_progress(err, quiet=quiet) as progress:
        summary = run(
            inputs or [], exercise=exercise, variant=variant, manifest=manifest, root=root,
            out=out_dir, workers=workers, scheduler=scheduler, local_cluster=local_cluster,
            config=config, model=model, model_dir=model_dir, rescore=rescore,
            retry_failed=retry_failed, report_html=report_html, progress=progress,
            max_fps=max_fps(fps), guard=not no_guard,
        )
    if not quiet:
        print_batch_summary(summary, out)
    if summary.failed_before:
        clips = "1 clip" if summary.failed_before == 1 else f"{summary.failed_before} clips"
        was = "was" if summary.failed_before == 1 else "were"
        say(f"note: {clips} failed in an earlier run and {was} not tried again; "
            "--retry-failed tries them again")
    if summary.errors:
        say(f"{summary.errors} of {len(summary.results)} clips failed; the error "
            f"column of {display(summary.summary_csv)} says why")
        raise typer.Exit(1)


@app.command()
def live(
    exercise: ExerciseOption,
    variant: VariantOption = None,
    camera: Annotated[
        int | None, typer.Option("--camera", min=0,
                                 help="Camera index (default 0 without --source).")
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
    host: Annotated[
        str | None,
        typer.Option("--host", metavar="ADDRESS",
                     help="Serve on this address of this machine instead (0.0.0.0: all), to "
                     "watch from another device; anyone on the network can then watch."),
    ] = None,
    speak: Annotated[
        bool, typer.Option("--speak", help="Say one short cue after a rep with a fault.")
    ] = False,
    json_out: Annotated[
        str | None,
        typer.Option("--json", help="Session report (default: live-EXERCISE-TIME.json; "
                     "'-': stdout)."),
    ] = None,
    csv_out: Annotated[
        str | None, typer.Option("--csv", help="One row per rep ('-': stdout).")
    ] = None,
    record: Annotated[
        str | None, typer.Option("--record", help="Annotated video of the session (mp4).")
    ] = None,
    track_out: Annotated[
        str | None,
        typer.Option("--track-out", help="Pose track of the frames processed (.npz, .json)."),
    ] = None,
    no_drop: Annotated[
        bool,
        typer.Option("--no-drop", help="Process every frame of --source, as fast as possible, "
                     "instead of in real time."),
    ] = False,
    config: ConfigOption = None,
    model_dir: ModelDirOption = None,
    height_cm: HeightOption = None,
    no_guard: NoGuardOption = False,
) -> None:
    """Watch a lift live and judge each rep as it ends (a held stretch: time each hold).
    Keys: q quit, r reset, space pause."""
    import time

    from formcheck.live import live as run
    from formcheck.outputs import Outputs

    if host is not None and serve is None:
        raise FormcheckError("--host chooses where --serve listens: add --serve [PORT]")
    if json_out is None:
        json_out = f"live-{exercise}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    outputs = Outputs(track=track_out, json=json_out, csv=csv_out, video=record)
    report = run(
        exercise, variant=variant, config=config, camera=camera, source=source, model=model,
        model_dir=model_dir, outputs=outputs, serve=serve,
        host=host if host is not None else "127.0.0.1",
        speak=speak, drop=not no_drop,
        notify=say, height_cm=height_cm, guard=not no_guard,
    )
    console = err if outputs.to_stdout else out
    if isinstance(report, Report):
        print_summary(report, console)
    else:
        print_hold_summary(report, console)
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
                "this machine only (http://127.0.0.1:PORT/) unless --host ADDRESS says where"
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
            f"{status.size / 1e6:.1f} MB" if status.sha256 is not None else "",
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


def _one_line(message: str) -> str:
    """A usage message on one line: click lists a missing argument's choices one per line."""
    return " ".join(message.split())


def main() -> None:
    """Entry point: run the app, turning user errors into one line and an exit status."""
    stop_like_ctrl_c()  # a kill or a closed terminal keeps what is finished, as Ctrl-C does
    quiet_numpy_warnings()  # degenerate geometry's: formcheck says what it could not judge
    completion_init()  # typer's completion for bash, zsh and fish (see `formcheck completion`)
    try:
        with native_logs_filtered():
            code = app(args=with_default_port(sys.argv[1:]), standalone_mode=False,
                       complete_var=COMPLETE_VAR)
    except FormcheckError as exc:
        if isinstance(exc, StdoutFailed):
            _quiet_stdout()
        say(f"error: {exc}")
        code = exc.exit_code
    except NoArgsIsHelpError as exc:
        exc.show()
        code = exc.exit_code
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "formcheck"
        say(f"error: {_one_line(exc.format_message())} (see '{where} --help')")
        code = exc.exit_code
    except ClickException as exc:
        say(f"error: {_one_line(exc.format_message())}")
        code = exc.exit_code
    except typer.Abort:  # end of input at a prompt
        say("aborted")
        code = 1
    except KeyboardInterrupt:  # a stop before typer has a command to run (it builds them first)
        code = INTERRUPTED

    if code == INTERRUPTED:
        say("interrupted; finished outputs were kept")
    _forget_caught_interrupts()
    sys.exit(code if isinstance(code, int) else 0)


def _quiet_stdout() -> None:
    """Point standard output at the null device once it failed (:class:`StdoutFailed`): Python
    flushes it again at exit, and the same failure would print a traceback after the one-line
    error."""
    with suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _forget_caught_interrupts() -> None:
    """Let the exit status be the one asked for, however a stop came.

    Why: CPython remembers whether a KeyboardInterrupt escaped the last ``eval`` or ``exec`` of
    a string (typing evaluates annotations so, dataclasses define methods so) and, when it did,
    ends the process by SIGINT at exit (status -2) even though the interrupt was caught and
    handled. Only ``python -m formcheck`` (runpy's route, which the tests take) reads it; the
    installed ``formcheck`` script runs as a file and exits with the status asked for anyway.
    Measured: 1 in 3 stops landing in typer's start-up, one of 3 helper-process stops in a
    full test run. An ``exec`` of a string that finishes clears it.
    """
    exec("")
