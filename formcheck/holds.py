"""How long a per-frame signal held: what a lifter held, not what the model flashed.

Apart from the rules that use them most because counting needs them too (a hanging lifter's
letting go of the bar, held for a moment), and neither may import the other.
"""

from __future__ import annotations

import numpy as np


def sustained(values: np.ndarray, times: np.ndarray, hold_s: float) -> np.ndarray:
    """Per frame, the lowest value over the next ``hold_s`` seconds: what was held, not flashed.

    The maximum of this is the largest value the signal kept for ``hold_s``; a silhouette glitch
    lasting a frame or two cannot reach it.
    """
    if values.size < 2:
        return values.copy()
    step = float(np.median(np.diff(times)))
    width = min(max(round(hold_s / step) + 1, 1), values.size) if step > 0 else 1
    padded = np.concatenate([values, np.full(width - 1, np.nan)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)
    complete = np.isfinite(windows).all(axis=1)
    return np.where(complete, windows.min(axis=1, initial=np.inf, where=complete[:, None]),
                    np.nan)


def held_for(near: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Per frame, how long the unbroken run of ``near`` frames it belongs to lasts (first to
    last frame of the run, seconds); 0 outside any run.

    >>> import numpy as np
    >>> held_for(np.array([False, True, True, True, False, True]), np.arange(6) / 10)
    array([0. , 0.2, 0.2, 0.2, 0. , 0. ])
    """
    begins = near & ~np.concatenate([[False], near[:-1]])
    ends = near & ~np.concatenate([near[1:], [False]])
    lasting = times[ends] - times[begins]
    run = np.cumsum(begins) - 1
    return np.where(near, lasting[np.clip(run, 0, None)] if lasting.size else 0.0, 0.0)
