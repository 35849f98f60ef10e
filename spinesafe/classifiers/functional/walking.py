"""Timed Up and Go (CDC STEADI; Podsiadlo & Richardson 1991) and the SPPB's 4 m gait speed.

The TUG clock runs from the first forward lean of rising to the hips landing on the seat again;
both come from the hip height over the ankles (metric world landmarks), which does not depend on
where the person is in the picture. The phases between (walk out, turn, walk back, turn and
sit) need the walk to be seen across the picture: a turn is where the hips stop travelling, at
the far end of the walk and back at the chair.
Distances walked are the hips' travel across the picture scaled by the person's own trunk
(pixels per metre at their depth), so they are only measured in a side view.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

import numpy as np

from spinesafe.classifiers.features import View
from spinesafe.classifiers.functional.body import BodySample
from spinesafe.classifiers.functional.norms import tug_norm
from spinesafe.classifiers.functional.results import FunctionalResult, FunctionalTest, PhaseSpan
from spinesafe.classifiers.functional.rising import height_fraction, landing, rise_onset, seated_height_m, seated_runs

STOOD_FRACTION = 0.85  # the hips within 15% of the standing height: up, ready to step
# A walk is seen across the picture when the hips travel at least this far (the TUG walks 3 m).
MIN_TRAVEL_FOR_PHASES_M = 1.0
# Walking: the hips cover ground at over this share of the walk's median speed, measured over
# about one step (the hips sway forward and back within a step). Turning on the spot they barely move.
WALKING_SHARE = 0.4
SPEED_WINDOW_S = 0.5
GAIT_DISTANCE_M = 4.0  # SPPB usual gait speed course (Guralnik 1994)
WALK_DETECT_M = 0.5  # the hips travel this far within WALK_DETECT_S: walking, not a step in place
WALK_DETECT_S = 1.5
MOVING_M_PER_S = 0.1  # slower than this the hips are standing still (sway is < 0.05 m/s)


def _times(samples: Sequence[BodySample]) -> list[float]:
    return [s.t_s for s in samples]


def _first(values: np.ndarray, start: int, test: str, bound: float) -> int | None:
    for i in range(start, len(values)):
        v = values[i]
        if math.isfinite(v) and (v >= bound if test == ">=" else v < bound):
            return i
    return None


def _travel_m(samples: Sequence[BodySample], lo: int, hi: int) -> np.ndarray:
    """Hip travel across the picture in metres from index ``lo`` (NaN where not seen)."""
    scale = [samples[i].px_per_m for i in range(lo, hi) if samples[i].present and math.isfinite(samples[i].px_per_m)]
    px_per_m = float(np.median(scale)) if scale else math.nan
    x = np.array([samples[i].hip_x_px for i in range(lo, hi)], dtype=np.float64)
    finite = np.flatnonzero(np.isfinite(x))
    if not finite.size or not math.isfinite(px_per_m):
        return np.full(hi - lo, np.nan)
    return (x - x[finite[0]]) / px_per_m


def _tug_phases(
    samples: Sequence[BodySample], onset: int, stood: int, sit_start: int, land: int
) -> tuple[list[PhaseSpan], list[str]]:
    t = _times(samples)
    phases = [PhaseSpan("sit-to-stand", t[onset], t[stood])]
    travel = _travel_m(samples, stood, sit_start + 1)
    seen = travel[np.isfinite(travel)]
    if seen.size == 0 or float(np.max(np.abs(seen))) < MIN_TRAVEL_FOR_PHASES_M:
        phases += [PhaseSpan("walk and turn", t[stood], t[sit_start]), PhaseSpan("sit", t[sit_start], t[land])]
        return phases, [
            "The walk was not seen across the picture, so the walk out, turn and walk back are not separated "
            "(a side view from about 4 m that sees the chair and the 3 m mark shows them)."
        ]
    moving = _moving(t[stood : sit_start + 1], travel)
    a0 = _next(moving, _next(moving, 0, True), False)
    a1 = _next(moving, a0, True)
    b0 = _next(moving, a1, False)
    if a0 >= len(moving) or a1 >= len(moving):
        phases += [PhaseSpan("walk and turn", t[stood], t[sit_start]), PhaseSpan("sit", t[sit_start], t[land])]
        return phases, ["The turn at the far end was not seen (the hips never stopped and came back)."]
    a0, a1, b0 = stood + a0, stood + a1, stood + min(b0, len(moving) - 1)
    phases += [
        PhaseSpan("walk out", t[stood], t[a0]),
        PhaseSpan("turn", t[a0], t[a1]),
        PhaseSpan("walk back", t[a1], t[b0]),
        PhaseSpan("turn and sit", t[b0], t[land]),
    ]
    return phases, []


def _moving(t: Sequence[float], travel: np.ndarray) -> list[bool]:
    """Per index, whether the hips travel at walking pace: over SPEED_WINDOW_S (about a step, so the
    sway within a step averages out), faster than WALKING_SHARE of the walk's median speed."""
    speed = np.full(len(t), np.nan)
    for i in range(len(t)):  # centred on the frame
        k = bisect.bisect_left(t, t[i] - SPEED_WINDOW_S / 2)
        j = bisect.bisect_left(t, t[i] + SPEED_WINDOW_S / 2)
        if k < j < len(t) and math.isfinite(travel[k]) and math.isfinite(travel[j]):
            speed[i] = abs(travel[j] - travel[k]) / (t[j] - t[k])
    walking = speed[np.isfinite(speed) & (speed > MOVING_M_PER_S)]
    if not walking.size:
        return [False] * len(t)
    bound = WALKING_SHARE * float(np.median(walking))
    return [bool(math.isfinite(v) and v >= bound) for v in speed]


