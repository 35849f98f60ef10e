"""The live coach's functional-test stage: spoken instructions, "Ready? Go", a large clock, the
count or the stage, and the result spoken at the end (``spinesafe live --test``, ``[[test]]``).

A test is a script of steps, each with its words and when it ends (a time, or a condition on what
has been seen); the frames go through the entry's recorder (flexion is watched as always) and a
:class:`~spinesafe.classifiers.functional.FunctionalTestScorer`, which scores the test when the
script ends (or the test is stopped early with N or Q: scored over what it holds).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spinesafe.classifiers.functional import FunctionalResult, FunctionalTest, FunctionalTestScorer, Sex
from spinesafe.classifiers.functional.balance import time_stages
from spinesafe.classifiers.functional.body import Placement
from spinesafe.classifiers.functional.chair_stand import score_five_times_sit_to_stand
from spinesafe.classifiers.functional.walking import score_tug
from spinesafe.feedback.cues import Cue, CueKind
from spinesafe.pose.frame import PoseFrame

if TYPE_CHECKING:
    from spinesafe.classifiers.features import FrameFeatures
    from spinesafe.session.coach import LiveCoach
    from spinesafe.session.stages import EntryRun

GET_READY_S = 6.0  # from the instructions to "Ready? Go": time to sit or stand in position
STANCE_MAX_S = 20.0  # a balance stance not held 10 s within this (10 s and time to set the feet): stop
MAX_TEST_S = 120.0  # a test step that never ends (nobody sits back down) stops here
CHECK_EVERY_S = 0.5  # how often an end condition that needs the scorer is checked


@dataclass(frozen=True)
class Step:
    """One part of a test's script: ``text`` said at its start; it ends after ``duration_s`` or when
    ``done`` says so (checked every CHECK_EVERY_S), whichever is first. ``clock`` steps are timed."""

    text: str
    duration_s: float
    done: Callable[[FunctionalTestStage], bool] | None = None
    clock: bool = True
    stop_on_timeout: bool = False  # a balance stance: running out of time, or losing it, ends the balance part


INSTRUCTIONS = {
    FunctionalTest.CHAIR_STAND_30S: (
        "Thirty second chair stand. Sit in the middle of the chair, feet flat on the floor, arms crossed over your "
        "chest. When I say go, stand up fully and sit down again, as many times as you can in thirty seconds."
    ),
    FunctionalTest.FIVE_TIMES_SIT_TO_STAND: (
        "Five times sit to stand. Sit in the middle of the chair, arms crossed over your chest. When I say go, "
        "stand up fully and sit down five times, as quickly as you safely can."
    ),
    FunctionalTest.FOUR_STAGE_BALANCE: (
        "Four stage balance test. Keep a chair within reach, but do not hold it. Hold each position for ten "
        "seconds. First, stand with your feet side by side."
    ),
    FunctionalTest.TIMED_UP_AND_GO: (
        "Timed up and go. Sit back in the chair. When I say go, stand up, walk to the line at your normal pace, "
        "turn, walk back and sit down again."
    ),
    FunctionalTest.SPPB: (
        "Short physical performance battery: balance, a short walk and chair stands. Keep a chair within reach. "
        "First, stand with your feet side by side."
    ),
}
STANCE_WORDS = {
    Placement.SIDE_BY_SIDE: "Feet side by side. Go.",
    Placement.SEMI_TANDEM: "Now place the instep of one foot against the big toe of the other. Go.",
    Placement.TANDEM: "Now put one foot directly in front of the other, heel touching toe. Go.",
    Placement.ONE_FOOT: "Now stand on one foot. Go.",
}


def _five_stands(stage: FunctionalTestStage) -> bool:
    """The fifth stand has reached full standing (the rep counter counts a stand on the way up)."""
    if stage.stands_since_go < 5:
        return False
    since = stage.go_index
    return score_five_times_sit_to_stand(stage.scorer.samples[since:], stage.scorer.features[since:]).time_s is not None


def _stance_steps(stances: tuple[Placement, ...]) -> list[Step]:
    """A step per stance; it ends when the stance has been held 10 s (on to the next) or was lost
    sooner, or never taken within STANCE_MAX_S: then the test stops (STEADI, SPPB)."""
    return [
        Step(("Ready? " if k == 0 else "") + STANCE_WORDS[stance], STANCE_MAX_S, _stance_over(k), stop_on_timeout=True)
        for k, stance in enumerate(stances)
    ]


def _stance_over(k: int) -> Callable[[FunctionalTestStage], bool]:
    def over(stage: FunctionalTestStage) -> bool:
        times, ended_mid_hold = time_stages(stage.scorer.samples[stage.go_index :])
        passed = sum(t.passed for t in times)
        if passed > k:
            return True
        if len(times) > passed and not ended_mid_hold:  # this stance was held, then lost before 10 s
            stage.stop_early = True
            return True
        return False

    return over


def _seated_again(stage: FunctionalTestStage) -> bool:
    return score_tug(stage.scorer.samples[stage.go_index :]).time_s is not None


def script(test: FunctionalTest) -> list[Step]:
    """The steps after the instructions (each with its "Go")."""
    if test is FunctionalTest.CHAIR_STAND_30S:
        return [Step("Ready? Go.", 30.0), Step("Stop. Well done.", 0.0, clock=False)]
    if test is FunctionalTest.FIVE_TIMES_SIT_TO_STAND:
        return [Step("Ready? Go.", 60.0, _five_stands), Step("Stop. Well done.", 0.0, clock=False)]
    if test is FunctionalTest.TIMED_UP_AND_GO:
        return [Step("Ready? Go.", MAX_TEST_S, _seated_again), Step("Well done.", 0.0, clock=False)]
    if test is FunctionalTest.FOUR_STAGE_BALANCE:
        return [*_stance_steps(tuple(Placement)), Step("Well done.", 0.0, clock=False)]
    balance = _stance_steps((Placement.SIDE_BY_SIDE, Placement.SEMI_TANDEM, Placement.TANDEM))
    walk = Step("Now walk at your usual pace past the four metre mark. Ready? Go.", 15.0, clock=True)
    chairs = Step(
        "Now sit on the chair, arms crossed. Stand up fully and sit down five times, as quickly as you safely can. "
        "Ready? Go.",
        60.0,
        _five_stands,
    )
    return [*balance, walk, chairs, Step("Well done.", 0.0, clock=False)]


def result_text(result: FunctionalResult) -> str:
    """The result in a sentence or two, as the physiotherapist would say it."""
    norm = f" {result.norm.verdict[0].upper()}{result.norm.verdict[1:]}." if result.norm is not None else ""
    if result.test is FunctionalTest.CHAIR_STAND_30S:
        return f"{result.score:g} stands.{norm}" if result.score is not None else "No stands counted."
    if result.test is FunctionalTest.FIVE_TIMES_SIT_TO_STAND:
        if result.time_s is None:
            return "The five stands were not completed."
        return f"Five stands in {result.time_s:.1f} seconds."
    if result.test is FunctionalTest.FOUR_STAGE_BALANCE:
        return f"You reached stage {result.stage_reached or 0}.{norm}"
    if result.test is FunctionalTest.TIMED_UP_AND_GO:
        return (
            "No time: you did not sit down again."
            if result.time_s is None
            else f"Your time: {result.time_s:.1f} seconds.{norm}"
        )
    return f"Your score: {result.score:g} of 12." if result.score is not None else "No score."


def functional_test_sentences(test: FunctionalTest) -> list[str]:
    """What a test will say (to render its speech ahead of time), results aside."""
    return [INSTRUCTIONS[test], *(step.text for step in script(test))]


def _features_of(run: EntryRun | None, pose: PoseFrame) -> FrameFeatures | None:
    """The features the entry's analyser computed for ``pose`` (not computed twice), if it did."""
    analyser = run.analyser if run is not None else None
    features = analyser.features if analyser is not None else None
    return features if features is not None and features.t_s == pose.t_s else None


