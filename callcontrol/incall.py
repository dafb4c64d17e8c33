"""Calls in progress on the call model: carries out ``calls.decide``'s actions with sippy
legs and rtpengine, and serves the API's commands (``calls.channel``).

Click-to-dial calls live here from their start; a queue call is handed over (``adopt``)
once its agent answered, with hooks back to the queue service for what the ACD and the
records need when the agent leaves and when the call ends. Everything runs in the SIP
reactor thread; commands arrive from ``CommandInbox``'s thread through ``call_soon``.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from callcontrol.callmedia import CallMedia
from callcontrol.media import FIRST_STREAM_S, CallerMedia
from callcontrol.recorder import Recorder
from callcontrol.rooms import Rooms
from callcontrol.sip import InboundLeg, OutboundLeg, SipStack
from calls import decide as d
from calls import model as m
from calls import targets
from calls.channel import CallChannel, Command, Reply
from conference.protocol import JanusError
from routing.acd import machine
from routing.acd.config import AcdConfig
from routing.acd.states import AgentStates, Changed, now_ms
from rtpengine import RtpengineError

log = logging.getLogger(__name__)

AUTO_ANSWER = {
    "Call-Info": "<sip:switchboard.invalid>;answer-after=0",
    "Alert-Info": "<http://switchboard.invalid/auto-answer>;info=alert-autoanswer",
}
RING_S = 30  # a dialled party that neither answers nor fails by then is cancelled
FINAL_VIEW_TTL_S = 300  # an ended call's view stays readable this long (its outcome)
# What the ACD refusing an agent's outbound call means for the API.
OUTBOUND_REFUSALS = {
    "dial_in_only": (403, "outbound_not_allowed", "the agent's working way is dial-in only"),
    "not_idle": (409, "agent_busy", "the agent is not idle"),
    "unregistered": (409, "phone_unregistered", "the agent's phone is not registered"),
    "signed_out": (409, "not_signed_in", "the agent is signed out"),
}


@dataclass
class Hooks:
    """What a queue call's service does when the call model frees the agent or ends it."""

    agent_left: Callable[[str], None] = lambda _reason: None
    finished: Callable[[str], None] = lambda _outcome: None
    requeue: Callable[[str], None] | None = None  # the customer back into a group's queue
    agent_command: bool = True  # free the agent through the ACD here (not for queue calls)


@dataclass
class Live:
    call: m.Call
    media: CallerMedia
    legs: dict[str, InboundLeg | OutboundLeg] = field(default_factory=dict)
    sdp: dict[str, str] = field(default_factory=dict)  # party -> the SDP its leg answered with
    hooks: Hooks = field(default_factory=Hooks)
    ring_timers: dict[str, Any] = field(default_factory=dict)
    # Until then the agent's phone hears its first stream (the ringback) before another
    # replaces it: bridging waits (``callcontrol.media.FIRST_STREAM_S``).
    first_stream_until: float = 0.0
    dialled_into_room: set[str] = field(default_factory=set)
    customer_heard: bool = False  # a dialled customer's first stream has started
    group: str = ""  # a queue call's agent group (its name in the team), for its records


