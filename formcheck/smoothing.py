"""Gap bridging and low-pass filtering of landmark series, for recorded and for live video.

Pose landmarks jitter by a few pixels from frame to frame, and a joint angle computed from three
jittery points jitters more; rep cutting and rules would see false peaks. Two filters cover the
two ways formcheck runs:

* :func:`zero_phase_smooth` for recorded video, where the whole clip is known. It does not delay
  the signal, so the time of a lockout or of the deepest point stays where it was.
* :class:`OneEuroFilter` (and :func:`one_euro` over a whole series) for live video, where only
  the past is known. It adapts its cutoff to speed: smooth when still, responsive when moving.

All functions take ``values`` of shape ``(T,)`` or ``(T, ...)`` (every trailing element is an
independent series) with ``times`` of shape ``(T,)`` in seconds, increasing. NaN marks a missing
sample; it is never invented except by :func:`bridge_gaps`, and only over short gaps.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

GAP_TIME_TOLERANCE_S = 1e-6
"""Slack when comparing a gap with ``max_gap_s``: timestamps like ``k / 30`` are not exact in
binary, and container timestamps are no finer than a microsecond anyway."""

SMOOTHING_BLOCK = 2048
"""Frames filtered at a time; bounds the working memory of the offline filters."""
GAUSSIAN_TRUNCATE = 4.0
"""Kernel radius in standard deviations; the weight beyond it is below 0.04 % of the peak."""

_LOCAL_LINEAR_MIN_SPREAD = 1e-9
"""Below this relative spread of neighbour times a local line is not determined (a segment of
one sample); the local mean is used instead."""


def _as_columns(values: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """View ``(T, ...)`` values as ``(T, N)`` float64 columns, plus the shape to restore."""
    values = np.asarray(values, dtype=np.float64)
    return values.reshape(len(values), math.prod(values.shape[1:])), values.shape


def bridge_gaps(values: np.ndarray, times: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Fill short runs of NaN by linear interpolation in time; leave long ones missing.

    A run is bridged when the time between the valid samples on either side of it is at most
    ``max_gap_s``: that span, not the number of missing frames, is how long we would be inventing
    motion, and it stays meaningful at any (or a variable) frame rate. NaN at the start or end of
    a series has only one neighbour, so it is never filled. Each column is bridged on its own.
    """
    flat, shape = _as_columns(values)
    times = np.asarray(times, dtype=np.float64)
    steps = np.diff(times)
    shortest = float(steps[steps > 0].min()) if np.any(steps > 0) else 1.0
    context = math.ceil((max_gap_s + GAP_TIME_TOLERANCE_S) / shortest) + 1
    return _in_blocks(flat, times, context, lambda f, t: _bridge(f, t, max_gap_s)).reshape(shape)


def _bridge(flat: np.ndarray, times: np.ndarray, max_gap_s: float) -> np.ndarray:
    """:func:`bridge_gaps` on one block of ``(T, N)`` columns."""
    n = len(flat)
    valid = ~np.isnan(flat)
    index = np.arange(n)[:, None]
    before = np.maximum.accumulate(np.where(valid, index, -1), axis=0)
    after = np.minimum.accumulate(np.where(valid, index, n)[::-1], axis=0)[::-1]
    bounded = (before >= 0) & (after < n)
    before, after = np.clip(before, 0, n - 1), np.clip(after, 0, n - 1)
    t_before, t_after = times[before], times[after]
    span = t_after - t_before
    fill = ~valid & bounded & (span <= max_gap_s + GAP_TIME_TOLERANCE_S)
    fraction = np.divide(
        times[:, None] - t_before, span, out=np.zeros_like(span), where=fill & (span > 0)
    )
    v_before = np.take_along_axis(flat, before, axis=0)
    v_after = np.take_along_axis(flat, after, axis=0)
    return np.where(fill, v_before + fraction * (v_after - v_before), flat)


