"""The live coach: set-up check, calibration and the programme flow, one pose at a time.

:class:`LiveCoach` is the pure heart of ``spinesafe live``: poses and key presses in, cues and
what to show out. It has no camera, window or sound (``spinesafe.session.live`` joins those), so a whole
session runs in tests from synthetic poses.

Stages (an explicit state machine)::

    SETUP ──right for 1 s──▶ CALIBRATING ──3 s upright and still──▶ EXERCISE ◀──▶ REST ──▶ DONE
    (whole body, distance,    ("stand tall for three seconds":        (sets of reps, holds or
     light, view)              the person's neutral posture)           timed entries; rest timer)

Each programme entry that runs has its own :class:`~spinesafe.session.recorder.SessionRecorder` (and so its
own :class:`~spinesafe.feedback.result.SessionResult`), fed only while that entry's sets are
being done; in rests a flexion monitor keeps watching the back, and what it finds is filed by
the recorder of the entry just done (into its result, the history and the cue policy). Timers (rest, timed entries) run
on the session clock and stop while paused.

Movements to avoid (toe touch, sit-up, crunch, rounded-back lift) are watched for in every stage
and every mode, whatever the programme says is being done: an
:class:`~spinesafe.classifiers.unsafe.UnsafePatternWatcher` sees every pose and warns once per
episode; each episode goes into the report of the entry being done (or just done, in a rest)
and into the session's ``unsafe_movements``. With ``--exercise auto`` the watcher gates the
automatic recogniser's own windows (one recogniser, one warning).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from spinesafe.classifiers.analyser import ExerciseAnalyser, FrameState
from spinesafe.classifiers.events import Event, UnsafeMovementEnded
from spinesafe.classifiers.exercises import EXERCISES, UNSAFE_PATTERNS, Kind
from spinesafe.classifiers.features import FrameFeatures, View, compute_features
from spinesafe.classifiers.flexion import SUITABLE_VIEWS, FlexionMonitor, FlexionState, Neutral
from spinesafe.classifiers.setup import (
    SETUP_PROBLEMS,
    Calibration,
    NeutralCalibrator,
    SetupCheck,
    SetupReport,
    view_advice,
)
from spinesafe.classifiers.unsafe import UnsafePatternWatcher, packaged_watcher
from spinesafe.feedback.cues import (
    CALIBRATED,
    HINGE,
    NOT_SEEN,
    PRIORITY,
    SLOWER,
    STOP_FLEXION,
    TWIST,
    Cue,
    CueKind,
    CuePolicy,
    CuePolicyConfig,
    unsafe_text,
)
from spinesafe.feedback.report import build_programme_report, build_report
from spinesafe.feedback.result import SessionResult
from spinesafe.feedback.store import SessionLog
from spinesafe.pose.frame import PoseFrame
from spinesafe.session.programme import Phase, Programme, ProgrammeEntry, single_exercise
from spinesafe.session.recorder import SessionRecorder, file_cues, file_events

CHAIR_NEAR = "Keep a chair or counter within reach."
CALIBRATE = "Now stand tall and still for three seconds."
STAND_STILL = "Stand tall and still, please."
MAX_STEP_S = 1.0  # a longer gap between frames (camera lost) advances the timers by at most this


class Recogniser(Protocol):
    """What automatic recognition needs (:class:`~spinesafe.classifiers.recogniser.ExerciseRecogniser`):
    events with a ``label`` (an exercise id, "idle" or "unsure") and a ``confidence``."""

    def update(self, frame: PoseFrame) -> list[Event]: ...

    def reset(self) -> None: ...


RECOGNISED_AFTER = 2  # the same label this many windows in a row (0.5 s apart) before switching


class Stage(enum.Enum):
    SETUP = "setup"
    CALIBRATING = "calibrating"
    EXERCISE = "exercise"
    REST = "rest"
    DONE = "done"


@dataclass(frozen=True)
class CoachConfig:
    setup_check: bool = True
    setup_ok_s: float = 1.0  # the set-up must stay right this long before going on
    setup_timeout_s: float = 30.0  # then carry on anyway, saying what is still wrong
    calibrate: bool = True
    calibration_s: float = 3.0
    calibration_timeout_s: float = 10.0
    get_ready_s: float = 5.0  # "get ready" this long before a rest ends
    banner_s: float = 4.0  # a cue stays on screen this long


@dataclass
class EntryRun:
    """One programme entry as it was done."""

    index: int
    entry: ProgrammeEntry
    started_s: float
    result: SessionResult | None = None
    recorder: SessionRecorder | None = None
    sets_done: int = 0
    finished: bool = False  # all sets done
    ended: bool = False  # closed (finished, skipped with "n", or the session ended)
    cues: list[Cue] = field(default_factory=list)

    @property
    def analyser(self) -> ExerciseAnalyser | None:
        return self.recorder.analyser if self.recorder is not None else None


@dataclass(frozen=True)
class CoachView:
    """What the screen shows now (the overlay's words)."""

    stage: Stage
    title: str
    status: str = ""
    counter: str = " "  # blank outside the exercise stage (the overlay shows the rep count for "")
    progress: str = ""
    message: str = ""
    cue: str = ""
    state: FrameState | None = None
    paused: bool = False


def _intro_text(entry: ProgrammeEntry) -> str:
    label = "" if entry.phase is Phase.MAIN else f"{entry.phase.label}: "
    return f"{label}{entry.name}. {entry.how_to}".strip()


def _set_text(entry: ProgrammeEntry, number: int) -> str:
    """What is said when set ``number`` of ``entry`` begins ("" for nothing)."""
    counted = entry.spec is not None and entry.spec.kind is Kind.COUNTED
    goal = entry.goal_text
    tempo = entry.tempo if counted else ""
    if entry.open_ended:
        text = tempo if not entry.is_hold else f"Hold for {entry.hold_s:g} seconds each time."
    elif entry.sets > 1:
        text = f"Set {number} of {entry.sets}: {goal}. {tempo}"
    else:
        text = f"{goal[0].upper()}{goal[1:]}. {tempo}"
    return text.strip()


def _clock_text(seconds: float) -> str:
    s = max(0, math.ceil(seconds))
    return f"{s // 60}:{s % 60:02d}"


class LiveCoach:
    """Runs a :class:`~spinesafe.session.programme.Programme` over live poses (see the module docstring).

    ``unsafe_watcher``: what watches for movements to avoid; by default one with the packaged
    recogniser model (when that cannot be loaded, ``unsafe_notice`` and the report's notes say so
    and the session goes on). With automatic recognition (no programme) it is not used: the
    recogniser's own windows are gated instead.
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
    ) -> None:
        if programme is None and recogniser is None:
            raise ValueError("LiveCoach: give a programme, or a recogniser for automatic recognition")
        self.programme = programme or Programme(name="Exercise recognised automatically", entries=())
        self.entries: list[ProgrammeEntry] = list(self.programme.entries)  # grows as exercises are recognised
        self.recogniser = recogniser if programme is None else None
        self._candidate, self._streak = "", 0
        self.source, self.estimator, self.fps = source, estimator, fps
        self.session_log = session_log  # the stored session each entry's sets go into
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
        self.calibration: Calibration | None = None
        self.stage = Stage.SETUP
        self.paused = False
        self.ended_by = ""
        self.setup_report: SetupReport | None = None
        first_spec = next((e.spec for e in self.entries if e.spec is not None), None)
        self._setup = SetupCheck(first_spec)
        self._calibrator = NeutralCalibrator(self.config.calibration_s)
        self._clock = 0.0  # session seconds, not counting pauses
        self._last_t = math.nan
        self._stage_clock = 0.0
        self._setup_ok_since = math.nan
        self._entry_index = -1
        self._set_number = 0
        self._set_clock = 0.0
        self._set_reps = 0
        self._set_holds = 0
        self._rest_s = 0.0
        self._rest_then: tuple[int, int] = (0, 1)  # (entry index, set number) after the rest
        self._rest_monitor: FlexionMonitor | None = None
        self._said_get_ready = False
        self._banner: Cue | None = None
        self._done_s = math.nan
        self._between_state: FrameState | None = None  # the overlay's state outside the exercise stage

    def sentences(self) -> list[str]:
        """Sentences this session will probably say, most urgent first (to render speech ahead of time)."""
        counts = [str(n) for n in range(1, max([e.reps or 0 for e in self.entries] + [12]) + 1)]
        fixed = [HINGE, STOP_FLEXION, TWIST, SLOWER, NOT_SEEN, STAND_STILL, f"That's right. {CALIBRATE}", CALIBRATE]
        fixed += [CALIBRATED, CHAIR_NEAR, *(unsafe_text(p) for p in UNSAFE_PATTERNS)]
        fixed += [problem.message for problem in SETUP_PROBLEMS] + [view_advice(None, View.FRONT), "Get ready."]
        intros = [
            text for e in self.entries for text in (_intro_text(e), *(_set_text(e, n) for n in range(1, e.sets + 1)))
        ]
        praise = [f"Great, {n} more." for n in range(1, 12)]
        return list(dict.fromkeys([*counts, *fixed, *intros, *praise]))

    # -- the running entry ---------------------------------------------------------------------------
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
        return 0.0 if math.isnan(self._done_s) else self._clock - self._done_s

    # -- inputs -------------------------------------------------------------------------------------------
    def start(self, t_s: float) -> list[Cue]:
        """Opening cues: the pain rule (every session, DESIGN.md), a chair within reach, the set-up."""
        self._last_t = t_s
        cues = [*self.policy.start(t_s), Cue(t_s, CueKind.INFO, CHAIR_NEAR)]
        if len(self.entries) > 1:
            cues.append(Cue(t_s, CueKind.INFO, f"Today: {self.programme.name}."))
        said = [c for cue in cues for c in self._say([cue])]  # one by one: the pain rule comes first
        if self.config.setup_check:
            return said  # problems are spoken as they are found; a good set-up needs no words
        return said + self._after_setup(t_s)

    def update(self, pose: PoseFrame, brightness: float = math.nan) -> list[Cue]:
        """One frame. ``brightness``: mean grey level of the picture (0-255), NaN if unknown."""
        t = pose.t_s
        if math.isnan(self._last_t):
            self._last_t = t
        step = min(max(t - self._last_t, 0.0), MAX_STEP_S)
        self._last_t = t
        if self.paused or self.stage is Stage.DONE:
            if self.stage is Stage.DONE:
                self._clock += step
            return []
        self._clock += step
        # Movements to avoid are watched for in every stage (automatic recognition: in _update_exercise).
        cues = self._watch(pose) if self.recogniser is None else []
        if self.stage is Stage.SETUP:
            return cues + self._update_setup(pose, brightness)
        if self.stage is Stage.CALIBRATING:
            return cues + self._update_calibration(pose)
        if self.stage is Stage.REST:
            return cues + self._update_rest(pose)
        return cues + self._update_exercise(pose)

    def toggle_pause(self, t_s: float) -> list[Cue]:
        if self.stage is Stage.DONE:
            return []
        self.paused = not self.paused
        text = "Paused. Press space to carry on." if self.paused else "Let's carry on."
        return self._say([Cue(t_s, CueKind.INFO, text)])

    def next_entry(self, t_s: float) -> list[Cue]:
        """The "n" key: skip the set-up, or end this exercise and start the next one (no rest)."""
        if self.stage in (Stage.SETUP, Stage.CALIBRATING):
            self.notes.append(f"The {self.stage.value} step was skipped with the N key at {t_s:.1f} s.")
            return self._begin_entry(0, t_s)
        if self.stage is Stage.DONE:
            return []
        cues = self._close_run(t_s)
        if self.recogniser is not None:  # automatic: wait for the next exercise to be recognised
            if self.unsafe is not None:  # its windows start again: so does the watching
                cues += self._unsafe_events(self.unsafe.finish(t_s))
                self.unsafe.reset()
            self.recogniser.reset()
            self._candidate, self._streak = "", 0
            return cues + self._begin_entry(len(self.entries), t_s)
        if self.stage is Stage.REST:
            following = self._rest_then[0] if self._rest_then[0] != self._entry_index else self._entry_index + 1
        else:
            following = self._entry_index + 1
        self.paused = False
        if following < len(self.entries):
            return cues + self._begin_entry(following, t_s)
        return cues + self._finish_programme(t_s)

    def finish(self, t_s: float, reason: str) -> list[Cue]:
        """End the session now (the programme finished, "q", Ctrl+C, or the camera source ended)."""
        if not self.ended_by:
            self.ended_by = reason
        cues = self._unsafe_events(self.unsafe.finish(t_s)) if self.unsafe is not None else []
        cues += self._close_run(t_s)
        if self._rest_monitor is not None:
            self._file(self._rest_monitor.finish())
            self._rest_monitor = None
        if self.stage is not Stage.DONE:
            cues += self._finish_programme(t_s)
        return cues

    def announce(self, cues: list[Cue]) -> list[Cue]:
        """Cues from outside the coach (e.g. "I've lost the camera"), through the same policy and record."""
        return self._say(cues)

    # -- stages ---------------------------------------------------------------------------------------------
    def _enter(self, stage: Stage) -> None:
        self.stage = stage
        self._stage_clock = self._clock

    def _features(self, pose: PoseFrame) -> FrameFeatures:
        """Features of a frame outside the exercise stage, and the overlay state they give."""
        f = compute_features(pose)
        self._between_state = FrameState(
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

    def _update_setup(self, pose: PoseFrame, brightness: float) -> list[Cue]:
        t = pose.t_s
        report = self._setup.check(pose, self._features(pose), brightness)
        self.setup_report = report
        if report.ok:
            if math.isnan(self._setup_ok_since):
                self._setup_ok_since = self._clock
            if self._clock - self._setup_ok_since >= self.config.setup_ok_s:
                return self._after_setup(t, confirmed=True)
            return []
        self._setup_ok_since = math.nan
        if self._clock - self._stage_clock >= self.config.setup_timeout_s:
            problems = "; ".join(p.message for p in report.problems)
            self.notes.append(f"The set-up check was not passed within {self.config.setup_timeout_s:g} s: {problems}")
            cue = Cue(t, CueKind.SETUP, "Let's start anyway. " + report.message)
            return self._say([cue]) + self._after_setup(t)
        return self._say([Cue(t, CueKind.SETUP, report.message)])

    def _after_setup(self, t_s: float, confirmed: bool = False) -> list[Cue]:
        if self.config.calibrate:
            self._enter(Stage.CALIBRATING)
            self._calibrator.reset()
            return self._say([Cue(t_s, CueKind.SETUP, f"That's right. {CALIBRATE}" if confirmed else CALIBRATE)])
        self.notes.append("Calibration was not done: the neutral posture is learnt from the first upright second.")
        return self._begin_entry(0, t_s)

    def _update_calibration(self, pose: PoseFrame) -> list[Cue]:
        t = pose.t_s
        result = self._calibrator.update(pose, self._features(pose))
        if result is not None:
            self.neutral, self.calibration = result.neutral, result
            return self._file([result.event]) + self._begin_entry(0, t)
        if self._clock - self._stage_clock >= self.config.calibration_timeout_s:
            why = self._calibrator.reason or "not steady"
            self.notes.append(
                f"Calibration was not done ({why} within {self.config.calibration_timeout_s:g} s): "
                "the neutral posture is learnt from the first upright second instead."
            )
            return self._begin_entry(0, t)
        if self._calibrator.reason == "no side view":
            return self._say([Cue(t, CueKind.SETUP, "Turn sideways to the camera, so I can see your posture.")])
        if self._calibrator.reason in ("moving", "knees bent", "not upright"):
            return self._say([Cue(t, CueKind.SETUP, STAND_STILL)])
        return []

    def _begin_entry(self, index: int, t_s: float) -> list[Cue]:
        if index >= len(self.entries):  # automatic recognition: wait for the person to start
            self._enter(Stage.EXERCISE)
            self._entry_index = index
            return self._say([Cue(t_s, CueKind.INFO, "Start your exercise when you are ready. I will recognise it.")])
        self._entry_index = index
        entry = self.entries[index]
        run = EntryRun(index=index, entry=entry, started_s=t_s)
        spec = entry.spec
        if spec is not None:
            analyser = ExerciseAnalyser(spec, entry.flexion, neutral=self.neutral)
            result = SessionResult(source=self.source, mode="live", spec=spec, estimator=self.estimator, fps=self.fps)
            # One policy for the session: cooldowns hold across its entries.
            run.recorder = SessionRecorder(
                result, analyser, store=self.session_log, policy=self.policy, opening_cues=False
            )
            run.result = result
        self.runs.append(run)
        counted = spec is not None and spec.kind is Kind.COUNTED
        self.policy.config = replace(self.policy.config, min_rep_s=entry.min_rep_s if counted else 0.0)
        cues = [Cue(t_s, CueKind.INFO, _intro_text(entry))]
        advice = view_advice(spec, self.setup_report.view) if self.setup_report is not None else ""
        if advice:
            cues.append(Cue(t_s, CueKind.SETUP, advice))
        return self._say(cues) + self._begin_set(1, t_s)

    def _begin_set(self, number: int, t_s: float) -> list[Cue]:
        entry = self.entries[self._entry_index]
        self._enter(Stage.EXERCISE)
        self._set_number = number
        self._set_clock = self._clock
        self._set_reps = self._set_holds = 0
        run = self.run
        analyser = run.analyser if run is not None else None
        first = analyser.reps.count + 1 if analyser is not None else 1
        counted = entry.spec is not None and entry.spec.kind is Kind.COUNTED
        self.policy.begin_set(entry.reps if counted and entry.duration_s is None else None, first_number=first)
        text = _set_text(entry, number)
        return self._say([Cue(t_s, CueKind.INFO, text)]) if text else []

    def _update_exercise(self, pose: PoseFrame) -> list[Cue]:
        cues: list[Cue] = []
        if self.recogniser is not None:
            recognitions = self.recogniser.update(pose)
            if self.unsafe is not None:
                cues += self._unsafe_events(self.unsafe.observe(pose, recognitions, self._flexion_now()))
            for event in recognitions:
                cues += self._recognised(event, pose.t_s)
        run = self.run
        if run is None:  # automatic recognition, nothing recognised yet
            self._features(pose)
            return cues
        entry = run.entry
        if run.recorder is not None and run.result is not None:
            result = run.result
            n_reps, n_holds = len(result.reps), len(result.holds)
            step = run.recorder.step(pose)
            self._set_reps += sum(1 for r in result.reps[n_reps:] if r.complete)
            self._set_holds += sum(1 for h in result.holds[n_holds:] if h.complete)
            self._record(step, run)
            cues += step
        if self._set_goal_reached(entry):
            cues += self._end_set(pose.t_s)
        return cues

    def _recognised(self, event: Event, t_s: float) -> list[Cue]:
        """Automatic recognition: switch to an exercise recognised twice in a row. Unsafe patterns
        are never coached (the unsafe-pattern watcher warns about them)."""
        label = str(getattr(event, "label", ""))
        self._streak = self._streak + 1 if label == self._candidate else 1
        self._candidate = label
        spec = EXERCISES.get(label)
        if spec is None or self._streak != RECOGNISED_AFTER or spec.kind is Kind.UNSAFE:
            return []
        entry = self.entry
        if entry is not None and entry.exercise == label:
            return []
        cues = self._close_run(t_s)
        self.entries.append(single_exercise(label).entries[0])
        said = self._say([Cue(t_s, CueKind.INFO, f"That looks like: {spec.name}. I will count.")])
        return cues + said + self._begin_entry(len(self.entries) - 1, t_s)

    def _watch(self, pose: PoseFrame) -> list[Cue]:
        return self._unsafe_events(self.unsafe.update(pose, self._flexion_now())) if self.unsafe is not None else []

    def _flexion_now(self) -> float:
        """The back's last judged rounding over neutral (the set's analyser, or in a rest the rest
        monitor); NaN when nothing judges it (set-up, calibration, a front view)."""
        run = self.run
        if run is not None and run.analyser is not None:
            return run.analyser.flexion.flexion_deg
        if self._rest_monitor is not None:
            return self._rest_monitor.flexion_deg
        return math.nan

    def _unsafe_events(self, events: list[Event]) -> list[Cue]:
        """A movement to avoid: the warning now; the episode filed with the entry being done (or, in a
        rest, just done) and kept for the session's report."""
        self.unsafe_movements += [e for e in events if isinstance(e, UnsafeMovementEnded)]
        return self._file(events)

    def _unsafe_so_far(self, in_progress: bool) -> list[UnsafeMovementEnded]:
        """The session's episodes; for a checkpoint, the open one too (up to its last window)."""
        current = self.unsafe.current if in_progress and self.unsafe is not None else None
        return [*self.unsafe_movements, *([current] if current is not None else [])]

    def _set_goal_reached(self, entry: ProgrammeEntry) -> bool:
        if entry.duration_s is not None:
            return self._clock - self._set_clock >= entry.duration_s
        if entry.reps is None:
            return False
        return (self._set_holds if entry.is_hold else self._set_reps) >= entry.reps

    def _end_set(self, t_s: float) -> list[Cue]:
        run = self.run
        assert run is not None
        entry = run.entry
        run.sets_done += 1
        if run.sets_done < entry.sets:
            if entry.rest_s <= 0:
                return self._say([Cue(t_s, CueKind.PRAISE, "Set complete.")]) + self._begin_set(run.sets_done + 1, t_s)
            text = f"Set complete. Rest for {entry.rest_s:g} seconds."
            return self._say([Cue(t_s, CueKind.INFO, text)]) + self._begin_rest(entry, (run.index, run.sets_done + 1))
        run.finished = True
        cues = self._close_run(t_s)
        following = run.index + 1
        if following >= len(self.entries):
            return cues + self._finish_programme(t_s)
        upcoming = self.entries[following]
        if entry.rest_s <= 0:
            return cues + self._say([Cue(t_s, CueKind.PRAISE, "Well done.")]) + self._begin_entry(following, t_s)
        text = f"Well done. Rest for {entry.rest_s:g} seconds. Next: {upcoming.name}."
        return cues + self._say([Cue(t_s, CueKind.INFO, text)]) + self._begin_rest(entry, (following, 1))

    def _begin_rest(self, entry: ProgrammeEntry, then: tuple[int, int]) -> list[Cue]:
        self._enter(Stage.REST)
        self._rest_s = entry.rest_s
        self._rest_then = then
        self._said_get_ready = entry.rest_s <= self.config.get_ready_s  # a short rest needs no warning
        self._rest_monitor = FlexionMonitor(entry.flexion, self.neutral)  # the back is watched in rests too
        return []

    def _update_rest(self, pose: PoseFrame) -> list[Cue]:
        t = pose.t_s
        cues: list[Cue] = []
        if self._rest_monitor is not None:
            features = self._features(pose)
            cues += self._file(self._rest_monitor.update(features))
            flexed = self._rest_monitor.state is FlexionState.FLEXED
            if flexed and self._between_state is not None:
                self._between_state = replace(self._between_state, flexed=True)
        left = self._rest_s - (self._clock - self._stage_clock)
        if left <= self.config.get_ready_s and not self._said_get_ready:
            self._said_get_ready = True
            cues += self._say([Cue(t, CueKind.INFO, "Get ready.")])
        if left > 0:
            return cues
        if self._rest_monitor is not None:
            cues += self._file(self._rest_monitor.finish())
            self._rest_monitor = None
        index, number = self._rest_then
        if index == self._entry_index and self.run is not None:
            return cues + self._begin_set(number, t)
        return cues + self._begin_entry(index, t)

    def _file(self, events: list[Event]) -> list[Cue]:
        """Events from outside an entry's own analysis (the flexion monitor of a rest, the watcher for
        movements to avoid, calibration): filed by the recorder of the entry being done or just done
        (its report, the history, the policy); before any entry, into the history and the policy."""
        if not events:
            return []
        recorder = next((r.recorder for r in reversed(self.runs) if r.recorder is not None), None)
        cues = recorder.file(events) if recorder else file_events(events, self.policy, log=self.session_log)
        self._record(cues, self.run)
        return cues

    def _close_run(self, t_s: float) -> list[Cue]:
        run = self.run
        if run is None:
            return []
        cues: list[Cue] = []
        if run.recorder is not None:
            cues = run.recorder.finish()
            self._record(cues, run)
        run.ended = True
        if not run.finished and not run.entry.open_ended:
            self.notes.append(
                f"{run.entry.name}: stopped after {run.sets_done} of {run.entry.sets} "
                f"set{'s' if run.entry.sets != 1 else ''} ({t_s:.1f} s)."
            )
        return cues

    def _finish_programme(self, t_s: float) -> list[Cue]:
        self._enter(Stage.DONE)
        self._done_s = self._clock
        if not self.ended_by:
            self.ended_by = "finished"
        return self._say([Cue(t_s, CueKind.INFO, self.summary())])

    # -- cues -------------------------------------------------------------------------------------------------
    def _say(self, cues: list[Cue]) -> list[Cue]:
        """Say the coach's own words: admitted by the policy, filed in the history, recorded."""
        said = self.policy.admit(cues)
        file_cues(said, log=self.session_log)
        self._record(said, self.run)
        return said

    def _record(self, cues: list[Cue], run: EntryRun | None) -> None:
        for cue in cues:
            self.cues.append(cue)
            if run is not None:
                run.cues.append(cue)
            if (
                self._banner is None
                or cue.t_s - self._banner.t_s > self.config.banner_s
                or PRIORITY[cue.kind] <= PRIORITY[self._banner.kind]
            ):
                self._banner = cue

    # -- outputs ----------------------------------------------------------------------------------------------
    def summary(self) -> str:
        results = [r.result for r in self.runs if r.result is not None]
        reps = sum(r.rep_count for r in results)
        holds = sum(1 for r in results for h in r.holds if h.complete)
        flexions = sum(len(r.flexion_events) for r in results)
        done = [f"{reps} rep{'s' if reps != 1 else ''}"]
        if holds:
            done.append(f"{holds} hold{'s' if holds != 1 else ''}")
        judged = sum(n for r in results for v, n in r.view_counts.items() if v in {s.value for s in SUITABLE_VIEWS})
        if flexions:
            back = f"{flexions} back rounding warning{'s' if flexions != 1 else ''}."
        elif judged:
            back = "Your back stayed straight."
        else:
            back = "Your back could not be checked from this view."
        unsafe = len(self.unsafe_movements)
        if unsafe:
            back += f" {unsafe} warning{'s' if unsafe != 1 else ''} about movements to avoid."
        return f"Session complete: {' and '.join(done)}. {back} Well done."

    def view(self, t_s: float) -> CoachView:
        banner = self._banner.text if self._banner and t_s - self._banner.t_s <= self.config.banner_s else ""
        common: dict[str, Any] = {"cue": banner, "paused": self.paused}
        message = "PAUSED - press SPACE to carry on" if self.paused else ""
        stage = self.stage
        if stage is Stage.SETUP:
            report = self.setup_report
            msg = message or (report.message if report and not report.ok else "Hold still...")
            return CoachView(stage, "Set-up check", message=msg, state=self._between_state, **common)
        if stage is Stage.CALIBRATING:
            held = self._calibrator.held_s(t_s)
            count = max(1, math.ceil(self.config.calibration_s - held))
            msg = message or (f"Stand tall and still: {count}" if held > 0 else STAND_STILL)
            return CoachView(stage, "Calibration", message=msg, state=self._between_state, **common)
        if stage is Stage.DONE:
            return CoachView(stage, "Session complete", message=message or self.summary(), **common)
        if self._entry_index >= len(self.entries):
            msg = message or "Start your exercise: I will recognise it."
            return CoachView(stage, "Ready when you are", message=msg, state=self._between_state, **common)
        entry = self.entries[self._entry_index]
        position = f"{entry.phase.label} {self._position(entry)}"
        if stage is Stage.REST:
            rest_left = _clock_text(self._rest_s - (self._clock - self._stage_clock))
            index, number = self._rest_then
            upcoming = self.entries[index]
            after = f"set {number} of {upcoming.sets}" if index == self._entry_index else upcoming.name
            progress = f"Rest {rest_left}  -  next: {after}"
            return CoachView(
                stage,
                "Rest",
                progress=progress,
                message=message or f"Rest {rest_left}",
                state=self._between_state,
                **common,
            )
        run = self.run
        state = run.analyser.state if run is not None and run.analyser is not None else None
        sets = f"Set {self._set_number} of {entry.sets}  -  " if entry.sets > 1 else ""
        if entry.duration_s is not None:
            counter = _clock_text(entry.duration_s - (self._clock - self._set_clock))
            progress = f"{sets}{position}"
        elif entry.is_hold:
            held = state.hold_s if state is not None else 0.0
            counter = f"{held:.0f}s"
            of = f" of {entry.reps}" if entry.reps is not None else ""
            progress = f"{sets}hold {self._set_holds + 1}{of}: {entry.hold_s:g} s  -  {position}"
        elif entry.reps is not None:
            counter = f"{self._set_reps}/{entry.reps}"
            progress = f"{sets}{self._set_reps} of {entry.reps} reps  -  {position}"
        else:
            counter = str(self._set_reps)
            progress = position if len(self.entries) > 1 else ""
        status = f"{entry.how_to}  {entry.tempo}".strip()
        return CoachView(
            stage, entry.name, status=status, counter=counter, progress=progress, message=message, state=state, **common
        )

    def _position(self, entry: ProgrammeEntry) -> str:
        same = [e for e in self.entries if e.phase is entry.phase]
        if len(same) <= 1:
            return ""
        return f"{same.index(entry) + 1} of {len(same)}"

    def results(self) -> list[SessionResult]:
        return [r.result for r in self.runs if r.result is not None]

    def report(self, in_progress: bool = False) -> dict[str, Any]:
        """The session report: for one exercise, exactly the ``review`` format (schema
        ``spinesafe.report/1``); for a programme the same top-level keys over all entries, plus
        ``programme`` and ``exercises`` (one review-format report per entry).

        ``in_progress``: a checkpoint while the session runs (nothing is closed or changed).
        """
        per_run = [(run, self._snapshot(run, in_progress)) for run in self.runs if run.result is not None]
        notes = list(self.notes)
        if in_progress:
            notes.append("Checkpoint: the session was still running when this report was written.")
        if self.ended_by and self.ended_by != "finished" and self._unfinished():
            notes.append(f"The session ended early: {self.ended_by}.")
        if len(self.entries) == 1:
            if per_run:
                result = replace(
                    per_run[0][1],
                    cues=list(self.cues),
                    notes=[*per_run[0][1].notes, *notes],
                    unsafe_movements=self._unsafe_so_far(in_progress),
                )
                return build_report(result, programme=self._programme_json())
            spec = self.entries[0].spec
            if spec is not None:  # ended before the exercise began (e.g. quit in the set-up)
                empty = SessionResult(self.source, "live", spec, self.estimator, self.fps, cues=list(self.cues))
                empty.duration_s = self._last_t if math.isfinite(self._last_t) else 0.0
                empty.notes = [*notes, "The exercise was not started."]
                empty.unsafe_movements = self._unsafe_so_far(in_progress)
                empty.neutral = self.neutral
                return build_report(empty, programme=self._programme_json())
        return build_programme_report(
            [result for _, result in per_run],
            source=self.source,
            estimator=self.estimator,
            fps=self.fps,
            name=self.programme.name,
            duration_s=self._last_t if math.isfinite(self._last_t) else 0.0,
            cues=self.cues,
            unsafe_movements=self._unsafe_so_far(in_progress),
            neutral=self.neutral,
            notes=notes,
            programme=self._programme_json(),
        )

    def _unfinished(self) -> bool:
        """Whether an entry with a goal (reps, holds or a duration) was left undone."""
        finished = {run.index for run in self.runs if run.finished}
        return any(i not in finished and not e.open_ended for i, e in enumerate(self.entries))

    def _snapshot(self, run: EntryRun, in_progress: bool) -> SessionResult:
        result = run.result
        assert result is not None
        if in_progress and not run.ended and run.analyser is not None:
            return replace(
                result,
                cues=list(run.cues),
                view_counts=run.analyser.view_counts,
                neutral=run.analyser.flexion.neutral,
            )
        return replace(result, cues=list(run.cues))

    def _programme_json(self) -> dict[str, Any]:
        p = self.programme
        done = {run.index: run for run in self.runs}
        return {
            "name": p.name,
            "source": p.source,
            "patient": p.patient,
            "prescribed_by": p.prescribed_by,
            "ended_by": self.ended_by or "running",
            "entries": [
                {
                    "phase": e.phase.value,
                    "name": e.name,
                    "exercise": e.exercise,
                    "goal": e.goal_text,
                    "sets_planned": e.sets,
                    "sets_done": done[i].sets_done if i in done else 0,
                    "finished": bool(i in done and done[i].finished),
                    "started": i in done,
                    "allowed_flexion_deg": e.flexion.caution_deg,
                    "stop_flexion_deg": e.flexion.stop_deg,
                    "min_rep_s": e.min_rep_s,
                }
                for i, e in enumerate(self.entries)
            ],
        }
