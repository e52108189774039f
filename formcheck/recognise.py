"""Which lift a clip shows, from its pose track alone: ``--exercise auto`` and the guard that
flags a clip analysed under the wrong lift's name.

How: a clip becomes one vector of body-relative, view-robust features (:func:`features`):
percentiles over the clip of the trunk's, thighs' and joints' angles from the world landmarks
(the model's 3-D estimate, which reads alike from the side, the front or obliquely) and of the
hip and knee angles in the image (sharper in the side views most clips are filmed from), where
the hands are against the shoulders (above the head: a hang) and the ankles (how low they
reach), how high the shoulders stand above the ankles (lying down or standing), the two legs'
and arms' asymmetry (a single-leg lift, a one-arm row), how knees and hips move together, and
the knees, hips and hands where the trunk leans most (a deadlift's bent knees and hands at the
floor, an RDL's straight knees and hands at the shins). A multinomial logistic regression on
those features (:class:`Model`, fitted by ``python -m benchmarks.recognition --fit`` into
:data:`MODEL_PATH`) gives each lift, and the labelled clips of exercises formcheck has no lift
for (:data:`OTHER`), a probability. The clip is a lift when that lift's probability reaches the
model's ``min_confidence``; it is "not a supported lift" when :data:`OTHER` is likeliest or the
clip lies farther from every labelled clip than the model's ``max_distance``; otherwise the
recogniser is unsure and says its best candidates. The wrong-name guard flags a named lift
whose probability is below ``guard_floor``, a clip outside what every clip of the lift shows
(its posture's, hands' and stance's facts), or one in which the lift's driver never travels
one rep's range (:func:`wrong_name`). Every threshold is measured
leave-one-source-out, and so is the accuracy, in ``benchmarks/recognition.py``.

A new lift joins by labelling its clips (the ``exercise`` column of a labels ``clips.csv``)
and re-running ``python -m benchmarks.recognition --fit``, which refits :data:`MODEL_PATH` from
every labelled clip of every lift in ``formcheck/lifts``.
"""

from __future__ import annotations

import functools
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from formcheck.config import load_lift
from formcheck.counting import driver_signal, find_reps, rep_settings
from formcheck.errors import FormcheckError
from formcheck.kinematics import Kinematics, kinematics
from formcheck.legs import judged_kinematics
from formcheck.lift import Fact, Lift
from formcheck.report import RecognitionReport
from formcheck.reps import driver_range
from formcheck.sight import Seen, median_interval, seen
from formcheck.track import PoseTrack

SERIES = (
    "trunk_inclination_3d", "thigh_inclination_3d", "hip_angle_3d", "knee_angle_3d",
    "elbow_angle_3d", "hand_height_3d", "shoulder_height_3d", "hip_height_3d",
    "trunk_inclination", "hip_angle", "knee_angle", "knee_height_3d",
)
"""The kinematic series the features read; an analysis that recognises asks for them too."""

MIN_VISIBILITY = 0.3
"""Frames in which a landmark the series uses is less visible than this do not count."""

PERCENTILES = (5, 50, 95)
"""Where a series' distribution over the clip is read: its low end, middle and high end (the
extremes themselves are one bad frame away from anything)."""


def _both(kin: Kinematics, name: str) -> np.ndarray:
    """(T, 2) the series on the left and right side, NaN where not trusted."""
    sided = kin[name]
    return np.stack([sided[side].trusted(MIN_VISIBILITY) for side in ("left", "right")], axis=1)


