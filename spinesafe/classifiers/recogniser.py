"""Exercise recognition from short windows of poses: which exercise, ``idle``, or an unsafe pattern.

The model is trained by :mod:`spinesafe.lab.recogniser_training` and stored as plain numpy arrays
(``models/recogniser.npz``, loaded with ``allow_pickle=False``), so loading a model file can never
run code. Inference is numpy only: standardise the window features, then a k-nearest-neighbour
vote over the stored training windows (the MediaPipe pose-classifier idea, over time). On the
corpus (leave-one-clip-out) the k-NN vote generalised from synthetic to real people better than a
small multilayer perceptron on the same features (28 vs 22 of 39 clips).

Two answers besides an exercise: ``idle`` (no exercise movement) and ``unknown``, the open-set
answer: a moving window further from every stored window than real people's windows of known
exercises are from the stored windows of that exercise (:attr:`RecogniserModel.reach`) is not
named after it. And an exercise cannot be named from a window whose defining limbs were out of view
(:data:`DEFINING_JOINTS`).

Per-frame features (:func:`frame_vectors`, vectorised over frames) are view- and size-normalised:

- image-plane landmarks (shoulders, elbows, wrists, hips, knees, ankles, heels, toes) centred
  between the hips and scaled by the trunk's length as it would show across the view (pixels per
  metre of the least foreshortened body segments, :func:`_body_scale_px`), mirrored so that the
  person always faces image-right (left/right and facing do not change the exercise);
- the :data:`~spinesafe.classifiers.features.ANGLES` joint angles in the image plane (knee, hip,
  elbow, shoulder, ankle; mirrored with the landmarks) and the trunk's inclination;
- posture in the 3-D world landmarks, which do not depend on the view: the trunk's inclination
  from vertical, whether the chest faces the floor (prone, plank, push-up: +1) or the ceiling
  (supine: sit-up, crunch, bridge: -1), whether the shoulders are stacked (lying on a side),
  the hands' distance from the feet, the more bent and the straighter knee, how far one foot is
  above the other, how far the hands are in front of the hips, and whether the feet stand one in
  front of the other or side by side.

A window's features are the mean, spread, minimum and maximum of each over ``WINDOW_S``.

The vote is held to what some exercises are by definition (:func:`allowed_classes`,
:func:`split_curl_up`): a toe touch reaches toward the feet, the standing exercises are done with
the trunk near upright, a lunge bends both knees, a hip hinge does not bend them deeply, only the
bridge and the curl-ups are done lying back, a bridge keeps a knee bent, a curl-up moves the trunk,
a curl-up is a sit-up when the trunk comes up near vertical, otherwise a crunch, and marching lifts
each knee in turn (:func:`knees_in_turn`; a knee lifted and held is a single-leg stance) with
the hips at one height (a step-up lifts them), and a side leg raise spreads the thighs. A window with
movement that fits no exercise's definition is :data:`UNKNOWN`: the definitions close the set as
well as the distances do.
"""

from __future__ import annotations

import bisect
import functools
import os
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

import numpy as np

from spinesafe.classifiers.events import Event
from spinesafe.classifiers.exercises import EXERCISES, UNSAFE_PATTERNS
from spinesafe.classifiers.features import ANGLES, MIN_VISIBILITY, lower_foot_y_px
from spinesafe.classifiers.geometry import inclination_from_vertical_deg, joint_angle_deg, segment_angle_between_deg
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Joint, Landmark, Side, sided

IDLE = "idle"
UNKNOWN = "unknown"  # the open-set answer: a movement far from every exercise the model learnt
WINDOW_S = 2.0
STRIDE_S = 0.5
MIN_FRAMES = 5  # fewer present frames in a window: no judgement (keyframe slideshows give ~6)
MODEL_FORMAT = "spinesafe.recogniser/3"
MODEL_ENV = "SPINESAFE_RECOGNISER_MODEL"  # a model file to use instead of the packaged one
# Live alarms for unsafe patterns need the unsafe classes' smoothed probability to reach this (the
# other labels need ``min_confidence``, 0.5). Chosen before measuring, as "clearly more likely
# than not"; on the corpus (leave-one-clip-out, scripts/eval_unsafe_watcher.py) it took the false
# alarms on 5.7 min of safe exercise from 3 to 1 (5.2 -> 1.7 per 10 min), recall unchanged (4/5).
UNSAFE_MIN_CONFIDENCE = 0.7

_POINTS = (Joint.SHOULDER, Joint.ELBOW, Joint.WRIST, Joint.HIP, Joint.KNEE, Joint.ANKLE, Joint.HEEL, Joint.FOOT_INDEX)
# Landmark indices as seen, and mirrored (left and right swapped) for a person facing image-left.
_BODY = np.array([sided(j, s) for j in _POINTS for s in Side])
_BODY_MIRRORED = np.array([sided(j, s.other) for j in _POINTS for s in Side])
_SIDES = {side: np.array([sided(j, side) for j in _POINTS]) for side in Side}
_HIP_ANGLES = [(sided(Joint.SHOULDER, s), sided(Joint.HIP, s), sided(Joint.KNEE, s)) for s in (Side.LEFT, Side.RIGHT)]
_LEGS_SEEN = np.array([sided(j, s) for j in (Joint.HIP, Joint.KNEE) for s in Side])
_A, _B, _C = (np.array([sided(joints[k], s) for joints in ANGLES.values() for s in Side]) for k in range(3))
_A_MIRRORED, _B_MIRRORED, _C_MIRRORED = (
    np.array([sided(joints[k], s.other) for joints in ANGLES.values() for s in Side]) for k in range(3)
)
_UP = np.array([0.0, -1.0, 0.0])  # image and world y point down
# Standardised features are capped at +-Z_CAP (set before measuring, as "five standard deviations
# is out of what was learnt"): a feature with a small spread in training can otherwise dominate
# every distance. A push-up filmed head-on foreshortens the trunk in the image, and its hip
# coordinates in trunk lengths stood 300 standard deviations out, so its nearest neighbours were
# chance (corpus, leave-one-clip-out: 35 -> 36 of 39 with the cap).
Z_CAP = 5.0
_FACING_MIN = 0.05  # toes-heels offset (in trunk lengths) below which the feet cannot tell the facing

N_POINT_COORDS = 2 * len(_BODY)
N_ANGLES = len(_A)
N_WORLD = 9  # the columns of _world_posture
# A frame vector is POSTURE_DIM posture columns (what the k-NN compares) and then one column per
# joint of _POINTS: 1 when that joint is in view on either side (visibility >= MIN_VISIBILITY).
POSTURE_DIM = N_POINT_COORDS + N_ANGLES + 1 + N_WORLD
SEEN_COLUMNS = slice(POSTURE_DIM, POSTURE_DIM + len(_POINTS))
# Then the lower foot's image y and the trunk's image length, in pixels (NaN when a foot is not
# seen): a window's rise of the lower foot above its lowest place (:func:`window_features`).
LOWER_FOOT_Y = SEEN_COLUMNS.stop
TRUNK_PX = LOWER_FOOT_Y + 1
# Then the left and the right hip's angle (shoulder-hip-knee) in the world landmarks, in degrees (NaN
# when a hip or knee is not seen): how far each thigh came up in a window (:func:`_hips_flexed`).
HIP_ANGLES = slice(TRUNK_PX + 1, TRUNK_PX + 3)
HIP_Y = HIP_ANGLES.stop  # the mid-hip's image y, in pixels
LEG_SPREAD = HIP_Y + 1  # the angle between the thighs in the world landmarks, degrees (NaN: legs not seen)
FRAME_DIM = LEG_SPREAD + 1
ANGLE_COLUMNS = slice(N_POINT_COORDS, N_POINT_COORDS + N_ANGLES)  # joint angles / 180 in a frame vector
# Columns of a frame vector read by the exercise definitions (DEFINITIONS below).
TRUNK_FROM_VERTICAL = N_POINT_COORDS + N_ANGLES + 1  # world trunk inclination / 180
CHEST_DOWN = TRUNK_FROM_VERTICAL + 1  # +1 face down, -1 face up, 0 upright
HANDS_TO_FEET = TRUNK_FROM_VERTICAL + 3  # world wrists-to-ankles distance / world trunk length
BENT_KNEE = TRUNK_FROM_VERTICAL + 4  # the more bent knee's world angle / 180
FEET_APART_HEIGHT = TRUNK_FROM_VERTICAL + 5  # world height between the ankles / world trunk length
HANDS_FORWARD = TRUNK_FROM_VERTICAL + 6  # the hand further back, forward of the hips / trunk length
STRAIGHTER_KNEE = TRUNK_FROM_VERTICAL + 7  # the straighter knee's world angle / 180
FEET_IN_LINE = TRUNK_FROM_VERTICAL + 8  # ankles apart front-to-back less side-to-side / trunk length


