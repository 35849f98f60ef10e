"""Per-frame body features computed from one `PoseFrame`: joint angles, trunk measures, view.

Angles are named in one table (:data:`ANGLES`) rather than written out per side. The trunk
and flexion proxies are explained where they are computed: BlazePose has no spine landmarks,
so rounding of the back can only be inferred from how the head, shoulders, hips and thighs sit.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from spinesafe.classifiers.geometry import (
    distance,
    inclination_from_vertical_deg,
    joint_angle_deg,
    midpoint,
    segment_angle_between_deg,
    signed_lean_deg,
)
from spinesafe.classifiers.gravity import Gravity
from spinesafe.classifiers.twist import leg_length_px
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Joint, Landmark, Side, sided


class View(enum.Enum):
    """Where the camera sees the person from."""

    SIDE = "side"
    OBLIQUE = "oblique"
    FRONT = "front"
    UNKNOWN = "unknown"


# name -> (first, vertex, last) joints of an angle measured at the vertex, 180 = straight.
ANGLES: dict[str, tuple[Joint, Joint, Joint]] = {
    "knee": (Joint.HIP, Joint.KNEE, Joint.ANKLE),
    "hip": (Joint.SHOULDER, Joint.HIP, Joint.KNEE),  # trunk-vs-thigh; ~180 standing, ~90 seated
    "elbow": (Joint.SHOULDER, Joint.ELBOW, Joint.WRIST),
    "shoulder": (Joint.HIP, Joint.SHOULDER, Joint.ELBOW),  # arm vs trunk; 0 arm down, 180 overhead
    "ankle": (Joint.KNEE, Joint.ANKLE, Joint.FOOT_INDEX),
}

# The shoulder-width to trunk-length ratio in the image separates views: facing the camera the
# shoulders span ~0.8 of the trunk length (adult proportions, shoulder breadth ~0.4 m, trunk
# ~0.5 m); in profile they overlap (< ~0.3). Between the two is oblique.
# Landmark index arrays for computing every (angle, side) pair in one vectorised call.
_ANGLE_KEYS = [f"{name}_{side.value}" for name in ANGLES for side in Side]
_ANGLE_A, _ANGLE_B, _ANGLE_C = (
    np.array([sided(joints[k], side) for joints in ANGLES.values() for side in Side]) for k in range(3)
)

SIDE_VIEW_MAX_RATIO = 0.3
FRONT_VIEW_MIN_RATIO = 0.6

MIN_VISIBILITY = 0.5
# A foot counts as seen for lower_foot_y_px from this visibility: in a side view MediaPipe gives the far
# foot 0.3-0.5 while it stands, hidden, behind the near leg where it is drawn (the generator's 0.45);
# at 0.5 the corpus step-up lost its far foot on the floor and counted 3 of 4 (4 of 4 at 0.3).
FOOT_MIN_VISIBILITY = 0.3


@dataclass(frozen=True)
class FrameFeatures:
    """Features of one frame. Angles in degrees; NaN where the landmarks do not support one.

    ``angles`` hold each :data:`ANGLES` entry for the person's side nearer the camera
    (``near_side``) and, under ``"<name>_left"``/``"<name>_right"``, for each side.
    """

    t_s: float
    present: bool
    view: View
    near_side: Side
    facing_x: float  # +1 person faces image-right, -1 image-left, 0 unknown (front view)
    angles: dict[str, float]
    trunk_inclination_deg: float  # hip-mid -> shoulder-mid from vertical, 0 upright, 90 lying
    trunk_lean_deg: float  # signed: + forward, - backward (side/oblique views only)
    neck_curl_deg: float  # ear forward/down of the trunk line; grows as the upper back rounds
    torso_length_m: float  # shoulder-mid to hip-mid in world metres; shortens when curled
    body_height_px: float  # for distance checks; NaN when absent
    visibility: float  # mean visibility of the trunk and leg landmarks
    neck_visibility: float = 0.0  # the least visible of the near side's ear, shoulder and hip
    # How far a straight-armed hand is below the hips, in trunk lengths (image; NaN when no visible
    # wrist has an elbow over 150 deg): > 0 when a hand on the floor props the trunk.
    hand_below_hips: float = float("nan")
    # Image y (pixels, down) of the lower of the feet seen, and the trunk's image length
    # (shoulder-mid to hip-mid): a step-up's rise is measured with them (signals.StepHeight).
    lower_foot_y_px: float = float("nan")
    trunk_px: float = float("nan")
    # True: trunk_inclination_deg and trunk_lean_deg are against gravity (3-D, the camera's tilt
    # removed); False: against the image vertical, a level camera assumed. See compute_features.
    gravity_known: bool = False
    # Image x, y (pixels) of the left and the right toes (foot index), and the longer leg's image
    # length (hip to ankle): how far the toes slid over a heel raise (reps.TOES_PLANTED_MAX_SHIFT_M).
    toes_px: tuple[float, float, float, float] = (math.nan, math.nan, math.nan, math.nan)
    leg_px: float = math.nan

    def angle(self, name: str) -> float:
        return self.angles.get(name, float("nan"))


def _side_visibility(frame: PoseFrame, side: Side) -> float:
    joints = (Joint.SHOULDER, Joint.HIP, Joint.KNEE, Joint.ANKLE, Joint.ELBOW, Joint.WRIST)
    return float(np.mean([frame.visibility[sided(j, side)] for j in joints]))


# With world landmarks the view is the yaw of the shoulder and hip lines against the camera's
# x axis, seen from above: 0 facing the camera, 90 in profile. It does not depend on posture
# (a person lying at 45 deg to the camera stays oblique) and matched the corpus labels on 34 of
# 41 clips, against 23 for the width ratio below.
FRONT_VIEW_MAX_YAW_DEG = 30.0
SIDE_VIEW_MIN_YAW_DEG = 60.0


def detect_view(frame: PoseFrame) -> View:
    """Side, oblique or front: from the body's yaw in world coordinates, else image widths."""
    if not frame.present:
        return View.UNKNOWN
    if frame.world is not None:
        w = frame.world
        across = (
            w[Landmark.RIGHT_SHOULDER] - w[Landmark.LEFT_SHOULDER] + w[Landmark.RIGHT_HIP] - w[Landmark.LEFT_HIP]
        ) / 2
        if np.all(np.isfinite(across)) and np.hypot(across[0], across[2]) > 1e-6:
            yaw = float(np.degrees(np.arctan2(abs(across[2]), abs(across[0]))))
            if yaw < FRONT_VIEW_MAX_YAW_DEG:
                return View.FRONT
            return View.SIDE if yaw > SIDE_VIEW_MIN_YAW_DEG else View.OBLIQUE
    px = frame.pixels()
    shoulders = distance(px[Landmark.LEFT_SHOULDER, :2], px[Landmark.RIGHT_SHOULDER, :2])
    hips = distance(px[Landmark.LEFT_HIP, :2], px[Landmark.RIGHT_HIP, :2])
    trunk = distance(
        midpoint(px[Landmark.LEFT_SHOULDER, :2], px[Landmark.RIGHT_SHOULDER, :2]),
        midpoint(px[Landmark.LEFT_HIP, :2], px[Landmark.RIGHT_HIP, :2]),
    )
    if not np.isfinite(trunk) or trunk < 1.0:
        return View.UNKNOWN
    ratio = float((shoulders + hips) / 2.0 / trunk)
    if ratio < SIDE_VIEW_MAX_RATIO:
        return View.SIDE
    if ratio > FRONT_VIEW_MIN_RATIO:
        return View.FRONT
    return View.OBLIQUE


