"""The issue's own scoring, end to end: every clip of a labelled folder through the ``review`` command
as a user (or a scorer) runs it, scored as ``spinesafe eval`` scores the cached landmarks.

Each clip runs as

    spinesafe review CLIP --exercise ID --json --no-history -q      (library exercises)
    spinesafe review CLIP --exercise auto --json --no-history -q    (every clip)

in its own process (video decoding, MediaPipe, the person watch, rotation and timestamps included;
nothing cached), and the report printed on standard output is scored: exact rep counts (holds: the
holds found), flexion hits, misses and false alarms (:func:`spinesafe.lab.evaluation.score_flexion`),
and with ``auto`` which exercise was named (``unknown`` is right for a clip of no library exercise).
Tuning and validation parts are reported apart. A clip whose command fails counts as wrong and is
listed. ``spinesafe eval`` is the fast path for tuning; this one checks that what users get is
what it scores. The corpus (53 clips, ~10 min of video) takes ~10 minutes with ``--jobs 2``.

    PYTHONPATH=. python scripts/eval_review_cli.py ../shared/corpus --jobs 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinesafe.classifiers.exercises import EXERCISES, NOT_IN_LIBRARY, Kind
from spinesafe.lab.corpus_split import part
from spinesafe.lab.evaluation import load_manifest, score_flexion

MODES = ("id", "auto")


@dataclass
class Run:
    clip: dict[str, Any]
    mode: str
    report: dict[str, Any] | None = None
    error: str = ""
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return Path(self.clip["file"]).stem


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, run: Run) -> list[str]:
        """Score one run; returns what went wrong in it, in words."""
        clip, c = run.clip, self.counts
        spec = EXERCISES.get(clip["exercise"])
        counted = spec is not None and clip.get("quality") != "keyframe_slideshow" and clip.get("true_reps") is not None
        problems: list[str] = []
        if run.report is None:
            c["failed"] += 1
            c["rep_clips"] += counted
            c["named_clips"] += run.mode == "auto"
            c["flexion_missed"] += len(clip.get("flexion_intervals_s") or []) if clip.get("flexion") == "present" else 0
            return [f"failed: {run.error}"]
        report = run.report
        if counted:
            assert spec is not None
            found = len(report["holds"]) if spec.kind is Kind.HOLD else int(report["rep_count"])
            true = int(clip["true_reps"])
            c["rep_clips"] += 1
            c["exact"] += found == true
            c["worse"] += abs(found - true) > 1
            if found != true:
                problems.append(f"{found} counted for {true}")
        hits, missed, false = score_flexion([(e["start_s"], e["end_s"]) for e in report["flexion_events"]], clip)
        c["flexion_hits"] += hits
        c["flexion_missed"] += missed
        c["flexion_false"] += false
        if missed or false:
            problems.append(f"flexion: {missed} missed, {false} false")
        if run.mode == "auto":
            right = clip["exercise"] if spec is not None else NOT_IN_LIBRARY.id
            named, confidence = report["exercise"], report.get("exercise_confidence")
            c["named_clips"] += 1
            c["named_right"] += named == right
            if named != right:
                c["named_wrong_confident"] += (confidence or 0.0) >= 0.5 and bool(report.get("exercise_sure"))
                problems.append(f"named {named} ({confidence}) for {right}")
        return problems

    def summary(self) -> str:
        c = self.counts
        reps = f"exact {c['exact']}/{c['rep_clips']}, off by more than one {c['worse']}"
        flagged = c["flexion_hits"] + c["flexion_false"]
        labelled = c["flexion_hits"] + c["flexion_missed"]
        recall = f"{c['flexion_hits'] / labelled:.2f}" if labelled else "-"
        precision = f"{c['flexion_hits'] / flagged:.2f}" if flagged else "-"
        flexion = f"flexion recall {recall} ({c['flexion_hits']}/{labelled}), precision {precision}"
        named = ""
        if c["named_clips"]:
            named = (
                f", named right {c['named_right']}/{c['named_clips']} (wrong and sure: {c['named_wrong_confident']})"
            )
        failed = f", {c['failed']} failed" if c["failed"] else ""
        return f"{reps}; {flexion}{named}{failed}"


def review(spinesafe: str, corpus: Path, clip: dict[str, Any], mode: str) -> Run:
    exercise = clip["exercise"] if mode == "id" else "auto"
    command = [spinesafe, "review", str(corpus / clip["file"]), "--exercise", exercise, "--json", "--no-history", "-q"]
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    run = Run(clip, mode, seconds=time.monotonic() - start)
    if done.returncode != 0:
        run.error = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return run
    try:
        run.report = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        run.error = f"stdout is not a JSON report ({exc})"
    return run


def main(argv: list[str] | None = None) -> int:
    description = (__doc__ or "").split("\n\n")[0]
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("corpus", type=Path, help="folder with manifest.json and the videos")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="reviews at a time (default 2)")
    parser.add_argument("--only", nargs="*", default=None, help="clip names (file stems) to run")
    parser.add_argument("--modes", nargs="*", default=list(MODES), choices=MODES, help="id, auto or both (default)")
    parser.add_argument("--json", type=Path, help="write every run's scores as JSON")
    args = parser.parse_args(argv)
    manifest = args.corpus / "manifest.json"
    if not manifest.is_file():
        parser.error(f"{manifest}: not found (give the folder with manifest.json and the videos)")
    spinesafe = str(Path(sys.executable).with_name("spinesafe"))
    clips = [c for c in load_manifest(args.corpus) if args.only is None or Path(c["file"]).stem in args.only]
    jobs = [(c, m) for c in clips for m in args.modes if not (m == "id" and c["exercise"] not in EXERCISES)]
    tallies = {(m, p): Tally() for m in MODES for p in ("tuning", "validation", "whole")}
    rows: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(review, spinesafe, args.corpus, clip, mode) for clip, mode in jobs]
        for i, future in enumerate(futures, 1):
            run = future.result()
            problems = tallies[(run.mode, part(run.clip))].add(run)
            tallies[(run.mode, "whole")].add(run)
            words = "; ".join(problems) if problems else "ok"
            print(f"[{i}/{len(jobs)}] {run.name:44s} {run.mode:4s} {run.seconds:5.1f} s  {words}", flush=True)
            rows.append({"clip": run.clip["file"], "mode": run.mode, "part": part(run.clip), "problems": problems})
    print()
    for mode in args.modes:
        for p in ("tuning", "validation", "whole"):
            print(f"{mode:4s} {p:10s} {tallies[(mode, p)].summary()}")
    if args.json:
        summary = {f"{m}:{p}": dict(t.counts) for (m, p), t in tallies.items()}
        args.json.write_text(json.dumps({"summary": summary, "runs": rows}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
