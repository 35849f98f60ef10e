"""Annotated video output: H.264 in MP4 through PyAV (plays in browsers), with the cue audio track.

- :class:`Mp4Writer` encodes BGR frames to an H.264 MP4 (video only).
- :class:`AnnotatedVideo` draws the overlay and encodes in a worker thread, so that on a
  2-core machine pose estimation keeps one core while drawing and encoding use the other
  (OpenCV and PyAV release the GIL in their heavy calls). It also keeps small JPEG key frames
  of the annotated picture for the HTML report.
- :func:`mux_audio` adds an AAC sound track (the cues' tones and speech) to a finished video,
  copying the H.264 packets without re-encoding and interleaving the two streams by time.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import cv2
import numpy as np

from spinesafe.classifiers.analyser import FrameState
from spinesafe.errors import OutputError, SpinesafeError
from spinesafe.feedback.overlay import OverlayText
from spinesafe.feedback.report import publish
from spinesafe.feedback.result import KeyFrame
from spinesafe.pose.frame import PoseFrame

if TYPE_CHECKING:
    import av.audio.stream
    import av.packet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoSettings:
    """How the annotated video is encoded.

    ``max_side_px``: the longer side is scaled down to this (960 keeps a 720p phone clip legible
    and halves the drawing and encoding work against full size); ``preset`` and ``crf`` are x264's
    (superfast: ~6.7 ms a 960x540 frame on the 2-core machine against ~8.6 for veryfast, for files
    about 2-3 times larger, ~7 MB for 43 s).
    """

    max_side_px: int = 960
    preset: str = "superfast"
    crf: int = 23
    threads: int = 0  # x264 threads; 0 = x264's own choice
    # The worker (and the x264 threads it starts, which inherit it) runs this much nicer than the pose
    # model, so on a busy machine the pose model keeps its core and drawing uses what is left.
    nice: int = 19

    def output_size(self, size: tuple[int, int]) -> tuple[int, int]:
        """(width, height) of the output for an input of ``size``: scaled down to fit, even sides."""
        width, height = size
        scale = min(1.0, self.max_side_px / max(width, height))
        out_w, out_h = max(2, round(width * scale)), max(2, round(height * scale))
        return out_w - out_w % 2, out_h - out_h % 2


_TIME_BASE = Fraction(1, 90_000)  # the MPEG clock: 25, 30 and 30000/1001 fps are whole ticks


class Mp4Writer:
    """Writes BGR frames (H, W, 3 uint8) to an H.264 MP4.

    Each frame is stamped with its own time when one is given (a phone's variable frame rate keeps
    its timing, so the overlay stays with the cue sound laid at the same times), else at ``fps``.
    """

    def __init__(
        self, path: str | Path, fps: float, size: tuple[int, int], settings: VideoSettings | None = None
    ) -> None:
        import av

        settings = settings or VideoSettings()
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
        self._stream.codec_context.time_base = _TIME_BASE
        self._fps = fps
        self._last_pts = -1
        self._stream.width, self._stream.height = self._size
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": str(settings.crf), "preset": settings.preset}
        if settings.threads:
            self._stream.codec_context.thread_count = settings.threads
        self.frames = 0

    def write(self, image: np.ndarray, t_s: float | None = None) -> None:
        """Add a frame shown at ``t_s`` seconds (the source's time), or one frame after the last."""
        import av

        width, height = self._size
        # OpenCV's BGR -> I420 (BT.601, as libswscale's default) runs without the GIL, unlike PyAV's
        # own conversion, so an encoder thread does not stall the pose thread.
        yuv: np.ndarray = cv2.cvtColor(np.ascontiguousarray(image[:height, :width]), cv2.COLOR_BGR2YUV_I420)
        frame = av.VideoFrame.from_ndarray(yuv.astype(np.uint8, copy=False), format="yuv420p")
        seconds = t_s if t_s is not None and math.isfinite(t_s) else self.frames / self._fps
        # Strictly increasing stamps: two frames within a tick keep their order.
        pts = max(round(seconds / _TIME_BASE), self._last_pts + 1)
        frame.pts, frame.time_base, self._last_pts = pts, _TIME_BASE, pts
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


# draw(image, pose, state, text, canvas_size) -> the annotated canvas of canvas_size (width, height):
# the picture scaled into it with the words around it (overlay.draw_overlay).
Draw = Callable[[np.ndarray, PoseFrame, "FrameState | None", OverlayText, tuple[int, int]], np.ndarray]

KEY_FRAME_EVERY_S = 0.1  # candidate pictures for key frames, 10 a second ...
KEY_FRAME_WINDOW_S = 30.0  # ... for the last 30 s (an event is asked for when it ends)
KEY_FRAME_WIDTH_PX = 640
KEY_FRAME_JPEG_QUALITY = 80


@dataclass(frozen=True)
class _Frame:
    image: np.ndarray
    pose: PoseFrame
    state: FrameState | None
    text: OverlayText
    hold: tuple[str, ...] = ()  # keep this annotated picture under these names (see submit)


@dataclass(frozen=True)
class _KeyRequest:
    slot: str
    t_s: float
    label: str


class AnnotatedVideo:
    """Overlay + H.264 encoding in a worker thread; keeps key-frame pictures on request.

    ``submit`` queues a frame (blocking when the worker is ``queue_size`` frames behind, so memory
    stays flat); ``request_key_frame(slot, t_s, label)`` asks for the annotated picture of ``t_s``,
    replacing an earlier one in the same slot. The picture is exact when a frame of that time was
    submitted with a ``hold`` name and is still the latest one held under it (the session marks the
    frame of each new peak as it happens: the picture then shows that moment with its own overlay);
    otherwise the nearest of the pictures kept every :data:`KEY_FRAME_EVERY_S` (within the last
    :data:`KEY_FRAME_WINDOW_S`). With ``path=None`` nothing is encoded and only key-frame candidates
    are drawn.
    """

    def __init__(
        self,
        path: Path | None,
        fps: float,
        draw: Draw,
        *,
        settings: VideoSettings | None = None,
        key_frames: bool = True,
        queue_size: int = 8,
    ) -> None:
        self.path = path
        self.fps = fps
        self.settings = settings or VideoSettings()
        self._draw = draw
        self._keep_key_frames = key_frames
        self._queue: queue.Queue[_Frame | _KeyRequest | None] = queue.Queue(maxsize=queue_size)
        self._writer: Mp4Writer | None = None
        self._recent: deque[tuple[float, bytes]] = deque()
        self._held: dict[str, tuple[float, np.ndarray]] = {}  # name -> (time, annotated picture)
        self._next_candidate_s = -np.inf
        self.key_frames: dict[str, KeyFrame] = {}
        self.frames = 0
        self.size: tuple[int, int] | None = None
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="spinesafe-video", daemon=True)
        self._thread.start()

    def submit(
        self,
        image: np.ndarray,
        pose: PoseFrame,
        state: FrameState | None,
        text: OverlayText,
        hold: tuple[str, ...] = (),
    ) -> None:
        """Queue a frame; ``hold``: names to keep its annotated picture under, each replacing the last."""
        self._put(_Frame(image, pose, state, text, hold if self._keep_key_frames else ()))

    def request_key_frame(self, slot: str, t_s: float, label: str) -> None:
        if self._keep_key_frames:
            self._put(_KeyRequest(slot, t_s, label))

    def _put(self, item: _Frame | _KeyRequest | None) -> None:
        while True:
            if self._error is not None:
                raise self._error
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    raise OutputError(f"{self.path}: the video worker stopped") from self._error

    def close(self) -> list[KeyFrame]:
        """Finish the video; returns the key frames in time order. Raises what the worker raised."""
        if not self._closed:
            self._closed = True
            if self._thread.is_alive():
                self._put(None)
                self._thread.join()
        if self._error is not None:
            raise self._error
        return sorted(self.key_frames.values(), key=lambda k: k.t_s)

    def abort(self) -> None:
        """Stop without raising (used when the session itself failed)."""
        try:
            self.close()
        except Exception as exc:  # the session's own error is the one to report
            log.debug("video worker failed while aborting: %s", exc)

    # --- worker thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        _lower_priority(self.settings.nice)
        try:
            while (item := self._queue.get()) is not None:
                if isinstance(item, _KeyRequest):
                    self._take_key_frame(item)
                else:
                    self._render(item)
        except Exception as exc:  # handed to the frame loop by submit()/close(), as a clear error
            self._error = (
                exc if isinstance(exc, SpinesafeError) else OutputError(f"{self.path}: cannot write the video ({exc})")
            )
            while True:  # unblock a producer waiting on a full queue
                try:
                    if self._queue.get(timeout=1.0) is None:
                        break
                except queue.Empty:
                    break
        finally:
            if self._writer is not None:
                writer, self._writer = self._writer, None
                try:
                    writer.close()
                except Exception as exc:
                    self._error = self._error or OutputError(f"{self.path}: cannot finish the video ({exc})")

    def _render(self, frame: _Frame) -> None:
        pose = frame.pose
        height, width = frame.image.shape[:2]
        out_size = self.settings.output_size((width, height))
        candidate = self._keep_key_frames and pose.t_s >= self._next_candidate_s
        if self.path is None and not candidate and not frame.hold:
            return
        # The same layout as the live screen at the video's size: the picture scaled into it once.
        drawn = self._draw(frame.image, pose, frame.state, frame.text, out_size)
        if self.path is not None:
            if self._writer is None:
                self.size = out_size
                self._writer = Mp4Writer(self.path, self.fps, out_size, self.settings)
            self._writer.write(drawn, frame.pose.t_s)
            self.frames += 1
        for name in frame.hold:
            self._held[name] = (pose.t_s, drawn if self.path is None else drawn.copy())
        if candidate:
            self._next_candidate_s = pose.t_s + KEY_FRAME_EVERY_S
            self._recent.append((pose.t_s, _jpeg(drawn)))
            while self._recent and self._recent[0][0] < pose.t_s - KEY_FRAME_WINDOW_S:
                self._recent.popleft()

    def _take_key_frame(self, request: _KeyRequest) -> None:
        exact = [image for t_s, image in self._held.values() if abs(t_s - request.t_s) < 1e-6]
        if exact:
            self.key_frames[request.slot] = KeyFrame(t_s=request.t_s, label=request.label, jpeg=_jpeg(exact[0]))
            return
        if not self._recent:
            return
        t_s, jpeg = min(self._recent, key=lambda item: abs(item[0] - request.t_s))
        if abs(t_s - request.t_s) <= 0.5:
            self.key_frames[request.slot] = KeyFrame(t_s=t_s, label=request.label, jpeg=jpeg)


