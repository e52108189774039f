"""Long inputs: a track held in a temporary file and measured block by block gives exactly what
the same track held in memory and measured in one piece gives.

The block is shrunk to a few dozen frames here, so a few seconds of synthetic lifting cross
many block boundaries (with gaps and dim joints on them) the way an hour of video would.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from synthetic import dim, drop, hinge

from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.kinematics import kinematics
from formcheck.series import arrays
from formcheck.track import PoseTrack, TrackBuilder
from formcheck.view import estimate_view

BLOCK = 37
"""Shrunk block size: prime, so blocks never line up with reps or gaps by chance."""


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("formcheck.track", "formcheck.kinematics"):
        monkeypatch.setattr(sys.modules[module], "TRACK_BLOCK", BLOCK)


def rebuilt(track: PoseTrack) -> PoseTrack:
    """``track`` appended frame by frame to a builder (which spills it with small blocks)."""
    builder = TrackBuilder(width=track.width, height=track.height, fps=track.fps,
                           source=track.source, model=track.model)
    for i in range(len(track)):
        builder.append(track.frame(i))
    return builder.build()


def damaged_set() -> PoseTrack:
    clip = hinge(4, from_floor=True)
    top = clip.times("top")[1]
    track = drop(clip.track, top - 0.1, top + 0.05)
    return dim(track, ["knee"], 0.2, top + 0.5, top + 0.9)


def test_a_spilled_track_equals_the_one_held_in_memory(small_blocks: None,
                                                        tmp_path: Path) -> None:
    track = damaged_set()
    spilled = rebuilt(track)
    assert spilled == track
    assert not spilled.landmarks.flags.writeable, "a spilled track is mapped read-only"
    window = spilled[100:180]
    assert window == track[100:180] and window.landmarks.flags.owndata
    assert PoseTrack.load(spilled.save(tmp_path / "t.npz")) == track


def test_a_builder_takes_whole_tracks_across_blocks(small_blocks: None) -> None:
    track = damaged_set()
    builder = TrackBuilder(width=track.width, height=track.height, fps=track.fps,
                           source=track.source)
    builder.append(track.frame(0))
    for start, stop in ((1, 20), (20, 120), (120, len(track))):
        builder.extend(track[start:stop])
    assert builder.build() == track


def test_a_builder_gives_recent_windows_across_blocks(small_blocks: None) -> None:
    track = damaged_set()
    builder = TrackBuilder(width=track.width, height=track.height, fps=track.fps,
                           source=track.source)
    for i in range(len(track)):
        builder.append(track.frame(i))
        if i in (BLOCK - 1, BLOCK, 3 * BLOCK + 5):
            assert builder.build(start=max(0, i - 50)) == track[max(0, i - 50) : i + 1]
    assert builder.build(start=len(track) - 1) == track[len(track) - 1 :]


def test_blocks_carry_the_context_asked_for(small_blocks: None) -> None:
    track = damaged_set()
    covered = []
    for start, stop, window in track.blocks(context=5):
        assert start <= 5 and len(window) - stop <= 5
        covered.extend(window.times[start:stop])
    np.testing.assert_array_equal(covered, track.times)


@pytest.mark.parametrize("smoothing", ["zero_phase", "none"])
def test_kinematics_block_by_block_equal_one_piece(
    smoothing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    track = damaged_set()
    whole = kinematics(track, smoothing=smoothing)  # type: ignore[arg-type]
    for module in ("formcheck.track", "formcheck.kinematics"):
        monkeypatch.setattr(sys.modules[module], "TRACK_BLOCK", BLOCK)
    blocked = kinematics(rebuilt(track), smoothing=smoothing)  # type: ignore[arg-type]
    assert (blocked.facing, blocked.forward, blocked.trunk_length_px) == (
        whole.facing, whole.forward, whole.trunk_length_px
    )
    assert list(blocked.series) == list(whole.series)
    for name, measure in whole.series.items():
        for got, want in zip(arrays(blocked[name]), arrays(measure), strict=True):
            np.testing.assert_array_equal(got, want)


def test_a_report_does_not_depend_on_how_the_track_is_held(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    track, lift = damaged_set(), load_lift("deadlift")
    whole, view = analyze_track(track, lift), estimate_view(track)
    for module in ("formcheck.track", "formcheck.kinematics"):
        monkeypatch.setattr(sys.modules[module], "TRACK_BLOCK", BLOCK)
    spilled = rebuilt(track)
    assert estimate_view(spilled) == view
    assert analyze_track(spilled, lift) == whole
    assert [rep.outcome for rep in whole.reps].count("valid") >= 2
