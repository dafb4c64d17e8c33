"""``*65`` pauses (optionally with a reason code), ``*66`` unpauses, from the agent's phone.

Kamailio relays ``*65`` / ``*66`` to call control with ``X-Switchboard-Feature`` and
``X-Switchboard-Caller``; call control finds the agent at that phone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from store import provisioning as p
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    activity,
    agent_live,
    send_dtmf,
    set_agents,
    wait_config_loaded,
)
from tests.support.rtp import RtpEndpoint
from tests.support.sipua import Call
from tests.support.stack import Stack
from tests.support.waiting import wait_until

PROMPT_HZ, OK_HZ, ERROR_HZ = 850.0, 1400.0, 300.0
AGENT, PHONE = "demo/1003", "demo-5003"


@pytest.fixture
def dial_feature(phones: PhoneFactory) -> Callable[[str, RtpEndpoint], Call]:
    """Dial a feature code from agent 1003's phone (registered: 1003 is reachable)."""
    phone = phones(PHONE)

    def dial(code: str, rtp: RtpEndpoint) -> Call:
        call = phone.invite(code, rtp=rtp, wait=True)
        assert call.status == 200, call.response.summary()
        rtp.start_sending(call.remote_rtp, tone_hz=400.0)
        return call

    return dial


def test_star_65_with_a_reason_code_pauses_the_agent_and_star_66_unpauses(
    stack: Stack,
    dial_feature: Callable[[str, RtpEndpoint], Call],
    rtp_endpoints: Callable[..., RtpEndpoint],
) -> None:
    set_agents(stack, idle=(AGENT,))
    rtp = rtp_endpoints()
    call = dial_feature("*65", rtp)
    wait_until(lambda: rtp.dominant_power(PROMPT_HZ) > 0.3, timeout=5, what="the prompt")
    send_dtmf(rtp, call.remote_rtp, "2#")  # the demo's 2nd reason by name: meeting
    wait_until(lambda: rtp.dominant_power(OK_HZ) > 0.5, timeout=5, what="the confirmation")
    call.wait_bye(timeout=5)
    live = agent_live(stack, AGENT)
    assert (live.state, live.pause_reason) == ("paused", "meeting")
    wait_until(
        lambda: any(
            a["to_state"] == "paused" and a["pause_reason"] == "meeting"
            for a in activity(stack, "1003")
        ),
        what="the pause in the agent's activity",
    )

    rtp = rtp_endpoints()
    call = dial_feature("*66", rtp)
    wait_until(lambda: rtp.dominant_power(OK_HZ) > 0.5, timeout=5, what="the confirmation")
    call.wait_bye(timeout=5)
    assert agent_live(stack, AGENT).state == "idle"
    wait_until(
        lambda: activity(stack, "1003")[-1]["reason"] == "unpaused",
        what="the unpause in the agent's activity",
    )


@pytest.mark.parametrize(
    ("keys", "within_s"),
    [("#", 5), ("", 8)],  # no key at all: the default reason once the keys time out
    ids=["hash-only", "no-key"],
)
def test_star_65_without_a_code_pauses_with_the_default_reason(
    stack: Stack,
    dial_feature: Callable[[str, RtpEndpoint], Call],
    rtp_endpoints: Callable[..., RtpEndpoint],
    keys: str,
    within_s: float,
) -> None:
    set_agents(stack, idle=(AGENT,))
    rtp = rtp_endpoints()
    call = dial_feature("*65", rtp)
    if keys:
        send_dtmf(rtp, call.remote_rtp, keys)
    wait_until(lambda: rtp.dominant_power(OK_HZ) > 0.5, timeout=within_s, what="the confirmation")
    call.wait_bye(timeout=5)
    live = agent_live(stack, AGENT)
    assert (live.state, live.pause_reason) == ("paused", "default")