def _lower_priority(nice: int) -> None:
    """Make the calling thread (only it: Linux priorities are per thread) ``nice`` steps nicer."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError as exc:  # not permitted on some systems: run at the normal priority
        log.debug("could not lower the video worker's priority: %s", exc)


def _jpeg(image: np.ndarray) -> bytes:
    height, width = image.shape[:2]
    if width > KEY_FRAME_WIDTH_PX:
        size = (KEY_FRAME_WIDTH_PX, round(height * KEY_FRAME_WIDTH_PX / width))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, KEY_FRAME_JPEG_QUALITY])
    if not ok:
        raise OutputError("cannot encode a key frame as JPEG")
    return data.tobytes()


def mux_audio(video_path: str | Path, samples: np.ndarray, sample_rate: int, out_path: str | Path) -> Path:
    """Write ``out_path``: the H.264 stream of ``video_path`` (copied) plus ``samples`` as AAC.

    ``samples``: (n,) mono float in [-1, 1]. The output is written to a temporary file and renamed,
    with the index at the front (``+faststart``) so a browser starts playing before it has it all.
    """
    import av

    video_path, out_path = Path(video_path), Path(out_path)
    mono = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    if mono.ndim != 1:
        raise ValueError(f"samples: expected shape (n,), got {mono.shape}")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.stem}-", suffix=".mp4", dir=out_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with (
            av.open(str(video_path)) as src,
            av.open(str(tmp), mode="w", options={"movflags": "+faststart"}) as dst,
        ):
            video_in = src.streams.video[0]
            video_out = dst.add_stream_from_template(video_in)
            audio_out = dst.add_stream("aac", rate=sample_rate, layout="mono")
            audio_out.bit_rate = 64000
            audio_packets = _encode_audio(audio_out, mono, sample_rate)
            pending = deque(audio_packets)
            for packet in src.demux(video_in):
                if packet.dts is None:
                    continue
                t_video = _seconds(packet)
                while pending and _seconds(pending[0]) <= t_video:
                    dst.mux(pending.popleft())
                packet.stream = video_out
                dst.mux(packet)
            while pending:
                dst.mux(pending.popleft())
        publish(tmp, out_path)
    except (OSError, av.error.FFmpegError) as exc:
        raise OutputError(f"{out_path}: cannot add the sound track ({exc})") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return out_path


def _seconds(packet: av.packet.Packet) -> float:
    return float((packet.dts or 0) * (packet.time_base or 0))


def _encode_audio(stream: av.audio.stream.AudioStream, mono: np.ndarray, sample_rate: int) -> list[av.packet.Packet]:
    """AAC packets of ``mono``, in frames of the encoder's size (1024 samples for AAC)."""
    import av

    frame_size = int(stream.codec_context.frame_size or 1024)
    packets: list[av.packet.Packet] = []
    for start in range(0, mono.size, frame_size):
        chunk = mono[start : start + frame_size]
        if chunk.size < frame_size:
            chunk = np.pad(chunk, (0, frame_size - chunk.size))
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
        frame.sample_rate = sample_rate
        frame.pts = start
        frame.time_base = Fraction(1, sample_rate)
        packets.extend(stream.encode(frame))
    packets.extend(stream.encode(None))
    return packets