def _spread(values: np.ndarray) -> list[float]:
    """The :data:`PERCENTILES` of the finite values, NaN if none."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return [math.nan] * len(PERCENTILES)
    return [float(v) for v in np.percentile(finite, PERCENTILES)]


def _mean_sides(kin: Kinematics, name: str) -> np.ndarray:
    both = _both(kin, name)
    seen = np.isfinite(both).any(axis=1)
    out = np.full(len(both), np.nan)
    out[seen] = np.nanmean(both[seen], axis=1)
    return out


def _asymmetry(kin: Kinematics, name: str) -> float:
    """How far apart the two sides of a series come, at the high end of the clip: one leg
    raised or stepped back, one arm rowing."""
    return _high(np.abs(np.diff(_both(kin, name), axis=1)[:, 0]))


def _coupling(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of two series over the frames both are finite in: near 1 when the joints
    bend together (a squat's knees and hips), near 0 when one moves alone."""
    both = np.isfinite(a) & np.isfinite(b)
    if both.sum() < 3 or np.std(a[both]) == 0 or np.std(b[both]) == 0:
        return math.nan
    return float(np.corrcoef(a[both], b[both])[0, 1])


def _high(values: np.ndarray) -> float:
    return _spread(values)[-1]


DEEPEST = 90
"""The frames in which the trunk leans at least this percentile of its lean over the clip are
the bottom of the movement, where a deadlift's knees are bent and its hands at the floor, an
RDL's knees nearly straight and its hands at the shins."""


def _at_deepest(trunk: np.ndarray, *others: np.ndarray) -> list[float]:
    """The median of each of ``others`` over the frames where the trunk leans the most."""
    finite = np.isfinite(trunk)
    if not finite.any():
        return [math.nan] * len(others)
    deep = finite & (trunk >= np.percentile(trunk[finite], DEEPEST))
    return [float(np.nanmedian(o[deep])) if np.isfinite(o[deep]).any() else math.nan
            for o in others]


FEATURES = (
    *(f"trunk_{p}" for p in PERCENTILES),
    *(f"thigh_{p}" for p in PERCENTILES),
    *(f"hip_{p}" for p in PERCENTILES),
    *(f"knee_{p}" for p in PERCENTILES),
    *(f"elbow_{p}" for p in PERCENTILES),
    *(f"hands_over_shoulders_{p}" for p in PERCENTILES),
    "hands_low", "shoulders_low", "shoulders_high", "hip_travel",
    "leg_asymmetry", "arm_asymmetry", "knee_hip_coupling", "image_trunk_range",
    "deep_knee", "deep_hip", "deep_thigh", "deep_hands", "deep_hands_over_shoulders",
    *(f"image_hip_{p}" for p in PERCENTILES), *(f"image_knee_{p}" for p in PERCENTILES),
    "deep_image_knee",
)
"""The names of the values :func:`features` returns, in order."""


def features(kin: Kinematics) -> np.ndarray:
    """One clip as a vector of :data:`FEATURES`; NaN where the clip never showed a value.

    Angles in degrees, heights in metres (the world landmarks'); each says what tells lifts
    apart: the trunk's lean (upright in a squat and a hang, level in a row, swinging through
    90 degrees in a hinge), the thighs' (vertical standing, level lying on the back), how far
    hips, knees and elbows bend, the hands over the shoulders (above in a hang, at the neck in
    a good morning or a back squat, below in a hinge), how low the hands reach above the ankles
    (the floor in a deadlift, the shins in an RDL, the knees in a rack pull), how high the
    shoulders stand (lying or standing), how far the hips travel up and down, the largest
    difference between the two legs' and the two arms' bend (one leg raised, one arm rowing),
    the knees' and hips' coupling, the knees, hips, thighs and hands where the trunk leans most
    (:func:`_at_deepest`), and the image's hip and knee angles (the facing side's)."""
    trunk, thigh, hip, knee, elbow = (_mean_sides(kin, name) for name in (
        "trunk_inclination_3d", "thigh_inclination_3d", "hip_angle_3d", "knee_angle_3d",
        "elbow_angle_3d"))
    hands = _mean_sides(kin, "hand_height_3d")
    shoulders = _mean_sides(kin, "shoulder_height_3d")
    hips = _spread(_mean_sides(kin, "hip_height_3d"))
    image_trunk, image_hip, image_knee = (kin[name].facing.trusted(MIN_VISIBILITY) for name in (
        "trunk_inclination", "hip_angle", "knee_angle"))
    image_trunk = _spread(image_trunk)
    values = [
        *_spread(trunk), *_spread(thigh), *_spread(hip), *_spread(knee), *_spread(elbow),
        *_spread(hands - shoulders),
        _spread(hands)[0], _spread(shoulders)[0], _spread(shoulders)[-1], hips[-1] - hips[0],
        _asymmetry(kin, "knee_angle_3d"), _asymmetry(kin, "elbow_angle_3d"), _coupling(knee, hip),
        image_trunk[-1] - image_trunk[0],
        *_at_deepest(trunk, knee, hip, thigh, hands, hands - shoulders),
        *_spread(image_hip), *_spread(image_knee), *_at_deepest(trunk, image_knee),
    ]
    return np.array(values, dtype=np.float64)


