"""Frame sources: video files and cameras, each frame carrying its time in seconds."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from spinesafe.errors import CameraError, InputFileError, VideoDecodeError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoFrame:
    """An image from a source. ``image`` is (height, width, 3) uint8 BGR (OpenCV's order)."""

    image: np.ndarray
    t_s: float
    index: int

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])


class FrameSource(Protocol):
    """Anything that yields timed frames: a video file, a camera, a test fake."""

    name: str
    fps: float

    def __iter__(self) -> Iterator[VideoFrame]: ...

    def close(self) -> None: ...


class VideoFileSource:
    """Frames of a video file, decoded with OpenCV.

    Times come from the container's presentation timestamps when they increase, otherwise
    from ``index / fps``. After iteration, :attr:`truncated` tells whether decoding stopped
    well before the frame count the container promised (a cut or damaged file).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.name = self.path.name
        if not self.path.is_file():
            raise InputFileError(f"{self.path}: no such file")
        self._capture = cv2.VideoCapture(str(self.path))
        if not self._capture.isOpened():
            raise VideoDecodeError(
                f"{self.path}: cannot be opened as a video (not a video file, or damaged or cut short "
                "before its index was written)"
            )
        fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        # Some containers report 0 or absurd rates; 30 fps is the common phone/webcam rate.
        self.fps = fps if 1.0 <= fps <= 240.0 else 30.0
        self.expected_frames = max(0, int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0))
        self.frames_read = 0
        self.truncated = False

    @property
    def duration_s(self) -> float:
        return self.expected_frames / self.fps if self.expected_frames else 0.0

    def __iter__(self) -> Iterator[VideoFrame]:
        last_t = -1.0
        index = 0
        while True:
            ok, image = self._capture.read()
            if not ok or image is None:
                break
            pos_ms = float(self._capture.get(cv2.CAP_PROP_POS_MSEC) or 0.0)
            t_s = pos_ms / 1000.0 if pos_ms / 1000.0 > last_t else index / self.fps
            if t_s <= last_t:
                t_s = last_t + 1.0 / self.fps
            last_t = t_s
            self.frames_read = index + 1
            yield VideoFrame(image=image, t_s=t_s, index=index)
            index += 1
        if self.frames_read == 0:
            raise VideoDecodeError(f"{self.path}: no frame could be decoded (not a video, or damaged)")
        # A few frames' difference is normal (counts are estimates in many containers).
        missing = self.expected_frames - self.frames_read
        self.truncated = missing > max(3, int(0.02 * self.expected_frames))
        if self.truncated:
            log.warning(
                "%s: decoding stopped after %d of %d frames; the file looks truncated or damaged",
                self.path,
                self.frames_read,
                self.expected_frames,
            )

    def close(self) -> None:
        self._capture.release()


class CameraSource:
    """Frames from a camera through OpenCV, timed by the monotonic clock from the first frame."""

    def __init__(self, index: int = 0, width: int = 1280, height: int = 720) -> None:
        self.name = f"camera {index}"
        self._capture = cv2.VideoCapture(index)
        if not self._capture.isOpened():
            raise CameraError(f"camera {index} cannot be opened (unplugged, or used by another program?)")
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 1.0 <= fps <= 240.0 else 30.0

    def __iter__(self) -> Iterator[VideoFrame]:
        start = time.monotonic()
        index = 0
        while True:
            ok, image = self._capture.read()
            if not ok or image is None:
                raise CameraError(f"{self.name} stopped delivering frames")
            yield VideoFrame(image=image, t_s=time.monotonic() - start, index=index)
            index += 1

    def close(self) -> None:
        self._capture.release()
