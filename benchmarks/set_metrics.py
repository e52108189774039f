"""Set metrics, two ways: speeds and ranges of motion from MediaPipe's world landmarks against
those from image landmarks scaled by a stated lifter height, per rep on the labelled clips.

Neither is ground truth (no clip comes with a measured bar speed), so this measures agreement,
and what each method assumes. The clips state no lifter's height: every lifter is taken to be
:data:`ASSUMED_HEIGHT_CM` tall, and the image method's metres scale with that guess (a lifter
10 % shorter reads 10 % fast). The world landmarks' scale is the model's own guess of the body's
size, the same for everyone: the stature it implies (:func:`world_stature_cm`) is listed per
clip, and the image method is run scaled to it too, which leaves only what the two methods
measure differently (heights from the image's vertical or the model's, smoothing of each, the
body's proportions against the average's). Every rep both methods
measured counts (reps whose frames cannot be trusted have no metrics in either); a rep is the
same rep in both runs, since only the metres differ.

    python -m benchmarks.set_metrics [--quick]
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from benchmarks.accuracy import labelled_tracks
from benchmarks.common import table, write_result
from formcheck.analysis import analyze_track, run_analysis
from formcheck.landmarks import joint
from formcheck.metrics import TRUNK_SHARE_OF_STATURE
from formcheck.series import Side
from formcheck.track import PoseTrack

ASSUMED_HEIGHT_CM = 175.0
"""The height stated for every lifter: about the mean adult man's (the lifters are mostly men);
none of the clips says how tall its lifter is."""

QUANTITIES = ("mean_speed_m_s", "peak_speed_m_s", "rom_m")
STATED, OWN = "stated 175 cm", "world stature"
"""The two heights the image method is scaled with: the stated one, and the one the clip's own
world landmarks imply, which leaves only what the two methods measure differently."""


def spread(world: np.ndarray, image: np.ndarray) -> dict[str, float | int]:
    """How far two paired measurements differ (image minus world)."""
    diff = image - world
    q1, q3 = np.percentile(diff, [25, 75])
    return {
        "N": len(diff),
        "median world": round(float(np.median(world)), 3),
        "median image": round(float(np.median(image)), 3),
        "median diff": round(float(np.median(diff)), 3),
        "median |diff|": round(float(np.median(np.abs(diff))), 3),
        "IQR diff": round(float(q3 - q1), 3),
        "p90 |diff|": round(float(np.percentile(np.abs(diff), 90)), 3),
        "median ratio": round(float(np.median(image / world)), 3),
        "r": round(float(np.corrcoef(world, image)[0, 1]), 3) if len(diff) > 2 else float("nan"),
    }


def world_stature_cm(track: PoseTrack, side: Side) -> float:
    """The lifter's height the world landmarks imply: their hip-to-shoulder distance over the
    share of height it takes (:data:`~formcheck.metrics.TRUNK_SHARE_OF_STATURE`)."""
    trunk = np.linalg.norm(track.world[:, joint(side, "shoulder")]
                           - track.world[:, joint(side, "hip")], axis=1)
    return round(100.0 * float(np.nanmedian(trunk)) / TRUNK_SHARE_OF_STATURE, 1)


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one clip only (CI)")
    args = parser.parse_args(argv)
    pairs: dict[tuple[str, str, str], list[tuple[float, float]]] = defaultdict(list)
    losses: dict[str, list[tuple[float, float]]] = defaultdict(list)
    rows, per_clip = [], []
    for row, lift, track in labelled_tracks(args.quick):
        world = run_analysis(track, lift)
        stature = world_stature_cm(track, world.kin.facing)
        scaled = {STATED: ASSUMED_HEIGHT_CM, OWN: stature}
        clip = {"clip": row["file"].split("/")[-1].split("__")[-1],
                "view": world.report.view.view, "reps": world.report.rep_count,
                "measured": world.report.set_metrics.reps_measured,
                "world stature cm": stature,
                "wrist speed world": world.report.set_metrics.mean_wrist_speed_m_s,
                "velocity loss % world": world.report.set_metrics.velocity_loss_pct}
        for name, height in scaled.items():
            image = analyze_track(track, lift, height_cm=height)
            clip[f"wrist speed {name}"] = image.set_metrics.mean_wrist_speed_m_s
            clip[f"velocity loss % {name}"] = image.set_metrics.velocity_loss_pct
            if None not in (clip["velocity loss % world"], image.set_metrics.velocity_loss_pct):
                losses[name].append((clip["velocity loss % world"],
                                     image.set_metrics.velocity_loss_pct))
            for a, b in zip(world.report.reps, image.reps, strict=True):
                for point in ("wrist", "hip"):
                    wm, im = getattr(a.metrics, point), getattr(b.metrics, point)
                    if wm is None or im is None:
                        continue
                    for q in QUANTITIES:
                        pairs[name, point, q].append((getattr(wm, q), getattr(im, q)))
                    rows.append({"clip": row["file"], "view": clip["view"], "rep": a.index,
                                 "point": point,
                                 "image scaled to": name, "image height cm": height,
                                 **{f"{q} world": getattr(wm, q) for q in QUANTITIES},
                                 **{f"{q} image": getattr(im, q) for q in QUANTITIES}})
        per_clip.append(clip)
    summary = [{"image scaled to": name, "point": point, "quantity": q,
                **spread(*map(np.array, zip(*values, strict=True)))}
               for (name, point, q), values in sorted(pairs.items())]
    print(table(list(summary[0]), [list(r.values()) for r in summary]))
    by_view = []
    for name in (STATED, OWN):
        for view in ("side", "oblique", "front"):
            chosen = [r for r in rows if (r["image scaled to"], r["view"], r["point"]) ==
                      (name, view, "wrist")]
            if chosen:
                world_s, image_s = (np.array([r[f"mean_speed_m_s {m}"] for r in chosen])
                                    for m in ("world", "image"))
                by_view.append({"image scaled to": name, "view": view,
                                **spread(world_s, image_s)})
    print()
    print("mean concentric wrist speed by camera view:")
    print(table(list(by_view[0]), [list(r.values()) for r in by_view]))
    loss_rows = [{"image scaled to": name, "sets": len(values),
                  "median |diff| (points)": round(float(np.median(
                      [abs(i - w) for w, i in values])), 1),
                  "p90 |diff| (points)": round(float(np.percentile(
                      [abs(i - w) for w, i in values], 90)), 1)}
                 for name, values in losses.items()]
    if loss_rows:
        print()
        print(table(list(loss_rows[0]), [list(r.values()) for r in loss_rows]))
    print()
    print(table(list(per_clip[0]), [["-" if v is None else v for v in r.values()]
                                    for r in per_clip]))
    statures = [r["world stature cm"] for r in per_clip]
    print(f"\nstated lifter height {ASSUMED_HEIGHT_CM:g} cm; world landmarks imply "
          f"{np.median(statures):g} cm at the median (range {min(statures):g}-"
          f"{max(statures):g}) over {len(per_clip)} clips")
    payload = {"assumed_height_cm": ASSUMED_HEIGHT_CM, "summary": summary,
               "velocity_loss": loss_rows, "clips": per_clip, "reps": rows}
    written = write_result("set_metrics_quick" if args.quick else "set_metrics", payload)
    print(f"written to {written}")
    return payload


if __name__ == "__main__":
    main()
