"""``spinesafe live``: coach a person through a camera (or a video played as one)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from spinesafe.classifiers.exercises import EXERCISES, UNSAFE_PATTERNS, exercise_name
from spinesafe.commands.arguments import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    add_verbose,
    age_years,
    exercise_id_or_auto,
    functional_test_id,
    sex_letter,
)
from spinesafe.pose.camera import parse_camera


def _speed(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 100, got {value}") from None
    if not 0 <= number <= 100:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 100, got {value}")
    return number


def _screen(value: str) -> tuple[int, int]:
    from spinesafe.feedback.window import parse_screen

    try:
        return parse_screen(value).size
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _terminate_as_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM ends the session like Ctrl+C: the report is written


def run(args: argparse.Namespace) -> int:
    from spinesafe.session.live import LiveOptions, run_live

    if sum(x is not None for x in (args.exercise, args.program, args.test)) != 1:
        print("spinesafe live: error: give one of --exercise ID, --program FILE or --test ID", file=sys.stderr)
        return EXIT_ERROR
    if args.test is None and (args.age is not None or args.sex is not None):
        print("spinesafe live: error: --age and --sex are for --test", file=sys.stderr)
        return EXIT_ERROR
    if args.no_pictures and args.virtual_camera:
        print(
            "spinesafe live: error: --no-pictures and --virtual-camera contradict each other "
            "(the virtual camera sends the picture of the person to a video call)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    options = LiveOptions(
        camera=args.camera,
        exercise=args.exercise,
        programme=args.program,
        mirror=args.mirror,
        headless=args.headless,
        audio_file=args.audio_file,
        json_path=args.json,
        mute=args.mute,
        voice=not args.no_voice,
        virtual_camera=args.virtual_camera,
        compact=True if args.compact else None,
        setup_check=not args.no_setup_check,
        calibrate=not args.no_calibration,
        speed=args.speed,
        model=args.model,
        fullscreen=args.fullscreen,
        screen=args.screen,
        history=not args.no_history,
        db=args.db,
        patient=args.patient,
        test=args.test,
        age=args.age,
        sex=args.sex,
    )
    previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        outcome = run_live(options)
    finally:
        signal.signal(signal.SIGTERM, previous)
    for notice in outcome.notices:
        print(f"note: {notice}", file=sys.stderr)
    report = outcome.report
    print(
        f"{report['source']}: {report['exercise_name']}, {report['duration_s'] or 0:.1f} s, ended: {outcome.ended_by}"
    )
    for test in report.get("tests", []):
        line = f"  {test['name']}: " + ", ".join(
            part
            for part in (
                f"{test['count']} stands" if test["count"] is not None else "",
                f"stage {test['stage_reached']}" if test["stage_reached"] is not None else "",
                f"{test['time_s']} s" if test["time_s"] is not None else "",
                f"score {test['score']}" if test["score"] is not None else "",
            )
            if part
        )
        print(line)
        if test["norm"]:
            print(f"    norm: {test['norm']['cutoff']} -> {test['norm']['verdict']} ({test['norm']['source']})")
    for entry in report.get("exercises", [report]):
        partial = entry["partial_rep_count"]
        line = f"  {entry['exercise_name']}: {entry['rep_count']} reps"
        if partial:
            line += f" (+{partial} partial, not counted)"
        holds = [h for h in entry["holds"] if h["complete"]]
        if holds:
            line += f", {len(holds)} holds"
        line += f", {len(entry['flexion_events'])} spinal flexion events"
        print(line)
    unsafe = report.get("unsafe_movements", [])
    if unsafe:
        names = ", ".join(f"{exercise_name(u['pattern'])} at {u['t_s']:.1f} s" for u in unsafe)
        print(f"  movements to avoid: {len(unsafe)} ({names})")
    for note in report["notes"]:
        print(f"  note: {note}")
    if outcome.json_path:
        print(f"  report: {outcome.json_path}")
    if outcome.audio_path:
        print(f"  audio: {outcome.audio_path}")
    if outcome.latencies_s:
        ordered = sorted(outcome.latencies_s)
        logging.getLogger(__name__).info(
            "camera-to-overlay latency: median %.1f ms over %d frames", 1000 * ordered[len(ordered) // 2], len(ordered)
        )
    if outcome.interrupted:
        print("spinesafe: interrupted; the report was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    live = sub.add_parser(
        "live",
        help="live coaching from a camera: set-up check, counting, spoken cues, programmes",
        description=(
            "Coach an exercise session live from a camera: the exercise or programme counts from the first rep, "
            "with a set-up check (whole body, distance, light, view) and the neutral calibration alongside, "
            "a large rep counter, "
            "spinal-flexion warnings, spoken cues and rests. Keys: SPACE pause, N next exercise, M mute, Q quit. "
            "Mild soreness is normal; sharp pain means stop."
        ),
    )
    live.add_argument(
        "--camera",
        type=parse_camera,
        default=0,
        metavar="INDEX|PATH",
        help="camera index (default 0), or a video file / landmark recording (.npz) played as a camera in real time",
    )
    live.add_argument(
        "--exercise",
        "-e",
        type=exercise_id_or_auto,
        metavar="ID",
        help=(
            "exercise id, or 'auto' to recognise it (needs the recogniser model; it names an exercise 2.5-4 s "
            "into it and counts the reps of the 8 s before too; once it has counted, another exercise takes over "
            "when named in 6 of 8 windows (4 s); a movement it does not know is not counted, but the back is "
            "still watched): "
            f"{', '.join(sorted(i for i in EXERCISES if i not in UNSAFE_PATTERNS))}. Movements to avoid "
            f"({', '.join(UNSAFE_PATTERNS)}) are never coached: `spinesafe review` checks recordings for them"
        ),
    )
    live.add_argument("--program", type=Path, metavar="FILE", help="programme file (TOML); see `spinesafe programs`")
    live.add_argument(
        "--test",
        type=functional_test_id,
        metavar="ID",
        help=(
            "run a functional test with spoken instructions, 'Ready? Go', a large clock and the result spoken: "
            "chair-stand, five-times-sit-to-stand, balance, tug or sppb (or their ids)"
        ),
    )
    live.add_argument("--age", type=age_years, metavar="YEARS", help="the patient's age, for --test's norm")
    live.add_argument("--sex", type=sex_letter, metavar="F|M", help="the patient's sex, for --test's norm")
    live.add_argument(
        "--mirror",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show the picture mirrored (default: on for a camera, off for a video file)",
    )
    live.add_argument("--headless", action="store_true", help="no window (keys unavailable; Ctrl+C to stop)")
    live.add_argument(
        "--audio-file", type=Path, metavar="WAV", help="also render every tone and spoken cue, at its time, to WAV"
    )
    live.add_argument("--json", type=Path, metavar="FILE", help="write the session report (same format as review)")
    live.add_argument(
        "--mute", action="store_true", help="start with the speakers off (M toggles; --audio-file still records)"
    )
    live.add_argument("--no-voice", action="store_true", help="tones only, no spoken cues")
    live.add_argument(
        "--virtual-camera",
        action="store_true",
        help="send the overlaid view to a virtual camera for a video call (needs spinesafe[virtualcam])",
    )
    live.add_argument(
        "--compact", action="store_true", help="compact overlay for screen sharing (default with --virtual-camera)"
    )
    live.add_argument(
        "--patient", metavar="NAME", help="whose session this is (default: $SPINESAFE_PATIENT, or 'default')"
    )
    live.add_argument(
        "--db", type=Path, metavar="FILE", help="session database (default: $SPINESAFE_DB or the data dir)"
    )
    live.add_argument("--no-history", action="store_true", help="do not store this session in the history")
    live.add_argument(
        "--no-pictures",
        action="store_true",
        help=(
            "guarantee that no picture of the person leaves the window: live writes none (the JSON report, the "
            "audio file and the history hold numbers and cues), and --virtual-camera is refused"
        ),
    )
    live.add_argument(
        "--fullscreen",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="fill the screen, readable from 2-3 m (default); --no-fullscreen: a window of 3/4 of the screen",
    )
    live.add_argument(
        "--screen",
        type=_screen,
        metavar="WxH",
        help="the screen's size in pixels, e.g. 1920x1080 (default: asked of the display system)",
    )
    live.add_argument(
        "--no-setup-check", action="store_true", help="no set-up advice (it never holds the counting back anyway)"
    )
    live.add_argument(
        "--no-calibration",
        action="store_true",
        help="no neutral calibration (the back is then judged against the first upright second)",
    )
    live.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        metavar="X",
        help="play a video file or recording X times real time; 0: every frame, each as soon as the "
        "last is analysed (none dropped, whatever the machine's load; testing and evaluation)",
    )
    live.add_argument(
        "--model", type=Path, metavar="FILE.task", help="MediaPipe Tasks pose model instead of the bundled one"
    )
    add_verbose(live)
    live.set_defaults(func=run)
