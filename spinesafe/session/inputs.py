"""What a review reads: a video file (decoded and posed in two threads) or a landmark recording,
as (image or None, pose) pairs; and the first pass of ``--exercise auto``.

Review throughput on a 2-core machine: decoding, pose estimation (MediaPipe, ~31 ms a 720p frame)
and the classifiers (~1-3 ms) run in three threads chained by small queues (:func:`prefetch`).
OpenCV, PyAV and MediaPipe release the GIL in their heavy calls.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from spinesafe.classifiers.exercises import EXERCISES, NOT_IN_LIBRARY, ExerciseSpec
from spinesafe.feedback.result import SessionResult
from spinesafe.pose.frame import PoseFrame

if TYPE_CHECKING:
    from spinesafe.classifiers.segments import Segment
    from spinesafe.pose.estimators import PoseEstimator

Progress = Callable[[int, int], None]  # (frames done, frames expected or 0)
AUTO = "auto"  # ``--exercise auto``: the recogniser says which exercise it is
RECORDING_SUFFIX = ".npz"  # a landmark recording (spinesafe record), replayed instead of a video
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp"})

T = TypeVar("T")


def is_recording(path: Path) -> bool:
    return path.suffix.lower() == RECORDING_SUFFIX


def prefetch(items: Iterable[T], size: int = 4, name: str = "spinesafe-prefetch") -> Iterator[T]:
    """Iterate ``items`` in a background thread, up to ``size`` ahead (video decoding overlaps pose
    estimation). An exception raised by ``items`` is raised here, in order; leaving the loop early
    stops the thread."""
    buffer: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=size)
    stop = threading.Event()
    done = object()

    def put(item: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                if not put((True, item)):
                    return
            put((True, done))
        except BaseException as exc:  # handed to the consumer, raised there
            put((False, exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:  # a generator is closed by the thread that ran it (stops nested prefetches)
                close()

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            ok, item = buffer.get()
            if not ok:
                raise item
            if item is done:
                return
            yield item
    finally:
        stop.set()
        thread.join(timeout=5.0)


@dataclass
class OpenedInput:
    """An opened input: frames as (image or None, pose), and what to close."""

    result: SessionResult
    frames: Iterator[tuple[np.ndarray | None, PoseFrame]]
    total: int
    has_images: bool
    closers: list[Callable[[], None]] = field(default_factory=list)
    truncated: Callable[[], bool] = lambda: False

    def close(self) -> None:
        close_frames = getattr(self.frames, "close", None)
        if close_frames is not None:  # stops the decoding and pose threads first
            close_frames()
        for close in self.closers:
            close()
        self.closers = []


def open_input(
    path: Path, spec: ExerciseSpec, model: str | Path | None, estimator: PoseEstimator | None
) -> OpenedInput:
    if is_recording(path):
        from spinesafe.pose.recording import load_recording

        recording = load_recording(path)
        result = SessionResult(
            source=recording.source,
            mode="replay",
            spec=spec,
            estimator=recording.estimator,
            fps=recording.fps,
            truncated=recording.truncated,
        )
        frames: Iterator[tuple[np.ndarray | None, PoseFrame]] = ((None, pose) for pose in recording)
        return OpenedInput(result, frames, len(recording), has_images=False, truncated=lambda: recording.truncated)

    from spinesafe.pose.recording import open_video

    source, pose_estimator = open_video(path, model=model, estimator=estimator)
    result = SessionResult(source=source.name, mode="review", spec=spec, estimator=pose_estimator.name, fps=source.fps)
    # Three stages in three threads: decoding, pose estimation, and (in the caller) the classifiers,
    # cues and drawing, so the pose model is never kept waiting by the others.
    video_frames: Iterator[tuple[np.ndarray | None, PoseFrame]] = prefetch(
        ((vf.image, pose_estimator.estimate(vf)) for vf in prefetch(source, name="spinesafe-decode")),
        name="spinesafe-pose",
    )
    return OpenedInput(
        result,
        video_frames,
        source.expected_frames,
        has_images=True,
        closers=[source.close, pose_estimator.close],
        truncated=lambda: source.truncated,
    )


def recognise_input(
    path: Path, model: str | Path | None, estimator: PoseEstimator | None, progress: Progress | None
) -> tuple[list[Segment], PoseEstimator | None]:
    """First pass of ``--exercise auto``: the recording's (or video's) poses -> its segments, each
    with its exercise (:func:`~spinesafe.classifiers.segments.segment_recording`). With no library
    exercise in it, one or more segments of ``unknown`` (:data:`~spinesafe.classifiers.exercises.NOT_IN_LIBRARY`;
    not sure, confidence 0, when nothing moved or nobody was seen): reviewed with nothing counted.

    For a video the poses are kept and handed to the second pass, so MediaPipe runs once.
    """
    from spinesafe.classifiers.segments import Segment, main_exercise, segment_recording
    from spinesafe.classifiers.unsafe import load_model
    from spinesafe.pose.camera import ReplayEstimator

    poses: list[PoseFrame]
    second: PoseEstimator | None = estimator
    if is_recording(path):
        from spinesafe.pose.recording import load_recording

        poses = list(load_recording(path))
    else:
        from spinesafe.pose.recording import record_video

        recording = record_video(path, model=model, estimator=estimator, progress=progress)
        poses = list(recording)
        second = ReplayEstimator(poses, recording.estimator)
    segments = segment_recording(load_model(), poses)
    known = [s for s in segments if s.exercise in EXERCISES]
    if not known and any(s.exercise == NOT_IN_LIBRARY.id for s in segments):
        # Only movements outside the library: nothing is counted, but the back, twisting and the
        # movements to avoid are still watched and reported (a seated twist must not go unjudged).
        return [replace(s, exercise=NOT_IN_LIBRARY.id) for s in segments], second
    if not known:
        # Nobody moving (standing still, a slideshow of stills) or nobody seen: still a report, with
        # nothing counted and the back watched, that says so (not an error that loses the review;
        # a folder's batch listed such a video as failed). Not sure, confidence 0: nothing was named.
        unseen = tuple(sorted({joint for s in segments for joint in s.unseen}))
        t_first, t_last = (poses[0].t_s, poses[-1].t_s) if poses else (0.0, 0.0)
        nothing = Segment(t_first, t_last, -math.inf, math.inf, NOT_IN_LIBRARY.id, 0.0, sure=False, unseen=unseen)
        return [nothing], second
    # A stretch of a movement outside the library (the open-set answer) inside a recording of known
    # exercises is analysed with the main one's rules but never named: it is reported "not sure".
    main = main_exercise(known)
    segments = [
        s if s.exercise in EXERCISES else replace(s, exercise=main, sure=False, confidence=min(s.confidence, 0.49))
        for s in segments
    ]
    return segments, second
