"""`ExerciseAnalyser`: the classifiers' one entry point, fed a `PoseFrame` per frame."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from spinesafe.classifiers.events import Event, RepCompleted, TrackingLost, TrackingRestored
from spinesafe.classifiers.exercises import NOT_IN_LIBRARY, ExerciseSpec, Kind
from spinesafe.classifiers.features import FrameFeatures, View, compute_features
from spinesafe.classifiers.flexion import FlexionConfig, FlexionMonitor, FlexionState, Neutral
from spinesafe.classifiers.gravity import GravityEstimator
from spinesafe.classifiers.holds import HoldTimer
from spinesafe.classifiers.person import PersonWatch
from spinesafe.classifiers.reps import NothingCounted, RepCounter
from spinesafe.classifiers.twist import TwistMonitor
from spinesafe.pose.frame import PoseFrame

# Rep signals measured against gravity once the camera's tilt is known (features.py).
TRUNK_SIGNALS = ("trunk_inclination", "trunk_lean", "trunk_over_legs")
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
    paused: bool = False  # someone else fills the picture: nothing is counted or judged


class ExerciseAnalyser:
    """Features -> rep counter + flexion monitor + tracking state, one frame at a time.

    It estimates the camera's tilt from the body as it goes (``gravity``), so trunk measures
    are against gravity once the person has stood tall or lain flat for half a second.

    Every frame first passes the ``person`` watch (:mod:`spinesafe.classifiers.person`): a body
    that is not the patient's reaches the counters as nobody, so a passer-by is never counted.
    Pass the previous analyser's watch to a new one (next set, next exercise) to keep the patient.
    """

    def __init__(
        self,
        spec: ExerciseSpec,
        flexion: FlexionConfig | None = None,
        neutral: Neutral | None = None,
        person: PersonWatch | None = None,
    ) -> None:
        self.spec = spec
        self.person = person if person is not None else PersonWatch()
        self.reps: RepCounter | HoldTimer | NothingCounted
        if spec is NOT_IN_LIBRARY:
            self.reps = NothingCounted()
        else:
            self.reps = HoldTimer(spec) if spec.kind is Kind.HOLD else RepCounter(spec)
        self.twist = TwistMonitor()
        self.flexion = FlexionMonitor(flexion or FlexionConfig(caution_deg=spec.allowed_flexion_deg), neutral)
        self.gravity = GravityEstimator()
        self.reset()

    def reset(self) -> None:
        self.reps.reset()
        self.flexion.reset()
        self.twist.reset()
        self.gravity.reset()
        self._gravity_known = False
        self._absent_since_s = math.nan
        self._lost = False
        self._views: Counter[View] = Counter()
        self.state: FrameState | None = None
        self.features: FrameFeatures | None = None

    @property
    def view_counts(self) -> dict[str, int]:
        """Frames seen from each view (present frames only)."""
        return {view.value: n for view, n in self._views.items()}

    @property
    def back_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """(present frames, frames on which the back was judged) per view, from the flexion monitor."""
        return dict(self.flexion.frames_by_view), dict(self.flexion.judged_by_view)

    def screen(self, frame: PoseFrame) -> tuple[PoseFrame, list[Event]]:
        """Pass ``frame`` through the person watch: the frame to judge (absent when it shows someone
        else) and the watch's events. For callers that feed other watchers the same frame first;
        then give :meth:`update` the screened frame with ``screened=True``."""
        events = self.person.update(frame)
        if self.person.held:
            frame = PoseFrame.absent(frame.t_s, frame.index, frame.image_size)
        return frame, events

    def update(self, frame: PoseFrame, *, screened: bool = False) -> list[Event]:
        events: list[Event] = []
        if not screened:
            frame, events = self.screen(frame)
        held = self.person.held
        # held: someone else's body; the counters see nobody, the tracking state is left alone.
        features = self._features(frame)
        self.features = features
        t = frame.t_s
        if not held:
            events += self._tracking(features)
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
            paused=self.person.paused,
        )
        return events

    def catch_up(self, frames: Sequence[tuple[PoseFrame, float]], other_until_s: float = -math.inf) -> list[Event]:
        """Count the reps (or time the hold) of ``frames`` from before this analysis began, each
        with the trunk flexion judged on it then, and return the counter's events.

        Live ``--exercise auto`` begins an exercise's analysis when the recogniser names it, a few
        seconds into the movement; the rep done meanwhile must be counted all the same. Only the
        counter and the camera's tilt see these frames: the back over them was judged already (by
        the watch that ran then), so the flexion and twist monitors start with the next frame.

        A rep whose turning point is at or before ``other_until_s`` (where the recogniser saw
        another movement) is not counted, and the counter starts again after it: the count
        stays the number of this exercise's reps."""
        events: list[Event] = []
        for frame, flexion_deg in frames:
            found = self.reps.update(self._features(frame), flexion_deg)
            if any(isinstance(e, RepCompleted) and e.turn_s <= other_until_s for e in found):
                self.reps.reset()
                continue
            events += found
        return events

    def _features(self, frame: PoseFrame) -> FrameFeatures:
        """The frame's features, trunk measures against gravity once the camera's tilt is known."""
        gravity = self.gravity.update(frame)
        if gravity.known and not self._gravity_known:
            self._gravity_known = True
            # The trunk measures switch from the image to gravity here. Before any rep, what
            # the counter saw of a trunk signal was in the other measure (a lying trunk seen from
            # a high camera at the feet reads 60 deg in the image, 90 against gravity): start
            # it again rather than count that jump as a rep.
            if self.spec.signal in TRUNK_SIGNALS and self.reps.count == 0:
                self.reps.reset()
        return compute_features(frame, up=gravity)

    def _tracking(self, features: FrameFeatures) -> list[Event]:
        """TrackingLost after a gap of nobody, TrackingRestored when they are back."""
        t = features.t_s
        events: list[Event] = []
        if features.present:
            self._views[features.view] += 1
            if self._lost:
                events.append(TrackingRestored(t, lost_s=t - self._absent_since_s))
                self._lost = False
            self._absent_since_s = math.nan
            return events
        if math.isnan(self._absent_since_s):
            self._absent_since_s = t
        if not self._lost and t - self._absent_since_s >= TRACKING_LOST_AFTER_S:
            self._lost = True
            events.append(TrackingLost(t))
        return events

    def finish(self) -> list[Event]:
        """Close what is open at the end of the source."""
        return self.flexion.finish() + self.twist.finish() + self.reps.finish() + self.person.finish()
