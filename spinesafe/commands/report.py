"""``spinesafe report``: a clinician's progress report of one patient's stored sessions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spinesafe.commands.arguments import EXIT_ERROR
from spinesafe.commands.history import date_arg, until_arg


def run(args: argparse.Namespace) -> int:
    from spinesafe.feedback.html_report import clinician_html
    from spinesafe.feedback.report import write_text
    from spinesafe.feedback.store import SessionStore, default_db_path
    from spinesafe.session.recorder import default_patient

    patient = args.patient or default_patient()
    path = args.db or default_db_path()
    if not path.exists():
        print(f"spinesafe: error: no sessions stored yet ({path} does not exist)", file=sys.stderr)
        return EXIT_ERROR
    with SessionStore.open_for_reading(path) as store:
        sessions = store.sessions(patient=patient, since=args.since, until=args.until)
        if not sessions:
            known = sorted({s.patient for s in store.sessions()})
            period = f" since {args.since:%Y-%m-%d}" if args.since else ""
            print(
                f"spinesafe: error: no sessions of patient {patient!r}{period} in {path}; "
                f"patients stored: {', '.join(known) or 'none'}",
                file=sys.stderr,
            )
            return EXIT_ERROR
        totals = store.exercise_totals(patient=patient, since=args.since, until=args.until)
    html = clinician_html(patient, args.since, args.until, sessions, totals)
    out = write_text(html, args.out, "the progress report")
    print(
        f"{patient}: {len(sessions)} session(s), {sum(s.reps for s in sessions)} reps, "
        f"{sum(s.flexion_events for s in sessions)} spinal flexion events, "
        f"{sum(s.unsafe_movements for s in sessions)} movements to avoid"
    )
    print(f"progress report: {out}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser(
        "report",
        help="write a clinician's HTML progress report of a patient's stored sessions",
        description=(
            "Write one self-contained HTML file (opens from an e-mail attachment, no network) with a patient's "
            "sessions over a period: a table and progress plots of reps, range of motion and spinal-flexion events "
            "per session."
        ),
    )
    report.add_argument("--patient", metavar="NAME", help="whose sessions (default: $SPINESAFE_PATIENT, or 'default')")
    report.add_argument("--since", type=date_arg, metavar="DATE", help="first day of the period (YYYY-MM-DD)")
    report.add_argument("--until", type=until_arg, metavar="DATE", help="last day of the period (inclusive)")
    report.add_argument("--out", "-o", type=Path, required=True, metavar="FILE.html", help="report to write")
    report.add_argument(
        "--db",
        type=Path,
        metavar="FILE",
        help="session database (default: $SPINESAFE_DB, or ~/.local/share/spinesafe/sessions.db)",
    )
    report.set_defaults(func=run)
