"""Audio cues: tones, offline speech, a cue timeline, WAV files and players.

Everything is mono float32 in [-1, 1] at :data:`SAMPLE_RATE`. A counted rep is a short tick
and the number spoken; a spinal-flexion warning is a distinct two-tone sound before the words,
so the person can tell "well done" from "stop" without understanding the words.

Speech comes from the ``espeak-ng`` program (offline, Linux package ``espeak-ng``), rendered
to a WAV and cached per sentence. Live playback (:class:`SoundDevicePlayer`) renders and plays
in its own thread, never on the frame loop. When there is no sound device, no PortAudio library
or no speech engine, that is logged once and the session carries on with visual cues.

The package ships the fakes tests need: :class:`SilentSpeech` and :class:`RecordingPlayer`.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
import threading
import time
import wave
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from spinesafe.errors import AudioUnavailable, OutputError
from spinesafe.feedback.cues import Cue, CueKind
from spinesafe.feedback.sound_scheduler import BETWEEN_CUES_S as BETWEEN_CUES_S
from spinesafe.feedback.sound_scheduler import SoundScheduler, play_out

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050  # Hz, mono float32 in [-1, 1]; espeak-ng's own rate, so speech needs no resampling
FADE_S = 0.005  # fade in/out so a tone starts and ends without a click
CUE_GAP_S = 0.08  # silence between a tone and the words after it


def tone(freq_hz: float, duration_s: float, volume: float = 0.5) -> np.ndarray:
    """A sine tone of ``duration_s`` seconds with short linear fades at both ends. (n,) float32."""
    if freq_hz <= 0 or duration_s < 0 or not 0 <= volume <= 1:
        raise ValueError(
            f"tone: expected freq_hz > 0, duration_s >= 0, volume in [0, 1]; got {freq_hz}, {duration_s}, {volume}"
        )
    n = round(duration_s * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    out = volume * np.sin(2 * np.pi * freq_hz * t)
    fade = min(round(FADE_S * SAMPLE_RATE), n // 2)
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade, endpoint=False)
        out[:fade] *= ramp
        out[n - fade :] *= ramp[::-1]
    return out.astype(np.float32)


def silence(duration_s: float) -> np.ndarray:
    return np.zeros(max(0, round(duration_s * SAMPLE_RATE)), dtype=np.float32)


def _tick() -> np.ndarray:
    """A short bright tick: 1.5 kHz, 60 ms, decaying, so it is heard over speech but not startling."""
    t = tone(1500.0, 0.06, 0.6)
    return (t * np.exp(-np.arange(t.size) / (0.02 * SAMPLE_RATE))).astype(np.float32)


def _warning() -> np.ndarray:
    """Two falling tones (880 Hz then 587 Hz, 180 ms each): unlike the tick in pitch, length and shape."""
    return np.concatenate([tone(880.0, 0.18, 0.6), silence(0.04), tone(587.0, 0.18, 0.6)]).astype(np.float32)


REP_TICK: np.ndarray = _tick()
WARNING_TONE: np.ndarray = _warning()
REP_TICK.setflags(write=False)
WARNING_TONE.setflags(write=False)


# --- speech -----------------------------------------------------------------------------------


class SpeechEngine(Protocol):
    """Renders a sentence to samples at :data:`SAMPLE_RATE` (mono float32)."""

    name: str

    def render(self, text: str) -> np.ndarray: ...


class SilentSpeech:
    """A speech engine that says nothing: silence of a plausible length (``seconds_per_word``
    per word, 0 by default), for tests and for ``--no-voice``."""

    name = "silent"

    def __init__(self, seconds_per_word: float = 0.0) -> None:
        self.seconds_per_word = seconds_per_word
        self.rendered: list[str] = []

    def render(self, text: str) -> np.ndarray:
        self.rendered.append(text)
        return silence(self.seconds_per_word * len(text.split()))


class EspeakSpeech:
    """Offline speech with the ``espeak-ng`` program (Linux: ``apt-get install espeak-ng``).

    Each sentence is rendered once (``espeak-ng -w``) and cached, so repeated cues cost nothing.
    Raises :class:`AudioUnavailable` at construction when the program is not installed.
    """

    name = "espeak-ng"

    def __init__(
        self, voice: str = "en", words_per_minute: int = 140, volume: float = 0.9, binary: str = "espeak-ng"
    ) -> None:
        path = shutil.which(binary)
        if path is None:
            raise AudioUnavailable(
                f"speech: the {binary!r} program is not installed (Linux: apt-get install espeak-ng); "
                "cues will be tones and text only"
            )
        self.binary = path
        self.voice = voice
        # 140 words per minute: a little slower than espeak's default 175, for older listeners.
        self.words_per_minute = words_per_minute
        self.volume = volume
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def render(self, text: str) -> np.ndarray:
        with self._lock:
            cached = self._cache.get(text)
        if cached is not None:
            return cached
        samples = self._render_uncached(text)
        samples.setflags(write=False)
        with self._lock:
            self._cache[text] = samples
        return samples

    def _render_uncached(self, text: str) -> np.ndarray:
        with tempfile.TemporaryDirectory(prefix="spinesafe-speech-") as tmp:
            wav_path = Path(tmp) / "speech.wav"
            cmd = [self.binary, "-v", self.voice, "-s", str(self.words_per_minute), "-w", str(wav_path), "--", text]
            try:
                subprocess.run(cmd, check=True, capture_output=True, timeout=20)
            except (OSError, subprocess.SubprocessError) as exc:
                raise AudioUnavailable(f"speech: espeak-ng failed for {text!r} ({exc})") from exc
            samples, rate = read_wav(wav_path)
        samples = trim_silence(resample(samples, rate, SAMPLE_RATE))
        peak = float(np.max(np.abs(samples))) if samples.size else 0.0
        if peak > 0:
            samples = samples * (self.volume / peak)
        return samples.astype(np.float32)


def trim_silence(samples: np.ndarray, threshold: float = 0.01, margin_s: float = 0.01) -> np.ndarray:
    """Cut leading and trailing near-silence (espeak-ng pads its output by a few hundred ms), so
    speech starts when its cue is played and a short sentence does not hold up the next cue."""
    if samples.size == 0:
        return samples
    peak = float(np.max(np.abs(samples)))
    loud = np.flatnonzero(np.abs(samples) > threshold * peak) if peak > 0 else np.zeros(0, dtype=np.int64)
    if loud.size == 0:
        return samples[:0]
    margin = round(margin_s * SAMPLE_RATE)
    return samples[max(0, int(loud[0]) - margin) : int(loud[-1]) + margin + 1]


def default_speech(voice: bool = True) -> SpeechEngine:
    """espeak-ng when installed, else :class:`SilentSpeech` (the reason is logged once)."""
    if not voice:
        return SilentSpeech()
    try:
        return EspeakSpeech()
    except AudioUnavailable as exc:
        _warn_once("speech", str(exc))
        return SilentSpeech()


_warned: set[str] = set()
_warned_lock = threading.Lock()


def _warn_once(key: str, message: str) -> None:
    """Degraded modes are announced once per process, not once per cue."""
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning("%s", message)


# --- cues to sound ------------------------------------------------------------------------------


def render_cue(cue: Cue, speech: SpeechEngine) -> np.ndarray:
    """The sound of one cue: COUNT = tick + the number spoken; SAFETY = warning tone + the words;
    any other kind = the words alone. (n,) float32, possibly empty (silent speech, no tone)."""
    words = speech.render(cue.text)
    if cue.kind is CueKind.COUNT:
        parts: list[np.ndarray] = [REP_TICK]
    elif cue.kind is CueKind.SAFETY:
        parts = [WARNING_TONE]
    else:
        parts = []
    if parts and words.size:
        parts += [silence(CUE_GAP_S), words]
    elif words.size:
        parts = [words]
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, dtype=np.float32)


@dataclass(frozen=True)
class PlacedSound:
    """A cue's sound placed on a timeline: it starts at ``start_s`` (>= the cue's ``t_s``);
    ``samples`` is what was heard of it (shorter than the cue's sound when it was cut)."""

    cue: Cue
    start_s: float
    samples: np.ndarray = field(repr=False)

    @property
    def end_s(self) -> float:
        return self.start_s + self.samples.size / SAMPLE_RATE


def _requests(cues: Iterable[Cue]) -> list[tuple[Cue, float]]:
    return [(cue, cue.t_s) for cue in cues]


def schedule(cues: Iterable[Cue], speech: SpeechEngine) -> list[PlacedSound]:
    """Where each cue's sound lands when the cues are asked for at their ``t_s``: the speakers'
    policy (:mod:`spinesafe.feedback.sound_scheduler`: one sound at a time, urgent cues first and
    cutting, late counts and stale praise dropped). Dropped cues are absent."""
    _, scheduler = play_out(_requests(cues), 0.0, lambda cue: render_cue(cue, speech), SAMPLE_RATE)
    return [PlacedSound(p.cue, p.start_s, p.samples[: p.played]) for p in scheduler.placed]


def mix(placed: Sequence[PlacedSound], duration_s: float) -> np.ndarray:
    """Samples of length max(duration_s, end of the last sound) with each sound at its start."""
    end = max([duration_s, *(p.end_s for p in placed)])
    out = np.zeros(round(end * SAMPLE_RATE) + 1, dtype=np.float32)
    for p in placed:
        i = round(p.start_s * SAMPLE_RATE)
        out[i : i + p.samples.size] += p.samples[: out.size - i]
    return np.clip(out, -1.0, 1.0)


def render_timeline(cues: list[Cue], duration_s: float, speech: SpeechEngine) -> np.ndarray:
    """The audio track of a session: each cue asked for at its ``t_s`` and played as the speakers
    would play it (:func:`schedule`), at least ``duration_s * SAMPLE_RATE`` samples long. For the
    review video's sound track and the live WAV file."""
    samples, _ = play_out(_requests(cues), duration_s, lambda cue: render_cue(cue, speech), SAMPLE_RATE)
    return np.clip(samples, -1.0, 1.0)


# --- WAV files -------------------------------------------------------------------------------------


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Path:
    """Write mono samples in [-1, 1] as a 16-bit PCM WAV file (stdlib ``wave``)."""
    path = Path(path)
    data = np.asarray(samples, dtype=np.float64)
    if data.ndim != 1:
        raise ValueError(f"samples: expected shape (n,), got {data.shape}")
    pcm = (np.clip(data, -1.0, 1.0) * 32767).round().astype("<i2")
    try:
        with path.open("wb") as handle, wave.open(handle, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(sample_rate)
            wav.writeframes(pcm.tobytes())
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the audio file ({exc.strerror or exc})") from exc
    return path


def read_wav(source: str | Path | bytes) -> tuple[np.ndarray, int]:
    """Read a PCM WAV (8/16/32-bit, any channel count, mixed to mono): ((n,) float32, rate)."""
    handle: Any = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    with wave.open(handle, "rb") as wav:
        channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    if width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 4:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    else:
        raise ValueError(f"unsupported WAV sample width: {width} bytes")
    if channels > 1:
        data = data[: data.size - data.size % channels].reshape(-1, channels).mean(axis=1)
    return data.astype(np.float32), rate


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Linear-interpolation resampling (enough for speech and tones)."""
    if from_rate == to_rate or samples.size == 0:
        return samples.astype(np.float32)
    n = max(1, round(samples.size * to_rate / from_rate))
    x_new = np.arange(n) * (from_rate / to_rate)
    return np.interp(x_new, np.arange(samples.size), samples).astype(np.float32)


# --- players ---------------------------------------------------------------------------------------


class CuePlayer(Protocol):
    """Where live cues are sounded. ``play`` must return at once (it runs on the frame loop);
    ``t_s`` is the session time in seconds at which the cue is asked for."""

    def play(self, cue: Cue, t_s: float) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class PlayedCue:
    t_s: float
    cue: Cue


class RecordingPlayer:
    """A fake player that remembers what it was asked to play, and when (for tests)."""

    def __init__(self) -> None:
        self.played: list[PlayedCue] = []
        self.closed = False

    def play(self, cue: Cue, t_s: float) -> None:
        self.played.append(PlayedCue(t_s, cue))

    @property
    def texts(self) -> list[str]:
        return [p.cue.text for p in self.played]

    def close(self) -> None:
        self.closed = True


class WavFilePlayer:
    """Renders every cue it is given, at its session time, into one WAV file written on close.

    The file is what the speakers would have played, when they would have played it: the same
    :class:`~spinesafe.feedback.sound_scheduler.SoundScheduler` decides (urgent cues cut, late
    counts and stale praise dropped, one sound at a time), driven by the session times."""

    def __init__(self, path: str | Path, speech: SpeechEngine) -> None:
        self.path = Path(path)
        self.speech = speech
        self._cues: list[Cue] = []
        self._duration_s = 0.0
        self.closed = False

    def play(self, cue: Cue, t_s: float) -> None:
        self._cues.append(Cue(t_s, cue.kind, cue.text))

    def extend_to(self, t_s: float) -> None:
        """The session lasted at least ``t_s`` seconds (the file is at least that long)."""
        self._duration_s = max(self._duration_s, t_s)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        write_wav(self.path, render_timeline(self._cues, self._duration_s, self.speech))


@dataclass(frozen=True)
class Onset:
    """When a cue was asked for and when its first sample went to the sound device (monotonic s)."""

    cue: Cue
    requested: float
    started: float

    @property
    def delay_s(self) -> float:
        return self.started - self.requested


class SoundDevicePlayer:
    """Plays cues on the default sound output through ``sounddevice`` (PortAudio), in its own thread.

    ``play`` only hands the cue to a :class:`~spinesafe.feedback.sound_scheduler.SoundScheduler`;
    the worker thread renders (speech is cached) and pulls the scheduler's sound in short chunks
    into one open output stream, so the frame loop never waits for audio. The scheduler is the one
    the ``--audio-file`` WAV and the review video use: one sound at a time, the most urgent first, a
    more urgent cue cutting a less urgent sentence within a chunk (50 ms), a newer count replacing
    an older one, late counts and stale praise dropped (:data:`~spinesafe.feedback.sound_scheduler.MAX_WAIT_S`),
    the pain rule never cut. Without PortAudio or an output device it logs that once and plays
    nothing (:attr:`available`).
    """

    CHUNK_S = 0.05  # written in short chunks: a cut within 50 ms, and close() never stuck behind a sentence

    def __init__(
        self,
        speech: SpeechEngine,
        *,
        max_wait_s: dict[CueKind, float] | None = None,
        warm_up: Iterable[str] = (),
        device: int | str | None = None,
        stream: Any = None,
    ) -> None:
        self.speech = speech
        self.scheduler = SoundScheduler(self._render_cue, SAMPLE_RATE, max_wait_s=max_wait_s)
        self.stream_latency_s = 0.0  # the output stream's own latency (device buffer)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._stream: Any = None
        self.available = False
        try:
            if stream is None:  # ``stream``: anything with start/write/stop/close/latency (benchmarks, tests)
                import sounddevice

                stream = sounddevice.OutputStream(
                    samplerate=SAMPLE_RATE, channels=1, dtype="float32", latency="low", device=device
                )
            self._stream = stream
            self._stream.start()
            self.available = True
            self.stream_latency_s = float(getattr(stream, "latency", 0.0) or 0.0)
        except Exception as exc:  # sounddevice raises OSError, PortAudioError or ValueError
            _warn_once(
                "sounddevice",
                f"sound: no audio output ({exc}); cues will be shown on screen only"
                " (Linux: apt-get install libportaudio2 and check a sound device is connected)",
            )
        self._thread = threading.Thread(target=self._run, name="spinesafe-audio", daemon=True)
        if self.available:
            self._thread.start()
            # Speech for likely sentences is rendered ahead in its own thread, so that a cue's
            # sound starts within milliseconds instead of waiting ~30 ms for espeak-ng.
            warm = list(warm_up)
            if warm:
                threading.Thread(target=self._warm_up, args=(warm,), name="spinesafe-speech", daemon=True).start()

    @property
    def onsets(self) -> list[Onset]:
        """Each cue sounded: when it was asked for and when its first sample was written."""
        return [Onset(p.cue, p.requested_s, p.start_s) for p in list(self.scheduler.placed)]

    @property
    def interrupted(self) -> list[Cue]:
        """Cues cut short by a more urgent one (or a newer count)."""
        return list(self.scheduler.interrupted)

    @property
    def dropped(self) -> list[Cue]:
        """Cues that waited too long to be worth playing, or were replaced by a newer one of their kind."""
        return list(self.scheduler.dropped)

    def play(self, cue: Cue, t_s: float) -> None:
        if self.available:
            self.scheduler.request(cue, time.monotonic())
            self._wake.set()

    def _warm_up(self, texts: list[str]) -> None:
        for text in texts:
            if self._stop.is_set():
                return
            self._render_safely(text)

    def _run(self) -> None:
        chunk = round(self.CHUNK_S * SAMPLE_RATE)
        while not self._stop.is_set():
            self._wake.clear()
            if not self.scheduler.busy:
                self._wake.wait(timeout=0.5)
                continue
            self.scheduler.prepare()  # render before reading the clock: the onset is when it is heard
            samples = self.scheduler.pull(time.monotonic(), chunk)
            if not self._write(samples):
                return

    def _render_safely(self, text: str) -> None:
        try:
            self.speech.render(text)
        except AudioUnavailable as exc:
            _warn_once("speech-render", str(exc))

    def _render_cue(self, cue: Cue) -> np.ndarray:
        try:
            return render_cue(cue, self.speech)
        except AudioUnavailable as exc:
            _warn_once("speech-render", f"{exc}; playing tones only")
            return render_cue(cue, SilentSpeech())

    def _write(self, samples: np.ndarray) -> bool:
        """Write one chunk; False when the device failed (the player then stops)."""
        try:
            self._stream.write(np.ascontiguousarray(samples.reshape(-1, 1), dtype=np.float32))
        except Exception as exc:  # PortAudio errors: device gone mid-session
            _warn_once("sounddevice-write", f"sound: output failed ({exc}); continuing without sound")
            self.available = False
            self._stop.set()
            return False
        return True

    def drain(self, timeout_s: float) -> bool:
        """Wait (up to ``timeout_s``) until every cue asked for has been played (or dropped); True if so."""
        deadline = time.monotonic() + timeout_s
        while self._thread.is_alive() and time.monotonic() < deadline:
            if not self.scheduler.busy:
                return True
            time.sleep(0.02)
        return not self.scheduler.busy

    def close(self) -> None:
        if self._thread.is_alive():
            self._stop.set()
            self._wake.set()
            self._thread.join(timeout=2.0)
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception as exc:  # closing a vanished device must not crash the session
                log.debug("sound: closing the output stream failed: %s", exc)
            self._stream = None
