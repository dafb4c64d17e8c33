"""Supervision decisions: monitor (muted in the room), barge, live switches, the end,
and what is refused."""

from __future__ import annotations

from calls import decide as d
from calls import model as m
from calls.targets import Target
from tests.support.call_model import connected, run

PHONE = Target("extension", "5005")


def test_monitoring_dials_the_supervisor_into_the_room_muted() -> None:
    call, actions = run(connected(), d.Supervise("monitor", PHONE))
    assert actions[:3] == [
        d.JoinRoom(m.AGENT),
        d.JoinRoom(m.CUSTOMER),
        d.Dial("supervisor-1", PHONE, into_room=True),
    ]
    call, actions = run(call, d.Answered("supervisor-1"))
    assert d.MuteInRoom("supervisor-1", True) in actions and call.muted == {"supervisor-1"}


def test_switching_to_barge_unmutes_and_back_to_monitor_mutes() -> None:
    call, _ = run(connected(), d.Supervise("monitor", PHONE), d.Answered("supervisor-1"))
    call, actions = run(call, d.SuperviseMode("barge"))
    assert actions[0] == d.MuteInRoom("supervisor-1", False) and call.muted == frozenset()
    call, actions = run(call, d.SuperviseMode("monitor"))
    assert actions[0] == d.MuteInRoom("supervisor-1", True)


def test_ending_supervision_hangs_up_the_supervisor_and_the_call_goes_on() -> None:
    call, _ = run(connected(), d.Supervise("barge", PHONE), d.Answered("supervisor-1"))
    call, actions = run(call, d.SuperviseEnd())
    assert actions[:2] == [d.HangupLeg("supervisor-1"), d.LeaveRoom("supervisor-1")]
    assert call.state == m.CONNECTED and call.supervisor == ""


def test_the_customer_leaving_a_supervised_call_ends_it_for_the_supervisor_too() -> None:
    call, _ = run(connected(), d.Supervise("monitor", PHONE), d.Answered("supervisor-1"))
    call, actions = run(call, d.Ended(m.CUSTOMER))
    assert call.state == m.FINISHED and d.HangupLeg("supervisor-1") in actions


def test_whispering_the_supervisor_is_heard_and_the_customer_hears_the_room_without_it() -> None:
    call, _ = run(connected(), d.Supervise("whisper", PHONE))
    call, actions = run(call, d.Answered("supervisor-1"))
    assert d.Whisper("supervisor-1", True) in actions and not any(
        isinstance(a, d.MuteInRoom) for a in actions
    )
    assert call.muted == frozenset() and call.supervision == "whisper"


def test_switching_whisper_to_monitor_to_barge_and_back_sets_the_customers_ear_each_time() -> None:
    call, _ = run(connected(), d.Supervise("whisper", PHONE), d.Answered("supervisor-1"))
    call, actions = run(call, d.SuperviseMode("monitor"))
    assert actions[:2] == [d.Whisper("supervisor-1", False), d.MuteInRoom("supervisor-1", True)]
    call, actions = run(call, d.SuperviseMode("barge"))
    assert (
        actions[0] == d.MuteInRoom("supervisor-1", False)
        and d.Whisper("supervisor-1", True) not in actions
    )
    call, actions = run(call, d.SuperviseMode("whisper"))
    assert actions[0] == d.Whisper("supervisor-1", True)
    call, actions = run(call, d.SuperviseEnd())
    assert actions[:2] == [d.Whisper("supervisor-1", False), d.HangupLeg("supervisor-1")]


def test_a_whispering_supervisor_hanging_up_gives_the_customer_the_whole_room_again() -> None:
    call, _ = run(connected(), d.Supervise("whisper", PHONE), d.Answered("supervisor-1"))
    call, actions = run(call, d.Ended("supervisor-1"))
    assert actions[0] == d.Whisper("supervisor-1", False) and call.state == m.CONNECTED


def test_no_party_is_added_while_whispering_and_no_whisper_in_a_conference() -> None:
    call, _ = run(connected(), d.Supervise("whisper", PHONE), d.Answered("supervisor-1"))
    for event in (d.Consult(PHONE), d.Conference(Target("extension", "5004")), d.Transfer(PHONE)):
        refused = d.decide(call, event)
        assert isinstance(refused, d.Refused) and refused.error_id == "whispering", event
    conference, _ = run(
        connected(), d.Conference(Target("extension", "5004")), d.Answered("added-1")
    )
    refused = d.decide(conference, d.Supervise("whisper", PHONE))
    assert isinstance(refused, d.Refused) and refused.error_id == "whisper_needs_two_parties"


def test_a_second_supervisor_and_unknown_modes_are_refused() -> None:
    call, _ = run(connected(), d.Supervise("monitor", PHONE))
    again = d.decide(call, d.Supervise("barge", Target("extension", "5004")))
    assert isinstance(again, d.Refused) and again.error_id == "already_supervised"
    odd = d.decide(connected(), d.Supervise("listen", PHONE))
    assert isinstance(odd, d.Refused) and odd.status == 422
