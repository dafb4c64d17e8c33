"""Skills, penalties and priorities route queue calls end to end (Kamailio, call control,
rtpengine, Redis), and the explain endpoints say why a call waits or an agent is skipped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store import provisioning as p
from store.models import (
    Agent,
    AgentGroupMember,
    CallerPriority,
    Did,
    ProvisioningState,
    Team,
)
from store.provisioning import skills
from store.seed import DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    CARRIER_IP,
    QUEUE_DID,
    agent_live,
    call_queue,
    call_record,
    carrier,
    leg_records,
    set_agents,
)
from tests.integration.test_outbound_calls import edge_caught_up
from tests.support.rtp import RtpEndpoint
from tests.support.sipua import SipUA
from tests.support.stack import Stack
from tests.support.waiting import wait_until

URGENT_DID = "+15550105"  # to support, priority 5 (made by the tests that need it)


def provision(stack: Stack, change: Callable[[Session, Team], object]) -> None:
    """Apply ``change(session, demo)``; wait until the edge and call control use it."""
    with stack.sessions() as session, session.begin():
        change(session, p.get_team(session, "demo"))
    with stack.sessions() as session:
        version = session.scalar(select(ProvisioningState.version))
    wait_until(lambda: edge_caught_up(stack), what="the edge reloaded the store")
    wait_until(
        lambda: f"configuration v{version}:" in stack.log("callcontrol"),
        timeout=5,
        what=f"call control reloaded configuration v{version}",
    )


def _reset(session: Session, team: Team) -> None:
    group = p.get_agent_group(session, team, "support")
    p.update_agent_group(
        session, team, group, {"required_skills": {}, "max_penalty": 0, "penalty_steps": []}
    )
    for agent in session.scalars(select(Agent).where(Agent.team_id == team.id)):
        agent.skills = {}
    for member in session.scalars(select(AgentGroupMember)):
        member.penalty = 0
    session.execute(delete(CallerPriority))
    did = session.scalar(select(Did).where(Did.number == URGENT_DID))
    if did is not None:
        p.delete_did(session, did)


@pytest.fixture(autouse=True)
def no_skills_routing(stack: Stack) -> Iterator[None]:
    """Each test starts and leaves the demo without skills, penalties or priorities."""
    yield
    provision(stack, _reset)


@pytest.fixture
def admin_api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{stack.web_url}/api/v1", timeout=10) as client:
        login = client.post(
            "/auth/login", json={"login": DEMO_ADMIN_LOGIN, "password": DEMO_ADMIN_PASSWORD}
        )
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        yield client


def _skills(
    agents: dict[str, dict[str, int]], group: dict[str, object] | None = None
) -> Callable[[Session, Team], None]:
    """Give ``agents`` (by number) these skills and the support group these settings."""

    def change(session: Session, team: Team) -> None:
        for number, levels in agents.items():
            p.update_agent(session, team, p.get_agent(session, team, number), {"skills": levels})
        if group:
            p.update_agent_group(session, team, p.get_agent_group(session, team, "support"), group)

    return change


def test_a_call_to_a_group_requiring_a_skill_goes_to_the_agent_having_it_though_another_is_idle(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    provision(stack, _skills({"1002": {"french": 4}, "1001": {"billing": 5}},
                             {"required_skills": {"french": 3}}))  # fmt: skip
    set_agents(stack, idle=("demo/1001", "demo/1002"))  # 1001 idle longest
    lacking, skilled = phones("demo-5001"), phones("demo-5002")
    with carrier(stack) as ua:
        call = call_queue(ua, rtp_endpoints(CARRIER_IP))
        incoming = skilled.wait_incoming(timeout=5)
        incoming.answer(rtp_endpoints())
        wait_until(lambda: agent_live(stack, "demo/1002").state == "on_call", what="on call")
        assert not lacking.has_incoming()
        assert agent_live(stack, "demo/1001").state == "idle"
        assert call.bye().status == 200
        incoming.wait_bye()
    assert [leg["agent"] for leg in leg_records(stack, call.call_id)] == ["1002"]


def test_after_the_relaxation_steps_seconds_a_waiting_call_reaches_a_higher_penalty_agent(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    admin_api: httpx.Client,
) -> None:
    def change(session: Session, team: Team) -> None:
        p.update_agent(session, team, p.get_agent(session, team, "1001"), {"penalties": {"support": 2}})  # fmt: skip
        p.update_agent_group(session, team, p.get_agent_group(session, team, "support"),
                             {"max_penalty": 0, "penalty_steps": [{"after_s": 3, "max_penalty": 2}]})  # fmt: skip

    provision(stack, change)
    set_agents(stack, idle=("demo/1001",))  # the only free agent has penalty 2
    backup = phones("demo-5001")
    with carrier(stack) as ua:
        call = call_queue(ua, rtp_endpoints(CARRIER_IP))
        first = wait_until(
            lambda: admin_api.get("/teams/demo/agent-groups/support/explain").json()["waiting"],
            what="the call waiting",
        )[0]
        reasons = {a["agent"]: (a["reason"], a["detail"]) for a in first["agents"]}
        if first["waited_ms"] < 3000:  # asked before the step: the penalty keeps it waiting
            assert reasons["1001"] == ("penalty_too_high", "2>0"), first
            assert not backup.has_incoming()
        incoming = backup.wait_incoming(timeout=8)
        incoming.answer(rtp_endpoints())
        wait_until(lambda: agent_live(stack, "demo/1001").state == "on_call", what="on call")
        assert call.bye().status == 200
        incoming.wait_bye()
    cdr = call_record(stack, call.call_id, outcome="answered")
    (leg,) = leg_records(stack, call.call_id)
    offered_after_ms = (leg["started_at"] - cdr["started_at"]).total_seconds() * 1000  # type: ignore[operator]
    assert offered_after_ms >= 3000, (cdr["started_at"], leg["started_at"])
    assert cdr["agent"] == "1001"


def _priority_race(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    low: tuple[str, str],
    high: tuple[str, str],
) -> None:
    """(caller, DID) ``low`` waits first, ``high`` second; the one agent frees up: it is
    offered ``high``'s call first."""
    set_agents(stack, idle=())  # every agent paused
    agent_phone = phones("demo-5001")
    with ExitStack() as stack_of:
        calls = {}
        for caller, did in (low, high):
            ua = stack_of.enter_context(SipUA(caller, None, stack.proxy, local_ip=CARRIER_IP))
            caller_rtp = rtp_endpoints(CARRIER_IP)
            call = ua.invite(did, rtp=caller_rtp, wait=False)
            assert call.wait_final(timeout=10).status == 200
            caller_rtp.start_sending(call.remote_rtp)
            calls[caller] = call
            queued = f"call {call.call_id} from {caller} queued"
            wait_until(
                lambda line=queued: line in stack.log("callcontrol"), what=f"{caller}'s call queued"
            )
        set_agents(stack, idle=("demo/1001",))
        incoming = agent_phone.wait_incoming(timeout=5)
        assert f"sip:{high[0]}@" in incoming.request.headers["From"], incoming.request.headers[
            "From"
        ]
        incoming.answer(rtp_endpoints())
        incoming.wait_ack()
        wait_until(lambda: agent_live(stack, "demo/1001").state == "on_call", what="on call")
        assert incoming.bye().status == 200
        calls[high[0]].wait_bye()
        second = agent_phone.wait_incoming(timeout=5)  # then the earlier, lower one
        assert f"sip:{low[0]}@" in second.request.headers["From"]
        second.answer(rtp_endpoints())
        second.wait_ack()
        wait_until(lambda: agent_live(stack, "demo/1001").state == "on_call", what="on call")
        assert second.bye().status == 200
        calls[low[0]].wait_bye()
    assert call_record(stack, calls[high[0]].call_id, outcome="answered")["agent"] == "1001"


