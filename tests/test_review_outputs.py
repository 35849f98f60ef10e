"""`run_review` on a real video file: every output written and read back (JSON, CSV, HTML in a real
browser, H.264 + AAC video with the cue sounds at their times) and the session in a real SQLite file.

The pose stage is not the point here, so a fake estimator hands out the poses of a synthetic motion
(two squats, then a rounded-back bend) frame by frame while the video itself is real: pictures of a
person, decoded by OpenCV, drawn on and encoded. MediaPipe itself is tested in tests/pose and
tests/test_review_cli.py.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from conftest import pictures_of_the_person

from spinesafe.errors import AudioUnavailable
from spinesafe.feedback import audio
from spinesafe.feedback.overlay import overlay_layout
from spinesafe.feedback.report import REP_COLUMNS
from spinesafe.feedback.store import SessionStore
from spinesafe.feedback.video import Mp4Writer
from spinesafe.lab.synthetic import CameraView, animate, chain, hip_hinge_reps, squat_reps, standing
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.recording import save_recording
from spinesafe.pose.sources import VideoFileSource, VideoFrame
from spinesafe.session.review import ReviewOutputs, run_review

FPS = 30.0
SIZE = (320, 240)


class PosesByFrame:
    """A pose estimator that returns prepared poses by frame index (MediaPipe's place, without its cost)."""

    name = "synthetic-by-frame"

    def __init__(self, poses: list[PoseFrame]) -> None:
        self.poses = poses
        self.closed = False

    def estimate(self, frame: VideoFrame) -> PoseFrame:
        return replace(self.poses[frame.index], t_s=frame.t_s, image_size=frame.size)

    def close(self) -> None:
        self.closed = True


@pytest.fixture(scope="module")
def motion() -> list[PoseFrame]:
    """12 s, side view: 1.5 s standing, 2 squats, a rounded-back bend (flagged), standing."""
    keyframes = chain(
        standing(1.5),
        squat_reps(2, period_s=2.5),
        standing(0.5),
        hip_hinge_reps(1, period_s=4.0, rounded=True, rounded_curl_deg=45.0),
        standing(1.0),
    )
    return animate(keyframes, fps=FPS, view=CameraView.SIDE_FACING_LEFT, image_size=SIZE, jitter_px=0.3, seed=1)


@pytest.fixture(scope="module")
def motion_video(tmp_path_factory: pytest.TempPathFactory, photo: np.ndarray, motion: list[PoseFrame]) -> Path:
    """A real H.264 file, one picture of a person per pose, each shifted a little."""
    path = tmp_path_factory.mktemp("videos") / "two_squats.mp4"
    base = cv2.resize(photo, SIZE, interpolation=cv2.INTER_AREA)
    with Mp4Writer(path, FPS, SIZE) as writer:
        for i in range(len(motion)):
            shift = np.float32([[1, 0, (i % 7) - 3], [0, 1, (i % 5) - 2]])
            writer.write(cv2.warpAffine(base, shift, SIZE, borderMode=cv2.BORDER_REPLICATE))
    return path


@dataclass(frozen=True)
class Reviewed:
    outputs: ReviewOutputs
    out: Path
    db: Path
    estimator: PosesByFrame


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory, motion_video: Path, motion: list[PoseFrame]) -> Reviewed:
    base = tmp_path_factory.mktemp("reviewed")
    estimator = PosesByFrame(motion)
    with SessionStore(base / "sessions.db") as store:
        outputs = run_review(
            motion_video, "squat", out_dir=base / "out", estimator=estimator, store=store, patient="ann"
        )
    return Reviewed(outputs, base / "out", base / "sessions.db", estimator)


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def decode_audio(path: Path) -> tuple[np.ndarray, int]:
    """The first audio stream as mono float32 samples from t = 0, and its sample rate."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        chunks = [(float(f.pts * f.time_base), f.to_ndarray().mean(axis=0)) for f in container.decode(stream)]
    start = chunks[0][0]
    assert abs(start) < 0.05, start
    return np.concatenate([c for _, c in chunks]).astype(np.float32), rate


def rms(samples: np.ndarray, rate: int, start_s: float, end_s: float) -> float:
    window = samples[int(start_s * rate) : int(end_s * rate)]
    return float(np.sqrt(np.mean(window.astype(np.float64) ** 2)))


def dominant_hz(samples: np.ndarray, rate: int, start_s: float, end_s: float) -> float:
    window = samples[int(start_s * rate) : int(end_s * rate)].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(window * np.hanning(window.size)))
    return float(np.fft.rfftfreq(window.size, 1 / rate)[np.argmax(spectrum)])


# --- the files ---------------------------------------------------------------------------------------


def test_review_writes_every_output_and_nothing_else(reviewed: Reviewed) -> None:
    outputs = reviewed.outputs
    assert sorted(p.name for p in reviewed.out.iterdir()) == ["annotated.mp4", "report.html", "report.json", "reps.csv"]
    assert outputs.json_path == reviewed.out / "report.json"
    assert outputs.html_path == reviewed.out / "report.html"
    assert outputs.csv_path == reviewed.out / "reps.csv"
    assert outputs.video_path == reviewed.out / "annotated.mp4"
    assert reviewed.estimator.closed


def test_json_report_counts_reps_flexion_and_names_the_key_frames(reviewed: Reviewed) -> None:
    report = load_json(reviewed.out / "report.json")
    assert report == json.loads(json.dumps(reviewed.outputs.report))
    assert report["schema"] == "spinesafe.report/2" and report["mode"] == "review"
    assert report["source"] == "two_squats.mp4" and report["patient"] == "ann"
    assert report["rep_count"] == 2 and [r["number"] for r in report["reps"]] == [1, 2]
    assert [r["flags"] for r in report["reps"]] == [[], []]
    [event] = report["flexion_events"]
    assert event["severity"] == "stop" and event["view"] == "side"
    assert event["start_s"] < event["stop_s"] < event["peak_s"]  # the rounding grew from caution to stop
    kinds = [c["kind"] for c in report["cues"]]
    assert kinds == ["info", "count", "count", "safety", "safety"]  # "hinge at your hips", then "stop"
    # Key frames: the deepest point of the deeper rep, and the peak of the flexion event.
    labels = [k["label"] for k in report["key_frames"]]
    assert len(labels) == 2
    assert labels[0].startswith("Turning point of rep ") and "range of motion" in labels[0]
    assert labels[1].startswith("Back rounding at ") and "seen from the side" in labels[1]
    deepest = max(report["reps"], key=lambda r: r["range_of_motion_deg"])
    assert report["key_frames"][0]["t_s"] == pytest.approx(deepest["turn_s"], abs=0.11)
    assert report["key_frames"][1]["t_s"] == pytest.approx(event["peak_s"], abs=0.11)


def test_reps_csv_is_the_per_rep_table(reviewed: Reviewed) -> None:
    report = load_json(reviewed.out / "report.json")
    rows = list(csv.DictReader(io.StringIO((reviewed.out / "reps.csv").read_text(encoding="utf-8"))))
    assert list(rows[0].keys()) == list(REP_COLUMNS)
    assert [int(r["number"]) for r in rows] == [r["number"] for r in report["reps"]]
    for row, rep in zip(rows, report["reps"], strict=True):
        assert float(row["range_of_motion_deg"]) == rep["range_of_motion_deg"]
        assert float(row["start_s"]) == rep["start_s"] and float(row["end_s"]) == rep["end_s"]
        assert row["complete"] == "True"


def test_annotated_video_is_h264_with_an_aac_track_and_every_frame(reviewed: Reviewed, motion_video: Path) -> None:
    path = reviewed.out / "annotated.mp4"
    with av.open(str(path)) as container:
        video, sound = container.streams.video[0], container.streams.audio[0]
        assert container.format.name.startswith("mov,mp4")
        assert video.codec_context.name == "h264" and video.codec_context.pix_fmt == "yuv420p"
        assert (video.codec_context.width, video.codec_context.height) == SIZE
        assert sound.codec_context.name == "aac" and sound.codec_context.sample_rate == audio.SAMPLE_RATE
    source = VideoFileSource(path)
    frames = [f.image for f in source]
    source.close()
    original = VideoFileSource(motion_video)
    raw = [f.image for f in original]
    original.close()
    assert len(frames) == len(raw) == reviewed.outputs.result.frames
    # The live screen's layout at the video's size: the picture scaled beside the panel, above the
    # caption, with only the skeleton on it; the words in the dark panel (at 5 s no caption is shown:
    # the pain rule's ended at ~4 s, and counts are not captions).
    layout = overlay_layout(SIZE, SIZE)
    pic, panel = layout.picture, layout.panel
    shown = frames[150][pic.y : pic.bottom, pic.x : pic.right].astype(np.int16)
    changed = np.abs(shown - cv2.resize(raw[150], (pic.w, pic.h)).astype(np.int16)).max(axis=2) > 60
    assert 0.005 < changed.mean() < 0.2
    words = frames[150][:, panel.x :]
    assert words.mean() < 60 and (words.min(axis=2) > 200).any()


def test_audio_track_carries_each_cue_at_its_time(reviewed: Reviewed) -> None:
    samples, rate = decode_audio(reviewed.out / "annotated.mp4")
    result = reviewed.outputs.result
    assert samples.size / rate == pytest.approx(result.frames / FPS, abs=0.15)
    speech = audio.EspeakSpeech() if shutil.which("espeak-ng") else audio.SilentSpeech()
    placed = audio.schedule(result.cues, speech)
    # A counted rep: the tick (1.5 kHz) at the cue's time; the flexion warning: its 880 Hz tone first.
    for p in placed:
        assert rms(samples, rate, p.start_s, p.start_s + 0.15) > 0.05, p.cue
        if p.cue.kind.value == "count":
            assert dominant_hz(samples, rate, p.start_s, p.start_s + 0.05) == pytest.approx(1500, abs=60)
    warning, stop = [p for p in placed if p.cue.kind.value == "safety"]
    assert warning.start_s == pytest.approx(warning.cue.t_s, abs=1e-6), "nothing was playing: not delayed"
    # The stop sentence (the rounding grew past stop) cuts the first warning short at once.
    assert stop.start_s == pytest.approx(stop.cue.t_s + 0.01, abs=1e-3) and warning.end_s == stop.start_s
    assert dominant_hz(samples, rate, stop.start_s + 0.03, stop.start_s + 0.15) == pytest.approx(880, abs=30)
    assert dominant_hz(samples, rate, warning.start_s + 0.03, warning.start_s + 0.15) == pytest.approx(880, abs=30)
    # Quiet where nothing is said: the gap before the warning.
    previous_end = max(p.end_s for p in placed if p.start_s < warning.start_s)
    assert warning.start_s - previous_end > 0.5
    assert rms(samples, rate, previous_end + 0.15, warning.start_s - 0.1) < 0.01
    if shutil.which("espeak-ng"):  # the pain rule is spoken at the start
        assert rms(samples, rate, 0.2, 1.0) > 0.02
        assert not any("Speech was not rendered" in n for n in result.notes)


def test_session_is_stored_with_its_reps_events_and_cues(reviewed: Reviewed) -> None:
    with SessionStore(reviewed.db, create=False) as store:
        [summary] = store.sessions()
        detail = store.session_detail(summary.id)
    assert summary.id == reviewed.outputs.session_id
    assert (summary.patient, summary.mode, summary.source, summary.status) == (
        "ann",
        "review",
        "two_squats.mp4",
        "complete",
    )
    assert summary.exercises == ("squat",) and summary.reps == 2 and summary.flexion_events == 1
    assert detail["model"] == "synthetic-by-frame" and detail["frames"] == reviewed.outputs.result.frames
    assert len(detail["cues"]) == 5 and detail["sets"][0]["views"]["side"] > 300


# --- the HTML report ---------------------------------------------------------------------------------


def test_html_report_is_self_contained(reviewed: Reviewed) -> None:
    html = (reviewed.out / "report.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"""(src|href)=["'](?!data:)""", html), "every picture is inline"
    assert "http://" not in html and "https://" not in html
    for text in ("sharp pain means stop", "cannot see your spine", "side view", "range of motion"):
        assert text in html
    images = re.findall(r'src="data:image/(png|jpeg);base64,([^"]+)"', html)
    assert [kind for kind, _ in images] == ["png", "jpeg", "jpeg"]
    for kind, data in images:
        picture = cv2.imdecode(np.frombuffer(base64.b64decode(data), np.uint8), cv2.IMREAD_COLOR)
        assert picture is not None and picture.std() > 10, kind
    # A key frame is the annotated picture (the overlay's panel drawn), not the raw photo.
    key = cv2.imdecode(np.frombuffer(base64.b64decode(images[1][1]), np.uint8), cv2.IMREAD_COLOR)
    assert key.shape[:2] == (SIZE[1], SIZE[0])
    assert key[:, overlay_layout(SIZE, SIZE).panel.x :].mean() < 60, "the dark panel of the overlay"