FACT_MEASURES = ("thigh_asymmetry", "hip_asymmetry", "knee_height_50")
"""What the lifts' facts read beside :data:`FEATURES` (``common.toml [stances.*]``,
``[postures.kneeling]``) and the model does not: the two thighs' inclination and the two hips'
angle apart (3-D, degrees), a lunge's split stance and a single-leg deadlift's free leg; and the
knees' median height above the ankles (3-D, metres), near 0 kneeling. Why not
in the model: fitted with the first two, leave one source out, it was right on 65 of the 89
development clips, as without them, and on 11 of 12 kept apart against 10 (63 of 87 against 64
on the clips of a run before): no gain clear enough to refit the shipped model for; the third
tells apart only lifts no clip shows (kneeling ones)."""

MEASURES = (*FEATURES, *FACT_MEASURES)
"""Every clip measure a fact may bound (:attr:`Recognition.measured`)."""


def fact_measures(kin: Kinematics) -> np.ndarray:
    """One clip's :data:`FACT_MEASURES`, NaN where the clip never showed one."""
    return np.array([_asymmetry(kin, "thigh_inclination_3d"), _asymmetry(kin, "hip_angle_3d"),
                     _spread(_mean_sides(kin, "knee_height_3d"))[1]])


OTHER = "other"
"""The class of the labelled clips of exercises formcheck has no lift for (stretches, curls,
lunges...): what a clip is called when it looks more like them than like any lift."""

Status = Literal["recognised", "unsure", "unsupported"]


@dataclass(frozen=True)
class Recognition:
    """What :func:`recognise` made of a clip."""

    lift: str | None
    """The lift recognised; None when unsure or not a supported lift."""
    confidence: float
    """The model's probability of its best candidate, in [0, 1]."""
    candidates: tuple[tuple[str, float], ...]
    """The likeliest lifts (never :data:`OTHER`), best first, with their probabilities."""
    status: Status
    """``recognised``; ``unsure`` (confidence below the model's ``min_confidence``: ask the
    user); or ``unsupported``: the clip looks like no lift formcheck has (closest to the
    labelled clips of other exercises, farther from every labelled clip than any lift's
    clips are from each other, or, for ``--exercise auto``, none of its likeliest lifts
    possible: :func:`screened`)."""
    distance: float
    """Root-mean-square distance, in spreads of each feature, to the nearest labelled clip:
    how far the clip lies from anything the model has seen."""
    probabilities: Mapping[str, float] = field(default_factory=dict)
    """Every lift the model knows and its probability."""
    measured: Mapping[str, float] = field(default_factory=dict)
    """The clip's :data:`MEASURES`, NaN where it never showed one: what a lift's facts
    (:attr:`formcheck.lift.Lift.shows`) are checked against."""
    ruled_out: Mapping[str, str] = field(default_factory=dict)
    """The likeliest lifts the clip cannot be, and why (:func:`screened`: ``--exercise auto``
    answers none of them)."""

    def words(self) -> str:
        """The candidates as a user reads them: ``deadlift (0.61), romanian_deadlift (0.30)``."""
        return ", ".join(f"{lift} ({p:.2f})" for lift, p in self.candidates)


