"""Video files as phones write them: turned by a display matrix, and with a variable frame rate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

TICK = Fraction(1, 6000)  # s; whole ticks hold the frame periods of 20, 25, 30, 40, 50 and 60 fps exactly

# The stored picture is the upright one turned back against the display rotation (clockwise degrees).
_STORE = {0: None, 90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}

WriteClip = Callable[..., Path]


def write_clip(
    path: Path, upright: Sequence[np.ndarray], *, turn_cw_deg: int = 0, ticks: Sequence[int] | None = None
) -> Path:
    """An H.264 MP4 of ``upright`` BGR frames, stored as a phone stores them.

    ``turn_cw_deg``: the display matrix says "turn the stored picture this many degrees clockwise
    to show it" (a phone held upright writes 90), and the pixels are stored turned the other way,
    so a player that obeys the matrix shows ``upright``. ``ticks``: each frame's presentation
    time in :data:`TICK` units (default 30 fps).
    """
    store = _STORE[turn_cw_deg]
    stored = [frame if store is None else cv2.rotate(frame, store) for frame in upright]
    ticks = list(ticks) if ticks is not None else [200 * i for i in range(len(upright))]
    height, width = stored[0].shape[:2]
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = TICK
        stream.options = {"crf": "18", "preset": "veryfast"}
        if turn_cw_deg:
            # PyAV counts counter-clockwise; FFmpeg's mp4 muxer writes this as the track's matrix.
            # (The old "rotate" metadata tag is ignored by the FFmpeg 8 PyAV ships with.)
            stream.set_display_rotation(-turn_cw_deg)
        for image, tick in zip(stored, ticks, strict=True):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
            frame.pts, frame.time_base = tick, TICK
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture(scope="session")
def clip_writer() -> WriteClip:
    """:func:`write_clip`."""
    return write_clip


def stored_frames(path: Path) -> tuple[list[np.ndarray], list[float], int]:
    """What the file holds, read with PyAV and not turned: BGR pictures, PTS in seconds (from
    the stream's start) and the display rotation PyAV reads (counter-clockwise degrees)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        start = stream.start_time or 0
        frames = list(container.decode(stream))
        return (
            [f.to_ndarray(format="bgr24") for f in frames],
            [float((f.pts - start) * f.time_base) for f in frames],
            frames[0].rotation,
        )


@pytest.fixture(scope="session")
def read_stored() -> Callable[[Path], tuple[list[np.ndarray], list[float], int]]:
    """:func:`stored_frames`."""
    return stored_frames
