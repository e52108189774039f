"""What the CLI does, as plain functions: each one is the documented way to do that job in Python.

Example:
    >>> import formcheck
    >>> track = formcheck.pose_video("lift.mp4", "lift.track.npz", video_out="lift.mp4")
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from formcheck.errors import FormcheckError
from formcheck.pose import PoseSettings, extract_pose
from formcheck.track import PoseTrack, check_writable


def pose_video(
    video: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    video_out: str | os.PathLike[str] | None = None,
    model: str = "full",
    model_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PoseTrack:
    """Extract the lifter's pose track from ``video``; optionally save it and an annotated mp4.

    Output paths are checked before the model runs, and a video in which nobody is ever found
    is an error (there is nothing to analyse) rather than an empty track.
    """
    for path in (output, video_out):
        if path is not None:
            check_writable(path)
    settings = PoseSettings(model=model, model_dir=Path(model_dir) if model_dir else None)
    track = extract_pose(video, settings, progress=progress)
    if not track.present.any():
        raise FormcheckError(f"{video}: no person found in any of its {len(track)} frames")
    if output is not None:
        track.save(output)
    if video_out is not None:
        from formcheck.annotate import write_annotated_video

        write_annotated_video(video, track, video_out)
    return track
