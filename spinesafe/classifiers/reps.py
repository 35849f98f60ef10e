"""Repetition counting for one exercise: a hysteresis state machine on the primary angle."""

from __future__ import annotations

import enum
import math
from collections import deque

import numpy as np

from spinesafe.classifiers.events import Event, RepCompleted
from spinesafe.classifiers.exercises import CountAt, ExerciseSpec, SideRule
from spinesafe.classifiers.features import FrameFeatures
from spinesafe.classifiers.signals import STEP_HEIGHT, MedianFilter, StepHeight
from spinesafe.classifiers.twist import LEG_LENGTH_M

# A person missing for longer than this ends the rep in progress without counting it: we
# cannot tell what happened meanwhile. Shorter gaps (a few dropped detections) are bridged.
MAX_GAP_S = 1.0
SMOOTHING_WINDOW_S = 0.2
# The person's own rest position is the most rest-like angle of the last this-many seconds.
# Standing knees read 135-150 deg in some front views (wide stance, lens distortion), so a
# fixed 'rest' threshold alone would never see them return to rest.
REST_REFERENCE_WINDOW_S = 30.0
REST_BAND = 1.25  # within this many min_ranges of the own rest position counts as rest
MAX_REST_RELAXATION = 2.5  # the adapted rest threshold moves at most this many min_ranges
# A rep cut by the end of the source counts only if its turning point is in it: the angle came
# back from its extreme by more than landmark jitter (~2-3 deg), stopped moving towards it for a
# moment (a pause at the bottom of a squat), or reached the depth of the person's own earlier
# reps (within min_range). Still on the way down, short of that depth, is not a rep yet.
SETTLE_DEG = 5.0
SETTLE_S = 0.3
PAUSED_TURN_MARGIN = 0.5  # of min_range: how far past the turn a pause must be to be the turn
# A repetition is one cycle out to the turn and back. A seated or tiring person often stops short
# of the start position before the next rep (an arm not lowered fully between raises): a return
# of at least this share of the rep's range, and at least min_range, that then reverses towards
# the turn by half a min_range ends the rep there. A wobble at the turn is landmark jitter (2-3 deg)
# or a bounce well under min_range (8-30 deg by exercise).
VALLEY_RETURN_SHARE = 0.4
# A rep is counted only when it was seen: its primary signal measured in at least half of its
# frames. Gaps shorter than MAX_GAP_S are bridged, but a "rep" pieced together from a few
# detections among many missing frames is not an observed movement (a camera picked up and panned
# across a gym: 8 detections of passers-by in 26 frames, 31%, made a squat). Every rep counted in
# the corpus has its signal in 100% of its frames.
MIN_REP_SEEN_SHARE = 0.5
# A heel raise pivots on the toes, which stay where they are (ExerciseSpec.toes_planted): a rep over
# which the toes slid further than this is a step or a turn on the spot, not counted. Measured in
# the picture, in metres by the longer leg's image length taken as LEG_LENGTH_M (as the twist
# monitor's planted feet). Corpus: the four real heel-raise reps (a home set seen obliquely, a side
# view) moved the toes 0.04-0.09 m; a man walking up to his phone and turning to face it, counted as
# three heel raises, 0.16-0.28 m. Half an adult foot, 0.12 m: margins 3 and 4 cm, on two real
# heel-raise clips. A rep whose toes were not seen in two frames is not judged by it.
TOES_PLANTED_MAX_SHIFT_M = 0.12
SEEN_HISTORY_S = 60.0  # longer than any rep


class Phase(enum.Enum):
    UNKNOWN = "unknown"  # no position established yet (start, or after losing the person)
    REST = "rest"  # at the start position
    OUT = "out"  # left rest, turning point not yet reached
    TURN = "turn"  # beyond the turning threshold


