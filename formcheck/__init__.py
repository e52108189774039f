"""formcheck: form checking for posterior-chain lifts from video.

Example:
    >>> import formcheck
    >>> track = formcheck.pose_video("lift.mp4", "lift.track.npz")
    >>> kin = formcheck.kinematics(track)
    >>> formcheck.estimate_view(track).view
    'side'
    >>> report = formcheck.analyze("lift.mp4", "deadlift", json_out="lift.json")
"""

from formcheck.api import analyze, pose_video
from formcheck.errors import FormcheckError
from formcheck.kinematics import Kinematics, estimate_view, kinematics
from formcheck.pose import PoseEstimator, PoseSettings, extract_pose
from formcheck.track import FramePose, PoseTrack

__version__ = "0.1.0"

__all__ = [
    "FormcheckError",
    "FramePose",
    "Kinematics",
    "PoseEstimator",
    "PoseSettings",
    "PoseTrack",
    "__version__",
    "analyze",
    "estimate_view",
    "extract_pose",
    "kinematics",
    "pose_video",
]
