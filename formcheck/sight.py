"""What a video shows, whatever the lift: where the lifter was out of sight or out of the
picture, where the video cuts, and where the camera moved.

Apart from :mod:`formcheck.analysis` because none of it depends on the lift or its reps: it
reads the track alone, and counting (:mod:`formcheck.counting`), the checks' abstentions, the
warnings and the live view all ask the same questions of it.

Example:
    >>> times = np.arange(10) / 10
    >>> seen = np.array([1, 1, 1, 0, 0, 0, 1, 1, 1, 1], dtype=bool)
    >>> unseen_spans(seen, times, min_s=0.3)   # last seen, next seen
    [(0.2, 0.6)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from formcheck.camera import CameraMove, camera_moves
from formcheck.landmarks import Landmark
from formcheck.shots import edit_cuts
from formcheck.track import PoseTrack


def unseen_spans(seen: np.ndarray, times: np.ndarray, min_s: float) -> list[tuple[float, float]]:
    """(last seen, next seen) times around every stretch of at least ``min_s`` in which ``seen``
    is False, between its first and last seen frame.

    Never shorter than one and a half frame intervals: in a video of a frame a second the step
    from one frame to the next is no gap in the tracking (the frame rate is judged on its own,
    :func:`formcheck.analysis.frame_rate_abstention`).
    """
    at = times[np.flatnonzero(seen)]
    min_s = max(min_s, 1.5 * median_interval(times))
    return [(float(at[i]), float(at[i + 1])) for i in np.flatnonzero(np.diff(at) >= min_s)]


def median_interval(times: np.ndarray) -> float:
    """The median time between consecutive frames; 0 with fewer than two frames.

    The frame rate a stretch of video really has: a phone's variable frame rate and dropped
    frames count as what is there, not what the container states."""
    return float(np.median(np.diff(times))) if len(times) > 1 else 0.0


def time_cuts(track: PoseTrack) -> list[Mapping[str, Any]]:
    """Where the video's timestamps break and its time line was cut (``meta["time_cuts"]``, as
    :class:`formcheck.timeline.TimeCut` fields), in time order."""
    return sorted(track.meta.get("time_cuts") or (), key=lambda cut: cut["at_s"])


def shot_changes(track: PoseTrack) -> list[float]:
    """Times of the first frame of each new shot of an edited video
    (:func:`formcheck.shots.edit_cuts`, where the camera was not followed across): the frames'
    own times, unrounded, since a rep's ends are compared with them (a cut on a rep's first or
    made frame is not inside it)."""
    return [float(at) for at in edit_cuts(track.times, track.picture_change, track.present,
                                          track.camera_shift)]


def video_cuts(track: PoseTrack, edits: Sequence[float]) -> list[Mapping[str, Any]]:
    """Every cut in the video, in time order: where its timestamps break (:func:`time_cuts`)
    and where an edit changes shot (``edits``, as :func:`shot_changes` finds them; ``kind``
    ``"edit"``). A rep either kind runs through cannot be judged
    (:func:`formcheck.analysis.cut_abstention`)."""
    shots = [{"at_s": at, "kind": "edit", "size_s": 0.0} for at in edits]
    return sorted([*time_cuts(track), *shots], key=lambda cut: cut["at_s"])


def cut_words(cut: Mapping[str, Any]) -> str:
    """One of :func:`video_cuts`, in words."""
    if cut["kind"] == "edit":
        return f"the video cuts to another shot at {cut['at_s']:.1f} s"
    if cut["kind"] == "restart":
        return f"the video's timestamps restart at {cut['at_s']:.1f} s"
    return f"the video's timestamps jump {cut['size_s']:.1f} s ahead at {cut['at_s']:.1f} s"


@dataclass(frozen=True)
class Seen:
    """What a track shows of its video, whatever the lift, found once for everything that
    reads it (counting, the checks, the warnings, the report): where an edit changes shot,
    where the camera moved, and where the lifter was out of the picture."""

    edits: list[float]
    moves: list[CameraMove]
    away: list[OffPicture]


def seen(track: PoseTrack) -> Seen:
    """:func:`shot_changes`, then :func:`camera_motion` (nothing followed across an edit),
    then :func:`off_picture` (from those moves) of ``track``."""
    edits = shot_changes(track)
    moves = camera_motion(track, edits)
    return Seen(edits, moves, off_picture(track, moves))


def camera_motion(track: PoseTrack, edits: Sequence[float]) -> list[CameraMove]:
    """Where the camera moved (:func:`formcheck.camera.camera_moves`), nothing being followed
    across an edit's change of shot (``edits``, :func:`shot_changes`)."""
    return camera_moves(track.times, track.camera_shift, edits)


