"""Argument types, exit codes, SIGTERM handling and a terminal progress bar shared by the subcommands."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from spinesafe.classifiers.exercises import EXERCISES
from spinesafe.classifiers.functional.results import FunctionalTest, Sex, parse_sex, parse_test_id
from spinesafe.session.inputs import AUTO
from spinesafe.session.stopping import Terminated, request_stop

EXIT_ERROR = 2  # a usage or input error, as argparse exits with
EXIT_INTERRUPTED = 130  # Ctrl+C (128 + SIGINT), as shells report it
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143: stopped by SIGTERM (kill, systemd, a container stop)
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # 141: the reader of the output went away (`| head`), as shells report it


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` and Ctrl+C KeyboardInterrupt in the main
    thread, at the frame loop's next safe point while a review runs (:mod:`spinesafe.session.stopping`).
    A second SIGTERM is ignored so it cannot cut the clean-up short (SIGKILL still ends the process)."""

    def terminate(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        request_stop(Terminated)

    def interrupt(signum: int, frame: FrameType | None) -> None:
        request_stop(KeyboardInterrupt)

    previous = signal.signal(signal.SIGTERM, terminate), signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])


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


def add_verbose(parser: argparse.ArgumentParser) -> None:
    """``--verbose`` after the command too (``spinesafe live --verbose``), same as ``spinesafe --verbose live``."""
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        default=argparse.SUPPRESS,  # not given here: keep what came before the command
        help="log details to stderr, with the log lines of OpenCV, TensorFlow Lite and MediaPipe (hidden otherwise)",
    )


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
