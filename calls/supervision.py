"""Supervision of an agent's call: the supervisor's phone is dialled into the call's
room, muted to monitor, heard by everyone to barge. Pure.

Whisper (only the agent hears the supervisor) needs a mix per listener that the room does
not give: every participant hears everyone else. It is refused (501) until the customer's
ear is built from a group forward of the room (../shared/notes/media.md)."""

from __future__ import annotations

from dataclasses import replace

from calls import conference as room
from calls import model as m
from calls.steps import Action, Dial, Emit, HangupLeg, LeaveRoom, MuteInRoom, Refused, Step
from calls.targets import EXTENSION, Target

MODES = (m.MONITOR, m.WHISPER, m.BARGE)
LIVE = (m.CONNECTED, m.HELD, m.CONFERENCE)


def _unavailable(mode: str) -> Refused | None:
    if mode not in MODES:
        return Refused(422, "unknown_mode", f"mode is one of {', '.join(MODES)}")
    if mode == m.WHISPER:
        return Refused(501, "whisper_not_available", "whisper is not built yet: monitor or barge")
    return None


def supervise(call: m.Call, mode: str, phone: Target) -> Step | Refused:
    refused = _unavailable(mode)
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
    """The supervisor's phone answered: into the room, muted unless barging."""
    call, joined = room.into_room(call, party.id)
    actions: tuple[Action, ...] = joined
    if call.supervision == m.MONITOR:
        call = replace(call, muted=call.muted | {party.id})
        actions = (*actions, MuteInRoom(party.id, True))
    return Step(call, (*actions, Emit("party_joined", party.id, call.supervision)))


def switch(call: m.Call, mode: str) -> Step | Refused:
    refused = _unavailable(mode)
    if refused is not None:
        return refused
    if not call.supervisor:
        return Refused(409, "not_supervised", "the call is not supervised")
    if mode == call.supervision:
        return Refused(409, "same_mode", f"the supervision is {mode} already")
    sup = call.supervisor
    call = replace(call, supervision=mode)
    actions: tuple[Action, ...] = ()
    if sup in call.room:  # not yet answered: the mode applies when it joins
        on = mode == m.MONITOR
        call = replace(call, muted=call.muted | {sup} if on else call.muted - {sup})
        actions = (MuteInRoom(sup, on),)
    return Step(call, (*actions, Emit("supervision_changed", sup, mode)))


def end(call: m.Call) -> Step | Refused:
    sup = call.party(call.supervisor) if call.supervisor else None
    if sup is None:
        return Refused(409, "not_supervised", "the call is not supervised")
    ended = replace(sup, state=m.ENDED, end_reason="supervision_ended")
    call = call.with_party(ended)
    call = replace(
        call,
        supervisor="",
        supervision="",
        room=call.room - {sup.id},
        muted=call.muted - {sup.id},
    )
    return Step(call, (HangupLeg(sup.id), LeaveRoom(sup.id), Emit("supervision_ended", sup.id)))
