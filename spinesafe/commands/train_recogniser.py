"""``spinesafe train-recogniser``: train (and cross-validate) the exercise recogniser."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from spinesafe.commands.arguments import ProgressBar

PACKAGED_MODEL = Path(__file__).resolve().parents[1] / "classifiers" / "models" / "recogniser.npz"


def run(args: argparse.Namespace) -> int:
    import warnings

    from spinesafe.recogniser_training import leave_one_clip_out, train

    warnings.filterwarnings("ignore", module="sklearn")  # convergence chatter; the CV numbers speak
    corpus = args.corpus
    if args.cross_validate:
        if corpus is None:
            print("spinesafe: error: --cross-validate needs a CORPUS_DIR")
            return 2
        bar = ProgressBar("leave-one-clip-out")
        cv = leave_one_clip_out(corpus, args.cache, progress=bar)
        bar.close()
        for clip, truth, predicted, confidence in cv.per_clip:
            mark = "" if truth == predicted else "  <- wrong"
            print(f"{Path(clip).stem[:40]:40s} {truth:22s} {predicted:22s} {confidence:4.2f}{mark}")
        n = len(cv.per_clip)
        print(f"clip accuracy (leave-one-clip-out): {cv.accuracy:.2f} over {n} clips, {cv.seconds:.0f} s")
        if args.json:
            data = {"accuracy": cv.accuracy, "per_clip": cv.per_clip, "confusion": cv.confusion, "seconds": cv.seconds}
            args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return 0
    model, n, seconds = train(corpus, args.out, args.cache)
    size = args.out.stat().st_size
    print(f"trained on {n} windows, classes: {', '.join(model.classes)}")
    print(f"model written to {args.out} ({size / 1024:.0f} KiB) in {seconds:.0f} s")
    print(f"training hash {model.training_hash}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "train-recogniser",
        help="train the exercise recogniser (synthetic motions + a labelled corpus), or cross-validate it",
        description=(
            "Train the window-based exercise recogniser on synthetic motions and, when CORPUS_DIR is given, on the "
            "corpus clips' landmarks (cached outside the repository). Fixed seeds: the same data gives the same model. "
            "--cross-validate holds out each corpus clip in turn and reports clip-level accuracy."
        ),
    )
    p.add_argument("corpus", nargs="?", type=Path, metavar="CORPUS_DIR", help="labelled corpus (manifest.json)")
    p.add_argument("--out", type=Path, default=PACKAGED_MODEL, metavar="FILE.npz", help="model file to write")
    p.add_argument("--cache", type=Path, metavar="DIR", help="landmark cache (default ~/.cache/spinesafe/corpus)")
    p.add_argument("--cross-validate", action="store_true", help="leave-one-clip-out evaluation instead of training")
    p.add_argument("--json", type=Path, metavar="FILE", help="with --cross-validate: write per-clip results as JSON")
    p.set_defaults(func=run)
