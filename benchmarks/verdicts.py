"""Every per-rep verdict on every labelled clip, to show that a refactor changed none of them.

Run it once with the code before a change and once after, on the same pose tracks (``--tracks``
keeps them: extracted on the first run, read on the second, so only the analysis differs), then
``--compare`` the two outputs. It uses only ``PoseTrack``, ``load_lift`` and ``analyze_track``,
so the same file runs against an older checkout (``PYTHONPATH=old-checkout``).

    python -m benchmarks.verdicts --tracks /tmp/tracks --out after.json
    PYTHONPATH=/path/to/old python benchmarks/verdicts.py --tracks /tmp/tracks --out before.json
    python -m benchmarks.verdicts --compare before.json after.json
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.pose import extract_pose
from formcheck.track import PoseTrack

ROOT = Path(__file__).resolve().parents[1]
CLIPS = ROOT.parent / "shared" / "clips"
LABELS = (ROOT / "tests" / "labels", ROOT / "benchmarks" / "labels")


def verdicts(tracks: Path) -> dict[str, list[dict[str, object]]]:
    """Clip -> each rep's times, outcome, score, faults (code, severity, value) and abstentions."""
    out = {}
    for folder in LABELS:
        with (folder / "clips.csv").open() as fh:
            for row in csv.DictReader(fh):
                video = CLIPS / row["file"]
                stored = tracks / (Path(row["file"]).stem + ".npz")
                if not stored.exists():
                    extract_pose(video).save(stored)
                name = row["exercise"]
                variant = row["variant"] if row["variant"] in load_lift(name).variants else None
                report = analyze_track(PoseTrack.load(stored), load_lift(name, variant))
                out[row["file"]] = [
                    {"times": [rep.start_s, rep.turn_s, rep.end_s], "outcome": rep.outcome,
                     "score": rep.score, "reason": rep.reason,
                     "faults": [[f.code, f.severity, f.value] for f in rep.faults],
                     "abstained": [[a.check, a.reason] for a in rep.abstained]}
                    for rep in report.reps
                ]
    return out


def compare(before: Path, after: Path) -> list[str]:
    """The clips whose verdicts differ."""
    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    return sorted(clip for clip in a.keys() | b.keys() if a.get(clip) != b.get(clip))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        differ = compare(*args.compare)
        reps = sum(len(v) for v in json.loads(args.compare[1].read_text()).values())
        print(f"{len(differ)} clips differ ({reps} reps compared)" + "".join(
            f"\n  {clip}" for clip in differ))
        return 1 if differ else 0
    args.tracks.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(verdicts(args.tracks), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
