"""Cue policy: exact cues for synthetic event sequences (priorities, cooldowns, praise, tempo, holds)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from spinesafe.classifiers.events import (
    CalibrationDone,
    Event,
    FlexionEscalated,
    FlexionStarted,
    HoldCompleted,
    HoldProgress,
    RepCompleted,
    Severity,
    TrackingLost,
    TwistStarted,
    ViewUnsuitable,
)
from spinesafe.classifiers.features import FrameFeatures, View
from spinesafe.classifiers.flexion import FlexionConfig, FlexionMonitor, Neutral
from spinesafe.feedback.cues import (
    CALIBRATED,
    HINGE,
    PAIN_RULE,
    REP_NOT_SEEN,
    SLOWER,
    STOP_FLEXION,
    TWIST,
    Cue,
    CueKind,
    CuePolicy,
    CuePolicyConfig,
)
from spinesafe.pose.landmarks import Side


def rep(t: float, number: int, duration_s: float = 3.0, complete: bool = True) -> RepCompleted:
    return RepCompleted(
        t,
        exercise="squat",
        number=number if complete else 0,
        start_s=t - duration_s,
        turn_s=t - duration_s / 2,
        end_s=t,
        range_of_motion_deg=60.0,
        turn_angle_deg=100.0,
        peak_trunk_flexion_deg=5.0,
        complete=complete,
    )


def bent_forward(t: float, neck_curl_deg: float) -> FrameFeatures:
    """Features of a person seen from the side, trunk 40 deg forward, with this neck curl."""
    return FrameFeatures(
        t_s=t, present=True, view=View.SIDE, near_side=Side.LEFT, facing_x=1.0, angles={},
        trunk_inclination_deg=40.0, trunk_lean_deg=40.0, neck_curl_deg=neck_curl_deg, torso_length_m=0.5,
        body_height_px=500.0, visibility=0.9, neck_visibility=0.9, hand_below_hips=math.nan,
    )  # fmt: skip


def said(policy: CuePolicy, events: list[Event]) -> list[tuple[float, str, str]]:
    out = []
    for event in events:
        out += [(c.t_s, c.kind.value, c.text) for c in policy.update([event])]
    return out


def test_session_opens_with_the_pain_rule() -> None:
    assert CuePolicy().start(0.0) == [Cue(0.0, CueKind.INFO, PAIN_RULE)]


def test_set_relative_counts_and_remaining_praise() -> None:
    policy = CuePolicy(CuePolicyConfig(min_rep_s=1.5))
    policy.begin_set(10, first_number=11)  # the analyser's reps 11..20 are this set's 1..10
    cues = said(policy, [rep(3.0 * n, 10 + n) for n in range(1, 11)])
    assert cues == [
        (3.0, "count", "1"),
        (6.0, "count", "2"),
        (9.0, "count", "3"),
        (12.0, "count", "4"),
        (15.0, "count", "5"),
        (15.0, "praise", "Great, 5 more."),
        (18.0, "count", "6"),
        (21.0, "count", "7"),
        (24.0, "count", "8"),
        (27.0, "count", "9"),
        (30.0, "count", "10"),
        (30.0, "praise", "Great work."),
    ]


def test_open_ended_praise_keeps_review_wording() -> None:
    cues = said(CuePolicy(), [rep(3.0 * n, n) for n in range(1, 6)])
    assert cues[-1] == (15.0, "praise", "Great, 5 done. Slow and controlled.")


def test_rushed_rep_gets_slower_and_no_praise() -> None:
    policy = CuePolicy(CuePolicyConfig(min_rep_s=1.5, praise_every_reps=2))
    policy.begin_set(10)
    cues = said(policy, [rep(3.0, 1), rep(4.0, 2, duration_s=1.0), rep(7.0, 3), rep(8.0, 4, duration_s=1.2)])
    assert cues == [
        (3.0, "count", "1"),
        (4.0, "count", "2"),
        (4.0, "form", SLOWER),
        (7.0, "count", "3"),
        (7.0, "praise", "Great, 7 more."),  # the 2nd good rep
        (8.0, "count", "4"),
    ]  # the second "Slower." at 8 s is within the 8 s cooldown of the first


def test_safety_first_and_no_praise_right_after_a_warning() -> None:
    policy = CuePolicy(CuePolicyConfig(praise_every_reps=1))
    policy.begin_set(None)
    events: list[Event] = [
        rep(2.0, 1),
        FlexionStarted(4.0, severity=Severity.CAUTION, flexion_deg=25.0, view="side"),
        rep(5.0, 2),  # flexed rep: counted, not praised
        FlexionStarted(6.0, severity=Severity.CAUTION, flexion_deg=25.0, view="side"),  # within cooldown
        FlexionStarted(7.0, severity=Severity.STOP, flexion_deg=40.0, view="side"),
        rep(20.0, 3),  # the flexion at 7 s belongs to this rep
        rep(23.0, 4),
    ]
    assert said(policy, events) == [
        (2.0, "count", "1"),
        (2.0, "praise", "Great, 1 done. Slow and controlled."),
        (4.0, "safety", HINGE),
        (5.0, "count", "2"),
        (7.0, "safety", STOP_FLEXION),
        (20.0, "count", "3"),
        (23.0, "count", "4"),
        (23.0, "praise", "Great, 4 done. Slow and controlled."),
    ]
    # Within one batch the safety cue comes first and praise is held back.
    batch = policy.update([rep(40.0, 5), FlexionStarted(40.0, severity=Severity.STOP, flexion_deg=40, view="side")])
    assert [(c.kind.value, c.text) for c in batch] == [("safety", STOP_FLEXION), ("count", "5")]


def test_rounding_that_grows_to_stop_gets_the_stop_sentence_once() -> None:
    policy = CuePolicy(CuePolicyConfig(praise_every_reps=1))
    policy.begin_set(None)
    events: list[Event] = [
        rep(2.0, 1),  # praised: "Great, 1 done" at 2.0
        FlexionStarted(4.0, severity=Severity.CAUTION, flexion_deg=22.0, view="side"),
        FlexionEscalated(4.6, start_s=3.7, flexion_deg=35.5, view="side"),  # 0.6 s into the hinge cue
        rep(5.0, 2),
        # A new episode 5 s later is warned again: safety is not spaced out like advice and praise.
        FlexionStarted(9.0, severity=Severity.CAUTION, flexion_deg=22.0, view="side"),
        FlexionEscalated(10.0, start_s=8.7, flexion_deg=36.0, view="side"),
    ]
    assert said(policy, events) == [
        (2.0, "count", "1"),
        (2.0, "praise", "Great, 1 done. Slow and controlled."),
        (4.0, "safety", HINGE),
        (4.6, "safety", STOP_FLEXION),
        (5.0, "count", "2"),
        (9.0, "safety", HINGE),
        (10.0, "safety", STOP_FLEXION),
    ]


def test_flexion_monitor_and_policy_say_stop_when_rounding_grows() -> None:
    # The demo's case end to end through the monitor: rounding grows from 0 to 46 deg over neutral.
    monitor = FlexionMonitor(FlexionConfig(caution_deg=20.0, stop_deg=35.0), Neutral(15.0, 0.5, calibrated=True))
    policy = CuePolicy()
    curls = np.concatenate([np.full(30, 15.0), 15 + np.linspace(0, 46, 90), np.full(30, 15.0)])
    cues = [c for i, curl in enumerate(curls) for c in policy.update(monitor.update(bent_forward(i / 30, float(curl))))]
    assert [c.text for c in cues] == [HINGE, STOP_FLEXION]


def test_half_rep_tracking_view_twist_and_calibration() -> None:
    events: list[Event] = [
        rep(1.0, 0, complete=False),
        TrackingLost(2.0),
        ViewUnsuitable(3.0, view="front", judgement="spinal flexion", advice="Turn sideways."),
        TwistStarted(4.0, twist_deg=30.0),
        CalibrationDone(5.0, neck_curl_deg=12.0, trunk_inclination_deg=2.0),
    ]
    assert said(CuePolicy(), events) == [
        (1.0, "info", "Half rep, not counted."),
        (2.0, "setup", "I can't see you. Step back into view."),
        (3.0, "setup", "Turn sideways."),
        (4.0, "safety", TWIST),
        (5.0, "info", CALIBRATED),
    ]


def test_a_rep_not_seen_is_not_called_a_half_rep() -> None:
    unseen = dataclasses.replace(rep(1.0, 0, complete=False), seen_share=0.3)
    assert said(CuePolicy(), [unseen]) == [(1.0, "info", REP_NOT_SEEN)]


def test_hold_seconds_are_counted_then_praised() -> None:
    short = [HoldProgress(float(t), exercise="back_extension_hold", held_s=t - 0.99, target_s=4.0) for t in range(1, 6)]
    done = HoldCompleted(
        5.5, exercise="back_extension_hold", start_s=1.0, end_s=5.5, held_s=4.5, target_s=4.0, complete=True
    )
    assert said(CuePolicy(), [*short, done]) == [
        (2.0, "count", "1"),
        (3.0, "count", "2"),
        (4.0, "count", "3"),
        (5.0, "count", "4"),
        (5.5, "praise", "Well held."),
    ]
    long_hold = [HoldProgress(float(t), exercise="tandem_stance", held_s=float(t), target_s=30.0) for t in range(1, 11)]
    assert [text for _, _, text in said(CuePolicy(), long_hold)] == ["5", "10"]  # every 5 s in long holds
    short_of_target = HoldCompleted(9.0, "tandem_stance", 1.0, 9.0, held_s=8.0, target_s=30.0, complete=False)
    assert said(CuePolicy(), [short_of_target]) == [(9.0, "info", "Held 8 seconds. Aim for 30.")]


def test_admit_applies_the_same_cooldown_to_outside_cues() -> None:
    policy = CuePolicy()
    first = policy.admit([Cue(0.0, CueKind.SETUP, "Come closer.")])
    again = policy.admit([Cue(5.0, CueKind.SETUP, "Come closer.")])
    later = policy.admit([Cue(8.5, CueKind.SETUP, "Come closer.")])
    assert (len(first), len(again), len(later)) == (1, 0, 1)
