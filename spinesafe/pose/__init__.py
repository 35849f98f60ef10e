"""The pose room: frame sources, pose estimators, `PoseFrame`, landmark names, recordings.

Heavy parts (OpenCV, MediaPipe) live in :mod:`.sources` and :mod:`.estimators`; importing
this package itself pulls in neither, so the classifiers can use `PoseFrame` without them.
"""

from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import NUM_LANDMARKS, SKELETON_EDGES, Joint, Landmark, Side, sided

__all__ = ["NUM_LANDMARKS", "SKELETON_EDGES", "Joint", "Landmark", "PoseFrame", "Side", "sided"]
