"""Chair stands: the 30-second chair stand (CDC STEADI) and five times sit-to-stand (SPPB).

The stands themselves come from the library's sit-to-stand rep counter
(:class:`~spinesafe.classifiers.reps.RepCounter` on ``sit_to_stand``: hip angle, hysteresis,
gaps); this module adds what the protocols ask on top: a stand counts only when the hips and
knees are extended at the top, the clock starts at the first forward lean from the seated start,
a stand over halfway up when the 30 s end counts, and the arms must stay crossed on the chest.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spinesafe.classifiers.events import RepCompleted
from spinesafe.classifiers.exercises import get_exercise
from spinesafe.classifiers.features import FrameFeatures
from spinesafe.classifiers.functional.body import HANDS_OFF_CHEST_MIN, HANDS_ON_CHEST_MAX, BodySample
from spinesafe.classifiers.functional.norms import (
    GURALNIK_1994,
    SPPB_CHAIR_BOUNDS_S,
    chair_stand_norm,
    sppb_chair_points,
)
from spinesafe.classifiers.functional.results import FunctionalResult, FunctionalTest, NormCheck, PhaseSpan, Sex
from spinesafe.classifiers.functional.rising import height_fraction, rise_onset, seated_height_m, seated_runs
from spinesafe.classifiers.reps import RepCounter

CHAIR_STAND_WINDOW_S = 30.0
FIVE_STANDS = 5
# "Stand up completely": hips and knees extended. Standing straight reads 165-180 deg from the
# 3-D landmarks; 155 leaves 10-25 deg for landmark error while a half-crouched top (< 145) fails.
FULL_EXTENSION_DEG = 155.0
HALFWAY = 0.5  # the protocol's rule: over halfway up when time runs out counts
SAT_DOWN_FRACTION = 0.25  # hips back near the seat: the next stand has begun from sitting
ARMS_OFF_MIN_S = 0.3  # a hand off the chest this long (not one frame of a swapped wrist)


@dataclass(frozen=True)
class Stand:
    start_s: float  # the rise, as the rep counter saw it leave the seated position
    full_s: float | None  # when the hips and knees were first both extended; None: never
    index_full: int | None


@dataclass(frozen=True)
class StandAnalysis:
    """The stands after the first seated start, and when the test clock starts."""

    onset_s: float | None  # the first forward lean of the first rise
    stands: tuple[Stand, ...]
    fraction: np.ndarray  # hip height from seat (0) to standing (1), per sample
    notes: tuple[str, ...]


def analyse_stands(samples: Sequence[BodySample], features: Sequence[FrameFeatures]) -> StandAnalysis:
    """Find the seated start and every stand from it (complete or not) with the rep counter."""
    runs = seated_runs(samples)
    if not runs:
        return StandAnalysis(
            None, (), np.full(len(samples), np.nan), ("The person was never seen seated: no seated start.",)
        )
    times = [s.t_s for s in samples]
    counter = RepCounter(get_exercise("sit_to_stand"))
    first_run = runs[0]
    reps: list[RepCompleted] = []
    for f in features[first_run[0] :]:
        reps += [e for e in counter.update(f) if isinstance(e, RepCompleted) and e.complete]
    reps += [e for e in counter.finish() if isinstance(e, RepCompleted) and e.complete]
    if not reps:
        seated = seated_height_m(samples, first_run)
        return StandAnalysis(None, (), height_fraction(samples, seated), ("No stand from the chair was seen.",))
    rise = bisect.bisect_left(times, reps[0].start_s)
    seated_run = max((r for r in runs if r[0] < rise), key=lambda r: r[0], default=first_run)
    fraction = height_fraction(samples, seated_height_m(samples, seated_run))
    onset_s = times[rise_onset(samples, seated_run, rise)]
    stands = []
    for k, rep in enumerate(reps):
        begin = bisect.bisect_left(times, rep.turn_s)
        stop = bisect.bisect_left(times, reps[k + 1].start_s) if k + 1 < len(reps) else len(samples)
        full = _first_full_extension(samples, fraction, begin, stop)
        stands.append(Stand(rep.start_s, times[full] if full is not None else None, full))
    return StandAnalysis(onset_s, tuple(stands), fraction, ())


def _first_full_extension(samples: Sequence[BodySample], fraction: np.ndarray, begin: int, stop: int) -> int | None:
    """The first index in [begin, stop) with hips and knees extended, before sitting back down."""
    for i in range(begin, stop):
        s = samples[i]
        if s.hip_deg >= FULL_EXTENSION_DEG and s.knee_deg >= FULL_EXTENSION_DEG:
            return i
        if math.isfinite(fraction[i]) and fraction[i] < SAT_DOWN_FRACTION and i > begin:
            return None
    return None


def arms_left_chest_s(samples: Sequence[BodySample], start_s: float, end_s: float) -> float | None:
    """When a hand first left the chest for ARMS_OFF_MIN_S within [start_s, end_s], else None."""
    off_since: float | None = None
    for s in samples:
        value = s.wrists_from_chest
        if s.t_s < start_s or s.t_s > end_s or not math.isfinite(value):
            continue
        if value > HANDS_OFF_CHEST_MIN:
            off_since = s.t_s if off_since is None else off_since
            if s.t_s - off_since >= ARMS_OFF_MIN_S:
                return off_since
        elif value <= HANDS_ON_CHEST_MAX:
            off_since = None  # between the two bounds: as it was (hysteresis)
    return None


def _full_stands(analysis: StandAnalysis) -> list[Stand]:
    return [s for s in analysis.stands if s.full_s is not None]


def _stand_phases(stands: Sequence[Stand]) -> tuple[PhaseSpan, ...]:
    return tuple(
        PhaseSpan(f"stand {n}", s.start_s, s.full_s) for n, s in enumerate(stands, start=1) if s.full_s is not None
    )


def _partial_notes(analysis: StandAnalysis, until_s: float) -> list[str]:
    return [
        f"The stand at {s.start_s:.1f} s did not reach full extension of the hips and knees: not counted."
        for s in analysis.stands
        if s.full_s is None and s.start_s <= until_s
    ]


def score_chair_stand_30s(
    samples: Sequence[BodySample],
    features: Sequence[FrameFeatures],
    *,
    age: int | None = None,
    sex: Sex | None = None,
    window_s: float = CHAIR_STAND_WINDOW_S,
    go_s: float | None = None,
) -> FunctionalResult:
    """Full stands in the 30 s from the first forward lean (or from ``go_s``, the spoken "Go" of a
    live test); a stand over halfway up at the end counts."""
    analysis = analyse_stands(samples, features)
    notes = list(analysis.notes)
    if analysis.onset_s is None or not samples:
        return FunctionalResult(
            FunctionalTest.CHAIR_STAND_30S, count=0, score=0, norm=chair_stand_norm(0, age, sex), notes=tuple(notes)
        )
    start = analysis.onset_s if go_s is None else go_s
    end = start + window_s
    last_t = samples[-1].t_s
    if last_t < end:
        notes.append(
            f"The recording holds {last_t - start:.1f} s of the {window_s:g} s test: scored over what it holds."
        )
    counted = [s for s in _full_stands(analysis) if s.full_s is not None and s.full_s <= end]
    count = len(counted)
    if last_t >= end and _over_halfway_at(samples, analysis, counted, end):
        count += 1
        notes.append(f"A stand was over halfway up when the {window_s:g} s ended: counted (the protocol's rule).")
    notes += _partial_notes(analysis, end)
    score = count
    arms_s = arms_left_chest_s(samples, start, min(end, last_t))
    if arms_s is not None:
        notes.append(
            f"The arms left the chest at {arms_s:.1f} s (hands pushing on the thighs or the chair): by the STEADI "
            "protocol a test done with the arms scores 0."
        )
        score = 0
    phases = (PhaseSpan("test", start, min(end, last_t)), *_stand_phases(counted))
    return FunctionalResult(
        FunctionalTest.CHAIR_STAND_30S,
        count=count,
        time_s=min(window_s, last_t - start),
        score=score,
        norm=chair_stand_norm(score, age, sex),
        phases=phases,
        notes=tuple(notes),
        parts={"arms_left_chest_s": arms_s},
    )


def _over_halfway_at(
    samples: Sequence[BodySample], analysis: StandAnalysis, counted: list[Stand], end_s: float
) -> bool:
    """At ``end_s``, a new stand (begun from sitting after the last counted one) is over halfway up."""
    times = [s.t_s for s in samples]
    i_end = min(bisect.bisect_left(times, end_s), len(samples) - 1)
    since = counted[-1].index_full if counted and counted[-1].index_full is not None else 0
    frac = analysis.fraction
    sat_down = any(math.isfinite(frac[i]) and frac[i] < SAT_DOWN_FRACTION for i in range(since, i_end + 1))
    return bool(sat_down and math.isfinite(frac[i_end]) and frac[i_end] > HALFWAY)


def score_five_times_sit_to_stand(
    samples: Sequence[BodySample], features: Sequence[FrameFeatures], go_s: float | None = None
) -> FunctionalResult:
    """Time from the first forward lean of the seated start (or ``go_s``, a live test's "Go") to
    full standing at the fifth stand."""
    analysis = analyse_stands(samples, features)
    notes = list(analysis.notes)
    full = _full_stands(analysis)
    cutoff = (
        f"SPPB chair-stand points: <= {SPPB_CHAIR_BOUNDS_S[0]} s 4, <= {SPPB_CHAIR_BOUNDS_S[1]} s 3, "
        f"<= {SPPB_CHAIR_BOUNDS_S[2]} s 2, slower 1, unable or > 60 s 0"
    )
    if analysis.onset_s is None or len(full) < FIVE_STANDS:
        if analysis.onset_s is not None:
            notes.append(f"Only {len(full)} full stand(s) of the five: the test is not complete (unable).")
        notes += _partial_notes(analysis, math.inf)
        norm = NormCheck(cutoff, GURALNIK_1994, True, "unable: 0 of 4 points", None)
        return FunctionalResult(
            FunctionalTest.FIVE_TIMES_SIT_TO_STAND, count=len(full), score=0, norm=norm, notes=tuple(notes)
        )
    fifth = full[FIVE_STANDS - 1]
    assert fifth.full_s is not None
    start = analysis.onset_s if go_s is None else go_s
    time_s = fifth.full_s - start
    notes += _partial_notes(analysis, fifth.full_s)
    points = sppb_chair_points(time_s)
    arms_s = arms_left_chest_s(samples, start, fifth.full_s)
    if arms_s is not None:
        notes.append(
            f"The arms left the chest at {arms_s:.1f} s: the protocol asks for arms folded; a test done with the "
            "arms scores 0."
        )
        points = 0
    norm = NormCheck(cutoff, GURALNIK_1994, points <= 1, f"{points} of 4 points", SPPB_CHAIR_BOUNDS_S[2])
    return FunctionalResult(
        FunctionalTest.FIVE_TIMES_SIT_TO_STAND,
        count=FIVE_STANDS,
        time_s=time_s,
        score=points,
        norm=norm,
        phases=(PhaseSpan("test", start, fifth.full_s), *_stand_phases(full[:FIVE_STANDS])),
        notes=tuple(notes),
        parts={"arms_left_chest_s": arms_s},
    )
