"""The annotated video: what each annotator draws on synthetic scenes, when a rep's card and its
fault's colours show, the source's sound kept, ``--draw``, and the card found in the frames of a
real clip's annotated video."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from corpus import with_sound, write_video

from formcheck.analysis import Analysis, run_analysis
from formcheck.annotate import (
    DEFAULT_ANNOTATORS,
    DRAWABLE,
    AngleAnnotator,
    CardAnnotator,
    FaultAnnotator,
    PanelAnnotator,
    TextStyle,
    annotators_named,
    parse_draw,
    write_annotated_video,
)
from formcheck.config import load_lift
from formcheck.errors import FormcheckError
from formcheck.landmarks import joint
from formcheck.outputs import Outputs
from formcheck.overlay import (
    AMBER,
    CARD_S,
    GREEN,
    GREY,
    RED,
    SERIES_PARTS,
    Card,
    FaultMark,
    FrameOverlay,
    Label,
    angle_labels,
    fault_mark,
    rep_card,
    report_overlays,
)
from formcheck.report import Fault
from formcheck.rules import RULES
from formcheck.track import FramePose, PoseTrack, TrackBuilder
from formcheck.video import read_frames
from formcheck.video_sink import VideoSink
from tests.conftest import TBY66, clip

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "kb_deadlift_side.track.npz"


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    """The bundled sample: ten side-view kettlebell deadlifts, rounded backs flagged (every
    check judging: what is drawn, not which checks ship, is under test here)."""
    return run_analysis(PoseTrack.load(SAMPLE), load_lift("deadlift", "kettlebell"),
                        evidence=None)


def white(width: int = 360, height: int = 640) -> np.ndarray:
    """A white wall: where thin outlined text used to vanish."""
    return np.full((height, width, 3), 255, np.uint8)


def drawn(annotator, overlay: FrameOverlay, scene: np.ndarray | None = None) -> np.ndarray:
    return annotator.annotate(white() if scene is None else scene, overlay)


# --- text ---------------------------------------------------------------------------------


def test_text_grows_with_the_frame_and_is_legible_on_a_phone_clip() -> None:
    phone, full_hd = TextStyle.of(white(360, 640)), TextStyle.of(white(1920, 1080))
    assert phone.scale * 22 >= 12  # capitals of a 360-px-wide clip: at least 12 px
    assert phone.thickness >= 2  # a one-pixel stroke is what compression smears first
    assert full_hd.scale == pytest.approx(3 * phone.scale)


def test_panel_text_sits_on_a_dark_box_on_a_white_wall(analysis: Analysis) -> None:
    overlay = FrameOverlay(pose=analysis.track.frame(0), panel=(Label("deadlift  reps 0/10"),))
    scene = drawn(PanelAnnotator(), overlay)
    style = TextStyle.of(scene)
    box = scene[: style.line + 2 * style.pad, : style.width("deadlift reps 0/10")]
    assert np.median(box) < 100  # the box darkens the wall
    assert (box.min(axis=2) > 200).mean() > 0.05  # white letters on it


def test_a_long_cue_wraps_inside_a_360_pixel_frame() -> None:
    pose = PoseTrack.load(SAMPLE).frame(0)
    cue = "Brace and keep the back flat: chest proud, lats tight, before the weight moves."
    card = Card(lines=(Label("rep 1: valid  90/100", color=AMBER), Label(cue)), accent=AMBER)
    scene = drawn(CardAnnotator(), FrameOverlay(pose=pose, card=card))
    style = TextStyle.of(scene)
    rows = np.flatnonzero((scene < 250).any(axis=(1, 2)))
    assert rows.size and rows.max() - rows.min() >= 3 * style.line  # the cue took lines
    assert (scene[:, -style.pad // 2:] == 255).all()  # nothing runs off the right edge
    assert (np.abs(scene[rows.min() + 2, style.pad + 1].astype(int) - AMBER) < 2).all()


def test_no_card_draws_nothing(analysis: Analysis) -> None:
    overlay = FrameOverlay(pose=analysis.track.frame(0))
    assert (drawn(CardAnnotator(), overlay) == 255).all()


# --- what the overlays say ----------------------------------------------------------------


def _fault(code: str, severity: str = "minor") -> Fault:
    return Fault(code=code, severity=severity, value=1.0, threshold=0.5, unit="",
                 threshold_name=code, at_s=[1.0], frames=[30], cue=f"fix the {code}")


def test_the_card_says_outcome_score_top_fault_and_cue(analysis: Analysis) -> None:
    rep = analysis.report.reps[0].model_copy(
        update={"faults": [_fault("bar_drift"), _fault("rounded_back", "major")], "score": 60})
    card = rep_card(rep)
    assert [label.text for label in card.lines] == [
        "rep 1: valid  60/100", "rounded back (major)", "fix the rounded_back"]
    assert card.accent == RED
    clear = rep_card(rep.model_copy(update={"faults": [], "score": 100}))
    assert clear.lines[1].text.startswith("clear (") and clear.accent == GREEN
    ambiguous = rep_card(rep.model_copy(update={
        "faults": [], "score": None, "outcome": "ambiguous", "reason": "the lifter was hidden"}))
    assert [label.text for label in ambiguous.lines] == ["rep 1: ambiguous",
                                                         "the lifter was hidden"]
    assert ambiguous.accent == GREY


def test_a_card_shows_from_its_rep_s_end_for_card_s(analysis: Analysis) -> None:
    overlays = list(report_overlays(analysis))
    times, reps = analysis.track.times, analysis.reps
    first = reps[0]
    assert all(o.card is None for o in overlays[: first.end])
    shown = [i for i, o in enumerate(overlays) if o.card is not None
             and o.card.lines[0].text.startswith("rep 1:")]
    assert shown[0] == first.end
    assert times[shown[-1]] - times[first.end] == pytest.approx(CARD_S, abs=1 / 30)
    assert overlays[first.end].card == rep_card(analysis.report.reps[0])


def test_a_set_without_reps_has_no_cards(analysis: Analysis) -> None:
    report = analysis.report.model_copy(update={"reps": [], "rep_count": 0})
    overlays = list(report_overlays(replace(analysis, reps=(), report=report)))
    assert len(overlays) == len(analysis.track)
    assert not any(o.card or o.faults for o in overlays)
    assert overlays[-1].panel[0].text == "deadlift  reps 0/0"


def test_the_parts_at_fault_light_up_during_the_faulty_rep(analysis: Analysis) -> None:
    overlays = list(report_overlays(analysis))
    for found, rep in zip(analysis.reps, analysis.report.reps, strict=True):
        marked = {i for i in range(found.start, found.end + 1) if overlays[i].faults}
        assert bool(marked) == bool(rep.faults)
        if rep.faults:
            assert marked == set(range(found.start, found.end + 1))
    major = next(rep for rep in analysis.report.reps if rep.faults[:1]
                 and rep.faults[0].severity == "major")
    mark = overlays[analysis.reps[major.index - 1].turn].faults[0]
    assert mark.back and mark.color == RED


def test_a_fault_marks_what_its_check_measured() -> None:
    lift = load_lift("deadlift")
    side = "left"
    back = fault_mark(_fault("rounded_back"), lift, side)
    assert back.back and back.color == AMBER
    squat = fault_mark(_fault("squatted_hinge", "major"), lift, side)
    names = {tuple(joint(side, n) for n in chain) for chain in (("shoulder", "hip", "knee"),
                                                                ("hip", "knee", "ankle"))}
    assert not squat.back and set(squat.chains) == names and squat.color == RED


def test_every_series_a_check_reads_has_its_place_on_the_body() -> None:
    read = {name for rule in RULES.values() for name in rule.series}
    assert read <= set(SERIES_PARTS)


def test_fault_annotator_draws_in_the_fault_colour(analysis: Analysis) -> None:
    found = analysis.reps[0]
    pose = analysis.track.frame(found.turn)
    mark = FaultMark(chains=((joint(analysis.kin.facing, "shoulder"),
                              joint(analysis.kin.facing, "hip")),), back=True, color=RED)
    scene = drawn(FaultAnnotator(), FrameOverlay(pose=pose, faults=(mark,)))
    red = (np.abs(scene.astype(int) - RED) < 3).all(axis=2)
    assert red.sum() > 200
    assert (drawn(FaultAnnotator(), FrameOverlay(pose=pose)) == 255).all()


def test_angles_are_dimmed_and_marked_outside_a_side_view(analysis: Analysis) -> None:
    i = analysis.reps[0].turn
    side = angle_labels(analysis.kin, i, "side")
    front = angle_labels(analysis.kin, i, "front")
    assert [label.text for label in front] == [f"~{label.text}" for label in side]
    assert {label.color for label in front} == {GREY}
    overlay = FrameOverlay(pose=analysis.track.frame(i), labels=front)
    scene = drawn(AngleAnnotator(), overlay)
    assert not (scene.min(axis=2) > 200).all(axis=None)  # drawn, on boxes
    panel = next(report_overlays(replace(analysis, view=replace(analysis.view, view="front"))))
    assert any(label.text.startswith("~ angles: front view") for label in panel.panel)


# --- choosing what is drawn ---------------------------------------------------------------


def test_draw_names_pick_annotators_in_drawing_order() -> None:
    assert annotators_named(["card", "skeleton"]) == (DRAWABLE["skeleton"], DRAWABLE["card"])
    assert annotators_named(DRAWABLE) == DEFAULT_ANNOTATORS
    assert annotators_named("skeleton") == (DRAWABLE["skeleton"],)  # a name, not its letters
    assert parse_draw(" skeleton, card ,") == ("skeleton", "card")
    with pytest.raises(FormcheckError, match="cannot draw 'bogus': choose from skeleton"):
        parse_draw("skeleton,bogus")
    with pytest.raises(FormcheckError, match="nothing to draw"):
        parse_draw(",")


@pytest.mark.parametrize(("args", "message"), [
    (("--draw", "skeleton,badge", "--video-out", "OUT"), "cannot draw 'badge'"),
    (("--draw", "card"), "add --video-out"),
])
def test_bad_draw_is_one_line_before_any_work(tmp_path: Path, args, message: str) -> None:
    args = tuple(str(tmp_path / "out.mp4") if arg == "OUT" else arg for arg in args)
    done = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", str(SAMPLE), "-e", "deadlift", *args],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith("formcheck: error:") and message in done.stderr
    assert not (tmp_path / "out.mp4").exists()


# --- sound --------------------------------------------------------------------------------


def _tone(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "aac"
        return np.concatenate([frame.to_ndarray()[0] for packet in container.demux(stream)
                               for frame in packet.decode()])


@pytest.mark.parametrize(("codec", "container_format"),
                         [("aac", "mp4"), ("pcm_s16le", "matroska")], ids=["copied", "aac"])
def test_the_source_s_sound_is_kept(tmp_path: Path, codec: str, container_format: str) -> None:
    source = with_sound(tmp_path, codec, container_format)
    target = tmp_path / "annotated.mp4"
    with read_frames(source) as frames, VideoSink(target, width=96, height=64, fps=30,
                                                  audio_from=source) as sink:
        for frame in frames:
            sink.write(frame.image)
    assert sink.has_audio
    tone = _tone(target)
    assert len(tone) == pytest.approx(48000, rel=0.03)  # the second of sound, in sync
    assert np.sqrt(np.mean(tone[4800:-4800] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


def test_a_source_without_sound_gives_a_silent_video_and_says_so(tmp_path: Path) -> None:
    source = write_video(tmp_path / "silent.mp4", (white(96, 64) for _ in range(10)))
    builder = TrackBuilder(width=96, height=64, fps=30, source=str(source), model="full")
    for i in range(10):
        builder.append(FramePose.missing(i / 30))
    notes: list[str] = []
    write_annotated_video(source, builder.build(), tmp_path / "out.mp4",
                          (FrameOverlay(pose=FramePose.missing(i / 30)) for i in range(10)),
                          notify=notes.append)
    assert notes == [f"{source} has no sound: the annotated video is silent"]
    with av.open(str(tmp_path / "out.mp4")) as container:
        assert not container.streams.audio and container.streams.video[0].frames == 10


# --- a real clip --------------------------------------------------------------------------


def test_the_annotated_video_shows_each_rep_s_card(tmp_path: Path, analysis: Analysis) -> None:
    """Frames read back from the written mp4 hold the first rep's card after it ends, as
    rendered from its overlay, and no card before."""
    video = clip(TBY66.format("r"))
    target = tmp_path / "annotated.mp4"
    notes: list[str] = []
    Outputs(video=target).write(analysis, video, notify=notes.append)
    assert notes == [f"{video} has no sound: the annotated video is silent"]
    overlays = list(report_overlays(analysis))
    first = analysis.reps[0]
    during = int(np.searchsorted(analysis.track.times,
                                 analysis.track.times[first.end] + CARD_S / 2))
    before = first.turn
    assert overlays[during].card is not None and overlays[before].card is None
    originals = _frames(video, {during, before})
    written = _frames(target, {during, before})
    no_card = tuple(a for a in DEFAULT_ANNOTATORS if not isinstance(a, CardAnnotator))

    def render(i: int, annotators) -> np.ndarray:
        scene = originals[i].copy()
        for annotator in annotators:
            scene = annotator.annotate(scene, overlays[i])
        return scene.astype(int)

    expected, without = render(during, DEFAULT_ANNOTATORS), render(during, no_card)
    card = (np.abs(expected - without) > 40).any(axis=2)
    assert card.sum() > 2000  # the card's box and text
    shown = written[during].astype(int)
    assert np.abs(shown - expected)[card].mean() < 12  # the card, through compression
    assert np.abs(shown - without)[card].mean() > 60
    assert np.abs(written[before].astype(int) - render(before, no_card))[card].mean() < 12


def _frames(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    with read_frames(path) as frames:
        return {frame.index: frame.image for frame in frames if frame.index in wanted}
