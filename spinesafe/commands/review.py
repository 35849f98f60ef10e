"""``spinesafe review``: analyse a video, a landmark recording, or a folder of them."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from spinesafe.classifiers.exercises import EXERCISES, NOT_IN_LIBRARY, exercise_name
from spinesafe.commands.arguments import (
    EXIT_ERROR,
    ProgressBar,
    add_verbose,
    age_years,
    exercise_id_or_auto,
    functional_test_id,
    sex_letter,
    sigterm_as_interrupt,
)

STDOUT = Path("-")  # --json with no FILE: the report on standard output

if TYPE_CHECKING:
    from spinesafe.classifiers.functional import FunctionalTestScorer
    from spinesafe.feedback.store import SessionStore
    from spinesafe.session.batch import BatchItem
    from spinesafe.session.review import ReviewOutputs


def run(args: argparse.Namespace) -> int:
    """Review one video or a folder; ``--test`` scores a functional test on one video."""
    from spinesafe.feedback.store import SessionStore, default_db_path
    from spinesafe.session.recorder import default_patient

    args.patient = args.patient or default_patient()
    folder = Path(args.input).is_dir()
    if args.test is None and args.exercise is None:
        print("spinesafe review: error: give --exercise ID (or --test ID to score a functional test)", file=sys.stderr)
        return EXIT_ERROR
    if args.test is not None and folder:
        print("spinesafe review: error: --test scores one recorded test; give one video, not a folder", file=sys.stderr)
        return EXIT_ERROR
    if args.test is None and (args.age is not None or args.sex is not None):
        print("spinesafe review: error: --age and --sex are for --test", file=sys.stderr)
        return EXIT_ERROR
    if folder and args.json is not None:
        print(
            "spinesafe review: error: --json is for one video; a folder writes DIR/<video>/report.json", file=sys.stderr
        )
        return EXIT_ERROR
    if not folder and args.cluster is not None:
        print("spinesafe review: error: --cluster is for a folder of videos", file=sys.stderr)
        return EXIT_ERROR
    if args.cluster not in (None, "auto") and args.workers is not None:
        print(
            "spinesafe review: error: --workers sets the size of --cluster auto; a cluster has its own workers",
            file=sys.stderr,
        )
        return EXIT_ERROR
    if args.out is None and args.json is None:
        args.out = Path("spinesafe-output") / (Path(args.input).name if folder else Path(args.input).stem)
    store = None
    if not args.no_history:
        store = SessionStore(args.db or default_db_path())  # opened first: a bad database stops before any work
    try:
        with sigterm_as_interrupt():  # a kill cleans up as Ctrl+C does
            return review_folder(args, store) if folder else review_one(args, store)
    finally:
        if store is not None:
            store.close()


def review_one(args: argparse.Namespace, store: SessionStore | None) -> int:
    from spinesafe.classifiers.functional import TEST_EXERCISES
    from spinesafe.session.review import run_review

    test = _test_scorer(args, store)
    exercise: str = (args.exercise or TEST_EXERCISES[test.test]) if test is not None else args.exercise
    to_stdout = args.json == STDOUT
    bar = ProgressBar(f"analysing {Path(args.input).name}", enabled=None if not args.quiet else False)
    try:
        outputs = run_review(
            args.input,
            exercise,
            out_dir=args.out,
            json_path=None if to_stdout else args.json,
            model=args.model,
            write_video=not (args.no_video or args.no_pictures),
            progress=bar,
            patient=args.patient,
            store=store,
            test=test,
        )
    finally:
        bar.close()
    if to_stdout:  # standard output is the report alone, for a pipe or a script
        with contextlib.redirect_stdout(sys.stderr):
            print_summary(outputs, store)
        print(json.dumps(outputs.report, indent=2))
    else:
        print_summary(outputs, store)
    return 0


def _test_scorer(args: argparse.Namespace, store: SessionStore | None) -> FunctionalTestScorer | None:
    """The ``--test`` scorer with the age and sex from the options, else the patient's record."""
    from spinesafe.classifiers.functional import FunctionalTestScorer

    if args.test is None:
        return None
    age, sex = args.age, args.sex
    if store is not None and (age is None or sex is None):
        from spinesafe.feedback.functional_history import get_patient

        record = get_patient(store, args.patient)
        if record is not None:
            age = age if age is not None else record.age
            sex = sex if sex is not None else record.sex
    return FunctionalTestScorer(args.test, age=age, sex=sex)


