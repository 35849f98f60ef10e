"""The sound scheduler: one policy for the speakers, the live WAV and the review sound track."""

from __future__ import annotations

import time

import numpy as np
import pytest

from spinesafe.feedback.audio import SAMPLE_RATE, SilentSpeech, SoundDevicePlayer, render_cue
from spinesafe.feedback.cues import HINGE, PAIN_RULE, STOP_FLEXION, Cue, CueKind
from spinesafe.feedback.sound_scheduler import MAX_WAIT_S, SoundScheduler, play_out

SPEECH = SilentSpeech(seconds_per_word=0.4)  # silence of a sentence's length: decisions, not sounds


def render(cue: Cue) -> np.ndarray:
    # A constant level instead of silence, so the track shows where each sound is.
    return np.full(render_cue(cue, SPEECH).size, 0.1, dtype=np.float32)


def placed(requests: list[tuple[Cue, float]]) -> tuple[list[tuple[str, float, bool]], SoundScheduler]:
    _, scheduler = play_out(requests, 0.0, render, SAMPLE_RATE)
    return [(p.cue.text, round(p.start_s, 3), p.cut) for p in scheduler.placed], scheduler


def cue(kind: CueKind, text: str) -> Cue:
    return Cue(0.0, kind, text)


def test_a_count_is_on_time_or_not_at_all() -> None:
    hinge = cue(CueKind.SAFETY, HINGE)  # tone + 7 words: ~3.4 s
    requests = [
        (cue(CueKind.INFO, "Mini squat. Feet hip-width apart."), 0.0),  # 5 words, 2 s
        (cue(CueKind.COUNT, "1"), 0.5),  # cuts the instruction
        (hinge, 3.0),
        (cue(CueKind.COUNT, "2"), 4.0),  # the warning is still being said: dropped after 0.3 s
        (cue(CueKind.COUNT, "3"), 7.0),
    ]
    sounds, scheduler = placed(requests)
    assert sounds == [
        ("Mini squat. Feet hip-width apart.", 0.0, True),
        ("1", 0.51, False),  # after the 10 ms fade of the cut instruction
        (HINGE, 3.0, False),
        ("3", 7.0, False),
    ]
    assert [c.text for c in scheduler.dropped] == ["2"]
    assert scheduler.interrupted == [requests[0][0]]


def test_a_warning_cuts_anything_but_the_pain_rule_and_is_never_dropped() -> None:
    requests = [
        (cue(CueKind.INFO, PAIN_RULE), 0.0),  # 8 words: 3.2 s, never cut
        (cue(CueKind.SAFETY, HINGE), 1.0),  # waits for it, however long
        (cue(CueKind.INFO, "Slow and controlled."), 5.0),  # waits for the warning
        (cue(CueKind.SAFETY, STOP_FLEXION), 5.5),  # a later warning: cuts the hinge cue
        (cue(CueKind.SAFETY, "Please avoid the toe touch: it rounds your back."), 6.0),  # cuts the stop
    ]
    sounds, scheduler = placed(requests)
    assert [(text, cut) for text, _, cut in sounds] == [
        (PAIN_RULE, False),
        (HINGE, True),
        (STOP_FLEXION, True),
        ("Please avoid the toe touch: it rounds your back.", False),
        ("Slow and controlled.", False),
    ]
    starts = {text: start for text, start, _ in sounds}
    assert starts[HINGE] == pytest.approx(3.2 + 0.15, abs=0.01)
    assert starts[STOP_FLEXION] == pytest.approx(5.51, abs=1e-3)
    assert starts["Please avoid the toe touch: it rounds your back."] == pytest.approx(6.01, abs=1e-3)
    assert scheduler.dropped == []


def test_newer_advice_replaces_waiting_advice_and_stale_praise_is_dropped() -> None:
    requests = [
        (cue(CueKind.SAFETY, STOP_FLEXION), 0.0),  # tone + 11 words: ~4.9 s
        (cue(CueKind.PRAISE, "Great, 3 more."), 0.5),  # waits 4.5 s > 3 s: stale
        (cue(CueKind.SETUP, "Step back."), 1.0),
        (cue(CueKind.SETUP, "Turn sideways."), 2.0),  # replaces the waiting "Step back."
    ]
    sounds, scheduler = placed(requests)
    assert [text for text, _, _ in sounds] == [STOP_FLEXION, "Turn sideways."]
    assert sorted(c.text for c in scheduler.dropped) == ["Great, 3 more.", "Step back."]
    assert MAX_WAIT_S[CueKind.PRAISE] < 4.5 < MAX_WAIT_S[CueKind.SETUP]


