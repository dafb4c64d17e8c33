"""The ACD's one reaper (``RedisAcd.reap``, which call control runs as
``AgentStates.sweep``): offers past their lease, answered calls whose holder stopped
heart-beating, ACWs that are due -- against a real Redis."""

from __future__ import annotations

import redis

from routing.acd.config import AcdConfig
from routing.acd.machine import Accepted, Command
from routing.acd.model import AgentConfig, GroupConfig, Membership, State
from routing.acd.redis_store import Claim, RedisAcd
from routing.acd.states import AgentStates, Changed
from tests.support.waiting import wait_until

from .center import now_ms, set_up


def _answered(acd: RedisAcd, agent: str, call: str) -> None:
    claim = acd.claim(agent, call, "sales", now_ms())
    assert isinstance(claim, Claim)
    assert isinstance(acd.answer(claim, now_ms()), Accepted)


def test_an_answered_call_whose_holder_stopped_heart_beating_is_ended_for_the_agent(
    client: redis.Redis,
) -> None:
    acd = RedisAcd(client)
    (a,), (call,) = set_up(acd, agents=1, calls=1)
    _answered(acd, a, call)
    acd.hold(a, call, lease_ms=300)
    assert acd.reap(now_ms(), agents=[a]) == []  # the holder is alive
    assert acd.renew_hold(a, call, lease_ms=300)
    assert not acd.renew_hold(a, "another-call", lease_ms=300)
    found: list[Accepted] = []

    def reaped() -> bool:
        found.extend(acd.reap(now_ms(), agents=[a]))
        return bool(found)

    wait_until(reaped, timeout=5, what="the reaper ended the call")
    ((event,),) = [outcome.events for outcome in found]
    assert (event.agent_id, event.reason) == (a, "dialog_lost")
    live = acd.live(a)
    assert live is not None and live.state == State.IDLE and live.call_id == ""
    assert not acd.renew_hold(a, call)


def test_the_reaper_checks_heartbeats_only_of_the_agents_it_is_given(
    client: redis.Redis,
) -> None:
    acd = RedisAcd(client)
    (a, b), (c1, c2) = set_up(acd, agents=2, calls=2)
    _answered(acd, a, c1)
    _answered(acd, b, c2)  # neither has a holder's heartbeat
    (ended,) = acd.reap(now_ms(), agents=[b])
    assert ended.events[0].agent_id == b
    live = acd.live(a)
    assert live is not None and live.state == State.ON_CALL
    assert acd.reap(now_ms()) == []


def _states(client: redis.Redis, lease_ms: int) -> tuple[AgentStates, AcdConfig, str]:
    agent = "demo/1001"
    config = AcdConfig(
        version=1,
        groups={"demo/sales": GroupConfig("demo/sales")},
        queues={},
        agents={agent: AgentConfig(agent, memberships=(Membership("demo/sales"),))},
        agent_numbers={agent: "1001"},
    )
    states = AgentStates(client, lease_ms)
    states.configure(config)
    for command in (Command("sign_in"), Command("registration", registered=True)):
        assert isinstance(states.apply(config, agent, command), Changed)
    return states, config, agent


def _swept(states: AgentStates, config: AcdConfig) -> list[Changed]:
    found: list[Changed] = []

    def swept() -> bool:
        found.extend(states.sweep(config))
        return bool(found)

    wait_until(swept, timeout=5, what="the sweep changed an agent")
    return found


def test_sweep_returns_an_agent_whose_offer_lease_expired(client: redis.Redis) -> None:
    states, config, agent = _states(client, lease_ms=200)
    offer = Command("offer", call_id="call-1", group="demo/sales")
    assert isinstance(states.apply(config, agent, offer), Changed)
    (changed,) = _swept(states, config)
    assert (changed.event["agent"], changed.event["reason"]) == (agent, "lease_expired")
    assert changed.live.state == State.IDLE


def test_sweep_ends_the_call_of_a_holder_that_stopped_renewing(client: redis.Redis) -> None:
    states, config, agent = _states(client, lease_ms=300)
    offer = Command("offer", call_id="call-1", group="demo/sales")
    assert isinstance(states.apply(config, agent, offer), Changed)
    answer = Command("answer", call_id="call-1")
    assert isinstance(states.apply(config, agent, answer), Changed)
    assert client.get(states.keys.holder(agent)) == b"call-1"
    assert states.renew(agent, "call-1")  # the heartbeat, once answered
    assert states.sweep(config) == []
    (changed,) = _swept(states, config)  # no more renewals: the holder "died"
    assert (changed.event["agent"], changed.event["reason"]) == (agent, "dialog_lost")
    assert not states.renew(agent, "call-1")


def test_a_call_ended_normally_leaves_no_heartbeat_behind(client: redis.Redis) -> None:
    states, config, agent = _states(client, lease_ms=60_000)
    for command in (
        Command("offer", call_id="call-1", group="demo/sales"),
        Command("answer", call_id="call-1"),
        Command("call_end", call_id="call-1"),
    ):
        assert isinstance(states.apply(config, agent, command), Changed)
    assert not client.exists(states.keys.holder(agent))
