"""Set-up check (whole body, distance, light, view) and the "stand tall" neutral calibration."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from spinesafe.classifiers.exercises import EXERCISES
from spinesafe.classifiers.features import View, compute_features
from spinesafe.classifiers.setup import (
    MIN_MOMENT_S,
    Light,
    NeutralCalibrator,
    SetupCheck,
    measure_light,
    view_advice,
)
from spinesafe.lab.synthetic import (
    LYING_FACE_DOWN,
    STANDING,
    CameraView,
    animate,
    chain,
    pose_to_frame,
    squat_reps,
    standing,
)
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Landmark

LIT = Light(picture_grey=120.0, person_grey=150.0, around_grey=130.0)


def check(pose: PoseFrame, exercise: str = "squat", light: Light | None = LIT) -> list[str]:
    report = SetupCheck(EXERCISES[exercise]).check(pose, compute_features(pose), light)
    return [p.key for p in report.problems]


LIMBS = [
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.LEFT_KNEE),
    (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE),
    (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
    (Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW),
    (Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST),
]


def picture(pose: PoseFrame, background: int, clothes: int, skin: int, window: int | None = None) -> np.ndarray:
    """A camera picture of ``pose``: a wall of grey ``background`` (with a ``window`` of that grey
    filling the middle of the wall behind the person), the body in ``clothes``, head and forearms in
    ``skin``. BGR uint8."""
    width, height = pose.image_size
    image = np.full((height, width, 3), background, np.uint8)
    if window is not None:
        image[height // 10 : height * 7 // 10, width // 5 : width * 4 // 5] = window
    px = pose.pixels()[:, :2].astype(int)
    thick = max(4, height // 12)
    for a, b in LIMBS:
        colour = skin if b in (Landmark.LEFT_WRIST,) else clothes
        cv2.line(image, tuple(px[a]), tuple(px[b]), (colour,) * 3, thick)
    cv2.circle(image, tuple(px[Landmark.NOSE]), thick, (skin,) * 3, -1)
    cv2.circle(image, tuple(px[Landmark.LEFT_EAR]), thick, (skin,) * 3, -1)
    return image


def shifted(pose: PoseFrame, dy: float) -> PoseFrame:
    """The same pose moved down the picture by ``dy`` of the image height (feet leave the bottom)."""
    landmarks = pose.landmarks.copy()
    landmarks[:, 1] += dy
    return PoseFrame(pose.t_s, pose.index, pose.image_size, landmarks, pose.visibility, pose.world)


def test_side_view_whole_body_in_good_light_is_ok() -> None:
    pose = pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT)
    report = SetupCheck(EXERCISES["squat"]).check(pose, compute_features(pose), LIT)
    assert report.ok and report.message == "" and report.view is View.SIDE


DARK_ROOM = Light(picture_grey=20.0)
BACKLIT = Light(picture_grey=200.0, person_grey=60.0, around_grey=250.0)


@pytest.mark.parametrize(
    ("pose", "light", "expected"),
    [
        (pose_to_frame(STANDING, view=CameraView.FRONT), LIT, ["view"]),  # squat: the back is checked from the side
        (PoseFrame.absent(0.0, 0, (1280, 720)), LIT, ["no_person"]),
        (PoseFrame.absent(0.0, 0, (1280, 720)), DARK_ROOM, ["dark", "no_person"]),
        (pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT), BACKLIT, ["bright"]),
        (pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT, body_fraction=0.3), LIT, ["too_far"]),
        (shifted(pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT), 0.2), LIT, ["feet_cut"]),
        (shifted(pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT), -0.3), LIT, ["head_cut"]),
    ],
)
def test_problems_are_found(pose: PoseFrame, light: Light, expected: list[str]) -> None:
    assert check(pose, light=light) == expected


def test_a_person_lying_across_the_picture_is_not_too_far() -> None:
    lying = pose_to_frame(LYING_FACE_DOWN, view=CameraView.SIDE_FACING_LEFT, image_size=(1280, 720))
    span = lying.landmarks[:, :2].max(axis=0) - lying.landmarks[:, :2].min(axis=0)
    assert span[1] < 0.4 and span[0] * 1280 / 720 > 0.4  # low in the picture, but across it
    assert "too_far" not in check(lying, "prone_back_extension")


def test_light_unknown_is_not_a_problem() -> None:
    assert check(pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT), light=None) == []


def test_a_bright_white_wall_behind_a_lit_person_is_not_backlight() -> None:
    # A white studio wall (the whole picture averages over 215, what used to count as backlight),
    # a person in black clothes whose face and arms are lit.
    pose = pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT, image_size=(640, 360))
    light = measure_light(picture(pose, background=245, clothes=35, skin=175), pose)
    assert light.picture_grey > 215 and light.around_grey >= 240
    assert light.person_grey == pytest.approx(175, abs=1) and not light.backlit
    assert check(pose, light=light) == []


def test_a_dark_person_before_a_bright_window_is_backlight() -> None:
    # The window's light leaves the whole person dark, skin included; the room around is not bright.
    pose = pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT, image_size=(640, 360))
    light = measure_light(picture(pose, background=110, clothes=40, skin=70, window=252), pose)
    assert light.picture_grey < 215  # the old whole-picture rule would not have seen it
    assert light.backlit and light.person_grey == pytest.approx(70, abs=1) and light.around_grey >= 250
    assert check(pose, light=light) == ["bright"]


def test_a_lit_person_before_a_black_wall_is_not_too_dark() -> None:
    pose = pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT, image_size=(640, 360))
    light = measure_light(picture(pose, background=10, clothes=150, skin=180), pose)
    assert light.picture_grey < 45  # the old whole-picture rule said "too dark"
    assert not light.dark and check(pose, light=light) == []
    dim = measure_light(picture(pose, background=10, clothes=25, skin=35), pose)
    assert dim.dark and check(pose, light=dim) == ["dark"]


def test_the_segmentation_mask_marks_the_person_when_given() -> None:
    pose = pose_to_frame(STANDING, view=CameraView.SIDE_FACING_LEFT, image_size=(640, 360))
    image = np.full((360, 640, 3), 250, np.uint8)
    mask = np.zeros((360, 640), np.float32)
    mask[60:340, 280:360] = 1.0
    image[mask > 0] = 60  # whatever the landmarks say, the mask's pixels are the person
    light = measure_light(image, pose, mask=mask)
    assert light.person_grey == pytest.approx(60) and light.around_grey == pytest.approx(250) and light.backlit


def test_no_person_leaves_only_the_picture_grey() -> None:
    light = measure_light(np.full((90, 160, 3), 30, np.uint8), PoseFrame.absent(0.0, 0, (160, 90)))
    assert light.picture_grey == pytest.approx(30) and light.dark and not light.backlit
    with pytest.raises(ValueError, match="expected a"):
        measure_light(np.zeros((90, 160), np.uint8), PoseFrame.absent(0.0, 0, (160, 90)))


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


def test_calibration_leaves_out_the_movement_and_goes_on_after_it() -> None:
    frames = animate(chain(standing(2.0), squat_reps(1, period_s=3.0), standing(4.0)), fps=30)
    calibrator = NeutralCalibrator(3.0)
    done = None
    for frame in frames:
        done = done or calibrator.update(frame, compute_features(frame))
        if done is None and 2.7 < frame.t_s < 4.4:  # mid-squat (knees under 150 deg): no frame counts
            assert calibrator.reason in ("not upright", "knees bent")
    assert done is not None and calibrator.restarts >= 1 and done.moments == 2
    # ~2.6 s before and in the start of the squat, the rest once nearly upright again (the squat ends at 5 s);
    # a calibrator needing 3 s at a stretch would finish at 7.5 s.
    assert 4.5 <= done.event.t_s <= 5.5


def test_calibration_gathers_still_moments_between_sets() -> None:
    # Two sets of squats with 1.5 s of standing between: never 3 s still at a stretch.
    motion = chain(
        standing(1.0), squat_reps(3, period_s=2.5), standing(1.5), squat_reps(3, period_s=2.5), standing(1.0)
    )
    frames = animate(motion, fps=30, jitter_px=0.5, seed=4)
    calibrator = NeutralCalibrator(3.0)
    done = None
    for frame in frames:
        done = done or calibrator.update(frame, compute_features(frame))
    assert done is not None and done.moments >= 3 and done.neutral.calibrated
    assert done.frames >= 3.0 * 30 - 2  # 3 s of frames in all
    neutral = [compute_features(f).neck_curl_deg for f in frames if f.t_s < 1.0]
    assert done.neutral.neck_curl_deg == pytest.approx(float(np.median(neutral)), abs=2.0)


def test_a_moment_shorter_than_the_minimum_does_not_count() -> None:
    frames = animate(standing(MIN_MOMENT_S - 0.1), fps=30, view=CameraView.SIDE_FACING_LEFT)
    calibrator = NeutralCalibrator(3.0)
    for frame in frames:
        calibrator.update(frame, compute_features(frame))
    assert calibrator.held_s(frames[-1].t_s) == 0.0


def test_calibration_needs_a_side_or_oblique_view() -> None:
    calibrator = NeutralCalibrator(1.0)
    for frame in animate(standing(2.0), fps=30, view=CameraView.FRONT):
        assert calibrator.update(frame, compute_features(frame)) is None
    assert calibrator.reason == "no side view"