def print_tests(outputs: ReviewOutputs) -> None:
    for t in outputs.result.tests:
        parts = [f"  {t.test.title}:"]
        if t.count is not None:
            parts.append(f"{t.count} stands")
        if t.stage_reached is not None:
            parts.append(f"stage {t.stage_reached} reached")
        if t.time_s is not None:
            parts.append(f"{t.time_s:.1f} s")
        if t.score is not None and t.score != t.time_s:
            parts.append(f"score {round(t.score, 2):g}")
        print(" ".join(parts))
        if t.norm is not None:
            print(f"    norm: {t.norm.cutoff} -> {t.norm.verdict} ({t.norm.source})")
        for phase in t.phases:
            print(f"    {phase.start_s:6.2f}-{phase.end_s:6.2f} s  {phase.name}")
        for note in t.notes:
            print(f"    note: {note}")


def print_summary(outputs: ReviewOutputs, store: SessionStore | None) -> None:
    result = outputs.result
    report = outputs.report
    print(f"{result.source}: {result.spec.name}, {result.duration_s:.1f} s, {result.frames} frames")
    outside = result.spec is NOT_IN_LIBRARY
    if outside and not result.exercise_sure:
        print("  no exercise recognised (the person stood still or was not seen): nothing counted; give --exercise ID")
    elif outside:
        print(
            f"  not an exercise spinesafe knows (confidence {result.exercise_confidence or 0.0:.2f}): no reps are "
            "counted; the back, twisting and the movements to avoid were still watched (give --exercise ID to count)"
        )
    elif result.exercise_confidence is not None:
        sure = "" if result.exercise_sure else " - not sure, give --exercise to be certain"
        print(f"  exercise recognised automatically (confidence {result.exercise_confidence:.2f}){sure}")
    if len(result.segments) > 1:
        n = len(result.segments)
        print(f"  {n} segments (the reps below are for {result.spec.name}, the one with the most time):")
        for s in result.segments:
            seg = s.segment
            name = s.spec.name if seg.sure else f"not sure (best guess {s.spec.name})"
            partial_n = sum(1 for r in s.reps if not r.complete)
            print(
                f"    {seg.start_s:6.1f}-{seg.end_s:6.1f} s  {name}: {s.rep_count} reps"
                + (f" (+{partial_n} partial)" if partial_n else "")
                + f", {len(s.flexion_events)} flexion events  (confidence {seg.confidence:.2f})"
            )
    if not report["person_detected"]:
        print("  no person was found in the video: 0 reps")
    partial = report["partial_rep_count"]
    if not outside:
        print(f"  reps: {result.rep_count}" + (f" (+{partial} partial, not counted)" if partial else ""))
    print(f"  spinal flexion events: {len(result.flexion_events)}")
    for event in result.flexion_events:
        span = f"{event.start_s:6.2f}-{event.end_s:6.2f} s"
        print(f"    {span}  peak {event.peak_deg:4.0f} deg  {event.severity.value}  ({event.view} view)")
    if result.unsafe_movements:
        print(f"  movements to avoid: {len(result.unsafe_movements)}")
    for episode in result.unsafe_movements:
        name = exercise_name(episode.pattern)
        span = f"{episode.start_s:6.2f}-{episode.end_s:6.2f} s"
        print(f"    {span}  {name}, warned at {episode.warned_s:.2f} s (confidence {episode.confidence:.2f})")
    for warning in result.view_warnings:
        print(f"  note: {warning.judgement} cannot be judged from a {warning.view} view. {warning.advice}")
    for note in result.notes:
        if note.startswith("Speech was not rendered"):
            print(f"  note: {note}")
    print_tests(outputs)
    if result.truncated:
        print("  warning: the video ended early (truncated or damaged); the readable part was analysed")
    if outputs.json_path:
        print(f"  report: {outputs.json_path}")
    if outputs.html_path:
        print(f"  HTML report: {outputs.html_path}")
    if outputs.csv_path:
        print(f"  rep table: {outputs.csv_path}")
    if outputs.video_path:
        print(f"  annotated video: {outputs.video_path}")
    if store is not None and outputs.session_id is not None:
        print(f"  stored in the history: {store.path} (session {outputs.session_id}, patient {result.patient})")


