"""The live coach's first two stages: the set-up check (whole body in view, distance, light,
camera view) and the calibration of the person's neutral posture ("stand tall for three seconds")."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from spinesafe.classifiers.exercises import ExerciseSpec
from spinesafe.classifiers.setup import Calibration, NeutralCalibrator, SetupCheck, SetupReport
from spinesafe.feedback.cues import Cue, CueKind
from spinesafe.pose.frame import PoseFrame
from spinesafe.session.coach_view import CALIBRATE, STAND_STILL
from spinesafe.session.stages import Stage

if TYPE_CHECKING:
    from spinesafe.session.coach import LiveCoach


class SetupStages:
    """SETUP -> CALIBRATING -> the first entry, for ``coach``: problems are said as they are found,
    a set-up right for ``setup_ok_s`` goes on, and either step gives up (with a note) at its timeout."""

    def __init__(self, coach: LiveCoach, first_spec: ExerciseSpec | None) -> None:
        self.coach = coach
        self.check = SetupCheck(first_spec)
        self.calibrator = NeutralCalibrator(coach.config.calibration_s)
        self.report: SetupReport | None = None  # the last set-up check
        self.calibration: Calibration | None = None
        self._ok_since = math.nan

    def update_setup(self, pose: PoseFrame, brightness: float) -> list[Cue]:
        coach, config, t = self.coach, self.coach.config, pose.t_s
        report = self.check.check(pose, coach.features(pose), brightness)
        self.report = report
        if report.ok:
            if math.isnan(self._ok_since):
                self._ok_since = coach.clock
            if coach.clock - self._ok_since >= config.setup_ok_s:
                return self.after_setup(t, confirmed=True)
            return []
        self._ok_since = math.nan
        if coach.stage_s >= config.setup_timeout_s:
            problems = "; ".join(p.message for p in report.problems)
            coach.notes.append(f"The set-up check was not passed within {config.setup_timeout_s:g} s: {problems}")
            cue = Cue(t, CueKind.SETUP, "Let's start anyway. " + report.message)
            return coach.say([cue]) + self.after_setup(t)
        return coach.say([Cue(t, CueKind.SETUP, report.message)])

    def after_setup(self, t_s: float, confirmed: bool = False) -> list[Cue]:
        coach = self.coach
        if coach.config.calibrate:
            coach.enter(Stage.CALIBRATING)
            self.calibrator.reset()
            return coach.say([Cue(t_s, CueKind.SETUP, f"That's right. {CALIBRATE}" if confirmed else CALIBRATE)])
        coach.notes.append("Calibration was not done: the neutral posture is learnt from the first upright second.")
        return coach.begin_entry(0, t_s)

    def update_calibration(self, pose: PoseFrame) -> list[Cue]:
        coach, t = self.coach, pose.t_s
        timeout_s = coach.config.calibration_timeout_s
        result = self.calibrator.update(pose, coach.features(pose))
        if result is not None:
            coach.neutral, self.calibration = result.neutral, result
            coach.person.calibrated_on(pose)  # the patient is the person who calibrated
            return coach.file([result.event]) + coach.begin_entry(0, t)
        if coach.stage_s >= timeout_s:
            why = self.calibrator.reason or "not steady"
            coach.notes.append(
                f"Calibration was not done ({why} within {timeout_s:g} s): "
                "the neutral posture is learnt from the first upright second instead."
            )
            return coach.begin_entry(0, t)
        if self.calibrator.reason == "no side view":
            return coach.say([Cue(t, CueKind.SETUP, "Turn sideways to the camera, so I can see your posture.")])
        if self.calibrator.reason in ("moving", "knees bent", "not upright"):
            return coach.say([Cue(t, CueKind.SETUP, STAND_STILL)])
        return []
