"""`ExerciseAnalyser`: the classifiers' one entry point, fed a `PoseFrame` per frame."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from spinesafe.classifiers.events import Event, TrackingLost, TrackingRestored
from spinesafe.classifiers.exercises import ExerciseSpec, Kind
from spinesafe.classifiers.features import FrameFeatures, View, compute_features
from spinesafe.classifiers.flexion import FlexionConfig, FlexionMonitor, FlexionState, Neutral
from spinesafe.classifiers.holds import HoldTimer
from spinesafe.classifiers.reps import RepCounter
from spinesafe.classifiers.twist import TwistMonitor
from spinesafe.pose.frame import PoseFrame

# Gaps shorter than this are missed detections, not the person leaving.
TRACKING_LOST_AFTER_S = 0.5


@dataclass(frozen=True)
class FrameState:
    """What the analyser made of one frame, for overlays and timeline plots."""

    t_s: float
    present: bool
    view: View
    primary_deg: float
    flexion_deg: float
    trunk_inclination_deg: float
    flexed: bool
    rep_count: int
    hold_s: float = 0.0  # seconds held so far in the current hold (holds only)


class ExerciseAnalyser:
    """Features -> rep counter + flexion monitor + tracking state, one frame at a time."""

    def __init__(
        self,
        spec: ExerciseSpec,
        flexion: FlexionConfig | None = None,
        neutral: Neutral | None = None,
    ) -> None:
        self.spec = spec
        self.reps: RepCounter | HoldTimer = HoldTimer(spec) if spec.kind is Kind.HOLD else RepCounter(spec)
        self.twist = TwistMonitor()
        self.flexion = FlexionMonitor(flexion or FlexionConfig(caution_deg=spec.allowed_flexion_deg), neutral)
        self.reset()

    def reset(self) -> None:
        self.reps.reset()
        self.flexion.reset()
        self.twist.reset()
        self._absent_since_s = math.nan
        self._lost = False
        self._views: Counter[View] = Counter()
        self.state: FrameState | None = None
        self.features: FrameFeatures | None = None

    @property
    def view_counts(self) -> dict[str, int]:
        """Frames seen from each view (present frames only)."""
        return {view.value: n for view, n in self._views.items()}

    def update(self, frame: PoseFrame) -> list[Event]:
        features = compute_features(frame)
        self.features = features
        events: list[Event] = []
        t = frame.t_s
        if features.present:
            self._views[features.view] += 1
            if self._lost:
                events.append(TrackingRestored(t, lost_s=t - self._absent_since_s))
                self._lost = False
        else:
            if math.isnan(self._absent_since_s):
                self._absent_since_s = t
            if not self._lost and t - self._absent_since_s >= TRACKING_LOST_AFTER_S:
                self._lost = True
                events.append(TrackingLost(t))
        if features.present:
            self._absent_since_s = math.nan
        events += self.flexion.update(features)
        events += self.twist.update(frame)
        events += self.reps.update(features, self.flexion.flexion_deg)
        self.state = FrameState(
            t_s=t,
            present=features.present,
            view=features.view,
            primary_deg=self.reps.value_deg,
            flexion_deg=self.flexion.flexion_deg,
            trunk_inclination_deg=features.trunk_inclination_deg,
            flexed=self.flexion.state is FlexionState.FLEXED,
            rep_count=self.reps.count,
            hold_s=self.reps.held_s(t) if isinstance(self.reps, HoldTimer) else 0.0,
        )
        return events

    def finish(self) -> list[Event]:
        """Close what is open at the end of the source."""
        return self.flexion.finish() + self.twist.finish() + self.reps.finish()
