"""Exactly-once claims with many OS processes racing against one real Redis, and leases
that return the agent of a process that died holding a claim."""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.synchronize
import os
import signal
from collections.abc import Callable, Iterator

import pytest
import redis

from routing.acd.events import AgentStateChanged, from_wire
from routing.acd.model import State
from routing.acd.redis_store import Claim, RedisAcd
from tests.support.waiting import wait_until

from . import workers
from .center import now_ms, set_up
from .conftest import RedisServer

# 'spawn': each worker is a fresh interpreter (this venv's python), like separate nodes.
CONTEXT = multiprocessing.get_context("spawn")
WORKERS = 6


@pytest.fixture
def processes() -> Iterator[Callable[..., multiprocessing.process.BaseProcess]]:
    started: list[multiprocessing.process.BaseProcess] = []

    def start(target: Callable[..., None], *args: object) -> multiprocessing.process.BaseProcess:
        process = CONTEXT.Process(target=target, args=args, daemon=True)
        process.start()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.is_alive():
            process.kill()
        process.join(timeout=10)


def _start_together(client: redis.Redis, start: multiprocessing.synchronize.Event) -> None:
    def all_ready() -> bool:
        return int(client.get("test:ready") or 0) == WORKERS

    wait_until(all_ready, timeout=60, what="every worker is ready")
    start.set()


def _join_all(started: list[multiprocessing.process.BaseProcess]) -> None:
    for process in started:
        process.join(timeout=60)
        assert process.exitcode == 0, f"worker {process.name} exited with {process.exitcode}"


def test_racing_processes_never_assign_an_agent_or_a_call_twice(
    redis_server: RedisServer,
    client: redis.Redis,
    processes: Callable[..., multiprocessing.process.BaseProcess],
) -> None:
    acd = RedisAcd(client)
    agent_ids, call_ids = set_up(acd, agents=30, calls=45)
    start = CONTEXT.Event()
    started = [
        processes(workers.claim_every_call, redis_server.port, call_ids, start, n)
        for n in range(WORKERS)
    ]
    _start_together(client, start)
    _join_all(started)

    claims = [raw.decode().split() for raw in client.lrange("test:claims", 0, -1)]
    calls = [call for _worker, call, _agent in claims]
    agents = [agent for _worker, _call, agent in claims]
    assert len(set(calls)) == len(calls), "a call was assigned twice"
    assert len(set(agents)) == len(agents), "an agent was assigned twice"
    assert len(claims) == len(agent_ids), "every agent should have been claimed once"
    assert len({worker for worker, _c, _a in claims}) > 1, "no race happened"
    for _worker, call, agent in claims:
        live = acd.live(agent)
        assert live is not None and (live.state, live.call_id) == (State.OFFERED, call)


def test_claims_and_releases_under_churn_never_overlap(
    redis_server: RedisServer,
    client: redis.Redis,
    processes: Callable[..., multiprocessing.process.BaseProcess],
) -> None:
    acd = RedisAcd(client)
    _agents, call_ids = set_up(acd, agents=5, calls=8)
    start = CONTEXT.Event()
    started = [
        processes(workers.churn, redis_server.port, call_ids, start, n, 2.0) for n in range(WORKERS)
    ]
    _start_together(client, start)
    _join_all(started)

    # Replay the stream, in Redis's order: at no moment may an agent hold two offers or a
    # call be offered to two agents.
    holder_of_call: dict[str, str] = {}
    offered: int = 0
    for _id, fields in client.xrange("acd:events"):
        event = from_wire(json.loads(fields[b"event"]))
        if not isinstance(event, AgentStateChanged):
            continue
        if event.from_state == State.OFFERED:
            assert holder_of_call.pop(event.call_id) == event.agent_id
        if event.to_state == State.OFFERED:
            assert event.from_state == State.IDLE, event
            assert event.call_id not in holder_of_call, f"{event.call_id} offered twice"
            holder_of_call[event.call_id] = event.agent_id
            offered += 1
    assert offered == int(client.get("test:claims") or 0) > WORKERS, "too little contention"
    assert holder_of_call == {}


def test_an_agent_held_by_a_dead_process_returns_to_idle_after_the_lease(
    redis_server: RedisServer,
    client: redis.Redis,
    processes: Callable[..., multiprocessing.process.BaseProcess],
) -> None:
    acd = RedisAcd(client)
    (agent,), (call,) = set_up(acd, agents=1, calls=1)
    claimed = CONTEXT.Event()
    holder = processes(workers.hold_a_claim, redis_server.port, agent, call, 1_500, claimed)
    assert claimed.wait(timeout=30), "the holder never claimed"
    live = acd.live(agent)
    assert live is not None and live.state == State.OFFERED
    assert holder.pid is not None
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(timeout=10)

    def returned() -> bool:
        acd.reap(now_ms())
        current = acd.live(agent)
        return current is not None and current.state == State.IDLE

    wait_until(returned, timeout=10, what="the agent returned to idle after the lease")
    last = from_wire(json.loads(client.xrevrange("acd:events", count=1)[0][1][b"event"]))
    assert isinstance(last, AgentStateChanged) and last.reason == "lease_expired"
    assert isinstance(acd.claim(agent, call, "sales", now_ms()), Claim)
