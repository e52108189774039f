"""Time you can trust: timestamps that restart or leap (recordings joined with ``cat``), streams
without timestamps, and videos with too few frames per second to judge a rep.

The frame reader is checked on small pattern videos made here with PyAV; the whole path (reader,
pose model, analysis) on videos made from a real lifter (tests/corpus.py), marked ``slow`` and
``clips``. The judging rules themselves are checked on synthetic tracks in test_judging.py.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from corpus import Lifter, write_video

import formcheck
from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.pose import extract_pose
from formcheck.report import Report
from formcheck.timeline import CUT_JUMP_S
from formcheck.track import PoseTrack
from formcheck.video import Frame, VideoInfo, read_frames

FPS = 30


def pattern(index: int) -> np.ndarray:
    """A 96x64 frame whose grey level tells its index, so a frame can be recognised."""
    return np.full((64, 96, 3), 20 + 7 * index % 200, np.uint8)


def decode_all(path: Path, **kwargs: float) -> tuple[list[Frame], dict]:
    with read_frames(path, **kwargs) as frames:
        return list(frames), frames.notes


def joined(folder: Path, *segments: list[np.ndarray], fps: float = FPS) -> Path:
    """MPEG-TS recordings joined end to end as ``cat a.ts b.ts > joined.ts`` does: each keeps
    its own timestamps, so they restart at every join."""
    parts = [write_video(folder / f"part{i}.ts", images, fps=fps, container_format="mpegts")
             for i, images in enumerate(segments)]
    path = folder / "joined.ts"
    path.write_bytes(b"".join(part.read_bytes() for part in parts))
    return path


def assert_continuous(frames: list[Frame], step: float) -> None:
    """Never squeezed nor stretched: each frame a nominal interval after the one before."""
    gaps = np.diff([f.time_s for f in frames])
    np.testing.assert_allclose(gaps, step, atol=0.002)


# --- the frame reader ---------------------------------------------------------------------


def test_joined_recordings_are_one_continuous_time_line_with_the_cut_noted(tmp_path: Path) -> None:
    path = joined(tmp_path, [pattern(i) for i in range(30)], [pattern(i) for i in range(30, 75)])
    frames, notes = decode_all(path)
    assert len(frames) == 75
    assert_continuous(frames, 1 / FPS)
    assert notes == {"time_cuts": [{"at_s": 1.0, "kind": "restart", "size_s": -0.967}]}


@pytest.mark.parametrize("start_s", [0.5, 1.2, 2.0, 4.0])
def test_reading_a_joined_video_from_a_time_gives_the_times_of_the_whole(
    tmp_path: Path, start_s: float
) -> None:
    """What a pose helper process does with its part of a long video: a seek by the raw
    timestamps would land in the wrong recording (a time before 1.5 s is in the file twice)
    or nowhere (the second recording's raw times stop at 4.5 s, 1.5 s short of its end)."""
    path = joined(tmp_path, [pattern(i) for i in range(45)], [pattern(i) for i in range(45, 180)])
    whole, _ = decode_all(path)
    part, notes = decode_all(path, start_s=start_s)
    expected = [f for f in whole if f.time_s >= start_s - 0.0005]
    assert [f.time_s for f in part] == [f.time_s for f in expected] and expected
    assert all(np.array_equal(a.image, b.image) for a, b in zip(part, expected, strict=True))
    assert notes["time_cuts"][0]["kind"] == "restart"


def test_a_video_whose_first_stream_is_sound_is_read_from_a_time(tmp_path: Path) -> None:
    """The video stream is not stream 0 (a voice track was written first)."""
    path = tmp_path / "sound-first.mkv"
    with av.open(str(path), "w", format="matroska") as container:
        sound = container.add_stream("aac", rate=8000, layout="mono")
        video = container.add_stream("libx264", rate=FPS, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 96, 64, "yuv420p"
        for i in range(60):
            frame = av.VideoFrame.from_ndarray(pattern(i), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            container.mux(video.encode(frame))
        for i in range(16):
            samples = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                                 layout="mono")
            samples.sample_rate, samples.pts = 8000, i * 1024
            container.mux(sound.encode(samples))
        container.mux(video.encode(None))
        container.mux(sound.encode(None))
    whole, _ = decode_all(path)
    part, _ = decode_all(path, start_s=1.0)
    assert [f.time_s for f in part] == [f.time_s for f in whole if f.time_s >= 1.0 - 0.0005]


@pytest.mark.parametrize("gap_s", [10.0, 3600.0])
def test_timestamps_that_leap_ahead_are_a_cut_not_a_long_absence(
    tmp_path: Path, gap_s: float
) -> None:
    pts_ms = [i * 33 for i in range(20)] + [round(gap_s * 1000) + i * 33 for i in range(20)]
    path = write_video(tmp_path / "leap.mp4", map(pattern, range(40)), fps=FPS, pts_ms=pts_ms)
    frames, notes = decode_all(path)
    assert_continuous(frames, 0.033)
    (cut,) = notes["time_cuts"]
    assert cut["kind"] == "jump" and cut["at_s"] == pytest.approx(0.66)
    assert cut["size_s"] == pytest.approx(gap_s - 0.627, abs=0.002)
    with read_frames(path) as reader:
        assert sum(1 for _ in reader) == 40
        assert reader.truncated is None, "the container's clock, not the cut one, ends the video"
    part, _ = decode_all(path, start_s=1.0)
    assert [f.time_s for f in part] == [f.time_s for f in frames if f.time_s >= 1.0 - 0.0005]


def test_a_hole_shorter_than_the_cut_threshold_keeps_its_real_length(tmp_path: Path) -> None:
    """Frames lost for 0.8 s are time that passed: the analysis sees it as a gap in tracking."""
    hole_ms = round((CUT_JUMP_S - 0.2) * 1000)
    pts_ms = [i * 33 for i in range(20)] + [627 + hole_ms + i * 33 for i in range(20)]
    path = write_video(tmp_path / "hole.mp4", map(pattern, range(40)), fps=FPS, pts_ms=pts_ms)
    frames, notes = decode_all(path)
    assert [f.time_s for f in frames] == pytest.approx([t / 1000 for t in pts_ms], abs=1e-4)
    assert notes == {}


def test_a_phone_s_variable_frame_rate_is_no_cut(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    steps = rng.choice([33, 33, 33, 67, 100], size=89)  # frames dropped one and two at a time
    pts_ms = [0, *np.cumsum(steps + rng.integers(-3, 4, size=89)).tolist()]
    path = write_video(tmp_path / "vfr.mp4", map(pattern, range(90)), fps=FPS, pts_ms=pts_ms)
    frames, notes = decode_all(path)
    assert [f.time_s for f in frames] == pytest.approx([t / 1000 for t in pts_ms], abs=1e-4)
    assert notes == {}


@pytest.mark.parametrize(("fmt", "codec"), [("h264", "libx264"), ("hevc", "libx265")])
def test_a_stream_without_timestamps_is_timed_at_its_own_stated_rate_and_says_so(
    tmp_path: Path, fmt: str, codec: str
) -> None:
    """A raw elementary stream (.h264, .h265) has no container and so no timestamps. FFmpeg's
    raw demuxer states 25 fps whatever the stream says; the codec's timing information
    (here 30 fps) is what the camera recorded at."""
    path = write_video(tmp_path / f"raw.{fmt}", map(pattern, range(30)), fps=FPS,
                       container_format=fmt, codec=codec)
    assert VideoInfo.from_path(path).fps == FPS
    frames, notes = decode_all(path)
    assert [f.time_s for f in frames] == pytest.approx([i / FPS for i in range(30)])
    assert notes == {"no_timestamps": {"assumed_fps": 30.0, "stated": True}}


def test_a_stopped_clock_is_not_squeezed_into_milliseconds(tmp_path: Path) -> None:
    """One repeated timestamp is a duplicate and moves on by 1 ms (as MediaPipe needs); a run of
    them is a stopped clock, and its frames go on at the frame interval."""
    pts_ms = [0, 40, 80, 80, 80, 80, 80, 280, 320]
    path = write_video(tmp_path / "stuck.mkv", map(pattern, range(9)), fps=25, pts_ms=pts_ms,
                       container_format="matroska", codec="ffv1")
    frames, notes = decode_all(path)
    assert [f.time_s for f in frames] == pytest.approx(
        [0.0, 0.04, 0.08, 0.081, 0.121, 0.161, 0.201, 0.28, 0.32])
    assert notes == {}


# --- the whole path, on a real lifter -----------------------------------------------------


def analyze(track: PoseTrack) -> Report:
    return analyze_track(track, load_lift("deadlift", "kettlebell"))


@pytest.mark.slow
@pytest.mark.clips
def test_two_recordings_joined_with_cat(tmp_path: Path, lifter: Lifter) -> None:
    """The lifter's first recording stops at the turn of rep 2, the second starts at the turn
    of rep 3: joined, they make one 'rep' of two halves of different reps."""
    first, second = lifter.images[lifter.at(0.0, 3.13)], lifter.images[lifter.at(4.85, 7.4)]
    video = joined(tmp_path, first, second, fps=lifter.fps)
    track = extract_pose(video)
    at = len(first) / lifter.fps
    np.testing.assert_allclose(np.diff(track.times), 1 / lifter.fps, atol=0.002)
    assert track.meta["time_cuts"] == [
        {"at_s": pytest.approx(at, abs=0.002), "kind": "restart", "size_s": pytest.approx(
            -(len(first) - 1) / lifter.fps, abs=0.002)}]
    report = analyze(track)
    assert [r.outcome for r in report.reps] == ["valid", "ambiguous", "valid"]
    spanning = report.reps[1]
    assert spanning.start_s < at < spanning.end_s
    assert spanning.abstained[0].check == "timing"
    assert (f"the video's timestamps restart at {at:.1f} s (two recordings joined?): treated as "
            "a cut") in report.warnings
    assert not any("out of sight" in w for w in report.warnings)


@pytest.mark.slow
@pytest.mark.clips
def test_joined_recordings_read_in_parallel_keep_one_time_line(
    tmp_path: Path, lifter: Lifter
) -> None:
    """The container declares the second recording's 5.9 s, so a second process reads from
    2.95 s (after a 2 s warm-up from 0.95 s): a time found in the first recording too."""
    images = lifter.images
    video = joined(tmp_path, images[lifter.at(0.0, 1.5)], images[lifter.at(1.5, 7.4)],
                   fps=lifter.fps)
    assert VideoInfo.from_path(video).duration_s == pytest.approx(5.9, abs=0.1)
    one, two = extract_pose(video, workers=1), extract_pose(video, workers=2)
    np.testing.assert_array_equal(two.times, one.times)
    # The same frames: the helper's model tracks them as this process's did, though not bit
    # for bit (see test_pose.py::test_a_video_shared_between_two_processes_gives_the_same_...).
    assert np.nanmedian(np.abs(two.landmarks[..., :2] - one.landmarks[..., :2])) < 0.002
    assert [r.outcome for r in analyze(two).reps] == [r.outcome for r in analyze(one).reps]


@pytest.mark.slow
@pytest.mark.clips
def test_a_raw_h264_stream_is_timed_at_its_rate_and_says_so(
    tmp_path: Path, short_lifter: Lifter
) -> None:
    video = write_video(tmp_path / "lift.h264", short_lifter.images, fps=short_lifter.fps,
                        container_format="h264")
    report = analyze(extract_pose(video))
    reference = formcheck.analyze(short_lifter.video, "deadlift", variant="kettlebell")
    assert report.warnings[0] == ("the video has no timestamps; timing assumes 30 fps (the "
                                  "stream's nominal rate)")
    assert [(r.outcome, r.score) for r in report.reps] == [
        (r.outcome, r.score) for r in reference.reps]
    for got, expected in zip(report.reps, reference.reps, strict=True):
        assert got.end_s - got.start_s == pytest.approx(expected.end_s - expected.start_s,
                                                        abs=0.05)


@pytest.mark.slow
@pytest.mark.clips
def test_two_frames_a_second_make_every_rep_ambiguous(tmp_path: Path, lifter: Lifter) -> None:
    every = round(lifter.fps / 2)
    video = write_video(tmp_path / "2fps.mp4", itertools.islice(lifter.images, 0, None, every),
                        fps=lifter.fps / every)
    report = formcheck.analyze(video, "deadlift", variant="kettlebell")
    reason = "the video has 2.0 frames/s; at least 8 are needed to judge a rep"
    assert report.rep_count >= 1
    for rep in report.reps:
        assert rep.outcome == "ambiguous" and rep.score is None
        assert rep.abstained[0].check == "frame_rate" and rep.abstained[0].reason == reason
    assert f"{reason}: its reps are marked ambiguous" in report.warnings