def _facing_x(frame: PoseFrame, px: np.ndarray) -> float:
    """+1 if the person faces image-right, -1 if image-left, 0 when it cannot be told.

    The feet come first: toes point where the body faces and stay planted, whereas the head
    hangs forward in a deep bend and puts the nose *behind* the ears. The nose-ears rule is the
    fallback when the feet are not seen (cut off at the bottom of the picture).
    """
    votes = []
    for side in Side:
        heel, toe = sided(Joint.HEEL, side), sided(Joint.FOOT_INDEX, side)
        if min(frame.visibility[heel], frame.visibility[toe]) >= MIN_VISIBILITY:
            dx = float(px[toe, 0] - px[heel, 0])
            foot = float(distance(px[toe, :2], px[heel, :2]))
            if abs(dx) >= 0.5 * max(foot, 1.0):  # the foot is seen from the side
                votes.append(1.0 if dx > 0 else -1.0)
    if votes and abs(sum(votes)) == len(votes):
        return votes[0]
    ears = midpoint(px[Landmark.LEFT_EAR, :2], px[Landmark.RIGHT_EAR, :2])
    nose = px[Landmark.NOSE, :2]
    dx = float(nose[0] - ears[0])
    ear_span = float(distance(px[Landmark.LEFT_EAR, :2], px[Landmark.RIGHT_EAR, :2]))
    # Facing the camera the nose sits between the ears; call a direction only when clear.
    if abs(dx) < 0.25 * max(ear_span, 1.0):
        return 0.0
    return 1.0 if dx > 0 else -1.0


