"""``spinesafe eval``: accuracy on a labelled corpus."""

from __future__ import annotations

import argparse
from pathlib import Path

from spinesafe.commands.arguments import ProgressBar, exercise_id


def run(args: argparse.Namespace) -> int:
    import json

    from spinesafe.lab.evaluation import evaluate, format_table

    bars: dict[str, ProgressBar] = {}

    def progress(name: str, done: int, total: int) -> None:
        bar = bars.setdefault(name, ProgressBar(f"extracting landmarks of {Path(name).name}"))
        bar(done, total)

    summary = evaluate(
        args.corpus,
        cache_dir=args.cache,
        exercises=set(args.exercise) if args.exercise else None,
        progress=progress,
        baseline=args.baseline,
    )
    for bar in bars.values():
        bar.close()
    print(format_table(summary))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"summary written to {args.json}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ev = sub.add_parser(
        "eval",
        help="measure rep-count and flexion accuracy on a labelled corpus (manifest.json)",
        description=(
            "Run the analysis on every clip of a corpus folder with its labelled exercise (clips of no library "
            "exercise, 'other', for flexion and twisting only) and print a per-clip table and the figures of the "
            "tuning part, the validation part (whole sources never tuned on) and the whole corpus. Landmarks are "
            "cached outside the repository so re-runs take seconds."
        ),
    )
    ev.add_argument("corpus", type=Path, metavar="CORPUS_DIR", help="folder with manifest.json and the videos")
    ev.add_argument("--json", type=Path, metavar="FILE", help="write the summary and per-clip scores as JSON")
    ev.add_argument("--cache", type=Path, metavar="DIR", help="landmark cache (default ~/.cache/spinesafe/corpus)")
    ev.add_argument("--exercise", action="append", type=exercise_id, metavar="ID", help="only clips of this exercise")
    ev.add_argument(
        "--baseline", action="store_true", help="also score a naive one-angle counter with 'trunk > 45 deg = flexion'"
    )
    ev.set_defaults(func=run)
