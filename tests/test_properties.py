"""Properties of kinematics and of the whole analysis on arbitrary pose tracks.

Whatever a track holds (NaN runs, a frozen pose, wild spikes, no frames, one frame, a long
set, uneven timing), :func:`kinematics` and :func:`analyze_track` must not raise nor warn (a
numpy warning is a raw line on the user's stderr), and what they return must make sense:
angles within their range, one value per frame, reps in order without overlap, every rep
with an outcome, scores within 0-100. segment_reps has its own properties in test_reps.py.
"""

from __future__ import annotations

import functools
import itertools
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthetic import hinge, swing, thrust

from formcheck.analysis import analyze_track
from formcheck.config import Lift, lift_names, load_lift
from formcheck.kinematics import Kinematics, kinematics
from formcheck.series import Series, Sided
from formcheck.track import ARRAY_FIELDS, PoseTrack

FPS = 30.0

UNSIGNED_DEG = ("hip_angle", "knee_angle", "hip_angle_3d", "shin_inclination",
                "trunk_inclination")
"""Series that are angles in [0, 180] by construction."""
SIGNED_DEG = ("trunk_lean",)
"""Signed angles, in [-180, 180]."""


@functools.cache
def lifts() -> list[PoseTrack]:
    """Real-looking sets to damage: a hinge, a swing and a thrust, with pixel noise."""
    from synthetic import View

    view = View(noise_px=2.0, seed=1)
    return [hinge(2, from_floor=True, view=view).track, swing(2, view=view).track,
            thrust(2, view=view).track]


@functools.cache
def lift(name: str) -> Lift:
    return load_lift(name)


def _take(track: PoseTrack, rows: np.ndarray) -> PoseTrack:
    """A new track of ``track``'s frames at ``rows`` (copies, so they can be damaged)."""
    arrays = {f: getattr(track, f)[rows].copy() for f in ARRAY_FIELDS}
    return PoseTrack(**arrays, width=track.width, height=track.height, fps=track.fps)


@st.composite
def tracks(draw: st.DrawFn) -> PoseTrack:
    """Arbitrary tracks: a lift (looped to length), noise or a frozen pose; then NaN runs,
    landmarks missing on their own, spikes, and even or uneven timing."""
    size = draw(st.sampled_from(["tiny", "short", "short", "short", "long"]))
    n = draw({"tiny": st.integers(0, 2), "short": st.integers(3, 150),
              "long": st.just(3000)}[size])
    kind = draw(st.sampled_from(["lift", "noise", "constant"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    base = lifts()[draw(st.integers(0, len(lifts()) - 1))]
    if kind == "constant":
        rows = np.full(n, draw(st.integers(0, len(base) - 1)))
    else:
        rows = (draw(st.integers(0, len(base) - 1)) + np.arange(n)) % len(base)
    track = _take(base, rows)
    if kind == "noise":
        track.landmarks[:] = rng.uniform(-0.2, 1.2, track.landmarks.shape)
        track.world[:] = rng.normal(0.0, 0.5, track.world.shape)
        track.visibility[:] = rng.uniform(0.0, 1.0, track.visibility.shape)
        track.back_contour[:] = rng.uniform(0.0, 1.0, track.back_contour.shape)
    for _ in range(draw(st.integers(0, 3))):  # the lifter lost for a while
        start, length = rng.integers(0, max(n, 1)), draw(st.integers(1, 200))
        gone = slice(start, start + length)
        track.present[gone] = False
        for name in ("landmarks", "visibility", "presence", "world", "back_contour"):
            getattr(track, name)[gone] = np.nan
    if n and draw(st.booleans()):  # single landmarks missing in frames where the lifter is
        holes = rng.random(track.visibility.shape) < draw(st.floats(0.0, 0.5))
        track.landmarks[holes] = track.world[holes] = np.nan
        track.visibility[holes] = np.nan
    if n and draw(st.booleans()):  # glitches: a frame thrown far off
        spikes = rng.random(n) < draw(st.floats(0.0, 0.2))
        track.landmarks[spikes] += rng.choice([-50.0, 50.0, 1e4], (spikes.sum(), 1, 1))
    steps = (rng.uniform(0.001, 0.3, n) if draw(st.booleans()) else np.full(n, 1 / FPS))
    track.times[:] = np.cumsum(steps) - (steps[0] if n else 0.0)
    return track


def sided_fields(kin: Kinematics) -> dict[str, Sided]:
    return {name: m for name, m in kin.series.items() if isinstance(m, Sided)}


def assert_series(series: Series, n: int, low: float = -np.inf, high: float = np.inf) -> None:
    assert series.value.shape == series.reliability.shape == (n,)
    assert np.all((series.reliability >= 0) & (series.reliability <= 1))
    values = series.value[np.isfinite(series.value)]
    assert np.all((values >= low - 1e-9) & (values <= high + 1e-9)), values


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tracks(), st.sampled_from(["zero_phase", "causal", "none"]))
def test_kinematics_of_any_track(track: PoseTrack, smoothing) -> None:
    n = len(track)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kin = kinematics(track, smoothing=smoothing)
    assert np.array_equal(kin.times, track.times)
    assert kin.facing in ("left", "right") and 0.0 <= kin.facing_confidence <= 1.0
    sided = sided_fields(kin)
    for name in UNSIGNED_DEG:
        for side in ("left", "right"):
            assert_series(sided[name][side], n, 0.0, 180.0)
    for name in SIGNED_DEG:
        for side in ("left", "right"):
            assert_series(sided[name][side], n, -180.0, 180.0)
    for name in sided.keys() - {*UNSIGNED_DEG, *SIGNED_DEG}:
        for side in ("left", "right"):
            assert_series(sided[name][side], n)
    assert_series(kin.back_bend, n)
    assert kin.back_hidden.shape == (n,) and kin.back_hidden.dtype == bool


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tracks(), st.sampled_from(lift_names()), st.sampled_from(["zero_phase", "causal"]))
def test_analysis_of_any_track(track: PoseTrack, name: str, smoothing) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = analyze_track(track, lift(name), smoothing=smoothing)
    reps = report.reps
    assert report.rep_count == len(reps) == report.valid + report.no_rep + report.ambiguous
    for number, rep in enumerate(reps, start=1):
        assert rep.index == number
        assert rep.start_s <= rep.turn_s <= rep.end_s
        assert rep.outcome in ("valid", "no_rep", "ambiguous") and rep.reason
        assert (rep.score is None) == (rep.outcome == "ambiguous")
        assert rep.score is None or 0 <= rep.score <= 100
        assert rep.outcome != "ambiguous" or rep.abstained
    for before, after in itertools.pairwise(reps):
        assert before.end_s <= after.start_s, "reps overlap"
    assert report.mean_score is None or 0 <= report.mean_score <= 100
    if not reps:
        assert report.warnings, "an empty report must say why"
