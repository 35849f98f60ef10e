"""Per-frame features of whole synthetic bodies: angles, trunk measures, view, facing, the
visibility fields the flexion monitor reads, and absent frames."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from spinesafe.classifiers.features import View, compute_features
from spinesafe.lab.synthetic import STANDING, BodyPose, CameraView, pose_to_frame
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Landmark, Side


def test_absent_frame_has_nan_features_and_no_person() -> None:
    f = compute_features(PoseFrame.absent(1.5, 45, (640, 480)))
    assert (f.present, f.view, f.t_s, f.angles) == (False, View.UNKNOWN, 1.5, {})
    assert math.isnan(f.trunk_inclination_deg) and math.isnan(f.neck_curl_deg)
    assert f.neck_visibility == 0.0


def test_standing_tall_from_the_side() -> None:
    f = compute_features(pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT))
    assert f.view is View.SIDE
    assert f.facing_x == -1.0  # faces image-left
    assert f.trunk_inclination_deg == pytest.approx(0.0, abs=2.0)
    assert f.angle("knee") == pytest.approx(180.0, abs=3.0)
    assert f.angle("hip") > 170.0  # hips open: what the flexion monitor takes for standing tall (>= 160)
    assert f.neck_visibility >= 0.5
    assert math.isnan(f.angle("no_such_angle"))


def test_views_from_the_body_yaw() -> None:
    assert compute_features(pose_to_frame(STANDING, view=CameraView.FRONT)).view is View.FRONT
    assert compute_features(pose_to_frame(STANDING, view=CameraView.OBLIQUE_RIGHT)).view is View.OBLIQUE


def test_forward_lean_is_positive_and_inclination_follows_it() -> None:
    f = compute_features(pose_to_frame(BodyPose(trunk_lean_deg=40.0), view=CameraView.SIDE_FACING_RIGHT))
    assert f.facing_x == 1.0
    assert f.trunk_inclination_deg == pytest.approx(40.0, abs=3.0)
    assert f.trunk_lean_deg == pytest.approx(40.0, abs=3.0)


def test_neck_curl_grows_with_a_rounded_upper_back() -> None:
    straight = compute_features(pose_to_frame(BodyPose(trunk_lean_deg=40.0)))
    rounded = compute_features(pose_to_frame(BodyPose(trunk_lean_deg=40.0, spine_curl_deg=40.0)))
    assert rounded.neck_curl_deg - straight.neck_curl_deg == pytest.approx(40.0, abs=8.0)


def test_knee_angle_of_a_squat_and_the_more_bent_side() -> None:
    pose = STANDING.with_side(Side.LEFT, knee_flexion_deg=90.0)
    f = compute_features(pose_to_frame(pose, view=CameraView.FRONT))
    assert f.angle("knee_left") == pytest.approx(90.0, abs=4.0)
    assert f.angle("knee_right") == pytest.approx(180.0, abs=4.0)


def test_a_joint_out_of_view_gives_no_angle_and_a_hidden_head_lowers_neck_visibility() -> None:
    frame = pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT)
    visibility = frame.visibility.copy()
    visibility[[Landmark.LEFT_ANKLE.value, Landmark.RIGHT_ANKLE.value]] = 0.1
    visibility[[Landmark.LEFT_EAR.value, Landmark.RIGHT_EAR.value]] = 0.2
    f = compute_features(dataclasses.replace(frame, visibility=visibility))
    assert math.isnan(f.angle("knee_left")) and math.isnan(f.angle("knee_right"))
    assert f.neck_visibility == pytest.approx(0.2)


def test_a_straight_arm_below_the_hips_props_the_trunk() -> None:
    frame = pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT)
    f = compute_features(frame)
    assert f.hand_below_hips > 0.0  # arms hang straight: the hands are below the hips
    bent = STANDING.with_side(Side.LEFT, elbow_flexion_deg=90.0).with_side(Side.RIGHT, elbow_flexion_deg=90.0)
    assert math.isnan(compute_features(pose_to_frame(bent)).hand_below_hips)  # no straight arm


def test_features_do_not_depend_on_where_the_body_is_in_the_picture() -> None:
    small = compute_features(pose_to_frame(BodyPose(trunk_lean_deg=30.0), body_fraction=0.5))
    large = compute_features(pose_to_frame(BodyPose(trunk_lean_deg=30.0), body_fraction=0.9))
    assert small.trunk_inclination_deg == pytest.approx(large.trunk_inclination_deg, abs=0.5)
    assert small.neck_curl_deg == pytest.approx(large.neck_curl_deg, abs=0.5)
    assert np.isfinite(small.body_height_px) and large.body_height_px > small.body_height_px
