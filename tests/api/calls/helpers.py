"""A fake call-control node and call views, for the tests of the live-call routes.

The node is a thread on the real channel (``calls.channel``) over a real Redis: it takes
its own commands and any node's, records them and answers them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import redis

from calls.channel import CallChannel, Command, Reply
from routing.acd import machine, sqlstore
from routing.acd.keys import Keys
from routing.acd.states import AgentStates, now_ms
from store import provisioning as p
from tests.api.conftest import Api

Answer = Callable[[CallChannel, Command], Reply]
CUSTOMER = "+15557770000"


def view(call: str, agent: str = "demo/1001", node: str = "cc-1", **changes: Any) -> dict[str, Any]:
    return {
        "id": call,
        "team": agent.partition("/")[0],
        "agent": agent,
        "node": node,
        "kind": "click_to_dial",
        "state": "connected",
        "started_ms": 1000,
        "recording": "",
        "parties": [party("customer", CUSTOMER), party("agent", "demo-5001")],
    } | changes


def party(role: str, target: str) -> dict[str, Any]:
    return {"id": role, "role": role, "target": target, "state": "up", "held": False,
            "in_room": False, "muted": False, "end_reason": ""}  # fmt: skip


def publish(client: redis.Redis, *views: dict[str, Any]) -> None:
    """Views of live calls, from nodes that beat (the API hides a dead node's calls)."""
    for one in views:
        client.set(Keys().node(str(one["node"])), "1", px=60_000)
        CallChannel(client).publish(one, [one["agent"]], [])


def follow_the_command(channel: CallChannel, command: Command) -> Reply:
    """What call control would answer when it accepts: the call's view after the command."""
    if command.op == "dial":
        made = view("c-new", command.agent, state="dialing")
        publish(channel.client, made)
        return Reply(True, call=made)
    state = {"hold": "held", "resume": "connected", "transfer": "transferring"}
    current = channel.view(command.call) or {}
    after = current | {"state": state.get(command.op, current.get("state"))}
    channel.publish(after, [command.agent], [])
    return Reply(True, call=after)


def refuse(status: int, error_id: str, message: str) -> Answer:
    return lambda channel, command: Reply(False, status, error_id, message)


class FakeNode:
    """A call-control node: takes its own commands and any node's, records and answers them."""

    def __init__(self, client: redis.Redis, node: str, answer: Answer) -> None:
        self.channel, self.node, self.answer = CallChannel(client), node, answer
        self.received: list[Command] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            command = self.channel.take(self.node, timeout_s=0.05)
            if command is not None:
                self.received.append(command)
                self.channel.reply(command, self.answer(self.channel, command))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


NodeFactory = Callable[..., FakeNode]


def nothing_sent(client: redis.Redis, *nodes: FakeNode) -> bool:
    time.sleep(0.1)  # a command sent would have been taken by now
    keys = Keys()
    queued = sum(client.llen(keys.call_inbox(n)) for n in ("", "cc-1", "cc-2"))
    return queued == 0 and not any(node.received for node in nodes)


def configure_acd(api: Api, client: redis.Redis) -> None:
    """Publish the store's agents to the ACD, as call control does (new ones in their
    initial state: demo's fixed agents idle, a dynamic agent signed out)."""
    with api.sessions() as session, session.begin():
        AgentStates(client, 5000).configure(sqlstore.read_config(session.connection()))


def select_way(client: redis.Redis, agent: str, way: str = "dial_out") -> None:
    """The agent (working both ways, or self-selecting) selects ``way``, as call control
    applies it."""
    selected = AgentStates(client, 5000).acd.apply(
        agent, machine.Command("select_way", way=way), now_ms()
    )
    assert isinstance(selected, machine.Accepted), selected


def set_working_way(api: Api, number: str, way: str) -> None:
    with api.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        p.update_agent(session, team, p.get_agent(session, team, number), {"working_way": way})
