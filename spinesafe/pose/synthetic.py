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
* **World landmarks** (``PoseFrame.world``): camera-aligned as MediaPipe gives them (x image-right,
  y down, z away from the camera), metres, origin at the hip midpoint.
* **Image**: a standing person's landmarks (heels to eyes) span ``body_fraction`` (0.7) of the
  image height, centred; the lowest landmark rests on a fixed floor line (``BodyPose.lift_m``
  above it for jumps); the ankle midpoint stays at one image x for a whole animation, so planted
  feet do not slide while the hips move.

The stick figure is a model, not a person: joints are hinges of fixed-length segments, the spine
is one circular arc, the projection is orthographic, and visibilities are fixed per view (0.95
near side, down to 0.45 for the far side in a pure side view).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
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
        lift_m: height of the lowest landmark above the floor in metres (jumps); 0 on the floor.
        left, right: the arm and leg angles of each side.
    """

    trunk_lean_deg: float = 0.0
    spine_curl_deg: float = 0.0
    neck_flexion_deg: float = 0.0
    trunk_twist_deg: float = 0.0
    body_pitch_deg: float = 0.0
    lift_m: float = 0.0
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
) -> PoseFrame:
    """One `PoseFrame` of ``pose`` seen from ``view`` (a :class:`CameraView` or a yaw in degrees).

    The body is centred horizontally and stands on the floor line; a standing person spans
    ``body_fraction`` of the image height.
    """
    return _render(
        _to_vector(pose)[None, :],
        np.array([t_s]),
        yaw_deg=_yaw_deg(view),
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
) -> list[PoseFrame]:
    """Frames at ``fps`` from the first keyframe's time to the last one's, inclusive.

    Every parameter eases between consecutive keyframes with a half cosine, so motion starts and
    stops smoothly at each keyframe (a keyframe is a turning point, e.g. the bottom of a squat).
    Frame ``i`` has ``t_s = t_first + i / fps`` and ``index = i``. ``jitter_px`` adds Gaussian
    noise (standard deviation in pixels) to every landmark's x and y, and the same error in
    metres to the world landmarks, drawn from ``numpy.random.default_rng(seed)``: the same seed
    gives the same frames. The ankle midpoint keeps one image x throughout, chosen so that the
    keyframes' poses are centred on average.
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


# --- ready-made motions (keyframes; render them with `animate`) ----------------------------------

STANDING = BodyPose()


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
    arms = {"shoulder_flexion_deg": 25.0, "shoulder_rotation_deg": -80.0, "elbow_flexion_deg": 120.0}
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


__all__ = [
    "STANDING",
    "BodyPose",
    "CameraView",
    "Keyframes",
    "SidePose",
    "animate",
    "chain",
    "forward_kinematics",
    "hip_hinge_reps",
    "pose_to_frame",
    "sit_to_stand_reps",
    "squat_pose",
    "squat_reps",
    "standing",
    "toe_touch",
    "with_absence",
]
