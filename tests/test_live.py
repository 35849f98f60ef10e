"""``spinesafe live`` end to end: the real frame loop with a paced recording as the camera.

The recording is a synthetic person (standing 5 s, 3 squats, standing) saved as a landmark file
and played through :class:`ReplayCamera`, so the set-up check, calibration, counting, cues,
report, WAV file, keys and Ctrl+C are all exercised without a camera, a screen or MediaPipe.
One test runs real MediaPipe on a real photograph played as a camera.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from spinesafe.feedback.audio import REP_TICK, SAMPLE_RATE, RecordingPlayer, read_wav
from spinesafe.feedback.window import HeadlessDisplay, Key
from spinesafe.lab.cue_onsets import count_onsets, onset_delays, warning_onsets
from spinesafe.lab.synthetic import CameraView, animate, chain, squat_reps, standing
from spinesafe.pose.camera import CameraStatus, CapturedFrame, ReplayCamera, ReplayEstimator
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.recording import save_recording
from spinesafe.session.live import LiveOptions, mirrored, run_live

REVIEW_KEYS = {"schema", "source", "exercise", "duration_s", "rep_count", "reps", "flexion_events", "holds", "cues"}
SPEED = (
    0.0  # frame by frame: none dropped, however loaded the machine (at 6x real time a loaded 2-core machine lost a rep)
)


@pytest.fixture(scope="module")
def poses() -> list[PoseFrame]:
    motion = chain(standing(5.0), squat_reps(3, period_s=2.5), standing(1.5))
    return animate(motion, fps=30, view=CameraView.SIDE_FACING_LEFT, image_size=(640, 360), jitter_px=0.5, seed=7)


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory, poses: list[PoseFrame]) -> Path:
    path = tmp_path_factory.mktemp("live") / "three_squats.npz"
    return save_recording(path, poses, source="three squats", estimator="synthetic", fps=30.0)


def test_live_session_counts_speaks_and_writes_report_and_wav(tmp_path: Path, recording: Path) -> None:
    speakers = RecordingPlayer()
    display = HeadlessDisplay(keep_last=True)
    options = LiveOptions(
        camera=recording,
        exercise="squat",
        headless=True,
        json_path=tmp_path / "live.json",
        audio_file=tmp_path / "live.wav",
        voice=False,  # tones only: each count is exactly one tick at its time in the WAV
        speed=SPEED,
    )
    outcome = run_live(options, speakers=speakers, display=display)
    report = outcome.report
    assert outcome.ended_by == "end of the recording" and not outcome.interrupted
    assert report.keys() >= REVIEW_KEYS and report["mode"] == "live" and report["exercise"] == "squat"
    assert report["rep_count"] == 3 and report["flexion_events"] == []
    assert report["calibration"]["done"] is True
    assert json.loads((tmp_path / "live.json").read_text()) == json.loads(json.dumps(report))
    # What was played, in order: the pain rule first, the counts, and the summary last.
    texts = speakers.texts
    assert texts[0] == "Mild soreness is normal; sharp pain means stop."
    assert [t for t in texts if t.isdigit()] == ["1", "2", "3"]
    assert texts[-1].startswith("Session complete: 3 reps.")
    assert speakers.closed and display.frames_shown > 0 and display.last_image is not None
    # The WAV has the tick of each count at the count's session time.
    samples, rate = read_wav(tmp_path / "live.wav")
    assert rate == SAMPLE_RATE and samples.size >= report["duration_s"] * SAMPLE_RATE
    counts = [c["t_s"] for c in report["cues"] if c["kind"] == "count"]
    loud = np.flatnonzero(np.abs(samples) > 1e-3)
    onsets = loud[np.r_[True, np.diff(loud) > REP_TICK.size]]  # first loud sample of each sound
    assert len(onsets) == len(counts) == 3  # nothing but the three ticks (no voice, no warning)
    for onset, t_s in zip(onsets, counts, strict=True):
        assert abs(onset / SAMPLE_RATE - t_s) < 0.002  # the report rounds times to 1 ms
        start = onset - int(np.argmax(np.abs(REP_TICK) > 1e-3))
        np.testing.assert_allclose(samples[start : start + REP_TICK.size], REP_TICK, atol=1e-4)


@pytest.mark.skipif(not Path("/usr/bin/espeak-ng").exists(), reason="espeak-ng is not installed")
def test_live_wav_has_speech(tmp_path: Path, recording: Path) -> None:
    options = LiveOptions(
        camera=recording, exercise="squat", headless=True, audio_file=tmp_path / "s.wav", speed=SPEED, mute=True
    )
    outcome = run_live(options, speakers=RecordingPlayer(), display=HeadlessDisplay())
    samples, _ = read_wav(tmp_path / "s.wav")
    first_second = samples[:SAMPLE_RATE]  # the pain rule is spoken from 0 s
    assert np.sqrt(np.mean(first_second**2)) > 0.01
    assert outcome.report["rep_count"] == 3


def test_q_key_ends_the_session_and_writes_the_report(tmp_path: Path, recording: Path) -> None:
    display = HeadlessDisplay(keys=[(8.0, Key.QUIT)])
    options = LiveOptions(camera=recording, exercise="squat", headless=True, json_path=tmp_path / "q.json", speed=SPEED)
    outcome = run_live(options, speakers=RecordingPlayer(), display=display)
    assert outcome.ended_by == "quit (Q)"
    report = json.loads((tmp_path / "q.json").read_text())
    assert report["rep_count"] == 1  # the first squat ends at ~7.6 s
    assert report["duration_s"] == pytest.approx(8.0, abs=0.3)


class _InterruptingDisplay(HeadlessDisplay):
    """Ctrl+C arrives while the frame loop runs."""

    def poll_keys(self, t_s: float) -> list[Key]:
        if t_s >= 7.5:  # after the first squat (7.2 s), early in the second
            raise KeyboardInterrupt
        return []


def test_ctrl_c_ends_the_session_cleanly(tmp_path: Path, recording: Path) -> None:
    options = LiveOptions(camera=recording, exercise="squat", headless=True, json_path=tmp_path / "c.json", speed=SPEED)
    outcome = run_live(options, speakers=RecordingPlayer(), display=_InterruptingDisplay())
    assert outcome.interrupted and outcome.ended_by == "interrupted (Ctrl+C)"
    report = json.loads((tmp_path / "c.json").read_text())
    assert report["rep_count"] == 1 and report["mode"] == "live"


def test_keys_pause_mute_and_next(tmp_path: Path, recording: Path) -> None:
    speakers = RecordingPlayer()
    keys = [(6.0, Key.MUTE), (12.0, Key.MUTE), (12.5, Key.NEXT)]
    options = LiveOptions(camera=recording, exercise="squat", headless=True, audio_file=tmp_path / "k.wav", speed=SPEED)
    outcome = run_live(options, speakers=speakers, display=HeadlessDisplay(keys=keys))
    # Muted between 6 and 12 s: the speakers missed counts 1 and 2; the WAV file got them all.
    assert [t for t in speakers.texts if t.isdigit()] == ["3"]
    assert [c["text"] for c in outcome.report["cues"] if c["kind"] == "count"] == ["1", "2", "3"]
    assert outcome.ended_by == "finished"  # N on the only exercise ends the programme


class _FlakyCamera:
    """Replays poses but drops out (status LOST) for a stretch, like an unplugged camera."""

    name = "flaky"
    fps = 30.0
    is_file = True
    real_images = False

    def __init__(self, poses: list[PoseFrame], gap: tuple[float, float]) -> None:
        blank = np.full((360, 640, 3), 32, np.uint8)
        self._frames = [CapturedFrame(blank, p.t_s, i, captured_at=0.0) for i, p in enumerate(poses)]
        self._gap = gap
        self._status = CameraStatus.STARTING
        self._lost_reads = 0

    def start(self) -> None:
        self._status = CameraStatus.LIVE

    def read(self, timeout_s: float) -> CapturedFrame | None:
        while self._frames:
            frame = self._frames[0]
            if self._gap[0] <= frame.t_s < self._gap[1]:
                if self._lost_reads < 3:
                    self._lost_reads += 1
                    self._status = CameraStatus.LOST
                    return None
                self._frames.pop(0)  # frames from the gap never arrive
                continue
            self._status = CameraStatus.LIVE
            self._frames.pop(0)
            return CapturedFrame(frame.image, frame.t_s, frame.index, captured_at=time.monotonic())
        self._status = CameraStatus.ENDED
        return None

    @property
    def status(self) -> CameraStatus:
        return self._status

    @property
    def message(self) -> str:
        return (
            "Camera 0 stopped sending pictures. Check the cable. Retrying..."
            if self._status is CameraStatus.LOST
            else ""
        )

    def close(self) -> None:
        pass


def test_camera_lost_mid_set_is_announced_and_the_session_kept(poses: list[PoseFrame]) -> None:
    camera = _FlakyCamera(poses, gap=(8.5, 9.5))
    speakers = RecordingPlayer()
    display = HeadlessDisplay()
    outcome = run_live(
        LiveOptions(exercise="squat", headless=True),
        camera=camera,
        estimator=ReplayEstimator(poses),
        display=display,
        speakers=speakers,
    )
    lost = [t for t in speakers.texts if "lost the camera" in t]
    assert len(lost) == 1  # said once, not every retry
    assert display.frames_shown == outcome.frames + 3  # the status screen was shown while lost
    assert outcome.report["rep_count"] == 3  # the session carried on after the camera came back


def test_virtual_camera_gets_every_frame(monkeypatch: pytest.MonkeyPatch, recording: Path) -> None:
    sent: list[tuple[int, ...]] = []

    class FakeCam:
        def __init__(self, width: int, height: int, fps: float, fmt: object, print_fps: bool) -> None:
            self.device = "/dev/video9"

        def send(self, frame: np.ndarray) -> None:
            sent.append(frame.shape)

        def close(self) -> None:
            pass

    fake = type(sys)("pyvirtualcam")
    fake.Camera = FakeCam  # type: ignore[attr-defined]
    fake.PixelFormat = type("PixelFormat", (), {"BGR": "bgr"})  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pyvirtualcam", fake)
    options = LiveOptions(camera=recording, exercise="squat", headless=True, virtual_camera=True, speed=SPEED)
    outcome = run_live(options, speakers=RecordingPlayer(), display=HeadlessDisplay())
    assert len(sent) == outcome.frames and set(sent) == {(360, 640, 3)}
    assert outcome.notices == []


def test_no_virtual_camera_device_says_how_to_get_one(recording: Path) -> None:
    pytest.importorskip("pyvirtualcam")
    from spinesafe.feedback.virtual_camera import VirtualCamera

    if VirtualCamera(64, 48, 30).available:
        pytest.skip("a virtual camera device exists on this machine")
    options = LiveOptions(camera=recording, exercise="squat", headless=True, virtual_camera=True, speed=SPEED)
    outcome = run_live(options, speakers=RecordingPlayer(), display=HeadlessDisplay(keys=[(1.0, Key.QUIT)]))
    assert any("v4l2loopback" in n or "OBS" in n for n in outcome.notices)


def test_mirrored_pose_is_flipped_for_display_only(poses: list[PoseFrame]) -> None:
    pose = poses[0]
    flipped = mirrored(pose)
    np.testing.assert_allclose(flipped.landmarks[:, 0], 1.0 - pose.landmarks[:, 0])
    np.testing.assert_array_equal(flipped.landmarks[:, 1:], pose.landmarks[:, 1:])


def test_replay_camera_speed_is_real_time_by_default(poses: list[PoseFrame]) -> None:
    camera = ReplayCamera(poses[:30], speed=1.0)  # 1 s of poses
    start = time.monotonic()
    camera.start()
    while camera.read(0.5) is not None or camera.status is not CameraStatus.ENDED:
        pass
    assert 0.9 < time.monotonic() - start < 1.6
    camera.close()


def test_reps_from_the_first_second_are_counted_with_the_defaults(tmp_path: Path) -> None:
    # Squatting from the start, far from the camera: the set-up check finds a problem on every frame
    # and there is no 3 s still moment for the calibration; both used to hold the counting back.
    motion = chain(standing(0.3), squat_reps(6, period_s=2.5))
    poses = animate(motion, fps=30, image_size=(640, 360), body_fraction=0.35, jitter_px=0.5, seed=11)
    path = save_recording(tmp_path / "at_once.npz", poses, source="at once", estimator="synthetic", fps=30.0)
    speakers = RecordingPlayer()
    options = LiveOptions(camera=path, exercise="squat", headless=True, json_path=tmp_path / "a.json", speed=2.0)
    outcome = run_live(options, speakers=speakers, display=HeadlessDisplay())
    assert outcome.report["rep_count"] == 6
    assert [t for t in speakers.texts if t.isdigit()] == [str(n) for n in range(1, 7)]
    assert speakers.texts.count("Come a little closer to the camera.") == 1  # 15 s: said once
    # No still moment before the first rep: the neutral was learnt at the tops of the reps, and said.
    assert outcome.report["calibration"]["done"] is True
    assert "Thank you. That is your neutral posture." in speakers.texts


@pytest.mark.slow
def test_a_session_with_no_reps_says_why_on_a_real_video(tmp_path: Path, person_video: Path) -> None:
    # Real MediaPipe on a real portrait played as the camera, with the defaults: nothing moves.
    speakers = RecordingPlayer()
    options = LiveOptions(camera=person_video, exercise="squat", headless=True, json_path=tmp_path / "n.json")
    outcome = run_live(options, speakers=speakers, display=HeadlessDisplay())
    assert outcome.report["rep_count"] == 0
    summary = speakers.texts[-1]
    assert summary.startswith("Session complete. No reps were counted: ") and "Well done" not in summary


@pytest.mark.slow
def test_live_with_mediapipe_on_a_real_photo_video(tmp_path: Path, person_video: Path) -> None:
    options = LiveOptions(
        camera=person_video,
        exercise="squat",
        headless=True,
        setup_check=False,
        calibrate=False,
        json_path=tmp_path / "mp.json",
    )
    outcome = run_live(options, speakers=RecordingPlayer(), display=HeadlessDisplay())
    report = outcome.report
    assert report["person_detected"] is True and report["frames"] == outcome.frames >= 3
    # Real time: frames MediaPipe could not keep up with were dropped, never queued (45 in the video).
    assert 44 <= outcome.frames + outcome.dropped_frames <= 45
    assert report["estimator"].startswith("mediapipe")
    assert report["views"]["main_view"] == "front"  # a portrait facing the camera
    assert any(w["judgement"] == "spinal flexion" for w in report["view_warnings"])  # honest: back not judged


def test_cli_sigint_writes_the_report_and_exits_130(tmp_path: Path, recording: Path) -> None:
    out = tmp_path / "cli.json"
    cmd = [sys.executable, "-m", "spinesafe", "live", "--camera", str(recording), "--exercise", "squat"]
    cmd += ["--headless", "--json", str(out), "--mute", "--no-voice", "--speed", "6"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 20
    while not out.exists() and time.monotonic() < deadline:  # the first checkpoint, 1 s (6 s of session) in
        time.sleep(0.05)
    assert out.exists(), proc.stderr.read() if proc.stderr else ""
    assert any("Checkpoint" in note for note in json.loads(out.read_text())["notes"])  # written while running
    time.sleep(0.7)  # into the squats
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 130, stderr
    assert "interrupted; the report was written" in stderr
    report = json.loads(out.read_text())
    assert report["mode"] == "live" and not any("Checkpoint" in n for n in report["notes"])
    assert report["programme"]["ended_by"] == "interrupted (Ctrl+C)" and report["rep_count"] >= 1
    assert "three_squats.npz" in stdout


# --- the WAV holds what the speakers would play, when they would play it ------------------------------


def test_live_wav_sounds_every_count_and_warning_within_300_ms(tmp_path: Path) -> None:
    # The demo session (squats, then a bend whose rounding grows past the stop threshold) as the
    # camera, with real speech (espeak-ng where installed, else tones only): long instructions are
    # spoken as the counting starts, and two warnings follow each other within a second.
    # Every frame is delivered (none dropped under load), so the events are the same on every run.
    from spinesafe.feedback.audio import default_speech
    from spinesafe.pose.recording import load_recording

    demo = list(load_recording(Path(__file__).resolve().parent.parent / "samples" / "demo_squats.npz").frames)
    options = LiveOptions(exercise="squat", headless=True, audio_file=tmp_path / "s.wav", mute=True, history=False)
    camera, estimator = _FlakyCamera(demo, gap=(-1.0, -1.0)), ReplayEstimator(demo)
    outcome = run_live(
        options, camera=camera, estimator=estimator, speakers=RecordingPlayer(), display=HeadlessDisplay()
    )
    samples, _ = read_wav(tmp_path / "s.wav")
    cues = outcome.report["cues"]
    counts = [c["t_s"] for c in cues if c["kind"] == "count"]
    warnings = [c["t_s"] for c in cues if c["kind"] == "safety"]
    assert len(counts) >= 2 and len(warnings) >= 2, cues
    if default_speech().name != "silent":  # the session's words are in the file, not only its tones
        assert np.sqrt(np.mean(samples[: SAMPLE_RATE // 2] ** 2)) > 0.01
    # Each count starts with its 1.5 kHz tick, each warning with its two tones (cue_onsets).
    delays = onset_delays(counts, count_onsets(samples)) + onset_delays(warnings, warning_onsets(samples))
    assert all(-0.03 <= d <= 0.3 for d in delays), (counts, warnings, delays)