def review_folder(args: argparse.Namespace, store: SessionStore | None) -> int:
    from spinesafe.commands.batch_display import BatchDisplay
    from spinesafe.errors import OutputError
    from spinesafe.session.batch import BatchInterrupted, plan_folder, review_folder
    from spinesafe.session.batch_pool import default_workers

    plan = plan_folder(args.input)
    for item in plan.skipped:
        print(f"skipped {item.file}: {item.message}")
    if not plan.inputs:
        print(f"spinesafe: error: {args.input}: no video files in this folder", file=sys.stderr)
        return EXIT_ERROR
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output folder ({exc.strerror or exc})") from exc
    display = BatchDisplay(quiet=args.quiet)
    try:
        items = review_folder(
            plan,
            args.exercise,
            out,
            workers=args.workers or default_workers(),
            cluster=args.cluster,
            observer=display,
            model=args.model,
            write_video=not (args.no_video or args.no_pictures),
            patient=args.patient,
            store=store,
        )
    except BatchInterrupted as stop:
        display.close()
        path = write_batch_summary(args, out, stop.items, plan.skipped, stop.unfinished)
        print(f"{len(stop.items)} of {len(plan.inputs)} videos finished before the interruption; summary: {path}")
        raise
    finally:
        display.close()
    everything = items + plan.skipped
    print()
    print(format_batch_table(everything))
    failed = sum(1 for i in items if i.status != "ok")
    path = write_batch_summary(args, out, items, plan.skipped)
    print(f"{len(items) - failed} of {len(items)} videos analysed, {len(plan.skipped)} entries skipped")
    print(f"batch summary: {path}")
    if failed:
        print(f"spinesafe: error: {failed} of {len(items)} videos could not be analysed (see above)", file=sys.stderr)
        return EXIT_ERROR
    return 0


def write_batch_summary(
    args: argparse.Namespace,
    out: Path,
    items: list[BatchItem],
    skipped: list[BatchItem],
    unfinished: Sequence[str] = (),
) -> Path:
    """``out/batch.json``; after Ctrl+C, with ``interrupted`` and the files not (fully) reviewed."""
    from spinesafe.feedback.report import write_text

    failed = sum(1 for i in items if i.status != "ok")
    summary = {
        "schema": "spinesafe.batch/1",
        "folder": str(args.input),
        "exercise": args.exercise,
        "patient": args.patient,
        "interrupted": bool(unfinished),
        "videos": [i.to_json() for i in items],
        "not_reviewed": list(unfinished),
        "skipped": [i.to_json() for i in skipped],
        "totals": {
            "videos": len(items),
            "ok": len(items) - failed,
            "failed": failed,
            "skipped": len(skipped),
            "reps": sum(i.rep_count or 0 for i in items),
            "flexion_events": sum(i.flexion_events or 0 for i in items),
            "unsafe_movements": sum(i.unsafe_movements or 0 for i in items),
        },
    }
    return write_text(json.dumps(summary, indent=2) + "\n", out / "batch.json", "the batch summary")


def format_batch_table(items: list[BatchItem]) -> str:
    header = (
        f"{'file':32s} {'status':8s} {'reps':>5s} {'partial':>7s} {'flexion':>7s} {'avoid':>5s} {'duration':>9s} "
        f"{'time':>7s}  note"
    )
    lines = [header, "-" * len(header)]
    for i in items:

        def cell(value: object, width: int, fmt: str = "{}") -> str:
            return f"{'-' if value is None else fmt.format(value):>{width}s}"

        lines.append(
            f"{i.file[:32]:32s} {i.status:8s} {cell(i.rep_count, 5)} {cell(i.partial_rep_count, 7)} "
            f"{cell(i.flexion_events, 7)} {cell(i.unsafe_movements, 5)} {cell(i.duration_s, 9, '{:.1f} s')} "
            f"{cell(i.seconds, 7, '{:.1f} s')}  "
            f"{i.message}"
        )
    return "\n".join(lines)