class _PacedStream:
    """A fake output stream whose write blocks as long as the audio lasts (like PortAudio's)."""

    latency = 0.0

    def start(self) -> None:
        pass

    def write(self, data: np.ndarray) -> None:
        time.sleep(data.shape[0] / SAMPLE_RATE)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_speakers_and_the_file_make_the_same_decisions() -> None:
    # The same cues at the same times, once to the speakers in real time and once into a file: the
    # same sounds start (in the same order, with the same cuts) and the same are dropped.
    # Times and speech three times slower than real speech: a loaded machine's thread wake-ups
    # (50-150 ms at load 11 on 2 cores) must not change which sound comes first.
    slow = 3.0
    requests = [
        (cue(CueKind.INFO, "Mini squat. Feet hip-width apart."), 0.0),
        (cue(CueKind.COUNT, "1"), 0.4 * slow),
        (cue(CueKind.FORM, "Slower."), 0.4 * slow),
        (cue(CueKind.SAFETY, HINGE), 1.3 * slow),
        (cue(CueKind.COUNT, "2"), 1.8 * slow),  # during the warning: dropped
        (cue(CueKind.SAFETY, STOP_FLEXION), 2.3 * slow),  # cuts the hinge
    ]

    def quick(c: Cue) -> np.ndarray:
        return np.full(render_cue(c, SilentSpeech(seconds_per_word=0.2 * slow)).size, 0.1, dtype=np.float32)
    _, in_file = play_out(requests, 0.0, quick, SAMPLE_RATE)
    assert [c.text for c in in_file.dropped] == ["2"] and len(in_file.interrupted) == 2
    speakers = SoundDevicePlayer(SPEECH, stream=_PacedStream())
    speakers.scheduler.render = quick
    t0 = time.monotonic()
    for c, at in requests:
        time.sleep(max(0.0, t0 + at - time.monotonic()))
        speakers.play(c, at)
    assert speakers.drain(10.0)
    speakers.close()
    assert [o.cue for o in speakers.onsets] == [p.cue for p in in_file.placed]
    assert speakers.interrupted == in_file.interrupted and speakers.dropped == in_file.dropped
    for onset, p in zip(speakers.onsets, in_file.placed, strict=True):
        assert onset.delay_s == pytest.approx(p.delay_s, abs=0.2)  # a 50 ms chunk or two, and thread wake-ups


def test_onsets_found_in_a_rendered_track_are_where_the_scheduler_put_the_cues() -> None:
    # Real speech where installed: words between the tones must not look like a tick or a warning.
    from spinesafe.feedback.audio import default_speech, render_timeline, schedule
    from spinesafe.lab.cue_onsets import count_onsets, onset_delays, warning_onsets

    speech = default_speech()
    cues = [
        Cue(0.0, CueKind.INFO, PAIN_RULE),
        Cue(4.5, CueKind.COUNT, "1"),
        Cue(6.0, CueKind.SAFETY, HINGE),
        Cue(6.3, CueKind.SAFETY, STOP_FLEXION),  # cuts the hinge cue 0.3 s in
        Cue(12.0, CueKind.COUNT, "2"),
        Cue(12.2, CueKind.PRAISE, "Great, 3 more."),
        Cue(16.0, CueKind.COUNT, "3"),
    ]
    track = render_timeline(cues, 18.0, speech)
    starts = {p.cue.text: p.start_s for p in schedule(cues, speech)}
    counts, warnings = count_onsets(track), warning_onsets(track)
    assert len(counts) == 3 and len(warnings) == 2  # nothing else looks like a tick or a warning
    due = [starts["1"], starts["2"], starts["3"]]
    assert all(abs(d) < 0.02 for d in onset_delays(due, counts))  # within a window of the detector
    assert all(abs(d) < 0.02 for d in onset_delays([starts[HINGE], starts[STOP_FLEXION]], warnings))
