"""Subcommands of ``spinesafe``: one module each, each with ``register(subparsers)``.

A command module parses its arguments, calls the library and prints; library code never prints.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from spinesafe.commands import (
    evaluate,
    exercises,
    history,
    live,
    patient,
    programs,
    record,
    report,
    review,
    train_recogniser,
)

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

# Order here is the order in ``spinesafe --help``.
REGISTRARS: list[Registrar] = [
    live.register,
    programs.register,
    review.register,
    history.register,
    report.register,
    patient.register,
    record.register,
    evaluate.register,
    exercises.register,
    train_recogniser.register,
]
