"""Synthetic poses: a kinematic stick figure that makes `PoseFrame`s without a camera or a model.

The package ships this as its fake pose source (for tests, samples and recogniser training).
A :class:`BodyPose` holds joint angles in degrees; :func:`forward_kinematics` turns it into the
33 BlazePose landmarks in metres; :func:`pose_to_frame` and :func:`animate` project poses into
`PoseFrame`s as a camera at a chosen yaw would see them (orthographic projection, no lens).

Frames and sign conventions
---------------------------
* **Room frame** (the output of :func:`forward_kinematics`): x = the person's *forward* (the way
  they face when upright), y = *up*, z = the person's *left*; metres; origin at the hip midpoint.
* **Body frame**: the room frame pitched by ``BodyPose.body_pitch_deg`` about the left axis (0
  upright, +90 lying face down with the head pointing forward, -90 lying on the back). Leg
  angles and the trunk lean are measured in the body frame, arm angles against the trunk line.
* **Camera**: ``yaw_deg`` is where the person faces as the camera sees it: 0 faces the camera,
  -90 faces image-left (their LEFT side is nearer the camera), +90 faces image-right (their
  RIGHT side is nearer), +-45 oblique, 180 the back to the camera. See :class:`CameraView`.
  The camera may also be tilted (``pitch_deg``, ``roll_deg`` of :func:`pose_to_frame` and
  :func:`animate`; both 0 by default, a level camera): ``pitch_deg`` > 0 looks *down* (a laptop
  on a desk, a phone high on a shelf), < 0 looks up (a phone on the floor); ``roll_deg`` > 0 turns
  the camera clockwise about its optical axis as seen from behind it, so the true vertical leans
  towards image-*left* in the picture. Pitch is applied first, then roll about the pitched axis.
  The image and the world landmarks both come from the tilted camera, as MediaPipe's do; the
  point on the floor under the ankles stays at the same image position.
* **World landmarks** (``PoseFrame.world``): camera-aligned as MediaPipe gives them (x image-right,
  y down, z away from the camera), metres, origin at the hip midpoint.
* **Image**: a standing person's landmarks (heels to eyes) span ``body_fraction`` (0.7) of the
  image height, centred; the lowest landmark rests on a fixed floor line (``BodyPose.lift_m``
  above it for jumps); the ankle midpoint stays at one image x for a whole animation, so planted
  feet do not slide while the hips move.

Ready-made motions (keyframes for :func:`animate`): :data:`MOTIONS` maps every exercise id of
the library (``spinesafe.classifiers.exercises``) to a motion as a function of the rep count (of
the hold duration for holds), :data:`SIDED_MOTIONS` gives the left/right variants; plus
:func:`trunk_twist` (twisting over planted feet) and :func:`turn_around` (turning on the spot by
stepping). Each function documents its range of motion in degrees.

The stick figure is a model, not a person: joints are hinges of fixed-length segments, the spine
is one circular arc, the projection is orthographic, and visibilities are fixed per view (0.95
near side, down to 0.45 for the far side in a pure side view).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Any

import numpy as np

from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import NUM_LANDMARKS, Joint, Landmark, Side, sided

# Adult segment lengths in metres, for a person about 1.75 m tall (of the order of the
# Drillis & Contini fractions of stature used in biomechanics texts).
TRUNK_M = 0.50  # hip midpoint to shoulder midpoint, spine straight
THIGH_M = 0.45  # hip to knee
SHANK_M = 0.43  # knee to ankle
UPPER_ARM_M = 0.30  # shoulder to elbow
FOREARM_M = 0.27  # elbow to wrist
SHOULDER_WIDTH_M = 0.38  # between the shoulder landmarks
HIP_WIDTH_M = 0.28  # between the hip landmarks
NECK_M = 0.20  # shoulder midpoint to ear midpoint
HEAD_WIDTH_M = 0.15  # between the ears
# With a neutral spine the ear sits a little ahead of the extended trunk line.
NECK_NEUTRAL_DEG = 10.0

DEFAULT_IMAGE_SIZE = (1280, 720)
DEFAULT_FPS = 30.0

_NEAR_VISIBILITY = 0.95
_FAR_VISIBILITY_DROP = 0.5  # the far side in a pure side view: 0.95 - 0.5 = 0.45


@dataclass(frozen=True)
class SidePose:
    """Joint angles of one side's arm and leg, in degrees. All zero = standing, arms hanging.

    Attributes:
        hip_flexion_deg: the thigh's angle forward of the *body's vertical* (not of the trunk):
            0 thigh straight down, 90 thigh horizontal (seated), negative behind (a lunge's back
            leg). The measured trunk-thigh ("hip") angle is about 180 - trunk_lean - this.
        hip_abduction_deg: thigh out to the side, away from the midline (side leg raise).
        knee_flexion_deg: 0 straight; the measured hip-knee-ankle angle is 180 - this.
        foot_pitch_deg: the foot's angle from the body's horizontal (the floor when upright),
            independent of the shank, so 0 keeps the foot flat whatever the knee does; + is toes
            down / heel up (heel raise). Lying face down (body pitch 90) 0 rests on the toes.
        shoulder_flexion_deg: upper arm forward and up from hanging along the trunk line: 90
            points forward (perpendicular to the trunk), 180 overhead. Relative to the trunk, so
            arms that hang plumb in a hip hinge need flexion equal to the trunk lean.
        shoulder_abduction_deg: upper arm out sideways: 90 horizontal, 180 overhead.
        shoulder_rotation_deg: external (+) rotation of the upper arm about its own axis; it
            turns the plane the elbow bends in. 0: a bent forearm points forward (curl); with the
            arm abducted 90, +90 points the bent forearm up (shoulder press); -90 with the arm
            hanging folds the forearm across the body (arms crossed).
        elbow_flexion_deg: 0 straight; the measured shoulder-elbow-wrist angle is 180 - this.
    """

    hip_flexion_deg: float = 0.0
    hip_abduction_deg: float = 0.0
    knee_flexion_deg: float = 0.0
    foot_pitch_deg: float = 0.0
    shoulder_flexion_deg: float = 0.0
    shoulder_abduction_deg: float = 0.0
    shoulder_rotation_deg: float = 0.0
    elbow_flexion_deg: float = 0.0


_SIDE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(SidePose))


@dataclass(frozen=True)
class BodyPose:
    """A whole-body pose: trunk, head and overall orientation, plus one :class:`SidePose` a side.

    Attributes:
        trunk_lean_deg: lean of the hip->shoulder line from the body's vertical, + forward
            (a hip hinge or a sit-to-stand lean), - backward (extension). A pure lean keeps the
            spine neutral: the neck stays in line with the trunk and the face turns with it.
        spine_curl_deg: rounding of the back (spinal flexion), 0 = neutral. The spine bends as a
            circular arc of fixed length, so the shoulder-to-hip distance shortens a little
            (factor sin(c/2)/(c/2): 2.6% at 45 deg), and the shoulder->ear line turns forward-down
            from the hip->shoulder line by this angle (half from the arc's end tangent, half from
            the forward head that comes with a rounded upper back); the face pitches down by half
            of it (upper-neck extension keeps the gaze up). The hip->shoulder line itself is
            still set by ``trunk_lean_deg``.
        neck_flexion_deg: neck and head bent forward-down relative to the upper trunk (+ chin to
            chest, - looking up); turns the shoulder->ear line and the face alike.
        trunk_twist_deg: rotation of the shoulders (and arms and head) about the trunk line
            relative to the pelvis, + turning to the person's left.
        body_pitch_deg: whole-body pitch about the left axis: 0 upright, +90 lying face down
            (prone: plank, push-up), -90 lying on the back (supine: sit-up, bridge).
        lift_m: height of the lowest landmark above the floor in metres (jumps, standing on a
            step); 0 on the floor.
        heading_deg: the whole body turned about the room's vertical, + towards the person's
            left (turning round on the spot). The camera yaw stays put, so visibilities still
            follow the view, not the heading.
        left, right: the arm and leg angles of each side.
    """

    trunk_lean_deg: float = 0.0
    spine_curl_deg: float = 0.0
    neck_flexion_deg: float = 0.0
    trunk_twist_deg: float = 0.0
    body_pitch_deg: float = 0.0
    lift_m: float = 0.0
    heading_deg: float = 0.0
    left: SidePose = field(default_factory=SidePose)
    right: SidePose = field(default_factory=SidePose)

    def __post_init__(self) -> None:
        values = _to_vector(self)
        if not np.all(np.isfinite(values)):
            raise ValueError(f"BodyPose: every angle and length must be finite, got {self}")
        if self.lift_m < 0.0:
            raise ValueError(f"BodyPose.lift_m: expected >= 0 metres, got {self.lift_m}")

    @classmethod
    def symmetric(cls, **angles: float) -> BodyPose:
        """A pose whose two sides share the :class:`SidePose` angles given by name.

        ``BodyPose.symmetric(trunk_lean_deg=30, hip_flexion_deg=60, knee_flexion_deg=80)``
        """
        side_kwargs = {k: v for k, v in angles.items() if k in _SIDE_FIELDS}
        body_kwargs = {k: v for k, v in angles.items() if k not in _SIDE_FIELDS}
        limbs = SidePose(**side_kwargs)
        return cls(**body_kwargs, left=limbs, right=limbs)

    def side(self, side: Side) -> SidePose:
        return self.left if side is Side.LEFT else self.right

    def with_side(self, side: Side, **angles: float) -> BodyPose:
        """A copy with some of one side's angles changed.

        ``pose.with_side(Side.LEFT, knee_flexion_deg=90)``
        """
        changed = replace(self.side(side), **angles)
        return replace(self, left=changed) if side is Side.LEFT else replace(self, right=changed)


_BODY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(BodyPose) if f.name not in ("left", "right"))
# Column names of the flat parameter vector: body fields, then "left.<field>", "right.<field>".
_PARAM_NAMES: tuple[str, ...] = _BODY_FIELDS + tuple(f"{s.value}.{name}" for s in Side for name in _SIDE_FIELDS)


Keyframes = list[tuple[float, BodyPose]]
"""A motion: (time in seconds, pose) pairs in non-decreasing time order."""


def _to_vector(pose: BodyPose) -> np.ndarray:
    """(P,) the pose's parameters in :data:`_PARAM_NAMES` order."""
    body = [float(getattr(pose, name)) for name in _BODY_FIELDS]
    limbs = [float(getattr(pose.side(s), name)) for s in Side for name in _SIDE_FIELDS]
    return np.array(body + limbs, dtype=np.float64)


