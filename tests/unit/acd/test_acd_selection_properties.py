"""The native ACD index answers exactly like the Python reference, and neither ever selects
an agent who may not take the call.

Each generated scenario configures a small center, then runs a random mix of agent
commands (many of them the plausible next step of the agent's state), queued and
abandoned calls, offers of selected agents and clock jumps; after every step it asks
every question (select with random seeds and limits, next_call, both explains, live,
waiting) of both implementations. Without the native build, the invariants still run
against the reference alone.
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from routing.acd import NativeSelector, PySelector
from routing.acd.machine import Accepted, Command
from routing.acd.model import AgentConfig, GroupConfig, State, WaitingCall
from routing.acd.native import native_module
from routing.acd.selector import Selector

from .scenarios import (
    CALLS,
    GROUPS,
    Driver,
    agents,
    any_command,
    centers,
    groups,
    plausible_commands,
    required_skills,
)

CALL_STATES = (State.OFFERED, State.ON_CALL)
# Repeats weigh more: offers and their follow-ups are where the interesting states are.
QUEUE_GROUPS = st.sampled_from([*GROUPS, *GROUPS, "nowhere"])  # nobody configured "nowhere"
# Exact ACW (5 s) and penalty-step boundaries, and anything else.
CLOCK_JUMPS = st.sampled_from([1, 999, 1_000, 4_999, 5_000, 5_001]) | st.integers(0, 25_000)
STEPS = (
    ["plausible"] * 4
    + ["any", "queue", "queue"]
    + ["assign"] * 3
    + ["serve"] * 2
    + ["leave", "advance", "advance", "deadline", "reconfigure"]
)


def all_selectors() -> list[Selector]:
    native = native_module()
    selectors: list[Selector] = [PySelector()]
    if native is not None:
        selectors.append(NativeSelector(native.AcdIndex()))
    return selectors


def test_the_native_index_is_built() -> None:
    # The properties below silently compare the reference with itself otherwise.
    assert native_module() is not None, "run `make install` (maturin develop) first"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(center=centers(), data=st.data())
def test_native_and_reference_agree_and_never_select_an_unfit_agent(
    center: tuple[list[GroupConfig], list[AgentConfig]], data: st.DataObject
) -> None:
    group_configs, configs = center
    driver = Driver(all_selectors())
    driver.setup(group_configs, configs)
    agent_ids = [c.agent_id for c in configs]
    queued: dict[str, str] = {}  # call -> group
    for agent in agent_ids:
        driver.command(agent, Command("sign_in"))
        if data.draw(st.integers(0, 4), label="registered unless 0"):
            driver.command(agent, Command("registration", registered=True))

    for _ in range(data.draw(st.integers(10, 70), label="steps")):
        step = data.draw(st.sampled_from(STEPS), label="step")
        if step in ("plausible", "any"):
            agent = _draw_agent(data, driver, agent_ids)
            command = _draw_command(data, driver, agent, queued, plausible=step == "plausible")
            _command_keeping_sip_truth(driver, agent, command)
        elif step == "queue":
            call = WaitingCall(
                data.draw(st.sampled_from(CALLS)),
                data.draw(QUEUE_GROUPS),
                data.draw(st.integers(0, 3)),
                driver.now_ms,
                data.draw(required_skills),
            )
            queued[call.call_id] = call.group
            driver.queue(call)
        elif step == "assign" and queued:
            call_id = data.draw(st.sampled_from(sorted(queued)))
            chosen = driver.same("select", call_id, driver.now_ms, data.draw(st.integers(0, 99)), 1)
            event(f"assign: {'offered' if chosen else 'nobody'}")
            if chosen:
                assert isinstance(
                    driver.command(chosen[0], Command("offer", call_id, group=queued[call_id])),
                    Accepted,
                ), "a selected agent must accept the offer"
        elif step == "serve":
            agent = data.draw(st.sampled_from(agent_ids))
            call_id = driver.same("next_call", agent, driver.now_ms)
            if call_id is not None:
                offer = Command("offer", call_id, group=queued[call_id])
                assert isinstance(driver.command(agent, offer), Accepted)
        elif step == "leave" and queued:
            call_id = data.draw(st.sampled_from(sorted(queued)))
            del queued[call_id]
            driver.leave(call_id)
        elif step == "advance":
            driver.now_ms += data.draw(CLOCK_JUMPS)
        elif step == "deadline":  # land exactly on an ACW deadline
            deadlines = [_acw_until(driver, a) for a in agent_ids if _acw_until(driver, a)]
            if deadlines:
                driver.now_ms = max(driver.now_ms, data.draw(st.sampled_from(deadlines)))
        elif step == "reconfigure":
            if data.draw(st.booleans()):
                driver.publish_group(data.draw(groups))
            else:
                driver.publish_agent(data.draw(agents(data.draw(st.sampled_from(agent_ids)))))
        _ask_everything(driver, data, agent_ids)


def _draw_agent(data: st.DataObject, driver: Driver, agent_ids: list[str]) -> str:
    """Often one in a call or in ACW: that is where the interesting transitions are."""
    busy = [a for a in agent_ids if _state(driver, a) in (*CALL_STATES, State.ACW)]
    if busy and data.draw(st.booleans(), label="busy agent"):
        return data.draw(st.sampled_from(busy), label="agent")
    return data.draw(st.sampled_from(agent_ids), label="agent")


def _acw_until(driver: Driver, agent: str) -> int:
    live = driver.reference.live(agent)
    return live.acw_until_ms if live is not None else 0


def _state(driver: Driver, agent: str) -> State | None:
    live = driver.reference.live(agent)
    return None if live is None else live.state


def _draw_command(
    data: st.DataObject, driver: Driver, agent: str, queued: dict[str, str], plausible: bool
) -> Command:
    if not plausible:
        return data.draw(any_command())
    live = driver.reference.live(agent)
    assert live is not None
    call_id = live.call_id or data.draw(st.sampled_from(CALLS))
    group = live.group or data.draw(st.sampled_from(GROUPS))
    return data.draw(st.sampled_from(plausible_commands(live.state, call_id, group)))


def _command_keeping_sip_truth(driver: Driver, agent: str, command: Command) -> None:
    before = driver.reference.live(agent)
    outcome = driver.command(agent, command)
    after = driver.reference.live(agent)
    assert before is not None and after is not None
    ended = command.kind == "dialog_ended" and before.call_id == command.call_id
    if ended and before.state in CALL_STATES:
        assert after.state not in CALL_STATES, "left in a call whose dialog ended"
    if command.kind == "reconcile" and before.state == State.ON_CALL:
        assert (after.state == State.ON_CALL) == (before.call_id in command.live_calls)
    event(f"{command.kind}: {'accepted' if isinstance(outcome, Accepted) else 'refused'}")
    if isinstance(outcome, Accepted):
        assert outcome.events[0].reason and after.version == before.version + 1
    else:
        assert after == before, "a refusal changes nothing"


def _ask_everything(driver: Driver, data: st.DataObject, agent_ids: list[str]) -> None:
    now = driver.now_ms
    for call_id in CALLS:
        limit = data.draw(st.integers(0, 4), label="limit")
        seed = data.draw(st.integers(0, 2**64 - 1), label="seed")
        chosen = driver.same("select", call_id, now, seed, limit)
        event(f"select found {min(len(chosen), 2)}")
        assert len(chosen) <= limit and len(set(chosen)) == len(chosen)
        for agent in chosen:
            _assert_may_take(driver, call_id, agent)
        explained = driver.same("explain_call", call_id, now)
        if chosen:
            assert set(chosen) <= set(explained["eligible"])
    for agent in agent_ids:
        driver.same("live", agent)
        call_id = driver.same("next_call", agent, now)
        if call_id is not None:
            _assert_may_take(driver, call_id, agent)
    for group in GROUPS:
        driver.same("waiting", group)
    call_id, agent = data.draw(st.sampled_from(CALLS)), data.draw(st.sampled_from(agent_ids))
    driver.same("explain_agent", call_id, agent, now, data.draw(st.integers(0, 2**64 - 1)))


def _assert_may_take(driver: Driver, call_id: str, agent: str) -> None:
    live = driver.reference.live(agent)
    assert live is not None
    # Never paused, in ACW, offered, on a call, signed out, unregistered or dial-out.
    assert live.state == State.IDLE, live
    assert live.registered and live.way.takes_queue_calls, live
    assert driver.reference.explain_agent(call_id, agent, driver.now_ms)["eligible"]
