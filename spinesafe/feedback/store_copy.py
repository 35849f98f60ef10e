"""Moving one stored session between session databases, row for row.

A parallel batch (``spinesafe review FOLDER --workers N`` or ``--cluster``) keeps one writer on the
history file: each worker reviews into its own in-memory :class:`SessionStore` (``":memory:"``),
:func:`export_session` turns that session into plain rows (picklable, sent back to the parent) and
the parent's :func:`import_session` writes them into the real history in one transaction. The rows
are exactly what a review storing directly would have written (the same code wrote them), with new
ids in the target file.
"""

from __future__ import annotations

from dataclasses import dataclass

from spinesafe.errors import StoreError
from spinesafe.feedback.store import SessionStore

SESSION_TABLE = "sessions"
SET_TABLE = "sets"  # other per-session tables point at its rows by ``set_id``


@dataclass(frozen=True)
class SessionRows:
    """One session's rows: ``tables[name]`` is a list of ``{column: value}`` (the ``sessions`` table
    holds one row); ids are those of the database it came from."""

    tables: dict[str, list[dict[str, object]]]

    @property
    def session(self) -> dict[str, object]:
        return self.tables[SESSION_TABLE][0]


def _session_tables(store: SessionStore) -> list[str]:
    """Every table with a ``session_id`` column, sets first (the others refer to them)."""
    db = store._db
    names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    linked = [n for n in names if any(col[1] == "session_id" for col in db.execute(f"PRAGMA table_info({n})"))]
    return sorted(linked, key=lambda n: n != SET_TABLE)


def export_session(store: SessionStore, session_id: int) -> SessionRows:
    """The rows of session ``session_id`` in ``store`` (raises :class:`StoreError` when there is none)."""

    def read() -> SessionRows:
        tables: dict[str, list[dict[str, object]]] = {}
        for table in [SESSION_TABLE, *_session_tables(store)]:
            column = "id" if table == SESSION_TABLE else "session_id"
            cursor = store._db.execute(f"SELECT * FROM {table} WHERE {column} = ? ORDER BY id", (session_id,))
            names = [d[0] for d in cursor.description]
            tables[table] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        if not tables[SESSION_TABLE]:
            raise StoreError(f"{store.path}: no session with id {session_id}")
        return SessionRows(tables)

    return store._retry(read)


def import_session(store: SessionStore, rows: SessionRows) -> int:
    """Write ``rows`` into ``store`` as a new session (one transaction); returns its id there."""

    def insert(table: str, row: dict[str, object]) -> int:
        fields = [k for k in row if k != "id"]
        cursor = store._db.execute(
            f"INSERT INTO {table} ({', '.join(fields)}) VALUES ({', '.join('?' for _ in fields)})",
            [row[k] for k in fields],
        )
        return int(cursor.lastrowid or 0)

    def write() -> int:
        with store.transaction():
            session_id = insert(SESSION_TABLE, rows.session)
            set_ids: dict[object, int] = {}
            for table in sorted((t for t in rows.tables if t != SESSION_TABLE), key=lambda t: t != SET_TABLE):
                for row in rows.tables[table]:
                    copy = {**row, "session_id": session_id}
                    if "set_id" in copy and copy["set_id"] is not None:
                        copy["set_id"] = set_ids[copy["set_id"]]
                    new_id = insert(table, copy)
                    if table == SET_TABLE:
                        set_ids[row["id"]] = new_id
            return session_id

    return store._retry(write)
