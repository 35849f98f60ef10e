"""Functional-test results and the patient's age and sex in the session history (issue 15).

Tables ``patients`` and ``functional_tests`` of :mod:`spinesafe.feedback.store` (their own
migration step). Age and sex are all that is kept of a person: the 30-second chair stand's norm
depends on them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from spinesafe.classifiers.functional.results import FunctionalResult, Sex
from spinesafe.feedback.store import SessionStore, parse_time

MIN_AGE, MAX_AGE = 18, 120


@dataclass(frozen=True)
class PatientRecord:
    name: str
    age: int | None
    sex: Sex | None


@dataclass(frozen=True)
class StoredTest:
    """One stored result: when, for which session, and the report's JSON object of it."""

    id: int
    session_id: int | None
    taken_at: datetime
    test: str
    result: dict[str, Any]

    @property
    def value(self) -> float | None:
        """The number plotted over time: the stands (chair stand), seconds (timed tests), the
        stage reached (balance), the score (SPPB)."""
        if self.test == "chair_stand_30s":
            return _number(self.result.get("score"))
        if self.test == "four_stage_balance":
            return _number(self.result.get("stage_reached"))
        if self.test == "sppb":
            return _number(self.result.get("score"))
        return _number(self.result.get("time_s"))


def _number(x: object) -> float | None:
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) else None


def set_patient(store: SessionStore, name: str, *, age: int | None = None, sex: Sex | None = None) -> PatientRecord:
    """Create or update a patient's age and/or sex (a value not given is kept)."""
    if not name.strip():
        raise ValueError("the patient's name must not be empty")
    if age is not None and not MIN_AGE <= age <= MAX_AGE:
        raise ValueError(f"age must be {MIN_AGE}-{MAX_AGE} years, got {age}")
    old = get_patient(store, name)
    age = age if age is not None else (old.age if old else None)
    sex = sex if sex is not None else (old.sex if old else None)
    stamp = datetime.now(timezone.utc).isoformat(timespec="microseconds")

    def write() -> None:
        with store.transaction() as db:
            db.execute(
                "INSERT INTO patients (name, age, sex, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE "
                "SET age = excluded.age, sex = excluded.sex, updated_at = excluded.updated_at",
                (name, age, sex.value if sex else None, stamp),
            )

    store._retry(write)
    return PatientRecord(name, age, sex)


def get_patient(store: SessionStore, name: str) -> PatientRecord | None:
    row = store._retry(lambda: store._db.execute("SELECT age, sex FROM patients WHERE name = ?", (name,)).fetchone())
    if row is None:
        return None
    return PatientRecord(name, row[0], Sex(row[1]) if row[1] else None)


def add_test_result(
    store: SessionStore,
    patient: str,
    result: FunctionalResult,
    *,
    session_id: int | None = None,
    taken_at: datetime | None = None,
) -> int:
    """Store one scored test; returns its row id."""
    taken = (taken_at or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="microseconds")
    data = result.to_json()
    norm = result.norm

    def insert() -> int:
        with store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO functional_tests (session_id, patient, taken_at, test, count, time_s, stage_reached, "
                "score, norm_flag, norm_threshold, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    patient,
                    taken,
                    result.test.value,
                    result.count,
                    data["time_s"],
                    result.stage_reached,
                    data["score"],
                    None if norm is None or norm.flag is None else int(norm.flag),
                    norm.threshold if norm is not None else None,
                    json.dumps(data),
                ),
            )
            return int(cursor.lastrowid or 0)

    return store._retry(insert)


def stored_tests(
    store: SessionStore, patient: str, *, since: datetime | None = None, until: datetime | None = None
) -> list[StoredTest]:
    """A patient's stored tests in time order (optionally from ``since`` to before ``until``)."""
    sql = "SELECT id, session_id, taken_at, test, result FROM functional_tests WHERE patient = ?"
    params: list[object] = [patient]
    if since is not None:
        sql += " AND taken_at >= ?"
        params.append(since.astimezone(timezone.utc).isoformat(timespec="microseconds"))
    if until is not None:
        sql += " AND taken_at < ?"
        params.append(until.astimezone(timezone.utc).isoformat(timespec="microseconds"))
    rows = store._retry(lambda: store._db.execute(sql + " ORDER BY taken_at, id", params).fetchall())
    return [StoredTest(r[0], r[1], parse_time(r[2]), r[3], json.loads(r[4])) for r in rows]
