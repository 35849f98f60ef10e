"""The flexion monitor on whole synthetic bodies (the generator's kinematics, real features):
postures in which a neck curl is not the back rounding, and landmarks that cannot support a
judgement. Each case is one of the failure kinds seen on people the team had not seen."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import numpy as np

from spinesafe.classifiers.analyser import ExerciseAnalyser
from spinesafe.classifiers.events import Event, FlexionEnded, ViewUnsuitable
from spinesafe.classifiers.exercises import get_exercise
from spinesafe.lab.synthetic import (
    CameraView,
    Keyframes,
    animate,
    bridge_reps,
    chain,
    hip_hinge_reps,
    push_up_reps,
    sit_up_reps,
    standing,
)
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Landmark


def analyse(frames: list[PoseFrame], exercise: str) -> tuple[list[Event], ExerciseAnalyser]:
    analyser = ExerciseAnalyser(get_exercise(exercise))
    events: list[Event] = []
    for frame in frames:
        events += analyser.update(frame)
    return events + analyser.finish(), analyser


def flexion_events(events: list[Event]) -> list[FlexionEnded]:
    return [e for e in events if isinstance(e, FlexionEnded)]


def with_neck(keyframes: Keyframes, neck_flexion_deg: float) -> Keyframes:
    return [(t, replace(pose, neck_flexion_deg=neck_flexion_deg)) for t, pose in keyframes]


def test_lying_on_the_back_between_bridges_is_not_flexion() -> None:
    # The head on a cushion, chin towards the chest (40 deg) the whole time.
    events, analyser = analyse(animate(with_neck(bridge_reps(3), 40.0), view=CameraView.SIDE_FACING_LEFT), "bridge")
    assert flexion_events(events) == []
    assert analyser.reps.count == 3


def test_a_push_up_with_the_head_dropped_is_not_flexion() -> None:
    for view in (CameraView.SIDE_FACING_RIGHT, CameraView.OBLIQUE_LEFT):
        frames = animate(with_neck(push_up_reps(3), 45.0), view=view)
        events, analyser = analyse(frames, "push_up")
        assert flexion_events(events) == [], view
        assert analyser.reps.count == 3


def test_sit_ups_are_still_flexion_on_every_rep() -> None:
    events, _ = analyse(animate(sit_up_reps(3), view=CameraView.SIDE_FACING_LEFT), "sit_up")
    assert len(flexion_events(events)) == 3


def test_a_rounded_hinge_is_still_found_and_a_straight_one_not() -> None:
    motion = chain(standing(1.5), hip_hinge_reps(2, rounded=True))
    assert len(flexion_events(analyse(animate(motion), "hip_hinge")[0])) == 2
    straight = chain(standing(1.5), hip_hinge_reps(2))
    assert flexion_events(analyse(animate(straight), "hip_hinge")[0]) == []


HEAD = [lm for lm in Landmark if lm.value <= Landmark.MOUTH_RIGHT.value]


def head_hidden(frame: PoseFrame) -> PoseFrame:
    """The head behind a barbell's plates: MediaPipe still places it, at low visibility."""
    if not frame.present:
        return frame
    visibility = frame.visibility.copy()
    visibility[[lm.value for lm in HEAD]] = 0.1
    return dataclasses.replace(frame, visibility=visibility)


def test_a_hidden_head_is_not_judged_and_the_user_is_told() -> None:
    motion = chain(standing(1.5), hip_hinge_reps(2, rounded=True))
    events, analyser = analyse([head_hidden(f) for f in animate(motion)], "hip_hinge")
    assert flexion_events(events) == []
    told = [e for e in events if isinstance(e, ViewUnsuitable)]
    assert len(told) == 1 and "Cannot check your back" in told[0].advice
    assert analyser.flexion.judged_fraction < 0.8  # the bent-over part is not judged
    assert analyser.reps.count == 2  # counting goes on


def test_an_implausible_standing_head_is_not_learnt_as_neutral() -> None:
    # While standing the head reads far behind the trunk line (landmarks misplaced by a bar): the
    # neutral is refused, and a straight-back hinge is then not flagged against it.
    standing_frames = animate(with_neck(standing(1.5), -150.0))
    hinge_frames = animate(hip_hinge_reps(2), fps=30.0)
    offset = standing_frames[-1].t_s + 1 / 30.0
    frames = standing_frames + [
        dataclasses.replace(f, t_s=f.t_s + offset, index=f.index + len(standing_frames)) for f in hinge_frames
    ]
    events, analyser = analyse(frames, "hip_hinge")
    assert analyser.flexion.neutral.neck_curl_deg == 18.0
    assert "not a standing adult's" in analyser.flexion.neutral_note
    assert flexion_events(events) == []
    assert np.isfinite(analyser.flexion.judged_fraction)