class RepCounter:
    """Counts reps of ``spec`` from per-frame features.

    The primary angle is median-filtered, then mapped so that moving towards the turning
    point increases it. Entering REST needs the angle beyond ``rest``; entering TURN
    needs it beyond ``turn``: the band between them is the hysteresis that keeps jitter
    from counting. A rep shorter than ``spec.min_rep_s`` is noise. A rep that leaves rest by
    at least ``min_range`` but returns without reaching ``turn`` is reported as
    partial (``complete=False``), never counted.
    """

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self._sign = 1.0 if spec.turn > spec.rest else -1.0
        self._filter = MedianFilter(SMOOTHING_WINDOW_S)
        self._rest_history: deque[tuple[float, float]] = deque()
        self._seen: deque[tuple[float, bool]] = deque()  # (t, primary signal measured) per frame
        self._toes: deque[tuple[float, tuple[float, float, float, float], float]] = deque()  # (t, toes, leg)
        self._step_height = StepHeight()
        self.reset()

    def reset(self) -> None:
        self._filter.reset()
        self._rest_history.clear()
        self._seen.clear()
        self._toes.clear()
        self._step_height.reset()
        self._unknown_min_x = math.inf
        self._unknown_max_x = -math.inf
        self._unknown_start_s = math.nan
        self._unknown_min_s = math.nan
        self.phase = Phase.UNKNOWN
        self.count = 0
        self._last_valid_s = -math.inf
        self._start_s = 0.0
        self._start_truncated = False
        self._rest_x = math.inf  # lowest mapped value at rest (where the rep started from)
        self._extreme_x = -math.inf
        self._extreme_s = 0.0
        self._settle_x = -math.inf  # where the angle last stopped advancing towards the turn
        self._settle_s = 0.0
        self._own_turn_x = math.inf  # the shallowest turn of the reps counted so far
        self._last_x = math.nan
        self._peak_flexion = 0.0
        self._valley_x = math.inf  # the lowest value since the turn (ends a rep short of rest)
        self._valley_s = 0.0
        self._return_x = math.nan  # where a rep cut by the start came back to
        self._last_t = 0.0
        self._turn_x = math.inf  # the turning threshold in force (mapped units)
        self.value_deg = math.nan  # the last filtered primary angle

    def update(self, features: FrameFeatures, trunk_flexion_deg: float = 0.0) -> list[Event]:
        t = features.t_s
        self._last_t = t
        raw = self._primary(features)
        self._seen.append((t, math.isfinite(raw)))
        while self._seen[0][0] < t - SEEN_HISTORY_S:
            self._seen.popleft()
        if self.spec.toes_planted and features.present:
            self._toes.append((t, features.toes_px, features.leg_px))
            while self._toes[0][0] < t - SEEN_HISTORY_S:
                self._toes.popleft()
        if not math.isfinite(raw):
            if t - self._last_valid_s > MAX_GAP_S and self.phase is not Phase.UNKNOWN:
                self._to_unknown()  # person gone: drop the rep in progress
            return []
        self._last_valid_s = t
        value = self._filter.update(t, raw)
        self.value_deg = value
        x = self._sign * value
        self._last_x = x
        rest_x, turn_x = self._thresholds(t, x)
        self._turn_x = turn_x
        if math.isfinite(trunk_flexion_deg):
            self._peak_flexion = max(self._peak_flexion, trunk_flexion_deg)
        events: list[Event] = []

        if self.phase is Phase.UNKNOWN:
            # Wait until the angle has moved by min_range: then we know which end we began at.
            if math.isnan(self._unknown_start_s):
                self._unknown_start_s = t
            if x > self._unknown_max_x:
                self._unknown_max_x, self._extreme_s = x, t
            if x < self._unknown_min_x:
                self._unknown_min_x, self._unknown_min_s = x, t
            # Twice the minimum range: a person stepping into view often shows a bent knee for
            # a moment, which must not pass for a rep cut by the start.
            if self._unknown_max_x - self._unknown_min_x >= 2 * self.spec.min_range:
                moved_to_rest = x - self._unknown_min_x < self._unknown_max_x - x
                if moved_to_rest and self._unknown_max_x >= turn_x:
                    # The source starts (or the person returns) past the turning point.
                    start_s, turn_s, extreme = self._unknown_start_s, self._extreme_s, self._unknown_max_x
                    self._begin(start_s, truncated=True)
                    self.phase = Phase.TURN
                    self._extreme_x, self._extreme_s = extreme, turn_s
                    self._settle_x, self._settle_s = extreme, turn_s
                    if self.spec.count_at is CountAt.TURN:
                        self._count_turn(turn_s, events)
                elif moved_to_rest or x <= rest_x:
                    self._enter_rest(min(x, self._unknown_min_x))
                else:
                    self._begin(self._unknown_min_s, truncated=False)
                    self.phase = Phase.OUT
                    self._rest_x = self._unknown_min_x
                    self._track(x, t)
                    if x >= turn_x:
                        self._enter_turn(x, t, events)
        elif self.phase is Phase.REST:
            if x > rest_x:
                self._begin(t, truncated=False)
                self.phase = Phase.OUT
                self._track(x, t)
            else:
                self._rest_x = min(self._rest_x, x)
        elif self.phase is Phase.OUT:
            self._track(x, t)
            if x >= turn_x:
                self._enter_turn(x, t, events)
            elif x <= rest_x:
                if self._extreme_x - self._rest_x >= self.spec.min_range and t - self._start_s >= self.spec.min_rep_s:
                    events.append(self._rep(t, complete=False))
                self._enter_rest(x)
        elif self.phase is Phase.TURN:
            self._track(x, t)
            if self._returned_short_of_rest(x):
                self._end_at_valley(x, t, turn_x, events)
            elif x <= rest_x:
                # A rep cut by the start has no known start: its duration says nothing.
                long_enough = self._start_truncated or t - self._start_s >= self.spec.min_rep_s
                if self.spec.count_at is CountAt.RETURN and long_enough:
                    self._count_turn(t, events)
                self._enter_rest(x)
        return events

    @property
    def turn_s(self) -> float:
        """When the rep under way reached its extreme so far (the ``turn_s`` its :class:`RepCompleted`
        will carry); NaN at rest or before any rep."""
        return self._extreme_s if self.phase in (Phase.OUT, Phase.TURN) else math.nan

    def finish(self) -> list[Event]:
        """End of the source: a rep whose turning point was reached counts (cut by the end)."""
        events: list[Event] = []
        # A pause just past the turning threshold is as likely the middle of the movement as its
        # end (a step-up cut while the person rises: 23.6 against a turn at 22.5, own reps 90-110).
        paused_past_turn = (
            self._last_t - self._settle_s >= SETTLE_S
            and self._extreme_x >= self._turn_x + PAUSED_TURN_MARGIN * self.spec.min_range
        )
        turned = (
            self._extreme_x - self._last_x >= SETTLE_DEG
            or paused_past_turn
            or self._extreme_x >= self._own_turn_x - self.spec.min_range
        )
        counts = self.spec.count_at is CountAt.RETURN and not self.spec.ends_at_rest
        if self.phase is Phase.TURN and counts and turned:
            self._count_turn(self._last_t, events, truncated=True)
        self._to_unknown()
        return events

    # -- helpers -------------------------------------------------------------------------
    def _to_unknown(self) -> None:
        self.phase = Phase.UNKNOWN
        self._filter.reset()
        self._unknown_min_x = math.inf
        self._unknown_max_x = -math.inf
        self._unknown_start_s = math.nan
        self._unknown_min_s = math.nan

    def _primary(self, features: FrameFeatures) -> float:
        """The primary signal, picking a side by ``spec.sides``."""
        if not features.present:
            return math.nan
        if self.spec.signal == STEP_HEIGHT:
            return self._step_height.update(features.t_s, features.lower_foot_y_px, features.trunk_px)
        if self.spec.sides is SideRule.NONE:
            return features.angle(self.spec.signal)
        sides = [features.angle(f"{self.spec.signal}_{s}") for s in ("left", "right")]
        sides = [v for v in sides if math.isfinite(v)]
        if not sides:
            return math.nan
        if self.spec.sides is SideRule.STRAIGHTER:
            return max(sides)
        return max(sides, key=lambda v: self._sign * v)  # the side further towards the turn

    def _thresholds(self, t: float, x: float) -> tuple[float, float]:
        """(rest, turn) thresholds in mapped units, adapted to the person's own rest position."""
        history = self._rest_history
        while history and history[-1][1] >= x:
            history.pop()  # monotonic deque: the front is the minimum of the window
        history.append((t, x))
        while history[0][0] < t - REST_REFERENCE_WINDOW_S:
            history.popleft()
        spec_rest = self._sign * self.spec.rest
        if self.phase is Phase.UNKNOWN:  # no own rest position known yet
            return spec_rest, self._sign * self.spec.turn
        own_rest = history[0][1]
        band = self.spec.min_range
        rest_x = min(max(spec_rest, own_rest + REST_BAND * band), spec_rest + MAX_REST_RELAXATION * band)
        turn_x = max(self._sign * self.spec.turn, rest_x + self.spec.min_range)
        return rest_x, turn_x

    def _returned_short_of_rest(self, x: float) -> bool:
        """The angle came back from the turn by VALLEY_RETURN_SHARE of the rep's range and is
        heading for the turn again: the rep ended at the valley, short of the rest position."""
        if not math.isfinite(self._valley_x):
            return False
        start = self._rest_x if math.isfinite(self._rest_x) else self._valley_x
        returned = self._extreme_x - self._valley_x
        needed = max(self.spec.min_range, VALLEY_RETURN_SHARE * (self._extreme_x - start))
        return returned >= needed and x - self._valley_x >= self.spec.min_range / 2

    def _end_at_valley(self, x: float, t: float, turn_x: float, events: list[Event]) -> None:
        """Close the rep at the valley and start the next one from there."""
        valley_x, valley_s = self._valley_x, self._valley_s
        long_enough = self._start_truncated or valley_s - self._start_s >= self.spec.min_rep_s
        if self.spec.count_at is CountAt.RETURN and long_enough:
            self._return_x = valley_x
            self._count_turn(valley_s, events)
        self._begin(valley_s, truncated=False)
        self._rest_x = valley_x
        self.phase = Phase.OUT
        self._track(x, t)
        if x >= turn_x:
            self._enter_turn(x, t, events)

    def _begin(self, t: float, truncated: bool) -> None:
        self._start_s = t
        self._start_truncated = truncated
        self._extreme_x = self._settle_x = -math.inf
        self._valley_x = math.inf
        self._peak_flexion = 0.0
        if truncated:
            self._rest_x = math.inf

    def _enter_rest(self, x: float) -> None:
        self.phase = Phase.REST
        self._rest_x = x

    def _enter_turn(self, x: float, t: float, events: list[Event]) -> None:
        self.phase = Phase.TURN
        self._track(x, t)
        if self.spec.count_at is CountAt.TURN:
            self._count_turn(t, events)

    def _count_turn(self, t: float, events: list[Event], truncated: bool = False) -> None:
        """A completed turn: one rep, when it was seen (:data:`MIN_REP_SEEN_SHARE`) and, for an exercise
        done on planted toes, the toes stayed put (:data:`TOES_PLANTED_MAX_SHIFT_M`)."""
        seen = self._seen_share(t)
        if seen < MIN_REP_SEEN_SHARE or self._toes_slid(t):
            events.append(self._rep(t, complete=False, truncated=truncated, seen_share=seen))
            return
        self._own_turn_x = min(self._own_turn_x, self._extreme_x)
        self.count += 1
        events.append(self._rep(t, complete=True, truncated=truncated, seen_share=seen))

    def _seen_share(self, t: float) -> float:
        """The share of the frames from the rep's start to ``t`` in which the primary signal was measured."""
        frames = [seen for s, seen in self._seen if self._start_s <= s <= t]
        return sum(frames) / len(frames) if frames else 1.0

    def _toes_slid(self, t: float) -> bool:
        """The toes moved further than :data:`TOES_PLANTED_MAX_SHIFT_M` from the rep's start to ``t``
        (only for a ``spec.toes_planted`` exercise, and only where they were seen in two frames)."""
        rows = [
            (toes, leg)
            for s, toes, leg in self._toes
            if self._start_s <= s <= t and math.isfinite(leg) and leg > 0 and all(map(math.isfinite, toes))
        ]
        if len(rows) < 2:
            return False
        toes = np.array([toes for toes, _ in rows])
        metres_per_px = LEG_LENGTH_M / float(np.median([leg for _, leg in rows]))
        return bool(np.ptp(toes, axis=0).max() * metres_per_px > TOES_PLANTED_MAX_SHIFT_M)

    def _track(self, x: float, t: float) -> None:
        if x > self._extreme_x:
            if x - self._settle_x > SETTLE_DEG:
                self._settle_x, self._settle_s = x, t
            self._extreme_x = x
            self._extreme_s = t
            self._valley_x = math.inf
        elif x < self._valley_x:
            self._valley_x, self._valley_s = x, t

    def _rep(self, t: float, complete: bool, truncated: bool = False, seen_share: float | None = None) -> RepCompleted:
        # A rep cut by the start has no start position: its range runs to where it came back.
        rest_x = self._rest_x if math.isfinite(self._rest_x) else self._return_x
        if not math.isfinite(rest_x):
            rest_x = self._last_x
        return RepCompleted(
            t_s=t,
            exercise=self.spec.id,
            number=self.count if complete else 0,
            start_s=self._start_s,
            turn_s=self._extreme_s,
            end_s=t,
            range_of_motion_deg=float(self._extreme_x - rest_x),
            turn_angle_deg=float(self._sign * self._extreme_x),
            peak_trunk_flexion_deg=float(self._peak_flexion),
            complete=complete,
            truncated=truncated or self._start_truncated,
            seen_share=self._seen_share(t) if seen_share is None else seen_share,
        )


class NothingCounted:
    """The counter of a movement outside the library (:data:`~spinesafe.classifiers.exercises.NOT_IN_LIBRARY`):
    it counts nothing, as the library has no rule for what a rep of it is. The analyser's flexion and
    twist monitors run beside it as for any exercise."""

    count = 0
    value_deg = math.nan

    def reset(self) -> None:
        pass

    def update(self, features: FrameFeatures, trunk_flexion_deg: float = 0.0) -> list[Event]:
        return []

    def finish(self) -> list[Event]:
        return []
