"""What the CLI does, as plain functions: each one is the documented way to do that job in Python.

Example:
    >>> import formcheck
    >>> track = formcheck.pose_video("lift.mp4", "lift.track.npz", video_out="annotated.mp4")
    >>> outputs = formcheck.Outputs(json="set.json", html="set.html")
    >>> report = formcheck.analyze("set.track.npz", "deadlift", variant="kettlebell",
    ...                            outputs=outputs)
    >>> report.rep_count, report.valid
    (10, 10)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from formcheck.analysis import UNGATED, UNGUARDED, run_analysis
from formcheck.annotate import DRAWABLE, annotators_named, write_annotated_video
from formcheck.config import load_lift, load_pose
from formcheck.errors import FormcheckError
from formcheck.evidence import EVIDENCE
from formcheck.files import display
from formcheck.hold_analysis import run_hold
from formcheck.hold_report import HoldReport
from formcheck.metrics import check_height
from formcheck.outputs import NO_OUTPUTS, Outputs
from formcheck.pose import DEFAULT_MAX_FPS, PoseSettings, check_max_fps, extract_pose
from formcheck.progress import Progress, frames_of
from formcheck.recognise import AUTO, auto_lift, auto_note, check_auto, recognise, screen
from formcheck.report import Report
from formcheck.track import PoseTrack, is_track_path
from formcheck.video import check_workers


def pose_video(
    video: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    video_out: str | os.PathLike[str] | None = None,
    model: str = "full",
    model_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    draw: Sequence[str] = tuple(DRAWABLE),
    notify: Callable[[str], None] | None = None,
    max_fps: float | None = DEFAULT_MAX_FPS,
) -> PoseTrack:
    """Extract the lifter's pose track from ``video``; optionally save it and an annotated mp4.

    Output paths are checked before the model runs, and a video in which nobody is ever found
    is an error (there is nothing to analyse) rather than an empty track. ``workers``: how many
    processes share a long video (see :func:`~formcheck.pose.extract_pose`). ``progress`` is
    told of the ``pose`` stage's frames, then of the ``video`` stage's
    (:mod:`formcheck.progress`). ``draw``: what the annotated video shows
    (:data:`~formcheck.annotate.DRAWABLE`; without an analysis there are no faults, panel or
    cards to show). ``notify`` hears what a user should know about an output (an annotated
    video left silent: the source has no sound). ``max_fps``: the most frames a second the
    model reads (None: every frame; see :data:`~formcheck.pose.DEFAULT_MAX_FPS`).
    """
    settings = PoseSettings(model=model, model_dir=Path(model_dir) if model_dir else None,
                            max_fps=max_fps)
    if is_track_path(video):
        raise FormcheckError(f"{display(video)} is a pose track already: analyse it "
                             "(`formcheck analyze`, `formcheck hold`), or give the video")
    check_workers(workers)
    Outputs(track=output, video=video_out, draw=draw).check({"the input video": video},
                                                            model_dir)
    track = extract_pose(video, settings, progress=frames_of(progress, "pose"), workers=workers)
    if not track.present.any():
        raise FormcheckError(f"{video}: no person found in any of its {len(track)} frames")
    if output is not None:
        track.save(output)
    if video_out is not None:
        write_annotated_video(video, track, video_out, annotators=annotators_named(draw),
                              progress=frames_of(progress, "video"), notify=notify)
    return track


def analyze(
    source: str | os.PathLike[str],
    exercise: str,
    *,
    variant: str | None = None,
    config: str | os.PathLike[str] | None = None,
    outputs: Outputs = NO_OUTPUTS,
    model: str = "full",
    model_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    all_checks: bool = False,
    height_cm: float | None = None,
    notify: Callable[[str], None] | None = None,
    max_fps: float | None = DEFAULT_MAX_FPS,
    guard: bool = True,
) -> Report:
    """Count and judge every rep of ``exercise`` in a video (or a saved pose track), and write
    the ``outputs`` asked for.

    ``exercise="auto"`` recognises the lift from the pose track (:mod:`formcheck.recognise`)
    and analyses it in its default variant (``variant`` must then be None: the pose does not
    show it); where the recogniser is unsure, or the clip is no supported lift, it raises with
    the likeliest lifts rather than guess. A lift named is checked against the recogniser: if
    it is confident the clip is another lift, every rep is ambiguous, none of its faults or
    cues is given, and the report says which lift it looks like (``report.recognition``).
    ``guard=False`` judges the lift named whatever the clip looks like, for the clip the
    recogniser gets wrong (1 of 89 named right, benchmarks/RESULTS.md); the report warns that
    it was not asked.

    A check judges only from the camera views where its precision was measured to hold up
    (:mod:`formcheck.evidence`); ``all_checks`` lets every check judge from any view, for
    research on the checks themselves, and the report then warns that it did. ``progress``
    is told of each stage as it runs: pose, analysis, video, report (:mod:`formcheck.progress`).

    The set metrics (speeds, range of motion, velocity loss: :mod:`formcheck.metrics`) come
    from the model's world landmarks; ``height_cm``, the lifter's height, has them measured on
    the image scaled by it instead.

    The lift and its thresholds are loaded, and every output path tried, before the pose model
    runs, so a typo costs seconds, not minutes. Outputs are written atomically: a report on disk
    is always a whole one. An output that is an input, or another output, is refused; ``-``
    sends one text output (JSON, CSV or HTML) to standard output. ``notify`` hears what a
    user should know about an output (an annotated video left silent). ``max_fps``: the most
    frames a second the pose model reads of a video (None: every frame); a 60 fps video is
    analysed at 30 by default, which changes no verdict (benchmarks/frame_rate.py).
    """
    auto = exercise == AUTO
    if auto:
        check_auto(variant, guard)
    else:
        lift = load_lift(exercise, variant, config)
    check_max_fps(max_fps)
    check_workers(workers)
    height_cm = check_height(height_cm)
    track, video = _source_track(source, outputs, config=config, model=model,
                                 model_dir=model_dir, progress=progress, workers=workers,
                                 max_fps=max_fps)
    found = screen(recognise(track), track) if auto else None
    if found is not None:
        lift = auto_lift(found, config)
    analysis = run_analysis(track, lift, evidence=None if all_checks else EVIDENCE,
                            height_cm=height_cm, guard=guard and not auto, recognised=found)
    if found is not None:
        analysis.report.warnings.append(auto_note(found, lift))
    if not guard:
        analysis.report.warnings.append(UNGUARDED)
    if all_checks:
        analysis.report.warnings.append(UNGATED)
    outputs.write(analysis, video, progress=progress, notify=notify)
    return analysis.report


def hold(
    source: str | os.PathLike[str],
    pose: str,
    *,
    config: str | os.PathLike[str] | None = None,
    outputs: Outputs = NO_OUTPUTS,
    model: str = "full",
    model_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    all_checks: bool = False,
    notify: Callable[[str], None] | None = None,
    max_fps: float | None = DEFAULT_MAX_FPS,
) -> HoldReport:
    """Time every hold of the stretch ``pose`` in a video (or a saved pose track) and judge
    its position, and write the ``outputs`` asked for: :func:`analyze` for a held stretch.

    A stretch is not reps: the report gives the time in the position (in all, the longest
    unbroken hold, per side where the stretch has sides) against the 30-60 s the articles ask
    for, and each position check's fault as the share of the held time spent past its limit
    (:mod:`formcheck.hold_analysis`). Checks abstain as a rep's do: where the view cannot show
    them, their joints were not seen, or (unless ``all_checks``) their precision from this
    view was never measured. The pose and its thresholds are loaded, and every output path
    tried, before the pose model runs; everything else is as in :func:`analyze`.

    Example:
        >>> import formcheck
        >>> report = formcheck.hold("set.track.npz", "hamstring_stretch",
        ...                         outputs=Outputs(json="hold.json", csv="hold.csv"))
        >>> report.hold_count, report.longest_s, report.target   # a deadlift's bottoms
        (10, 1.517, 'short')
    """
    stretch = load_pose(pose, config)
    check_max_fps(max_fps)
    check_workers(workers)
    track, video = _source_track(source, outputs, config=config, model=model,
                                 model_dir=model_dir, progress=progress, workers=workers,
                                 max_fps=max_fps)
    analysis = run_hold(track, stretch, evidence=None if all_checks else EVIDENCE)
    if all_checks:
        analysis.report.warnings.append(UNGATED)
    outputs.write(analysis, video, progress=progress, notify=notify)
    return analysis.report


def _source_track(
    source: str | os.PathLike[str], outputs: Outputs, *,
    config: str | os.PathLike[str] | None, model: str,
    model_dir: str | os.PathLike[str] | None, progress: Progress | None, workers: int | None,
    max_fps: float | None,
) -> tuple[PoseTrack, Path]:
    """The pose track of ``source`` (a video, run through the model, or a saved track) and the
    video its outputs draw on, every output path checked first (before the model runs) against
    the inputs: ``source``, the ``config`` and a track's video."""
    is_track = is_track_path(source)
    inputs = {"the input pose track" if is_track else "the input video": source,
              "the --config file": config}
    if is_track:  # a track loads in moments; its video is an input too
        track = PoseTrack.load(source)
        video = Path(track.source)
        if outputs.video is not None or outputs.html is not None:
            _check_track_video(track, video, needed=outputs.video is not None)
        # whether or not it is drawn on, no report may be written over the user's video
        inputs["the video the track was made from"] = video
    outputs.check(inputs, model_dir)
    if not is_track:
        track = pose_video(source, model=model, model_dir=model_dir, progress=progress,
                           workers=workers, max_fps=max_fps)
        video = Path(source)
    if progress is not None:
        progress("analysis", 0, None)
    return track, video


