"""The one place a session's events are filed: into the result, the history and the cue policy.

Review and live both file through here. :func:`file_events` takes classifier events from any
source (an exercise's analyser, the flexion monitor of a rest, the watcher for movements to
avoid), appends them to the :class:`~spinesafe.feedback.result.SessionResult` they belong to,
writes them to the stored session (:class:`~spinesafe.feedback.store.SessionLog`) and turns
them into cues with the session's one :class:`~spinesafe.feedback.cues.CuePolicy`; the cues are
filed too. :class:`SessionRecorder` drives one analysed run (a review, or one programme entry of
a live session) frame by frame and files what it finds the same way.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from spinesafe.classifiers.analyser import ExerciseAnalyser
from spinesafe.classifiers.events import (
    Event,
    FlexionEnded,
    HoldCompleted,
    PersonChangeEnded,
    RepCompleted,
    TwistEnded,
    UnsafeMovementEnded,
    ViewUnsuitable,
)
from spinesafe.classifiers.exercises import Kind, analysed_as
from spinesafe.classifiers.unsafe import UnsafePatternWatcher
from spinesafe.feedback.cues import Cue, CuePolicy
from spinesafe.feedback.result import SegmentResult, SessionResult
from spinesafe.feedback.store import SessionInfo, SessionLog
from spinesafe.pose.frame import PoseFrame

if TYPE_CHECKING:
    from spinesafe.classifiers.segments import Segment


def file_events(
    events: Sequence[Event],
    policy: CuePolicy,
    *,
    result: SessionResult | None = None,
    segment: SegmentResult | None = None,
    log: SessionLog | None = None,
) -> list[Cue]:
    """File ``events`` into ``result`` (and its ``segment``) and the history; return the cues the
    policy gives for them, filed as well. ``result`` None: a live session before any exercise
    began (only the history and the policy see the events)."""
    for event in events:
        if isinstance(event, RepCompleted):
            _add(event, "reps", result, segment)
            if log is not None:
                log.rep(event)
        elif isinstance(event, FlexionEnded):
            _add(event, "flexion_events", result, segment)
            if log is not None:
                log.flexion(event)
        elif isinstance(event, HoldCompleted):
            _add(event, "holds", result, segment)
            if log is not None:
                log.hold(event)
        elif isinstance(event, TwistEnded):
            _add(event, "twist_events", result, segment)
            if log is not None:
                log.twist(event)
        elif isinstance(event, UnsafeMovementEnded):
            _add(event, "unsafe_movements", result, None)
            if log is not None:
                log.unsafe(event)
        elif isinstance(event, ViewUnsuitable):
            _add(event, "view_warnings", result, None)
        elif isinstance(event, PersonChangeEnded):
            _add(event, "person_changes", result, None)
            if log is not None:
                log.person_change(event)
    cues = policy.update(list(events))
    file_cues(cues, result=result, log=log)
    return cues


def file_cues(cues: Iterable[Cue], *, result: SessionResult | None = None, log: SessionLog | None = None) -> None:
    """Cues given (by the policy, or said by the live coach) into ``result`` and the history."""
    cues = list(cues)
    if result is not None:
        result.cues.extend(cues)
    if log is not None:
        for cue in cues:
            log.cue(cue)


def _add(event: Event, name: str, result: SessionResult | None, segment: SegmentResult | None) -> None:
    for target in (result, segment):
        if target is not None:
            getattr(target, name).append(event)


# Under this share of frames with the back judged, the report says how much went unchecked.
BACK_JUDGED_NOTE_BELOW = 0.9


class SessionRecorder:
    """Runs one analysis over poses and files its events (:func:`file_events`).

    With ``store`` (a :class:`~spinesafe.feedback.store.SessionLog`), the run is one set of that
    stored session, committed at least once a second from :meth:`step`. The owner of the log
    starts and finishes the session (``store.begin(session_info(result))`` ... ``log.finish()``),
    so a live programme can record several entries, one recorder each, into one session.

    ``policy``: the session's cue policy (a live session shares one across its entries, so
    cooldowns hold across them); a new one by default. ``opening_cues``: give the policy's opening
    cues (the pain rule) now; a live coach says them itself, before any entry.

    With ``segments`` (``--exercise auto``; ``analyser`` is for the first one) the recorder starts a
    fresh analyser with the next segment's exercise when a pose reaches its ``analysed_from_s``:
    counters start again, the neutral posture learnt so far is kept, and each segment is one set
    in the store. ``result.segments`` gets each segment's events.

    With ``unsafe`` (an :class:`~spinesafe.classifiers.unsafe.UnsafePatternWatcher`) every pose is
    also watched for movements to avoid, whatever the exercise: the warning is a cue like any
    other (so it is in the annotated video's sound track) and each episode goes into
    ``result.unsafe_movements``.
    """

    def __init__(
        self,
        result: SessionResult,
        analyser: ExerciseAnalyser,
        store: SessionLog | None = None,
        segments: Sequence[Segment] = (),
        unsafe: UnsafePatternWatcher | None = None,
        *,
        policy: CuePolicy | None = None,
        opening_cues: bool = True,
    ) -> None:
        self.result = result
        self.analyser = analyser
        self.unsafe = unsafe
        self.policy = policy if policy is not None else CuePolicy()
        self.policy.exercise_is_avoided = unsafe is not None and analyser.spec.kind is Kind.UNSAFE
        self.log = store
        if segments and segments[0].exercise != analyser.spec.id:
            raise ValueError(
                f"segments: the analyser is for {analyser.spec.id}, the first segment is {segments[0].exercise}"
            )
        result.segments = [SegmentResult(s, analysed_as(s.exercise)) for s in segments]
        result.flexion_config = analyser.flexion.config
        if result.segments:
            result.segments[0].flexion_config = analyser.flexion.config
        self._segment = 0
        self._views: Counter[str] = Counter()  # frames per view of the segments before this one
        self._back_frames: Counter[str] = Counter()  # and those where the back could be judged
        self._back_judged: Counter[str] = Counter()
        if store is not None:
            store.start_set(analyser.spec.id, t_s=result.duration_s)
        if opening_cues:
            file_cues(self.policy.start(0.0), result=result, log=store)

    @property
    def cues(self) -> list[Cue]:
        return self.result.cues

    def file(self, events: Sequence[Event]) -> list[Cue]:
        """File events into this run's result (and segment), the history and the policy."""
        segment = self.result.segments[self._segment] if self.result.segments else None
        return file_events(events, self.policy, result=self.result, segment=segment, log=self.log)

    def step(self, pose: PoseFrame) -> list[Cue]:
        """Feed one pose; returns the cues it produced."""
        result = self.result
        segments = result.segments
        cues: list[Cue] = []
        if self._segment + 1 < len(segments) and pose.t_s >= segments[self._segment + 1].segment.analysed_from_s:
            cues += self._next_segment(pose.t_s)
        result.frames += 1
        result.frames_with_person += int(pose.present)
        result.duration_s = max(result.duration_s, pose.t_s)
        # Someone else's body (a passer-by) is judged by nobody: neither the watcher nor the counters.
        seen, person = self.analyser.screen(pose)
        # The watcher's events first: a warning given in this frame holds back a flexion cue of it.
        # The flexion monitor's last judgement confirms (or not) a warning about the back.
        flexion = self.analyser.flexion.flexion_deg
        watched = self.unsafe.update(seen, flexion) if self.unsafe is not None else []
        cues += self.file([*person, *watched, *self.analyser.update(seen, screened=True)])
        if self.analyser.state is not None:
            result.series.append(self.analyser.state)
        if self.log is not None:
            self.log.progress(result.duration_s, result.frames, result.frames_with_person)
            self.log.tick()
        return cues

    def catch_up(self, frames: Sequence[tuple[PoseFrame, float]], other_until_s: float = -math.inf) -> list[Event]:
        """Count what ``frames`` from before this run began hold (see
        :meth:`~spinesafe.classifiers.analyser.ExerciseAnalyser.catch_up`) and file it as any rep;
        returns the events filed (the policy's cues for them are filed with them, not returned:
        the caller says what was caught up in its own words)."""
        events = self.analyser.catch_up(frames, other_until_s)
        self.file(events)
        return events

    def _next_segment(self, t_s: float) -> list[Cue]:
        """Close the current segment's analysis and start the next one's at ``t_s``."""
        cues = self.file(self.analyser.finish())
        result = self.result
        views = self.analyser.view_counts
        result.segments[self._segment].view_counts = views
        self._views.update(views)
        frames, judged = self.analyser.back_counts
        self._back_frames.update(frames)
        self._back_judged.update(judged)
        neutral = self.analyser.flexion.neutral
        result.neutral = neutral
        if self.log is not None:
            self.log.end_set(t_s=t_s, calibration=calibration_json(result), views=views)
        self._segment += 1
        spec = result.segments[self._segment].spec
        # A neutral learnt (or calibrated) in the last segment is the same person's: keep it.
        learnt = neutral.calibrated or math.isfinite(neutral.torso_length_m)
        # The patient watched so far is the same person too.
        self.analyser = ExerciseAnalyser(spec, neutral=neutral if learnt else None, person=self.analyser.person)
        result.segments[self._segment].flexion_config = self.analyser.flexion.config
        self.policy.begin_set(None, first_number=1)
        self.policy.exercise_is_avoided = self.unsafe is not None and spec.kind is Kind.UNSAFE
        if self.log is not None:
            self.log.start_set(spec.id, t_s=t_s)
        return cues

    def finish(self) -> list[Cue]:
        watched = self.unsafe.finish() if self.unsafe is not None else []
        cues = self.file([*watched, *self.analyser.finish()])
        result = self.result
        result.view_counts = self.analyser.view_counts
        if result.segments:
            result.segments[self._segment].view_counts = self.analyser.view_counts
            result.view_counts = dict(self._views + Counter(self.analyser.view_counts))
        frames, judged = self.analyser.back_counts
        result.back_frames = dict(self._back_frames + Counter(frames))
        result.back_judged = dict(self._back_judged + Counter(judged))
        result.neutral = self.analyser.flexion.neutral
        total = sum(result.back_frames.values())
        judged_share = sum(result.back_judged.values()) / total if total else 1.0
        if judged_share < BACK_JUDGED_NOTE_BELOW:
            per_view = ", ".join(
                f"{view} {100 * result.back_judged.get(view, 0) / n:.0f}%"
                for view, n in result.back_frames.items()
                if n
            )
            result.notes.append(
                f"Back judged in {100 * judged_share:.0f}% of the frames with a person ({per_view}): the rest "
                "were seen from the front or with the head or hips hidden, where rounding cannot be checked."
            )
        if self.analyser.flexion.neutral_note:
            result.notes.append(f"Back rounding: {self.analyser.flexion.neutral_note}.")
        if result.person_changes:
            result.notes.append(person_changes_note(result.person_changes))
        if result.frames_with_person == 0:
            result.notes.append("No person was found in the video: nothing could be counted.")
        if result.truncated:
            result.notes.append("The video ended early (truncated or damaged): only the readable part was analysed.")
        if self.log is not None:
            self.log.end_set(t_s=result.duration_s, calibration=calibration_json(result), views=result.view_counts)
            self.log.progress(result.duration_s, result.frames, result.frames_with_person)
        return cues


def person_changes_note(changes: Sequence[PersonChangeEnded]) -> str:
    """The report's words for the times someone else filled the picture."""
    times = ", ".join(f"{c.start_s:.1f}-{c.end_s:.1f} s" for c in changes)
    adopted = [c for c in changes if c.outcome == "adopted"]
    then = (
        f" After {adopted[0].paused_s:.0f} s the person in the picture was taken to be the one exercising."
        if adopted
        else ""
    )
    return (
        f"Someone else was in the picture ({times}): counting and the back checks were paused then, so their "
        f"movements are not in this report.{then}"
    )


def calibration_json(result: SessionResult) -> dict[str, Any] | None:
    """The neutral posture of ``result`` for the store (non-finite values as null)."""
    if result.neutral is None:
        return None
    values = dataclasses.asdict(result.neutral) if dataclasses.is_dataclass(result.neutral) else {}
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in values.items()}


def session_info(result: SessionResult, programme: str | None = None) -> SessionInfo:
    """What the store needs to start a session for ``result``."""
    return SessionInfo(
        patient=result.patient,
        mode=result.mode,
        source=result.source,
        model=result.estimator,
        fps=result.fps,
        programme=programme,
        started_at=result.started_at,
    )


def default_patient() -> str:
    """Whose session this is when not given: ``$SPINESAFE_PATIENT``, else ``default``."""
    return os.environ.get("SPINESAFE_PATIENT") or "default"
