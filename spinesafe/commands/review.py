"""``spinesafe review``: analyse a video or a landmark recording."""

from __future__ import annotations

import argparse
from pathlib import Path

from spinesafe.classifiers.exercises import EXERCISES
from spinesafe.commands.arguments import ProgressBar, exercise_id


def run(args: argparse.Namespace) -> int:
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
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
        type=exercise_id,
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
    review.set_defaults(func=run)
