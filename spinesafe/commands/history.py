"""``spinesafe history``: the stored sessions as a table, or exported as CSV or JSON."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spinesafe.feedback.store import SessionSummary

CSV_COLUMNS = (
    "id",
    "started_at",
    "patient",
    "mode",
    "source",
    "programme",
    "exercises",
    "reps",
    "partial_reps",
    "flexion_events",
    "unsafe_movements",
    "duration_s",
    "status",
    "app_version",
    "model",
)


def date_arg(value: str) -> datetime:
    """``YYYY-MM-DD`` (local midnight) or an ISO date and time, as an aware datetime."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; use YYYY-MM-DD (e.g. 2026-11-01)") from None
    if len(value) <= 10:
        moment = datetime.combine(moment.date(), time())
    return moment if moment.tzinfo else moment.astimezone()


def until_arg(value: str) -> datetime:
    """Like :func:`date_arg`, but a date alone means the end of that day (``--until`` is inclusive)."""
    moment = date_arg(value)
    return moment + timedelta(days=1) if len(value) <= 10 else moment


def summary_row(s: SessionSummary) -> dict[str, object]:
    return {
        "id": s.id,
        "started_at": s.started_at.isoformat(),
        "patient": s.patient,
        "mode": s.mode,
        "source": s.source,
        "programme": s.programme or "",
        "exercises": ",".join(s.exercises),
        "reps": s.reps,
        "partial_reps": s.partial_reps,
        "flexion_events": s.flexion_events,
        "unsafe_movements": s.unsafe_movements,
        "duration_s": round(s.duration_s, 3),
        "status": s.shown_status,
        "app_version": s.app_version,
        "model": s.model,
    }


def format_table(sessions: list[SessionSummary]) -> str:
    header = (
        f"{'id':>4s}  {'date':16s}  {'patient':12s}  {'mode':6s}  {'source':28s}  {'exercises':20s}  "
        f"{'reps':>4s}  {'flexion':>7s}  {'avoid':>5s}  status"
    )
    lines = [header, "-" * len(header)]
    for s in sessions:
        lines.append(
            f"{s.id:4d}  {s.started_at.astimezone().strftime('%Y-%m-%d %H:%M'):16s}  {s.patient[:12]:12s}  "
            f"{s.mode:6s}  {s.source[:28]:28s}  {','.join(s.exercises)[:20]:20s}  {s.reps:4d}  "
            f"{s.flexion_events:7d}  {s.unsafe_movements:5d}  {s.shown_status}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from spinesafe.feedback.report import write_text
    from spinesafe.feedback.store import SessionStore, default_db_path

    path = args.db or default_db_path()
    if not path.exists():
        print(f"No sessions stored yet ({path} does not exist).")
        return 0
    with SessionStore.open_for_reading(path) as store:
        sessions = store.sessions(patient=args.patient, since=args.since, until=args.until)
        if args.export == "json":
            data = [{**summary_row(s), "detail": store.session_detail(s.id)} for s in sessions]
            text = json.dumps({"schema": "spinesafe.history/1", "database": str(path), "sessions": data}, indent=2)
            text += "\n"
        elif args.export == "csv":
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(summary_row(s) for s in sessions)
            text = buffer.getvalue()
        else:
            if not sessions:
                print(f"No sessions in {path}" + (f" for patient {args.patient!r}" if args.patient else "") + ".")
                return 0
            print(format_table(sessions))
            print(f"{len(sessions)} session(s) in {path}")
            return 0
    if args.out:
        write_text(text, args.out, "the export")
        print(f"{len(sessions)} session(s) exported to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    history = sub.add_parser(
        "history",
        help="list the stored live and review sessions, or export them as CSV or JSON",
        description=(
            "List every stored session, one row each: date, patient, mode (live/review/replay), source (video file "
            "or camera), exercises, reps and spinal-flexion events. A session whose process was killed shows as "
            "interrupted; what it had done up to its last second is kept."
        ),
    )
    history.add_argument("--patient", metavar="NAME", help="only this patient's sessions")
    history.add_argument("--since", type=date_arg, metavar="DATE", help="only sessions from this date (YYYY-MM-DD)")
    history.add_argument("--until", type=until_arg, metavar="DATE", help="only sessions up to this date (inclusive)")
    history.add_argument(
        "--export", choices=("csv", "json"), help="print CSV (one row per session) or JSON (with reps, events, cues)"
    )
    history.add_argument("--out", "-o", type=Path, metavar="FILE", help="write the export to FILE instead of stdout")
    history.add_argument(
        "--db",
        type=Path,
        metavar="FILE",
        help="session database (default: $SPINESAFE_DB, or ~/.local/share/spinesafe/sessions.db)",
    )
    history.set_defaults(func=run)
