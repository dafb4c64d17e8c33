"""The call model's decisions, without I/O: what each command or SIP event does to a call
and which actions call control must carry out."""

from __future__ import annotations

import pytest

from calls import decide as d
from calls import model as m
from calls.targets import InvalidTarget, Target, parse
from tests.support.call_model import connected, run

PHONE = Target("extension", "5001")
CUSTOMER = Target("external", "+15557770000")


def started() -> m.Call:
    step = d.click_to_dial("c1", "demo", "demo/1001", PHONE, CUSTOMER, 1000)
    assert isinstance(step, d.Step)
    return step.call


def test_click_to_dial_calls_the_agents_phone_first_with_auto_answer() -> None:
    step = d.click_to_dial("c1", "demo", "demo/1001", PHONE, CUSTOMER, 1000)
    assert isinstance(step, d.Step)
    assert step.call.state == m.DIALING_AGENT
    assert [a for a in step.actions if isinstance(a, d.Dial)] == [
        d.Dial(m.AGENT, PHONE, auto_answer=True)
    ]
    assert step.call.party(m.CUSTOMER).state == m.PENDING  # type: ignore[union-attr]


def test_the_customer_is_dialled_only_when_the_agent_answered_and_the_agent_hears_ringback() -> (
    None
):
    call, actions = run(started(), d.Ringing(m.AGENT))
    assert not any(isinstance(a, d.Dial) for a in actions)
    call, actions = run(call, d.Answered(m.AGENT))
    assert call.state == m.DIALING
    assert d.Ringback(m.AGENT, True) in actions
    assert d.Dial(m.CUSTOMER, CUSTOMER) in actions


def test_the_customer_answering_bridges_the_two_and_stops_the_ringback() -> None:
    call, actions = run(started(), d.Answered(m.AGENT), d.Answered(m.CUSTOMER))
    assert call.state == m.CONNECTED and call.bridged == (m.CUSTOMER, m.AGENT)
    assert d.Ringback(m.AGENT, False) in actions and d.Bridge(m.CUSTOMER, m.AGENT) in actions


def test_a_busy_customer_is_reported_and_ends_the_agents_leg_cleanly() -> None:
    call, actions = run(started(), d.Answered(m.AGENT), d.Failed(m.CUSTOMER, 486, "Busy Here"))
    assert call.state == m.FINISHED and call.outcome == "customer_busy"
    assert call.party(m.CUSTOMER).end_reason == "failed_486"  # type: ignore[union-attr]
    assert d.HangupLeg(m.AGENT) in actions
    assert d.AgentLeft("demo/1001", "customer_busy") in actions
    assert isinstance(actions[-1], d.Finish)


def test_the_agent_not_answering_ends_the_call_without_dialling_the_customer() -> None:
    call, actions = run(started(), d.Failed(m.AGENT, 408))
    assert call.outcome == "agent_failed_408"
    assert not any(isinstance(a, d.Dial) for a in actions)
    assert d.AgentLeft("demo/1001", "agent_failed_408") in actions  # outbound_start undone


def test_hold_gives_the_customer_music_and_resume_restores_the_call() -> None:
    call, actions = run(connected(), d.Hold())
    assert call.state == m.HELD and actions[0] == d.Music(m.CUSTOMER, True)
    assert call.view("n")["parties"][0]["held"] is True
    call, actions = run(call, d.Resume())
    assert call.state == m.CONNECTED and actions[0] == d.Music(m.CUSTOMER, False)


@pytest.mark.parametrize(
    ("event", "error_id"),
    [(d.Resume(), "not_held"), (d.HangupParty("nobody"), "party_not_found")],
)
def test_commands_that_do_not_apply_are_refused_and_change_nothing(
    event: d.Input, error_id: str
) -> None:
    call = connected()
    refused = d.decide(call, event)
    assert isinstance(refused, d.Refused) and refused.error_id == error_id
    assert call == connected()