def camera_note(moves: Sequence[CameraMove]) -> str | None:
    """One line on a video whose camera moved, or None."""
    if not moves:
        return None
    spans = ", ".join(f"{m.start_s:.1f}-{m.end_s:.1f} s" for m in moves[:MAX_MOVE_NOTES])
    more = f" and {len(moves) - MAX_MOVE_NOTES} more times" if len(moves) > MAX_MOVE_NOTES else ""
    largest = max(m.size for m in moves)
    return (f"the camera moved at {spans}{more} (the picture by up to {largest:.0%} of its "
            "width): reps are counted from the lifter's joints, which a moving camera leaves "
            "as they are, but a rep whose turnaround it lost is not counted")


MAX_MOVE_NOTES = 3
"""Spans of camera motion listed one by one in the warning; more are summed up."""


@dataclass(frozen=True)
class OffPicture:
    """A span in which the lifter was out of the picture, not merely unseen: from the last
    frame they were seen in to the next, and why they are taken to have left it."""

    start_s: float
    end_s: float
    why: str


EDGE = 0.02
"""Share of the picture's width or height from its edge within which two of the shoulders and
hips, seen in the frame before the lifter was lost (or the frame they came back in), have the
lifter leaving (or entering) the picture: a trunk that close to the edge has its outer half
outside it. formcheck choice."""

MIN_AWAY_S = 0.3
"""Shortest span unseen that can be one out of the picture: a lifter lost for less, even at
the picture's edge or as the camera moves, is taken as lost by the model, and the driver is
bridged across the gap as across any other. The gap is shorter than the quickest half rep
(half of ``rep_min_duration``'s 0.6 s), so the frames either side lie within 0.15 s of
anything it hides. formcheck choice."""

MOVE_LEAD_S = 0.5
"""Seconds before the lifter is lost within which a camera move counts as having lost them:
the move that swings a lifter out of the picture is under way before the model stops finding
them (it finds a half-seen person)."""

_TRUNK = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]


def off_picture(track: PoseTrack, moves: Sequence[CameraMove]) -> list[OffPicture]:
    """The spans in which the lifter was not seen and had left the picture: the camera moved
    (``moves``, :func:`camera_motion`) as they were lost or while they were, far enough to
    carry the middle of their trunk out of the picture; or their trunk was at the picture's
    edge (:data:`EDGE`) just before or just after; lost for at least :data:`MIN_AWAY_S`.

    Why not every span unseen: the model also loses a lifter who stays in the picture (a plate
    in front of the body at lockout, a dark corner, the blur of a camera that wobbles), and a
    labeller who sees the rep counts it; the rep is counted and not judged
    (:func:`formcheck.analysis.tracking_abstention`). A lifter out of the picture was seen by
    nobody.
    """
    out = []
    for start, end in unseen_spans(track.present, track.times, MIN_AWAY_S):
        moved = [m for m in moves if m.start_s <= end and m.end_s >= start - MOVE_LEAD_S]
        if moved and _carried_out(track, start, end):
            out.append(OffPicture(start, end, f"the camera moved at {moved[0].start_s:.1f} s"))
        elif _at_edge(track, start) or _at_edge(track, end):
            out.append(OffPicture(start, end, "the lifter was at the picture's edge"))
    return out


def _carried_out(track: PoseTrack, start_s: float, end_s: float) -> bool:
    """Whether the camera's steps from ``start_s`` (the lifter last seen) to ``end_s`` carried
    the middle of their trunk, where it was last seen, out of the picture: the lifter stands
    still in the room as the picture moves (a step not followed counts as none)."""
    first, last = np.searchsorted(track.times, [start_s, end_s])
    trunk = track.landmarks[first, _TRUNK, :2]
    trunk = trunk[np.isfinite(trunk).all(axis=1)]
    if not trunk.size:
        return False
    steps = np.nan_to_num(track.camera_shift[first + 1:last + 1].astype(np.float64))
    steps[:, 1] *= track.width / track.height  # shares of the width, down the picture's height
    where = trunk.mean(axis=0) + np.cumsum(steps, axis=0)
    return bool(((where < 0) | (where > 1)).any())


def _at_edge(track: PoseTrack, at_s: float) -> bool:
    """Whether two of the shoulders and hips are within :data:`EDGE` of the picture's edge at
    ``at_s``."""
    i = int(np.searchsorted(track.times, at_s))
    trunk = track.landmarks[i, _TRUNK, :2]
    near = ((trunk < EDGE) | (trunk > 1 - EDGE)).any(axis=1)
    return int(near.sum()) >= 2
