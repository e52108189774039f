"""Back contour traced from a segmentation mask with exactly known geometry."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.contour import dorsal_normal, facing_sign, trace_back


def _upright_body(back_x: int) -> np.ndarray:
    """A person facing right (+x): the trunk occupies x in [back_x, 200], rows 50..250."""
    mask = np.zeros((300, 300), np.float32)
    mask[50:251, back_x:201] = 1.0
    return mask


SHOULDER = np.array([150.0, 60.0])
HIP = np.array([150.0, 240.0])
NOSE, EAR = np.array([170.0, 40.0]), np.array([150.0, 40.0])


def test_facing_sign_flips_with_the_face() -> None:
    right = facing_sign(SHOULDER, HIP, NOSE, EAR)
    left = facing_sign(SHOULDER, HIP, np.array([130.0, 40.0]), EAR)
    assert right == -left != 0


def test_back_of_a_body_facing_right_is_to_the_left() -> None:
    normal = dorsal_normal(SHOULDER, HIP, facing_sign(SHOULDER, HIP, NOSE, EAR))
    assert np.allclose(normal, [-1.0, 0.0])


def test_hinged_trunk_keeps_its_back_up() -> None:
    shoulder, hip = np.array([250.0, 150.0]), np.array([100.0, 150.0])
    nose, ear = np.array([270.0, 170.0]), np.array([260.0, 150.0])
    normal = dorsal_normal(shoulder, hip, facing_sign(shoulder, hip, nose, ear))
    assert np.allclose(normal, [0.0, -1.0])


def test_straight_back_is_traced_at_the_mask_edge() -> None:
    back = trace_back(_upright_body(100), SHOULDER, HIP, np.array([-1.0, 0.0]))
    assert back.shape == (9, 2)
    assert np.allclose(back[:, 0], 99.5)
    assert np.allclose(back[:, 1], np.linspace(60, 240, 9))


def test_rounded_back_bulges() -> None:
    mask = np.zeros((300, 300), np.float32)
    rows = np.arange(300)[:, None]
    cols = np.arange(300)[None, :]
    edge = 100 - 30 * np.sin(np.pi * (rows - 50) / 200)
    mask[:] = ((rows >= 50) & (rows <= 250) & (cols >= edge) & (cols <= 200)).astype(np.float32)
    back = trace_back(mask, SHOULDER, HIP, np.array([-1.0, 0.0]))
    middle = back[4, 0]
    assert middle == pytest.approx(70, abs=1.0)
    assert back[0, 0] > middle + 20 and back[-1, 0] > middle + 20


def test_station_outside_the_body_is_nan_not_a_guess() -> None:
    mask = _upright_body(100)
    mask[140:160, :] = 0.0
    back = trace_back(mask, SHOULDER, HIP, np.array([-1.0, 0.0]))
    assert np.isnan(back[4]).all()
    assert np.isfinite(back[[0, 8]]).all()


def test_body_running_off_the_frame_is_nan() -> None:
    back = trace_back(_upright_body(0), SHOULDER, HIP, np.array([-1.0, 0.0]))
    assert np.isnan(back).all()


@pytest.mark.parametrize(
    "shoulder", [np.array([np.nan, 1.0]), HIP.copy()], ids=["nan", "zero-length-trunk"]
)
def test_degenerate_trunk_gives_nan(shoulder: np.ndarray) -> None:
    assert np.isnan(dorsal_normal(shoulder, HIP, 1.0)).all()
    assert np.isnan(trace_back(_upright_body(100), shoulder, HIP, np.array([-1.0, 0.0]))).all()
