"""Concurrent writers on the SQLite store wait their turn instead of failing."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select

from store import provisioning as p
from store.db import make_engine, make_sessionmaker
from store.models import Extension
from tests.support.store import REALM


def test_concurrent_read_then_write_transactions_all_commit(
    seeded_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "store.sqlite3"
    path.write_bytes(seeded_template.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    sessions = make_sessionmaker(engine)
    errors: list[BaseException] = []

    def add(number: str) -> None:
        try:
            with sessions() as session, session.begin():
                team = p.get_team(session, "demo")  # read first, then write
                p.create_extension(session, team, number, REALM, sip_secret=f"secret-{number}")
        except BaseException as exc:  # noqa: BLE001  (collected for the assertion)
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(str(8000 + i),)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with sessions() as session:
        numbers = session.scalars(select(Extension.number).where(Extension.number.like("80%")))
        assert sorted(numbers) == [str(8000 + i) for i in range(8)]
    engine.dispose()