@dataclass(frozen=True)
class Model:
    """A fitted recogniser: multinomial logistic regression on the standardised features,
    the labelled clips it was fitted on (for the distance to the nearest), and the thresholds
    the fitting measured (see ``benchmarks/recognition.py``)."""

    classes: tuple[str, ...]
    features: tuple[str, ...]
    fill: np.ndarray
    """(F,) what a feature the clip never showed is taken to be: its median over the clips."""
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    """(F + 1, K) the last row the intercepts."""
    examples: np.ndarray
    """(N, F) the labelled clips, standardised."""
    min_confidence: float
    """Below this probability ``--exercise auto`` asks the user to name the lift."""
    guard_floor: float
    """A named lift whose probability is below this is taken for the wrong name."""
    max_distance: float
    """Farther than this from every labelled clip: not a supported lift."""
    fitted_on: str
    """What the model was fitted on, for the record."""

    def standardised(self, x: np.ndarray) -> np.ndarray:
        """``x`` in spreads from the middle of the clips fitted on, clipped to
        :data:`CLIP_AT` (a broken track's wild value weighs no more than a clear one)."""
        z = (np.where(np.isfinite(x), x, self.fill) - self.mean) / self.scale
        return np.clip(z, -CLIP_AT, CLIP_AT)

    def probabilities(self, z: np.ndarray) -> np.ndarray:
        """(..., K) class probabilities of standardised feature vectors ``z``."""
        logits = z @ self.weights[:-1] + self.weights[-1]
        logits -= logits.max(axis=-1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=-1, keepdims=True)

    def to_json(self) -> dict[str, Any]:
        return {name: value.tolist() if isinstance(value, np.ndarray) else value
                for name, value in vars(self).items()}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Model:
        arrays = {"fill", "mean", "scale", "weights", "examples"}
        return cls(**{name: np.asarray(value, dtype=np.float64) if name in arrays
                      else tuple(value) if isinstance(value, list) else value
                      for name, value in doc.items()})


MODEL_PATH = Path(__file__).with_name("recognition.json")
"""The fitted model shipped with formcheck (``python -m benchmarks.recognition --fit``)."""

L2 = 3.0
"""Weight of the logistic regression's L2 penalty against the clip-weighted cross-entropy
(which sums to 1). Measured leave-one-source-out on the development clips
(benchmarks/recognition.py): 0.01-0.3 fit the sources' quirks (72-76 % right), 1 gave 72 %,
3 gave 76.5 % with the guard flagging 64 % of wrong names, 10 gave 74 %."""

CLASS_BALANCE = 0.5
"""Each clip weighs 1 / (clips of its class) ** this in the fit: 0 lets the 48 deadlifts
drown the 2 single-leg RDLs, 1 makes a single-leg RDL clip weigh 24 deadlifts and the
model call deadlifts something rarer; 0.5 and 0.75 both gave 76.5 % right, 0.5 the guard
the more wrong names (64 % against 57 %)."""


CLIP_AT = 2.0
"""Standardised features are clipped to this many spreads from the middle: a few tracks
are broken (a pull-up whose trunk reads 170 degrees from vertical) and would otherwise set a
feature's weight alone. Unclipped standardisation gave 75 % right, 3 spreads 78 %, 2 80 %
and 1.5 78 % (without the class of other exercises)."""


