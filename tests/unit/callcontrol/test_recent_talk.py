"""The expected wait's handle times start from the store's recent answered calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from callcontrol.history import recent_talk_s
from store.models import CallRecord

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def record(n: int, ended_ago_s: int, talk_ms: int, **values: Any) -> dict[str, Any]:
    ended = NOW - timedelta(seconds=ended_ago_s)
    return {"call_id": f"c{n}", "node": "n", "team": "demo", "group_name": "support",
            "agent": "1001", "started_at": ended, "answered_at": ended, "ended_at": ended,
            "talk_ms": talk_ms, "outcome": "answered", **values}  # fmt: skip


def test_recent_answered_calls_give_each_groups_mean_talk_time(store: Any) -> None:
    with store.engine.begin() as conn:
        conn.execute(insert(CallRecord.__table__), [
            record(1, 60, 100_000),
            record(2, 120, 200_000),
            record(3, 7_200, 900_000),  # more than an hour ago: forgotten
            record(4, 60, 900_000, outcome="abandoned", agent=""),
            record(5, 60, 900_000, outcome="overflowed", agent=""),  # not an agent's call
            record(6, 60, 40_000, group_name="sales"),
        ])  # fmt: skip
    assert recent_talk_s(store.engine, now=NOW) == {"demo/support": 150.0, "demo/sales": 40.0}
