"""Argument types and a terminal progress bar shared by the subcommands."""

from __future__ import annotations

import argparse
import sys
import time

from spinesafe.classifiers.exercises import EXERCISES
from spinesafe.classifiers.functional.results import FunctionalTest, Sex, parse_sex, parse_test_id
from spinesafe.session.inputs import AUTO

EXIT_ERROR = 2  # a usage or input error, as argparse exits with
EXIT_INTERRUPTED = 130  # Ctrl+C (128 + SIGINT), as shells report it


class ProgressBar:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, label: str, enabled: bool | None = None) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._last = 0.0
        self._start = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.2 and done != total):
            return
        self._last = now
        rate = done / max(now - self._start, 1e-6)
        if total > 0:
            frac = min(done / total, 1.0)
            bar = "#" * int(30 * frac)
            sys.stderr.write(f"\r{self.label} [{bar:<30}] {done}/{total} frames  {rate:5.1f} fps ")
        else:
            sys.stderr.write(f"\r{self.label} {done} frames  {rate:5.1f} fps ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def exercise_id_or_auto(value: str) -> str:
    """An exercise id, or ``auto`` (recognise it)."""
    if value != AUTO and value not in EXERCISES:
        raise argparse.ArgumentTypeError(f"unknown exercise {value!r}; valid ids: auto, {', '.join(sorted(EXERCISES))}")
    return value


def exercise_id(value: str) -> str:
    if value not in EXERCISES:
        raise argparse.ArgumentTypeError(f"unknown exercise {value!r}; valid ids: {', '.join(sorted(EXERCISES))}")
    return value


def functional_test_id(value: str) -> FunctionalTest:
    """A functional test id or its CLI spelling (chair-stand, balance, tug, ...)."""
    try:
        return parse_test_id(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def age_years(value: str) -> int:
    try:
        age = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"age must be a whole number of years, got {value!r}") from None
    if not 18 <= age <= 120:
        raise argparse.ArgumentTypeError(f"age must be 18-120 years, got {age}")
    return age


def sex_letter(value: str) -> Sex:
    try:
        return parse_sex(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
