"""The ``spinesafe`` command: builds the parser from :mod:`spinesafe.commands` and runs one."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from spinesafe import __version__
from spinesafe.commands import REGISTRARS
from spinesafe.commands.arguments import EXIT_ERROR, EXIT_INTERRUPTED
from spinesafe.errors import SpinesafeError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spinesafe",
        description=(
            "Camera-based exercise coach for people with osteoporosis: counts repetitions and flags "
            "spinal flexion (rounding the back) from MediaPipe pose landmarks."
        ),
    )
    parser.add_argument("--version", action="version", version=f"spinesafe {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for register in REGISTRARS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return int(args.func(args))
    except SpinesafeError as exc:
        print(f"spinesafe: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("spinesafe: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
