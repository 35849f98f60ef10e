"""Frame sources: video files, each frame upright and carrying its presentation time in seconds.

Live cameras (a capture thread, a file played as a camera, replays) are in :mod:`.camera`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from spinesafe.errors import InputFileError, VideoDecodeError

# A container or driver reporting a rate outside this (0, NaN, 90000) is wrong; 30 fps (phones' and
# webcams' usual rate) is assumed instead. The corpus spans 3.3-60 fps.
MIN_FPS, MAX_FPS = 1.0, 240.0
DEFAULT_FPS = 30.0


def usable_fps(fps: float) -> float:
    """``fps`` when it is a frame rate a camera or video can have, else :data:`DEFAULT_FPS`."""
    return fps if MIN_FPS <= fps <= MAX_FPS else DEFAULT_FPS


log = logging.getLogger(__name__)

# OpenCV's CAP_PROP_ORIENTATION_META: the degrees clockwise the stored picture must turn to be shown
# upright. Phones record landscape pixels and write this turn in the container's display matrix
# instead of turning the pixels: a phone held upright writes 90 (270 held the other way up).
_UPRIGHT = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


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


# FFmpeg demuxers that read still pictures: image2 (picked by a picture's file extension) and the
# <codec>_pipe family (picked by the file's first bytes, whatever its name: a photo renamed .mp4).
_PICTURE_DEMUXERS = ("image2", "image2pipe")


def picture_format(path: str | Path) -> str | None:
    """The picture codec (``"png"``, ``"mjpeg"``, ``"webp"`` ...) when FFmpeg reads ``path`` as a still
    image of at most one frame, else None (a video, or a file FFmpeg cannot open: left to the decoder).

    A sequence of pictures in one file (concatenated JPEGs, an animated GIF) has moving frames and
    is not a picture here.
    """
    import av  # PyAV: probes the container, which OpenCV does not name

    try:
        with av.open(str(path)) as container:
            demuxers = container.format.name.split(",")
            if not any(d in _PICTURE_DEMUXERS or d.endswith("_pipe") for d in demuxers):
                return None
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            for frames, _ in enumerate(container.decode(stream), start=1):
                if frames > 1:
                    return None
            return str(codec)
    except (av.FFmpegError, OSError, ValueError):
        return None


class VideoFileSource:
    """Frames of a video file, decoded with OpenCV, turned upright as a player would show them.

    Pictures are turned by the container's display rotation (:attr:`rotation_deg`, clockwise), so
    a portrait phone video stored as landscape pixels reaches the pose model, the classifiers and
    the annotated video standing up. Times are each frame's presentation timestamp (PTS x
    time base, from the stream's start), so a variable frame rate keeps its real times; a frame
    whose timestamp is missing or does not increase gets ``index / fps``, at least one nominal
    frame period after the previous frame. After iteration, :attr:`truncated` tells
    whether decoding stopped well before the frame count the container promised (a cut or
    damaged file). A still picture (PNG, JPEG, ... whatever its file name) is refused with
    :class:`VideoDecodeError`: it has no movement to judge.
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
        # OpenCV opens a photo as a one-frame video (its count is 1, or unknown: < 0), which would be
        # reviewed and stored as a session of one frame. Only then is the container asked what it is.
        if float(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0.0) <= 1.0:
            picture = picture_format(self.path)
            if picture is not None:
                self._capture.release()
                raise VideoDecodeError(
                    f"{self.path}: is a picture, not a video ({picture} image); give a video file of the "
                    "exercise (mp4, mov, avi, ...)"
                )
        fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        # Some containers report 0 or absurd rates; 30 fps is the common phone/webcam rate.
        self.fps = usable_fps(fps)
        self.expected_frames = max(0, int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0))
        # OpenCV's own auto-rotation (off by default in the pinned wheel; the default is not the same
        # in every release and back-end) is switched off and the pictures are turned here, so they
        # are turned exactly once.
        self._capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
        self.rotation_deg = round(float(self._capture.get(cv2.CAP_PROP_ORIENTATION_META) or 0.0)) % 360
        self._upright = _UPRIGHT.get(self.rotation_deg)
        if self._upright is not None:
            log.info(
                "%s: turning every picture %d degrees clockwise, as its display matrix asks",
                self.path,
                self.rotation_deg,
            )
        elif self.rotation_deg:
            log.warning(
                "%s: display rotation of %d degrees is not a quarter turn; shown as stored",
                self.path,
                self.rotation_deg,
            )
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
            if self._upright is not None:
                image = cv2.rotate(image, self._upright)
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
