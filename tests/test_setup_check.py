"""Set-up check (whole body, distance, light, view) and the "stand tall" neutral calibration."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinesafe.classifiers.exercises import EXERCISES
from spinesafe.classifiers.features import View, compute_features
from spinesafe.classifiers.setup import NeutralCalibrator, SetupCheck, view_advice
from spinesafe.lab.synthetic import STANDING, CameraView, animate, chain, pose_to_frame, squat_reps, standing
from spinesafe.pose.frame import PoseFrame


def check(pose: PoseFrame, exercise: str = "squat", brightness: float = 120.0) -> list[str]:
    report = SetupCheck(EXERCISES[exercise]).check(pose, compute_features(pose), brightness)
    return [p.key for p in report.problems]


def shifted(pose: PoseFrame, dy: float) -> PoseFrame:
    """The same pose moved down the picture by ``dy`` of the image height (feet leave the bottom)."""
    landmarks = pose.landmarks.copy()
    landmarks[:, 1] += dy
    return PoseFrame(pose.t_s, pose.index, pose.image_size, landmarks, pose.visibility, pose.world)


def test_side_view_whole_body_in_good_light_is_ok() -> None:
    pose = pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT)
    report = SetupCheck(EXERCISES["squat"]).check(pose, compute_features(pose), 120.0)
    assert report.ok and report.message == "" and report.view is View.SIDE


@pytest.mark.parametrize(
    ("pose", "brightness", "expected"),
    [
        (pose_to_frame(STANDING, view=CameraView.FRONT), 120.0, ["view"]),  # squat: the back is checked from the side
        (PoseFrame.absent(0.0, 0, (1280, 720)), 120.0, ["no_person"]),
        (PoseFrame.absent(0.0, 0, (1280, 720)), 20.0, ["dark", "no_person"]),
        (pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT), 240.0, ["bright"]),
        (pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT, body_fraction=0.3), 120.0, ["too_far"]),
        (shifted(pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT), 0.2), 120.0, ["feet_cut"]),
        (shifted(pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT), -0.3), 120.0, ["head_cut"]),
    ],
)
def test_problems_are_found(pose: PoseFrame, brightness: float, expected: list[str]) -> None:
    assert check(pose, brightness=brightness) == expected


def test_brightness_unknown_is_not_a_problem() -> None:
    assert check(pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT), brightness=math.nan) == []


def test_view_advice_follows_the_exercise() -> None:
    assert view_advice(EXERCISES["squat"], View.FRONT).startswith("Turn sideways")
    assert view_advice(EXERCISES["squat"], View.SIDE) == ""
    assert view_advice(EXERCISES["lateral_raise"], View.SIDE) == "Face the camera for this exercise."
    assert view_advice(EXERCISES["wall_push_up"], View.FRONT).startswith("Turn sideways")
    assert view_advice(EXERCISES["squat"], View.UNKNOWN) == ""


def test_calibration_takes_medians_of_three_still_upright_seconds() -> None:
    frames = animate(standing(4.0), fps=30, view=CameraView.SIDE_FACING_LEFT, jitter_px=1.0, seed=3)
    calibrator = NeutralCalibrator(3.0)
    done = None
    for frame in frames:
        done = calibrator.update(frame, compute_features(frame))
        if done:
            break
    assert done is not None
    assert done.event.t_s == pytest.approx(3.0, abs=0.04)
    curls = [compute_features(f).neck_curl_deg for f in frames if f.t_s <= done.event.t_s]
    assert done.neutral.calibrated and done.neutral.neck_curl_deg == pytest.approx(float(np.median(curls)))
    assert done.event.neck_curl_deg == done.neutral.neck_curl_deg and done.event.trunk_inclination_deg < 5
    assert math.isfinite(done.neutral.torso_length_m) and done.frames == 91


def test_calibration_restarts_when_the_person_moves() -> None:
    frames = animate(chain(standing(2.0), squat_reps(1, period_s=3.0), standing(4.0)), fps=30)
    calibrator = NeutralCalibrator(3.0)
    done = None
    for frame in frames:
        done = done or calibrator.update(frame, compute_features(frame))
    assert done is not None and calibrator.restarts >= 1
    # Without the restart it would have finished at 3 s, mid-squat; it counts again once nearly upright.
    assert 7.0 <= done.event.t_s <= 8.1


def test_calibration_needs_a_side_or_oblique_view() -> None:
    calibrator = NeutralCalibrator(1.0)
    for frame in animate(standing(2.0), fps=30, view=CameraView.FRONT):
        assert calibrator.update(frame, compute_features(frame)) is None
    assert calibrator.reason == "no side view"