def worker_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of workers, 1 or more; got {value!r}")
    return count


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    review = sub.add_parser(
        "review",
        help="analyse a recorded video, a landmark recording (.npz) or a folder of them into reports",
        description=(
            "Analyse a video file of a person exercising, a landmark recording made by `spinesafe record`, or every "
            "video in a folder. Writes DIR/report.json, DIR/reps.csv, DIR/report.html and DIR/annotated.mp4 (H.264 "
            "with the cue sound track), prints a summary and stores the session in the history. A folder gives "
            "DIR/<video name>/... per video (several at a time: --workers, --cluster), a summary table and "
            "DIR/batch.json; one bad file does not stop it."
        ),
    )
    review.add_argument(
        "input", metavar="VIDEO|FOLDER", help="video file (mp4, mov, ...), landmark recording (.npz), or a folder"
    )
    review.add_argument(
        "--exercise",
        "-e",
        type=exercise_id_or_auto,
        metavar="ID",
        help=(
            f"exercise id, one of: {', '.join(sorted(EXERCISES))}; or 'auto' to recognise it "
            "(experimental: right on 44 of 49 corpus clips of people it had not seen, having learnt from synthetic "
            "motions; below 0.5 it says "
            "'not sure', and a movement outside the library is not named: it is reviewed as 'unknown', nothing "
            "counted, the back and twisting still watched; the report gives the confidence)"
        ),
    )
    review.add_argument(
        "--test",
        type=functional_test_id,
        metavar="ID",
        help=(
            "score a recorded functional test: chair_stand_30s (chair-stand), five_times_sit_to_stand, "
            "four_stage_balance (balance), timed_up_and_go (tug) or sppb; --exercise is then optional"
        ),
    )
    review.add_argument(
        "--age", type=age_years, metavar="YEARS", help="the patient's age, for the test's norm (default: the record)"
    )
    review.add_argument(
        "--sex", type=sex_letter, metavar="F|M", help="the patient's sex, for the test's norm (default: the record)"
    )
    review.add_argument("--out", "-o", type=Path, metavar="DIR", help="output folder (default: spinesafe-output/NAME)")
    review.add_argument(
        "--json",
        type=Path,
        nargs="?",
        const=STDOUT,
        metavar="FILE",
        help=(
            "also write the JSON report to FILE (one video); without FILE, or with '-', print it on standard "
            "output (the summary then goes to standard error) and write no output folder unless --out is given"
        ),
    )
    review.add_argument(
        "--model", type=Path, metavar="FILE.task", help="MediaPipe Tasks pose model instead of the bundled one"
    )
    review.add_argument(
        "--no-video",
        action="store_true",
        help="skip the annotated video (faster); then no picture of the person is written anywhere (no key frames)",
    )
    review.add_argument(
        "--no-pictures",
        action="store_true",
        help="write no picture of the person: no annotated video, no key frames in report.html (plots are kept)",
    )
    review.add_argument(
        "--patient", metavar="NAME", help="whose session this is (default: $SPINESAFE_PATIENT, or 'default')"
    )
    review.add_argument(
        "--db",
        type=Path,
        metavar="FILE",
        help="session history database (default: $SPINESAFE_DB, or ~/.local/share/spinesafe/sessions.db)",
    )
    review.add_argument("--no-history", action="store_true", help="do not store the session in the history")
    review.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    review.add_argument(
        "--workers",
        "-j",
        type=worker_count,
        metavar="N",
        help=(
            "a folder: review N videos at a time, each in its own process with one pose model "
            "(default: the number of cores this process may use; 1 reviews them one by one in this process)"
        ),
    )
    review.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help=(
            "a folder: run the batch on the Dask scheduler at ADDRESS (tcp://host:8786; workers must see the folder "
            "and --out at the same paths), or 'auto' for a local Dask cluster of --workers processes; needs "
            "pip install 'spinesafe[cluster]'. This machine stores the history"
        ),
    )
    add_verbose(review)
    review.set_defaults(func=run)
