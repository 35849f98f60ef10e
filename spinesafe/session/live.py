"""``spinesafe live``: camera -> pose -> coach -> window, sound, virtual camera and report.

:func:`run_live` joins the edges around the pure :class:`~spinesafe.session.coach.LiveCoach`:

- a :class:`~spinesafe.pose.camera.LiveCamera` whose capture thread always hands over the newest
  frame (a real camera, a video file paced in real time, or a landmark recording replayed);
- a pose estimator (MediaPipe; the replay estimator for recordings);
- a :class:`~spinesafe.feedback.window.Display` (an OpenCV window with keys, or headless);
- cue players (speakers through sounddevice, a WAV file), never blocking the frame loop;
- an optional virtual camera for telehealth, and the JSON report (checkpointed every second, so a
  killed process loses at most the last second; written again at the end and on Ctrl+C).

Every edge can be passed in, so tests run the real loop with fakes (``HeadlessDisplay``,
``RecordingPlayer``, ``ReplayCamera``).
"""

from __future__ import annotations

import logging
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from spinesafe.classifiers.exercises import EXERCISES, Kind, get_exercise, not_coached
from spinesafe.classifiers.functional import FunctionalTest, Sex
from spinesafe.errors import ModelLoadError, OutputError, UnknownExerciseError, UnsafeExerciseError
from spinesafe.feedback.audio import CuePlayer, Onset, SoundDevicePlayer, WavFilePlayer, default_speech
from spinesafe.feedback.cues import Cue, CueKind, CuePolicyConfig
from spinesafe.feedback.overlay import OverlayText, draw_overlay, load_fonts, message_screen
from spinesafe.feedback.report import write_json
from spinesafe.feedback.store import SessionInfo, SessionLog, SessionStore, default_db_path
from spinesafe.feedback.window import KEY_HINTS, Display, HeadlessDisplay, Key, OpenCVWindow, ScreenArea
from spinesafe.pose.camera import CameraStatus, CapturedFrame, FileCamera, LiveCamera, ReplayCamera, ReplayEstimator
from spinesafe.pose.estimators import PoseEstimator
from spinesafe.pose.frame import PoseFrame
from spinesafe.session.coach import CoachConfig, CoachView, LiveCoach, Recogniser
from spinesafe.session.inputs import AUTO, is_recording
from spinesafe.session.programme import Programme, load_programme, single_exercise, single_test
from spinesafe.session.recorder import default_patient

log = logging.getLogger(__name__)

FRAME_WAIT_S = 0.5  # wait this long for a frame before showing the camera's status instead
DONE_SCREEN_S = 6.0  # the summary stays on screen this long (window mode) before the session closes
AUDIO_DRAIN_S = 8.0  # at a normal end, let the last words (the summary) finish playing
LOST_SIZE = (1280, 720)


@dataclass(frozen=True)
class LiveOptions:
    """What ``spinesafe live`` was asked to do (see ``spinesafe live --help``)."""

    camera: int | Path = 0
    exercise: str | None = None
    programme: Path | None = None
    mirror: bool | None = None  # None: mirror a real camera (like a mirror), not a recording
    headless: bool = False
    audio_file: Path | None = None
    json_path: Path | None = None
    mute: bool = False  # speakers off at the start (M toggles); a WAV file still gets everything
    voice: bool = True
    virtual_camera: bool = False
    compact: bool | None = None  # None: compact when sending to a virtual camera
    setup_check: bool = True
    calibrate: bool = True
    speed: float = 1.0  # pace of a file or recording used as the camera
    model: Path | None = None
    fullscreen: bool = True  # the window fills the screen (False: 3/4 of it)
    screen: tuple[int, int] | None = None  # the screen's (width, height); None: asked of the display system
    checkpoint_s: float = 1.0
    history: bool = True  # store the session in the SQLite history (DESIGN: every session is stored)
    db: Path | None = None  # None: --db / SPINESAFE_DB / the user's data dir
    patient: str | None = None  # None: $SPINESAFE_PATIENT or "default"
    test: FunctionalTest | None = None  # ``--test``: a functional test instead of an exercise
    age: int | None = None  # for the test's norm; None: the patient's record in the history
    sex: Sex | None = None