class InCallService:
    def __init__(
        self,
        sip: SipStack,
        media: CallMedia,
        states: AgentStates,
        config: Callable[[], AcdConfig],
        channel: CallChannel,
        node: str,
        on_agent_change: Callable[[Changed], None],
        rooms: Rooms,
        recorder: Recorder | None = None,
    ) -> None:
        self.sip, self.media, self.states, self.config = sip, media, states, config
        self.rooms, self.recorder = rooms, recorder
        self.channel, self.node, self.on_agent_change = channel, node, on_agent_change
        self.calls: dict[str, Live] = {}

    # --- commands from the API ------------------------------------------------------------

    def on_command(self, command: Command) -> None:
        try:
            reply = self._command(command)
        except Exception:
            log.exception("command %s on %s failed", command.op, command.call)
            reply = Reply(False, 500, "internal_error", "call control failed on the command")
        self.channel.reply(command, reply)

    def _command(self, command: Command) -> Reply:
        if command.op == "dial":
            return self._click_to_dial(command)
        live = self.calls.get(command.call)
        if live is None or live.call.agent != command.agent:
            return Reply(False, 404, "call_not_found", f"no call {command.call} of this agent")
        try:
            event = _command_event(command)
        except (targets.InvalidTarget, KeyError) as exc:
            return Reply(False, 422, "invalid_target", str(exc))
        if event is None:
            return Reply(False, 400, "unknown_operation", f"unknown operation {command.op!r}")
        if isinstance(event, d.Transfer) and event.target and event.target.kind == targets.GROUP:
            group = f"{live.call.team}/{event.target.ref}"
            if group not in self.config().queues:
                return Reply(False, 422, "unknown_group", f"no agent group {event.target.ref}")
        result = d.decide(live.call, event)
        if isinstance(result, d.Refused):
            return Reply(False, result.status, result.error_id, result.message, self._view(live))
        self._apply(live, result)
        return Reply(True, 200, call=self._view(live))

    def _click_to_dial(self, command: Command) -> Reply:
        config = self.config()
        agent = command.agent
        try:
            to = targets.parse(str(command.args.get("to", "")))
        except targets.InvalidTarget as exc:
            return Reply(False, 422, "invalid_target", str(exc))
        phone = self.states.extension(config, agent)
        if agent not in config.agents:
            return Reply(False, 404, "agent_not_found", f"no agent {agent}")
        if not phone:
            return Reply(False, 409, "no_phone", "the agent is at no phone: sign in first")
        call_id = f"c2d-{uuid.uuid4().hex[:16]}"
        team = agent.split("/", 1)[0]
        phone_target = targets.Target(targets.EXTENSION, phone.split("-", 1)[-1])
        start = d.click_to_dial(call_id, team, agent, phone_target, to, now_ms())
        if isinstance(start, d.Refused):
            return Reply(False, start.status, start.error_id, start.message)
        result = self.states.apply(
            config, agent, machine.Command("outbound_start", call_id=call_id)
        )
        if not isinstance(result, Changed):
            status, error_id, message = OUTBOUND_REFUSALS.get(
                result.code, (409, result.code, f"refused: {result.code}")
            )
            return Reply(False, status, error_id, message)
        self.on_agent_change(result)
        try:
            media = self.media.open(call_id)
        except RtpengineError as exc:
            log.error("media for click-to-dial %s failed: %s", call_id, exc)
            self._free_agent(agent, call_id)
            return Reply(False, 503, "media_unavailable", "rtpengine refused the call")
        live = Live(start.call, media)
        self.calls[call_id] = live
        log.info("click-to-dial %s: %s calls %s from %s", call_id, agent, to, phone)
        self._apply(live, start)
        return Reply(True, 201, call=self._view(live))

    # --- queue calls ------------------------------------------------------------------------

    def adopt(
        self,
        call_id: str,
        agent: str,
        caller: InboundLeg,
        agent_leg: OutboundLeg,
        media: CallerMedia,
        phone: str,
        hooks: Hooks,
        group: str = "",
        record: bool = False,
    ) -> None:
        """A queue call whose agent answered: from now on the call model runs it;
        ``record``: the group records every call from its answer on."""
        team = agent.split("/", 1)[0] if agent else ""
        call = d.queue_call(call_id, team, agent, caller.caller, phone, now_ms())
        live = Live(call, media, hooks=hooks, group=group)
        live.legs = {m.CUSTOMER: caller, m.AGENT: agent_leg}
        caller.on_end = lambda _reason: self._event(live, d.Ended(m.CUSTOMER))
        agent_leg.on_end = lambda: self._event(live, d.Ended(m.AGENT))
        agent_leg.on_fail = lambda code, _reason: self._event(live, d.Ended(m.AGENT))
        self._follow_agent_phone(live, agent_leg)
        self.calls[call_id] = live
        if record:
            self._event(live, d.RecordCommand("start"))
        self._publish(live)

    # --- executing -------------------------------------------------------------------------

    def _event(self, live: Live, event: d.Input) -> None:
        result = d.decide(live.call, event)
        if isinstance(result, d.Refused):
            log.info("call %s: %s ignored (%s)", live.call.id, event, result.error_id)
            return
        self._apply(live, result)

    def _apply(self, live: Live, step: d.Step) -> None:
        before = live.call
        live.call = step.call
        self._run(live, list(step.actions))
        if live.call.state != m.FINISHED:
            self._publish(live, gone=[before.agent] if before.agent != live.call.agent else [])

    def _run(self, live: Live, actions: list[d.Action]) -> None:
        for n, action in enumerate(actions):
            wait_s = live.first_stream_until - time.monotonic()
            changes = isinstance(action, (d.Bridge, d.Music)) or action == d.Ringback(
                m.AGENT, False
            )
            if changes and wait_s > 0:  # a phone's first stream runs first (media.py)
                self.sip.call_later(wait_s, functools.partial(self._resume_run, live, actions[n:]))
                return
            try:
                self._do(live, action)
            except (RtpengineError, JanusError, ValueError) as exc:
                log.error("call %s: %s failed: %s", live.call.id, action, exc)

    def _resume_run(self, live: Live, actions: list[d.Action]) -> None:
        if self.calls.get(live.call.id) is live:  # not ended meanwhile
            live.first_stream_until = 0.0
            self._run(live, actions)

    def _do(self, live: Live, action: d.Action) -> None:
        if isinstance(action, d.Dial):
            self._dial(live, action)
        elif isinstance(action, d.HangupLeg):
            self._cancel_ring(live, action.party)
            leg = live.legs.get(action.party)
            if leg is not None:
                leg.hangup()
        elif isinstance(action, d.Bridge):
            party = live.call.party(action.a)
            first = party is not None and party.target is not None and not live.customer_heard
            if party is not None and party.target is not None:  # a customer we dialled
                live.media.caller_sdp = live.sdp[action.a]
            self.media.bridge(live.media, live.sdp[action.b])
            if first:  # the dialled customer's first stream (the agent) starts now
                live.customer_heard = True
                live.first_stream_until = time.monotonic() + FIRST_STREAM_S
        elif isinstance(action, d.Music):
            self.media.music(live.media, action.on)
        elif isinstance(action, d.Ringback):
            self.media.ringback(live.media, action.on)
            if action.on:
                live.first_stream_until = time.monotonic() + FIRST_STREAM_S
        elif isinstance(action, d.AgentLeft):
            live.hooks.agent_left(action.reason)
            if live.hooks.agent_command:
                self._free_agent(action.agent, live.call.id)
        elif isinstance(action, d.Emit):
            self._emit(live, action)
        elif isinstance(action, d.Finish):
            self._finish(live, action.outcome)
        elif isinstance(action, d.JoinRoom):
            self._join_room(live, action.party)
        elif isinstance(action, d.LeaveRoom):
            self.rooms.leave(live.call.id, action.party)
        elif isinstance(action, d.MuteInRoom):
            self.rooms.mute(live.call.id, action.party, action.on)
        elif isinstance(action, d.CloseRoom):
            self.rooms.close(live.call.id)
        elif isinstance(action, d.Requeue):
            if live.hooks.requeue is None:
                log.error("call %s: nothing takes it back into %s", live.call.id, action.group)
                return
            live.hooks.requeue(action.group)
        elif isinstance(action, d.Whisper):
            self.rooms.whisper(live.call.id, action.party, action.on)
        elif isinstance(action, d.Record):
            if self.recorder is None:
                log.error("call %s: no recorder here: %s not done", live.call.id, action)
                return
            call = live.call
            self.recorder.act(call, live.media.call_id, action.op, action.number, live.group)

    def _join_room(self, live: Live, party: str) -> None:
        call_id = live.call.id
        if party == m.CUSTOMER:
            self.rooms.join_customer(call_id, live.media)
            return
        if party in live.dialled_into_room:  # it answered an offer that reaches the room
            self.rooms.leg_answered(call_id, party, live.sdp[party])
            return
        leg = live.legs.get(party)  # on the call already (the agent): re-INVITEd to it
        if not isinstance(leg, OutboundLeg):
            log.error("call %s: %s cannot move into the room", call_id, party)
            return
        offer = self.rooms.leg_offer(call_id, party)

        def moved(sdp: str | None) -> None:
            if sdp is None:
                log.error("call %s: %s's phone refused the re-INVITE into the room", call_id, party)
                return
            live.sdp[party] = sdp
            log.info("call %s: %s's phone moved into the room", call_id, party)
            try:
                self.rooms.leg_answered(call_id, party, sdp)
            except (RtpengineError, JanusError, ValueError) as exc:
                log.error("call %s: %s into the room failed: %s", call_id, party, exc)

        log.info("call %s: re-INVITE %s into the room", call_id, party)
        leg.reinvite(offer, moved)

    def _dial(self, live: Live, action: d.Dial) -> None:
        call, target = live.call, action.target
        if target.kind == targets.AGENT:
            phone = self.states.extension(self.config(), f"{call.team}/{target.ref}")
            if not phone:
                self.sip.call_soon(
                    self._event, live, d.Failed(action.party, 480, "agent at no phone")
                )
                return
            user = phone
        else:
            user = targets.dial_string(call.team, target)
        if action.into_room:
            sdp = self.rooms.leg_offer(call.id, action.party)
            live.dialled_into_room.add(action.party)
        elif action.party == m.CUSTOMER:
            sdp = self.media.b_answered(live.media, live.sdp[m.AGENT])
        else:
            sdp = live.media.agent_offer
        leg = OutboundLeg()
        party = action.party
        leg.on_ringing = lambda: self._event(live, d.Ringing(party))
        leg.on_answer = lambda answer: self._answered(live, party, answer)
        leg.on_fail = lambda code, reason: self._event(live, d.Failed(party, code, reason))
        leg.on_end = lambda: self._event(live, d.Ended(party))
        if party == m.AGENT:
            self._follow_agent_phone(live, leg)
        live.legs[party] = leg
        caller = call.agent.split("/", 1)[-1] if party == m.AGENT else _caller_of(call)
        headers = dict(AUTO_ANSWER) if action.auto_answer else {}
        if action.replaces:
            headers["Replaces"] = action.replaces
        self.sip.dial(user, sdp, leg, caller=caller, headers=headers or None)
        live.call = live.call.with_party(_with_leg(live.call, party, leg.call_id))
        live.ring_timers[party] = self.sip.call_later(
            RING_S, lambda: self._ring_timeout(live, party)
        )

    def _follow_agent_phone(self, live: Live, leg: OutboundLeg) -> None:
        """The agent's phone's own keys: its hold (re-INVITE sendonly/inactive) is the
        call's hold, with music for the customer; its REFER a blind transfer."""
        leg.on_hold = lambda held: self._phone_hold(live, held)
        leg.on_refer = lambda user, replaces: self._phone_refer(live, user, replaces)

    def _phone_hold(self, live: Live, held: bool) -> None:
        if held and live.call.state == m.CONNECTED:
            self._event(live, d.Hold())
        elif not held and live.call.state == m.HELD:
            self._event(live, d.Resume())

    def _phone_refer(self, live: Live, user: str, replaces: str = "") -> None:
        prefix = f"{live.call.team}-"
        try:
            target = targets.parse(user.removeprefix(prefix))
        except targets.InvalidTarget as exc:
            log.warning("call %s: REFER to %r refused: %s", live.call.id, user, exc)
            self._event(live, d.Ended(m.AGENT))  # sippy hung the leg up after the 202
            return
        result = d.decide(live.call, d.Transfer(target, replaces))
        if isinstance(result, d.Refused):
            log.warning("call %s: REFER to %s refused: %s", live.call.id, user, result.message)
            self._event(live, d.Ended(m.AGENT))
            return
        how = f"attended, replacing {replaces}" if replaces else "blind"
        log.info("call %s: the agent's phone transfers to %s (%s)", live.call.id, target, how)
        self._apply(live, result)

    def _answered(self, live: Live, party: str, sdp: str) -> None:
        self._cancel_ring(live, party)
        live.sdp[party] = sdp
        self._event(live, d.Answered(party))

    def _ring_timeout(self, live: Live, party: str) -> None:
        live.ring_timers.pop(party, None)
        leg = live.legs.get(party)
        if leg is not None and not getattr(leg, "answered", True):
            leg.hangup()  # CANCEL; its on_fail (487) is ignored: the party is gone by then
            self._event(live, d.Failed(party, 408, "no answer"))

    def _cancel_ring(self, live: Live, party: str) -> None:
        timer = live.ring_timers.pop(party, None)
        if timer is not None:
            timer.cancel()

    def _free_agent(self, agent: str, call_id: str) -> None:
        result = self.states.apply(
            self.config(), agent, machine.Command("call_end", call_id=call_id)
        )
        if isinstance(result, Changed):
            self.on_agent_change(result)
        else:
            log.warning("agent %s: call_end of %s refused (%s)", agent, call_id, result.code)

    def _finish(self, live: Live, outcome: str) -> None:
        for party in list(live.ring_timers):
            self._cancel_ring(live, party)
        self.calls.pop(live.call.id, None)
        if self.recorder is not None:
            self.recorder.call_finished(live.call.id, live.media.call_id)
        agents = [a for a in {live.call.agent} if a]
        self.channel.publish(live.call.view(self.node), [], agents, ttl_s=FINAL_VIEW_TTL_S)
        if live.call.kind == m.CLICK_TO_DIAL:
            self.media.release(live.media)
        live.hooks.finished(outcome)
        log.info("call %s finished: %s", live.call.id, outcome)

    def _emit(self, live: Live, emit: d.Emit) -> None:
        call = live.call
        log.info("call %s: %s %s %s", call.id, emit.kind, emit.party, emit.detail)
        event = {
            "call": call.id,
            "event": emit.kind,
            "party": emit.party,
            "detail": emit.detail,
            "team": call.team,
            "agent": call.agent,
            "kind": call.kind,
            "state": call.state,
            "at_ms": now_ms(),
        }
        try:
            self.states.acd.call_event(event)
        except Exception:  # Redis away: the call goes on, the event is lost
            log.exception("call %s: event %s not published", call.id, emit.kind)

    def _publish(self, live: Live, gone: list[str] | None = None) -> None:
        agents = [live.call.agent] if live.call.agent else []
        self.channel.publish(self._view(live), agents, gone or [])

    def _view(self, live: Live) -> dict[str, Any]:
        return live.call.view(self.node)


