"""Claims, fencing, ring all, ACW deadlines and the event stream against a real Redis."""

from __future__ import annotations

import json

import pytest
import redis

from routing.acd import PySelector, build_selector
from routing.acd.events import AgentStateChanged, from_wire
from routing.acd.machine import Accepted, Command, Refused, transition
from routing.acd.model import AcwMode, State, Strategy, WaitingCall
from routing.acd.redis_store import Claim, RedisAcd
from tests.support.waiting import wait_until

from .center import now_ms, set_up


def _events(client: redis.Redis) -> list[dict[str, object]]:
    return [json.loads(fields[b"event"]) for _id, fields in client.xrange("acd:events")]


def test_one_call_gets_one_agent_and_one_agent_one_offer(client: redis.Redis) -> None:
    acd = RedisAcd(client)
    (a, b), (c1, c2) = set_up(acd, agents=2, calls=2)
    claim = acd.claim(a, c1, "sales", now_ms())
    assert isinstance(claim, Claim)
    assert acd.claim(b, c1, "sales", now_ms()) == Refused("call_taken")
    assert acd.claim(a, c2, "sales", now_ms()) == Refused("not_idle")
    assert isinstance(acd.claim(b, c2, "sales", now_ms()), Claim)
    live = acd.live(a)
    assert live is not None and (live.state, live.call_id) == (State.OFFERED, c1)


def test_the_claim_event_is_exactly_the_state_machines_offer(client: redis.Redis) -> None:
    acd = RedisAcd(client)
    (agent,), (call,) = set_up(acd, agents=1, calls=1)
    config, before = acd.agent_config(agent), acd.live(agent)
    assert config is not None and before is not None
    at = now_ms()
    assert isinstance(acd.claim(agent, call, "sales", at), Claim)
    expected = transition(config, before, Command("offer", call, group="sales"), at, acd.group)
    assert isinstance(expected, Accepted)
    assert from_wire(_events(client)[-1]) == expected.events[0]
    assert acd.live(agent) == expected.live


def test_refusals_follow_the_state_machine(client: redis.Redis) -> None:
    acd = RedisAcd(client)
    (a,), (call,) = set_up(acd, agents=1, calls=1)
    assert acd.claim("nobody", call, "sales", now_ms()) == Refused("unknown_agent")
    assert acd.claim(a, call, "support", now_ms()) == Refused("not_in_group")
    assert isinstance(acd.apply(a, Command("registration", registered=False), now_ms()), Accepted)
    assert acd.claim(a, call, "sales", now_ms()) == Refused("unregistered")
    assert acd.apply(a, Command("pause"), now_ms()) == Refused("reason_required")


def test_a_holder_whose_lease_expired_can_no_longer_answer(client: redis.Redis) -> None:
    acd = RedisAcd(client)
    (a, b), (call,) = set_up(acd, agents=2, calls=1)
    stale = acd.claim(a, call, "sales", now_ms(), lease_ms=150)
    assert isinstance(stale, Claim)
    wait_until(lambda: not client.exists(acd.keys.lease(a)), timeout=5, what="lease expired")
    assert acd.answer(stale, now_ms()) == Refused("stale_claim")

    def reaped() -> bool:
        return any(o.events[0].agent_id == a for o in acd.reap(now_ms() + 150))

    wait_until(reaped, timeout=5, what="the reaper returned a")
    live = acd.live(a)
    assert live is not None and live.state == State.IDLE
    assert _events(client)[-1]["reason"] == "lease_expired"
    assert acd.release(stale, now_ms()) == Refused("not_offered")
    # Another holder offers the same agent the same call: only the token tells them apart.
    fresh = acd.claim(a, call, "sales", now_ms())
    assert isinstance(fresh, Claim) and fresh.token > stale.token
    assert acd.answer(stale, now_ms()) == Refused("stale_claim")
    assert acd.release(stale, now_ms()) == Refused("stale_claim")
    assert isinstance(acd.answer(fresh, now_ms()), Accepted)
    assert acd.claim(b, call, "sales", now_ms()) == Refused("call_taken")


def test_a_renewed_lease_is_not_reaped(client: redis.Redis) -> None:
    acd = RedisAcd(client)
    (a,), (call,) = set_up(acd, agents=1, calls=1)
    claim = acd.claim(a, call, "sales", now_ms(), lease_ms=1_000)
    assert isinstance(claim, Claim)
    assert acd.renew(claim, now_ms(), lease_ms=60_000)
    assert acd.reap(now_ms() + 5_000) == []
    assert isinstance(acd.answer(claim, now_ms()), Accepted)
    assert not acd.renew(claim, now_ms())  # answered: the lease is gone


