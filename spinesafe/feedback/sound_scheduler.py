"""When each cue's sound plays: one policy for the speakers, the live WAV file and the review
video's sound track.

:class:`SoundScheduler` is fed cue requests (:meth:`~SoundScheduler.request`) and asked for the
next samples of sound (:meth:`~SoundScheduler.pull`). It plays one cue at a time (two sentences
at once are noise), the most urgent first (:func:`audio_urgency`: the pain rule, safety cues,
counts, tempo, set-up, praise, instructions), and decides what is cut and what is dropped:

- a more urgent cue cuts a less urgent sentence short with a 10 ms fade (never the pain rule), so a
  warning starts at once instead of after a long instruction;
- a newer warning cuts an older one still being said ("hinge at your hips" grows into "stop",
  a movement to avoid is named while the stop sentence is still going), and a newer count
  replaces an older one, waiting or still being said: the person needs the warning about what they
  are doing now and the number of the rep just done;
- a waiting set-up hint, tempo cue or praise is dropped when a newer one of its kind arrives;
- a cue that waited longer than :data:`MAX_WAIT_S` for its kind is dropped (a count heard late is
  wrong, late praise is noise); safety cues are never dropped.

The scheduler has no clock of its own: the speakers (:class:`~spinesafe.feedback.audio.SoundDevicePlayer`)
drive it with the monotonic clock from their audio thread, and :func:`play_out` drives it with the
session's cue times to write the same sound into a file (``live --audio-file``, the annotated
review video). So the WAV holds what the speakers would play, when they would play it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from spinesafe.feedback.cues import PAIN_RULE, Cue, CueKind

# How urgent a cue's sound is, lower first. Unlike the cue policy's order (which decides what is
# said at all), a count goes before set-up advice here: a count heard late is wrong ("one" while
# doing the second rep), whereas advice is repeated anyway.
AUDIO_URGENCY = {
    CueKind.SAFETY: 0,
    CueKind.COUNT: 1,
    CueKind.FORM: 2,
    CueKind.SETUP: 3,
    CueKind.PRAISE: 4,
    CueKind.INFO: 5,
}
# A cue still waiting after this long is dropped: a count must start within the 300 ms the
# design allows a cue (DESIGN.md, quality bars; later it is the wrong number, and the counter on
# screen shows it anyway); late praise is noise; spoken instructions (how-to, rests) stay useful
# longer. Safety cues are never dropped.
MAX_WAIT_S = {CueKind.COUNT: 0.3, CueKind.FORM: 3.0, CueKind.PRAISE: 3.0, CueKind.SETUP: 8.0, CueKind.INFO: 20.0}
# Sentences played first and never cut short: the pain rule opens every session (DESIGN.md).
PROTECTED = frozenset({PAIN_RULE})
# Kinds where only the newest waiting cue matters: older advice, counts or praise still in the
# queue when a newer one of the same kind arrives are dropped, not played late one after another.
SUPERSEDED = frozenset({CueKind.SETUP, CueKind.COUNT, CueKind.FORM, CueKind.PRAISE})
# Kinds whose cue asked for later also cuts an earlier one still being said: the newest warning
# and the newest number are the ones that are right now.
CUTS_ITS_OWN_KIND = frozenset({CueKind.SAFETY, CueKind.COUNT})

BETWEEN_CUES_S = 0.15  # silence kept after a cue that played to its end
CUT_FADE_S = 0.01  # a cut sentence fades out over this long instead of clicking


def audio_urgency(cue: Cue) -> int:
    """Order of a cue's sound, lower first (:data:`AUDIO_URGENCY`; the pain rule first of all)."""
    return -1 if cue.text in PROTECTED else AUDIO_URGENCY[cue.kind]


@dataclass
class ScheduledSound:
    """A cue's sound as the scheduler played it: asked for at ``requested_s``, started at
    ``start_s``; ``played`` samples of ``samples`` were heard (fewer when ``cut``)."""

    cue: Cue
    requested_s: float
    start_s: float
    samples: np.ndarray = field(repr=False)
    sample_rate: int
    played: int = 0
    cut: bool = False

    @property
    def delay_s(self) -> float:
        return self.start_s - self.requested_s

    @property
    def end_s(self) -> float:
        return self.start_s + self.played / self.sample_rate

    @property
    def remaining(self) -> int:
        return self.samples.size - self.played


@dataclass
class _Request:
    seq: int
    cue: Cue
    at_s: float
    urgency: int
    samples: np.ndarray | None = None  # rendered ahead by :meth:`SoundScheduler.prepare`


