"""Cue policy: which events become words for the person, and when.

Safety first (flexion, then tracking and view), then counting and praise. The same cue is
not repeated within its cooldown, so the person is never nagged every second. Words follow
what physiotherapists say (DESIGN.md): "hinge at your hips, not your back", "chest up".
A cue never tells a person to bend the spine forward.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from spinesafe.classifiers.events import (
    Event,
    FlexionEnded,
    FlexionStarted,
    RepCompleted,
    Severity,
    TrackingLost,
    TrackingRestored,
    ViewUnsuitable,
)

PAIN_RULE = "Mild soreness is normal; sharp pain means stop."


class CueKind(enum.Enum):
    SAFETY = "safety"
    SETUP = "setup"
    COUNT = "count"
    PRAISE = "praise"
    INFO = "info"


PRIORITY = {CueKind.SAFETY: 0, CueKind.SETUP: 1, CueKind.COUNT: 2, CueKind.PRAISE: 3, CueKind.INFO: 4}


@dataclass(frozen=True)
class Cue:
    t_s: float
    kind: CueKind
    text: str

    def to_json(self) -> dict[str, object]:
        return {"t_s": round(self.t_s, 3), "kind": self.kind.value, "text": self.text}


@dataclass(frozen=True)
class CuePolicyConfig:
    same_text_cooldown_s: float = 8.0  # the same words at most this often
    praise_every_reps: int = 5  # "great, five done" every N good reps


class CuePolicy:
    """Turns classifier events into cues, with priorities and cooldowns."""

    def __init__(self, config: CuePolicyConfig | None = None) -> None:
        self.config = config or CuePolicyConfig()
        self.reset()

    def reset(self) -> None:
        self._last_said: dict[str, float] = {}
        self._good_reps = 0
        self._flexed_in_rep = False

    def start(self, t_s: float = 0.0) -> list[Cue]:
        """Cues that open every session (the pain rule, DESIGN.md safety rules)."""
        return [Cue(t_s, CueKind.INFO, PAIN_RULE)]

    def update(self, events: list[Event]) -> list[Cue]:
        cues = [cue for event in events for cue in self._cues_for(event)]
        cues.sort(key=lambda c: PRIORITY[c.kind])
        said: list[Cue] = []
        for cue in cues:
            last = self._last_said.get(cue.text)
            if cue.kind is not CueKind.COUNT and last is not None and cue.t_s - last < self.config.same_text_cooldown_s:
                continue
            self._last_said[cue.text] = cue.t_s
            said.append(cue)
        return said

    def _cues_for(self, event: Event) -> list[Cue]:
        t = event.t_s
        if isinstance(event, FlexionStarted):
            self._flexed_in_rep = True
            if event.severity is Severity.STOP:
                return [Cue(t, CueKind.SAFETY, "Stop. Stand tall, then hinge at your hips, not your back.")]
            return [Cue(t, CueKind.SAFETY, "Hinge at your hips, keep your chest up.")]
        if isinstance(event, FlexionEnded):
            return []
        if isinstance(event, RepCompleted):
            if not event.complete:
                return [Cue(t, CueKind.INFO, "Half rep, not counted.")]
            cues = [Cue(t, CueKind.COUNT, str(event.number))]
            flexed, self._flexed_in_rep = self._flexed_in_rep, False
            if not flexed:  # praise only reps done with a neutral back
                self._good_reps += 1
                if self._good_reps % self.config.praise_every_reps == 0:
                    cues.append(Cue(t, CueKind.PRAISE, f"Great, {event.number} done. Slow and controlled."))
            return cues
        if isinstance(event, TrackingLost):
            return [Cue(t, CueKind.SETUP, "I can't see you. Step back into view.")]
        if isinstance(event, TrackingRestored):
            return []
        if isinstance(event, ViewUnsuitable):
            return [Cue(t, CueKind.SETUP, event.advice)]
        return []