SAME_VIDEO_S = 1.0
"""How far a video's duration may stray from its track's last frame time and still be the video
the track was made from: a container's stated duration rounds, and may count an audio stream
or a last frame's length."""


def _check_track_video(track: PoseTrack, video: Path, *, needed: bool) -> None:
    """Refuse, before anything is written, a video that is not the one the track was made from.

    Why: drawing a track on frames of another size fails half-way (after other outputs were
    written) or, worse, draws the pose in the wrong place; on another video of the same size,
    it draws a set on frames of something else (told by the duration). A missing video is an
    error only where it is ``needed`` (the annotated video); the HTML report then goes without
    key frames.
    """
    if not video.is_file():
        if needed:
            raise FormcheckError(
                f"the annotated video draws on the original video, and {display(video)} "
                "(recorded in the track) is not there; analyse the video itself instead"
            )
        return
    from formcheck.video import VideoInfo

    info = VideoInfo.from_path(video)
    if (info.width, info.height) != (track.width, track.height):
        raise FormcheckError(
            f"{display(video)} is {info.width}x{info.height}, but the track was made from "
            f"{track.width}x{track.height} frames: it is not the video the track was made from"
        )
    span = float(track.times[-1]) if len(track) else 0.0
    # a video shorter than its track's frames is another (a longer one may be: a live session
    # quit early, a track cut down); a time line cut at a timestamp restart runs past the
    # container's clock, so it is not compared, nor a live session's (it keeps no such note)
    if (info.duration_s > 0 and info.duration_s < span - SAME_VIDEO_S
            and not track.meta.get("time_cuts") and not track.meta.get("live")):
        raise FormcheckError(
            f"{display(video)} lasts {info.duration_s:.1f} s, but the track's frames run to "
            f"{span:.1f} s: it is not the video the track was made from"
        )
