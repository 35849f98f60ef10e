"""The back's own outline, measured in a person segmentation mask: a flexicurve-style kyphosis index.

The other flexion proxies (:mod:`spinesafe.classifiers.flexion`) look at the head and at the
hip fold, because BlazePose has no spine landmarks. A person mask (MediaPipe Pose's
``enable_segmentation``) does show the back: in a side or oblique view the dorsal edge of the
silhouette between the shoulders and the hips is the skin (or shirt) over the spine.

The measure copies the flexicurve kyphosis index (Milne & Lauder 1974; used by Greendale et al.
2011 for older women): lay a line from the top to the bottom of the curve and divide the largest
depth of the curve beyond that line by the line's length. Here the line joins the dorsal edge at
the level of the shoulders (shoulder blades) and at the level of the hips (sacrum/buttock), and
the depth is the largest bulge of the dorsal edge beyond it, away from the body:

    index = max over the back of (distance of the dorsal edge beyond the line) / line length

A straight back gives ~0; a back rounded into a circular arc gives the arc's sagitta over its
chord, ``tan(angle / 4) / 2`` for an arc turning through ``angle`` between its ends: the flexicurve
literature's kyphosis angle ``4 arctan(2 width / length)`` (:func:`arc_angle_deg`) inverts it, so the
index can be read in degrees like the other proxies (0.07 ~ 32 deg, 0.13 ~ 55 deg). It is a ratio,
so it does not depend on the distance to the camera. "Dorsal" is opposite to where the person faces
(:attr:`FrameFeatures.facing_x`).

Where it cannot measure it says why (:class:`Unmeasured`) and the index is NaN:
the front view (the back is not in the outline), an unknown facing direction, shoulders or hips
not seen, no mask, an arm within half its thickness of the back's edge (its silhouette then
merges with the back's: a row's pulled elbow, hands behind the back), or an outline that does not close where a back
should be (cut by the picture's edge, or something joined to it).

Pure numpy on the mask; no cv2.

Not used by the flexion monitor (measured 2026-12-03 with ``scripts/measure_back_contour.py`` on
12 corpus clips, 4 of them in the validation part). On validation the current proxies already
find all 12 labelled episodes with no false alarm, so the index cannot improve it; per frame it
does not separate a sit-up's curls from its rests (median 0.051 inside the labelled intervals,
0.036 outside; at 0.07 it flags 35% of the curl frames and 32% of the others). On the tuning part,
straight backs reach the rounded ones: the straight barbell deadlift's 90th percentile is 0.082
(max 0.143), the supine leg raise's 0.100, against a rounded deadlift's median of 0.107 and a
rounded sit-to-stand's 0.088; added to the monitor at 0.07 (a 32 deg arc, ~20 deg beyond the
~0.03 of a straight standing back) it finds the one missed episode but adds 3 false alarms. It
also costs too much for review: segmentation makes the decode + MediaPipe loop ~1.27x as costly
in CPU (the review bar is 0.9x of the bare loop), and this function ~1 ms a frame at 1280x720.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from spinesafe.classifiers.features import MIN_VISIBILITY, View
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Joint, Landmark, Side, sided

# Mask values are MediaPipe's per-pixel person probability; 0.5 is its own decision boundary.
MASK_THRESHOLD = 0.5
# Points along the back at which the dorsal edge is found (shoulder level to hip level).
SAMPLES_ALONG_BACK = 65
# How far behind the shoulder-hip joint line the back's surface can lie, as a share of that
# line's length: the joint centres sit ~0.1 m in front of the back in a 0.5 m trunk (0.2), a
# rounded thoracic spine adds its sagitta (<= ~0.15), loose clothing a little more. An outline
# that has not closed by 0.6 has something else joined to it (a bench, an arm, a second person).
MAX_BACK_DEPTH_RATIO = 0.6
# An arm joins the back's outline when its axis comes within half an arm's thickness of the
# back's edge at its level: upper arm ~0.1 m across against a ~0.5 m trunk (Drillis & Contini
# 1966 proportions), so half is 0.1 of the shoulder-hip line. Arms hanging beside the trunk sit
# 0.0-0.2 of the line behind the joint line, the back's edge 0.25-0.35 (measured on the corpus'
# sit-to-stand and deadlift clips), so they stay clear; an elbow pulled back in a row does not.
ARM_HALF_THICKNESS_RATIO = 0.1
# Share of the points along the back whose edge may be missing (a thin hole in the mask)
# before the outline is not trusted as a back.
MAX_MISSING_SHARE = 0.25
# Below this the person is too small in the picture for a one-pixel edge to mean anything:
# at 40 px a one-pixel error is 0.025 of index, the size of the straight-vs-rounded gap.
MIN_CHORD_PX = 40.0

SUITABLE_VIEWS = (View.SIDE, View.OBLIQUE)


class Unmeasured(enum.Enum):
    """Why a frame has no kyphosis index."""

    VIEW = "front or unknown view: the back is not in the outline"
    FACING = "facing direction unknown: cannot tell the back from the front"
    LANDMARKS = "shoulders or hips not seen"
    MASK = "no segmentation mask"
    ARM = "an arm reaches the back's outline"
    OUTLINE = "the outline does not close where the back should be"


@dataclass(frozen=True)
class BackContour:
    """One frame's measure: ``index`` (NaN when ``unmeasured`` says why) and, when measured, the
    depth of the bulge and the line's length in pixels."""

    index: float
    unmeasured: Unmeasured | None = None
    bulge_px: float = math.nan
    line_px: float = math.nan


