"""``spinesafe programs``: list the sample programmes, or validate and show programme files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spinesafe.commands.arguments import EXIT_ERROR
from spinesafe.errors import SpinesafeError
from spinesafe.session.programme import PROGRAMME_SUFFIX, Programme, load_programme

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "programs"


def _show(programme: Programme, verbose: bool) -> None:
    print(f"{programme.source}: {programme.name} (valid, {len(programme.entries)} entries)")
    if programme.patient or programme.prescribed_by:
        print(f"  for {programme.patient or '-'}, prescribed by {programme.prescribed_by or '-'}")
    if not verbose:
        return
    for i, entry in enumerate(programme.entries):
        sets = f"{entry.sets} x " if entry.sets > 1 else ""
        limits = f"flexion caution {entry.flexion.caution_deg:g} / stop {entry.flexion.stop_deg:g} deg"
        last = i == len(programme.entries) - 1
        rest = f", rest {entry.rest_s:g} s" if entry.rest_s and not (last and entry.sets == 1) else ""
        ident = (f"test {entry.test.value}" if entry.test else entry.exercise) or "(timed, not watched)"
        print(f"  {entry.phase.label:9s} {entry.name:26s} {ident:24s} {sets}{entry.goal_text}{rest}; {limits}")
    for advice in programme.advice:
        print(f"  advice: {advice}")


def run(args: argparse.Namespace) -> int:
    files: list[Path] = list(args.files)
    if not files:
        files = sorted(SAMPLES.glob(f"*{PROGRAMME_SUFFIX}")) if SAMPLES.is_dir() else []
        if not files:
            print("no programme files given and no samples found", file=sys.stderr)
            return EXIT_ERROR
    failed = 0
    for path in files:
        try:
            _show(load_programme(path), verbose=bool(args.files) or args.verbose)
        except SpinesafeError as exc:
            print(f"spinesafe: error: {exc}", file=sys.stderr)
            failed += 1
    return EXIT_ERROR if failed else 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    programs = sub.add_parser(
        "programs",
        help="list the sample programmes, or validate programme files",
        description=(
            "Validate programme files (TOML) and show their entries, sets, goals and flexion limits; "
            "without FILE, list the sample programmes. Exit code 2 when a file is invalid."
        ),
    )
    programs.add_argument("files", nargs="*", type=Path, metavar="FILE", help="programme files (.toml)")
    programs.add_argument("--verbose", "-v", action="store_true", help="show the entries of the samples too")
    programs.set_defaults(func=run)
