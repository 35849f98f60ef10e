"""Rep counter on synthetic angle sequences: exact event lists, jitter, dropouts, half reps."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import pytest

from spinesafe.classifiers.events import RepCompleted
from spinesafe.classifiers.exercises import get_exercise
from spinesafe.classifiers.features import FrameFeatures, View
from spinesafe.classifiers.reps import Phase, RepCounter
from spinesafe.pose.landmarks import Side

FPS = 30.0


def features(t: float, left: float, right: float | None = None, signal: str = "knee") -> FrameFeatures:
    """Features with only the primary angle filled; NaN left means 'no person'."""
    present = not math.isnan(left)
    right = left if right is None else right
    angles = {f"{signal}_left": left, f"{signal}_right": right, signal: left} if present else {}
    nan = float("nan")
    return FrameFeatures(
        t_s=t, present=present, view=View.SIDE if present else View.UNKNOWN, near_side=Side.LEFT, facing_x=1.0,
        angles=angles, trunk_inclination_deg=nan, trunk_lean_deg=nan, neck_curl_deg=nan, torso_length_m=nan,
        body_height_px=nan, visibility=0.9 if present else 0.0,
    )  # fmt: skip


def path(*points: tuple[float, float]) -> np.ndarray:
    """Piecewise-linear angle over time through (t_s, angle) points, sampled at FPS."""
    ts, values = zip(*points, strict=True)
    t = np.arange(0.0, ts[-1] + 1e-9, 1.0 / FPS)
    return np.interp(t, ts, values)


def reps_of(
    n: int, top: float = 175.0, bottom: float = 100.0, period_s: float = 3.0, rest_s: float = 1.0
) -> np.ndarray:
    """n reps of 2.5 s (down 1.25 s, up 1.25 s) each followed by a 0.5 s pause at the top."""
    points = [(0.0, top)]
    for i in range(n):
        start = rest_s + i * period_s
        points += [(start, top), (start + 1.25, bottom), (start + 2.5, top), (start + period_s, top)]
    points.append((points[-1][0] + rest_s, top))
    return path(*points)


def run(counter: RepCounter, left: Sequence[float], right: Sequence[float] | None = None) -> list[RepCompleted]:
    events = []
    for i, value in enumerate(left):
        events += counter.update(features(i / FPS, value, None if right is None else right[i], counter.spec.signal))
    events += counter.finish()
    assert all(isinstance(e, RepCompleted) for e in events)
    return events  # type: ignore[return-value]


@pytest.fixture
def squat() -> RepCounter:
    return RepCounter(get_exercise("squat"))


def test_three_clean_squats(squat: RepCounter) -> None:
    events = run(squat, reps_of(3))
    assert [(e.number, e.complete, e.truncated) for e in events] == [
        (1, True, False),
        (2, True, False),
        (3, True, False),
    ]
    assert squat.count == 3
    for i, e in enumerate(events):
        bottom_s = 1.0 + i * 3.0 + 1.25
        assert e.turn_s == pytest.approx(bottom_s, abs=0.15)
        assert e.start_s < e.turn_s < e.end_s
        # The rep ends when the knee is back above 155 deg: 55/75 of the 1.25 s rise after the
        # bottom, plus the median filter's ~0.1 s lag.
        assert e.end_s == pytest.approx(bottom_s + 1.25 * 55 / 75 + 0.1, abs=0.15)
        # the 0.2 s median filter trims the tip of a sharp V by a few degrees
        assert e.range_of_motion_deg == pytest.approx(75.0, abs=5.0)
        assert e.turn_angle_deg == pytest.approx(100.0, abs=5.0)


def test_jitter_around_rest_threshold_counts_nothing(squat: RepCounter) -> None:
    rng = np.random.default_rng(1)
    standing = 172 + rng.normal(0, 1.0, 60)
    wobble = 155 + rng.uniform(-6, 6, 300)  # hovering at the rest threshold, never near the turn
    # Hovering 11-23 deg below standing: the adapted rest threshold (own standing 172 deg less
    # 1.25 min_range = 153) is crossed back and forth, but never by min_range: not even a partial.
    assert run(squat, np.concatenate([standing, wobble, standing])) == []
    assert squat.count == 0


def test_jitter_at_turn_threshold_is_one_rep(squat: RepCounter) -> None:
    rng = np.random.default_rng(2)
    down = path((0, 175), (1, 175), (2, 140))
    hover = 140 + rng.uniform(-5, 5, 90)  # crosses the 140 deg turn threshold many times
    up = path((0, 140), (1, 175), (2, 175))
    events = run(squat, np.concatenate([down, hover, up]))
    assert [(e.number, e.complete) for e in events] == [(1, True)]


def test_half_rep_is_partial_not_counted(squat: RepCounter) -> None:
    signal = path((0, 175), (1, 175), (3, 146), (5, 175), (6, 175))
    events = run(squat, signal)
    assert [(e.number, e.complete) for e in events] == [(0, False)]
    assert squat.count == 0


def test_tiny_dip_is_noise_not_a_partial(squat: RepCounter) -> None:
    assert run(squat, path((0, 175), (1, 175), (1.5, 168), (2, 175), (3, 175))) == []


def test_person_leaving_mid_rep_drops_that_rep(squat: RepCounter) -> None:
    down = path((0, 175), (1, 175), (2, 100))
    gone = np.full(int(2 * FPS), np.nan)  # 2 s out of frame
    back = path((0, 175), (1, 175))
    events = run(squat, np.concatenate([down, gone, back, reps_of(1)]))
    assert [(e.number, e.complete) for e in events] == [(1, True)]


def test_short_dropout_is_bridged(squat: RepCounter) -> None:
    signal = reps_of(1)
    signal[40:46] = np.nan  # 0.2 s of missed detections mid-descent
    assert [e.number for e in run(squat, signal)] == [1]


def test_source_starting_at_the_bottom_counts_truncated_rep(squat: RepCounter) -> None:
    events = run(squat, np.concatenate([path((0, 110), (1.5, 175), (2.5, 175)), reps_of(1)]))
    assert [(e.number, e.truncated) for e in events] == [(1, True), (2, False)]
    # its range runs from the bottom to where it was seen back at rest, not 0
    assert events[0].range_of_motion_deg >= get_exercise("squat").min_range


def test_a_deadlift_set_down_after_the_last_rep_is_not_a_rep() -> None:
    # From the floor: set-up (hips at 60 deg), pull to lockout, lower, pull, lower and leave the bar
    # on the floor. The rep is the pull to lockout: 2 reps, not 3.
    hinge = RepCounter(get_exercise("hip_hinge"))
    signal = path((0, 60), (0.8, 60), (1.8, 172), (3, 172), (4, 65), (5, 172), (6, 172), (7, 60), (8.5, 60))
    events = run(hinge, signal)
    assert [(e.number, e.complete, e.truncated) for e in events] == [(1, True, True), (2, True, False)]
    assert events[0].range_of_motion_deg >= get_exercise("hip_hinge").min_range


def test_reps_that_stop_short_of_the_start_position_are_not_merged() -> None:
    # Seated shoulder abduction, tiring: the arm comes down to 20 deg after the first raise, then
    # only to 50 deg (still above the rest threshold of 40 + adaptation) between the next ones.
    raise_ = RepCounter(get_exercise("lateral_raise"))
    signal = path(
        (0, 20), (1, 20), (2.2, 90), (3.4, 20), (4.2, 20), (5.4, 90), (6.4, 50), (7.4, 90), (8.4, 50), (9.6, 90),
        (10.8, 20), (12, 20),
    )  # fmt: skip
    events = run(raise_, signal)
    assert [(e.number, e.complete) for e in events] == [(1, True), (2, True), (3, True), (4, True)]
    assert [e.end_s for e in events[1:3]] == pytest.approx([6.4, 8.4], abs=0.15)  # each ends at its valley


def test_a_wobble_at_the_turn_is_not_a_rep_boundary(squat: RepCounter) -> None:
    # A bounce of 12 deg at the bottom (under the squat's min_range of 15) stays one rep.
    signal = path((0, 175), (1, 175), (2, 100), (2.4, 112), (2.8, 100), (4, 175), (5, 175))
    assert [(e.number, e.complete) for e in run(squat, signal)] == [(1, True)]


def test_source_ending_on_the_way_down_does_not_count_the_unfinished_rep(squat: RepCounter) -> None:
    # Two squats to 100 deg, then the clip ends while the third is at 130 and still going down:
    # past the turn threshold (140) but short of this person's depth, so no turning point yet.
    tail = path((0, 175), (0.5, 175), (1.5, 130))
    events = run(squat, np.concatenate([reps_of(2), tail]))
    assert [(e.number, e.truncated) for e in events] == [(1, False), (2, False)]


def test_source_ending_in_a_pause_just_past_the_turn_threshold_does_not_count_it(squat: RepCounter) -> None:
    # Two squats to 100 deg, then the third stalls at 138 for 0.5 s as the clip ends: 2 deg past
    # the turn (140) and far short of this person's depth, so the pause may be the middle of the
    # movement. Seen in the corpus step-up whose fifth rise is cut by the end.
    tail = path((0, 175), (0.5, 175), (1.3, 138), (1.8, 138))
    events = run(squat, np.concatenate([reps_of(2), tail]))
    assert [(e.number, e.truncated) for e in events] == [(1, False), (2, False)]


def test_source_ending_in_a_pause_well_past_the_turn_threshold_counts_it(squat: RepCounter) -> None:
    # The same stall at 125, 15 deg past the turn: a pause at the bottom of a shallower squat.
    tail = path((0, 175), (0.5, 175), (1.3, 125), (1.8, 125))
    events = run(squat, np.concatenate([reps_of(2), tail]))
    assert [(e.number, e.truncated) for e in events] == [(1, False), (2, False), (3, True)]


def test_source_ending_at_the_persons_own_depth_counts_the_rep(squat: RepCounter) -> None:
    # Still moving at the last frame, but already as deep as the earlier reps: the turning point
    # is reached as the clip ends (the corpus' lateral raise that ends at the top).
    tail = path((0, 175), (0.5, 175), (1.5, 104))
    events = run(squat, np.concatenate([reps_of(2), tail]))
    assert [(e.number, e.truncated) for e in events] == [(1, False), (2, False), (3, True)]


def test_source_ending_at_the_bottom_counts_truncated_rep(squat: RepCounter) -> None:
    events = run(squat, path((0, 175), (1, 175), (2.5, 100), (3, 100)))
    assert [(e.number, e.truncated) for e in events] == [(1, True)]
    assert squat.phase is Phase.UNKNOWN


def test_walking_one_knee_at_a_time_is_not_a_squat(squat: RepCounter) -> None:
    t = np.arange(0, 6, 1 / FPS)
    swing = 175 - 55 * np.clip(np.sin(2 * np.pi * t), 0, None)  # left knee flexes in swing
    stance = 175 - 55 * np.clip(-np.sin(2 * np.pi * t), 0, None)  # then the right one
    assert run(squat, swing, stance) == []


def test_low_standing_angle_front_view_still_counts(squat: RepCounter) -> None:
    # Some front views read standing knees at ~140 deg; the counter adapts to the own rest.
    events = run(squat, reps_of(4, top=140.0, bottom=40.0))
    assert [e.number for e in events] == [1, 2, 3, 4]


def test_too_fast_bounce_is_noise(squat: RepCounter) -> None:
    signal = path((0, 175), (1, 175), (1.2, 130), (1.4, 175), (2.5, 175))
    assert [e for e in run(squat, signal) if e.complete] == []


def test_sit_to_stand_counts_on_standing() -> None:
    counter = RepCounter(get_exercise("sit_to_stand"))
    seated, standing = 95.0, 172.0
    signal = path((0, seated), (1, seated), (2.5, standing), (4, standing), (5.5, seated), (6.5, seated), (8, standing))
    events = run(counter, signal)
    assert [(e.number, e.complete) for e in events] == [(1, True), (2, True)]
    # announced on reaching standing (150 deg), not on sitting down again
    assert events[0].t_s == pytest.approx(1 + 1.5 * (150 - seated) / (standing - seated) + 0.1, abs=0.15)
    assert events[1].t_s == pytest.approx(6.5 + 1.5 * (150 - seated) / (standing - seated) + 0.1, abs=0.15)


def test_reset_forgets_everything(squat: RepCounter) -> None:
    run(squat, reps_of(2))
    squat.reset()
    assert squat.count == 0 and squat.phase is Phase.UNKNOWN
    assert [e.number for e in run(squat, reps_of(1))] == [1]


def test_a_walking_step_is_not_a_heel_raise() -> None:
    # A controlled heel raise rises, pauses and lowers over about 2 s; walking off after the set,
    # the push-off lifts the heels (pitch 5 -> 30 deg) for 0.7 s.
    heel = RepCounter(get_exercise("heel_raise"))
    signal = path((0, 5), (1, 5), (1.7, 30), (2.3, 30), (3.1, 5), (4, 5), (4.45, 30), (4.9, 5), (6, 5))
    assert [(e.number, e.complete) for e in run(heel, signal, signal)] == [(1, True)]


def test_a_heel_raise_keeps_the_toes_where_they_are() -> None:
    # The same foot pitch three times: on planted toes (a heel raise), then with the toes sliding
    # 0.25 m in the picture over the rise (a person turning on the spot to face the camera, whose
    # feet tilt in the picture as a heel raise's do), then sliding 0.05 m (landmark jitter, a sway).
    heel = RepCounter(get_exercise("heel_raise"))
    pitch = path((0, 5), (1, 5), (1.7, 30), (2.3, 30), (3.1, 5), (4, 5))
    leg_px = 400.0  # an 0.85 m leg: 0.25 m is 118 px
    for slide_m, counted in ((0.0, True), (0.25, False), (0.05, True)):
        heel.reset()
        events = []
        for i, value in enumerate(pitch):
            t = i / FPS
            shift = slide_m / 0.85 * leg_px * float(np.clip((t - 1.0) / 0.7, 0.0, 1.0))
            frame = dataclasses.replace(
                features(t, value, None, "foot_pitch"),
                toes_px=(300.0 + shift, 700.0, 340.0 + shift, 705.0),
                leg_px=leg_px,
            )
            events += heel.update(frame)
        events += heel.finish()
        assert [e.complete for e in events if isinstance(e, RepCompleted)] == [counted], slide_m
    # Toes never seen (NaN): nothing to judge by, the rep counts.
    heel.reset()
    assert [e.complete for e in run(heel, pitch, pitch)] == [True]


def test_a_rep_pieced_together_from_a_few_detections_is_not_counted(squat: RepCounter) -> None:
    # Every gap is bridged (< MAX_GAP_S), but the person is found in only a third of the rep's
    # frames (a camera panned across a room, catching passers-by): not a seen rep.
    signal = reps_of(2)
    sparse = signal.copy()
    rep_2 = (np.arange(len(signal)) / FPS >= 4.0) & (np.arange(len(signal)) / FPS <= 6.5)
    sparse[rep_2 & (np.arange(len(signal)) % 3 != 0)] = np.nan
    events = run(squat, sparse)
    assert [e.complete for e in events] == [True, False]
    assert events[1].seen_share == pytest.approx(1 / 3, abs=0.05)
    # Half of the frames, every other one dropped: still counted (bridged dropouts).
    squat.reset()
    halved = signal.copy()
    halved[rep_2 & (np.arange(len(signal)) % 2 == 0)] = np.nan
    assert [e.complete for e in run(squat, halved)] == [True, True]