@dataclass
class LiveOutcome:
    """What happened: the report, where files went, and measurements for the benchmark."""

    report: dict[str, Any]
    json_path: Path | None
    audio_path: Path | None
    ended_by: str
    interrupted: bool
    frames: int
    # Per frame, as compact arrays (8 bytes a value: ~2.6 MB for all three over an hour at 30 fps).
    latencies_s: array[float] = field(default_factory=lambda: array("d"))  # capture -> overlay shown
    loop_s: array[float] = field(default_factory=lambda: array("d"))  # one frame's work in the loop
    shown_at: array[float] = field(default_factory=lambda: array("d"))  # clock() when shown
    cue_log: list[tuple[Cue, float, float]] = field(default_factory=list)  # (cue, captured_at, dispatched_at)
    onsets: list[Onset] = field(default_factory=list)
    dropped_frames: int = 0
    notices: list[str] = field(default_factory=list)  # degraded modes, said once


def load_live_programme(options: LiveOptions) -> Programme | None:
    """The programme file, a one-exercise programme for ``--exercise ID``, or None for ``auto``.

    A movement to avoid raises :class:`UnsafeExerciseError` saying what to do instead."""
    if options.programme is not None:
        return load_programme(options.programme)
    if options.test is not None:
        return single_test(options.test)
    if options.exercise is None:
        raise UnknownExerciseError(
            f"give --exercise ID or --program FILE; exercise ids: auto, {', '.join(sorted(EXERCISES))}"
        )
    if options.exercise == AUTO:
        return None
    spec = get_exercise(options.exercise)  # unknown ids: an error listing the valid ones
    if spec.kind is Kind.UNSAFE:  # DESIGN: recognised and flagged, never coached (as programmes refuse it)
        raise UnsafeExerciseError(not_coached(spec))
    return single_exercise(options.exercise)


def load_recogniser() -> Recogniser:
    """The exercise recogniser for ``--exercise auto``, or a clear error when its model is missing."""
    from spinesafe.classifiers.recogniser import ExerciseRecogniser
    from spinesafe.classifiers.unsafe import load_model

    try:
        model = load_model()
    except ModelLoadError as exc:
        raise ModelLoadError(
            f"--exercise auto: {exc}; give an exercise id ({', '.join(sorted(EXERCISES))}) or --program FILE"
        ) from exc
    return ExerciseRecogniser(model)


def open_camera(options: LiveOptions) -> tuple[LiveCamera, PoseEstimator]:
    """The camera and estimator for ``--camera``: an index, a video file, or a landmark recording."""
    source = options.camera
    if isinstance(source, Path) and is_recording(source):
        from spinesafe.pose.recording import load_recording

        recording = load_recording(source)
        poses = list(recording)
        camera = ReplayCamera(poses, name=source.name, fps=recording.fps, speed=options.speed)
        return camera, ReplayEstimator(poses, name=recording.estimator)
    from spinesafe.pose.estimators import create_estimator

    cam: LiveCamera
    if isinstance(source, Path):
        cam = FileCamera(source, speed=options.speed)
    else:
        from spinesafe.pose.camera import ThreadedCamera

        real = ThreadedCamera(source)
        real.open()  # a camera that is not there: one clear error now, before MediaPipe loads
        cam = real
    try:
        return cam, create_estimator(options.model)
    except BaseException:
        cam.close()
        raise


def mirrored(pose: PoseFrame) -> PoseFrame:
    """The pose as drawn on a horizontally flipped image (x -> 1 - x); for display only."""
    if not pose.present:
        return pose
    landmarks = pose.landmarks.copy()
    landmarks[:, 0] = 1.0 - landmarks[:, 0]
    return PoseFrame(pose.t_s, pose.index, pose.image_size, landmarks, pose.visibility, pose.world, pose.present)


