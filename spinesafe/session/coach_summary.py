"""The end of a live session: the spoken summary and the session report (for one exercise the
``review`` JSON format, for a programme the same keys over all its entries; both built by
:mod:`spinesafe.feedback.report`)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from spinesafe.classifiers.exercises import NOT_IN_LIBRARY
from spinesafe.feedback.report import build_programme_report, build_report
from spinesafe.feedback.result import JUDGED_VIEWS, SessionResult
from spinesafe.session.stages import EntryRun

if TYPE_CHECKING:
    from spinesafe.classifiers.events import UnsafeMovementEnded
    from spinesafe.classifiers.exercises import ExerciseSpec
    from spinesafe.session.coach import LiveCoach


def summary_text(coach: LiveCoach) -> str:
    """ "Session complete: 12 reps. Your back stayed straight. Well done." (and what was flagged).
    "Well done" only when something was done; with nothing done it says why (:func:`why_nothing_done`)."""
    results = [r.result for r in coach.runs if r.result is not None]
    reps = sum(r.rep_count for r in results)
    holds = sum(1 for r in results for h in r.holds if h.complete)
    flexions = sum(len(r.flexion_events) for r in results)
    done = [f"{reps} rep{'s' if reps != 1 else ''}"] if reps or not holds else []  # not "0 reps and 2 holds"
    if holds:
        done.append(f"{holds} hold{'s' if holds != 1 else ''}")
    judged = sum(n for r in results for v, n in r.view_counts.items() if v in JUDGED_VIEWS)
    if flexions:
        back = f" {flexions} back rounding warning{'s' if flexions != 1 else ''}."
    elif judged and coach.anything_done:
        back = " Your back stayed straight."
    elif coach.anything_done:
        back = " Your back could not be checked from this view."
    else:
        back = ""
    unsafe = len(coach.unsafe_movements)
    if unsafe:
        back += f" {unsafe} warning{'s' if unsafe != 1 else ''} about movements to avoid."
    if not coach.anything_done:
        return f"Session complete. {why_nothing_done(coach)}{back}"
    return f"Session complete: {' and '.join(done)}.{back} Well done."


# Below this share of frames with a person, "I could not see you most of the time".
SEEN_AT_LEAST = 0.5
# Set-up problems that hide the person from the camera (the rest, e.g. the view, do not stop counting).
UNSEEN_PROBLEMS = ("no_person", "dark", "bright", "head_cut", "feet_cut", "body_unseen", "too_far")


def why_nothing_done(coach: LiveCoach) -> str:
    """Why a session counted nothing, in one sentence: not seen, not seen clearly (the set-up problem
    still there), only part reps, or no movement of the exercise."""
    results = [r.result for r in coach.runs if r.result is not None]
    entry = coach.entries[0] if coach.entries else None
    if coach.entries and all(e.exercise == NOT_IN_LIBRARY.id for e in coach.entries):
        return "Nothing was counted: the movement was not an exercise I know."
    unit = "holds were" if entry is not None and entry.is_hold else "reps were"
    frames = sum(r.frames for r in results)
    seen = sum(r.frames_with_person for r in results)
    if frames and not seen:
        return f"No {unit} counted: I could not see you."
    if frames and seen / frames < SEEN_AT_LEAST:
        return f"No {unit} counted: I could not see you most of the time."
    report = coach.setup.report
    hiding = [p for p in report.problems if p.key in UNSEEN_PROBLEMS] if report is not None else []
    if hiding:
        return f"No {unit} counted: I could not see you clearly. {hiding[0].message}"
    if any(not rep.complete for r in results for rep in r.reps):
        return f"No full {unit.split()[0]} were counted: the movements I saw were not complete ones."
    short = [h for r in results for h in r.holds if not h.complete]
    if short:  # held, but not for the time set (it was "the camera saw no movement of this exercise")
        times = {1: "once", 2: "twice"}.get(len(short), f"{len(short)} times")
        longest = max(h.held_s for h in short)
        return (
            f"No full holds were counted: you held {times}, the longest for {longest:.0f} seconds; "
            f"the aim is {short[0].target_s:g} seconds."
        )
    return f"No {unit} counted: the camera saw no movement of this exercise."


def _nothing_run(
    coach: LiveCoach, spec: ExerciseSpec, duration_s: float, notes: list[str], unsafe: list[UnsafeMovementEnded]
) -> SessionResult:
    """The result of a session in which no entry ran: the session's cues, notes and warnings only."""
    result = SessionResult(coach.source, "live", spec, coach.estimator, coach.fps, cues=list(coach.cues))
    result.duration_s = duration_s
    result.notes = notes
    result.unsafe_movements = unsafe
    result.neutral = coach.neutral
    return result


