"""The corpus seen by other cameras and people: how much the figures move under each perturbation.

Runs ``spinesafe eval``'s scoring on the cached landmarks of every clip as recorded, then as a
mirror image, with the camera rolled by +-10 deg or pitched (redrawn from the world landmarks, and
compared with the same redrawing level), at half the frame rate and with landmark jitter
(:mod:`spinesafe.lab.perturb`), and prints exact rep counts and flexion recall and precision per
part of the corpus for each, and the clips whose count or flexion events changed. Nothing here is
tuned on: a judgement that moves under these is fragile for people and cameras not yet seen.
``--recognition`` also names every library clip with the recogniser (the packaged model, or the
file in SPINESAFE_RECOGNISER_MODEL) under each perturbation; its reach was set on these clips as
filmed, so the figure that matters is how far each perturbation moves it.

    PYTHONPATH=. python scripts/eval_perturbed.py ../shared/corpus [--only mirrored] [--recognition]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from spinesafe.classifiers.exercises import EXERCISES
from spinesafe.classifiers.recogniser import RecogniserModel, recognise_windows, windows
from spinesafe.lab.evaluation import EvalSummary, default_cache_dir, evaluate, landmarks_for, load_manifest
from spinesafe.lab.perturb import COMPARED_WITH, PERTURBATIONS
from spinesafe.pose.recording import Recording

AS_RECORDED = "as recorded"


def row(name: str, summary: EvalSummary) -> str:
    cells = []
    for label, part in (("tuning", summary.parts.get("tuning")), ("validation", summary.parts.get("validation"))):
        if part is None:
            continue
        cells.append(
            f"{label} exact {part.exact}/{part.rep_clips}, recall {part.flexion_recall:.2f}, "
            f"precision {part.flexion_precision:.2f}"
        )
    whole = summary.whole
    cells.append(
        f"whole exact {whole.exact}/{whole.rep_clips} (>1 off: {whole.worse}), flexion recall "
        f"{whole.flexion_recall:.2f} ({whole.flexion_hits}/{whole.flexion_hits + whole.flexion_missed}), "
        f"{whole.false_flexion} false alarms"
    )
    return f"{name:16s} " + "; ".join(cells)


def changes(base: EvalSummary, other: EvalSummary) -> list[str]:
    """Clips whose count or number of flexion hits and false alarms differ from ``base``."""
    before = {c.file: c for c in base.clips}
    out = []
    for clip in other.clips:
        ref = before[clip.file]
        if (clip.counted_reps, clip.flexion_hits, clip.false_flexion) != (
            ref.counted_reps,
            ref.flexion_hits,
            ref.false_flexion,
        ):
            out.append(
                f"    {Path(clip.file).stem[:44]:44s} reps {ref.counted_reps} -> {clip.counted_reps} "
                f"(true {clip.true_reps}), flexion hits {ref.flexion_hits} -> {clip.flexion_hits}, "
                f"false {ref.false_flexion} -> {clip.false_flexion}"
            )
    return out


def recognised(
    corpus: Path, cache: Path, model: RecogniserModel, transform: Callable[[Recording], Recording] | None
) -> str:
    """How many library clips the recogniser names right (those long enough for a window), and which not."""
    right, judged, wrong = 0, 0, []
    for clip in load_manifest(corpus):
        if clip["exercise"] not in EXERCISES:
            continue
        recording = landmarks_for(corpus / clip["file"], cache)
        found = windows(list((transform(recording) if transform else recording).frames))
        if not found:
            continue
        label = recognise_windows(model, found).label
        judged += 1
        if label == clip["exercise"]:
            right += 1
        else:
            wrong.append(f"{Path(clip['file']).stem[:32]} ({label})")
    return f"    recognised {right}/{judged}; wrong: " + (", ".join(wrong) or "none")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="corpus folder with manifest.json")
    parser.add_argument("--cache", type=Path, default=None, help="landmark cache (default: spinesafe eval's)")
    parser.add_argument("--only", choices=sorted(PERTURBATIONS), action="append", help="run only these")
    parser.add_argument(
        "--recognition", action="store_true", help="also name every library clip with the recogniser (~1 min more)"
    )
    args = parser.parse_args(argv)
    if not (args.corpus / "manifest.json").is_file():
        print(f"eval_perturbed: error: no manifest.json in {args.corpus}", file=sys.stderr)
        return 2
    cache = args.cache or default_cache_dir()
    model = RecogniserModel.load() if args.recognition else None
    summaries = {AS_RECORDED: evaluate(args.corpus, cache_dir=cache)}
    print(row(AS_RECORDED, summaries[AS_RECORDED]), flush=True)
    if model is not None:
        print(recognised(args.corpus, cache, model, None), flush=True)
    for name in args.only or list(PERTURBATIONS):
        reference = COMPARED_WITH.get(name, AS_RECORDED)
        if reference not in summaries:
            summaries[reference] = evaluate(args.corpus, cache_dir=cache, transform=PERTURBATIONS[reference])
        summaries[name] = evaluate(args.corpus, cache_dir=cache, transform=PERTURBATIONS[name])
        print(row(name, summaries[name]), flush=True)
        if reference != AS_RECORDED:
            print(f"    (changes against '{reference}')")
        for line in changes(summaries[reference], summaries[name]):
            print(line)
        if model is not None:
            print(recognised(args.corpus, cache, model, PERTURBATIONS[name]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
