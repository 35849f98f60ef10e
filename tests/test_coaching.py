"""LiveCoach: the set-up, calibration and programme flow over synthetic poses, exactly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from spinesafe.classifiers.events import Event
from spinesafe.feedback.cues import Cue
from spinesafe.lab.synthetic import CameraView, animate, chain, hip_hinge_reps, squat_reps, standing, toe_touch
from spinesafe.pose.frame import PoseFrame
from spinesafe.session.coach import CoachConfig, LiveCoach, Stage
from spinesafe.session.programme import Programme, parse_programme, single_exercise

REVIEW_KEYS = {"schema", "source", "exercise", "duration_s", "rep_count", "reps", "flexion_events", "holds", "cues"}


def programme(*entries: dict[str, Any], rest_s: float = 2.0) -> Programme:
    return parse_programme(
        {"programme": {"name": "Test", "rest_s": rest_s, "tempo": "Slow."}, "exercise": list(entries)}, "test.toml"
    )


def run(coach: LiveCoach, frames: list[PoseFrame]) -> list[tuple[float, str, str]]:
    cues: list[Cue] = coach.start(0.0)
    for frame in frames:
        cues += coach.update(frame)
    cues += coach.finish(frames[-1].t_s, "end of the recording")
    return [(round(c.t_s, 2), c.kind.value, c.text) for c in cues]


def test_two_sets_with_rest_calibration_and_summary() -> None:
    frames = animate(
        chain(standing(5.0), squat_reps(3), standing(4.0), squat_reps(3), standing(1.0)),
        fps=30,
        view=CameraView.SIDE_FACING_LEFT,
    )
    coach = LiveCoach(programme({"id": "squat", "sets": 2, "reps": 3}), source="syn", estimator="replay", fps=30)
    assert run(coach, frames) == [
        (0.0, "info", "Mild soreness is normal; sharp pain means stop."),
        (0.0, "info", "Keep a chair or counter within reach."),
        (1.0, "setup", "That's right. Now stand tall and still for three seconds."),
        (4.03, "info", "Thank you. That is your neutral posture."),
        (4.03, "info", "Mini squat. Feet hip-width apart, sit back as if onto a chair, chest up, then stand tall."),
        (4.03, "info", "Set 1 of 2: 3 reps. Slow."),
        (7.57, "count", "1"),
        (10.57, "count", "2"),
        (13.57, "count", "3"),
        (13.57, "info", "Set complete. Rest for 2 seconds."),
        (15.57, "info", "Set 2 of 2: 3 reps. Slow."),
        (20.57, "count", "1"),
        (23.57, "count", "2"),
        (26.57, "count", "3"),
        (26.57, "info", "Session complete: 6 reps. Your back stayed straight. Well done."),
    ]
    assert coach.stage is Stage.DONE and coach.ended_by == "finished"
    report = coach.report()
    assert report.keys() >= REVIEW_KEYS
    assert report["mode"] == "live" and report["exercise"] == "squat" and report["rep_count"] == 6
    assert [r["number"] for r in report["reps"]] == [1, 2, 3, 4, 5, 6]
    assert report["calibration"]["done"] is True
    assert report["programme"]["entries"][0]["sets_done"] == 2
    assert report["cues"][0]["text"].startswith("Mild soreness")  # the whole session's cues
    assert report["notes"] == []


def test_view_during_the_flow() -> None:
    frames = animate(chain(standing(5.0), squat_reps(3), standing(3.0)), fps=30)
    coach = LiveCoach(programme({"id": "squat", "sets": 2, "reps": 3}, rest_s=30), source="s", estimator="r", fps=30)
    coach.start(0.0)
    views = {}
    for frame in frames:
        coach.update(frame)
        views.setdefault(coach.stage, coach.view(frame.t_s))
        if coach.stage is Stage.EXERCISE and 8.0 < frame.t_s < 10.0:  # after rep 1 (7.57 s), before rep 2
            views.setdefault("mid", coach.view(frame.t_s))
    assert views[Stage.SETUP].title == "Set-up check"
    assert views[Stage.CALIBRATING].message.startswith("Stand tall")
    mid = views["mid"]
    assert mid.title == "Mini squat" and mid.counter == "1/3" and mid.progress.startswith("Set 1 of 2  -  1 of 3 reps")
    assert mid.state is not None and mid.state.present
    rest = views[Stage.REST]
    assert rest.message == "Rest 0:30" and rest.progress.endswith("next: set 2 of 2")


def test_pause_stops_the_rest_timer_and_next_skips() -> None:
    frames = animate(chain(standing(2.0), squat_reps(1), standing(30.0)), fps=30)
    coach = LiveCoach(
        programme({"id": "squat", "sets": 2, "reps": 1}, {"id": "heel_raise", "reps": 10}, rest_s=10),
        source="s",
        estimator="r",
        fps=30,
        config=CoachConfig(setup_check=False, calibrate=False),
    )
    coach.start(0.0)
    paused_at = resumed_at = None
    for frame in frames:
        coach.update(frame)
        if coach.stage is Stage.REST and paused_at is None:
            paused_at = frame.t_s
            coach.toggle_pause(frame.t_s)
        if paused_at is not None and resumed_at is None and frame.t_s >= paused_at + 15.0:
            resumed_at = frame.t_s
            assert coach.stage is Stage.REST and coach.view(frame.t_s).message.startswith("PAUSED")
            coach.toggle_pause(frame.t_s)
        if resumed_at is not None and coach.stage is Stage.EXERCISE:
            # the 10 s rest ran only while not paused
            assert frame.t_s - resumed_at == pytest.approx(10.0, abs=0.1)
            break
    assert resumed_at is not None and coach.stage is Stage.EXERCISE
    said = coach.next_entry(frame.t_s)  # skip set 2 of the squats
    assert coach.entry is not None and coach.entry.exercise == "heel_raise"
    assert said[0].text.startswith("Heel raise.")
    coach.next_entry(frame.t_s)  # skip the last exercise
    assert coach.done
    report = coach.report()
    assert report["exercise"] == "programme" and [e["exercise"] for e in report["exercises"]] == ["squat", "heel_raise"]
    assert report["rep_count"] == 1 and report["reps"][0]["exercise"] == "squat"
    assert any("stopped after 1 of 2 sets" in note for note in report["notes"])


def test_flexion_in_a_rest_is_flagged_and_reported() -> None:
    frames = animate(
        chain(
            standing(2.0),
            squat_reps(1),
            standing(1.0),
            hip_hinge_reps(1, rounded=True, rounded_curl_deg=45),
            standing(2.0),
        ),
        fps=30,
    )
    coach = LiveCoach(
        programme({"id": "squat", "sets": 2, "reps": 1}, rest_s=60),
        source="s",
        estimator="r",
        fps=30,
        config=CoachConfig(setup_check=False, calibrate=False),
    )
    cues = run(coach, frames)
    assert any(kind == "safety" for _, kind, _ in cues)
    report = coach.report()
    assert report["rep_count"] == 1 and len(report["flexion_events"]) == 1  # watched in the rest


def test_setup_timeout_carries_on_and_says_why() -> None:
    frames = animate(standing(4.0), fps=30, view=CameraView.FRONT)
    coach = LiveCoach(
        single_exercise("squat"), source="s", estimator="r", fps=30, config=CoachConfig(setup_timeout_s=2.0)
    )
    cues = run(coach, frames)
    assert (0.0, "setup", "Turn sideways to the camera, so I can check your back.") in cues
    assert (2.0, "setup", "Let's start anyway. Turn sideways to the camera, so I can check your back.") in cues
    report = coach.report()
    assert any("set-up check was not passed" in n for n in report["notes"])
    assert report["calibration"]["done"] is False  # no side view: calibration timed out
    assert coach.stage is Stage.DONE


def test_quit_before_the_exercise_still_gives_a_review_format_report() -> None:
    coach = LiveCoach(single_exercise("squat"), source="s", estimator="r", fps=30)
    coach.start(0.0)
    for frame in animate(standing(0.5), fps=30):
        coach.update(frame)
    coach.finish(0.5, "quit (Q)")
    report = coach.report()
    assert report.keys() >= REVIEW_KEYS and report["rep_count"] == 0 and report["duration_s"] == 0.5
    assert "The exercise was not started." in report["notes"]


def test_checkpoint_report_while_running() -> None:
    coach = LiveCoach(
        single_exercise("squat"),
        source="s",
        estimator="r",
        fps=30,
        config=CoachConfig(setup_check=False, calibrate=False),
    )
    coach.start(0.0)
    for frame in animate(chain(standing(2.0), squat_reps(2)), fps=30):
        coach.update(frame)
    snapshot = coach.report(in_progress=True)
    assert snapshot["rep_count"] == 2 and snapshot["views"]["main_view"] == "side"
    assert any("Checkpoint" in n for n in snapshot["notes"])
    assert coach.stage is Stage.EXERCISE  # nothing was closed


@dataclass(frozen=True)
class FakeRecognition(Event):
    label: str
    confidence: float


class ScriptedRecogniser:
    """Says "idle" until ``squat_from`` s, then "squat", then "toe_touch" from ``toe_from`` s, every 0.5 s."""

    def __init__(self, squat_from: float, toe_from: float) -> None:
        self.squat_from, self.toe_from = squat_from, toe_from
        self._next = 0.0
        self.resets = 0

    def update(self, frame: PoseFrame) -> list[Event]:
        if frame.t_s < self._next:
            return []
        self._next = frame.t_s + 0.5
        t = frame.t_s
        label = "idle" if t < self.squat_from else ("squat" if t < self.toe_from else "toe_touch")
        return [FakeRecognition(t, label=label, confidence=0.9)]

    def reset(self) -> None:
        self.resets += 1


def test_automatic_recognition_starts_counting_and_flags_unsafe_patterns() -> None:
    # A real toe touch from 12 s: the warning needs the back to be seen rounding too.
    frames = animate(chain(standing(2.0), squat_reps(3), standing(1.0), toe_touch(1)), fps=30)
    coach = LiveCoach(
        None,
        source="s",
        estimator="r",
        fps=30,
        config=CoachConfig(setup_check=False, calibrate=False),
        recogniser=ScriptedRecogniser(squat_from=2.0, toe_from=12.0),
    )
    cues = run(coach, frames)
    texts = [text for _, _, text in cues]
    assert "Start your exercise when you are ready. I will recognise it." in texts
    recognised = texts.index("That looks like: Mini squat. I will count.")
    assert [t for t in texts[recognised:] if t.isdigit()] == ["1", "2", "3"]
    assert "Please avoid the toe touch: it rounds your back." in texts
    report = coach.report()
    assert report["exercise"] == "squat" and report["rep_count"] == 3


def test_screen_captions_the_pain_rule_and_keeps_a_warning_while_it_is_said() -> None:
    frames = animate(
        chain(standing(6.0), hip_hinge_reps(3, period_s=3.0, rounded=True, rounded_curl_deg=45.0), standing(4.0)),
        fps=30,
        view=CameraView.SIDE_FACING_LEFT,
    )
    coach = LiveCoach(single_exercise("hip_hinge"), source="s", estimator="r", fps=30)
    cues = coach.start(0.0)
    captions: dict[float, str] = {}
    for frame in frames:
        cues += coach.update(frame)
        captions[round(frame.t_s, 3)] = coach.view(frame.t_s).cue

    def caption_at(t_s: float) -> str:
        return captions[min(captions, key=lambda t: abs(t - t_s))]

    assert caption_at(1.0) == "Mild soreness is normal; sharp pain means stop."
    warnings = [c for c in cues if c.kind.value == "safety"]
    assert warnings and any(c.kind.value == "count" for c in cues)
    first = warnings[0]
    assert caption_at(first.t_s + 1.0) == caption_at(first.t_s + 2.5) == first.text
