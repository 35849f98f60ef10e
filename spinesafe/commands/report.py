"""``spinesafe report``: a clinician's progress report of one patient's stored sessions."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from spinesafe.commands.arguments import EXIT_ERROR
from spinesafe.commands.history import date_arg, until_arg

if TYPE_CHECKING:
    from spinesafe.feedback.functional_history import StoredTest


def run(args: argparse.Namespace) -> int:
    from spinesafe.feedback.functional_history import stored_tests
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
        tests = stored_tests(store, patient, since=args.since, until=args.until)
    html = clinician_html(patient, args.since, args.until, sessions, totals, tests)
    out = write_text(html, args.out, "the progress report")
    print(
        f"{patient}: {len(sessions)} session(s), {sum(s.reps for s in sessions)} reps, "
        f"{sum(s.flexion_events for s in sessions)} spinal flexion events, "
        f"{sum(s.unsafe_movements for s in sessions)} movements to avoid"
    )
    for line in test_lines(tests):
        print(line)
    print(f"progress report: {out}")
    return 0


def test_lines(tests: Sequence[StoredTest]) -> list[str]:
    """Each functional test's results over time, with the norm line, as plain text."""
    lines: list[str] = []
    for test_id in dict.fromkeys(t.test for t in tests):
        rows = [t for t in tests if t.test == test_id]
        lines.append(f"  {rows[0].result.get('name', test_id)}:")
        norm = next((r.result["norm"] for r in reversed(rows) if r.result.get("norm")), None)
        if norm:
            lines.append(f"    norm: {norm['cutoff']} ({norm['source']})")
        for r in rows:
            verdict = (r.result.get("norm") or {}).get("verdict", "")
            lines.append(f"    {r.taken_at.astimezone():%Y-%m-%d %H:%M}  {format_value(r)}  {verdict}")
    return lines


def format_value(test: StoredTest) -> str:
    """The test's headline result in words: stands, seconds, the stage or the score."""
    r = test.result

    def num(key: str) -> str:
        value = r.get(key)
        return "-" if value is None else f"{value:g}"

    if test.test == "chair_stand_30s":
        counted = f" ({num('count')} counted)" if r.get("count") != r.get("score") else ""
        return f"{num('score')} stands{counted}"
    if test.test == "four_stage_balance":
        return f"stage {num('stage_reached')}, {num('time_s')} s"
    if test.test == "sppb":
        return f"{num('score')} of 12"
    return "no time" if r.get("time_s") is None else f"{num('time_s')} s"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser(
        "report",
        help="write a clinician's HTML progress report of a patient's stored sessions",
        description=(
            "Write one self-contained HTML file (opens from an e-mail attachment, no network) with a patient's "
            "sessions over a period: a table and progress plots of reps, range of motion and spinal-flexion events "
            "per session, and each functional test's results over time with its norm line."
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
