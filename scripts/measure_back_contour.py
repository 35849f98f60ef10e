"""Measure the back-contour kyphosis index on corpus clips, against the current flexion proxies.

    python scripts/measure_back_contour.py [CLIP ...] [--corpus DIR] [--cache DIR] [--json OUT]
    python scripts/measure_back_contour.py --cost CLIP [--frames 300] [--repeats 3]
    python scripts/measure_back_contour.py --loop CLIP [--frames 300] [--segmentation]

Runs MediaPipe Pose (bundled model) with person segmentation on each clip (default: the
flexion-present clips and straight-back counter-cases named in issue 13), computes
:func:`spinesafe.classifiers.back_contour.back_contour` on every frame, and prints per clip the
index inside and outside the labelled flexion intervals (manifest ``flexion_intervals_s``),
next to the current monitor's flexion estimate (neck curl / hip fold, default thresholds) and
its events scored like ``spinesafe eval``. Clips are split into the tuning and the validation
part (``spinesafe/lab/validation_sources.json``).

``--cache DIR`` keeps each clip's thresholded masks and landmarks (outside the repository: they
are derived from the corpus) so that a changed measure can be re-run without MediaPipe.

``--cost CLIP`` times, alternately, a bare decode + MediaPipe loop and a decode + MediaPipe with
segmentation + back-contour loop on the clip's first ``--frames`` frames, and prints the medians.
``--loop CLIP`` runs one of the two loops once (bare, or with ``--segmentation``), for timing the
whole process from outside (e.g. ``/usr/bin/time``), the two alternated.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from spinesafe.classifiers.back_contour import Unmeasured, back_contour
from spinesafe.classifiers.exercises import EXERCISES, get_exercise
from spinesafe.classifiers.features import compute_features
from spinesafe.classifiers.flexion import FlexionMonitor
from spinesafe.classifiers.signals import MedianFilter
from spinesafe.lab.evaluation import score_flexion
from spinesafe.pose.frame import PoseFrame
from spinesafe.session.review import analyse_poses

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_CLIPS = [
    "deadlift_roundedback_side_01",
    "deadlift_neutral_side_02",
    "deadlift_barbell_side_oblique_06",
    "sit_to_stand_side_02",
    "crunch_ball_side_05",
    "situp_side_01",
    "forward_fold_studio_side_01",
    "jefferson_curl_kettlebell_oblique_01",
    "row_cable_bentover_side_02",
    "pushup_incline_side_02",
    "bridge_home_side_01",
    "leg_raise_supine_side_01",
]


def _frames_with_masks(video: Path, cache: Path | None) -> Iterator[tuple[PoseFrame, np.ndarray | None]]:
    """(PoseFrame, bool mask or None) per frame: from the cache, else MediaPipe with segmentation."""
    cached = cache / f"{video.stem}.npz" if cache else None
    if cached is not None and cached.is_file():
        with np.load(cached) as npz:
            data = {k: npz[k] for k in npz.files}  # an npz decompresses an array on every access
        size = (int(data["size"][0]), int(data["size"][1]))
        for i in range(len(data["t"])):
            frame = (
                PoseFrame(float(data["t"][i]), i, size, data["lm"][i], data["vis"][i], data["world"][i])
                if data["present"][i]
                else PoseFrame.absent(float(data["t"][i]), i, size)
            )
            bits = np.unpackbits(data["masks"][i])[: size[0] * size[1]].reshape(size[1], size[0]).astype(bool)
            yield frame, bits if data["has_mask"][i] else None
        return
    from spinesafe.pose.estimators import MediaPipePoseEstimator
    from spinesafe.pose.sources import VideoFileSource

    source, estimator = VideoFileSource(video), MediaPipePoseEstimator(enable_segmentation=True)
    store: dict[str, list[Any]] = {k: [] for k in ("t", "lm", "vis", "world", "present", "masks", "has_mask")}
    size = (0, 0)
    try:
        for vf in source:
            frame = estimator.estimate(vf)
            raw = estimator.segmentation_mask
            mask = None if raw is None else raw >= 0.5
            size = frame.image_size
            if cached is not None:
                store["t"].append(frame.t_s)
                store["lm"].append(frame.landmarks)
                store["vis"].append(frame.visibility)
                store["world"].append(frame.world if frame.world is not None else np.full((33, 3), np.nan))
                store["present"].append(frame.present)
                store["has_mask"].append(mask is not None)
                flat = mask if mask is not None else np.zeros((size[1], size[0]), dtype=bool)
                store["masks"].append(np.packbits(flat.ravel()))
            yield frame, mask
    finally:
        source.close()
        estimator.close()
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cached, size=np.array(size), **{k: np.array(v) for k, v in store.items()})


def _inside(t: float, intervals: list[list[float]]) -> bool:
    return any(a <= t <= b for a, b in intervals)


def _summary(values: list[float]) -> str:
    vals = [v for v in values if math.isfinite(v)]
    if not vals:
        return f"{'-':>5} {'-':>5} {'-':>5} {0:>4}/{len(values):<4}"
    arr = np.array(vals)
    return f"{np.median(arr):5.3f} {np.percentile(arr, 90):5.3f} {arr.max():5.3f} {len(vals):>4}/{len(values):<4}"


def index_events(
    rows: list[dict[str, Any]], enter: float, leave: float, min_s: float = 0.3
) -> list[tuple[float, float]]:
    """Events of the index alone, the way the flexion monitor makes them: a 0.2 s median, enter at
    ``enter``, leave below ``leave``, kept when they last ``min_s``; an unmeasured stretch ends one."""
    smooth = MedianFilter(0.2)
    events: list[tuple[float, float]] = []
    start: float | None = None
    last_t = 0.0
    for r in rows:
        last_t = r["t"]
        value = smooth.update(r["t"], r["index"]) if math.isfinite(r["index"]) else math.nan
        if start is None and value >= enter:
            start = r["t"]
        elif start is not None and not value >= leave:
            if r["t"] - start >= min_s:
                events.append((start, r["t"]))
            start = None
            smooth.reset()
    if start is not None and last_t - start >= min_s:
        events.append((start, last_t))
    return events


def measure_clip(clip: dict[str, Any], corpus: Path, cache: Path | None) -> dict[str, Any]:
    """Per-frame index and the default monitor's estimate; the full analysis's flexion events."""
    intervals = clip.get("flexion_intervals_s") or []
    monitor = FlexionMonitor()
    rows: list[dict[str, Any]] = []
    frames: list[PoseFrame] = []
    for frame, mask in _frames_with_masks(corpus / clip["file"], cache):
        frames.append(frame)
        features = compute_features(frame)
        contour = back_contour(mask, frame, features.view, features.facing_x)
        monitor.update(features)
        rows.append(
            {
                "t": frame.t_s,
                "in": _inside(frame.t_s, intervals),
                "index": contour.index,
                "why": contour.unmeasured.name if contour.unmeasured else "",
                "proxy_deg": monitor.flexion_deg,
            }
        )
    # The current system: the labelled exercise's analysis (its flexion thresholds); the default
    # monitor for exercises outside the library.
    spec = get_exercise(clip["exercise"] if clip["exercise"] in EXERCISES else "hip_hinge")
    result = analyse_poses(frames, spec, source=clip["file"], estimator="mediapipe+segmentation", fps=30.0)
    events = [(e.start_s, e.end_s) for e in result.flexion_events]
    return {"rows": rows, "events": events, "score": score_flexion(events, clip)}


def _merged(events: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(events):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def report(
    results: dict[str, dict[str, Any]],
    clips: dict[str, dict[str, Any]],
    validation: set[str],
    enter: float,
    leave: float,
) -> None:
    head = (
        f"{'clip':38} {'label':8} | {'index in: med  p90   max   n/frames':32} | "
        f"{'index out: med  p90   max   n/frames':32} | proxy p90 in/out | h/m/f: now  index  either | unmeasured"
    )
    for part, want in (("TUNING", False), ("VALIDATION", True)):
        print(f"\n== {part} part ==  (index events: enter >= {enter}, leave < {leave})")
        print(head)
        totals = np.zeros((3, 3), dtype=int)
        for name, res in results.items():
            clip = clips[name]
            if (clip["source"]["source_repo"] in validation) != want:
                continue
            rows = res["rows"]
            inn = [r["index"] for r in rows if r["in"]]
            out = [r["index"] for r in rows if not r["in"]]
            p_in = [r["proxy_deg"] for r in rows if r["in"] and math.isfinite(r["proxy_deg"])]
            p_out = [r["proxy_deg"] for r in rows if not r["in"] and math.isfinite(r["proxy_deg"])]
            pin = f"{np.percentile(p_in, 90):5.1f}" if p_in else "    -"
            pout = f"{np.percentile(p_out, 90):5.1f}" if p_out else "    -"
            whys: dict[str, int] = {}
            for r in rows:
                if r["why"]:
                    whys[r["why"]] = whys.get(r["why"], 0) + 1
            why = " ".join(f"{k.lower()}:{v}" for k, v in sorted(whys.items(), key=lambda kv: -kv[1]))
            by_index = index_events(rows, enter, leave)
            either = _merged(res["events"] + by_index)
            scores = [res["score"], score_flexion(by_index, clip), score_flexion(either, clip)]
            totals += np.array(scores)
            hmf = "  ".join("/".join(str(x) for x in sc) for sc in scores)
            print(
                f"{name:38} {clip['flexion']:8} | {_summary(inn):32} | {_summary(out):32} | "
                f"{pin} / {pout:7} | {hmf:24} | {why}"
            )
        for label, (h, m, f) in zip(("now", "index", "either"), totals, strict=True):
            recall = h / (h + m) if h + m else math.nan
            precision = h / (h + f) if h + f else math.nan
            print(
                f"  {part.lower()} {label:6}: {h} found, {m} missed, {f} false: "
                f"recall {recall:.2f} precision {precision:.2f}"
            )


def loop(video: Path, frames: int, segmentation: bool) -> None:
    """Decode + MediaPipe over the first ``frames`` frames; with segmentation, also the contour."""
    from spinesafe.pose.estimators import MediaPipePoseEstimator
    from spinesafe.pose.sources import VideoFileSource

    source, estimator = VideoFileSource(video), MediaPipePoseEstimator(enable_segmentation=segmentation)
    try:
        for i, vf in enumerate(source):
            if i >= frames:
                break
            frame = estimator.estimate(vf)
            if segmentation:
                features = compute_features(frame)
                back_contour(estimator.segmentation_mask, frame, features.view, features.facing_x)
    finally:
        source.close()
        estimator.close()


def cost(video: Path, frames: int, repeats: int) -> None:
    """Per-frame medians of the bare and the segmentation loops, run alternately."""
    from spinesafe.pose.estimators import MediaPipePoseEstimator
    from spinesafe.pose.sources import VideoFileSource

    walls: dict[str, list[float]] = {"bare": [], "seg": []}
    per_frame: dict[str, list[float]] = {"bare_pose": [], "seg_pose": [], "contour": []}
    for _ in range(repeats):
        for mode in ("bare", "seg"):
            seg = mode == "seg"
            start = time.perf_counter()
            source, estimator = VideoFileSource(video), MediaPipePoseEstimator(enable_segmentation=seg)
            try:
                for i, vf in enumerate(source):
                    if i >= frames:
                        break
                    t0 = time.perf_counter()
                    frame = estimator.estimate(vf)
                    t1 = time.perf_counter()
                    per_frame[f"{mode}_pose"].append(1000 * (t1 - t0))
                    if seg:
                        features = compute_features(frame)
                        t2 = time.perf_counter()
                        back_contour(estimator.segmentation_mask, frame, features.view, features.facing_x)
                        per_frame["contour"].append(1000 * (time.perf_counter() - t2))
            finally:
                source.close()
                estimator.close()
            walls[mode].append(time.perf_counter() - start)
            print(f"  {mode}: {walls[mode][-1]:.2f} s", flush=True)
    for key, vals in per_frame.items():
        print(f"{key:10} median {statistics.median(vals):6.2f} ms/frame  (n={len(vals)})")
    bare_s, seg_s = statistics.median(walls["bare"]), statistics.median(walls["seg"])
    print(
        f"loop wall medians: bare {bare_s:.2f} s, segmentation+contour {seg_s:.2f} s; "
        f"ratio bare/seg = {bare_s / seg_s:.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clips", nargs="*", default=DEFAULT_CLIPS, help="clip names (file stems)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, help="folder for masks + landmarks (never in the repository)")
    parser.add_argument("--json", type=Path, help="write per-frame values here (never in the repository)")
    parser.add_argument("--cost", metavar="CLIP", help="time segmentation + contour on this clip instead")
    parser.add_argument("--enter", type=float, default=0.07, help="index that starts an index event")
    parser.add_argument("--leave", type=float, default=0.05, help="index below which it ends")
    parser.add_argument("--loop", metavar="CLIP", help="run one timing loop on this clip and exit")
    parser.add_argument("--segmentation", action="store_true", help="with --loop: segmentation + contour")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    manifest = json.loads((args.corpus / "manifest.json").read_text(encoding="utf-8"))
    clips = {Path(c["file"]).stem: c for c in manifest["clips"]}
    if args.loop:
        loop(args.corpus / clips[args.loop]["file"], args.frames, args.segmentation)
        return 0
    if args.cost:
        cost(args.corpus / clips[args.cost]["file"], args.frames, args.repeats)
        return 0
    unknown = [c for c in args.clips if c not in clips]
    if unknown:
        print(f"not in the manifest: {', '.join(unknown)}", file=sys.stderr)
        return 2
    validation = set(json.loads((ROOT / "spinesafe" / "lab" / "validation_sources.json").read_text())["sources"])
    results: dict[str, dict[str, Any]] = {}
    for name in args.clips:
        start = time.perf_counter()
        results[name] = measure_clip(clips[name], args.corpus, args.cache)
        print(f"{name}: {len(results[name]['rows'])} frames, {time.perf_counter() - start:.1f} s", flush=True)
    report(results, clips, validation, args.enter, args.leave)
    print(f"\nunmeasured reasons: {', '.join(f'{u.name.lower()} = {u.value}' for u in Unmeasured)}")
    if args.json:
        args.json.write_text(json.dumps({k: {**v, "rows": v["rows"]} for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
