"""TwistMonitor and HoldTimer on synthetic motions: exact events for twists, turns and wobbly holds.

A twist is the shoulders turning over a pelvis held still by planted feet (Too Fit To Fracture
"spine sparing"); turning round by stepping moves the feet and is not one. A timed hold only
counts while the posture is held: a wobble shorter than 0.4 s is bridged, a longer release or the
person leaving ends the hold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

from spinesafe.classifiers.analyser import ExerciseAnalyser
from spinesafe.classifiers.events import (
    Event,
    HoldCompleted,
    HoldProgress,
    TrackingLost,
    TrackingRestored,
    TwistEnded,
    TwistStarted,
)
from spinesafe.classifiers.exercises import get_exercise
from spinesafe.classifiers.features import compute_features, detect_view
from spinesafe.classifiers.holds import MIN_RELEASE_S, HoldTimer
from spinesafe.classifiers.twist import TwistConfig, TwistMonitor, trunk_twist_deg
from spinesafe.lab.synthetic import (
    STANDING,
    CameraView,
    Keyframes,
    animate,
    pose_to_frame,
    single_leg_pose,
    standing,
    trunk_twist,
    turn_around,
    with_absence,
)
from spinesafe.pose.frame import PoseFrame

FPS = 30.0
CAUTION_DEG = TwistConfig().caution_deg  # 35
VIEWS = [CameraView.FRONT, CameraView.OBLIQUE_LEFT, CameraView.SIDE_FACING_LEFT]


def twist_events(frames: Sequence[PoseFrame]) -> list[Event]:
    monitor = TwistMonitor()
    events: list[Event] = []
    for frame in frames:
        events += monitor.update(frame)
    return events + monitor.finish()


def eased_s(fraction: float, move_s: float) -> float:
    """When a half-cosine ease over ``move_s`` seconds has covered ``fraction`` of its way."""
    return move_s * math.acos(1.0 - 2.0 * fraction) / math.pi


# --- twisting --------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.name)
def test_a_twist_over_planted_feet_is_one_event_with_its_peak(view: CameraView) -> None:
    # 0.5 s square, 1 s turning the shoulders 45 deg, 3 s held, 1 s back, 0.5 s square.
    events = twist_events(animate(trunk_twist(3.0, twist_deg=45.0), FPS, view=view))
    assert [type(e) for e in events] == [TwistStarted, TwistEnded]
    started, ended = events
    assert isinstance(started, TwistStarted) and isinstance(ended, TwistEnded)
    assert ended.peak_deg == pytest.approx(45.0, abs=1.0)
    assert started.twist_deg >= CAUTION_DEG
    # Starts when the twist passes 35 deg, ends when it is back under 35 - 8; the 0.2 s median
    # filter delays both by ~0.1 s, and the start is announced after 0.4 s.
    assert ended.start_s == pytest.approx(0.5 + eased_s(35 / 45, 1.0) + 0.1, abs=0.07)
    assert ended.end_s == pytest.approx(4.5 + eased_s(1 - 27 / 45, 1.0) + 0.1, abs=0.07)
    assert started.t_s == pytest.approx(ended.start_s + 0.4, abs=1.5 / FPS)


def test_a_twist_below_the_caution_is_not_flagged() -> None:
    assert twist_events(animate(trunk_twist(3.0, twist_deg=25.0), FPS, view=CameraView.FRONT)) == []


@pytest.mark.parametrize("jitter_px", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.name)
def test_standing_square_is_no_twist(view: CameraView, jitter_px: float) -> None:
    frames = animate(standing(4.0), FPS, view=view, jitter_px=jitter_px, seed=21)
    assert twist_events(frames) == []


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.name)
def test_turning_round_by_stepping_is_not_a_twist(view: CameraView) -> None:
    frames = animate(turn_around(turn_deg=90.0, duration_s=2.0, steps=4, lead_deg=40.0), FPS, view=view)
    # The shoulders do lead the pelvis beyond the caution for over a second: only the stepping
    # feet make this a turn rather than a twist.
    over = np.array([trunk_twist_deg(f) for f in frames]) >= CAUTION_DEG
    assert over.sum() / FPS > 1.0
    assert twist_events(frames) == []
    # The whole body has turned a quarter: a front camera now sees the person side-on.
    assert (compute_features(frames[0]).view, compute_features(frames[-1]).view) == (
        detect_view(pose_to_frame(STANDING, view=view)),
        detect_view(pose_to_frame(STANDING, view=view.yaw_deg + 90.0)),
    )


@pytest.mark.parametrize("view", [CameraView.FRONT, CameraView.SIDE_FACING_LEFT], ids=lambda v: v.name)
def test_a_twist_is_still_flagged_through_mild_jitter(view: CameraView) -> None:
    frames = animate(trunk_twist(3.0, twist_deg=45.0), FPS, view=view, jitter_px=1.0, seed=4)
    assert [type(e) for e in twist_events(frames)] == [TwistStarted, TwistEnded]


def test_the_analyser_reports_the_twist_alongside_the_exercise() -> None:
    analyser = ExerciseAnalyser(get_exercise("squat"))
    events: list[Event] = []
    for frame in animate(trunk_twist(2.0), FPS, view=CameraView.OBLIQUE_LEFT):
        events += analyser.update(frame)
    events += analyser.finish()
    # (the twisted shoulders may also swing the view to front: a ViewUnsuitable may come too)
    assert [type(e) for e in events if isinstance(e, TwistStarted | TwistEnded)] == [TwistStarted, TwistEnded]


# --- holds -----------------------------------------------------------------------------------------

LIFTED = single_leg_pose()  # standing on the left leg, the right foot ~0.13 m up


def hold_events(frames: Sequence[PoseFrame]) -> list[HoldCompleted]:
    timer = HoldTimer(get_exercise("single_leg_stance"))
    events: list[Event] = []
    for frame in frames:
        events += timer.update(compute_features(frame))
    events += timer.finish()
    assert all(isinstance(e, (HoldCompleted, HoldProgress)) for e in events)
    return [e for e in events if isinstance(e, HoldCompleted)]


def foot_down(down_s: float) -> Keyframes:
    """Foot lifted at 1.4 s, held to 5.4 s, put down for ``down_s`` (0.15 s each way), held again
    for 4 s, lowered at the end."""
    t = 5.55 + down_s
    return [
        (0.0, STANDING),
        (1.0, STANDING),
        (1.4, LIFTED),
        (5.4, LIFTED),
        (5.55, STANDING),
        (t, STANDING),
        (t + 0.15, LIFTED),
        (t + 4.15, LIFTED),
        (t + 4.55, STANDING),
        (t + 5.0, STANDING),
    ]


def test_a_short_touch_down_stays_one_hold() -> None:
    # The foot is below the release threshold for ~0.25 s (< MIN_RELEASE_S): a wobble.
    assert MIN_RELEASE_S == 0.4
    motion = foot_down(0.1)
    held = hold_events(animate(motion, FPS, view=CameraView.FRONT))
    assert len(held) == 1
    assert held[0].start_s == pytest.approx(1.3, abs=0.15)
    # ... to when the final lowering has brought the foot 3/4 of the way down (ratio 0.16 -> 0.04).
    assert held[0].end_s == pytest.approx(motion[-3][0] + eased_s(0.75, 0.4), abs=0.15)
    assert held[0].held_s == pytest.approx(held[0].end_s - held[0].start_s)  # the wobble is not deducted


def test_a_short_tracking_dropout_stays_one_hold() -> None:
    frames = with_absence(animate(foot_down(0.0), FPS, view=CameraView.FRONT), 3.0, 3.3)
    assert len(hold_events(frames)) == 1


def test_a_release_longer_than_0_4_s_splits_the_hold() -> None:
    motion = foot_down(1.0)  # below the release threshold for ~1.15 s
    held = hold_events(animate(motion, FPS, view=CameraView.FRONT))
    assert len(held) == 2
    first, second = held
    assert first.end_s == pytest.approx(5.5, abs=0.15)  # ended when the foot came down
    assert first.held_s == pytest.approx(4.2, abs=0.3)
    assert second.start_s == pytest.approx(6.65, abs=0.15)
    assert second.held_s == pytest.approx(4.2, abs=0.3)
    assert not first.complete and not second.complete  # target 10 s, neither reached it


def test_leaving_the_frame_ends_the_hold() -> None:
    frames = with_absence(animate(foot_down(0.0), FPS, view=CameraView.SIDE_FACING_LEFT), 3.0, 4.0)
    analyser = ExerciseAnalyser(get_exercise("single_leg_stance"))
    events: list[Event] = []
    for frame in frames:
        events += analyser.update(frame)
    events += analyser.finish()
    events = [e for e in events if not isinstance(e, HoldProgress)]
    assert [type(e) for e in events] == [HoldCompleted, TrackingLost, TrackingRestored, HoldCompleted]
    gone = events[0]
    assert isinstance(gone, HoldCompleted)
    assert gone.end_s == pytest.approx(3.0)  # the hold ends where the person vanished (told 0.4 s later)
    assert gone.held_s == pytest.approx(3.0 - 1.3, abs=0.15)
    back = events[3]
    assert isinstance(back, HoldCompleted) and back.start_s == pytest.approx(4.0)
