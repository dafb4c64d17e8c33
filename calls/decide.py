"""The call model's decisions: (call, command or event) -> (new call, actions). Pure.

``callcontrol.incall`` feeds SIP events (a party's leg rang, answered, failed, hung up)
and the API's commands (hold, resume, transfer, hang up) in, and carries the actions out.
A command that does not apply is refused as a value (``Refused``: HTTP status, error id,
message), and then nothing changes.
"""

from __future__ import annotations

from dataclasses import replace

from calls import conference as room
from calls import model as m
from calls import recording, supervision
from calls.steps import (
    Action,
    AgentLeft,
    Answered,
    Bridge,
    CloseRoom,
    Conference,
    Consult,
    ConsultCancel,
    Dial,
    Emit,
    Ended,
    Failed,
    Finish,
    Hangup,
    HangupLeg,
    HangupParty,
    Hold,
    Input,
    JoinRoom,
    LeaveRoom,
    Music,
    Mute,
    MuteInRoom,
    Record,
    RecordCommand,
    Refused,
    Requeue,
    Resume,
    Ringback,
    Ringing,
    Step,
    Supervise,
    SuperviseEnd,
    SuperviseMode,
    Transfer,
    Whisper,
)
from calls.targets import GROUP, Target

__all__ = [
    "Action",
    "AgentLeft",
    "Answered",
    "Bridge",
    "CloseRoom",
    "Conference",
    "Consult",
    "ConsultCancel",
    "Dial",
    "Emit",
    "Ended",
    "Failed",
    "Finish",
    "Hangup",
    "HangupLeg",
    "HangupParty",
    "Hold",
    "Input",
    "JoinRoom",
    "LeaveRoom",
    "Music",
    "Mute",
    "MuteInRoom",
    "Record",
    "RecordCommand",
    "Refused",
    "Requeue",
    "Resume",
    "Ringback",
    "Ringing",
    "Step",
    "Supervise",
    "SuperviseEnd",
    "SuperviseMode",
    "Transfer",
    "Whisper",
    "click_to_dial",
    "decide",
    "queue_call",
]

# --- starting calls -------------------------------------------------------------------


def click_to_dial(
    call_id: str, team: str, agent: str, phone: Target, to: Target, now_ms: int
) -> Step | Refused:
    """The agent's phone is called first; the customer only once it answered."""
    if to.kind == GROUP:
        return Refused(422, "target_not_supported", "click-to-dial calls a person, not a group")
    call = m.Call(
        call_id,
        team,
        agent,
        m.CLICK_TO_DIAL,
        m.DIALING_AGENT,
        now_ms,
        parties=(
            m.Party(m.AGENT, m.AGENT, phone, m.DIALING),
            m.Party(m.CUSTOMER, m.CUSTOMER, to, m.PENDING),
        ),
    )
    return Step(call, (Dial(m.AGENT, phone, auto_answer=True), Emit("call_started")))


def queue_call(call_id: str, team: str, agent: str, caller: str, phone: str, now_ms: int) -> m.Call:
    """A queue call once its agent answered: two parties, bridged."""
    return m.Call(
        call_id,
        team,
        agent,
        m.QUEUE,
        m.CONNECTED,
        now_ms,
        parties=(
            m.Party(m.CUSTOMER, m.CUSTOMER, None, m.UP, label=caller),
            m.Party(m.AGENT, m.AGENT, None, m.UP, label=phone),
        ),
        bridged=(m.CUSTOMER, m.AGENT),
    )


# --- the decisions ----------------------------------------------------------------------


def decide(call: m.Call, event: Input) -> Step | Refused:
    if call.state == m.FINISHED:
        return Refused(404, "call_not_found", "the call is over")
    if isinstance(event, (Ringing, Answered, Failed, Ended)):
        party = call.party(event.party)
        if party is None or party.state == m.ENDED:
            return Refused(409, "party_gone", f"no live party {event.party}")
        if isinstance(event, Ringing):
            return _ringing(call, party)
        if isinstance(event, Answered):
            return _answered(call, party)
        if isinstance(event, Failed):
            return _gone(call, party, f"failed_{event.code}", hangup=False)
        return _gone(call, party, "hangup", hangup=False)
    if call.supervision == m.WHISPER and isinstance(event, (Consult, Conference, Transfer)):
        return Refused(
            409, "whispering", "a supervisor whispers: monitor or barge before adding parties"
        )
    if isinstance(event, Consult):
        return room.consult(call, event.target)
    if isinstance(event, ConsultCancel):
        return room.cancel_consult(call)
    if isinstance(event, Conference):
        if event.target is None:
            return room.join_consultee(call)
        return room.add_party(call, event.target)
    if isinstance(event, Mute):
        return room.mute(call, event.party, event.on)
    if isinstance(event, Supervise):
        return supervision.supervise(call, event.mode, event.phone)
    if isinstance(event, SuperviseMode):
        return supervision.switch(call, event.mode)
    if isinstance(event, SuperviseEnd):
        return supervision.end(call)
    if isinstance(event, RecordCommand):
        return recording.record(call, event.action)
    if isinstance(event, Hold):
        return _hold(call)
    if isinstance(event, Resume):
        return _resume(call)
    if isinstance(event, Hangup):
        return _finish(call, "agent_hangup", call.live())
    if isinstance(event, HangupParty):
        party = call.party(event.party)
        if party is None:
            return Refused(404, "party_not_found", f"the call has no party {event.party!r}")
        if party.state == m.ENDED:
            return Refused(409, "party_gone", f"{event.party} already left the call")
        return _gone(call, party, "hung_up_by_agent", hangup=True)
    if event.target is None:
        return room.attended_transfer(call)
    return _transfer(call, event.target, event.replaces)


