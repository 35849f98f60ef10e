"""Benchmark of ``spinesafe live`` with a video file played as a camera in real time.

    python scripts/bench_live.py VIDEO [--exercise squat] [--device] [--program FILE] [--screen WxH]

Runs the real live loop (paced file camera with its capture thread, MediaPipe, the coach, the
overlay, espeak-ng speech and the audio player thread) headless, and prints (``--screen WxH``: the
overlay drawn on a canvas of that size, as the full-screen window gets it; default the camera's size):

- camera-to-overlay latency: from the moment a frame is available (the capture thread publishes
  it at its real time) to the overlaid image being handed to the display; median and p95.
  A real camera adds its own sensor/driver delay before that, which software cannot see.
- cue sound onset: from the capture of the frame whose pose produced the event to the first
  sample of the cue's sound being written to the output stream, plus the stream's own latency.
- the ``--audio-file`` WAV: where each count and warning starts in the file (found from the tick
  and warning tones, :mod:`spinesafe.lab.cue_onsets`) against its event's session time; the file is
  laid by the same scheduler as the speakers, so it holds what they played, when.
- frame-loop stall: per-frame work and the gaps between shown frames while speech is playing,
  compared with the rest of the session. Speech renders and plays in its own thread; a stall
  would show as longer gaps during speech.

Sound goes to a stand-in output stream that blocks like a real device (``write`` takes as long
as the audio it is given; 30 ms latency assumed) unless ``--device`` is given, which uses the
default PortAudio device (e.g. speakers; on a machine without one, an ALSA ``null`` device:
``HOME=/tmp/alsa-null`` with ``pcm.!default { type null }`` in its ``.asoundrc``).
Targets (DESIGN.md): latency <= 100 ms median, onset <= 300 ms, no stall. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from spinesafe.feedback.audio import SAMPLE_RATE, EspeakSpeech, SoundDevicePlayer, read_wav
from spinesafe.feedback.window import HeadlessDisplay, parse_screen
from spinesafe.lab.cue_onsets import count_onsets, onset_delays, warning_onsets
from spinesafe.session.coach import LiveCoach
from spinesafe.session.live import LiveOptions, LiveOutcome, load_live_programme, run_live

ASSUMED_DEVICE_LATENCY_S = 0.03


class PacedStream:
    """An output stream whose blocking ``write`` lasts as long as the audio, like a sound card."""

    latency = ASSUMED_DEVICE_LATENCY_S

    def __init__(self) -> None:
        self.written_s = 0.0
        self.busy: list[tuple[float, float]] = []  # (start, end) monotonic of each write

    def start(self) -> None:
        pass

    def write(self, data: np.ndarray) -> None:
        start = time.monotonic()
        duration = data.shape[0] / SAMPLE_RATE
        if np.any(data):
            self.busy.append((start, start + duration))
        self.written_s += duration
        time.sleep(duration)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


def _ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    median = statistics.median(ordered)
    return f"median {1000 * median:6.1f} ms, p95 {1000 * p95:6.1f} ms, max {1000 * ordered[-1]:6.1f} ms"


def _during(times: list[float], spans: list[tuple[float, float]]) -> np.ndarray:
    t = np.asarray(times)
    inside = np.zeros(t.size, dtype=bool)
    for start, end in spans:
        inside |= (t >= start) & (t <= end)
    return inside


def _print_wav_onsets(outcome: LiveOutcome, wav: Path) -> None:
    """Onset of each count and warning in the session's WAV, found in the signal, after its event."""
    samples, _ = read_wav(wav)
    cues = outcome.report["cues"]
    for kind, found in (("count", count_onsets(samples)), ("safety", warning_onsets(samples))):
        due = [c["t_s"] for c in cues if c["kind"] == kind]
        delays = onset_delays(due, found)
        heard = [d for d in delays if not math.isnan(d)]
        print(f"  WAV onset after the event, {kind:6s} ({len(heard):3d} of {len(due):3d} found): {_ms(heard)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--exercise", default="squat")
    parser.add_argument("--program", type=Path)
    parser.add_argument("--device", action="store_true", help="play on the default PortAudio device")
    parser.add_argument("--setup-check", action="store_true", help="run the set-up check and calibration too")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every cue with its onset")
    parser.add_argument("--screen", type=parse_screen, metavar="WxH", help="draw the overlay at this size")
    args = parser.parse_args()

    wav = Path(tempfile.mkdtemp(prefix="spinesafe-bench-")) / "cues.wav"
    options = LiveOptions(
        audio_file=wav,
        camera=args.video,
        exercise=None if args.program else args.exercise,
        programme=args.program,
        headless=True,
        setup_check=args.setup_check,
        calibrate=args.setup_check,
    )
    programme = load_live_programme(options)
    speech = EspeakSpeech()
    stream: Any = None if args.device else PacedStream()
    warm_up = LiveCoach(programme, source="", estimator="", fps=30.0).sentences() if programme else []
    speakers = SoundDevicePlayer(speech, warm_up=warm_up, stream=stream)
    if not speakers.available:
        print("no audio output device; run without --device to use the paced stand-in stream")
        return 2
    started = time.monotonic()
    display = HeadlessDisplay(size=args.screen.size if args.screen else None)
    outcome = run_live(options, display=display, speakers=speakers)
    wall = time.monotonic() - started

    report = outcome.report
    print(f"{args.video.name}: {outcome.frames} frames shown in {wall:.1f} s ({outcome.frames / wall:.1f} fps), ")
    print(f"  {outcome.dropped_frames} camera frames dropped (newer ones were ready), reps {report['rep_count']}")
    print(f"  camera-to-overlay latency: {_ms(outcome.latencies_s)}")
    print(f"  per-frame work (pose + coach + overlay): {_ms(outcome.loop_s)}")
    requested = {id(cue): captured for cue, captured, _ in outcome.cue_log}
    device = speakers.stream_latency_s
    print(f"  cue sound onset after the event's frame (+{1000 * device:.0f} ms output latency"
          f"{' assumed' if stream is not None else ''} on top):")  # fmt: skip
    # Event cues (counts, warnings) must be prompt; instructions and praise are spoken one after
    # another, so their onset includes waiting for the sentence before them to finish.
    groups = {
        "count + safety (events)": ("count", "safety"),
        "form (tempo)": ("form",),
        "setup": ("setup",),
        "info + praise": ("info", "praise"),
    }
    for label, kinds in groups.items():
        onsets = [
            o.started - requested[id(o.cue)]
            for o in outcome.onsets
            if id(o.cue) in requested and o.cue.kind.value in kinds
        ]
        print(f"    {label:24s} ({len(onsets):3d}): {_ms(onsets)}")
    played = {id(o.cue) for o in outcome.onsets}
    dropped = [c for c, _, _ in outcome.cue_log if id(c) not in played]
    print(f"    not played (waited too long, or silent): {[c.text for c in dropped]}")
    print(f"    cut short by a more urgent cue: {[c.text for c in speakers.interrupted]}")
    if args.verbose:
        starts = {id(o.cue): o.started for o in outcome.onsets}
        for cue, captured, _ in outcome.cue_log:
            began = starts.get(id(cue))
            onset = f"{1000 * (began - captured):7.1f} ms" if began is not None else "    not played"
            print(f"      {cue.t_s:6.2f} s  {cue.kind.value:7s} {onset}  {cue.text}")
    _print_wav_onsets(outcome, wav)
    spans = stream.busy if stream is not None else [(o.started, o.started + 1.0) for o in outcome.onsets]
    if len(outcome.shown_at) > 2:
        gaps = list(np.diff(outcome.shown_at))
        inside = _during(outcome.shown_at[1:], spans)
        work = np.asarray(outcome.loop_s[1:])
        speaking = [g for g, i in zip(gaps, inside, strict=True) if i]
        quiet = [g for g, i in zip(gaps, inside, strict=True) if not i]
        print(f"  frame gaps while sound plays ({len(speaking)}): {_ms(speaking)}")
        print(f"  frame gaps while silent     ({len(quiet)}): {_ms(quiet)}")
        if inside.any() and (~inside).any():
            print(
                f"  per-frame work while sound plays: median {1000 * float(np.median(work[inside])):.1f} ms; "
                f"silent: {1000 * float(np.median(work[~inside])):.1f} ms"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
