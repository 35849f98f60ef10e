"""Telling bodies in the picture apart by their size and place.

A camera cannot say who someone is; it can say how big a body looks and where it is. A
:class:`Body` is that: the centre of the torso and the stature the visible segments imply, both
in image heights (so they do not depend on the image's resolution). The person watch of the
classifiers (:mod:`spinesafe.classifiers.person`) and the ``.task`` estimator, which sees several
people at once (:mod:`spinesafe.pose.estimators`), both compare bodies this way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Landmark

# Segments whose length in the picture implies the stature, with their length as a fraction of
# it (adult proportions, Drillis & Contini 1966: trunk shoulder-to-hip ~0.29, thigh and shank
# ~0.25 each; BlazePose's shoulder landmarks sit at the joints, ~0.22 apart). Each one shortens when
# it points at the camera, so the largest estimate is kept: one segment seen at full length is
# enough. Pairs of landmarks are averaged first (the trunk runs between the two midpoints).
_STATURE_SEGMENTS: tuple[tuple[tuple[Landmark, ...], tuple[Landmark, ...], float], ...] = (
    (
        (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
        (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
        0.29,
    ),
    ((Landmark.LEFT_HIP,), (Landmark.LEFT_KNEE,), 0.25),
    ((Landmark.RIGHT_HIP,), (Landmark.RIGHT_KNEE,), 0.25),
    ((Landmark.LEFT_KNEE,), (Landmark.LEFT_ANKLE,), 0.25),
    ((Landmark.RIGHT_KNEE,), (Landmark.RIGHT_ANKLE,), 0.25),
    ((Landmark.LEFT_SHOULDER,), (Landmark.RIGHT_SHOULDER,), 0.22),
)
_TORSO = (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
MIN_VISIBILITY = 0.5


@dataclass(frozen=True)
class Body:
    """How big a body looks and where it is; lengths in image heights (x right, y down)."""

    centre_x: float
    centre_y: float
    stature: float  # the standing height the visible segments imply, in image heights

    def size_ratio(self, other: Body) -> float:
        """How many times larger or smaller ``other`` looks than this body (>= 1)."""
        ratio = other.stature / self.stature
        return max(ratio, 1.0 / ratio)

    def shift(self, other: Body) -> float:
        """How far ``other``'s centre is from this one, in this body's statures."""
        return math.hypot(other.centre_x - self.centre_x, other.centre_y - self.centre_y) / self.stature

    def distance(self, other: Body) -> float:
        """One number for "how unlike": the log of the size ratio plus the shift in statures."""
        return math.log(self.size_ratio(other)) + self.shift(other)


def _point(frame: PoseFrame, px: np.ndarray, landmarks: tuple[Landmark, ...]) -> np.ndarray | None:
    if not all(frame.visible(lm, MIN_VISIBILITY) for lm in landmarks):
        return None
    return np.asarray(np.mean([px[lm, :2] for lm in landmarks], axis=0))


def body_of(frame: PoseFrame) -> Body | None:
    """The :class:`Body` of ``frame``'s person; None when absent or no torso or limb segment is seen."""
    if not frame.present:
        return None
    px = frame.pixels()
    height = float(frame.image_size[1])
    statures = []
    for first, second, fraction in _STATURE_SEGMENTS:
        a, b = _point(frame, px, first), _point(frame, px, second)
        if a is not None and b is not None:
            statures.append(float(np.linalg.norm(a - b)) / fraction / height)
    torso = [px[lm, :2] for lm in _TORSO if frame.visible(lm, MIN_VISIBILITY)]
    if not statures or not torso or max(statures) <= 0.0:
        return None
    centre = np.mean(torso, axis=0) / height
    return Body(float(centre[0]), float(centre[1]), max(statures))


def closest(candidates: Sequence[PoseFrame], reference: Body | None) -> int:
    """Index of the candidate whose body is most like ``reference`` (the first without one)."""
    if reference is None or len(candidates) < 2:
        return 0
    distances = []
    for frame in candidates:
        body = body_of(frame)
        distances.append(math.inf if body is None else reference.distance(body))
    return int(np.argmin(distances))


class Follower:
    """Follows one person across images in which a model found several (``.task`` models)."""

    def __init__(self) -> None:
        self.followed: Body | None = None

    def pick(self, people: Sequence[PoseFrame]) -> PoseFrame:
        """Of one image's ``people`` (at least one), the one like the person followed so far; it is
        followed from then on."""
        if not people:
            raise ValueError("people: expected at least one pose")
        chosen = people[closest(people, self.followed)]
        self.followed = body_of(chosen) or self.followed
        return chosen
