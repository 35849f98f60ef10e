"""`spinesafe review --exercise auto` on a recording of two exercises: segments, each counted on its own.

Recordings are synthetic landmark files (.npz), so the real review runs without MediaPipe; the
recogniser is the packaged model.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from spinesafe.classifiers.exercises import get_exercise
from spinesafe.classifiers.recogniser import IDLE, UNSURE
from spinesafe.classifiers.segments import MIN_SEGMENT_S, Segment, WindowLabel, label_stretches
from spinesafe.cli import main
from spinesafe.feedback.report import build_report, reps_csv
from spinesafe.feedback.result import SegmentResult, SessionResult
from spinesafe.lab.synthetic import MOTIONS, CameraView, animate, chain, standing
from spinesafe.pose.recording import save_recording
from spinesafe.session.inputs import AUTO
from spinesafe.session.review import run_review

FPS = 30.0
# Squats, a rest, then biceps curls: the true spans (seconds) of the motions in the recording below.
SQUATS, SQUAT_PERIOD_S = 5, 3.0
CURLS, CURL_PERIOD_S = 6, 3.0
SQUAT_SPAN = (3.0, 3.0 + SQUATS * SQUAT_PERIOD_S)
CURL_SPAN = (SQUAT_SPAN[1] + 4.0, SQUAT_SPAN[1] + 4.0 + CURLS * CURL_PERIOD_S)


def labels(*runs: tuple[str, int], stride_s: float = 0.5) -> list[WindowLabel]:
    """Hand-made window labels: (label, number of windows) runs, window centres every ``stride_s``."""
    out: list[WindowLabel] = []
    for label, n in runs:
        out += [WindowLabel(1.0 + stride_s * (len(out) + i), label) for i in range(n)]
    return out


def test_short_blips_are_absorbed_and_unsure_stays_unsure() -> None:
    windows = labels(
        ("squat", 20),  # 10 s
        ("tandem_stance", 2),  # 1 s blip inside the squats
        ("squat", 10),
        (IDLE, 8),  # a 4 s rest: kept
        (UNSURE, 12),  # 6 s the recogniser cannot tell: kept as unsure
        ("biceps_curl", 2),  # 1 s blip inside it
        (UNSURE, 4),
        (IDLE, 2),  # 1 s pause: too short to end anything
        ("biceps_curl", 20),
    )
    stretches = label_stretches(windows)
    assert [s.label for s in stretches] == ["squat", IDLE, UNSURE, "biceps_curl"]
    assert [(s.start_s, s.end_s) for s in stretches] == [(0.75, 16.75), (16.75, 20.75), (20.75, 29.75), (29.75, 40.75)]
    assert all(s.duration_s >= MIN_SEGMENT_S for s in stretches)
    assert [(s.first, s.last) for s in stretches] == [(0, 31), (32, 39), (40, 57), (58, 79)]


def test_a_blip_at_the_end_joins_its_only_neighbour_and_one_short_run_stays() -> None:
    assert [s.label for s in label_stretches(labels(("squat", 12), ("lunge", 3)))] == ["squat"]
    assert [s.label for s in label_stretches(labels((IDLE, 3), ("squat", 12)))] == ["squat"]
    alone = label_stretches(labels((UNSURE, 3)))
    assert [(s.label, s.first, s.last) for s in alone] == [(UNSURE, 0, 2)]
    assert label_stretches([]) == []


def test_a_long_rest_between_two_sets_of_one_exercise_keeps_them_apart_in_stretches() -> None:
    # Stretches keep the rest; segment_recording merges neighbours recognised as the same exercise.
    stretches = label_stretches(labels(("squat", 12), (IDLE, 10), ("squat", 12)))
    assert [s.label for s in stretches] == ["squat", IDLE, "squat"]


@dataclass(frozen=True)
class Reviewed:
    report: dict[str, Any]
    out: Path
    console: str


@pytest.fixture(scope="module")
def two_exercises(tmp_path_factory: pytest.TempPathFactory) -> Reviewed:
    base = tmp_path_factory.mktemp("segments")
    motion = chain(
        standing(SQUAT_SPAN[0]),
        MOTIONS["squat"](SQUATS),
        standing(CURL_SPAN[0] - SQUAT_SPAN[1]),
        MOTIONS["biceps_curl"](CURLS),
        standing(2.0),
    )
    frames = animate(motion, FPS, view=CameraView.SIDE_FACING_RIGHT, jitter_px=1.0, seed=11)
    recording = save_recording(base / "two.npz", frames, source="two exercises", estimator="synthetic", fps=FPS)
    out = base / "out"
    console = io.StringIO()
    with contextlib.redirect_stdout(console):
        code = main(["review", str(recording), "--exercise", "auto", "--out", str(out), "--no-video", "--no-history"])
    assert code == 0
    return Reviewed(json.loads((out / "report.json").read_text()), out, console.getvalue())


def test_two_exercises_give_two_segments_each_counted_on_its_own(two_exercises: Reviewed) -> None:
    segments = two_exercises.report["segments"]
    assert [(s["exercise"], s["rep_count"], s["partial_rep_count"]) for s in segments] == [
        ("squat", SQUATS, 0),
        ("biceps_curl", CURLS, 0),
    ]
    assert all(s["sure"] and s["confidence"] >= 0.8 for s in segments)
    assert [r["number"] for r in segments[1]["reps"]] == list(range(1, CURLS + 1))  # counters start again
    for segment, (start, end) in zip(segments, (SQUAT_SPAN, CURL_SPAN), strict=True):
        assert abs(segment["start_s"] - start) <= 2.0 and abs(segment["end_s"] - end) <= 2.0
        for rep in segment["reps"]:
            assert segment["analysed_from_s"] <= rep["start_s"] and rep["end_s"] <= segment["analysed_to_s"]
    # The analysed spans tile the recording and hand over in the rest between the exercises.
    assert segments[0]["analysed_from_s"] == 0.0
    assert segments[0]["analysed_to_s"] == segments[1]["analysed_from_s"]
    assert SQUAT_SPAN[1] < segments[1]["analysed_from_s"] < CURL_SPAN[0]
    assert segments[1]["analysed_to_s"] == two_exercises.report["duration_s"]


def test_the_top_level_is_the_exercise_with_the_most_time(two_exercises: Reviewed) -> None:
    report = two_exercises.report
    assert report["segment_count"] == 2
    assert report["exercise"] == "biceps_curl"  # 18 s of curls against 15 s of squats
    assert report["exercise_recognised"] and report["exercise_sure"]
    assert report["rep_count"] == CURLS and len(report["reps"]) == CURLS
    assert report["reps"] == report["segments"][1]["reps"]
    assert "This video has 2 segments" in report["notes"][0] and "Mini squat (5 reps)" in report["notes"][0]


def test_rep_table_html_and_console_name_the_segments(two_exercises: Reviewed) -> None:
    rows = list(csv.DictReader(io.StringIO((two_exercises.out / "reps.csv").read_text())))
    assert [(r["segment"], r["exercise"], r["number"]) for r in rows] == [
        *(("1", "squat", str(n)) for n in range(1, SQUATS + 1)),
        *(("2", "biceps_curl", str(n)) for n in range(1, CURLS + 1)),
    ]
    html = (two_exercises.out / "report.html").read_text()
    assert "Exercises in this video" in html and "Mini squat then Biceps curl" in html
    console = two_exercises.console
    assert "2 segments (the reps below are for Biceps curl" in console
    assert "Mini squat: 5 reps, 0 flexion events" in console and "Biceps curl: 6 reps" in console
    assert "reps: 6" in console


def test_one_exercise_gives_one_segment_and_the_same_numbers_as_naming_it(tmp_path: Path) -> None:
    motion = chain(standing(2.0), MOTIONS["squat"](4), standing(2.0))
    frames = animate(motion, FPS, view=CameraView.SIDE_FACING_LEFT, jitter_px=1.0, seed=5)
    recording = save_recording(tmp_path / "squats.npz", frames, source="squats", estimator="synthetic", fps=FPS)
    auto = run_review(recording, AUTO, write_video=False).report
    named = run_review(recording, "squat", write_video=False).report
    assert auto["exercise"] == "squat" and auto["exercise_recognised"] and auto["exercise_sure"]
    assert [(s["exercise"], s["rep_count"]) for s in auto["segments"]] == [("squat", 4)]
    assert named["segments"][0]["confidence"] is None and named["segment_count"] == 1
    for key in ("rep_count", "partial_rep_count", "reps", "flexion_events", "twist_events", "holds", "cues"):
        assert auto[key] == named[key], key
    assert auto["segments"][0]["reps"] == named["segments"][0]["reps"] == named["reps"]
    assert auto["notes"] == named["notes"] == []


def _segment(start_s: float, end_s: float, exercise: str, confidence: float, sure: bool) -> Segment:
    return Segment(start_s, end_s, start_s, end_s, exercise, confidence, sure)


def test_an_unsure_segment_says_not_sure_and_names_its_guess() -> None:
    result = SessionResult(
        source="x", mode="replay", spec=get_exercise("squat"), estimator="synthetic", fps=30.0, duration_s=30.0
    )
    result.exercise_confidence = 0.9
    result.segments = [
        SegmentResult(_segment(0.0, 20.0, "squat", 0.9, True), get_exercise("squat")),
        SegmentResult(_segment(20.0, 30.0, "lunge", 0.35, False), get_exercise("lunge")),
    ]
    segments = build_report(result)["segments"]
    assert [(s["exercise"], s["exercise_name"], s["analysed_as"], s["sure"]) for s in segments] == [
        ("squat", "Mini squat", "squat", True),
        (UNSURE, "not sure", "lunge", False),
    ]
    assert reps_csv(build_report(result)).splitlines()[0].startswith("segment,exercise,number,")
