"""The live coach's rest between sets and exercises: a timer that stops while paused, "get ready"
before it ends, and a flexion monitor that keeps watching the back (what it finds is filed by
the recorder of the entry just done)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

from spinesafe.classifiers.flexion import FlexionMonitor, FlexionState
from spinesafe.feedback.cues import Cue, CueKind
from spinesafe.pose.frame import PoseFrame
from spinesafe.session.programme import ProgrammeEntry

if TYPE_CHECKING:
    from spinesafe.session.coach import LiveCoach


class Rest:
    """One rest after ``entry``; ``then`` is (entry index, set number) to go on with."""

    def __init__(self, coach: LiveCoach, entry: ProgrammeEntry, then: tuple[int, int]) -> None:
        self.coach = coach
        self.rest_s = entry.rest_s
        self.then = then
        self._said_get_ready = entry.rest_s <= coach.config.get_ready_s  # a short rest needs no warning
        self.monitor: FlexionMonitor | None = FlexionMonitor(entry.flexion, coach.neutral)

    @property
    def left_s(self) -> float:
        return self.rest_s - self.coach.stage_s

    @property
    def flexion_deg(self) -> float:
        return self.monitor.flexion_deg if self.monitor is not None else math.nan

    def update(self, pose: PoseFrame) -> list[Cue]:
        """One frame of the rest; at its end the next set or entry begins."""
        coach, t = self.coach, pose.t_s
        cues: list[Cue] = []
        if self.monitor is not None:
            cues += coach.file(self.monitor.update(coach.features(pose)))
            state = coach.between_state
            if self.monitor.state is FlexionState.FLEXED and state is not None:
                coach.between_state = replace(state, flexed=True)
        if self.left_s <= coach.config.get_ready_s and not self._said_get_ready:
            self._said_get_ready = True
            cues += coach.say([Cue(t, CueKind.INFO, "Get ready.")])
        if self.left_s > 0:
            return cues
        cues += self.close()
        return cues + coach.after_rest(self.then, t)

    def close(self) -> list[Cue]:
        """Stop watching (the rest is over, or the session ended): file the monitor's last events."""
        if self.monitor is None:
            return []
        cues = self.coach.file(self.monitor.finish())
        self.monitor = None
        return cues
