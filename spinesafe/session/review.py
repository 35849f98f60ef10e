"""``spinesafe review``: one video file or landmark recording -> pose -> classifiers -> reports.

:func:`run_review` reads the input (:mod:`~spinesafe.session.inputs`), files every event with a
:class:`~spinesafe.session.recorder.SessionRecorder`, draws the annotated video with its sound
track (:mod:`~spinesafe.session.soundtrack`) and writes the JSON, CSV and HTML reports;
:func:`analyse_poses` is the pure core that a landmark replay and a video run share, which is why
both give identical reports. A folder is :mod:`~spinesafe.session.batch`.

The overlay and H.264 encoding run in their own thread (:class:`~spinesafe.feedback.video.AnnotatedVideo`),
at a lower priority so that on a busy machine the pose model keeps its core.
``scripts/bench_review.py`` measures the throughput.
"""

from __future__ import annotations

import importlib
import logging
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from spinesafe.classifiers.analyser import ExerciseAnalyser
from spinesafe.classifiers.exercises import NOT_IN_LIBRARY, ExerciseSpec, analysed_as
from spinesafe.classifiers.flexion import FlexionConfig
from spinesafe.classifiers.reps import RepCounter
from spinesafe.classifiers.unsafe import UnsafePatternWatcher, packaged_watcher
from spinesafe.errors import OutputError, SpinesafeError
from spinesafe.feedback.captions import Captions
from spinesafe.feedback.cues import SOMEONE_ELSE
from spinesafe.feedback.report import build_report, reps_csv, write_json, write_text
from spinesafe.feedback.result import SessionResult
from spinesafe.feedback.store import SessionLog, SessionStore
from spinesafe.pose.frame import PoseFrame
from spinesafe.session.inputs import AUTO, OpenedInput, Progress, open_input, recognise_input
from spinesafe.session.recorder import SessionRecorder, default_patient, session_info
from spinesafe.session.soundtrack import SoundTrack
from spinesafe.session.stopping import safe_point, safe_points

if TYPE_CHECKING:
    from spinesafe.classifiers.functional import FunctionalTestScorer
    from spinesafe.classifiers.segments import Segment
    from spinesafe.feedback.audio import SpeechEngine
    from spinesafe.feedback.video import AnnotatedVideo, VideoSettings
    from spinesafe.pose.estimators import PoseEstimator

log = logging.getLogger(__name__)

BANNER_S = 3.0  # a cue stays on the annotated video this long (a safety cue: as long as it is spoken)
MAX_FLEXION_KEY_FRAMES = 4


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
    test: FunctionalTestScorer | None = None,
) -> ReviewOutputs:
    """Analyse a video file (or a landmark recording) and write the reports and annotated video.

    Outputs in ``out_dir`` (when given): ``report.json``, ``reps.csv``, ``report.html`` and
    ``annotated.mp4`` (H.264 + AAC cue sound). ``write_video=False`` writes no picture of the person
    at all: no video, and no key frames in the HTML report (its plots are of numbers). ``json_path``
    writes the JSON report there too (or only there). With ``store`` the session is stored in the
    history as it runs. ``estimator`` replaces the MediaPipe model (a fake, in tests); ``speech``
    the espeak-ng voice of the sound track. ``test`` scores a functional test (``--test``) over the same
    frames: its result is the report's ``tests`` entry and is stored in the history.
    """
    segments: list[Segment] = []
    if exercise == AUTO:
        from spinesafe.classifiers.segments import main_exercise

        segments, estimator = recognise_input(Path(input_path), model, estimator, progress)
        exercise = main_exercise(segments)
    spec = analysed_as(exercise)
    out = Path(out_dir) if out_dir is not None else None
    for folder in (out, Path(json_path).parent if json_path is not None else None):
        if folder is not None:
            _prepare_out_dir(folder)
    if out is not None:  # for the HTML report's plots
        _preload("matplotlib.figure", "matplotlib.backends.backend_agg")

    opened = open_input(Path(input_path), spec, model, estimator)
    result = opened.result
    result.patient = patient or default_patient()
    _set_recognition(result, segments, exercise)
    result.pictures_withheld = not write_video
    try:
        session_log = store.begin(session_info(result)) if store is not None else None
    except BaseException:
        opened.close()
        raise
    sound = SoundTrack(out / "annotated.mp4", speech) if out is not None and write_video else None
    _analyse_input(
        opened,
        segments,
        spec,
        session_log,
        sound,
        video_settings,
        progress,
        draw_key_frames=out is not None and write_video,
        test=test,
    )
    status = "failed"  # the analysis is stored either way; an output that cannot be written fails the run
    try:
        if test is not None:
            _score_test(test, result, store, session_log)
        if sound is not None:
            sound.finish(result)
        report = build_report(result)
        written_json, html_path, csv_path = _write_reports(result, report, out, json_path)
        status = "complete"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        if session_log is not None and status == "complete":
            session_log.finish(duration_s=result.duration_s, truncated=result.truncated, notes=result.notes)
        elif session_log is not None:
            _finish_quietly(session_log, status, result)
    return ReviewOutputs(
        result=result,
        report=report,
        json_path=written_json,
        video_path=sound.video_path if sound is not None else None,
        html_path=html_path,
        csv_path=csv_path,
        session_id=session_log.session_id if session_log is not None else None,
    )


