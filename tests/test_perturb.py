"""The corpus perturbations (spinesafe.lab.perturb) change what they say and nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from spinesafe.classifiers.features import compute_features
from spinesafe.classifiers.gravity import GravityEstimator
from spinesafe.lab.perturb import every_other_frame, jittered, mirrored, pitched, rolled
from spinesafe.lab.synthetic import CameraView, animate, squat_reps, standing
from spinesafe.pose.landmarks import Landmark
from spinesafe.pose.recording import Recording


@pytest.fixture(scope="module")
def recording() -> Recording:
    frames = animate(squat_reps(2), 30.0, view=CameraView.OBLIQUE_RIGHT, jitter_px=1.0, seed=3)
    return Recording(frames=tuple(frames), source="synthetic", estimator="synthetic", fps=30.0)


def test_mirroring_swaps_the_sides_and_keeps_the_angles(recording: Recording) -> None:
    frame, image = recording.frames[20], mirrored(recording).frames[20]
    assert image.landmarks[Landmark.LEFT_KNEE, 0] == pytest.approx(1.0 - frame.landmarks[Landmark.RIGHT_KNEE, 0])
    assert frame.world is not None and image.world is not None
    assert image.world[Landmark.LEFT_HIP, 0] == pytest.approx(-frame.world[Landmark.RIGHT_HIP, 0])
    before, after = compute_features(frame), compute_features(image)
    assert after.angle("knee_left") == pytest.approx(before.angle("knee_right"))
    assert after.facing_x == -before.facing_x
    twice = mirrored(mirrored(recording)).frames[20]
    np.testing.assert_allclose(twice.landmarks, frame.landmarks)


def test_rolling_the_camera_turns_the_picture_and_the_world_alike() -> None:
    frames = animate(standing(3.0), 30.0, view=CameraView.SIDE_FACING_LEFT, jitter_px=0.5, seed=2)
    still = Recording(frames=tuple(frames), source="s", estimator="s", fps=30.0)
    gravity = GravityEstimator()
    for frame in rolled(still, 10.0).frames:
        up = gravity.update(frame)
    # The standing body tells the roll back: the picture turned clockwise, the camera the other way.
    assert up.known and up.roll_deg == pytest.approx(-10.0, abs=1.5)
    back = rolled(rolled(still, 10.0), -10.0).frames[5]
    np.testing.assert_allclose(back.landmarks[:, :2], still.frames[5].landmarks[:, :2], atol=1e-9)


def test_half_rate_and_jitter(recording: Recording) -> None:
    half = every_other_frame(recording)
    assert half.fps == 15.0 and len(half) == (len(recording) + 1) // 2
    noisy = jittered(recording)
    moved = np.abs(noisy.frames[10].landmarks[:, :2] - recording.frames[10].landmarks[:, :2])
    assert 0.0 < float(np.median(moved)) < 0.01


def test_pitching_turns_the_world_about_the_camera_axis_and_redraws_the_picture(recording: Recording) -> None:
    level, down = pitched(recording, 0.0).frames[20], pitched(recording, 20.0).frames[20]
    assert level.world is not None and down.world is not None
    np.testing.assert_allclose(level.world, recording.frames[20].world)  # level: the world as it was
    # 20 deg down: every world vector turns by 20 deg about x, lengths kept.
    a = level.world[Landmark.LEFT_SHOULDER] - level.world[Landmark.LEFT_ANKLE]
    b = down.world[Landmark.LEFT_SHOULDER] - down.world[Landmark.LEFT_ANKLE]
    cos = float(a[1:] @ b[1:]) / float(np.linalg.norm(a[1:]) * np.linalg.norm(b[1:]))
    assert np.degrees(np.arccos(cos)) == pytest.approx(20.0, abs=0.5)
    assert a[0] == pytest.approx(b[0]) and np.linalg.norm(a) == pytest.approx(np.linalg.norm(b))
    # The generator draws its picture orthographically from its world, so redrawing it level gives
    # it back; pitched, the picture changes (points ahead of the hips rise).
    size = recording.frames[20].image_size
    moved = np.abs(level.landmarks[:, :2] - recording.frames[20].landmarks[:, :2]) * size
    assert float(moved.max()) < 0.5
    assert float(np.abs(down.landmarks[:, 1] - level.landmarks[:, 1]).max()) * size[1] > 5.0
