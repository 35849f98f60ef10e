"""What one analysed source produced: :class:`SessionResult` and its parts.

The JSON and CSV report (:mod:`spinesafe.feedback.report`), the HTML report
(:mod:`spinesafe.feedback.html_report`) and the session store (:mod:`spinesafe.feedback.store`)
are views of it; :mod:`spinesafe.session.recorder` fills it.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from spinesafe.classifiers.analyser import FrameState
from spinesafe.classifiers.events import (
    FlexionEnded,
    HoldCompleted,
    PersonChangeEnded,
    RepCompleted,
    TwistEnded,
    UnsafeMovementEnded,
    ViewUnsuitable,
)
from spinesafe.classifiers.exercises import ExerciseSpec
from spinesafe.classifiers.flexion import SUITABLE_VIEWS, FlexionConfig, Neutral
from spinesafe.classifiers.functional.results import FunctionalResult
from spinesafe.classifiers.segments import Segment
from spinesafe.feedback.cues import Cue

# Names (``view_counts`` keys, ``main_view``) of the views back rounding is judged from.
JUDGED_VIEWS = frozenset(view.value for view in SUITABLE_VIEWS)

SERIES_FIELDS = ("t_s", "primary_deg", "flexion_deg", "trunk_inclination_deg")


class TimeSeries:
    """Per-frame values for the timeline plot, kept compactly: 20 bytes a frame (2 MB an hour at 30 fps).

    ``t_s`` in seconds (float64); ``primary_deg`` (the exercise's primary angle), ``flexion_deg``
    (trunk rounding against neutral) and ``trunk_inclination_deg`` (trunk against vertical) as
    float32, NaN where the analyser had no value (no person, joint not seen).
    """

    __slots__ = ("_columns",)

    def __init__(self) -> None:
        self._columns: dict[str, array[float]] = {name: array("d" if name == "t_s" else "f") for name in SERIES_FIELDS}

    def append(self, state: FrameState) -> None:
        for name, column in self._columns.items():
            column.append(getattr(state, name))

    def __len__(self) -> int:
        return len(self._columns["t_s"])

    def column(self, name: str) -> np.ndarray:
        """(n,) float64 copy of one column (one of :data:`SERIES_FIELDS`)."""
        return np.array(self._columns[name], dtype=np.float64)


@dataclass(frozen=True)
class KeyFrame:
    """A picture from the annotated video for the report: JPEG bytes, its time and why it was kept."""

    t_s: float
    label: str
    jpeg: bytes = field(repr=False)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


UNSURE_NAME = "not sure"


@dataclass
class SegmentResult:
    """One segment of a recording (``--exercise auto``): where the recogniser put it, and what its
    own analysis (``spec``, counters started afresh) found in its frames."""

    segment: Segment
    spec: ExerciseSpec
    reps: list[RepCompleted] = field(default_factory=list)
    flexion_events: list[FlexionEnded] = field(default_factory=list)
    holds: list[HoldCompleted] = field(default_factory=list)
    twist_events: list[TwistEnded] = field(default_factory=list)
    view_counts: dict[str, int] = field(default_factory=dict)
    flexion_config: FlexionConfig | None = None  # the thresholds its analysis applied

    @property
    def rep_count(self) -> int:
        return sum(1 for r in self.reps if r.complete)

    @property
    def thresholds(self) -> FlexionConfig:
        return self.flexion_config or FlexionConfig(caution_deg=self.spec.allowed_flexion_deg)

    @property
    def label(self) -> str:
        """The exercise id, or ``unsure`` when the recogniser was not sure (the reps are then
        counted as its best guess, ``spec``)."""
        return self.segment.label

    @property
    def name(self) -> str:
        return self.spec.name if self.segment.sure else UNSURE_NAME


@dataclass
class SessionResult:
    """Everything one analysed source produced; the report is a view of it."""

    source: str
    mode: str  # "review" (video file), "replay" (landmark recording), "live"
    spec: ExerciseSpec
    estimator: str
    fps: float
    duration_s: float = 0.0
    frames: int = 0
    frames_with_person: int = 0
    truncated: bool = False
    reps: list[RepCompleted] = field(default_factory=list)
    flexion_events: list[FlexionEnded] = field(default_factory=list)
    holds: list[HoldCompleted] = field(default_factory=list)
    twist_events: list[TwistEnded] = field(default_factory=list)
    view_warnings: list[ViewUnsuitable] = field(default_factory=list)
    # Episodes of movements to avoid (toe touch, sit-up, ...), whatever the exercise was.
    unsafe_movements: list[UnsafeMovementEnded] = field(default_factory=list)
    # Times someone else filled the picture and counting was paused (spinesafe.classifiers.person).
    person_changes: list[PersonChangeEnded] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    view_counts: dict[str, int] = field(default_factory=dict)
    # Frames with a person per view, and those on which the back could be judged (a proxy was read
    # or the posture itself rules rounding out): "back judged in 72% of the set".
    back_frames: dict[str, int] = field(default_factory=dict)
    back_judged: dict[str, int] = field(default_factory=dict)
    neutral: Neutral | None = None
    # The back-rounding thresholds applied (the exercise's, or the programme's limits); with several
    # segments, those of the first (each segment has its own).
    flexion_config: FlexionConfig | None = None
    notes: list[str] = field(default_factory=list)
    patient: str = "default"
    # Set when the exercise was recognised (``--exercise auto``): (confidence in [0, 1], sure?)
    exercise_confidence: float | None = None
    exercise_sure: bool = True
    started_at: datetime = field(default_factory=utc_now)
    series: TimeSeries = field(default_factory=TimeSeries, repr=False)
    key_frames: list[KeyFrame] = field(default_factory=list, repr=False)
    # No picture of the person was to be written (``--no-video``, ``--no-pictures``): no key frames.
    pictures_withheld: bool = False
    # ``--exercise auto``: the segments, each analysed with its own exercise; ``reps`` etc. above
    # hold the events of all of them, in time order.
    segments: list[SegmentResult] = field(default_factory=list)
    # ``--test``: the standard functional tests scored over the recording (report's ``tests``).
    tests: list[FunctionalResult] = field(default_factory=list)

    @property
    def counted_reps(self) -> list[RepCompleted]:
        """The reps of the reported exercise (``spec``): all reps, or with several segments those of
        the segments analysed as ``spec``."""
        if len(self.segments) <= 1:
            return self.reps
        return [r for s in self.segments if s.spec.id == self.spec.id for r in s.reps]

    @property
    def rep_count(self) -> int:
        return sum(1 for r in self.counted_reps if r.complete)

    @property
    def thresholds(self) -> FlexionConfig:
        """The flexion thresholds applied (the exercise's defaults when none were recorded)."""
        return self.flexion_config or FlexionConfig(caution_deg=self.spec.allowed_flexion_deg)

    @property
    def main_view(self) -> str:
        views = self.view_counts
        return max(views, key=lambda v: views[v]) if views else "unknown"
