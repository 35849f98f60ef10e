"""``spinesafe record``: save every frame's pose landmarks of a video."""

from __future__ import annotations

import argparse
from pathlib import Path

from spinesafe.commands.arguments import ProgressBar


def run(args: argparse.Namespace) -> int:
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
    record.set_defaults(func=run)
