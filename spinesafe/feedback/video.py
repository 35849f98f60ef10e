"""Annotated video output: H.264 in MP4 through PyAV, so it plays in browsers.

The audio track with the cues comes with the audio stage; this writer is the seam for it.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import TracebackType

import numpy as np

from spinesafe.errors import OutputError


class Mp4Writer:
    """Writes BGR frames (H, W, 3 uint8) to an H.264 MP4 at a constant frame rate."""

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int]) -> None:
        import av

        self.path = Path(path)
        width, height = size
        # H.264 with yuv420p needs even dimensions.
        self._size = (width - width % 2, height - height % 2)
        try:
            self._container = av.open(str(self.path), mode="w")
        except (OSError, av.error.FFmpegError) as exc:
            raise OutputError(f"{self.path}: cannot write the video ({exc})") from exc
        rate = Fraction(fps).limit_denominator(1001)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = self._size
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": "23", "preset": "veryfast"}
        self.frames = 0

    def write(self, image: np.ndarray) -> None:
        import av

        width, height = self._size
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[:height, :width]), format="bgr24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1

    def close(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