def _from_vector(values: np.ndarray) -> BodyPose:
    """The :class:`BodyPose` of a (P,) parameter vector (the inverse of :func:`_to_vector`)."""
    named = dict(zip(_PARAM_NAMES, (float(v) for v in values), strict=True))
    sides = {s: SidePose(**{name: named[f"{s.value}.{name}"] for name in _SIDE_FIELDS}) for s in Side}
    return BodyPose(**{name: named[name] for name in _BODY_FIELDS}, left=sides[Side.LEFT], right=sides[Side.RIGHT])


def blend(a: BodyPose, b: BodyPose, w: float) -> BodyPose:
    """The pose a fraction ``w`` of the way from ``a`` (0) to ``b`` (1), every parameter linearly.

    ``blend(standing, squat_bottom, 0.5)`` is a half squat; ``w`` outside [0, 1] extrapolates.
    """
    return _from_vector(_to_vector(a) + float(w) * (_to_vector(b) - _to_vector(a)))


class CameraView(enum.Enum):
    """Named camera positions; the value is the yaw in degrees (see the module docstring)."""

    FRONT = 0.0
    SIDE_FACING_LEFT = -90.0  # the person faces image-left; their left side is nearer
    SIDE_FACING_RIGHT = 90.0  # the person faces image-right; their right side is nearer
    OBLIQUE_LEFT = -45.0  # turned 45 deg from the camera towards image-left
    OBLIQUE_RIGHT = 45.0

    @property
    def yaw_deg(self) -> float:
        return float(self.value)


def _yaw_deg(view: CameraView | float) -> float:
    return view.yaw_deg if isinstance(view, CameraView) else float(view)


# --- forward kinematics (vectorised over a leading batch axis) ---------------------------------


def _vec(forward: Any, up: Any, left: Any) -> np.ndarray:
    """Stack components into (..., 3) vectors, broadcasting scalars and (n,) arrays."""
    f, u, lt = np.broadcast_arrays(np.asarray(forward, float), np.asarray(up, float), np.asarray(left, float))
    return np.stack([f, u, lt], axis=-1)


def _combine(axes: tuple[np.ndarray, np.ndarray, np.ndarray], comps: np.ndarray) -> np.ndarray:
    """(n, 3) room vectors from components ``comps`` (n, 3) along the three (n, 3) ``axes``."""
    a, b, c = axes
    return comps[..., 0:1] * a + comps[..., 1:2] * b + comps[..., 2:3] * c


# Face points relative to the ear midpoint, along (head forward, head up, person's left) in metres.
# "{s}" is LEFT or RIGHT; the lateral offset is mirrored for the right side.
_FACE_OFFSETS_M: tuple[tuple[str, float, float, float], ...] = (
    ("{s}_EYE_INNER", 0.085, 0.032, 0.016),
    ("{s}_EYE", 0.080, 0.034, 0.032),
    ("{s}_EYE_OUTER", 0.072, 0.032, 0.046),
    ("{s}_EAR", 0.0, 0.0, HEAD_WIDTH_M / 2),
    ("MOUTH_{s}", 0.085, -0.045, 0.025),
)
_NOSE_OFFSET_M = (0.105, 0.0, 0.0)
# Hand points relative to the wrist, along (forearm direction, thumb side, palm normal), metres.
_HAND_OFFSETS_M: tuple[tuple[str, float, float, float], ...] = (
    ("{s}_INDEX", 0.085, 0.02, 0.0),
    ("{s}_PINKY", 0.075, -0.025, 0.0),
    ("{s}_THUMB", 0.045, 0.04, 0.01),
)
# Foot points relative to the ankle, along (foot direction, sole normal), metres.
_FOOT_OFFSETS_M: tuple[tuple[Joint, float, float], ...] = (
    (Joint.HEEL, -0.05, -0.075),
    (Joint.FOOT_INDEX, 0.15, -0.065),
)


def _named(pattern: str, side: Side) -> Landmark:
    return Landmark[pattern.format(s=side.name)]


def _sign(side: Side) -> float:
    return 1.0 if side is Side.LEFT else -1.0


