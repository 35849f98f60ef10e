"""Live cameras: a capture thread that always hands over the newest frame, and paced fakes.

The live loop must never work on stale images: pose inference takes ~30 ms, and a camera
buffers frames, so reading them in order adds latency that grows without bound. Every camera
here captures in its own thread into a one-frame slot; :meth:`read` returns the newest frame
not yet handed over (older ones are dropped and counted in :attr:`dropped`).

- :class:`ThreadedCamera`: a real camera through OpenCV. :meth:`ThreadedCamera.open` checks it at
  the start: one that cannot be opened raises :class:`~spinesafe.errors.CameraError` naming the
  cameras that can (:func:`list_cameras`). Lost later (unplugged, taken by another program):
  :attr:`status` becomes LOST with a message, the thread retries every second, the session carries on.
- :class:`FileCamera`: a video file played as if it were a camera, paced in real time
  (``spinesafe live --camera PATH``), so the whole live path runs without a camera.
- :class:`ReplayCamera` + :class:`ReplayEstimator`: a landmark recording (or synthetic poses)
  paced the same way, with blank images; the estimator hands back the recorded pose of each
  frame. The fake edge for live tests: no camera and no MediaPipe.

Frame times (``t_s``) are seconds since the camera started for a real camera, and the file's
own timestamps for the paced fakes (so rep durations are the recording's). ``captured_at`` is
the ``time.monotonic()`` at which the frame became available, for latency measurements.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, Protocol

import cv2
import numpy as np

from spinesafe.errors import CameraError, SpinesafeError
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.sources import VideoFileSource, VideoFrame, usable_fps

log = logging.getLogger(__name__)

RETRY_S = 1.0  # how often a lost camera is tried again
PROBE_INDICES = range(10)  # camera indices tried when listing cameras (where the system cannot list them)
FIRST_PICTURE_TRIES = 5  # reads a just-opened camera gets to deliver its first picture (some drop a few)
FIRST_PICTURE_S = 5.0  # ... within this time (webcams start in under 2 s; a read may block until its timeout)
OPENCV_SILENT = 0  # cv2 LOG_LEVEL_SILENT
VIDEO_DEVICE = re.compile(r"video(\d+)$")  # Linux: /dev/video<index>, the index OpenCV opens
BACKGROUND_GREY = 32  # the blank image a replay camera draws on


@dataclass(frozen=True)
class CapturedFrame(VideoFrame):
    """A camera frame with the monotonic time at which it was captured (seconds)."""

    captured_at: float = 0.0


class CameraStatus(enum.Enum):
    STARTING = "starting"
    LIVE = "live"
    LOST = "lost"  # unplugged, busy or failing: retrying
    ENDED = "ended"  # a file or recording played to its end


class LiveCamera(Protocol):
    """What the live loop needs from a camera."""

    name: str
    fps: float
    is_file: bool  # a recording rather than a real camera (not mirrored by default)
    real_images: bool  # False for a landmark replay (blank pictures: no light level to judge)

    def start(self) -> None: ...

    def read(self, timeout_s: float) -> CapturedFrame | None:
        """The newest frame not yet read, waiting up to ``timeout_s``; None if none came."""
        ...

    @property
    def status(self) -> CameraStatus: ...

    @property
    def message(self) -> str: ...

    def close(self) -> None: ...


class _LatestFrameSlot:
    """One frame, replaced by each newer one; readers wait for a frame they have not seen."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: CapturedFrame | None = None
        self._seq = 0
        self._read_seq = 0
        self.dropped = 0
        self.status = CameraStatus.STARTING
        self.message = "Starting the camera..."

    def put(self, frame: CapturedFrame, until_read: threading.Event | None = None) -> None:
        """Publish ``frame``. With ``until_read`` (a stop event), first wait until the reader has
        taken the previous frame, so none is dropped (a recording played frame by frame)."""
        with self._cond:
            if until_read is not None:
                while self._seq > self._read_seq and not until_read.is_set():
                    self._cond.wait(timeout=0.1)
            if self._seq > self._read_seq:
                self.dropped += 1  # the reader never saw the previous one
            self._frame = frame
            self._seq += 1
            self.status = CameraStatus.LIVE
            self.message = ""
            self._cond.notify_all()

    def set_status(self, status: CameraStatus, message: str) -> None:
        with self._cond:
            self.status = status
            self.message = message
            self._cond.notify_all()

    def get(self, timeout_s: float) -> CapturedFrame | None:
        with self._cond:
            self._cond.wait_for(
                lambda: self._seq > self._read_seq or self.status is CameraStatus.ENDED, timeout=timeout_s
            )
            if self._seq > self._read_seq:
                self._read_seq = self._seq
                self._cond.notify_all()  # a frame-by-frame player waits for this
                return self._frame
            return None


