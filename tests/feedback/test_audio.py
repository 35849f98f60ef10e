"""Audio: tones, the cue timeline, WAV files, espeak-ng speech and the players."""

from __future__ import annotations

import logging
import shutil
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from spinesafe.errors import AudioUnavailable, SpinesafeError
from spinesafe.feedback import audio
from spinesafe.feedback.audio import (
    REP_TICK,
    SAMPLE_RATE,
    WARNING_TONE,
    EspeakSpeech,
    RecordingPlayer,
    SilentSpeech,
    SoundDevicePlayer,
    WavFilePlayer,
    read_wav,
    render_cue,
    render_timeline,
    schedule,
    tone,
    write_wav,
)
from spinesafe.feedback.cues import Cue, CueKind

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def _dominant_hz(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.fft.rfftfreq(x.size, 1 / SAMPLE_RATE)[np.argmax(spectrum)])


def test_tone_has_length_pitch_volume_and_fades() -> None:
    t = tone(440.0, 0.5, volume=0.5)
    assert t.dtype == np.float32 and t.shape == (SAMPLE_RATE // 2,)
    assert abs(_dominant_hz(t) - 440.0) < 3
    assert 0.49 < float(np.max(np.abs(t))) <= 0.5
    assert abs(t[0]) < 1e-6 and abs(t[-1]) < 0.01  # faded: no click at either end
    with pytest.raises(ValueError, match="volume"):
        tone(440.0, 0.1, volume=2.0)


def test_tick_and_warning_are_distinct() -> None:
    assert 0.03 < REP_TICK.size / SAMPLE_RATE < 0.1  # short
    assert WARNING_TONE.size / SAMPLE_RATE > 0.35  # long enough to notice
    assert abs(_dominant_hz(REP_TICK) - 1500) < 40
    first, second = WARNING_TONE[: int(0.18 * SAMPLE_RATE)], WARNING_TONE[-int(0.18 * SAMPLE_RATE) :]
    assert abs(_dominant_hz(first) - 880) < 10 and abs(_dominant_hz(second) - 587) < 10  # two falling tones
    assert not REP_TICK.flags.writeable


def test_render_cue_by_kind() -> None:
    speech = SilentSpeech(seconds_per_word=0.5)
    count = render_cue(Cue(1.0, CueKind.COUNT, "3"), speech)
    safety = render_cue(Cue(1.0, CueKind.SAFETY, "Hinge at your hips"), speech)
    info = render_cue(Cue(1.0, CueKind.INFO, "Slow and controlled"), speech)
    np.testing.assert_array_equal(count[: REP_TICK.size], REP_TICK)
    assert count.size == REP_TICK.size + round(audio.CUE_GAP_S * SAMPLE_RATE) + round(0.5 * SAMPLE_RATE)
    np.testing.assert_array_equal(safety[: WARNING_TONE.size], WARNING_TONE)
    assert info.size == round(1.5 * SAMPLE_RATE) and not info.any()
    assert speech.rendered == ["3", "Hinge at your hips", "Slow and controlled"]
    # No voice: a count is still a tick, a safety cue still the warning, other cues are silent.
    mute_voice = SilentSpeech()
    np.testing.assert_array_equal(render_cue(Cue(0, CueKind.COUNT, "1"), mute_voice), REP_TICK)
    np.testing.assert_array_equal(render_cue(Cue(0, CueKind.SAFETY, "Stop"), mute_voice), WARNING_TONE)
    assert render_cue(Cue(0, CueKind.PRAISE, "Great"), mute_voice).size == 0


def test_timeline_places_cues_at_their_times_and_a_warning_cuts_in() -> None:
    speech = SilentSpeech(seconds_per_word=1.0)
    cues = [
        Cue(1.0, CueKind.COUNT, "1"),  # tick at 1.0, speech until ~2.14
        Cue(1.2, CueKind.INFO, "Slow and controlled"),  # waits its turn
        Cue(1.5, CueKind.SAFETY, "Chest up"),  # more urgent: cuts the count short, starts at once
        Cue(10.0, CueKind.COUNT, "2"),
    ]
    placed = schedule(cues, speech)
    assert [p.cue.text for p in placed] == ["1", "Chest up", "Slow and controlled", "2"]
    assert placed[0].start_s == 1.0
    assert placed[0].end_s == pytest.approx(1.51, abs=1e-3)  # cut at 1.5 with a 10 ms fade
    assert placed[1].start_s == pytest.approx(1.51, abs=1e-3)  # the warning is not delayed
    assert placed[2].start_s == pytest.approx(placed[1].end_s + audio.BETWEEN_CUES_S, abs=1e-3)
    assert placed[3].start_s == 10.0
    track = render_timeline(cues, 12.0, speech)
    assert track.size >= 12 * SAMPLE_RATE
    i = SAMPLE_RATE  # exactly the tick at 1.0 s, nothing before
    assert not track[:i].any()
    np.testing.assert_allclose(track[i : i + REP_TICK.size], REP_TICK)
    j = round(placed[1].start_s * SAMPLE_RATE)
    np.testing.assert_allclose(track[j : j + WARNING_TONE.size], WARNING_TONE)
    np.testing.assert_allclose(track[10 * SAMPLE_RATE : 10 * SAMPLE_RATE + REP_TICK.size], REP_TICK)


def test_timeline_is_longer_than_duration_when_last_cue_runs_on() -> None:
    track = render_timeline([Cue(0.99, CueKind.SAFETY, "x")], 1.0, SilentSpeech())
    assert track.size >= round((0.99 * SAMPLE_RATE) + WARNING_TONE.size)


def test_wav_round_trip_is_16_bit_pcm(tmp_path: Path) -> None:
    samples = np.concatenate([silence := np.zeros(1000, np.float32), tone(440, 0.2, 0.8), silence])
    path = write_wav(tmp_path / "a.wav", samples)
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, SAMPLE_RATE)
        assert wav.getnframes() == samples.size
    back, rate = read_wav(path)
    assert rate == SAMPLE_RATE
    np.testing.assert_allclose(back, samples, atol=1 / 16000)
    with pytest.raises(SpinesafeError, match="cannot write"):
        write_wav(tmp_path / "missing-dir" / "a.wav", samples)


