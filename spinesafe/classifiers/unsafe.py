"""Unsafe-pattern watching: warn once per episode of a movement people with osteoporosis should avoid.

Toe touches, sit-ups, crunches and rounded-back lifts (end-range, repeated or loaded spinal
flexion) are linked to vertebral fractures (Sinaki & Mikkelsen 1984; Too Fit To Fracture;
DESIGN.md). :class:`UnsafePatternWatcher` runs in every mode (live programme, live
``--exercise ID`` or ``auto``, and review) beside the exercise's own analyser, whatever exercise
was chosen: it feeds every pose to the exercise recogniser
(:class:`~spinesafe.classifiers.recogniser.ExerciseRecogniser`, 2 s windows every 0.5 s,
EMA-smoothed) and turns its window-by-window probabilities into episodes, an explicit state
machine with hysteresis in time::

    CLEAR ──an unsafe pattern >= enter_probability in enter_strides full windows in a row──▶ WARNED
    WARNED ──no unsafe pattern >= exit_probability for exit_s seconds (or the source ends)──▶ CLEAR

(A source too short for the gate, such as a 2 s clip, is judged on all its windows when it ends:
see :meth:`UnsafePatternWatcher.finish`.)

Entering WARNED emits :class:`~spinesafe.classifiers.events.UnsafeMovement` (the warning: its
``t_s`` is when it was given), leaving it emits :class:`UnsafeMovementEnded` (the whole episode:
start, warning and end times, pattern, peak confidence). One warning per episode: a person doing
ten sit-ups hears it once, not ten times; the cue policy
(:class:`~spinesafe.feedback.cues.CuePolicy`) holds back the back-rounding cues while an episode
is open, since the warning has already told the person what is wrong.

The episode is named after the pattern that made the warning (a sit-up recognised as a crunch in
some windows is still one episode).
"""

from __future__ import annotations

import enum
import math
import zipfile
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from spinesafe.classifiers.events import Event, UnsafeMovement, UnsafeMovementEnded
from spinesafe.classifiers.exercises import UNSAFE_PATTERNS
from spinesafe.classifiers.recogniser import STRIDE_S, WINDOW_S, ExerciseRecogniser, RecogniserModel
from spinesafe.errors import ModelLoadError
from spinesafe.pose.frame import PoseFrame

# Gating constants. Their origin:
# - ENTER_PROBABILITY is the recogniser's own confidence bar (``min_confidence`` 0.5): the pattern
#   must be the label the recogniser would name, not a runner-up.
# - ENTER_STRIDES: 4 windows (2 s, one window's length) in a row: time, not a second tuned
#   probability, does the gating. It is the shortest run that the recogniser's passing mislabels
#   of safe exercise on the corpus do not reach (scripts/eval_unsafe_watcher.py --sweep): runs of
#   3 windows occur (a floor crab reach read as a crunch for 1.5 s), and a gate of 3 gave a false
#   alarm in 6 minutes of safe exercise (1.7 per 10 min, target <= 1), 4 none, with the same
#   recall. A gate in time cannot remove a confusion that lasts a whole clip: those are for the
#   recogniser's definitions to bar (a curl-up never leans back on a hand). One rep of a sit-up
#   or crunch takes 2-3 s and a toe touch 3-5 s, so the warning still comes in the first or
#   second rep, about 3.5 s after the person comes into view.
# - EXIT_PROBABILITY 0.25 and EXIT_S 3 s: hysteresis. Between two reps (and at the top of a
#   toe touch) the evidence dips; an episode ends only after 3 s (six windows, longer than the
#   pause between two reps) without the pattern at even half the entry bar.
# - FULL_WINDOW_FRACTION: the model was trained on full 2 s windows
#   (:func:`~spinesafe.classifiers.recogniser.windows`); the first windows after the person comes
#   into view hold only 1-1.5 s of frames and are out of what it learnt (a spurious "sit-up" at
#   the start of a squat clip on the corpus), so they are not evidence. 0.9 allows frame-timing
#   jitter.
# - CONTINUOUS_GAP_S: a gap longer than one stride between two frames with a person starts the
#   "in view since" clock again.
# - CONFIRM_FLEXION_DEG: these movements are to be avoided because they round the spine, so where
#   the flexion monitor can judge the back (side or oblique view) it must have seen rounding of at
#   least its default caution (20 deg over neutral, :class:`~spinesafe.classifiers.flexion.FlexionConfig`)
#   during the windows that make the warning; a "sit-up" with a straight back is the recogniser's
#   mistake (scripts/eval_unsafe_watcher.py: of 8 PushFit push-up sequences warned as sit-ups or
#   crunches, the 2 whose back read -43 and 0 deg are held; the corpus' unsafe clips all show
#   rounding). Where the back cannot be judged (front view), the recogniser alone decides.
ENTER_PROBABILITY = 0.5
ENTER_STRIDES = 4
EXIT_PROBABILITY = 0.25
EXIT_S = 3.0
FULL_WINDOW_FRACTION = 0.9
CONTINUOUS_GAP_S = STRIDE_S
CONFIRM_FLEXION_DEG = 20.0
# Flexion values are kept this long: more than the gate's windows (2 s + 4 strides of 0.5 s).
FLEXION_MEMORY_S = 10.0