def _limb_directions(flex_rad: np.ndarray, abd_rad: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segment direction and its two normals in (forward, up, outward) components.

    The segment hangs straight down at zero, flexes forward by ``flex`` then swings outward by
    ``abd`` about the forward axis. Returns (d, b, c): d the direction; b the unit direction in
    which d moves as flexion grows (the default bend plane of the next joint); c = d x b.
    """
    d = _vec(np.sin(flex_rad), -np.cos(flex_rad) * np.cos(abd_rad), np.cos(flex_rad) * np.sin(abd_rad))
    b = _vec(np.cos(flex_rad), np.sin(flex_rad) * np.cos(abd_rad), -np.sin(flex_rad) * np.sin(abd_rad))
    return d, b, np.cross(d, b)


def _forward_kinematics_batch(params: np.ndarray) -> np.ndarray:
    """(n, P) parameter vectors -> (n, 33, 3) landmarks in the room frame (metres, hip origin)."""
    params = np.atleast_2d(np.asarray(params, dtype=np.float64))
    col = {name: params[:, i] for i, name in enumerate(_PARAM_NAMES)}
    rad = {name: np.radians(v) for name, v in col.items() if name.endswith("_deg")}
    n = params.shape[0]
    out = np.zeros((n, NUM_LANDMARKS, 3))

    # Body frame: the room pitched forward by body_pitch about the left axis.
    pitch = rad["body_pitch_deg"]
    fwd_b = _vec(np.cos(pitch), -np.sin(pitch), 0.0)
    up_b = _vec(np.sin(pitch), np.cos(pitch), 0.0)
    left_b = _vec(np.zeros(n), 0.0, 1.0)

    # Trunk: a chord along the lean; the spine arc of bend c shortens it by sin(c/2)/(c/2).
    lean, curl, twist = rad["trunk_lean_deg"], rad["spine_curl_deg"], rad["trunk_twist_deg"]
    trunk_up = np.cos(lean)[:, None] * up_b + np.sin(lean)[:, None] * fwd_b
    trunk_fwd = np.cos(lean)[:, None] * fwd_b - np.sin(lean)[:, None] * up_b
    chord_m = TRUNK_M * np.sinc(curl / (2.0 * np.pi))
    shoulder_mid = chord_m[:, None] * trunk_up
    # Twist turns the upper body about the trunk line, + towards the person's left.
    upper_fwd = np.cos(twist)[:, None] * trunk_fwd + np.sin(twist)[:, None] * left_b
    upper_left = np.cos(twist)[:, None] * left_b - np.sin(twist)[:, None] * trunk_fwd

    # Neck: the shoulder->ear line leaves the trunk line forward by neutral + curl + nod.
    neck = np.radians(NECK_NEUTRAL_DEG) + curl + rad["neck_flexion_deg"]
    neck_dir = np.cos(neck)[:, None] * trunk_up + np.sin(neck)[:, None] * upper_fwd
    ear_mid = shoulder_mid + NECK_M * neck_dir
    # Face: level when upright; it pitches down with a nod but only by half the curl, because a
    # forward head posture comes with upper-neck extension that keeps the gaze up.
    face = curl / 2.0 + rad["neck_flexion_deg"]
    head_up = np.cos(face)[:, None] * trunk_up + np.sin(face)[:, None] * upper_fwd
    head_fwd = np.cos(face)[:, None] * upper_fwd - np.sin(face)[:, None] * trunk_up
    head_axes = (head_fwd, head_up, upper_left)
    out[:, Landmark.NOSE] = ear_mid + _combine(head_axes, np.broadcast_to(np.array(_NOSE_OFFSET_M), (n, 3)))

    for side in Side:
        s = _sign(side)
        limbs = {name: rad[f"{side.value}.{name}"] for name in _SIDE_FIELDS if name.endswith("_deg")}
        for pattern, fwd, up, lateral in _FACE_OFFSETS_M:
            comps = np.broadcast_to(np.array([fwd, up, s * lateral]), (n, 3))
            out[:, _named(pattern, side)] = ear_mid + _combine(head_axes, comps)

        # Arm, in the upper-trunk frame (forward, trunk up, outward).
        arm_axes = (upper_fwd, trunk_up, s * upper_left)
        shoulder = shoulder_mid + s * (SHOULDER_WIDTH_M / 2) * upper_left
        d, b, c = _limb_directions(limbs["shoulder_flexion_deg"], limbs["shoulder_abduction_deg"])
        rot = limbs["shoulder_rotation_deg"][:, None]
        bend = np.cos(rot) * b + np.sin(rot) * c  # external rotation turns the bend plane outward/up
        elbow_flex = limbs["elbow_flexion_deg"][:, None]
        forearm = np.cos(elbow_flex) * d + np.sin(elbow_flex) * bend
        thumb_side = np.cos(elbow_flex) * bend - np.sin(elbow_flex) * d  # neutral (hammer) grip
        palm = np.cross(forearm, thumb_side)
        elbow = shoulder + UPPER_ARM_M * _combine(arm_axes, d)
        wrist = elbow + FOREARM_M * _combine(arm_axes, forearm)
        out[:, sided(Joint.SHOULDER, side)] = shoulder
        out[:, sided(Joint.ELBOW, side)] = elbow
        out[:, sided(Joint.WRIST, side)] = wrist
        hand_axes = (_combine(arm_axes, forearm), _combine(arm_axes, thumb_side), _combine(arm_axes, palm))
        for pattern, along, thumbward, palmward in _HAND_OFFSETS_M:
            comps = np.broadcast_to(np.array([along, thumbward, palmward]), (n, 3))
            out[:, _named(pattern, side)] = wrist + _combine(hand_axes, comps)

        # Leg, in the body frame (forward, up, outward); the knee bends the shank backward.
        leg_axes = (fwd_b, up_b, s * left_b)
        hip = s * (HIP_WIDTH_M / 2) * left_b
        d, b, _ = _limb_directions(limbs["hip_flexion_deg"], limbs["hip_abduction_deg"])
        knee_flex = limbs["knee_flexion_deg"][:, None]
        shank = np.cos(knee_flex) * d - np.sin(knee_flex) * b
        knee = hip + THIGH_M * _combine(leg_axes, d)
        ankle = knee + SHANK_M * _combine(leg_axes, shank)
        out[:, sided(Joint.HIP, side)] = hip
        out[:, sided(Joint.KNEE, side)] = knee
        out[:, sided(Joint.ANKLE, side)] = ankle
        foot = limbs["foot_pitch_deg"]
        foot_dir = _vec(np.cos(foot), -np.sin(foot), 0.0)
        sole_up = _vec(np.sin(foot), np.cos(foot), 0.0)
        for joint, along, normal in _FOOT_OFFSETS_M:
            out[:, sided(joint, side)] = ankle + _combine(leg_axes, along * foot_dir + normal * sole_up)

    # Heading: the whole body turns about the room's vertical, + towards the person's left.
    heading = rad["heading_deg"][:, None]
    forward, left = out[..., 0].copy(), out[..., 2].copy()
    out[..., 0] = np.cos(heading) * forward - np.sin(heading) * left
    out[..., 2] = np.sin(heading) * forward + np.cos(heading) * left
    return out


def forward_kinematics(pose: BodyPose) -> np.ndarray:
    """(33, 3) landmark positions of ``pose`` in metres in the room frame.

    Room frame: x the person's forward, y up, z the person's left; origin at the hip midpoint
    (see the module docstring). Rows are in :class:`Landmark` order.
    """
    return _forward_kinematics_batch(_to_vector(pose)[None, :])[0]


# --- projection into frames ----------------------------------------------------------------------


def _room_to_camera(yaw_deg: float) -> np.ndarray:
    """(3, 3) matrix M with ``camera = room @ M``; camera x right, y down, z away from the camera."""
    yaw = math.radians(yaw_deg)
    forward = [math.sin(yaw), 0.0, -math.cos(yaw)]
    up = [0.0, -1.0, 0.0]
    left = [math.cos(yaw), 0.0, math.sin(yaw)]
    return np.array([forward, up, left])


def _camera_tilt(pitch_deg: float, roll_deg: float) -> np.ndarray:
    """(3, 3) matrix T with ``tilted = level @ T``: camera coordinates of a camera pitched by
    ``pitch_deg`` (+ looking down) then rolled by ``roll_deg`` (+ clockwise seen from behind)
    from the level camera's coordinates (x right, y down, z away from the camera).

    The columns are the tilted camera's axes in level-camera coordinates.
    """
    p, r = math.radians(pitch_deg), math.radians(roll_deg)
    x_p, y_p, z_p = np.eye(3)[0], np.array([0.0, math.cos(p), -math.sin(p)]), np.array([0.0, math.sin(p), math.cos(p)])
    x_r = math.cos(r) * x_p + math.sin(r) * y_p
    y_r = -math.sin(r) * x_p + math.cos(r) * y_p
    return np.stack([x_r, y_r, z_p], axis=1)


def _landmark_side_sign() -> np.ndarray:
    """(33,) +1 for the person's left landmarks, -1 right, 0 midline (the nose)."""
    signs = np.zeros(NUM_LANDMARKS)
    for lm in Landmark:
        if lm.name.startswith("LEFT_") or lm.name.endswith("_LEFT"):
            signs[lm] = 1.0
        elif lm.name.startswith("RIGHT_") or lm.name.endswith("_RIGHT"):
            signs[lm] = -1.0
    return signs


_FACE_LANDMARKS = [Landmark.NOSE] + [_named(p, s) for s in Side for p, *_ in _FACE_OFFSETS_M if "EAR" not in p]


def _visibility(yaw_deg: float) -> np.ndarray:
    """(33,) visibilities for a camera at ``yaw_deg``: 0.95 facing the camera, 0.45 far side in profile."""
    yaw = math.radians(yaw_deg)
    # How much each side's lateral axis points at the camera (left side: -sin(yaw)).
    nearness = -_landmark_side_sign() * math.sin(yaw)
    vis = _NEAR_VISIBILITY - _FAR_VISIBILITY_DROP * np.maximum(0.0, -nearness)
    vis[_FACE_LANDMARKS] -= 0.6 * max(0.0, -math.cos(yaw))  # face hidden with the back to the camera
    return np.clip(vis, 0.05, 0.99)


@lru_cache(maxsize=1)
def _standing_extent_m() -> float:
    """Vertical extent (heels to eyes) of the default standing pose, metres."""
    ys = forward_kinematics(BodyPose())[:, 1]
    return float(ys.max() - ys.min())


def _ankle_mid(points: np.ndarray) -> np.ndarray:
    return (points[..., Landmark.LEFT_ANKLE, :] + points[..., Landmark.RIGHT_ANKLE, :]) / 2.0


def _hip_mid(points: np.ndarray) -> np.ndarray:
    return (points[..., Landmark.LEFT_HIP, :] + points[..., Landmark.RIGHT_HIP, :]) / 2.0


def _centre_offset_m(camera_points: np.ndarray) -> float:
    """Mean horizontal bounding-box centre relative to the ankle midpoint, metres; (n, 33, 3) in."""
    x = camera_points[..., 0] - _ankle_mid(camera_points)[..., 0:1]
    return float(np.mean((x.max(axis=-1) + x.min(axis=-1)) / 2.0))


def _render(
    params: np.ndarray,
    times_s: np.ndarray,
    *,
    yaw_deg: float,
    pitch_deg: float = 0.0,
    roll_deg: float = 0.0,
    image_size: tuple[int, int],
    centre_offset_m: float | None,
    body_fraction: float,
    jitter_px: float,
    rng: np.random.Generator | None,
    start_index: int,
) -> list[PoseFrame]:
    """Project (n, P) parameter rows at ``times_s`` into PoseFrames (vectorised over frames)."""
    width, height = image_size
    if width <= 0 or height <= 0:
        raise ValueError(f"image_size: expected positive (width, height), got {image_size}")
    if not 0.0 < body_fraction <= 1.0:
        raise ValueError(f"body_fraction: expected a fraction in (0, 1], got {body_fraction}")
    room = _forward_kinematics_batch(params)
    cam = room @ _room_to_camera(yaw_deg)
    if centre_offset_m is None:
        centre_offset_m = _centre_offset_m(cam)
    px_per_m = body_fraction * height / _standing_extent_m()
    floor_y_px = height * (0.5 + body_fraction / 2.0)

    lift = params[:, _PARAM_NAMES.index("lift_m")]
    height_above_floor = room[..., 1] - room[..., 1].min(axis=1, keepdims=True) + lift[:, None]
    x_px = width / 2.0 + px_per_m * (cam[..., 0] - _ankle_mid(cam)[:, 0:1] - centre_offset_m)
    y_px = floor_y_px - px_per_m * height_above_floor
    z_px = px_per_m * (cam[..., 2] - _hip_mid(cam)[:, 2:3])
    world = cam - _hip_mid(cam)[:, None, :]
    if pitch_deg or roll_deg:
        # The scene in the level camera's coordinates (metres, origin on the floor under the
        # ankles, whose depth stays put like their image x), seen by the tilted camera: image and
        # world landmarks turn together.
        tilt = _camera_tilt(pitch_deg, roll_deg)
        depth_m = cam[..., 2] - _ankle_mid(cam)[:, 2:3]
        level = np.stack([(x_px - width / 2.0) / px_per_m, (y_px - floor_y_px) / px_per_m, depth_m], axis=-1)
        seen = level @ tilt
        x_px = width / 2.0 + px_per_m * seen[..., 0]
        y_px = floor_y_px + px_per_m * seen[..., 1]
        z_px = px_per_m * (seen[..., 2] - _hip_mid(seen)[:, 2:3])
        world = world @ tilt
    if jitter_px > 0.0:
        if rng is None:
            raise ValueError("jitter_px > 0 needs a numpy Generator (pass seed=...)")
        noise_px = rng.normal(0.0, jitter_px, size=(*x_px.shape, 2))
        x_px = x_px + noise_px[..., 0]
        y_px = y_px + noise_px[..., 1]
        world = world.copy()
        world[..., :2] += noise_px / px_per_m  # the same error, in metres
    landmarks = np.stack([x_px / width, y_px / height, z_px / width], axis=-1)
    visibility = _visibility(yaw_deg)
    return [
        PoseFrame(
            t_s=float(t),
            index=start_index + i,
            image_size=(int(width), int(height)),
            landmarks=landmarks[i],
            visibility=visibility,
            world=world[i],
        )
        for i, t in enumerate(times_s)
    ]


def pose_to_frame(
    pose: BodyPose,
    *,
    view: CameraView | float = CameraView.SIDE_FACING_LEFT,
    image_size: tuple[int, int] = DEFAULT_IMAGE_SIZE,
    t_s: float = 0.0,
    index: int = 0,
    body_fraction: float = 0.7,
    pitch_deg: float = 0.0,
    roll_deg: float = 0.0,
) -> PoseFrame:
    """One `PoseFrame` of ``pose`` seen from ``view`` (a :class:`CameraView` or a yaw in degrees).

    The body is centred horizontally and stands on the floor line; a standing person spans
    ``body_fraction`` of the image height (seen by a level camera). ``pitch_deg`` (+ looking
    down) and ``roll_deg`` tilt the camera (see the module docstring).
    """
    return _render(
        _to_vector(pose)[None, :],
        np.array([t_s]),
        yaw_deg=_yaw_deg(view),
        pitch_deg=pitch_deg,
        roll_deg=roll_deg,
        image_size=image_size,
        centre_offset_m=None,
        body_fraction=body_fraction,
        jitter_px=0.0,
        rng=None,
        start_index=index,
    )[0]


# --- animation -----------------------------------------------------------------------------------


def _interpolate(times_s: np.ndarray, params: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """(n, P) parameters at ``t_s`` eased between keyframes with a half cosine (zero speed at each)."""
    if len(times_s) == 1:
        return np.repeat(params, len(t_s), axis=0)
    j = np.clip(np.searchsorted(times_s, t_s, side="right") - 1, 0, len(times_s) - 2)
    t0, t1 = times_s[j], times_s[j + 1]
    span = t1 - t0
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(span > 0.0, (t_s - t0) / np.where(span > 0.0, span, 1.0), 1.0)
    ease = (1.0 - np.cos(np.pi * np.clip(u, 0.0, 1.0))) / 2.0
    return params[j] + ease[:, None] * (params[j + 1] - params[j])


def animate(
    keyframes: Sequence[tuple[float, BodyPose]],
    fps: float = DEFAULT_FPS,
    *,
    view: CameraView | float = CameraView.SIDE_FACING_LEFT,
    image_size: tuple[int, int] = DEFAULT_IMAGE_SIZE,
    jitter_px: float = 0.0,
    seed: int | None = 0,
    body_fraction: float = 0.7,
    pitch_deg: float = 0.0,
    roll_deg: float = 0.0,
) -> list[PoseFrame]:
    """Frames at ``fps`` from the first keyframe's time to the last one's, inclusive.

    Every parameter eases between consecutive keyframes with a half cosine, so motion starts and
    stops smoothly at each keyframe (a keyframe is a turning point, e.g. the bottom of a squat).
    Frame ``i`` has ``t_s = t_first + i / fps`` and ``index = i``. ``jitter_px`` adds Gaussian
    noise (standard deviation in pixels) to every landmark's x and y, and the same error in
    metres to the world landmarks, drawn from ``numpy.random.default_rng(seed)``: the same seed
    gives the same frames. The ankle midpoint keeps one image x throughout, chosen so that the
    keyframes' poses are centred on average. ``pitch_deg`` (+ looking down) and ``roll_deg``
    tilt the camera (see the module docstring); the jitter is added in the tilted picture.
    """
    if not keyframes:
        raise ValueError("keyframes: expected at least one (time_s, BodyPose) pair, got none")
    if fps <= 0.0:
        raise ValueError(f"fps: expected a positive frame rate, got {fps}")
    if jitter_px < 0.0:
        raise ValueError(f"jitter_px: expected >= 0 pixels, got {jitter_px}")
    times = np.array([t for t, _ in keyframes], dtype=np.float64)
    if not np.all(np.isfinite(times)) or np.any(np.diff(times) < 0.0):
        raise ValueError(f"keyframes: expected finite, non-decreasing times in seconds, got {times.tolist()}")
    key_params = np.stack([_to_vector(pose) for _, pose in keyframes])
    yaw = _yaw_deg(view)
    n_frames = math.floor((times[-1] - times[0]) * fps + 1e-9) + 1
    t_s = times[0] + np.arange(n_frames) / fps
    centre = _centre_offset_m(_forward_kinematics_batch(key_params) @ _room_to_camera(yaw))
    return _render(
        _interpolate(times, key_params, t_s),
        t_s,
        yaw_deg=yaw,
        pitch_deg=pitch_deg,
        roll_deg=roll_deg,
        image_size=image_size,
        centre_offset_m=centre,
        body_fraction=body_fraction,
        jitter_px=jitter_px,
        rng=np.random.default_rng(seed) if jitter_px > 0.0 else None,
        start_index=0,
    )


def chain(*motions: Sequence[tuple[float, BodyPose]], transition_s: float = 0.0) -> Keyframes:
    """One motion playing ``motions`` one after another, each re-timed to follow the last.

    Each motion's own times are taken relative to its first keyframe. With ``transition_s`` 0
    a motion's first keyframe replaces the previous motion's last one (seamless when, as for
    every ready-made motion here, both are standing); otherwise the body eases from one to the
    next over ``transition_s`` seconds.
    """
    if transition_s < 0.0:
        raise ValueError(f"transition_s: expected >= 0 seconds, got {transition_s}")
    out: Keyframes = []
    for motion in motions:
        if not motion:
            continue
        t_first = motion[0][0]
        offset = 0.0 if not out else out[-1][0] + transition_s
        shifted = [(offset + t - t_first, pose) for t, pose in motion]
        if out and transition_s == 0.0:
            out.pop()
        out.extend(shifted)
    return out


def with_absence(frames: Sequence[PoseFrame], start_s: float, end_s: float) -> list[PoseFrame]:
    """A copy of ``frames`` in which frames with ``start_s <= t_s < end_s`` are absent (no person)."""
    if end_s < start_s:
        raise ValueError(f"with_absence: expected start_s <= end_s, got {start_s} > {end_s}")
    return [PoseFrame.absent(f.t_s, f.index, f.image_size) if start_s <= f.t_s < end_s else f for f in frames]


def moved(frames: Sequence[PoseFrame], dx: float, dy: float = 0.0) -> list[PoseFrame]:
    """A copy of ``frames`` with the body moved by ``dx`` image widths right and ``dy`` heights down
    (another place in the picture; world landmarks, centred on the hips, stay)."""
    shift = np.array([dx, dy, 0.0])
    return [replace(f, landmarks=f.landmarks + shift) if f.present else f for f in frames]


def passer_by(frames: Sequence[PoseFrame], other: Sequence[PoseFrame], start_s: float, end_s: float) -> list[PoseFrame]:
    """A copy of ``frames`` in which ``other``'s frame of the same index replaces it for
    ``start_s <= t_s < end_s``: a pose model that followed a second person for that time."""
    if end_s < start_s:
        raise ValueError(f"passer_by: expected start_s <= end_s, got {start_s} > {end_s}")
    covered = [f.index for f in frames if start_s <= f.t_s < end_s]
    if covered and max(covered) >= len(other):
        raise ValueError(f"passer_by: other has {len(other)} frames, expected at least {max(covered) + 1}")
    return [
        replace(other[i], t_s=f.t_s, index=f.index) if start_s <= f.t_s < end_s else f for i, f in enumerate(frames)
    ]


# --- ready-made motions (keyframes; render them with `animate`) ----------------------------------

STANDING = BodyPose()
# Forearms folded across the chest (chair stands, sit-ups, twists): the hands are out of the way.
_ARMS_CROSSED: dict[str, float] = {
    "shoulder_flexion_deg": 25.0,
    "shoulder_rotation_deg": -80.0,
    "elbow_flexion_deg": 120.0,
}


# How people hold their arms in the exercises done with the legs (squats, lunges, chair stands,
# step-ups, balance work): weights hanging at the sides, dumbbells held at the shoulders, a bar
# across the upper back, hands clasped at the chest (a goblet hold), forearms crossed, hands on the
# hips, arms reaching forward for balance. Angles against the trunk (SidePose); "at_sides" hangs the
# arms plumb whatever the trunk's lean (see :func:`with_arms`).
ARM_CARRIAGES: dict[str, dict[str, float]] = {
    "at_sides": {},
    "at_shoulders": {"shoulder_flexion_deg": 20.0, "elbow_flexion_deg": 150.0},
    "bar_on_back": {
        "shoulder_flexion_deg": -20.0,
        "shoulder_abduction_deg": 60.0,
        "shoulder_rotation_deg": 70.0,
        "elbow_flexion_deg": 140.0,
    },
    "clasped_at_chest": {"shoulder_flexion_deg": 30.0, "shoulder_rotation_deg": -50.0, "elbow_flexion_deg": 120.0},
    "crossed": _ARMS_CROSSED,
    "on_hips": {
        "shoulder_flexion_deg": -10.0,
        "shoulder_abduction_deg": 35.0,
        "shoulder_rotation_deg": -60.0,
        "elbow_flexion_deg": 110.0,
    },
    "forward": {"shoulder_flexion_deg": 90.0},
}
_ARM_FIELDS = ("shoulder_flexion_deg", "shoulder_abduction_deg", "shoulder_rotation_deg", "elbow_flexion_deg")
# Sitting on a chair: thighs level, shins upright, feet flat (the arm exercises are often done seated).
SEATED_LEGS: dict[str, float] = {"hip_flexion_deg": 90.0, "hip_abduction_deg": 0.0, "knee_flexion_deg": 90.0}


def with_arms(motion: Keyframes, carriage: str) -> Keyframes:
    """``motion`` with both arms held in ``carriage`` (a key of :data:`ARM_CARRIAGES`) throughout."""
    if carriage not in ARM_CARRIAGES:
        raise ValueError(f"carriage: expected one of {', '.join(ARM_CARRIAGES)}, got {carriage!r}")
    out: Keyframes = []
    for t, pose in motion:
        arms = {name: 0.0 for name in _ARM_FIELDS} | ARM_CARRIAGES[carriage]
        if carriage == "at_sides":
            arms["shoulder_flexion_deg"] = pose.trunk_lean_deg  # plumb
        out.append((t, _with_limbs(pose, None, **arms)))
    return out


def seated(motion: Keyframes) -> Keyframes:
    """``motion`` done sitting on a chair: both legs as :data:`SEATED_LEGS` throughout."""
    return [(t, _with_limbs(pose, None, **SEATED_LEGS)) for t, pose in motion]


def _check_reps(n: int, period_s: float) -> None:
    if n < 1:
        raise ValueError(f"n: expected at least one repetition, got {n}")
    if period_s <= 0.0:
        raise ValueError(f"period_s: expected a positive period in seconds, got {period_s}")


def standing(duration_s: float, pose: BodyPose = STANDING) -> Keyframes:
    """Holding ``pose`` (standing tall, arms by the sides) for ``duration_s`` seconds."""
    if duration_s < 0.0:
        raise ValueError(f"duration_s: expected >= 0 seconds, got {duration_s}")
    return [(0.0, pose), (float(duration_s), pose)]


def _reps(n: int, period_s: float, phases: Sequence[tuple[float, BodyPose]]) -> Keyframes:
    """``n`` repetitions of a cycle given as (fraction of the period, pose) keyframes."""
    _check_reps(n, period_s)
    out: Keyframes = []
    for rep in range(n):
        for fraction, pose in phases:
            if rep > 0 and fraction == 0.0:
                continue  # the previous rep's last keyframe is this one's first
            out.append(((rep + fraction) * period_s, pose))
    return out


def squat_pose(knee_angle_deg: float) -> BodyPose:
    """A (mini/chair) squat whose measured knee angle is ``knee_angle_deg`` (180 standing).

    Feet flat; the shank tilts forward ~0.28 of the knee flexion, the thigh takes the rest, and
    the trunk leans 0.45 of the thigh angle with a neutral spine; arms reach forward to balance.
    """
    knee = 180.0 - knee_angle_deg
    thigh = 0.72 * knee
    lean = 0.45 * thigh
    return BodyPose.symmetric(
        trunk_lean_deg=lean,
        hip_flexion_deg=thigh,
        knee_flexion_deg=knee,
        shoulder_flexion_deg=min(90.0, 1.0 * knee),
    )


def squat_reps(n: int, period_s: float = 3.0, depth_knee_deg: float = 95.0) -> Keyframes:
    """``n`` squats from standing, each ``period_s`` long with its bottom at mid-period.

    ``depth_knee_deg`` is the measured knee angle (hip-knee-ankle, 180 straight) at the bottom.
    """
    return _reps(n, period_s, [(0.0, STANDING), (0.5, squat_pose(depth_knee_deg)), (1.0, STANDING)])


def sit_to_stand_reps(n: int, period_s: float = 4.0, rise_lean_deg: float = 40.0) -> Keyframes:
    """``n`` chair stands, arms crossed on the chest, starting and ending seated.

    Seated: thighs horizontal, shanks vertical, trunk upright (hip and knee angles 90). The rise
    leans the trunk forward ``rise_lean_deg`` with a neutral spine before the seat is left, then
    extends to standing tall at 0.55 of the period; the sit-down mirrors it.
    """
    arms = _ARMS_CROSSED
    seated = BodyPose.symmetric(hip_flexion_deg=90.0, knee_flexion_deg=90.0, **arms)
    lean = BodyPose.symmetric(trunk_lean_deg=rise_lean_deg, hip_flexion_deg=90.0, knee_flexion_deg=90.0, **arms)
    lift_off = BodyPose.symmetric(
        trunk_lean_deg=0.9 * rise_lean_deg, hip_flexion_deg=60.0, knee_flexion_deg=70.0, **arms
    )
    stand = BodyPose.symmetric(**arms)
    lower = BodyPose.symmetric(trunk_lean_deg=0.8 * rise_lean_deg, hip_flexion_deg=60.0, knee_flexion_deg=70.0, **arms)
    phases = [(0.0, seated), (0.2, lean), (0.35, lift_off), (0.55, stand), (0.8, lower), (1.0, seated)]
    return _reps(n, period_s, phases)


def hip_hinge_reps(n: int, period_s: float = 4.0, rounded: bool = False, rounded_curl_deg: float = 40.0) -> Keyframes:
    """``n`` hip hinges (arms hanging plumb, as when holding a weight), bottom at mid-period.

    Neutral (``rounded=False``): the trunk leans 65 deg with spine curl 0 and soft knees, the
    movement osteoporosis guidance teaches (LIFTMOR: hip-hinged, neutral-spine lifting).
    Rounded: the hips bend less (lean 50 deg) and the back rounds by ``rounded_curl_deg``, the
    rounded-back lift to flag.
    """
    lean, curl = (50.0, rounded_curl_deg) if rounded else (65.0, 0.0)
    bottom = BodyPose.symmetric(
        trunk_lean_deg=lean,
        spine_curl_deg=curl,
        hip_flexion_deg=8.0,
        knee_flexion_deg=15.0,
        shoulder_flexion_deg=lean,  # arms hang plumb from the leaning trunk
    )
    return _reps(n, period_s, [(0.0, STANDING), (0.5, bottom), (1.0, STANDING)])


def deadlift_reps(n: int, period_s: float = 4.0, knee_angle_deg: float = 85.0, lean_deg: float = 60.0) -> Keyframes:
    """``n`` deadlifts from the floor with a neutral back: a hip hinge whose knees bend enough for the
    hands to reach a bar on the floor (measured knee angle ``knee_angle_deg``, the shank 25 deg
    forward), the trunk leaning ``lean_deg`` and the arms hanging plumb, bottom at mid-period.

    The common loaded form of the hinge; :func:`hip_hinge_reps` is its soft-knee (Romanian) form.
    """
    knee = 180.0 - knee_angle_deg
    bottom = BodyPose.symmetric(
        trunk_lean_deg=lean_deg, hip_flexion_deg=knee - 25.0, knee_flexion_deg=knee, shoulder_flexion_deg=lean_deg
    )
    return _reps(n, period_s, [(0.0, STANDING), (0.5, bottom), (1.0, STANDING)])


def toe_touch(n: int = 1, period_s: float = 5.0, spine_curl_deg: float = 60.0) -> Keyframes:
    """``n`` standing toe touches: straight knees, trunk lean 75 deg and a rounded back.

    An unsafe pattern for people with osteoporosis (end-range spinal flexion), generated so the
    flexion monitor and the recogniser have something to flag.
    """
    lean = 75.0
    bottom = BodyPose.symmetric(
        trunk_lean_deg=lean,
        spine_curl_deg=spine_curl_deg,
        hip_flexion_deg=10.0,
        knee_flexion_deg=3.0,
        shoulder_flexion_deg=lean + 0.5 * spine_curl_deg,  # reaching down towards the toes
    )
    return _reps(n, period_s, [(0.0, STANDING), (0.5, bottom), (1.0, STANDING)])


# --- the exercise library: one ready-made motion per exercise id -----------------------------------
#
# Ranges of motion are those of an older adult exercising carefully (Too Fit To Fracture style:
# slow, controlled, not to end range), stated in each docstring in the units the classifiers
# measure (joint angles 180 = straight). Every motion starts and ends in its own rest position
# (standing, seated, lying or in a plank), so copies chain seamlessly. Rep motions take the rep
# count first; holds take the hold duration. One-sided motions take a ``side`` (a Side, or None
# for both arms together).

# Ankle to shoulder along a straight body (plank, wall push-up): the body pivots about the feet.
_ANKLE_TO_SHOULDER_M = SHANK_M + THIGH_M + TRUNK_M


def _sides(side: Side | None) -> tuple[Side, ...]:
    return tuple(Side) if side is None else (side,)


def _with_limbs(pose: BodyPose, side: Side | None, **angles: float) -> BodyPose:
    """``pose`` with ``angles`` set on ``side``'s limbs, or on both sides when ``side`` is None."""
    for s in _sides(side):
        pose = pose.with_side(s, **angles)
    return pose


def _cycle(
    turn: BodyPose, rest: BodyPose = STANDING, *, up_at: float = 0.5, hold: float = 0.0
) -> list[tuple[float, BodyPose]]:
    """Phases of one rep: ``rest`` -> ``turn`` (reached at ``up_at`` of the period and held for
    ``hold`` of it) -> ``rest``."""
    at_turn = [(up_at, turn), (up_at + hold, turn)] if hold > 0.0 else [(up_at, turn)]
    return [(0.0, rest), *at_turn, (1.0, rest)]


def _hold(rest: BodyPose, held: BodyPose, duration_s: float, settle_s: float = 1.0, move_s: float = 0.4) -> Keyframes:
    """``settle_s`` at rest, ``move_s`` into ``held``, ``duration_s`` held, ``move_s`` back, ``settle_s`` at rest."""
    if duration_s < 0.0:
        raise ValueError(f"duration_s: expected >= 0 seconds, got {duration_s}")
    times = np.cumsum([0.0, settle_s, move_s, float(duration_s), move_s, settle_s])
    poses = (rest, rest, held, held, rest, rest)
    return [(float(t), pose) for t, pose in zip(times, poses, strict=True)]


def _arm_chord_m(elbow_flexion_deg: float) -> float:
    """Shoulder-to-wrist distance in metres with the elbow bent ``elbow_flexion_deg``."""
    e = math.radians(elbow_flexion_deg)
    return math.hypot(UPPER_ARM_M + FOREARM_M * math.cos(e), FOREARM_M * math.sin(e))


def _reaching_arms(chord_flexion_deg: float, elbow_flexion_deg: float) -> dict[str, float]:
    """Arm angles that point the shoulder->wrist line at ``chord_flexion_deg`` (measured as
    shoulder flexion) with the elbow bent ``elbow_flexion_deg``: the upper arm trails that line
    by the angle the bend opens, so the elbow points back (hands fixed on a wall or the floor)."""
    e = math.radians(elbow_flexion_deg)
    trail = math.degrees(math.atan2(FOREARM_M * math.sin(e), UPPER_ARM_M + FOREARM_M * math.cos(e)))
    return {"shoulder_flexion_deg": chord_flexion_deg - trail, "elbow_flexion_deg": elbow_flexion_deg}


# -- legs ------------------------------------------------------------------------------------------


def lunge_pose(side: Side = Side.LEFT) -> BodyPose:
    """The bottom of a lunge with ``side``'s foot forward: front knee 95 deg (hip flexion 60,
    shank tilted back 25 deg, foot flat), back knee 100 deg a hand's width above the floor (thigh
    10 deg behind vertical, up on the toes), trunk upright (5 deg lean)."""
    pose = BodyPose(trunk_lean_deg=5.0).with_side(side, hip_flexion_deg=60.0, knee_flexion_deg=85.0)
    return pose.with_side(side.other, hip_flexion_deg=-10.0, knee_flexion_deg=80.0, foot_pitch_deg=70.0)


def lunge_reps(n: int, period_s: float = 4.0, side: Side = Side.LEFT) -> Keyframes:
    """``n`` lunges from standing with ``side``'s foot stepping forward (knees 180 -> 95-100)."""
    return _reps(n, period_s, _cycle(lunge_pose(side)))


def step_up_reps(n: int, period_s: float = 4.0, side: Side = Side.LEFT, step_m: float = 0.15) -> Keyframes:
    """``n`` step-ups onto a ``step_m`` step leading with ``side``, stepping down backwards.

    Lead foot on the step: lead knee 115 deg (hip flexion 45, knee flexion 65), trunk lean 10;
    standing tall on the step at 0.55 of the period; the lead foot then reaches back down to the
    floor (hip -15) while the knee of the leg still on the step bends to 110 deg: to lower the
    other foot by 0.15 m the standing leg has to shorten by about that much, which takes
    ~70 deg of knee flexion (two straight legs would need a 0.88 - 0.73 m leg).
    """
    other = side.other
    on_step = (
        BodyPose(trunk_lean_deg=10.0)
        .with_side(side, hip_flexion_deg=45.0, knee_flexion_deg=65.0)
        .with_side(other, shoulder_flexion_deg=15.0)
    )
    rising = (
        BodyPose(trunk_lean_deg=10.0, lift_m=0.5 * step_m)
        .with_side(side, hip_flexion_deg=20.0, knee_flexion_deg=25.0)
        .with_side(other, hip_flexion_deg=-10.0, knee_flexion_deg=35.0)
    )
    on_top = BodyPose(lift_m=step_m)
    stepping_down = (
        BodyPose(trunk_lean_deg=15.0)
        .with_side(side, hip_flexion_deg=-15.0, knee_flexion_deg=5.0, foot_pitch_deg=20.0)
        .with_side(other, hip_flexion_deg=35.0, knee_flexion_deg=70.0)
    )
    phases = [(0.0, STANDING), (0.2, on_step), (0.4, rising), (0.55, on_top), (0.8, stepping_down), (1.0, STANDING)]
    return _reps(n, period_s, phases)


def heel_raise_reps(n: int, period_s: float = 3.0, rise_deg: float = 25.0) -> Keyframes:
    """``n`` heel raises: the feet pitch ``rise_deg`` heel-up (ankle plantarflexion 20-30 deg in
    older adults), a pause at the top, a slow lowering."""
    return _reps(n, period_s, _cycle(BodyPose.symmetric(foot_pitch_deg=rise_deg), up_at=0.35, hold=0.2))


def side_leg_raise_reps(n: int, period_s: float = 3.0, side: Side = Side.LEFT, raise_deg: float = 30.0) -> Keyframes:
    """``n`` side leg raises of ``side``'s straight leg, ``raise_deg`` out (hip abduction 20-35)."""
    return _reps(n, period_s, _cycle(BodyPose().with_side(side, hip_abduction_deg=raise_deg)))


def knee_lift_pose(side: Side, lift_deg: float = 60.0) -> BodyPose:
    """Marching: ``side``'s thigh ``lift_deg`` up (hip angle 180 - lift), knee bent 75, the
    opposite arm swinging forward 25 deg and this side's arm back 10 deg."""
    pose = BodyPose().with_side(side, hip_flexion_deg=lift_deg, knee_flexion_deg=75.0, shoulder_flexion_deg=-10.0)
    return pose.with_side(side.other, shoulder_flexion_deg=25.0)


def marching_reps(n: int, period_s: float = 1.5, side: Side = Side.LEFT, lift_deg: float = 60.0) -> Keyframes:
    """``n`` knee lifts marching on the spot, legs alternating from ``side``; one lift a period."""
    _check_reps(n, period_s)
    out: Keyframes = [(0.0, STANDING)]
    for rep in range(n):
        lifted = side if rep % 2 == 0 else side.other
        out += [((rep + 0.5) * period_s, knee_lift_pose(lifted, lift_deg)), ((rep + 1.0) * period_s, STANDING)]
    return out


# -- lying -----------------------------------------------------------------------------------------

# On the back, knees bent, feet flat (foot pitch = -body pitch keeps the sole on the floor):
# trunk-thigh angle 135 deg, knee angle 85 deg.
LYING_KNEES_BENT = BodyPose.symmetric(
    body_pitch_deg=-90.0, hip_flexion_deg=45.0, knee_flexion_deg=95.0, foot_pitch_deg=90.0
)
# Face down, arms along the sides, feet relaxed on the insteps.
LYING_FACE_DOWN = BodyPose.symmetric(body_pitch_deg=90.0, foot_pitch_deg=70.0)


def bridge_reps(n: int, period_s: float = 3.0) -> Keyframes:
    """``n`` bridges from lying on the back with bent knees (trunk-thigh angle 135 deg).

    At the top the shoulders and feet stay on the floor while the hips lift ~0.15 m: the trunk
    slopes 22 deg (body pitch -112), the thighs continue its line to a trunk-thigh angle of
    ~165 deg (older adults rarely reach a straight 180), the arms stay on the floor.
    """
    top = BodyPose.symmetric(
        body_pitch_deg=-112.0,
        hip_flexion_deg=15.0,
        knee_flexion_deg=100.0,
        foot_pitch_deg=112.0,
        shoulder_flexion_deg=-22.0,
    )
    return _reps(n, period_s, _cycle(top, LYING_KNEES_BENT, hold=0.1))


def _prone_lift(lift_deg: float) -> BodyPose:
    """Lying face down with the chest ``lift_deg`` off the floor, neck in line (looking at the floor)."""
    return replace(LYING_FACE_DOWN, trunk_lean_deg=-lift_deg)


def prone_back_extension_reps(n: int, period_s: float = 4.0, lift_deg: float = 15.0) -> Keyframes:
    """``n`` prone back extensions: the chest lifts ``lift_deg`` (10-15 deg is the gentle range;
    trunk inclination 90 -> 75 deg) with a short pause at the top."""
    return _reps(n, period_s, _cycle(_prone_lift(lift_deg), LYING_FACE_DOWN, up_at=0.4, hold=0.2))


def back_extension_hold(duration_s: float, lift_deg: float = 15.0) -> Keyframes:
    """Lying face down, the chest lifted ``lift_deg`` and held for ``duration_s`` (TTF: 3-5 s holds)."""
    return _hold(LYING_FACE_DOWN, _prone_lift(lift_deg), duration_s)


def standing_back_extension_reps(n: int, period_s: float = 4.0, extension_deg: float = 15.0) -> Keyframes:
    """``n`` standing back extensions, hands on the lower back: the trunk leans back
    ``extension_deg`` (a gentle 10-15 deg) as the hips ease 5 deg forward and the gaze lifts."""
    # Elbows out and back, palms on the lower back (wrists ~0.13 m behind the hips, 0.13 m up).
    hands_on_back = {
        "shoulder_flexion_deg": -25.0,
        "shoulder_abduction_deg": 30.0,
        "shoulder_rotation_deg": -90.0,
        "elbow_flexion_deg": 90.0,
    }
    rest = BodyPose.symmetric(**hands_on_back)
    back = BodyPose.symmetric(
        trunk_lean_deg=-extension_deg, neck_flexion_deg=-5.0, hip_flexion_deg=-5.0, **hands_on_back
    )
    return _reps(n, period_s, _cycle(back, rest, hold=0.1))


# -- arms, chest, shoulders, back ------------------------------------------------------------------


def wall_push_up_reps(
    n: int, period_s: float = 3.0, depth_elbow_deg: float = 95.0, lean_deg: float = 20.0
) -> Keyframes:
    """``n`` wall push-ups: hands on the wall at shoulder height, body straight, feet flat.

    Arms straight (elbows 170 deg) the body leans ``lean_deg`` towards the wall; bending the
    elbows to ``depth_elbow_deg`` brings the chest nearer, so the body, pivoting at the ankles,
    leans a few degrees more (~27 at 95 deg) while the hands stay on the wall.
    """
    wall_m = _ANKLE_TO_SHOULDER_M * math.sin(math.radians(lean_deg)) + _arm_chord_m(10.0)

    def pose(elbow_flexion_deg: float) -> BodyPose:
        shoulder_m = wall_m - _arm_chord_m(elbow_flexion_deg)
        pitch = math.degrees(math.asin(shoulder_m / _ANKLE_TO_SHOULDER_M))
        arms = _reaching_arms(90.0 + pitch, elbow_flexion_deg)  # the shoulder->wrist line horizontal
        return BodyPose.symmetric(body_pitch_deg=pitch, foot_pitch_deg=-pitch, **arms)

    top, bottom = pose(10.0), pose(180.0 - depth_elbow_deg)
    return _reps(n, period_s, _cycle(bottom, top))


def push_up_reps(n: int, period_s: float = 3.0, depth_elbow_deg: float = 95.0) -> Keyframes:
    """``n`` floor push-ups on the toes, hands under the shoulders, body in one straight line.

    Arms straight (elbows 170 deg) the body is pitched ~66 deg from vertical; lowering until the
    elbows reach ``depth_elbow_deg`` (elbows back along the body) brings it to ~72 deg.
    """

    def pose(elbow_flexion_deg: float) -> BodyPose:
        pitch = math.degrees(math.acos(_arm_chord_m(elbow_flexion_deg) / _ANKLE_TO_SHOULDER_M))
        return BodyPose.symmetric(body_pitch_deg=pitch, **_reaching_arms(pitch, elbow_flexion_deg))  # arms plumb

    return _reps(n, period_s, _cycle(pose(180.0 - depth_elbow_deg), pose(10.0)))


def biceps_curl_reps(n: int, period_s: float = 3.0, side: Side | None = None, top_elbow_deg: float = 55.0) -> Keyframes:
    """``n`` biceps curls with ``side``'s arm (both when None): elbow 170 -> ``top_elbow_deg``,
    the upper arm drifting 10 deg forward at the top."""
    rest = _with_limbs(STANDING, side, elbow_flexion_deg=10.0)
    top = _with_limbs(STANDING, side, elbow_flexion_deg=180.0 - top_elbow_deg, shoulder_flexion_deg=10.0)
    return _reps(n, period_s, _cycle(top, rest))


def shoulder_press_reps(
    n: int, period_s: float = 3.0, side: Side | None = None, elbows_forward: bool = False
) -> Keyframes:
    """``n`` overhead presses from the hands at the shoulders (arm out 80 deg, elbow 85 deg) to
    overhead (arm out 165 deg, elbow 165 deg): the forearm stays upright (rotation +90).

    ``elbows_forward``: the neutral-grip press, elbows in front of the body, from the hands just
    above and in front of the shoulders (arm forward 45 deg, elbow 45 deg) to overhead (arm forward
    170 deg, elbow 165 deg)."""
    if elbows_forward:
        rack = _with_limbs(STANDING, side, shoulder_flexion_deg=45.0, elbow_flexion_deg=135.0)
        up = _with_limbs(STANDING, side, shoulder_flexion_deg=170.0, elbow_flexion_deg=15.0)
        return _reps(n, period_s, _cycle(up, rack))
    rack = _with_limbs(STANDING, side, shoulder_abduction_deg=80.0, shoulder_rotation_deg=90.0, elbow_flexion_deg=95.0)
    up = _with_limbs(STANDING, side, shoulder_abduction_deg=165.0, shoulder_rotation_deg=90.0, elbow_flexion_deg=15.0)
    return _reps(n, period_s, _cycle(up, rack))


def lateral_raise_reps(n: int, period_s: float = 3.0, side: Side | None = None, raise_deg: float = 85.0) -> Keyframes:
    """``n`` lateral raises: arm(s) from 5 deg out to ``raise_deg`` (about shoulder height),
    elbows soft (10 deg)."""
    rest = _with_limbs(STANDING, side, shoulder_abduction_deg=5.0, elbow_flexion_deg=10.0)
    top = _with_limbs(STANDING, side, shoulder_abduction_deg=raise_deg, elbow_flexion_deg=10.0)
    return _reps(n, period_s, _cycle(top, rest))


def row_reps(n: int, period_s: float = 3.0, side: Side | None = None) -> Keyframes:
    """``n`` standing band rows: arm(s) reaching forward (flexion 80, elbow 170 deg) pulled back to
    the ribs (upper arm 20 deg behind the trunk, elbow 85 deg, forearm about level)."""
    reach = _with_limbs(STANDING, side, shoulder_flexion_deg=80.0, elbow_flexion_deg=10.0)
    pulled = _with_limbs(STANDING, side, shoulder_flexion_deg=-20.0, elbow_flexion_deg=95.0)
    return _reps(n, period_s, _cycle(pulled, reach, hold=0.1))


def jumping_jack_reps(n: int, period_s: float = 1.6, arms_deg: float = 150.0, legs_deg: float = 15.0) -> Keyframes:
    """``n`` jumping jacks: arms out to ``arms_deg`` overhead and each leg ``legs_deg`` out,
    with a 5 cm hop on the way out and on the way back."""
    out = BodyPose.symmetric(shoulder_abduction_deg=arms_deg, elbow_flexion_deg=10.0, hip_abduction_deg=legs_deg)
    hop = replace(blend(STANDING, out, 0.5), lift_m=0.05)
    return _reps(n, period_s, [(0.0, STANDING), (0.25, hop), (0.5, out), (0.75, hop), (1.0, STANDING)])


# -- balance holds ---------------------------------------------------------------------------------


def tandem_pose(front: Side = Side.RIGHT) -> BodyPose:
    """Feet in one line, ``front``'s heel against the other's toes: both legs 9 deg in (their
    ankles meet on the midline), 7 deg forward and back (ankles 0.21 m apart)."""
    pose = BodyPose.symmetric(hip_abduction_deg=-9.0).with_side(front, hip_flexion_deg=7.0)
    return pose.with_side(front.other, hip_flexion_deg=-7.0)


def tandem_stance(duration_s: float, front: Side = Side.RIGHT) -> Keyframes:
    """Stepping into a tandem stance (``front`` foot ahead), holding it ``duration_s``, stepping out."""
    return _hold(STANDING, tandem_pose(front), duration_s)


def single_leg_pose(side: Side = Side.LEFT) -> BodyPose:
    """Standing on ``side``'s leg, the other foot lifted ~0.13 m, a little behind (hip flexion 20,
    knee flexion 60): about 0.15 of the leg length."""
    return BodyPose().with_side(side.other, hip_flexion_deg=20.0, knee_flexion_deg=60.0)


def single_leg_stance(duration_s: float, side: Side = Side.LEFT) -> Keyframes:
    """Lifting a foot, standing on ``side``'s leg for ``duration_s``, putting it down (:func:`single_leg_pose`)."""
    return _hold(STANDING, single_leg_pose(side), duration_s)


# -- unsafe patterns (to be flagged, never coached) ------------------------------------------------


def sit_up_reps(n: int, period_s: float = 3.0, spine_curl_deg: float = 45.0) -> Keyframes:
    """``n`` full sit-ups from lying with bent knees, arms crossed: the trunk rises to 25 deg from
    vertical (lean 65 from lying) with the back rounded ``spine_curl_deg``."""
    lying = _with_limbs(LYING_KNEES_BENT, None, **_ARMS_CROSSED)
    up = replace(lying, trunk_lean_deg=65.0, spine_curl_deg=spine_curl_deg)
    return _reps(n, period_s, _cycle(up, lying))


def crunch_reps(n: int, period_s: float = 2.5, spine_curl_deg: float = 35.0) -> Keyframes:
    """``n`` crunches from lying with bent knees: the shoulders curl 30 deg off the floor (trunk
    60 deg from vertical) with the back rounded ``spine_curl_deg``."""
    lying = _with_limbs(LYING_KNEES_BENT, None, **_ARMS_CROSSED)
    up = replace(lying, trunk_lean_deg=30.0, spine_curl_deg=spine_curl_deg)
    return _reps(n, period_s, _cycle(up, lying))


def rounded_back_lift_reps(n: int, period_s: float = 4.0, spine_curl_deg: float = 40.0) -> Keyframes:
    """``n`` lifts of a low object with a rounded back and little hip bend: trunk lean 55 deg,
    knees 160 deg, back rounded ``spine_curl_deg``, arms reaching down (hip angle ~115 deg)."""
    bottom = BodyPose.symmetric(
        trunk_lean_deg=55.0,
        spine_curl_deg=spine_curl_deg,
        hip_flexion_deg=10.0,
        knee_flexion_deg=20.0,
        shoulder_flexion_deg=55.0 + 0.5 * spine_curl_deg,
    )
    return _reps(n, period_s, _cycle(bottom))


# -- twisting --------------------------------------------------------------------------------------


def trunk_twist(duration_s: float, twist_deg: float = 45.0) -> Keyframes:
    """Standing, arms crossed, feet planted: the shoulders turn ``twist_deg`` to the left over the
    pelvis in 1 s, stay there ``duration_s``, turn back in 1 s; 0.5 s standing square either side."""
    square = BodyPose.symmetric(**_ARMS_CROSSED)
    twisted = replace(square, trunk_twist_deg=twist_deg)
    return _hold(square, twisted, duration_s, settle_s=0.5, move_s=1.0)


def turn_around(turn_deg: float = 90.0, duration_s: float = 2.0, steps: int = 4, lead_deg: float = 40.0) -> Keyframes:
    """Turning the whole body ``turn_deg`` to the left on the spot in ``steps`` steps.

    The shoulders lead the pelvis by ``lead_deg`` (a trunk rotation the pelvis catches up with)
    while the feet step, one lifting (hip flexion 25, knee flexion 45) in each step: the twist of
    a turn is carried by the feet, not the spine. 0.5 s standing square before and after.
    """
    if steps < 1 or duration_s <= 0.0:
        raise ValueError(f"turn_around: expected steps >= 1 and duration_s > 0, got {steps}, {duration_s}")
    step_s = duration_s / steps
    out: Keyframes = [(0.0, STANDING), (0.5, STANDING)]
    for i in range(steps):
        t0 = 0.5 + i * step_s
        heading_mid = turn_deg * (i + 0.5) / steps
        foot = Side.LEFT if i % 2 == 0 else Side.RIGHT
        lifted = BodyPose(heading_deg=heading_mid, trunk_twist_deg=lead_deg).with_side(
            foot, hip_flexion_deg=25.0, knee_flexion_deg=45.0
        )
        landed = BodyPose(heading_deg=turn_deg * (i + 1) / steps, trunk_twist_deg=lead_deg if i < steps - 1 else 0.0)
        out += [(t0 + 0.5 * step_s, lifted), (t0 + step_s, landed)]
    out.append((out[-1][0] + 0.5, out[-1][1]))
    return out


MOTIONS: dict[str, Callable[[int], Keyframes]] = {
    # counted
    "sit_to_stand": sit_to_stand_reps,
    "squat": squat_reps,
    "lunge": lunge_reps,
    "step_up": step_up_reps,
    "heel_raise": heel_raise_reps,
    "side_leg_raise": side_leg_raise_reps,
    "marching": marching_reps,
    "bridge": bridge_reps,
    "jumping_jack": jumping_jack_reps,
    "wall_push_up": wall_push_up_reps,
    "push_up": push_up_reps,
    "biceps_curl": biceps_curl_reps,
    "shoulder_press": shoulder_press_reps,
    "lateral_raise": lateral_raise_reps,
    "row": row_reps,
    "hip_hinge": hip_hinge_reps,
    "standing_back_extension": standing_back_extension_reps,
    "prone_back_extension": prone_back_extension_reps,
    # holds: the argument is the hold's duration in seconds
    "tandem_stance": tandem_stance,
    "single_leg_stance": single_leg_stance,
    "back_extension_hold": back_extension_hold,
    # unsafe patterns
    "toe_touch": toe_touch,
    "sit_up": sit_up_reps,
    "crunch": crunch_reps,
    "rounded_back_lift": rounded_back_lift_reps,
}
"""Exercise id (:data:`spinesafe.classifiers.exercises.EXERCISES`) -> its motion as a function of
the rep count (for holds: of the hold duration in seconds), with the defaults above."""

SIDED_MOTIONS: dict[str, Callable[[int, Side], Keyframes]] = {
    "lunge": lambda n, side: lunge_reps(n, side=side),
    "step_up": lambda n, side: step_up_reps(n, side=side),
    "side_leg_raise": lambda n, side: side_leg_raise_reps(n, side=side),
    "marching": lambda n, side: marching_reps(n, side=side),
    "biceps_curl": lambda n, side: biceps_curl_reps(n, side=side),
    "shoulder_press": lambda n, side: shoulder_press_reps(n, side=side),
    "lateral_raise": lambda n, side: lateral_raise_reps(n, side=side),
    "row": lambda n, side: row_reps(n, side=side),
    "tandem_stance": lambda d, side: tandem_stance(d, front=side),
    "single_leg_stance": lambda d, side: single_leg_stance(d, side=side),
}
"""The one-sided variants: exercise id -> motion of (rep count or hold duration, the working side:
the leading, lifted or working limb; the front foot in tandem stance; the standing leg in
single-leg stance)."""


# -- common variants of library exercises (for the recogniser: people do not all do the same one) --


def incline_push_up_reps(
    n: int, period_s: float = 3.0, depth_elbow_deg: float = 95.0, bench_m: float = 0.45
) -> Keyframes:
    """``n`` incline push-ups, hands on a bench ``bench_m`` high, body straight, arms square to it.

    Between the wall push-up (~20 deg from vertical) and the floor push-up (~66-72 deg): with a
    0.45 m bench the body is pitched ~50 deg from vertical with straight arms and ~58 deg at the
    bottom (elbows ``depth_elbow_deg``).
    """

    def pose(elbow_flexion_deg: float) -> BodyPose:
        chord = _arm_chord_m(elbow_flexion_deg)
        # Shoulder height minus the arm's drop (arm square to the body) equals the bench height.
        lo, hi = 0.0, 89.0
        for _ in range(40):
            mid = (lo + hi) / 2
            p = math.radians(mid)
            height = _ANKLE_TO_SHOULDER_M * math.cos(p) - chord * math.sin(p)
            lo, hi = (mid, hi) if height > bench_m else (lo, mid)
        pitch = (lo + hi) / 2
        return BodyPose.symmetric(body_pitch_deg=pitch, **_reaching_arms(90.0, elbow_flexion_deg))

    return _reps(n, period_s, _cycle(pose(180.0 - depth_elbow_deg), pose(10.0)))


def bent_over_row_reps(
    n: int,
    period_s: float = 3.0,
    side: Side | None = None,
    lean_deg: float = 50.0,
    *,
    hip_flexion_deg: float = 8.0,
    knee_flexion_deg: float = 20.0,
    reach_deg: float | None = None,
) -> Keyframes:
    """``n`` bent-over rows (dumbbell or cable): hinged ``lean_deg`` at the hips with soft knees and
    a neutral back, arm(s) hanging plumb (elbow 170 deg) pulled up to the ribs (elbow 90 deg, the
    upper arm 15 deg behind the trunk line).

    ``hip_flexion_deg`` and ``knee_flexion_deg`` set the stance (a cable row is often pulled from
    a half squat: thighs 40 deg forward, knees 60 deg bent, trunk 30 deg); ``reach_deg`` the
    reaching arm's flexion from the trunk line (None: hanging plumb, as a dumbbell; ~70-90 to a
    cable at chest height).
    """
    hinged = BodyPose.symmetric(
        trunk_lean_deg=lean_deg, hip_flexion_deg=hip_flexion_deg, knee_flexion_deg=knee_flexion_deg
    )
    reach = lean_deg if reach_deg is None else reach_deg
    hanging = _with_limbs(hinged, side, shoulder_flexion_deg=reach, elbow_flexion_deg=10.0)
    pulled = _with_limbs(hinged, side, shoulder_flexion_deg=-15.0, elbow_flexion_deg=90.0)
    return _reps(n, period_s, _cycle(pulled, hanging, hold=0.1))


def seated_toe_touch(n: int = 1, period_s: float = 5.0, spine_curl_deg: float = 50.0) -> Keyframes:
    """``n`` seated forward bends (sit and reach): sitting on the floor with straight legs, the trunk
    leans 45 deg forward with the back rounded ``spine_curl_deg`` and the arms reaching for the toes.

    The same unsafe end-range spinal flexion as the standing toe touch.
    """
    lean = 45.0
    seated = BodyPose.symmetric(hip_flexion_deg=90.0, foot_pitch_deg=-90.0)
    reach = BodyPose.symmetric(
        trunk_lean_deg=lean,
        spine_curl_deg=spine_curl_deg,
        hip_flexion_deg=90.0,
        foot_pitch_deg=-90.0,
        shoulder_flexion_deg=lean + 0.5 * spine_curl_deg + 70.0,  # hands towards the feet
    )
    return _reps(n, period_s, _cycle(reach, seated))


def knee_up_stance(duration_s: float, side: Side = Side.LEFT) -> Keyframes:
    """Single-leg stance on ``side``'s leg with the other knee raised to hip height (hip and knee
    flexion 90), held ``duration_s``."""
    return _hold(STANDING, BodyPose().with_side(side.other, hip_flexion_deg=90.0, knee_flexion_deg=90.0), duration_s)


def tree_stance(duration_s: float, side: Side = Side.LEFT) -> Keyframes:
    """Single-leg stance on ``side``'s leg with the other knee turned out and bent, its foot by the
    standing knee (the yoga tree pose; hip abduction 50, flexion 20, knee flexion 130), held ``duration_s``."""
    lifted = BodyPose().with_side(side.other, hip_flexion_deg=20.0, hip_abduction_deg=50.0, knee_flexion_deg=130.0)
    return _hold(STANDING, lifted, duration_s)


VARIANT_MOTIONS: dict[str, tuple[Callable[[int], Keyframes], ...]] = {
    "push_up": (incline_push_up_reps, lambda n: incline_push_up_reps(n, bench_m=0.9)),  # bench; kitchen counter
    "row": (
        bent_over_row_reps,
        # a cable row from a half squat, arms reaching forward to the cable
        lambda n: bent_over_row_reps(n, lean_deg=30.0, hip_flexion_deg=40.0, knee_flexion_deg=60.0, reach_deg=80.0),
    ),
    "toe_touch": (seated_toe_touch,),
    # The library's squat is a mini squat (knees to 140 deg or less); people also squat deep.
    "squat": (lambda n: squat_reps(n, depth_knee_deg=130.0), lambda n: squat_reps(n, depth_knee_deg=60.0)),
    "hip_hinge": (deadlift_reps,),
    "single_leg_stance": (knee_up_stance, tree_stance),
    "shoulder_press": (lambda n: shoulder_press_reps(n, elbows_forward=True),),
}
"""Exercise id -> further common forms of it (as :data:`MOTIONS`, a function of the rep count)."""


__all__ = [
    "ARM_CARRIAGES",
    "LYING_FACE_DOWN",
    "LYING_KNEES_BENT",
    "MOTIONS",
    "SEATED_LEGS",
    "SIDED_MOTIONS",
    "STANDING",
    "VARIANT_MOTIONS",
    "BodyPose",
    "CameraView",
    "Keyframes",
    "SidePose",
    "animate",
    "back_extension_hold",
    "bent_over_row_reps",
    "biceps_curl_reps",
    "blend",
    "bridge_reps",
    "chain",
    "crunch_reps",
    "forward_kinematics",
    "heel_raise_reps",
    "hip_hinge_reps",
    "incline_push_up_reps",
    "jumping_jack_reps",
    "knee_lift_pose",
    "knee_up_stance",
    "lateral_raise_reps",
    "lunge_pose",
    "lunge_reps",
    "marching_reps",
    "pose_to_frame",
    "prone_back_extension_reps",
    "push_up_reps",
    "rounded_back_lift_reps",
    "row_reps",
    "seated",
    "seated_toe_touch",
    "shoulder_press_reps",
    "side_leg_raise_reps",
    "single_leg_pose",
    "single_leg_stance",
    "sit_to_stand_reps",
    "sit_up_reps",
    "squat_pose",
    "squat_reps",
    "standing",
    "standing_back_extension_reps",
    "step_up_reps",
    "tandem_pose",
    "tandem_stance",
    "toe_touch",
    "tree_stance",
    "trunk_twist",
    "turn_around",
    "wall_push_up_reps",
    "with_absence",
    "with_arms",
]
