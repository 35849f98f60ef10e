"""Shared fixtures: a real photograph of a person (shipped by matplotlib) and short videos made from it.

Videos are session-scoped because every MediaPipe frame costs ~35 ms; keep them short.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from matplotlib import cbook

from spinesafe.feedback.video import Mp4Writer

FPS = 30.0
N_FRAMES = 45


@pytest.fixture(scope="session")
def photo_path() -> Path:
    """Grace Hopper's portrait (512x600, facing the camera), from matplotlib's sample data."""
    path = Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    assert path.is_file(), path
    return path


@pytest.fixture(scope="session")
def photo(photo_path: Path) -> np.ndarray:
    """(600, 512, 3) uint8 BGR."""
    image = cv2.imread(str(photo_path))
    assert image is not None and image.shape == (600, 512, 3)
    return image


@pytest.fixture(scope="session")
def person_frames(photo: np.ndarray) -> list[np.ndarray]:
    """N_FRAMES copies of the photo, each shifted by a few pixels so that no two neighbours are equal."""
    height, width = photo.shape[:2]
    frames = []
    for i in range(N_FRAMES):
        shift = np.float32([[1, 0, (i % 10) - 5], [0, 1, (i % 6) - 3]])
        frames.append(cv2.warpAffine(photo, shift, (width, height), borderMode=cv2.BORDER_REPLICATE))
    return frames


@pytest.fixture(scope="session")
def person_video(tmp_path_factory: pytest.TempPathFactory, person_frames: list[np.ndarray]) -> Path:
    """The person frames as an H.264 MP4 written by spinesafe's own writer (moov atom at the end)."""
    path = tmp_path_factory.mktemp("videos") / "person.mp4"
    height, width = person_frames[0].shape[:2]
    with Mp4Writer(path, FPS, (width, height)) as writer:
        for frame in person_frames:
            writer.write(frame)
    return path


@pytest.fixture(scope="session")
def faststart_video(tmp_path_factory: pytest.TempPathFactory, person_frames: list[np.ndarray]) -> Path:
    """The person frames as a phone-style MP4: index (moov) first and a keyframe every 5 frames.

    With the index first, a file cut short still opens; with frequent keyframes its bytes are
    spread over the frames, so cutting at 60% of the bytes keeps roughly half the frames.
    """
    path = tmp_path_factory.mktemp("videos") / "faststart.mp4"
    height, width = person_frames[0].shape[:2]
    with av.open(str(path), mode="w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=Fraction(int(FPS)))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"g": "5", "preset": "veryfast"}
        for image in person_frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _cut_copy(src: Path, dst: Path, fraction: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


@pytest.fixture(scope="session")
def cut_copy() -> Callable[[Path, Path, float], Path]:
    """``cut_copy(src, dst, fraction)`` copies the first ``fraction`` of the bytes (a download cut short)."""
    return _cut_copy


@pytest.fixture(scope="session")
def truncated_video(tmp_path_factory: pytest.TempPathFactory, faststart_video: Path) -> Path:
    """The faststart video cut at 60% of its bytes."""
    return _cut_copy(faststart_video, tmp_path_factory.mktemp("videos") / "truncated.mp4", 0.6)