@dataclass(frozen=True)
class UnsafeWatchConfig:
    """The watcher's gates (see the module's constants for where each default comes from)."""

    enter_probability: float = ENTER_PROBABILITY
    enter_strides: int = ENTER_STRIDES
    exit_probability: float = EXIT_PROBABILITY
    exit_s: float = EXIT_S
    full_window_fraction: float = FULL_WINDOW_FRACTION

    def __post_init__(self) -> None:
        ok = (
            0.0 < self.exit_probability <= self.enter_probability <= 1.0
            and self.enter_strides >= 1
            and self.exit_s > 0.0
            and 0.0 <= self.full_window_fraction <= 1.0
        )
        if not ok:
            raise ValueError(
                "UnsafeWatchConfig: expected 0 < exit_probability <= enter_probability <= 1, enter_strides >= 1, "
                f"exit_s > 0 and 0 <= full_window_fraction <= 1; got {self.exit_probability}, "
                f"{self.enter_probability}, {self.enter_strides}, {self.exit_s}, {self.full_window_fraction}"
            )


class WatchState(enum.Enum):
    CLEAR = "clear"
    WARNED = "warned"


class RecognitionSource(Protocol):
    """What the watcher needs of a recogniser: per-frame updates that sometimes return recognitions."""

    def update(self, frame: PoseFrame) -> list[Event]: ...

    def reset(self) -> None: ...


def _unsafe_probabilities(event: Event) -> dict[str, float]:
    """The unsafe patterns' probabilities in a recognition (a ``probabilities`` dict, or else the
    ``label`` with its ``confidence``); empty for any other event."""
    probabilities = getattr(event, "probabilities", None)
    if isinstance(probabilities, dict):
        return {p: float(probabilities.get(p, 0.0)) for p in UNSAFE_PATTERNS}
    label = getattr(event, "label", None)
    if label is None:
        return {}
    return {p: float(getattr(event, "confidence", 1.0)) if p == label else 0.0 for p in UNSAFE_PATTERNS}