def _ringing(call: m.Call, party: m.Party) -> Step:
    if party.state != m.DIALING:
        return Step(call, ())
    ringing = replace(party, state=m.RINGING)
    return Step(call.with_party(ringing), (Emit("party_ringing", party.id),))


def _answered(call: m.Call, party: m.Party) -> Step | Refused:
    if party.state not in (m.DIALING, m.RINGING):
        return Refused(409, "not_dialling", f"{party.id} was not being dialled")
    up = call.with_party(replace(party, state=m.UP))
    joined = Emit("party_joined", party.id)
    if call.state == m.DIALING_AGENT and party.role == m.AGENT:
        customer = call.party(m.CUSTOMER)
        assert customer is not None and customer.target is not None
        dialing = replace(up.with_party(replace(customer, state=m.DIALING)), state=m.DIALING)
        dialing = replace(dialing, ringback=frozenset({m.AGENT}))
        return Step(dialing, (joined, Dial(m.CUSTOMER, customer.target), Ringback(m.AGENT, True)))
    if call.state == m.DIALING and party.role == m.CUSTOMER:
        connected = replace(
            up, state=m.CONNECTED, ringback=frozenset(), bridged=(m.CUSTOMER, m.AGENT)
        )
        return Step(connected, (Ringback(m.AGENT, False), Bridge(m.CUSTOMER, m.AGENT), joined))
    if party.role in (m.CONSULTEE, m.ADDED):
        return room.answered(up, party)
    if party.role == m.SUPERVISOR:
        return supervision.answered(up, party)
    if call.state == m.TRANSFERRING and party.role == m.TARGET:
        connected = replace(
            up, state=m.CONNECTED, music=frozenset(), bridged=(m.CUSTOMER, party.id)
        )
        actions = (Bridge(m.CUSTOMER, party.id), Music(m.CUSTOMER, False), joined)
        return Step(connected, (*actions, Emit("transferred", party.id)))
    return Refused(409, "not_dialling", f"{party.id} answered out of turn ({call.state})")


def _gone(call: m.Call, party: m.Party, reason: str, hangup: bool) -> Step:
    """A party left (hung up, failed, or was hung up): in a call of two, the call ends;
    in a room, it goes on while two parties remain."""
    if party.role == m.SUPERVISOR:  # hung up or never answered: the call goes on
        unwhisper = supervision.leaving(call, party.id)
        call = replace(call, supervisor="", supervision="")
        gone = replace(party, state=m.ENDED, end_reason=reason)
        call = replace(
            call.with_party(gone), room=call.room - {party.id}, muted=call.muted - {party.id}
        )
        head = (*unwhisper, HangupLeg(party.id)) if hangup else unwhisper
        return Step(call, (*head, LeaveRoom(party.id), Emit("supervision_ended", party.id, reason)))
    if party.id in call.room or party.role in (m.CONSULTEE, m.ADDED):
        step = room.left(call, party, reason, hangup)
        if step is not None:
            return step
    left = call.with_party(replace(party, state=m.ENDED, end_reason=reason))
    head = (HangupLeg(party.id),) if hangup else ()
    if party.role == m.CUSTOMER and call.state == m.DIALING:
        outcome = "customer_" + ("busy" if reason == "failed_486" else reason)
    elif party.role == m.AGENT and call.state == m.DIALING_AGENT:
        outcome = "agent_" + reason
    elif party.role == m.TARGET:
        outcome = "transfer_" + reason
    else:
        outcome = f"{party.role}_{reason}"
    step = _finish(left, outcome, left.live())
    return Step(step.call, (*head, Emit("party_left", party.id, reason), *step.actions))


