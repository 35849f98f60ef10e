"""The patient, not the passer-by: a second person taking over the picture is never counted."""

from __future__ import annotations

import pytest

from spinesafe.classifiers.analyser import ExerciseAnalyser
from spinesafe.classifiers.events import (
    Event,
    FlexionStarted,
    PersonChanged,
    PersonChangeEnded,
    RepCompleted,
    TrackingLost,
)
from spinesafe.classifiers.exercises import get_exercise
from spinesafe.classifiers.person import ADOPT_AFTER_S, PersonWatch
from spinesafe.lab.synthetic import (
    STANDING,
    animate,
    chain,
    hip_hinge_reps,
    moved,
    passer_by,
    squat_reps,
    standing,
)
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.people import Follower, body_of, closest

OTHER_FROM_S, OTHER_TO_S = 10.5, 13.5  # the other person fills the picture for 3 s


def run(frames: list[PoseFrame], exercise: str = "squat") -> list[Event]:
    analyser = ExerciseAnalyser(get_exercise(exercise))
    events: list[Event] = []
    for frame in frames:
        events += analyser.update(frame)
    return events + analyser.finish()


def patient_squats() -> list[PoseFrame]:
    """Person A: 3 squats, 4.5 s standing, 3 squats (side view, 70% of the picture high)."""
    return animate(chain(squat_reps(3), standing(4.5), squat_reps(3)), jitter_px=1.0, seed=3)


def counted(events: list[Event]) -> list[RepCompleted]:
    return [e for e in events if isinstance(e, RepCompleted) and e.complete]


@pytest.mark.parametrize(
    ("fraction", "dx"),
    [(0.45, 0.25), (0.7, 0.4), (1.0, -0.3)],
    ids=["smaller-and-aside", "same-size-elsewhere", "nearer"],
)
def test_a_passer_by_doing_squats_is_not_counted(fraction: float, dx: float) -> None:
    # Person B squats twice in the 3 s the pose model follows them; A stands still meanwhile.
    motion = chain(standing(10.0), squat_reps(2, period_s=1.5), standing(10.0))
    other = moved(animate(motion, body_fraction=fraction), dx)
    frames = passer_by(patient_squats(), other, OTHER_FROM_S, OTHER_TO_S)
    events = run(frames)
    assert len(counted(events)) == 6  # A's reps only (without the watch: 8)
    assert [n.number for n in counted(events)] == [1, 2, 3, 4, 5, 6]
    assert all(not OTHER_FROM_S <= r.end_s <= OTHER_TO_S + 0.5 for r in counted(events))
    changed = [e for e in events if isinstance(e, PersonChanged)]
    ended = [e for e in events if isinstance(e, PersonChangeEnded)]
    assert len(changed) == 1 and len(ended) == 1
    assert changed[0].start_s == pytest.approx(OTHER_FROM_S, abs=0.05)
    assert changed[0].t_s <= OTHER_FROM_S + 0.35  # announced within CONFIRM_S
    assert ended[0].outcome == "returned"
    assert ended[0].end_s == pytest.approx(OTHER_TO_S + 0.3, abs=0.1)
    assert not any(isinstance(e, (FlexionStarted, TrackingLost)) for e in events)


def test_judging_a_frame_twice_is_judging_it_once() -> None:
    # The live coach screens each frame, and the entry's recorder screens it again.
    motion = chain(standing(10.0), squat_reps(2, period_s=1.5), standing(10.0))
    frames = passer_by(patient_squats(), moved(animate(motion, body_fraction=0.45), 0.25), OTHER_FROM_S, OTHER_TO_S)
    once, twice = PersonWatch(), PersonWatch()
    for frame in frames:
        events = once.update(frame)
        assert twice.update(frame) == events and twice.update(frame) == []
        assert (twice.held, twice.paused) == (once.held, once.paused)
    assert once.finish() == twice.finish()


