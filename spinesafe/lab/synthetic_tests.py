"""Synthetic motions of the functional tests (issue 15), built on :mod:`spinesafe.lab.synthetic`.

Chair stands with a half stand at the end of the 30 s or the hands leaving the chest, the 4-stage
balance stances (losing one early), a Timed Up and Go and an SPPB. The stick figure of
:mod:`~spinesafe.lab.synthetic` keeps its feet at one place in the picture, so walking is added
afterwards: :func:`render_with_travel` shifts every frame's image landmarks by the distance walked
(the world landmarks stay centred on the hips, as MediaPipe's do).

Each builder returns the keyframes and the truth the scorers are checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from spinesafe.lab.synthetic import (
    STANDING,
    TRUNK_M,
    BodyPose,
    CameraView,
    Keyframes,
    animate,
    blend,
    chain,
    single_leg_pose,
    tandem_pose,
)
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Landmark, Side

# Forearms folded on the chest, as the chair stand protocols ask (the values of synthetic.py's chair stands).
ARMS_CROSSED = {"shoulder_flexion_deg": 25.0, "shoulder_rotation_deg": -80.0, "elbow_flexion_deg": 120.0}
ARMS_DOWN = {"shoulder_flexion_deg": 10.0, "shoulder_rotation_deg": 0.0, "elbow_flexion_deg": 10.0}
RISE_LEAN_DEG = 40.0


def seated(arms: dict[str, float] = ARMS_CROSSED, heading_deg: float = 0.0) -> BodyPose:
    return replace(BodyPose.symmetric(hip_flexion_deg=90.0, knee_flexion_deg=90.0, **arms), heading_deg=heading_deg)


def _lean(arms: dict[str, float], heading_deg: float = 0.0) -> BodyPose:
    pose = BodyPose.symmetric(trunk_lean_deg=RISE_LEAN_DEG, hip_flexion_deg=90.0, knee_flexion_deg=90.0, **arms)
    return replace(pose, heading_deg=heading_deg)


def _lift_off(arms: dict[str, float], heading_deg: float = 0.0) -> BodyPose:
    pose = BodyPose.symmetric(trunk_lean_deg=0.9 * RISE_LEAN_DEG, hip_flexion_deg=60.0, knee_flexion_deg=70.0, **arms)
    return replace(pose, heading_deg=heading_deg)


def _stand(arms: dict[str, float], heading_deg: float = 0.0) -> BodyPose:
    return replace(BodyPose.symmetric(**arms), heading_deg=heading_deg)


def _stand_cycle(t0: float, period_s: float, arms: dict[str, float]) -> Keyframes:
    """One chair stand from seated to seated: lean at 0.2, seat left at 0.35, standing tall at 0.55."""
    lower = BodyPose.symmetric(trunk_lean_deg=0.8 * RISE_LEAN_DEG, hip_flexion_deg=60.0, knee_flexion_deg=70.0, **arms)
    phases = [(0.2, _lean(arms)), (0.35, _lift_off(arms)), (0.55, _stand(arms)), (0.8, lower), (1.0, seated(arms))]
    return [(t0 + f * period_s, pose) for f, pose in phases]


@dataclass(frozen=True)
class ChairStandTruth:
    onset_s: float  # the first forward lean
    full_stand_s: tuple[float, ...]  # when each full stand reached standing tall
    arms_off_s: float | None


def chair_stands(
    stands: int,
    period_s: float = 2.5,
    *,
    seated_s: float = 1.0,
    arms_off_from: int | None = None,
    final_rise_fraction: float | None = None,
    final_rise_at_s: float | None = None,
    tail_s: float = 2.0,
) -> tuple[Keyframes, ChairStandTruth]:
    """Seated ``seated_s``, then ``stands`` chair stands with the arms crossed (each leans forward
    from the seated keyframe at its start, so the first forward lean begins at ``seated_s``).

    ``arms_off_from`` (1-based): from that stand on the hands push on the thighs (arms down).
    ``final_rise_fraction``: one more rise after the stands that is this far from the seat
    (0 seated, 1 standing tall: a blend of the seat-leaving and standing poses) at
    ``final_rise_at_s``, held there 0.6 s, then standing tall and sitting down.
    """
    arms_for = [
        ARMS_DOWN if arms_off_from is not None and n >= arms_off_from else ARMS_CROSSED for n in range(1, stands + 1)
    ]
    frames: Keyframes = [(0.0, seated()), (seated_s, seated())]
    full: list[float] = []
    for n in range(stands):
        t0 = seated_s + n * period_s
        frames += _stand_cycle(t0, period_s, arms_for[n])
        full.append(t0 + 0.55 * period_s)
    end = seated_s + stands * period_s
    if final_rise_fraction is not None:
        at = final_rise_at_s if final_rise_at_s is not None else end + 1.0
        partway = blend(_lift_off(ARMS_CROSSED), _stand(ARMS_CROSSED), final_rise_fraction)
        frames += [
            (at - 1.2, seated()),
            (at - 0.8, _lean(ARMS_CROSSED)),
            (at - 0.3, partway),
            (at + 0.3, partway),
            (at + 1.0, _stand(ARMS_CROSSED)),
            (at + 2.0, seated()),
        ]
        end = at + 2.0
    frames.append((end + tail_s, seated()))
    arms_off = seated_s + (arms_off_from - 1) * period_s if arms_off_from is not None else None
    return frames, ChairStandTruth(onset_s=seated_s, full_stand_s=tuple(full), arms_off_s=arms_off)


# -- 4-stage balance -------------------------------------------------------------------------------

# Feet together: each leg 5.9 deg in brings the ankles from hip width (0.28 m) to 0.10 m apart
# (one foot's width). Semi-tandem: the same, one foot half a foot length (0.10 m) ahead.
_FEET_TOGETHER_ABDUCTION = -5.9
_HALF_FOOT_FLEXION = 3.3  # +-3.3 deg of each leg puts the ankles 0.10 m apart along the feet


def feet_together_pose() -> BodyPose:
    return BodyPose.symmetric(hip_abduction_deg=_FEET_TOGETHER_ABDUCTION)


def semi_tandem_pose(front: Side = Side.RIGHT) -> BodyPose:
    pose = feet_together_pose().with_side(front, hip_flexion_deg=_HALF_FOOT_FLEXION)
    return pose.with_side(front.other, hip_flexion_deg=-_HALF_FOOT_FLEXION)


BALANCE_POSES: tuple[Callable[[], BodyPose], ...] = (feet_together_pose, semi_tandem_pose, tandem_pose, single_leg_pose)


@dataclass(frozen=True)
class BalanceTruth:
    stage_start_s: tuple[float, ...]  # when each stance was reached
    held_s: tuple[float, ...]


def four_stage_balance(
    holds_s: Sequence[float] = (12.0, 12.0, 12.0, 12.0), step_s: float = 0.8
) -> tuple[Keyframes, BalanceTruth]:
    """Standing 1 s, then each stance in turn held ``holds_s[k]``; a hold under 10 s ends the test
    with a step out to an ordinary stance (the loss of balance), held 3 s."""
    frames: Keyframes = [(0.0, STANDING), (1.0, STANDING)]
    t = 1.0
    starts: list[float] = []
    for k, hold in enumerate(holds_s):
        pose = BALANCE_POSES[k]()
        t += step_s
        starts.append(t)
        frames += [(t, pose), (t + hold, pose)]
        t += hold
        if hold < 10.0:
            break
    frames += [(t + step_s, STANDING), (t + step_s + 3.0, STANDING)]
    return frames, BalanceTruth(tuple(starts), tuple(holds_s[: len(starts)]))


# -- walking, Timed Up and Go, SPPB -----------------------------------------------------------------


def _steps(
    t0: float, duration_s: float, step_s: float, step_deg: float, knee_deg: float, heading_deg: float
) -> Keyframes:
    """Walking on the spot (the travel is added by :func:`render_with_travel`): each step swings one
    leg forward ``step_deg`` with the knee bent ``knee_deg`` at mid-swing."""
    n = max(1, round(duration_s / step_s))
    dt = duration_s / n
    frames: Keyframes = []
    for i in range(n):
        swing = Side.LEFT if i % 2 == 0 else Side.RIGHT
        mid = BodyPose(heading_deg=heading_deg).with_side(
            swing, hip_flexion_deg=0.5 * step_deg, knee_flexion_deg=knee_deg
        )
        contact = (
            BodyPose(heading_deg=heading_deg)
            .with_side(swing, hip_flexion_deg=0.5 * step_deg)
            .with_side(swing.other, hip_flexion_deg=-0.5 * step_deg)
        )
        frames += [
            (t0 + (i + 0.5) * dt, mid),
            (t0 + (i + 1) * dt, contact if i < n - 1 else _stand(ARMS_DOWN, heading_deg)),
        ]
    return frames


def _turn(t0: float, duration_s: float, from_deg: float, turn_deg: float = 180.0, steps: int = 4) -> Keyframes:
    """Turning on the spot in ``steps`` small steps, the body's heading from ``from_deg`` by ``turn_deg``."""
    frames: Keyframes = []
    dt = duration_s / steps
    for i in range(steps):
        foot = Side.LEFT if i % 2 == 0 else Side.RIGHT
        lifted = BodyPose(heading_deg=from_deg + turn_deg * (i + 0.5) / steps).with_side(
            foot, hip_flexion_deg=20.0, knee_flexion_deg=35.0
        )
        frames += [
            (t0 + (i + 0.5) * dt, lifted),
            (t0 + (i + 1) * dt, _stand(ARMS_DOWN, from_deg + turn_deg * (i + 1) / steps)),
        ]
    return frames