class _ThreadedSource:
    """Shared lifecycle: a daemon producer thread filling a :class:`_LatestFrameSlot`."""

    name = "camera"
    fps = 30.0
    is_file = False
    real_images = True

    def __init__(self) -> None:
        self._slot = _LatestFrameSlot()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._guarded_run, name=f"spinesafe-{self.name}", daemon=True)
            self._thread.start()

    def _guarded_run(self) -> None:
        try:
            self._run()
        except SpinesafeError as exc:  # e.g. a file that turns out not to be a video
            self.error = exc
            self._slot.set_status(CameraStatus.ENDED, str(exc))

    def _run(self) -> None:
        raise NotImplementedError

    def read(self, timeout_s: float) -> CapturedFrame | None:
        return self._slot.get(timeout_s)

    @property
    def status(self) -> CameraStatus:
        return self._slot.status

    @property
    def message(self) -> str:
        return self._slot.message

    @property
    def dropped(self) -> int:
        """Frames captured but replaced by a newer one before the live loop read them."""
        return self._slot.dropped

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3.0)


Opener = Callable[[int], Any]  # index -> an object with isOpened/read/release/set/get (cv2.VideoCapture)


@contextlib.contextmanager
def _opencv_silent() -> Iterator[None]:
    """OpenCV's own log lines off (probing absent cameras makes it warn once per index)."""
    level = cv2.getLogLevel()
    cv2.setLogLevel(OPENCV_SILENT)
    try:
        yield
    finally:
        cv2.setLogLevel(level)


def video_devices(dev: Path = Path("/dev")) -> list[int] | None:
    """Linux: the indices of the /dev/videoN device nodes (a camera may have two: pictures and
    metadata); None elsewhere, where the system gives no list."""
    if not sys.platform.startswith("linux"):
        return None
    found = (VIDEO_DEVICE.match(path.name) for path in dev.glob("video*"))
    return sorted(int(m.group(1)) for m in found if m)


def list_cameras(opener: Opener | None = None, candidates: Iterable[int] | None = None) -> list[int]:
    """The camera indices that open, tried quietly: the /dev/videoN nodes on Linux, else 0-9."""
    opener = opener or cv2.VideoCapture
    if candidates is None:
        devices = video_devices()
        candidates = devices if devices is not None else PROBE_INDICES
    found = []
    with _opencv_silent():
        for index in candidates:
            capture = opener(index)
            if capture.isOpened():
                found.append(index)
            capture.release()
    return found


def camera_unavailable_message(index: int, why: str, cameras: Sequence[int]) -> str:
    """One line: which camera failed and why, the cameras there are, and how to choose one."""
    there = f"cameras found: {', '.join(map(str, cameras))}" if cameras else "no cameras found"
    return (
        f"camera {index} {why}; {there}. Choose a camera with --camera N, "
        "or play a video file or a .npz recording as the camera with --camera PATH"
    )


class ThreadedCamera(_ThreadedSource):
    """A real camera: OpenCV capture in a thread; reconnects when unplugged or busy."""

    def __init__(
        self,
        index: int = 0,
        width: int = 1280,
        height: int = 720,
        opener: Opener | None = None,
        retry_s: float = RETRY_S,
        candidates: Iterable[int] | None = None,
    ) -> None:
        super().__init__()
        self.index = index
        self.name = f"camera {index}"
        self.width, self.height = width, height
        self._opener: Opener = opener or cv2.VideoCapture
        self.retry_s = retry_s
        self.reconnects = 0
        self._t0 = time.monotonic()
        self._candidates = candidates  # the indices list_cameras tries (None: the system's list)
        self._capture: Any | None = None  # opened by open(), handed to the capture thread

    def _open(self) -> Any | None:
        capture = self._opener(self.index)
        if not capture.isOpened():
            capture.release()
            return None
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # where the backend supports it: no stale frames queued
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = usable_fps(fps)
        return capture

    def open(self) -> None:
        """Open the camera now and read one picture, before a session starts.

        A camera that cannot be opened, or opens but sends no picture (another program holds
        it), raises :class:`CameraError` with one line naming the cameras there are. Without
        this call :meth:`start` keeps retrying a camera that is not there (as when one is lost).
        """
        if self._capture is not None:
            return
        capture = self._open()
        if capture is None:
            self._fail("cannot be opened (" + self._why_not_opened() + ")")
        if not self._first_picture(capture):
            capture.release()
            self._fail("opens but sends no picture (is another program, a video call, using it?)")
        self._capture = capture

    @staticmethod
    def _first_picture(capture: Any) -> bool:
        give_up = time.monotonic() + FIRST_PICTURE_S
        for _ in range(FIRST_PICTURE_TRIES):
            ok, image = capture.read()
            if ok and image is not None:
                return True
            if time.monotonic() > give_up:
                break
        return False

    def _why_not_opened(self) -> str:
        devices = video_devices()
        if devices is None:
            return "no such camera, or another program is using it"
        if self.index in devices:
            return f"/dev/video{self.index} is there: another program may be using it, or it is not a camera"
        return "there is no such camera"

    def _fail(self, why: str) -> NoReturn:
        others = [i for i in list_cameras(self._opener, self._candidates) if i != self.index]
        raise CameraError(camera_unavailable_message(self.index, why, others))

    def _run(self) -> None:
        self._t0 = time.monotonic()
        capture: Any | None = self._capture  # opened by open(), or None: opened (and retried) here
        self._capture = None
        index = 0
        ever_opened = capture is not None
        while not self._stop.is_set():
            if capture is None:
                capture = self._open()
                if capture is None:
                    self._slot.set_status(
                        CameraStatus.LOST,
                        f"Camera {self.index} cannot be opened (unplugged, or used by another program?). Retrying...",
                    )
                    self._stop.wait(self.retry_s)
                    continue
                if ever_opened:
                    self.reconnects += 1
                    log.info("%s: reconnected", self.name)
                ever_opened = True
            ok, image = capture.read()
            now = time.monotonic()
            if not ok or image is None:
                capture.release()
                capture = None
                self._slot.set_status(
                    CameraStatus.LOST, f"Camera {self.index} stopped sending pictures. Check the cable. Retrying..."
                )
                log.warning("%s stopped delivering frames; retrying every %.0f s", self.name, self.retry_s)
                self._stop.wait(self.retry_s)
                continue
            self._slot.put(CapturedFrame(image=image, t_s=now - self._t0, index=index, captured_at=now))
            index += 1
        if capture is not None:
            capture.release()

    def close(self) -> None:
        super().close()
        if self._capture is not None:  # opened but never started
            self._capture.release()
            self._capture = None


