"""The synthetic stick figure, judged by the same feature code that judges real poses."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinesafe.classifiers.features import FrameFeatures, View, compute_features
from spinesafe.classifiers.geometry import joint_angle_deg
from spinesafe.lab.synthetic import (
    FOREARM_M,
    SHANK_M,
    THIGH_M,
    TRUNK_M,
    UPPER_ARM_M,
    BodyPose,
    CameraView,
    animate,
    chain,
    forward_kinematics,
    hip_hinge_reps,
    pose_to_frame,
    sit_to_stand_reps,
    squat_reps,
    standing,
    toe_touch,
    with_absence,
)
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Joint, Landmark, Side, sided

SIDE = CameraView.SIDE_FACING_LEFT


def features(pose: BodyPose, view: CameraView | float = SIDE) -> FrameFeatures:
    return compute_features(pose_to_frame(pose, view=view))


def series(frames: list[PoseFrame], get: Callable[[FrameFeatures], float]) -> np.ndarray:
    return np.array([get(compute_features(f)) for f in frames])


def local_minima(values: np.ndarray, below: float) -> int:
    """Strict-left local minima of a sampled curve that dip below ``below``."""
    v = values
    is_min = (v[1:-1] < v[:-2]) & (v[1:-1] <= v[2:]) & (v[1:-1] < below)
    return int(np.sum(is_min))


# --- single poses measured by compute_features ---------------------------------------------


def test_standing_side_view_is_straight_and_upright() -> None:
    f = features(BodyPose())
    assert f.present
    assert f.angle("knee") == pytest.approx(180.0, abs=1.0)
    # compute_features measures in 3D pixels (x, y and z): the shoulders are 5 cm wider a side
    # than the hip landmarks, which costs ~6 deg; in the image plane the line is straight.
    assert f.angle("hip") == pytest.approx(180.0, abs=7.0)
    frame = pose_to_frame(BodyPose(), view=SIDE)
    px = frame.pixels()[:, :2]
    s, h, k = (px[sided(j, Side.LEFT)] for j in (Joint.SHOULDER, Joint.HIP, Joint.KNEE))
    assert float(joint_angle_deg(s, h, k)) == pytest.approx(180.0, abs=0.5)
    assert f.trunk_inclination_deg == pytest.approx(0.0, abs=1.0)
    assert f.trunk_lean_deg == pytest.approx(0.0, abs=1.0)
    assert f.torso_length_m == pytest.approx(TRUNK_M, abs=1e-6)


def test_knee_flexion_90_measures_a_right_angle_in_side_view() -> None:
    f = features(BodyPose.symmetric(knee_flexion_deg=90.0))
    assert f.angle("knee") == pytest.approx(90.0, abs=2.0)


def test_one_sided_pose_moves_only_that_side() -> None:
    pose = BodyPose().with_side(Side.RIGHT, knee_flexion_deg=60.0, elbow_flexion_deg=90.0)
    f = features(pose, CameraView.FRONT)
    assert f.angle("knee_right") == pytest.approx(120.0, abs=2.0)
    assert f.angle("knee_left") == pytest.approx(180.0, abs=1.0)
    assert f.angle("elbow_right") == pytest.approx(90.0, abs=2.0)
    assert f.angle("elbow_left") == pytest.approx(180.0, abs=1.0)


def _mirrored(lm: Landmark) -> Landmark:
    name = lm.name.replace("LEFT", "@").replace("RIGHT", "LEFT").replace("@", "RIGHT")
    return Landmark[name]


def test_left_and_right_are_mirror_images() -> None:
    limb = {
        "hip_flexion_deg": 40.0,
        "hip_abduction_deg": 15.0,
        "knee_flexion_deg": 70.0,
        "shoulder_flexion_deg": 60.0,
        "shoulder_abduction_deg": 30.0,
        "shoulder_rotation_deg": 45.0,
        "elbow_flexion_deg": 80.0,
    }
    left = pose_to_frame(BodyPose(spine_curl_deg=20.0).with_side(Side.LEFT, **limb), view=CameraView.FRONT)
    right = pose_to_frame(BodyPose(spine_curl_deg=20.0).with_side(Side.RIGHT, **limb), view=CameraView.FRONT)
    order = [_mirrored(lm) for lm in Landmark]
    lpx, rpx = left.pixels(), right.pixels()[order]
    np.testing.assert_allclose(lpx[:, 0], 1280 - rpx[:, 0], atol=1e-6)
    np.testing.assert_allclose(lpx[:, 1:], rpx[:, 1:], atol=1e-6)
    assert left.world is not None and right.world is not None
    np.testing.assert_allclose(left.world * [-1, 1, 1], right.world[order], atol=1e-9)


def test_seated_hip_and_knee_measure_90() -> None:
    f = features(BodyPose.symmetric(hip_flexion_deg=90.0, knee_flexion_deg=90.0))
    assert f.angle("hip") == pytest.approx(90.0, abs=2.0)
    assert f.angle("knee") == pytest.approx(90.0, abs=2.0)


def test_hip_angle_follows_the_documented_convention() -> None:
    # measured trunk-thigh angle ~ 180 - trunk_lean - hip_flexion (in the image plane)
    frame = pose_to_frame(BodyPose.symmetric(trunk_lean_deg=30.0, hip_flexion_deg=50.0), view=SIDE)
    px = frame.pixels()[:, :2]
    s, h, k = (px[sided(j, Side.LEFT)] for j in (Joint.SHOULDER, Joint.HIP, Joint.KNEE))
    assert float(joint_angle_deg(s, h, k)) == pytest.approx(100.0, abs=0.5)


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (CameraView.FRONT, View.FRONT),
        (CameraView.SIDE_FACING_LEFT, View.SIDE),
        (CameraView.SIDE_FACING_RIGHT, View.SIDE),
        (CameraView.OBLIQUE_LEFT, View.OBLIQUE),
        (CameraView.OBLIQUE_RIGHT, View.OBLIQUE),
        (180.0, View.FRONT),  # back to the camera: wide shoulders again
    ],
)
def test_view_is_detected(view: CameraView | float, expected: View) -> None:
    assert features(BodyPose(), view).view is expected


@pytest.mark.parametrize(
    ("view", "facing_x", "near"),
    [
        (CameraView.SIDE_FACING_LEFT, -1.0, Side.LEFT),
        (CameraView.SIDE_FACING_RIGHT, 1.0, Side.RIGHT),
        (CameraView.OBLIQUE_LEFT, -1.0, Side.LEFT),
        (CameraView.OBLIQUE_RIGHT, 1.0, Side.RIGHT),
        (CameraView.FRONT, 0.0, None),
    ],
)
def test_facing_and_near_side(view: CameraView, facing_x: float, near: Side | None) -> None:
    f = features(BodyPose(), view)
    assert f.facing_x == facing_x
    if near is not None:
        assert f.near_side is near


def test_spine_curl_shows_as_neck_curl_but_a_hip_hinge_does_not() -> None:
    neutral = features(BodyPose())
    curled = features(BodyPose(spine_curl_deg=40.0))
    hinge = features(BodyPose(trunk_lean_deg=60.0))
    rounded_hinge = features(BodyPose(trunk_lean_deg=60.0, spine_curl_deg=40.0))
    assert curled.neck_curl_deg - neutral.neck_curl_deg >= 20.0
    assert abs(hinge.neck_curl_deg - neutral.neck_curl_deg) < 10.0
    assert rounded_hinge.neck_curl_deg - hinge.neck_curl_deg >= 20.0
    assert hinge.trunk_lean_deg == pytest.approx(60.0, abs=1.0)
    # Curling leaves the hip->shoulder line where trunk_lean puts it, but shortens it a little.
    assert rounded_hinge.trunk_lean_deg == pytest.approx(60.0, abs=1.0)
    assert curled.torso_length_m < neutral.torso_length_m - 0.005
    assert hinge.torso_length_m == pytest.approx(neutral.torso_length_m)


# --- landmark layout -------------------------------------------------------------------------


def test_all_landmarks_are_plausibly_placed_in_a_side_view() -> None:
    frame = pose_to_frame(BodyPose(), view=SIDE)  # facing image-left: forward is -x
    px = frame.pixels()
    assert np.all(np.isfinite(px)) and np.all((px[:, :2] >= 0) & (px[:, :2] <= [1280, 720]))
    for side in Side:
        ear, heel, ankle, toe = (px[sided(j, side), 0] for j in (Joint.EAR, Joint.HEEL, Joint.ANKLE, Joint.FOOT_INDEX))
        assert px[Landmark.NOSE, 0] < ear  # nose ahead of the ears
        assert heel > ankle > toe  # heel behind the ankle, toes ahead
    assert px[Landmark.NOSE, 1] < px[Landmark.LEFT_SHOULDER, 1]
    assert px[Landmark.MOUTH_LEFT, 1] > px[Landmark.LEFT_EYE, 1]
    world = frame.world
    assert world is not None
    for name in ("INDEX", "PINKY", "THUMB"):
        hand = world[Landmark[f"LEFT_{name}"]] - world[Landmark.LEFT_WRIST]
        assert 0.02 < np.linalg.norm(hand) < 0.12


def test_visibility_is_high_near_side_and_lower_far_side_in_profile() -> None:
    vis = pose_to_frame(BodyPose(), view=SIDE).visibility
    assert vis[Landmark.LEFT_KNEE] == pytest.approx(0.95)
    assert 0.3 <= vis[Landmark.RIGHT_KNEE] <= 0.6
    assert vis[Landmark.NOSE] == pytest.approx(0.95)
    front = pose_to_frame(BodyPose(), view=CameraView.FRONT).visibility
    assert np.all(front >= 0.9)


def test_world_landmarks_are_hip_centred_metres_with_y_down() -> None:
    frame = pose_to_frame(BodyPose(), view=CameraView.FRONT)
    world = frame.world
    assert world is not None
    hip_mid = (world[Landmark.LEFT_HIP] + world[Landmark.RIGHT_HIP]) / 2
    np.testing.assert_allclose(hip_mid, 0.0, atol=1e-12)
    assert world[Landmark.NOSE, 1] < -0.5 < 0.5 < world[Landmark.LEFT_ANKLE, 1]
    # facing the camera, the person's left is on the image right and the nose is nearer (z < 0)
    assert world[Landmark.LEFT_HIP, 0] > 0 > world[Landmark.RIGHT_HIP, 0]
    assert world[Landmark.NOSE, 2] < world[Landmark.LEFT_EAR, 2]


def test_standing_body_fills_about_70_percent_of_the_height_centred() -> None:
    frame = pose_to_frame(BodyPose(), view=SIDE, image_size=(1280, 720))
    y = frame.pixels()[:, 1]
    assert y.max() - y.min() == pytest.approx(0.7 * 720, rel=0.01)
    assert (y.max() + y.min()) / 2 == pytest.approx(360.0, abs=1.0)
    x = frame.pixels()[:, 0]
    assert (x.max() + x.min()) / 2 == pytest.approx(640.0, abs=1.0)


def test_heel_raise_lifts_the_body_and_lift_m_raises_it_off_the_floor() -> None:
    stand = pose_to_frame(BodyPose(), view=SIDE).pixels()
    floor = stand[:, 1].max()
    px_per_m = (stand[Landmark.LEFT_HIP, 1] - stand[Landmark.LEFT_SHOULDER, 1]) / TRUNK_M
    heels_up = pose_to_frame(BodyPose.symmetric(foot_pitch_deg=30.0), view=SIDE).pixels()
    assert heels_up[:, 1].max() == pytest.approx(floor)  # toes stay on the floor
    assert heels_up[Landmark.LEFT_HEEL, 1] < floor - 10
    jump = pose_to_frame(BodyPose(lift_m=0.1), view=SIDE).pixels()
    assert floor - jump[:, 1].max() == pytest.approx(0.1 * px_per_m)


angles = st.floats(min_value=-60.0, max_value=150.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    lean=angles,
    curl=st.floats(0.0, 90.0),
    pitch=st.floats(-90.0, 90.0),
    hip=angles,
    abd=st.floats(0.0, 60.0),
    knee=st.floats(0.0, 150.0),
    sh_flex=angles,
    sh_abd=st.floats(0.0, 180.0),
    rot=st.floats(-90.0, 90.0),
    elbow=st.floats(0.0, 150.0),
    yaw=st.floats(-180.0, 180.0),
)
def test_segments_keep_their_lengths_and_the_body_stands_on_the_floor(
    lean: float,
    curl: float,
    pitch: float,
    hip: float,
    abd: float,
    knee: float,
    sh_flex: float,
    sh_abd: float,
    rot: float,
    elbow: float,
    yaw: float,
) -> None:
    pose = BodyPose(trunk_lean_deg=lean, spine_curl_deg=curl, body_pitch_deg=pitch).with_side(
        Side.LEFT,
        hip_flexion_deg=hip,
        hip_abduction_deg=abd,
        knee_flexion_deg=knee,
        shoulder_flexion_deg=sh_flex,
        shoulder_abduction_deg=sh_abd,
        shoulder_rotation_deg=rot,
        elbow_flexion_deg=elbow,
    )
    frame = pose_to_frame(pose, view=yaw)
    world = frame.world
    assert world is not None and np.all(np.isfinite(world))
    for a, b, length in (
        (Joint.HIP, Joint.KNEE, THIGH_M),
        (Joint.KNEE, Joint.ANKLE, SHANK_M),
        (Joint.SHOULDER, Joint.ELBOW, UPPER_ARM_M),
        (Joint.ELBOW, Joint.WRIST, FOREARM_M),
    ):
        for side in Side:
            d = np.linalg.norm(world[sided(a, side)] - world[sided(b, side)])
            assert d == pytest.approx(length, abs=1e-9)
    # the world (camera-aligned) and room frames differ by a rotation only
    room = forward_kinematics(pose)
    np.testing.assert_allclose(
        np.linalg.norm(world - world[Landmark.NOSE], axis=1),
        np.linalg.norm(room - room[Landmark.NOSE], axis=1),
        atol=1e-9,
    )
    assert frame.pixels()[:, 1].max() == pytest.approx(720 * 0.85)


def test_invalid_poses_are_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        BodyPose(trunk_lean_deg=float("nan"))
    with pytest.raises(ValueError, match="lift_m"):
        BodyPose(lift_m=-0.1)


# --- motions ---------------------------------------------------------------------------------


def test_frame_times_step_at_one_over_fps() -> None:
    frames = animate(standing(2.0), fps=25.0)
    assert len(frames) == 51
    t = np.array([f.t_s for f in frames])
    np.testing.assert_allclose(np.diff(t), 1 / 25.0)
    assert t[0] == 0.0
    assert [f.index for f in frames] == list(range(51))


def test_squat_reps_make_five_knee_minima_with_planted_feet() -> None:
    frames = animate(squat_reps(5, period_s=3.0, depth_knee_deg=95.0), fps=30.0)
    assert frames[-1].t_s == pytest.approx(15.0)
    knee = series(frames, lambda f: f.angle("knee"))
    assert local_minima(knee, below=150.0) == 5
    assert knee.min() == pytest.approx(95.0, abs=1.0)
    assert knee[0] == pytest.approx(180.0, abs=1.0) and knee[-1] == pytest.approx(180.0, abs=1.0)
    # feet planted: the ankles keep their place and the lowest point stays on the floor
    ankles = np.array([f.pixel(Landmark.LEFT_ANKLE)[:2] for f in frames])
    np.testing.assert_allclose(ankles - ankles[0], 0.0, atol=1e-6)
    lowest = np.array([f.pixels()[:, 1].max() for f in frames])
    np.testing.assert_allclose(lowest, lowest[0])


def test_jitter_is_reproducible_with_a_seed_and_sized_in_pixels() -> None:
    motion = squat_reps(1)
    a = animate(motion, fps=30.0, jitter_px=2.0, seed=7)
    b = animate(motion, fps=30.0, jitter_px=2.0, seed=7)
    c = animate(motion, fps=30.0, jitter_px=2.0, seed=8)
    clean = animate(motion, fps=30.0)
    for fa, fb in zip(a, b, strict=True):
        np.testing.assert_array_equal(fa.landmarks, fb.landmarks)
    assert not np.array_equal(a[10].landmarks, c[10].landmarks)
    noise = np.stack([fa.pixels()[:, :2] - fc.pixels()[:, :2] for fa, fc in zip(a, clean, strict=True)])
    assert noise.std() == pytest.approx(2.0, rel=0.1)
    np.testing.assert_array_equal(a[0].landmarks[:, 2], clean[0].landmarks[:, 2])  # depth untouched


def test_sit_to_stand_rises_from_a_chair_with_a_neutral_forward_lean() -> None:
    frames = animate(sit_to_stand_reps(2, period_s=4.0), fps=30.0)
    feats = [compute_features(f) for f in frames]
    assert feats[0].angle("hip") == pytest.approx(90.0, abs=3.0)
    assert feats[0].angle("knee") == pytest.approx(90.0, abs=3.0)
    knee = np.array([f.angle("knee") for f in feats])
    assert knee.max() == pytest.approx(180.0, abs=1.0)
    assert int(np.sum((knee[1:] >= 170.0) & (knee[:-1] < 170.0))) == 2  # stood up twice
    lean = np.array([f.trunk_lean_deg for f in feats])
    assert 35.0 <= lean.max() <= 45.0
    neck = np.array([f.neck_curl_deg for f in feats])
    assert np.ptp(neck) < 1.0  # the spine stays neutral throughout


@pytest.mark.parametrize(("rounded", "min_rise", "max_rise"), [(False, -1.0, 1.0), (True, 30.0, 50.0)])
def test_hip_hinge_is_neutral_unless_rounded(rounded: bool, min_rise: float, max_rise: float) -> None:
    frames = animate(hip_hinge_reps(2, rounded=rounded), fps=30.0)
    feats = [compute_features(f) for f in frames]
    lean = np.array([f.trunk_lean_deg for f in feats])
    neck = np.array([f.neck_curl_deg for f in feats])
    assert local_minima(-lean, below=-30.0) == 2
    if not rounded:
        assert 60.0 <= lean.max() <= 70.0
    assert min_rise <= neck.max() - neck[0] <= max_rise


def test_toe_touch_is_a_deep_rounded_bend() -> None:
    frames = animate(toe_touch(1, spine_curl_deg=60.0), fps=30.0)
    torso = series(frames, lambda f: f.torso_length_m)
    incl = series(frames, lambda f: f.trunk_inclination_deg)
    assert incl.max() > 60.0
    assert torso.min() < TRUNK_M * 0.97


def test_chain_plays_motions_back_to_back_and_absence_blanks_a_range() -> None:
    motion = chain(standing(1.0), squat_reps(2, period_s=2.0), standing(1.0))
    assert motion[-1][0] == pytest.approx(6.0)
    assert np.all(np.diff([t for t, _ in motion]) > 0)
    frames = with_absence(animate(motion, fps=10.0), start_s=2.0, end_s=3.0)
    assert len(frames) == 61
    gone = [f for f in frames if not f.present]
    assert [f.index for f in gone] == list(range(20, 30))
    assert all(not compute_features(f).present for f in gone)
    assert frames[30].present and frames[19].present
    assert gone[0].image_size == frames[0].image_size


def test_animate_rejects_bad_keyframes() -> None:
    with pytest.raises(ValueError, match="non-decreasing"):
        animate([(1.0, BodyPose()), (0.0, BodyPose())])
    with pytest.raises(ValueError, match="at least one"):
        animate([])


# --- a tilted camera ------------------------------------------------------------------------------


@pytest.mark.parametrize(("pitch_deg", "roll_deg"), [(30.0, 0.0), (-15.0, 0.0), (0.0, 15.0), (20.0, 10.0)])
@pytest.mark.parametrize("view", [CameraView.FRONT, SIDE, CameraView.OBLIQUE_RIGHT])
def test_a_tilted_camera_turns_the_picture_and_the_world_landmarks_together(
    view: CameraView, pitch_deg: float, roll_deg: float
) -> None:
    pose = BodyPose.symmetric(trunk_lean_deg=20.0, hip_flexion_deg=30.0, knee_flexion_deg=40.0)
    frame = pose_to_frame(pose, view=view, pitch_deg=pitch_deg, roll_deg=roll_deg)
    level = pose_to_frame(pose, view=view)
    assert frame.world is not None and level.world is not None
    # Up as the tilted camera sees it: pitched down, the top of a standing body comes nearer (-z);
    # rolled clockwise, it leans towards image-left (-x).
    p, r = np.radians(pitch_deg), np.radians(roll_deg)
    up = np.array([-np.sin(r) * np.cos(p), -np.cos(r) * np.cos(p), -np.sin(p)])
    standing_frame = pose_to_frame(BodyPose(), view=view, pitch_deg=pitch_deg, roll_deg=roll_deg)
    assert standing_frame.world is not None
    w = standing_frame.world
    axis = w[Landmark.LEFT_SHOULDER] + w[Landmark.RIGHT_SHOULDER] - w[Landmark.LEFT_ANKLE] - w[Landmark.RIGHT_ANKLE]
    np.testing.assert_allclose(axis / np.linalg.norm(axis), up, atol=1e-9)
    # A rotation: every distance between world landmarks is the level camera's.
    dist = np.linalg.norm(frame.world[:, None] - frame.world[None], axis=-1)
    np.testing.assert_allclose(dist, np.linalg.norm(level.world[:, None] - level.world[None], axis=-1), atol=1e-9)
    # The picture is the world's x and y at one scale (orthographic), as for a level camera.
    px, xy = frame.pixels()[:, :2], frame.world[:, :2]
    scale = np.linalg.lstsq(xy - xy.mean(axis=0), px - px.mean(axis=0), rcond=None)[0]
    np.testing.assert_allclose(scale, scale[0, 0] * np.eye(2), atol=1e-6)