@dataclass(frozen=True)
class WalkTruth:
    """Times (s) of the test and the path walked: (time, metres from the start) corners, linear between."""

    onset_s: float
    seated_again_s: float
    phases: tuple[tuple[str, float, float], ...]
    path: tuple[tuple[float, float], ...]

    @property
    def tug_s(self) -> float:
        return self.seated_again_s - self.onset_s

    def travel_m(self, t_s: float) -> float:
        times = [t for t, _ in self.path]
        return float(np.interp(t_s, times, [d for _, d in self.path]))


def timed_up_and_go(
    *,
    distance_m: float = 3.0,
    rise_s: float = 1.2,
    walk_out_s: float = 2.5,
    turn_s: float = 1.6,
    walk_back_s: float = 2.5,
    turn_sit_s: float = 2.6,
    step_s: float = 0.55,
    step_deg: float = 30.0,
    knee_deg: float = 45.0,
    seated_s: float = 1.0,
    tail_s: float = 1.5,
) -> tuple[Keyframes, WalkTruth]:
    """Seated ``seated_s``; rise; walk ``distance_m`` out; turn 180; walk back; turn 180 and sit.

    Defaults make a brisk 10.4 s TUG; a slow shuffle is small steps (``step_deg`` ~10, ``knee_deg``
    ~15) over longer walks and turns.
    """
    arms = ARMS_DOWN
    t = seated_s
    frames: Keyframes = [(0.0, seated(arms)), (t, seated(arms))]
    frames += [(t + 0.35 * rise_s, _lean(arms)), (t + 0.6 * rise_s, _lift_off(arms)), (t + rise_s, _stand(arms))]
    t_up = t + rise_s
    frames += _steps(t_up, walk_out_s, step_s, step_deg, knee_deg, 0.0)
    t_turn = t_up + walk_out_s
    frames += _turn(t_turn, turn_s, 0.0)
    t_back = t_turn + turn_s
    frames += _steps(t_back, walk_back_s, step_s, step_deg, knee_deg, 180.0)
    t_last = t_back + walk_back_s
    turn_part = 0.55 * turn_sit_s
    frames += _turn(t_last, turn_part, 180.0)
    sit_from = t_last + turn_part
    sit_s = turn_sit_s - turn_part
    lower = BodyPose.symmetric(trunk_lean_deg=0.8 * RISE_LEAN_DEG, hip_flexion_deg=60.0, knee_flexion_deg=70.0, **arms)
    landed = t_last + turn_sit_s
    frames += [(sit_from + 0.5 * sit_s, replace(lower, heading_deg=360.0)), (landed, seated(arms, 360.0))]
    frames.append((landed + tail_s, seated(arms, 360.0)))
    path = ((0.0, 0.0), (t_up, 0.0), (t_turn, distance_m), (t_back, distance_m), (t_last, 0.0), (landed + tail_s, 0.0))
    phases = (
        ("sit-to-stand", seated_s, t_up),
        ("walk out", t_up, t_turn),
        ("turn", t_turn, t_back),
        ("walk back", t_back, t_last),
        ("turn and sit", t_last, landed),
    )
    return frames, WalkTruth(onset_s=seated_s, seated_again_s=landed, phases=phases, path=path)


