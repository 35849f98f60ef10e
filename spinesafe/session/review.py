"""The orchestrator: source -> pose -> classifiers -> feedback, for one input or a folder of them.

``run_review`` is what ``spinesafe review`` calls; ``analyse_poses`` is the pure core that
a landmark replay and a video run share, which is why both give identical reports.

Review throughput on a 2-core machine: decoding, pose estimation (MediaPipe, ~31 ms a 720p frame)
and the classifiers (~1-3 ms) run in three threads chained by small queues (:func:`prefetch`),
and the overlay and H.264 encoding in a fourth (:class:`~spinesafe.feedback.video.AnnotatedVideo`),
at a lower priority so that on a busy machine the pose model keeps its core. OpenCV, PyAV and
MediaPipe release the GIL in their heavy calls. ``scripts/bench_review.py`` measures it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import logging
import math
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from spinesafe.classifiers.analyser import ExerciseAnalyser
from spinesafe.classifiers.exercises import EXERCISES, ExerciseSpec, get_exercise
from spinesafe.classifiers.flexion import FlexionConfig
from spinesafe.classifiers.unsafe import UnsafePatternWatcher, packaged_watcher
from spinesafe.errors import InputFileError, OutputError, RecognitionError, SpinesafeError
from spinesafe.feedback.cues import Cue, CueKind
from spinesafe.feedback.report import build_report, reps_csv, write_json, write_text
from spinesafe.feedback.result import SessionResult
from spinesafe.feedback.store import SessionLog, SessionStore
from spinesafe.pose.frame import PoseFrame
from spinesafe.session.recorder import SessionRecorder, session_info

if TYPE_CHECKING:
    from spinesafe.classifiers.segments import Segment
    from spinesafe.feedback.audio import SpeechEngine
    from spinesafe.feedback.video import AnnotatedVideo, VideoSettings
    from spinesafe.pose.estimators import PoseEstimator
    from spinesafe.pose.sources import VideoFrame

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (frames done, frames expected or 0)
RECORDING_SUFFIX = ".npz"
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp"})
BANNER_S = 3.0  # a cue stays on the annotated video this long
MAX_FLEXION_KEY_FRAMES = 4

T = TypeVar("T")


@dataclass(frozen=True)
class ReviewOutputs:
    result: SessionResult
    report: dict[str, object]
    json_path: Path | None
    video_path: Path | None
    html_path: Path | None = None
    csv_path: Path | None = None
    session_id: int | None = None


def analyse_poses(
    poses: Iterable[PoseFrame],
    spec: ExerciseSpec,
    *,
    source: str,
    estimator: str,
    fps: float,
    mode: str = "replay",
    flexion: FlexionConfig | None = None,
    unsafe: UnsafePatternWatcher | None = None,
) -> SessionResult:
    """Run the classifiers and cue policy over poses (no images, no MediaPipe, no store); with
    ``unsafe``, watch for movements to avoid too (as ``run_review`` does)."""
    result = SessionResult(source=source, mode=mode, spec=spec, estimator=estimator, fps=fps)
    recorder = SessionRecorder(result, ExerciseAnalyser(spec, flexion), unsafe=unsafe)
    for pose in poses:
        recorder.step(pose)
    recorder.finish()
    return result


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
class _Input:
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


def _open_input(path: Path, spec: ExerciseSpec, model: str | Path | None, estimator: PoseEstimator | None) -> _Input:
    if path.suffix.lower() == RECORDING_SUFFIX:
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
        return _Input(result, frames, len(recording), has_images=False, truncated=lambda: recording.truncated)

    from spinesafe.pose.recording import open_video

    source, pose_estimator = open_video(path, model=model, estimator=estimator)
    result = SessionResult(source=source.name, mode="review", spec=spec, estimator=pose_estimator.name, fps=source.fps)
    # Three stages in three threads: decoding, pose estimation, and (in the caller) the classifiers,
    # cues and drawing, so the pose model is never kept waiting by the others.
    video_frames: Iterator[tuple[np.ndarray | None, PoseFrame]] = prefetch(
        ((vf.image, pose_estimator.estimate(vf)) for vf in prefetch(source, name="spinesafe-decode")),
        name="spinesafe-pose",
    )
    return _Input(
        result,
        video_frames,
        source.expected_frames,
        has_images=True,
        closers=[source.close, pose_estimator.close],
        truncated=lambda: source.truncated,
    )


AUTO = "auto"


class _StoredPoses:
    """An estimator that hands back poses found in a first pass, by frame index (``--exercise auto``)."""

    def __init__(self, poses: list[PoseFrame], name: str) -> None:
        self._poses, self.name = poses, name

    def estimate(self, frame: VideoFrame) -> PoseFrame:
        if frame.index < len(self._poses):
            return self._poses[frame.index]
        return PoseFrame.absent(frame.t_s, frame.index, frame.size)

    def close(self) -> None:
        pass


def _recognise_input(
    path: Path, model: str | Path | None, estimator: PoseEstimator | None, progress: Progress | None
) -> tuple[list[Segment], PoseEstimator | None]:
    """First pass of ``--exercise auto``: the recording's (or video's) poses -> its segments, each
    with its exercise (:func:`~spinesafe.classifiers.segments.segment_recording`).

    For a video the poses are kept and handed to the second pass, so MediaPipe runs once.
    """
    from spinesafe.classifiers.recogniser import RecogniserModel
    from spinesafe.classifiers.segments import segment_recording

    poses: list[PoseFrame]
    second: PoseEstimator | None = estimator
    if path.suffix.lower() == RECORDING_SUFFIX:
        from spinesafe.pose.recording import load_recording

        poses = list(load_recording(path))
    else:
        from spinesafe.pose.recording import record_video

        recording = record_video(path, model=model, estimator=estimator, progress=progress)
        poses = list(recording)
        second = _StoredPoses(poses, recording.estimator)
    segments = segment_recording(RecogniserModel.load(), poses)
    if not segments or any(s.exercise not in EXERCISES for s in segments):
        raise RecognitionError(
            f"{path}: no exercise could be recognised (the person seems to stand still or is not seen); "
            "give --exercise ID"
        )
    return segments, second


def _recognition_notes(result: SessionResult) -> list[str]:
    """Plain words on what ``--exercise auto`` found: not sure, or several exercises."""
    segments = result.segments
    spec = result.spec
    notes: list[str] = []
    if len(segments) == 1:
        if not result.exercise_sure:
            notes.append(
                f"Not sure which exercise this is: the best guess, {spec.name}, has confidence "
                f"{result.exercise_confidence or 0.0:.2f}. Give --exercise to be certain."
            )
        return notes
    parts = [f"{s.segment.start_s:.1f}-{s.segment.end_s:.1f} s {s.name} ({s.rep_count} reps)" for s in segments]
    notes.append(
        f"This video has {len(segments)} segments: {'; '.join(parts)}. The exercise and reps at the top of the "
        f"report are those of {spec.name}, the exercise with the most time; each segment has its own count."
    )
    for s in segments:
        if not s.segment.sure:
            notes.append(
                f"Not sure which exercise {s.segment.start_s:.1f}-{s.segment.end_s:.1f} s is: the best guess, "
                f"{s.spec.name}, has confidence {s.segment.confidence:.2f}; its reps are counted as {s.spec.name}."
            )
    return notes


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


class _KeyFramePicker:
    """Asks the video worker for the pictures worth showing in the report: the deepest point of the
    rep with the largest range of motion, and the peak of the first few flexion events."""

    def __init__(self, video: AnnotatedVideo) -> None:
        self.video = video
        self._best_rom = -math.inf
        self._flexions = 0

    def update(self, result: SessionResult, reps_before: int, flexions_before: int) -> None:
        for rep in result.reps[reps_before:]:
            if rep.complete and math.isfinite(rep.range_of_motion_deg) and rep.range_of_motion_deg > self._best_rom:
                self._best_rom = rep.range_of_motion_deg
                label = f"Deepest point of rep {rep.number} ({rep.range_of_motion_deg:.0f}° range of motion)"
                self.video.request_key_frame("rep", rep.turn_s, label)
        for event in result.flexion_events[flexions_before:]:
            if self._flexions >= MAX_FLEXION_KEY_FRAMES:
                break
            self._flexions += 1
            label = (
                f"Back rounding at {event.peak_s:.1f} s: peak {event.peak_deg:.0f}° "
                f"({event.severity.value}), seen from the {event.view}"
            )
            self.video.request_key_frame(f"flexion-{self._flexions}", event.peak_s, label)


class _SpeechWarmer:
    """Renders the words of each cue in a background thread as the cues appear, so the sound track
    costs little time at the end (espeak-ng runs as a separate process, off the GIL)."""

    def __init__(self, speech: SpeechEngine) -> None:
        self.speech = speech
        self.failed: Exception | None = None
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._seen: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="spinesafe-speech", daemon=True)
        self._thread.start()

    def add(self, cues: Iterable[Cue]) -> None:
        for cue in cues:
            if cue.text not in self._seen:
                self._seen.add(cue.text)
                self._queue.put(cue.text)

    def _run(self) -> None:
        from spinesafe.errors import AudioUnavailable

        while (text := self._queue.get()) is not None:
            if self.failed is not None:
                continue
            try:
                self.speech.render(text)
            except AudioUnavailable as exc:
                self.failed = exc

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()


def _speech_engine(speech: SpeechEngine | None) -> tuple[SpeechEngine, str | None]:
    """The engine for the sound track, and a note for the report when speech cannot be rendered."""
    from spinesafe.errors import AudioUnavailable
    from spinesafe.feedback.audio import EspeakSpeech, SilentSpeech

    if speech is not None:
        return speech, None
    try:
        return EspeakSpeech(), None
    except AudioUnavailable as exc:
        log.warning("%s", exc)
        return SilentSpeech(), f"Speech was not rendered into the video's sound track ({exc}); it has the tones only."


def _add_sound_track(
    silent_path: Path, out_path: Path, result: SessionResult, speech: SpeechEngine, warmer: _SpeechWarmer | None
) -> None:
    """``out_path``: the video of ``silent_path`` with the cue audio (the tones and words live mode plays)."""
    from spinesafe.errors import AudioUnavailable
    from spinesafe.feedback.audio import SAMPLE_RATE, SilentSpeech, render_timeline
    from spinesafe.feedback.video import mux_audio

    if warmer is not None:
        warmer.close()
        if warmer.failed is not None:
            result.notes.append(
                f"Speech was not rendered into the video's sound track ({warmer.failed}); it has the tones only."
            )
            speech = SilentSpeech()
    duration_s = result.frames / result.fps if result.fps > 0 else result.duration_s
    try:
        samples = render_timeline(list(result.cues), duration_s, speech)
    except AudioUnavailable as exc:
        result.notes.append(f"Speech was not rendered into the video's sound track ({exc}); it has the tones only.")
        samples = render_timeline(list(result.cues), duration_s, SilentSpeech())
    mux_audio(silent_path, samples, SAMPLE_RATE, out_path)


def run_review(
    input_path: str | Path,
    exercise: str,
    *,
    out_dir: str | Path | None = None,
    json_path: str | Path | None = None,
    model: str | Path | None = None,
    write_video: bool = True,
    progress: Progress | None = None,
    patient: str | None = None,
    store: SessionStore | None = None,
    estimator: PoseEstimator | None = None,
    speech: SpeechEngine | None = None,
    video_settings: VideoSettings | None = None,
) -> ReviewOutputs:
    """Analyse a video file (or a landmark recording) and write the reports and annotated video.

    Outputs in ``out_dir`` (when given): ``report.json``, ``reps.csv``, ``report.html`` and
    ``annotated.mp4`` (H.264 + AAC cue sound; not with ``write_video=False``). ``json_path``
    writes the JSON report there too (or only there). With ``store`` the session is stored in the
    history as it runs. ``estimator`` replaces the MediaPipe model (a fake, in tests); ``speech``
    the espeak-ng voice of the sound track.
    """
    from spinesafe.feedback.overlay import draw_overlay
    from spinesafe.feedback.video import AnnotatedVideo

    segments: list[Segment] = []
    if exercise == AUTO:
        from spinesafe.classifiers.segments import main_exercise

        segments, estimator = _recognise_input(Path(input_path), model, estimator, progress)
        exercise = main_exercise(segments)
    spec = get_exercise(exercise)
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        _prepare_out_dir(out)
    if json_path is not None:
        _prepare_out_dir(Path(json_path).parent)
    if out is not None:  # for the HTML report's plots
        _preload("matplotlib.figure", "matplotlib.backends.backend_agg")

    opened = _open_input(Path(input_path), spec, model, estimator)
    result = opened.result
    result.patient = patient or default_patient()
    if segments:
        main = [s for s in segments if s.exercise == exercise]
        seconds = sum(s.duration_s for s in main)
        result.exercise_confidence = (
            main[0].confidence if len(main) == 1 else sum(s.confidence * s.duration_s for s in main) / seconds
        )
        result.exercise_sure = all(s.sure for s in main)
    try:
        session_log = store.begin(session_info(result)) if store is not None else None
    except BaseException:
        opened.close()
        raise
    video_path = out / "annotated.mp4" if out is not None and write_video else None
    silent_path = video_path.with_name(".annotated.video.mp4") if video_path is not None else None
    draw_key_frames = opened.has_images and out is not None  # for the HTML report
    video = None
    if silent_path is not None or draw_key_frames:
        video = AnnotatedVideo(
            silent_path, result.fps, draw_overlay, settings=video_settings, key_frames=draw_key_frames
        )
    speech_engine, no_speech = _speech_engine(speech) if video_path is not None else (None, None)
    warmer = _SpeechWarmer(speech_engine) if speech_engine is not None and no_speech is None else None

    status = "failed"
    try:
        first = get_exercise(segments[0].exercise) if segments else spec
        watcher, no_watcher = packaged_watcher()  # never fails: without a model, a note says so
        if no_watcher:
            result.notes.append(no_watcher)
        recorder = SessionRecorder(
            result, ExerciseAnalyser(first), store=session_log, segments=segments, unsafe=watcher
        )
        _analyse_frames(opened, recorder, video, warmer, progress)
        if segments:
            result.notes[:0] = _recognition_notes(result)
        if video is not None:
            result.key_frames = video.close()
        status = "complete"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        opened.close()
        if status != "complete":
            if video is not None:
                video.abort()
            if warmer is not None:
                warmer.close()
            if silent_path is not None:
                silent_path.unlink(missing_ok=True)
            if session_log is not None:
                _finish_quietly(session_log, status, result)

    try:  # the session is over: the history records it even if an output cannot be written
        if video_path is not None and silent_path is not None and speech_engine is not None:
            if no_speech is not None:
                result.notes.append(no_speech)
            try:
                _add_sound_track(silent_path, video_path, result, speech_engine, warmer)
            finally:
                silent_path.unlink(missing_ok=True)
        report = build_report(result)
        written_json = html_path = csv_path = None
        if out is not None:
            written_json = write_json(report, out / "report.json")
            csv_path = write_text(reps_csv(report), out / "reps.csv", "the rep table")
            from spinesafe.feedback.html_report import session_html

            html_path = write_text(session_html(result, report), out / "report.html", "the HTML report")
        if json_path is not None:
            written_json = write_json(report, json_path)
    finally:
        if session_log is not None:
            session_log.finish(duration_s=result.duration_s, truncated=result.truncated, notes=result.notes)
    return ReviewOutputs(
        result=result,
        report=report,
        json_path=written_json,
        video_path=video_path,
        html_path=html_path,
        csv_path=csv_path,
        session_id=session_log.session_id if session_log is not None else None,
    )


def _analyse_frames(
    opened: _Input,
    recorder: SessionRecorder,
    video: AnnotatedVideo | None,
    warmer: _SpeechWarmer | None,
    progress: Progress | None,
) -> None:
    """The frame loop: classifiers and cues, the annotated frame to the video worker (with the cue of
    the last few seconds as its banner), key-frame requests, and speech rendered ahead."""
    from spinesafe.feedback.overlay import OverlayText, blank_canvas

    result = recorder.result
    picker = _KeyFramePicker(video) if video is not None else None
    if warmer is not None:
        warmer.add(recorder.cues)
    banner: Cue | None = None
    for done, (image, pose) in enumerate(opened.frames, start=1):
        reps_before, flexions_before = len(result.reps), len(result.flexion_events)
        cues = recorder.step(pose)
        if cues:
            banner = min(cues, key=lambda c: c.kind is not CueKind.SAFETY)
            if warmer is not None:
                warmer.add(cues)
        if video is not None and picker is not None:
            if banner is not None and pose.t_s - banner.t_s > BANNER_S:
                banner = None
            canvas = image if image is not None else blank_canvas(video.settings.output_size(pose.image_size))
            text = OverlayText(exercise=recorder.analyser.spec.name, cue=banner.text if banner else "")
            video.submit(canvas, pose, recorder.analyser.state, text)
            picker.update(result, reps_before, flexions_before)
        if progress is not None:
            progress(done, opened.total)
    result.truncated = opened.truncated()
    reps_before, flexions_before = len(result.reps), len(result.flexion_events)
    cues = recorder.finish()
    if warmer is not None:
        warmer.add(cues)
    if picker is not None:
        picker.update(result, reps_before, flexions_before)


def _preload(*modules: str) -> None:
    """Import ``modules`` in a background thread while the frames are analysed (matplotlib takes about a
    second to import, and the pose thread leaves the GIL free while MediaPipe runs)."""

    def load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except ImportError as exc:  # reported where the module is really used
                log.debug("preloading %s failed: %s", name, exc)

    threading.Thread(target=load, name="spinesafe-preload", daemon=True).start()


def _finish_quietly(session_log: SessionLog, status: str, result: SessionResult) -> None:
    """Mark a stored session failed or interrupted without hiding the error that ended it."""
    try:
        session_log.finish(status=status, duration_s=result.duration_s, notes=result.notes)
    except SpinesafeError as exc:
        log.warning("could not mark the stored session %s: %s", status, exc)


def default_patient() -> str:
    return os.environ.get("SPINESAFE_PATIENT") or "default"


# --- a folder of videos ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchItem:
    """One entry of a batch: ``status`` ok / failed / skipped."""

    file: str
    status: str
    output: Path | None = None
    message: str = ""
    rep_count: int | None = None
    partial_rep_count: int | None = None
    flexion_events: int | None = None
    unsafe_movements: int | None = None
    duration_s: float | None = None
    truncated: bool | None = None
    seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["output"] = str(self.output) if self.output is not None else None
        return data


@dataclass(frozen=True)
class BatchPlan:
    """What a folder holds: inputs to analyse (with their output folder names) and entries skipped."""

    inputs: list[tuple[Path, str]]
    skipped: list[BatchItem]


def plan_folder(folder: str | Path) -> BatchPlan:
    """Videos and recordings in ``folder`` (not its subfolders), in name order, each with a unique
    output folder name (its stem, or stem_suffix when two share a stem); other entries are skipped
    with the reason."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputFileError(f"{folder}: no such folder")
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise InputFileError(f"{folder}: cannot list the folder ({exc.strerror or exc})") from exc
    inputs: list[Path] = []
    skipped: list[BatchItem] = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        suffix = entry.suffix.lower()
        reason = ""
        if entry.is_symlink() and not entry.exists():
            reason = "broken link"
        elif entry.is_dir():
            reason = "a folder (subfolders are not searched)"
        elif suffix not in VIDEO_SUFFIXES and suffix != RECORDING_SUFFIX:
            reason = "not a video file"
        elif not entry.is_file():
            reason = "not a regular file"
        elif not os.access(entry, os.R_OK):
            reason = "cannot be read (permission denied)"
        if reason:
            skipped.append(BatchItem(file=entry.name, status="skipped", message=reason))
        else:
            inputs.append(entry)
    stems = [p.stem for p in inputs]
    named = [(p, p.stem if stems.count(p.stem) == 1 else f"{p.stem}_{p.suffix.lstrip('.').lower()}") for p in inputs]
    return BatchPlan(named, skipped)