def test_wav_file_player_writes_tick_at_session_time(tmp_path: Path) -> None:
    out = tmp_path / "session.wav"
    player = WavFilePlayer(out, SilentSpeech())
    player.play(Cue(0.0, CueKind.COUNT, "1"), 2.5)  # cue times are replaced by when it was played
    player.extend_to(4.0)
    player.close()
    samples, rate = read_wav(out)
    assert rate == SAMPLE_RATE and samples.size >= 4 * SAMPLE_RATE
    onset = int(np.argmax(np.abs(samples) > 0.01))
    assert abs(onset / SAMPLE_RATE - 2.5) < 0.005
    assert _rms(samples[: int(2.4 * SAMPLE_RATE)]) == 0


def test_recording_player_keeps_what_was_played_and_when() -> None:
    player = RecordingPlayer()
    player.play(Cue(1.0, CueKind.COUNT, "1"), 1.2)
    player.close()
    assert player.texts == ["1"] and player.played[0].t_s == 1.2 and player.closed


@needs_espeak
def test_espeak_speech_is_non_silent_and_cached() -> None:
    speech = EspeakSpeech()
    samples = speech.render("Hinge at your hips, keep your chest up.")
    assert samples.dtype == np.float32
    assert 1.0 < samples.size / SAMPLE_RATE < 6.0
    assert _rms(samples) > 0.02 and float(np.max(np.abs(samples))) <= 1.0
    assert speech.render("Hinge at your hips, keep your chest up.") is samples  # cached
    count = render_cue(Cue(0, CueKind.COUNT, "5"), speech)
    spoken = count[REP_TICK.size :]
    assert _rms(spoken) > 0.02


def test_espeak_missing_binary_raises_audio_unavailable() -> None:
    with pytest.raises(AudioUnavailable, match="not installed") as info:
        EspeakSpeech(binary="no-such-espeak-binary")
    assert isinstance(info.value, RuntimeError)


