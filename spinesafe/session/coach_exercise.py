"""The live coach's exercise stage: sets of reps, holds or timed entries, each frame through the
entry's recorder, and with ``--exercise auto`` the switch to each newly recognised exercise."""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

from spinesafe.classifiers.events import Event, FlexionEnded, HoldCompleted, RepCompleted
from spinesafe.classifiers.exercises import EXERCISES, NOT_IN_LIBRARY, Kind
from spinesafe.classifiers.flexion import FlexionConfig, FlexionMonitor
from spinesafe.classifiers.recogniser import IDLE, UNSURE, WINDOW_S
from spinesafe.classifiers.unsafe import FULL_WINDOW_FRACTION
from spinesafe.feedback.cues import Cue, CueKind
from spinesafe.pose.frame import PoseFrame
from spinesafe.session.coach_view import set_text
from spinesafe.session.programme import ProgrammeEntry, single_exercise
from spinesafe.session.stages import Stage

if TYPE_CHECKING:
    from spinesafe.session.coach import LiveCoach

RECOGNISED_AFTER = 2  # the same label this many windows in a row (0.5 s apart) before switching
NOT_KNOWN = "That is not an exercise I know, so I will not count it. I am still watching your back."
# "Not one I know" needs 4 s of windows in a row (two reps of most movements), not 1 s: walking into
# place or fetching a chair after calibration moves like no exercise for a few seconds, and saying
# "not an exercise I know" to that would only confuse. Nothing is counted either way.
UNKNOWN_AFTER = 8
# Once an exercise has counted a rep (or timed a hold), another is named in its place only when it
# holds SWITCH_MAJORITY of the last SWITCH_AFTER windows (4 s, as "not one I know" needs): the
# recogniser's answer between two exercises that move alike (a squat and a chair stand, a single-leg
# stance and marching) can flip for a second within one set, and each flip began a new exercise
# whose catch-up counted a rep again (corpus clips played as the camera: a front-view set of 20
# squats counted 23 in five exercises). A majority, not 8 in a row: a first name that was wrong must
# still give way to the right one through the odd window of a third (a step-up named a squat kept
# that name for 16 s, its step-up windows broken by a marching or squat one every few).
SWITCH_AFTER = 8
SWITCH_MAJORITY = 6
# The recogniser names an exercise 2.5-4 s into it (a 2 s window, then the same answer twice 0.5 s
# apart at its confidence bar), and counting starts there: the frames of the last CATCH_UP_S are
# kept and given to the named exercise's counter, so that a rep done meanwhile is counted too. 8 s
# holds the slowest library rep (a 4-5 s chair stand) begun before the window that named it, with
# the still moment before it that the counter starts from.
CATCH_UP_S = 8.0