def review_folder(
    plan: BatchPlan,
    exercise: str,
    out_dir: str | Path,
    *,
    on_start: Callable[[int, int, Path], Progress | None] | None = None,
    on_done: Callable[[BatchItem], None] | None = None,
    **review_options: Any,
) -> list[BatchItem]:
    """Review every input of ``plan`` into ``out_dir/<name>/``; a failure is recorded and the batch
    goes on. ``on_start(i, n, path)`` may return a per-video progress callback."""
    out = Path(out_dir)
    items: list[BatchItem] = []
    for i, (path, name) in enumerate(plan.inputs, start=1):
        progress = on_start(i, len(plan.inputs), path) if on_start is not None else None
        started = time.monotonic()
        try:
            outputs = run_review(path, exercise, out_dir=out / name, progress=progress, **review_options)
        except (SpinesafeError, OSError, ValueError, RuntimeError) as exc:
            log.debug("review of %s failed", path, exc_info=True)
            with contextlib.suppress(OSError):  # only removed when empty: nothing was written there
                (out / name).rmdir()
            item = BatchItem(
                file=path.name, status="failed", message=str(exc), seconds=round(time.monotonic() - started, 2)
            )
        else:
            item = BatchItem(
                file=path.name,
                status="ok",
                output=out / name,
                message="truncated: only the readable part was analysed" if outputs.result.truncated else "",
                rep_count=outputs.result.rep_count,
                partial_rep_count=sum(1 for r in outputs.result.reps if not r.complete),
                flexion_events=len(outputs.result.flexion_events),
                unsafe_movements=len(outputs.result.unsafe_movements),
                duration_s=round(outputs.result.duration_s, 3),
                truncated=outputs.result.truncated,
                seconds=round(time.monotonic() - started, 2),
            )
        items.append(item)
        if on_done is not None:
            on_done(item)
    return items
