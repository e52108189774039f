"""formcheck: form checking for posterior-chain lifts from video.

Example:
    >>> import formcheck
    >>> track = formcheck.pose_video("lift.mp4", "lift.track.npz")
    >>> kin = formcheck.kinematics(track)
    >>> formcheck.estimate_view(track).view
    'side'
    >>> report = formcheck.analyze("lift.track.npz", "deadlift",
    ...                            outputs=formcheck.Outputs(json="lift.json"))
    >>> report.exercise
    'deadlift'

Most names are imported on first use, not with the package: ``formcheck --help`` (or a Ctrl-C
pressed as the command starts) should not wait for OpenCV, FFmpeg and MediaPipe to load. The
kinematics are imported at once: the function shares its name with its module, which would
otherwise shadow it once anything imported the module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from formcheck.kinematics import Kinematics, kinematics
from formcheck.view import estimate_view

if TYPE_CHECKING:
    from formcheck.api import analyze, hold, pose_video
    from formcheck.errors import FormcheckError
    from formcheck.outputs import Outputs
    from formcheck.pose import PoseEstimator, PoseSettings, extract_pose
    from formcheck.track import FramePose, PoseTrack

__version__ = "0.1.0"

_HOMES = {
    "analyze": "api",
    "hold": "api",
    "pose_video": "api",
    "FormcheckError": "errors",
    "Outputs": "outputs",
    "PoseEstimator": "pose",
    "PoseSettings": "pose",
    "extract_pose": "pose",
    "FramePose": "track",
    "PoseTrack": "track",
}
"""Each public name and the module it lives in."""

__all__ = [
    "FormcheckError",
    "FramePose",
    "Kinematics",
    "Outputs",
    "PoseEstimator",
    "PoseSettings",
    "PoseTrack",
    "__version__",
    "analyze",
    "estimate_view",
    "extract_pose",
    "hold",
    "kinematics",
    "pose_video",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'formcheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"formcheck.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
