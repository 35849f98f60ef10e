"""Landmark recordings: every frame's pose saved to one ``.npz`` file, and replayed.

A recording holds poses only, never images (nothing is kept that the user did not ask
for). Replaying it through the classifiers gives exactly the results of the original run.
The file is plain numpy arrays (no pickle), so loading an untrusted file is safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from spinesafe.errors import InputFileError, OutputError, RecordingFormatError
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import NUM_LANDMARKS

if TYPE_CHECKING:
    from spinesafe.pose.estimators import PoseEstimator
    from spinesafe.pose.sources import VideoFileSource

FORMAT = "spinesafe.landmarks/1"


@dataclass(frozen=True)
class Recording:
    """Poses of one source, in time order."""

    frames: tuple[PoseFrame, ...]
    source: str
    estimator: str
    fps: float
    truncated: bool = False

    def __iter__(self) -> Iterator[PoseFrame]:
        return iter(self.frames)

    def __len__(self) -> int:
        return len(self.frames)


def save_recording(
    path: str | Path,
    frames: Iterable[PoseFrame],
    *,
    source: str,
    estimator: str,
    fps: float,
    truncated: bool = False,
) -> Path:
    """Write poses to ``path`` (``.npz``); returns the path written."""
    frames = list(frames)
    n = len(frames)
    landmarks = np.full((n, NUM_LANDMARKS, 3), np.nan)
    visibility = np.zeros((n, NUM_LANDMARKS))
    world = np.full((n, NUM_LANDMARKS, 3), np.nan)
    has_world = np.zeros(n, dtype=bool)
    for i, frame in enumerate(frames):
        landmarks[i] = frame.landmarks
        visibility[i] = frame.visibility
        if frame.world is not None:
            world[i] = frame.world
            has_world[i] = True
    sizes = np.array([f.image_size for f in frames], dtype=np.int64).reshape(n, 2)
    path = Path(path)
    try:
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                format=np.array(FORMAT),
                source=np.array(source),
                estimator=np.array(estimator),
                fps=np.array(fps, dtype=np.float64),
                truncated=np.array(truncated),
                t_s=np.array([f.t_s for f in frames], dtype=np.float64),
                index=np.array([f.index for f in frames], dtype=np.int64),
                present=np.array([f.present for f in frames], dtype=bool),
                image_size=sizes,
                landmarks=landmarks,
                visibility=visibility,
                world=world,
                has_world=has_world,
            )
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the recording ({exc.strerror or exc})") from exc
    return path


def load_recording(path: str | Path) -> Recording:
    """Read a recording written by :func:`save_recording`."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as data:
            fmt = str(data["format"])
            if fmt != FORMAT:
                raise RecordingFormatError(f"{path}: unknown recording format {fmt!r}, expected {FORMAT!r}")
            t_s, index, present = data["t_s"], data["index"], data["present"]
            sizes, landmarks, visibility = data["image_size"], data["landmarks"], data["visibility"]
            world, has_world = data["world"], data["has_world"]
            frames = tuple(
                PoseFrame(
                    t_s=float(t_s[i]),
                    index=int(index[i]),
                    image_size=(int(sizes[i, 0]), int(sizes[i, 1])),
                    landmarks=landmarks[i],
                    visibility=visibility[i],
                    world=world[i] if has_world[i] else None,
                    present=bool(present[i]),
                )
                for i in range(len(t_s))
            )
            return Recording(
                frames=frames,
                source=str(data["source"]),
                estimator=str(data["estimator"]),
                fps=float(data["fps"]),
                truncated=bool(data["truncated"]),
            )
    except RecordingFormatError:
        raise
    except (KeyError, ValueError, OSError, IndexError) as exc:
        raise RecordingFormatError(f"{path}: not a spinesafe landmark recording ({exc})") from exc


def open_video(
    path: str | Path, *, model: str | Path | None = None, estimator: PoseEstimator | None = None
) -> tuple[VideoFileSource, PoseEstimator]:
    """A video file and the pose estimator to run over it (``estimator``, else one made from
    ``model``, the bundled one by default). The caller closes both; if the estimator cannot be
    made, the video is closed before the error goes on."""
    from spinesafe.pose.estimators import create_estimator
    from spinesafe.pose.sources import VideoFileSource

    source = VideoFileSource(path)
    try:
        return source, estimator if estimator is not None else create_estimator(model)
    except BaseException:
        source.close()
        raise


def record_video(
    path: str | Path,
    *,
    model: str | Path | None = None,
    estimator: PoseEstimator | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Recording:
    """Run pose estimation over every frame of a video file and keep the poses in memory.

    ``estimator`` replaces the model made from ``model`` (the bundled one by default); either
    is closed at the end. ``progress(done, expected_frames)`` is called after each frame.
    """
    source, pose_estimator = open_video(path, model=model, estimator=estimator)
    poses = []
    try:
        for done, frame in enumerate(source, start=1):
            poses.append(pose_estimator.estimate(frame))
            if progress is not None:
                progress(done, source.expected_frames)
    finally:
        source.close()
        pose_estimator.close()
    return Recording(
        frames=tuple(poses),
        source=source.name,
        estimator=pose_estimator.name,
        fps=source.fps,
        truncated=source.truncated,
    )
