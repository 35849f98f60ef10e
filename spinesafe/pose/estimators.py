"""Pose estimators: image -> `PoseFrame`.

- :class:`MediaPipePoseEstimator`: the BlazePose *full* model bundled inside the mediapipe
  0.10.21 wheel (works offline, no download), run in tracking (video) mode.
- :class:`TaskPoseEstimator`: a MediaPipe Tasks ``PoseLandmarker`` from a user's ``.task`` file
  (e.g. the lite or heavy model), also in video mode. It looks for two people and follows the one
  like the person it followed so far (:func:`spinesafe.pose.people.closest`), so a passer-by
  beside the patient is not taken for them.

MediaPipe is imported lazily so the classifiers and the replay path never need it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from spinesafe.errors import ModelLoadError
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import NUM_LANDMARKS
from spinesafe.pose.people import Follower
from spinesafe.pose.sources import VideoFrame

log = logging.getLogger(__name__)


class PoseEstimator(Protocol):
    """Turns timed images into poses. Times passed in must increase."""

    name: str

    def estimate(self, frame: VideoFrame) -> PoseFrame: ...

    def close(self) -> None: ...


def _arrays(landmark_list: Any) -> tuple[np.ndarray, np.ndarray]:
    """(33, 3) coordinates and (33,) visibility from a MediaPipe landmark list."""
    points = np.array([(p.x, p.y, p.z) for p in landmark_list], dtype=np.float64)
    visibility = np.array([getattr(p, "visibility", 1.0) or 0.0 for p in landmark_list], dtype=np.float64)
    if points.shape != (NUM_LANDMARKS, 3):
        raise ModelLoadError(f"pose model gave {points.shape[0]} landmarks, expected {NUM_LANDMARKS}")
    return points, visibility


class MediaPipePoseEstimator:
    """BlazePose full (``model_complexity=1``) through ``mediapipe.solutions.pose``.

    Tracking mode (``static_image_mode=False``) with MediaPipe's landmark smoothing. The legacy
    solution API stamps every image 1/30 s after the previous one; we give it the real frame
    time instead so that its smoothing filters see true time steps at any frame rate.

    ``enable_segmentation=True`` also runs the model's person segmentation; after each
    :meth:`estimate` the mask (H x W float32 in [0, 1], the image's size; None when no person)
    is in :attr:`segmentation_mask` (used by :mod:`spinesafe.classifiers.back_contour`).
    """

    name = "mediapipe-blazepose-full-0.10.21"

    def __init__(
        self,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        enable_segmentation: bool = False,
    ) -> None:
        try:
            from mediapipe.python.solutions import pose as mp_pose
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ModelLoadError(f"mediapipe is not installed ({exc}); run `make install`") from exc
        self._pose = mp_pose.Pose(
            static_image_mode=False,
            model_complexity=1,
            smooth_landmarks=True,
            enable_segmentation=enable_segmentation,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        self._last_us = -1
        self.segmentation_mask: np.ndarray | None = None

    def estimate(self, frame: VideoFrame) -> PoseFrame:
        t_us = max(round(frame.t_s * 1e6), self._last_us + 1)
        self._last_us = t_us
        # SolutionBase.process adds 33333 us to this private counter before stamping the packet
        # (mediapipe 0.10.21, pinned): setting it first makes the packet carry the real time.
        self._pose._simulated_timestamp = t_us - 33333
        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        result = self._pose.process(rgb)
        self.segmentation_mask = getattr(result, "segmentation_mask", None)
        if result.pose_landmarks is None:
            return PoseFrame.absent(frame.t_s, frame.index, frame.size)
        points, visibility = _arrays(result.pose_landmarks.landmark)
        world = None
        if result.pose_world_landmarks is not None:
            world, _ = _arrays(result.pose_world_landmarks.landmark)
        return PoseFrame(frame.t_s, frame.index, frame.size, points, visibility, world)

    def close(self) -> None:
        self._pose.close()


# People a ``.task`` model looks for: the patient and one more (a carer, a child walking through).
TASK_NUM_POSES = 2


class TaskPoseEstimator:
    """A MediaPipe Tasks ``PoseLandmarker`` from a ``.task`` model file, in video mode.

    With ``num_poses`` >= 2 it returns, of the people found, the one most like (in size and place)
    the person it returned last: the first person seen is followed, not whoever the model lists
    first. Whether a body is the patient's at all is judged later (:mod:`spinesafe.classifiers.person`).
    """

    def __init__(self, model_path: str | Path, num_poses: int = TASK_NUM_POSES) -> None:
        if num_poses < 1:
            raise ValueError(f"num_poses: expected at least 1, got {num_poses}")
        path = Path(model_path)
        if not path.is_file():
            raise ModelLoadError(f"{path}: model file not found")
        try:
            from mediapipe.tasks.python import BaseOptions
            from mediapipe.tasks.python.vision import (
                PoseLandmarker,
                PoseLandmarkerOptions,
                RunningMode,
            )
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ModelLoadError(f"mediapipe is not installed ({exc}); run `make install`") from exc
        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=RunningMode.VIDEO,
            num_poses=num_poses,
        )
        try:
            self._landmarker = PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise ModelLoadError(f"{path}: not a valid MediaPipe pose landmarker .task model ({exc})") from exc
        self.name = f"mediapipe-task:{path.name}"
        self._last_ms = -1
        self._follower = Follower()

    def estimate(self, frame: VideoFrame) -> PoseFrame:
        import mediapipe as mp

        t_ms = max(round(frame.t_s * 1000), self._last_ms + 1)
        self._last_ms = t_ms
        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        result = self._landmarker.detect_for_video(image, t_ms)
        if not result.pose_landmarks:
            return PoseFrame.absent(frame.t_s, frame.index, frame.size)
        worlds = result.pose_world_landmarks or []
        people = [
            PoseFrame(
                frame.t_s,
                frame.index,
                frame.size,
                *_arrays(landmarks),
                _arrays(worlds[i])[0] if i < len(worlds) else None,
            )
            for i, landmarks in enumerate(result.pose_landmarks)
        ]
        return self._follower.pick(people)

    def close(self) -> None:
        self._landmarker.close()


def create_estimator(model: str | Path | None = None) -> PoseEstimator:
    """The bundled BlazePose full model, or a ``.task`` model when a path is given."""
    if model is None:
        return MediaPipePoseEstimator()
    return TaskPoseEstimator(model)