def _neck_curl_deg(px: np.ndarray, side: Side, facing_x: float) -> float:
    """Signed angle between the trunk line (hip->shoulder) and the neck line (shoulder->ear).

    With a neutral spine the ear sits near the extension of the trunk line (a small forward
    angle is normal). When the upper back rounds (thoracic flexion), shoulders roll forward
    and the head drops ahead of the trunk, so this angle grows. Positive = ear ahead of the
    trunk line in the facing direction. Needs a side or oblique view and a known facing.
    """
    if facing_x == 0.0:
        return float("nan")
    hip, shoulder, ear = (px[sided(j, side), :2] for j in (Joint.HIP, Joint.SHOULDER, Joint.EAR))
    trunk = shoulder - hip
    neck = ear - shoulder
    # Rotate so that the trunk points "up" and the facing direction is +x; then the neck's
    # angle from the trunk direction, signed by its forward component.
    cross = trunk[0] * neck[1] - trunk[1] * neck[0]
    dot = float(np.dot(trunk, neck))
    angle = float(np.degrees(np.arctan2(cross, dot)))
    # In image coordinates (y down), a forward (towards facing) neck for a person facing +x
    # gives a positive cross product; flip for a person facing -x.
    return angle * facing_x


def _lower_body_signals(frame: PoseFrame, px: np.ndarray, up: Gravity | None = None) -> dict[str, float]:
    """Signals of the feet and legs that are not joint angles (degrees, or ratios where named).

    - ``foot_pitch_<side>``: heel->toe line above horizontal in the image, + when the heel is
      lifted (heel raise); needs a side or oblique view.
    - ``leg_spread``: angle between the two thighs (hip->knee, 3-D), ~5-10 deg standing, grows
      in a side leg raise or a jumping jack.
    - ``foot_height_ratio``: vertical gap between the ankles over the hip-to-ankle length
      (single-leg stance lifts one foot by >= ~0.1 of the leg); along ``up`` when the camera's tilt
      is known: a camera rolled 10 deg turns a 25 cm stance's sideways gap into a 4 cm vertical
      one, over the 0.04 rest line (the corpus single-leg stance rolled 10 deg: 1 of 2 holds).
    - ``feet_lateral_ratio`` / ``feet_ap_ratio``: ankle separation across and along the body
      (3-D, projected on the hip axis and its horizontal normal) over the hip width; tandem
      stance puts the feet in line (small lateral, larger AP gap); ``tandem`` is AP minus lateral.
    """
    out: dict[str, float] = {}
    for side in Side:
        heel, toe = px[sided(Joint.HEEL, side), :2], px[sided(Joint.FOOT_INDEX, side), :2]
        seen = min(frame.visibility[sided(Joint.HEEL, side)], frame.visibility[sided(Joint.FOOT_INDEX, side)])
        rise, run = toe[1] - heel[1], abs(toe[0] - heel[0])
        out[f"foot_pitch_{side.value}"] = (
            float(np.degrees(np.arctan2(rise, run))) if seen >= MIN_VISIBILITY else math.nan
        )
    pts = frame.world if frame.world is not None else px
    lh, rh = pts[Landmark.LEFT_HIP], pts[Landmark.RIGHT_HIP]
    lk, rk = pts[Landmark.LEFT_KNEE], pts[Landmark.RIGHT_KNEE]
    la, ra = pts[Landmark.LEFT_ANKLE], pts[Landmark.RIGHT_ANKLE]
    out["leg_spread"] = float(segment_angle_between_deg(lh, lk, rh, rk))
    leg = float(np.mean([distance(lh, la), distance(rh, ra)]))
    hip_width = float(distance(lh, rh))
    known_up = up.up if up is not None and up.known and frame.world is not None else None
    gap = float((la - ra) @ known_up) if known_up is not None else float(la[1] - ra[1])
    out["foot_height_ratio"] = abs(gap) / leg if leg > 0 else math.nan
    axis = rh - lh
    axis[1] = 0.0  # horizontal part of the hip axis (y is vertical in both coordinate systems)
    norm = float(np.linalg.norm(axis))
    if norm > 0 and hip_width > 0:
        axis /= norm
        normal = np.array([-axis[2], 0.0, axis[0]])
        gap = ra - la
        out["feet_lateral_ratio"] = float(abs(np.dot(gap, axis)) / hip_width)
        out["feet_ap_ratio"] = float(abs(np.dot(gap, normal)) / hip_width)
        out["tandem"] = out["feet_ap_ratio"] - out["feet_lateral_ratio"]
    else:
        out["feet_lateral_ratio"] = out["feet_ap_ratio"] = out["tandem"] = math.nan
    return out


