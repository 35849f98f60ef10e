"""The orchestrator: source -> pose -> classifiers -> feedback, for one input.

``run_review`` is what ``spinesafe review`` calls; ``analyse_poses`` is the pure core that
a landmark replay and a video run share, which is why both give identical reports.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spinesafe.classifiers.analyser import ExerciseAnalyser
from spinesafe.classifiers.events import Event, FlexionEnded, HoldCompleted, RepCompleted, TwistEnded, ViewUnsuitable
from spinesafe.classifiers.exercises import ExerciseSpec, get_exercise
from spinesafe.classifiers.flexion import FlexionConfig
from spinesafe.errors import OutputError
from spinesafe.feedback.cues import Cue, CuePolicy
from spinesafe.feedback.report import SessionResult, build_report, write_json
from spinesafe.pose.frame import PoseFrame

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (frames done, frames expected or 0)
RECORDING_SUFFIX = ".npz"


@dataclass(frozen=True)
class ReviewOutputs:
    result: SessionResult
    report: dict[str, object]
    json_path: Path | None
    video_path: Path | None


class SessionRecorder:
    """Collects events and cues of a run into a :class:`SessionResult`."""

    def __init__(self, result: SessionResult, analyser: ExerciseAnalyser) -> None:
        self.result = result
        self.analyser = analyser
        self.policy = CuePolicy()
        self.cues: list[Cue] = list(self.policy.start(0.0))
        result.cues = self.cues

    def step(self, pose: PoseFrame) -> list[Cue]:
        """Feed one pose; returns the cues it produced."""
        self.result.frames += 1
        self.result.frames_with_person += int(pose.present)
        self.result.duration_s = max(self.result.duration_s, pose.t_s)
        return self._take(self.analyser.update(pose))

    def finish(self) -> list[Cue]:
        cues = self._take(self.analyser.finish())
        self.result.view_counts = self.analyser.view_counts
        self.result.neutral = self.analyser.flexion.neutral
        if self.result.frames_with_person == 0:
            self.result.notes.append("No person was found in the video: nothing could be counted.")
        if self.result.truncated:
            self.result.notes.append(
                "The video ended early (truncated or damaged): only the readable part was analysed."
            )
        return cues

    def _take(self, events: list[Event]) -> list[Cue]:
        for event in events:
            if isinstance(event, RepCompleted):
                self.result.reps.append(event)
            elif isinstance(event, FlexionEnded):
                self.result.flexion_events.append(event)
            elif isinstance(event, ViewUnsuitable):
                self.result.view_warnings.append(event)
            elif isinstance(event, HoldCompleted):
                self.result.holds.append(event)
            elif isinstance(event, TwistEnded):
                self.result.twist_events.append(event)
        cues = self.policy.update(events)
        self.cues.extend(cues)
        return cues


def analyse_poses(
    poses: Iterable[PoseFrame],
    spec: ExerciseSpec,
    *,
    source: str,
    estimator: str,
    fps: float,
    mode: str = "replay",
    flexion: FlexionConfig | None = None,
) -> SessionResult:
    """Run the classifiers and cue policy over poses (no images, no MediaPipe)."""
    result = SessionResult(source=source, mode=mode, spec=spec, estimator=estimator, fps=fps)
    recorder = SessionRecorder(result, ExerciseAnalyser(spec, flexion))
    for pose in poses:
        recorder.step(pose)
    recorder.finish()
    return result


def _prepare_out_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output folder ({exc.strerror or exc})") from exc
    probe = out_dir / ".spinesafe-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"{out_dir}: the output folder is not writable ({exc.strerror or exc})") from exc


def run_review(
    input_path: str | Path,
    exercise: str,
    *,
    out_dir: str | Path | None = None,
    json_path: str | Path | None = None,
    model: str | Path | None = None,
    write_video: bool = True,
    progress: Progress | None = None,
) -> ReviewOutputs:
    """Analyse a video file (or a landmark recording) and write the report and annotated video.

    Outputs: ``out_dir/report.json`` and ``out_dir/annotated.mp4`` when ``out_dir`` is given;
    ``json_path`` writes the JSON report there too (or only there).
    """
    from spinesafe.feedback.overlay import OverlayText, blank_canvas, draw_overlay

    spec = get_exercise(exercise)
    input_path = Path(input_path)
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        _prepare_out_dir(out)
    if json_path is not None:
        _prepare_out_dir(Path(json_path).parent)

    frames: Iterator[tuple[np.ndarray | None, PoseFrame]]
    if input_path.suffix.lower() == RECORDING_SUFFIX:
        from spinesafe.pose.recording import load_recording

        recording = load_recording(input_path)
        result = SessionResult(
            source=recording.source,
            mode="replay",
            spec=spec,
            estimator=recording.estimator,
            fps=recording.fps,
            truncated=recording.truncated,
        )
        total = len(recording)
        frames = ((None, pose) for pose in recording)
        closers: list[Callable[[], None]] = []
    else:
        from spinesafe.pose.estimators import create_estimator
        from spinesafe.pose.sources import VideoFileSource

        source = VideoFileSource(input_path)
        estimator = create_estimator(model)
        result = SessionResult(source=source.name, mode="review", spec=spec, estimator=estimator.name, fps=source.fps)
        total = source.expected_frames
        frames = ((vf.image, estimator.estimate(vf)) for vf in source)
        closers = [source.close, estimator.close]

    recorder = SessionRecorder(result, ExerciseAnalyser(spec))
    from spinesafe.feedback.video import Mp4Writer

    writer: Mp4Writer | None = None
    video_path = out / "annotated.mp4" if out is not None and write_video else None
    banner: Cue | None = None
    try:
        for done, (image, pose) in enumerate(frames, start=1):
            cues = recorder.step(pose)
            if cues:
                banner = min(cues, key=lambda c: c.kind.value != "safety")
            if video_path is not None:
                canvas = image if image is not None else blank_canvas(pose.image_size)
                if writer is None:  # sized from the first decoded frame (rotation already applied)
                    writer = Mp4Writer(video_path, result.fps, (canvas.shape[1], canvas.shape[0]))
                if banner is not None and pose.t_s - banner.t_s > 3.0:
                    banner = None
                text = OverlayText(exercise=spec.name, cue=banner.text if banner else "")
                writer.write(draw_overlay(canvas, pose, recorder.analyser.state, text))
            if progress is not None:
                progress(done, total)
        if input_path.suffix.lower() != RECORDING_SUFFIX:
            result.truncated = bool(getattr(source, "truncated", False))
    finally:
        for close in closers:
            close()
        if writer is not None:
            writer.close()
    recorder.finish()
    report = build_report(result)
    written_json = None
    if out is not None:
        written_json = write_json(report, out / "report.json")
    if json_path is not None:
        written_json = write_json(report, json_path)
    return ReviewOutputs(result=result, report=report, json_path=written_json, video_path=video_path)