class UnsafePatternWatcher:
    """Recognitions -> one :class:`UnsafeMovement` warning per episode (see the module docstring).

    ``update(frame)`` is called every frame, with or without a person, to advance the state;
    it runs ``recogniser`` (which the watcher owns). When a caller already runs a recogniser
    (``live --exercise auto``) it calls :meth:`observe` with that recogniser's events instead.
    """

    def __init__(self, recogniser: RecognitionSource | None = None, config: UnsafeWatchConfig | None = None) -> None:
        self.recogniser = recogniser
        self.config = config or UnsafeWatchConfig()
        self.reset()

    @classmethod
    def packaged(cls, config: UnsafeWatchConfig | None = None) -> UnsafePatternWatcher:
        """A watcher with the recogniser model shipped in the package; :class:`ModelLoadError` when
        it cannot be loaded."""
        return cls(ExerciseRecogniser(load_model()), config)

    def reset(self) -> None:
        """Forget everything (an open episode too, without an end event)."""
        if self.recogniser is not None:
            self.recogniser.reset()
        self.state = WatchState.CLEAR
        self._in_view_since = math.nan
        self._last_present_s = math.nan
        self._last_t = math.nan
        self._streak: list[tuple[float, dict[str, float]]] = []
        self._flexion: deque[tuple[float, float]] = deque()  # (t, flexion over neutral) where judged
        # The whole source so far, for one too short for the gate (see :meth:`finish`).
        self._seen: list[tuple[float, dict[str, float]]] = []
        self._full_windows = 0
        self._all_unsafe = True
        self._warned_once = False
        self._pattern = ""
        self._start_s = self._warned_s = self._end_s = math.nan
        self._peak = 0.0

    def update(self, frame: PoseFrame, flexion_deg: float = math.nan) -> list[Event]:
        """Feed one frame to the recogniser and the gates; returns the episode events it produced.

        ``flexion_deg``: the flexion monitor's rounding over neutral at this frame (NaN where it
        cannot judge), which must confirm a warning where it is known (:data:`CONFIRM_FLEXION_DEG`).
        """
        if self.recogniser is None:
            raise RuntimeError("UnsafePatternWatcher.update: no recogniser; call observe(frame, recognitions)")
        return self.observe(frame, self.recogniser.update(frame), flexion_deg)

    def observe(self, frame: PoseFrame, recognitions: Iterable[Event], flexion_deg: float = math.nan) -> list[Event]:
        """Advance with one frame and the recognitions a recogniser returned for it."""
        t = frame.t_s
        self._last_t = t
        if math.isfinite(flexion_deg):
            self._flexion.append((t, flexion_deg))
        while self._flexion and self._flexion[0][0] < t - FLEXION_MEMORY_S:
            self._flexion.popleft()
        if frame.present:
            if math.isnan(self._last_present_s) or t - self._last_present_s > CONTINUOUS_GAP_S + 1e-6:
                self._in_view_since = t
            self._last_present_s = t
        out: list[Event] = []
        for event in recognitions:
            probabilities = _unsafe_probabilities(event)
            if probabilities:
                out += self._stride(event.t_s, probabilities)
        if self.state is WatchState.WARNED and t - self._end_s >= self.config.exit_s:
            out += self._end(t)
        return out

    def finish(self, t_s: float | None = None) -> list[Event]:
        """The source ended: close an open episode (at ``t_s``, default the last frame's time).

        A source too short for the gate (fewer than ``enter_strides`` full windows in all, such
        as a 2 s clip) is judged on every window it had: when each showed an unsafe pattern at
        the entry bar, it is one episode, warned now. A longer source never warns here: its
        windows had their chance to pass the gate.
        """
        t = self._last_t if t_s is None else t_s
        out: list[Event] = []
        seen = self._seen
        short = self._full_windows < self.config.enter_strides and not self._warned_once
        if self.state is WatchState.CLEAR and seen and short and self._all_unsafe and self._spine_agrees(seen[0][0]):
            self._streak = seen
            out += self._warn(seen[-1][0], in_view_since=seen[0][0] - WINDOW_S / 2)
        self._streak = []
        if self.state is not WatchState.WARNED:
            return out
        return out + self._end(t if math.isfinite(t) else self._end_s)

    @property
    def current(self) -> UnsafeMovementEnded | None:
        """The open episode as it stands (ending at its last window with the pattern), or None."""
        if self.state is not WatchState.WARNED:
            return None
        return self._episode(self._end_s)

    def _stride(self, t: float, probabilities: dict[str, float]) -> list[Event]:
        config = self.config
        pattern = max(probabilities, key=lambda p: probabilities[p])
        p = probabilities[pattern]
        if self.state is WatchState.WARNED:
            if p >= config.exit_probability:
                self._end_s = t
                if pattern == self._pattern:
                    self._peak = max(self._peak, p)
            return []
        full = t - self._in_view_since >= config.full_window_fraction * WINDOW_S - 1e-6
        evidence = p >= config.enter_probability
        if not self._warned_once and self._full_windows < config.enter_strides:
            self._seen.append((t, probabilities))
            self._all_unsafe = self._all_unsafe and evidence
        self._full_windows += full
        contiguous = not self._streak or t - self._streak[-1][0] <= 1.5 * STRIDE_S
        if not (full and evidence):
            self._streak = []
            return []
        if not contiguous:
            self._streak = []
        self._streak.append((t, probabilities))
        if len(self._streak) < config.enter_strides:
            return []
        if not self._spine_agrees(self._streak[-config.enter_strides][0]):
            return []  # the evidence stays; the next window may bring the rounding
        return self._warn(t, self._in_view_since)

    def _spine_agrees(self, first_window_s: float) -> bool:
        """True when the flexion monitor saw rounding during the windows from ``first_window_s``
        (a window's middle) on, or could not judge the back then (see :data:`CONFIRM_FLEXION_DEG`)."""
        since = first_window_s - WINDOW_S / 2
        judged = [deg for t, deg in self._flexion if t >= since]
        return not judged or max(judged) >= CONFIRM_FLEXION_DEG

    def _warn(self, t: float, in_view_since: float) -> list[Event]:
        """Enter WARNED on the evidence of ``self._streak`` (windows up to ``t``)."""
        streak = self._streak
        # The pattern with the most evidence over the streak names the episode.
        totals = {q: sum(s[1][q] for s in streak) for q in UNSAFE_PATTERNS}
        named = max(totals, key=lambda q: totals[q])
        self.state = WatchState.WARNED
        self._warned_once = True
        self._seen = []
        self._pattern = named
        self._start_s = max(streak[0][0] - WINDOW_S / 2, in_view_since)
        self._warned_s = self._end_s = t
        self._peak = max(s[1][named] for s in streak)
        self._streak = []
        return [UnsafeMovement(t, pattern=named, confidence=streak[-1][1][named])]

    def _episode(self, t: float) -> UnsafeMovementEnded:
        return UnsafeMovementEnded(
            t,
            pattern=self._pattern,
            start_s=self._start_s,
            warned_s=self._warned_s,
            end_s=self._end_s,
            confidence=self._peak,
        )

    def _end(self, t: float) -> list[Event]:
        episode = self._episode(t)
        self.state = WatchState.CLEAR
        self._pattern = ""
        self._start_s = self._warned_s = self._end_s = math.nan
        self._peak = 0.0
        return [episode]


def load_model(path: str | Path | None = None) -> RecogniserModel:
    """The recogniser model (the packaged one by default); :class:`ModelLoadError` when it cannot be loaded."""
    try:
        return RecogniserModel.load(path)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise ModelLoadError(f"the exercise recogniser model cannot be loaded ({exc})") from exc


def packaged_watcher() -> tuple[UnsafePatternWatcher | None, str]:
    """The watcher with the packaged model, or None and a note saying why unsafe patterns are not
    watched (sessions carry on without it: back rounding is still flagged by the flexion monitor)."""
    try:
        return UnsafePatternWatcher.packaged(), ""
    except ModelLoadError as exc:
        return None, (
            f"Unsafe movements (toe touch, sit-up, crunch, rounded-back lift) were not watched for: {exc}. "
            "Back rounding is still flagged."
        )