def _score_test(
    test: FunctionalTestScorer, result: SessionResult, store: SessionStore | None, session_log: SessionLog | None
) -> None:
    """The functional test's result into the report and the history."""
    scored = test.result()
    result.tests.append(scored)
    if store is not None:
        from spinesafe.feedback.functional_history import add_test_result

        session_id = session_log.session_id if session_log is not None else None
        add_test_result(store, result.patient, scored, session_id=session_id, taken_at=result.started_at)


def _set_recognition(result: SessionResult, segments: list[Segment], exercise: str) -> None:
    """``--exercise auto``: how sure the recogniser was of the reported exercise (time-weighted)."""
    if not segments:
        return
    main = [s for s in segments if s.exercise == exercise]
    seconds = sum(s.duration_s for s in main)
    result.exercise_confidence = (
        main[0].confidence if len(main) == 1 else sum(s.confidence * s.duration_s for s in main) / seconds
    )
    result.exercise_sure = all(s.sure for s in main)


def _analyse_input(
    opened: OpenedInput,
    segments: list[Segment],
    spec: ExerciseSpec,
    session_log: SessionLog | None,
    sound: SoundTrack | None,
    video_settings: VideoSettings | None,
    progress: Progress | None,
    *,
    draw_key_frames: bool,
    test: FunctionalTestScorer | None = None,
) -> None:
    """Every frame through the recorder (and the annotated video); closes the input. On a failure or
    Ctrl+C the partial outputs are removed and the stored session is marked so."""
    from spinesafe.feedback.overlay import draw_overlay
    from spinesafe.feedback.video import AnnotatedVideo

    result = opened.result
    key_frames = opened.has_images and draw_key_frames  # for the HTML report
    video = None
    if sound is not None or key_frames:
        silent = sound.silent_path if sound is not None else None
        video = AnnotatedVideo(silent, result.fps, draw_overlay, settings=video_settings, key_frames=key_frames)
    status = "failed"
    try:
        first = analysed_as(segments[0].exercise) if segments else spec
        watcher, no_watcher = packaged_watcher()  # never fails: without a model, a note says so
        if no_watcher:
            result.notes.append(no_watcher)
        recorder = SessionRecorder(
            result, ExerciseAnalyser(first), store=session_log, segments=segments, unsafe=watcher
        )
        _analyse_frames(opened, recorder, video, sound, progress, test)
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
            if sound is not None:
                sound.abort()
            if session_log is not None:
                _finish_quietly(session_log, status, result)


def _write_reports(
    result: SessionResult, report: dict[str, object], out: Path | None, json_path: str | Path | None
) -> tuple[Path | None, Path | None, Path | None]:
    """``report.json``, ``reps.csv`` and ``report.html`` in ``out``, and the JSON at ``json_path``."""
    written_json = html_path = csv_path = None
    if out is not None:
        from spinesafe.feedback.html_report import session_html

        written_json = write_json(report, out / "report.json")
        csv_path = write_text(reps_csv(report), out / "reps.csv", "the rep table")
        html_path = write_text(session_html(result, report), out / "report.html", "the HTML report")
    if json_path is not None:
        written_json = write_json(report, json_path)
    return written_json, html_path, csv_path


