"""Call records and agent activity stored in SQL (``store.models.history``).

``SqlRecords`` queues each record and one writer thread stores them, so the SIP reactor
never waits on the database. A call's record is inserted ``in_progress`` when it enters
and updated when it ends; if the process dies in between, another call-control process
closes it (``close_orphans``) once this node's heartbeat in Redis has lapsed.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.engine import Connection

from callcontrol.queue import QueueCall
from callcontrol.records import Records
from routing.acd.keys import Keys
from routing.acd.sqlstore import store_agent_event
from store.models.history import CallLegRecord, CallRecord, Recording

log = logging.getLogger(__name__)

KEYS = Keys()
RECENT_TALK_S = 3600  # the expected wait learns from the last hour's answered calls
QUEUE_LIMIT = 10_000
ORPHAN_CHECK_S = 2.0
BATCH = 500  # records written in one transaction at most


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _split(agent_id: str) -> tuple[str, str]:
    team, _, number = agent_id.partition("/")
    return team, number


def recent_talk_s(engine: Engine, now: datetime | None = None) -> dict[str, float]:
    """Each group's mean talk time (s) over the calls answered by an agent that ended in
    the last hour -- every call-control process's calls, so all estimate alike."""
    since = (now or datetime.now(UTC)) - timedelta(seconds=RECENT_TALK_S)
    table = CallRecord.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(table.c.team, table.c.group_name, func.avg(table.c.talk_ms))
            .where(table.c.outcome == "answered", table.c.agent != "", table.c.ended_at >= since)
            .group_by(table.c.team, table.c.group_name)
        ).all()
    return {f"{team}/{group}": float(talk_ms) / 1000 for team, group, talk_ms in rows}


