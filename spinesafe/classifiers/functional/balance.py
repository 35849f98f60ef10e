"""The 4-stage balance test (CDC STEADI) and the SPPB balance part: foot placement held, timed.

Stages in order: feet side by side, semi-tandem, tandem, one foot; 10 s each without support, and
the next stage only after a stage is held 10 s. A stance is *held* while the feet are in it (as
far as the view can tell: :func:`~spinesafe.classifiers.functional.body.foot_placement`) and do
not move; a step or a foot put down ends it. The dwell times of the hold timer apply (a posture
held 0.5 s before the clock runs; a release of 0.4 s ends it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from spinesafe.classifiers.functional.body import TWO_FEET, BodySample, Placement
from spinesafe.classifiers.functional.norms import BALANCE_STAGE_S, balance_norm
from spinesafe.classifiers.functional.results import FunctionalResult, FunctionalTest, PhaseSpan
from spinesafe.classifiers.holds import MIN_ENTER_S, MIN_RELEASE_S

STAGES = (Placement.SIDE_BY_SIDE, Placement.SEMI_TANDEM, Placement.TANDEM, Placement.ONE_FOOT)
# The feet moved (a step into the next stance, or a stumble) when the gap between the ankles
# changes by more than this: the stances differ by 10-20 cm, landmark jitter is ~1-2 cm.
STEP_M = 0.05
# Shorter holds are the feet being set (a first try at a stance), not an attempt that failed.
MIN_ATTEMPT_S = 1.0


@dataclass
class _Hold:
    start_s: float
    gap_m: tuple[float, float, float] | None
    bad_since: float | None = None
    frames: int = 0
    ambiguous: int = 0


def _fits(stage: Placement, placements: frozenset[Placement]) -> bool:
    if stage is Placement.ONE_FOOT:
        return placements == frozenset({Placement.ONE_FOOT})
    return stage in placements and Placement.ONE_FOOT not in placements


def _moved(a: tuple[float, float, float] | None, b: tuple[float, float, float] | None) -> bool:
    return a is None or b is None or math.dist(a, b) > STEP_M


@dataclass(frozen=True)
class StageTime:
    stage: Placement
    start_s: float
    held_s: float
    passed: bool
    ambiguous: bool  # the view could not tell this stance from a neighbour for most of it


def time_stages(samples: Sequence[BodySample], stages: Sequence[Placement] = STAGES) -> tuple[list[StageTime], bool]:
    """Each stage's hold in order, until one is not held 10 s; and whether the recording ended mid-hold.

    A hold shorter than MIN_ATTEMPT_S is the feet being set: the stage is tried again, and the
    best such try is its time only when no longer one follows.
    """
    out: list[StageTime] = []
    k = 0
    hold: _Hold | None = None
    entering: float | None = None
    previous_gap: tuple[float, float, float] | None = None
    short_try: StageTime | None = None
    for f in samples:
        if k >= len(stages):
            break
        stage = stages[k]
        ok = _fits(stage, f.placements)
        if hold is None:
            fresh = k == 0 or stage is Placement.ONE_FOOT or _moved(f.ankle_gap_m, previous_gap)
            if ok and fresh:
                entering = f.t_s if entering is None else entering
                if f.t_s - entering >= MIN_ENTER_S:
                    hold = _Hold(entering, f.ankle_gap_m)
            else:
                entering = None
            continue
        still = stage is Placement.ONE_FOOT or not _moved(f.ankle_gap_m, hold.gap_m)
        hold.frames += 1
        hold.ambiguous += len(f.placements & set(TWO_FEET)) > 1
        if ok and still:
            hold.bad_since = None
        elif hold.bad_since is None:
            hold.bad_since = f.t_s
        held = (hold.bad_since if hold.bad_since is not None else f.t_s) - hold.start_s
        if k == 0 and ok and not still and held < BALANCE_STAGE_S:
            hold = _Hold(f.t_s, f.ankle_gap_m)  # feet re-set before the test: the first stance starts again
            continue
        if held >= BALANCE_STAGE_S:
            out.append(_stage_time(stage, hold, BALANCE_STAGE_S, True))
            previous_gap, hold, entering, short_try, k = hold.gap_m, None, None, None, k + 1
        elif hold.bad_since is not None and f.t_s - hold.bad_since >= MIN_RELEASE_S:
            attempt = _stage_time(stage, hold, held, False)
            if held >= MIN_ATTEMPT_S:
                return [*out, attempt], False
            if short_try is None or attempt.held_s > short_try.held_s:
                short_try = attempt
            hold, entering = None, None
    if hold is not None and k < len(stages):
        out.append(_stage_time(stages[k], hold, samples[-1].t_s - hold.start_s, False))
        return out, True
    if short_try is not None:
        out.append(short_try)
    return out, False


def _stage_time(stage: Placement, hold: _Hold, held_s: float, passed: bool) -> StageTime:
    return StageTime(stage, hold.start_s, held_s, passed, hold.frames > 0 and hold.ambiguous > hold.frames / 2)


def stage_notes(times: Sequence[StageTime], ended_mid_hold: bool, stages: Sequence[Placement]) -> list[str]:
    notes = []
    for n, st in enumerate(times, start=1):
        if st.ambiguous:
            others = (
                "semi-tandem from tandem" if st.stage is not Placement.SIDE_BY_SIDE else "side by side from semi-tandem"
            )
            if st.stage is Placement.SEMI_TANDEM:
                others = "semi-tandem from side by side or tandem"
            notes.append(
                f"Stage {n} ({st.stage.label}): this view cannot tell {others}; timed as {st.stage.label} on trust. "
                "A front-oblique view with both feet seen can tell them."
            )
    if ended_mid_hold and times:
        last = times[-1]
        notes.append(
            f"The recording ended {last.held_s:.1f} s into stage {len(times)} ({last.stage.label}): scored over what "
            "it holds."
        )
    elif not times:
        notes.append(f"No {stages[0].label} stance was held: the test did not start.")
    return notes


def score_four_stage_balance(samples: Sequence[BodySample]) -> FunctionalResult:
    """STEADI 4-stage balance: the stage reached, each stage's time, the tandem rule."""
    times, ended = time_stages(samples, STAGES)
    by_stage = {st.stage: st.held_s for st in times}
    tandem = by_stage.get(Placement.TANDEM, 0.0) if times else None
    phases = tuple(PhaseSpan(st.stage.label, st.start_s, st.start_s + st.held_s) for st in times)
    notes = stage_notes(times, ended, STAGES)
    notes.append("Support (a hand on a chair or the wall) is not seen by the camera: the physiotherapist confirms it.")
    return FunctionalResult(
        FunctionalTest.FOUR_STAGE_BALANCE,
        time_s=times[-1].held_s if times else None,
        stage_reached=len(times) if times else 0,
        score=sum(st.passed for st in times),
        norm=balance_norm(tandem),
        phases=phases,
        notes=tuple(notes),
        parts={f"{stage.value}_s": by_stage.get(stage) for stage in STAGES},
    )


def held_or_zero(times: Sequence[StageTime], stage: Placement) -> float:
    for st in times:
        if st.stage is stage:
            return st.held_s
    return 0.0
