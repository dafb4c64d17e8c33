"""Ring all as a true fork: a waiting call rings every eligible free agent at once.

Each agent is claimed through the ACD with a *non-exclusive* claim (``RedisAcd.claim(...,
exclusive=False)``): the agent is offered just this call, while the call may be offered to
several agents. The first agent to answer takes the call -- its answer commits the call
claim, so a second answer (here or in another process) is refused -- and is bridged; the
others are CANCELled and released with ``ring_end("answered_elsewhere")``: their offer
ended because a colleague took the call, which the leg records say (outcome
``answered_elsewhere``) so reports do not count it as a missed call. The state machine
treats it like any offer that rang (after-ring ACW applies: the phone did ring). If
nobody answers within the ring timeout, every leg is cancelled, every agent released
(``no_answer``) and the call waits again.
"""

from __future__ import annotations

import logging
import random
from typing import Protocol

from callcontrol import queue as q
from callcontrol.active import Active
from callcontrol.records import Records
from callcontrol.sip import OutboundLeg, SipStack
from routing.acd import machine
from routing.acd.config import AcdConfig, QueueSettings
from routing.acd.selector import Selector
from routing.acd.states import AgentStates, Changed, now_ms


class ForkHost(Protocol):
    """What ring all needs of the service that owns the call (``QueueService``)."""

    sip: SipStack
    states: AgentStates
    selector: Selector
    records: Records
    config: AcdConfig

    def observe(self, changed: Changed) -> None: ...
    def agent_command(self, agent: str, command: machine.Command) -> None: ...
    def agent_answered(self, active: Active, leg: OutboundLeg, sdp: str) -> None: ...
    def agent_hung_up(self, active: Active, leg: OutboundLeg) -> None: ...
    def cancel_ring_timer(self, active: Active) -> None: ...
    def advance(self, active: Active) -> None: ...


log = logging.getLogger(__name__)

ANSWERED_ELSEWHERE = "answered_elsewhere"


class RingAll:
    """The fork's steps, for ``QueueService`` (which owns the call and its media)."""

    def __init__(self, service: ForkHost) -> None:
        self.service = service

    def offer(self, active: Active, queue: QueueSettings, at: int, limit: int) -> None:
        s, call = self.service, active.call
        candidates = s.selector.select(call.call_id, at, random.getrandbits(63), limit)
        claimed: list[tuple[str, str]] = []
        for agent in q.choose(candidates, call, at):
            extension = s.states.extension(s.config, agent)
            if not extension:
                continue
            command = machine.Command("offer", call_id=call.call_id, group=call.group)
            result = s.states.apply(s.config, agent, command, at, exclusive=False)
            if isinstance(result, Changed):
                s.observe(result)
                s.records.agent_event(result.event)
                claimed.append((agent, extension))
        if not claimed:
            return
        q.fork_started(call, len(claimed), at)
        for agent, extension in claimed:
            self._dial(active, agent, extension)
        active.ring_timer = s.sip.call_later(queue.ring_timeout_s, lambda: self._timeout(active))
        log.info("call %s rings %s at once", call.call_id, ", ".join(a for a, _ in claimed))

    def _dial(self, active: Active, agent: str, extension: str) -> None:
        s, call = self.service, active.call
        leg = OutboundLeg()
        leg.on_answer = lambda sdp: self._answered(active, agent, leg, sdp)
        leg.on_fail = lambda code, _reason: self._failed(active, agent, leg, code)
        leg.on_end = lambda: s.agent_hung_up(active, leg)
        s.sip.dial(extension, active.media.agent_offer, leg, caller=call.caller)
        active.fork[leg.call_id] = (agent, leg)
        call.agent_leg_call_id = leg.call_id  # the records key each leg by its Call-ID
        s.records.offer_started(call, agent, extension)
        call.agent_leg_call_id = ""

    def _answered(self, active: Active, agent: str, leg: OutboundLeg, sdp: str) -> None:
        s, call = self.service, active.call
        if active.fork.pop(leg.call_id, None) is None or call.state != q.OFFERING:
            leg.hangup()  # too late (its 200 crossed our CANCEL): already released
            return
        q.fork_won(call, agent, leg.call_id)
        active.agent_leg = leg
        self.cancel_all(active, ANSWERED_ELSEWHERE)
        s.agent_answered(active, leg, sdp)

    def _failed(self, active: Active, agent: str, leg: OutboundLeg, code: int) -> None:
        if active.fork.pop(leg.call_id, None) is None:
            return
        reason = q.ring_end_reason(code)
        log.info("call %s: %s did not take it (%s %s)", active.call.call_id, agent, code, reason)
        active.call.failed_offers[agent] = now_ms()  # not rung again at once
        self._release(active, agent, leg.call_id, reason)
        if not active.fork and active.call.state == q.OFFERING:
            self._nobody(active, [agent])

    def _timeout(self, active: Active) -> None:
        active.ring_timer = None
        if active.call.state != q.OFFERING or not active.fork:
            return
        agents = [agent for agent, _ in active.fork.values()]
        self.cancel_all(active, "no_answer")
        self._nobody(active, agents)

    def _nobody(self, active: Active, agents: list[str]) -> None:
        s = self.service
        s.cancel_ring_timer(active)
        q.fork_lost(active.call, agents, now_ms())
        s.advance(active)

    def cancel_all(self, active: Active, reason: str) -> None:
        """CANCEL every leg still ringing and release its agent (the caller left, a
        colleague answered, or the ring timeout passed)."""
        fork, active.fork = active.fork, {}
        for leg_call_id, (agent, leg) in fork.items():
            leg.hangup()
            self._release(active, agent, leg_call_id, reason)

    def _release(self, active: Active, agent: str, leg_call_id: str, reason: str) -> None:
        s, call = self.service, active.call
        s.agent_command(agent, machine.Command("ring_end", call_id=call.call_id, reason=reason))
        s.records.offer_missed(call, agent, reason, leg_call_id)
