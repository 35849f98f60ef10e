"""The caption under the picture: which cue's words are on screen, and for how long.

A safety caption ("Please avoid the sit up: it rounds your back.") and the pain rule stay on
screen as long as they are spoken, and at least :data:`MIN_SAFETY_CAPTION_S`: someone who
did not catch the words can read them. Nothing less urgent replaces them meanwhile; a count is
never a caption at all (the counter shows the number), so a rep done while "stop" is being said
does not wipe the warning off the screen. Other cues are shown for ``hold_s`` and give way to a
cue at least as urgent. The annotated review video and the live screen both use :class:`Captions`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from spinesafe.feedback.cues import PAIN_RULE, PRIORITY, Cue, CueKind

# At least as long as a sentence takes to read twice at an older adult's pace, and longer than
# the 0.1 s a count used to leave it on screen.
MIN_SAFETY_CAPTION_S = 3.0
# How long a sentence takes to say, an upper bound for the speech the cues are played with:
# espeak-ng at 140 words a minute measured 0.34-0.46 s a word with its pauses on the cue
# sentences; each comma or full stop adds up to ~0.15 s; a warning's two tones and the gap after
# them 0.54 s (spinesafe.feedback.audio.WARNING_TONE, CUE_GAP_S).
SPOKEN_S_PER_WORD = 0.45
SPOKEN_S_PER_PAUSE = 0.15
WARNING_LEAD_S = 0.54


def spoken_s(cue: Cue) -> float:
    """About how long the sound of ``cue`` lasts (an upper bound for espeak-ng's speech), seconds."""
    words = len(cue.text.split())
    pauses = sum(cue.text.count(mark) for mark in ".,;:!?")
    lead = WARNING_LEAD_S if cue.kind is CueKind.SAFETY else 0.0
    return lead + SPOKEN_S_PER_WORD * words + SPOKEN_S_PER_PAUSE * pauses


def is_safety_caption(cue: Cue) -> bool:
    """Safety cues and the pain rule: held on screen while spoken (see the module docstring)."""
    return cue.kind is CueKind.SAFETY or cue.text == PAIN_RULE


def _rank(cue: Cue) -> int:
    return -1 if is_safety_caption(cue) else PRIORITY[cue.kind]


class Captions:
    """The caption state of a session: :meth:`add` the cues as they are given, :meth:`text` at
    any time. ``hold_s``: how long a cue other than a safety one stays on screen."""

    def __init__(self, hold_s: float = 3.0) -> None:
        if hold_s <= 0:
            raise ValueError(f"hold_s must be > 0, got {hold_s}")
        self.hold_s = hold_s
        self.current: Cue | None = None
        self.until_s = -math.inf

    def add(self, cues: Iterable[Cue]) -> None:
        for cue in cues:
            if cue.kind is CueKind.COUNT:  # the counter shows it
                continue
            showing = self.current is not None and cue.t_s < self.until_s
            if showing and self.current is not None and _rank(cue) > _rank(self.current):
                continue
            self.current = cue
            self.until_s = cue.t_s + self.shown_for_s(cue)

    def shown_for_s(self, cue: Cue) -> float:
        if is_safety_caption(cue):
            return max(MIN_SAFETY_CAPTION_S, spoken_s(cue))
        return self.hold_s

    def text(self, t_s: float) -> str:
        """The caption at ``t_s`` ("" when none)."""
        if self.current is None or t_s >= self.until_s:
            return ""
        return self.current.text
