"""Make the committed pose tracks of the clips the tests read (tests/tracks) again, or add one.

    python -m benchmarks.fixtures                        # every stale track, made again
    python -m benchmarks.fixtures deadlift/clip.mp4 ...  # add the tracks of these clips

A track's name holds the pipeline's digest (:func:`benchmarks.common.track_key`), so a change to
the code that makes tracks leaves every committed track stale: the tests would still pass, by
running the model over each clip again, but in a quarter of an hour more than CI allows for them
(tests/test_benchmarks.py says so by failing). Tracks come out of the model as this machine's
CPU computes it: another CPU's may differ in the last digits, which is why the tests read these
and not their own.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import (
    CLIPS,
    DEFAULT_MAX_FPS,
    TRACK_CACHE,
    TRACK_FIXTURES,
    cached_track,
    pipeline_digest,
    track_key,
)

KEY = re.compile(r"(?P<stem>.+)-(?P<size>\d+)-(?P<model>[a-z]+)(?:-fps(?P<rate>[^-]+))?"
                 r"-(?P<digest>[0-9a-f]{12})\.npz")
"""What :func:`~benchmarks.common.track_key` writes."""


def stale() -> list[Path]:
    """The committed tracks that today's pipeline did not make."""
    return sorted(path for path in TRACK_FIXTURES.glob("*.npz")
                  if (found := KEY.fullmatch(path.name)) is None
                  or found["digest"] != pipeline_digest())


def _clip_of(path: Path) -> tuple[Path, str, float | None]:
    """The shared clip a committed track was made from, and how it was read."""
    found = KEY.fullmatch(path.name)
    if found is None:
        raise SystemExit(f"{path.name}: not a track name that track_key writes")
    for video in CLIPS.rglob(f"{found['stem']}.*"):
        if video.stat().st_size == int(found["size"]):
            rate = found["rate"]
            max_fps = (DEFAULT_MAX_FPS if rate is None else None if rate == "source"
                       else float(rate))
            return video, found["model"], max_fps
    raise SystemExit(f"{path.name}: its clip is not in {CLIPS} (or has changed since)")


def add(video: Path, model: str = "full", max_fps: float | None = DEFAULT_MAX_FPS) -> Path:
    """Commit-ready track of ``video`` in tests/tracks, extracted unless the cache holds it."""
    cached_track(video, model, max_fps)
    key = track_key(video, model, max_fps)
    target = TRACK_FIXTURES / key
    if not target.exists():
        shutil.copyfile(TRACK_CACHE / key, target)
    return target


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", help="clips to add, as named under ../shared/clips")
    args = parser.parse_args(argv)
    for name in args.clips:
        video = CLIPS / name
        if not video.is_file():
            raise SystemExit(f"{video}: no such clip")
        print(add(video).name)
    for old in stale():
        print(f"{old.name} -> {add(*_clip_of(old)).name}")
        old.unlink()


if __name__ == "__main__":
    main(sys.argv[1:])
