"""When each count and warning starts in a recorded sound track, found from the signal itself.

Used to check that a session's WAV (``live --audio-file``) or a review video's sound holds each cue
when it was due (DESIGN.md: a cue's sound starts <= 300 ms after its event). A count starts with
its 1.5 kHz tick and a warning with two falling tones, 880 Hz then 587 Hz
(:data:`~spinesafe.feedback.audio.REP_TICK`, :data:`~spinesafe.feedback.audio.WARNING_TONE`): an
onset is where the energy of that tone rises from absent to present. Speech does not trigger it:
its energy is spread over harmonics and formants, never 60 % of it within 60 Hz of one frequency.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from spinesafe.feedback.audio import SAMPLE_RATE

WINDOW_S = 0.02  # analysis window: a few periods of the lowest tone, shorter than the 60 ms tick
HOP_S = 0.005
TONE_BAND_HZ = 60.0
TONE_SHARE = 0.6  # of the window's energy within the band
MIN_RMS = 0.03  # quieter than this is silence (ticks and tones play at 0.6, speech peaks at 0.9)
TICK_HZ = 1500.0
WARNING_HZ = (880.0, 587.0)
# The warning's second tone starts 180 ms + 40 ms after its first: found too, because a warning
# that cuts another one short follows on without the silence before its first tone. Each lasts
# 180 ms; a vowel of speech can be one steady tone for a few tens of ms, so a warning tone must
# hold for 100 ms (a cut warning's first tone may be shorter: its second one is then found).
SECOND_TONE_S = 0.22
WARNING_TONE_MIN_S = 0.1


def _tonal(samples: np.ndarray, i: int, freq_hz: float, rate: int) -> bool:
    part = samples[i : i + round(WINDOW_S * rate)]
    power = np.abs(np.fft.rfft(part * np.hanning(part.size))) ** 2
    band = np.abs(np.fft.rfftfreq(part.size, 1 / rate) - freq_hz) <= TONE_BAND_HZ
    return bool(np.sqrt(np.mean(part**2)) > MIN_RMS and power[band].sum() > TONE_SHARE * power.sum())


def tone_onsets(samples: np.ndarray, freq_hz: float, rate: int = SAMPLE_RATE, min_s: float = 0.0) -> list[float]:
    """Times (s) where a tone at ``freq_hz`` starts in mono ``samples`` and lasts ``min_s`` at least."""
    hop, n = round(HOP_S * rate), round(WINDOW_S * rate)
    present = [_tonal(samples, i, freq_hz, rate) for i in range(0, samples.size - n, hop)]
    last = max(1, round(min_s / HOP_S))  # windows the tone must fill in a row
    return [
        k * hop / rate for k in range(1, len(present) - last + 1) if not present[k - 1] and all(present[k : k + last])
    ]


def _merged(onsets: Sequence[float], within_s: float = 0.05) -> list[float]:
    """One onset for each group closer together than ``within_s`` (the first of each)."""
    merged: list[float] = []
    for t in sorted(onsets):
        if not merged or t - merged[-1] >= within_s:
            merged.append(t)
    return merged


def count_onsets(samples: np.ndarray, rate: int = SAMPLE_RATE) -> list[float]:
    """Where each count's tick starts."""
    return tone_onsets(samples, TICK_HZ, rate)


def warning_onsets(samples: np.ndarray, rate: int = SAMPLE_RATE) -> list[float]:
    """Where each warning starts (from its first tone, or its second less 0.22 s)."""
    first, second = WARNING_HZ
    firsts = tone_onsets(samples, first, rate, WARNING_TONE_MIN_S)
    seconds = tone_onsets(samples, second, rate, WARNING_TONE_MIN_S)
    return _merged([*firsts, *(t - SECOND_TONE_S for t in seconds)])


def onset_delays(due_s: Sequence[float], onsets: Sequence[float], early_s: float = 0.03) -> list[float]:
    """For each due time (in order), the delay to the first unused onset from ``early_s`` before it
    (NaN when there is none: the cue was never heard)."""
    left, delays = sorted(onsets), []
    for t in sorted(due_s):
        later = [o for o in left if o >= t - early_s]
        if later:
            left.remove(later[0])
        delays.append(later[0] - t if later else math.nan)
    return delays
