"""Set metrics as velocity-based-training apps give them: per rep, the vertical range of motion
and the mean and peak concentric speed of the hands (the bar or bell) and the hips, in metres
and metres per second; per set, the velocity loss.

Two ways to metres, both from the facing side's landmarks smoothed as every series is
(:mod:`formcheck.kinematics`), both measuring height above the same side's ankle (for a lifter
hanging from a bar, above the hands instead: :func:`heights`):

* ``world`` (the default): MediaPipe's world landmarks are in metres. They are centred on the
  hips in every frame, so heights are taken above the ankle, which stays put in every lift here.
  Their scale is the model's guess of the body's size, not the lifter's.
* ``image``: image landmarks in trunk lengths (:func:`formcheck.series.hand_height`), scaled by
  the lifter's stated height (:data:`TRUNK_SHARE_OF_STATURE`). Right for a lifter of average
  proportions filmed from the side; from an oblique camera the trunk, the unit, looks shorter
  when it leans towards the camera, and speeds come out high.

How far the two agree on the labelled clips: benchmarks/set_metrics.py, docs/metrics.md.

Example:
    >>> import numpy as np
    >>> from formcheck.reps import Rep
    >>> times = np.linspace(0.0, 2.0, 61)                 # 30 fps
    >>> hand = np.interp(times, [0, 1, 2], [0.2, 0.7, 0.2])   # up 0.5 m in 1 s, down again
    >>> rep = Rep(1, 0, 30, 60, 0.0, 1.0, 2.0, "top", 1.0)
    >>> moved = path_metrics(hand, times, rep)
    >>> moved.rom_m, moved.mean_speed_m_s
    (0.5, 0.5)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.kinematics import Kinematics
from formcheck.report import PathMetrics, RepMetrics, RepReport, SetMetrics
from formcheck.reps import Rep

TRUNK_SHARE_OF_STATURE = 0.288
"""Shoulder-to-hip distance as a share of standing height. Source: Drillis and Contini (1966),
as drawn in Winter, Biomechanics and Motor Control of Human Movement (4th ed., fig. 4.1): the
shoulder joint at 0.818 H and the greater trochanter at 0.530 H. The hip-to-shoulder distance in
the image (the clip's median, ``trunk_length_px``) is the unit of the image series, so a
trunk length is this share of the lifter's height."""

MIN_HEIGHT_CM = 100.0
"""Shortest stated height taken: below it the number is a typo (metres, or inches) far more
likely than an adult lifter."""
MAX_HEIGHT_CM = 250.0
"""Tallest stated height taken: above the tallest people measured in the last half century."""

MIN_LIFT_SPEED_M_S = 0.1
"""Slowest mean concentric speed of the hands that counts as lifting something. A lift ground
out at a one-repetition maximum still moves at about 0.15-0.2 m/s (Gonzalez-Badillo and
Sanchez-Medina 2010, bench press; similar minimal velocities are reported for the squat and
deadlift), so hands slower than this over a whole set are not moving the load (a hip thrust's
on the bar at the hips barely rise, a glute bridge's lie on the floor): their few centimetres
of noise would give a velocity loss of any size. Measured: 0.00-0.03 m/s on the labelled hip
thrust, frog pump and glute bridge sets, 0.27 m/s and up on the deadlift sets
(benchmarks/set_metrics.py)."""

POINTS: dict[str, tuple[str, str]] = {
    "wrist": ("hand_height", "hand_height_3d"),
    "hip": ("hip_height", "hip_height_3d"),
}
"""Each point measured, and its (image, world) height series of :mod:`formcheck.series`."""

HANGING_POINTS: dict[str, tuple[str, str]] = {
    "wrist": ("shoulder_height", "shoulder_height_3d"),
    "hip": ("hip_height", "hip_height_3d"),
}
"""What a hanging lifter's metrics measure against the hands (:data:`HANDS`): the hands' own
slot holds the shoulders, whose rise towards the hands is how far and fast the hands and the
body closed (the body is the load a pull-up lifts); the hip's holds the hip."""

HANDS = POINTS["wrist"]
"""The hands' (image, world) height series: the fixed point a hanging lifter rises against."""

SERIES = tuple(dict.fromkeys(
    name for points in (POINTS, HANGING_POINTS) for pair in points.values() for name in pair))
"""The series the metrics read: what an analysis computes for them."""


def check_height(height_cm: float | None) -> float | None:
    """``height_cm`` if it is a lifter's height in centimetres (or None); else a one-line error.

    Example:
        >>> check_height(175)
        175.0
    """
    if height_cm is None:
        return None
    if not MIN_HEIGHT_CM <= height_cm <= MAX_HEIGHT_CM:  # NaN fails too
        raise FormcheckError(
            f"the lifter's height must be in centimetres, from {MIN_HEIGHT_CM:g} to "
            f"{MAX_HEIGHT_CM:g}, not {height_cm:g}"
        )
    return float(height_cm)


def heights(kin: Kinematics, min_visibility: float, height_cm: float | None = None, *,
            hangs: bool = False) -> dict[str, np.ndarray]:
    """(T,) height of each of :data:`POINTS` above the ankle, in metres, NaN where its landmarks
    were seen with less than ``min_visibility``: from world landmarks, or from image landmarks
    scaled by ``height_cm`` when the lifter's height is given.

    ``hangs``: the lifter hangs from the hands (``Lift.hangs``), whose feet move with the body,
    so a height above the ankle says nothing of the pull (the hands even sink towards the
    ankles as the arms bend: -0.6 m/s on a synthetic pull-up). Each of :data:`HANGING_POINTS`
    is measured above the hands instead, the bar the body rises to.
    """
    def metres(pair: tuple[str, str]) -> np.ndarray:
        image, world = pair
        if height_cm is None:
            return kin[world].facing.trusted(min_visibility)
        metres_per_trunk = TRUNK_SHARE_OF_STATURE * height_cm / 100.0
        return kin[image].facing.trusted(min_visibility) * metres_per_trunk

    if not hangs:
        return {point: metres(pair) for point, pair in POINTS.items()}
    hands = metres(HANDS)
    return {point: metres(pair) - hands for point, pair in HANGING_POINTS.items()}


def vertical_velocity(height: np.ndarray, times: np.ndarray) -> np.ndarray:
    """(T,) rate of change of ``height`` per second, by central differences over real frame
    times (a variable frame rate is fine); NaN next to a missing frame.

    Example:
        >>> vertical_velocity(np.array([0.0, 0.1, 0.2]), np.array([0.0, 0.5, 1.0]))
        array([0.2, 0.2, 0.2])
    """
    if len(height) < 2:
        return np.full(len(height), np.nan)
    return np.gradient(np.asarray(height, dtype=np.float64), np.asarray(times, dtype=np.float64))


def path_metrics(height: np.ndarray, times: np.ndarray, rep: Rep) -> PathMetrics | None:
    """Range of motion and concentric speeds of one point in ``rep``, from its height (m) in the
    whole clip; None unless it was measured in every frame of the rep."""
    if not np.isfinite(height[rep.frames]).all():
        return None
    lifting = rep.concentric
    duration = times[lifting.stop - 1] - times[lifting.start]
    lo, hi = max(lifting.start - 1, 0), min(lifting.stop + 1, len(height))  # central at its ends
    velocity = vertical_velocity(height[lo:hi], times[lo:hi])[lifting.start - lo:lifting.stop - lo]
    if not (duration > 0 and np.isfinite(velocity).any()):
        return None
    rise = height[lifting.stop - 1] - height[lifting.start]
    moved = height[rep.frames]
    return PathMetrics(rom_m=round(float(moved.max() - moved.min()), 3),
                       mean_speed_m_s=round(float(rise / duration), 3),
                       peak_speed_m_s=round(float(np.nanmax(velocity)), 3))


def rep_metrics(kin: Kinematics, rep: Rep, min_visibility: float,
                height_cm: float | None = None, *, hangs: bool = False) -> RepMetrics:
    """:func:`path_metrics` of the wrists and hips in ``rep`` (see :func:`heights`)."""
    measured = {point: path_metrics(height, kin.times, rep)
                for point, height in heights(kin, min_visibility, height_cm,
                                             hangs=hangs).items()}
    return RepMetrics(**measured)


def velocity_loss(speeds: Sequence[float]) -> float | None:
    """Percent loss of speed from the fastest rep to the last one; None with fewer than two
    reps, or when even the fastest is below :data:`MIN_LIFT_SPEED_M_S` (the hands carried
    nothing up: a glute bridge's on the floor).

    The definition of Sanchez-Medina and Gonzalez-Badillo (2011, Med Sci Sports Exerc 43:1725),
    the velocity loss that velocity-based training prescribes sets by: the fastest rep, usually
    the first, rather than the first, so that a slow set-up rep does not read as a gain.

    Example:
        >>> velocity_loss([0.8, 1.0, 0.9, 0.7])
        30.0
    """
    if len(speeds) < 2 or not max(speeds) >= MIN_LIFT_SPEED_M_S:
        return None
    fastest = max(speeds)
    return round(100.0 * (fastest - speeds[-1]) / fastest, 1)


def set_metrics(reps: Sequence[RepReport], height_cm: float | None = None, *,
                hangs: bool = False) -> SetMetrics:
    """The set's figures from its reps' metrics: mean speeds over the reps measured, the fastest
    rep and the velocity loss (:func:`velocity_loss`) from it to the last rep measured; and
    what the heights were measured above (``hangs``: the hands, :func:`heights`)."""
    measured = [rep for rep in reps if rep.metrics.wrist is not None]
    wrist = [rep.metrics.wrist.mean_speed_m_s for rep in measured]  # type: ignore[union-attr]
    hip = [rep.metrics.hip.mean_speed_m_s for rep in reps if rep.metrics.hip is not None]
    return SetMetrics(
        method="world" if height_cm is None else "image",
        lifter_height_cm=height_cm,
        reps_measured=len(measured),
        mean_wrist_speed_m_s=round(float(np.mean(wrist)), 3) if wrist else None,
        mean_hip_speed_m_s=round(float(np.mean(hip)), 3) if hip else None,
        fastest_rep=measured[int(np.argmax(wrist))].index if wrist else None,
        velocity_loss_pct=velocity_loss(wrist),
        heights_above="hands" if hangs else "ankles",
    )


def velocity_loss_words(metrics: SetMetrics) -> str | None:
    """The set's velocity loss as the terminal and the HTML report both say it; None when it
    was not measured. A loss of 0 means the last rep was the fastest, which "0% from rep 10 to
    the last" (rep 10 being the last) hides."""
    loss = metrics.velocity_loss_pct
    if loss is None:
        return None
    if loss == 0:
        return f"no velocity loss: the fastest rep, rep {metrics.fastest_rep}, was the last"
    return f"velocity loss {loss:g}% from rep {metrics.fastest_rep} to the last"