def test_default_speech_falls_back_once(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(audio.shutil, "which", lambda _name: None)
    monkeypatch.setattr(audio, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="spinesafe.feedback.audio"):
        first, second = audio.default_speech(), audio.default_speech()
    assert isinstance(first, SilentSpeech) and isinstance(second, SilentSpeech)
    assert sum("espeak-ng" in r.message for r in caplog.records) == 1


class _FakeStream:
    """Stands in for sounddevice.OutputStream: records what was written, and when."""

    latency = 0.01

    def __init__(self, **_kwargs: object) -> None:
        self.writes: list[tuple[float, int]] = []

    def start(self) -> None:
        pass

    def write(self, data: np.ndarray) -> None:
        self.writes.append((time.monotonic(), int(data.shape[0])))
        time.sleep(data.shape[0] / SAMPLE_RATE)  # a blocking write takes as long as the audio

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


def _wait_for(player: SoundDevicePlayer, n: int, limit_s: float = 5.0) -> None:
    deadline = time.monotonic() + limit_s
    while len(player.onsets) < n and time.monotonic() < deadline:
        time.sleep(0.01)


def test_sounddevice_player_plays_off_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    import sounddevice

    monkeypatch.setattr(sounddevice, "OutputStream", _FakeStream)  # the default stream is sounddevice's
    player = SoundDevicePlayer(SilentSpeech(seconds_per_word=0.2), max_wait_s={})  # nothing dropped
    assert player.available and player.stream_latency_s == 0.01
    t0 = time.monotonic()
    player.play(Cue(0, CueKind.SAFETY, "Stop and stand tall."), 0.0)  # nothing cuts it: 0.4 + 0.8 s
    player.play(Cue(0, CueKind.INFO, "Slow and controlled."), 0.0)
    for n in range(1, 4):
        player.play(Cue(0, CueKind.COUNT, str(n)), 0.0)
    assert time.monotonic() - t0 < 0.01  # play() only queues
    assert player.drain(5.0)
    player.close()
    # The newest count supersedes the older ones still waiting; the instruction is not superseded.
    assert [o.cue.text for o in player.onsets] == ["Stop and stand tall.", "3", "Slow and controlled."]
    assert [c.text for c in player.dropped] == ["1", "2"]
    assert player.onsets[0].delay_s < 0.1


def test_sounddevice_player_without_device_warns_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sounddevice

    def no_device(**_kwargs: object) -> None:
        raise sounddevice.PortAudioError("Error querying device -1")

    monkeypatch.setattr(sounddevice, "OutputStream", no_device)
    monkeypatch.setattr(audio, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="spinesafe.feedback.audio"):
        players = [SoundDevicePlayer(SilentSpeech()) for _ in range(2)]
    for player in players:
        assert not player.available
        player.play(Cue(0, CueKind.SAFETY, "Stop"), 0.0)  # a no-op, not a crash
        player.close()
    assert sum("no audio output" in r.message for r in caplog.records) == 1


def test_urgent_cue_cuts_a_sentence_short_and_a_newer_count_cuts_an_older_one() -> None:
    stream = _FakeStream()
    player = SoundDevicePlayer(SilentSpeech(seconds_per_word=0.5), stream=stream)
    info = Cue(0.0, CueKind.INFO, "one two three four five")  # 2.5 seconds of speech
    player.play(info, 0.0)
    time.sleep(0.2)
    warning = Cue(0.2, CueKind.SAFETY, "Stop")
    player.play(warning, 0.2)
    _wait_for(player, 2)
    assert [o.cue for o in player.onsets] == [info, warning]
    assert player.onsets[1].delay_s < 0.15  # within a chunk or two, not after 2.5 seconds
    assert player.interrupted == [info]
    assert player.drain(5.0)
    # Two counts: the second is the number that is right now, so it cuts the first short.
    time.sleep(0.3)
    first, second = Cue(1.0, CueKind.COUNT, "1"), Cue(1.2, CueKind.COUNT, "2")
    player.play(first, 1.0)
    time.sleep(0.2)  # the first (tick + one word, 0.64 s) is still being said
    player.play(second, 1.2)
    _wait_for(player, 4)
    player.close()
    assert [o.cue for o in player.onsets[2:]] == [first, second]
    assert player.onsets[3].delay_s < 0.15
    assert player.interrupted == [info, first]


def test_late_counts_are_dropped_and_the_pain_rule_is_not_cut_by_a_count() -> None:
    player = SoundDevicePlayer(SilentSpeech(seconds_per_word=0.25), stream=_FakeStream())
    pain = Cue(0.0, CueKind.INFO, "Mild soreness is normal; sharp pain means stop.")  # 8 words: 2 s
    player.play(pain, 0.0)
    time.sleep(0.1)
    count = Cue(0.1, CueKind.COUNT, "1")
    player.play(count, 0.1)  # would cut any other sentence; waits for the pain rule, and is then too late
    time.sleep(0.2)
    setup = Cue(0.3, CueKind.SETUP, "Step back.")
    player.play(setup, 0.3)
    assert player.drain(6.0)
    player.close()
    assert [o.cue for o in player.onsets] == [pain, setup]
    assert player.interrupted == [] and player.dropped == [count]
