"""The session history: every live and review session in one SQLite file on this machine.

Where: ``SPINESAFE_DB`` when set, else ``$XDG_DATA_HOME/spinesafe/sessions.db`` (by default
``~/.local/share/spinesafe/sessions.db``); the CLI's ``--db FILE`` overrides both.

What: patient, programme, mode (live / review / replay), source (video file name or camera),
app and pose-model versions, and per set the exercise, calibration and views; reps with their
metrics, spinal-flexion events, holds, twists and the cues given. Never images or landmarks.

How:
- WAL journal, so ``spinesafe history`` can read while a session is being written.
- Versioned schema: ``PRAGMA user_version`` is the number of :data:`MIGRATIONS` applied. A file
  from a newer spinesafe is refused with :class:`StoreVersionError` before anything is written.
- Checked: a file that fails ``PRAGMA quick_check`` (a damaged page) is refused with
  :class:`StoreCorruptError` before anything is written, so a damaged history is never made worse.
- Readers open it read-only (:meth:`SessionStore.open_for_reading`, ``mode=ro``), so ``spinesafe
  history`` works on a read-only file or file system.
- Incremental: a :class:`SessionLog` buffers rows in memory and commits them at least every
  :data:`COMMIT_INTERVAL_S` of wall time (from ``SessionRecorder.step``), so a crash or a kill
  loses at most the last second. A session that never finished stays ``running`` in the file and
  is shown as interrupted.
- Locks: another writer is waited for up to ``timeout_s`` when a session starts or ends
  (:class:`StoreLockedError` after that); during a session a busy database only delays the next
  commit, it never stalls the frame loop.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from spinesafe import __version__
from spinesafe.classifiers.events import (
    FlexionEnded,
    HoldCompleted,
    PersonChangeEnded,
    RepCompleted,
    TwistEnded,
    UnsafeMovementEnded,
)
from spinesafe.errors import StoreCorruptError, StoreError, StoreLockedError, StoreVersionError
from spinesafe.feedback.cues import Cue

log = logging.getLogger(__name__)

COMMIT_INTERVAL_S = 0.5  # wall time between commits while a session runs (the bound is 1 s)
DEFAULT_TIMEOUT_S = 5.0  # how long to wait for another writer when a session starts or ends
TICK_BUSY_TIMEOUT_MS = 50  # during a session: never hold the frame loop longer than this
STALE_AFTER_S = 10.0  # a running session with no commit for this long was interrupted

# MIGRATIONS[n] takes a database from user_version n to n + 1. Append, never edit.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,          -- ISO 8601, UTC
        updated_at TEXT NOT NULL,          -- last commit, UTC
        ended_at TEXT,                     -- NULL while running, or when the process died
        status TEXT NOT NULL,              -- running | complete | failed
        patient TEXT NOT NULL,
        mode TEXT NOT NULL,                -- live | review | replay
        source TEXT NOT NULL,              -- video file name, or the camera
        programme TEXT,                    -- programme name, NULL for a single-exercise review
        app_version TEXT NOT NULL,
        model TEXT NOT NULL,               -- pose estimator and its version
        fps REAL,
        duration_s REAL NOT NULL DEFAULT 0,
        frames INTEGER NOT NULL DEFAULT 0,
        frames_with_person INTEGER NOT NULL DEFAULT 0,
        truncated INTEGER NOT NULL DEFAULT 0,
        notes TEXT NOT NULL DEFAULT '[]'   -- JSON list of strings
    );
    CREATE INDEX sessions_patient_started ON sessions (patient, started_at);
    CREATE TABLE sets (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        exercise TEXT NOT NULL,
        target_reps INTEGER,
        target_s REAL,
        started_s REAL NOT NULL,
        ended_s REAL,
        calibration TEXT,                  -- JSON: neutral posture, or NULL
        views TEXT                         -- JSON: frames per camera view
    );
    CREATE INDEX sets_session ON sets (session_id);
    CREATE TABLE reps (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        set_id INTEGER NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        complete INTEGER NOT NULL,
        truncated INTEGER NOT NULL,
        start_s REAL, turn_s REAL, end_s REAL,
        range_of_motion_deg REAL,
        turn_angle_deg REAL,
        peak_trunk_flexion_deg REAL
    );
    CREATE INDEX reps_session ON reps (session_id);
    CREATE TABLE flexion_events (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        set_id INTEGER NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
        start_s REAL, end_s REAL, peak_s REAL, peak_deg REAL,
        severity TEXT NOT NULL,            -- caution | stop
        view TEXT NOT NULL,                -- the camera view the judgement came from
        proxies TEXT NOT NULL              -- JSON list
    );
    CREATE INDEX flexion_session ON flexion_events (session_id);
    CREATE TABLE holds (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        set_id INTEGER NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
        exercise TEXT NOT NULL,
        start_s REAL, end_s REAL, held_s REAL, target_s REAL,
        complete INTEGER NOT NULL
    );
    CREATE TABLE twist_events (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        set_id INTEGER NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
        start_s REAL, end_s REAL, peak_deg REAL
    );
    CREATE TABLE cues (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        set_id INTEGER NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
        t_s REAL NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX cues_session ON cues (session_id);
    """,
    # 2: episodes of movements to avoid (toe touch, sit-up, ...), seen in any mode. set_id is NULL
    # when one happens before the first set of a live session.
    """
    CREATE TABLE unsafe_movements (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        set_id INTEGER REFERENCES sets (id) ON DELETE CASCADE,
        pattern TEXT NOT NULL,             -- toe_touch | sit_up | crunch | rounded_back_lift
        start_s REAL, warned_s REAL, end_s REAL,
        confidence REAL
    );
    CREATE INDEX unsafe_session ON unsafe_movements (session_id);
    """,
    # 3: times someone else filled the picture and counting was paused (spinesafe.classifiers.person).
    """
    CREATE TABLE person_changes (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        set_id INTEGER REFERENCES sets (id) ON DELETE CASCADE,
        start_s REAL, end_s REAL,
        outcome TEXT NOT NULL              -- returned | adopted | ended
    );
    CREATE INDEX person_changes_session ON person_changes (session_id);
    """,
    # 4: functional tests (issue 15), read and written by feedback/functional_history.py.
    # The patient's age and sex (the only personal data: the chair-stand norms need them), and each
    # scored test with the report's JSON object of it. session_id is NULL for a test stored alone.
    """
    CREATE TABLE patients (
        name TEXT PRIMARY KEY,
        age INTEGER,
        sex TEXT,                          -- F | M
        updated_at TEXT NOT NULL
    );
    CREATE TABLE functional_tests (
        id INTEGER PRIMARY KEY,
        session_id INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
        patient TEXT NOT NULL,
        taken_at TEXT NOT NULL,            -- ISO 8601, UTC
        test TEXT NOT NULL,                -- chair_stand_30s | five_times_sit_to_stand | ... | sppb
        count INTEGER, time_s REAL, stage_reached INTEGER, score REAL,
        norm_flag INTEGER,                 -- 1 on the worse side of the cut-off, 0 not, NULL no norm
        norm_threshold REAL,
        result TEXT NOT NULL               -- the report's JSON object of the test
    );
    CREATE INDEX functional_tests_patient ON functional_tests (patient, test, taken_at);
    """,
    # 5: when a flexion episode that began at caution reached the stop threshold (NULL: it began at
    # stop, or never reached it), and the least visibility of the landmarks it was judged from.
    """
    ALTER TABLE flexion_events ADD COLUMN stop_s REAL;
    ALTER TABLE flexion_events ADD COLUMN visibility REAL
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

T = TypeVar("T")


def default_db_path(env: Mapping[str, str] | None = None) -> Path:
    """``SPINESAFE_DB``, else ``$XDG_DATA_HOME/spinesafe/sessions.db``, else ``~/.local/share/...``."""
    env = os.environ if env is None else env
    if env.get("SPINESAFE_DB"):
        return Path(env["SPINESAFE_DB"]).expanduser()
    data_home = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).expanduser() / "spinesafe" / "sessions.db"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def parse_time(text: str) -> datetime:
    """A stored ISO 8601 time as an aware datetime."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _num(x: float | None) -> float | None:
    """SQLite has no NaN: store unknown values as NULL."""
    return None if x is None or not math.isfinite(x) else float(x)


