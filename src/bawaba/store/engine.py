"""Engines for the two supported backends, configured for a crawler's write pattern.

SQLite: WAL (readers never block the writer), foreign keys on, ``synchronous=NORMAL`` (durable
enough under WAL, much faster), a busy timeout so several processes can share one file, and
explicit ``BEGIN``/``BEGIN IMMEDIATE`` so a write transaction takes the write lock up front
instead of failing half-way with "database is locked". PostgreSQL: psycopg 3 behind SQLAlchemy's
connection pool with pre-ping, so a restarted server does not poison the pool.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bawaba.errors import StoreError

#: Execution option a connection carries when it is about to write (SQLite: BEGIN IMMEDIATE).
WRITE_OPTION = "bawaba_write"


class SqlPlumbing(Protocol):
    """What ``SqlStore``'s query mixins (``SourceQueries``, ``ProvenanceQueries``) use of it."""

    def _read(self) -> AbstractContextManager[Connection]: ...

    def _write(self) -> AbstractContextManager[Connection]: ...

    def _bump(self, conn: Connection) -> None: ...

    def _insert(self, table: Any) -> sqlite.Insert | postgresql.Insert: ...

SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 5


def parse_store_url(url: str) -> URL:
    """Normalise a store URL: ``postgres://`` and ``postgresql://`` use psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"invalid store URL {url!r}: expected sqlite:///path or postgresql://...") from None
    backend = parsed.get_backend_name()
    if backend in {"postgres", "postgresql"}:
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.drivername not in {"sqlite", "sqlite+pysqlite"}:
            raise StoreError(f"unsupported SQLite driver in store URL: {parsed.drivername}")
        if not parsed.database or parsed.database == ":memory:":
            raise StoreError("the SQLite store needs a file path: sqlite:///path/to/bawaba.db")
        return parsed
    raise StoreError(f"unsupported store URL scheme {parsed.drivername!r}: use sqlite:/// or postgresql://")


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10) -> Engine:
    """Build (without connecting) the engine for ``url``; raises ``StoreError`` on a bad URL."""
    parsed = parse_store_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            json_serializer=_json_dumps,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    try:
        return create_engine(
            parsed,
            json_serializer=_json_dumps,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=True,
            connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S},
        )
    except ArgumentError as exc:
        raise StoreError(f"invalid store URL: {exc}") from None


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