def slow_shuffling_tug() -> tuple[Keyframes, WalkTruth]:
    """A slow, shuffling TUG of about 20 s: small steps with hardly any knee bend, slow turns."""
    return timed_up_and_go(
        rise_s=2.0,
        walk_out_s=6.0,
        turn_s=3.2,
        walk_back_s=6.0,
        turn_sit_s=3.6,
        step_s=0.75,
        step_deg=10.0,
        knee_deg=15.0,
    )


def render_with_travel(
    keyframes: Keyframes,
    travel_m: Callable[[float], float],
    *,
    fps: float = 30.0,
    view: CameraView = CameraView.SIDE_FACING_LEFT,
    body_fraction: float = 0.3,
    start_x: float = 0.85,
) -> list[PoseFrame]:
    """Render ``keyframes`` and move the person across the picture by ``travel_m(t)`` metres in the
    direction they face at heading 0 (image-left for ``SIDE_FACING_LEFT``), starting at ``start_x``
    of the image width. The world landmarks are unchanged (centred on the hips)."""
    frames = animate(keyframes, fps, view=view, body_fraction=body_fraction)
    first = frames[0]
    px = first.pixels()
    shoulders = (px[Landmark.LEFT_SHOULDER] + px[Landmark.RIGHT_SHOULDER]) / 2
    hips = (px[Landmark.LEFT_HIP] + px[Landmark.RIGHT_HIP]) / 2
    px_per_m = float(np.linalg.norm((shoulders - hips)[:2])) / TRUNK_M  # seated upright: the trunk is in plane
    width = first.image_size[0]
    forward = -1.0 if view.yaw_deg < 0 else 1.0
    base = start_x * width - float(hips[0])
    out = []
    for f in frames:
        shift = (base + forward * px_per_m * travel_m(f.t_s)) / width
        landmarks = f.landmarks.copy()
        landmarks[:, 0] += shift
        out.append(replace(f, landmarks=landmarks))
    return out


