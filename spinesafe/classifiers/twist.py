"""Twist monitor: trunk rotation against planted feet (DESIGN.md safety rules).

Twisting the spine, especially under load or combined with bending, is on the "spine sparing"
list of Too Fit To Fracture (Giangregorio 2014). The measure is the angle between the shoulder
line and the hip line seen from above (MediaPipe world coordinates, x-z plane): standing square
it is ~0-10 deg; a trunk rotation with the pelvis held by planted feet opens it.
"""

from __future__ import annotations

import enum
import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from spinesafe.classifiers.events import Event, TwistEnded, TwistStarted
from spinesafe.classifiers.signals import MedianFilter
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Landmark

# An ankle moving more than this (peak to peak over the window) means the feet are stepping or
# pivoting: turning the whole body is not a spinal twist. A small step on the spot lifts the
# ankle ~5-10 cm; a standing person's ankle landmarks jitter by ~1 cm.
PLANTED_MAX_SHIFT_M = 0.04
PLANTED_WINDOW_S = 0.6
LEG_LENGTH_M = 0.85  # adult hip-to-ankle length, to turn pixels into metres


def leg_length_px(px: np.ndarray) -> float:
    """The longer leg's image length (hip to ankle) of (33, 2+) pixel landmarks: the person's own
    ruler for :data:`LEG_LENGTH_M`, which unlike the hip width does not vanish in a side view."""
    return max(
        float(np.linalg.norm(px[hip, :2] - px[ankle, :2]))
        for hip, ankle in ((Landmark.LEFT_HIP, Landmark.LEFT_ANKLE), (Landmark.RIGHT_HIP, Landmark.RIGHT_ANKLE))
    )


def trunk_twist_deg(frame: PoseFrame) -> float:
    """Unsigned angle in degrees, in [0, 90], between shoulder and hip lines seen from above.

    NaN without world landmarks or when the person is absent.
    """
    if not frame.present or frame.world is None:
        return math.nan
    w = frame.world
    shoulders = (w[Landmark.RIGHT_SHOULDER] - w[Landmark.LEFT_SHOULDER])[[0, 2]]
    hips = (w[Landmark.RIGHT_HIP] - w[Landmark.LEFT_HIP])[[0, 2]]
    ns, nh = float(np.linalg.norm(shoulders)), float(np.linalg.norm(hips))
    if ns < 1e-6 or nh < 1e-6:
        return math.nan
    cos = float(np.clip(np.dot(shoulders, hips) / (ns * nh), -1.0, 1.0))
    angle = math.degrees(math.acos(cos))
    return min(angle, 180.0 - angle)


@dataclass(frozen=True)
class TwistConfig:
    # Standing square reads 0-15 deg in MediaPipe's world model; on the corpus (no twisting in
    # it) the 95th percentile of noisy clips reaches ~25-37 deg, hence 35.
    caution_deg: float = 35.0
    hysteresis_deg: float = 8.0
    min_duration_s: float = 0.4


class TwistState(enum.Enum):
    SQUARE = "square"
    PENDING = "pending"
    TWISTED = "twisted"


class TwistMonitor:
    """Emits TwistStarted/TwistEnded when the trunk rotates over planted feet."""

    def __init__(self, config: TwistConfig | None = None) -> None:
        self.config = config or TwistConfig()
        self._filter = MedianFilter(0.2)
        self.reset()

    def reset(self) -> None:
        self._filter.reset()
        self.state = TwistState.SQUARE
        self.twist_deg = math.nan
        self._start_s = self._peak_deg = 0.0
        self._ankles: deque[tuple[float, np.ndarray]] = deque()
        self._last_t = 0.0

    def update(self, frame: PoseFrame) -> list[Event]:
        t = frame.t_s
        self._last_t = t
        raw = trunk_twist_deg(frame)
        planted = self._feet_planted(frame)
        twist = self._filter.update(t, raw) if math.isfinite(raw) and planted else math.nan
        self.twist_deg = twist
        cfg = self.config
        events: list[Event] = []
        if self.state is TwistState.SQUARE:
            if math.isfinite(twist) and twist >= cfg.caution_deg:
                self.state, self._start_s, self._peak_deg = TwistState.PENDING, t, twist
        elif not math.isfinite(twist) or twist < cfg.caution_deg - cfg.hysteresis_deg:
            if self.state is TwistState.TWISTED:
                events.append(TwistEnded(t, start_s=self._start_s, end_s=t, peak_deg=self._peak_deg))
            self.state = TwistState.SQUARE
        else:
            self._peak_deg = max(self._peak_deg, twist)
            if self.state is TwistState.PENDING and t - self._start_s >= cfg.min_duration_s:
                self.state = TwistState.TWISTED
                events.append(TwistStarted(t, twist_deg=twist))
        return events

    def finish(self) -> list[Event]:
        events: list[Event] = []
        if self.state is TwistState.TWISTED:
            events.append(TwistEnded(self._last_t, start_s=self._start_s, end_s=self._last_t, peak_deg=self._peak_deg))
        self.state = TwistState.SQUARE
        return events

    def _feet_planted(self, frame: PoseFrame) -> bool:
        """True when the ankles moved less than PLANTED_MAX_SHIFT_M over the last PLANTED_WINDOW_S.

        Pixels are turned into metres with the person's own hip-to-ankle length (~0.85 m for
        an adult), which unlike the hip width does not vanish in a side view; comparing over a
        window rather than frame to frame keeps landmark jitter from looking like steps.
        """
        if not frame.present:
            self._ankles.clear()
            return False
        px = frame.pixels()[:, :2]
        leg_px = leg_length_px(px)
        if not math.isfinite(leg_px) or leg_px < 1.0:
            return False
        ankles = np.concatenate([px[Landmark.LEFT_ANKLE], px[Landmark.RIGHT_ANKLE]]) * (LEG_LENGTH_M / leg_px)
        self._ankles.append((frame.t_s, ankles))
        while self._ankles[0][0] < frame.t_s - PLANTED_WINDOW_S:
            self._ankles.popleft()
        positions = np.array([a for _, a in self._ankles])
        return bool(np.max(np.ptp(positions, axis=0)) <= PLANTED_MAX_SHIFT_M)
