"""Benchmark: per-frame cost of spinesafe's own stages vs MediaPipe on this machine.

    python scripts/bench_stages.py [VIDEO]

Prints medians (ms/frame) of (1) features + rep counter + flexion monitor + cue policy over
the poses of VIDEO (or of samples/demo_squats.npz when no video is given), (2) the unsafe-pattern
watcher (the exercise recogniser, which runs beside every analysis; it classifies a window once
every 0.5 s, so its median, mean and slowest frames differ a lot) and (3) the bundled MediaPipe
model on VIDEO's frames. Figures, not assertions: machines are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from spinesafe.classifiers.analyser import ExerciseAnalyser
from spinesafe.classifiers.exercises import get_exercise
from spinesafe.feedback.cues import CuePolicy
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.recording import load_recording

ROOT = Path(__file__).resolve().parents[1]


def bench_classifiers(poses: list[PoseFrame], repeats: int = 5) -> list[float]:
    times: list[float] = []
    for _ in range(repeats):
        analyser, policy = ExerciseAnalyser(get_exercise("squat")), CuePolicy()
        for pose in poses:
            start = time.perf_counter()
            policy.update(analyser.update(pose))
            times.append((time.perf_counter() - start) * 1000)
    return times


def bench_watcher(poses: list[PoseFrame], repeats: int = 5) -> list[float]:
    from spinesafe.classifiers.unsafe import UnsafePatternWatcher

    times: list[float] = []
    for _ in range(repeats):
        watcher = UnsafePatternWatcher.packaged()
        for pose in poses:
            start = time.perf_counter()
            watcher.update(pose)
            times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Per-frame cost (medians, ms/frame) of spinesafe's own stages, the unsafe-pattern watcher "
        "and the bundled MediaPipe model; figures, not assertions."
    )
    parser.add_argument(
        "video", nargs="?", help="a video to run MediaPipe on first (default: the poses of samples/demo_squats.npz)"
    )
    args = parser.parse_args()
    poses: list[PoseFrame]
    if args.video:
        from spinesafe.pose.estimators import MediaPipePoseEstimator
        from spinesafe.pose.sources import VideoFileSource

        source, estimator = VideoFileSource(args.video), MediaPipePoseEstimator()
        poses, mp_times = [], []
        for frame in source:
            start = time.perf_counter()
            poses.append(estimator.estimate(frame))
            mp_times.append((time.perf_counter() - start) * 1000)
        estimator.close()
        print(
            f"MediaPipe BlazePose full: median {statistics.median(mp_times):.2f} ms/frame over {len(mp_times)} frames"
        )
    else:
        poses = list(load_recording(ROOT / "samples" / "demo_squats.npz"))
    ours = bench_classifiers(poses)
    print(
        f"spinesafe stages (features, reps, flexion, cues): median {statistics.median(ours):.3f} ms/frame, "
        f"p95 {statistics.quantiles(ours, n=20)[-1]:.3f} ms over {len(ours)} frame updates"
    )
    watch = bench_watcher(poses)
    print(
        f"unsafe-pattern watcher (recogniser): median {statistics.median(watch):.3f} ms/frame, "
        f"mean {statistics.fmean(watch):.3f}, max {max(watch):.2f} ms over {len(watch)} frame updates"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