def test_switching_to_a_standing_person_at_the_bottom_of_a_squat_is_not_a_rep() -> None:
    # A is at the bottom of a squat (t = 1.5 s) when the model jumps to B standing: without the watch
    # the knee "straightens" at once and a rep is counted; B then stays, A never returns.
    patient = animate(chain(squat_reps(1), standing(4.0)))
    other = moved(animate(standing(8.0), body_fraction=0.45), 0.3)
    events = run(passer_by(patient, other, 1.5, 99.0))
    assert counted(events) == []
    assert [type(e) for e in events if isinstance(e, (PersonChanged, PersonChangeEnded))] == [
        PersonChanged,
        PersonChangeEnded,
    ]
    assert events[-1] == PersonChangeEnded(patient[-1].t_s, 1.5, patient[-1].t_s, "ended")


def test_a_stooping_passer_by_is_not_a_flexion_event() -> None:
    # B bends over with a rounded back (a carer picking something up): not the patient's back.
    patient = animate(standing(12.0), jitter_px=1.0, seed=5)
    stooping = chain(standing(2.0), hip_hinge_reps(2, period_s=2.5, rounded=True), standing(6.0))
    other = moved(animate(stooping, body_fraction=0.45), -0.3)
    events = run(passer_by(patient, other, 2.0, 9.0), exercise="hip_hinge")
    assert not any(isinstance(e, FlexionStarted) for e in events)
    assert sum(isinstance(e, PersonChanged) for e in events) == 1


def test_a_squat_session_alone_is_never_paused() -> None:
    motion = chain(squat_reps(5, period_s=2.0), standing(1.0), squat_reps(5, period_s=4.0))
    frames = animate(motion, jitter_px=2.0, seed=1)
    events = run(frames)
    assert len(counted(events)) == 10
    assert not any(isinstance(e, (PersonChanged, PersonChangeEnded)) for e in events)


def test_someone_else_alone_for_long_becomes_the_person_coached() -> None:
    # The patient came back much further from the camera: after ADOPT_AFTER_S they are counted again.
    patient = animate(standing(25.0))
    far = moved(animate(chain(standing(2.0), squat_reps(6), standing(6.0)), body_fraction=0.4), 0.1)
    watch = PersonWatch()
    events: list[Event] = []
    for frame in passer_by(patient, far, 2.0, 99.0):
        events += watch.update(frame)
    ended = [e for e in events if isinstance(e, PersonChangeEnded)]
    assert len(ended) == 1 and ended[0].outcome == "adopted"
    assert ended[0].paused_s == pytest.approx(ADOPT_AFTER_S, abs=0.05)
    assert not watch.paused and not watch.held


def test_a_short_flicker_of_another_size_is_held_back_but_not_announced() -> None:
    patient = animate(standing(3.0))
    other = animate(standing(3.0), body_fraction=0.4)
    watch = PersonWatch()
    events: list[Event] = []
    held = []
    for frame in passer_by(patient, other, 1.0, 1.15):  # 5 frames at 30 fps
        events += watch.update(frame)
        held.append(watch.held)
    assert events == []
    assert sum(held) == 5


def test_closest_picks_the_body_like_the_reference() -> None:
    from spinesafe.lab.synthetic import pose_to_frame

    patient = pose_to_frame(STANDING)
    child = moved([pose_to_frame(STANDING, body_fraction=0.45)], 0.25)[0]
    reference = body_of(patient)
    assert reference is not None
    assert closest([child, patient], reference) == 1
    assert closest([patient, child], reference) == 0
    assert closest([child, patient], None) == 0


def test_the_follower_keeps_to_the_first_person_whatever_order_the_model_lists_them() -> None:
    patient = animate(squat_reps(2))
    motion = chain(standing(1.0), squat_reps(2, period_s=2.0), standing(1.0))
    child = moved(animate(motion, body_fraction=0.45), 0.25)
    follower = Follower()
    # The first image lists the patient first; then the model's order alternates.
    pairs = list(zip(patient, child, strict=False))
    picked = [follower.pick([a, b] if i % 2 == 0 else [b, a]) for i, (a, b) in enumerate(pairs)]
    assert all(p is a for p, (a, _) in zip(picked, pairs, strict=True))