FRAME_BY_FRAME = 0.0  # speed: every frame, each as soon as the previous one was taken (none dropped)


class _PacedSource(_ThreadedSource):
    """Publishes frames at their own timestamps divided by ``speed`` (real time at 1.0), or, with
    :data:`FRAME_BY_FRAME`, every frame as fast as the reader takes them: what a camera would give a
    machine fast enough for every frame, whatever the load (tests, evaluations)."""

    is_file = True

    def __init__(self, speed: float = 1.0) -> None:
        super().__init__()
        if speed < 0:
            raise ValueError(f"speed: expected >= 0, got {speed}")
        self.speed = speed
        self.published = 0

    def _pace(self, frames: Any) -> None:
        start: float | None = None
        t_first = 0.0
        for frame in frames:
            if self._stop.is_set():
                return
            if start is None:
                start, t_first = time.monotonic(), frame.t_s
            if self.speed != FRAME_BY_FRAME:
                delay = start + (frame.t_s - t_first) / self.speed - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
            captured = CapturedFrame(image=frame.image, t_s=frame.t_s, index=frame.index, captured_at=time.monotonic())
            self._slot.put(captured, until_read=self._stop if self.speed == FRAME_BY_FRAME else None)
            self.published += 1
        self._slot.set_status(CameraStatus.ENDED, f"{self.name}: end of the recording")


class FileCamera(_PacedSource):
    """A video file played as a live camera, in real time (``speed`` 2.0 plays twice as fast)."""

    def __init__(self, path: str | Path, speed: float = 1.0) -> None:
        super().__init__(speed)
        self._source = VideoFileSource(path)  # raises InputFileError / VideoDecodeError at once
        self.name = self._source.name
        self.fps = self._source.fps

    @property
    def truncated(self) -> bool:
        return self._source.truncated

    def _run(self) -> None:
        try:
            self._pace(iter(self._source))
        finally:
            self._source.close()


class ReplayCamera(_PacedSource):
    """Recorded poses played as a live camera: blank images, paced by the poses' times.

    Frame ``i`` of the camera carries ``index = i`` so :class:`ReplayEstimator` finds its pose.
    """

    real_images = False

    def __init__(self, poses: Sequence[PoseFrame], name: str = "replay", fps: float = 30.0, speed: float = 1.0) -> None:
        super().__init__(speed)
        if not poses:
            raise CameraError(f"{name}: the recording has no frames")
        self.poses = list(poses)
        self.name = name
        self.fps = fps
        width, height = self.poses[0].image_size
        self._blank = np.full((height, width, 3), BACKGROUND_GREY, dtype=np.uint8)

    def _run(self) -> None:
        self._pace(VideoFrame(image=self._blank, t_s=p.t_s, index=i) for i, p in enumerate(self.poses))


class ReplayEstimator:
    """The recorded pose of each :class:`ReplayCamera` frame (by index), at the frame's time."""

    name = "replay"

    def __init__(self, poses: Sequence[PoseFrame], name: str = "replay") -> None:
        self.poses = list(poses)
        self.name = name

    def estimate(self, frame: VideoFrame) -> PoseFrame:
        return self.poses[frame.index]

    def close(self) -> None:
        pass


def parse_camera(value: str) -> int | Path:
    """``--camera`` argument: a camera index ("0") or a path to a video or landmark recording."""
    try:
        return int(value)
    except ValueError:
        return Path(value)
