"""The ``spinesafe`` command: builds the parser from :mod:`spinesafe.commands` and runs one."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from spinesafe import __version__
from spinesafe.commands import REGISTRARS
from spinesafe.commands.arguments import EXIT_BROKEN_PIPE, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated
from spinesafe.errors import SpinesafeError
from spinesafe.native_logs import quiet_native_logs


class _StderrHandler(logging.StreamHandler):
    """Log records to whatever ``sys.stderr`` is when they are written (it moves while native logs are quieted)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spinesafe",
        description=(
            "Camera-based exercise coach for people with osteoporosis: counts repetitions and flags "
            "spinal flexion (rounding the back) from MediaPipe pose landmarks."
        ),
    )
    parser.add_argument("--version", action="version", version=f"spinesafe {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log details to stderr, with the log lines of OpenCV, TensorFlow Lite and MediaPipe (hidden otherwise)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for register in REGISTRARS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, handlers=[handler])
    try:
        with quiet_native_logs(enabled=not args.verbose):
            return int(args.func(args))
    except SpinesafeError as exc:
        print(f"spinesafe: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Terminated:
        print("spinesafe: terminated (SIGTERM); partial outputs removed", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("spinesafe: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our output went away (`spinesafe history | head`): nothing to tell it. Point
        # stdout at /dev/null so that the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
