"""The call model's decisions about its room: consult, attended transfer, conference,
mute, and parties leaving a room. Pure; ``calls.decide`` hands these inputs over.

A consultation already uses the room (the agent and the consultee talk there while the
customer hears music through its own session), so cancelling it, transferring to the
consultee or joining everyone is moving the customer in -- no new media path each time.
"""

from __future__ import annotations

from dataclasses import replace

from calls import model as m
from calls.steps import (
    Action,
    AgentLeft,
    CloseRoom,
    Dial,
    Emit,
    HangupLeg,
    JoinRoom,
    LeaveRoom,
    Music,
    MuteInRoom,
    Refused,
    Step,
)
from calls.targets import GROUP, Target

IN_ROOM_STATES = (m.CONNECTED, m.HELD, m.CONFERENCE)


def next_id(call: m.Call, role: str) -> tuple[m.Call, str]:
    number = call.dialled + 1
    return replace(call, dialled=number), f"{role}-{number}"


def into_room(call: m.Call, party_id: str) -> tuple[m.Call, tuple[Action, ...]]:
    if party_id in call.room:
        return call, ()
    joined = replace(call, room=call.room | {party_id}, bridged=None, room_made=True)
    return joined, (JoinRoom(party_id),)


def consult(call: m.Call, target: Target) -> Step | Refused:
    if call.state not in (m.CONNECTED, m.HELD) or call.party(m.AGENT) is None:
        return Refused(
            409, "not_connected", f"only a connected call is consulted on ({call.state})"
        )
    if target.kind == GROUP:
        return Refused(422, "target_not_supported", "a consultation calls a person, not a group")
    call, party_id = next_id(call, m.CONSULTEE)
    music = () if m.CUSTOMER in call.music else (Music(m.CUSTOMER, True),)
    call, agent_in = into_room(call, m.AGENT)
    call = call.with_party(m.Party(party_id, m.CONSULTEE, target, m.DIALING))
    call = replace(call, state=m.CONSULTING, music=call.music | {m.CUSTOMER})
    actions = (*music, *agent_in, Dial(party_id, target, into_room=True))
    return Step(call, (*actions, Emit("consult_started", party_id, str(target))))


def consultee(call: m.Call) -> m.Party | None:
    return next((p for p in call.live() if p.role == m.CONSULTEE), None)


def _customer_back(call: m.Call) -> tuple[m.Call, tuple[Action, ...]]:
    """The customer hears the room again: moved in (once), its music off."""
    call, joined = into_room(call, m.CUSTOMER)
    music = (Music(m.CUSTOMER, False),) if m.CUSTOMER in call.music else ()
    return replace(call, music=call.music - {m.CUSTOMER}), (*joined, *music)


def cancel_consult(call: m.Call) -> Step | Refused:
    other = consultee(call)
    if call.state != m.CONSULTING:
        return Refused(409, "not_consulting", f"no consultation to cancel ({call.state})")
    actions: tuple[Action, ...] = ()
    if other is not None:
        ended = replace(other, state=m.ENDED, end_reason="consult_cancelled")
        call = replace(call.with_party(ended), room=call.room - {other.id})
        actions = (HangupLeg(other.id), LeaveRoom(other.id))
    call, back = _customer_back(call)
    call = replace(call, state=m.CONNECTED)
    return Step(call, (*actions, *back, Emit("consult_cancelled", other.id if other else "")))


def attended_transfer(call: m.Call) -> Step | Refused:
    other = consultee(call)
    if call.state != m.CONSULTING or other is None or other.state != m.UP:
        return Refused(409, "no_consultee", "an attended transfer needs an answered consultation")
    call, back = _customer_back(call)
    agent = call.party(m.AGENT)
    assert agent is not None
    left = call.with_party(replace(agent, state=m.ENDED, end_reason="transferred"))
    left = replace(left, state=m.CONNECTED, agent="", room=left.room - {m.AGENT})
    actions = (*back, LeaveRoom(m.AGENT), HangupLeg(m.AGENT), AgentLeft(call.agent, "transferred"))
    return Step(left, (*actions, Emit("transferred", other.id)))


def join_consultee(call: m.Call) -> Step | Refused:
    other = consultee(call)
    if call.state != m.CONSULTING or other is None or other.state != m.UP:
        return Refused(409, "no_consultee", "a three-way call needs an answered consultation")
    call, back = _customer_back(call)
    return Step(replace(call, state=m.CONFERENCE), (*back, Emit("conference_started", other.id)))


def add_party(call: m.Call, target: Target) -> Step | Refused:
    if call.state not in IN_ROOM_STATES or call.party(m.AGENT) is None:
        return Refused(
            409, "not_connected", f"parties are added to a connected call ({call.state})"
        )
    if target.kind == GROUP:
        return Refused(422, "target_not_supported", "a conference adds a person, not a group")
    if len(call.live()) >= m.ROOM_LIMIT:
        return Refused(409, "room_full", f"a conference holds {m.ROOM_LIMIT} parties")
    call, agent_in = into_room(call, m.AGENT)
    call, customer_in = into_room(call, m.CUSTOMER)
    call, party_id = next_id(call, m.ADDED)
    call = call.with_party(m.Party(party_id, m.ADDED, target, m.DIALING))
    actions = (*agent_in, *customer_in, Dial(party_id, target, into_room=True))
    return Step(replace(call, state=m.CONFERENCE), (*actions, Emit("party_added", party_id)))


def answered(call: m.Call, party: m.Party) -> Step:
    """A consultee or an added party answered: into the room."""
    call, joined = into_room(call, party.id)
    return Step(call, (*joined, Emit("party_joined", party.id)))


def mute(call: m.Call, party_id: str, on: bool) -> Step | Refused:
    party = call.party(party_id)
    if party is None or party.state == m.ENDED:
        return Refused(404, "party_not_found", f"the call has no live party {party_id!r}")
    if party_id not in call.room:
        return Refused(409, "not_in_room", "parties are muted in a conference")
    if (party_id in call.muted) == on:
        return Refused(409, "already_muted" if on else "not_muted", f"{party_id} is already so")
    muted = call.muted | {party_id} if on else call.muted - {party_id}
    kind = "muted" if on else "unmuted"
    return Step(replace(call, muted=muted), (MuteInRoom(party_id, on), Emit(kind, party_id)))


def left(call: m.Call, party: m.Party, reason: str, hangup: bool) -> Step | None:
    """A party left a call that uses the room; None when the call ends with it (fewer
    than two parties would remain)."""
    gone = replace(party, state=m.ENDED, end_reason=reason)
    call = replace(
        call.with_party(gone), room=call.room - {party.id}, muted=call.muted - {party.id}
    )
    actions: list[Action] = [HangupLeg(party.id)] if hangup else []
    actions.append(LeaveRoom(party.id))
    if party.role == m.CONSULTEE and call.state == m.CONSULTING:
        # the agent is alone in the room, the customer still on music: as on hold
        call = replace(call, state=m.HELD)
        return Step(call, (*actions, Emit("party_left", party.id, reason)))
    talking = [p for p in call.live() if p.role != m.SUPERVISOR]  # a supervisor alone
    if len(talking) < 2:  # with one party is no call
        return None
    if party.role == m.AGENT:
        actions.append(AgentLeft(call.agent, "left_conference"))
        call = replace(call, agent="")
    if len(talking) == 2 and call.state == m.CONFERENCE:
        call = replace(call, state=m.CONNECTED)
    return Step(call, (*actions, Emit("party_left", party.id, reason)))


def closing(call: m.Call) -> tuple[Action, ...]:
    return (CloseRoom(),) if call.room_made else ()