def fit(x: np.ndarray, labels: Sequence[str], *, fitted_on: str = "",
        min_confidence: float = 0.5, guard_floor: float = 0.01,
        max_distance: float = math.inf, iterations: int = 3000) -> Model:
    """A :class:`Model` of the clips' feature vectors ``x`` (N, F) and their ``labels``, by
    gradient descent on the weighted, penalised cross-entropy (convex: the same clips give
    the same model)."""
    classes = tuple(sorted(set(labels)))
    y = np.array([classes.index(label) for label in labels])
    fill = np.array([np.median(col[np.isfinite(col)]) if np.isfinite(col).any() else 0.0
                     for col in x.T])
    filled = np.where(np.isfinite(x), x, fill)
    low, mean, high = np.percentile(filled, [25, 50, 75], axis=0)
    scale = (high - low) / 1.349  # the interquartile range of a normal distribution in sigmas
    scale[scale == 0] = 1.0
    z = np.clip((filled - mean) / scale, -CLIP_AT, CLIP_AT)
    counts = np.bincount(y, minlength=len(classes))
    w = 1.0 / counts[y] ** CLASS_BALANCE
    w /= w.sum()
    design = np.c_[z, np.ones(len(z))]
    target = np.eye(len(classes))[y]
    weights = np.zeros((design.shape[1], len(classes)))
    penalty = np.r_[np.ones(z.shape[1]), 0.0][:, None] * L2 / len(z)
    step = 1.0 / (np.linalg.norm(design, 2) ** 2 * w.max() + penalty.max())
    for _ in range(iterations):
        logits = design @ weights
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        weights -= step * (design.T @ ((p - target) * w[:, None]) + penalty * weights)
    return Model(classes, FEATURES, fill, mean, scale, weights, z, min_confidence,
                 guard_floor, max_distance, fitted_on)


def predict(model: Model, x: np.ndarray, facts: np.ndarray | None = None) -> Recognition:
    """What ``model`` makes of one clip's :func:`features` ``x``; ``facts``, the clip's
    :func:`fact_measures`, are kept beside them for the lifts' facts (none if not given: the
    facts on them then bound nothing)."""
    z = model.standardised(x)
    p = model.probabilities(z)
    distance = float(np.min(np.sqrt(np.mean((model.examples - z) ** 2, axis=1))))
    order = np.argsort(p)[::-1]
    candidates = tuple((model.classes[k], round(float(p[k]), 3)) for k in order
                       if model.classes[k] != OTHER)[:3]
    best, confidence = model.classes[order[0]], float(p[order[0]])
    every = {name: float(p[k]) for k, name in enumerate(model.classes)}
    measured = dict(zip(model.features, map(float, x), strict=True)) | (
        {} if facts is None else dict(zip(FACT_MEASURES, map(float, facts), strict=True)))
    if best == OTHER or distance > model.max_distance:
        return Recognition(None, confidence, candidates, "unsupported", distance, every,
                           measured)
    if confidence < model.min_confidence:
        return Recognition(None, confidence, candidates, "unsure", distance, every, measured)
    return Recognition(best, confidence, candidates, "recognised", distance, every, measured)


@functools.cache
def shipped_model() -> Model:
    """The model in :data:`MODEL_PATH`, read once."""
    return Model.from_json(json.loads(MODEL_PATH.read_text()))


MIN_TRACKED_S = 0.5
"""Least time the lifter's trunk must be tracked in for a clip to be recognised at all (the
shortest labelled clip tracks it for 0.9 s): with less, every feature would be the fill, and
the model would answer from what it was fitted on, not from the clip."""


def recognise(clip: PoseTrack | Kinematics, model: Model | None = None) -> Recognition:
    """Which lift ``clip`` shows, by the shipped model unless another is given. A
    :class:`Kinematics` must hold :data:`SERIES` (an analysis that recognises asks for them).
    A clip that tracks the lifter too briefly (:data:`MIN_TRACKED_S`) is ``unsure``, with no
    candidates."""

    kin = clip if isinstance(clip, Kinematics) else kinematics(clip, SERIES)
    tracked = np.isfinite(_mean_sides(kin, "trunk_inclination_3d"))
    if tracked.sum() * median_interval(kin.times) < MIN_TRACKED_S:
        return Recognition(None, 0.0, (), "unsure", math.nan)
    return predict(model or shipped_model(), features(kin), fact_measures(kin))


