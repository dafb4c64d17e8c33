"""A seeded store for tests, on SQLite or PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from store.db import create_schema, make_engine, make_sessionmaker
from store.seed import seed_demo

REALM = "switchboard"


@dataclass
class SeededStore:
    engine: Engine
    sessions: sessionmaker[Session]
    sqlite_path: Path | None = None

    def raw_bytes(self) -> bytes | None:
        """The SQLite file's bytes (after a checkpoint), or None on PostgreSQL."""
        if self.sqlite_path is None:
            return None
        self.engine.dispose()
        return self.sqlite_path.read_bytes()


def seeded_store(url: str, sqlite_path: Path | None = None) -> SeededStore:
    engine = make_engine(url)
    create_schema(engine)
    sessions = make_sessionmaker(engine)
    with sessions() as session, session.begin():
        seed_demo(session, REALM)
    return SeededStore(engine, sessions, sqlite_path)
