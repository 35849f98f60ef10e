"""The session store on real SQLite files: schema and migrations, incremental writes, versions and locks."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from spinesafe.classifiers.analyser import ExerciseAnalyser
from spinesafe.classifiers.events import FlexionEnded, PersonChangeEnded, RepCompleted, Severity, UnsafeMovementEnded
from spinesafe.classifiers.exercises import get_exercise
from spinesafe.errors import StoreError, StoreLockedError, StoreVersionError
from spinesafe.feedback import store as store_module
from spinesafe.feedback.cues import Cue, CueKind
from spinesafe.feedback.result import SessionResult
from spinesafe.feedback.store import MIGRATIONS, SCHEMA_VERSION, SessionInfo, SessionStore, default_db_path
from spinesafe.lab.synthetic import CameraView, animate, chain, hip_hinge_reps, squat_reps, standing
from spinesafe.session.recorder import SessionRecorder, session_info
from spinesafe.session.review import analyse_poses

TABLES = {"sessions", "sets", "reps", "flexion_events", "holds", "twist_events", "unsafe_movements", "cues"}


def _rep(number: int, start_s: float) -> RepCompleted:
    return RepCompleted(
        t_s=start_s + 2.0,
        exercise="squat",
        number=number,
        start_s=start_s,
        turn_s=start_s + 1.0,
        end_s=start_s + 2.0,
        range_of_motion_deg=80.0 + number,
        turn_angle_deg=95.0,
        peak_trunk_flexion_deg=float("nan"),
        complete=True,
    )


def _info(patient: str = "ann", started_at: datetime | None = None) -> SessionInfo:
    return SessionInfo(
        patient=patient,
        mode="review",
        source="clip.mp4",
        model="mediapipe-test",
        fps=30.0,
        started_at=started_at or datetime.now(timezone.utc),
    )


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


def _at_schema(path: Path, version: int) -> sqlite3.Connection:
    """A database as an older spinesafe left it: the first ``version`` migrations applied."""
    db = _raw(path)
    for migration in MIGRATIONS[:version]:
        for statement in migration.split(";"):
            if statement.strip():
                db.execute(statement)
    db.execute(f"PRAGMA user_version = {version}")
    return db


def test_default_path_follows_the_environment(tmp_path: Path) -> None:
    assert default_db_path({"SPINESAFE_DB": str(tmp_path / "x.db")}) == tmp_path / "x.db"
    assert default_db_path({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "spinesafe" / "sessions.db"
    assert default_db_path({}) == Path.home() / ".local" / "share" / "spinesafe" / "sessions.db"


def test_new_database_has_the_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "sessions.db"
    with SessionStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 1
    db = _raw(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables >= TABLES
    # Opening again migrates nothing and keeps the data.
    db.execute("INSERT INTO sessions (started_at, updated_at, status, patient, mode, source, app_version, model) "
               "VALUES ('2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', 'complete', 'p', 'live', "
               "'camera 0', '0', 'm')")  # fmt: skip
    db.close()
    with SessionStore(path) as store:
        assert [s.patient for s in store.sessions()] == ["p"]


def test_an_empty_file_is_migrated_from_version_0(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    _raw(path).execute("CREATE TABLE unrelated (x)").close()
    with SessionStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
    tables = {r[0] for r in _raw(path).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables >= TABLES | {"unrelated"}


def test_a_schema_1_database_gains_the_unsafe_movements_table_and_keeps_its_sessions(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    db = _at_schema(path, 1)
    db.execute("INSERT INTO sessions (started_at, updated_at, status, patient, mode, source, app_version, model) "
               "VALUES ('2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', 'complete', 'p', 'live', "
               "'camera 0', '0', 'm')")  # fmt: skip
    db.close()
    with SessionStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 4
        [old] = store.sessions()
        assert old.patient == "p" and store.session_detail(old.id)["unsafe_movements"] == []
        log = store.begin(_info("p"))
        log.start_set("squat")
        log.unsafe(UnsafeMovementEnded(9.0, pattern="sit_up", start_s=4.0, warned_s=6.0, end_s=8.5, confidence=0.9))
        log.finish(status="complete")
        [row] = store.session_detail(log.session_id)["unsafe_movements"]
    assert (row["pattern"], row["start_s"], row["warned_s"], row["end_s"]) == ("sit_up", 4.0, 6.0, 8.5)


def test_a_schema_2_database_gains_the_person_changes_table(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    db = _at_schema(path, 2)
    db.close()
    with SessionStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 3
        log = store.begin(_info("p"))
        log.start_set("squat")
        log.person_change(PersonChangeEnded(13.8, start_s=10.5, end_s=13.8, outcome="returned"))
        log.finish(status="complete")
        [row] = store.session_detail(log.session_id)["person_changes"]
    assert (row["start_s"], row["end_s"], row["outcome"]) == (10.5, 13.8, "returned")


def test_a_schema_4_database_keeps_when_rounding_reached_stop(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    db = _at_schema(path, 4)
    db.close()
    with SessionStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 5
        log = store.begin(_info("p"))
        log.start_set("squat")
        grew = FlexionEnded(
            22.6, start_s=20.4, end_s=22.6, peak_deg=46.0, peak_s=21.5, severity=Severity.STOP, view="side",
            proxies=("neck_curl",), visibility=0.8, stop_s=20.9,
        )  # fmt: skip
        log.flexion(grew)
        log.flexion(replace(grew, start_s=30.0, end_s=31.0, severity=Severity.CAUTION, stop_s=None))
        log.finish(status="complete")
        rows = store.session_detail(log.session_id)["flexion_events"]
    assert [(r["severity"], r["stop_s"], r["visibility"]) for r in rows] == [
        ("stop", 20.9, 0.8),
        ("caution", None, 0.8),
    ]


def test_database_from_a_newer_version_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    db = _raw(path)
    db.execute("CREATE TABLE future (x)")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = path.read_bytes()

    with pytest.raises(StoreVersionError, match="written by a newer spinesafe") as info:
        SessionStore(path)
    assert str(path) in str(info.value)
    assert f"schema {SCHEMA_VERSION + 1}" in str(info.value)
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("shopping list\n" * 200)
    with pytest.raises(StoreError, match="not a spinesafe session database"):
        SessionStore(path)
    assert path.read_text() == "shopping list\n" * 200


def test_missing_database_with_create_false(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no session database here"):
        SessionStore(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()


def test_a_session_log_writes_sets_events_and_cues(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    with SessionStore(path) as store:
        log = store.begin(_info())
        assert log.start_set("squat", target_reps=10) == 1
        log.cue(Cue(0.0, CueKind.INFO, "Mild soreness is normal; sharp pain means stop."))
        log.rep(_rep(1, 1.0))
        log.flexion(FlexionEnded(5.0, 3.0, 5.0, 41.0, 4.0, Severity.STOP, "side", ("neck_curl",)))
        log.progress(5.0, 150, 140)
        log.end_set(t_s=5.0, calibration={"neck_curl_deg": 12.0, "calibrated": True}, views={"side": 140})
        assert log.start_set("sit_to_stand") == 2
        log.rep(_rep(1, 6.0))
        log.finish(duration_s=9.0, notes=["a note"])

        [summary] = store.sessions()
        assert summary.exercises == ("squat", "sit_to_stand")
        assert (summary.reps, summary.flexion_events, summary.status) == (2, 1, "complete")
        assert summary.duration_s == 9.0 and summary.mode == "review" and summary.source == "clip.mp4"
        detail = store.session_detail(summary.id)
    assert detail["notes"] == ["a note"] and detail["frames"] == 150 and detail["model"] == "mediapipe-test"
    assert [(s["number"], s["exercise"], s["target_reps"]) for s in detail["sets"]] == [
        (1, "squat", 10),
        (2, "sit_to_stand", None),
    ]
    assert detail["sets"][0]["calibration"] == {"neck_curl_deg": 12.0, "calibrated": True}
    assert detail["sets"][0]["views"] == {"side": 140}
    rep = detail["reps"][0]
    assert rep["range_of_motion_deg"] == 81.0 and rep["peak_trunk_flexion_deg"] is None  # NaN stored as NULL
    assert rep["complete"] is True and rep["set_id"] == detail["sets"][0]["id"]
    assert detail["flexion_events"][0]["severity"] == "stop" and detail["flexion_events"][0]["view"] == "side"
    assert detail["flexion_events"][0]["proxies"] == ["neck_curl"]
    assert [c["text"] for c in detail["cues"]] == ["Mild soreness is normal; sharp pain means stop."]


def test_rows_are_committed_within_the_interval_not_only_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    store = SessionStore(path)
    log = store.begin(_info())
    log.start_set("squat")
    log.rep(_rep(1, 0.0))
    log.progress(2.0, 60, 60)
    log.tick()  # too soon: still buffered
    reader = _raw(path)
    assert reader.execute("SELECT count(*) FROM reps").fetchone()[0] == 0
    time.sleep(store_module.COMMIT_INTERVAL_S + 0.05)
    log.tick()
    # Another connection (another process would be the same) sees the rep and the progress.
    assert reader.execute("SELECT count(*) FROM reps").fetchone()[0] == 1
    assert reader.execute("SELECT frames, status FROM sessions").fetchone() == (60, "running")
    store.close()


def test_recorder_stores_what_the_report_holds(tmp_path: Path) -> None:
    motion = chain(standing(1.5), squat_reps(2, 2.5), standing(0.5), hip_hinge_reps(1, 4.0, True, 45.0), standing(1))
    frames = animate(motion, fps=30.0, view=CameraView.SIDE_FACING_LEFT, jitter_px=0.3, seed=1)
    expected = analyse_poses(frames, get_exercise("squat"), source="synthetic", estimator="synthetic", fps=30.0)

    with SessionStore(tmp_path / "sessions.db") as store:
        result = SessionResult(source="synthetic", mode="live", spec=get_exercise("squat"), estimator="e", fps=30.0)
        log = store.begin(session_info(result, programme="morning"))
        recorder = SessionRecorder(result, ExerciseAnalyser(get_exercise("squat")), store=log)
        for frame in frames:
            recorder.step(frame)
        recorder.finish()
        log.finish(duration_s=result.duration_s)
        detail = store.session_detail(log.session_id)

    assert result.rep_count == expected.rep_count == 2
    assert len(result.series) == len(frames)
    assert detail["mode"] == "live" and detail["programme"] == "morning" and detail["frames"] == len(frames)
    assert [r["end_s"] for r in detail["reps"]] == pytest.approx([r.end_s for r in expected.reps])
    assert [(f["start_s"], f["severity"]) for f in detail["flexion_events"]] == [
        (pytest.approx(e.start_s), e.severity.value) for e in expected.flexion_events
    ]
    assert [c["text"] for c in detail["cues"]] == [c.text for c in expected.cues]
    assert detail["sets"][0]["views"] == expected.view_counts


def test_locked_database_is_a_clear_error_after_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    SessionStore(path).close()
    holder = _raw(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = SessionStore(path, timeout_s=0.3)  # reading the version still works in WAL mode
        started = time.monotonic()
        with pytest.raises(StoreLockedError, match="locked by another program") as info:
            store.begin(_info())
        assert 0.25 < time.monotonic() - started < 3.0
        assert str(path) in str(info.value)
        store.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_lock_released_within_the_timeout_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    SessionStore(path).close()
    holder = _raw(path)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.4, lambda: holder.execute("ROLLBACK"))
    release.start()
    try:
        with SessionStore(path, timeout_s=5.0) as store:
            log = store.begin(_info())
            log.finish()
            assert [s.status for s in store.sessions()] == ["complete"]
    finally:
        release.join()
        holder.close()


def test_a_busy_database_mid_session_delays_commits_but_never_blocks_the_frame_loop(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    store = SessionStore(path, timeout_s=5.0)
    log = store.begin(_info())
    log.start_set("squat")
    holder = _raw(path)
    holder.execute("BEGIN EXCLUSIVE")
    log.rep(_rep(1, 0.0))
    time.sleep(store_module.COMMIT_INTERVAL_S + 0.05)
    started = time.monotonic()
    log.tick()  # busy: gives up after a few tens of milliseconds, keeps the rep
    assert time.monotonic() - started < 0.5
    holder.execute("ROLLBACK")
    holder.close()
    log.finish()
    assert store.session_detail(log.session_id)["reps"][0]["number"] == 1
    store.close()


def test_sessions_filter_by_patient_and_period(tmp_path: Path) -> None:
    now = datetime.now(timezone.utc)
    with SessionStore(tmp_path / "sessions.db") as store:
        for patient, days_ago in [("ann", 20), ("ann", 3), ("bob", 2), ("ann", 1)]:
            log = store.begin(_info(patient, now - timedelta(days=days_ago)))
            log.start_set("squat")
            for n in range(days_ago):
                log.rep(_rep(n + 1, 3.0 * n))
            log.finish()
        recent = store.sessions(patient="ann", since=now - timedelta(days=10))
        assert [s.reps for s in recent] == [3, 1]
        assert [s.patient for s in store.sessions()] == ["ann", "ann", "bob", "ann"]
        totals = store.exercise_totals(patient="ann")
        assert [(t.exercise, t.reps) for t in totals] == [("squat", 20), ("squat", 3), ("squat", 1)]
        assert totals[1].mean_range_of_motion_deg == pytest.approx(82.0)


def test_a_running_session_without_recent_commits_reads_as_interrupted(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "sessions.db") as store:
        store.begin(_info()).start_set("squat")
        [fresh] = store.sessions()
    assert (fresh.status, fresh.shown_status) == ("running", "running")
    stale = replace(fresh, updated_at=fresh.updated_at - timedelta(seconds=store_module.STALE_AFTER_S + 1))
    assert stale.shown_status == "interrupted"
    assert replace(fresh, status="complete").shown_status == "complete"


def test_a_read_only_open_writes_nothing_and_an_older_schema_is_upgraded_only_by_a_writable_open(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(StoreError, match="no session database here"):
        SessionStore(missing, read_only=True)
    assert not missing.exists()
    path = tmp_path / "sessions.db"
    db = _at_schema(path, 1)
    db.close()
    with pytest.raises(StoreError, match="needs upgrading"):
        SessionStore(path, read_only=True)
    assert _raw(path).execute("PRAGMA user_version").fetchone()[0] == 1
    with SessionStore.open_for_reading(path) as store:  # upgraded first, as `history` always did
        assert store.schema_version == SCHEMA_VERSION and store.sessions() == []
    with SessionStore.open_for_reading(path) as store:
        assert store.read_only
        with pytest.raises(StoreError, match="readonly"):
            store.begin(_info())
