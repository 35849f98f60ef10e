"""Events: what the classifiers tell the feedback stage. Frozen; times in seconds."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.Enum):
    """How serious a spinal-flexion event is."""

    CAUTION = "caution"  # rounding beyond the allowed range: cue to straighten
    STOP = "stop"  # marked rounding: stop and reset the posture


@dataclass(frozen=True)
class Event:
    t_s: float


@dataclass(frozen=True)
class RepCompleted(Event):
    """A repetition whose turning point has been reached and left (or the source ended there).

    ``number`` counts full reps only; a partial rep has ``complete=False`` and number 0.
    """

    exercise: str
    number: int
    start_s: float
    turn_s: float
    end_s: float
    range_of_motion_deg: float
    turn_angle_deg: float
    peak_trunk_flexion_deg: float
    complete: bool
    truncated: bool = False  # cut by the start or end of the source
    seen_share: float = 1.0  # of its frames with the primary signal measured (reps.MIN_REP_SEEN_SHARE)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class FlexionStarted(Event):
    severity: Severity
    flexion_deg: float
    view: str


@dataclass(frozen=True)
class FlexionEnded(Event):
    start_s: float
    end_s: float
    peak_deg: float
    peak_s: float
    severity: Severity
    view: str
    proxies: tuple[str, ...]  # which proxies crossed their threshold
    # The least visibility (0-1) of the landmarks the judgement read during the event (the near
    # side's ear, shoulder and hip for the neck curl; hip, knee and shoulder for the hip fold).
    visibility: float = 1.0
    # When the rounding first reached the stop threshold (None: it stayed at caution). ``severity``
    # is the peak's, so an episode that grew from caution to stop ends as STOP.
    stop_s: float | None = None


@dataclass(frozen=True)
class FlexionEscalated(Event):
    """An open flexion episode, started at caution, has grown past the stop threshold (once per
    episode; an episode that starts at stop severity says so in its :class:`FlexionStarted`)."""

    start_s: float
    flexion_deg: float
    view: str


@dataclass(frozen=True)
class TrackingLost(Event):
    """No person (or too little of one) for a while."""


@dataclass(frozen=True)
class TrackingRestored(Event):
    lost_s: float


@dataclass(frozen=True)
class ViewUnsuitable(Event):
    """The camera view cannot support a judgement (e.g. flexion from a straight front view)."""

    view: str
    judgement: str
    advice: str


@dataclass(frozen=True)
class HoldProgress(Event):
    """A timed hold (balance, back-extension hold) is being held; emitted about once a second."""

    exercise: str
    held_s: float
    target_s: float


@dataclass(frozen=True)
class HoldCompleted(Event):
    """A hold ended: time counts only while the posture was held. ``complete`` = reached target."""

    exercise: str
    start_s: float
    end_s: float
    held_s: float
    target_s: float
    complete: bool


@dataclass(frozen=True)
class TwistStarted(Event):
    """Trunk rotation against planted feet beyond the allowed range."""

    twist_deg: float


@dataclass(frozen=True)
class TwistEnded(Event):
    start_s: float
    end_s: float
    peak_deg: float


@dataclass(frozen=True)
class CalibrationDone(Event):
    """The person's neutral posture was recorded ("stand tall for three seconds")."""

    neck_curl_deg: float
    trunk_inclination_deg: float


@dataclass(frozen=True)
class UnsafeMovement(Event):
    """A movement people with osteoporosis should avoid (toe touch, sit-up, crunch, rounded-back lift)."""

    pattern: str
    confidence: float


@dataclass(frozen=True)
class UnsafeMovementEnded(Event):
    """The end of an unsafe-movement episode; ``t_s`` is when it was judged over.

    ``start_s``: the middle of the first window with the pattern; ``warned_s``: when the
    :class:`UnsafeMovement` warning was given; ``end_s``: the last
    window with the pattern; ``confidence``: the pattern's highest smoothed probability.
    """

    pattern: str
    start_s: float
    warned_s: float
    end_s: float
    confidence: float


@dataclass(frozen=True)
class PersonChanged(Event):
    """Someone else fills the picture; counting is paused from ``start_s`` (their first frame)."""

    start_s: float


@dataclass(frozen=True)
class PersonChangeEnded(Event):
    """Counting carries on: the patient is back (``outcome`` "returned"), the other person was
    taken as the patient after a while ("adopted", :mod:`spinesafe.classifiers.person`), or the
    source ended ("ended")."""

    start_s: float
    end_s: float
    outcome: str

    @property
    def paused_s(self) -> float:
        return self.end_s - self.start_s
