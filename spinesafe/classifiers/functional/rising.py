"""Sitting and standing in a series of :class:`BodySample`: the seat height, how far up the hips
are, the start of a rise (the first forward lean) and the landing back on the seat."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

import numpy as np

from spinesafe.classifiers.functional.body import BodySample

# Seated: the trunk-thigh and knee angles near 90 deg (thighs on the seat). 120 and 130 leave room
# for a reclined trunk and feet set forward, and are far from standing (> 160).
SEATED_MAX_HIP_DEG = 120.0
SEATED_MAX_KNEE_DEG = 130.0
SEATED_MIN_S = 0.3  # seated this long before a rise counts as a seated start
# Seated, the hips are about a shank length above the ankles; standing, a leg length.
SEATED_HEIGHT_OF_LEG = 0.5
# Leaning forward to rise: the trunk tips this much beyond its seated posture. Sitting still the
# inclination wanders by 1-3 deg (breathing, landmark jitter); a rise leans it 20-45 deg.
LEAN_ONSET_DEG = 6.0
LEAN_START_DEG = 1.0
# The seated run includes the lean itself (the hips stay bent as the trunk tips forward), so the
# seated posture is a low percentile of its inclination, not the median.
SEATED_POSTURE_PERCENTILE = 20.0  # within this of the seated posture the lean has not begun
# Sitting down: within this share of the seated-to-standing height the hips are about to land;
# they have landed when they sink slower than LANDED_SPEED_M_S (a sit-down descends at 0.3-1 m/s;
# landmark jitter of ~1 cm over 0.2 s reads as up to 0.05 m/s).
LANDING_FRACTION = 0.25
LANDED_SPEED_M_S = 0.1
LANDING_WINDOW_S = 0.2


def height_fraction(samples: Sequence[BodySample], seated_m: float) -> np.ndarray:
    """(n,) hip height from the seat (0) to standing (1, the leg length); NaN without a person."""
    leg = leg_length_m(samples)
    heights = np.array([s.hip_height_m for s in samples], dtype=np.float64)
    span = leg - seated_m
    if not (math.isfinite(span) and span > 0):
        return np.full(len(samples), np.nan)
    return (heights - seated_m) / span


def leg_length_m(samples: Sequence[BodySample]) -> float:
    legs = [s.leg_length_m for s in samples if s.present and math.isfinite(s.leg_length_m)]
    return float(np.median(legs)) if legs else math.nan


def seated_runs(samples: Sequence[BodySample]) -> list[tuple[int, int]]:
    """[start, end) index ranges where the person sits (hip and knee bent), at least SEATED_MIN_S long."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, s in enumerate([*samples, None]):
        sitting = s is not None and s.present and s.hip_deg <= SEATED_MAX_HIP_DEG and s.knee_deg <= SEATED_MAX_KNEE_DEG
        if sitting and start is None:
            start = i
        elif not sitting and start is not None:
            # A recording that opens seated has its seated start, however short what is left of it.
            opens_seated = not any(s.present for s in samples[:start])
            if opens_seated or samples[i - 1].t_s - samples[start].t_s >= SEATED_MIN_S:
                runs.append((start, i))
            start = None
    return runs


def seated_height_m(samples: Sequence[BodySample], run: tuple[int, int] | None) -> float:
    """The hip height while seated (median of ``run``), else half a leg length (a shank)."""
    if run is not None:
        heights = [samples[i].hip_height_m for i in range(*run) if math.isfinite(samples[i].hip_height_m)]
        if heights:
            return float(np.median(heights))
    return SEATED_HEIGHT_OF_LEG * leg_length_m(samples)


def rise_onset(samples: Sequence[BodySample], seated: tuple[int, int], rise_index: int) -> int:
    """Index of the first forward lean of the rise that leaves the seat at ``rise_index``.

    The seated posture is the median trunk inclination of the seated run. The lean that carries on
    into the rise is the last crossing of LEAN_ONSET_DEG beyond it (jitter stays under that); its
    start is found by following the inclination back down while it keeps falling, to within
    LEAN_START_DEG of the seated posture.
    """
    incl = [samples[i].trunk_inclination_deg for i in range(*seated)]
    incl = [v for v in incl if math.isfinite(v)]
    if not incl:
        return seated[1]
    upright = float(np.percentile(incl, SEATED_POSTURE_PERCENTILE))
    onset = seated[0]
    for i in range(seated[0], rise_index + 1):
        value = samples[i].trunk_inclination_deg
        if math.isfinite(value) and value <= upright + LEAN_ONSET_DEG:
            onset = i + 1
    onset = min(onset, rise_index)
    while onset > seated[0]:
        before, here = samples[onset - 1].trunk_inclination_deg, samples[onset].trunk_inclination_deg
        if not (math.isfinite(before) and math.isfinite(here)) or before > here or before <= upright + LEAN_START_DEG:
            break
        onset -= 1
    return onset


def landing(samples: Sequence[BodySample], fraction: np.ndarray, after: int) -> int | None:
    """The index from ``after`` at which the hips come to rest on the seat.

    Once the hips are within LANDING_FRACTION of the seat height, the landing is where their
    descent slows under LANDED_SPEED_M_S (measured over LANDING_WINDOW_S, longer than the frame
    jitter) or they reach the seat height itself.
    """
    times = [s.t_s for s in samples]
    for i in range(after, len(fraction)):
        if not (math.isfinite(fraction[i]) and fraction[i] <= LANDING_FRACTION):
            continue
        for j in range(i, len(fraction)):
            if math.isfinite(fraction[j]) and fraction[j] <= 0.0:
                return j
            k = bisect.bisect_left(times, times[j] + LANDING_WINDOW_S)
            if k >= len(samples):
                return j
            drop = samples[j].hip_height_m - samples[k].hip_height_m
            if math.isfinite(drop) and drop / (times[k] - times[j]) < LANDED_SPEED_M_S:
                return j
        return i
    return None
