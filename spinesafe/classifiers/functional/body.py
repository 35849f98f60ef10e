"""Per-frame body measures the functional tests share: hip height, leg extension, hands on the
chest, foot placement, where the hips are across the picture.

All lengths come from the metric world landmarks (MediaPipe's, centred between the hips, y down),
so they do not change with the distance to the camera; a level camera is assumed for "up".
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from spinesafe.classifiers.features import MIN_VISIBILITY, FrameFeatures, View
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Joint, Landmark, Side, sided

# Arms crossed over the chest put the wrists ~0.35 trunk lengths from the shoulder midpoint; hands
# on the hips, thighs or the chair seat are 0.9-1.3 away, hanging arms 1.2. On the chest below
# the lower bound, off above the upper one (hysteresis for landmark jitter of ~0.05).
HANDS_ON_CHEST_MAX = 0.65
HANDS_OFF_CHEST_MIN = 0.8

# A foot is lifted (one-foot stance) when the ankles differ in height by this share of the leg
# (the single_leg_stance exercise's turn threshold: a lifted foot is >= ~8% of leg length up).
FOOT_LIFTED_RATIO = 0.08

# Foot placement, in foot lengths (heel to toe, ~0.25 m in adults) between the ankle centres.
# Along the feet (AP): side by side ~0, semi-tandem ~0.5 (the heel beside the other's big toe),
# tandem ~1 (heel against toes). Across (lateral): feet touching ~0.4 (one foot's width), in line
# (tandem) ~0. Each band has a margin of 0.1 foot lengths (2.5 cm) where both neighbours stay
# possible, since a heel 2 cm short of the toes is still a tandem stance to a physiotherapist.
AP_SEMI_TANDEM = 0.25
AP_TANDEM = 0.75
LATERAL_IN_LINE = 0.3
LATERAL_APART = 1.2  # ankles over ~0.3 m apart: an ordinary stance, not a test stance
PLACEMENT_MARGIN = 0.1
# An axis is measured only when it lies within 60 deg of the image plane: along the line of sight
# MediaPipe's depth is a guess (and in profile the far foot is hidden behind the near one).
MIN_IN_PLANE_SHARE = 0.5


class Placement(enum.Enum):
    """The foot placements of the 4-stage balance test (CDC STEADI), in its order."""

    SIDE_BY_SIDE = "side_by_side"
    SEMI_TANDEM = "semi_tandem"
    TANDEM = "tandem"
    ONE_FOOT = "one_foot"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").replace("semi tandem", "semi-tandem")


TWO_FEET = (Placement.SIDE_BY_SIDE, Placement.SEMI_TANDEM, Placement.TANDEM)


@dataclass(frozen=True)
class BodySample:
    """The measures of one frame (NaN, None or empty where the landmarks cannot tell)."""

    t_s: float
    present: bool
    view: View
    hip_height_m: float  # hip midpoint above the ankle midpoint
    leg_length_m: float  # hip-knee + knee-ankle, mean of the sides (pose-invariant)
    hip_deg: float  # trunk-thigh angle, the straighter side (180 standing)
    knee_deg: float  # the straighter knee
    trunk_inclination_deg: float  # hip-mid -> shoulder-mid from vertical in 3-D (world landmarks)
    facing_x: float
    wrists_from_chest: float  # the farther visible wrist from the shoulder midpoint, in trunk lengths
    placements: frozenset[Placement]  # the stances the feet are consistent with (empty: none)
    placement_axes: tuple[bool, bool]  # (along-the-feet, across) measurable in this view
    hip_x_px: float  # hip midpoint across the picture
    px_per_m: float  # image scale at the person (trunk pixels over trunk metres)
    edge: bool  # the person touches the left or right border of the picture
    ankle_gap_m: tuple[float, float, float] | None = None  # right ankle - left ankle (world metres)


def _mid(points: np.ndarray, a: Landmark, b: Landmark) -> np.ndarray:
    return np.asarray((points[a] + points[b]) / 2.0)


def _leg_length_m(world: np.ndarray) -> float:
    lengths = [
        float(np.linalg.norm(world[sided(Joint.HIP, s)] - world[sided(Joint.KNEE, s)]))
        + float(np.linalg.norm(world[sided(Joint.KNEE, s)] - world[sided(Joint.ANKLE, s)]))
        for s in Side
    ]
    return float(np.mean(lengths))


def _wrists_from_chest(frame: PoseFrame, world: np.ndarray) -> float:
    shoulder_mid = _mid(world, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    trunk = float(np.linalg.norm(shoulder_mid - _mid(world, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)))
    if not trunk > 0:
        return math.nan
    seen = [
        float(np.linalg.norm(world[sided(Joint.WRIST, s)] - shoulder_mid)) / trunk
        for s in Side
        if frame.visibility[sided(Joint.WRIST, s)] >= MIN_VISIBILITY
    ]
    return max(seen) if seen else math.nan


def _band(value: float, bounds: tuple[float, float], names: tuple[Placement, ...]) -> set[Placement]:
    """Which of three consecutive bands (split at ``bounds``) ``value`` is in, both near a bound."""
    out = set()
    low, high = bounds
    if value < low + PLACEMENT_MARGIN:
        out.add(names[0])
    if low - PLACEMENT_MARGIN <= value < high + PLACEMENT_MARGIN:
        out.add(names[1])
    if value >= high - PLACEMENT_MARGIN:
        out.add(names[2])
    return out


def foot_placement(frame: PoseFrame, feet_seen: bool | None = None) -> tuple[frozenset[Placement], tuple[bool, bool]]:
    """The stances the feet are consistent with, and which axes (along, across the feet) were measured.

    One foot lifted is :attr:`Placement.ONE_FOOT` whatever the view. Otherwise the ankle gap along
    the feet (AP) separates side by side, semi-tandem and tandem; the gap across them separates
    feet in line (tandem) from feet beside each other. Only axes near the image plane are used:
    from the side only AP (and only when the far foot is seen), from the front only the lateral
    gap, which cannot tell side by side from semi-tandem. All four stances are returned when
    nothing can be measured.
    """
    everything = frozenset(Placement)
    world = frame.world
    if not frame.present or world is None:
        return everything, (False, False)
    la, ra = world[Landmark.LEFT_ANKLE], world[Landmark.RIGHT_ANKLE]
    leg = _leg_length_m(world)
    if leg > 0 and abs(float(la[1] - ra[1])) / leg >= FOOT_LIFTED_RATIO:
        return frozenset({Placement.ONE_FOOT}), (True, True)
    feet = [sided(j, s) for j in (Joint.ANKLE, Joint.HEEL, Joint.FOOT_INDEX) for s in Side]
    if feet_seen is None:
        feet_seen = bool(np.min(frame.visibility[feet]) >= MIN_VISIBILITY)
    if not feet_seen:
        return frozenset(TWO_FEET), (False, False)
    foot = float(
        np.mean([np.linalg.norm(world[sided(Joint.HEEL, s)] - world[sided(Joint.FOOT_INDEX, s)]) for s in Side])
    )
    across = world[Landmark.RIGHT_HIP] - world[Landmark.LEFT_HIP]
    across[1] = 0.0
    norm = float(np.linalg.norm(across))
    if not (foot > 0 and norm > 0):
        return frozenset(TWO_FEET), (False, False)
    across /= norm
    along = np.array([-across[2], 0.0, across[0]])  # horizontal, perpendicular to the hip axis
    gap = ra - la
    ap = abs(float(np.dot(gap, along))) / foot
    lateral = abs(float(np.dot(gap, across))) / foot
    # Camera coordinates: z is the line of sight, so an axis's in-plane share is its x part.
    ap_ok = abs(float(along[0])) >= MIN_IN_PLANE_SHARE
    lateral_ok = abs(float(across[0])) >= MIN_IN_PLANE_SHARE
    possible = set(TWO_FEET)
    if ap_ok:
        possible &= _band(ap, (AP_SEMI_TANDEM, AP_TANDEM), TWO_FEET)
    if lateral_ok:
        if lateral >= LATERAL_APART:
            possible = set()
        elif lateral < LATERAL_IN_LINE - PLACEMENT_MARGIN:
            possible &= {Placement.TANDEM}
        elif lateral >= LATERAL_IN_LINE + PLACEMENT_MARGIN:
            possible &= {Placement.SIDE_BY_SIDE, Placement.SEMI_TANDEM}
    return frozenset(possible), (ap_ok, lateral_ok)


def sample_frame(frame: PoseFrame, features: FrameFeatures) -> BodySample:
    """The functional-test measures of one frame (``features`` from ``compute_features(frame)``)."""
    world = frame.world
    if not frame.present or world is None:
        return BodySample(
            frame.t_s, False, View.UNKNOWN, math.nan, math.nan, math.nan, math.nan, math.nan, 0.0, math.nan,
            frozenset(Placement), (False, False), math.nan, math.nan, False, None,
        )  # fmt: skip
    ankles = _mid(world, Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE)
    hips = _mid(world, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    placements, axes = foot_placement(frame)
    px = frame.pixels()
    trunk_px = float(
        np.linalg.norm(
            _mid(px, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)[:2]
            - _mid(px, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)[:2]
        )
    )
    trunk_m = float(np.linalg.norm(_mid(world, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER) - hips))
    xs = px[:, 0]
    width = frame.image_size[0]
    return BodySample(
        t_s=frame.t_s,
        present=True,
        view=features.view,
        hip_height_m=float(ankles[1] - hips[1]),  # world y points down
        leg_length_m=_leg_length_m(world),
        hip_deg=_straighter(features, "hip"),
        knee_deg=_straighter(features, "knee"),
        trunk_inclination_deg=_trunk_tilt_deg(hips, _mid(world, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)),
        facing_x=features.facing_x,
        wrists_from_chest=_wrists_from_chest(frame, world),
        placements=placements,
        placement_axes=axes,
        hip_x_px=float(_mid(px, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)[0]),
        px_per_m=trunk_px / trunk_m if trunk_m > 0 else math.nan,
        edge=bool(np.nanmin(xs) <= 2.0 or np.nanmax(xs) >= width - 3.0),
        ankle_gap_m=tuple(float(v) for v in world[Landmark.RIGHT_ANKLE] - world[Landmark.LEFT_ANKLE]),  # type: ignore[arg-type]
    )


def _trunk_tilt_deg(hips: np.ndarray, shoulders: np.ndarray) -> float:
    """The trunk's angle from vertical in 3-D, a level camera assumed (world y down): a lean towards
    the camera shows here too, where the picture alone sees a shortening trunk, not a tilt."""
    trunk = shoulders - hips
    norm = float(np.linalg.norm(trunk))
    return math.degrees(math.acos(max(-1.0, min(1.0, -float(trunk[1]) / norm)))) if norm > 0 else math.nan


def _straighter(features: FrameFeatures, name: str) -> float:
    values = [features.angle(f"{name}_{s.value}") for s in Side]
    values = [v for v in values if math.isfinite(v)]
    return max(values) if values else math.nan