def _command_event(command: Command) -> d.Input | None:
    op, args = command.op, command.args
    if op == "hold":
        return d.Hold()
    if op == "resume":
        return d.Resume()
    if op == "hangup":
        return d.Hangup()
    if op == "hangup_party":
        return d.HangupParty(str(args["party"]))
    if op == "transfer":  # {"to"}: blind; {}: attended (completes the consultation)
        return d.Transfer(targets.parse(str(args["to"])) if args.get("to") else None)
    if op == "consult":
        return d.Consult(targets.parse(str(args["to"])))
    if op == "consult_cancel":
        return d.ConsultCancel()
    if op == "conference":  # {}: the consultee joins; {"to"}: a party is added
        return d.Conference(targets.parse(str(args["to"])) if args.get("to") else None)
    if op in ("mute", "unmute"):
        return d.Mute(str(args["party"]), op == "mute")
    if op == "supervise":  # the supervised agent's call; the supervisor's phone
        return d.Supervise(str(args["mode"]), targets.parse(str(args["phone"])))
    if op == "supervise_mode":
        return d.SuperviseMode(str(args["mode"]))
    if op == "supervise_end":
        return d.SuperviseEnd()
    if op == "record":
        return d.RecordCommand(str(args["action"]))
    return None


def _with_leg(call: m.Call, party_id: str, leg: str) -> m.Party:
    party = call.party(party_id)
    assert party is not None
    return m.Party(
        party.id, party.role, party.target, party.state, leg, party.label, party.end_reason
    )


def _caller_of(call: m.Call) -> str:
    """Who the customer or a transfer target sees calling: the agent's team's line."""
    customer = call.party(m.CUSTOMER)
    if call.kind == m.QUEUE and customer is not None and customer.label:
        return customer.label
    return call.agent.split("/", 1)[-1] if call.agent else "switchboard"


class CommandInbox:
    """A thread that takes this node's commands from Redis and hands them to the reactor."""

    def __init__(
        self, channel: CallChannel, node: str, sip: SipStack, handle: Callable[[Command], None]
    ) -> None:
        self.channel, self.node, self.sip, self.handle = channel, node, sip, handle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="call-commands", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                command = self.channel.take(self.node, timeout_s=1.0)
            except Exception:  # Redis away: try again shortly
                log.exception("reading call commands failed")
                self._stop.wait(1.0)
                continue
            if command is not None:
                self.sip.call_soon(self.handle, command)
