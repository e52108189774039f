"""What every benchmark shares: where the clips are, machine facts, and writing results."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import formcheck
from formcheck.files import atomic_write
from formcheck.pose import DEFAULT_MAX_FPS, PoseSettings, extract_pose
from formcheck.track import PoseTrack
from formcheck.video import read_frames
from formcheck.video_sink import VideoSink

ROOT = Path(__file__).resolve().parents[1]
CLIPS = ROOT.parent / "shared" / "clips"
RESULTS = ROOT / "benchmarks" / "results"


def cpu_model() -> str:
    """The CPU's model name and a digest of its vector instructions: the pose model's last
    decimals differ between CPUs (the vector instructions its kernels use), and with them a few
    borderline counts and recognitions. The name alone does not tell them apart: a virtual
    machine may call CPUs of two generations "AMD EPYC"."""
    try:
        with Path("/proc/cpuinfo").open() as fh:
            lines = fh.read().splitlines()
    except OSError:
        lines = []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    name = names[0] if names else platform.processor() or platform.machine()
    flags = next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")),
                 [])
    vector = sorted(flag for flag in flags if flag.startswith(VECTOR_FLAGS))
    digest = hashlib.sha256(" ".join(vector).encode()).hexdigest()[:8]
    return f"{name} (vector {digest})" if vector else name


VECTOR_FLAGS = ("sse", "ssse", "avx", "fma", "f16c", "amx")
"""The CPU flags of vector instructions, whose set picks the pose model's kernels."""


def machine() -> dict[str, Any]:
    """Where and when a result was measured; ratios only compare within one run."""
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "processor": cpu_model(),
    }


def shared_clip(name: str) -> Path:
    path = CLIPS / name
    if not path.exists():
        raise SystemExit(f"benchmark needs the shared clips: {path} not found")
    return path


def kept_apart(file: str) -> bool:
    """Whether a labelled clip is one of those kept apart from development: three in sixteen
    (about a fifth), chosen by the first hex digit of the SHA-1 of its file name, never by what
    formcheck makes of it. Recognition is fitted without them; counting is published for them
    on their own too."""
    return hashlib.sha1(Path(file).name.encode()).hexdigest()[0] in "012"


def split(file: str) -> str:
    """Which side of :func:`kept_apart` a labelled clip is on, as the tables name it."""
    return "kept apart" if kept_apart(file) else "development"


LOOP_FPS = 30.0
"""Frame rate of the looped inputs: every other frame of the 60 fps shared clips."""


def looped(source: Path, seconds: float, folder: Path, short_side: int | None = None) -> Path:
    """``source`` at 30 fps (every other frame of a 60 fps clip), rescaled so its short side is
    ``short_side`` pixels (if given), repeated for ``seconds``, as H.264 like a phone writes it.

    The long inputs of the speed and memory benchmarks (and the robustness corpus's hour) are
    made here, never kept: the shared clips must not be copied into the project.
    """
    import cv2

    frames = [f.image for f in itertools.islice(read_frames(source), 0, None, 2)]
    height, width = frames[0].shape[:2]
    if short_side is not None:
        scale = short_side / min(height, width)
        width, height = round(width * scale / 2) * 2, round(height * scale / 2) * 2
        frames = [cv2.resize(f, (width, height), interpolation=cv2.INTER_CUBIC) for f in frames]
    name = f"looped_{seconds:g}s" + (f"_{short_side}p" if short_side else "") + ".mp4"
    path = folder / name
    with VideoSink(path, width=width, height=height, fps=LOOP_FPS) as sink:
        for image in itertools.islice(itertools.cycle(frames), round(seconds * LOOP_FPS)):
            sink.write(image)
    return path


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A markdown table, so the same text goes to the terminal and into the README."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    return "\n".join([line, rule, *body])


def _cell(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def write_result(name: str, payload: dict[str, Any]) -> Path:
    path = RESULTS / f"{name}.json"
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps({"machine": machine(), **payload}, indent=2) + "\n")
    return path


TRACK_CACHE = ROOT / "tests" / ".track-cache"
"""Tracks extracted from shared clips, kept between runs (gitignored): the benchmarks', their
quick modes' in the tests too, for clips without a committed track."""

TRACK_FIXTURES = ROOT / "tests" / "tracks"
"""Tracks of the clips the tests read, committed (tests/tracks/README.md): on a fresh machine
the tests would otherwise spend about twenty of their sixty minutes running the model over them."""

TRACK_FORMAT = 5
"""Version of the committed tracks, raised by hand when a change to the code that makes tracks
changes them (then ``python -m benchmarks.fixtures`` makes them again). Not the pipeline's
digest, which the gitignored cache is keyed by: every docstring edit to ``video.py`` would then
cost twenty minutes of extraction and 19 MB of history; ``tests/test_tracks.py`` extracts one
clip again to catch a forgotten raise."""

_PIPELINE = ("pose.py", "camera.py", "contour.py", "exposure.py", "shots.py", "video.py",
             "timeline.py", "track.py", "models.py")


def _pipeline_digest() -> str:
    """Hash of the code that makes a track, so a cached track is never older than that code."""
    package = Path(formcheck.__file__).parent
    digest = hashlib.sha256()
    for name in _PIPELINE:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()[:12]


def cached_track(video: Path, model: str = "full", max_fps: float | None = DEFAULT_MAX_FPS
                 ) -> PoseTrack:
    """The pose track of a shared clip with the real model (at most ``max_fps`` frames a
    second, as ``analyze`` reads it; None: every frame): the committed one, or
    :func:`extracted_track`."""
    committed = committed_track(video, model, max_fps)
    if committed.exists():
        return PoseTrack.load(committed)
    return extracted_track(video, model, max_fps)


def committed_track(video: Path, model: str = "full",
                    max_fps: float | None = DEFAULT_MAX_FPS) -> Path:
    """Where a clip's committed track of today's format is (or would be)."""
    return TRACK_FIXTURES / track_name(video, model, max_fps, f"v{TRACK_FORMAT}")


def extracted_track(video: Path, model: str = "full",
                    max_fps: float | None = DEFAULT_MAX_FPS) -> PoseTrack:
    """The pose track of a shared clip as today's code makes it, extracted once and cached."""
    cached = TRACK_CACHE / track_name(video, model, max_fps, _pipeline_digest())
    if cached.exists():
        return PoseTrack.load(cached)
    track = extract_pose(video, PoseSettings(model=model, max_fps=max_fps))
    track.save(cached)
    return track


def track_name(video: Path, model: str, max_fps: float | None, made_by: str) -> str:
    """File name of a clip's track: the clip (name and size, so an edited clip is another
    clip), how it was read, and what made it (a digest, or the committed format)."""
    rate = ("" if max_fps == DEFAULT_MAX_FPS
            else f"-fps{'source' if max_fps is None else f'{max_fps:g}'}")
    return f"{video.stem}-{video.stat().st_size}-{model}{rate}-{made_by}.npz"