def _mid(points: np.ndarray, left: Landmark, right: Landmark) -> np.ndarray:
    return np.asarray((points[:, left] + points[:, right]) / 2.0)


def _world_posture(world: np.ndarray) -> np.ndarray:
    """(n, N_WORLD) posture columns from (n, 33, 3) world points: trunk inclination from vertical
    / 180, chest-to-floor, side-lying, hands-to-feet, the more bent knee / 180, height between the
    ankles, how far the hand further back is in front of the hips, the straighter knee / 180, and
    the feet in line.

    The chest direction is the trunk's forward normal (trunk up x the left-to-right axis of the
    shoulders and hips); its downward component is +1 lying face down, -1 face up, 0 upright.
    Hands-to-feet is the distance between the mid-wrist and mid-ankle points in trunk lengths:
    ~0.5-1.2 reaching for the toes, ~1.6-1.8 standing with the arms down, >= 2 in a plank or
    push-up (hands a body length from the feet). Then the more bent knee's angle, the height
    between the ankles, and how far the hand further back is in front of the hips along the
    chest direction (negative: behind the back, as when leaning back on the hands), all in
    trunk lengths; then the straighter knee's angle (both knees bent: a lunge, squat or seat); last
    how far the ankles are apart front-to-back (along the chest direction) beyond side-to-side, in
    trunk lengths: > 0 with one foot in front of the other (a tandem stance, a split stance), < 0
    side by side.
    """
    hip = _mid(world, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    shoulder = _mid(world, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    up = shoulder - hip
    across = (
        world[:, Landmark.RIGHT_SHOULDER]
        - world[:, Landmark.LEFT_SHOULDER]
        + world[:, Landmark.RIGHT_HIP]
        - world[:, Landmark.LEFT_HIP]
    )
    up_unit = up / np.linalg.norm(up, axis=1, keepdims=True)  # NaN for a degenerate trunk: zeros in the end
    across = across - np.sum(across * up_unit, axis=1, keepdims=True) * up_unit
    across /= np.linalg.norm(across, axis=1, keepdims=True)
    chest = np.cross(up_unit, across)
    inclination = segment_angle_between_deg(np.zeros_like(up), up, np.zeros_like(up), np.broadcast_to(_UP, up.shape))
    hands = _mid(world, Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST)
    feet = _mid(world, Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE)
    trunk = np.linalg.norm(up, axis=1)
    hands_to_feet = np.linalg.norm(hands - feet, axis=1) / trunk
    legs = [[sided(j, side) for j in (Joint.HIP, Joint.KNEE, Joint.ANKLE)] for side in Side]
    knees = np.stack([joint_angle_deg(world[:, hip], world[:, knee], world[:, ankle]) for hip, knee, ankle in legs])
    feet_apart = np.abs((world[:, Landmark.LEFT_ANKLE] - world[:, Landmark.RIGHT_ANKLE]) @ _UP) / trunk
    wrists = world[:, [Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST]] - hip[:, None]
    hands_forward = np.min(np.einsum("nij,nj->ni", wrists, chest), axis=1) / trunk
    columns = [inclination / 180.0, -(chest @ _UP), np.abs(across @ _UP), hands_to_feet, knees.min(axis=0) / 180.0]
    ankles = world[:, Landmark.LEFT_ANKLE] - world[:, Landmark.RIGHT_ANKLE]
    in_line = (np.abs(np.sum(ankles * chest, axis=1)) - np.abs(np.sum(ankles * across, axis=1))) / trunk
    return np.stack([*columns, feet_apart, hands_forward, knees.max(axis=0) / 180.0, in_line], axis=1)


def frame_vectors(frames: Sequence[PoseFrame]) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame embeddings of many frames at once: ((n, FRAME_DIM) vectors, (n,) which are valid).

    A frame gives no vector (its row is zeros, ``valid`` False) when nobody is in it or its
    trunk is degenerate. Vectorised over frames: this is the recogniser's per-frame cost.
    """
    n = len(frames)
    vectors = np.zeros((n, FRAME_DIM))
    present = [i for i, f in enumerate(frames) if f.present]
    valid = np.zeros(n, dtype=bool)
    if not present:
        return vectors, valid
    px = np.stack([frames[i].pixels() for i in present])
    world = np.stack([w if (w := frames[i].world) is not None else frames[i].pixels() for i in present])
    with np.errstate(invalid="ignore", divide="ignore"):  # degenerate frames are marked invalid below
        rows, ok, trunk_px = _embed(px, world)
    vectors[present, :POSTURE_DIM] = np.nan_to_num(rows, nan=0.0)
    visibility = np.stack([frames[i].visibility for i in present])
    seen = np.maximum(visibility[:, _SIDES[Side.LEFT]], visibility[:, _SIDES[Side.RIGHT]]) >= MIN_VISIBILITY
    vectors[present, SEEN_COLUMNS] = seen
    valid[present] = ok
    vectors[present, LOWER_FOOT_Y] = lower_foot_y_px(px, visibility)
    vectors[present, TRUNK_PX] = trunk_px
    vectors[present, HIP_Y] = _mid(px, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)[:, 1]
    legs_seen = np.min(visibility[:, _LEGS_SEEN], axis=1) >= MIN_VISIBILITY
    with np.errstate(invalid="ignore"):
        hips = np.stack([joint_angle_deg(world[:, a], world[:, b], world[:, c]) for a, b, c in _HIP_ANGLES], axis=1)
    vectors[present, HIP_ANGLES] = np.where(legs_seen[:, None], hips, np.nan)
    thighs = [
        world[:, Landmark.LEFT_HIP],
        world[:, Landmark.LEFT_KNEE],
        world[:, Landmark.RIGHT_HIP],
        world[:, Landmark.RIGHT_KNEE],
    ]
    with np.errstate(invalid="ignore"):
        vectors[present, LEG_SPREAD] = np.where(legs_seen, segment_angle_between_deg(*thighs), np.nan)
    vectors[~valid] = 0.0
    vectors[~valid, LOWER_FOOT_Y] = np.nan
    vectors[~valid, HIP_ANGLES] = np.nan
    vectors[~valid, LEG_SPREAD] = np.nan
    return vectors, valid


# Segments whose image length, against their length in the world landmarks, gives the picture's
# pixels per metre: the trunk, the shoulder and hip widths, thighs, shins and upper arms.
_SEGMENT_ENDS = np.array(
    [
        (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
        (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
        *((sided(Joint.HIP, s), sided(Joint.KNEE, s)) for s in Side),
        *((sided(Joint.KNEE, s), sided(Joint.ANKLE, s)) for s in Side),
        *((sided(Joint.SHOULDER, s), sided(Joint.ELBOW, s)) for s in Side),
    ]
)
# Of the nine segments' pixels per metre, the 75th percentile: a segment pointing at the camera is
# shortened in the picture (a trunk seen head-on in a plank, a thigh lifted toward the lens), and
# in any pose a few of the nine lie across the view; the percentile is that, short of the largest,
# which one segment whose world length MediaPipe misjudges would set. (Corpus, leave-one-source-out
# over synthetic seeds 1-8: the image trunk 42.5 of 49, the 60th percentile 43.4, the 75th 43.6, the
# 90th 42.6; the largest ratio 41 on the packaged seed, where the 75th percentile is 45.)
SCALE_PERCENTILE = 75.0


def _body_scale_px(flat: np.ndarray, world: np.ndarray, trunk_px: np.ndarray) -> np.ndarray:
    """(n,) the length in pixels of the person's trunk as it would show across the view: pixels per
    metre of the least foreshortened body segments (:data:`SCALE_PERCENTILE`) times the trunk's
    length in the world landmarks; never less than the trunk's image length ``trunk_px``.

    Image positions are divided by it: the image trunk alone shrinks when the trunk points at the
    camera (a push-up filmed head-on: its positions came out 2-2.5 times too large)."""
    world_shoulder = _mid(world, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    world_trunk = np.linalg.norm(world_shoulder - _mid(world, Landmark.LEFT_HIP, Landmark.RIGHT_HIP), axis=1)
    a, b = _SEGMENT_ENDS[:, 0], _SEGMENT_ENDS[:, 1]
    ratios = np.linalg.norm(flat[:, a] - flat[:, b], axis=2) / np.linalg.norm(world[:, a] - world[:, b], axis=2)
    ratios = np.concatenate([(trunk_px / world_trunk)[:, None], ratios], axis=1)
    ratios[~np.isfinite(ratios)] = 0.0  # a degenerate segment counts as pointing at the camera
    return np.fmax(np.percentile(ratios, SCALE_PERCENTILE, axis=1) * np.nan_to_num(world_trunk), trunk_px)


def _embed(px: np.ndarray, world: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, POSTURE_DIM) rows, (n,) trunk-not-degenerate and (n,) trunk length in pixels of (n, 33, 3)
    pixel and world points."""
    flat = px[:, :, :2]
    hip = _mid(flat, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    shoulder = _mid(flat, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    trunk = np.linalg.norm(shoulder - hip, axis=1)
    ok = np.isfinite(trunk) & (trunk >= 1e-3)
    pts = (flat - hip[:, None]) / _body_scale_px(flat, world, trunk)[:, None, None]
    # Mirror so that the person faces image-right: the toes point the way (the nose when the
    # feet are seen end-on, facing the camera).
    facing = _mid(pts, Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX)[:, 0]
    facing -= _mid(pts, Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL)[:, 0]
    nose = pts[:, Landmark.NOSE, 0] - _mid(pts, Landmark.LEFT_EAR, Landmark.RIGHT_EAR)[:, 0]
    mirrored = np.where(np.abs(facing) < _FACING_MIN, nose, facing) < 0
    body = np.where(mirrored[:, None, None], pts[:, _BODY_MIRRORED] * np.array([-1.0, 1.0]), pts[:, _BODY])
    angles = np.where(
        mirrored[:, None],
        joint_angle_deg(flat[:, _A_MIRRORED], flat[:, _B_MIRRORED], flat[:, _C_MIRRORED]),
        joint_angle_deg(flat[:, _A], flat[:, _B], flat[:, _C]),
    )
    inclination = inclination_from_vertical_deg(hip, shoulder)
    rows = np.concatenate(
        [body.reshape(len(px), -1), angles / 180.0, inclination[:, None] / 180.0, _world_posture(world)], axis=1
    )
    return rows, ok, trunk


def frame_vector(frame: PoseFrame) -> np.ndarray | None:
    """One frame's embedding (see :func:`frame_vectors`); None for an absent frame or a degenerate trunk."""
    vectors, valid = frame_vectors([frame])
    return vectors[0] if valid[0] else None


def window_features(vectors: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
    """Features of one window from its per-frame vectors (WINDOW_DIM): the mean, spread, minimum
    and maximum of each posture column (the first KNN_DIM, which the k-NN compares), then the
    share of frames in which each joint of the body points was in view (:data:`SEEN_COLUMNS`), the
    lower foot's rise (:data:`FOOT_RISE`), each hip's least angle (:data:`HIPS_FLEXED`), the hips'
    travel up or down (:data:`HIP_TRAVEL`) and the widest angle between the thighs
    (:data:`WIDEST_LEGS`), which the definitions read."""
    m = np.asarray(vectors)
    posture = m[:, :POSTURE_DIM]
    seen = m[:, SEEN_COLUMNS].mean(axis=0)
    stats = [posture.mean(axis=0), posture.std(axis=0), posture.min(axis=0), posture.max(axis=0), seen]
    travel = _hip_travel(m[:, HIP_Y], m[:, TRUNK_PX])
    spread = m[:, LEG_SPREAD]
    widest = float(np.max(spread[np.isfinite(spread)])) if np.isfinite(spread).mean() >= MIN_SEEN_SHARE else np.nan
    return np.concatenate(
        [*stats, [_foot_rise(m[:, LOWER_FOOT_Y], m[:, TRUNK_PX])], _hips_flexed(m[:, HIP_ANGLES]), [travel, widest]]
    )


def _foot_rise(lower_foot_y: np.ndarray, trunk_px: np.ndarray) -> float:
    """How far the lower foot rose above its lowest place in a window, in trunk lengths (NaN: the
    feet were seen in fewer than MIN_SEEN_SHARE of the frames). Both feet leave the floor only in a
    step-up (onto the step) or a jump; marching, heel raises and standing keep one on the floor."""
    seen = np.isfinite(lower_foot_y)
    if seen.mean() < MIN_SEEN_SHARE:
        return float("nan")
    return float((np.max(lower_foot_y[seen]) - np.min(lower_foot_y[seen])) / np.median(trunk_px[seen]))


def _hip_travel(hip_y: np.ndarray, trunk_px: np.ndarray) -> float:
    """How far the mid-hip moved up or down in the picture over a window, in trunk lengths."""
    return float((np.max(hip_y) - np.min(hip_y)) / np.median(trunk_px))


def _hips_flexed(hip_angles: np.ndarray) -> np.ndarray:
    """The least angle of the left and of the right hip in a window (NaN: the legs were seen in fewer
    than MIN_SEEN_SHARE of the frames)."""
    seen = np.isfinite(hip_angles[:, 0])
    if seen.mean() < MIN_SEEN_SHARE:
        return np.full(2, np.nan)
    return np.asarray(hip_angles[seen].min(axis=0))


KNN_DIM = 4 * POSTURE_DIM
SEEN_SHARES = slice(KNN_DIM, KNN_DIM + len(_POINTS))  # in window features
FOOT_RISE = SEEN_SHARES.stop
HIPS_FLEXED = slice(FOOT_RISE + 1, FOOT_RISE + 3)  # the left and the right hip's least world angle
HIP_TRAVEL = HIPS_FLEXED.stop  # how far the hips rose or fell in the picture, in trunk lengths
WIDEST_LEGS = HIP_TRAVEL + 1  # the widest angle between the thighs in a window (NaN: legs not seen)
WINDOW_DIM = WIDEST_LEGS + 1
# Where the window's spread of the joint angles lies (see IDLE_MAX_ANGLE_STD): the image-plane
# angles, and the trunk's inclination and the knees' angles in the world landmarks.
_ANGLE_STD = np.r_[
    POSTURE_DIM + ANGLE_COLUMNS.start : POSTURE_DIM + ANGLE_COLUMNS.stop,
    [POSTURE_DIM + c for c in (TRUNK_FROM_VERTICAL, BENT_KNEE, STRAIGHTER_KNEE)],
]
# A window whose joint angles (knee, hip, elbow, shoulder, ankle) all vary by less than this (in
# units of 180 deg, i.e. ~3.6 deg) shows no exercise movement: standing, resting, setting up, or
# holding a balance pose. Training labels such windows of a counted exercise idle; the open-set
# answer is never given to them (standing still in an unusual place is not an unknown exercise).
# The ankle is in the list so that heel raises are not taken for standing still. So are the trunk
# and the knees as the world landmarks measure them: a movement toward the camera hardly changes
# the angles in the picture, and a hip hinge or a back extension filmed head-on was still in
# every window, learnt as idle and answered "idle" (a front-view deadlift was "not sure"). Corpus
# windows that are still by the picture vary those three by 1.9 deg or less in 99% of them.
IDLE_MAX_ANGLE_STD = 0.02


def still(features: np.ndarray) -> np.ndarray:
    """(n,) bool: windows of (n, WINDOW_DIM) features with no exercise movement (:data:`IDLE_MAX_ANGLE_STD`)."""
    return np.asarray(np.max(np.atleast_2d(features)[:, _ANGLE_STD], axis=1) < IDLE_MAX_ANGLE_STD)


# -- what some exercises are by definition -----------------------------------------------------------
# The model learns from synthetic figures and a few real people; some exercises have a definition
# that needs no learning, and the vote is held to it (measured on the corpus, leave-one-clip-out:
# see README "Exercise recognition").
#
# A toe touch reaches toward the feet: the hands come at least as close to the ankles as when
# standing with the arms down. In the world landmarks that is <= 1.8 trunk lengths (standing,
# arms down: 1.6-1.8 on the corpus; hands at the shins ~1.0; the corpus' forward bends reach 1.07
# and 0.55), while a push-up or plank keeps the hands a body length away (>= 1.9 on the corpus,
# 2.4 in the synthetic push-up), which a front view cannot show in the image.
TOE_TOUCH_MAX_HANDS_TO_FEET = 1.8
# The exercises done standing or sitting tall (ExerciseSpec.upright) bring the trunk within 45 deg
# of vertical at least once in a 2 s window: on the corpus such windows come within 32 deg
# (lunge; squats 27), push-ups on the floor stay beyond 55 deg (the incline push-up on a high
# rack comes to 25: upright, it is told from a squat by everything else).
UPRIGHT_MAX_TRUNK_DEG = 45.0
# A step-up lifts the lower foot by the step: 15 cm, the lowest in home programmes, is 0.3 of a
# 0.5 m trunk (the same scale at any distance). With both feet on the floor the lower foot still
# moves in the picture when the feet stand at different depths: a foot 0.3 m further from a camera
# 2 m away and 1 m up shows ~0.3 trunk lengths higher (marching in the corpus: 0.26 median, 0.32 at
# the 90th percentile; heel raises 0.14). So a step-up needs 0.3, and marching and heel raises are
# ruled out only past 0.6, twice that (the corpus step-up: 0.54 at its 10th percentile, 0.86 median).
# A window where the feet were not seen (NaN) is held to neither.
STEP_UP_MIN_FOOT_RISE = 0.3
ONE_FOOT_DOWN_MAX_FOOT_RISE = 0.6
# Marching lifts each knee in turn; a single-leg stance lifts one leg and keeps it up, and a foot
# lifted behind (the knee bent, the thigh down) is not a march. A window can be marching only when
# each hip (the world trunk-thigh angle) has come to the marching spec's turn, 135 deg (a counted
# march), within MARCHING_MEMORY_S of it (before or after it in a recording; before it, live).
# - 135 deg: standing, MediaPipe reads each hip at 156 deg or more in the corpus's set-ups (margin
#   21); alternating feet lifted behind at 161 or more (26); the corpus's marches bring the lifted hip
#   to 56-90 in full windows (45), 80-115 in the keyframe march.
# - 4 s: marching on the spot runs at 60-120 steps a minute; at the slowest each knee is up once every
#   2 s, so both have been up within 4 s of any window of the march. A tree pose or a knee lifted and
#   held flexes one hip only: the corpus's tree pose (one hip at 120-132, the other 166 or more) was
#   named marching (0.97) without this.
# A run in which the legs were never judged (NaN) is held to nothing.
MARCHING_MAX_HIP_DEG = EXERCISES["marching"].turn
MARCHING_MEMORY_S = 4.0
# Marching on the spot keeps the hips at one height: the standing knee hardly bends, the hips bob by
# 2-5 cm; a step-up lifts them by the step (15 cm, 0.3 trunk lengths, is the lowest in home
# programmes). Within a window the mid-hip moves 0.2 trunk lengths (10 cm) or less in the picture.
# Corpus marches: 0.14 at most (margin 0.06); the synthetic step-up 0.32, the corpus's bench step-up 0.88.
MARCHING_MAX_HIP_TRAVEL = 0.2
# A side leg raise takes one leg out to the side: at least once in a window the angle between the
# thighs (world landmarks, which a rolled camera does not change) reaches the spec's turn, 24 deg (a
# counted raise). Standing, the corpus's thighs are 7-17 deg apart (margin 7); an older adult's raise
# of 20-35 deg puts them 25-45 apart; the corpus's side kick 90 or more. Without it the figure's heel
# raises, single-leg stances and back extensions filmed from the front with the camera rolled 10 deg
# were side leg raises (0.99-1.00): the tilted picture shows legs apart.
SIDE_LEG_RAISE_MIN_SPREAD_DEG = EXERCISES["side_leg_raise"].turn
_ONE_FOOT_DOWN = ("marching", "heel_raise", "single_leg_stance", "tandem_stance")
_UPRIGHT = frozenset(i for i, spec in EXERCISES.items() if spec.upright)
# A sit-up brings the trunk up to (near) vertical; a crunch (curl-up) lifts the shoulder blades
# and stops with the trunk well short of it (30-45 deg off the floor). A curl-up whose trunk came
# within 30 deg of vertical in the last CURL_UP_MEMORY_S is a sit-up, otherwise a crunch: the
# model decides "curl-up", the definition which one. (Corpus: sit-ups reach 0 and 12 deg, the
# ball crunch 33 deg; synthetic sit-up 24, crunch 60.)
SIT_UP_MAX_TRUNK_DEG = 30.0
# A curl-up is done lying back with the hands on the body (chest, behind the head) or reaching
# forward, never leaning back on them: a hand 0.7 trunk lengths (~35 cm) behind the back is
# propping the body up. (Corpus windows: the sit-ups and the crunch never put a hand further back
# than 0.35, hands behind the head; a seated reach-and-hip-lift leaning on one hand, 0.88-0.98 in
# every window; the synthetic curl-ups keep the hands in front, +0.16.)
CURL_UP_MIN_HANDS_FORWARD = -0.7
CURL_UP_MEMORY_S = 10.0  # three to four reps
# A curl-up lifts the shoulders off the floor: in every 2 s window the trunk comes within 75 deg
# of vertical (15 deg up from lying flat, half the smallest crunch's 30 deg lift). A bridge lifts
# the hips instead, so the trunk tilts head-down (beyond 90 deg). Corpus windows: the sit-ups and
# the ball crunch come to 59 deg or less, the synthetic crunch to 64; the bridge stays at 94 or
# more, lying flat at 90. Without it the corpus bridge was a crunch, and warned as one.
CURL_UP_MAX_TRUNK_DEG = 75.0
# A curl-up moves the trunk: within a 2 s window (at least half a rep) the trunk's inclination
# changes by 15 deg or more, half the smallest crunch's 30 deg lift (the basis of
# CURL_UP_MAX_TRUNK_DEG). Corpus windows with movement: the ball crunch changes by 23 deg or more
# in 90% of them (median 29), the sit-ups 54 or more; a seated Russian twist holds the trunk still
# while it rotates (median 10 deg, from the world model's noise), and was a sit-up (0.58-0.64).
CURL_UP_MIN_TRUNK_RANGE_DEG = 15.0
# A curl-up starts from lying on the back and a crunch never sits up past ~45 deg of recline: in
# every 2 s window the chest faces up by at least 30 deg once (chest-down column -sin(recline) at
# -0.5 or below). Corpus windows with movement: the sit-ups and the crunch reach -0.68 or lower in
# every one (synthetic: -0.94); the standing and seated exercises stay at -0.36 or above (a chair
# stand leaning back into the seat), bar a squat's frames mislaid by plates hiding the body; the
# Russian twist, reclined ~40 deg and held there, at -0.40 to -0.50. Without it a curl-up could be
# voted for a standing window whose trunk moved 15 deg, and warned about as a movement to avoid.
CURL_UP_MAX_CHEST_DOWN = -0.5
# A bridge lifts the hips from lying on the back with the knees bent and the feet flat on the
# floor (single-leg bridges keep the standing knee bent): the more bent knee stays at 130 deg or
# less throughout. Corpus windows: the bridge's more bent knee reaches 84 deg at most in 90% of
# them; a supine straight-leg raise keeps both knees at 165 or straighter, and was a bridge (1.00).
BRIDGE_MAX_BENT_KNEE_DEG = 130.0
# A bridge lifts the hips while the shoulders stay on the floor: the trunk lies at 90 deg from
# vertical or beyond (head-down as the hips rise) throughout, and a trunk that comes within 75 deg
# of vertical (15 deg up from lying flat, the curl-up's lift in CURL_UP_MAX_TRUNK_DEG) has lifted
# the shoulders: a sit-up, or sitting propped on the hands. Corpus windows: the bridge stays at 94
# deg or more (margin 19); a seated crab reach-and-hip-lift, leaning back on one hand, comes to 36-43
# deg in every window (margin 32), and the packaged model had named it a bridge (0.52).
BRIDGE_MIN_TRUNK_DEG = 75.0
# A lunge lowers the body on both legs: the back knee bends as far as the front one, so at least
# once in a 2 s window the straighter knee bends below 120 deg. Standing on one leg keeps the
# standing knee straight. (Corpus windows, world knee angles: the front-view lunge's straighter
# knee reaches 57-78 deg at the bottom of a rep, 143 in the windows between reps, which are then
# not a lunge; the single-leg stances' straighter knee stays at 138-162. A keyframe slideshow of
# alternating leg lifts was a lunge in every seed.)
LUNGE_MAX_STRAIGHTER_KNEE_DEG = 120.0
# A hip hinge folds at the hips with the knees soft; when both knees bend beyond 65 deg (115 of
# flexion) the hips have gone down, not back: a deep squat. (Corpus windows: the deadlifts'
# straighter knee stays at 72 deg or more, the conventional deadlift from the floor bending the
# knees most; deep squats reach 47-59 and were read as hip hinges. The margin on the hinge side is
# thin, 7 deg; calling a very deep deadlift a squat is the milder mistake.)
HIP_HINGE_MIN_STRAIGHTER_KNEE_DEG = 65.0
_CURL_UP = ("sit_up", "crunch")
# A tandem stance puts the feet in one line, the heel of one against the toes of the other: the
# ankles are further apart front-to-back than side-to-side (the world FEET_IN_LINE column > 0 on
# the window's mean), where standing puts them side by side. The line is the definition, not a fit:
# corpus windows of people standing still (bar the single-leg stances and lunges) stay at -0.36 or
# below (feet side by side: margin 0.36 trunk lengths, 18 cm); the synthetic tandem stance holds
# +0.41 (margin 0.41). The corpus has no real tandem stance. Without it, a synthetic person
# standing still in an oblique view was a tandem stance held (the feet weigh little among the
# k-NN's columns), and a hold would have been timed.
TANDEM_MIN_FEET_IN_LINE = 0.0
# A push-up and the prone back extensions are done face down: the chest never turns to the ceiling
# in a window (chest-down column > 0 throughout; upright is 0, lying on the back -1). Corpus
# windows: push-ups (incline on a rack to head-on) and the prone back extension stay at >= 0.40;
# lying on the back stays below -0.3. Without it a straight-leg raise lying on the back was a
# push-up (the k-NN compares shapes, and a body lying flat is one shape either way up).
_FACE_DOWN = ("push_up", "prone_back_extension", "back_extension_hold")
# The library's exercises done lying on the back are the bridge and the curl-ups: every other one is
# done upright, bent forward or face down, so a window lying back throughout (the chest facing up
# in every frame beyond -0.5, reclined more than 30 deg from vertical) can be only one of those.
# Corpus windows of the others reach -0.10 or more at least once (the synthetic standing back
# extension -0.15); the bridge, crunch and sit-ups stay at -0.49 to -0.87. A synthetic supine leg
# raise was otherwise a row (its arms lie still, the row's are not compared).
LYING_BACK_MAX_CHEST_DOWN = -0.5
_FACE_UP = ("bridge", "sit_up", "crunch")
# A toe touch, a hip hinge and a rounded-back lift fold forward over the legs: at least once in a
# window the chest turns toward the floor (chest-down column > 0). Corpus windows of toe touches
# and deadlifts reach 0.54 or more; lying on the back (bridge, crunch, a supine leg raise) stays
# at -0.3 or below. A synthetic straight-leg raise lying on the back was otherwise a toe touch.
_FOLDS_FORWARD = ("toe_touch", "hip_hinge", "rounded_back_lift")

# -- what must be in view to name an exercise ----------------------------------------------------------
# The joints whose movement or position defines each exercise (its primary signal in exercises.py
# and what tells it from its neighbours). A window can be an exercise only when each of its
# defining joints was in view, on either side, in at least MIN_SEEN_SHARE of its frames: MediaPipe
# still places landmarks it cannot see, and a seated person's guessed legs moved like a jumping
# jack's. The unsafe patterns need only the trunk (shoulders and hips): a warning must not be lost
# because the feet are out of the picture (the corpus' decline sit-up and ball crunch hide the
# ankles in 94-100% of their frames).
_ARMS = (Joint.SHOULDER, Joint.ELBOW, Joint.WRIST)
_LEGS = (Joint.HIP, Joint.KNEE, Joint.ANKLE)
DEFINING_JOINTS: dict[str, tuple[Joint, ...]] = {
    "sit_to_stand": (Joint.HIP, Joint.KNEE),  # a chair may hide the feet
    "squat": _LEGS,
    "lunge": _LEGS,
    "step_up": _LEGS,
    "heel_raise": (Joint.ANKLE, Joint.HEEL, Joint.FOOT_INDEX),
    "side_leg_raise": _LEGS,
    "marching": (Joint.HIP, Joint.KNEE),
    "bridge": (Joint.SHOULDER, Joint.HIP, Joint.KNEE),
    "jumping_jack": (*_ARMS, *_LEGS),
    "wall_push_up": _ARMS,
    "push_up": (*_ARMS, Joint.HIP),  # head-on, the body hides the legs (corpus: 94-100% of frames)
    "biceps_curl": _ARMS,
    "shoulder_press": _ARMS,
    "lateral_raise": _ARMS,
    "row": _ARMS,
    "hip_hinge": (Joint.SHOULDER, Joint.HIP, Joint.KNEE),
    "standing_back_extension": (Joint.SHOULDER, Joint.HIP),
    "prone_back_extension": (Joint.SHOULDER, Joint.HIP),
    "tandem_stance": (Joint.ANKLE, Joint.HEEL, Joint.FOOT_INDEX),
    "single_leg_stance": _LEGS,
    "back_extension_hold": (Joint.SHOULDER, Joint.HIP),
    "toe_touch": (Joint.SHOULDER, Joint.HIP),
    "sit_up": (Joint.SHOULDER, Joint.HIP),
    "crunch": (Joint.SHOULDER, Joint.HIP),
    "rounded_back_lift": (Joint.SHOULDER, Joint.HIP),
}
# "Most of the window": a joint seen in fewer than half of a window's frames was guessed, not
# seen. Corpus clips of library exercises show each defining joint in >= 0.95 of their frames
# (the front-oblique squat's ankles, 0.95); the hidden limbs of the others are at <= 0.06.
MIN_SEEN_SHARE = 0.5


def unseen_joints(features: np.ndarray) -> list[tuple[Joint, ...]]:
    """The body joints (:data:`_POINTS`) in view in fewer than :data:`MIN_SEEN_SHARE` of the frames
    of each of (n, WINDOW_DIM) windows."""
    seen = np.atleast_2d(features)[:, SEEN_SHARES] >= MIN_SEEN_SHARE
    return [tuple(j for j, ok in zip(_POINTS, row, strict=True) if not ok) for row in seen]


@functools.lru_cache(maxsize=8)
def _defining(classes: tuple[str, ...]) -> np.ndarray:
    """(len(_POINTS), n_classes) 0/1: the joints that define each class."""
    return np.array([[joint in DEFINING_JOINTS.get(name, ()) for name in classes] for joint in _POINTS], dtype=float)


def _limbs_seen(classes: Sequence[str], features: np.ndarray) -> np.ndarray:
    """(n, n_classes) bool: the defining joints of each class were in view in each window."""
    unseen = np.atleast_2d(features)[:, SEEN_SHARES] < MIN_SEEN_SHARE
    return np.asarray(unseen.astype(float) @ _defining(tuple(classes)) == 0.0)


def _posture_joints() -> list[frozenset[Joint]]:
    """The body joints (of :data:`_POINTS`) each posture column of a frame vector is measured from."""
    trunk = {Joint.SHOULDER, Joint.HIP}
    leg = {Joint.HIP, Joint.KNEE, Joint.ANKLE}
    columns: list[set[Joint]] = [{j} for j in _POINTS for _ in Side for _xy in range(2)]  # _BODY order
    columns += [set(joints) for joints in ANGLES.values() for _ in Side]
    columns.append(trunk)  # the image inclination
    # _world_posture: inclination, chest, side-lying, hands to feet, the more bent knee, feet apart,
    # hands forward, the straighter knee (the lengths in trunk lengths).
    columns += [trunk, trunk, trunk, trunk | {Joint.WRIST, Joint.ANKLE}, leg, trunk | {Joint.ANKLE}]
    columns += [trunk | {Joint.WRIST}, leg, trunk | {Joint.ANKLE}]
    assert len(columns) == POSTURE_DIM
    return [frozenset(c) for c in columns]


# The k-NN compares a window with the stored ones only in the columns measured from joints that were
# in view in it (MIN_SEEN_SHARE): MediaPipe places the landmarks it cannot see, and the legs it
# guessed for a person filmed from the waist up moved where no stored window's legs did (a lateral
# raise with the legs out of frame was a row). The distance over the compared columns is scaled to
# all of them, so that the open-set reach (a distance over all columns) still applies.
_COLUMN_JOINTS = _posture_joints() * 4  # mean, spread, minimum, maximum
_COLUMN_GROUPS = sorted(set(_COLUMN_JOINTS), key=lambda joints: sorted(j.value for j in joints))
# (KNN_DIM, n_groups) 0/1: the group of joints each k-NN column is measured from.
_GROUP_OF_COLUMN = np.array([[joints == g for g in _COLUMN_GROUPS] for joints in _COLUMN_JOINTS], dtype=np.float32)
# (n_groups, len(_POINTS)) 0/1: the joints of each group.
_GROUP_JOINTS = np.array([[j in g for j in _POINTS] for g in _COLUMN_GROUPS], dtype=np.float32)


def point_column(joint: Joint, side: Side, axis: int) -> int:
    """The frame-vector column of ``side``'s ``joint`` image coordinate (``axis`` 0: x, 1: y), for a
    person facing image-right (the mirrored side's otherwise)."""
    return 2 * int(np.flatnonzero(sided(joint, side) == _BODY)[0]) + axis


def compared_columns(features: np.ndarray) -> np.ndarray:
    """(n, KNN_DIM) bool: the k-NN columns compared for each of (n, WINDOW_DIM) windows (:func:`compared_groups`)."""
    return np.asarray(compared_groups(features).astype(np.float32) @ _GROUP_OF_COLUMN.T > 0.0)


def compared_groups(features: np.ndarray) -> np.ndarray:
    """(n, n_groups) bool: the column groups compared for each of (n, WINDOW_DIM) windows, those whose
    joints were all in view; every group for a window with none (nothing to tell them by)."""
    unseen = (np.atleast_2d(features)[:, SEEN_SHARES] < MIN_SEEN_SHARE).astype(np.float32)
    compared = unseen @ _GROUP_JOINTS.T == 0.0
    compared[~compared.any(axis=1)] = True
    return np.asarray(compared)


def _window_min(features: np.ndarray, column: int) -> np.ndarray:
    return np.asarray(np.atleast_2d(features)[:, 2 * POSTURE_DIM + column])


def _window_max(features: np.ndarray, column: int) -> np.ndarray:
    return np.asarray(np.atleast_2d(features)[:, 3 * POSTURE_DIM + column])


def allowed_classes(classes: Sequence[str], features: np.ndarray) -> np.ndarray:
    """(n, n_classes) bool: which classes each of (n, WINDOW_DIM) windows can be by definition."""
    allowed = np.ones((len(np.atleast_2d(features)), len(classes)), dtype=bool)
    if "toe_touch" in classes:
        reach = _window_min(features, HANDS_TO_FEET)
        allowed[:, classes.index("toe_touch")] = reach <= TOE_TOUCH_MAX_HANDS_TO_FEET
    if "lunge" in classes:
        knees_bent = _window_min(features, STRAIGHTER_KNEE) * 180.0 <= LUNGE_MAX_STRAIGHTER_KNEE_DEG
        allowed[:, classes.index("lunge")] = knees_bent
    if "hip_hinge" in classes:
        deep = _window_min(features, STRAIGHTER_KNEE) * 180.0 < HIP_HINGE_MIN_STRAIGHTER_KNEE_DEG
        allowed[:, classes.index("hip_hinge")] = ~deep
    face_down = _window_min(features, CHEST_DOWN) > 0.0
    lying_back = _window_max(features, CHEST_DOWN) < LYING_BACK_MAX_CHEST_DOWN
    for i, name in enumerate(classes):
        if name not in _FACE_UP and name not in (IDLE, UNKNOWN):
            allowed[:, i] &= ~lying_back
    folds = _window_max(features, CHEST_DOWN) > 0.0
    for names, ok in ((_FACE_DOWN, face_down), (_FOLDS_FORWARD, folds)):
        for name in names:
            if name in classes:
                allowed[:, classes.index(name)] &= ok
    propped = _window_min(features, HANDS_FORWARD) < CURL_UP_MIN_HANDS_FORWARD
    lifted = _window_min(features, TRUNK_FROM_VERTICAL) * 180.0 <= CURL_UP_MAX_TRUNK_DEG
    trunk_moves = (_window_max(features, TRUNK_FROM_VERTICAL) - _window_min(features, TRUNK_FROM_VERTICAL)) * 180.0
    reclines = _window_min(features, CHEST_DOWN) <= CURL_UP_MAX_CHEST_DOWN
    for name in _CURL_UP:
        if name in classes:
            allowed[:, classes.index(name)] &= (
                lifted & reclines & ~propped & (trunk_moves >= CURL_UP_MIN_TRUNK_RANGE_DEG)
            )
    if "tandem_stance" in classes:
        in_line = np.atleast_2d(features)[:, FEET_IN_LINE] > TANDEM_MIN_FEET_IN_LINE  # the window's mean
        allowed[:, classes.index("tandem_stance")] &= in_line
    if "bridge" in classes:
        knees_bent = _window_max(features, BENT_KNEE) * 180.0 <= BRIDGE_MAX_BENT_KNEE_DEG
        shoulders_down = _window_min(features, TRUNK_FROM_VERTICAL) * 180.0 >= BRIDGE_MIN_TRUNK_DEG
        allowed[:, classes.index("bridge")] &= knees_bent & shoulders_down
    if "side_leg_raise" in classes:
        spread = np.atleast_2d(features)[:, WIDEST_LEGS]
        allowed[:, classes.index("side_leg_raise")] &= ~(spread < SIDE_LEG_RAISE_MIN_SPREAD_DEG)
    if "marching" in classes:
        level = ~(np.atleast_2d(features)[:, HIP_TRAVEL] > MARCHING_MAX_HIP_TRAVEL)
        allowed[:, classes.index("marching")] &= level
    rise = np.atleast_2d(features)[:, FOOT_RISE]
    rises = [("step_up", ~(rise < STEP_UP_MIN_FOOT_RISE))]
    rises += [(name, ~(rise > ONE_FOOT_DOWN_MAX_FOOT_RISE)) for name in _ONE_FOOT_DOWN]
    for name, ok in rises:
        if name in classes:
            allowed[:, classes.index(name)] &= ok
    upright = _window_min(features, TRUNK_FROM_VERTICAL) * 180.0 <= UPRIGHT_MAX_TRUNK_DEG
    for i, name in enumerate(classes):
        if name in _UPRIGHT:
            allowed[:, i] &= upright
    return allowed & _limbs_seen(classes, features)


def upright_curl_up(classes: Sequence[str], probabilities: np.ndarray, features: np.ndarray) -> np.ndarray:
    """(n,) bool: windows the model takes for a curl-up (sit-up or crunch likeliest) in which the
    trunk came within :data:`SIT_UP_MAX_TRUNK_DEG` of vertical."""
    probs = np.atleast_2d(probabilities)
    if not all(c in classes for c in _CURL_UP):
        return np.zeros(len(probs), dtype=bool)
    curl_up = np.isin(np.argmax(probs, axis=1), [classes.index(c) for c in _CURL_UP])
    return np.asarray(curl_up & (_window_min(features, TRUNK_FROM_VERTICAL) * 180.0 <= SIT_UP_MAX_TRUNK_DEG))


def split_curl_up(classes: Sequence[str], probabilities: np.ndarray, upright: np.ndarray | bool) -> np.ndarray:
    """The curl-up family's probability given to ``sit_up`` where ``upright`` (n,) else to ``crunch``."""
    probs = np.array(np.atleast_2d(probabilities), dtype=np.float64)
    if not all(c in classes for c in _CURL_UP):
        return probs
    sit_up, crunch = (classes.index(c) for c in _CURL_UP)
    family = probs[:, sit_up] + probs[:, crunch]
    up = np.broadcast_to(np.asarray(upright, dtype=bool), family.shape)
    probs[:, sit_up] = np.where(up, family, 0.0)
    probs[:, crunch] = np.where(up, 0.0, family)
    return probs


def defined_probabilities(
    model: RecogniserModel, features: np.ndarray, times_s: Sequence[float] | None = None
) -> np.ndarray:
    """Class probabilities of a run of windows, held to the definitions above.

    With ``times_s`` (the windows' centres) a curl-up is a sit-up where an upright curl-up window
    lies within :data:`CURL_UP_MEMORY_S` before or after it; without, anywhere in the run (one
    clip or segment of one exercise).
    """
    feats = np.atleast_2d(features)
    allowed = allowed_classes(model.classes, feats)
    t = None if times_s is None else np.asarray(times_s, dtype=np.float64)
    if "marching" in model.classes:
        allowed[:, model.classes.index("marching")] &= knees_in_turn(feats, t)
    probs = model.probabilities(feats, allowed)
    upright = upright_curl_up(model.classes, probs, feats)
    if t is None:
        return split_curl_up(model.classes, probs, bool(upright.any()))
    return split_curl_up(model.classes, probs, _any_within(t, upright, CURL_UP_MEMORY_S))


def _any_within(t: np.ndarray | None, marked: np.ndarray, within_s: float) -> np.ndarray:
    """(n,) bool: some ``marked`` window lies within ``within_s`` of each of n windows at ascending
    times ``t`` (None: anywhere in the run). Cumulative counts, not an n x n matrix: an hour's
    review holds 7,200 windows."""
    if t is None:
        return np.full(len(marked), bool(np.any(marked)))
    counts = np.concatenate([[0], np.cumsum(marked)])
    after = counts[np.searchsorted(t, t + within_s, side="right")]
    return np.asarray(after > counts[np.searchsorted(t, t - within_s, side="left")])


def knees_in_turn(features: np.ndarray, times_s: np.ndarray | None = None) -> np.ndarray:
    """(n,) bool: each hip flexed to :data:`MARCHING_MAX_HIP_DEG` in some window within
    :data:`MARCHING_MEMORY_S` of each of n windows at ascending ``times_s`` (None: anywhere in the
    run), or the legs were judged in none of those windows."""
    hips = np.atleast_2d(features)[:, HIPS_FLEXED]
    lifted = [_any_within(times_s, hips[:, side] <= MARCHING_MAX_HIP_DEG, MARCHING_MEMORY_S) for side in (0, 1)]
    judged = _any_within(times_s, np.isfinite(hips[:, 0]), MARCHING_MEMORY_S)
    return np.asarray((lifted[0] & lifted[1]) | ~judged)


@dataclass(frozen=True)
class RecogniserModel:
    """A trained model as arrays: scaler, class names, the k-NN's training windows, open-set reach.

    ``scale`` holds each feature's weight in the distance too (a feature weighted w is divided by
    its spread / sqrt(w); see ``spinesafe.lab.recogniser_training.column_weights``).

    ``neighbours`` are standardised training windows (the first KNN_DIM columns of their features;
    float16 to keep the file small) with class indices ``neighbour_labels`` and vote weights.
    ``classes`` holds :data:`UNKNOWN`, which no stored window has. ``reach`` (one distance per
    class; inf: no limit) is how far from the class's nearest stored window a window may lie and
    still be named after it: a moving window that the vote gives to a class but lies further
    from all of its stored windows is :data:`UNKNOWN` instead.
    """

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    neighbours: np.ndarray
    neighbour_labels: np.ndarray
    training_hash: str = ""
    version: str = ""
    neighbour_weights: np.ndarray | None = None  # a vote's weight per stored window; None: all equal
    k: int = 5
    reach: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.neighbours)
        weights = self.neighbour_weights
        if n == 0:
            raise ValueError("a recogniser model needs k-NN training windows")
        if (
            self.mean.shape != (KNN_DIM,)
            or self.scale.shape != (KNN_DIM,)
            or self.neighbours.shape != (n, KNN_DIM)
            or len(self.neighbour_labels) != n
            or (weights is not None and weights.shape != (n,))
        ):
            raise ValueError(
                f"neighbours: expected (n, {KNN_DIM}) with n labels and weights and a ({KNN_DIM},) scaler, got "
                f"{self.neighbours.shape}, {len(self.neighbour_labels)} labels, scaler {self.mean.shape}"
            )
        if self.reach is not None and (self.reach.shape != (len(self.classes),) or not (self.reach > 0).all()):
            raise ValueError(f"reach: expected {len(self.classes)} positive distances, got {self.reach}")

    def standardised(self, features: np.ndarray) -> np.ndarray:
        """(n, KNN_DIM) standardised, capped posture part of (n, WINDOW_DIM) window features."""
        return np.clip((np.atleast_2d(features)[:, :KNN_DIM] - self.mean) / self.scale, -Z_CAP, Z_CAP)

    def probabilities(self, features: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
        """(n, n_classes) class probabilities for (n, WINDOW_DIM) window features.

        ``allowed`` (n, n_classes) bool: the classes each window may be (see :func:`allowed_classes`);
        the k-NN vote is then among the nearest stored windows of those classes. A window with
        movement (not :func:`still`) that may be no exercise at all is :data:`UNKNOWN`; in one that
        may, the votes for a class from whose every stored window it lies further than the class's
        ``reach`` go to :data:`UNKNOWN`.
        """
        feats = np.atleast_2d(features)
        d2 = self._squared_distances(feats)
        votes = self._vote(d2, allowed)
        moving = ~still(feats)
        if allowed is not None and UNKNOWN in self.classes:
            # A window with movement that fits no exercise's definition is not one the model
            # knows: its votes would otherwise go to the nearest idle windows.
            exercises = np.array([c not in (IDLE, UNKNOWN) for c in self.classes])
            fits_none = moving & ~np.asarray(allowed)[:, exercises].any(axis=1)
            votes[fits_none] = 0.0
            votes[fits_none, self.classes.index(UNKNOWN)] = 1.0
        if self.reach is not None and UNKNOWN in self.classes:
            for c in np.flatnonzero((votes[moving] > 0).any(axis=0)):  # only the classes voted for
                members = self._members[c]
                if isinstance(members, np.ndarray) and not len(members):
                    continue
                nearest = np.sqrt(np.maximum(d2[:, members].min(axis=1), 0.0))
                far = moving & (nearest > self.reach[c]) & (votes[:, c] > 0)
                votes[far, self.classes.index(UNKNOWN)] += votes[far, c]
                votes[far, c] = 0.0
        return votes

    def class_distances(self, features: np.ndarray) -> np.ndarray:
        """(n, n_classes) distance from each window to the nearest stored window of each class (inf: none)."""
        d2 = self._squared_distances(np.atleast_2d(features))
        out = np.full((len(d2), len(self.classes)), np.inf)
        for c, members in enumerate(self._members):
            if not isinstance(members, np.ndarray) or len(members):
                out[:, c] = np.sqrt(np.maximum(d2[:, members].min(axis=1), 0.0))
        return out

    @cached_property
    def _stored(self) -> tuple[np.ndarray, np.ndarray]:
        """The stored windows as float32 and their squared norms (distances by one matrix product)."""
        stored = self.neighbours.astype(np.float32)
        return stored, np.einsum("ij,ij->i", stored, stored)

    @cached_property
    def _stored_group_sq(self) -> np.ndarray:
        """(n_stored, n_groups) each stored window's sum of squares in each column group."""
        stored, _ = self._stored
        return np.asarray((stored * stored) @ _GROUP_OF_COLUMN)

    def _squared_distances(self, features: np.ndarray) -> np.ndarray:
        """(n, n_stored) squared distances from (n, WINDOW_DIM) windows to the stored ones, over the
        columns compared for each window (:func:`compared_groups`), scaled to all the columns."""
        x = self.standardised(features).astype(np.float32)
        stored, stored_sq = self._stored
        d2 = stored_sq[None, :] - 2.0 * (x @ stored.T) + np.einsum("ij,ij->i", x, x)[:, None]
        groups = compared_groups(features)
        partial = np.flatnonzero(~groups.all(axis=1))
        if len(partial):
            columns = groups[partial].astype(np.float32) @ _GROUP_OF_COLUMN.T  # (p, KNN_DIM) 0/1
            q = x[partial] * columns
            part = np.einsum("ij,ij->i", q, q)[:, None] - 2.0 * (q @ stored.T)
            part += groups[partial].astype(np.float32) @ self._stored_group_sq.T
            d2[partial] = part * (KNN_DIM / columns.sum(axis=1))[:, None]
        return d2

    @cached_property
    def _members(self) -> list[slice | np.ndarray]:
        """Each class's stored windows: a slice when they are stored together (training stores them
        in class order, so that the open-set check reads a view, not a copy), else their indices."""
        out: list[slice | np.ndarray] = []
        for c in range(len(self.classes)):
            rows = np.flatnonzero(self.neighbour_labels == c)
            contiguous = len(rows) and rows[-1] - rows[0] + 1 == len(rows)
            out.append(slice(int(rows[0]), int(rows[-1]) + 1) if contiguous else rows)
        return out

    def _vote(self, d2: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
        """Weighted share of each class among the ``k`` nearest stored windows (Euclidean, standardised)
        of the ``allowed`` classes, from the (n, n_stored) squared distances less the windows' own norms."""
        n, n_stored = d2.shape
        if allowed is not None:
            d2 = np.where(np.asarray(allowed)[:, self.neighbour_labels], d2, np.inf)
        k = min(self.k, n_stored)
        nearest = np.argpartition(d2, k - 1, axis=1)[:, :k]
        weight = np.ones(n_stored) if self.neighbour_weights is None else self.neighbour_weights
        counted = weight[nearest] * np.isfinite(np.take_along_axis(d2, nearest, axis=1))  # not a barred class
        votes = np.zeros((n, len(self.classes)))
        np.add.at(votes, (np.repeat(np.arange(n), k), self.neighbour_labels[nearest].ravel()), counted.ravel())
        return np.asarray(votes / np.maximum(votes.sum(axis=1, keepdims=True), 1e-12))

    def save(self, path: str | Path) -> None:
        arrays: dict[str, np.ndarray] = {
            "format": np.array(MODEL_FORMAT),
            "classes": np.array(self.classes),
            "mean": self.mean,
            "scale": self.scale,
            "training_hash": np.array(self.training_hash),
            "version": np.array(self.version),
            "neighbours": self.neighbours.astype(np.float16),
            "neighbour_labels": self.neighbour_labels.astype(np.int16),
            "neighbour_weights": (
                np.ones(len(self.neighbours)) if self.neighbour_weights is None else self.neighbour_weights
            ).astype(np.float32),
            "k": np.array(self.k),
            "reach": np.full(len(self.classes), np.inf) if self.reach is None else self.reach,
        }
        with Path(path).open("wb") as handle:
            np.savez_compressed(handle, **arrays)

    @classmethod
    def load(cls, path: str | Path | None = None) -> RecogniserModel:
        """Load a model; without a path, the file named by ``SPINESAFE_RECOGNISER_MODEL`` (a model
        trained on this machine, ``train-recogniser --with-people``) or else the one shipped in the package."""
        path = path or os.environ.get(MODEL_ENV) or None
        source = resources.files("spinesafe.classifiers") / "models" / "recogniser.npz" if path is None else Path(path)
        with source.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            if "format" not in data.files or str(data["format"]) != MODEL_FORMAT:
                raise ValueError(f"{source}: not a {MODEL_FORMAT} model")
            required = {"classes", "mean", "scale", "training_hash", "version", "neighbours", "neighbour_labels"}
            missing = (required | {"neighbour_weights", "k", "reach"}) - set(data.files)
            if missing:
                raise ValueError(f"{source}: model file lacks {', '.join(sorted(missing))}")
            return cls(
                classes=tuple(str(c) for c in data["classes"]),
                mean=data["mean"].astype(np.float64),
                scale=data["scale"].astype(np.float64),
                training_hash=str(data["training_hash"]),
                version=str(data["version"]),
                neighbours=data["neighbours"].astype(np.float16),
                neighbour_labels=data["neighbour_labels"].astype(np.int64),
                neighbour_weights=data["neighbour_weights"].astype(np.float64),
                k=int(data["k"]),
                reach=data["reach"].astype(np.float64),
            )


@dataclass(frozen=True)
class Recognition(Event):
    """What the person is doing over the last window. ``label`` is ``"unsure"`` below the confidence bar.
    ``window_s``: the seconds of frames the window held (less than :data:`WINDOW_S` in the first
    seconds of watching, when it is judged from what there is)."""

    label: str
    confidence: float
    probabilities: dict[str, float]
    window_s: float = WINDOW_S


UNSURE = "unsure"


def decide(
    classes: Sequence[str],
    probabilities: np.ndarray,
    min_confidence: float = 0.5,
    unsafe_min_confidence: float = UNSAFE_MIN_CONFIDENCE,
) -> tuple[str, float]:
    """The label and confidence of one set of (smoothed) class probabilities.

    When the unsafe patterns together reach ``unsafe_min_confidence``: the likeliest of them, with
    their summed probability. Otherwise the best class when it is a safe one (or ``idle``) at
    ``min_confidence`` or more, else ``"unsure"``.
    """
    probs = np.asarray(probabilities, dtype=np.float64)
    unsafe = np.array([c in UNSAFE_PATTERNS for c in classes])
    family = float(probs[unsafe].sum())
    if family >= unsafe_min_confidence:
        return classes[int(np.argmax(np.where(unsafe, probs, -1.0)))], family
    best = int(np.argmax(probs))
    confidence = float(probs[best])
    if unsafe[best] or confidence < min_confidence:
        return UNSURE, confidence
    return classes[best], confidence


class ExerciseRecogniser:
    """Windows of poses -> recognised exercise, smoothed with an exponential moving average.

    ``update`` is called every frame; every ``STRIDE_S`` it classifies the last ``WINDOW_S`` and
    returns a :class:`Recognition` (EMA over windows, alpha 0.5, as MediaPipe's pose classifier
    smooths its k-NN output). Below ``min_confidence`` the label is ``"unsure"``.

    Unsafe patterns are decided as a family and need more evidence: when the unsafe classes
    together reach ``unsafe_min_confidence`` the label is the likeliest of them (a sit-up taken
    for a crunch is still flagged) and ``confidence`` is the family's probability; an unsafe
    class that wins with less is ``"unsure"``. A false alarm tells someone doing a safe exercise
    that they are harming themselves, so the bar is higher than for naming a safe exercise.
    """

    def __init__(
        self,
        model: RecogniserModel | None = None,
        min_confidence: float = 0.5,
        unsafe_min_confidence: float = UNSAFE_MIN_CONFIDENCE,
    ) -> None:
        self.model = model or RecogniserModel.load()
        self.min_confidence = min_confidence
        self.unsafe_min_confidence = unsafe_min_confidence
        self._frames: deque[tuple[float, np.ndarray]] = deque()
        self._pending: list[PoseFrame] = []  # embedded in one batch when the next window is due
        self.reset()

    def reset(self) -> None:
        self._frames.clear()
        self._pending.clear()
        self._ema: np.ndarray | None = None
        self._next_s = WINDOW_S / 2
        self._upright_curl_up_s = -np.inf  # the last window of a curl-up with the trunk upright
        self._recent: deque[tuple[float, np.ndarray]] = deque()  # the windows of the last MARCHING_MEMORY_S

    def update(self, frame: PoseFrame) -> list[Event]:
        t = frame.t_s
        if frame.present:
            self._pending.append(frame)
        if t < self._next_s:
            return []
        self._next_s = t + STRIDE_S
        if self._pending:
            vectors, valid = frame_vectors(self._pending)
            self._frames.extend((f.t_s, v) for f, v, ok in zip(self._pending, vectors, valid, strict=True) if ok)
            self._pending.clear()
        while self._frames and self._frames[0][0] < t - WINDOW_S:
            self._frames.popleft()
        if len(self._frames) < MIN_FRAMES:
            return []
        feats = window_features([v for _, v in self._frames])[None, :]
        allowed = allowed_classes(self.model.classes, feats)
        self._recent.append((t, feats[0]))
        while self._recent[0][0] < t - MARCHING_MEMORY_S:
            self._recent.popleft()
        if "marching" in self.model.classes:
            recent = np.array([f for _, f in self._recent])
            allowed[:, self.model.classes.index("marching")] &= knees_in_turn(recent)[-1]
        probs = self.model.probabilities(feats, allowed)
        if upright_curl_up(self.model.classes, probs, feats)[0]:
            self._upright_curl_up_s = t
        probs = split_curl_up(self.model.classes, probs, t - self._upright_curl_up_s <= CURL_UP_MEMORY_S)[0]
        self._ema = probs if self._ema is None else 0.5 * self._ema + 0.5 * probs
        label, confidence = decide(self.model.classes, self._ema, self.min_confidence, self.unsafe_min_confidence)
        return [
            Recognition(
                t,
                label=label,
                confidence=confidence,
                probabilities={c: float(p) for c, p in zip(self.model.classes, self._ema, strict=True)},
                window_s=self._frames[-1][0] - self._frames[0][0],
            )
        ]


@dataclass(frozen=True)
class TimedWindow:
    """One recogniser window: its centre ``t_s`` and features (None: too few frames with a person)."""

    t_s: float
    features: np.ndarray | None


def timed_windows(
    frames: Sequence[PoseFrame], window_s: float = WINDOW_S, stride_s: float = STRIDE_S
) -> list[TimedWindow]:
    """Windows over a whole recording, from the first frame with a person, every ``stride_s``, with
    their times; a window with too few present frames has ``features=None``."""
    vectors, valid = frame_vectors(frames)  # batched: ~0.02 ms/frame against ~0.5 one by one
    present = [(f.t_s, v) for f, v, ok in zip(frames, vectors, valid, strict=True) if ok]
    if not present:
        return []
    times = [t for t, _ in present]
    start, end = times[0], times[-1]
    out: list[TimedWindow] = []
    t0 = start
    while True:
        lo = bisect.bisect_left(times, t0)
        hi = bisect.bisect_left(times, t0 + window_s)
        chunk = [v for _, v in present[lo:hi]]
        features = window_features(chunk) if len(chunk) >= MIN_FRAMES else None
        out.append(TimedWindow(t0 + window_s / 2, features))
        t0 += stride_s
        if t0 + window_s > end + 1e-9:
            break
    return out


def windows(frames: Sequence[PoseFrame], window_s: float = WINDOW_S, stride_s: float = STRIDE_S) -> list[np.ndarray]:
    """Window features over a whole recording (for training and clip-level recognition)."""
    return [w.features for w in timed_windows(frames, window_s, stride_s) if w.features is not None]


@dataclass(frozen=True)
class ClipRecognition:
    """The exercise of a whole recording: best label (an exercise id, :data:`UNKNOWN` or
    :data:`IDLE`), its share of the probability, and whether to trust it. ``unseen`` names the body
    joints (``"knee"``, ``"ankle"`` ...) out of view in most of the windows judged: the exercises
    they define (:data:`DEFINING_JOINTS`) could not be named."""

    label: str
    confidence: float
    sure: bool
    unseen: tuple[str, ...] = ()


def recognise_clip(model: RecogniserModel, frames: Sequence[PoseFrame], min_confidence: float = 0.5) -> ClipRecognition:
    """The exercise of a whole recording (see :func:`recognise_windows`)."""
    return recognise_windows(model, windows(frames), min_confidence)


def recognise_windows(
    model: RecogniserModel, feats: Sequence[np.ndarray], min_confidence: float = 0.5
) -> ClipRecognition:
    """The class with the highest mean probability over the windows not judged idle.

    :data:`UNKNOWN` (the open-set answer, "not one I know") when it holds the largest share of that
    probability, a plurality: requiring a majority named one more corpus clip right for a new
    person (a side-view dumbbell press) but named the crab reach a bridge at 0.58, the very mistake
    the open set is for.
    ``sure`` is False below ``min_confidence`` or when every window looks idle: callers say "not
    sure" instead of presenting the guess as fact.
    """
    if not len(feats):
        return ClipRecognition(label=IDLE, confidence=0.0, sure=False)
    x = np.asarray(feats)
    probs = defined_probabilities(model, x)
    idle = model.classes.index(IDLE) if IDLE in model.classes else -1
    moving = np.argmax(probs, axis=1) != idle if idle >= 0 else np.ones(len(probs), dtype=bool)
    judged = x[moving] if moving.any() else x
    hidden = np.mean([[j in joints for j in _POINTS] for joints in unseen_joints(judged)], axis=0) > 0.5
    unseen = tuple(j.value.lower() for j, out in zip(_POINTS, hidden, strict=True) if out)
    if not moving.any():
        return ClipRecognition(label=IDLE, confidence=float(probs[:, idle].mean()), sure=False, unseen=unseen)
    mean = probs[moving].mean(axis=0)
    if idle >= 0:
        mean[idle] = 0.0
    best = int(np.argmax(mean))
    confidence = float(mean[best] / max(float(mean.sum()), 1e-9))
    return ClipRecognition(model.classes[best], confidence, sure=confidence >= min_confidence, unseen=unseen)