def test_star_65_when_already_paused_or_with_an_unknown_code_is_refused(
    stack: Stack,
    dial_feature: Callable[[str, RtpEndpoint], Call],
    rtp_endpoints: Callable[..., RtpEndpoint],
) -> None:
    set_agents(stack, idle=(AGENT,))
    rtp = rtp_endpoints()
    call = dial_feature("*65", rtp)
    send_dtmf(rtp, call.remote_rtp, "9#")  # the demo team has three reasons
    wait_until(lambda: rtp.dominant_power(ERROR_HZ) > 0.5, timeout=5, what="the refusal")
    call.wait_bye(timeout=5)
    assert agent_live(stack, AGENT).state == "idle"

    set_agents(stack, idle=())  # 1003 paused (training)
    before = agent_live(stack, AGENT)
    rtp = rtp_endpoints()
    call = dial_feature("*65", rtp)
    send_dtmf(rtp, call.remote_rtp, "1#")
    wait_until(lambda: rtp.dominant_power(ERROR_HZ) > 0.5, timeout=5, what="the refusal")
    call.wait_bye(timeout=5)
    after = agent_live(stack, AGENT)
    assert (after.state, after.pause_reason, after.version) == (
        "paused",
        before.pause_reason,
        before.version,
    )


def test_star_66_from_a_phone_no_agent_is_signed_in_at_is_refused(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    rtp = rtp_endpoints()
    call = phones("demo-5009").invite("*66", rtp=rtp, wait=True)
    assert call.status == 200, call.response.summary()
    rtp.start_sending(call.remote_rtp, tone_hz=400.0)
    wait_until(lambda: rtp.dominant_power(ERROR_HZ) > 0.5, timeout=5, what="the refusal")
    call.wait_bye(timeout=5)
    assert "*66 from demo-5009 refused: no_agent_at_this_phone" in stack.log("callcontrol")


@pytest.fixture
def coaching(stack: Stack) -> Iterator[None]:
    """A team reason "coaching" with code 7, which group support does not list (yet)."""
    with stack.sessions() as session, session.begin():
        p.create_pause_reason(session, p.get_team(session, "demo"), "coaching", 7)
    wait_config_loaded(stack)
    yield
    with stack.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        p.delete_pause_reason(session, p.get_pause_reason(session, team, "coaching"))
    wait_config_loaded(stack)


def test_a_reason_the_agents_group_does_not_list_is_refused_by_api_and_by_its_code(
    stack: Stack,
    dial_feature: Callable[[str, RtpEndpoint], Call],
    rtp_endpoints: Callable[..., RtpEndpoint],
    coaching: None,
) -> None:
    set_agents(stack, idle=(AGENT,))
    with httpx.Client(base_url=f"{stack.web_url}/api/v1", timeout=10) as api:
        token = api.post(
            "/auth/agent-login", json={"team": "demo", "number": "1003", "password": "1003"}
        )
        api.headers["Authorization"] = f"Bearer {token.json()['token']}"
        refused = api.post("/agent/session/pause", json={"reason": "coaching"})
        assert refused.status_code == 422, refused.text
        assert "not allowed in agent group(s) support" in refused.json()["message"]
    rtp = rtp_endpoints()
    call = dial_feature("*65", rtp)
    send_dtmf(rtp, call.remote_rtp, "7#")
    wait_until(lambda: rtp.dominant_power(ERROR_HZ) > 0.5, timeout=5, what="the refusal")
    call.wait_bye(timeout=5)
    assert agent_live(stack, AGENT).state == "idle"

    with stack.sessions() as session, session.begin():  # support now lists it too
        team = p.get_team(session, "demo")
        group = p.get_agent_group(session, team, "support")
        names = sorted({r.name for r in group.pause_reasons} | {"coaching"})
        p.update_agent_group(session, team, group, {"pause_reasons": names})
    wait_config_loaded(stack)
    rtp = rtp_endpoints()
    call = dial_feature("*65", rtp)
    send_dtmf(rtp, call.remote_rtp, "7#")  # its own code, whatever its place by name
    wait_until(lambda: rtp.dominant_power(OK_HZ) > 0.5, timeout=5, what="the confirmation")
    call.wait_bye(timeout=5)
    live = agent_live(stack, AGENT)
    assert (live.state, live.pause_reason) == ("paused", "coaching")
