"""Supervision through the API and the real stack: a group administrator with the right
monitors an agent's live call (hears both, nobody hears them), whispers (the agent hears
them, the customer never does), switches to barge live (everyone hears everyone), and
ends it; anyone else is refused and nothing changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.integration.calls.helpers import call_events, channel
from tests.integration.calls.test_conference import hears_both
from tests.integration.calls.test_in_call import _queue_call_with_agent, listen
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import AGENT_TONE, CALLER_TONE, carrier, hears, set_agents
from tests.support.rtp import RtpEndpoint
from tests.support.sipua import IncomingCall, SipUA
from tests.support.stack import Stack
from tests.support.waiting import wait_until

SUPERVISOR_TONE = 1500.0
PATH = "/teams/demo/agents/1001/supervision"


def answer_supervisor(phone: SipUA, rtp: RtpEndpoint) -> IncomingCall:
    """The supervisor's phone answers call control's call and talks (its own tone)."""
    ringing = phone.wait_incoming(timeout=5)
    ringing.answer(rtp)
    ringing.wait_ack()
    rtp.start_sending(ringing.remote_rtp, tone_hz=SUPERVISOR_TONE)
    return ringing


def login(client: httpx.Client, user: str, password: str) -> dict[str, str]:
    token = client.post("/auth/login", json={"login": user, "password": password})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['token']}"}


@pytest.fixture
def web(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{stack.web_url}/api/v1", timeout=15) as client:
        yield client


def make_group_admin(client: httpx.Client, login_name: str, **rights: bool) -> dict[str, str]:
    admin = login(client, "admin@demo", "demo-admin-web")
    password = f"{login_name}-password"
    made = client.post(
        "/teams/demo/users",
        headers=admin,
        json={"login": login_name, "password": password, "role": "user"},
    )
    assert made.status_code in (201, 409), made.text
    put = client.put(
        f"/teams/demo/agent-groups/support/admins/{login_name}", headers=admin, json=rights
    )
    assert put.status_code == 200, put.text
    return login(client, login_name, password)


def test_a_group_admin_monitors_then_barges_and_others_are_refused(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    web: httpx.Client,
) -> None:
    lead = make_group_admin(web, "lead@demo", monitor=True, barge=True)
    plain = make_group_admin(web, "helper@demo", monitor=False, barge=False)
    set_agents(stack, idle=("demo/1001",))
    supervisor_phone = phones("demo-5005")
    supervisor_rtp = rtp_endpoints()
    with carrier(stack) as ua:
        call, incoming, caller_rtp, agent_rtp = _queue_call_with_agent(
            stack, phones, rtp_endpoints, ua
        )
        refused = web.post(PATH, headers=plain, json={"mode": "monitor", "phone": "5005"})
        assert refused.status_code == 403 and refused.json()["error_id"] == "not_a_supervisor"
        whisper = web.post(PATH, headers=lead, json={"mode": "whisper", "phone": "5005"})
        assert whisper.status_code == 403  # no whisper right: refused before anything
        assert not supervisor_phone.has_incoming()
        assert (channel(stack).view(call.call_id) or {}).get("supervision") == ""

        started = web.post(PATH, headers=lead, json={"mode": "monitor", "phone": "5005"})
        assert started.status_code == 200, started.text
        ringing = answer_supervisor(supervisor_phone, supervisor_rtp)
        wait_until(
            lambda: hears_both(supervisor_rtp, CALLER_TONE, AGENT_TONE, SUPERVISOR_TONE),
            timeout=8,
            what="the supervisor hears both",
        )
        listen(caller_rtp, agent_rtp)
        assert hears(caller_rtp, AGENT_TONE, SUPERVISOR_TONE), (
            "monitor: caller hears the agent only"
        )
        assert hears(agent_rtp, CALLER_TONE, SUPERVISOR_TONE), (
            "monitor: agent hears the caller only"
        )

        switched = web.patch(PATH, headers=lead, json={"mode": "barge"})
        assert switched.status_code == 200, switched.text
        wait_until(
            lambda: hears_both(caller_rtp, AGENT_TONE, SUPERVISOR_TONE, CALLER_TONE),
            what="barge: the caller hears agent and supervisor",
        )
        wait_until(
            lambda: hears_both(agent_rtp, CALLER_TONE, SUPERVISOR_TONE, AGENT_TONE),
            what="barge: the agent hears caller and supervisor",
        )

        ended = web.delete(PATH, headers=lead)
        assert ended.status_code == 200, ended.text
        ringing.wait_bye()
        listen(caller_rtp)
        assert hears(caller_rtp, AGENT_TONE, SUPERVISOR_TONE), "the call goes on without them"
        assert call.bye().status == 200
        incoming.wait_bye()
    events = call_events(stack, call.call_id)
    assert "supervision_started" in events and "supervision_changed" in events


def test_a_whispering_supervisor_is_heard_by_the_agent_never_by_the_customer_and_switches_live(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    web: httpx.Client,
) -> None:
    coach = make_group_admin(web, "coach@demo", monitor=True, whisper=True, barge=True)
    set_agents(stack, idle=("demo/1001",))
    supervisor_phone = phones("demo-5005")
    supervisor_rtp = rtp_endpoints()
    with carrier(stack) as ua:
        call, incoming, caller_rtp, agent_rtp = _queue_call_with_agent(
            stack, phones, rtp_endpoints, ua
        )
        started = web.post(PATH, headers=coach, json={"mode": "whisper", "phone": "5005"})
        assert started.status_code == 200, started.text
        ringing = answer_supervisor(supervisor_phone, supervisor_rtp)
        wait_until(
            lambda: hears_both(agent_rtp, CALLER_TONE, SUPERVISOR_TONE, AGENT_TONE),
            timeout=8,
            what="whisper: the agent hears the caller and the supervisor",
        )
        wait_until(
            lambda: hears_both(supervisor_rtp, CALLER_TONE, AGENT_TONE, SUPERVISOR_TONE),
            what="whisper: the supervisor hears both",
        )
        listen(caller_rtp, seconds=2.0)
        assert hears(caller_rtp, AGENT_TONE, SUPERVISOR_TONE), "whisper: the caller hears the agent"
        assert caller_rtp.dominant_power(SUPERVISOR_TONE) < 0.02, "and nothing of the supervisor"

        barge = web.patch(PATH, headers=coach, json={"mode": "barge"})
        assert barge.status_code == 200, barge.text
        wait_until(
            lambda: hears_both(caller_rtp, AGENT_TONE, SUPERVISOR_TONE, CALLER_TONE),
            what="barge: the caller hears agent and supervisor",
        )
        monitor = web.patch(PATH, headers=coach, json={"mode": "monitor"})
        assert monitor.status_code == 200, monitor.text
        listen(caller_rtp, agent_rtp)
        assert hears(caller_rtp, AGENT_TONE, SUPERVISOR_TONE), "monitor: caller hears the agent"
        assert hears(agent_rtp, CALLER_TONE, SUPERVISOR_TONE), "monitor: agent hears the caller"
        again = web.patch(PATH, headers=coach, json={"mode": "whisper"})
        assert again.status_code == 200, again.text
        wait_until(
            lambda: hears_both(agent_rtp, CALLER_TONE, SUPERVISOR_TONE, AGENT_TONE),
            what="whisper again: the agent hears the supervisor",
        )
        listen(caller_rtp)
        assert caller_rtp.dominant_power(SUPERVISOR_TONE) < 0.02, "whisper again: caller not"
        consult = web.post(
            "/teams/demo/agents/1001/calls/" + call.call_id + "/consult",
            headers=login(web, "admin@demo", "demo-admin-web"),
            json={"to": "5003"},
        )
        assert consult.status_code == 409 and consult.json()["error_id"] == "whispering"
        ended = web.delete(PATH, headers=coach)
        assert ended.status_code == 200, ended.text
        ringing.wait_bye()
        assert call.bye().status == 200
        incoming.wait_bye()
    # one stream to the caller through every mode: rtp_endpoints checks it at teardown
