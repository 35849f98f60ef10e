"""`spinesafe review --db/--patient`, `history` and `report` end to end on real SQLite files, including a
review killed with SIGKILL mid-run, a database from a newer version and a locked database."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import CliRun, run_cli

from spinesafe.classifiers.events import FlexionEnded, RepCompleted, Severity, UnsafeMovementEnded
from spinesafe.feedback import store as store_module
from spinesafe.feedback.store import SCHEMA_VERSION, SessionInfo, SessionStore
from spinesafe.lab.synthetic import CameraView, animate, chain, hip_hinge_reps, squat_reps, standing
from spinesafe.pose.recording import save_recording

FPS = 30.0


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 s landmark recording: two squats and a rounded-back bend (replayed: no MediaPipe)."""
    keyframes = chain(standing(1.5), squat_reps(2, 2.5), standing(0.5), hip_hinge_reps(1, 4.0, True, 45.0), standing(1))
    frames = animate(keyframes, fps=FPS, view=CameraView.SIDE_FACING_LEFT, image_size=(320, 240), seed=1)
    path = tmp_path_factory.mktemp("rec") / "two_squats.npz"
    return save_recording(path, frames, source="two_squats.mp4", estimator="synthetic", fps=FPS)


@pytest.fixture(scope="module")
def history_db(tmp_path_factory: pytest.TempPathFactory, recording: Path) -> tuple[Path, CliRun, CliRun]:
    """Two reviews into one database: patient ann (by --patient) and bob (by SPINESAFE_PATIENT)."""
    base = tmp_path_factory.mktemp("history")
    db = base / "sessions.db"
    first = run_cli("review", recording, "-e", "squat", "--out", base / "a", "--db", db, "--patient", "ann", "-q")
    saved = os.environ.get("SPINESAFE_PATIENT")
    os.environ["SPINESAFE_PATIENT"] = "bob"
    try:
        second = run_cli("review", recording, "-e", "squat", "--out", base / "b", "--db", db, "--no-video", "-q")
    finally:
        if saved is None:
            del os.environ["SPINESAFE_PATIENT"]
        else:
            os.environ["SPINESAFE_PATIENT"] = saved
    return db, first, second


def test_review_stores_the_session_and_says_where(history_db: tuple[Path, CliRun, CliRun]) -> None:
    db, first, second = history_db
    assert first.code == 0 and second.code == 0, first.err + second.err
    assert f"stored in the history: {db} (session 1, patient ann)" in first.out
    assert f"stored in the history: {db} (session 2, patient bob)" in second.out
    assert "HTML report:" in first.out and "rep table:" in first.out


