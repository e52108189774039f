"""The dorsal outline of the trunk, traced from the pose model's segmentation mask.

Shoulder and hip landmarks sit inside the body and cannot show a rounded back: a flexed spine
and a neutral one put them in the same place. The silhouette can. From evenly spaced stations
on the shoulder–hip line we march outwards on the back side until the mask ends, and keep those
edge points: a short polyline whose bend the neutral-spine rule measures. Masks themselves are
never stored (they are megabytes per frame); only these few points are.
"""

from __future__ import annotations

import numpy as np

from formcheck.track import CONTOUR_POINTS

MASK_THRESHOLD = 0.5
"""Mask confidence above which a pixel is body; MediaPipe's masks are near-binary at edges."""

MAX_REACH = 0.6
"""How far to march from the trunk line, in trunk lengths: past the thickest back seen (~0.4)."""

STATIONS = np.linspace(0.0, 1.0, CONTOUR_POINTS)
"""Positions along the trunk line, 0 at mid-shoulder and 1 at mid-hip."""


def dorsal_normal(shoulder: np.ndarray, hip: np.ndarray, facing_sign: float) -> np.ndarray:
    """Unit vector, in pixel coordinates, perpendicular to the trunk and pointing out of the back.

    ``facing_sign`` is the body's chirality in the image (see :func:`facing_sign`): rotating the
    hip→shoulder axis by 90° gives the front of the body for one sign and the back for the other,
    whatever the trunk's inclination, so the same rule holds standing, hinged or lying.
    """
    axis = shoulder - hip
    length = float(np.hypot(*axis))
    if not np.isfinite(length) or length == 0.0:
        return np.full(2, np.nan)
    rotated = np.array([-axis[1], axis[0]]) / length
    return -facing_sign * rotated


def facing_sign(shoulder: np.ndarray, hip: np.ndarray, nose: np.ndarray, ear: np.ndarray) -> float:
    """+1 or -1 for which way the body faces in the image plane; 0 when it cannot be told.

    The face points to the front of the body in every posture of these lifts, so the sign of the
    2-D cross product of the trunk axis with the ear→nose direction tells front from back.
    """
    axis = shoulder - hip
    face = nose - ear
    cross = float(axis[0] * face[1] - axis[1] * face[0])
    return float(np.sign(cross)) if np.isfinite(cross) else 0.0


def trace_back(
    mask: np.ndarray, shoulder: np.ndarray, hip: np.ndarray, normal: np.ndarray
) -> np.ndarray:
    """Edge points of the back, (CONTOUR_POINTS, 2) in pixels; NaN rows where no edge was found.

    Each station marches along ``normal`` one pixel at a time (all stations at once, as one
    array lookup) and stops at the first pixel outside the body. A station whose start is not
    inside the mask (the landmark is off the silhouette) or that never leaves the body within
    reach gives NaN rather than a guess.
    """
    out = np.full((CONTOUR_POINTS, 2), np.nan)
    trunk = float(np.hypot(*(shoulder - hip)))
    if not (np.isfinite(trunk) and trunk > 0 and np.all(np.isfinite(normal))):
        return out
    height, width = mask.shape[:2]
    starts = shoulder + STATIONS[:, None] * (hip - shoulder)
    steps = np.arange(int(MAX_REACH * trunk) + 1, dtype=np.float64)
    points = starts[:, None, :] + steps[None, :, None] * normal
    cols = np.rint(points[..., 0]).astype(np.intp)
    rows = np.rint(points[..., 1]).astype(np.intp)
    inside_frame = (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
    body = np.zeros(cols.shape, dtype=bool)
    body[inside_frame] = mask[rows[inside_frame], cols[inside_frame]] > MASK_THRESHOLD
    exits = ~body
    first_exit = np.argmax(exits, axis=1)
    found = body[:, 0] & exits.any(axis=1) & inside_frame[np.arange(CONTOUR_POINTS), first_exit]
    edge = first_exit - 0.5
    out[found] = starts[found] + edge[found, None] * normal
    return out