class _ReportWriter:
    """Writes the checkpoint report in the background (latest wins), off the frame loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pending: dict[str, Any] | None = None
        self._cond = threading.Condition()
        self._stop = False
        self.error: OutputError | None = None
        self._thread = threading.Thread(target=self._run, name="spinesafe-report", daemon=True)
        self._thread.start()

    def submit(self, report: dict[str, Any]) -> None:
        with self._cond:
            self._pending = report
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None or self._stop)
                report, self._pending = self._pending, None
                if report is None:
                    return
            try:
                write_json(report, self.path)
            except OutputError as exc:
                self.error = exc

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout=5.0)


def _make_speakers(options: LiveOptions, warm_up: list[str], notices: list[str]) -> SoundDevicePlayer | None:
    """The sound-device player, or None (and a notice) when there is no audio output."""
    speech = default_speech(options.voice)
    if options.voice and speech.name == "silent":
        notices.append("speech: espeak-ng is not installed (apt-get install espeak-ng): tones and on-screen words only")
    speakers = SoundDevicePlayer(speech, warm_up=warm_up)
    if not speakers.available:
        notices.append("sound: no audio output device; cues are shown on screen only")
        speakers.close()
        return None
    return speakers


def run_live(
    options: LiveOptions,
    *,
    camera: LiveCamera | None = None,
    estimator: PoseEstimator | None = None,
    display: Display | None = None,
    speakers: CuePlayer | None = None,
    recogniser: Recogniser | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> LiveOutcome:
    """Run a live session until the programme ends, the source ends, Q is pressed or Ctrl+C.

    Edges not given are made from ``options``. ``speakers`` replaces the sound-device player
    (tests pass a :class:`~spinesafe.feedback.audio.RecordingPlayer`); ``--audio-file`` is added
    to it. Ctrl+C ends the session cleanly: the report is written and ``interrupted`` is True.
    """
    programme = load_live_programme(options)
    if programme is None and recogniser is None:
        recogniser = load_recogniser()
    for path in (options.json_path, options.audio_file):
        if path is not None:
            _check_writable(path)
    own_display = display is None
    if display is None:  # before the camera: no screen is the likelier failure, and nothing to undo
        display = HeadlessDisplay() if options.headless else _open_window(options)
    if camera is None or estimator is None:
        try:
            camera, estimator = open_camera(options)
        except BaseException:
            if own_display:
                display.close()
            raise
    session = _LiveSession(options, programme, camera, estimator, display, speakers, recogniser, clock)
    try:
        session.run()
    except KeyboardInterrupt:
        session.outcome.interrupted = True
        session.coach.ended_by = session.coach.ended_by or "interrupted (Ctrl+C)"
    finally:
        session.close(own_display)
    return session.outcome


class _LiveSession:
    """One run of the live loop: the coach between the camera, the players, the screen and the files."""

    def __init__(
        self,
        options: LiveOptions,
        programme: Programme | None,
        camera: LiveCamera,
        estimator: PoseEstimator,
        display: Display,
        speakers: CuePlayer | None,
        recogniser: Recogniser | None,
        clock: Callable[[], float],
    ) -> None:
        self.options, self.camera, self.estimator, self.display, self.clock = options, camera, estimator, display, clock
        notices: list[str] = [display.notice] if getattr(display, "notice", "") else []
        self.coach = LiveCoach(
            programme,
            source=camera.name,
            estimator=estimator.name,
            fps=camera.fps,
            config=CoachConfig(setup_check=options.setup_check, calibrate=options.calibrate),
            policy_config=CuePolicyConfig(),
            recogniser=recogniser,
            age=options.age,
            sex=options.sex,
        )
        if self.coach.unsafe_notice:  # said once; the session goes on (back rounding is still flagged)
            notices.append(self.coach.unsafe_notice)
        self.store, self.coach.session_log = _open_history(options, programme, camera.name, estimator.name, camera.fps)
        if (
            self.store is not None
            and self.coach.session_log is not None
            and (options.age is None or options.sex is None)
        ):
            from spinesafe.feedback.functional_history import get_patient

            record = get_patient(self.store, self.coach.session_log.info.patient)
            if record is not None:
                self.coach.age = options.age if options.age is not None else record.age
                self.coach.sex = options.sex if options.sex is not None else record.sex
        self.speakers = speakers if speakers is not None else _make_speakers(options, self.coach.sentences(), notices)
        self.files: list[WavFilePlayer] = []
        if options.audio_file is not None:
            self.files.append(WavFilePlayer(options.audio_file, default_speech(options.voice)))
        self.muted = options.mute
        self.mirror = options.mirror if options.mirror is not None else not camera.is_file
        self.compact = options.compact if options.compact is not None else options.virtual_camera
        self.writer = _ReportWriter(options.json_path) if options.json_path is not None else None
        self.vcam: Any = None
        self.outcome = LiveOutcome(
            report={},
            json_path=options.json_path,
            audio_path=options.audio_file,
            ended_by="",
            interrupted=False,
            frames=0,
            notices=notices,
        )
        load_fonts()
        self.last_t = 0.0
        self.last_image: np.ndarray | None = None
        self.lost_announced = False
        self.next_checkpoint = clock() + options.checkpoint_s

    def dispatch(self, cues: list[Cue], t_s: float, captured_at: float) -> None:
        """Cues to the WAV files and (unless muted) the speakers, never waiting for them."""
        now = self.clock()
        for cue in cues:
            self.outcome.cue_log.append((cue, captured_at, now))
            for player in self.files:
                player.play(cue, t_s)
            if self.speakers is not None and not self.muted:
                self.speakers.play(cue, t_s)

    def handle_keys(self, t_s: float) -> bool:
        """Apply key presses; True to quit."""
        for key in self.display.poll_keys(t_s):
            if key is Key.QUIT:
                self.coach.ended_by = "quit (Q)"
                return True
            if key is Key.PAUSE:
                self.dispatch(self.coach.toggle_pause(t_s), t_s, self.clock())
            elif key is Key.NEXT:
                self.dispatch(self.coach.next_entry(t_s), t_s, self.clock())
            elif key is Key.MUTE:
                self.muted = not self.muted
                log.info("sound %s", "off" if self.muted else "on")
        return False

    def run(self) -> None:
        """The frame loop, until the source ends, Q, or (headless or after the summary) the programme ends."""
        coach, camera = self.coach, self.camera
        camera.start()
        self.dispatch(coach.start(0.0), 0.0, self.clock())
        while True:
            frame = camera.read(FRAME_WAIT_S)
            if frame is None:
                if camera.status is CameraStatus.ENDED:
                    coach.ended_by = coach.ended_by or "end of the recording"
                    return
                if self._no_frame():
                    return
                continue
            self.lost_announced = False
            if self.handle_frame(frame):
                return
            if coach.done and (isinstance(self.display, HeadlessDisplay) or coach.done_for_s >= DONE_SCREEN_S):
                return

    def _no_frame(self) -> bool:
        """Camera lost or still starting: say so on screen (and once aloud), keep the session. True to quit."""
        camera = self.camera
        message = camera.message or "Waiting for the camera..."
        self.display.show(_status_screen(self.last_image, message, getattr(self.display, "size", None)))
        if camera.status is CameraStatus.LOST and not self.lost_announced:
            self.lost_announced = True
            text = "I've lost the camera picture. Check the camera; I'll keep trying."
            self.dispatch(self.coach.announce([Cue(self.last_t, CueKind.SETUP, text)]), self.last_t, self.clock())
        return self.handle_keys(self.last_t)

    def handle_frame(self, frame: CapturedFrame) -> bool:
        """Pose, coach, screen, virtual camera and checkpoint for one frame; True to quit."""
        outcome, clock = self.outcome, self.clock
        outcome.frames += 1
        read_at = clock()
        pose = self.estimator.estimate(frame)
        t = self.last_t = frame.t_s
        if self.handle_keys(t):
            return True
        picture = frame.image if self.camera.real_images else None  # the set-up check judges its light
        self.dispatch(self.coach.update(pose, picture), t, frame.captured_at)
        view = self.coach.view(t)
        size = getattr(self.display, "size", None)
        image = _render(frame, pose, view, mirror=self.mirror, compact=self.compact, muted=self.muted, size=size)
        self.last_image = image
        self.display.show(image)
        if self.options.virtual_camera:
            if self.vcam is None:
                self.vcam = _open_virtual_camera(image, self.camera.fps, outcome.notices)
            self.vcam.send(image)
        done_at = clock()
        outcome.latencies_s.append(done_at - frame.captured_at)
        outcome.loop_s.append(done_at - read_at)
        outcome.shown_at.append(done_at)
        if self.writer is not None and done_at >= self.next_checkpoint:
            self.next_checkpoint = done_at + self.options.checkpoint_s
            self.writer.submit(self.coach.report(in_progress=True))
        return False

    def close(self, own_display: bool) -> None:
        """Inputs first (nothing more comes in), then the session's end, then the outputs. A failing
        output (a full disk) still lets everything else close; its error is raised last."""
        coach, outcome = self.coach, self.outcome
        self.camera.close()
        self.estimator.close()
        if self.vcam is not None:
            self.vcam.close()
        if own_display:
            self.display.close()
        self.dispatch(coach.finish(self.last_t, coach.ended_by or "stopped"), self.last_t, self.clock())
        outcome.ended_by = coach.ended_by
        outcome.report = coach.report()
        if getattr(self.camera, "truncated", False):
            outcome.report["truncated"] = True
        outcome.dropped_frames = int(getattr(self.camera, "dropped", 0))
        self._close_sound()
        if self.writer is not None:
            self.writer.close()
        log_ = coach.session_log
        if log_ is not None and self.store is not None:
            try:
                log_.finish(status="interrupted" if outcome.interrupted else "complete", duration_s=self.last_t)
            finally:
                self.store.close()
        _write_outputs(outcome, self.writer.path if self.writer is not None else None, self.files, self.last_t)

    def _close_sound(self) -> None:
        sound = self.speakers if isinstance(self.speakers, SoundDevicePlayer) else None
        if sound is not None:
            if not self.outcome.interrupted and not self.coach.ended_by.startswith("quit"):
                sound.drain(AUDIO_DRAIN_S)  # let the summary be heard
            self.outcome.onsets = list(sound.onsets)
        if self.speakers is not None:
            self.speakers.close()


def _open_history(
    options: LiveOptions, programme: Programme | None, source: str, model: str, fps: float
) -> tuple[SessionStore | None, SessionLog | None]:
    """Open the session database and start this session in it (None, None with --no-history)."""
    if not options.history:
        return None, None
    store = SessionStore(options.db or default_db_path())
    info = SessionInfo(
        patient=options.patient or default_patient(),
        mode="live",
        source=source,
        model=model,
        fps=fps,
        programme=programme.name if programme is not None else None,
    )
    try:
        return store, store.begin(info)
    except Exception:
        store.close()
        raise


def _write_outputs(outcome: LiveOutcome, json_path: Path | None, files: list[WavFilePlayer], end_s: float) -> None:
    """The final report and the WAV files; every one is attempted, the first error is raised."""
    errors: list[OutputError] = []
    if json_path is not None:
        try:
            outcome.json_path = write_json(outcome.report, json_path)
        except OutputError as exc:
            errors.append(exc)
    for player in files:
        player.extend_to(end_s)
        try:
            player.close()
        except OutputError as exc:
            errors.append(exc)
    if errors:
        raise errors[0]


def _check_writable(path: Path) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{path}: the folder {parent} does not exist")


def _open_virtual_camera(image: np.ndarray, fps: float, notices: list[str]) -> Any:
    from spinesafe.feedback.virtual_camera import VirtualCamera

    vcam = VirtualCamera(image.shape[1], image.shape[0], fps)
    if not vcam.available:
        notices.append(vcam.message)
    return vcam


def _open_window(options: LiveOptions) -> OpenCVWindow:
    screen = ScreenArea(*options.screen) if options.screen is not None else None
    return OpenCVWindow(fullscreen=options.fullscreen, screen=screen)


def _render(
    frame: CapturedFrame,
    pose: PoseFrame,
    view: CoachView,
    *,
    mirror: bool,
    compact: bool,
    muted: bool,
    size: tuple[int, int] | None = None,
) -> np.ndarray:
    """The screen for one frame: the picture (mirrored for a camera) with the overlay, on a canvas
    of ``size`` (the window's; None: the picture's own size)."""
    image = cv2.flip(frame.image, 1) if mirror else frame.image
    drawn = mirrored(pose) if mirror else pose
    hints = KEY_HINTS + ("   (sound off)" if muted else "")
    text = OverlayText(
        exercise=view.title,
        cue=view.cue,
        status=view.status,
        counter=view.counter,
        progress=view.progress,
        message=view.message,
        hints=hints,
        compact=compact,
    )
    return draw_overlay(image, drawn, view.state, text, size)


def _status_screen(last: np.ndarray | None, message: str, size: tuple[int, int] | None = None) -> np.ndarray:
    """The last screen darkened (or a blank one of ``size``) with the camera's status in large type."""
    if last is None:
        width, height = size or LOST_SIZE
        return message_screen(np.full((height, width, 3), 32, dtype=np.uint8), message, KEY_HINTS, dim=1.0)
    return message_screen(last, message, KEY_HINTS)
