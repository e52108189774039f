"""Filter properties of formcheck.smoothing: what each filter must and must not do to a signal."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formcheck.smoothing import (
    OneEuroFilter,
    bridge_gaps,
    gaussian_sigma_s,
    one_euro,
    zero_phase_smooth,
)

FPS = 30.0


def clock(n: int, fps: float = FPS) -> np.ndarray:
    return np.arange(n) / fps


def amplitude(signal: np.ndarray) -> float:
    """Amplitude of a zero-mean sinusoid from its RMS."""
    return float(np.sqrt(2.0 * np.mean(signal**2)))


# bridge_gaps


def test_bridge_fills_a_short_gap_linearly_in_time():
    t = clock(10)
    ramp = 2.0 * t + 1.0
    holed = ramp.copy()
    holed[3:6] = np.nan  # span between valid samples 2 and 6: 4 frames = 0.133 s
    np.testing.assert_allclose(bridge_gaps(holed, t, max_gap_s=0.2), ramp)


def test_bridge_leaves_a_long_gap_and_the_ends_missing():
    t = clock(12)
    x = t.copy()
    x[[0, 1]] = np.nan
    x[4:9] = np.nan  # span 6 frames = 0.2 s
    x[-1] = np.nan
    out = bridge_gaps(x, t, max_gap_s=0.15)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(x))


def test_bridge_gap_limit_is_in_seconds_not_frames():
    x = np.array([0.0, np.nan, np.nan, 3.0])
    assert np.isnan(bridge_gaps(x, clock(4, fps=10.0), max_gap_s=0.25)).any()  # span 0.3 s
    np.testing.assert_allclose(bridge_gaps(x, clock(4, fps=60.0), max_gap_s=0.25), [0, 1, 2, 3])


def test_bridge_boundary_is_inclusive_despite_float_timestamps():
    x = np.array([0.0, 1.0, np.nan, np.nan, 4.0])
    np.testing.assert_allclose(bridge_gaps(x, clock(5, fps=10.0), max_gap_s=0.3), np.arange(5))


def test_bridge_works_per_column_on_nd_arrays():
    t = clock(6)
    x = np.tile(np.arange(6.0)[:, None, None], (1, 2, 3))
    x[2, 0, 1] = np.nan
    x[1:5, 1, 2] = np.nan
    out = bridge_gaps(x, t, max_gap_s=0.1)
    assert out.shape == x.shape
    assert out[2, 0, 1] == pytest.approx(2.0)
    assert np.isnan(out[1:5, 1, 2]).all()
    assert np.isfinite(np.delete(out.reshape(6, -1), 5, axis=1)).all()


def test_bridge_uses_real_timestamps_under_variable_frame_rate():
    t = np.array([0.0, 0.01, 0.1, 0.12])
    x = np.array([0.0, np.nan, 10.0, 12.0])
    np.testing.assert_allclose(bridge_gaps(x, t, max_gap_s=0.2), [0.0, 1.0, 10.0, 12.0])


def test_bridge_handles_empty_and_all_missing():
    assert bridge_gaps(np.empty(0), np.empty(0), 1.0).shape == (0,)
    assert np.isnan(bridge_gaps(np.full(5, np.nan), clock(5), 1.0)).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-1e3, 1e3)), min_size=1, max_size=40))
def test_bridge_never_changes_observed_samples(raw):
    x = np.array([np.nan if v is None else v for v in raw])
    out = bridge_gaps(x, clock(len(x)), max_gap_s=0.1)
    observed = ~np.isnan(x)
    np.testing.assert_array_equal(out[observed], x[observed])
    assert not np.isnan(out[observed]).any()


# zero_phase_smooth


def test_sigma_gives_minus_3_db_at_cutoff():
    sigma = gaussian_sigma_s(2.0)
    assert np.exp(-2 * np.pi**2 * sigma**2 * 2.0**2) == pytest.approx(2**-0.5)
    with pytest.raises(ValueError):
        gaussian_sigma_s(0.0)


def test_zero_phase_keeps_constants_and_lines_even_at_segment_ends():
    t = clock(90)
    line = 3.0 - 0.5 * t
    line[40:50] = np.nan
    out = zero_phase_smooth(line, t, cutoff_hz=2.0)
    np.testing.assert_allclose(out, line, atol=1e-9)
    np.testing.assert_allclose(zero_phase_smooth(np.full(30, 7.0), clock(30), 3.0), 7.0)


def test_zero_phase_does_not_shift_a_symmetric_bump():
    t = clock(121)
    bump = np.exp(-0.5 * ((t - 2.0) / 0.15) ** 2)
    rng = np.random.default_rng(0)
    noisy = bump + rng.normal(0, 0.05, t.shape)
    clean_peak = t[np.argmax(zero_phase_smooth(bump, t, 3.0))]
    assert clean_peak == pytest.approx(2.0)
    assert t[np.argmax(zero_phase_smooth(noisy, t, 3.0))] == pytest.approx(2.0, abs=1.5 / FPS)


def test_zero_phase_gain_matches_design():
    """About -3 dB at the cutoff, under 1 % at four times it, measured on sinusoids."""
    t = clock(600)
    interior = slice(100, -100)
    cutoff = 2.0
    for freq, low, high in ((cutoff, 0.68, 0.74), (4 * cutoff, 0.0, 0.01), (0.2, 0.99, 1.0)):
        wave = np.sin(2 * np.pi * freq * t)
        gain = amplitude(zero_phase_smooth(wave, t, cutoff)[interior]) / amplitude(wave[interior])
        assert low <= gain <= high, (freq, gain)


def test_zero_phase_attenuates_white_noise_by_measured_factor():
    rng = np.random.default_rng(1)
    t = clock(3000)
    noise = rng.normal(0, 1, t.shape)
    ratio = np.std(zero_phase_smooth(noise, t, 3.0)) / np.std(noise)
    # Gaussian of sigma s samples: std ratio ~ (2 s sqrt(pi))^-1/2; s = 1.32 at 3 Hz, 30 fps
    sigma_samples = gaussian_sigma_s(3.0) * FPS
    assert ratio == pytest.approx((2 * sigma_samples * np.sqrt(np.pi)) ** -0.5, rel=0.1)
    assert ratio < 0.5


def test_zero_phase_never_smears_across_a_gap():
    t = clock(60)
    step = np.where(t < 1.0, 0.0, 10.0)
    step[29:31] = np.nan  # the jump sits inside the gap
    out = zero_phase_smooth(step, t, 1.0)
    np.testing.assert_allclose(out[:29], 0.0, atol=1e-12)
    np.testing.assert_allclose(out[31:], 10.0, atol=1e-12)
    assert np.isnan(out[29:31]).all()


def test_zero_phase_handles_variable_frame_rate():
    rng = np.random.default_rng(2)
    t = np.cumsum(rng.uniform(0.5, 1.5, 400) / FPS)
    slow = np.sin(2 * np.pi * 0.3 * t)
    out = zero_phase_smooth(slow, t, 3.0)
    np.testing.assert_allclose(out, slow, atol=0.01)


def test_zero_phase_on_columns_and_degenerate_input():
    t = clock(50)
    x = np.stack([np.sin(t), np.cos(t)], axis=1)[:, :, None]
    x[10, 1, 0] = np.nan
    out = zero_phase_smooth(x, t, 3.0)
    assert out.shape == x.shape
    np.testing.assert_array_equal(np.isnan(out), np.isnan(x))
    assert zero_phase_smooth(np.array([1.0]), np.array([0.0]), 3.0).tolist() == [1.0]
    assert np.isnan(zero_phase_smooth(np.full(8, np.nan), clock(8), 3.0)).all()
    single = np.array([np.nan, 5.0, np.nan, 1.0, 2.0])
    assert zero_phase_smooth(single, clock(5), 3.0)[1] == 5.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=50), st.floats(0.5, 10.0))
def test_zero_phase_constant_in_constant_out_whatever_the_gaps(missing, cutoff):
    x = np.where(missing, np.nan, 4.25)
    out = zero_phase_smooth(x, clock(len(x)), cutoff)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(x))
    np.testing.assert_allclose(out[~np.isnan(out)], 4.25)


# OneEuroFilter


def test_one_euro_constant_in_constant_out():
    x = np.full((40, 3), 2.5)
    np.testing.assert_allclose(one_euro(x, clock(40), min_cutoff=1.0, beta=0.5), 2.5)


def test_one_euro_is_causal():
    t = clock(60)
    rng = np.random.default_rng(3)
    x = np.sin(3 * t) + rng.normal(0, 0.1, t.shape)
    changed = x.copy()
    changed[30:] += rng.normal(0, 5, 30)
    a = one_euro(x, t, beta=1.0)
    b = one_euro(changed, t, beta=1.0)
    np.testing.assert_array_equal(a[:30], b[:30])
    assert not np.allclose(a[30:], b[30:])


def test_one_euro_lags_less_with_higher_beta():
    t = clock(90)
    ramp = 2.0 * t
    lag = [np.mean(ramp[30:] - one_euro(ramp, t, beta=beta)[30:]) for beta in (0.0, 1.0, 10.0)]
    assert lag[0] > lag[1] > lag[2] > 0


def test_one_euro_smooths_jitter_when_still():
    rng = np.random.default_rng(4)
    t = clock(300)
    jitter = rng.normal(0, 1, t.shape)
    assert np.std(one_euro(jitter, t, min_cutoff=1.0)[30:]) < 0.4


def test_one_euro_matches_streaming_use():
    t = clock(20)
    x = np.random.default_rng(5).normal(size=(20, 2, 2))
    live = OneEuroFilter(min_cutoff=0.8, beta=0.3, d_cutoff=2.0)
    streamed = np.stack([live(ti, xi) for ti, xi in zip(t, x, strict=True)])
    np.testing.assert_array_equal(streamed, one_euro(x, t, min_cutoff=0.8, beta=0.3, d_cutoff=2.0))


def test_one_euro_nan_gives_nan_and_holds_state():
    f = OneEuroFilter(min_cutoff=1.0)
    assert f(0.0, np.array([0.0, 1.0])).tolist() == [0.0, 1.0]
    out = f(1 / FPS, np.array([np.nan, 2.0]))
    assert np.isnan(out[0]) and 1.0 < out[1] < 2.0
    # after a one-frame dropout the held estimate is still weighted in ...
    assert 0.0 < f(2 / FPS, np.array([1.0, 2.0]))[0] < 1.0
    # ... after a long one the new sample nearly replaces it
    g = OneEuroFilter(min_cutoff=1.0)
    g(0.0, np.array([0.0]))
    assert g(10.0, np.array([1.0]))[0] > 0.98


def test_one_euro_ignores_samples_that_do_not_advance_time():
    f = OneEuroFilter()
    f(0.0, np.array([1.0]))
    assert f(0.0, np.array([50.0]))[0] == 1.0


def test_one_euro_rejects_bad_use():
    with pytest.raises(ValueError):
        OneEuroFilter(min_cutoff=0.0)
    f = OneEuroFilter()
    f(0.0, np.zeros(3))
    with pytest.raises(ValueError):
        f(0.1, np.zeros(4))
    f.reset()
    assert f(0.2, np.zeros(4)).shape == (4,)
