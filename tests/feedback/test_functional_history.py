"""Functional-test results and the patient's age and sex in a real SQLite history (feedback/functional_history.py)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from spinesafe.classifiers.functional import FunctionalResult, FunctionalTest, Sex
from spinesafe.classifiers.functional.norms import tug_norm
from spinesafe.feedback.functional_history import add_test_result, get_patient, set_patient, stored_tests
from spinesafe.feedback.store import MIGRATIONS, SCHEMA_VERSION, SessionInfo, SessionStore

# The step that added the functional tests' tables (patients, functional_tests).
TESTS_STEP = next(i for i, sql in enumerate(MIGRATIONS) if "CREATE TABLE functional_tests" in sql)


def _tug(seconds: float) -> FunctionalResult:
    return FunctionalResult(FunctionalTest.TIMED_UP_AND_GO, time_s=seconds, score=seconds, norm=tug_norm(seconds))


def test_an_older_database_gains_the_tables_and_keeps_its_sessions(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    for sql in MIGRATIONS[:TESTS_STEP]:
        for statement in sql.split(";"):
            if statement.strip():
                db.execute(statement)
    db.execute(f"PRAGMA user_version = {TESTS_STEP}")
    db.execute("INSERT INTO sessions (started_at, updated_at, status, patient, mode, source, app_version, model) "
               "VALUES ('2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', 'complete', 'ann', 'review', "
               "'tug.mp4', '0', 'm')")  # fmt: skip
    db.close()
    with SessionStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        [old] = store.sessions()
        add_test_result(store, "ann", _tug(13.2), session_id=old.id)
        [stored] = stored_tests(store, "ann")
    assert stored.session_id == old.id and stored.value == 13.2 and stored.result["norm"]["flag"] is True


def test_a_patients_age_and_sex_are_set_updated_and_checked(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "h.db") as store:
        assert get_patient(store, "ann") is None
        set_patient(store, "ann", age=78, sex=Sex.FEMALE)
        set_patient(store, "ann", age=79)  # the sex is kept
        record = get_patient(store, "ann")
        assert record is not None and (record.age, record.sex) == (79, Sex.FEMALE)
        with pytest.raises(ValueError, match="18-120"):
            set_patient(store, "ann", age=7)
        with pytest.raises(ValueError, match="empty"):
            set_patient(store, " ", age=70)


def test_stored_tests_come_back_in_time_order_within_the_period(tmp_path: Path) -> None:
    now = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
    with SessionStore(tmp_path / "h.db") as store:
        log = store.begin(SessionInfo(patient="ann", mode="review", source="x", model="m", fps=30.0, started_at=now))
        log.finish()
        add_test_result(store, "ann", _tug(11.0), session_id=log.session_id, taken_at=now + timedelta(days=7))
        add_test_result(store, "ann", _tug(14.0), session_id=log.session_id, taken_at=now)
        add_test_result(store, "bob", _tug(9.0), taken_at=now)
        assert [t.value for t in stored_tests(store, "ann")] == [14.0, 11.0]
        assert [t.value for t in stored_tests(store, "ann", since=now + timedelta(days=1))] == [11.0]
        assert [t.value for t in stored_tests(store, "ann", until=now + timedelta(days=1))] == [14.0]
