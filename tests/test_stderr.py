"""What a user sees on stderr is formcheck's own lines only: no native library chatter.

MediaPipe (LiteRT, absl) and OpenCV write log lines straight to file descriptor 2; mediapipe
1.2.3 added two per landmarker closed. Each command runs here with the real model on a real
clip (and the bundled sample), and every non-blank stderr line must be one of formcheck's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import clip
from test_cli import SAMPLE

from formcheck.native_logs import NATIVE_LOG

pytestmark = [pytest.mark.slow, pytest.mark.clips]

SHORT_CLIP = "deadlift/jeff-j-chen__MediaPipe-PoseReader__good.mp4"
"""A 2 s real side-view deadlift: the shortest real clip, so each command is quick."""


def _stderr_of(*args: str, cwd: Path) -> list[str]:
    done = subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    return [line for line in done.stderr.splitlines() if line.strip()]


def _only_formchecks_own(lines: list[str]) -> None:
    assert "Traceback" not in "\n".join(lines)
    foreign = [line for line in lines if not line.startswith("formcheck: ")]
    assert foreign == [], foreign


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return clip(SHORT_CLIP)


@pytest.mark.parametrize(
    "args",
    [
        ("pose", "{video}", "-o", "t.npz"),
        ("pose", "{video}", "-o", "t.npz", "--model", "lite"),
        ("analyze", "{video}", "-e", "deadlift", "--variant", "kettlebell", "--json", "r.json"),
        ("analyze", "{video}", "-e", "deadlift", "--video-out", "a.mp4", "--report", "r.html"),
        ("analyze", str(SAMPLE), "-e", "deadlift", "--json", "r.json"),
        ("batch", "{video}", str(SAMPLE), "-e", "deadlift", "--out", "scored", "--workers", "2"),
        ("live", "-e", "deadlift", "--source", "{video}", "--no-drop", "--serve", "0",
         "--json", "live.json", "--track-out", "live.npz"),
    ],
    ids=["pose", "pose-lite", "analyze", "analyze-outputs", "analyze-sample", "batch", "live"],
)
def test_stderr_holds_only_formchecks_own_lines(tmp_path: Path, video: Path, pose_model: Path,
                                                args: tuple[str, ...]) -> None:
    lines = _stderr_of(*(a.format(video=video) for a in args), cwd=tmp_path)
    _only_formchecks_own(lines)


def test_native_log_formats_are_recognised() -> None:
    """The formats seen from mediapipe 1.2.2-1.2.3 and OpenCV; formcheck's own are kept."""
    dropped = [
        b"INFO: [accelerator_registry.cc:43] DestroyAccelerator: ptr=0x7f1d, name=CpuAccelerator",
        b"WARNING: [model_load.cc:402] Sparsity tensors may not yet be fully supported.",
        b"W0000 00:00:1796231797.675258    8156 inference_runner_litert.cc:1433] Input tensor",
        b"I1202 17:09:03.123456  1234 gl_context.cc:357] GL version: 3.2",
        b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        b"WARNING: Logging before InitGoogle() is written to STDERR",
        b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
        b"[ WARN:0@0.012] global cap_v4l.cpp:999 open VIDEOIO(V4L2:/dev/video0): can't open",
    ]
    kept = [b"formcheck: error: video not found: x.mp4", b"Traceback (most recent call last):",
            b"INFO: a line of some other program"]
    assert all(NATIVE_LOG.match(line) for line in dropped)
    assert not any(NATIVE_LOG.match(line) for line in kept)
