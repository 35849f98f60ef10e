"""``spinesafe exercises``: list the exercise library."""

from __future__ import annotations

import argparse

from spinesafe.classifiers.exercises import EXERCISES


def run(args: argparse.Namespace) -> int:
    for spec in EXERCISES.values():
        print(f"{spec.id:16s} {spec.name:18s} {spec.kind.value:8s} {spec.how_to}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    exercises = sub.add_parser(
        "exercises", help="list the exercise ids", description="List the exercises spinesafe knows."
    )
    exercises.set_defaults(func=run)
