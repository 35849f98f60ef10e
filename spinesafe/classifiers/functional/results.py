"""What a scored functional test is: its id, the timed phases, the norm applied, the result."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any


class FunctionalTest(enum.Enum):
    """The standard tests (issue 15), by the id reports, programmes and the history use."""

    CHAIR_STAND_30S = "chair_stand_30s"
    FIVE_TIMES_SIT_TO_STAND = "five_times_sit_to_stand"
    FOUR_STAGE_BALANCE = "four_stage_balance"
    TIMED_UP_AND_GO = "timed_up_and_go"
    SPPB = "sppb"

    @property
    def title(self) -> str:
        return TEST_TITLES[self]


TEST_TITLES = {
    FunctionalTest.CHAIR_STAND_30S: "30-second chair stand",
    FunctionalTest.FIVE_TIMES_SIT_TO_STAND: "Five times sit-to-stand",
    FunctionalTest.FOUR_STAGE_BALANCE: "4-stage balance test",
    FunctionalTest.TIMED_UP_AND_GO: "Timed Up and Go",
    FunctionalTest.SPPB: "Short Physical Performance Battery",
}

# The library exercise a reviewed test is also analysed as (its reps or holds, flexion watch).
TEST_EXERCISES = {
    FunctionalTest.CHAIR_STAND_30S: "sit_to_stand",
    FunctionalTest.FIVE_TIMES_SIT_TO_STAND: "sit_to_stand",
    FunctionalTest.FOUR_STAGE_BALANCE: "tandem_stance",
    FunctionalTest.TIMED_UP_AND_GO: "sit_to_stand",
    FunctionalTest.SPPB: "sit_to_stand",
}

# The command line's short spellings (``spinesafe live --test balance``) beside the ids.
TEST_ALIASES = {
    "chair-stand": FunctionalTest.CHAIR_STAND_30S,
    "five-times-sit-to-stand": FunctionalTest.FIVE_TIMES_SIT_TO_STAND,
    "balance": FunctionalTest.FOUR_STAGE_BALANCE,
    "tug": FunctionalTest.TIMED_UP_AND_GO,
}


def parse_test_id(text: str) -> FunctionalTest:
    """A test id or one of its CLI spellings; ValueError naming the valid ones otherwise."""
    value = text.strip().lower()
    if value in TEST_ALIASES:
        return TEST_ALIASES[value]
    try:
        return FunctionalTest(value)
    except ValueError:
        valid = sorted({t.value for t in FunctionalTest} | set(TEST_ALIASES))
        raise ValueError(f"unknown test {text!r}; valid: {', '.join(valid)}") from None


class Sex(enum.Enum):
    FEMALE = "F"
    MALE = "M"


def parse_sex(text: str) -> Sex:
    value = text.strip().upper()[:1]
    if value not in ("F", "M"):
        raise ValueError(f"sex must be F or M, got {text!r}")
    return Sex(value)


@dataclass(frozen=True)
class PhaseSpan:
    """A named part of a test, in seconds from the start of the recording."""

    name: str
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class NormCheck:
    """A published cut-off applied to a result: what it says, where it is from, and the verdict.

    ``flag`` is True when the result is on the worse side of the cut-off (below average,
    increased fall risk); None when no cut-off applies (age outside the table, no result).
    """

    cutoff: str
    source: str
    flag: bool | None
    verdict: str
    threshold: float | None = None  # the number the result is compared with, for plots

    def to_json(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff,
            "source": self.source,
            "flag": self.flag,
            "verdict": self.verdict,
            "threshold": self.threshold,
        }


@dataclass(frozen=True)
class FunctionalResult:
    """One scored test. ``count`` stands (where counted), ``time_s`` the timed result (where
    timed), ``stage_reached`` (balance), ``score`` (the test's own score: stands for the chair
    stand, 0-4 points per SPPB part and 0-12 in total), ``norm`` the cut-off applied."""

    test: FunctionalTest
    count: int | None = None
    time_s: float | None = None
    stage_reached: int | None = None
    score: float | None = None
    norm: NormCheck | None = None
    phases: tuple[PhaseSpan, ...] = ()
    notes: tuple[str, ...] = ()
    parts: dict[str, float | None] = field(default_factory=dict)  # e.g. SPPB sub-scores, stage times

    def to_json(self) -> dict[str, Any]:
        def r(x: float | None, nd: int = 2) -> float | None:
            return None if x is None or not math.isfinite(x) else round(float(x), nd)

        return {
            "id": self.test.value,
            "name": self.test.title,
            "count": self.count,
            "time_s": r(self.time_s),
            "stage_reached": self.stage_reached,
            "score": r(self.score),
            "norm": self.norm.to_json() if self.norm is not None else None,
            "phases": [{"name": p.name, "start_s": r(p.start_s, 3), "end_s": r(p.end_s, 3)} for p in self.phases],
            "parts": {k: r(v) for k, v in self.parts.items()},
            "notes": list(self.notes),
        }
