"""How extract_pose splits a video between processes (no model needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.pose import HELPER_LAG_S, WARMUP_S, part_bounds


@pytest.mark.parametrize("workers", [1, 2, 3, 4])
@pytest.mark.parametrize("duration_s", [20.0, 60.0, 3600.0])
def test_every_process_gets_the_same_work(duration_s: float, workers: int) -> None:
    bounds = part_bounds(duration_s, workers)
    assert len(bounds) == workers + 1
    assert bounds[0] == 0.0 and bounds[-1] == math.inf
    parts = np.diff([*bounds[:-1], duration_s])
    # a helper also runs the model over its warm-up, and starts late
    work = parts + np.r_[0.0, np.full(workers - 1, WARMUP_S + HELPER_LAG_S)]
    np.testing.assert_allclose(work, work[0])


def test_a_video_shorter_than_a_helper_start_up_is_read_by_the_first_process() -> None:
    bounds = part_bounds(1.0, 3)
    assert bounds[:-1] == [0.0, 1.0, 1.0]  # the helpers' parts are empty, none negative
    assert bounds[-1] == math.inf  # frames past the stated duration are still read
