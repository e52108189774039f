"""What to draw on each frame of a held stretch: the pose and its angles, a running hold timer,
each hold's card once it ends, and the body parts at fault while a check finds one.

The hold's counterpart of :func:`formcheck.overlay.report_overlays`, drawn by the same
annotators (:mod:`formcheck.annotate`) from the same :class:`~formcheck.overlay.FrameOverlay`.

Example:
    >>> from formcheck.config import load_pose
    >>> from formcheck.hold_analysis import run_hold
    >>> from formcheck.track import PoseTrack
    >>> analysis = run_hold(PoseTrack.load("set.track.npz"), load_pose("hamstring_stretch"))
    >>> overlays = list(hold_overlays(analysis))
    >>> overlays[analysis.spans[0].end].card.lines[0].text
    'hold 1: 1.5 s'
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from formcheck.hold_analysis import HoldAnalysis, end_time
from formcheck.hold_report import HoldSpan
from formcheck.landmarks import joint
from formcheck.overlay import (
    AMBER,
    BACK,
    CYAN,
    GREEN,
    SERIES_PARTS,
    Card,
    FaultMark,
    FrameOverlay,
    Label,
    angle_labels,
    card_at,
    view_note,
)


def hold_card(span: HoldSpan, cues: dict[str, str]) -> Card:
    """One hold's card: how long and on which side; then the fault held longest and its cue
    (``cues`` by fault code), or "clear"; the head alone for a hold not judged yet."""
    side = f" ({span.side})" if span.side else ""
    head = Label(f"hold {span.hold}: {span.duration_s:.1f} s{side}", color=CYAN)
    if not span.faults:  # not judged (live judges the position at the end)
        return Card((head,), CYAN)
    worst = max(((share, code) for code, share in span.faults.items() if share),
                default=None)
    if worst is None:
        return Card((head, Label("clear", color=GREEN)), GREEN)
    share, code = worst
    return Card((head, Label(f"{code.replace('_', ' ')}: {share:.0%} of the hold", color=AMBER),
                 Label(cues[code])), AMBER)


def hold_overlays(analysis: HoldAnalysis) -> Iterator[FrameOverlay]:
    """Per frame: the angles, the stretch with its time held so far against the target, the
    running hold's timer, the parts a check finds at fault in that frame, and each hold's card
    for :data:`~formcheck.overlay.CARD_S` after it ends."""
    track, report, kin = analysis.track, analysis.report, analysis.kin
    times = kin.times
    starts = np.array([times[span.start] for span in analysis.spans], dtype=float)
    ends = np.array([end_time(times, span.end) for span in analysis.spans], dtype=float)
    card_of = card_at(times, ends)
    cues = {check.fault: check.cue for check in analysis.pose.checks}
    cards = [hold_card(hold, cues) for hold in report.holds]
    current = np.full(len(times), -1)
    for i, span in enumerate(analysis.spans):
        current[span.start:span.end] = i
    before = np.concatenate([[0.0], np.cumsum([h.duration_s for h in report.holds])])
    note = view_note(analysis.view.view)
    target = f"target {report.target_min_s:g}-{report.target_max_s:g} s"
    sides = [span.side or kin.facing for span in analysis.spans]
    for i in range(len(track)):
        k = current[i]
        elapsed = times[i] - starts[k] if k >= 0 else 0.0
        held = before[k] + elapsed if k >= 0 else before[np.searchsorted(ends, times[i], "right")]
        panel = [Label(f"{analysis.pose.title}  held {held:.1f} s, {target}"), *note]
        if k >= 0:
            panel.append(Label(f"hold {k + 1}: {elapsed:.1f} s", color=CYAN))
        yield FrameOverlay(
            pose=track.frame(i),
            labels=angle_labels(kin, i, analysis.view.view),
            panel=tuple(panel),
            card=cards[card_of[i]] if card_of[i] >= 0 else None,
            faults=tuple(fault_mark(j.check.series, sides[k] if j.check.leg == "side"
                                    else kin.facing) for j in analysis.judged if j.past[i]),
        )


def fault_mark(series: str, side: str) -> FaultMark:
    """Where a position check reading ``series`` shows on the body, on ``side``."""
    chains = tuple(tuple(joint(side, name) for name in chain) for chain in SERIES_PARTS[series]
                   if chain != (BACK,))
    return FaultMark(chains, (BACK,) in SERIES_PARTS[series], AMBER)