def _recognition_notes(result: SessionResult) -> list[str]:
    """Plain words on what ``--exercise auto`` found: not sure, or several exercises."""
    segments = result.segments
    spec = result.spec
    notes: list[str] = []
    if len(segments) == 1:
        if spec is NOT_IN_LIBRARY and not result.exercise_sure:
            hidden = segments[0].segment.unseen
            why = f" ({', '.join(hidden)} not in view)" if hidden else ""
            notes.append(
                f"No exercise was recognised{why}: the person stood still or was not seen. Nothing was counted; "
                "the back was watched where it could be. Give --exercise ID to count an exercise."
            )
        elif not result.exercise_sure:
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
    """Asks the video worker for the pictures worth showing in the report: the turning point of the
    rep with the largest range of motion (the bottom of a squat, the top of a heel raise), and the
    peak of the first few flexion events.

    Each picture is the frame its caption names: :meth:`hold` marks, as frames go by, the frame at
    which the rep under way or the rounding under way reached its extreme so far, and the video
    worker keeps that annotated frame (with the overlay of that moment) until the next one."""

    def __init__(self, video: AnnotatedVideo) -> None:
        self.video = video
        self._best_rom = -math.inf
        self._flexions = 0

    @staticmethod
    def hold(analyser: ExerciseAnalyser, t_s: float) -> tuple[str, ...]:
        """Names under which to keep the frame of ``t_s``: "rep" and "flexion" when it is a new extreme."""
        names = []
        if isinstance(analyser.reps, RepCounter) and analyser.reps.turn_s == t_s:
            names.append("rep")
        if analyser.flexion.open_peak_s == t_s:
            names.append("flexion")
        return tuple(names)

    def update(self, result: SessionResult, reps_before: int, flexions_before: int) -> None:
        for rep in result.reps[reps_before:]:
            if rep.complete and math.isfinite(rep.range_of_motion_deg) and rep.range_of_motion_deg > self._best_rom:
                self._best_rom = rep.range_of_motion_deg
                rom = rep.range_of_motion_deg
                label = f"Turning point of rep {rep.number} ({rom:.0f}° range of motion, the widest)"
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


def _analyse_frames(
    opened: OpenedInput,
    recorder: SessionRecorder,
    video: AnnotatedVideo | None,
    sound: SoundTrack | None,
    progress: Progress | None,
    test: FunctionalTestScorer | None = None,
) -> None:
    """The frame loop: classifiers and cues, the annotated frame to the video worker (with the
    caption of the moment, :class:`~spinesafe.feedback.captions.Captions`), key-frame requests, and
    speech rendered ahead."""
    from spinesafe.feedback.overlay import OverlayText, blank_canvas

    result = recorder.result
    picker = _KeyFramePicker(video) if video is not None else None
    if sound is not None:
        sound.add(recorder.cues)
    captions = Captions(hold_s=BANNER_S)
    captions.add(recorder.cues)  # the pain rule, from 0 s
    with safe_points():  # signals wait for the loop's next frame (see spinesafe.session.stopping)
        for done, (image, pose) in enumerate(opened.frames, start=1):
            safe_point()  # SIGTERM or Ctrl+C stop the review here, where no lock is held
            reps_before, flexions_before = len(result.reps), len(result.flexion_events)
            cues = recorder.step(pose)
            if test is not None:  # the analyser's features of this frame, not computed again
                features = recorder.analyser.features
                test.update(pose, features if features is not None and features.t_s == pose.t_s else None)
            if cues:
                captions.add(cues)
                if sound is not None:
                    sound.add(cues)
            if video is not None and picker is not None:
                canvas = image if image is not None else blank_canvas(video.settings.output_size(pose.image_size))
                state = recorder.analyser.state
                spec_now = recorder.analyser.spec
                text = OverlayText(
                    exercise=spec_now.name,
                    counter="-" if spec_now is NOT_IN_LIBRARY else "",  # nothing is counted: no "0"
                    cue=captions.text(pose.t_s),
                    message=SOMEONE_ELSE if state is not None and state.paused else "",
                )
                video.submit(canvas, pose, state, text, hold=picker.hold(recorder.analyser, pose.t_s))
                picker.update(result, reps_before, flexions_before)
            if progress is not None:
                progress(done, opened.total)
    result.truncated = opened.truncated()
    reps_before, flexions_before = len(result.reps), len(result.flexion_events)
    cues = recorder.finish()
    if sound is not None:
        sound.add(cues)
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