def _in_blocks(
    flat: np.ndarray,
    times: np.ndarray,
    context: int,
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Apply a filter block by block, each block with ``context`` frames on both sides.

    The filters here only ever look ``context`` frames away, so the result is the same as in one
    piece, but the working arrays stay the size of a block however long the video (an hour is
    ~10^5 frames, and a filter's temporaries are several times the series it filters).
    """
    out = np.empty_like(flat)
    n = len(flat)
    for start in range(0, n, SMOOTHING_BLOCK):
        stop = min(start + SMOOTHING_BLOCK, n)
        lo, hi = max(start - context, 0), min(stop + context, n)
        out[start:stop] = fn(flat[lo:hi], times[lo:hi])[start - lo : stop - lo]
    return out


def gaussian_sigma_s(cutoff_hz: float) -> float:
    """Standard deviation (s) of the Gaussian whose response is -3 dB at ``cutoff_hz``.

    A Gaussian of standard deviation sigma has gain exp(-2 pi^2 sigma^2 f^2); setting it to
    1/sqrt(2) gives sigma = sqrt(ln 2) / (2 pi f).
    """
    if not cutoff_hz > 0:
        raise ValueError(f"cutoff_hz must be positive, got {cutoff_hz}")
    return math.sqrt(math.log(2.0)) / (2.0 * math.pi * cutoff_hz)


def smoothing_reach(times: np.ndarray, max_gap_s: float, cutoff_hz: float) -> int:
    """How many frames away a sample of :func:`bridge_gaps` followed by :func:`zero_phase_smooth`
    can depend on: the context with which a block of a long clip is smoothed like the whole.

    Counted at the shortest frame interval, so it holds for every block of a variable frame
    rate clip (where the smoothing radius of a block can exceed that of the whole clip).
    """
    steps = np.diff(np.asarray(times, dtype=np.float64))
    shortest = float(steps[steps > 0].min()) if np.any(steps > 0) else 1.0
    span = max_gap_s + GAP_TIME_TOLERANCE_S + GAUSSIAN_TRUNCATE * gaussian_sigma_s(cutoff_hz)
    return math.ceil(span / shortest) + 2


def zero_phase_smooth(values: np.ndarray, times: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """Low-pass each series without delay, never mixing samples across a gap.

    Gaussian-weighted local linear regression in time. Away from the ends of a segment this is
    exactly a Gaussian low-pass (symmetric, so zero phase, and never overshooting the data the way
    a Butterworth does, so an angle is not pushed past values it actually reached); near the ends
    the local line extrapolates the trend instead of flattening it, which matters because reps
    often begin in the first second of a clip (the price: the outermost sample of a segment is
    barely smoothed). Weights use the real time between samples, so a
    variable frame rate is handled; the median frame interval only sets how many neighbours are
    looked at. Each run of valid samples is filtered on its own, so a gap never smears one side
    into the other; NaN stays NaN.
    """
    flat, shape = _as_columns(values)
    times = np.asarray(times, dtype=np.float64)
    sigma = gaussian_sigma_s(cutoff_hz)
    n = len(flat)
    if n < 2:
        return flat.reshape(shape).copy()
    median_dt = float(np.median(np.diff(times)))
    if not median_dt > 0:
        return flat.reshape(shape).copy()
    radius = min(n - 1, math.ceil(GAUSSIAN_TRUNCATE * sigma / median_dt))

    return _in_blocks(
        flat, times, radius, lambda f, t: _local_linear(f, t, sigma, radius)
    ).reshape(shape)


def _local_linear(flat: np.ndarray, times: np.ndarray, sigma: float, radius: int) -> np.ndarray:
    """:func:`zero_phase_smooth` on one block of ``(T, N)`` columns."""
    n = len(flat)
    radius = min(radius, n - 1)
    valid = ~np.isnan(flat)
    segment = np.cumsum(~valid, axis=0)
    y = np.where(valid, flat, 0.0)
    s0, s1, s2, sy, sdy = (np.zeros_like(flat) for _ in range(5))
    for k in range(-radius, radius + 1):
        dst = slice(max(0, -k), n - max(0, k))
        src = slice(max(0, k), n - max(0, -k))
        d = (times[src] - times[dst])[:, None]
        same = valid[src] & valid[dst] & (segment[src] == segment[dst])
        w = np.exp(-0.5 * (d / sigma) ** 2) * same
        s0[dst] += w
        s1[dst] += w * d
        s2[dst] += w * d * d
        sy[dst] += w * y[src]
        sdy[dst] += w * d * y[src]

    det = s0 * s2 - s1 * s1
    line = det > _LOCAL_LINEAR_MIN_SPREAD * s0 * s2
    smooth = np.divide(sy, s0, out=np.full_like(flat, np.nan), where=valid)
    np.divide(s2 * sy - s1 * sdy, det, out=smooth, where=valid & line)
    return smooth


def _alpha(cutoff_hz: np.ndarray | float, dt: np.ndarray) -> np.ndarray:
    """Smoothing factor of a first-order low-pass with this cutoff over a step ``dt``."""
    tau = 1.0 / (2.0 * np.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Causal speed-adaptive low-pass of a vector, one sample at a time (Casiez et al., CHI 2012).

    The cutoff is ``min_cutoff + beta * |speed|``, speed being the derivative low-passed at
    ``d_cutoff``: a still joint is smoothed hard (no jitter in a held lockout), a fast one lightly
    (little lag in a swing). ``beta`` is in hertz per (unit of x per second), so it depends on the
    units of the values filtered. Each element of the vector is filtered on its own, with its own
    time step, so elements may go missing independently.

    NaN handling: a NaN element gives NaN out and the element's state is held. When it comes back
    the step ``dt`` covers the whole gap, and because the smoothing factor tends to 1 as ``dt``
    grows past ``1 / (2 pi cutoff)``, a long gap effectively restarts the filter while a
    one-frame dropout barely disturbs it. A sample whose time does not advance returns the
    current estimate unchanged.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0) -> None:
        if not (min_cutoff > 0 and d_cutoff > 0 and beta >= 0):
            raise ValueError(
                f"need min_cutoff > 0, d_cutoff > 0, beta >= 0; got {min_cutoff}, {d_cutoff}, "
                f"{beta}"
            )
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.reset()

    def reset(self) -> None:
        """Forget all history, e.g. when a new lifter steps into view."""
        self._t: np.ndarray | None = None
        self._x = np.empty(0)
        self._dx = np.empty(0)

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        """Filtered value of sample ``x`` taken at time ``t`` (seconds); same shape as ``x``."""
        x = np.asarray(x, dtype=np.float64)
        if self._t is None:
            self._t = np.full(x.shape, np.nan)
            self._x = np.full(x.shape, np.nan)
            self._dx = np.zeros(x.shape)
        elif x.shape != self._x.shape:
            raise ValueError(f"sample shape {x.shape} differs from earlier {self._x.shape}")
        seen = ~np.isnan(x)
        start = seen & np.isnan(self._x)
        dt = t - self._t
        step = seen & ~start & (dt > 0)
        dt = np.where(step, dt, 1.0)
        dx = self._dx + _alpha(self.d_cutoff, dt) * ((x - self._x) / dt - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(dx)
        x_hat = self._x + _alpha(cutoff, dt) * (x - self._x)
        self._x = np.where(step, x_hat, np.where(start, x, self._x))
        self._dx = np.where(step, dx, np.where(start, 0.0, self._dx))
        self._t = np.where(step | start, t, self._t)
        return np.where(seen, self._x, np.nan)


def one_euro(
    values: np.ndarray,
    times: np.ndarray,
    *,
    min_cutoff: float = 1.0,
    beta: float = 0.0,
    d_cutoff: float = 1.0,
) -> np.ndarray:
    """Run a fresh :class:`OneEuroFilter` over a recorded series, exactly as live use would."""
    flat, shape = _as_columns(values)
    smooth_filter = OneEuroFilter(min_cutoff=min_cutoff, beta=beta, d_cutoff=d_cutoff)
    out = np.empty_like(flat)
    for i, t in enumerate(np.asarray(times, dtype=np.float64)):
        out[i] = smooth_filter(float(t), flat[i])
    return out.reshape(shape)