def _said(lift: str) -> str:
    return lift.replace("_", " ")


def wrong_name(lift: Lift, found: Recognition, floor: float | None = None,
               travel: float | None = None) -> str | None:
    """Why the clip is not ``lift``, where it cannot be; None otherwise. Three ways it cannot:

    * the clip lies outside a fact of the lift's posture, hands or stance
      (:attr:`formcheck.lift.Lift.shows`: a lift done lying back never stands tall), whatever
      the model says, and for a lift the model has no labelled clip of too;
    * the lift's driver travels less over the clip (``travel``, :func:`driver_travel`) than
      one rep of it must (its ``rep_min_range``): not one rep's movement of it (a deadlift
      named a row never bends the elbows through a row);
    * the recogniser finds the lift all but impossible: its probability below ``floor``, by
      default the shipped model's ``guard_floor`` (never for a lift the model has no labelled
      clip of: it cannot tell that lift from any other).

    Why the named lift's own probability, not the best candidate's: the recogniser is often
    torn between two lifts that look alike (a deadlift and an RDL) while sure the clip is
    neither a hip thrust nor a pull-up; what the guard must catch is a name the clip cannot
    be, not a close call the user is better placed to make."""
    outside = ruled_out(lift, found, travel)
    if outside is not None:
        return outside
    floor = shipped_model().guard_floor if floor is None else floor
    named = lift.name
    if named not in found.probabilities or not found.candidates:
        return None
    best, confidence = found.candidates[0]
    if best == named or found.probabilities[named] >= floor:
        return None
    return (f"this looks like a {_said(best)} ({confidence:.2f}), not a {_said(named)} "
            f"({found.probabilities[named]:.2f})")


def ruled_out(lift: Lift, found: Recognition, travel: float | None = None, *,
              looks: bool = True) -> str | None:
    """Why the clip cannot be ``lift`` whatever the model says, as a warning reads it: it breaks
    a fact of the lift's posture, hands or stance, or its driver travels less over the clip
    (``travel``, :func:`driver_travel`) than one rep of it must; None if neither. ``looks``:
    end with the lift it looks more like."""
    return _outside(lift, found, looks) or _still(lift, found, travel, looks)


def screened(found: Recognition, lifts: Mapping[str, Lift],
             travels: Mapping[str, float | None]) -> Recognition:
    """``found`` answering none of the ``lifts`` (its candidates, by name) the clip cannot be
    (:func:`ruled_out`; ``travels``: each one's driver travel, missing where unknown), each
    recorded with why: ``--exercise auto`` never analyses a clip as a lift the guard would
    flag under that lift's name. The best candidate ruled out, the recogniser is unsure among
    the others (it asks the user); all ruled out, the clip is no supported lift (a stretch held
    still moves through no lift's rep), its candidates kept as the nearest the model saw."""
    if found.status == "unsupported" or not found.candidates:
        return found
    out = {name: why for name, _ in found.candidates
           if (why := ruled_out(lifts[name], found, travels.get(name), looks=False))
           is not None}
    if not out:
        return found
    kept = tuple((name, p) for name, p in found.candidates if name not in out)
    if not kept:
        return replace(found, lift=None, status="unsupported", ruled_out=out)
    if found.candidates[0][0] in out:
        return replace(found, lift=None, status="unsure", confidence=kept[0][1],
                       candidates=kept, ruled_out=out)
    return replace(found, candidates=kept, ruled_out=out)