class ExerciseStage:
    """The sets of the entry being done (and, for ``--exercise auto``, which exercise it is)."""

    def __init__(self, coach: LiveCoach) -> None:
        self.coach = coach
        self.set_number = 0
        self._set_clock = 0.0
        self.set_reps = 0
        self.set_holds = 0
        # --exercise auto before anything is recognised: the back is watched all the same (what a
        # set's analyser does once an exercise, or a movement it does not know, is recognised).
        self.waiting: FlexionMonitor | None = None
        self.waiting_events: list[FlexionEnded] = []  # for the report when nothing is ever recognised
        # The last CATCH_UP_S of poses, each with the trunk flexion judged on it (for the catch-up),
        # and of full windows' answers (where the window began, the label).
        self._recent: deque[tuple[PoseFrame, float]] = deque()
        self._answers: deque[tuple[float, str]] = deque()

    @property
    def set_s(self) -> float:
        """Session seconds since the current set began."""
        return self.coach.clock - self._set_clock

    def reset_recognition(self) -> None:
        """Wait for the next exercise to be recognised (the "n" key): nothing before is caught up."""
        self._recent.clear()
        self._answers.clear()

    def begin_set(self, number: int, t_s: float) -> list[Cue]:
        coach = self.coach
        entry = coach.entries[coach.entry_index]
        coach.enter(Stage.EXERCISE)
        self.set_number = number
        self._set_clock = coach.clock
        self.set_reps = self.set_holds = 0
        run = coach.run
        analyser = run.analyser if run is not None else None
        first = analyser.reps.count + 1 if analyser is not None else 1
        counted = entry.spec is not None and entry.spec.kind is Kind.COUNTED
        coach.policy.begin_set(entry.reps if counted and entry.duration_s is None else None, first_number=first)
        text = set_text(entry, number)
        return coach.say([Cue(t_s, CueKind.INFO, text)]) if text else []

    def update(self, pose: PoseFrame) -> list[Cue]:
        coach = self.coach
        cues: list[Cue] = []
        if coach.recogniser is not None:
            recognitions = coach.recogniser.update(pose)
            if coach.unsafe is not None:
                cues += coach.unsafe_events(coach.unsafe.observe(pose, recognitions, coach.flexion_now()))
            for event in recognitions:
                cues += self._recognised(event, pose.t_s)
        run = coach.run
        if run is None:  # automatic recognition, nothing recognised yet
            features = coach.features(pose)
            if self.waiting is None:
                self.waiting = FlexionMonitor(FlexionConfig(), coach.neutral)
            cues += self._file_waiting(self.waiting.update(features))
            self._keep(pose, self.waiting.flexion_deg)
            return cues
        entry = run.entry
        if run.recorder is not None and run.result is not None:
            result = run.result
            n_reps, n_holds = len(result.reps), len(result.holds)
            step = run.recorder.step(pose)
            self.set_reps += sum(1 for r in result.reps[n_reps:] if r.complete)
            self.set_holds += sum(1 for h in result.holds[n_holds:] if h.complete)
            coach.record(step, run)
            cues += step
            self._keep(pose, run.recorder.analyser.flexion.flexion_deg)
        if self._goal_reached(entry):
            cues += self.end_set(pose.t_s)
        return cues

    def _keep(self, pose: PoseFrame, flexion_deg: float) -> None:
        """Remember ``pose`` for a catch-up (automatic recognition only) and forget those too old for one."""
        if self.coach.recogniser is None:
            return
        self._recent.append((pose, flexion_deg))
        while self._recent[0][0].t_s < pose.t_s - CATCH_UP_S:
            self._recent.popleft()

    def _recognised(self, event: Event, t_s: float) -> list[Cue]:
        """Automatic recognition: switch to an exercise recognised twice in a row (once the exercise
        being done has counted, in :data:`SWITCH_MAJORITY` of the last :data:`SWITCH_AFTER` windows).
        Unsafe patterns are never coached (the unsafe-pattern watcher warns about them)."""
        coach = self.coach
        if getattr(event, "window_s", WINDOW_S) < FULL_WINDOW_FRACTION * WINDOW_S:
            # The first second or so of watching is judged from a partial window; an exercise is
            # named only from full ones, as review names it (and the catch-up counts what was done
            # meanwhile): a second of someone settling was named a jumping jack.
            return []
        label = str(getattr(event, "label", ""))
        self._answers.append((event.t_s - WINDOW_S, label))
        while self._answers[0][0] < event.t_s - CATCH_UP_S:
            self._answers.popleft()
        spec = NOT_IN_LIBRARY if label == NOT_IN_LIBRARY.id else EXERCISES.get(label)
        if self._has_counted():
            named = [said for _, said in self._answers][-SWITCH_AFTER:].count(label) >= SWITCH_MAJORITY
        else:
            named = self._said_in_a_row(label) == (UNKNOWN_AFTER if spec is NOT_IN_LIBRARY else RECOGNISED_AFTER)
        if spec is None or not named or spec.kind is Kind.UNSAFE:
            return []
        entry = coach.entry
        if entry is not None and entry.exercise == label:
            return []
        if spec is NOT_IN_LIBRARY and coach.run is not None:
            # Once an exercise is being counted, a second of "not one I know" (a rep done
            # differently, a hidden arm) must not close its set: its analyser watches the back.
            return []
        # The poses a catch-up may count: none the exercise before already counted a rep in.
        before = coach.run.result if coach.run is not None else None
        since = max((r.end_s for r in before.reps if r.complete), default=-math.inf) if before else -math.inf
        cues = coach.close_run(t_s) + self.stop_waiting()
        coach.entries.append(single_exercise(label).entries[0])
        # A movement outside the library: nothing to count, but the back is watched as in any set
        # (before, nothing judged it until an exercise of the library was recognised).
        text = NOT_KNOWN if spec is NOT_IN_LIBRARY else f"That looks like: {spec.name}. I will count."
        said = coach.say([Cue(t_s, CueKind.INFO, text)])
        cues += said + coach.begin_entry(len(coach.entries) - 1, t_s)
        run = coach.run
        if run is not None and run.result is not None:  # the report says it was recognised, and how surely
            run.result.exercise_confidence = float(getattr(event, "confidence", 0.0))
            run.result.exercise_sure = True  # named twice in a row at the recogniser's confidence bar
            # What the back watch found before the recognition is reported with the first entry.
            run.result.flexion_events[:0] = self.waiting_events
            self.waiting_events = []
            # A rep whose turning point came before a whole window the recogniser saw as something
            # else (another exercise, a movement it does not know) was that, not this exercise's:
            # the window began after it. (A window's start, not its middle: the recogniser is a
            # window and a smoothing step late, and a rep of the exercise must not be lost.)
            other = [start for start, said in self._answers if said not in (label, IDLE, UNSURE)]
            frames = [(pose, deg) for pose, deg in self._recent if pose.t_s > since]
            cues += self._catch_up(frames, t_s, max(other, default=-math.inf))
        return cues

    def _said_in_a_row(self, label: str) -> int:
        """How many of the last full windows in a row said ``label``."""
        return next((i for i, (_, said) in enumerate(reversed(self._answers)) if said != label), len(self._answers))

    def _has_counted(self) -> bool:
        """The exercise being done has counted a full rep or timed a full hold."""
        run = self.coach.run
        result = run.result if run is not None else None
        return result is not None and (any(r.complete for r in result.reps) or any(h.complete for h in result.holds))

    def _catch_up(self, frames: list[tuple[PoseFrame, float]], t_s: float, other_until_s: float) -> list[Cue]:
        """Count the reps done before the exercise was named (:data:`CATCH_UP_S`) and say how many;
        none whose turning point is at or before ``other_until_s``."""
        run = self.coach.run
        if run is None or run.recorder is None:
            return []
        found = run.recorder.catch_up(frames, other_until_s)
        reps = sum(1 for e in found if isinstance(e, RepCompleted) and e.complete)
        self.set_reps += reps
        self.set_holds += sum(1 for e in found if isinstance(e, HoldCompleted) and e.complete)
        if not reps:
            return []
        # The count cue of a rep found now would be heard seconds late (and the scheduler drops a
        # late count): the counter shows it, and this says it.
        return self.coach.say([Cue(t_s, CueKind.INFO, f"I counted {reps} already.")])

    def stop_waiting(self) -> list[Cue]:
        """An exercise was recognised, or the session ended: the waiting back watch files its last events."""
        if self.waiting is None:
            return []
        monitor, self.waiting = self.waiting, None
        return self._file_waiting(monitor.finish())

    def _file_waiting(self, events: list[Event]) -> list[Cue]:
        self.waiting_events += [e for e in events if isinstance(e, FlexionEnded)]
        return self.coach.file(events)

    def _goal_reached(self, entry: ProgrammeEntry) -> bool:
        if entry.duration_s is not None:
            return self.set_s >= entry.duration_s
        if entry.reps is None:
            return False
        return (self.set_holds if entry.is_hold else self.set_reps) >= entry.reps

    def end_set(self, t_s: float) -> list[Cue]:
        coach = self.coach
        run = coach.run
        assert run is not None
        entry = run.entry
        run.sets_done += 1
        if run.sets_done < entry.sets:
            if entry.rest_s <= 0:
                return coach.say([Cue(t_s, CueKind.PRAISE, "Set complete.")]) + self.begin_set(run.sets_done + 1, t_s)
            text = f"Set complete. Rest for {entry.rest_s:g} seconds."
            return coach.say([Cue(t_s, CueKind.INFO, text)]) + coach.begin_rest(entry, (run.index, run.sets_done + 1))
        run.finished = True
        cues = coach.close_run(t_s)
        following = run.index + 1
        if following >= len(coach.entries):
            return cues + coach.finish_programme(t_s)
        upcoming = coach.entries[following]
        if entry.rest_s <= 0:
            return cues + coach.say([Cue(t_s, CueKind.PRAISE, "Well done.")]) + coach.begin_entry(following, t_s)
        text = f"Well done. Rest for {entry.rest_s:g} seconds. Next: {upcoming.name}."
        return cues + coach.say([Cue(t_s, CueKind.INFO, text)]) + coach.begin_rest(entry, (following, 1))
