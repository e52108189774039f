"""Angles and shapes over frames: the geometry the kinematic series are built from.

Each function takes arrays of points with frames on the first axis and returns one value per
frame, NaN where the geometry is undefined (a missing point, a segment of no length): a NaN in
means a NaN out, never an exception and never a made-up 0.
"""

from __future__ import annotations

import numpy as np

ARM_DEPTH = 0.5
"""How far from the trunk's mid-line towards the back's outline (as a share of that distance)
an elbow or wrist must be to hide the outline; an arm hanging at the side sits near 0."""

_DEGENERATE_RATIO = 1e-9
"""A segment shorter than this fraction of the other one makes an angle undefined."""


def norm(v: np.ndarray) -> np.ndarray:
    """Euclidean length along the last axis."""
    return np.sqrt(np.sum(v * v, axis=-1))


def _undegenerate(u: np.ndarray, v: np.ndarray, degrees: np.ndarray) -> np.ndarray:
    """NaN where either arm of an angle has (next to) no length, so no direction."""
    nu, nv = norm(u), norm(v)
    ok = np.minimum(nu, nv) > _DEGENERATE_RATIO * np.maximum(nu, nv)
    return np.where(ok, degrees, np.nan)


def _angle_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Unsigned angle (degrees) between vectors; atan2 keeps precision near 0 and 180."""
    if u.shape[-1] == 2:
        cross = np.abs(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0])
    else:
        cross = norm(np.cross(u, v))
    dot = np.sum(u * v, axis=-1)
    return _undegenerate(u, v, np.degrees(np.arctan2(cross, dot)))


def angle_at(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC in degrees, in [0, 180], per frame, from (T, 2) or (T, 3) points.

    180 is a straight line (a locked-out knee), 0 a fully folded joint. NaN where any point is
    NaN or where A or C coincides with B (the angle has no meaning there; 0 would be a lie).
    """
    b = np.asarray(b, dtype=np.float64)
    return _angle_between(np.asarray(a, dtype=np.float64) - b, np.asarray(c, dtype=np.float64) - b)


def inclination_to_vertical(p_low: np.ndarray, p_high: np.ndarray) -> np.ndarray:
    """Angle in degrees, in [0, 180], of the segment p_low -> p_high from straight up.

    0 = p_high directly above p_low, 90 = horizontal, 180 = directly below. Coordinates have y
    (index 1) pointing down, as in images and MediaPipe world landmarks; in 3-D the horizontal
    part is everything but y. Unsigned: which way is "forward" depends on where the lifter faces.
    """
    v = np.asarray(p_high, dtype=np.float64) - np.asarray(p_low, dtype=np.float64)
    up = -v[..., 1]
    horizontal = norm(np.delete(v, 1, axis=-1))
    length = norm(v)
    return np.where(length > 0, np.degrees(np.arctan2(horizontal, up)), np.nan)



def _length_or_nan(v: np.ndarray) -> np.ndarray:
    length = norm(v)
    return np.where(length > 0, length, np.nan)


def across_line(points: np.ndarray, origin: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """(T, k) signed distance of (T, k, 2) image points from the line through ``origin`` along
    ``direction`` (both (T, 2)), in pixels; NaN where the line has no direction."""
    v = points - origin[:, None]
    cross = direction[:, None, 0] * v[..., 1] - direction[:, None, 1] * v[..., 0]
    return cross / _length_or_nan(direction)[:, None]


def back_bend(contour: np.ndarray, trunk_mid: np.ndarray) -> np.ndarray:
    """(T,) peak outward bulge of the back between its end stations, in chord lengths.

    The chord runs between the second and second-to-last contour stations: the end stations sit
    on the shoulder blades and the glutes, whose shape says nothing about the spine. Outward is
    away from the trunk's mid-line (``trunk_mid``, a point between hips and shoulders), so the
    sign does not depend on which way the lifter faces. A flexed (rounded) spine bows the back
    out; a neutral one keeps it near the chord.
    """
    a, b = contour[:, 1], contour[:, -2]
    chord = b - a
    inward = np.sign(across_line(trunk_mid[:, None], a, chord))
    offsets = -inward * across_line(contour[:, 2:-2], a, chord)
    return np.max(offsets, axis=1) / _length_or_nan(chord)


def arms_behind_back(
    contour: np.ndarray, trunk_mid: np.ndarray, shoulder: np.ndarray, hip: np.ndarray,
    arm_points: np.ndarray,
) -> np.ndarray:
    """(T,) whether any of ``arm_points`` (T, k, 2) sits on the back's side of the trunk line.

    The back's side is where the traced contour lies relative to the hip–shoulder line; a hand
    or elbow there, level with the trunk, is in the silhouette the contour was traced from.
    """
    axis = shoulder - hip
    safe = _length_or_nan(axis)

    def across(points: np.ndarray) -> np.ndarray:
        return across_line(points, hip, axis)

    def along(points: np.ndarray) -> np.ndarray:
        v = points - hip[:, None]
        return (axis[:, None, 0] * v[..., 0] + axis[:, None, 1] * v[..., 1]) / safe[:, None] ** 2

    outline = across(contour)
    traced = np.isfinite(outline)
    outline = np.divide(
        np.where(traced, outline, 0.0).sum(axis=1), traced.sum(axis=1),
        out=np.full(len(contour), np.nan), where=traced.any(axis=1),
    )
    mid = across(trunk_mid[:, None])[:, 0]
    depth = (across(arm_points) - mid[:, None]) / (outline - mid)[:, None]
    behind = depth > ARM_DEPTH
    level = (along(arm_points) > 0.0) & (along(arm_points) < 1.0)
    return np.any(behind & level, axis=1)