def test_holding_twice_or_a_ringing_call_is_refused() -> None:
    held, _ = run(connected(), d.Hold())
    assert d.decide(held, d.Hold()) == d.Refused(409, "already_held", "the call is on hold")
    refused = d.decide(started(), d.Hold())
    assert isinstance(refused, d.Refused) and refused.error_id == "not_connected"


def test_hanging_up_one_party_of_two_ends_the_call_and_frees_the_agent() -> None:
    call, actions = run(connected(), d.HangupParty(m.CUSTOMER))
    assert call.state == m.FINISHED
    assert actions[0] == d.HangupLeg(m.CUSTOMER) and d.HangupLeg(m.AGENT) in actions
    assert d.AgentLeft("demo/1001", "customer_hung_up_by_agent") in actions
    assert d.decide(call, d.Hold()) == d.Refused(404, "call_not_found", "the call is over")


def test_the_customer_hanging_up_ends_the_agents_leg() -> None:
    call, actions = run(connected(), d.Ended(m.CUSTOMER))
    assert call.outcome == "customer_hangup"
    assert d.HangupLeg(m.AGENT) in actions and d.HangupLeg(m.CUSTOMER) not in actions


def test_a_blind_transfer_frees_the_agent_at_once_and_connects_the_target_when_it_answers() -> None:
    target = Target("extension", "5002")
    call, actions = run(connected(), d.Transfer(target))
    assert call.state == m.TRANSFERRING and call.agent == ""
    assert actions[:3] == [
        d.Music(m.CUSTOMER, True),
        d.HangupLeg(m.AGENT),
        d.AgentLeft("demo/1001", "transferred"),
    ]
    assert d.Dial("target-1", target) in actions
    call, actions = run(call, d.Answered("target-1"))
    assert call.state == m.CONNECTED and call.bridged == (m.CUSTOMER, "target-1")
    assert d.Bridge(m.CUSTOMER, "target-1") in actions and d.Music(m.CUSTOMER, False) in actions
    call, actions = run(call, d.Ended("target-1"))
    assert call.state == m.FINISHED
    assert not any(isinstance(a, d.AgentLeft) for a in actions)  # the agent left before


def test_a_failed_transfer_target_ends_the_call_for_the_waiting_customer() -> None:
    call, _ = run(connected(), d.Transfer(Target("extension", "5002")))
    call, actions = run(call, d.Failed("target-1", 480))
    assert call.outcome == "transfer_failed_480" and d.HangupLeg(m.CUSTOMER) in actions


def test_a_transfer_to_a_group_frees_the_agent_and_hands_the_customer_back_to_the_queue() -> None:
    call, actions = run(connected(), d.Transfer(Target("group", "sales")))
    assert actions[:3] == [
        d.HangupLeg(m.AGENT),
        d.AgentLeft("demo/1001", "transferred"),
        d.Requeue("sales"),
    ]
    assert not any(isinstance(a, d.HangupLeg) and a.party == m.CUSTOMER for a in actions)
    assert isinstance(actions[-1], d.Finish) and call.outcome == "requeued"


def test_a_held_call_goes_back_into_the_queue_off_hold_and_a_click_to_dial_never() -> None:
    held, _ = run(connected(), d.Hold())
    _, actions = run(held, d.Transfer(Target("group", "support")))
    assert actions[0] == d.Music(m.CUSTOMER, False)
    c2d, _ = run(started(), d.Answered(m.AGENT), d.Answered(m.CUSTOMER))
    refused = d.decide(c2d, d.Transfer(Target("group", "support")))
    assert isinstance(refused, d.Refused) and refused.error_id == "target_not_supported"


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("5002", Target("extension", "5002")),
        ("+15557770000", Target("external", "+15557770000")),
        ("agent:1002", Target("agent", "1002")),
        ("group:support", Target("group", "support")),
    ],
)
def test_targets_name_extensions_numbers_agents_and_groups(text: str, target: Target) -> None:
    assert parse(text) == target


@pytest.mark.parametrize("text", ["", "5", "phone:1", "agent:", "+1-555", "group:../x"])
def test_anything_else_is_no_target(text: str) -> None:
    with pytest.raises(InvalidTarget):
        parse(text)