class FunctionalTestStage:
    """One functional test being done live (see the module docstring)."""

    def __init__(self, coach: LiveCoach, test: FunctionalTest, *, age: int | None, sex: Sex | None) -> None:
        self.coach = coach
        self.test = test
        self.scorer = FunctionalTestScorer(test, age=age, sex=sex)
        self.steps = script(test)
        self.index = -1  # -1: the instructions (getting ready)
        self._step_clock = coach.clock
        self._go_clock = math.nan
        self._go_t = math.nan  # the pose time of "Go"
        self.go_index = 0
        self._last_check = -math.inf
        self._reps_at_go = 0
        self.stop_early = False
        self.result: FunctionalResult | None = None

    @property
    def step_s(self) -> float:
        return self.coach.clock - self._step_clock

    @property
    def elapsed_s(self) -> float:
        """Seconds since the first "Go" (0 before it)."""
        return 0.0 if math.isnan(self._go_clock) else self.coach.clock - self._go_clock

    @property
    def stands_since_go(self) -> int:
        run = self.coach.run
        if run is None or run.result is None:
            return 0
        return sum(1 for r in run.result.reps if r.complete) - self._reps_at_go

    @property
    def finished(self) -> bool:
        return self.result is not None

    def begin(self, t_s: float) -> list[Cue]:
        return self.coach.say([Cue(t_s, CueKind.INFO, INSTRUCTIONS[self.test])])

    def update(self, pose: PoseFrame) -> list[Cue]:
        """One frame: the recorder and the scorer see it; the script moves on when a step ends."""
        coach = self.coach
        cues: list[Cue] = []
        run = coach.run
        if run is not None and run.recorder is not None:
            step = run.recorder.step(pose)
            coach.record(step, run)
            cues += step
        if self.result is not None:
            return cues
        self.scorer.update(pose, _features_of(run, pose))
        if self._step_over():
            cues += self._next_step(pose.t_s)
        return cues

    def _step_over(self) -> bool:
        if self.index < 0:
            return self.step_s >= GET_READY_S
        step = self.steps[self.index]
        if self.step_s >= step.duration_s:
            self.stop_early = self.stop_early or step.stop_on_timeout
            return True
        if step.done is not None and self.coach.clock - self._last_check >= CHECK_EVERY_S:
            self._last_check = self.coach.clock
            return step.done(self)
        return False

    def _next_step(self, t_s: float) -> list[Cue]:
        if self.index < 0:
            self._go_clock = self.coach.clock
            self._go_t = t_s
            self.go_index = max(0, len(self.scorer.samples) - 1)
            self._reps_at_go = self.stands_since_go
        if self.stop_early:  # a stance lost: past the balance part (the SPPB goes on to its walk)
            self.index = next(i for i in range(self.index + 1, len(self.steps)) if not self.steps[i].stop_on_timeout)
            self.stop_early = False
        else:
            self.index += 1
        self._step_clock = self.coach.clock
        step = self.steps[self.index]
        said = self.coach.say([Cue(t_s, CueKind.INFO, step.text)])
        if self.index == len(self.steps) - 1:
            said += self.finish(t_s)
        return said

    def finish(self, t_s: float) -> list[Cue]:
        """Score the test (over what was seen since "Go") and say the result."""
        if self.result is not None:
            return []
        go = None if math.isnan(self._go_t) else self._go_t
        scorer = FunctionalTestScorer(self.test, age=self.scorer.age, sex=self.scorer.sex, go_s=go)
        scorer.samples = self.scorer.samples[self.go_index :] if not math.isnan(self._go_clock) else []
        scorer.features = self.scorer.features[self.go_index :] if not math.isnan(self._go_clock) else []
        self.result = scorer.result()
        return self.coach.say([Cue(t_s, CueKind.INFO, result_text(self.result))])

    def close(self, run: EntryRun, t_s: float) -> list[Cue]:
        """Score the test (over what it holds, if stopped early) into the entry's report and the history."""
        coach = self.coach
        cues = self.finish(t_s)
        if self.result is not None and run.result is not None:
            run.result.tests.append(self.result)
            log = coach.session_log
            if log is not None:
                from spinesafe.feedback.functional_history import add_test_result

                add_test_result(log.store, log.info.patient, self.result, session_id=log.session_id)
        if not run.finished:
            coach.notes.append(f"{run.entry.name}: stopped at {t_s:.1f} s, before its end; scored over what it holds.")
        return cues

    def end(self, t_s: float) -> list[Cue]:
        """The script is over (its result said): on to the next entry, after this one's rest."""
        coach, run = self.coach, self.coach.run
        assert run is not None
        run.finished = True
        entry = run.entry
        cues = coach.close_run(t_s)
        following = run.index + 1
        if following >= len(coach.entries):
            return cues + coach.finish_programme(t_s)
        if entry.rest_s <= 0:
            return cues + coach.begin_entry(following, t_s)
        text = f"Rest for {entry.rest_s:g} seconds. Next: {coach.entries[following].name}."
        return cues + coach.say([Cue(t_s, CueKind.INFO, text)]) + coach.begin_rest(entry, (following, 1))

    @property
    def clock_shown(self) -> bool:
        return self.index >= 0 and self.steps[self.index].clock and self.result is None

    def progress_text(self) -> str:
        if self.index < 0:
            return "Get ready"
        if self.test in (FunctionalTest.CHAIR_STAND_30S, FunctionalTest.FIVE_TIMES_SIT_TO_STAND):
            return f"{self.stands_since_go} stands"
        if self.test in (FunctionalTest.FOUR_STAGE_BALANCE, FunctionalTest.SPPB) and self.index < 4:
            return f"stage {self.index + 1}"
        return ""