def screen(found: Recognition, track: PoseTrack) -> Recognition:
    """:func:`screened`, each candidate in its default variant and thresholds (a user's config
    is for the lift analysed, and may not fit another), its driver read from ``track`` as an
    analysis of it would read it."""
    if found.status == "unsupported" or not found.candidates:
        return found
    lifts = {name: load_lift(name) for name, _ in found.candidates}
    kin = kinematics(track, tuple(dict.fromkeys(
        s for lift in lifts.values() for s in lift.counting_series)))
    shown = seen(track)
    return screened(found, lifts, {name: unrepped_travel(kin, lift, shown)
                                   for name, lift in lifts.items()})


def _looks(named: str, found: Recognition, looks: bool = True) -> str:
    other = instead(named, found) if looks else None
    return f"; it looks more like a {_said(other)}" if other else ""


def _broken(lift: Lift, found: Recognition) -> tuple[Fact, float] | None:
    """The first fact of ``lift``'s posture, hands or stance the clip breaks, and its value."""
    for fact in lift.shows:
        value = found.measured.get(fact.feature, math.nan)
        if value < fact.at_least or value > fact.at_most:  # NaN, never shown, breaks nothing
            return fact, value
    return None


def _outside(lift: Lift, found: Recognition, looks: bool = True) -> str | None:
    """Which fact of ``lift``'s posture, hands or stance the clip breaks, as a warning reads
    it."""
    broken = _broken(lift, found)
    if broken is None:
        return None
    fact, value = broken
    return (f"this is not a {_said(lift.name)}: {fact.because} ({fact.means} {fact.bounds}; "
            f"here {value:.3g} {fact.unit}){_looks(lift.name, found, looks)}")


def _still(lift: Lift, found: Recognition, travel: float | None, looks: bool = True
           ) -> str | None:
    """Why the clip holds no rep of ``lift`` where its driver travels less (``travel``) than
    one rep must, as a warning reads it."""
    least = lift.threshold("rep_min_range")
    if travel is None or travel >= least.value:
        return None
    return (f"this is not a {_said(lift.name)}: not one rep's movement of it in the clip "
            f"({least.means}: {least.value:g} {least.unit}; here {travel:.3g} {least.unit} in "
            f"all){_looks(lift.name, found, looks)}")


MIN_TRAVEL_SEEN_S = 1.5
"""Least time the named lift's driver must be measured in for the guard to say the clip holds
no rep of it (:func:`driver_travel`): the median rep labelled by eye lasts 1.5 s (431 reps of
17 exercises, benchmarks/labels and tests/labels), so a clip that shows the driver for less
may hold the middle of a rep only, a pull the clip starts after lift-off."""


def unrepped_travel(kin: Kinematics, lift: Lift, shown: Seen) -> float | None:
    """:func:`driver_travel` of a clip in which no rep of ``lift`` is counted, None where one
    is: what the guard asks of a clip named ``lift`` (:func:`formcheck.analysis.wrong_name_guard`),
    read as an analysis of it reads the clip (``shown``: what the track shows of its video).
    ``kin`` must hold the lift's counting series."""
    judged = judged_kinematics(kin, lift)
    if find_reps(judged, lift, cuts=shown.edits, away=shown.away).reps:
        return None
    return driver_travel(judged, lift)


def driver_travel(kin: Kinematics, lift: Lift) -> float | None:
    """How far ``lift``'s driver travels over the clip, in its own unit: the range its reps
    are cut against (:func:`~formcheck.reps.driver_range`); None where it was measured for
    less than :data:`MIN_TRAVEL_SEEN_S`. ``kin`` must hold the lift's counting series."""
    driver = driver_signal(kin, lift)
    if np.isfinite(driver).sum() * median_interval(kin.times) < MIN_TRAVEL_SEEN_S:
        return None
    ends = driver_range(driver, rep_settings(lift))
    return None if ends is None else ends[1] - ends[0]


def instead(named: str, found: Recognition) -> str | None:
    """The likeliest lift other than ``named`` whose facts the clip keeps to: what to analyse
    a wrongly named clip as."""
    return next((lift for lift, _ in found.candidates if lift != named and _keeps(lift, found)),
                None)


