"""The Short Physical Performance Battery (Guralnik et al. 1994) from one recording: the balance
stances, a 4 m walk and five chair stands, each found where it happens and scored 0-4."""

from __future__ import annotations

from collections.abc import Sequence

from spinesafe.classifiers.features import FrameFeatures
from spinesafe.classifiers.functional.balance import STAGES, held_or_zero, stage_notes, time_stages
from spinesafe.classifiers.functional.body import BodySample, Placement
from spinesafe.classifiers.functional.chair_stand import score_five_times_sit_to_stand
from spinesafe.classifiers.functional.norms import sppb_balance_points, sppb_chair_points, sppb_gait_points, sppb_norm
from spinesafe.classifiers.functional.results import FunctionalResult, FunctionalTest, PhaseSpan
from spinesafe.classifiers.functional.walking import gait_time_4m

SPPB_STAGES = STAGES[:3]  # side by side, semi-tandem, tandem (no one-foot stance in the SPPB)


def score_sppb(samples: Sequence[BodySample], features: Sequence[FrameFeatures]) -> FunctionalResult:
    times, ended = time_stages(samples, SPPB_STAGES)
    balance = sppb_balance_points(
        held_or_zero(times, Placement.SIDE_BY_SIDE),
        held_or_zero(times, Placement.SEMI_TANDEM),
        held_or_zero(times, Placement.TANDEM),
    )
    gait_s, gait_phase, gait_notes = gait_time_4m(samples)
    gait = sppb_gait_points(gait_s)
    chairs = score_five_times_sit_to_stand(samples, features)
    chair = int(chairs.score or 0) if chairs.time_s is not None else sppb_chair_points(None)
    total = balance + gait + chair
    phases: list[PhaseSpan] = [PhaseSpan(st.stage.label, st.start_s, st.start_s + st.held_s) for st in times]
    if gait_phase is not None:
        phases.append(gait_phase)
    phases += [p for p in chairs.phases if p.name == "test"][:1]
    notes = [*stage_notes(times, ended, SPPB_STAGES), *gait_notes, *(f"Chair stands: {n}" for n in chairs.notes)]
    return FunctionalResult(
        FunctionalTest.SPPB,
        count=chairs.count,
        time_s=None,
        stage_reached=len(times),
        score=total,
        norm=sppb_norm(total),
        phases=tuple(phases),
        notes=tuple(notes),
        parts={
            "balance_points": balance,
            "gait_points": gait,
            "chair_stand_points": chair,
            "gait_4m_s": gait_s,
            "gait_speed_m_s": 4.0 / gait_s if gait_s else None,
            "five_stands_s": chairs.time_s,
            **{f"{stage.value}_s": held_or_zero(times, stage) for stage in SPPB_STAGES},
        },
    )
