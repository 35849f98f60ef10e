"""What the live coach shows and says in words: the screen (:class:`CoachView`, :func:`coach_view`),
the fixed sentences, and the texts of entries and sets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spinesafe.classifiers.analyser import FrameState
from spinesafe.classifiers.exercises import NOT_IN_LIBRARY, UNSAFE_PATTERNS, Kind
from spinesafe.classifiers.features import View
from spinesafe.classifiers.setup import SETUP_PROBLEMS, view_advice
from spinesafe.feedback.cues import (
    CALIBRATED,
    HINGE,
    NOT_SEEN,
    PAIN_RULE,
    SLOWER,
    SOMEONE_ELSE,
    STOP_FLEXION,
    TWIST,
    unsafe_text,
)
from spinesafe.session.programme import Phase, ProgrammeEntry
from spinesafe.session.stages import Stage

if TYPE_CHECKING:
    from spinesafe.session.coach import LiveCoach

CHAIR_NEAR = "Keep a chair or counter within reach."
CALIBRATE = "Now stand tall and still for three seconds."
SETUP_RIGHT = "Your set-up looks right."
LETS_START = "Let's start."


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


def intro_text(entry: ProgrammeEntry) -> str:
    label = "" if entry.phase is Phase.MAIN else f"{entry.phase.label}: "
    return f"{label}{entry.name}. {entry.how_to}".strip()


def set_text(entry: ProgrammeEntry, number: int) -> str:
    """What is said when set ``number`` of ``entry`` begins ("" for nothing)."""
    counted = entry.spec is not None and entry.spec.kind is Kind.COUNTED and entry.exercise != NOT_IN_LIBRARY.id
    goal = entry.goal_text
    tempo = entry.tempo if counted else ""
    if entry.open_ended:
        text = tempo if not entry.is_hold else f"Hold for {entry.hold_s:g} seconds each time."
    elif entry.sets > 1:
        text = f"Set {number} of {entry.sets}: {goal}. {tempo}"
    else:
        text = f"{goal[0].upper()}{goal[1:]}. {tempo}"
    return text.strip()


def clock_text(seconds: float) -> str:
    s = max(0, math.ceil(seconds))
    return f"{s // 60}:{s % 60:02d}"


def sentences(entries: list[ProgrammeEntry]) -> list[str]:
    """Sentences a session of ``entries`` will probably say, most urgent first (to render speech ahead)."""
    counts = [str(n) for n in range(1, max([e.reps or 0 for e in entries] + [12]) + 1)]
    fixed = [
        PAIN_RULE,
        CHAIR_NEAR,
        HINGE,
        STOP_FLEXION,
        TWIST,
        SLOWER,
        NOT_SEEN,
        f"That's right. {CALIBRATE}",
        CALIBRATE,
    ]
    fixed += [CALIBRATED, SOMEONE_ELSE, SETUP_RIGHT, LETS_START, *(unsafe_text(p) for p in UNSAFE_PATTERNS)]
    fixed += [problem.message for problem in SETUP_PROBLEMS] + [view_advice(None, View.FRONT), "Get ready."]
    intros = [text for e in entries for text in (intro_text(e), *(set_text(e, n) for n in range(1, e.sets + 1)))]
    praise = [f"Great, {n} more." for n in range(1, 12)]
    return list(dict.fromkeys([*counts, *fixed, *intros, *praise]))


def coach_view(coach: LiveCoach, t_s: float) -> CoachView:
    """The screen at ``t_s``: the stage's words, the caption of the moment (a safety cue for as
    long as it is spoken), PAUSED."""
    cue = coach.captions.text(t_s)
    common: dict[str, Any] = {"cue": cue, "paused": coach.paused, "state": coach.between_state}
    message = "PAUSED - press SPACE to carry on" if coach.paused else ""
    stage = coach.stage
    if stage is Stage.DONE:
        return CoachView(stage, "Session complete", message=message or coach.summary(), cue=cue, paused=coach.paused)
    message = message or _getting_ready(coach, t_s)
    if coach.entry_index >= len(coach.entries):
        msg = message or "Start your exercise: I will recognise it."
        return CoachView(stage, "Ready when you are", message=msg, **common)
    if stage is Stage.REST and coach.rest is not None:
        rest = coach.rest
        rest_left = clock_text(rest.left_s)
        index, number = rest.then
        upcoming = coach.entries[index]
        after = f"set {number} of {upcoming.sets}" if index == coach.entry_index else upcoming.name
        progress = f"Rest {rest_left}  -  next: {after}"
        return CoachView(stage, "Rest", progress=progress, message=message or f"Rest {rest_left}", **common)
    return _exercise_view(coach, message, cue)


def _getting_ready(coach: LiveCoach, t_s: float) -> str:
    """While nothing has been done yet: the set-up problem to fix, or the calibration's count
    ("" when there is nothing to say; counting goes on either way)."""
    setup = coach.setup
    if coach.anything_done or coach.person.paused:  # someone else in the picture: that is said instead
        return ""
    report = setup.report
    if setup.checking and report is not None and not report.ok:
        return report.message
    held = setup.calibrator.held_s(t_s)
    if setup.calibrating and held > 0:
        return f"Stand tall and still: {max(1, math.ceil(coach.config.calibration_s - held))}"
    return ""


def _test_view(coach: LiveCoach, message: str, cue: str) -> CoachView:
    """A functional test: a large clock from "Go", the stands or the stage, then the result."""
    test = coach.test
    assert test is not None
    run = coach.run
    state = run.analyser.state if run is not None and run.analyser is not None else None
    counter = clock_text(test.elapsed_s) if test.clock_shown else " "
    if not message and state is not None and state.paused:
        message = SOMEONE_ELSE  # as long as the other person fills the picture
    return CoachView(
        coach.stage,
        test.test.title,
        status="Functional test",
        counter=counter,
        progress=test.progress_text(),
        message=message,
        cue=cue,
        state=state,
        paused=coach.paused,
    )


def _exercise_view(coach: LiveCoach, message: str, cue: str) -> CoachView:
    if coach.test is not None:
        return _test_view(coach, message, cue)
    entry = coach.entries[coach.entry_index]
    position = f"{entry.phase.label} {_position(coach.entries, entry)}"
    run = coach.run
    state = run.analyser.state if run is not None and run.analyser is not None else None
    if not message and state is not None and state.paused:
        message = SOMEONE_ELSE  # as long as the other person fills the picture
    sets = f"Set {coach.exercise.set_number} of {entry.sets}  -  " if entry.sets > 1 else ""
    reps, holds = coach.exercise.set_reps, coach.exercise.set_holds
    watch_only = entry.exercise == NOT_IN_LIBRARY.id  # a movement outside the library: nothing counted
    if entry.duration_s is not None:
        counter = clock_text(entry.duration_s - coach.exercise.set_s)
        progress = f"{sets}{position}"
    elif entry.is_hold:
        held = state.hold_s if state is not None else 0.0
        counter = f"{held:.0f}s"
        of = f" of {entry.reps}" if entry.reps is not None else ""
        progress = f"{sets}hold {holds + 1}{of}: {entry.hold_s:g} s  -  {position}"
    elif entry.reps is not None:
        counter = f"{reps}/{entry.reps}"
        progress = f"{sets}{reps} of {entry.reps} reps  -  {position}"
    elif watch_only:
        counter = "-"  # nothing is counted
        progress = position if len(coach.entries) > 1 else ""
    else:
        counter = str(reps)
        progress = position if len(coach.entries) > 1 else ""
    status = entry.how_to if watch_only else f"{entry.how_to}  {entry.tempo}".strip()
    return CoachView(
        coach.stage,
        entry.name,
        status=status,
        counter=counter,
        progress=progress,
        message=message,
        cue=cue,
        state=state,
        paused=coach.paused,
    )


def _position(entries: list[ProgrammeEntry], entry: ProgrammeEntry) -> str:
    same = [e for e in entries if e.phase is entry.phase]
    if len(same) <= 1:
        return ""
    return f"{same.index(entry) + 1} of {len(same)}"
