"""Live cameras: newest-frame hand-over, real-time pacing, and reconnecting a lost camera."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from spinesafe.errors import CameraError, InputFileError
from spinesafe.lab.synthetic import animate, standing
from spinesafe.pose.camera import (
    FRAME_BY_FRAME,
    CameraStatus,
    FileCamera,
    ReplayCamera,
    ReplayEstimator,
    ThreadedCamera,
    list_cameras,
    parse_camera,
    video_devices,
)


class FakeCapture:
    """Stands in for cv2.VideoCapture: opens or not, then gives ``frames`` images and fails."""

    def __init__(self, opened: bool = True, frames: int = 0) -> None:
        self.opened = opened
        self.left = frames
        self.released = False

    def isOpened(self) -> bool:  # OpenCV's spelling
        return self.opened

    def read(self) -> tuple[bool, np.ndarray | None]:
        if self.left <= 0:
            return False, None
        self.left -= 1
        time.sleep(0.005)
        return True, np.zeros((48, 64, 3), np.uint8)

    def set(self, prop: int, value: float) -> bool:
        return True

    def get(self, prop: int) -> float:
        return 30.0

    def release(self) -> None:
        self.released = True


def drain(camera: FileCamera | ReplayCamera | ThreadedCamera, delay_s: float = 0.0, limit_s: float = 10.0) -> list:
    frames = []
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        frame = camera.read(0.5)
        if frame is None:
            if camera.status is CameraStatus.ENDED:
                break
            continue
        frames.append(frame)
        if delay_s:
            time.sleep(delay_s)
    return frames


def _mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_file_camera_plays_in_real_time(person_video: Path) -> None:
    camera = FileCamera(person_video)  # 45 frames at 30 fps: 1.5 s
    assert camera.is_file and camera.real_images and camera.fps == 30.0
    start = time.monotonic()
    camera.start()
    frames = drain(camera)
    elapsed = time.monotonic() - start
    camera.close()
    assert len(frames) == 45 and camera.dropped == 0
    assert 1.3 < elapsed < 2.5, elapsed
    assert [f.index for f in frames] == list(range(45))
    assert [f.t_s for f in frames] == pytest.approx([i / 30 for i in range(45)], abs=1e-3)
    waits = [f.captured_at - start - f.t_s for f in frames]  # each frame published at its own time
    assert max(waits) - min(waits) < 0.3


def test_slow_reader_gets_the_newest_frame_not_a_backlog(person_video: Path, person_frames: list[np.ndarray]) -> None:
    camera = FileCamera(person_video, speed=1.0)
    camera.start()
    frames = drain(camera, delay_s=0.1)  # a loop three times slower than the camera
    camera.close()
    assert 10 <= len(frames) <= 20 and camera.dropped >= 25
    assert len(frames) + camera.dropped == 45  # every frame was either handed over or counted as dropped
    # Each frame handed over is whole and consistent: its picture is the one written at its index
    # (closer to it than to the previous frame, which is shifted by a pixel or more) and its time
    # is that index's.
    for frame in frames:
        assert frame.t_s == pytest.approx(frame.index / 30, abs=1e-3)
        diff = _mean_abs_diff(frame.image, person_frames[frame.index])
        assert diff < 6.0 and (frame.index == 0 or diff < _mean_abs_diff(frame.image, person_frames[frame.index - 1]))
    assert frames[-1].index == 44  # the last frame is always handed over: nothing newer replaces it
    gaps = np.diff([f.index for f in frames])
    # Frames in between were dropped, not queued. The median, not every gap: on a loaded 2-core
    # machine the decoding thread itself falls behind now and then and publishes late, so one
    # read can find only the next frame (seen in CI: gaps 3, 3, ..., 3, 1).
    assert np.median(gaps) >= 2


def test_file_camera_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        FileCamera(tmp_path / "missing.mp4")
    assert parse_camera("0") == 0 and parse_camera("clip.mp4") == Path("clip.mp4")


def test_replay_camera_and_estimator_pair() -> None:
    poses = animate(standing(1.0), fps=30, image_size=(320, 180))
    camera = ReplayCamera(poses, name="rec", speed=4.0)
    estimator = ReplayEstimator(poses)
    assert not camera.real_images
    camera.start()
    frames = drain(camera)
    camera.close()
    assert frames[0].image.shape == (180, 320, 3)
    for frame in frames:
        assert estimator.estimate(frame) is poses[frame.index]
        assert frame.t_s == poses[frame.index].t_s


def test_a_recording_played_frame_by_frame_drops_nothing_for_a_slow_reader() -> None:
    poses = animate(standing(1.0), fps=30, image_size=(320, 180))  # 30 frames
    paced = ReplayCamera(poses, speed=20.0)  # 1.5 ms a frame against a 10 ms reader: most are replaced
    paced.start()
    seen = drain(paced, delay_s=0.01)
    paced.close()
    assert paced.dropped > 0 and len(seen) < len(poses)
    every = ReplayCamera(poses, speed=FRAME_BY_FRAME)
    every.start()
    seen = drain(every, delay_s=0.01)
    every.close()
    assert every.dropped == 0 and [f.index for f in seen] == list(range(len(poses)))
    with pytest.raises(ValueError):
        ReplayCamera(poses, speed=-1.0)


def test_threaded_camera_reconnects_after_unplugging() -> None:
    # Opening fails once (busy), then a camera gives 5 frames and dies (unplugged), then it is back.
    captures = [FakeCapture(opened=False), FakeCapture(frames=5), FakeCapture(frames=1000)]
    camera = ThreadedCamera(0, opener=lambda _index: captures.pop(0), retry_s=0.05)
    statuses: list[tuple[CameraStatus, str]] = []
    camera.start()
    frames = []
    deadline = time.monotonic() + 5.0
    while len(frames) < 20 and time.monotonic() < deadline:
        frame = camera.read(0.02)
        statuses.append((camera.status, camera.message))
        if frame is not None:
            frames.append(frame)
    camera.close()
    assert len(frames) == 20
    assert camera.reconnects == 1
    messages = {m for s, m in statuses if s is CameraStatus.LOST}
    assert any("cannot be opened" in m for m in messages) or any("stopped sending" in m for m in messages)
    times = [f.t_s for f in frames]
    assert times == sorted(times)  # one clock across the reconnect


class FakeCameras:
    """An opener for cameras ``present`` (each giving ``frames`` pictures); the others do not open."""

    def __init__(self, present: set[int], frames: int = 1000) -> None:
        self.present, self.frames = present, frames
        self.opened: list[int] = []
        self.captures: list[FakeCapture] = []

    def __call__(self, index: int) -> FakeCapture:
        self.opened.append(index)
        capture = FakeCapture(opened=index in self.present, frames=self.frames)
        self.captures.append(capture)
        return capture


def test_a_missing_camera_is_one_error_naming_the_cameras_there_are() -> None:
    cameras = FakeCameras({0, 2})
    camera = ThreadedCamera(7, opener=cameras, candidates=range(10))
    with pytest.raises(CameraError) as caught:
        camera.open()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("camera 7 cannot be opened")
    assert "cameras found: 0, 2." in message
    assert "--camera N" in message and "--camera PATH" in message and ".npz recording" in message
    assert all(c.released for c in cameras.captures)  # probing leaves no camera held


def test_no_camera_at_all_says_so() -> None:
    camera = ThreadedCamera(0, opener=FakeCameras(set()), candidates=range(10))
    with pytest.raises(CameraError, match=r"camera 0 cannot be opened .*; no cameras found\. Choose"):
        camera.open()


def test_a_camera_that_opens_but_sends_no_picture_is_an_error_at_the_start() -> None:
    cameras = FakeCameras({0, 1}, frames=0)  # held by another program: opens, never delivers
    camera = ThreadedCamera(1, opener=cameras, candidates=range(3))
    with pytest.raises(CameraError, match=r"camera 1 opens but sends no picture .*cameras found: 0\."):
        camera.open()
    assert cameras.captures[0].released


def test_a_camera_opened_at_the_start_and_lost_later_is_retried_and_comes_back() -> None:
    # Open at the start, 5 frames, unplugged; busy once while retrying; then back for good.
    captures = [FakeCapture(frames=6), FakeCapture(opened=False), FakeCapture(frames=1000)]
    camera = ThreadedCamera(0, opener=lambda _index: captures.pop(0), retry_s=0.05)
    camera.open()  # reads one picture of the first capture
    camera.start()
    statuses: list[tuple[CameraStatus, str]] = []
    frames = []
    deadline = time.monotonic() + 5.0
    while len(frames) < 20 and time.monotonic() < deadline:
        frame = camera.read(0.02)
        statuses.append((camera.status, camera.message))
        if frame is not None:
            frames.append(frame)
    camera.close()
    assert len(frames) == 20 and not captures
    assert camera.reconnects == 1
    lost = {m for s, m in statuses if s is CameraStatus.LOST}
    assert any("stopped sending" in m for m in lost)


def test_closing_a_camera_opened_but_never_started_releases_it() -> None:
    cameras = FakeCameras({0})
    camera = ThreadedCamera(0, opener=cameras, candidates=())
    camera.open()
    camera.close()
    assert cameras.captures[0].released


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/dev/videoN device nodes are Linux's")
def test_video_devices_are_the_dev_video_indices(tmp_path: Path) -> None:
    for name in ("video0", "video1", "video10", "videofoo", "vbi0"):
        (tmp_path / name).touch()
    assert video_devices(tmp_path) == [0, 1, 10]


def test_probing_cameras_is_quiet(capfd: pytest.CaptureFixture[str]) -> None:
    # Index 7 exists nowhere OpenCV is tested (CI has no camera); OpenCV warns for each index tried.
    assert list_cameras(candidates=[7]) == []
    assert capfd.readouterr().err == ""
