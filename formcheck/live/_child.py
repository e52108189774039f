"""Ending a child process of the live view: the window's, or a spoken cue's.

Apart because the window (:mod:`formcheck.live.views`) and the speaker
(:mod:`formcheck.live.voice`) share this and nothing else.
"""

from __future__ import annotations

import subprocess

CHILD_GRACE_S = 5.0
"""How long a child process (the window, a spoken cue) may take to finish once told to."""


def end_child(process: subprocess.Popen[bytes]) -> None:
    """Wait for a child process to finish; kill it if it will not."""
    try:
        process.wait(timeout=CHILD_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