def _next(flags: list[bool], start: int, value: bool) -> int:
    return next((i for i in range(start, len(flags)) if flags[i] is value), len(flags))


def score_tug(samples: Sequence[BodySample], go_s: float | None = None) -> FunctionalResult:
    """TUG time (first forward lean of rising, or ``go_s``, a live test's "Go" -> hips on the seat),
    its phases, the STEADI 12 s rule."""
    notes: list[str] = []
    runs = seated_runs(samples)
    if not runs:
        return FunctionalResult(
            FunctionalTest.TIMED_UP_AND_GO, norm=tug_norm(None), notes=("The person was never seen seated.",)
        )
    run = runs[0]
    fraction = height_fraction(samples, seated_height_m(samples, run))
    rise = _first(fraction, run[1], ">=", 0.5)
    stood = _first(fraction, rise, ">=", STOOD_FRACTION) if rise is not None else None
    if rise is None or stood is None:
        return FunctionalResult(
            FunctionalTest.TIMED_UP_AND_GO, norm=tug_norm(None), notes=("The person did not stand up.",)
        )
    onset = rise_onset(samples, run, rise)
    if go_s is not None:
        onset = min(bisect.bisect_left(_times(samples), go_s), onset)
    down = _first(fraction, stood, "<", 0.5)
    land = landing(samples, fraction, down) if down is not None else None
    t = _times(samples)
    if land is None or down is None:
        notes.append(
            f"The recording ends {t[-1] - t[onset]:.1f} s after the start without the person sitting back down: "
            "no TUG time (scored over what it holds)."
        )
        phases = [PhaseSpan("sit-to-stand", t[onset], t[stood])]
        return FunctionalResult(
            FunctionalTest.TIMED_UP_AND_GO, norm=tug_norm(None), phases=tuple(phases), notes=tuple(notes)
        )
    sit_start = max((i for i in range(stood, down) if fraction[i] >= STOOD_FRACTION), default=stood)
    phases, phase_notes = _tug_phases(samples, onset, stood, sit_start, land)
    time_s = t[land] - t[onset]
    return FunctionalResult(
        FunctionalTest.TIMED_UP_AND_GO,
        time_s=time_s,
        score=time_s,
        norm=tug_norm(time_s),
        phases=tuple(phases),
        notes=tuple(notes + phase_notes),
    )


def gait_time_4m(samples: Sequence[BodySample]) -> tuple[float | None, PhaseSpan | None, list[str]]:
    """Seconds to walk the 4 m course from a standing start, found in the first walk of the recording."""
    t = _times(samples)
    travel = _travel_m(samples, 0, len(samples))
    start = _walk_start(t, travel)
    if start is None:
        return None, None, ["No walk across the picture was seen: gait speed needs a side view that sees the 4 m."]
    walk_views = [s.view for s in samples[start:] if s.present]
    if walk_views and sum(v is View.FRONT for v in walk_views) > len(walk_views) / 2:
        return (
            None,
            None,
            ["The walk was towards or away from the camera: gait speed needs a side view that sees the 4 m."],
        )
    x0 = travel[start]
    for i in range(start, len(samples)):
        if not math.isfinite(travel[i]) or samples[i].edge:
            covered = float(np.nanmax(np.abs(travel[start:i] - x0))) if i > start else 0.0
            return (
                None,
                None,
                [
                    f"The person left the picture after {covered:.1f} m: gait speed needs a side view that sees the "
                    f"whole {GAIT_DISTANCE_M:g} m."
                ],
            )
        if abs(travel[i] - x0) >= GAIT_DISTANCE_M:
            return t[i] - t[start], PhaseSpan("gait 4 m", t[start], t[i]), []
    covered = float(np.nanmax(np.abs(travel[start:] - x0)))
    return (
        None,
        None,
        [
            f"The walk seen covers {covered:.1f} m: gait speed needs a side view that sees the whole "
            f"{GAIT_DISTANCE_M:g} m."
        ],
    )


def _walk_start(t: list[float], travel: np.ndarray) -> int | None:
    """Where the first real walk (WALK_DETECT_M within WALK_DETECT_S) began: the start of the
    stretch of walking pace (:func:`_moving`) it is part of."""
    moving = _moving(t, travel)
    for i in range(len(t)):
        if not math.isfinite(travel[i]):
            continue
        j = bisect.bisect_left(t, t[i] + WALK_DETECT_S)
        ahead = travel[i : min(j + 1, len(t))]
        ahead = ahead[np.isfinite(ahead)]
        if ahead.size and float(np.max(np.abs(ahead - travel[i]))) >= WALK_DETECT_M:
            k = i
            while k > 0 and moving[k - 1]:
                k -= 1
            while k < j and not moving[k]:
                k += 1
            return k
    return None
