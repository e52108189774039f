"""When ``live`` counts each rep, and whether it ends with the reps ``analyze`` finds.

Every labelled clip's cached track is fed to a :class:`~formcheck.live.session.LiveSession`
frame by frame, as the live view does (no model, no drawing: the counting alone). Each time the
session's count of reps made goes up, the stream time is recorded; the k-th count is paired
with the k-th rep ``analyze`` finds in the same track, and its delay is the count's time minus
that rep's ``made_s`` (a pull at lockout, an RDL back at the top): negative when live counted
first (it counts a pull when the lockout is reached; ``analyze`` puts a lowered rep's turnaround
in the middle of its hold). The session's final report
is compared with ``analyze``: the same number of reps.

    python -m benchmarks.live_counts
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from benchmarks.accuracy import labelled_tracks
from benchmarks.common import table, write_result
from formcheck.analysis import analyze_track
from formcheck.lift import Lift
from formcheck.live.session import LiveSession
from formcheck.track import PoseTrack

WITHIN_S = 0.3
"""How close to ``analyze``'s moment a live count must come, early or late (issue #15)."""


def count_times(track: PoseTrack, lift: Lift) -> tuple[list[float], int]:
    """Stream times at which a live session's count went up, and its final rep count. A rep
    the end of the stream adds (made in its last half-second, before a judgement came) shows
    with the last frame."""
    session = LiveSession(lift, width=track.width, height=track.height, fps=track.fps)
    times: list[float] = []
    for i in range(len(track)):
        before = session.made
        session.add(track.frame(i))
        times += [float(track.times[i])] * max(session.made - before, 0)
    before = session.made
    final = session.finish().rep_count
    times += [float(track.times[-1])] * max(session.made - before, 0)
    return times, final


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one clip (CI)")
    args = parser.parse_args(argv)
    per_lift: dict[str, dict[str, list]] = {}
    clips = []
    for row, lift, track in labelled_tracks(args.quick):
        report = analyze_track(track, lift)
        counted, final = count_times(track, lift)
        made = [rep.made_s for rep in report.reps]
        delays = [t - m for t, m in zip(counted, made, strict=False)]
        entry = per_lift.setdefault(lift.name, {"delays": [], "agree": [], "counts": []})
        entry["delays"] += delays
        entry["agree"].append(final == report.rep_count)
        entry["counts"].append(len(counted) == report.rep_count)
        clips.append({"file": row["file"], "analyze": report.rep_count, "live": final,
                      "counted_live": len(counted), "delays_s": [round(d, 3) for d in delays]})
    rows = []
    for name, entry in [*sorted(per_lift.items()), ("overall", {
        key: [v for e in per_lift.values() for v in e[key]] for key in ("delays", "agree",
                                                                        "counts")})]:
        delays = np.array(entry["delays"])
        rows.append({
            "lift": name, "clips": len(entry["agree"]),
            "final count = analyze %": 100 * float(np.mean(entry["agree"])),
            "counted live = analyze %": 100 * float(np.mean(entry["counts"])),
            "reps": len(delays),
            "delay median (s)": float(np.median(delays)) if delays.size else None,
            "delay p90 (s)": float(np.percentile(delays, 90)) if delays.size else None,
            "within ±0.3 s %": (100 * float(np.mean(np.abs(delays) <= WITHIN_S))
                               if delays.size else None),
        })
    print(table(list(rows[0]), [list(r.values()) for r in rows]))
    name = "live_counts_quick" if args.quick else "live_counts"
    print(f"written to {write_result(name, {'lifts': rows, 'clips': clips})}")
    return {"lifts": rows, "clips": clips}


if __name__ == "__main__":
    main()
