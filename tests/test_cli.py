"""Every bad input to the command line: one clear line on stderr, non-zero exit, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "formcheck", *args], capture_output=True, text=True, timeout=300
    )


def _one_clear_line(done: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("formcheck: error:")
    assert pattern in lines[0], lines[0]


def test_missing_file(tmp_path: Path) -> None:
    _one_clear_line(run("pose", str(tmp_path / "nope.mp4"), "-o", str(tmp_path / "t.npz")),
                    "not found")


@pytest.mark.parametrize(
    ("content", "pattern"), [(b"", "empty"), (b"hello, I am text", "as a video")]
)
def test_not_a_video(tmp_path: Path, content: bytes, pattern: str) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(content)
    _one_clear_line(run("pose", str(video), "-o", str(tmp_path / "t.npz")), pattern)


def test_unwritable_output_is_refused_before_work(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"whatever")
    blocker = tmp_path / "file"
    blocker.write_text("")
    _one_clear_line(run("pose", str(video), "-o", str(blocker / "t.npz")), "cannot write")


def test_no_person_anywhere(tmp_path: Path) -> None:
    import av
    import numpy as np

    video = tmp_path / "black.mp4"
    with av.open(str(video), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height = 64, 64
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    _one_clear_line(run("pose", str(video), "-o", str(tmp_path / "t.npz")), "no person")
    assert not (tmp_path / "t.npz").exists()


def test_usage_error_is_not_a_traceback() -> None:
    done = run("pose")
    assert done.returncode == 2 and "Traceback" not in done.stderr
