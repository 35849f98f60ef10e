"""Benchmark: a folder of corpus clips reviewed with 1 worker, N workers and on a local Dask cluster.

    python scripts/bench_batch.py [--clips N | --clips NAME,NAME,...] [--workers N] [--no-video] [--no-cluster]

The folder holds links to the first ``--clips`` (default 4) continuous clips of
../shared/corpus/manifest.json (or the named ones); nothing is copied. Each mode reviews the whole
folder as ``spinesafe review FOLDER`` does (MediaPipe, classifiers, reports, the annotated video
unless ``--no-video``, every session stored in a fresh history database), starting its processes
inside the timing. Prints, per mode: wall time, videos per minute, the speed-up over one worker,
the CPU time used (this process and its workers) and CPU-hours per hour of video, with the load
average beside them (the machine may be shared: a busy machine lowers every figure).
Target on 2 cores: >= 1.7x the single worker.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from spinesafe.lab.machine import load_average, wait_until_idle

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
TARGET_SPEEDUP = 1.7


@dataclass(frozen=True)
class Run:
    mode: str
    wall_s: float
    cpu_s: float
    ok: int
    load: str
    idle: float | None


def pick_clips(corpus: Path, clips: str) -> list[tuple[Path, float, str]]:
    """(video, duration s, exercise) of the first N continuous clips, or of the named ones."""
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))["clips"]
    if clips.isdigit():
        chosen = [c for c in manifest if c.get("quality") == "continuous video"][: int(clips)]
    else:
        names = clips.split(",")
        chosen = [c for c in manifest if Path(c["file"]).name in names]
        missing = set(names) - {Path(c["file"]).name for c in chosen}
        if missing:
            sys.exit(f"bench_batch: not in the manifest: {', '.join(sorted(missing))}")
    return [(corpus / c["file"], float(c["duration_s"]), c["exercise"]) for c in chosen]


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes."""
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def review_batch(
    mode: str,
    folder: Path,
    out: Path,
    exercise: str,
    workers: int,
    cluster: str | None,
    write_video: bool,
    idle: float | None,
) -> Run:
    from spinesafe.feedback.store import SessionStore
    from spinesafe.session.batch import plan_folder, review_folder

    load = load_average()
    cpu0, start = cpu_seconds(), time.perf_counter()
    with SessionStore(out / "history.db") as store:
        items = review_folder(
            plan_folder(folder),
            exercise,
            out / "results",
            workers=workers,
            cluster=cluster,
            store=store,
            write_video=write_video,
        )
    wall = time.perf_counter() - start
    failed = [f"{i.file}: {i.message}" for i in items if i.status != "ok"]
    if failed:
        print(f"  {mode}: failed: {'; '.join(failed)}", file=sys.stderr)
    return Run(mode, wall, cpu_seconds() - cpu0, len(items) - len(failed), load, idle)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (with manifest.json)")
    parser.add_argument("--clips", default="4", help="how many continuous clips (first in the manifest), or names")
    parser.add_argument("--workers", type=int, default=2, help="workers of the parallel and cluster runs (default 2)")
    parser.add_argument("--exercise", default="auto", help="exercise id for every clip (default: auto, recognised)")
    parser.add_argument("--no-video", action="store_true", help="skip the annotated video (as review --no-video)")
    parser.add_argument("--no-cluster", action="store_true", help="skip the Dask run")
    parser.add_argument(
        "--wait-idle",
        type=float,
        metavar="FRACTION",
        help="before each run, wait (up to --max-wait s) until the CPU is at least this idle (e.g. 0.9)",
    )
    parser.add_argument("--max-wait", type=float, default=180.0, metavar="S", help="longest wait for --wait-idle")
    args = parser.parse_args(argv)
    if not (args.corpus / "manifest.json").is_file():
        print(f"bench_batch: no corpus at {args.corpus} (manifest.json missing)", file=sys.stderr)
        return 2
    clips = pick_clips(args.corpus, args.clips)
    video_s = sum(d for _, d, _ in clips)
    with tempfile.TemporaryDirectory(prefix="spinesafe-bench-batch-") as tmp:
        folder = Path(tmp) / "clips"
        folder.mkdir()
        for path, _, _ in clips:
            (folder / path.name).symlink_to(path)
        print(f"{len(clips)} clips, {video_s:.1f} s of video: {', '.join(p.name for p, _, _ in clips)}")
        print(f"cores this process may use: {len(os.sched_getaffinity(0))}; exercise: {args.exercise}")
        modes: list[tuple[str, int, str | None]] = [
            ("1 worker", 1, None),
            (f"{args.workers} workers", args.workers, None),
        ]
        if not args.no_cluster:
            modes.append((f"dask auto ({args.workers})", args.workers, "auto"))
        runs = []
        for n, (mode, workers, cluster) in enumerate(modes):
            idle = wait_until_idle(args.wait_idle, args.max_wait) if args.wait_idle else None
            runs.append(
                review_batch(
                    mode, folder, Path(tmp) / f"run{n}", args.exercise, workers, cluster, not args.no_video, idle
                )
            )
            print(f"  {mode}: {runs[-1].wall_s:.1f} s", flush=True)
    base = runs[0].wall_s
    print()
    print(f"{'mode':18s} {'ok':>3s} {'wall s':>7s} {'videos/min':>10s} {'speed-up':>8s} {'CPU s':>7s} "
          f"{'CPU-h/video-h':>13s}  idle before  load avg (1, 5, 15 min) at start")  # fmt: skip
    for run in runs:
        print(
            f"{run.mode:18s} {run.ok:3d} {run.wall_s:7.1f} {len(clips) / run.wall_s * 60:10.2f} "
            f"{base / run.wall_s:7.2f}x {run.cpu_s:7.1f} {run.cpu_s / video_s:13.2f}  "
            f"{'-' if run.idle is None else f'{100 * run.idle:.0f}%':>11s}  {run.load}"
        )
    print(f"load average at the end: {load_average()}; target speed-up on 2 cores: >= {TARGET_SPEEDUP}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
