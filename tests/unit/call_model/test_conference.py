"""The room's decisions: consult, cancel, attended transfer, three-way, added parties up
to the limit, mute, and parties leaving -- without I/O."""

from __future__ import annotations

from dataclasses import replace

from calls import decide as d
from calls import model as m
from calls.targets import Target
from tests.support.call_model import connected, run

CONSULTEE = Target("extension", "5002")


def consulting() -> m.Call:
    call, _ = run(connected(), d.Consult(CONSULTEE), d.Answered("consultee-1"))
    return call


def test_consulting_puts_the_customer_on_music_and_the_agent_and_consultee_in_the_room() -> None:
    call, actions = run(connected(), d.Consult(CONSULTEE))
    assert call.state == m.CONSULTING and call.music == {m.CUSTOMER}
    assert actions[:3] == [
        d.Music(m.CUSTOMER, True),
        d.JoinRoom(m.AGENT),
        d.Dial("consultee-1", CONSULTEE, into_room=True),
    ]
    call, actions = run(call, d.Answered("consultee-1"))
    assert call.room == {m.AGENT, "consultee-1"} and d.JoinRoom("consultee-1") in actions


def test_cancelling_a_consultation_hangs_up_the_consultee_and_brings_the_customer_back() -> None:
    call, actions = run(consulting(), d.ConsultCancel())
    assert call.state == m.CONNECTED and call.music == frozenset()
    assert call.room == {m.AGENT, m.CUSTOMER}
    assert actions[:4] == [
        d.HangupLeg("consultee-1"),
        d.LeaveRoom("consultee-1"),
        d.JoinRoom(m.CUSTOMER),
        d.Music(m.CUSTOMER, False),
    ]


def test_an_attended_transfer_leaves_the_customer_with_the_consultee_and_frees_the_agent() -> None:
    call, actions = run(consulting(), d.Transfer(None))
    assert call.state == m.CONNECTED and call.agent == ""
    assert call.room == {m.CUSTOMER, "consultee-1"}
    assert d.LeaveRoom(m.AGENT) in actions and d.HangupLeg(m.AGENT) in actions
    assert d.AgentLeft("demo/1001", "transferred") in actions
    call, actions = run(call, d.Ended("consultee-1"))
    assert call.state == m.FINISHED and d.HangupLeg(m.CUSTOMER) in actions
    assert d.CloseRoom() in actions and not any(isinstance(a, d.AgentLeft) for a in actions)


def test_an_attended_transfer_needs_an_answered_consultee() -> None:
    call, _ = run(connected(), d.Consult(CONSULTEE))
    refused = d.decide(call, d.Transfer(None))
    assert isinstance(refused, d.Refused) and refused.error_id == "no_consultee"


def test_three_way_joins_the_customer_to_the_agent_and_consultee() -> None:
    call, actions = run(consulting(), d.Conference(None))
    assert call.state == m.CONFERENCE and call.room == {m.AGENT, m.CUSTOMER, "consultee-1"}
    assert d.JoinRoom(m.CUSTOMER) in actions and d.Music(m.CUSTOMER, False) in actions


def test_a_consultee_who_does_not_answer_leaves_the_customer_on_hold_to_resume() -> None:
    call, _ = run(connected(), d.Consult(CONSULTEE), d.Failed("consultee-1", 486))
    assert call.state == m.HELD and call.music == {m.CUSTOMER}
    call, actions = run(call, d.Resume())
    assert call.state == m.CONNECTED and d.JoinRoom(m.CUSTOMER) in actions


def test_parties_are_added_up_to_thirty_and_the_thirty_first_is_refused() -> None:
    call = connected()
    for n in range(28):
        call, _ = run(call, d.Conference(Target("external", f"+1555000{n:04d}")))
    assert len(call.live()) == m.ROOM_LIMIT and call.state == m.CONFERENCE
    refused = d.decide(call, d.Conference(Target("extension", "5009")))
    assert isinstance(refused, d.Refused) and (refused.status, refused.error_id) == (
        409,
        "room_full",
    )


def test_adding_a_party_moves_a_two_party_call_into_the_room() -> None:
    _, actions = run(connected(), d.Conference(CONSULTEE))
    assert actions[:3] == [
        d.JoinRoom(m.AGENT),
        d.JoinRoom(m.CUSTOMER),
        d.Dial("added-1", CONSULTEE, into_room=True),
    ]


def test_mute_and_unmute_a_party_in_the_room_only() -> None:
    call = consulting()
    call, actions = run(call, d.Mute("consultee-1", True))
    assert call.muted == {"consultee-1"} and actions[0] == d.MuteInRoom("consultee-1", True)
    again = d.decide(call, d.Mute("consultee-1", True))
    assert isinstance(again, d.Refused) and again.error_id == "already_muted"
    outside = d.decide(connected(), d.Mute(m.CUSTOMER, True))
    assert isinstance(outside, d.Refused) and outside.error_id == "not_in_room"


def test_one_party_leaving_a_conference_of_three_keeps_the_call() -> None:
    call, _ = run(consulting(), d.Conference(None))
    call, actions = run(call, d.HangupParty("consultee-1"))
    assert call.state == m.CONNECTED and len(call.live()) == 2
    assert actions[:2] == [d.HangupLeg("consultee-1"), d.LeaveRoom("consultee-1")]


def test_the_agent_leaving_a_conference_is_freed_and_the_others_go_on() -> None:
    call, _ = run(consulting(), d.Conference(None))
    call, actions = run(call, d.Ended(m.AGENT))
    assert call.agent == "" and call.state == m.CONNECTED
    assert d.AgentLeft("demo/1001", "left_conference") in actions


def test_a_blind_transfer_from_a_room_is_refused() -> None:
    call, _ = run(consulting(), d.Conference(None))
    refused = d.decide(replace(call, state=m.CONNECTED), d.Transfer(CONSULTEE))
    assert isinstance(refused, d.Refused) and refused.error_id == "in_conference"