class SoundScheduler:
    """Decides which cue sounds when (see the module docstring). ``render`` turns a cue into
    samples at ``sample_rate`` (an empty array: nothing to play). :meth:`request` may be called
    from any thread; :meth:`pull` and :meth:`prepare` from one thread (the one that plays)."""

    def __init__(
        self,
        render: Callable[[Cue], np.ndarray],
        sample_rate: int,
        *,
        max_wait_s: dict[CueKind, float] | None = None,
        gap_s: float = BETWEEN_CUES_S,
    ) -> None:
        self.render = render
        self.sample_rate = sample_rate
        self.max_wait_s = dict(MAX_WAIT_S if max_wait_s is None else max_wait_s)
        self.gap_s = gap_s
        self.placed: list[ScheduledSound] = []  # every sound started, in order
        self.dropped: list[Cue] = []  # waited too long, or replaced by a newer cue of their kind
        self.interrupted: list[Cue] = []  # cut short by a more urgent (or newer count) cue
        self._waiting: list[_Request] = []
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self._current: ScheduledSound | None = None
        self._free_at = -np.inf  # no sound starts before this (the gap after the last one)

    def request(self, cue: Cue, at_s: float) -> None:
        """Ask for ``cue`` to be played from ``at_s`` (on the clock :meth:`pull` is given)."""
        with self._lock:
            self._waiting.append(_Request(next(self._seq), cue, at_s, audio_urgency(cue)))

    @property
    def busy(self) -> bool:
        """A sound is playing or a cue is waiting."""
        with self._lock:
            return self._current is not None or bool(self._waiting)

    def prepare(self) -> None:
        """Render the waiting cues ahead, so that :meth:`pull` starts them without delay."""
        with self._lock:
            todo = [r for r in self._waiting if r.samples is None]
        for r in todo:
            r.samples = self.render(r.cue)

    def pull(self, now_s: float, n: int) -> np.ndarray:
        """The next ``n`` samples of sound, the first heard at ``now_s``. (n,) float32."""
        rate = self.sample_rate
        out = np.zeros(n, dtype=np.float32)
        i = 0
        while i < n:
            t = now_s + i / rate
            current = self._current
            if current is not None and self._cut_for_newer(current, t):
                i += self._fade_out(current, out, i)
                current.cut = True
                self.interrupted.append(current.cue)
                self._current = None
                self._free_at = now_s + i / rate
                continue
            if current is None:
                current = self._start_next(t)
                if current is None:
                    wait = self._free_at - t
                    if wait > 0 and self.busy:  # the gap after the last sound: silence, then go on
                        i += max(1, min(n - i, int(np.ceil(wait * rate))))
                        continue
                    break
            k = min(n - i, current.remaining)
            out[i : i + k] = current.samples[current.played : current.played + k]
            current.played += k
            i += k
            if current.remaining == 0:
                self._current = None
                self._free_at = now_s + i / rate + self.gap_s
        return out

    # -- decisions ---------------------------------------------------------------------------------
    def _prune(self, t: float) -> None:
        """Drop waiting cues replaced by a newer one of their kind, or waiting too long. Under the lock."""
        newest: dict[CueKind, int] = {}
        for r in self._waiting:
            newest[r.cue.kind] = max(newest.get(r.cue.kind, -1), r.seq)
        keep: list[_Request] = []
        for r in self._waiting:
            superseded = r.cue.kind in SUPERSEDED and newest[r.cue.kind] > r.seq
            stale = r.cue.kind is not CueKind.SAFETY and t - r.at_s > self.max_wait_s.get(r.cue.kind, np.inf)
            if superseded or stale:
                self.dropped.append(r.cue)
            else:
                keep.append(r)
        self._waiting = keep

    def _cut_for_newer(self, current: ScheduledSound, t: float) -> bool:
        """A waiting cue is more urgent than the one playing, or a later warning or count: cut it short."""
        if current.cue.text in PROTECTED:
            return False
        urgency = audio_urgency(current.cue)
        kind = current.cue.kind
        with self._lock:
            self._prune(t)
            return any(
                r.urgency < urgency
                or (r.cue.kind is kind and kind in CUTS_ITS_OWN_KIND and r.at_s > current.requested_s)
                for r in self._waiting
            )

    def _start_next(self, t: float) -> ScheduledSound | None:
        """Start the most urgent waiting cue at ``t`` (None: none waiting, or still in the gap)."""
        while True:
            with self._lock:
                self._prune(t)
                if not self._waiting or t < self._free_at:
                    return None
                first = min(self._waiting, key=lambda r: (r.urgency, r.seq))
                self._waiting.remove(first)
            samples = first.samples if first.samples is not None else self.render(first.cue)
            if samples.size:
                sound = ScheduledSound(first.cue, first.at_s, t, samples, self.sample_rate)
                self.placed.append(sound)
                self._current = sound
                return sound

    def _fade_out(self, current: ScheduledSound, out: np.ndarray, i: int) -> int:
        """Write the cut sentence's last few ms, faded to silence; returns the samples written."""
        m = min(out.size - i, current.remaining, round(CUT_FADE_S * self.sample_rate))
        part = current.samples[current.played : current.played + m]
        out[i : i + m] = part * np.linspace(1.0, 0.0, m, dtype=np.float32)
        current.played += m
        return m


PLAY_OUT_CHUNK_S = 0.05  # the steps in which a file's sound is laid after the last request


def play_out(
    requests: Iterable[tuple[Cue, float]],
    duration_s: float,
    render: Callable[[Cue], np.ndarray],
    sample_rate: int,
    *,
    max_wait_s: dict[CueKind, float] | None = None,
) -> tuple[np.ndarray, SoundScheduler]:
    """The sound of a session: each ``(cue, t_s)`` requested at ``t_s`` from a
    :class:`SoundScheduler`, the samples pulled from 0 s on. At least ``duration_s`` long, and
    longer when the last sound runs on. Returns the (n,) float32 samples and the scheduler (what
    was placed, dropped, cut)."""
    scheduler = SoundScheduler(render, sample_rate, max_wait_s=max_wait_s)
    parts: list[np.ndarray] = []
    pos = 0  # samples laid so far; time = pos / sample_rate
    for cue, t_s in sorted(requests, key=lambda r: r[1]):
        target = max(pos, round(t_s * sample_rate))
        if target > pos:
            parts.append(scheduler.pull(pos / sample_rate, target - pos))
            pos = target
        scheduler.request(cue, t_s)
    end = round(duration_s * sample_rate)
    chunk = round(PLAY_OUT_CHUNK_S * sample_rate)
    while scheduler.busy or pos < end:
        n = chunk if scheduler.busy else end - pos
        parts.append(scheduler.pull(pos / sample_rate, n))
        pos += n
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return samples.astype(np.float32, copy=False), scheduler