# Shoulder-to-wrist over shoulder-to-hip length of an adult: upper arm 0.186 + forearm 0.146 of
# body height against 0.288 for the trunk (Drillis & Contini 1966 segment proportions).
ARM_TO_TRUNK_RATIO = 1.15
# An arm that bears weight is held straight (a crab, a reverse table-top, a push-up).
STRAIGHT_ELBOW_MIN_DEG = 150.0


def _chord_elbow_deg(frame: PoseFrame, px: np.ndarray, side: Side, trunk_px: float) -> float:
    """Elbow angle implied by the shoulder-to-wrist distance alone (side views only).

    A push-up brings the shoulder down towards the hand, so the straight-line shoulder-wrist
    distance (the chord) shrinks with the elbow angle: chord = arm length x sin(angle / 2) for
    equal segments. It needs only the two end points, which survive when a bar or rack hides
    the elbow and MediaPipe then reads the arm as straight throughout (measured on the corpus:
    3-D elbow 140-170 deg over twelve push-ups to the bar). In a side view the arm and trunk
    both lie in the image plane, so the trunk's image length stands in for the arm length.
    """
    shoulder, wrist = sided(Joint.SHOULDER, side), sided(Joint.WRIST, side)
    if min(frame.visibility[shoulder], frame.visibility[wrist]) < MIN_VISIBILITY or trunk_px < 1.0:
        return float("nan")
    ratio = float(distance(px[shoulder, :2], px[wrist, :2])) / (ARM_TO_TRUNK_RATIO * trunk_px)
    return float(np.degrees(2.0 * np.arcsin(min(1.0, ratio))))


_TRUNK_CORNERS = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]


def _trunk_against_gravity(world: np.ndarray, up: np.ndarray, facing_x: float) -> tuple[float, float]:
    """(inclination, signed lean) in degrees of the world hip-mid -> shoulder-mid line against ``up``.

    Inclination: 0 upright, 90 lying, 180 upside down. Lean: the trunk's angle from up in the
    person's sagittal plane, + forward; forward is up x (person's right), turned to agree with
    the image facing where the person is seen side-on (MediaPipe can swap left and right
    there); NaN when the facing is unknown, as for the image measure.
    """
    # Plain floats: for four points numpy's per-call overhead is most of the cost.
    (lsx, lsy, lsz), (rsx, rsy, rsz), (lhx, lhy, lhz), (rhx, rhy, rhz) = world[_TRUNK_CORNERS].tolist()
    ux, uy, uz = up.tolist()
    tx, ty, tz = lsx + rsx - lhx - rhx, lsy + rsy - lhy - rhy, lsz + rsz - lhz - rhz  # twice the trunk
    norm = math.sqrt(tx * tx + ty * ty + tz * tz)
    if not norm > 0.0:
        return float("nan"), float("nan")
    along_up = tx * ux + ty * uy + tz * uz
    inclination = math.degrees(math.acos(max(-1.0, min(1.0, along_up / norm))))
    ax, ay, az = rsx + rhx - lsx - lhx, rsy + rhy - lsy - lhy, rsz + rhz - lsz - lhz  # to the person's right
    fx, fy, fz = uy * az - uz * ay, uz * ax - ux * az, ux * ay - uy * ax  # forward = up x right
    if facing_x == 0.0 or not fx * fx + fy * fy + fz * fz > 0.0:
        return inclination, float("nan")
    size = math.sqrt(fx * fx + fy * fy + fz * fz)
    if fx * facing_x < -0.5 * size:  # side-on, the image facing is the surer of the two
        fx, fy, fz = -fx, -fy, -fz
    return inclination, math.degrees(math.atan2((tx * fx + ty * fy + tz * fz) / size, along_up))


