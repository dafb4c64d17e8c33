"""Engine and session creation for the store.

SQLite allows one writer at a time, and call control writes call records while the web
process serves requests. So a transaction takes the write lock only when it is going to
write, and holds it briefly: read-only work (GET requests, password checks, Kamailio's
snapshot reads) runs in deferred transactions, which in WAL mode never block a writer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 5000


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout so the API can
    write while Kamailio's processes read. ``read_only`` engines begin deferred, so they
    never take the single SQLite write lock."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling breaks SAVEPOINT (used by bulk imports):
        # SQLAlchemy issues BEGIN itself, as its documentation recommends. IMMEDIATE takes
        # the write lock up front: a deferred transaction that read first cannot upgrade
        # to a write while another writer holds the lock ("database is locked" at once,
        # busy_timeout notwithstanding); with IMMEDIATE it waits its turn. WAL keeps
        # readers unblocked. Read-only work belongs on a ``read_only`` engine.
        begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql(begin))
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def as_utc(moment: datetime) -> datetime:
    """``moment`` with its UTC offset: SQLite gives back naive datetimes, stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_read_sessionmaker(url: str, write_engine: Engine) -> sessionmaker[Session]:
    """Sessions for read-only work: on SQLite a second, deferred engine on the same
    file; elsewhere (PostgreSQL: MVCC, no database-wide lock) the write engine itself."""
    if write_engine.dialect.name != "sqlite":
        return make_sessionmaker(write_engine)
    return make_sessionmaker(make_engine(url, read_only=True))


def create_schema(engine: Engine) -> None:
    """Bring the database to the newest schema (Alembic migrations)."""
    from store.migrate import upgrade

    upgrade(engine)