def arc_angle_deg(index: float) -> float:
    """The angle (degrees) a circular arc turns through when its sagitta over chord is ``index``:
    ``4 arctan(2 index)``, 0 for a straight back, 180 for a half circle (index 0.5)."""
    return math.degrees(4.0 * math.atan(2.0 * index))


def _not(reason: Unmeasured) -> BackContour:
    return BackContour(math.nan, reason)


def dorsal_outline(
    inside: np.ndarray, shoulder_xy: np.ndarray, hip_xy: np.ndarray, dorsal_xy: np.ndarray
) -> np.ndarray:
    """(SAMPLES_ALONG_BACK, 2) pixel points of the dorsal edge, shoulder level first; NaN rows
    where the edge is not found.

    At each point of the joint line (shoulder -> hip) a ray goes in ``dorsal_xy`` (unit vector,
    pixels) in one-pixel steps; the edge is the last mask pixel before the first non-mask
    pixel. No edge when the ray starts outside the mask, leaves the picture while still inside
    the person, or has not left the person after ``MAX_BACK_DEPTH_RATIO`` of the line's length.
    """
    height, width = inside.shape
    length = float(np.hypot(*(hip_xy - shoulder_xy)))
    steps = np.arange(math.ceil(MAX_BACK_DEPTH_RATIO * length) + 1, dtype=np.float64)
    t = np.linspace(0.0, 1.0, SAMPLES_ALONG_BACK)
    base = shoulder_xy[None, :] + t[:, None] * (hip_xy - shoulder_xy)[None, :]
    rays = base[:, None, :] + steps[None, :, None] * dorsal_xy[None, None, :]
    cols = np.rint(rays[..., 0]).astype(np.int64)
    rows = np.rint(rays[..., 1]).astype(np.int64)
    in_picture = (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
    on = np.zeros(rays.shape[:2], dtype=bool)
    on[in_picture] = inside[rows[in_picture], cols[in_picture]]
    off = ~on
    first_off = np.argmax(off, axis=1)
    row = np.arange(len(t))
    found = on[:, 0] & off.any(axis=1) & in_picture[row, first_off]
    depth = np.where(found, first_off - 1, np.nan)
    return base + depth[:, None] * dorsal_xy[None, :]


def bulge_ratio(outline: np.ndarray, dorsal_xy: np.ndarray) -> tuple[float, float, float]:
    """(index, bulge_px, line_px) of an outline from :func:`dorsal_outline` (ends must be found).

    The line joins the first and last points; the bulge is the largest distance of a point
    beyond it in the dorsal direction (0 when the back is flat or hollow, as a lordotic lower
    back is).
    """
    start, end = outline[0], outline[-1]
    along = end - start
    line_px = float(np.hypot(*along))
    normal = np.array([along[1], -along[0]]) / line_px
    if float(np.dot(normal, dorsal_xy)) < 0:
        normal = -normal
    beyond = (outline - start) @ normal
    bulge_px = max(0.0, float(np.nanmax(beyond)))
    return bulge_px / line_px, bulge_px, line_px


def _arm_on_outline(
    px: np.ndarray, shoulder_xy: np.ndarray, hip_xy: np.ndarray, dorsal_xy: np.ndarray, depth_px: np.ndarray
) -> bool:
    """True when a point of either arm (upper arm or forearm), level with the back, lies within
    half an arm's thickness of the back's edge or beyond it. ``depth_px`` is the edge's distance
    behind the joint line at each of the ``SAMPLES_ALONG_BACK`` levels. Both arms are checked
    whatever their visibility: a hidden far arm still shows in the silhouette behind the back."""
    axis = hip_xy - shoulder_xy
    length_sq = float(np.dot(axis, axis))
    length = math.sqrt(length_sq)
    found = np.isfinite(depth_px)
    levels = np.linspace(0.0, 1.0, SAMPLES_ALONG_BACK)[found]
    fractions = np.linspace(0.0, 1.0, 9)[1:, None]
    for side in Side:
        shoulder, elbow, wrist = (px[sided(j, side), :2] for j in (Joint.SHOULDER, Joint.ELBOW, Joint.WRIST))
        points = np.vstack([shoulder + fractions * (elbow - shoulder), elbow + fractions * (wrist - elbow)])
        rel = points - shoulder_xy
        level = rel @ axis / length_sq
        behind = rel @ dorsal_xy
        near = (level >= 0.0) & (level <= 1.0)
        edge = np.interp(level[near], levels, depth_px[found])
        if np.any(behind[near] >= edge - ARM_HALF_THICKNESS_RATIO * length):
            return True
    return False


def back_contour(mask: np.ndarray | None, frame: PoseFrame, view: View, facing_x: float) -> BackContour:
    """The kyphosis index of one frame (see the module docstring).

    Args:
        mask: (H, W) person mask, float probability or bool, the frame's image size; or None.
        frame: the frame's pose (image landmarks in pixels through ``frame.pixels()``).
        view: the frame's camera view (:attr:`FrameFeatures.view`); side and oblique only.
        facing_x: +1 the person faces image-right, -1 image-left, 0 unknown
            (:attr:`FrameFeatures.facing_x`).
    """
    if view not in SUITABLE_VIEWS:
        return _not(Unmeasured.VIEW)
    if facing_x == 0.0 or not math.isfinite(facing_x):
        return _not(Unmeasured.FACING)
    if not frame.present:
        return _not(Unmeasured.LANDMARKS)
    joints = (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    sides_seen = [
        side
        for side in Side
        if min(frame.visibility[sided(Joint.SHOULDER, side)], frame.visibility[sided(Joint.HIP, side)])
        >= MIN_VISIBILITY
    ]
    if not sides_seen:
        return _not(Unmeasured.LANDMARKS)
    if mask is None:
        return _not(Unmeasured.MASK)
    width, height = frame.image_size
    if mask.shape != (height, width):
        raise ValueError(f"mask: expected shape {(height, width)} (the frame's image), got {mask.shape}")
    px = frame.pixels()
    # Mid-shoulder and mid-hip: in profile the two sides nearly coincide; in an oblique view the
    # midpoints stay inside the trunk's silhouette where one side's joint may not.
    shoulder_xy = (px[joints[0], :2] + px[joints[1], :2]) / 2.0
    hip_xy = (px[joints[2], :2] + px[joints[3], :2]) / 2.0
    axis = hip_xy - shoulder_xy
    length = float(np.hypot(*axis))
    if not math.isfinite(length) or length < MIN_CHORD_PX:
        return _not(Unmeasured.LANDMARKS)
    up = -axis / length  # hip -> shoulder
    # Rotating "up the spine" a quarter turn towards image-left gives the back of a person
    # facing image-right (standing: up = (0, -1) -> (-1, 0)); mirror for facing image-left.
    dorsal_xy = np.array([up[1], -up[0]]) * (1.0 if facing_x > 0 else -1.0)
    outline = dorsal_outline(np.asarray(mask) >= MASK_THRESHOLD, shoulder_xy, hip_xy, dorsal_xy)
    missing = ~np.isfinite(outline[:, 0])
    if missing[0] or missing[-1] or missing.mean() > MAX_MISSING_SHARE:
        return _not(Unmeasured.OUTLINE)
    t = np.linspace(0.0, 1.0, SAMPLES_ALONG_BACK)[:, None]
    depth_px = (outline - (shoulder_xy + t * axis)) @ dorsal_xy
    if _arm_on_outline(px, shoulder_xy, hip_xy, dorsal_xy, depth_px):
        return _not(Unmeasured.ARM)
    index, bulge_px, line_px = bulge_ratio(outline, dorsal_xy)
    return BackContour(index, None, bulge_px, line_px)
