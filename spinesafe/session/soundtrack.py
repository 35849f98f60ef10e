"""The annotated video's sound track: the tones and words live mode plays, at their cue times,
laid by the same scheduler as the speakers and the live WAV (:mod:`spinesafe.feedback.sound_scheduler`).

Speech is rendered in a background thread as the cues appear (espeak-ng runs as a separate
process, off the GIL), so muxing the sound at the end costs little time.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from spinesafe.feedback.cues import Cue
from spinesafe.feedback.result import SessionResult

if TYPE_CHECKING:
    from spinesafe.feedback.audio import SpeechEngine

log = logging.getLogger(__name__)


class SoundTrack:
    """The cue audio of ``video_path``: the video is written silent to :attr:`silent_path` first,
    then :meth:`finish` muxes the cues' sound into ``video_path``. ``speech`` None: espeak-ng."""

    def __init__(self, video_path: Path, speech: SpeechEngine | None) -> None:
        self.video_path = video_path
        self.silent_path = video_path.with_name(".annotated.video.mp4")
        self.speech, self._no_speech = _speech_engine(speech)
        self._warmer = _SpeechWarmer(self.speech) if self._no_speech is None else None

    def add(self, cues: Iterable[Cue]) -> None:
        """Cues as they are given: their words are rendered ahead."""
        if self._warmer is not None:
            self._warmer.add(cues)

    def abort(self) -> None:
        if self._warmer is not None:
            self._warmer.close()
        self.silent_path.unlink(missing_ok=True)

    def finish(self, result: SessionResult) -> None:
        """Mux the sound of ``result.cues`` into the video; a note in ``result`` when speech is missing."""
        if self._no_speech is not None:
            result.notes.append(self._no_speech)
        try:
            _add_sound_track(self.silent_path, self.video_path, result, self.speech, self._warmer)
        finally:
            self.silent_path.unlink(missing_ok=True)


class _SpeechWarmer:
    """Renders the words of each cue in a background thread as the cues appear, so the sound track
    costs little time at the end (espeak-ng runs as a separate process, off the GIL)."""

    def __init__(self, speech: SpeechEngine) -> None:
        self.speech = speech
        self.failed: Exception | None = None
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._seen: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="spinesafe-speech", daemon=True)
        self._thread.start()

    def add(self, cues: Iterable[Cue]) -> None:
        for cue in cues:
            if cue.text not in self._seen:
                self._seen.add(cue.text)
                self._queue.put(cue.text)

    def _run(self) -> None:
        from spinesafe.errors import AudioUnavailable

        while (text := self._queue.get()) is not None:
            if self.failed is not None:
                continue
            try:
                self.speech.render(text)
            except AudioUnavailable as exc:
                self.failed = exc

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()


def _speech_engine(speech: SpeechEngine | None) -> tuple[SpeechEngine, str | None]:
    """The engine for the sound track, and a note for the report when speech cannot be rendered."""
    from spinesafe.errors import AudioUnavailable
    from spinesafe.feedback.audio import EspeakSpeech, SilentSpeech

    if speech is not None:
        return speech, None
    try:
        return EspeakSpeech(), None
    except AudioUnavailable as exc:
        log.warning("%s", exc)
        return SilentSpeech(), f"Speech was not rendered into the video's sound track ({exc}); it has the tones only."


def _add_sound_track(
    silent_path: Path, out_path: Path, result: SessionResult, speech: SpeechEngine, warmer: _SpeechWarmer | None
) -> None:
    """``out_path``: the video of ``silent_path`` with the cue audio (the tones and words live mode plays)."""
    from spinesafe.errors import AudioUnavailable
    from spinesafe.feedback.audio import SAMPLE_RATE, SilentSpeech, render_timeline
    from spinesafe.feedback.video import mux_audio

    if warmer is not None:
        warmer.close()
        if warmer.failed is not None:
            result.notes.append(
                f"Speech was not rendered into the video's sound track ({warmer.failed}); it has the tones only."
            )
            speech = SilentSpeech()
    duration_s = result.frames / result.fps if result.fps > 0 else result.duration_s
    try:
        samples = render_timeline(list(result.cues), duration_s, speech)
    except AudioUnavailable as exc:
        result.notes.append(f"Speech was not rendered into the video's sound track ({exc}); it has the tones only.")
        samples = render_timeline(list(result.cues), duration_s, SilentSpeech())
    # The track ends with the picture: a sentence still being said at the last frame is cut there.
    mux_audio(silent_path, samples[: round(duration_s * SAMPLE_RATE)], SAMPLE_RATE, out_path)
