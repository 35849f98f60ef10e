"""``spinesafe patient``: a patient's age and sex in the history (for the functional tests' norms)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spinesafe.commands.arguments import EXIT_ERROR, age_years, sex_letter


def run_set(args: argparse.Namespace) -> int:
    from spinesafe.feedback.functional_history import set_patient
    from spinesafe.feedback.store import SessionStore, default_db_path

    if args.age is None and args.sex is None:
        print("spinesafe patient set: error: give --age and/or --sex", file=sys.stderr)
        return EXIT_ERROR
    with SessionStore(args.db or default_db_path()) as store:
        try:
            record = set_patient(store, args.name, age=args.age, sex=args.sex)
        except ValueError as exc:
            print(f"spinesafe patient set: error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        print(_describe(record.name, record.age, record.sex.value if record.sex else None))
        print(f"stored in {store.path}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from spinesafe.feedback.functional_history import get_patient
    from spinesafe.feedback.store import SessionStore, default_db_path

    path = args.db or default_db_path()
    if not path.exists():
        print(f"spinesafe: error: no history yet ({path} does not exist)", file=sys.stderr)
        return EXIT_ERROR
    with SessionStore(path, create=False) as store:
        record = get_patient(store, args.name)
    if record is None:
        print(f"spinesafe patient show: error: no record of patient {args.name!r} in {path}", file=sys.stderr)
        return EXIT_ERROR
    print(_describe(record.name, record.age, record.sex.value if record.sex else None))
    return 0


def _describe(name: str, age: int | None, sex: str | None) -> str:
    return f"{name}: age {age if age is not None else 'not given'}, sex {sex or 'not given'}"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    patient = sub.add_parser(
        "patient",
        help="store a patient's age and sex (the functional tests' norms depend on them)",
        description=(
            "Keep a patient's age and sex in the session history; `spinesafe review --test` and "
            "`spinesafe report` use them for the norms. No other personal data is stored."
        ),
    )
    actions = patient.add_subparsers(dest="action", metavar="ACTION", required=True)
    set_ = actions.add_parser("set", help="set a patient's age and/or sex", description="Set a patient's age and sex.")
    set_.add_argument("name", metavar="NAME", help="the patient's name, as given to --patient")
    set_.add_argument("--age", type=age_years, metavar="YEARS", help="age in years (18-120)")
    set_.add_argument("--sex", type=sex_letter, metavar="F|M", help="F or M (the published norms are by sex)")
    show = actions.add_parser("show", help="show a patient's record", description="Show a patient's age and sex.")
    show.add_argument("name", metavar="NAME", help="the patient's name")
    for parser, func in ((set_, run_set), (show, run_show)):
        parser.add_argument(
            "--db",
            type=Path,
            metavar="FILE",
            help="session database (default: $SPINESAFE_DB, or ~/.local/share/spinesafe/sessions.db)",
        )
        parser.set_defaults(func=func)