def test_history_lists_one_row_per_session(history_db: tuple[Path, CliRun, CliRun]) -> None:
    db = history_db[0]
    run = run_cli("history", "--db", db)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    header = ["id", "date", "patient", "mode", "source", "exercises", "reps", "flexion", "avoid", "status"]
    assert lines[0].split() == header
    rows = [line.split() for line in lines[2:4]]
    # The rounded-back bend is one flexion event. It is no movement to avoid: a single rounded hinge
    # is also a hip hinge to the recogniser, which does not hold it as a rounded-back lift for the
    # four windows in a row a warning needs (the flexion event has said it).
    assert [(r[0], *r[3:11]) for r in rows] == [
        ("1", "ann", "replay", "two_squats.mp4", "squat", "2", "1", "0", "complete"),
        ("2", "bob", "replay", "two_squats.mp4", "squat", "2", "1", "0", "complete"),
    ]
    assert rows[0][1] == datetime.now().strftime("%Y-%m-%d")
    assert lines[4] == f"2 session(s) in {db}"
    only_bob = run_cli("history", "--db", db, "--patient", "bob")
    assert "ann" not in only_bob.out and "1 session(s)" in only_bob.out
    future = run_cli("history", "--db", db, "--since", (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%d"))
    assert future.code == 0 and future.out.startswith("No sessions in")


def test_history_exports_csv_and_json(history_db: tuple[Path, CliRun, CliRun], tmp_path: Path) -> None:
    db = history_db[0]
    as_csv = run_cli("history", "--db", db, "--export", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    assert [(r["patient"], r["mode"], r["exercises"], r["reps"], r["flexion_events"]) for r in rows] == [
        ("ann", "replay", "squat", "2", "1"),
        ("bob", "replay", "squat", "2", "1"),
    ]
    assert rows[0]["app_version"] and rows[0]["model"] == "synthetic" and rows[0]["status"] == "complete"

    out = tmp_path / "export" / "history.json"
    as_json = run_cli("history", "--db", db, "--export", "json", "--out", out)
    assert as_json.code == 0 and as_json.out == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema"] == "spinesafe.history/1" and len(data["sessions"]) == 2
    detail = data["sessions"][0]["detail"]
    assert [r["number"] for r in detail["reps"]] == [1, 2]
    assert detail["flexion_events"][0]["severity"] == "stop" and detail["flexion_events"][0]["view"] == "side"
    assert detail["cues"][0]["text"] == "Mild soreness is normal; sharp pain means stop."
    assert detail["sets"][0]["exercise"] == "squat" and detail["sets"][0]["calibration"] is not None


def test_history_without_a_database(tmp_path: Path) -> None:
    run = run_cli("history", "--db", tmp_path / "none.db")
    assert run.code == 0 and "No sessions stored yet" in run.out
    assert not (tmp_path / "none.db").exists()


def test_clinician_report_over_a_period(tmp_path: Path, render_in_browser: Callable[[Path], Any]) -> None:
    db = tmp_path / "clinic.db"
    now = datetime.now(timezone.utc)
    with SessionStore(db) as store:  # five weekly sessions of ann, and one older than the period
        for week, reps, flexions in [(8, 6, 3), (4, 6, 2), (3, 8, 2), (2, 9, 1), (1, 10, 0), (0, 12, 0)]:
            log = store.begin(SessionInfo("ann", "live", "camera 0", "m", started_at=now - timedelta(weeks=week)))
            log.start_set("squat")
            for n in range(reps):
                log.rep(RepCompleted(n, "squat", n + 1, n, n, n + 1, 70.0 + week, 100.0, 0.0, True))
            for n in range(flexions):
                log.flexion(FlexionEnded(n, n, n + 1, 30.0, n, Severity.CAUTION, "side", ("neck_curl",)))
            if week == 0:  # the latest session had sit-ups in it
                log.unsafe(UnsafeMovementEnded(20.0, pattern="sit_up", start_s=12.0, warned_s=14.0, end_s=17.0,
                                               confidence=0.9))  # fmt: skip
            log.finish()
    since = (now - timedelta(weeks=5)).astimezone().strftime("%Y-%m-%d")
    out = tmp_path / "ann.html"
    run = run_cli("report", "--patient", "ann", "--since", since, "--out", out, "--db", db)
    assert run.code == 0, run.err
    assert run.out.splitlines()[0] == "ann: 5 session(s), 45 reps, 5 spinal flexion events, 1 movements to avoid"
    html = out.read_text(encoding="utf-8")
    assert "Progress report — ann" in html and html.count("data:image/png;base64,") == 1
    # The sessions with flexion events or movements to avoid are highlighted.
    assert html.count("<tr class=flag>") == 4 and "movements to avoid" in html
    assert "http://" not in html and "https://" not in html

    page = render_in_browser(out)
    assert page.problems == [] and page.requests == [out.as_uri()]
    assert len(page.images) == 1 and page.images[0]["ok"] and page.images[0]["width"] == 1000
    assert page.table_rows == 5 and "45\nreps counted" in page.text and "Sessions" in page.headings

    missing = run_cli("report", "--patient", "zoe", "--out", tmp_path / "zoe.html", "--db", db)
    assert missing.code == 2 and "no sessions of patient 'zoe'" in missing.err and "patients stored: ann" in missing.err
    assert not (tmp_path / "zoe.html").exists()


def test_database_from_a_newer_version_stops_review_before_any_output(recording: Path, tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    raw = sqlite3.connect(db)
    raw.execute("CREATE TABLE sessions (id INTEGER PRIMARY KEY, something_new TEXT)")
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    raw.commit()
    raw.close()
    before = db.read_bytes()

    run = run_cli("review", recording, "-e", "squat", "--out", tmp_path / "out", "--db", db, "-q")
    assert run.code == 2
    assert run.err.startswith(f"spinesafe: error: {db}: this session database was written by a newer spinesafe")
    assert "Traceback" not in run.out + run.err
    assert db.read_bytes() == before and not (tmp_path / "out").exists()
    for command in (("history",), ("report", "--out", tmp_path / "r.html")):
        other = run_cli(*command, "--db", db)
        assert other.code == 2 and "newer spinesafe" in other.err and "Traceback" not in other.err
    assert db.read_bytes() == before


def test_not_a_database_is_a_clear_error(recording: Path, tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("not a database\n" * 100)
    run = run_cli("review", recording, "-e", "squat", "--out", tmp_path / "out", "--db", db, "-q")
    assert run.code == 2 and "not a spinesafe session database" in run.err and "Traceback" not in run.err


def test_review_waits_for_a_database_locked_for_a_moment(recording: Path, tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    SessionStore(db).close()
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.5, lambda: holder.execute("ROLLBACK"))
    release.start()
    try:
        run = run_cli("review", recording, "-e", "squat", "--out", tmp_path / "out", "--db", db, "--no-video", "-q")
    finally:
        release.join()
        holder.close()
    assert run.code == 0, run.err
    assert "stored in the history" in run.out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["history"], ["usage: spinesafe history", "--export", "--patient", "--since", "--db"]),
        (["report"], ["usage: spinesafe report", "--patient", "--since", "--out", "FILE.html"]),
        (["review"], ["VIDEO|FOLDER", "--patient", "--db", "--no-history"]),
    ],
)
def test_help(argv: list[str], expected: list[str]) -> None:
    run = run_cli(*argv, "--help")
    assert run.code == 0
    for text in expected:
        assert text in run.out


def test_bad_date_is_a_usage_error() -> None:
    run = run_cli("history", "--since", "last tuesday")
    assert run.code == 2 and "is not a date; use YYYY-MM-DD" in run.err


def committed_reps(db: Path) -> int:
    """Reps another process has committed so far (0 before its database or tables exist)."""
    if not db.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as reader:
        try:
            return int(reader.execute("SELECT count(*) FROM reps").fetchone()[0])
        except sqlite3.OperationalError:  # tables not created yet
            return 0


def test_review_killed_mid_run_keeps_all_but_the_last_second(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGKILL (no clean-up runs): what was committed is readable and at most ~1 s behind the kill."""
    keyframes = chain(standing(1.5), squat_reps(100, period_s=2.5))
    frames = animate(keyframes, fps=FPS, view=CameraView.SIDE_FACING_LEFT, image_size=(320, 240), seed=2)
    recording = save_recording(tmp_path / "long.npz", frames, source="long.mp4", estimator="synthetic", fps=FPS)
    db = tmp_path / "sessions.db"
    out = tmp_path / "out"
    command = [sys.executable, "-m", "spinesafe", "review", str(recording), "-e", "squat"]
    command += ["--out", str(out), "--db", str(db), "--no-video", "-q"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:  # closes its pipes
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, (
                    "the review finished before it was killed: " + process.stderr.read().decode()
                )
                assert time.monotonic() < deadline, "no reps were committed within 60 s"
                if committed_reps(db) >= 3:
                    break
                time.sleep(0.05)
            time.sleep(0.8)
            os.kill(process.pid, signal.SIGKILL)
            killed_at = datetime.now(timezone.utc)
        finally:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    with contextlib.closing(sqlite3.connect(db)) as reader:
        assert reader.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        status, updated_at, duration_s, frames_done = reader.execute(
            "SELECT status, updated_at, duration_s, frames FROM sessions"
        ).fetchone()
        rep_ends = [r[0] for r in reader.execute("SELECT end_s FROM reps ORDER BY id")]
        cues = reader.execute("SELECT count(*) FROM cues").fetchone()[0]
    assert status == "running"
    lag_s = (killed_at - datetime.fromisoformat(updated_at)).total_seconds()
    assert 0 <= lag_s < 1.0, f"the last commit was {lag_s:.2f} s before the kill"
    assert 0 < frames_done < len(frames) and duration_s == pytest.approx((frames_done - 1) / FPS, abs=0.05)
    assert len(rep_ends) >= 3 and max(rep_ends) <= duration_s
    assert cues >= len(rep_ends)  # the pain rule and one count per rep
    assert not (out / "report.json").exists()
    run = run_cli("history", "--db", db)
    assert "long.mp4" in run.out and run.out.splitlines()[2].endswith("running")  # too recent to tell
    monkeypatch.setattr(store_module, "STALE_AFTER_S", 0.0)
    run = run_cli("history", "--db", db)
    assert run.out.splitlines()[2].endswith("interrupted")


# --- the history tells the truth ------------------------------------------------------------------


def stored_statuses(db: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as reader:
        return [row[0] for row in reader.execute("SELECT status FROM sessions ORDER BY id")]


def test_a_review_that_fails_after_the_analysis_is_stored_as_failed(recording: Path, tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    folder = tmp_path / "a folder"
    folder.mkdir()
    run = run_cli("review", recording, "-e", "squat", "--json", folder, "--db", db, "--no-video", "-q")
    assert run.code == 2 and str(folder) in run.err and "Traceback" not in run.err, run.err
    assert stored_statuses(db) == ["failed"]
    history = run_cli("history", "--db", db)
    assert history.out.splitlines()[2].endswith("failed")
    # the analysis itself is kept: the reps found before the report could not be written
    with contextlib.closing(sqlite3.connect(db)) as reader:
        assert reader.execute("SELECT count(*) FROM reps WHERE complete").fetchone()[0] == 2


def damage_one_page(db: Path) -> bytes:
    """Overwrite one page in the middle of ``db`` with garbage; returns the damaged bytes."""
    data = bytearray(db.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    pages = len(data) // page_size
    assert pages >= 8, pages
    start = (pages // 2) * page_size
    data[start : start + page_size] = bytes((i * 37 + 11) % 256 for i in range(page_size))
    db.write_bytes(bytes(data))
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as reader:
        try:
            check = [row[0] for row in reader.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as exc:
            check = [str(exc)]
    assert check != ["ok"], "the damaged page went unnoticed; pick another"
    return bytes(data)


def test_a_damaged_database_is_refused_untouched(recording: Path, tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    for patient in ("ann", "bob", "cy"):
        run = run_cli(
            "review",
            recording,
            "-e",
            "squat",
            "--db",
            db,
            "--patient",
            patient,
            "--no-video",
            "-q",
            "--out",
            tmp_path / patient,
        )
        assert run.code == 0, run.err
    damaged = damage_one_page(db)
    run = run_cli("review", recording, "-e", "squat", "--out", tmp_path / "out", "--db", db, "--no-video", "-q")
    assert run.code == 2, run.out + run.err
    assert db.read_bytes() == damaged and not (tmp_path / "out").exists()
    assert run.err.count("\n") == 1 and f"{db}: the session database is damaged" in run.err, run.err
    assert "left untouched" in run.err and "Traceback" not in run.err
    live = ("live", "--camera", recording, "-e", "squat", "--headless", "--no-setup-check", "--no-calibration")
    for command in (("history",), ("history", "--export", "json"), ("report", "--out", tmp_path / "r.html"), live):
        other = run_cli(*command, "--db", db)
        assert other.code == 2 and "damaged" in other.err and "Traceback" not in other.err, other.err
    assert db.read_bytes() == damaged


def run_on_read_only_files(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """``spinesafe ARGV`` in a subprocess with ``folder`` and its files read-only (chmod 444/555).
    Root ignores those bits, so for root the folder is also a read-only bind mount in a private mount
    namespace (``unshare -m``); skipped when that is not allowed."""
    for path in folder.iterdir():
        path.chmod(0o444)
    folder.chmod(0o555)
    command = [sys.executable, "-m", "spinesafe", *argv]
    if os.geteuid() == 0:
        mount = f"mount --bind '{folder}' '{folder}' && mount -o remount,bind,ro '{folder}'"
        probe = subprocess.run(["unshare", "-m", "sh", "-c", mount], capture_output=True, text=True)
        if probe.returncode != 0:
            pytest.skip(f"running as root and a read-only bind mount is not allowed here: {probe.stderr.strip()}")
        command = ["unshare", "-m", "sh", "-c", f'{mount} && exec "$@"', "sh", *command]
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60)
    finally:
        folder.chmod(0o755)


def test_history_reads_a_read_only_database(history_db: tuple[Path, CliRun, CliRun], tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    db = folder / "sessions.db"
    db.write_bytes(history_db[0].read_bytes())  # closed cleanly: no -wal or -shm beside it
    before = db.read_bytes()
    run = run_on_read_only_files(folder, "history", "--db", str(db))
    assert run.returncode == 0, run.stderr
    assert "2 session(s)" in run.stdout and " ann " in run.stdout and " bob " in run.stdout
    exported = run_on_read_only_files(folder, "history", "--export", "json", "--db", str(db))
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads(exported.stdout)["sessions"]) == 2
    assert db.read_bytes() == before and sorted(p.name for p in folder.iterdir()) == ["sessions.db"]
