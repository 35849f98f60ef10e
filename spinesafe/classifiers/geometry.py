"""Pure, vectorised geometry on landmark coordinates. No I/O, no OpenCV.

Conventions (image plane): x to the right, y *down* (as in images), angles in degrees.
Every function accepts single points of shape (..., 2) or (..., 3) and broadcasts over the
leading axes, so the same code serves one frame or a whole recording.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-9


def joint_angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC at vertex ``b`` in degrees, in [0, 180].

    180 is a straight limb (a, b, c in a line), 0 folds ``a`` onto ``c``. NaN when either
    segment has zero length or a coordinate is NaN. Invariant to translation, rotation and
    uniform scale.
    """
    u = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    v = np.asarray(c, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(u * v, axis=-1) / (nu * nv)
    cos = np.where((nu > _EPS) & (nv > _EPS), cos, np.nan)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def segment_angle_between_deg(p0: np.ndarray, p1: np.ndarray, q0: np.ndarray, q1: np.ndarray) -> np.ndarray:
    """Unsigned angle in degrees, in [0, 180], between directions p0->p1 and q0->q1.

    0 means the two segments point the same way. Used for alignment proxies such as the
    neck continuing the line of the trunk.
    """
    u = np.asarray(p1, dtype=np.float64) - np.asarray(p0, dtype=np.float64)
    v = np.asarray(q1, dtype=np.float64) - np.asarray(q0, dtype=np.float64)
    return joint_angle_deg(u, np.zeros_like(u), v)


def inclination_from_vertical_deg(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Angle in degrees, in [0, 180], of the segment lower->upper from straight *up*.

    0 = upper point straight above the lower one (standing trunk), 90 = horizontal (lying,
    or a deep bow), 180 = upside down. Uses image x and y only (y down), so it is a true
    angle only when both axes are in the same unit (pixels, not normalised coordinates).
    """
    d = np.asarray(upper, dtype=np.float64)[..., :2] - np.asarray(lower, dtype=np.float64)[..., :2]
    up = np.zeros_like(d)
    up[..., 1] = -1.0
    return segment_angle_between_deg(np.zeros_like(d), d, np.zeros_like(d), up)


def signed_lean_deg(lower: np.ndarray, upper: np.ndarray, facing_x: np.ndarray | float) -> np.ndarray:
    """Signed tilt in degrees of lower->upper from vertical, in (-180, 180].

    Positive when ``upper`` leans towards ``facing_x`` (+1: the person faces image-right,
    -1: image-left), i.e. a forward lean; negative for a backward lean (extension).
    """
    d = np.asarray(upper, dtype=np.float64)[..., :2] - np.asarray(lower, dtype=np.float64)[..., :2]
    forward = d[..., 0] * np.sign(facing_x)
    up = -d[..., 1]
    return np.degrees(np.arctan2(forward, up))


def midpoint(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (np.asarray(a, dtype=np.float64) + np.asarray(b, dtype=np.float64)) / 2.0


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64), axis=-1)
