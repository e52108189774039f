"""The live loop, and :func:`live`, which sets it up from a command line's options.

Apart as the one module that ties the others together: per frame, the newest frame from the
feed (:mod:`formcheck.live.feed`) goes through the pose model into the session
(:mod:`formcheck.live.session`), is drawn and handed to every view
(:mod:`formcheck.live.views`, :mod:`formcheck.serve`), and a rep made final is spoken
(:mod:`formcheck.live.voice`); a view's keys reset, pause or end the set.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.analysis import UNGUARDED
from formcheck.annotate import DEFAULT_ANNOTATORS, Annotator, FooterAnnotator
from formcheck.config import load_exercise
from formcheck.errors import FormcheckError
from formcheck.hold_report import HoldReport
from formcheck.lift import Lift
from formcheck.live.auto import LiftSpotter
from formcheck.live.feed import PAUSE_POLL_S, Captured, FrameFeed, open_source
from formcheck.live.hold_session import HoldSession
from formcheck.live.session import (
    LiveSession,
    LiveSettings,
    LiveState,
    Phase,
    withdrawal_lines,
)
from formcheck.live.views import Command, LiveView, Recorder, Window, display_problem
from formcheck.live.voice import CueVoice, EspeakSpeaker, Speaker
from formcheck.metrics import check_height
from formcheck.outputs import NO_OUTPUTS, Outputs
from formcheck.overlay import FrameOverlay, Label
from formcheck.pose import PoseEstimator, PoseSettings
from formcheck.recognise import (
    AUTO,
    NO_GUARD_NEEDS_A_NAME,
    Recognition,
    auto_lift,
    auto_note,
    check_auto,
    report_of,
)
from formcheck.report import Report, RepReport
from formcheck.reps import Partial
from formcheck.stretch import Pose
from formcheck.track import FramePose
from formcheck.video import Frame, is_url

LIVE_ANNOTATORS: tuple[Annotator, ...] = (*DEFAULT_ANNOTATORS, FooterAnnotator())


@dataclass(frozen=True)
class FrameTiming:
    """How one processed frame fared, for benchmarks and the footer."""

    time_s: float
    """Position of the frame in the stream."""
    latency_s: float
    """From capture to the annotated frame handed to every view."""
    fps: float
    """Frames processed over the last second."""
    dropped: int
    """Frames dropped so far because processing fell behind."""


class _Meter:
    """Frames per second over the last second, and the latest latency."""

    def __init__(self) -> None:
        self._done: deque[float] = deque()
        self.latency_s = 0.0

    def tick(self, captured_at: float) -> None:
        now = time.perf_counter()
        self.latency_s = now - captured_at
        self._done.append(now)
        while self._done[0] < now - 1.0:
            self._done.popleft()

    @property
    def fps(self) -> float:
        if len(self._done) < 2:
            return 0.0
        return (len(self._done) - 1) / max(self._done[-1] - self._done[0], 1e-9)

    def footer(self) -> list[Label]:
        return [Label(f"{self.fps:.0f} fps  latency {self.latency_s * 1000:.0f} ms")]


def run_live(
    frames: Iterable[Frame],
    lift: Lift | Pose | None,
    *,
    paced: bool,
    drop: bool = True,
    fps: float = 0.0,
    source: str = "",
    pose_settings: PoseSettings | None = None,
    settings: LiveSettings | None = None,
    views: Sequence[LiveView] = (),
    voice: CueVoice | None = None,
    on_frame: Callable[[FrameTiming], None] | None = None,
    notify: Callable[[str], None] | None = None,
    height_cm: float | None = None,
    config: str | os.PathLike[str] | None = None,
    on_recognised: Callable[[Recognition, Lift], None] | None = None,
    guard: bool = True,
) -> LiveSession | HoldSession | None:
    """Run the live loop over ``frames`` until they end or a view says quit; the last set.

    ``paced`` plays the frames at their own times (a recording), ``drop`` skips frames when
    processing falls behind (as a camera does). Ctrl-C ends the session like q does, so what
    was judged is kept. Returns None when no frame was processed. ``height_cm``: the lifter's
    height, for set metrics from the image (:mod:`formcheck.metrics`).

    ``lift`` None recognises it (:mod:`formcheck.live.auto`), in its default variant with the
    thresholds of ``config``, and tells ``on_recognised``; a session that ends before the lift
    is recognised is an error saying why (with the likeliest lifts). A named lift is held to
    what the recogniser finds unless ``guard=False`` (:attr:`LiveSession.guard`).
    """
    pose_settings = pose_settings or PoseSettings()
    notify = notify or (lambda _: None)
    with ExitStack() as stack:
        # The model loads before the first frame is taken: a recording would otherwise play on
        # (and drop its first second) while the model starts.
        estimator = stack.enter_context(PoseEstimator(pose_settings))
        feed = stack.enter_context(closing(FrameFeed(frames, paced=paced, drop=drop)))
        loop = _Loop(lift, estimator, feed, views, voice, on_frame, LiveSettings() if
                     settings is None else settings, fps=fps, source=source, notify=notify,
                     height_cm=height_cm, config=config, on_recognised=on_recognised,
                     guard=guard and isinstance(lift, Lift))
        paused = False
        try:
            while True:
                if paused:
                    command = loop.show_again()
                    if command is None:
                        time.sleep(PAUSE_POLL_S)
                elif (captured := feed.get()) is None:
                    break
                else:
                    command = loop.frame(captured)
                if command == "quit":
                    break
                if command == "pause":
                    paused = not paused
                    feed.pause(paused)
                elif command == "reset" and loop.session is not None:
                    notify(f"set reset after {len(loop.session.reps)} reps; counting again")
                    loop.reset()
        except KeyboardInterrupt:
            notify("interrupted; ending the session")
    if loop.session is None and loop.spotter is not None:
        raise loop.spotter.failure()
    return loop.session


class _Loop:
    """One pass of the live loop per frame: pose, judgement, drawing, views, cue."""

    def __init__(
        self, lift: Lift | Pose | None, estimator: PoseEstimator, feed: FrameFeed,
        views: Sequence[LiveView], voice: CueVoice | None,
        on_frame: Callable[[FrameTiming], None] | None, settings: LiveSettings, *, fps: float,
        source: str, notify: Callable[[str], None], height_cm: float | None,
        config: str | os.PathLike[str] | None = None,
        on_recognised: Callable[[Recognition, Lift], None] | None = None,
        guard: bool = False,
    ) -> None:
        self.lift, self.estimator, self.feed, self.views = lift, estimator, feed, views
        self.guard = guard
        self.voice, self.on_frame, self.settings = voice, on_frame, settings
        self.notify = notify
        self.fps, self.source, self.height_cm = fps, source, height_cm
        self.config, self.on_recognised = config, on_recognised
        self.meter = _Meter()
        self.session: LiveSession | HoldSession | None = None
        self.spotter: LiftSpotter | None = None
        """The frames watched for the lift when none was named (``--exercise auto``)."""
        self._shown: tuple[np.ndarray, LiveState, float] | None = None
        self._warned = False
        """Whether the guard's warning was said in this set (:attr:`LiveSession.wrong`)."""
        self._told: set[Partial] = set()
        """The set's withdrawn reps as last said (:attr:`LiveSession.withdrawn`)."""

    def frame(self, captured: Captured) -> Command | None:
        frame = captured.frame
        pose = self.estimator.estimate(frame)
        started = self.lift is None and self._spot(frame, pose)  # this frame added already
        if self.lift is None:
            assert self.spotter is not None
            overlay = FrameOverlay(pose=pose, footer=tuple(self.meter.footer()), panel=(
                Label(f"recognising the lift  {self.spotter.watched_s():.0f} s"),))
            state = self._state(AUTO, 0, "", None, len(self.spotter.poses))
        else:
            session = self._session(frame)
            if not started:
                self._done(session, session.add(pose))
            reps = session.reps
            state = self._state(self.lift.name, session.made, session.phase(),
                                reps[-1] if reps else None, len(session))
            overlay = session.overlay(session.panel(state), self.meter.footer(),
                                      session.card(state))
        scene = frame.image.copy()
        for annotator in LIVE_ANNOTATORS:
            scene = annotator.annotate(scene, overlay)
        self._shown = (scene, state, frame.time_s)
        command = _show(self.views, *self._shown)
        self.meter.tick(captured.at)
        if self.on_frame is not None:
            self.on_frame(FrameTiming(frame.time_s, self.meter.latency_s, self.meter.fps,
                                      self.feed.dropped))
        return command

    def _session(self, frame: Frame) -> LiveSession | HoldSession:
        """The set being judged, begun on this frame if none is."""
        if self.session is None:
            assert self.lift is not None
            height, width = frame.image.shape[:2]
            common = {"width": width, "height": height, "fps": self.fps, "source": self.source,
                      "model": self.estimator.settings.model, "settings": self.settings}
            self.session = (HoldSession(self.lift, **common) if isinstance(self.lift, Pose)
                            else LiveSession(self.lift, **common, height_cm=self.height_cm,
                                             guard=self.guard))
        return self.session

    def _spot(self, frame: Frame, pose: FramePose) -> bool:
        """Watch this frame for the lift (none was named); once recognised, begin the set with
        every frame watched so far (this one included): whether it was."""
        if self.spotter is None:
            height, width = frame.image.shape[:2]
            self.spotter = LiftSpotter(width=width, height=height, fps=self.fps,
                                       source=self.source, model=self.estimator.settings.model)
        found = self.spotter.add(pose)
        if found is None:
            return False
        self.lift = auto_lift(found, self.config)
        if self.on_recognised is not None:
            self.on_recognised(found, self.lift)
        session = self._session(frame)
        for earlier in self.spotter.poses:
            self._done(session, session.add(earlier))
        return True

    def _done(self, session: LiveSession | HoldSession, done: Sequence[object]) -> None:
        """Say each rep (or hold) made final, after why the guard makes them ambiguous, once a
        set (its numbers change from look to look)."""
        wrong = session.wrong if isinstance(session, LiveSession) else None
        if done and wrong is not None and not self._warned:
            self.notify(f"warning: {wrong}: its reps are marked ambiguous (--no-guard judges "
                        "it as named)")
            self._warned = True
        if isinstance(session, LiveSession) and set(session.withdrawn) != self._told:
            for line in withdrawal_lines(self._told, session.withdrawn, session.made):
                self.notify(line)
            self._told = set(session.withdrawn)
        for item in done:
            self.notify(session.line(item))  # type: ignore[arg-type]
            if self.voice is not None and isinstance(item, RepReport):
                self.voice.rep_done(item)

    def _state(self, exercise: str, reps: int, phase: Phase, last: RepReport | None,
               frames: int) -> LiveState:
        return LiveState(exercise=exercise, reps=reps, phase=phase, last=last,
                         fps=self.meter.fps, latency_ms=self.meter.latency_s * 1000,
                         frames=frames, dropped=self.feed.dropped)

    def show_again(self) -> Command | None:
        """While paused: the last frame again, so views stay responsive."""
        return None if self._shown is None else _show(self.views, *self._shown)

    def reset(self) -> None:
        """Start the set again: the next frame begins a new session."""
        self.session = None
        self._warned = False
        self._told = set()
        if self.voice is not None:
            self.voice.reset()