@dataclass(frozen=True)
class SppbTruth:
    balance: BalanceTruth
    walk_start_s: float
    walk_speed_m_s: float
    chairs: ChairStandTruth

    @property
    def gait_4m_s(self) -> float:
        return 4.0 / self.walk_speed_m_s


def sppb(
    holds_s: Sequence[float] = (10.8, 10.8, 10.8), walk_m: float = 4.6, walk_s: float = 5.0
) -> tuple[Keyframes, SppbTruth]:
    """Balance stances, a walk of ``walk_m`` in ``walk_s`` at a steady pace, sitting down, five chair stands."""
    balance, balance_truth = four_stage_balance(holds_s)
    t0 = balance[-1][0]
    walk = [(0.0, STANDING), *[(t + 0.0, p) for t, p in _steps(0.0, walk_s, 0.55, 30.0, 45.0, 0.0)]]
    sit = [(0.0, STANDING), (0.8, _lift_off(ARMS_CROSSED)), (1.6, seated()), (2.6, seated())]
    stands, chairs_truth = chair_stands(5, 2.4, seated_s=0.0)
    keyframes = chain(balance, walk, sit, stands)
    walk_start = t0
    chairs_start = t0 + walk_s + 2.6
    shifted = ChairStandTruth(
        onset_s=chairs_start, full_stand_s=tuple(chairs_start + t for t in chairs_truth.full_stand_s), arms_off_s=None
    )
    return keyframes, SppbTruth(balance_truth, walk_start, walk_m / walk_s, shifted)


def sppb_travel(truth: SppbTruth, walk_m: float = 4.6) -> Callable[[float], float]:
    """The SPPB walk's distance over time (steady pace; standing still before and after)."""

    def travel(t_s: float) -> float:
        return float(np.clip((t_s - truth.walk_start_s) * truth.walk_speed_m_s, 0.0, walk_m))

    return travel


__all__ = [
    "ARMS_CROSSED",
    "BALANCE_POSES",
    "BalanceTruth",
    "ChairStandTruth",
    "SppbTruth",
    "WalkTruth",
    "chair_stands",
    "feet_together_pose",
    "four_stage_balance",
    "render_with_travel",
    "semi_tandem_pose",
    "slow_shuffling_tug",
    "sppb",
    "sppb_travel",
    "timed_up_and_go",
]