def _is_locked(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


@dataclass(frozen=True)
class SessionInfo:
    """What identifies a session; written when it starts."""

    patient: str
    mode: str
    source: str
    model: str
    fps: float | None = None
    programme: str | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    app_version: str = __version__


@dataclass(frozen=True)
class SessionSummary:
    """One row of ``spinesafe history``."""

    id: int
    started_at: datetime
    status: str
    patient: str
    mode: str
    source: str
    programme: str | None
    exercises: tuple[str, ...]
    reps: int
    partial_reps: int
    flexion_events: int
    duration_s: float
    app_version: str
    model: str
    updated_at: datetime
    unsafe_movements: int = 0  # episodes of movements to avoid (toe touch, sit-up, ...)

    @property
    def shown_status(self) -> str:
        """A ``running`` row not committed to for a while belongs to a process that died: interrupted."""
        if self.status != "running":
            return self.status
        quiet_s = (datetime.now(timezone.utc) - self.updated_at).total_seconds()
        return "running" if quiet_s < STALE_AFTER_S else "interrupted"


@dataclass(frozen=True)
class ExerciseTotals:
    """Per session and exercise, for progress plots."""

    session_id: int
    started_at: datetime
    exercise: str
    reps: int
    mean_range_of_motion_deg: float | None
    max_range_of_motion_deg: float | None
    flexion_events: int
    stop_events: int


class _OlderSchema(StoreError):
    """A read-only open found a file of an older schema, which only a writable open can upgrade."""


class SessionStore:
    """The session database. Open it once per process; it is not shared between threads.

    ``read_only`` opens the file with SQLite's ``mode=ro`` (nothing is ever written, not even a
    migration); :meth:`open_for_reading` is what commands that only read use.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        create: bool = True,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self.read_only = read_only
        if (not create or read_only) and not self.path.is_file():
            raise StoreError(f"{self.path}: no session database here (no session has been stored yet)")
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a folder, not a session database file")
        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.path}: cannot create the database folder ({exc.strerror or exc})") from exc
        try:
            # Autocommit mode: transactions are begun and committed explicitly below.
            self._db = self._connect_read_only() if read_only else self._connect(str(self.path), uri=False)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the session database ({exc})") from exc
        try:
            self._open()
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def open_for_reading(cls, path: str | Path, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> SessionStore:
        """Open an existing database to read it, read-only; a file of an older schema is upgraded first
        (which needs it writable; on a read-only file that is the error)."""
        try:
            return cls(path, timeout_s=timeout_s, create=False, read_only=True)
        except _OlderSchema:
            return cls(path, timeout_s=timeout_s, create=False)

    def _connect(self, target: str, *, uri: bool) -> sqlite3.Connection:
        return sqlite3.connect(target, timeout=self.timeout_s, isolation_level=None, uri=uri)

    def _connect_read_only(self) -> sqlite3.Connection:
        """``mode=ro``. A WAL database needs its ``-shm`` index file, which SQLite cannot create on a
        read-only file system or in a read-only folder; there (nobody can be writing it) the file is
        read as ``immutable``, without the index. A write-ahead log left by a crash is then not read."""
        uri = self.path.resolve().as_uri()
        db = self._connect(f"{uri}?mode=ro", uri=True)
        try:
            db.execute("PRAGMA user_version").fetchone()
            return db
        except sqlite3.OperationalError as exc:
            db.close()
            if "unable to open" not in str(exc) or os.access(self.path.parent, os.W_OK):
                raise
        wal = Path(f"{self.path}-wal")
        if wal.is_file() and wal.stat().st_size > 0:
            log.warning(
                "%s: read-only, and its write-ahead log (%s) cannot be read: the newest sessions may be missing",
                self.path,
                wal.name,
            )
        return self._connect(f"{uri}?mode=ro&immutable=1", uri=True)

    def _open(self) -> None:
        version = self._retry(lambda: int(self._db.execute("PRAGMA user_version").fetchone()[0]))
        if version > SCHEMA_VERSION:  # checked before any write: a newer file is never touched
            raise StoreVersionError(
                f"{self.path}: this session database was written by a newer spinesafe (schema {version}; this "
                f"version knows up to {SCHEMA_VERSION}). Upgrade spinesafe, or use another file with --db."
            )
        self._retry(self._check_integrity)  # before any write too: a damaged file is not made worse
        if self.read_only:
            if version < SCHEMA_VERSION:
                raise _OlderSchema(f"{self.path}: schema {version} needs upgrading to {SCHEMA_VERSION}, which writes")
            return
        if version < SCHEMA_VERSION:
            self._retry(self._migrate)
        self._retry(lambda: self._db.execute("PRAGMA journal_mode=WAL").fetchone())
        # WAL + NORMAL: a commit survives the process being killed (not a power cut), without an fsync each time.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")

    def _check_integrity(self) -> None:
        """``PRAGMA quick_check``: every page's b-tree structure, without the slower index-content check
        of ``integrity_check`` (about 60 ms for a 4.8 MB file of 1,000 sessions, measured)."""
        try:
            rows = self._db.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as exc:
            if _is_locked(exc) or "not a database" in str(exc):
                raise  # made clear by _retry
            problems = [str(exc)]
        else:
            # SQLite's lines start with "*** in database main ***" and a newline: one line, the page named
            problems = [" ".join(str(row[0]).replace("*** in database main ***", "").split()) for row in rows]
            problems = [text for text in problems if text != "ok"]
        if problems:
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise StoreCorruptError(
                f"{self.path}: the session database is damaged ({problems[0]}{more}); it was left untouched. "
                "Restore a backup of it, or use another file with --db."
            )

    def _migrate(self) -> None:
        with self.transaction():
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])  # another process may have won
            for n in range(version, SCHEMA_VERSION):
                log.info("%s: migrating the session database to schema %d", self.path, n + 1)
                for statement in MIGRATIONS[n].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on any error)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _retry(self, action: Callable[[], T], timeout_s: float | None = None) -> T:
        """Run ``action``, retrying while the database is locked, up to ``timeout_s``; errors made clear."""
        limit = self.timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + limit
        while True:
            try:
                return action()
            except sqlite3.Error as exc:
                if _is_locked(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise self._error(exc, limit) from exc

    def _error(self, exc: sqlite3.Error, waited_s: float) -> StoreError:
        if _is_locked(exc):
            return StoreLockedError(
                f"{self.path}: the session database is locked by another program (waited {waited_s:g} s); "
                "close the other spinesafe or database tool and try again"
            )
        if isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc):
            return StoreError(f"{self.path}: not a spinesafe session database (not an SQLite file)")
        return StoreError(f"{self.path}: session database error ({exc})")

    def begin(self, info: SessionInfo) -> SessionLog:
        """Start a session (committed at once) and return its log."""

        def insert() -> int:
            stamp = _iso(info.started_at)
            with self.transaction() as db:
                cursor = db.execute(
                    "INSERT INTO sessions (started_at, updated_at, status, patient, mode, source, programme,"
                    " app_version, model, fps) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                    (
                        stamp,
                        _iso(datetime.now(timezone.utc)),
                        info.patient,
                        info.mode,
                        info.source,
                        info.programme,
                        info.app_version,
                        info.model,
                        _num(info.fps),
                    ),
                )
                return int(cursor.lastrowid or 0)

        return SessionLog(self, self._retry(insert), info)

    # --- reading -------------------------------------------------------------------------------

    def sessions(
        self, *, patient: str | None = None, since: datetime | None = None, until: datetime | None = None
    ) -> list[SessionSummary]:
        """Sessions in time order, optionally of one patient and from ``since`` (inclusive) to ``until``."""
        where, params = self._filters(patient, since, until)
        rows = self._retry(
            lambda: self._db.execute(
                "SELECT s.id, s.started_at, s.status, s.patient, s.mode, s.source, s.programme, s.duration_s,"
                " s.app_version, s.model, s.updated_at,"
                " (SELECT group_concat(exercise, ',') FROM (SELECT DISTINCT exercise FROM sets WHERE session_id = s.id"
                "   ORDER BY id)),"
                " (SELECT count(*) FROM reps WHERE session_id = s.id AND complete),"
                " (SELECT count(*) FROM reps WHERE session_id = s.id AND NOT complete),"
                " (SELECT count(*) FROM flexion_events WHERE session_id = s.id),"
                " (SELECT count(*) FROM unsafe_movements WHERE session_id = s.id)"
                f" FROM sessions s {where} ORDER BY s.started_at, s.id",
                params,
            ).fetchall()
        )
        return [
            SessionSummary(
                id=row[0],
                started_at=parse_time(row[1]),
                status=row[2],
                patient=row[3],
                mode=row[4],
                source=row[5],
                programme=row[6],
                duration_s=float(row[7] or 0.0),
                app_version=row[8],
                model=row[9],
                updated_at=parse_time(row[10]),
                exercises=tuple(row[11].split(",")) if row[11] else (),
                reps=int(row[12]),
                partial_reps=int(row[13]),
                flexion_events=int(row[14]),
                unsafe_movements=int(row[15]),
            )
            for row in rows
        ]

    def exercise_totals(
        self, *, patient: str | None = None, since: datetime | None = None, until: datetime | None = None
    ) -> list[ExerciseTotals]:
        """Reps, range of motion and flexion events per session and exercise (for progress plots)."""
        where, params = self._filters(patient, since, until)
        rows = self._retry(
            lambda: self._db.execute(
                "SELECT s.id, s.started_at, t.exercise,"
                " (SELECT count(*) FROM reps r JOIN sets u ON r.set_id = u.id"
                "   WHERE r.session_id = s.id AND u.exercise = t.exercise AND r.complete),"
                " (SELECT avg(range_of_motion_deg) FROM reps r JOIN sets u ON r.set_id = u.id"
                "   WHERE r.session_id = s.id AND u.exercise = t.exercise AND r.complete),"
                " (SELECT max(range_of_motion_deg) FROM reps r JOIN sets u ON r.set_id = u.id"
                "   WHERE r.session_id = s.id AND u.exercise = t.exercise AND r.complete),"
                " (SELECT count(*) FROM flexion_events f JOIN sets u ON f.set_id = u.id"
                "   WHERE f.session_id = s.id AND u.exercise = t.exercise),"
                " (SELECT count(*) FROM flexion_events f JOIN sets u ON f.set_id = u.id"
                "   WHERE f.session_id = s.id AND u.exercise = t.exercise AND f.severity = 'stop')"
                f" FROM sessions s JOIN (SELECT DISTINCT session_id, exercise FROM sets) t ON t.session_id = s.id"
                f" {where} ORDER BY s.started_at, s.id, t.exercise",
                params,
            ).fetchall()
        )
        return [
            ExerciseTotals(
                session_id=row[0],
                started_at=parse_time(row[1]),
                exercise=row[2],
                reps=int(row[3]),
                mean_range_of_motion_deg=row[4],
                max_range_of_motion_deg=row[5],
                flexion_events=int(row[6]),
                stop_events=int(row[7]),
            )
            for row in rows
        ]

    def session_detail(self, session_id: int) -> dict[str, Any]:
        """One session with its sets, reps, flexion events, holds, twists, movements to avoid, times
        someone else filled the picture and cues (JSON-ready)."""

        def read() -> dict[str, Any]:
            self._db.row_factory = sqlite3.Row
            try:
                head = self._db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
                if head is None:
                    raise StoreError(f"{self.path}: no session with id {session_id}")
                detail: dict[str, Any] = dict(head)
                detail["notes"] = json.loads(detail["notes"] or "[]")
                tables = ("sets", "reps", "flexion_events", "holds", "twist_events", "unsafe_movements")
                for table in (*tables, "person_changes", "cues"):
                    rows = self._db.execute(f"SELECT * FROM {table} WHERE session_id = ? ORDER BY id", (session_id,))
                    detail[table] = [{k: v for k, v in dict(r).items() if k != "session_id"} for r in rows]
                for row in detail["sets"]:
                    row["calibration"] = json.loads(row["calibration"]) if row["calibration"] else None
                    row["views"] = json.loads(row["views"]) if row["views"] else {}
                for row in detail["flexion_events"]:
                    row["proxies"] = json.loads(row["proxies"])
                for table in ("reps", "holds"):
                    for row in detail[table]:
                        row["complete"] = bool(row["complete"])
                for row in detail["reps"]:
                    row["truncated"] = bool(row["truncated"])
                detail["truncated"] = bool(detail["truncated"])
                return detail
            finally:
                self._db.row_factory = None

        return self._retry(read)

    @staticmethod
    def _filters(patient: str | None, since: datetime | None, until: datetime | None) -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        if patient is not None:
            clauses.append("s.patient = ?")
            params.append(patient)
        if since is not None:
            clauses.append("s.started_at >= ?")
            params.append(_iso(since))
        if until is not None:
            clauses.append("s.started_at < ?")
            params.append(_iso(until))
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), params

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class SessionLog:
    """One session being written: sets, events and cues are buffered and committed every
    :data:`COMMIT_INTERVAL_S` of wall time by :meth:`tick` (called once per frame), and at the end."""

    def __init__(self, store: SessionStore, session_id: int, info: SessionInfo) -> None:
        self.store = store
        self.session_id = session_id
        self.info = info
        self.set_id: int | None = None
        self._sets = 0
        self._early_cues: list[Cue] = []  # said before the first set (the pain rule, the set-up): kept for it
        self._pending: list[tuple[str, tuple[object, ...]]] = []
        self._progress: tuple[float, int, int] = (0.0, 0, 0)
        self._last_commit = time.monotonic()
        self._warned_busy = False
        self.finished = False

    # --- what a recorder writes ---------------------------------------------------------------

    def start_set(
        self, exercise: str, *, t_s: float = 0.0, target_reps: int | None = None, target_s: float | None = None
    ) -> int:
        """Begin the next set (committed at once); later rows belong to it. Returns its number (from 1)."""
        self.commit()
        self._sets += 1
        number = self._sets

        def insert() -> int:
            with self.store.transaction() as db:
                cursor = db.execute(
                    "INSERT INTO sets (session_id, number, exercise, target_reps, target_s, started_s)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (self.session_id, number, exercise, target_reps, _num(target_s), _num(t_s)),
                )
                return int(cursor.lastrowid or 0)

        self.set_id = self.store._retry(insert)
        early, self._early_cues = self._early_cues, []
        for cue in early:
            self.cue(cue)
        return number

    def end_set(self, *, t_s: float, calibration: dict[str, Any] | None, views: dict[str, int]) -> None:
        self._add(
            "UPDATE sets SET ended_s = ?, calibration = ?, views = ? WHERE id = ?",
            (_num(t_s), json.dumps(calibration) if calibration else None, json.dumps(views), self._set()),
        )

    def rep(self, rep: RepCompleted) -> None:
        self._add(
            "INSERT INTO reps (session_id, set_id, number, complete, truncated, start_s, turn_s, end_s,"
            " range_of_motion_deg, turn_angle_deg, peak_trunk_flexion_deg) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.session_id,
                self._set(),
                rep.number,
                int(rep.complete),
                int(rep.truncated),
                _num(rep.start_s),
                _num(rep.turn_s),
                _num(rep.end_s),
                _num(rep.range_of_motion_deg),
                _num(rep.turn_angle_deg),
                _num(rep.peak_trunk_flexion_deg),
            ),
        )

    def flexion(self, event: FlexionEnded) -> None:
        self._add(
            "INSERT INTO flexion_events"
            " (session_id, set_id, start_s, end_s, peak_s, peak_deg, severity, view, proxies, stop_s, visibility)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.session_id,
                self._set(),
                _num(event.start_s),
                _num(event.end_s),
                _num(event.peak_s),
                _num(event.peak_deg),
                event.severity.value,
                event.view,
                json.dumps(list(event.proxies)),
                None if event.stop_s is None else _num(event.stop_s),
                _num(event.visibility),
            ),
        )

    def hold(self, event: HoldCompleted) -> None:
        self._add(
            "INSERT INTO holds (session_id, set_id, exercise, start_s, end_s, held_s, target_s, complete)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.session_id,
                self._set(),
                event.exercise,
                _num(event.start_s),
                _num(event.end_s),
                _num(event.held_s),
                _num(event.target_s),
                int(event.complete),
            ),
        )

    def twist(self, event: TwistEnded) -> None:
        self._add(
            "INSERT INTO twist_events (session_id, set_id, start_s, end_s, peak_deg) VALUES (?, ?, ?, ?, ?)",
            (self.session_id, self._set(), _num(event.start_s), _num(event.end_s), _num(event.peak_deg)),
        )

    def unsafe(self, event: UnsafeMovementEnded) -> None:
        self._add(
            "INSERT INTO unsafe_movements (session_id, set_id, pattern, start_s, warned_s, end_s, confidence)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.session_id,
                self.set_id,
                event.pattern,
                _num(event.start_s),
                _num(event.warned_s),
                _num(event.end_s),
                _num(event.confidence),
            ),
        )

    def person_change(self, event: PersonChangeEnded) -> None:
        """A time someone else filled the picture (counting paused)."""
        self._add(
            "INSERT INTO person_changes (session_id, set_id, start_s, end_s, outcome) VALUES (?, ?, ?, ?, ?)",
            (self.session_id, self.set_id, _num(event.start_s), _num(event.end_s), event.outcome),
        )

    def cue(self, cue: Cue) -> None:
        """A cue given; one given before the first set is stored with that set when it starts."""
        if self.set_id is None:
            self._early_cues.append(cue)
            return
        self._add(
            "INSERT INTO cues (session_id, set_id, t_s, kind, text) VALUES (?, ?, ?, ?, ?)",
            (self.session_id, self._set(), _num(cue.t_s), cue.kind.value, cue.text),
        )

    def progress(self, duration_s: float, frames: int, frames_with_person: int) -> None:
        """How far the session has got; written with the next commit."""
        self._progress = (duration_s, frames, frames_with_person)

    def tick(self) -> None:
        """Commit if :data:`COMMIT_INTERVAL_S` has passed. Cheap; call it every frame."""
        if time.monotonic() - self._last_commit >= COMMIT_INTERVAL_S:
            self._try_commit()

    # --- committing -----------------------------------------------------------------------------

    def _set(self) -> int:
        if self.set_id is None:
            raise RuntimeError("SessionLog: start_set() must be called before rows are added")
        return self.set_id

    def _add(self, sql: str, params: tuple[object, ...]) -> None:
        if self.finished:
            raise RuntimeError("SessionLog: the session has already finished")
        self._pending.append((sql, params))

    def _write(self, extra: list[tuple[str, tuple[object, ...]]] = ()) -> None:  # type: ignore[assignment]
        duration_s, frames, with_person = self._progress
        rows = [*self._pending, *extra]
        with self.store.transaction() as db:
            for sql, params in rows:
                db.execute(sql, params)
            db.execute(
                "UPDATE sessions SET updated_at = ?, duration_s = ?, frames = ?, frames_with_person = ? WHERE id = ?",
                (_iso(datetime.now(timezone.utc)), _num(duration_s) or 0.0, frames, with_person, self.session_id),
            )
        self._pending.clear()
        self._last_commit = time.monotonic()

    def _try_commit(self) -> None:
        """One quick attempt; a busy database only postpones the rows to the next tick."""
        db = self.store._db
        db.execute(f"PRAGMA busy_timeout = {TICK_BUSY_TIMEOUT_MS}")
        try:
            self._write()
            self._warned_busy = False
        except sqlite3.Error as exc:
            if not _is_locked(exc):
                raise self.store._error(exc, TICK_BUSY_TIMEOUT_MS / 1000) from exc
            self._last_commit = time.monotonic()  # try again after the interval, not every frame
            if not self._warned_busy:
                log.warning(
                    "%s: the session database is busy; the session is kept in memory meanwhile", self.store.path
                )
                self._warned_busy = True
        finally:
            db.execute(f"PRAGMA busy_timeout = {round(self.store.timeout_s * 1000)}")

    def commit(self) -> None:
        """Write everything buffered now, waiting up to the store's timeout for a lock."""
        self.store._retry(self._write)

    def finish(
        self,
        *,
        status: str = "complete",
        duration_s: float | None = None,
        truncated: bool = False,
        notes: list[str] | None = None,
    ) -> None:
        """Close the session (status ``complete`` or ``failed``), committing everything buffered."""
        if self.finished:
            return
        if duration_s is not None:
            self._progress = (duration_s, *self._progress[1:])
        final = (
            "UPDATE sessions SET ended_at = ?, status = ?, truncated = ?, notes = ? WHERE id = ?",
            (_iso(datetime.now(timezone.utc)), status, int(truncated), json.dumps(notes or []), self.session_id),
        )
        self.store._retry(lambda: self._write([final]))
        self.finished = True