# The image shows the trunk's direction faithfully only when the trunk lies near the image
# plane. Within ~37 deg of the line of sight (less than 0.6 of its length in the image plane)
# its image direction swings with a centimetre of landmark noise: a trunk lying along the line
# of sight reads anywhere from 0 to 180 deg. MediaPipe's depth is the weak axis (a deep forward
# bend seen side-on came out pointing at the camera on the corpus), so the picture must agree:
# the trunk's image length under 0.6 of what it would be unforeshortened, taking the image
# shoulder width (0.38 m; trunk 0.5 m, Drillis & Contini proportions) as the scale. Facing the
# camera the shoulders span their full width; side-on they shrink and the test cannot pass.
END_ON_MAX_IMAGE_FRACTION = 0.6
TRUNK_TO_SHOULDER_WIDTH = 0.50 / 0.38


def _end_on(world: np.ndarray, px: np.ndarray) -> bool:
    """Whether the trunk (hip-mid -> shoulder-mid) points within ~37 deg of the line of sight,
    by the world landmarks and by the picture."""
    (lsx, lsy, lsz), (rsx, rsy, rsz), (lhx, lhy, lhz), (rhx, rhy, rhz) = world[_TRUNK_CORNERS].tolist()
    tx, ty, tz = lsx + rsx - lhx - rhx, lsy + rsy - lhy - rhy, lsz + rsz - lhz - rhz
    in_plane = tx * tx + ty * ty
    if in_plane >= END_ON_MAX_IMAGE_FRACTION**2 * (in_plane + tz * tz):
        return False
    (lsx, lsy), (rsx, rsy), (lhx, lhy), (rhx, rhy) = px[_TRUNK_CORNERS, :2].tolist()
    trunk_px = math.hypot(lsx + rsx - lhx - rhx, lsy + rsy - lhy - rhy) / 2.0
    shoulders_px = math.hypot(rsx - lsx, rsy - lsy)
    return trunk_px < END_ON_MAX_IMAGE_FRACTION * TRUNK_TO_SHOULDER_WIDTH * shoulders_px


def _joint_angles(frame: PoseFrame, px: np.ndarray, view: View, near: Side) -> dict[str, float]:
    """Every :data:`ANGLES` entry per side, and unsided for the near side (both averaged from the front)."""
    # Joint angles from the metric 3-D world landmarks when there are any: image-plane angles
    # foreshorten in front and oblique views (a standing knee can read 120 deg from the front).
    # Measured on the corpus, 3-D angles also beat image angles in side views (28 vs 23 of 32
    # clips counted exactly): the near limb is rarely exactly in the image plane.
    pts = frame.world if frame.world is not None else px
    values = joint_angle_deg(pts[_ANGLE_A], pts[_ANGLE_B], pts[_ANGLE_C])  # every angle in one call
    # A joint the model cannot see is a guess (e.g. legs below the picture, which MediaPipe
    # still places, at visibility ~0): no angle from it.
    visible = np.minimum(np.minimum(frame.visibility[_ANGLE_A], frame.visibility[_ANGLE_B]), frame.visibility[_ANGLE_C])
    values = np.where(visible >= MIN_VISIBILITY, values, np.nan)
    angles: dict[str, float] = dict(zip(_ANGLE_KEYS, values.tolist(), strict=True))
    for name in ANGLES:
        if view is View.FRONT:
            # Both sides are seen: average them (less noise, symmetric exercises).
            seen = [v for v in (angles[f"{name}_left"], angles[f"{name}_right"]) if np.isfinite(v)]
            angles[name] = float(np.mean(seen)) if seen else float("nan")
        else:
            angles[name] = angles[f"{name}_{near.value}"]
    return angles


# Lying face down, the legs rest on the floor: their line is the level, whatever the camera's
# roll. The prone exercises (back extension, its hold) lift the chest 5-15 deg off the floor, so
# the trunk's inclination measured against the image or a guessed vertical is thrown by a camera
# rolled a few degrees: on the corpus rolled by 10 deg (lab/perturb.py) a prone back extension
# counted 0 of 3. The body is taken as lying along its legs when the trunk is beyond
# LYING_MIN_INCLINATION_DEG from vertical (standing or sitting tall it is within ~30, a 10 deg
# camera roll included) and bends from the legs' line by at most LYING_MAX_TRUNK_TO_LEGS_DEG (a
# strong chest lift is ~30 deg, the world model adding ~10; kneeling on all fours bends 60-90).
LYING_MIN_INCLINATION_DEG = 45.0
LYING_MAX_TRUNK_TO_LEGS_DEG = 45.0