def session_report(coach: LiveCoach, in_progress: bool = False) -> dict[str, Any]:
    """The session report: for one exercise, exactly the ``review`` format (schema
    ``spinesafe.report/2``) plus ``programme``; for a programme the same top-level keys over all
    entries, plus ``programme`` and ``exercises`` (one review-format report per entry).

    ``in_progress``: a checkpoint while the session runs (nothing is closed or changed).
    """
    per_run = [_snapshot(run, in_progress) for run in coach.runs if run.result is not None]
    notes = list(coach.notes)
    if in_progress:
        notes.append("Checkpoint: the session was still running when this report was written.")
    if coach.ended_by and coach.ended_by != "finished" and _unfinished(coach):
        notes.append(f"The session ended early: {coach.ended_by}.")
    unsafe = coach.unsafe_so_far(in_progress)
    duration_s = coach.last_t if math.isfinite(coach.last_t) else 0.0
    if len(coach.entries) == 1:
        if per_run:
            first = per_run[0]
            result = replace(first, cues=list(coach.cues), notes=[*first.notes, *notes], unsafe_movements=unsafe)
            return build_report(result, programme=programme_json(coach))
        spec = coach.entries[0].spec
        if spec is not None:  # ended before the exercise began (e.g. quit in the set-up)
            empty = _nothing_run(coach, spec, duration_s, [*notes, "The exercise was not started."], unsafe)
            return build_report(empty, programme=programme_json(coach))
    if not coach.entries and coach.recogniser is not None:
        # --exercise auto and nothing was recognised: the review-format report of an unknown,
        # unsure movement with nothing counted, as `review --exercise auto` writes.
        note = "No exercise was recognised: nothing was counted. Give --exercise ID to count one."
        nothing = _nothing_run(coach, NOT_IN_LIBRARY, duration_s, [*notes, note], unsafe)
        nothing.exercise_confidence, nothing.exercise_sure = 0.0, False
        nothing.flexion_events = list(coach.exercise.waiting_events)  # the back was watched while waiting
        return build_report(nothing, programme=programme_json(coach))
    return build_programme_report(
        per_run,
        source=coach.source,
        estimator=coach.estimator,
        fps=coach.fps,
        name=coach.programme.name,
        duration_s=duration_s,
        cues=coach.cues,
        unsafe_movements=unsafe,
        neutral=coach.neutral,
        notes=notes,
        programme=programme_json(coach),
    )


def _unfinished(coach: LiveCoach) -> bool:
    """Whether an entry with a goal (reps, holds or a duration) was left undone."""
    finished = {run.index for run in coach.runs if run.finished}
    return any(i not in finished and not e.open_ended for i, e in enumerate(coach.entries))


def _snapshot(run: EntryRun, in_progress: bool) -> SessionResult:
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


def programme_json(coach: LiveCoach) -> dict[str, Any]:
    """The report's ``programme`` block: the prescription, and how far each entry got."""
    p = coach.programme
    done = {run.index: run for run in coach.runs}
    return {
        "name": p.name,
        "source": p.source,
        "patient": p.patient,
        "prescribed_by": p.prescribed_by,
        "ended_by": coach.ended_by or "running",
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
            for i, e in enumerate(coach.entries)
        ],
    }
