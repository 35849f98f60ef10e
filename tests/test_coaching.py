"""LiveCoach: the set-up, calibration and programme flow over synthetic poses, exactly."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np
import pytest

from spinesafe.classifiers.events import Event
from spinesafe.classifiers.recogniser import ExerciseRecogniser
from spinesafe.feedback.cues import Cue, CueKind, CuePolicy
from spinesafe.lab.synthetic import (
    CameraView,
    animate,
    biceps_curl_reps,
    chain,
    hip_hinge_reps,
    lunge_reps,
    moved,
    passer_by,
    single_leg_stance,
    squat_reps,
    standing,
    toe_touch,
)
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Side
from spinesafe.session.coach import CoachConfig, LiveCoach, Stage
from spinesafe.session.coach_exercise import SWITCH_MAJORITY
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
        (0.0, "info", "Mini squat. Feet hip-width apart, sit back as if onto a chair, chest up, then stand tall."),
        (0.0, "info", "Set 1 of 2: 3 reps. Slow."),
        (1.0, "setup", "That's right. Now stand tall and still for three seconds."),
        (3.0, "info", "Thank you. That is your neutral posture."),  # still and upright from the start
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
        if 2.0 < frame.t_s < 2.1:  # set-up right (from 1 s), calibrating
            views.setdefault("calibrating", coach.view(frame.t_s))
        if coach.stage is Stage.EXERCISE and 8.0 < frame.t_s < 10.0:  # after rep 1 (7.57 s), before rep 2
            views.setdefault("mid", coach.view(frame.t_s))
    first = views[Stage.EXERCISE]  # the exercise from the first frame, counter and all
    assert first.title == "Mini squat" and first.counter == "0/3" and first.message == ""
    assert views["calibrating"].message == "Stand tall and still: 1"
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


def two_sets_with_a_long_rest() -> LiveCoach:
    """One squat a set, two sets, a 60 s rest between: a session that stays in its rest."""
    return LiveCoach(
        programme({"id": "squat", "sets": 2, "reps": 1}, rest_s=60),
        source="s",
        estimator="r",
        fps=30,
        config=CoachConfig(setup_check=False, calibrate=False),
    )


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
    coach = two_sets_with_a_long_rest()
    cues = run(coach, frames)
    assert any(kind == "safety" for _, kind, _ in cues)
    report = coach.report()
    assert report["rep_count"] == 1 and len(report["flexion_events"]) == 1  # watched in the rest


def test_a_passer_by_rounding_in_a_rest_is_not_the_patients_back() -> None:
    # The patient squats once and stands resting; a smaller person aside bends with a rounded back
    # (a 45 deg curl) while the pose model follows them: the rest's back check is the patient's.
    patient = animate(chain(standing(2.0), squat_reps(1), standing(9.0)), fps=30, jitter_px=1.0, seed=3)
    other = moved(
        animate(chain(standing(6.0), hip_hinge_reps(1, rounded=True, rounded_curl_deg=45), standing(3.0)), fps=30,
                body_fraction=0.45),
        0.25,
    )  # fmt: skip
    frames = passer_by(patient, other, 6.0, 11.0)
    coach = two_sets_with_a_long_rest()
    cues = run(coach, frames)
    report = coach.report()
    assert report["rep_count"] == 1 and coach.stage is not Stage.EXERCISE  # in the rest from ~5 s
    assert report["flexion_events"] == [] and not any(kind == "safety" for _, kind, _ in cues)
    assert [c["outcome"] for c in report["person_changes"]] == ["returned"]


def test_setup_timeout_stops_advising_and_notes_why() -> None:
    frames = animate(standing(4.0), fps=30, view=CameraView.FRONT)
    coach = LiveCoach(
        single_exercise("squat"), source="s", estimator="r", fps=30, config=CoachConfig(setup_timeout_s=2.0)
    )
    cues = run(coach, frames)
    # Said once (the flexion monitor's wording came first), not again within the 20 s of its topic.
    assert [c[:2] for c in cues if c[1] == "setup"] == [(0.0, "setup")]
    assert next(c[2] for c in cues if c[1] == "setup").startswith("Turn sideways to the camera")
    report = coach.report()
    assert any("set-up check was not passed within 2 s" in n for n in report["notes"])
    assert report["calibration"]["done"] is False  # no side view: no neutral
    assert any(n.startswith("Calibration was not done") for n in report["notes"])
    assert coach.stage is Stage.DONE


def test_quit_at_once_still_gives_a_review_format_report() -> None:
    coach = LiveCoach(single_exercise("squat"), source="s", estimator="r", fps=30)
    coach.start(0.0)
    for frame in animate(standing(0.5), fps=30):
        coach.update(frame)
    coach.finish(0.5, "quit (Q)")
    report = coach.report()
    assert report.keys() >= REVIEW_KEYS and report["rep_count"] == 0 and report["duration_s"] == 0.5
    assert report["programme"]["ended_by"] == "quit (Q)"


BACKLIT_PICTURE = np.full((360, 640, 3), 250, np.uint8)  # a bright window filling the picture ...


def backlit(frame: PoseFrame) -> np.ndarray:
    """... and the person a dark silhouette before it (the trunk and limbs drawn dark)."""
    image = BACKLIT_PICTURE.copy()
    px = frame.pixels()[:, :2].astype(int)
    for a, b in [(11, 23), (12, 24), (23, 25), (24, 26), (25, 27), (26, 28), (11, 13), (13, 15), (0, 7), (0, 8)]:
        cv2.line(image, tuple(px[a]), tuple(px[b]), (70, 70, 70), 30)
    return image


def test_reps_count_from_the_first_one_whatever_the_set_up_says() -> None:
    # Squats from the first second, too far from the camera, before a bright window: the set-up
    # check finds problems on every frame and there is never a still moment to calibrate.
    frames = animate(
        chain(standing(0.3), squat_reps(8, period_s=1.75)),
        fps=30,
        image_size=(640, 360),
        body_fraction=0.35,
        jitter_px=0.5,
        seed=5,
    )
    coach = LiveCoach(single_exercise("squat"), source="s", estimator="r", fps=30)
    said: list[Cue] = coach.start(0.0)
    for frame in frames:
        said += coach.update(frame, backlit(frame))
    assert coach.setup_report is not None and {p.key for p in coach.setup_report.problems} == {"bright", "too_far"}
    said += coach.finish(frames[-1].t_s, "end of the recording")
    texts = [c.text for c in said]
    assert [t for t in texts if t.isdigit()] == [str(n) for n in range(1, 9)]
    assert coach.report()["rep_count"] == 8
    setup = [c for c in said if c.kind.value == "setup"]
    assert [c.text for c in setup] == ["The light behind you is too bright. Close a curtain or move the camera."]
    assert texts[-1].startswith("Session complete: 8 reps.") and texts[-1].endswith("Well done.")


def test_one_problem_is_said_at_most_every_20_s_however_it_is_worded() -> None:
    # A front view for 45 s: the set-up check, the view advice and the flexion monitor each word
    # "turn sideways" their own way.
    frames = animate(chain(standing(2.0), squat_reps(12, period_s=3.5), standing(1.0)), fps=30, view=CameraView.FRONT)
    coach = LiveCoach(
        single_exercise("squat"), source="s", estimator="r", fps=30, config=CoachConfig(setup_timeout_s=60)
    )
    cues = run(coach, frames)
    sideways = [(t, text) for t, _, text in cues if text.startswith("Turn sideways")]
    assert len({text for _, text in sideways}) == 2 and len(sideways) == 3  # two wordings, at 0, 20 and 40 s
    assert all(b[0] - a[0] >= 20.0 for a, b in itertools.pairwise(sideways))


def test_the_policy_keys_a_topic_not_its_words() -> None:
    policy = CuePolicy()
    first = Cue(0.0, CueKind.SETUP, "Turn sideways to the camera, so I can check your back.", topic="view")
    reworded = Cue(9.0, CueKind.SETUP, "Turn sideways to the camera so your back can be checked.", topic="view")
    other = Cue(9.0, CueKind.SETUP, "Come a little closer to the camera.", topic="too_far")
    assert policy.admit([first]) == [first]
    assert policy.admit([reworded, other]) == [other]  # a new problem is said; the same one is not
    assert policy.admit([replace(reworded, t_s=20.0)]) == [replace(reworded, t_s=20.0)]


@pytest.mark.parametrize(
    ("frames", "why"),
    [
        (animate(standing(6.0), fps=30), "No reps were counted: the camera saw no movement of this exercise."),
        ([PoseFrame.absent(i / 30, i, (640, 360)) for i in range(180)], "No reps were counted: I could not see you."),
        (
            animate(standing(6.0), fps=30, body_fraction=0.3),
            "No reps were counted: I could not see you clearly. Come a little closer to the camera.",
        ),
    ],
)
def test_a_session_with_no_reps_says_why_and_no_well_done(frames: list[PoseFrame], why: str) -> None:
    coach = LiveCoach(single_exercise("squat"), source="s", estimator="r", fps=30)
    cues = run(coach, frames)
    summary = cues[-1][2]
    assert summary.startswith("Session complete. ") and "Well done" not in summary
    assert summary == f"Session complete. {why}"
    assert coach.view(frames[-1].t_s).message == summary


def test_holds_shorter_than_the_aim_are_said_to_be_short_not_unseen() -> None:
    # Two 5 s single-leg stances against a 10 s aim: the summary said the camera saw no movement.
    frames = animate(chain(single_leg_stance(5.0), single_leg_stance(5.0, side=Side.RIGHT)), fps=30)
    coach = LiveCoach(single_exercise("single_leg_stance"), source="s", estimator="r", fps=30)
    summary = run(coach, frames)[-1][2]
    assert summary == (
        "Session complete. No full holds were counted: you held twice, the longest for 5 seconds; "
        "the aim is 10 seconds."
    )
    coach = LiveCoach(single_exercise("single_leg_stance"), source="s", estimator="r", fps=30)
    held = run(coach, animate(chain(single_leg_stance(11.0), single_leg_stance(4.0)), fps=30))[-1][2]
    assert held.startswith("Session complete: 1 hold.")  # the full one; no "0 reps and"


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
    window_s: float = 2.0


class ScheduledRecogniser:
    """Says each label of ``schedule`` ((from_s, label), in time order) from its time on, every 0.5 s,
    from windows that fill up over the first 2 s it is given frames (as the real one's do)."""

    def __init__(self, schedule: list[tuple[float, str]]) -> None:
        self.schedule = schedule
        self.reset()

    def update(self, frame: PoseFrame) -> list[Event]:
        if self._first is None:
            self._first = frame.t_s
        if frame.t_s < self._next:
            return []
        self._next = frame.t_s + 0.5
        label = [name for start, name in self.schedule if start <= frame.t_s][-1]
        window_s = min(frame.t_s - self._first, 2.0)
        return [FakeRecognition(frame.t_s, label=label, confidence=0.9, window_s=window_s)]

    def reset(self) -> None:
        self._next = 0.0
        self._first: float | None = None


def auto_coach(*schedule: tuple[float, str]) -> LiveCoach:
    """``live --exercise auto`` without set-up check or calibration, its recogniser saying ``schedule``."""
    return LiveCoach(
        None,
        source="s",
        estimator="r",
        fps=30,
        config=CoachConfig(setup_check=False, calibrate=False),
        recogniser=ScheduledRecogniser(list(schedule)),
    )


def rounded_hinges() -> list[PoseFrame]:
    """Three hip hinges with the back rounded 45 deg, from the side, with 2 s of standing around them."""
    return animate(
        chain(standing(2.0), hip_hinge_reps(3, period_s=3.0, rounded=True, rounded_curl_deg=45.0), standing(2.0)),
        fps=30,
        view=CameraView.SIDE_FACING_LEFT,
    )


def test_automatic_recognition_starts_counting_and_flags_unsafe_patterns() -> None:
    # A real toe touch from 12 s: the warning needs the back to be seen rounding too.
    frames = animate(chain(standing(2.0), squat_reps(3), standing(1.0), toe_touch(1)), fps=30)
    coach = auto_coach((0.0, "idle"), (2.0, "squat"), (12.0, "toe_touch"))
    cues = run(coach, frames)
    texts = [text for _, _, text in cues]
    assert "Start your exercise when you are ready. I will recognise it." in texts
    recognised = texts.index("That looks like: Mini squat. I will count.")
    assert [t for t in texts[recognised:] if t.isdigit()] == ["1", "2", "3"]
    assert "Please avoid the toe touch: it rounds your back." in texts
    report = coach.report()
    assert report["exercise"] == "squat" and report["rep_count"] == 3


def test_automatic_recognition_of_a_movement_it_does_not_know_still_watches_the_back() -> None:
    # Before, nothing judged the back until an exercise of the library was recognised.
    frames = rounded_hinges()
    coach = auto_coach((0.0, "idle"), (2.0, "unknown"))
    counters = set()
    cues = coach.start(0.0)
    for frame in frames:
        cues += coach.update(frame)
        if frame.t_s > 7.0:  # "not one I know" is said after 4 s of it (from 2 s)
            counters.add(coach.view(frame.t_s).counter)
    cues += coach.finish(frames[-1].t_s, "end of the recording")
    texts = [c.text for c in cues]
    assert "That is not an exercise I know, so I will not count it. I am still watching your back." in texts
    assert any(c.kind.value == "safety" for c in cues)  # the rounding was warned about
    assert not any(text.isdigit() for text in texts)  # nothing counted aloud
    assert counters == {"-"}  # the screen shows no count, not a "0"
    report = coach.report()
    assert report["exercise"] == "unknown" and report["rep_count"] == 0
    assert report["flexion_events"]
    assert "the movement was not an exercise I know" in texts[-1]


def test_automatic_recognition_watches_the_back_before_it_recognises_anything() -> None:
    # Rounded lifts the recogniser never names: nothing judged the back until it named something.
    frames = rounded_hinges()
    coach = auto_coach((0.0, "idle"))
    cues = run(coach, frames)
    warned = [t for t, kind, _ in cues if kind == "safety"]
    assert warned and warned[0] < 5.0  # in the first rep
    report = coach.report()
    assert report["exercise"] == "unknown" and report["rep_count"] == 0
    assert len(report["flexion_events"]) == 3  # one per rounded rep, in the report too


def test_a_rep_done_before_the_exercise_is_recognised_is_counted() -> None:
    # Squats from 2 s, 3 s each (the first ends at 5 s); the recogniser names them at 6 s. Before,
    # counting began there and the first squat was lost: the coach must not stop a rep being counted.
    frames = animate(chain(standing(2.0), squat_reps(3), standing(1.0)), fps=30, view=CameraView.SIDE_FACING_LEFT)
    coach = auto_coach((0.0, "idle"), (5.5, "squat"))
    texts = [text for _, _, text in run(coach, frames)]
    recognised = texts.index("That looks like: Mini squat. I will count.")
    assert "I counted 1 already." in texts[recognised:]
    assert [t for t in texts[recognised:] if t.isdigit()] == ["2", "3"]  # the first was said in words
    report = coach.report()
    assert report["exercise"] == "squat" and report["rep_count"] == 3


@pytest.mark.parametrize("view", [CameraView.SIDE_FACING_LEFT, CameraView.OBLIQUE_LEFT])
def test_with_the_packaged_recogniser_the_squat_before_the_naming_is_counted(view: CameraView) -> None:
    # The real recogniser names squats from full windows, 2.5 s in; the first 2 s squat ended before.
    frames = animate(chain(standing(0.3), squat_reps(4, period_s=2.0), standing(1.0)), fps=30, view=view, seed=5)
    coach = LiveCoach(
        None,
        source="s",
        estimator="r",
        fps=30,
        config=CoachConfig(setup_check=False, calibrate=False),
        recogniser=ExerciseRecogniser(),
    )
    texts = [text for _, _, text in run(coach, frames)]
    assert "That looks like: Mini squat. I will count." in texts and "I counted 1 already." in texts
    assert [t for t in texts if t.isdigit()] == ["2", "3", "4"]
    assert coach.report()["rep_count"] == 4


def test_a_catch_up_does_not_count_the_exercise_before_again() -> None:
    # Three squats counted as squats, then three biceps curls that the recogniser says from the
    # first curl's end; a counted exercise gives way once another's name holds SWITCH_MAJORITY of the
    # last SWITCH_AFTER windows: the curls done by then are counted as curls, nothing of the squats.
    frames = animate(
        chain(standing(2.0), squat_reps(3), standing(1.0), biceps_curl_reps(3), standing(1.0)),
        fps=30,
        view=CameraView.SIDE_FACING_LEFT,
    )
    curls_from = 2.0 + 9.0 + 1.0
    coach = auto_coach((0.0, "idle"), (2.0, "squat"), (curls_from + 3.5, "biceps_curl"))
    cues = run(coach, frames)
    texts = [text for _, _, text in cues]
    named = next(t for t, _, text in cues if text == "That looks like: Biceps curl. I will count.")
    assert named == pytest.approx(curls_from + 3.5 + (SWITCH_MAJORITY - 1) * 0.5, abs=0.05)
    assert "I counted 2 already." in texts  # both curls done by then
    report = coach.report()
    assert [(e["exercise"], e["rep_count"]) for e in report["exercises"]] == [("squat", 3), ("biceps_curl", 3)]


def test_a_catch_up_does_not_count_a_movement_it_did_not_know() -> None:
    # Three lunges the recogniser does not know ("not one I know"), then three squats it names only
    # 2.5 s in. The poses kept for the catch-up reach back into the last lunge, whose knee bend the
    # squat counter would count: a rep whose turning point the recogniser saw as the movement before
    # is not this exercise's (it counted 4 of 3).
    frames = animate(
        chain(standing(2.0), lunge_reps(3), squat_reps(3), standing(1.0)), fps=30, view=CameraView.SIDE_FACING_LEFT
    )
    squats_from = 2.0 + 12.0
    coach = auto_coach((0.0, "idle"), (2.0, "unknown"), (squats_from + 0.6, "unsure"), (squats_from + 2.5, "squat"))
    texts = [text for _, _, text in run(coach, frames)]
    assert "I counted 1 already." in texts
    assert [t for t in texts if t.isdigit()] == ["2", "3"]
    report = coach.report()
    assert [(e["exercise"], e["rep_count"]) for e in report["exercises"]] == [("unknown", 0), ("squat", 3)]


def test_a_set_being_counted_is_not_renamed_by_a_moment_of_another_exercise() -> None:
    # Squats and chair stands move alike, and the recogniser's answer can flip for a second within a
    # set: each flip began a new exercise whose catch-up counted a rep again (20 squats counted 23).
    frames = animate(chain(standing(2.0), squat_reps(6)), fps=30, view=CameraView.SIDE_FACING_LEFT)
    schedule = [(0.0, "idle"), (2.0, "squat"), (9.0, "sit_to_stand"), (11.0, "squat"), (15.0, "sit_to_stand")]
    coach = auto_coach(*schedule, (17.0, "squat"))
    texts = [text for _, _, text in run(coach, frames)]
    assert not any("Sit to stand" in t for t in texts)
    report = coach.report()
    assert report["exercise"] == "squat" and report["rep_count"] == 6
    # Before a rep is counted the first name is not held so: two windows of another name switch.
    coach = auto_coach((0.0, "idle"), (2.0, "biceps_curl"), (3.0, "squat"))
    cues = run(coach, frames)
    assert [t for t, _, text in cues if text == "That looks like: Mini squat. I will count."] == [3.5]
    report = coach.report()
    assert [(e["exercise"], e["rep_count"]) for e in report["exercises"]] == [("biceps_curl", 0), ("squat", 6)]


def test_after_the_next_key_nothing_before_it_is_caught_up() -> None:
    # Three squats, "n" to start again, two more squats: the new entry counts its own two, not the
    # last squats of the one before (they are still among the poses kept for a catch-up).
    frames = animate(
        chain(standing(2.0), squat_reps(3), standing(1.5), squat_reps(2), standing(1.0)),
        fps=30,
        view=CameraView.SIDE_FACING_LEFT,
    )
    coach = auto_coach((0.0, "idle"), (2.0, "squat"))
    coach.start(0.0)
    for frame in frames:
        coach.update(frame)
        if 11.2 <= frame.t_s < 11.2 + 1 / 30:
            coach.next_entry(frame.t_s)
    coach.finish(frames[-1].t_s, "end of the recording")
    assert [(e["exercise"], e["rep_count"]) for e in coach.report()["exercises"]] == [("squat", 3), ("squat", 2)]


def test_an_exercise_is_named_only_from_full_windows() -> None:
    # Review names exercises from 2 s windows; live judged the first second from what there was, and
    # named a person settling in a jumping jack. A partial window is not used; the catch-up counts
    # what was done meanwhile.
    frames = animate(chain(standing(1.0), squat_reps(3), standing(1.0)), fps=30, view=CameraView.SIDE_FACING_LEFT)
    coach = auto_coach((0.0, "jumping_jack"), (1.9, "squat"))  # windows are full from 2 s
    texts = [text for _, _, text in run(coach, frames)]
    assert not any("Jumping jack" in t for t in texts)
    assert coach.report()["exercise"] == "squat" and coach.report()["rep_count"] == 3


def test_a_few_seconds_of_moving_into_place_are_not_called_an_unknown_exercise() -> None:
    frames = animate(chain(standing(2.0), squat_reps(3)), fps=30, view=CameraView.SIDE_FACING_LEFT)
    coach = auto_coach((0.0, "unknown"), (2.5, "squat"))  # 2.5 s of walking in
    texts = [text for _, _, text in run(coach, frames)]
    assert not any("not an exercise I know" in t for t in texts)
    assert [t for t in texts if t.isdigit()] == ["1", "2", "3"]


def test_a_moment_of_not_one_it_knows_does_not_stop_the_set_being_counted() -> None:
    frames = animate(chain(standing(2.0), squat_reps(4)), fps=30, view=CameraView.SIDE_FACING_LEFT)
    schedule = [(0.0, "idle"), (2.0, "squat"), (6.0, "unknown"), (8.0, "squat")]
    coach = auto_coach(*schedule)
    texts = [text for _, _, text in run(coach, frames)]
    assert [t for t in texts if t.isdigit()] == ["1", "2", "3", "4"]
    report = coach.report()
    assert report["exercise"] == "squat" and report["rep_count"] == 4
    assert report["exercise_recognised"] is True and report["exercise_confidence"] == 0.9


def test_automatic_recognition_that_recognises_nothing_reports_so_as_review_does() -> None:
    # It wrote a programme-shaped report ("exercise": "programme", no entries).
    coach = auto_coach((0.0, "idle"))
    run(coach, animate(standing(6.0), fps=30, view=CameraView.SIDE_FACING_LEFT))
    report = coach.report()
    assert (report["exercise"], report["exercise_sure"], report["exercise_confidence"]) == ("unknown", False, 0.0)
    assert report["rep_count"] == 0 and "exercises" not in report
    assert any(note.startswith("No exercise was recognised") for note in report["notes"])


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
    # It stays on screen while it is said, until a newer warning replaces it.
    until = min([first.t_s + 2.5, *(c.t_s - 0.2 for c in warnings if c.t_s > first.t_s)])
    assert caption_at(first.t_s + 1.0) == caption_at(until) == first.text
