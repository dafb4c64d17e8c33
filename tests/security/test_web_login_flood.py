"""A flood of wrong logins never takes SQLite's write lock from call control.

The real web process (uvicorn) on a temporary SQLite store; while threads send wrong
logins (known and unknown accounts) and an admin reads the API, this test writes call
records the way call control does (its own engine, ``BEGIN IMMEDIATE``). Wrong logins
and GET requests hold no write lock, so every record write gets the lock at once
(a 1 s busy timeout here instead of call control's 5 s, to be strict) and the web
process never answers 500.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event, insert
from sqlalchemy.exc import OperationalError

from store.db import make_engine
from store.models import CallRecord
from store.seed import DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD
from tests.security.conftest import WebProcess

LOGINS_PER_THREAD = 15
THREADS = 4


@pytest.fixture
def web_env() -> dict[str, str]:
    # No throttling here: every wrong login really runs its argon2 check.
    return {"SWITCHBOARD_LOGIN_IP_FAILURES": "100000", "SWITCHBOARD_LOGIN_ACCOUNT_FREE": "100000"}


def test_given_a_wrong_login_flood_when_call_control_writes_then_it_never_sees_a_locked_database(
    web: WebProcess,
) -> None:
    with httpx.Client(base_url=web.url, timeout=30) as client:
        response = client.post(
            "/api/v1/auth/login", json={"login": DEMO_ADMIN_LOGIN, "password": DEMO_ADMIN_PASSWORD}
        )
        assert response.status_code == 200, response.text
        admin = {"Authorization": f"Bearer {response.json()['token']}"}

    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    done = threading.Event()

    def flood(index: int) -> None:
        with httpx.Client(base_url=web.url, timeout=30) as client:
            for i in range(LOGINS_PER_THREAD):
                if index == 0:  # an admin reading the API meanwhile
                    r = client.get("/api/v1/teams/demo/extensions", headers=admin)
                elif i % 2:
                    r = client.post(
                        "/api/v1/auth/login", json={"login": DEMO_ADMIN_LOGIN, "password": "wrong"}
                    )
                else:
                    r = client.post(
                        "/api/v1/auth/agent-login",
                        json={"team": "demo", "number": "1001", "password": "999999"},
                    )
                with lock:
                    statuses[r.status_code] += 1

    engine = make_engine(web.db_url)

    @event.listens_for(engine, "connect")
    def _strict(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=1000")

    threads = [threading.Thread(target=flood, args=(i,)) for i in range(THREADS + 1)]
    for thread in threads:
        thread.start()
    waiter = threading.Thread(target=lambda: [t.join() for t in threads] and None)
    waiter.start()
    written, locked = 0, []
    try:
        while waiter.is_alive() or written < 10:
            try:
                with engine.begin() as conn:
                    conn.execute(
                        insert(CallRecord.__table__).values(
                            call_id=uuid.uuid4().hex,
                            node="test",
                            team="demo",
                            group_name="support",
                            started_at=datetime.now(UTC),
                        )
                    )
                written += 1
            except OperationalError as exc:
                locked.append(str(exc))
            waiter.join(timeout=0.02)
    finally:
        done.set()
        waiter.join(timeout=120)
        engine.dispose()
    assert locked == [], locked[:3]
    assert statuses[500] == 0, (statuses, web.log.read_text()[-2000:])
    logins = THREADS * LOGINS_PER_THREAD
    assert statuses[401] == logins and statuses[200] == LOGINS_PER_THREAD, statuses
    assert "database is locked" not in web.log.read_text()
