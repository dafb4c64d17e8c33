"""Each selection strategy orders agents as documented (``routing/acd/policy.py``), in the
native index and in the reference alike; round robin is fair."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.acd import build_selector
from routing.acd.machine import Accepted, Command
from routing.acd.model import AgentConfig, GroupConfig, Membership, Strategy, WaitingCall
from routing.acd.native import native_module
from routing.acd.rng import SplitMix64

from .scenarios import Driver

IMPLEMENTATIONS = [
    pytest.param(False, id="reference"),
    pytest.param(
        True,
        id="native",
        marks=pytest.mark.skipif(native_module() is None, reason="routing._native is not built"),
    ),
]


def _center(
    native: bool,
    strategy: Strategy,
    positions: dict[str, int] | None = None,
    weights: dict[str, int] | None = None,
) -> Driver:
    """Group g; agents a, b, c signed in and registered at t=1 s."""
    driver = Driver([build_selector(prefer_native=native)])
    driver.publish_group(GroupConfig("g", strategy))
    positions = positions or {"a": 3, "b": 2, "c": 1}
    weights = weights or {}
    for agent in ("a", "b", "c"):
        membership = Membership("g", position=positions[agent], weight=weights.get(agent, 1))
        driver.publish_agent(AgentConfig(agent, memberships=(membership,)))
        _ok(driver, agent, Command("sign_in"))
        _ok(driver, agent, Command("registration", registered=True))
    return driver


def _ok(driver: Driver, agent: str, command: Command) -> None:
    assert isinstance(driver.command(agent, command), Accepted), (agent, command)


def _serve(driver: Driver, agent: str, call_id: str, talk_ms: int) -> None:
    """``agent`` answers a call of g, talks ``talk_ms`` and hangs up (no ACW)."""
    driver.queue(WaitingCall(call_id, "g", enqueued_ms=driver.now_ms))
    _ok(driver, agent, Command("offer", call_id, group="g"))
    _ok(driver, agent, Command("answer", call_id))
    driver.now_ms += talk_ms
    _ok(driver, agent, Command("call_end", call_id))


def _history(driver: Driver) -> None:
    """a: 2 calls, 10 s talk, idle since 30 s; c: 1 call, 60 s, idle since 100 s;
    b: never called, idle since 1 s."""
    driver.now_ms = 15_000
    _serve(driver, "a", "h1", 5_000)
    driver.now_ms = 25_000
    _serve(driver, "a", "h2", 5_000)
    driver.now_ms = 40_000
    _serve(driver, "c", "h3", 60_000)
    driver.queue(WaitingCall("q", "g", enqueued_ms=driver.now_ms))


@pytest.mark.parametrize("native", IMPLEMENTATIONS)
@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (Strategy.LONGEST_IDLE, ["b", "a", "c"]),
        (Strategy.RING_ALL, ["b", "a", "c"]),  # all of them, longest idle first
        (Strategy.FEWEST_CALLS, ["b", "c", "a"]),
        (Strategy.LEAST_TALK_TIME, ["b", "a", "c"]),
        (Strategy.LINEAR, ["c", "b", "a"]),  # positions c=1, b=2, a=3
    ],
)
def test_deterministic_strategies_order_agents_as_documented(
    native: bool, strategy: Strategy, expected: list[str]
) -> None:
    driver = _center(native, strategy)
    _history(driver)
    assert driver.reference.select("q", driver.now_ms, 0, 3) == expected


@pytest.mark.parametrize("native", IMPLEMENTATIONS)
def test_random_is_the_id_sorted_list_rotated_by_the_seed(native: bool) -> None:
    driver = _center(native, Strategy.RANDOM)
    driver.queue(WaitingCall("q", "g"))
    for seed in (0, 1, 2, 12345, 2**64 - 1):
        start = SplitMix64(seed).next() % 3
        expected = (["a", "b", "c"] * 2)[start : start + 3]
        assert driver.reference.select("q", 2_000, seed, 3) == expected


@pytest.mark.parametrize("native", IMPLEMENTATIONS)
def test_weighted_random_offers_in_proportion_to_weights(native: bool) -> None:
    driver = _center(native, Strategy.WEIGHTED_RANDOM, weights={"a": 1, "b": 3, "c": 6})
    driver.queue(WaitingCall("q", "g"))
    firsts = Counter(driver.reference.select("q", 2_000, seed, 1)[0] for seed in range(3000))
    # Expected 300 / 900 / 1800; the bounds are many standard deviations wide.
    assert 200 < firsts["a"] < 400 and 750 < firsts["b"] < 1050 and 1600 < firsts["c"] < 2000
    assert sorted(driver.reference.select("q", 2_000, 99, 3)) == ["a", "b", "c"]


@pytest.mark.parametrize("native", IMPLEMENTATIONS)
@settings(max_examples=40, deadline=None)
@given(size=st.integers(2, 6), rounds=st.integers(1, 4), data=st.data())
def test_round_robin_is_fair(native: bool, size: int, rounds: int, data: st.DataObject) -> None:
    """Whether agents answer or let it ring, each is offered once per cycle."""
    driver = Driver([build_selector(prefer_native=native)])
    driver.publish_group(GroupConfig("g", Strategy.ROUND_ROBIN))
    agents = [f"a{i}" for i in range(size)]
    for position, agent in enumerate(data.draw(st.permutations(agents))):
        driver.publish_agent(AgentConfig(agent, memberships=(Membership("g", position=position),)))
        _ok(driver, agent, Command("sign_in"))
        _ok(driver, agent, Command("registration", registered=True))
    offered: Counter[str] = Counter()
    for n in range(size * rounds):
        call_id = f"c{n}"
        driver.queue(WaitingCall(call_id, "g", enqueued_ms=driver.now_ms))
        (agent,) = driver.reference.select(call_id, driver.now_ms, n, 1)
        offered[agent] += 1
        _ok(driver, agent, Command("offer", call_id, group="g"))
        if data.draw(st.booleans(), label="answers"):
            _ok(driver, agent, Command("answer", call_id))
            _ok(driver, agent, Command("call_end", call_id))
        else:
            _ok(driver, agent, Command("ring_end", call_id))
            driver.leave(call_id)
        driver.now_ms += 1_000
    assert set(offered.values()) == {rounds}, offered