def _trunk_over_legs(frame: PoseFrame, px: np.ndarray, inclination: float) -> float:
    """The trunk's inclination from vertical with the legs' line as the floor: 90 minus the angle
    between the hip->shoulder line and the ankle->hip line (3-D when there are world landmarks),
    when the body lies along its legs and an ankle is seen; otherwise ``inclination``."""
    if not inclination >= LYING_MIN_INCLINATION_DEG:  # upright (or NaN): not lying
        return inclination
    vis = frame.visibility
    if max(vis[Landmark.LEFT_ANKLE], vis[Landmark.RIGHT_ANKLE]) < MIN_VISIBILITY:
        return inclination
    # Plain floats: for a few points numpy's per-call overhead is most of the cost.
    pts = frame.world if frame.world is not None else px
    (lsx, lsy, lsz), (rsx, rsy, rsz) = pts[_SHOULDERS].tolist()
    (lhx, lhy, lhz), (rhx, rhy, rhz), (lax, lay, laz), (rax, ray, raz) = pts[_LEG_ENDS].tolist()
    trunk = (lsx + rsx - lhx - rhx, lsy + rsy - lhy - rhy, lsz + rsz - lhz - rhz)
    legs = (lhx + rhx - lax - rax, lhy + rhy - lay - ray, lhz + rhz - laz - raz)
    norms = math.sqrt(sum(c * c for c in trunk) * sum(c * c for c in legs))
    if not norms > 0.0:
        return inclination
    cos = sum(a * b for a, b in zip(trunk, legs, strict=True)) / norms
    bend = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
    return 90.0 - bend if bend <= LYING_MAX_TRUNK_TO_LEGS_DEG else inclination


_LEG_ENDS = [Landmark.LEFT_HIP, Landmark.RIGHT_HIP, Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE]
_SHOULDERS = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]


def _torso_length_m(frame: PoseFrame) -> float:
    """Shoulder-mid to hip-mid in world metres (NaN without world landmarks)."""
    if frame.world is None:
        return float("nan")
    w = frame.world
    return float(
        distance(
            midpoint(w[Landmark.LEFT_SHOULDER], w[Landmark.RIGHT_SHOULDER]),
            midpoint(w[Landmark.LEFT_HIP], w[Landmark.RIGHT_HIP]),
        )
    )


def _hand_below_hips(
    frame: PoseFrame, px: np.ndarray, angles: dict[str, float], hip_y_px: float, trunk_px: float
) -> float:
    """How far the lower straight-armed, visible hand is below the hips in trunk lengths (NaN if none)."""
    if trunk_px < 1.0:
        return float("nan")
    drops = [
        (px[sided(Joint.WRIST, side), 1] - hip_y_px) / trunk_px
        for side in Side
        if frame.visibility[sided(Joint.WRIST, side)] >= MIN_VISIBILITY
        and angles[f"elbow_{side.value}"] >= STRAIGHT_ELBOW_MIN_DEG
    ]
    return float(max(drops)) if drops else float("nan")


