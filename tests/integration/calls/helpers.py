"""Commands to call control as the API sends them (``calls.channel``), and agents' ways."""

from __future__ import annotations

import json
from typing import Any

from calls.channel import CallChannel, Command, Reply
from tests.integration.queue.helpers import KEYS, agent_live, redis_client
from tests.support.stack import Stack
from tests.support.waiting import wait_until

TONES = {"customer": 400.0, "agent": 1100.0, "target": 1500.0}


def channel(stack: Stack) -> CallChannel:
    return CallChannel(redis_client(stack))


def command(stack: Stack, op: str, agent: str, call: str = "", **args: Any) -> Reply:
    """Send ``op`` to the node holding ``call`` (any node for a new call), as the API does."""
    chan = channel(stack)
    view = chan.view(call) if call else None
    node = str(view["node"]) if view else ""
    return chan.request(Command(op, agent, call, args), node=node, timeout_s=10)


def wait_phone_registered(stack: Stack, agent: str) -> None:
    """Until the edge reported the agent's phone (registered by the test) as registered
    (the demo's agents work both ways: they may dial once signed in and registered)."""
    wait_until(lambda: agent_live(stack, agent).registered, what=f"{agent}'s phone registered")


def party(view: dict[str, Any], party_id: str) -> dict[str, Any]:
    return next(p for p in view["parties"] if p["id"] == party_id)


def call_events(stack: Stack, call_id: str) -> list[str]:
    """The in-call events of ``call_id`` on the ACD's stream, in order."""
    entries = redis_client(stack).xrange(KEYS.events)
    events = [json.loads(fields["event"]) for _, fields in entries]
    return [e["event"] for e in events if e.get("type") == "call" and e["call"] == call_id]
