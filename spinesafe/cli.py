"""The ``spinesafe`` command. It parses arguments, calls the library, and prints; nothing else."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from spinesafe import __version__
from spinesafe.classifiers.exercises import EXERCISES
from spinesafe.errors import SpinesafeError

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


class ProgressBar:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, label: str, enabled: bool | None = None) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._last = 0.0
        self._start = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.2 and done != total):
            return
        self._last = now
        rate = done / max(now - self._start, 1e-6)
        if total > 0:
            frac = min(done / total, 1.0)
            bar = "#" * int(30 * frac)
            sys.stderr.write(f"\r{self.label} [{bar:<30}] {done}/{total} frames  {rate:5.1f} fps ")
        else:
            sys.stderr.write(f"\r{self.label} {done} frames  {rate:5.1f} fps ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _exercise_id(value: str) -> str:
    if value not in EXERCISES:
        raise argparse.ArgumentTypeError(f"unknown exercise {value!r}; valid ids: {', '.join(sorted(EXERCISES))}")
    return value


def _cmd_review(args: argparse.Namespace) -> int:
    from spinesafe.session import run_review

    if args.out is None and args.json is None:
        args.out = Path("spinesafe-output") / Path(args.input).stem
    bar = ProgressBar(f"analysing {Path(args.input).name}", enabled=None if not args.quiet else False)
    try:
        outputs = run_review(
            args.input,
            args.exercise,
            out_dir=args.out,
            json_path=args.json,
            model=args.model,
            write_video=not args.no_video,
            progress=bar,
        )
    finally:
        bar.close()
    result = outputs.result
    report = outputs.report
    print(f"{result.source}: {result.spec.name}, {result.duration_s:.1f} s, {result.frames} frames")
    if not report["person_detected"]:
        print("  no person was found in the video: 0 reps")
    partial = report["partial_rep_count"]
    print(f"  reps: {result.rep_count}" + (f" (+{partial} partial, not counted)" if partial else ""))
    print(f"  spinal flexion events: {len(result.flexion_events)}")
    for event in result.flexion_events:
        span = f"{event.start_s:6.2f}-{event.end_s:6.2f} s"
        print(f"    {span}  peak {event.peak_deg:4.0f} deg  {event.severity.value}  ({event.view} view)")
    for warning in result.view_warnings:
        print(f"  note: {warning.judgement} cannot be judged from a {warning.view} view. {warning.advice}")
    if result.truncated:
        print("  warning: the video ended early (truncated or damaged); the readable part was analysed")
    if outputs.json_path:
        print(f"  report: {outputs.json_path}")
    if outputs.video_path:
        print(f"  annotated video: {outputs.video_path}")
    return EXIT_OK


def _cmd_record(args: argparse.Namespace) -> int:
    from spinesafe.pose.estimators import create_estimator
    from spinesafe.pose.recording import save_recording
    from spinesafe.pose.sources import VideoFileSource

    source = VideoFileSource(args.input)
    estimator = create_estimator(args.model)
    bar = ProgressBar(f"recording {source.name}", enabled=None if not args.quiet else False)
    poses = []
    try:
        for done, frame in enumerate(source, start=1):
            poses.append(estimator.estimate(frame))
            bar(done, source.expected_frames)
    finally:
        bar.close()
        source.close()
        estimator.close()
    path = save_recording(
        args.output, poses, source=source.name, estimator=estimator.name, fps=source.fps, truncated=source.truncated
    )
    seen = sum(p.present for p in poses)
    print(f"{source.name}: {len(poses)} frames, person in {seen}; landmarks saved to {path}")
    if source.truncated:
        print("  warning: the video ended early (truncated or damaged); the readable part was recorded")
    return EXIT_OK


def _cmd_eval(args: argparse.Namespace) -> int:
    import json

    from spinesafe.evaluation import evaluate, format_table

    bars: dict[str, ProgressBar] = {}

    def progress(name: str, done: int, total: int) -> None:
        bar = bars.setdefault(name, ProgressBar(f"extracting landmarks of {Path(name).name}"))
        bar(done, total)

    summary = evaluate(
        args.corpus,
        cache_dir=args.cache,
        exercises=set(args.exercise) if args.exercise else None,
        progress=progress,
    )
    for bar in bars.values():
        bar.close()
    print(format_table(summary))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"summary written to {args.json}")
    return EXIT_OK


def _cmd_exercises(args: argparse.Namespace) -> int:
    for spec in EXERCISES.values():
        print(f"{spec.id:16s} {spec.name:18s} {spec.kind.value:8s} {spec.how_to}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spinesafe",
        description=(
            "Camera-based exercise coach for people with osteoporosis: counts repetitions and flags "
            "spinal flexion (rounding the back) from MediaPipe pose landmarks."
        ),
    )
    parser.add_argument("--version", action="version", version=f"spinesafe {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    review = sub.add_parser(
        "review",
        help="analyse a recorded video (or a landmark recording .npz) into a report and an annotated video",
        description=(
            "Analyse a video file of a person exercising, or a landmark recording made by `spinesafe record`. "
            "Writes DIR/report.json and DIR/annotated.mp4 and prints a summary."
        ),
    )
    review.add_argument("input", metavar="VIDEO", help="video file (mp4, mov, avi, ...) or landmark recording (.npz)")
    review.add_argument(
        "--exercise",
        "-e",
        required=True,
        type=_exercise_id,
        metavar="ID",
        help=f"exercise id, one of: {', '.join(sorted(EXERCISES))}",
    )
    review.add_argument("--out", "-o", type=Path, metavar="DIR", help="output folder (default: spinesafe-output/NAME)")
    review.add_argument("--json", type=Path, metavar="FILE", help="also write the JSON report to FILE")
    review.add_argument(
        "--model", type=Path, metavar="FILE.task", help="MediaPipe Tasks pose model instead of the bundled one"
    )
    review.add_argument("--no-video", action="store_true", help="skip the annotated video (faster)")
    review.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    review.set_defaults(func=_cmd_review)

    record = sub.add_parser(
        "record",
        help="save the pose landmarks of every frame of a video to a .npz file",
        description="Run pose estimation over a video and save every frame's landmarks (no images) for fast replay.",
    )
    record.add_argument("input", metavar="VIDEO", help="video file")
    record.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.npz", help="recording to write")
    record.add_argument(
        "--model", type=Path, metavar="FILE.task", help="MediaPipe Tasks pose model instead of the bundled one"
    )
    record.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    record.set_defaults(func=_cmd_record)

    ev = sub.add_parser(
        "eval",
        help="measure rep-count and flexion accuracy on a labelled corpus (manifest.json)",
        description=(
            "Run the analysis on every clip of a corpus folder with its labelled exercise and print a per-clip "
            "table and a summary. Landmarks are cached outside the repository so re-runs take seconds."
        ),
    )
    ev.add_argument("corpus", type=Path, metavar="CORPUS_DIR", help="folder with manifest.json and the videos")
    ev.add_argument("--json", type=Path, metavar="FILE", help="write the summary and per-clip scores as JSON")
    ev.add_argument("--cache", type=Path, metavar="DIR", help="landmark cache (default ~/.cache/spinesafe/corpus)")
    ev.add_argument("--exercise", action="append", type=_exercise_id, metavar="ID", help="only clips of this exercise")
    ev.set_defaults(func=_cmd_eval)

    exercises = sub.add_parser(
        "exercises", help="list the exercise ids", description="List the exercises spinesafe knows."
    )
    exercises.set_defaults(func=_cmd_exercises)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return int(args.func(args))
    except SpinesafeError as exc:
        print(f"spinesafe: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("spinesafe: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
