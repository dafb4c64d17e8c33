"""Commands from the API to call control, and call views back, over Redis.

Call control holds each live call in one node's memory (its SIP legs live there). The API
pushes a command onto that node's inbox list (a new call: the shared inbox, any node takes
it) and waits on a reply list of its own; the node runs the command in its reactor and
pushes the reply. Each live call's view is a JSON string in Redis (with its node), and each
agent's calls a set, so the API lists calls without asking call control.

A command: ``{"id", "op", "agent", "call", "args"}``; a reply: ``{"ok", "status",
"error_id", "message", "call"}`` (``call`` is the call's view after the command).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from routing.acd.keys import Keys

REPLY_TTL_S = 30  # a reply nobody popped (the API gave up) expires
VIEW_TTL_S = 6 * 3600  # a view left by a node that died expires (its calls ended with it)


@dataclass(frozen=True)
class Command:
    op: str  # dial | hold | resume | hangup | hangup_party | transfer | ...
    agent: str  # the agent id ("team/number") the command is made for
    call: str = ""  # the call's id ("" for dial)
    args: dict[str, Any] = field(default_factory=dict)
    id: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "op": self.op,
                "agent": self.agent,
                "call": self.call,
                "args": self.args,
            }
        )

    @staticmethod
    def from_json(text: str | bytes) -> Command:
        data = json.loads(text)
        return Command(
            op=str(data["op"]),
            agent=str(data["agent"]),
            call=str(data.get("call", "")),
            args=dict(data.get("args") or {}),
            id=str(data["id"]),
        )


@dataclass(frozen=True)
class Reply:
    ok: bool
    status: int = 200
    error_id: str = ""
    message: str = ""
    call: dict[str, Any] | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "ok": self.ok,
                "status": self.status,
                "error_id": self.error_id,
                "message": self.message,
                "call": self.call,
            }
        )

    @staticmethod
    def from_json(text: str | bytes) -> Reply:
        data = json.loads(text)
        return Reply(
            ok=bool(data["ok"]),
            status=int(data.get("status", 200)),
            error_id=str(data.get("error_id", "")),
            message=str(data.get("message", "")),
            call=data.get("call"),
        )


NOT_ANSWERED = Reply(False, 503, "call_control_unavailable", "call control did not answer")


class CallChannel:
    """Both ends of the channel over one Redis client (``redis.Redis``)."""

    def __init__(self, client: Any, keys: Keys | None = None) -> None:
        self.client, self.keys = client, keys or Keys()

    # --- the API's end -------------------------------------------------------------------

    def request(self, command: Command, node: str = "", timeout_s: float = 10.0) -> Reply:
        """Send ``command`` to ``node`` (or any node) and wait for its reply."""
        request_id = command.id or uuid.uuid4().hex
        sent = Command(command.op, command.agent, command.call, command.args, request_id)
        self.client.rpush(self.keys.call_inbox(node), sent.to_json())
        popped = self.client.blpop([self.keys.call_reply(request_id)], timeout=timeout_s)
        if popped is None:
            return NOT_ANSWERED
        return Reply.from_json(popped[1])

    def view(self, call_id: str) -> dict[str, Any] | None:
        raw = self.client.get(self.keys.call_view(call_id))
        if raw is None:
            return None
        view = dict(json.loads(raw))
        return view if self._alive([view]) == [view] else None

    def agent_views(self, agent_id: str) -> list[dict[str, Any]]:
        ids = sorted(self.client.smembers(self.keys.agent_calls(agent_id)))
        if not ids:
            return []
        raws = self.client.mget([self.keys.call_view(_text(i)) for i in ids])
        views = self._alive([dict(json.loads(r)) for r in raws if r is not None])
        return sorted(views, key=lambda v: int(v.get("started_ms", 0)))

    def _alive(self, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The views whose node still beats: a node that died took its calls with it (its
        views are removed here, and from every agent's set)."""
        live = [v for v in views if v.get("state") == "finished"]
        running = [v for v in views if v.get("state") != "finished"]
        if not running:
            return live
        beats = self.client.mget([self.keys.node(str(v.get("node", ""))) for v in running])
        for view, beat in zip(running, beats, strict=True):
            if beat is not None:
                live.append(view)
            else:
                self.withdraw(str(view["id"]), [str(view.get("agent", ""))])
        return live

    # --- call control's end --------------------------------------------------------------

    def take(self, node: str, timeout_s: float = 1.0) -> Command | None:
        """The next command for ``node``'s calls or for any node (blocking)."""
        popped = self.client.blpop(
            [self.keys.call_inbox(node), self.keys.call_inbox()], timeout=timeout_s
        )
        return None if popped is None else Command.from_json(popped[1])

    def reply(self, command: Command, reply: Reply) -> None:
        key = self.keys.call_reply(command.id)
        pipe = self.client.pipeline()
        pipe.rpush(key, reply.to_json())
        pipe.expire(key, REPLY_TTL_S)
        pipe.execute()

    def publish(
        self, view: dict[str, Any], agents: list[str], gone: list[str], ttl_s: int = VIEW_TTL_S
    ) -> None:
        """Store a call's view for the API; ``agents``: those in it, ``gone``: agents no
        longer in it (an ended call's last view stays ``ttl_s`` for its outcome)."""
        call_id = str(view["id"])
        pipe = self.client.pipeline()
        pipe.set(self.keys.call_view(call_id), json.dumps(view), ex=ttl_s)
        for agent in agents:
            pipe.sadd(self.keys.agent_calls(agent), call_id)
        for agent in gone:
            pipe.srem(self.keys.agent_calls(agent), call_id)
        pipe.execute()

    def withdraw(self, call_id: str, agents: list[str]) -> None:
        """The call ended: its view and its place in every agent's set go."""
        pipe = self.client.pipeline()
        pipe.delete(self.keys.call_view(call_id))
        for agent in agents:
            pipe.srem(self.keys.agent_calls(agent), call_id)
        pipe.execute()


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
