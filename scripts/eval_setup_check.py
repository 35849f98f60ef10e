"""The live set-up check on real clips played as a camera: which pass within 2 s, and why not.

Each continuous clip of the corpus (``manifest.json``) is decoded from its start; every frame's
pose comes from the landmark cache of ``spinesafe eval`` when it is there (read only), else from
MediaPipe on the decoded frame. Each frame goes through the set-up check with its picture's
light (:func:`spinesafe.classifiers.setup.measure_light`, the median of the last second), as
``spinesafe live`` does.

A clip **passes** when the check is right from 2 s at the latest and stays right for a second
(what the live coach needs to say "that's right"). For the others the problems found in the
first ``--seconds`` are listed with the share of frames they were found in. Light columns are
medians over those frames: the whole picture's grey, the person's and the background's around
them. Keyframe slideshows are left out (not a camera's picture).

    PYTHONPATH=. python scripts/eval_setup_check.py ../shared/corpus --limit 10
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from spinesafe.classifiers.exercises import EXERCISES
from spinesafe.classifiers.features import compute_features
from spinesafe.classifiers.setup import LightMeter, SetupCheck, measure_light
from spinesafe.lab.evaluation import default_cache_dir, load_manifest
from spinesafe.pose.estimators import MediaPipePoseEstimator
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.recording import load_recording
from spinesafe.pose.sources import VideoFileSource

PASS_BY_S = 2.0  # right from this time at the latest
RIGHT_FOR_S = 1.0  # and then for this long (CoachConfig.setup_ok_s)


@dataclass
class ClipCheck:
    file: str
    exercise: str
    view: str
    right_from_s: float = math.nan  # start of the first 1 s stretch of "all right"
    problems: Counter[str] = field(default_factory=Counter)  # frames with each problem
    frames: int = 0
    picture: list[float] = field(default_factory=list)
    person: list[float] = field(default_factory=list)
    around: list[float] = field(default_factory=list)
    poses_from: str = ""

    @property
    def passes(self) -> bool:
        return self.right_from_s <= PASS_BY_S

    def reasons(self) -> str:
        return ", ".join(f"{key} {100 * n / self.frames:.0f}%" for key, n in self.problems.most_common())


def _median(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return statistics.median(finite) if finite else math.nan


def check_clip(corpus: Path, clip: dict[str, object], seconds: float, cache: Path) -> ClipCheck:
    name = str(clip["file"])
    exercise = str(clip["exercise"])
    result = ClipCheck(name, exercise, str(clip.get("view", "")).split(" ")[0])
    cached = cache / f"{Path(name).stem}.npz"
    poses: list[PoseFrame] | None = list(load_recording(cached)) if cached.is_file() else None
    estimator = None if poses is not None else MediaPipePoseEstimator()
    result.poses_from = "cache" if poses is not None else "mediapipe"
    check = SetupCheck(EXERCISES.get(exercise))
    meter = LightMeter()  # the median of the last second, as the live coach judges light
    ok_since = math.nan
    source = VideoFileSource(corpus / name)
    try:
        for frame in source:
            if frame.t_s > seconds:
                break
            if poses is not None:
                if frame.index >= len(poses):
                    break
                pose = poses[frame.index]
            else:
                assert estimator is not None
                pose = estimator.estimate(frame)
            light = meter.update(frame.t_s, measure_light(frame.image, pose))
            report = check.check(pose, compute_features(pose), light)
            result.frames += 1
            result.picture.append(light.picture_grey)
            result.person.append(light.person_grey)
            result.around.append(light.around_grey)
            result.problems.update(p.key for p in report.problems)
            if not report.ok:
                ok_since = math.nan
                continue
            if math.isnan(ok_since):
                ok_since = frame.t_s
            if math.isnan(result.right_from_s) and frame.t_s - ok_since >= RIGHT_FOR_S:
                result.right_from_s = ok_since
    finally:
        source.close()
        if estimator is not None:
            estimator.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default="../shared/corpus", type=Path, help="corpus folder")
    parser.add_argument("--limit", type=int, default=0, help="only the first N continuous clips (0: all)")
    parser.add_argument("--only", nargs="*", default=[], help="only clips whose file name contains one of these")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds of each clip to check (default 4)")
    parser.add_argument("--cache", type=Path, default=default_cache_dir(), help="landmark cache (read only)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not (args.corpus / "manifest.json").is_file():
        print(f"eval_setup_check: {args.corpus}: no manifest.json (give the corpus folder)", file=sys.stderr)
        return 2
    clips = [c for c in load_manifest(args.corpus) if c.get("quality") != "keyframe_slideshow"]
    if args.only:
        clips = [c for c in clips if any(part in c["file"] for part in args.only)]
    if args.limit:
        clips = clips[: args.limit]
    started, cpu = time.monotonic(), time.process_time()
    header = f"{'clip':40s} {'exercise':13s} {'view':8s} {'pass':4s} {'right':>5s}"
    print(f"{header} {'pic':>4s} {'pers':>4s} {'arnd':>4s}  problems in the first seconds (share of frames)")
    results = []
    for clip in clips:
        r = check_clip(args.corpus, clip, args.seconds, args.cache)
        results.append(r)
        right = "-" if math.isnan(r.right_from_s) else f"{r.right_from_s:.1f}"
        print(
            f"{Path(r.file).stem[:40]:40s} {r.exercise[:13]:13s} {r.view[:8]:8s} {'yes' if r.passes else 'no':4s} "
            f"{right:>5s} {_median(r.picture):4.0f} {_median(r.person):4.0f} {_median(r.around):4.0f}  "
            f"{'' if r.passes else r.reasons()}",
            flush=True,
        )
    bright = [r.file for r in results if r.problems["bright"]]
    print(
        f"\n{sum(r.passes for r in results)}/{len(results)} pass within {PASS_BY_S:g} s; 'too bright' (backlight) "
        f"said on {len(bright)} clip(s){': ' + ', '.join(Path(b).stem for b in bright) if bright else ''}"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    print(
        f"took {time.monotonic() - started:.0f} s ({time.process_time() - cpu:.0f} s CPU), load average {load:.1f}; "
        f"poses: {sum(r.poses_from == 'cache' for r in results)} clips from the cache, the rest from MediaPipe"
    )
    if args.json:
        rows = [
            {
                "file": r.file,
                "passes": r.passes,
                "right_from_s": None if math.isnan(r.right_from_s) else r.right_from_s,
                "problems": dict(r.problems),
                "frames": r.frames,
            }
            for r in results
        ]
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
