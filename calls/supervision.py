"""Supervision of an agent's call: the supervisor's phone is dialled into the call's
room, muted to monitor, heard by everyone to barge, heard by the agent alone to whisper.
Pure.

A room gives each participant everyone else's mix, so the customer would hear a
whispering supervisor: while whispering, the customer's ear is the room without the
supervisor (``Whisper``: ``callcontrol.rooms`` makes it a forward of the agent's part of
the room). That ear holds one voice besides the customer's own, so whisper is for a call
of the customer and the agent; a consultation or an added party waits until the
supervisor monitors or barges instead (409 ``whispering``)."""

from __future__ import annotations

from dataclasses import replace

from calls import conference as room
from calls import model as m
from calls.steps import (
    Action,
    Dial,
    Emit,
    HangupLeg,
    LeaveRoom,
    MuteInRoom,
    Refused,
    Step,
    Whisper,
)
from calls.targets import EXTENSION, Target

MODES = (m.MONITOR, m.WHISPER, m.BARGE)
LIVE = (m.CONNECTED, m.HELD, m.CONFERENCE)


def _unavailable(call: m.Call, mode: str) -> Refused | None:
    if mode not in MODES:
        return Refused(422, "unknown_mode", f"mode is one of {', '.join(MODES)}")
    others = [p for p in call.live() if p.role not in (m.SUPERVISOR, m.CUSTOMER, m.AGENT)]
    if mode == m.WHISPER and others:
        return Refused(
            409, "whisper_needs_two_parties", "whisper is for the customer and the agent alone"
        )
    return None


def _mode_actions(call: m.Call, sup: str, was: str, mode: str) -> tuple[m.Call, tuple[Action, ...]]:
    """The supervisor ``sup`` in the room goes from mode ``was`` ("" just joined) to ``mode``."""
    actions: list[Action] = []
    if was == m.WHISPER and mode != m.WHISPER:
        actions.append(Whisper(sup, False))
    muted = mode == m.MONITOR
    if muted != (sup in call.muted):
        call = replace(call, muted=call.muted | {sup} if muted else call.muted - {sup})
        actions.append(MuteInRoom(sup, muted))
    if mode == m.WHISPER and was != m.WHISPER:
        actions.append(Whisper(sup, True))
    return call, tuple(actions)


def supervise(call: m.Call, mode: str, phone: Target) -> Step | Refused:
    refused = _unavailable(call, mode)
    if refused is not None:
        return refused
    if call.supervisor:
        return Refused(409, "already_supervised", "the call is supervised already")
    if call.state not in LIVE:
        return Refused(409, "not_connected", f"only a connected call is supervised ({call.state})")
    if phone.kind != EXTENSION:
        return Refused(422, "invalid_phone", "the supervisor's phone is an extension")
    if len(call.live()) >= m.ROOM_LIMIT:
        return Refused(409, "room_full", f"a conference holds {m.ROOM_LIMIT} parties")
    call, agent_in = room.into_room(call, m.AGENT)
    call, customer_in = room.into_room(call, m.CUSTOMER)
    call, party_id = room.next_id(call, m.SUPERVISOR)
    call = call.with_party(m.Party(party_id, m.SUPERVISOR, phone, m.DIALING))
    call = replace(call, supervisor=party_id, supervision=mode)
    actions = (*agent_in, *customer_in, Dial(party_id, phone, into_room=True))
    return Step(call, (*actions, Emit("supervision_started", party_id, mode)))


def answered(call: m.Call, party: m.Party) -> Step:
    """The supervisor's phone answered: into the room, muted to monitor, heard by the
    agent alone to whisper."""
    call, joined = room.into_room(call, party.id)
    call, moded = _mode_actions(call, party.id, "", call.supervision)
    return Step(call, (*joined, *moded, Emit("party_joined", party.id, call.supervision)))


def switch(call: m.Call, mode: str) -> Step | Refused:
    refused = _unavailable(call, mode)
    if refused is not None:
        return refused
    if not call.supervisor:
        return Refused(409, "not_supervised", "the call is not supervised")
    if mode == call.supervision:
        return Refused(409, "same_mode", f"the supervision is {mode} already")
    sup, was = call.supervisor, call.supervision
    call = replace(call, supervision=mode)
    actions: tuple[Action, ...] = ()
    if sup in call.room:  # not yet answered: the mode applies when it joins
        call, actions = _mode_actions(call, sup, was, mode)
    return Step(call, (*actions, Emit("supervision_changed", sup, mode)))


def leaving(call: m.Call, sup: str) -> tuple[Action, ...]:
    """The customer hears the whole room again once a whispering supervisor is gone."""
    return (Whisper(sup, False),) if call.supervision == m.WHISPER and sup in call.room else ()


def end(call: m.Call) -> Step | Refused:
    sup = call.party(call.supervisor) if call.supervisor else None
    if sup is None:
        return Refused(409, "not_supervised", "the call is not supervised")
    ended = replace(sup, state=m.ENDED, end_reason="supervision_ended")
    unwhisper = leaving(call, sup.id)
    call = call.with_party(ended)
    call = replace(
        call,
        supervisor="",
        supervision="",
        room=call.room - {sup.id},
        muted=call.muted - {sup.id},
    )
    actions = (*unwhisper, HangupLeg(sup.id), LeaveRoom(sup.id))
    return Step(call, (*actions, Emit("supervision_ended", sup.id)))
