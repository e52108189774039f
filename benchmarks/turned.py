"""Each check from a camera turned away from the side, simulated: over which angles a check's
verdicts stay the ones it gives from the side.

Why simulate: the labelled clips film most faults from the side, and only two synchronised
takes film the same reps from a second angle (~42°, :mod:`benchmarks.views`). A side-view
track's world landmarks (metres, about the hips, in the camera's axes) are turned about the
vertical, and each image landmark is moved by what the turn moves its world landmark on the
picture (at the frame's own pixels per metre), so a turn of 0° is the real track exactly and a
turn of Δ is the same reps filmed Δ further round toward the lifter's front, as far as the
model's depth estimate is right.

What it cannot show: what the model gets wrong at the new angle itself (a far limb hidden, a
depth misread), which only real footage shows (the synchronised takes); visibility is kept as
filmed. A measure on the world landmarks (3-D angles, heights) does not change under the turn,
so its agreement here is by construction; what the turn tests is the measures on the picture.
The dorsal outline is traced on the picture and cannot be turned, so the turned tracks have none
and ``rounded_back`` is not measured here (the turn of 0° shows what that alone changes).

Per fault code and turn: agreement with the same check's verdicts from the side (reps judged
at both), the flips each way, and precision and recall against the labels. Clips: the
labelled ones whose real track the view estimate calls side-on; every view gate open.

    python -m benchmarks.turned [--quick]
"""

from __future__ import annotations

import argparse
import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from benchmarks.accuracy import (
    Tally,
    labelled_tracks,
    read_labels,
    score_faults,
)
from benchmarks.common import table, write_result
from benchmarks.views import agreement, opened
from formcheck.analysis import analyze_track
from formcheck.landmarks import Landmark
from formcheck.track import PoseTrack
from formcheck.view import estimate_view

TURNS_DEG = (0, 15, 30, 45, 60)
"""How far round toward the lifter's front the camera is turned: 45-60 is the phone on a bag
in front and to the side that issue #14 asks about."""

_TOES = [Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX]
_HEELS = [Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL]


def facing(track: PoseTrack) -> float:
    """+1 if the lifter's toes point along the world x axis (the picture's right), else -1:
    which way round a turn toward the front goes."""
    ahead = (track.world[:, _TOES, 0] - track.world[:, _HEELS, 0]).ravel()
    ahead = ahead[np.isfinite(ahead)]
    return 1.0 if not ahead.size or np.median(ahead) >= 0 else -1.0


def pixels_per_metre(track: PoseTrack) -> np.ndarray:
    """(T,) scale of each frame's picture against its world landmarks: the least-squares fit of
    the seen image points (in pixels) to the world points' x and y, one scale for both axes."""
    seen = ((track.visibility > 0.5) & np.isfinite(track.world[..., :2]).all(axis=-1)
            & np.isfinite(track.landmarks[..., :2]).all(axis=-1))[..., None]

    def centred(points: np.ndarray) -> np.ndarray:  # about each frame's seen points' mean
        kept = np.where(seen, points, np.nan)
        return kept - np.nanmean(kept, axis=1, keepdims=True)

    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # a frame with no seen point: NaN
        world = centred(track.world[..., :2])
        image = centred(track.landmarks[..., :2] * np.array([track.width, track.height]))
        square = np.nansum(world**2, axis=(1, 2))
        return np.where(square > 0, np.nansum(world * image, axis=(1, 2)) / square, np.nan)


def turned(track: PoseTrack, degrees: float) -> PoseTrack:
    """``track`` as a camera ``degrees`` further round toward the lifter's front would film it
    (see the module's docstring for what that leaves out)."""
    angle = np.radians(degrees) * facing(track)
    x, y, z = np.moveaxis(track.world, -1, 0)
    world = np.stack([x * np.cos(angle) + z * np.sin(angle), y,
                      -x * np.sin(angle) + z * np.cos(angle)], axis=-1)
    shift = (world - track.world) * pixels_per_metre(track)[:, None, None] / track.width
    landmarks = track.landmarks.copy()
    landmarks[..., 0] += shift[..., 0]
    landmarks[..., 2] += shift[..., 2]  # the model's depth is in the picture's x units
    outline = track.back_contour if degrees == 0 else np.full_like(track.back_contour, np.nan)
    return replace(track, world=world, landmarks=landmarks, back_contour=outline)


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one clip, two turns (CI)")
    args = parser.parse_args(argv)
    turns = (0, 45) if args.quick else TURNS_DEG
    _, rep_labels = read_labels()
    agree: dict[int, dict[str, list[int]]] = {turn: {} for turn in turns}
    scored: dict[int, dict[str, Tally]] = {turn: defaultdict(Tally) for turn in turns}
    yaws: dict[int, list[float]] = defaultdict(list)
    clips = 0
    for row, base, track in labelled_tracks(quick=args.quick):
        if estimate_view(track).view != "side":
            continue
        clips += 1
        lift = opened(base)
        labelled = rep_labels.get(row["file"], [])
        reports = {turn: analyze_track(turned(track, turn), lift, evidence=None)
                   for turn in turns}
        for turn, report in reports.items():
            yaws[turn].append(report.view.yaw_deg)
            agreement(reports[0], report, lift, agree[turn])
            score_faults(report, lift, labelled, row["notes"],
                         lambda code, by=scored[turn]: by[code])
    rows = []
    for turn in turns:
        for code in sorted(set(agree[turn]) | set(scored[turn])):
            both, same, to_fault, to_clear = agree[turn].get(code, [0, 0, 0, 0])
            t = scored[turn][code]
            rows.append({
                "turn": turn, "fault": code, "judged from both": both,
                "agree %": _percent(same, both), "clear→fault": to_fault,
                "fault→clear": to_clear, "TP": t.tp, "FP": t.fp, "FN": t.fn, "TN": t.tn,
                "precision": _ratio(t.precision), "recall": _ratio(t.recall)})
    print(table(list(rows[0]), [list(r.values()) for r in rows]))
    views = [{"turn": turn, "clips": len(yaws[turn]),
              "estimated yaw, median": round(float(np.nanmedian(yaws[turn])), 1),
              "estimated yaw, 10-90 %": " - ".join(
                  f"{v:.1f}" for v in np.nanpercentile(yaws[turn], [10, 90]))}
             for turn in turns]
    print()
    print(table(list(views[0]), [list(r.values()) for r in views]))
    payload = {"clips": clips, "checks": rows, "views": views}
    print(f"written to {write_result('turned_quick' if args.quick else 'turned', payload)}")
    return payload


def _percent(part: int, whole: int) -> str:
    return "-" if not whole else f"{100 * part / whole:.0f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