class SqlRecords(Records):
    def __init__(
        self,
        engine: Engine,
        node: str = "",
        heartbeat: redis.Redis | None = None,
        heartbeat_ms: int = 5000,
    ) -> None:
        self.engine, self.node = engine, node
        self.heartbeat, self.heartbeat_ms = heartbeat, heartbeat_ms
        self._queue: queue.Queue[Callable[[Connection], None]] = queue.Queue(QUEUE_LIMIT)
        self._legs: dict[str, int] = {}  # agent leg Call-ID -> offer start (ms)
        self._thread = threading.Thread(target=self._run, name="records", daemon=True)
        self._thread.start()

    # --- what call control reports (reactor thread) -------------------------------------

    def call_started(self, call: QueueCall) -> None:
        team, _, group = call.group.partition("/")
        values = {
            "call_id": call.call_id,
            "node": self.node,
            "team": team,
            "group_name": group,
            "caller": call.caller,
            "dialed": call.dialed,
            "started_at": _at(call.entered_ms),
        }
        self._put(lambda c: c.execute(insert(CallRecord.__table__).values(**values)))

    def call_answered(self, call: QueueCall) -> None:
        _team, number = _split(call.agent) if call.agent else ("", "")
        values = {"answered_at": _at(call.answered_ms), "agent": number}
        self._put(lambda c: self._update_call(c, call.call_id, values))
        self._leg_end(call, "answered")

    def call_ended(self, call: QueueCall) -> None:
        super().call_ended(call)
        talk = call.ended_ms - call.answered_ms if call.answered_ms else 0
        values = {
            "ended_at": _at(call.ended_ms),
            "wait_ms": call.wait_ms(call.ended_ms),
            "ring_ms": call.ring_ms,
            "talk_ms": max(0, talk),
            "offers": call.offers,
            "outcome": call.outcome,
            "end_reason": call.end_reason,
        }
        self._put(lambda c: self._update_call(c, call.call_id, values))
        if call.agent_leg_call_id in self._legs:  # still ringing when the call ended
            self._leg_end(call, "caller_abandoned")

    def offer_started(self, call: QueueCall, agent: str, target: str) -> None:
        team = call.group.partition("/")[0]
        number = _split(agent)[1] if agent else ""
        self._legs[call.agent_leg_call_id] = call.offer_started_ms
        values = {
            "call_id": call.call_id,
            "leg_call_id": call.agent_leg_call_id,
            "team": team,
            "agent": number,
            "target": target,
            "started_at": _at(call.offer_started_ms),
        }
        self._put(lambda c: c.execute(insert(CallLegRecord.__table__).values(**values)))

    def offer_missed(self, call: QueueCall, agent: str, reason: str, leg_call_id: str = "") -> None:
        self._leg_end(call, reason, leg_call_id)

    def agent_event(self, event: dict[str, Any]) -> None:
        self._put(lambda c: store_agent_event(c, event))

    # --- internals ----------------------------------------------------------------------

    def _leg_end(self, call: QueueCall, outcome: str, leg_call_id: str = "") -> None:
        leg = leg_call_id or call.agent_leg_call_id
        started = self._legs.pop(leg, None)
        if started is None:
            return
        now = int(time.time() * 1000)
        values = {"ended_at": _at(now), "ring_ms": max(0, now - started), "outcome": outcome}
        table = CallLegRecord.__table__
        self._put(
            lambda c: c.execute(update(table).where(table.c.leg_call_id == leg).values(**values))
        )

    @staticmethod
    def _update_call(conn: Connection, call_id: str, values: dict[str, Any]) -> None:
        table = CallRecord.__table__
        conn.execute(update(table).where(table.c.call_id == call_id).values(**values))

    def _put(self, write: Callable[[Connection], None]) -> None:
        try:
            self._queue.put_nowait(write)
        except queue.Full:
            log.error("record queue full: a record was dropped")

    def _drain(self) -> list[Callable[[Connection], None]]:
        """What else is queued right now (up to ``BATCH``), without waiting."""
        writes: list[Callable[[Connection], None]] = []
        while len(writes) < BATCH - 1:
            try:
                writes.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return writes

    def _write(self, writes: list[Callable[[Connection], None]]) -> None:
        """One transaction for what was queued; if it fails, each write on its own (a
        bad record loses only itself, as with one transaction per record)."""
        try:
            with self.engine.begin() as conn:
                for write in writes:
                    write(conn)
            return
        except Exception:
            if len(writes) == 1:
                raise
        for write in writes:
            try:
                with self.engine.begin() as conn:
                    write(conn)
            except Exception:
                log.exception("writing a record failed")

    def _run(self) -> None:
        next_check = 0.0
        while True:
            try:
                write = self._queue.get(timeout=0.5)
            except queue.Empty:
                write = None
            try:
                if write is not None:
                    self._write([write, *self._drain()])
                if self.heartbeat is not None and time.monotonic() >= next_check:
                    next_check = time.monotonic() + ORPHAN_CHECK_S
                    self.heartbeat.set(KEYS.node(self.node), "1", px=self.heartbeat_ms)
                    close_orphans(self.engine, self.heartbeat)
            except Exception:
                log.exception("writing a record failed")


def close_orphans(engine: Engine, client: redis.Redis) -> int:
    """Close the records of calls whose call-control process stopped heart-beating."""
    table = CallRecord.__table__
    with engine.begin() as conn:
        open_rows = conn.execute(
            select(table.c.call_id, table.c.node, table.c.started_at, table.c.answered_at).where(
                table.c.outcome == "in_progress"
            )
        ).all()
        closed = 0
        alive: dict[str, bool] = {}
        now = datetime.now(UTC)
        for call_id, node, started_at, answered_at in open_rows:
            if node not in alive:
                alive[node] = bool(client.exists(KEYS.node(node)))
            if alive[node]:
                continue
            answered = answered_at is not None
            conn.execute(
                update(table)
                .where(table.c.call_id == call_id)
                .values(
                    ended_at=now,
                    outcome="answered" if answered else "failed",
                    end_reason="call_control_lost",
                )
            )
            closed += 1
        closed += _fail_orphan_recordings(conn, client, alive, now)
    return closed


def _fail_orphan_recordings(
    conn: Connection, client: redis.Redis, alive: dict[str, bool], now: datetime
) -> int:
    """A dead node's recordings never get their WAV: ``failed`` (its pcaps stay on disk)."""
    table = Recording.__table__
    rows = conn.execute(select(table.c.id, table.c.node).where(table.c.state == "recording")).all()
    failed = 0
    for rid, node in rows:
        if node not in alive:
            alive[node] = bool(client.exists(KEYS.node(node)))
        if not alive[node]:
            conn.execute(
                update(table).where(table.c.id == rid).values(state="failed", ended_at=now)
            )
            failed += 1
    return failed
