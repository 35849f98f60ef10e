"""The real bundled MediaPipe model on a real photograph, and the `PoseFrame` contract."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from spinesafe.errors import ModelLoadError
from spinesafe.pose.estimators import MediaPipePoseEstimator, TaskPoseEstimator
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import NUM_LANDMARKS, Landmark
from spinesafe.pose.sources import VideoFrame

FACE_POINTS = (Landmark.NOSE, Landmark.LEFT_EYE, Landmark.RIGHT_EYE)


@pytest.fixture
def estimator() -> Iterator[MediaPipePoseEstimator]:
    est = MediaPipePoseEstimator()
    yield est
    est.close()


@pytest.fixture(scope="module")
def face_box(photo: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) pixels of the face, found by OpenCV's Haar face detector (independent of MediaPipe)."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    faces = cascade.detectMultiScale(cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY), 1.1, 5, minSize=(60, 60))
    assert len(faces) == 1, faces
    x, y, w, h = (int(v) for v in faces[0])
    return x, y, x + w, y + h


def test_photo_gives_a_present_frame_with_the_face_and_shoulders_in_place(
    estimator: MediaPipePoseEstimator, photo: np.ndarray, face_box: tuple[int, int, int, int]
) -> None:
    height, width = photo.shape[:2]
    pose = estimator.estimate(VideoFrame(image=photo, t_s=0.0, index=0))

    assert pose.present is True
    assert pose.image_size == (width, height)
    assert pose.t_s == 0.0 and pose.index == 0
    x0, y0, x1, y1 = face_box
    for landmark in FACE_POINTS:
        x, y, _ = pose.pixel(landmark)
        assert x0 <= x <= x1 and y0 <= y <= y1, f"{landmark.name} at ({x:.0f}, {y:.0f}) outside face {face_box}"
        assert pose.visible(landmark, 0.9)
    nose_x, nose_y, _ = pose.pixel(Landmark.NOSE)
    # The nose sits in the middle third across and the upper half down (a head-and-shoulders portrait).
    assert width / 3 < nose_x < 2 * width / 3
    assert nose_y < height / 2
    # Eyes above the nose; the person faces the camera, so their left is on the image's right.
    assert pose.pixel(Landmark.LEFT_EYE)[1] < nose_y and pose.pixel(Landmark.RIGHT_EYE)[1] < nose_y
    assert pose.pixel(Landmark.LEFT_EYE)[0] > nose_x > pose.pixel(Landmark.RIGHT_EYE)[0]

    left_sh, right_sh = pose.pixel(Landmark.LEFT_SHOULDER), pose.pixel(Landmark.RIGHT_SHOULDER)
    for shoulder in (left_sh, right_sh):
        assert y1 < shoulder[1] < height, "shoulders below the face and inside the image"
        assert 0 <= shoulder[0] < width
    assert pose.visible(Landmark.LEFT_SHOULDER, 0.9) and pose.visible(Landmark.RIGHT_SHOULDER, 0.9)
    assert left_sh[0] > nose_x > right_sh[0]
    assert left_sh[0] - right_sh[0] > x1 - x0, "shoulders are wider than the face"
    # Hips and legs are below the picture: the model must not claim to see them.
    assert pose.visibility[Landmark.LEFT_KNEE] < 0.5 and pose.visibility[Landmark.RIGHT_KNEE] < 0.5

    assert pose.landmarks.shape == (NUM_LANDMARKS, 3) and pose.visibility.shape == (NUM_LANDMARKS,)
    assert pose.world is not None
    assert pose.world.shape == (NUM_LANDMARKS, 3) and np.isfinite(pose.world).all()
    shoulder_width_m = np.linalg.norm(pose.world[Landmark.LEFT_SHOULDER] - pose.world[Landmark.RIGHT_SHOULDER])
    assert 0.2 < shoulder_width_m < 0.6, "world landmarks are in metres"


def test_blank_image_gives_an_absent_frame(estimator: MediaPipePoseEstimator) -> None:
    grey = np.full((480, 640, 3), 128, dtype=np.uint8)

    pose = estimator.estimate(VideoFrame(image=grey, t_s=0.5, index=15))

    assert pose is not None and pose.present is False
    assert pose.image_size == (640, 480) and pose.t_s == 0.5 and pose.index == 15
    assert np.isnan(pose.landmarks).all()
    assert (pose.visibility == 0).all()
    assert pose.world is None
    assert not pose.visible(Landmark.NOSE, 0.0)


def test_tracking_over_increasing_times_then_person_leaves(
    estimator: MediaPipePoseEstimator, person_frames: list[np.ndarray]
) -> None:
    times = [0.0, 1 / 30, 2 / 30, 0.2, 0.5]  # irregular steps, as from a camera dropping frames
    poses = [
        estimator.estimate(VideoFrame(image, t, i))
        for i, (image, t) in enumerate(zip(person_frames[: len(times)], times, strict=True))
    ]

    assert [p.present for p in poses] == [True] * len(times)
    assert [p.t_s for p in poses] == times
    noses = np.array([p.pixel(Landmark.NOSE)[:2] for p in poses])
    assert np.ptp(noses, axis=0).max() < 20, "frames shifted by <= 10 px keep the nose within a few pixels"

    # The same time twice (a duplicated camera frame) must not break MediaPipe's monotonic clock.
    again = estimator.estimate(VideoFrame(person_frames[5], times[-1], len(times)))
    assert again.present

    grey = np.full_like(person_frames[0], 128)
    gone = estimator.estimate(VideoFrame(grey, 0.6, len(times) + 1))
    assert gone.present is False


def test_task_model_missing_path_raises_model_load_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "pose_landmarker_heavy.task"
    with pytest.raises(ModelLoadError, match="not found") as info:
        TaskPoseEstimator(missing)
    assert str(missing) in str(info.value)
    assert isinstance(info.value, RuntimeError)


def test_task_model_invalid_file_raises_model_load_error(tmp_path: Path) -> None:
    fake = tmp_path / "pose_landmarker.task"
    fake.write_text("this is not a model\n")
    with pytest.raises(ModelLoadError, match="not a valid MediaPipe") as info:
        TaskPoseEstimator(fake)
    assert str(fake) in str(info.value)


def _frame(**overrides: object) -> PoseFrame:
    fields: dict[str, object] = {
        "t_s": 0.0,
        "index": 0,
        "image_size": (640, 480),
        "landmarks": np.zeros((NUM_LANDMARKS, 3)),
        "visibility": np.ones(NUM_LANDMARKS),
        "world": None,
    }
    fields.update(overrides)
    return PoseFrame(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("landmarks", np.zeros((NUM_LANDMARKS, 2)), "(33, 3)"),
        ("landmarks", np.zeros((32, 3)), "(33, 3)"),
        ("visibility", np.ones(32), "(33,)"),
        ("visibility", np.ones((NUM_LANDMARKS, 1)), "(33,)"),
        ("world", np.zeros((NUM_LANDMARKS, 2)), "(33, 3)"),
    ],
)
def test_pose_frame_rejects_wrong_shapes(field: str, value: np.ndarray, expected: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"{field}: expected shape {expected}, got {value.shape}")):
        _frame(**{field: value})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"image_size": (0, 480)}, "image_size"),
        ({"image_size": (640, -1)}, "image_size"),
        ({"t_s": float("nan")}, "t_s"),
    ],
)
def test_pose_frame_rejects_bad_size_and_time(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _frame(**overrides)


def test_pose_frame_arrays_are_read_only() -> None:
    frame = _frame(world=np.zeros((NUM_LANDMARKS, 3)))
    for array in (frame.landmarks, frame.visibility, frame.world):
        assert array is not None
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1.0


def test_pose_frame_absent() -> None:
    frame = PoseFrame.absent(1.25, 37, (640, 480))

    assert frame is not None
    assert frame.present is False
    assert (frame.t_s, frame.index, frame.image_size) == (1.25, 37, (640, 480))
    assert frame.landmarks.shape == (NUM_LANDMARKS, 3) and np.isnan(frame.landmarks).all()
    assert frame.visibility.shape == (NUM_LANDMARKS,) and (frame.visibility == 0).all()
    assert frame.world is None and frame.world_point(Landmark.NOSE) is None
    assert not any(frame.visible(lm, 0.0) for lm in Landmark)


def test_segmentation_gives_the_person_mask_at_the_image_size(
    photo: np.ndarray, face_box: tuple[int, int, int, int]
) -> None:
    """With ``enable_segmentation`` the estimator keeps MediaPipe's person mask (for the back
    contour): the image's size, probabilities, the face inside, the top corners outside."""
    plain, segmenting = MediaPipePoseEstimator(), MediaPipePoseEstimator(enable_segmentation=True)
    try:
        plain.estimate(VideoFrame(image=photo, t_s=0.0, index=0))
        segmenting.estimate(VideoFrame(image=photo, t_s=0.0, index=0))
        mask = segmenting.segmentation_mask
        assert plain.segmentation_mask is None
        assert mask is not None and mask.shape == photo.shape[:2]
        assert float(mask.min()) >= 0.0 and float(mask.max()) <= 1.0
        x0, y0, x1, y1 = face_box
        qx, qy = (x1 - x0) // 4, (y1 - y0) // 4  # the face box's middle half: all face
        assert float(np.mean(mask[y0 + qy : y1 - qy, x0 + qx : x1 - qx] >= 0.5)) > 0.95
        assert float(np.mean(mask[:40, :40] >= 0.5)) < 0.1 and float(np.mean(mask[:40, -40:] >= 0.5)) < 0.1
        segmenting.estimate(VideoFrame(image=np.full_like(photo, 128), t_s=0.5, index=1))
        assert segmenting.segmentation_mask is None, "no person, no mask"
    finally:
        plain.close()
        segmenting.close()