def _keeps(name: str, found: Recognition) -> bool:
    """Whether the clip keeps to lift ``name``'s facts (not where its file no longer loads: a
    candidate of a model fitted on a lift since removed or broken)."""
    try:
        return _broken(load_lift(name), found) is None
    except FormcheckError:
        return False


def report_of(found: Recognition, named: str | None = None, flagged: bool = False
              ) -> RecognitionReport:
    """What a report says of a recognition."""
    return RecognitionReport(named=named, recognised=found.lift, status=found.status,
                             confidence=round(found.confidence, 3),
                             candidates=dict(found.candidates), flagged=flagged)


def unrecognised(found: Recognition) -> str:
    """The one-line error of ``--exercise auto`` on a clip it will not name."""
    if not found.candidates:
        return ("too little of the lifter was tracked to tell which lift this is; name it with "
                "--exercise")
    because = _why_not_best(found)
    if found.status == "unsupported":
        return ("this does not look like a supported lift (nearest: "
                f"{found.words()}){because}; `formcheck exercises` lists the lifts formcheck "
                "judges")
    return (f"cannot tell which lift this is (best guesses: {found.words()}){because}; name it "
            "with --exercise")


def _why_not_best(found: Recognition) -> str:
    """Why the model's likeliest lift was ruled out (:func:`screened`), where it was: what
    made auto ask, or find no supported lift; nothing where only a lesser candidate was."""
    if not found.ruled_out:
        return ""
    best = max(found.ruled_out, key=lambda name: found.probabilities.get(name, 0.0))
    kept = 0.0 if found.status == "unsupported" else found.candidates[0][1]
    if found.probabilities.get(best, 0.0) <= kept:
        return ""
    return f"; the likeliest, {_said(best)} ({found.probabilities[best]:.2f}), is ruled out: " + (
        found.ruled_out[best].removeprefix(f"this is not a {_said(best)}: "))


AUTO = "auto"
"""The exercise name that asks formcheck to recognise the lift (``--exercise auto``)."""


NO_GUARD_NEEDS_A_NAME = ("--no-guard needs a named lift: it judges a lift you name even where "
                         "the clip looks like another")
"""Why the guard cannot be turned off where no lift is named; the error says what was given."""


def check_auto(variant: str | None, guard: bool = True) -> None:
    """Refuse, before any work, a variant named without a lift: the recogniser tells lifts,
    not variants (a kettlebell from a barbell deadlift is not in the pose); and the guard
    turned off, which holds a named lift to the clip and has no name to hold here."""
    if variant is not None:
        raise FormcheckError(
            f"--variant {variant} needs a named lift: --exercise auto recognises the lift, "
            "not its variant (name both, e.g. --exercise deadlift --variant kettlebell)")
    if not guard:
        raise FormcheckError(f"{NO_GUARD_NEEDS_A_NAME}; --exercise auto names none")


def auto_lift(found: Recognition, config: str | os.PathLike[str] | None = None) -> Lift:
    """The lift ``found`` names, in its default variant with the user's ``config``; a one-line
    error with the candidates where the recogniser is unsure or the clip is no supported
    lift (it asks rather than guesses)."""
    if found.lift is None:
        raise FormcheckError(unrecognised(found))
    return load_lift(found.lift, None, config)


def auto_note(found: Recognition, lift: Lift) -> str:
    """The warning of a report whose lift was recognised rather than named."""
    others = ", ".join(f"{name} ({p:.2f})" for name, p in found.candidates[1:])
    return (f"the lift was recognised from the pose as {_said(lift.name)} "
            f"({found.confidence:.2f}{'; next: ' + others if others else ''}); the variant "
            f"cannot be told from the pose alone (a kettlebell from a barbell, say): the "
            f"default, {lift.variant}, was used; name the lift and variant (--exercise "
            f"{lift.name} --variant ...) if either is wrong")
