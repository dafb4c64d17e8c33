"""A small center in Redis for the claim tests, and the clock they share with workers."""

from __future__ import annotations

import time

from routing.acd.machine import Accepted, Command
from routing.acd.model import AcwMode, AgentConfig, GroupConfig, Membership, Strategy, WaitingCall
from routing.acd.redis_store import RedisAcd


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def set_up(
    acd: RedisAcd, agents: int, calls: int, *, acw_mode: AcwMode = AcwMode.DISABLED,
    acw_seconds: int = 0, strategy: Strategy = Strategy.LONGEST_IDLE,
) -> tuple[list[str], list[str]]:  # fmt: skip
    """Group ``sales``; agents signed in and registered; calls waiting. Returns the ids."""
    acd.configure_group(GroupConfig("sales", strategy, acw_mode, acw_seconds))
    agent_ids = [f"agent-{n:03d}" for n in range(agents)]
    for position, agent_id in enumerate(agent_ids):
        acd.configure_agent(
            AgentConfig(agent_id, memberships=(Membership("sales", position=position),))
        )
        for command in (Command("sign_in"), Command("registration", registered=True)):
            assert isinstance(acd.apply(agent_id, command, now_ms()), Accepted)
    call_ids = [f"call-{n:03d}" for n in range(calls)]
    for call_id in call_ids:
        acd.enqueue_call(WaitingCall(call_id, "sales", enqueued_ms=now_ms()))
    return agent_ids, call_ids
