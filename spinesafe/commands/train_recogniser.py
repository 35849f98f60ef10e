"""``spinesafe train-recogniser``: train (and cross-validate) the exercise recogniser."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from spinesafe.classifiers.exercises import UNSAFE_PATTERNS
from spinesafe.commands.arguments import EXIT_ERROR, ProgressBar

if TYPE_CHECKING:
    from spinesafe.lab.recogniser_training import CrossValidation

PACKAGED_MODEL = Path(__file__).resolve().parents[1] / "classifiers" / "models" / "recogniser.npz"


def run(args: argparse.Namespace) -> int:
    from spinesafe.lab.recogniser_training import train

    if args.cross_validate:
        if args.corpus is None:
            print("spinesafe: error: --cross-validate needs a CORPUS_DIR")
            return EXIT_ERROR
        data = cross_validate(args.corpus, args.cache, args.seeds)
        if args.with_people:
            data["with_people"] = cross_validate_with_people(args.corpus, args.cache, args.seeds)
        if args.json:
            args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return 0
    if args.with_people and args.out.resolve() == PACKAGED_MODEL.resolve():
        print(
            "spinesafe: error: --with-people stores the corpus's windows, which are derived from its videos and "
            "must not be shipped: give --out a file outside the package (and SPINESAFE_RECOGNISER_MODEL to use it)"
        )
        return EXIT_ERROR
    model, n, seconds = train(args.corpus, args.out, args.cache, with_people=args.with_people)
    size = args.out.stat().st_size
    print(f"trained on {n} windows, classes: {', '.join(model.classes)}")
    print(f"model written to {args.out} ({size / 1024:.0f} KiB) in {seconds:.0f} s")
    print(f"training hash {model.training_hash}")
    return 0


def cross_validate(corpus: Path, cache: Path | None, seeds: int) -> dict[str, object]:
    """Print (and return) how the packaged model meets a new person: each corpus clip judged by the
    synthetic motions' windows with the columns' weights and the open-set reach set from the clips
    of every other source."""
    from spinesafe.lab.corpus_split import TUNING, VALIDATION
    from spinesafe.lab.recogniser_training import SEED, out_of_library, packaged, synthetic_only

    print("The packaged model (synthetic motions; the features' weights and each exercise's reach set from the")
    print("corpus clips of every other source): each clip judged as a new person meets it (leave-one-source-out).")
    bar = ProgressBar("leave-one-source-out")
    cv = packaged(corpus, cache, progress=bar)
    bar.close()
    print_clips(cv)
    holdout = packaged(corpus, cache, holdout="tuning")
    print(part_summary(cv, holdout, "leave-one-source-out", "weights and reach set from the tuning part only"))
    print(source_summary(cv))
    others = out_of_library(corpus, cache, with_people=False)
    for clip, where, label, confidence in others:
        print(f"out of the library: {Path(clip).stem[:40]:40s} {where:10s} -> {label} {confidence:4.2f}")
    no_people = synthetic_only(corpus, cache)
    print(
        f"clip accuracy with no real person at all (synthetic motions, no reach, as an exercise the corpus "
        f"lacks is met): {no_people.right}/{len(no_people.per_clip)} = {no_people.accuracy:.3f}"
    )
    data: dict[str, object] = {
        "accuracy": cv.accuracy,
        "per_clip": cv.per_clip,
        "parts": cv.parts,
        "confusion": cv.confusion,
        "seconds": cv.seconds,
        "accuracy_by_part": {name: cv.of_part(name).accuracy for name in (TUNING, VALIDATION)},
        "validation_with_reach_from_tuning": {"accuracy": holdout.accuracy, "per_clip": holdout.per_clip},
        "out_of_library": others,
        "synthetic_only": {"accuracy": no_people.accuracy, "per_clip": no_people.per_clip},
    }
    if seeds > 1:
        runs = [cv, *(packaged(corpus, cache, seed=SEED + k) for k in range(1, seeds))]
        print(seed_spread(runs))
        data["accuracy_by_seed"] = [c.accuracy for c in runs]
        data["accuracy_by_seed_and_part"] = {
            name: [c.of_part(name).accuracy for c in runs] for name in (TUNING, VALIDATION)
        }
    return data


def cross_validate_with_people(corpus: Path, cache: Path | None, seeds: int) -> dict[str, object]:
    """Print (and return) the figures of a model that stores the corpus's windows too
    (``--with-people``, kept on this machine): leave-one-clip-out, leave-one-source-out, the
    validation part by a model of the tuning part, and the movements outside the library."""
    from spinesafe.lab.corpus_split import TUNING, VALIDATION
    from spinesafe.lab.recogniser_training import SEED, leave_one_clip_out, out_of_library, validation_holdout

    print()
    print("A model with the corpus's people in it (--with-people, for this machine only):")
    bar = ProgressBar("leave-one-clip-out")
    cv = leave_one_clip_out(corpus, cache, progress=bar)
    bar.close()
    print_clips(cv)
    holdout = validation_holdout(corpus, cache)
    print(part_summary(cv, holdout))
    print(f"clip accuracy (leave-one-clip-out): {cv.right}/{len(cv.per_clip)} = {cv.accuracy:.3f}, {cv.seconds:.0f} s")
    bar = ProgressBar("leave-one-source-out")
    new_people = leave_one_clip_out(corpus, cache, progress=bar, whole_source=True)
    bar.close()
    print(source_summary(new_people))
    others = out_of_library(corpus, cache)
    for clip, where, label, confidence in others:
        print(f"out of the library: {Path(clip).stem[:40]:40s} {where:10s} -> {label} {confidence:4.2f}")
    data: dict[str, object] = {
        "accuracy": cv.accuracy,
        "per_clip": cv.per_clip,
        "accuracy_by_part": {name: cv.of_part(name).accuracy for name in (TUNING, VALIDATION)},
        "validation_holdout": {"accuracy": holdout.accuracy, "per_clip": holdout.per_clip},
        "leave_one_source_out": {
            "accuracy": new_people.accuracy,
            "per_clip": new_people.per_clip,
            "accuracy_by_part": {name: new_people.of_part(name).accuracy for name in (TUNING, VALIDATION)},
        },
        "out_of_library": others,
    }
    if seeds > 1:
        runs = [
            new_people,
            *(leave_one_clip_out(corpus, cache, seed=SEED + k, whole_source=True) for k in range(1, seeds)),
        ]
        print(seed_spread(runs))
        data["accuracy_by_seed"] = [c.accuracy for c in runs]
    return data


def print_clips(cv: CrossValidation) -> None:
    """One line a clip (right or wrong), the confusion matrix and the per-class accuracy."""
    for clip, truth, predicted, confidence in cv.per_clip:
        mark = "" if truth == predicted else "  <- wrong"
        where = cv.parts.get(clip, "")[:3]
        print(f"{Path(clip).stem[:40]:40s} {where:3s} {truth:22s} {predicted:22s} {confidence:4.2f}{mark}")
    print()
    print(confusion_table(cv.confusion))
    print()
    print(per_class_accuracy(cv))
    print()


def source_summary(cv: CrossValidation) -> str:
    """Leave-one-source-out accuracy, whole and by part: each clip judged by a model that has learnt
    nothing from its source, as a new person meets it."""
    wrong = [f"{Path(c).stem} ({p})" for c, t, p, _ in cv.per_clip if t != p]
    parts = ", ".join(
        f"{name} {sub.right}/{len(sub.per_clip)}" for name in ("tuning", "validation") if (sub := cv.of_part(name))
    )
    note = f"; wrong: {', '.join(wrong)}" if wrong else ""
    return f"clip accuracy (leave-one-source-out): {cv.right}/{len(cv.per_clip)} = {cv.accuracy:.3f} ({parts}){note}"


def part_summary(
    cv: CrossValidation,
    holdout: CrossValidation,
    method: str = "leave-one-clip-out",
    held_out: str = "model trained on the tuning part only",
) -> str:
    """``method``'s accuracy on each part of the corpus, and the validation clips judged with
    nothing learnt from the validation part (``held_out`` says how)."""
    lines = []
    for name in ("tuning", "validation"):
        sub = cv.of_part(name)
        wrong = [f"{Path(c).stem} ({p})" for c, t, p, _ in sub.per_clip if t != p]
        note = f"; wrong: {', '.join(wrong)}" if wrong else ""
        lines.append(f"{name} part ({method}): {sub.right}/{len(sub.per_clip)} = {sub.accuracy:.3f}{note}")
    wrong = [f"{Path(c).stem} ({p})" for c, t, p, _ in holdout.per_clip if t != p]
    note = f"; wrong: {', '.join(wrong)}" if wrong else ""
    lines.append(f"validation part, {held_out}: {holdout.right}/{len(holdout.per_clip)} = {holdout.accuracy:.3f}{note}")
    return "\n".join(lines)


def seed_spread(runs: list[CrossValidation]) -> str:
    """Clip accuracy over several synthetic seeds (the first is the packaged model's), and the
    clips that are wrong in some seeds: a clip that flips with the seed is a coin toss, not a fix."""
    n = len(runs[0].per_clip)
    right = [cv.right for cv in runs]
    lines = [
        f"leave-one-source-out over {len(runs)} synthetic seeds: {sum(right) / len(runs):.1f}/{n} clips right "
        f"on average "
        f"(min {min(right)}, max {max(right)}; mean accuracy {sum(right) / len(runs) / n:.3f})"
    ]
    wrong: dict[str, int] = {}
    for cv in runs:
        for clip, truth, predicted, _ in cv.per_clip:
            if truth != predicted:
                wrong[clip] = wrong.get(clip, 0) + 1
    for clip, count in sorted(wrong.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {Path(clip).stem[:40]:40s} wrong in {count} of {len(runs)} seeds")
    return "\n".join(lines)


def confusion_table(confusion: dict[str, dict[str, int]]) -> str:
    """The confusion matrix as text: rows are true labels, columns predicted, only labels that occur.

    Columns are numbered like the rows (exercise ids would make a very wide table); empty cells
    show ``.`` so that the diagonal and the errors stand out.
    """
    labels = sorted(set(confusion) | {p for row in confusion.values() for p in row})
    if not labels:
        return "(no clips)"
    width = max(2, len(str(len(labels))))
    names = [f"{i + 1:>{width}d} {label}" for i, label in enumerate(labels)]
    corner = "true \\ predicted"
    name_width = max(len(corner), *(len(n) for n in names))
    lines = [f"{corner:{name_width}s} " + " ".join(f"{i + 1:>{width}d}" for i in range(len(labels)))]
    for name, truth in zip(names, labels, strict=True):
        row = confusion.get(truth, {})
        cells = " ".join(f"{row[p]:>{width}d}" if row.get(p) else f"{'.':>{width}s}" for p in labels)
        lines.append(f"{name:{name_width}s} {cells}")
    return "\n".join(lines)


def per_class_accuracy(cv: CrossValidation) -> str:
    """One line a true class: clips right / clips, and what the wrong ones were taken for."""
    by_class: dict[str, list[str]] = {}
    for _, true_label, predicted_label, _ in cv.per_clip:
        by_class.setdefault(true_label, []).append(predicted_label)
    width = max((len(c) for c in by_class), default=5)
    lines = ["per-class clip accuracy:"]
    for truth, predictions in sorted(by_class.items()):
        right = sum(1 for p in predictions if p == truth)
        wrong = sorted(p for p in predictions if p != truth)
        note = f"  (taken for {', '.join(wrong)})" if wrong else ""
        lines.append(f"  {truth:{width}s} {right:>2d}/{len(predictions):<2d} {right / len(predictions):4.2f}{note}")
    # What matters most for safety: is an unsafe pattern taken for one (any one), and a safe one not?
    unsafe = [(t in UNSAFE_PATTERNS, p in UNSAFE_PATTERNS) for _, t, p, _ in cv.per_clip]
    caught = sum(1 for t, p in unsafe if t and p)
    alarmed = sum(1 for t, p in unsafe if p and not t)
    lines.append(
        f"unsafe patterns: {caught}/{sum(1 for t, _ in unsafe if t)} unsafe clips recognised as an unsafe pattern, "
        f"{alarmed}/{sum(1 for t, _ in unsafe if not t)} safe clips taken for one"
    )
    return "\n".join(lines)


def _seed_count(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if not 1 <= n <= 50:
        raise argparse.ArgumentTypeError(f"expected a whole number of seeds from 1 to 50, got {value!r}")
    return n


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "train-recogniser",
        help="train the exercise recogniser (synthetic motions + a labelled corpus), or cross-validate it",
        description=(
            "Train the window-based exercise recogniser: the packaged model stores the synthetic motions' windows, and "
            "CORPUS_DIR (a labelled corpus; landmarks cached outside the repository) sets each exercise's open-set "
            "reach. Fixed seeds: the same data gives the same model. --cross-validate reports how the packaged model "
            "meets a new person: each corpus clip judged with the reach set from the clips of every other source "
            "(leave-one-source-out), on the tuning and the validation part of the corpus "
            "(spinesafe/lab/validation_sources.json), the validation clips with the reach set from the tuning part "
            "only, and what the clips of movements outside the library are called; with --with-people also the "
            "figures of a model that stores the corpus's windows."
        ),
    )
    p.add_argument("corpus", nargs="?", type=Path, metavar="CORPUS_DIR", help="labelled corpus (manifest.json)")
    p.add_argument("--out", type=Path, default=PACKAGED_MODEL, metavar="FILE.npz", help="model file to write")
    p.add_argument("--cache", type=Path, metavar="DIR", help="landmark cache (default ~/.cache/spinesafe/corpus)")
    p.add_argument(
        "--with-people",
        action="store_true",
        help="store the corpus's windows in the model too (better on people like the corpus's; for a model kept "
        "on this machine and used through SPINESAFE_RECOGNISER_MODEL, never the packaged one). Without it the "
        "corpus only sets each exercise's open-set reach",
    )
    p.add_argument(
        "--cross-validate",
        action="store_true",
        help="evaluate the packaged model by leave-one-source-out instead of training (with --with-people: also a "
        "model storing the corpus's windows, by leave-one-clip-out and leave-one-source-out)",
    )
    p.add_argument("--json", type=Path, metavar="FILE", help="with --cross-validate: write per-clip results as JSON")
    p.add_argument(
        "--seeds",
        type=_seed_count,
        default=1,
        metavar="N",
        help=(
            "with --cross-validate: repeat leave-one-source-out with N synthetic-data seeds and report the "
            "spread (default 1; about 20 s a seed)"
        ),
    )
    p.set_defaults(func=run)