def _finish(call: m.Call, outcome: str, hang_up: list[m.Party]) -> Step:
    actions: list[Action] = [HangupLeg(p.id) for p in hang_up]
    ended = tuple(
        replace(p, state=m.ENDED, end_reason=p.end_reason or "call_ended") for p in call.parties
    )
    if call.agent:  # the ACD has the agent on this call from its start (or its answer)
        actions.append(AgentLeft(call.agent, outcome))
    actions += [*recording.stopping(call), *room.closing(call)]
    actions += [Emit("call_ended", detail=outcome), Finish(outcome)]
    done = replace(
        call,
        state=m.FINISHED,
        parties=ended,
        outcome=outcome,
        bridged=None,
        music=frozenset(),
        ringback=frozenset(),
        room=frozenset(),
        muted=frozenset(),
        recording="",
    )
    return Step(done, tuple(actions))


def _hold(call: m.Call) -> Step | Refused:
    if call.state == m.HELD:
        return Refused(409, "already_held", "the call is on hold")
    if call.state not in (m.CONNECTED, m.CONFERENCE):
        return Refused(409, "not_connected", f"only a connected call is held ({call.state})")
    held = replace(call, state=m.HELD, music=frozenset({m.CUSTOMER}))
    return Step(held, (Music(m.CUSTOMER, True), Emit("held", m.CUSTOMER)))


def _resume(call: m.Call) -> Step | Refused:
    if call.state != m.HELD:
        return Refused(409, "not_held", f"the call is not on hold ({call.state})")
    state = m.CONFERENCE if len(call.live()) > 2 else m.CONNECTED
    if m.AGENT in call.room and m.CUSTOMER not in call.room:  # after a consultation failed
        call = replace(call, room=call.room | {m.CUSTOMER})
        join: tuple[Action, ...] = (JoinRoom(m.CUSTOMER),)
    else:
        join = ()
    resumed = replace(call, state=state, music=frozenset())
    return Step(resumed, (*join, Music(m.CUSTOMER, False), Emit("resumed", m.CUSTOMER)))


def _transfer(call: m.Call, target: Target, replaces: str = "") -> Step | Refused:
    if call.state not in (m.CONNECTED, m.HELD) or call.party(m.AGENT) is None:
        return Refused(409, "not_connected", f"only a connected call is transferred ({call.state})")
    if call.room:
        return Refused(409, "in_conference", "a call in a conference is transferred by consulting")
    if target.kind == GROUP:
        return _requeue(call, target)
    agent = call.party(m.AGENT)
    assert agent is not None
    party_id = f"{m.TARGET}-{call.transfers + 1}"
    moved = call.with_party(replace(agent, state=m.ENDED, end_reason="transferred"))
    moved = moved.with_party(m.Party(party_id, m.TARGET, target, m.DIALING))
    music = () if call.state == m.HELD else (Music(m.CUSTOMER, True),)
    moved = replace(
        moved,
        state=m.TRANSFERRING,
        agent="",
        bridged=None,
        music=frozenset({m.CUSTOMER}),
        transfers=call.transfers + 1,
    )
    actions = (
        *music,
        HangupLeg(m.AGENT),
        AgentLeft(call.agent, "transferred"),
        Dial(party_id, target, replaces=replaces),
        Emit("transfer_started", party_id, str(target)),
    )
    return Step(moved, actions)


def _requeue(call: m.Call, target: Target) -> Step | Refused:
    """Back into a queue (``group:<name>``): the agent leaves, the customer waits in that
    group's queue with the wait it already had (its place in line), and the queue service
    takes the call over again -- for the call model the call is over."""
    if call.kind != m.QUEUE:
        return Refused(422, "target_not_supported", "only a queue call goes back into a queue")
    parties = tuple(
        replace(p, state=m.ENDED, end_reason="transferred" if p.role == m.AGENT else "requeued")
        for p in call.parties
    )
    unhold = (Music(m.CUSTOMER, False),) if m.CUSTOMER in call.music else ()
    actions: tuple[Action, ...] = (
        *recording.stopping(call),
        *unhold,  # the queue plays its own music: the call's hold is taken off first
        HangupLeg(m.AGENT),
        AgentLeft(call.agent, "transferred"),
        Requeue(target.ref),
        Emit("requeued", m.CUSTOMER, str(target)),
        Emit("call_ended", detail="requeued"),
        Finish("requeued"),
    )
    done = replace(
        call,
        state=m.FINISHED,
        parties=parties,
        outcome="requeued",
        bridged=None,
        music=frozenset(),
        recording="",
    )
    return Step(done, actions)
