"""``spinesafe record``: save every frame's pose landmarks of a video."""

from __future__ import annotations

import argparse
from pathlib import Path

from spinesafe.commands.arguments import ProgressBar, add_verbose


def run(args: argparse.Namespace) -> int:
    from spinesafe.pose.recording import record_video, save_recording

    bar = ProgressBar(f"recording {Path(args.input).name}", enabled=None if not args.quiet else False)
    try:
        recording = record_video(args.input, model=args.model, progress=bar)
    finally:
        bar.close()
    path = save_recording(
        args.output,
        recording.frames,
        source=recording.source,
        estimator=recording.estimator,
        fps=recording.fps,
        truncated=recording.truncated,
    )
    seen = sum(p.present for p in recording)
    print(f"{recording.source}: {len(recording)} frames, person in {seen}; landmarks saved to {path}")
    if recording.truncated:
        print("  warning: the video ended early (truncated or damaged); the readable part was recorded")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    add_verbose(record)
    record.set_defaults(func=run)
