"""The live coach: the programme flow, with the set-up check and calibration alongside, one pose at a time.

:class:`LiveCoach` is the pure heart of ``spinesafe live``: poses (and the camera's picture) and
key presses in, cues and what to show out. It has no camera, window or sound
(:mod:`spinesafe.session.live` joins those), so a whole session runs in tests from synthetic poses.

Stages (an explicit state machine)::

    EXERCISE ◀──▶ REST ──▶ DONE
    (sets of reps, holds or timed entries; rest timer)

Counting never waits for the ceremony: the first entry begins with the first frame, so reps count
from the first one. The set-up check (whole body, distance, light, view) and the calibration of
the neutral posture run alongside (:mod:`~spinesafe.session.coach_setup`): the check advises and
never blocks; the calibration learns from upright, still moments whenever they come and hands the
neutral to the flexion monitor already judging the back.

This module runs the exercise stage and the flow between stages; a rest is
:mod:`~spinesafe.session.coach_rest`, the screen and the words :mod:`~spinesafe.session.coach_view`,
the summary and report :mod:`~spinesafe.session.coach_summary`.

Each programme entry that runs has its own :class:`~spinesafe.session.recorder.SessionRecorder`
(and so its own :class:`~spinesafe.feedback.result.SessionResult`), fed only while that entry's
sets are being done; in rests a flexion monitor keeps watching the back, and what it finds is
filed by the recorder of the entry just done (its result, the history and the cue policy).
Timers (rest, timed entries) run on the session clock and stop while paused.

Movements to avoid (toe touch, sit-up, crunch, rounded-back lift) are watched for in every stage
and every mode, whatever the programme says is being done: an
:class:`~spinesafe.classifiers.unsafe.UnsafePatternWatcher` sees every pose and warns once per
episode; each episode goes into the report of the entry being done (or just done, in a rest)
and into the session's ``unsafe_movements``. With ``--exercise auto`` the watcher gates the
automatic recogniser's own windows (one recogniser, one warning).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from spinesafe.classifiers.analyser import ExerciseAnalyser, FrameState
from spinesafe.classifiers.events import Event, UnsafeMovementEnded
from spinesafe.classifiers.exercises import NOT_IN_LIBRARY, Kind
from spinesafe.classifiers.features import FrameFeatures, compute_features
from spinesafe.classifiers.flexion import Neutral
from spinesafe.classifiers.functional import Sex
from spinesafe.classifiers.person import PersonWatch
from spinesafe.classifiers.setup import Calibration, SetupReport, view_advice
from spinesafe.classifiers.unsafe import UnsafePatternWatcher, packaged_watcher
from spinesafe.feedback.captions import Captions
from spinesafe.feedback.cues import Cue, CueKind, CuePolicy, CuePolicyConfig
from spinesafe.feedback.result import SessionResult
from spinesafe.feedback.store import SessionLog
from spinesafe.pose.frame import PoseFrame
from spinesafe.session.coach_exercise import ExerciseStage
from spinesafe.session.coach_functional import FunctionalTestStage, functional_test_sentences
from spinesafe.session.coach_rest import Rest
from spinesafe.session.coach_setup import SetupAdvisor
from spinesafe.session.coach_summary import session_report, summary_text
from spinesafe.session.coach_view import CHAIR_NEAR, LETS_START, CoachView, coach_view, intro_text, sentences
from spinesafe.session.programme import Programme, ProgrammeEntry
from spinesafe.session.recorder import SessionRecorder, file_cues, file_events
from spinesafe.session.stages import CoachConfig, EntryRun, Stage

__all__ = ["CoachConfig", "CoachView", "LiveCoach", "Recogniser", "Stage"]

MAX_STEP_S = 1.0  # a longer gap between frames (camera lost) advances the timers by at most this


class Recogniser(Protocol):
    """What automatic recognition needs (:class:`~spinesafe.classifiers.recogniser.ExerciseRecogniser`):
    events with a ``label`` (an exercise id, "idle" or "unsure") and a ``confidence``."""

    def update(self, frame: PoseFrame) -> list[Event]: ...

    def reset(self) -> None: ...


class LiveCoach:
    """Runs a :class:`~spinesafe.session.programme.Programme` over live poses (see the module docstring).

    ``unsafe_watcher``: what watches for movements to avoid; by default one with the packaged
    recogniser model (when that cannot be loaded, ``unsafe_notice`` and the report's notes say so
    and the session goes on). With automatic recognition (no programme) it is not used: the
    recogniser's own windows are gated instead. ``session_log``: the stored session every entry's
    sets, events and cues go into.
    """

    def __init__(
        self,
        programme: Programme | None,
        *,
        source: str,
        estimator: str,
        fps: float,
        config: CoachConfig | None = None,
        policy_config: CuePolicyConfig | None = None,
        recogniser: Recogniser | None = None,
        unsafe_watcher: UnsafePatternWatcher | None = None,
        session_log: SessionLog | None = None,
        age: int | None = None,
        sex: Sex | None = None,
    ) -> None:
        if programme is None and recogniser is None:
            raise ValueError("LiveCoach: give a programme, or a recogniser for automatic recognition")
        self.programme = programme or Programme(name="Exercise recognised automatically", entries=())
        self.entries: list[ProgrammeEntry] = list(self.programme.entries)  # grows as exercises are recognised
        self.recogniser = recogniser if programme is None else None
        self.source, self.estimator, self.fps = source, estimator, fps
        self.session_log = session_log
        self.config = config or CoachConfig()
        self.policy = CuePolicy(policy_config)
        self.cues: list[Cue] = []  # everything said, in order
        self.runs: list[EntryRun] = []
        self.notes: list[str] = []
        self.unsafe_notice = ""  # why movements to avoid are not watched for ("" when they are)
        if self.recogniser is not None:
            self.unsafe: UnsafePatternWatcher | None = UnsafePatternWatcher(None)
        elif unsafe_watcher is not None:
            self.unsafe = unsafe_watcher
        else:
            self.unsafe, self.unsafe_notice = packaged_watcher()
            if self.unsafe_notice:
                self.notes.append(self.unsafe_notice)
        self.unsafe_movements: list[UnsafeMovementEnded] = []  # the whole session's episodes
        self.neutral: Neutral | None = None
        # One patient for the whole session: every entry's analyser asks the same watch whether the
        # body seen is theirs (a passer-by pauses counting).
        self.person = PersonWatch()
        self.stage = Stage.EXERCISE
        self.paused = False
        self.ended_by = ""
        self.setup = SetupAdvisor(self, next((e.spec for e in self.entries if e.spec is not None), None))
        self.rest: Rest | None = None
        self.clock = 0.0  # session seconds, not counting pauses
        self.last_t = math.nan
        self._stage_clock = 0.0
        self.entry_index = -1
        self.exercise = ExerciseStage(self)
        self.captions = Captions(hold_s=self.config.banner_s)  # the cue on screen
        self._done_s = math.nan
        self.between_state: FrameState | None = None  # the overlay's state outside the exercise stage
        self.age, self.sex = age, sex  # for the functional tests' norms
        self.test: FunctionalTestStage | None = None  # the functional test being done ([[test]] entries)
        self._features: FrameFeatures | None = None  # the last computed by :meth:`features`

    def sentences(self) -> list[str]:
        """Sentences this session will probably say, most urgent first (to render speech ahead of time)."""
        tests = [e.test for e in self.entries if e.test is not None]
        return sentences(self.entries) + [text for t in tests for text in functional_test_sentences(t)]

    # -- state -----------------------------------------------------------------------------------------
    @property
    def run(self) -> EntryRun | None:
        return self.runs[-1] if self.runs and not self.runs[-1].ended else None

    @property
    def entry(self) -> ProgrammeEntry | None:
        run = self.run
        return run.entry if run is not None else None

    @property
    def done(self) -> bool:
        return self.stage is Stage.DONE

    @property
    def done_for_s(self) -> float:
        """Seconds since the session reached DONE (0 before)."""
        return 0.0 if math.isnan(self._done_s) else self.clock - self._done_s

    @property
    def stage_s(self) -> float:
        """Session seconds in the current stage."""
        return self.clock - self._stage_clock

    @property
    def setup_report(self) -> SetupReport | None:
        return self.setup.report

    @property
    def calibration(self) -> Calibration | None:
        return self.setup.calibration

    # -- inputs ----------------------------------------------------------------------------------------
    def start(self, t_s: float) -> list[Cue]:
        """Opening cues: the pain rule (every session, DESIGN.md), a chair within reach; then the first
        exercise begins at once (set-up problems are spoken as they are found)."""
        self.last_t = t_s
        cues = [*self.policy.start(t_s), Cue(t_s, CueKind.INFO, CHAIR_NEAR)]
        if len(self.entries) > 1:
            cues.append(Cue(t_s, CueKind.INFO, f"Today: {self.programme.name}."))
        said = [c for cue in cues for c in self.say([cue])]  # one by one: the pain rule comes first
        return said + self.begin_entry(0 if self.recogniser is None else len(self.entries), t_s) + self.setup.start(t_s)

    def update(self, pose: PoseFrame, picture: np.ndarray | None = None) -> list[Cue]:
        """One frame. ``picture``: the camera's BGR image, for the set-up check's light (None: not judged)."""
        t = pose.t_s
        if math.isnan(self.last_t):
            self.last_t = t
        step = min(max(t - self.last_t, 0.0), MAX_STEP_S)
        self.last_t = t
        if self.paused or self.stage is Stage.DONE:
            if self.stage is Stage.DONE:
                self.clock += step
            return []
        self.clock += step
        # Someone else's body (a carer bending over, a grandchild) is judged by nobody: the person
        # watch screens every frame (an entry's recorder screens it again for its counters).
        cues = self.file(self.person.update(pose))
        seen = PoseFrame.absent(pose.t_s, pose.index, pose.image_size) if self.person.held else pose
        # Movements to avoid are watched for in every stage (automatic recognition: in the exercise stage).
        cues += self._watch(seen) if self.recogniser is None else []
        if self.stage is Stage.REST and self.rest is not None:
            cues += self.rest.update(seen)
        elif self.test is not None:
            cues += self.test.update(pose)
            if self.test.finished:
                cues += self.test.end(t)
        else:
            cues += self.exercise.update(pose)
        if self.stage is not Stage.DONE:  # the set-up check and calibration, alongside
            cues += self.setup.update(pose, picture)
        return cues

    def toggle_pause(self, t_s: float) -> list[Cue]:
        if self.stage is Stage.DONE:
            return []
        self.paused = not self.paused
        text = "Paused. Press space to carry on." if self.paused else "Let's carry on."
        return self.say([Cue(t_s, CueKind.INFO, text)])

    def next_entry(self, t_s: float) -> list[Cue]:
        """The "n" key: before anything was done while the set-up check still advises, stop the
        advice; otherwise end this exercise (a functional test: scored over what it holds) and start
        the next one (no rest)."""
        if self.setup.checking and not self.anything_done and self.stage is Stage.EXERCISE and self.test is None:
            self.setup.skip(t_s)
            return self.say([Cue(t_s, CueKind.INFO, LETS_START)])
        if self.stage is Stage.DONE:
            return []
        cues = self.close_run(t_s)
        if self.recogniser is not None:  # automatic: wait for the next exercise to be recognised
            if self.unsafe is not None:  # its windows start again: so does the watching
                cues += self.unsafe_events(self.unsafe.finish(t_s))
                self.unsafe.reset()
            self.recogniser.reset()
            self.exercise.reset_recognition()
            return cues + self.begin_entry(len(self.entries), t_s)
        following = self.entry_index + 1
        if self.stage is Stage.REST and self.rest is not None and self.rest.then[0] != self.entry_index:
            following = self.rest.then[0]
        self.paused = False
        if following < len(self.entries):
            return cues + self.begin_entry(following, t_s)
        return cues + self.finish_programme(t_s)

    def finish(self, t_s: float, reason: str) -> list[Cue]:
        """End the session now (the programme finished, "q", Ctrl+C, or the camera source ended)."""
        if not self.ended_by:
            self.ended_by = reason
        self.setup.close()
        cues = self.unsafe_events(self.unsafe.finish(t_s)) if self.unsafe is not None else []
        cues += self.close_run(t_s) + self.exercise.stop_waiting()
        if self.rest is not None:
            self.rest.close()
        if self.stage is not Stage.DONE:
            cues += self.finish_programme(t_s)
        return cues

    def announce(self, cues: list[Cue]) -> list[Cue]:
        """Cues from outside the coach (e.g. "I've lost the camera"), through the same policy and record."""
        return self.say(cues)

    # -- stages: what the set-up and rest stages call back ---------------------------------------------
    def enter(self, stage: Stage) -> None:
        self.stage = stage
        self._stage_clock = self.clock

    @property
    def anything_done(self) -> bool:
        """Whether a rep, a hold or a set has been done in this session."""
        return any(
            run.sets_done
            or (run.result is not None and (run.result.rep_count or any(h.complete for h in run.result.holds)))
            for run in self.runs
        )

    def frame_features(self, pose: PoseFrame) -> FrameFeatures:
        """The features of ``pose``: those the exercise's analyser has just computed when it saw it,
        else computed here (a rest, or waiting for an exercise to be recognised)."""
        analyser = self.run.analyser if self.run is not None else None
        for features in (analyser.features if analyser is not None else None, self._features):
            if features is not None and features.t_s == pose.t_s:
                return features
        return self.features(pose)

    def adopt_neutral(self, neutral: Neutral) -> None:
        """The calibration has the person's neutral: every flexion monitor judging the back now uses it."""
        self.neutral = neutral
        analyser = self.run.analyser if self.run is not None else None
        if analyser is not None:
            analyser.flexion.adopt_neutral(neutral)
        if self.rest is not None and self.rest.monitor is not None:
            self.rest.monitor.adopt_neutral(neutral)

    def features(self, pose: PoseFrame) -> FrameFeatures:
        """Features of a frame outside the exercise stage, and the overlay state they give."""
        f = self._features = compute_features(pose)
        self.between_state = FrameState(
            t_s=f.t_s,
            present=f.present,
            view=f.view,
            primary_deg=math.nan,
            flexion_deg=math.nan,
            trunk_inclination_deg=f.trunk_inclination_deg,
            flexed=False,
            rep_count=0,
        )
        return f

    def begin_entry(self, index: int, t_s: float) -> list[Cue]:
        if index >= len(self.entries):  # automatic recognition: wait for the person to start
            self.enter(Stage.EXERCISE)
            self.entry_index = index
            return self.say([Cue(t_s, CueKind.INFO, "Start your exercise when you are ready. I will recognise it.")])
        self.entry_index = index
        entry = self.entries[index]
        run = EntryRun(index=index, entry=entry, started_s=t_s)
        spec = entry.spec
        if spec is not None:
            analyser = ExerciseAnalyser(spec, entry.flexion, neutral=self.neutral, person=self.person)
            result = SessionResult(source=self.source, mode="live", spec=spec, estimator=self.estimator, fps=self.fps)
            # One policy for the session: cooldowns hold across its entries.
            run.recorder = SessionRecorder(
                result, analyser, store=self.session_log, policy=self.policy, opening_cues=False
            )
            run.result = result
        self.runs.append(run)
        if entry.test is not None:
            self.enter(Stage.EXERCISE)
            self.policy.begin_set(None, first_number=1)
            self.test = FunctionalTestStage(self, entry.test, age=self.age, sex=self.sex)
            return self.test.begin(t_s)
        counted = spec is not None and spec.kind is Kind.COUNTED
        self.policy.config = replace(self.policy.config, min_rep_s=entry.min_rep_s if counted else 0.0)
        # A movement outside the library has no how-to or tempo to give (the recognition cue said it all).
        cues = [Cue(t_s, CueKind.INFO, intro_text(entry))] if spec is not NOT_IN_LIBRARY else []
        advice = view_advice(spec, self.setup_report.view) if self.setup_report is not None else ""
        if advice:
            cues.append(Cue(t_s, CueKind.SETUP, advice, topic="view"))
        return self.say(cues) + self.exercise.begin_set(1, t_s)

    def after_rest(self, then: tuple[int, int], t_s: float) -> list[Cue]:
        """The rest is over: the next set of this entry, or the next entry."""
        index, number = then
        if index == self.entry_index and self.run is not None:
            return self.exercise.begin_set(number, t_s)
        return self.begin_entry(index, t_s)

    def begin_rest(self, entry: ProgrammeEntry, then: tuple[int, int]) -> list[Cue]:
        self.enter(Stage.REST)
        self.rest = Rest(self, entry, then)  # the back is watched in rests too
        return []

    def close_run(self, t_s: float) -> list[Cue]:
        run = self.run
        if run is None:
            return []
        test, self.test = self.test, None
        cues: list[Cue] = test.close(run, t_s) if test is not None else []  # stopped early: still its result
        if run.recorder is not None:
            finished = run.recorder.finish()
            self.record(finished, run)
            cues += finished
        run.ended = True
        if not run.finished and not run.entry.open_ended:
            self.notes.append(
                f"{run.entry.name}: stopped after {run.sets_done} of {run.entry.sets} "
                f"set{'s' if run.entry.sets != 1 else ''} ({t_s:.1f} s)."
            )
        return cues

    def finish_programme(self, t_s: float) -> list[Cue]:
        self.enter(Stage.DONE)
        self._done_s = self.clock
        if not self.ended_by:
            self.ended_by = "finished"
        return self.say([Cue(t_s, CueKind.INFO, self.summary())])

    # -- movements to avoid ----------------------------------------------------------------------------
    def _watch(self, pose: PoseFrame) -> list[Cue]:
        return self.unsafe_events(self.unsafe.update(pose, self.flexion_now())) if self.unsafe is not None else []

    def flexion_now(self) -> float:
        """The back's last judged rounding over neutral (the set's analyser, or in a rest the rest
        monitor); NaN when nothing judges it (set-up, calibration, a front view)."""
        run = self.run
        if run is not None and run.analyser is not None:
            return run.analyser.flexion.flexion_deg
        if self.exercise.waiting is not None:  # auto, nothing recognised yet
            return self.exercise.waiting.flexion_deg
        return self.rest.flexion_deg if self.rest is not None else math.nan

    def unsafe_events(self, events: list[Event]) -> list[Cue]:
        """A movement to avoid: the warning now; the episode filed with the entry being done (or, in a
        rest, just done) and kept for the session's report."""
        self.unsafe_movements += [e for e in events if isinstance(e, UnsafeMovementEnded)]
        return self.file(events)

    def unsafe_so_far(self, in_progress: bool) -> list[UnsafeMovementEnded]:
        """The session's episodes; for a checkpoint, the open one too (up to its last window)."""
        current = self.unsafe.current if in_progress and self.unsafe is not None else None
        return [*self.unsafe_movements, *([current] if current is not None else [])]

    # -- cues and events -------------------------------------------------------------------------------
    def file(self, events: list[Event]) -> list[Cue]:
        """Events from outside an entry's own analysis (the flexion monitor of a rest, the watcher for
        movements to avoid, calibration): filed by the recorder of the entry being done or just done
        (its report, the history, the policy); before any entry, into the history and the policy."""
        if not events:
            return []
        recorder = next((r.recorder for r in reversed(self.runs) if r.recorder is not None), None)
        cues = recorder.file(events) if recorder else file_events(events, self.policy, log=self.session_log)
        self.record(cues, self.run)
        return cues

    def say(self, cues: list[Cue]) -> list[Cue]:
        """Say the coach's own words: admitted by the policy, filed in the history, recorded."""
        said = self.policy.admit(cues)
        file_cues(said, log=self.session_log)
        self.record(said, self.run)
        return said

    def record(self, cues: list[Cue], run: EntryRun | None) -> None:
        """Cues given, for the report (the session's and the entry's) and the screen's caption."""
        for cue in cues:
            self.cues.append(cue)
            if run is not None:
                run.cues.append(cue)
        self.captions.add(cues)

    # -- outputs ---------------------------------------------------------------------------------------
    def summary(self) -> str:
        return summary_text(self)

    def view(self, t_s: float) -> CoachView:
        return coach_view(self, t_s)

    def report(self, in_progress: bool = False) -> dict[str, Any]:
        """The session report (see :func:`~spinesafe.session.coach_summary.session_report`)."""
        return session_report(self, in_progress)
