"""A moving camera: where formcheck says the camera moved, against labels by eye; and whether a
pan changes the reps counted.

1. **Against the labels** (benchmarks/labels/camera.csv, made by eye from frame grids with a
   fixed grid drawn over them; method in benchmarks/labels/README.md): per clip, whether the
   camera moved, bucketed by how far the labeller saw the picture go (still; a drift under
   :data:`~formcheck.camera.MOVE_REPORTED` of the frame's width, which formcheck does not
   report by design; a move at least that large), apart for the clips its one choice was made
   on (``development``) and the others (``held_out``); and per quarter second, whether
   formcheck's spans of motion fall inside the labelled ones (to within :data:`SLACK_S`).
2. **A pan over a real lifter** (``--pans``): every clip labelled still is filmed again by a
   camera that pans across the room over the middle third of the clip (a window 80 % of the
   frame's width, its full height, sliding from the frame's left edge to its right: the
   lifter in it throughout when they stand in the middle 60 %), the model run on it, and its
   reps counted: the same count as the still clip's, and the pan found, is what a user
   filming by hand needs.

    python -m benchmarks.camera [--pans] [--quick]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.accuracy import labelled_lift, read_labels
from benchmarks.common import CLIPS, ROOT, cached_track, table, write_result
from formcheck.analysis import analyze_track
from formcheck.camera import MOVE_REPORTED, CameraMove
from formcheck.pose import DEFAULT_MAX_FPS, PoseSettings, extract_pose
from formcheck.sight import seen
from formcheck.video import read_frames
from formcheck.video_sink import VideoSink

LABELS = ROOT / "benchmarks" / "labels" / "camera.csv"
BIN_S = 0.25
"""Width of the time bins spans are compared in."""
SLACK_S = 0.5
"""How far outside a labelled span (the labels' own resolution) a detected bin still agrees."""
PAN_SHARE = 0.2
"""Share of the frame a simulated pan crosses (and leaves out of the window)."""


def spans(text: str) -> list[tuple[float, float]]:
    """``"0.0-5.0;7.5-8.0"`` as [(0.0, 5.0), (7.5, 8.0)]."""
    return [(float(a), float(b)) for a, b in
            (part.split("-") for part in text.replace(" ", "").split(";") if part)]


def bucket(row: dict[str, str]) -> str:
    """What the labeller saw: still, a drift smaller than formcheck reports, or a move."""
    if row["camera"] == "still":
        return "still"
    return "move" if float(row["size"] or 0) >= MOVE_REPORTED else "drift"


def moving_bins(moves: Sequence[tuple[float, float]], duration: float) -> np.ndarray:
    """Per :data:`BIN_S` bin of the clip, whether it falls in one of ``moves``."""
    centres = np.arange(0.0, duration, BIN_S) + BIN_S / 2
    inside = np.zeros(len(centres), dtype=bool)
    for start, end in moves:
        inside |= (centres >= start) & (centres <= end)
    return inside


def against_labels(rows: list[dict[str, str]]) -> dict[str, object]:
    per_clip, clips = {}, []
    found_bins = agree_found = labelled_bins = agree_labelled = 0
    for row in rows:
        track = cached_track(CLIPS / row["file"])
        moves = seen(track).moves
        kind = bucket(row)
        said = bool(moves)
        per_clip.setdefault((row["split"], kind), [0, 0])[int(said)] += 1
        duration = float(track.times[-1])
        detected = moving_bins([(m.start_s, m.end_s) for m in moves], duration)
        labelled = spans(row["spans"]) if kind != "still" else []
        near = moving_bins([(a - SLACK_S, b + SLACK_S) for a, b in labelled], duration)
        found_bins += int(detected.sum())
        agree_found += int((detected & near).sum())
        if kind == "move":
            truth = moving_bins(labelled, duration)
            labelled_bins += int(truth.sum())
            agree_labelled += int((truth & moving_bins(
                [(m.start_s - SLACK_S, m.end_s + SLACK_S) for m in moves], duration)).sum())
        clips.append({"file": row["file"], "label": kind, "size": row["size"],
                      "spans": row["spans"], "found": [_shown(m) for m in moves],
                      "unknown": round(float(np.isnan(track.camera_shift[1:, 0]).mean()), 3)})
    rows_out = [{"clips of": split, "labelled": kind, "clips": sum(counts),
                 "said moved": counts[1]} for (split, kind), counts in sorted(per_clip.items())]
    print(table(list(rows_out[0]), [list(r.values()) for r in rows_out]))
    time = {"detected bins": found_bins, "inside a labelled span": agree_found,
            "precision": agree_found / found_bins if found_bins else None,
            "labelled move bins": labelled_bins, "found": agree_labelled,
            "recall": agree_labelled / labelled_bins if labelled_bins else None}
    print(table(list(time), [list(time.values())]))
    for clip in clips:
        if (clip["label"] == "still") == bool(clip["found"]):
            print(f"  {clip['label']:5s} {clip['file']}: found {clip['found']}, "
                  f"labelled {clip['spans'] or '-'} ({clip['size']})")
    return {"clips": rows_out, "time": time, "per_clip": clips}


def _shown(move: CameraMove) -> list[float]:
    return [round(move.start_s, 2), round(move.end_s, 2), round(move.size, 3)]


def panned_copy(video: Path, folder: Path) -> tuple[Path, tuple[float, float]]:
    """``video`` filmed again by a camera panning over its middle third (see the module's
    docstring), and when it panned."""
    target = folder / f"{video.stem}-panned.mp4"
    with read_frames(video, max_fps=DEFAULT_MAX_FPS) as frames:
        info = frames.info
        duration = info.duration_s
        pan = (duration / 3, 2 * duration / 3)
        width = round(info.width * (1 - PAN_SHARE)) // 2 * 2
        rate = min(info.fps, DEFAULT_MAX_FPS) if info.fps > 0 else DEFAULT_MAX_FPS
        with VideoSink(target, width=width, height=info.height, fps=rate) as sink:
            for frame in frames:
                done = np.clip((frame.time_s - pan[0]) / (pan[1] - pan[0]), 0.0, 1.0)
                x = round((info.width - width) * (1 - np.cos(np.pi * done)) / 2)
                sink.write(np.ascontiguousarray(frame.image[:, x:x + width]))
    return target, pan


def pans(rows: list[dict[str, str]]) -> dict[str, object]:
    labels = {row["file"]: row for row in read_labels()[0]}
    out, same, found = [], 0, 0
    with tempfile.TemporaryDirectory() as folder:
        for row in rows:
            if bucket(row) != "still" or row["file"] not in labels:
                continue
            lift = labelled_lift(labels[row["file"]])
            still = analyze_track(cached_track(CLIPS / row["file"]), lift)
            video, pan = panned_copy(CLIPS / row["file"], Path(folder))
            moved = analyze_track(extract_pose(video, PoseSettings(max_fps=DEFAULT_MAX_FPS)),
                                  lift)
            video.unlink()
            seen = any(m.start_s < pan[1] and m.end_s > pan[0] for m in moved.camera_moves)
            same += still.rep_count == moved.rep_count
            found += seen
            out.append({"file": row["file"], "still": still.rep_count, "panned": moved.rep_count,
                        "pan found": seen, "pan": [round(t, 2) for t in pan],
                        "moves": [[m.start_s, m.end_s, m.size] for m in moved.camera_moves]})
            print(f"  {row['file']}: {still.rep_count} -> {moved.rep_count}, pan found {seen}",
                  flush=True)
    summary = {"clips": len(out), "same count": same, "pan found": found}
    print(table(list(summary), [list(summary.values())]))
    return {"summary": summary, "clips": out}


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pans", action="store_true", help="also pan over every still clip "
                        "and run the model on it (slow)")
    parser.add_argument("--quick", action="store_true", help="two clips (CI)")
    args = parser.parse_args(argv)
    with LABELS.open() as fh:
        rows = [row for row in csv.DictReader(fh) if (CLIPS / row["file"]).exists()]
    if args.quick:
        rows = rows[:2]
    suffix = "_quick" if args.quick else ""
    result = {"labels": against_labels(rows)}
    print(f"written to {write_result('camera' + suffix, result)}")
    if args.pans:
        result["pans"] = pans(rows)
        print(f"written to {write_result('camera_pans' + suffix, result['pans'])}")
    return result


if __name__ == "__main__":
    main()
