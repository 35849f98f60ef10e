"""The set-up check and the neutral calibration of a live session: advisors that run alongside the
exercise, never in front of it.

Counting starts with the first frame. Meanwhile the set-up check (whole body in view, distance,
light, camera view) says what is wrong, each problem at most every 20 s however it is worded
(the cue policy's topics), until the set-up has been right for a second or 30 s have passed; it
never holds the exercise back. The calibration learns the person's neutral posture from upright,
still moments whenever they come (before the first rep, at the top of reps, in a rest), says
when it has it, and hands it to the flexion monitor that is judging the back.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from spinesafe.classifiers.exercises import ExerciseSpec
from spinesafe.classifiers.setup import (
    Calibration,
    Light,
    LightMeter,
    NeutralCalibrator,
    SetupCheck,
    SetupReport,
    measure_light,
)
from spinesafe.feedback.cues import Cue, CueKind
from spinesafe.pose.frame import PoseFrame
from spinesafe.session.coach_view import CALIBRATE, SETUP_RIGHT

if TYPE_CHECKING:
    from spinesafe.session.coach import LiveCoach

# Light changes slowly: measuring it ten times a second is plenty, and keeps the check's cost per
# frame low (a measurement took ~2 ms on this 2-core machine under a load of 11).
LIGHT_EVERY_S = 0.1


class SetupAdvisor:
    """The set-up check and the calibration for ``coach`` (see the module docstring)."""

    def __init__(self, coach: LiveCoach, first_spec: ExerciseSpec | None) -> None:
        self.coach = coach
        self.check = SetupCheck(first_spec)
        self.light = LightMeter()
        self._light_read: tuple[float, Light] | None = None  # (time, light) of the last measurement
        self.calibrator = NeutralCalibrator(coach.config.calibration_s)
        self.report: SetupReport | None = None  # the last set-up check
        self.calibration: Calibration | None = None
        self.checking = coach.config.setup_check  # still advising on the set-up
        self.calibrating = coach.config.calibrate  # still learning the neutral
        self.problems_seen: set[str] = set()  # every set-up problem found ("looks right" once they are fixed)
        self._ok_since = math.nan

    def start(self, t_s: float) -> list[Cue]:
        """Without a set-up check, ask for the calibration at once (otherwise once the set-up is right)."""
        if self.calibrating and not self.checking and self.coach.test is None:  # a test's script places them
            return self.coach.say([Cue(t_s, CueKind.SETUP, CALIBRATE, topic="calibrate")])
        return []

    def update(self, pose: PoseFrame, picture: np.ndarray | None) -> list[Cue]:
        """One frame, after the exercise has seen it. ``picture``: the camera's BGR image (None for a
        landmark replay: light is then not judged)."""
        cues: list[Cue] = []
        if self.checking:
            cues += self._check(pose, picture)
        if self.calibrating:
            cues += self._calibrate(pose)
        return cues

    def skip(self, t_s: float) -> None:
        """The N key before the set-up was right: stop advising (calibration goes on quietly)."""
        if self.checking:
            self.checking = False
            self.coach.notes.append(f"The set-up check was skipped with the N key at {t_s:.1f} s.")

    def close(self) -> None:
        """The session ends: say in the report what was never done."""
        coach = self.coach
        if self.checking and self.report is not None and not self.report.ok:
            problems = "; ".join(p.message for p in self.report.problems)
            coach.notes.append(f"The set-up was still not right when the session ended: {problems}")
        if self.calibrating:
            self.calibrating = False
            coach.notes.append(
                f"Calibration was not done (no {coach.config.calibration_s:g} s of upright, still moments in "
                "a side view): the neutral posture was learnt from the first upright second instead."
            )

    def _check(self, pose: PoseFrame, picture: np.ndarray | None) -> list[Cue]:
        coach, config, t = self.coach, self.coach.config, pose.t_s
        light = self._light(pose, picture)
        report = self.check.check(pose, coach.frame_features(pose), light)
        self.report = report
        self.problems_seen.update(p.key for p in report.problems)
        if report.ok:
            if math.isnan(self._ok_since):
                self._ok_since = coach.clock
            if coach.clock - self._ok_since < config.setup_ok_s:
                return []
            self.checking = False
            # Still time to stand still before starting; a functional test's script says where to be
            # (seated for the chair stands), so there the calibration goes on quietly.
            if self.calibrating and not coach.anything_done and coach.test is None:
                return coach.say([Cue(t, CueKind.SETUP, f"That's right. {CALIBRATE}", topic="calibrate")])
            if self.problems_seen:  # what was wrong has been put right: say so, once
                return coach.say([Cue(t, CueKind.INFO, SETUP_RIGHT)])
            return []
        self._ok_since = math.nan
        if coach.clock >= config.setup_timeout_s:
            self.checking = False
            problems = "; ".join(p.message for p in report.problems)
            coach.notes.append(f"The set-up check was not passed within {config.setup_timeout_s:g} s: {problems}")
            return []
        problem = report.problems[0]
        return coach.say([Cue(t, CueKind.SETUP, problem.message, topic=problem.key)])

    def _light(self, pose: PoseFrame, picture: np.ndarray | None) -> Light | None:
        """The light of the last second, measured at most every LIGHT_EVERY_S (None without a picture)."""
        if picture is None:
            return None
        if self._light_read is None or pose.t_s - self._light_read[0] >= LIGHT_EVERY_S:
            self._light_read = (pose.t_s, self.light.update(pose.t_s, measure_light(picture, pose)))
        return self._light_read[1]

    def _calibrate(self, pose: PoseFrame) -> list[Cue]:
        coach = self.coach
        if coach.person.paused:  # someone else fills the picture: their posture is not the patient's
            return []
        result = self.calibrator.update(pose, coach.frame_features(pose))
        if result is None:
            return []
        self.calibrating = False
        self.calibration = result
        coach.adopt_neutral(result.neutral)
        coach.person.calibrated_on(pose)  # the patient is the person who calibrated
        return coach.file([result.event])