def _show(
    views: Sequence[LiveView], scene: np.ndarray, state: LiveState, time_s: float
) -> Command | None:
    """Hand the frame to every view; the first command any of them returns."""
    commands = [view.show(scene, state, time_s) for view in views]
    return next((c for c in commands if c is not None), None)


def live(
    exercise: str,
    *,
    variant: str | None = None,
    config: str | os.PathLike[str] | None = None,
    camera: int | None = None,
    source: str | os.PathLike[str] | None = None,
    model: str = "full",
    model_dir: str | os.PathLike[str] | None = None,
    outputs: Outputs = NO_OUTPUTS,
    serve: int | None = None,
    host: str = "127.0.0.1",
    window: bool | None = None,
    speak: bool | Speaker = False,
    drop: bool = True,
    settings: LiveSettings | None = None,
    on_frame: Callable[[FrameTiming], None] | None = None,
    notify: Callable[[str], None] | None = None,
    height_cm: float | None = None,
    guard: bool = True,
) -> Report | HoldReport:
    """Watch a lift live (camera ``camera``, default 0, or a file or URL ``source``) and judge
    each rep as it ends; the set's report, as ``analyze`` writes it.

    ``window`` opens an OpenCV window (default: when a display is there); ``serve`` serves the
    view as a web page on http://127.0.0.1:PORT/ (0 picks a free port), or on ``host``, an
    address of this machine's that other devices reach (0.0.0.0: all of them), which is said
    as a warning: the camera is then visible to the network. Without a display and
    without ``serve`` there is nowhere to show the view, which is an error saying so. A file or
    URL plays at its own frame rate and frames are dropped when processing falls behind, as
    with a camera; ``drop=False`` processes every frame, as fast as it can. ``speak`` says a
    short cue after a rep with something to fix (espeak-ng, or any :class:`Speaker`).
    ``exercise="auto"`` watches the first seconds until the lift is recognised
    (:mod:`formcheck.live.auto`); ``variant`` must then be None.
    ``height_cm``, the lifter's height, measures the set metrics on the image scaled by it
    (:mod:`formcheck.metrics`). A lift named is held to what the recogniser finds, as
    :func:`formcheck.api.analyze` holds it, unless ``guard=False``.

    ``outputs``, written at the end, atomically: the pose track of the frames processed (which
    ``analyze`` judges the same way), the JSON report and CSV of the reps as they were judged
    live, and the annotated view as it was shown (``video``, recorded as it runs). An HTML
    report plots a whole analysis, which a live session does not make: analyse the saved track
    for one. Everything is checked before the camera or the model starts.

    ``exercise`` may name a held stretch (``formcheck exercises``): the view then runs a hold
    timer (:class:`~formcheck.live.hold_session.HoldSession`) and the report is the hold
    report of every frame processed, as ``formcheck hold`` writes it.
    """
    notify = notify or (lambda _: None)
    if exercise == AUTO:
        check_auto(variant, guard)
    lift = None if exercise == AUTO else load_exercise(exercise, variant, config)
    if not guard and isinstance(lift, Pose):
        raise FormcheckError(f"{NO_GUARD_NEEDS_A_NAME}; {exercise} is a held stretch, timed "
                             "and never checked against the clip")
    height_cm = check_height(height_cm)
    recognised: list[tuple[Recognition, Lift]] = []

    def spotted(found: Recognition, lift: Lift) -> None:
        recognised.append((found, lift))
        notify(f"note: {auto_note(found, lift)}")

    if outputs.html is not None:
        raise FormcheckError("live writes no HTML report; save the pose track and run "
                             "`formcheck analyze TRACK --report FILE` for one")
    outputs.check(
        {"the source video": source if source is not None and not is_url(source) else None,
         "the --config file": config}, model_dir,
    )
    if camera is not None and source is not None:
        raise FormcheckError("give a camera or a source, not both")
    if source is not None and not os.fspath(source):
        raise FormcheckError("--source needs a file or URL (an empty one was given)")
    with ExitStack() as stack:
        views: list[LiveView] = []
        problem = display_problem()
        if window is None:
            window = serve is None or problem is None
        if window:
            try:
                views.append(stack.enter_context(closing(Window())))
            except FormcheckError as exc:
                raise FormcheckError(f"{exc}; run with --serve [PORT] to watch the live view "
                                     "in a browser on this machine") from None
        if serve is not None:
            from formcheck.serve import LiveServer

            server = stack.enter_context(closing(LiveServer(serve, host=host)))
            views.append(server)
        voice = None
        if speak:
            speaker = EspeakSpeaker() if speak is True else speak
            stack.callback(speaker.close)
            voice = CueVoice(speaker)
        frames, fps, name = open_source(camera, source)
        stack.callback(getattr(frames, "close", lambda: None))
        if serve is not None:  # once there is something to watch: no address before an error
            notify(f"watch the live view at {server.url}")
            if not server.local:
                notify(f"warning: the live view (the camera's picture) can be watched by anyone "
                       f"who can reach this machine on port {server.url.rsplit(':', 1)[1][:-1]}")
        if outputs.video is not None:
            views.append(stack.enter_context(closing(Recorder(outputs.video, fps))))
        session = run_live(
            frames, lift, paced=source is not None and drop, drop=drop, fps=fps, source=name,
            pose_settings=PoseSettings(model=model, model_dir=Path(model_dir) if model_dir
                                       else None),
            settings=settings, views=views, voice=voice, on_frame=on_frame, notify=notify,
            height_cm=height_cm, config=config, on_recognised=spotted, guard=guard,
        )
        if session is None:
            raise FormcheckError(f"{name}: no frames were processed")
        held = len(session.holds) if isinstance(session, HoldSession) else 0
        told = set(session.withdrawn) if isinstance(session, LiveSession) else set()
        said = {(rep.start_s, rep.end_s) for rep in session.reps} | {
            (gone.start_s, gone.end_s) for gone in told}
        report = session.finish()
        if not guard and isinstance(report, Report):
            report.warnings.append(UNGUARDED)
        for found, chosen in recognised:
            report.recognition = report_of(found)
            report.warnings.append(auto_note(found, chosen))
        if isinstance(session, LiveSession) and isinstance(report, Report):
            for line in withdrawal_lines(told, session.withdrawn, report.rep_count):
                notify(line)
        # the reps said as they were made final, matched by time (the end renumbers them)
        for done in ([rep for rep in report.reps if (rep.start_s, rep.end_s) not in said]
                     if isinstance(report, Report) else report.holds[held:]):
            notify(session.line(done))  # type: ignore[arg-type]
            if voice is not None and isinstance(done, RepReport):
                voice.rep_done(done)
        if outputs.track is not None:
            session.track().save(outputs.track)
        outputs.write_report(report)
    return report