def compute_features(frame: PoseFrame, up: Gravity | None = None) -> FrameFeatures:
    """All features of one frame; absent frames give NaN features with ``present=False``.

    ``up`` is the camera's estimated orientation (`spinesafe.classifiers.gravity`). When it is
    known and the frame has world landmarks, the trunk inclination and lean are measured in 3-D
    against it, so a camera looking down or up does not tilt them (``gravity_known=True``);
    otherwise, and with no ``up`` at all, they are measured in the image against its vertical.
    """
    if not frame.present:
        return FrameFeatures(
            t_s=frame.t_s,
            present=False,
            view=View.UNKNOWN,
            near_side=Side.LEFT,
            facing_x=0.0,
            angles={},
            trunk_inclination_deg=float("nan"),
            trunk_lean_deg=float("nan"),
            neck_curl_deg=float("nan"),
            torso_length_m=float("nan"),
            body_height_px=float("nan"),
            visibility=0.0,
        )
    px = frame.pixels()
    view = detect_view(frame)
    near = Side.LEFT if _side_visibility(frame, Side.LEFT) >= _side_visibility(frame, Side.RIGHT) else Side.RIGHT
    angles = _joint_angles(frame, px, view, near)

    shoulder_mid = midpoint(px[Landmark.LEFT_SHOULDER], px[Landmark.RIGHT_SHOULDER])
    hip_mid = midpoint(px[Landmark.LEFT_HIP], px[Landmark.RIGHT_HIP])
    facing = _facing_x(frame, px)
    lean = float(signed_lean_deg(hip_mid, shoulder_mid, facing)) if facing else float("nan")
    inclination = float(inclination_from_vertical_deg(hip_mid, shoulder_mid))
    gravity_known = up is not None and up.known and frame.world is not None
    if gravity_known and frame.world is not None and up is not None:
        inclination, lean = _trunk_against_gravity(frame.world, up.up, facing)
    elif up is not None and frame.world is not None and _end_on(frame.world, px):
        # Up is not known yet and the trunk is seen end-on: its image direction is noise (a
        # lying trunk seen from the feet reads as upright), so say nothing rather than that.
        inclination = lean = float("nan")
    # Push-ups: the more bent of the 3-D elbow and the chord estimate (side views), so that an
    # elbow MediaPipe loses behind a bar still shows the reps; a straight arm reads straight
    # in both, so rest is not disturbed.
    trunk_px = float(distance(shoulder_mid[:2], hip_mid[:2]))
    for side in Side:
        chord = _chord_elbow_deg(frame, px, side, trunk_px) if view is View.SIDE else float("nan")
        seen = [v for v in (angles[f"elbow_{side.value}"], chord) if np.isfinite(v)]
        angles[f"push_elbow_{side.value}"] = min(seen) if seen else float("nan")
    angles["trunk_inclination"] = inclination
    angles["trunk_over_legs"] = _trunk_over_legs(frame, px, inclination)
    angles["trunk_lean"] = lean
    angles.update(_lower_body_signals(frame, px, up))
    ys = px[:, 1]
    key = [sided(j, s) for j in (Joint.SHOULDER, Joint.HIP, Joint.KNEE, Joint.ANKLE) for s in Side]
    return FrameFeatures(
        t_s=frame.t_s,
        present=True,
        view=view,
        near_side=near,
        facing_x=facing,
        angles=angles,
        trunk_inclination_deg=inclination,
        trunk_lean_deg=lean,
        neck_curl_deg=_neck_curl_deg(px, near, facing),
        torso_length_m=_torso_length_m(frame),
        body_height_px=float(np.nanmax(ys) - np.nanmin(ys)),
        visibility=float(np.mean(frame.visibility[key])),
        hand_below_hips=_hand_below_hips(frame, px, angles, float(hip_mid[1]), trunk_px),
        neck_visibility=float(min(frame.visibility[sided(j, near)] for j in (Joint.EAR, Joint.SHOULDER, Joint.HIP))),
        gravity_known=gravity_known,
        lower_foot_y_px=float(lower_foot_y_px(px[None], frame.visibility[None])[0]),
        trunk_px=trunk_px,
        toes_px=(
            float(px[Landmark.LEFT_FOOT_INDEX, 0]),
            float(px[Landmark.LEFT_FOOT_INDEX, 1]),
            float(px[Landmark.RIGHT_FOOT_INDEX, 0]),
            float(px[Landmark.RIGHT_FOOT_INDEX, 1]),
        ),
        leg_px=leg_length_px(px),
    )


_FEET = [np.array([sided(j, side) for j in (Joint.ANKLE, Joint.HEEL, Joint.FOOT_INDEX)]) for side in Side]


def lower_foot_y_px(px: np.ndarray, visibility: np.ndarray) -> np.ndarray:
    """(n,) image y of the lower foot (the lowest of its ankle, heel and toe) of (n, 33, >=2) pixel
    points and (n, 33) visibilities; NaN unless both feet are seen.

    With one foot hidden the lower one cannot be told: in a side view the far foot is the one
    still on the floor while the near one stands on the step.
    """
    seen = np.all([visibility[:, foot].min(axis=1) >= FOOT_MIN_VISIBILITY for foot in _FEET], axis=0)
    lowest = np.max([px[:, foot, 1].max(axis=1) for foot in _FEET], axis=0)
    return np.where(seen, lowest, np.nan)
