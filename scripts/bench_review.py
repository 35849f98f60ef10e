"""Benchmark: `spinesafe review` throughput against a bare "decode + MediaPipe" loop on the same file.

    python scripts/bench_review.py [VIDEO] [--repeats N] [--exercise ID] [--no-video]

Runs, alternately and ``--repeats`` times each, (1) a bare loop that only decodes VIDEO with
OpenCV and runs the bundled MediaPipe model on every frame, and (2) the full review as the CLI
runs it (threaded decode, pose, classifiers, cues, session store, overlay + H.264 video with the
cue sound track, JSON/CSV/HTML reports). Alternating spreads other load on the machine over both.
Prints the median wall times, frames per second, the real-time factor and the ratio
bare / review (>= 0.9 is the DESIGN.md bar; > 1 means review is faster than the bare loop).
The default VIDEO is the corpus clip squat_bodyweight_front_12.mp4 (43 s, 1280x720, 30 fps).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from spinesafe.lab.machine import wait_until_idle

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = ROOT.parent / "shared" / "corpus" / "videos" / "squat_bodyweight_front_12.mp4"


def bare_loop(video: Path) -> tuple[float, int]:
    """Decode every frame and run MediaPipe on it; nothing else. (seconds, frames)."""
    from spinesafe.pose.estimators import MediaPipePoseEstimator
    from spinesafe.pose.sources import VideoFileSource

    start = time.perf_counter()
    source, estimator = VideoFileSource(video), MediaPipePoseEstimator()
    frames = 0
    try:
        for frame in source:
            estimator.estimate(frame)
            frames += 1
    finally:
        source.close()
        estimator.close()
    return time.perf_counter() - start, frames


def review(video: Path, exercise: str, write_video: bool) -> tuple[float, int]:
    """The full review into a temporary folder and database. (seconds, frames)."""
    from spinesafe.feedback.store import SessionStore
    from spinesafe.session.review import run_review

    with tempfile.TemporaryDirectory(prefix="spinesafe-bench-") as tmp:
        start = time.perf_counter()
        with SessionStore(Path(tmp) / "sessions.db") as store:
            outputs = run_review(video, exercise, out_dir=Path(tmp) / "out", write_video=write_video, store=store)
        return time.perf_counter() - start, outputs.result.frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--exercise", default="squat")
    parser.add_argument("--no-video", action="store_true", help="review without the annotated video")
    parser.add_argument(
        "--wait-idle",
        type=float,
        metavar="FRACTION",
        help="before each run, wait until the CPU is at least this idle (e.g. 0.9) so other programs do not skew it",
    )
    args = parser.parse_args(argv)
    if not args.video.is_file():
        print(f"error: {args.video}: no such video (give one, or put the corpus beside the checkout)", file=sys.stderr)
        return 2

    from spinesafe.pose.sources import VideoFileSource

    probe = VideoFileSource(args.video)
    duration_s, fps = probe.duration_s, probe.fps
    probe.close()
    bare_s: list[float] = []
    review_s: list[float] = []
    frames = 0
    for i in range(args.repeats):
        if args.wait_idle:
            print(f"run {i + 1}: machine {100 * wait_until_idle(args.wait_idle):.0f}% idle before the bare loop")
        seconds, frames = bare_loop(args.video)
        bare_s.append(seconds)
        print(f"run {i + 1}: bare decode + MediaPipe {seconds:6.2f} s ({frames / seconds:5.1f} fps)", flush=True)
        if args.wait_idle:
            print(f"run {i + 1}: machine {100 * wait_until_idle(args.wait_idle):.0f}% idle before the review")
        seconds, frames = review(args.video, args.exercise, not args.no_video)
        review_s.append(seconds)
        print(f"run {i + 1}: spinesafe review       {seconds:6.2f} s ({frames / seconds:5.1f} fps)", flush=True)
    bare, full = statistics.median(bare_s), statistics.median(review_s)
    print(f"{args.video.name}: {frames} frames, {duration_s:.1f} s at {fps:.2f} fps")
    print(f"median bare decode + MediaPipe: {bare:6.2f} s ({frames / bare:5.1f} fps)")
    print(
        f"median spinesafe review{' (--no-video)' if args.no_video else ''}: {full:6.2f} s "
        f"({frames / full:5.1f} fps, {duration_s / full:4.2f}x real time)"
    )
    print(f"throughput ratio review / bare loop: {bare / full:.3f} (target >= 0.9)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