def test_ring_all_offers_everyone_and_the_first_answer_takes_the_call(client: redis.Redis) -> None:
    acd = RedisAcd(client)
    (a, b), (call,) = set_up(acd, agents=2, calls=1, strategy=Strategy.RING_ALL)
    claims = [acd.claim(agent, call, "sales", now_ms(), exclusive=False) for agent in (a, b)]
    first, second = claims
    assert isinstance(first, Claim) and isinstance(second, Claim)
    assert isinstance(acd.answer(second, now_ms()), Accepted)
    assert acd.answer(first, now_ms()) == Refused("call_taken")
    assert isinstance(acd.release(first, now_ms(), reason="answered_elsewhere"), Accepted)
    assert acd.claim(a, call, "sales", now_ms(), exclusive=False) == Refused("call_taken")


def test_acw_ends_at_its_deadline_through_the_reaper(client: redis.Redis) -> None:
    acd = RedisAcd(client)
    (a,), (call,) = set_up(acd, agents=1, calls=1, acw_mode=AcwMode.AFTER_ANSWERED, acw_seconds=30)
    claim = acd.claim(a, call, "sales", 1_000)
    assert isinstance(claim, Claim)
    assert isinstance(acd.answer(claim, 2_000), Accepted)
    assert isinstance(acd.apply(a, Command("call_end", call), 3_000), Accepted)
    assert acd.reap(32_999) == []
    (ended,) = acd.reap(33_000)
    assert (ended.events[0].agent_id, ended.events[0].reason) == (a, "acw_timeout")
    live = acd.live(a)
    assert live is not None and (live.state, live.calls, live.talk_ms) == (State.IDLE, 1, 1_000)


def test_a_conflicting_write_is_recomputed_from_the_new_state(client: redis.Redis) -> None:
    acd = RedisAcd(client)
    (a,), (call,) = set_up(acd, agents=1, calls=1)
    claim = acd.claim(a, call, "sales", now_ms())
    assert isinstance(claim, Claim)
    # Another process changes the agent between this one's read and write: simulate by
    # asking for a pause after the call, then answering with the older token.
    assert isinstance(acd.apply(a, Command("pause_after_call", reason="lunch"), now_ms()), Accepted)
    assert isinstance(acd.answer(claim, now_ms()), Accepted)
    assert isinstance(acd.apply(a, Command("call_end", call), now_ms()), Accepted)
    live = acd.live(a)
    assert live is not None and (live.state, live.pause_reason) == (State.PAUSED, "lunch")


def test_selectors_bootstrapped_and_following_the_stream_agree_with_redis(
    client: redis.Redis,
) -> None:
    acd = RedisAcd(client)
    native, reference = build_selector(), PySelector()
    agents, calls = set_up(acd, agents=3, calls=2)
    ids = [acd.bootstrap(s) for s in (native, reference)]
    claim = acd.claim(agents[0], calls[0], "sales", now_ms())
    assert isinstance(claim, Claim)
    assert isinstance(acd.answer(claim, now_ms()), Accepted)
    acd.remove_call(calls[0], "answered", now_ms())
    acd.apply(agents[1], Command("pause", reason="lunch"), now_ms())
    acd.enqueue_call(WaitingCall("late", "sales", priority=2, enqueued_ms=now_ms()))
    for selector, last_id in zip((native, reference), ids, strict=True):
        acd.follow(selector, last_id)
        for agent in agents:
            assert selector.live(agent) == acd.live(agent)
        assert selector.waiting("sales") == ["late", calls[1]]
        assert selector.select("late", now_ms(), 0, 3) == [agents[2]]
    events = [from_wire(e) for e in _events(client)]
    reasons = [e.reason for e in events if isinstance(e, AgentStateChanged)]
    assert reasons[-3:] == ["offered", "answered", "paused"]


def test_many_agents_change_in_one_batch_and_conflicts_are_retried_alone(
    client: redis.Redis,
) -> None:
    acd = RedisAcd(client)
    agents, _calls = set_up(acd, agents=3, calls=0)
    pause = Command("pause", reason="meeting")
    # Another process pauses agent 0 first: its command in the batch is refused on retry.
    assert isinstance(acd.apply(agents[0], pause, now_ms()), Accepted)
    outcomes = acd.apply_many([(a, pause, now_ms()) for a in agents] + [("nobody", pause, 0)])
    assert outcomes[0] == Refused("not_idle_or_acw")
    assert all(isinstance(o, Accepted) for o in outcomes[1:3])
    assert outcomes[3] == Refused("unknown_agent")
    for agent in agents:
        live = acd.live(agent)
        assert live is not None and live.state == State.PAUSED
    with pytest.raises(ValueError, match="one command per agent"):
        acd.apply_many([(agents[0], pause, 0), (agents[0], pause, 0)])
