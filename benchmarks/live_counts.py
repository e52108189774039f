"""When ``live`` counts each rep, and whether it ends with the reps ``analyze`` finds.

Every labelled clip's cached track is fed to a :class:`~formcheck.live.session.LiveSession`
frame by frame, as the live view does (no model, no drawing: the counting alone). The stream
time at which the session's count of reps made last rose to k (a count withdrawn later, a rep
the lifter's range so far made and the whole set unmade, leaves the rise to the rep that held)
is paired with the k-th rep ``analyze`` finds in the same track, and its delay is that time
minus the rep's ``made_s`` (a pull when its lockout is reached, an RDL back at the top):
negative when live counted first (its causal smoothing reads a lockout, or a rep's range
against the set so far, a little differently). The session's final report is compared with
``analyze``: the same number of reps, and whether the count only ever rose, to that number.

Issue #15 asks for the labels' moment itself: each labelled rep is also paired with the rise of
the live count made closest to when the label says it was made (the labels' conventions and
pairing of :mod:`benchmarks.accuracy`: within 1 s, each used once), and the share of labelled
reps counted live within 0.3 s of it is reported (a labelled rep live never counted, or
counted further off, is not), also over the development clips and the clips kept apart
(:func:`benchmarks.common.kept_apart`) on their own.

    python -m benchmarks.live_counts
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from benchmarks.accuracy import labelled_made_times, labelled_tracks, pair_made, read_labels
from benchmarks.common import split, table, write_result
from formcheck.analysis import analyze_track
from formcheck.lift import Lift
from formcheck.live.session import LiveSession, LiveSettings
from formcheck.track import PoseTrack

WITHIN_S = 0.3
"""How close to ``analyze``'s moment a live count must come, early or late (issue #15)."""


def count_times(track: PoseTrack, lift: Lift, settings: LiveSettings | None = None
                ) -> tuple[list[float], int, int]:
    """When a live session's count last rose to each of its final reps (a count that went up
    and was withdrawn leaves the rise to the rep that held), how many counts it withdrew, and
    its final rep count. A rep the end of the stream adds (made since the last counting)
    shows with the last frame. A judged rep withdrawn on the frame another is counted leaves
    the count as it was, but the terminal says so (``LiveSession.withdrawn``): counted too."""
    session = LiveSession(lift, width=track.width, height=track.height, fps=track.fps,
                          settings=settings)
    counts, hidden, told = [], 0, set()
    for i in range(len(track)):
        session.add(track.frame(i))
        counts.append(session.made)
        gone = set(session.withdrawn) - told
        if gone:
            dropped = max(0, (counts[-2] if i else 0) - counts[-1])
            hidden += max(0, len(gone) - dropped)
            told |= gone
    final = session.finish().rep_count
    counts.append(session.made)
    times = [*map(float, track.times), float(track.times[-1])]
    shown = np.array(counts)
    rises = [int(np.flatnonzero((np.r_[0, shown[:-1]] < k) & (shown >= k))[-1])
             for k in range(1, final + 1)]
    withdrawn = int(np.clip(-np.diff(shown), 0, None).sum()) + hidden
    return [times[i] for i in rises], withdrawn, final


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one clip (CI)")
    args = parser.parse_args(argv)
    per_lift: dict[str, dict[str, list]] = {}
    per_split: dict[str, dict[str, list]] = {}
    clips = []
    _, rep_labels = read_labels()
    for row, lift, track in labelled_tracks(args.quick):
        report = analyze_track(track, lift)
        counted, withdrawn, final = count_times(track, lift)
        made = [rep.made_s for rep in report.reps]
        delays = [t - m for t, m in zip(counted, made, strict=False)]
        theirs = labelled_made_times(lift, rep_labels.get(row["file"], []))
        paired = pair_made(counted, theirs)
        on_time = [False] * len(theirs)
        for error, _, j in paired:
            on_time[j] = error <= WITHIN_S
        for group, key in ((per_lift, lift.name), (per_split, f"overall, {split(row['file'])}")):
            entry = group.setdefault(key, {"delays": [], "agree": [], "counts": [],
                                           "labelled": []})
            entry["delays"] += delays
            entry["agree"].append(final == report.rep_count)
            entry["counts"].append(not withdrawn and final == report.rep_count)
            entry["labelled"] += on_time
        clips.append({"file": row["file"], "analyze": report.rep_count, "live": final,
                      "withdrawn_live": withdrawn, "delays_s": [round(d, 3) for d in delays],
                      "label_errors_s": [round(e, 3) for e, _, _ in sorted(
                          paired, key=lambda p: p[2])],
                      "labelled": len(theirs)})
    rows = []
    for name, entry in [*sorted(per_lift.items()), *sorted(per_split.items()), ("overall", {
        key: [v for e in per_lift.values() for v in e[key]] for key in ("delays", "agree",
                                                                        "counts", "labelled")})]:
        delays = np.array(entry["delays"])
        rows.append({
            "lift": name, "clips": len(entry["agree"]),
            "final count = analyze %": 100 * float(np.mean(entry["agree"])),
            "count only rose, to analyze's %": 100 * float(np.mean(entry["counts"])),
            "reps": len(delays),
            "delay median (s)": float(np.median(delays)) if delays.size else None,
            "delay p90 (s)": float(np.percentile(delays, 90)) if delays.size else None,
            "within ±0.3 s %": (100 * float(np.mean(np.abs(delays) <= WITHIN_S))
                               if delays.size else None),
            "labelled reps": len(entry["labelled"]),
            "of the label's made moment ±0.3 s %": (100 * float(np.mean(entry["labelled"]))
                                                   if entry["labelled"] else None),
        })
    print(table(list(rows[0]), [list(r.values()) for r in rows]))
    name = "live_counts_quick" if args.quick else "live_counts"
    print(f"written to {write_result(name, {'lifts': rows, 'clips': clips})}")
    return {"lifts": rows, "clips": clips}


if __name__ == "__main__":
    main()
