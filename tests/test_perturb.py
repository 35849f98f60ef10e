"""The corpus perturbations (spinesafe.lab.perturb) change what they say and nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from spinesafe.classifiers.features import compute_features
from spinesafe.classifiers.gravity import GravityEstimator
from spinesafe.lab.perturb import every_other_frame, jittered, mirrored, rolled
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
