"""Cue policy: which events become words for the person, and when.

Safety first (flexion and twisting, then tracking and view), then counting, praise and tempo.
The same sentence is not repeated within its cooldown and praise waits for a quiet moment, so
the person is never nagged every second. Words follow what physiotherapists say (DESIGN.md):
"hinge at your hips, not your back", "chest up", "slow and controlled". A cue never tells a
person to bend the spine forward.

Back rounding is warned when an episode starts ("Hinge at your hips, keep your chest up.") and
again when the same episode grows past the stop threshold ("Stop. Stand tall, ..."): rounding
that grows gradually gets the stop sentence too. A safety sentence is held back only while the
same words were said moments ago (:attr:`CuePolicyConfig.safety_repeat_s`), never by the rules
that space out praise and advice.

Live sessions count within a set (:meth:`CuePolicy.begin_set`) so "great, 5 more" is right, and
set a tempo limit (``min_rep_s``): a rep quicker than that gets "Slower." (Too Fit To Fracture:
slow, controlled movement; a controlled strength rep takes 2-4 s).

An unsafe movement (toe touch, sit-up, crunch, rounded-back lift; :mod:`spinesafe.classifiers.unsafe`)
is warned once per episode by name ("Please avoid the sit up: it rounds your back."). While the
episode lasts the back-rounding cues are held back: the person has been told what is wrong, and
"hinge at your hips" makes no sense in a sit-up. The flexion events are still reported. When the
exercise analysed is itself a movement to avoid (``review --exercise sit_up``) and a watcher names
it, the back-rounding cues are not given at all (:attr:`CuePolicy.exercise_is_avoided`): the
warning by name is the one safety cue, not "hinge at your hips" first.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass

from spinesafe.classifiers.events import (
    CalibrationDone,
    Event,
    FlexionEnded,
    FlexionEscalated,
    FlexionStarted,
    HoldCompleted,
    HoldProgress,
    PersonChanged,
    RepCompleted,
    Severity,
    TrackingLost,
    TrackingRestored,
    TwistStarted,
    UnsafeMovement,
    UnsafeMovementEnded,
    ViewUnsuitable,
)
from spinesafe.classifiers.reps import MIN_REP_SEEN_SHARE

PAIN_RULE = "Mild soreness is normal; sharp pain means stop."
SLOWER = "Slower."
HINGE = "Hinge at your hips, keep your chest up."
STOP_FLEXION = "Stop. Stand tall, then hinge at your hips, not your back."
TWIST = "Keep your hips and shoulders facing the same way: turn with your feet, not your back."
NOT_SEEN = "I can't see you. Step back into view."
# A rep the counter could not follow (reps.MIN_REP_SEEN_SHARE): not the person's fault as a half
# rep is, so say why it was not counted and what helps.
REP_NOT_SEEN = "I lost sight of you in that one, so it was not counted. Stay in the picture."
CALIBRATED = "Thank you. That is your neutral posture."
SOMEONE_ELSE = "Someone else is in the picture — paused"


def unsafe_text(pattern: str) -> str:
    """The warning for an unsafe pattern id (``sit_up`` -> "Please avoid the sit up: ...")."""
    return f"Please avoid the {pattern.replace('_', ' ')}: it rounds your back."


class CueKind(enum.Enum):
    SAFETY = "safety"
    SETUP = "setup"
    COUNT = "count"
    FORM = "form"  # technique about the rep just done ("Slower.")
    PRAISE = "praise"
    INFO = "info"


PRIORITY = {
    CueKind.SAFETY: 0,
    CueKind.SETUP: 1,
    CueKind.COUNT: 2,
    CueKind.FORM: 3,
    CueKind.PRAISE: 4,
    CueKind.INFO: 5,
}


@dataclass(frozen=True)
class Cue:
    """``topic``: the problem a set-up cue is about ("view", "no_person", ...: the keys of
    :class:`~spinesafe.classifiers.setup.SetupProblem`); cues of one topic share one cooldown
    however they are worded. "" = the text is its own topic."""

    t_s: float
    kind: CueKind
    text: str
    topic: str = ""

    def to_json(self) -> dict[str, object]:
        return {"t_s": round(self.t_s, 3), "kind": self.kind.value, "text": self.text}


@dataclass(frozen=True)
class CuePolicyConfig:
    same_text_cooldown_s: float = 8.0  # the same words at most this often (counts and safety excepted)
    # The same safety sentence at most this often: about as long as it is spoken and captioned, so a
    # rounding that flickers about its threshold does not restart it, while a new episode a few
    # seconds later is warned again (the longer cooldown above is for advice, praise and info).
    safety_repeat_s: float = 3.0
    # One set-up problem (a topic) at most this often, however it is worded: the person needs time
    # to act on it (move the camera, turn), and hearing it again sooner is nagging.
    topic_cooldown_s: float = 20.0
    praise_every_reps: int = 5  # "great, 5 more" every N good reps
    praise_quiet_s: float = 3.0  # praise only when no safety/setup cue was given this recently
    min_rep_s: float = 0.0  # reps quicker than this get "Slower." (0 = no tempo cue)
    count_hold_seconds: bool = True  # speak the seconds of a hold ("1", "2", ...)

    def __post_init__(self) -> None:
        if min(self.same_text_cooldown_s, self.safety_repeat_s, self.min_rep_s) < 0 or self.praise_every_reps < 1:
            raise ValueError(
                "CuePolicyConfig: expected same_text_cooldown_s, safety_repeat_s, min_rep_s >= 0 and "
                f"praise_every_reps >= 1; got {self.same_text_cooldown_s}, {self.safety_repeat_s}, "
                f"{self.min_rep_s}, {self.praise_every_reps}"
            )


class CuePolicy:
    """Turns classifier events into cues, with priorities and cooldowns."""

    def __init__(self, config: CuePolicyConfig | None = None) -> None:
        self.config = config or CuePolicyConfig()
        # The exercise analysed is a movement to avoid and an unsafe-pattern watcher warns about it
        # by name: its back rounding gets no cue of its own (see the module docstring).
        self.exercise_is_avoided = False
        self.reset()

    def reset(self) -> None:
        self._last_said: dict[str, float] = {}
        self._last_urgent_s = -math.inf
        self._good_reps = 0
        self._flexed_in_rep = False
        self._set_first_number = 1
        self._set_target: int | None = None
        self._unsafe_open = False  # an unsafe-movement episode was warned and has not ended

    def start(self, t_s: float = 0.0) -> list[Cue]:
        """Cues that open every session (the pain rule, DESIGN.md safety rules)."""
        return [Cue(t_s, CueKind.INFO, PAIN_RULE)]

    def begin_set(self, target_reps: int | None, first_number: int = 1) -> None:
        """Count the reps of a new set from ``first_number`` (the analyser's next rep number), towards
        ``target_reps`` (None = open-ended). Counts and praise are then relative to the set."""
        self._set_first_number = first_number
        self._set_target = target_reps
        self._good_reps = 0
        self._flexed_in_rep = False

    def update(self, events: list[Event]) -> list[Cue]:
        return self.admit(cue for event in events for cue in self._cues_for(event))

    def admit(self, cues: Iterable[Cue]) -> list[Cue]:
        """The cues that may be said now, safety first; drops repeats within the cooldown and praise
        right after a warning. Other parts of a session (setup check, programme) use this too."""
        ordered = sorted(cues, key=lambda c: PRIORITY[c.kind])
        said: list[Cue] = []
        for cue in ordered:
            key = f"topic:{cue.topic}" if cue.topic else cue.text
            cooldown_s = self.config.topic_cooldown_s if cue.topic else self._repeat_after_s(cue.kind)
            last = self._last_said.get(key)
            if last is not None and cue.t_s - last < cooldown_s:
                continue
            if cue.kind is CueKind.PRAISE and cue.t_s - self._last_urgent_s < self.config.praise_quiet_s:
                continue
            self._last_said[key] = cue.t_s
            if cue.kind in (CueKind.SAFETY, CueKind.SETUP):
                self._last_urgent_s = cue.t_s
            said.append(cue)
        return said

    def _repeat_after_s(self, kind: CueKind) -> float:
        """How soon the same words may be said again: counts always, safety after a short pause."""
        if kind is CueKind.COUNT:
            return 0.0
        if kind is CueKind.SAFETY:
            return self.config.safety_repeat_s
        return self.config.same_text_cooldown_s

    def _cues_for(self, event: Event) -> list[Cue]:
        t = event.t_s
        if isinstance(event, FlexionStarted):
            self._flexed_in_rep = True
            if self._unsafe_open or self.exercise_is_avoided:  # the unsafe-movement warning says it
                return []
            if event.severity is Severity.STOP:
                return [Cue(t, CueKind.SAFETY, STOP_FLEXION)]
            return [Cue(t, CueKind.SAFETY, HINGE)]
        if isinstance(event, FlexionEscalated):  # caution grew to stop within the episode
            if self._unsafe_open or self.exercise_is_avoided:
                return []
            return [Cue(t, CueKind.SAFETY, STOP_FLEXION)]
        if isinstance(event, RepCompleted):
            return self._rep_cues(event)
        if isinstance(event, TwistStarted):
            return [Cue(t, CueKind.SAFETY, TWIST)]
        if isinstance(event, UnsafeMovement):
            self._unsafe_open = True
            return [Cue(t, CueKind.SAFETY, unsafe_text(event.pattern))]
        if isinstance(event, UnsafeMovementEnded):
            self._unsafe_open = False
            return []
        if isinstance(event, TrackingLost):
            return [Cue(t, CueKind.SETUP, NOT_SEEN, topic="no_person")]
        if isinstance(event, PersonChanged):
            return [Cue(t, CueKind.SETUP, SOMEONE_ELSE)]
        if isinstance(event, ViewUnsuitable):  # from the front: the set-up's "view" problem
            return [Cue(t, CueKind.SETUP, event.advice, topic="view" if event.view == "front" else "body_unseen")]
        if isinstance(event, HoldProgress):
            return self._hold_progress(event)
        if isinstance(event, HoldCompleted):
            if event.complete:
                return [Cue(t, CueKind.PRAISE, "Well held.")]
            return [Cue(t, CueKind.INFO, f"Held {event.held_s:.0f} seconds. Aim for {event.target_s:g}.")]
        if isinstance(event, CalibrationDone):
            return [Cue(t, CueKind.INFO, CALIBRATED)]
        if isinstance(event, (FlexionEnded, TrackingRestored)):
            return []
        return []

    def _rep_cues(self, event: RepCompleted) -> list[Cue]:
        t = event.t_s
        if not event.complete and event.seen_share < MIN_REP_SEEN_SHARE:
            return [Cue(t, CueKind.INFO, REP_NOT_SEEN)]
        if not event.complete:
            return [Cue(t, CueKind.INFO, "Half rep, not counted.")]
        number = event.number - self._set_first_number + 1
        cues = [Cue(t, CueKind.COUNT, str(number))]
        flexed, self._flexed_in_rep = self._flexed_in_rep, False
        rushed = self.config.min_rep_s > 0 and event.duration_s < self.config.min_rep_s
        if rushed:
            cues.append(Cue(t, CueKind.FORM, SLOWER))
        if not flexed and not rushed:  # praise only reps done with a neutral back and under control
            self._good_reps += 1
            if self._good_reps % self.config.praise_every_reps == 0:
                cues.append(Cue(t, CueKind.PRAISE, self._praise(number)))
        return cues

    def _praise(self, number: int) -> str:
        if self._set_target is None:
            return f"Great, {number} done. Slow and controlled."
        remaining = self._set_target - number
        if remaining > 0:
            return f"Great, {remaining} more."
        return "Great work."

    def _hold_progress(self, event: HoldProgress) -> list[Cue]:
        if not self.config.count_hold_seconds:
            return []
        seconds = int(event.held_s + 1e-6)
        # Every second for short holds (back-extension holds of 3-5 s); every 5 s for long balance holds.
        step = 1 if event.target_s <= 10 else 5
        if seconds < 1 or seconds % step:
            return []
        return [Cue(event.t_s, CueKind.COUNT, str(seconds))]
