"""Flexion monitor on synthetic feature sequences: exact events, hysteresis, views, dropouts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinesafe.classifiers.events import FlexionEnded, FlexionEscalated, FlexionStarted, Severity, ViewUnsuitable
from spinesafe.classifiers.features import FrameFeatures, View
from spinesafe.classifiers.flexion import FlexionConfig, FlexionMonitor, Neutral, hip_fold_flexion_deg
from spinesafe.pose.landmarks import Side

FPS = 30.0
NEUTRAL = Neutral(neck_curl_deg=15.0, torso_length_m=0.5, calibrated=True)


def features(
    t: float,
    curl: float,
    view: View = View.SIDE,
    inclination: float = 40.0,
    hip: float = math.nan,
    knee: float = math.nan,
    face_up: bool = False,
    neck_visibility: float = 0.9,
    hand_below_hips: float = math.nan,
) -> FrameFeatures:
    """Features of a person bending forward 40 deg (the monitor judges 15-100 deg of trunk tilt).

    ``hip`` (trunk-thigh) and ``knee`` angles are given for the near (left) leg only.
    """
    present = not math.isnan(curl) or not math.isnan(hip)
    return FrameFeatures(
        t_s=t, present=present, view=view if present else View.UNKNOWN, near_side=Side.LEFT, facing_x=1.0,
        angles={"hip_left": hip, "knee_left": knee, "hip": hip, "knee": knee}, trunk_inclination_deg=inclination,
        trunk_lean_deg=-inclination if face_up else inclination, neck_curl_deg=curl,
        torso_length_m=0.5, body_height_px=500.0, visibility=0.9, neck_visibility=neck_visibility,
        hand_below_hips=hand_below_hips,
    )  # fmt: skip


def run(monitor: FlexionMonitor, curls: np.ndarray, view: View = View.SIDE) -> list[object]:
    events: list[object] = []
    for i, c in enumerate(curls):
        events += monitor.update(features(i / FPS, float(c), view))
    return events + monitor.finish()


def hold(value: float, seconds: float) -> np.ndarray:
    return np.full(round(seconds * FPS), value)


@pytest.fixture
def monitor() -> FlexionMonitor:
    return FlexionMonitor(FlexionConfig(caution_deg=20.0, stop_deg=35.0, hysteresis_deg=6.0), NEUTRAL)


def test_one_caution_event_with_times_and_peak(monitor: FlexionMonitor) -> None:
    curls = np.concatenate([hold(15, 1), hold(15 + 28, 1.0), hold(15, 1)])  # 28 deg over neutral for 1 s
    events = run(monitor, curls)
    assert [type(e) for e in events] == [FlexionStarted, FlexionEnded]
    started, ended = events
    assert isinstance(started, FlexionStarted) and isinstance(ended, FlexionEnded)
    assert started.severity is Severity.CAUTION
    assert ended.severity is Severity.CAUTION
    assert ended.peak_deg == pytest.approx(28.0)
    # the median filter (0.2 s) delays both edges by ~0.1 s
    assert ended.start_s == pytest.approx(1.1, abs=0.07)
    assert ended.end_s == pytest.approx(2.1, abs=0.07)
    assert started.t_s == pytest.approx(ended.start_s + 0.3, abs=0.05)  # after min_duration_s
    assert ended.view == "side"
    assert ended.proxies == ("neck_curl",)
    assert ended.visibility == pytest.approx(0.9)  # the judgement says what it was made from


def test_marked_rounding_is_stop(monitor: FlexionMonitor) -> None:
    events = run(monitor, np.concatenate([hold(15, 1), hold(15 + 45, 1), hold(15, 1)]))
    ended = [e for e in events if isinstance(e, FlexionEnded)]
    assert [e.severity for e in ended] == [Severity.STOP]


def test_rounding_that_grows_from_caution_to_stop_is_escalated_once(monitor: FlexionMonitor) -> None:
    # The demo's pattern: rounding grows gradually (25 -> 46 deg over neutral in 2 s), so the episode
    # starts at caution and crosses stop (35) on the way; it wobbles across stop again before ending.
    grow = 15 + np.linspace(25, 46, round(2 * FPS))
    wobble = 15 + 36 + 3 * np.sin(np.linspace(0, 6 * np.pi, round(1 * FPS)))  # 33-39: across stop
    events = run(monitor, np.concatenate([hold(15, 1), grow, wobble, hold(15, 1)]))
    assert [type(e) for e in events] == [FlexionStarted, FlexionEscalated, FlexionEnded]
    started, escalated, ended = events
    assert isinstance(started, FlexionStarted) and started.severity is Severity.CAUTION
    assert isinstance(escalated, FlexionEscalated) and isinstance(ended, FlexionEnded)
    assert escalated.flexion_deg >= 35.0 and escalated.start_s == ended.start_s
    # 35 deg is reached 10/21 of the way through the 2 s ramp (plus the median filter's ~0.1 s).
    assert escalated.t_s == pytest.approx(1.0 + 2.0 * 10 / 21 + 0.1, abs=0.07)
    assert ended.severity is Severity.STOP and ended.peak_deg == pytest.approx(46.0, abs=1.5)  # median-filtered
    assert ended.stop_s == escalated.t_s


def test_rounding_that_starts_at_stop_is_not_escalated_again(monitor: FlexionMonitor) -> None:
    events = run(monitor, np.concatenate([hold(15, 1), hold(15 + 45, 1), hold(15, 1)]))
    assert [type(e) for e in events] == [FlexionStarted, FlexionEnded]
    assert isinstance(events[0], FlexionStarted) and events[0].severity is Severity.STOP
    assert isinstance(events[1], FlexionEnded) and events[1].stop_s == events[1].start_s


def test_caution_rounding_has_no_stop_time(monitor: FlexionMonitor) -> None:
    events = run(monitor, np.concatenate([hold(15, 1), hold(15 + 28, 1.0), hold(15, 1)]))
    assert isinstance(events[-1], FlexionEnded) and events[-1].stop_s is None


def test_brief_spike_is_not_an_event(monitor: FlexionMonitor) -> None:
    assert run(monitor, np.concatenate([hold(15, 1), hold(15 + 30, 0.2), hold(15, 1)])) == []


def test_jitter_at_threshold_gives_one_event(monitor: FlexionMonitor) -> None:
    rng = np.random.default_rng(3)
    jitter = 15 + 20 + rng.uniform(-5, 5, int(3 * FPS))  # around caution, never below exit (14)
    events = run(monitor, np.concatenate([hold(15, 1), jitter, hold(15, 1)]))
    assert [type(e) for e in events] == [FlexionStarted, FlexionEnded]


def test_hip_hinge_with_neutral_neck_is_not_flexion(monitor: FlexionMonitor) -> None:
    # A hinge tilts the trunk 60 deg but keeps the neck in line: the curl proxy stays neutral.
    events = []
    for i in range(int(3 * FPS)):
        events += monitor.update(features(i / FPS, 16.0, inclination=60.0))
    assert events + monitor.finish() == []


def test_front_view_is_unsuitable_once_and_never_flags(monitor: FlexionMonitor) -> None:
    events = run(monitor, np.concatenate([hold(15, 1), hold(60, 2)]), view=View.FRONT)
    assert [type(e) for e in events] == [ViewUnsuitable]
    assert isinstance(events[0], ViewUnsuitable) and events[0].judgement == "spinal flexion"


def test_person_leaving_closes_open_event(monitor: FlexionMonitor) -> None:
    events = run(monitor, np.concatenate([hold(15, 1), hold(50, 1), hold(np.nan, 1)]))
    assert [type(e) for e in events] == [FlexionStarted, FlexionEnded]
    ended = events[1]
    assert isinstance(ended, FlexionEnded) and ended.end_s == pytest.approx(2.0, abs=0.05)


def test_event_open_at_end_is_closed_by_finish(monitor: FlexionMonitor) -> None:
    events = run(monitor, np.concatenate([hold(15, 1), hold(50, 1)]))
    assert [type(e) for e in events] == [FlexionStarted, FlexionEnded]


def learn_upright(monitor: FlexionMonitor, curl: float, seconds: float) -> float:
    """Feed upright frames (which teach the neutral); returns the next time."""
    n = round(seconds * FPS)
    for i in range(n):
        assert monitor.update(features(i / FPS, curl, inclination=5.0, hip=175.0)) == []
    return n / FPS


def test_neutral_is_learnt_when_not_calibrated() -> None:
    monitor = FlexionMonitor(FlexionConfig())
    assert not monitor.neutral.calibrated
    learn_upright(monitor, 30.0, 1.5)  # this person's neutral neck curl is 30 deg
    assert monitor.neutral.neck_curl_deg == pytest.approx(30.0)
    assert monitor.neutral.calibrated is False


def test_learnt_neutral_stops_false_alarm_for_forward_head() -> None:
    # Against the 18 deg default, 40 deg would be rounding; for a person whose own neutral is
    # 35 deg (forward head posture) it is not.
    monitor = FlexionMonitor(FlexionConfig())
    t0 = learn_upright(monitor, 35.0, 1.5)
    events = []
    for i in range(round(2 * FPS)):
        events += monitor.update(features(t0 + i / FPS, 40.0))
    assert events + monitor.finish() == []


def test_looking_down_while_upright_is_not_flexion(monitor: FlexionMonitor) -> None:
    # Standing tall (trunk 5 deg from vertical) with the head bowed: a neck nod, not the loaded
    # flexion the guidelines warn about.
    events = []
    for i in range(round(3 * FPS)):
        events += monitor.update(features(i / FPS, 15.0 + 40.0, inclination=5.0))
    assert events + monitor.finish() == []


def test_bridge_with_hips_above_shoulders_is_not_judged(monitor: FlexionMonitor) -> None:
    events = []
    for i in range(round(3 * FPS)):
        events += monitor.update(features(i / FPS, 15.0 + 40.0, inclination=110.0))
    assert events + monitor.finish() == []


def held(monitor: FlexionMonitor, seconds: float, curl: float, **posture: float | bool) -> list[object]:
    events: list[object] = []
    for i in range(round(seconds * FPS)):
        events += monitor.update(features(i / FPS, curl, **posture))  # type: ignore[arg-type]
    return events + monitor.finish()


def test_lying_flat_on_the_back_is_not_flexion(monitor: FlexionMonitor) -> None:
    # Between glute bridges: face up, trunk horizontal (the camera a little off level: 95 deg),
    # the head on the floor reading a 45 deg neck curl. Not rounding; the back counts as judged.
    for inclination in (85.0, 95.0):
        monitor.reset()
        assert held(monitor, 3, 15.0 + 45.0, inclination=inclination, face_up=True, hip=135.0) == []
        assert monitor.judged_fraction == 1.0


def test_a_curl_up_that_lifts_the_shoulders_is_flexion(monitor: FlexionMonitor) -> None:
    events = held(monitor, 2, 15.0 + 45.0, inclination=55.0, face_up=True, hip=110.0)
    assert [type(e) for e in events] == [FlexionStarted, FlexionEnded]


def test_plank_with_the_head_dropped_is_not_flexion(monitor: FlexionMonitor) -> None:
    # A push-up's bottom: face down, trunk near horizontal, hips open in line with the trunk.
    assert held(monitor, 3, 15.0 + 40.0, inclination=80.0, hip=172.0) == []
    # the same head with the hips closed is a bent-over back rounding (a rounded lift)
    monitor.reset()
    events = held(monitor, 3, 15.0 + 40.0, inclination=80.0, hip=100.0)
    assert [type(e) for e in events] == [FlexionStarted, FlexionEnded]


def test_propped_on_the_hands_is_not_a_curl_up(monitor: FlexionMonitor) -> None:
    # A crab or reverse table-top: face up, a straight arm's hand below the hips carries the trunk.
    assert held(monitor, 3, 15.0 + 45.0, inclination=50.0, face_up=True, hip=120.0, hand_below_hips=0.3) == []


def test_a_hand_lifted_from_the_floor_leaves_the_propped_posture_ruled_out(monitor: FlexionMonitor) -> None:
    # Sitting back on the hands, head forward (60 over the neutral 15), one hand leaves the floor
    # for a reach (1 s) and comes back: the trunk and head stay where the arms held them.
    posture = {"inclination": 50.0, "face_up": True, "hip": 120.0}
    events: list[object] = []
    curls = [15.0 + 60.0] * 90 + [15.0 + 63.0] * 30 + [15.0 + 60.0] * 30
    hands = [0.3] * 60 + [math.nan] * 30 + [0.3] * 60
    for i, (curl, hand) in enumerate(zip(curls, hands, strict=True)):
        events += monitor.update(features(i / FPS, curl, hand_below_hips=hand, **posture))  # type: ignore[arg-type]
    assert events + monitor.finish() == []
    # A new rounding from the propped posture (the head curling 15 deg further) is read at once.
    monitor.reset()
    events = []
    curls = [15.0 + 30.0] * 60 + [15.0 + 45.0] * 30
    hands = [0.3] * 60 + [math.nan] * 30
    for i, (curl, hand) in enumerate(zip(curls, hands, strict=True)):
        events += monitor.update(features(i / FPS, curl, hand_below_hips=hand, **posture))  # type: ignore[arg-type]
    assert [type(e) for e in events + monitor.finish()] == [FlexionStarted, FlexionEnded]
    # Turning to face forward (a seated forward bend) ends the propped posture too.
    monitor.reset()
    events = held(monitor, 2, 15.0 + 30.0, inclination=50.0, face_up=True, hip=120.0, hand_below_hips=0.3)
    events += [
        e for i in range(60) for e in monitor.update(features(2 + i / FPS, 15.0 + 31.0, inclination=50.0, hip=90.0))
    ]
    assert [type(e) for e in events + monitor.finish()] == [FlexionStarted, FlexionEnded]


def test_leaning_forward_a_little_with_the_head_bowed_is_not_judged(monitor: FlexionMonitor) -> None:
    # Stepping up onto a bench looking at it: trunk 25 deg forward, head bowed 45 deg.
    assert held(monitor, 3, 15.0 + 45.0, inclination=25.0, hip=140.0) == []


def test_hidden_head_is_not_judged_and_is_said_once(monitor: FlexionMonitor) -> None:
    # Plates in front of the head: MediaPipe still places the ear, at low visibility.
    events = held(monitor, 4, 15.0 + 120.0, inclination=40.0, hip=100.0, neck_visibility=0.2)
    assert [type(e) for e in events] == [ViewUnsuitable]
    assert isinstance(events[0], ViewUnsuitable) and "Cannot check your back" in events[0].advice
    assert monitor.judged_fraction == 0.0


def test_a_curl_no_neck_can_make_is_not_judged(monitor: FlexionMonitor) -> None:
    events = held(monitor, 3, 15.0 + 125.0, inclination=40.0, hip=100.0)
    assert not [e for e in events if isinstance(e, FlexionStarted | FlexionEnded)]


def test_an_implausible_neutral_is_refused() -> None:
    # A head hidden behind a barbell's plates while standing read -146 deg.
    monitor = FlexionMonitor(FlexionConfig())
    learn_upright(monitor, -146.0, 1.5)
    assert monitor.neutral.neck_curl_deg == pytest.approx(18.0)
    assert "not a standing adult's" in monitor.neutral_note
    calibrated = FlexionMonitor(FlexionConfig(), Neutral(neck_curl_deg=-146.0, torso_length_m=0.5, calibrated=True))
    assert calibrated.neutral.neck_curl_deg == pytest.approx(18.0)
    assert calibrated.neutral_note


def test_neutral_is_not_learnt_from_a_seated_or_curled_upright_trunk() -> None:
    # The top of a sit-up is upright too, with the hips closed and the spine curled.
    monitor = FlexionMonitor(FlexionConfig())
    for i in range(round(1.5 * FPS)):
        monitor.update(features(i / FPS, 50.0, inclination=5.0, hip=70.0))
    assert monitor.neutral.neck_curl_deg == pytest.approx(18.0)
    monitor.reset()
    for i in range(round(1.5 * FPS)):  # nor from an ear MediaPipe only guesses
        monitor.update(features(i / FPS, 40.0, inclination=5.0, hip=175.0, neck_visibility=0.2))
    assert monitor.neutral.neck_curl_deg == pytest.approx(18.0)


def test_invalid_config_is_rejected() -> None:
    with pytest.raises(ValueError, match="caution_deg"):
        FlexionConfig(caution_deg=40.0, stop_deg=30.0)


# --- hip fold with straight knees (hamstrings stop the hips near 90 deg trunk-thigh) ---------


def fold(monitor: FlexionMonitor, seconds: float, *, inclination: float, hip: float, knee: float, curl: float) -> list:
    events: list[object] = []
    for i in range(round(seconds * FPS)):
        events += monitor.update(features(i / FPS, curl, inclination=inclination, hip=hip, knee=knee))
    return events + monitor.finish()


def test_hip_fold_is_the_closing_beyond_the_hamstring_limit() -> None:
    assert hip_fold_flexion_deg(features(0.0, 15.0, hip=50.0, knee=165.0)) == pytest.approx(40.0)
    assert hip_fold_flexion_deg(features(0.0, 15.0, hip=95.0, knee=170.0)) == 0.0  # a straight-legged hinge
    assert math.isnan(hip_fold_flexion_deg(features(0.0, 15.0, hip=50.0, knee=90.0)))  # bent knees: no limit
    assert math.isnan(hip_fold_flexion_deg(features(0.0, 15.0)))  # legs not seen


def test_toe_touch_with_head_below_hips_is_flexion(monitor: FlexionMonitor) -> None:
    # Trunk 150 deg from vertical: the neck curl is not judged there, the straight-kneed fold is.
    events = fold(monitor, 2.0, inclination=150.0, hip=50.0, knee=160.0, curl=math.nan)
    assert [type(e) for e in events] == [FlexionStarted, FlexionEnded]
    ended = events[-1]
    assert isinstance(ended, FlexionEnded)
    assert ended.severity is Severity.STOP and ended.peak_deg == pytest.approx(40.0)
    assert ended.proxies == ("hip_fold",)


def test_long_sitting_reach_for_the_toes_is_flexion(monitor: FlexionMonitor) -> None:
    events = fold(monitor, 2.0, inclination=35.0, hip=62.0, knee=175.0, curl=15.0)  # neck neutral
    assert [type(e) for e in events] == [FlexionStarted, FlexionEnded]


@pytest.mark.parametrize(
    ("hip", "knee"),
    [(95.0, 170.0), (75.0, 170.0), (50.0, 90.0)],
    ids=["straight-legged-hinge-to-horizontal", "hinge-within-caution", "deep-squat-bent-knees"],
)
def test_hip_folds_the_hips_can_make_are_not_flexion(monitor: FlexionMonitor, hip: float, knee: float) -> None:
    assert fold(monitor, 2.0, inclination=60.0, hip=hip, knee=knee, curl=15.0) == []