def test_html_report_renders_in_a_real_browser(reviewed: Reviewed, render_in_browser: Callable[[Path], Any]) -> None:
    page = render_in_browser(reviewed.out / "report.html")
    assert page.problems == []
    assert page.requests == [(reviewed.out / "report.html").as_uri()], "the page loads nothing but itself"
    assert page.title.startswith("Mini squat")
    assert len(page.images) == 3 and all(i["ok"] for i in page.images), page.images
    assert page.images[0]["width"] == 1000
    assert {"Repetitions", "Key moments", "Camera view", "Notes for you"} <= set(page.headings)
    assert page.table_rows >= 3  # two reps and the flexion event
    assert "Mild soreness is normal; sharp pain means stop." in page.text
    assert "2\nreps counted" in page.text


# --- degraded modes ----------------------------------------------------------------------------------


def test_without_espeak_the_video_still_gets_the_tones_and_the_report_says_so(
    tmp_path: Path, motion: list[PoseFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_espeak(*args: object, **kwargs: object) -> None:
        raise AudioUnavailable("speech: the 'espeak-ng' program is not installed")

    monkeypatch.setattr(audio.EspeakSpeech, "__init__", no_espeak)
    recording = save_recording(tmp_path / "motion.npz", motion, source="motion", estimator="synthetic", fps=FPS)
    outputs = run_review(recording, "squat", out_dir=tmp_path / "out")

    assert any("Speech was not rendered" in note for note in outputs.report["notes"])  # type: ignore[attr-defined]
    samples, rate = decode_audio(tmp_path / "out" / "annotated.mp4")
    assert rms(samples, rate, 0.2, 1.0) < 1e-3, "the pain rule is speech only: silent without a voice"
    safety = next(c for c in outputs.result.cues if c.kind.value == "safety")
    assert dominant_hz(samples, rate, safety.t_s + 0.03, safety.t_s + 0.15) == pytest.approx(880, abs=30)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Speech was not rendered" in html
    assert "replayed from a landmark recording" in html and "data:image/jpeg" not in html


def test_no_video_option_writes_the_reports_only(tmp_path: Path, motion_video: Path, motion: list[PoseFrame]) -> None:
    outputs = run_review(
        motion_video, "squat", out_dir=tmp_path / "out", estimator=PosesByFrame(motion), write_video=False
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.html", "report.json", "reps.csv"]
    assert outputs.video_path is None
    # Privacy: without the video no picture of the person is written anywhere (no key frames either).
    assert outputs.result.key_frames == [] and outputs.report["key_frames"] == []
    assert pictures_of_the_person(tmp_path / "out") == []
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "without pictures of the person" in html and "data:image/png" in html  # the plots stay
    assert outputs.result.rep_count == 2 and len(outputs.result.flexion_events) == 1  # the analysis is whole


def test_the_picture_scan_finds_the_key_frames_and_the_video(reviewed: Reviewed) -> None:
    assert pictures_of_the_person(reviewed.out) == [
        "annotated.mp4: a video",
        "report.html: an embedded JPEG",
    ]
