"""Frame sources and the H.264 writer, on small videos generated here with PyAV.

The synthetic clips carry what real phone videos throw at the reader (rotation metadata,
irregular and repeated timestamps, cut-off downloads); one real clip from ../shared/clips checks
frame count and duration against the manifest.
"""

from __future__ import annotations

import csv
import gc
import math
import os
import re
import threading
import warnings
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from corpus import audio_only, cut_mid_stream, text_as_video, write_video, zero_bytes

from formcheck.errors import FormcheckError
from formcheck.video import (
    CameraFrames,
    Frame,
    TruncatedVideoWarning,
    VideoInfo,
    camera_frames,
    read_frames,
)
from formcheck.video_sink import VideoSink

CLIPS = Path(__file__).resolve().parents[1].parent / "shared" / "clips"
TBY66 = "deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016c_1.mp4"


def pattern(index: int, width: int = 96, height: int = 64) -> np.ndarray:
    """A frame whose orientation survives compression: a white block in the top-left quarter
    and a red band along the right edge, on a grey that changes with ``index``."""
    image = np.full((height, width, 3), 40 + (index * 7) % 100, np.uint8)
    image[: height // 2, : width // 2] = 255
    image[:, -width // 6 :] = (230, 20, 20)
    return image


def make_video(
    path: Path,
    count: int = 10,
    *,
    width: int = 96,
    height: int = 64,
    rate: int = 30,
    **options: object,
) -> Path:
    """Encode ``count`` pattern frames; ``options`` as :func:`corpus.write_video` takes them."""
    images = (pattern(i, width, height) for i in range(count))
    return write_video(path, images, fps=rate, **options)


def decode_all(path: Path, **kwargs: int) -> list[Frame]:
    with read_frames(path, **kwargs) as frames:
        return list(frames)


def decode_thread_count() -> int:
    return sum(t.name == "formcheck-decode" and t.is_alive() for t in threading.enumerate())


@pytest.fixture(scope="module")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A minute of 256x192 video: ~240 MB of RGB frames if a reader kept them all."""
    path = tmp_path_factory.mktemp("long") / "long.mp4"
    return make_video(path, 1800, width=256, height=192, faststart=True)


# --- VideoInfo and frames ---------------------------------------------------------------


def test_info_of_a_plain_video(tmp_path: Path) -> None:
    info = VideoInfo.from_path(make_video(tmp_path / "plain.mp4", 12, rate=30))
    assert info == VideoInfo(
        width=96,
        height=64,
        fps=30.0,
        frame_count=12,
        duration_s=pytest.approx(0.4),
        rotation=0,
        codec="h264",
    )


def test_frames_are_contiguous_uint8_rgb_with_indices_and_times(tmp_path: Path) -> None:
    frames = decode_all(make_video(tmp_path / "plain.mp4", 12, rate=30))
    assert [f.index for f in frames] == list(range(12))
    assert [f.time_s for f in frames] == pytest.approx([i / 30 for i in range(12)])
    for frame in frames:
        assert frame.image.shape == (64, 96, 3)
        assert frame.image.dtype == np.uint8
        assert frame.image.flags.c_contiguous
    red_band = frames[0].image[:, -8:].reshape(-1, 3).mean(axis=0)
    assert red_band[0] > 200 and red_band[2] < 50, "channels must be RGB, not BGR"


@pytest.mark.parametrize(
    ("ffmpeg_angle", "clockwise"),
    [(-90, 90), (90, 270), (180, 180)],
    ids=["phone-portrait", "portrait-upside-down", "upside-down"],
)
def test_rotation_metadata_is_applied(tmp_path: Path, ffmpeg_angle: int, clockwise: int) -> None:
    path = make_video(tmp_path / "rotated.mp4", 3, display_rotation=ffmpeg_angle)
    info = VideoInfo.from_path(path)
    assert info.rotation == clockwise
    turned = (info.width, info.height) == (64, 96)
    assert turned == (clockwise != 180)
    image = decode_all(path)[0].image
    assert image.shape == (info.height, info.width, 3)
    errors = {
        turn: np.abs(image.astype(int) - candidate).mean()
        for turn in (0, 90, 180, 270)
        if (candidate := np.rot90(pattern(0), k=-turn // 90)).shape == image.shape
    }
    assert min(errors, key=errors.__getitem__) == clockwise
    assert errors[clockwise] < 8


@pytest.mark.parametrize(
    ("ffmpeg_angle", "size", "scaled_from"),
    [(None, (1920, 1080), (2560, 1440)), (-90, (1080, 1920), (1440, 2560))],
    ids=["landscape", "phone-portrait"],
)
def test_frames_larger_than_the_cap_are_scaled_down_whole(
    tmp_path: Path, ffmpeg_angle: int | None, size: tuple[int, int], scaled_from: tuple[int, int]
) -> None:
    path = make_video(tmp_path / "big.mp4", 3, width=2560, height=1440,
                      display_rotation=ffmpeg_angle)
    info = VideoInfo.from_path(path)
    assert (info.width, info.height, info.scaled_from) == (*size, scaled_from)
    with read_frames(path) as reader:
        frames = list(reader)
    assert reader.notes == {"scaled_from": list(scaled_from)}
    width, height = size
    for frame in frames:
        assert frame.image.shape == (height, width, 3) and frame.image.flags.c_contiguous
    expected = cv2.resize(np.rot90(pattern(0, 2560, 1440), k=-1 if ffmpeg_angle else 0),
                          size, interpolation=cv2.INTER_AREA)
    assert np.abs(frames[0].image.astype(int) - expected).mean() < 8, "the whole picture, upright"


def test_frames_within_the_cap_keep_their_size(tmp_path: Path) -> None:
    path = make_video(tmp_path / "hd.mp4", 2, width=1920, height=1080)
    assert VideoInfo.from_path(path).scaled_from is None
    with read_frames(path) as reader:
        assert next(reader).image.shape == (1080, 1920, 3)
    assert reader.notes == {}


def test_variable_frame_rate_times_come_from_the_container(tmp_path: Path) -> None:
    pts_ms = [0, 33, 50, 120, 121, 300, 310]
    path = make_video(tmp_path / "vfr.mp4", len(pts_ms), pts_ms=pts_ms)
    frames = decode_all(path)
    assert [f.time_s for f in frames] == pytest.approx([t / 1000 for t in pts_ms], abs=1e-4)


def test_repeated_timestamps_are_nudged_to_stay_strictly_increasing(tmp_path: Path) -> None:
    # Matroska accepts equal timestamps; mp4 refuses to write them.
    pts_ms = [0, 40, 40, 80, 120]
    path = make_video(
        tmp_path / "dup.mkv", 5, pts_ms=pts_ms, container_format="matroska", codec="ffv1"
    )
    frames = decode_all(path)
    assert [f.time_s for f in frames] == pytest.approx([0.0, 0.04, 0.041, 0.08, 0.12])
    stamps = [f.timestamp_ms for f in frames]
    assert stamps == sorted(set(stamps))


def test_prefetch_thread_yields_exactly_what_inline_decoding_yields(tmp_path: Path) -> None:
    path = make_video(tmp_path / "plain.mp4", 20, display_rotation=-90)
    threaded, inline = decode_all(path, prefetch=8), decode_all(path, prefetch=0)
    assert [f.time_s for f in threaded] == [f.time_s for f in inline]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(threaded, inline, strict=True))


@pytest.mark.parametrize("start_s", [0.5, 1.0, 1.51, 2.95])
def test_reading_from_a_time_gives_the_frames_from_there(tmp_path: Path, start_s: float) -> None:
    path = make_video(tmp_path / "seek.mp4", 90, display_rotation=-90)
    expected = [f for f in decode_all(path) if f.time_s >= start_s - 0.0005]
    with read_frames(path, start_s=start_s) as frames:
        part = list(frames)
    assert [f.time_s for f in part] == [f.time_s for f in expected] and expected
    assert all(np.array_equal(a.image, b.image) for a, b in zip(part, expected, strict=True))


def test_reading_from_a_time_seeks_past_key_frames(long_video: Path) -> None:
    with read_frames(long_video, start_s=41.7) as frames:
        first = next(frames)
    assert first.time_s == pytest.approx(41.7, abs=1e-3) and first.index == 0
    assert np.array_equal(first.image, decode_all(long_video)[1251].image)


# --- bad input --------------------------------------------------------------------------


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "nope.mp4"


def _cut_before_index(tmp_path: Path) -> Path:
    """An mp4 whose index (moov, written last) never arrived."""
    full = make_video(tmp_path / "full.mp4", 60).read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(full[: len(full) // 2])
    return path


def _index_but_no_frames(tmp_path: Path) -> Path:
    """A faststart mp4 cut just after its index: a video stream with nothing to decode."""
    full = make_video(tmp_path / "full.mp4", 60, faststart=True).read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(full[: full.index(b"mdat") + 64])
    return path


def _too_large(tmp_path: Path) -> Path:
    """16400 pixels wide: more than a decoder should be asked to hold (lossless FFV1, since a
    strip 16 rows high costs nothing to encode)."""
    return make_video(tmp_path / "wide.mkv", 1, width=16400, height=16,
                      container_format="matroska", codec="ffv1")


def _directory(tmp_path: Path) -> Path:
    return tmp_path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_missing, "video not found"),
        (zero_bytes, "empty (0 bytes)"),
        (text_as_video, "cannot read"),
        (audio_only, "no video stream (it contains audio)"),
        (_cut_before_index, "cannot read"),
        (_index_but_no_frames, "no decodable frames"),
        (_directory, "not a video file"),
        (_too_large, "the video is 16400x16 pixels, too large to decode; formcheck reads up to "
                     "16384 pixels a side (scale it down first"),
    ],
    ids=["missing", "zero-bytes", "text", "audio-only", "truncated", "no-frames", "directory",
         "too-large"],
)
def test_bad_input_is_a_one_line_formcheck_error(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path)
    for open_video in (VideoInfo.from_path, read_frames):
        with pytest.raises(FormcheckError, match=re.escape(message)) as raised:
            open_video(path)
        assert "\n" not in str(raised.value)


def _damaged_in_the_middle(video: Path, folder: Path) -> Path:
    data = bytearray(video.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4000] = np.random.default_rng(0).bytes(4000)
    path = folder / f"damaged-{video.name}"
    path.write_bytes(bytes(data))
    return path


def _sink_video(path: Path, count: int, width: int, height: int) -> Path:
    """What VideoSink (and most phone encoders) write: B-frames, so the decoder holds frames
    back, and those it gives up after the damage must still carry their times."""
    with VideoSink(path, width=width, height=height, fps=30) as sink:
        for i in range(count):
            sink.write(pattern(i, width, height))
    return path


@pytest.mark.parametrize("prefetch", [0, 8])
@pytest.mark.parametrize("damage", [cut_mid_stream, _damaged_in_the_middle])
@pytest.mark.parametrize("encode", [make_video, _sink_video], ids=["ultrafast", "sink"])
def test_damaged_video_stops_at_the_last_good_frame(
    tmp_path: Path, damage, prefetch: int, encode
) -> None:
    if encode is make_video:
        video = make_video(tmp_path / "v.mp4", 120, width=160, height=120, faststart=True)
    else:
        video = _sink_video(tmp_path / "v.mp4", 120, 160, 120)
    path = damage(video, tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with read_frames(path, prefetch=prefetch) as frames:
            decoded = list(frames)
    assert 10 < len(decoded) < 120
    assert [f.index for f in decoded] == list(range(len(decoded)))
    times = np.array([f.time_s for f in decoded])
    assert np.all(np.diff(times) > 0)
    assert times[-1] == pytest.approx((len(decoded) - 1) / 30, abs=0.1)
    assert frames.truncated is not None
    assert [w.category for w in caught] == [TruncatedVideoWarning]


def test_complete_video_is_not_reported_truncated(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with read_frames(make_video(tmp_path / "v.mp4", 30)) as frames:
            assert len(list(frames)) == 30
    assert frames.truncated is None


def test_camera_that_cannot_be_opened_is_a_formcheck_error(capfd: pytest.CaptureFixture[str]
                                                            ) -> None:
    with pytest.raises(FormcheckError, match="cannot open camera 99"):
        camera_frames(99)
    assert "OpenCV" not in capfd.readouterr().err  # its C++ trace is not the user's message
    with pytest.raises(FormcheckError, match="camera index must be 0 or more, not -1"):
        camera_frames(-1)  # OpenCV's own handling of -1 crashed the process (exit 139)


class _Capture:
    """A camera that always has a 4x4 frame, counting how often it is let go."""

    released = 0

    def read(self) -> tuple[bool, np.ndarray]:
        return True, np.zeros((4, 4, 3), np.uint8)

    def release(self) -> None:
        self.released += 1


def test_a_camera_is_let_go_on_close_even_if_never_read() -> None:
    """live opens the camera, then loads the model: a model that fails to load must not leave
    the camera held (the next session would find it 'in use')."""
    capture = _Capture()
    frames = CameraFrames(capture, 0)  # type: ignore[arg-type]
    frames.close()
    frames.close()
    assert capture.released == 1 and list(frames) == []
    reading = CameraFrames(_Capture(), 0)  # type: ignore[arg-type]
    assert [next(reading).index for _ in range(3)] == [0, 1, 2]


# --- streaming and closing --------------------------------------------------------------


def _rss_bytes() -> int:
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc for RSS")
def test_memory_does_not_grow_with_video_length(long_video: Path) -> None:
    # RSS rather than tracemalloc: frame pixels live in FFmpeg's allocations, which
    # tracemalloc cannot see.
    with read_frames(long_video) as frames:
        for frame in frames:
            if frame.index == 200:
                settled = _rss_bytes()
        assert frame.index == 1799
        grown = _rss_bytes() - settled
    assert grown < 40 * 2**20, f"RSS grew {grown / 2**20:.0f} MB over 1600 frames"


def _open_files() -> int:
    return sum(1 for _ in Path("/proc/self/fd").iterdir())


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs Linux /proc for open files")
def test_closing_early_stops_the_thread_and_releases_the_file(long_video: Path) -> None:
    files = _open_files()
    for _ in range(10):
        frames = read_frames(long_video, prefetch=2)
        next(frames)
        assert decode_thread_count() == 1
        frames.close()
        frames.close()
        assert next(frames, None) is None
        assert decode_thread_count() == 0
    assert _open_files() <= files


def test_leaving_a_with_block_early_stops_the_thread(long_video: Path) -> None:
    with read_frames(long_video) as frames:
        for frame in frames:
            if frame.index == 3:
                break
    assert decode_thread_count() == 0


def test_an_abandoned_reader_is_cleaned_up_by_garbage_collection(long_video: Path) -> None:
    frames = read_frames(long_video)
    next(frames)
    assert decode_thread_count() == 1
    del frames
    gc.collect()
    assert decode_thread_count() == 0


# --- VideoSink --------------------------------------------------------------------------


def test_sink_writes_browser_playable_h264(tmp_path: Path) -> None:
    target = tmp_path / "out" / "annotated.mp4"
    with VideoSink(target, width=95, height=63, fps=29.97) as sink:
        for i in range(12):
            sink.write(pattern(i, 95, 63))
        assert not target.exists(), "the target must appear only when the file is complete"
    assert sink.frames_written == 12
    with av.open(str(target)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == (96, 64)
        assert stream.average_rate == pytest.approx(29.97, abs=0.01)
        assert sum(1 for _ in container.decode(stream)) == 12
    data = target.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat"), "index must come first (+faststart)"
    frames = decode_all(target)
    assert len(frames) == 12
    assert np.abs(frames[0].image[:63, :95].astype(int) - pattern(0, 95, 63)).mean() < 8
    assert list(target.parent.iterdir()) == [target]


def test_sink_removes_its_partial_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / "annotated.mp4"
    target.write_bytes(b"previous run")
    with pytest.raises(KeyError), VideoSink(target, width=96, height=64, fps=30) as sink:
        sink.write(pattern(0))
        raise KeyError("model crashed")
    assert target.read_bytes() == b"previous run"
    assert list(tmp_path.iterdir()) == [target]


def test_sink_refuses_an_unwritable_destination_on_entry(tmp_path: Path) -> None:
    blocker = tmp_path / "report.txt"
    blocker.write_text("a file, not a folder")
    with pytest.raises(FormcheckError, match=r"report\.txt is not a folder"):
        VideoSink(blocker / "annotated.mp4", width=96, height=64, fps=30).__enter__()
    with pytest.raises(FormcheckError, match="is a folder"):
        VideoSink(tmp_path, width=96, height=64, fps=30).__enter__()


def test_sink_with_no_frames_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "annotated.mp4"
    with (
        pytest.raises(FormcheckError, match="no frames"),
        VideoSink(target, width=96, height=64, fps=30),
    ):
        pass
    assert list(tmp_path.iterdir()) == []


def test_sink_rejects_frames_of_the_wrong_size(tmp_path: Path) -> None:
    with (
        pytest.raises(ValueError, match="expected a"),
        VideoSink(tmp_path / "a.mp4", width=96, height=64, fps=30) as sink,
    ):
        sink.write(pattern(0, 64, 48))


# --- a real clip ------------------------------------------------------------------------


@pytest.mark.clips
@pytest.mark.skipif(not (CLIPS / TBY66).exists(), reason=f"real clips not found in {CLIPS}")
def test_real_clip_decodes_fully_and_agrees_with_the_manifest() -> None:
    with (CLIPS / "manifest.csv").open(newline="") as manifest:
        row = next(r for r in csv.DictReader(manifest) if r["file"] == TBY66)
    duration, fps = float(row["duration_s"]), float(row["fps"])
    width, height = map(int, row["size"].split("x"))
    info = VideoInfo.from_path(CLIPS / TBY66)
    assert (info.width, info.height, info.fps) == (width, height, fps)
    assert info.duration_s == pytest.approx(duration, abs=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with read_frames(CLIPS / TBY66) as frames:
            count, last = 0, None
            for frame in frames:  # streamed: all 1262 frames at once would be ~870 MB
                assert frame.image.shape == (height, width, 3)
                assert last is None or frame.time_s > last.time_s
                count, last = count + 1, frame
    assert frames.truncated is None
    assert count == info.frame_count == round(duration * fps)
    assert last is not None
    assert last.time_s + 1 / fps == pytest.approx(duration, abs=0.01)


def _peak_rss_mb(code: str) -> float:
    """Peak resident memory of a fresh interpreter running ``code``, in MB: its ``VmHWM``, since
    ``ru_maxrss`` would carry this (large) process's peak over the fork."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", code + "\nfrom pathlib import Path\n"
         "print(next(line for line in Path('/proc/self/status').read_text().splitlines()"
         " if line.startswith('VmHWM')))"],
        capture_output=True, text=True, timeout=300, check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return int(done.stdout.split()[-2]) / 1024


@pytest.mark.slow
@pytest.mark.clips
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc for RSS")
def test_an_8k_video_is_posed_at_the_cap_in_bounded_memory(tmp_path: Path, lifter) -> None:
    """8192x8192, the lifter filling its height: the model finds them where it does in the
    360x640 original, and memory stays near that of a 1080p video. Peak RSS of extract_pose on
    the 2-core dev machine: these 4 frames 2185 MB without the cap, 614 MB with it; 10 frames
    3086 MB (11.5 s) against 856 MB (2.0 s)."""
    from formcheck.pose import extract_pose

    side, images = 8192, lifter.images[:4]
    height, width = images[0].shape[:2]
    scaled = round(width * side / height) // 2 * 2
    left = (side - scaled) // 2
    big, small = tmp_path / "8k.mp4", tmp_path / "small.mp4"
    with VideoSink(big, width=side, height=side, fps=lifter.fps, preset="ultrafast") as sink:
        for image in images:
            canvas = np.zeros((side, side, 3), np.uint8)
            canvas[:, left:left + scaled] = cv2.resize(image, (scaled, side))
            sink.write(canvas)
    with VideoSink(small, width=width, height=height, fps=lifter.fps) as sink:
        for image in images:
            sink.write(image)
    code = f"from formcheck.pose import extract_pose; extract_pose({str(big)!r}, workers=1)"
    assert _peak_rss_mb(code) < 1500
    track, reference = extract_pose(big), extract_pose(small)
    assert (track.width, track.height) == (1920, 1920) and track.present.all()
    assert track.meta["codec"] == "h264"
    # Normalised landmarks of the big frame, in pixels of the small one.
    x = (track.landmarks[..., 0] * side - left) / scaled * width
    y = track.landmarks[..., 1] * height
    error = np.hypot(x - reference.landmarks[..., 0] * width,
                     y - reference.landmarks[..., 1] * height)
    assert np.median(error) < 3.0, np.median(error)
    assert np.isfinite(track.back_contour).all()


# --- reading at a capped frame rate ------------------------------------------------------


@pytest.mark.parametrize(("rate", "kept"), [(60, 30), (30, 30), (24, 24), (50, 30)])
def test_a_capped_read_keeps_one_frame_per_slot_of_the_rate(
    tmp_path: Path, rate: int, kept: int
) -> None:
    """A second of video read at 30 frames a second keeps the first frame of each 1/30 s slot:
    every other frame of 60 fps, all of 30 or 24 fps; indices count the frames kept."""
    path = make_video(tmp_path / f"{rate}.mp4", rate, rate=rate)
    every = decode_all(path)
    capped = decode_all(path, max_fps=30)
    assert len(capped) == kept and [f.index for f in capped] == list(range(kept))
    by_time = {f.time_s: f for f in every}
    assert all(np.array_equal(f.image, by_time[f.time_s].image) for f in capped)
    slots = [math.floor(f.time_s * 30 + 0.5) for f in capped]
    assert slots == sorted(set(slots))


def test_a_capped_read_from_a_time_keeps_the_frames_a_read_from_the_start_keeps(
    tmp_path: Path,
) -> None:
    """Why it matters: the helper processes reading later parts of a video must analyse the
    very frames one reader going through the whole video would."""
    path = make_video(tmp_path / "seek60.mp4", 180, rate=60)
    whole = [f.time_s for f in decode_all(path, max_fps=30)]
    for start_s in (0.5, 1.01, 1.51, 2.0):
        with read_frames(path, start_s=start_s, max_fps=30) as frames:
            assert [f.time_s for f in frames] == [t for t in whole if t >= start_s - 0.0005]


def test_a_rate_that_is_not_positive_is_refused(tmp_path: Path) -> None:
    path = make_video(tmp_path / "plain.mp4", 3)
    with pytest.raises(ValueError, match="max_fps"):
        read_frames(path, max_fps=0)
