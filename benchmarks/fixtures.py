"""Make the committed pose tracks of the clips the tests read (tests/tracks) again, or add one.

    python -m benchmarks.fixtures                        # every track of an older format, again
    python -m benchmarks.fixtures deadlift/clip.mp4 ...  # add the tracks of these clips

Run it after raising :data:`benchmarks.common.TRACK_FORMAT` (a change to the code that makes
tracks changed them); tests/test_tracks.py fails until then. A track today's code makes exactly
as before is renamed, not written again: git then keeps it as the same file, and only the
tracks the change moved cost the repository their size. tests/tracks/made_on.json records the
machine that made each track: MediaPipe's last decimals differ between CPUs.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.common import (
    CLIPS,
    DEFAULT_MAX_FPS,
    TRACK_FIXTURES,
    TRACK_FORMAT,
    committed_track,
    extracted_track,
    machine,
)
from formcheck.errors import FormcheckError
from formcheck.files import atomic_write
from formcheck.track import ARRAY_FIELDS, PoseTrack

NAME = re.compile(r"(?P<stem>.+)-(?P<size>\d+)-(?P<model>[a-z]+)(?:-fps(?P<rate>[^-]+))?"
                  r"-v(?P<format>\d+)\.npz")
"""A committed track's name (:func:`~benchmarks.common.track_name`): the format is what says
whether it is stale, the rest finds its clip again."""

MADE_ON = TRACK_FIXTURES / "made_on.json"
"""Which machine made each committed track (:func:`makers`): tracks made on two CPUs differ in
their last decimals, so a test that makes one again compares it bit for bit only on its own."""


def stale() -> list[Path]:
    """The committed tracks not of today's format (or not named as a committed track is)."""
    return sorted(path for path in TRACK_FIXTURES.glob("*.npz")
                  if (found := NAME.fullmatch(path.name)) is None
                  or int(found["format"]) != TRACK_FORMAT)


def _clip_of(path: Path, clips: dict[tuple[str, int], Path]) -> tuple[Path, str, float | None]:
    """The shared clip a committed track was made from (``clips``: every clip by stem and
    size), and how it was read: the name keeps the clip's size, so an edited clip of the same
    name is refused rather than re-tracked."""
    found = NAME.fullmatch(path.name)
    if found is None:
        raise SystemExit(f"{path.name}: not a committed track's name (see track_name)")
    video = clips.get((found["stem"], int(found["size"])))
    if video is None:
        raise SystemExit(f"{path.name}: its clip is not in {CLIPS} (or has changed since)")
    rate = found["rate"]
    max_fps = DEFAULT_MAX_FPS if rate is None else None if rate == "source" else float(rate)
    return video, found["model"], max_fps


def add(video: Path, model: str = "full", max_fps: float | None = DEFAULT_MAX_FPS) -> Path:
    """Commit-ready track of ``video`` in tests/tracks, made by today's code (from the cache
    when it holds one), written atomically: a stopped run leaves no half track under a name
    the tests would read."""
    target = committed_track(video, model, max_fps)
    extracted_track(video, model, max_fps).save(target)
    return target


def renew(old: Path, video: Path, model: str, max_fps: float | None) -> tuple[Path, bool]:
    """``old`` (a committed track of an older format) as today's code makes it, under today's
    name, and whether it came out the same: then it is renamed, so that git keeps it as the
    file it was and :data:`MADE_ON` the machine that made it."""
    target = committed_track(video, model, max_fps)
    made = extracted_track(video, model, max_fps)
    same = not differences(PoseTrack.load(old), made)
    if same:
        old.replace(target)
    else:
        made.save(target)
        old.unlink()
    return target, same


def differences(a: PoseTrack, b: PoseTrack) -> list[str]:
    """What two tracks hold differently, bit for bit (their size, rate, model, meta and each
    array of :data:`~formcheck.track.ARRAY_FIELDS`): none for the same frames from the same
    source."""
    header = ("width", "height", "fps", "model", "meta")
    return [name for name in header if getattr(a, name) != getattr(b, name)] + [
        name for name in ARRAY_FIELDS
        if not np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True)]


def makers() -> dict[str, dict[str, object]]:
    """The machine (:func:`~benchmarks.common.machine`) that made each committed track, by its
    file name. A record of format 3 or older named one machine for every track."""
    if not MADE_ON.exists():
        return {}
    found = json.loads(MADE_ON.read_text())
    if "tracks" in found:
        return dict(found["tracks"])
    one = {key: value for key, value in found.items() if key != "format"}
    return {path.name: one for path in sorted(TRACK_FIXTURES.glob("*.npz"))}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", help="clips to add, as named under ../shared/clips")
    args = parser.parse_args(argv)
    videos = [CLIPS / name for name in args.clips]
    for video in videos:
        if not video.is_file() or not video.resolve().is_relative_to(CLIPS.resolve()):
            raise SystemExit(f"{video}: not a clip under {CLIPS}")
    old_tracks = stale()
    clips = ({(video.stem, video.stat().st_size): video for video in CLIPS.rglob("*")
              if video.is_file()} if old_tracks else {})
    renewed = [(old, *_clip_of(old, clips)) for old in old_tracks]
    record = makers()
    try:
        for video in videos:
            target = add(video)
            record[target.name] = machine()
            print(target.name)
        for old, *how in renewed:
            target, same = renew(old, *how)
            maker = record.pop(old.name, None)
            record[target.name] = maker if same and maker else machine()
            print(f"{old.name} -> {target.name}{' (the same)' if same else ''}")
    except FormcheckError as exc:
        raise SystemExit(f"formcheck: {exc}") from None
    finally:
        # also after a failure part-way: the tracks renewed by then are recorded
        if videos or renewed:
            _write_makers(record)


def _write_makers(record: dict[str, dict[str, object]]) -> None:
    kept = {name: record[name] for name in sorted(record) if (TRACK_FIXTURES / name).exists()}
    with atomic_write(MADE_ON) as tmp:
        tmp.write_text(json.dumps({"format": TRACK_FORMAT, "tracks": kept}, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
