"""Names of the 33 BlazePose landmarks, body sides, and the skeleton's edges.

Code addresses landmarks by name (``Landmark.LEFT_HIP``), never by a bare integer. The
integer values are BlazePose's output order, used only when packing and unpacking arrays.
"""

from __future__ import annotations

import enum


class Landmark(enum.IntEnum):
    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


NUM_LANDMARKS = len(Landmark)


class Side(enum.Enum):
    """The person's own left or right (not the image's)."""

    LEFT = "left"
    RIGHT = "right"

    @property
    def other(self) -> Side:
        return Side.RIGHT if self is Side.LEFT else Side.LEFT


class Joint(enum.Enum):
    """Side-less joint names; :func:`sided` turns one into the landmark of a side."""

    EAR = "EAR"
    SHOULDER = "SHOULDER"
    ELBOW = "ELBOW"
    WRIST = "WRIST"
    HIP = "HIP"
    KNEE = "KNEE"
    ANKLE = "ANKLE"
    HEEL = "HEEL"
    FOOT_INDEX = "FOOT_INDEX"


def sided(joint: Joint, side: Side) -> Landmark:
    """``sided(Joint.HIP, Side.LEFT) -> Landmark.LEFT_HIP``."""
    return Landmark[f"{side.name}_{joint.value}"]


# Edges drawn by the overlay: (from, to) pairs of the body (face detail left out on purpose:
# it clutters a view meant to be read from 2-3 m).
SKELETON_EDGES: tuple[tuple[Landmark, Landmark], ...] = (
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    *(
        (sided(a, s), sided(b, s))
        for s in Side
        for a, b in (
            (Joint.SHOULDER, Joint.ELBOW),
            (Joint.ELBOW, Joint.WRIST),
            (Joint.SHOULDER, Joint.HIP),
            (Joint.HIP, Joint.KNEE),
            (Joint.KNEE, Joint.ANKLE),
            (Joint.ANKLE, Joint.HEEL),
            (Joint.HEEL, Joint.FOOT_INDEX),
            (Joint.ANKLE, Joint.FOOT_INDEX),
            (Joint.EAR, Joint.SHOULDER),
        )
    ),
)
