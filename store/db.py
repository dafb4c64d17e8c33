"""Engine and session creation for the store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout so the API can
    write while Kamailio's processes read. ``read_only`` engines (Kamailio's snapshot
    reads) begin deferred, so they never take the single SQLite write lock."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling breaks SAVEPOINT (used by bulk imports):
        # SQLAlchemy issues BEGIN itself, as its documentation recommends. IMMEDIATE takes
        # the write lock up front: a deferred transaction that read first cannot upgrade
        # to a write while another writer holds the lock ("database is locked" at once,
        # busy_timeout notwithstanding); with IMMEDIATE it waits its turn. WAL keeps
        # readers unblocked.
        begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql(begin))
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def create_schema(engine: Engine) -> None:
    """Bring the database to the newest schema (Alembic migrations)."""
    from store.migrate import upgrade

    upgrade(engine)
