"""The live coach's stages and the state its parts share: :class:`Stage`, :class:`CoachConfig`
and :class:`EntryRun` (one programme entry as it was done)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from spinesafe.classifiers.analyser import ExerciseAnalyser
from spinesafe.feedback.cues import Cue
from spinesafe.feedback.result import SessionResult
from spinesafe.session.programme import ProgrammeEntry
from spinesafe.session.recorder import SessionRecorder


class Stage(enum.Enum):
    EXERCISE = "exercise"
    REST = "rest"
    DONE = "done"


@dataclass(frozen=True)
class CoachConfig:
    setup_check: bool = True  # advise on the set-up (alongside the exercise, never blocking it)
    setup_ok_s: float = 1.0  # the set-up must stay right this long to count as right
    setup_timeout_s: float = 30.0  # then stop advising (the report notes what was still wrong)
    calibrate: bool = True  # learn the neutral from still, upright moments whenever they come
    calibration_s: float = 3.0  # seconds of such moments in all
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
    cues: list[Cue] = field(default_factory=list)  # said while it ran: its part of the report

    @property
    def analyser(self) -> ExerciseAnalyser | None:
        return self.recorder.analyser if self.recorder is not None else None