def test_a_call_through_a_higher_priority_did_is_answered_before_an_earlier_one(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    provision(stack, lambda s, team: p.create_did(
        s, team, URGENT_DID, {"kind": "agent_group", "ref": "support"}, priority=5))  # fmt: skip
    _priority_race(
        stack, phones, rtp_endpoints, ("+15551110001", QUEUE_DID), ("+15552220002", URGENT_DID)
    )


def test_a_call_from_a_priority_caller_is_answered_before_an_earlier_one(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    provision(stack, lambda s, team: skills.create_caller_priority(s, team, "+1555222", 5))
    _priority_race(
        stack, phones, rtp_endpoints, ("+15551110001", QUEUE_DID), ("+15552220002", QUEUE_DID)
    )


def test_explain_says_paused_unregistered_missing_skill_and_who_is_eligible(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    admin_api: httpx.Client,
) -> None:
    provision(stack, _skills({"1002": {"french": 3}, "1003": {"french": 3}, "1004": {"french": 1},
                              "1005": {"french": 3}}, {"required_skills": {"french": 2}}))  # fmt: skip
    set_agents(stack, idle=("demo/1002", "demo/1003", "demo/1004"), paused=("demo/1001",))
    phones("demo-5004")  # 1004 and 1002 registered; 1003's phone is not
    busy = phones("demo-5002")

    def agent_reason(number: str) -> tuple[str, str]:
        answer = admin_api.get(f"/teams/demo/agents/{number}/explain")
        assert answer.status_code == 200, answer.text
        (group,) = answer.json()["groups"]
        return group["reason"], group["detail"]

    assert agent_reason("1001") == ("paused", "lunch")
    assert agent_reason("1003") == ("unregistered", "")
    assert agent_reason("1004") == ("skill_too_low", "french 1<2")
    assert agent_reason("1005") == ("paused", "training")
    assert agent_reason("1002") == ("", "")
    with carrier(stack) as ua:  # 1002 takes a call: then it explains on_call
        call = call_queue(ua, rtp_endpoints(CARRIER_IP))
        incoming = busy.wait_incoming(timeout=5)
        incoming.answer(rtp_endpoints())
        wait_until(lambda: agent_live(stack, "demo/1002").state == "on_call", what="on call")
        assert agent_reason("1002") == ("on_call", "")
        with carrier(stack) as second_ua:  # a second caller waits: nobody may take it
            waiting = call_queue(second_ua, rtp_endpoints(CARRIER_IP))
            explained = wait_until(
                lambda: admin_api.get("/teams/demo/agent-groups/support/explain").json()["waiting"],
                what="the second call waiting",
            )
            assert explained[0]["call"] == waiting.call_id
            assert explained[0]["status"] == "no_eligible_agent"
            # the demo's five (agents other tests added stay in the ACD's live state)
            reasons = {
                a["agent"]: a["reason"]
                for a in explained[0]["agents"]
                if a["agent"] in ("1001", "1002", "1003", "1004", "1005")
            }
            assert reasons == {"1001": "paused", "1002": "on_call", "1003": "unregistered",
                               "1004": "skill_too_low", "1005": "paused"}  # fmt: skip
            assert waiting.bye().status == 200
        assert call.bye().status == 200
        incoming.wait_bye()
