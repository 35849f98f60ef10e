"""Hold timer: time counts only while the posture is held (balance, back-extension holds)."""

from __future__ import annotations

import enum
import math

from spinesafe.classifiers.events import Event, HoldCompleted, HoldProgress
from spinesafe.classifiers.exercises import ExerciseSpec
from spinesafe.classifiers.features import FrameFeatures
from spinesafe.classifiers.signals import MedianFilter

# A posture must be held this long before the timer starts (a wobble through the position is
# not a hold), and a release must last this long before the hold ends (a brief touch-down of
# the lifted foot or one bad landmark frame does not reset the clock).
MIN_ENTER_S = 0.5
MIN_RELEASE_S = 0.4
PROGRESS_EVERY_S = 1.0


class HoldState(enum.Enum):
    RELEASED = "released"
    ENTERING = "entering"
    HOLDING = "holding"
    LEAVING = "leaving"


class HoldTimer:
    """Times holds of ``spec`` (``spec.kind is Kind.HOLD``) with hysteresis and dwell times."""

    def __init__(self, spec: ExerciseSpec, target_s: float | None = None) -> None:
        self.spec = spec
        self.target_s = spec.target_s if target_s is None else target_s
        self._sign = 1.0 if spec.turn > spec.rest else -1.0
        self._filter = MedianFilter(0.2)
        self.reset()

    def reset(self) -> None:
        self._filter.reset()
        self.state = HoldState.RELEASED
        self._since = 0.0
        self._start_s = 0.0
        self._last_progress_s = 0.0
        self._last_t = 0.0
        self.value_deg = math.nan  # the filtered signal (named like RepCounter's for the analyser)

    @property
    def count(self) -> int:
        """Holds are timed, not counted."""
        return 0

    def held_s(self, t_s: float) -> float:
        if self.state in (HoldState.HOLDING, HoldState.LEAVING):
            return (self._since if self.state is HoldState.LEAVING else t_s) - self._start_s
        return 0.0

    def update(self, features: FrameFeatures, trunk_flexion_deg: float = 0.0) -> list[Event]:
        t = features.t_s
        self._last_t = t
        raw = features.angle(self.spec.signal) if features.present else math.nan
        value = self._filter.update(t, raw) if math.isfinite(raw) else math.nan
        self.value_deg = value
        held = math.isfinite(value) and self._sign * value >= self._sign * self.spec.turn
        released = not math.isfinite(value) or self._sign * value <= self._sign * self.spec.rest
        events: list[Event] = []
        if self.state is HoldState.RELEASED:
            if held:
                self.state, self._since = HoldState.ENTERING, t
        elif self.state is HoldState.ENTERING:
            if not held:
                self.state = HoldState.RELEASED
            elif t - self._since >= MIN_ENTER_S:
                self.state, self._start_s, self._last_progress_s = HoldState.HOLDING, self._since, t
        elif self.state is HoldState.HOLDING:
            if released:
                self.state, self._since = HoldState.LEAVING, t
            elif t - self._last_progress_s >= PROGRESS_EVERY_S:
                self._last_progress_s = t
                events.append(HoldProgress(t, self.spec.id, held_s=t - self._start_s, target_s=self.target_s))
        elif self.state is HoldState.LEAVING:
            if not released:
                self.state = HoldState.HOLDING
            elif t - self._since >= MIN_RELEASE_S:
                events.append(self._completed(self._since))
                self.state = HoldState.RELEASED
        return events

    def finish(self) -> list[Event]:
        events: list[Event] = []
        if self.state is HoldState.HOLDING:
            events.append(self._completed(self._last_t))
        elif self.state is HoldState.LEAVING:
            events.append(self._completed(self._since))
        self.state = HoldState.RELEASED
        return events

    def _completed(self, end_s: float) -> HoldCompleted:
        held = end_s - self._start_s
        return HoldCompleted(
            end_s,
            self.spec.id,
            start_s=self._start_s,
            end_s=end_s,
            held_s=held,
            target_s=self.target_s,
            complete=held >= self.target_s,
        )
