"""What the concurrent test processes run: call-control-like loops against the same Redis.

Each has its own selector kept current from the stream, and claims through the Lua script;
results go back through Redis lists so the parent can check them.
"""

from __future__ import annotations

import random
import time
from multiprocessing.synchronize import Event

import redis

from routing.acd import build_selector
from routing.acd.assign import assign
from routing.acd.machine import Accepted
from routing.acd.redis_store import Claim, RedisAcd

from .center import now_ms


def ready_then_wait(acd: RedisAcd, start: Event) -> None:
    """Count this worker in, then wait for the parent's go: all race from the same moment."""
    acd.client.incr("test:ready")
    start.wait()


def claim_every_call(port: int, call_ids: list[str], start: Event, worker: int) -> None:
    """Try to get an agent for every call, in a random order, as fast as possible."""
    acd = RedisAcd(redis.Redis(port=port))
    selector = build_selector()
    last_id = acd.bootstrap(selector)
    rng = random.Random(worker)
    order = list(call_ids)
    rng.shuffle(order)
    ready_then_wait(acd, start)
    for call_id in order:
        last_id = acd.follow(selector, last_id)
        outcome = assign(selector, acd, call_id, "sales", now_ms(), rng.getrandbits(64))
        if isinstance(outcome, Claim):
            acd.client.rpush("test:claims", f"{worker} {outcome.call_id} {outcome.agent_id}")


def churn(port: int, call_ids: list[str], start: Event, worker: int, seconds: float) -> None:
    """Claim and release again and again, so that agents and calls change hands."""
    acd = RedisAcd(redis.Redis(port=port))
    selector = build_selector()
    last_id = acd.bootstrap(selector)
    rng = random.Random(worker)
    ready_then_wait(acd, start)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        last_id = acd.follow(selector, last_id)
        call_id = rng.choice(call_ids)
        outcome = assign(selector, acd, call_id, "sales", now_ms(), rng.getrandbits(64))
        if isinstance(outcome, Claim):
            acd.client.incr("test:claims")
            released = acd.release(outcome, now_ms())
            assert isinstance(released, Accepted), released


def hold_a_claim(port: int, agent_id: str, call_id: str, lease_ms: int, claimed: Event) -> None:
    """Claim, say so, then hang as a wedged process would until killed."""
    acd = RedisAcd(redis.Redis(port=port))
    outcome = acd.claim(agent_id, call_id, "sales", now_ms(), lease_ms=lease_ms)
    assert isinstance(outcome, Claim), outcome
    claimed.set()
    while True:
        time.sleep(3600)
