"""Agents sign in, pause with a reason, unpause and end ACW through the API; calls follow."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing

import httpx

from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    CARRIER_IP,
    activity,
    agent_live,
    call_queue,
    carrier,
    configure_support,
    set_agents,
)
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def test_agent_pauses_with_a_reason_is_skipped_and_takes_calls_again_after_unpause(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    agent_api: Callable[[str], httpx.Client],
) -> None:
    set_agents(stack, idle=("demo/1001", "demo/1002"))
    first, second = phones("demo-5001"), phones("demo-5002")
    with closing(agent_api("1001")) as api:
        assert api.post("/agent/session/sign-in").json()["state"] == "idle"  # fixed: already
        refused = api.post("/agent/session/pause", json={"reason": "coffee"})
        assert refused.status_code == 422, refused.text
        paused = api.post("/agent/session/pause", json={"reason": "lunch"})
        assert paused.status_code == 200, paused.text
        assert paused.json()["state"] == "paused" and paused.json()["pause_reason"] == "lunch"
        again = api.post("/agent/session/pause", json={"reason": "lunch"})
        assert again.status_code == 409 and again.json()["error_id"] == "not_idle_or_acw"
        fixed = api.post("/agent/session/sign-out")
        assert fixed.status_code == 409 and fixed.json()["error_id"] == "fixed_agent"

        with carrier(stack) as ua:
            call = call_queue(ua, rtp_endpoints(CARRIER_IP))
            incoming = second.wait_incoming(timeout=5)  # 1001 is longest idle, but paused
            assert not first.has_incoming()
            incoming.answer(rtp_endpoints())
            assert call.bye().status == 200
            incoming.wait_bye()

        assert api.post("/agent/session/unpause").json()["state"] == "idle"
        reasons = [(r["to_state"], r["pause_reason"]) for r in activity(stack, "1001")]
        assert ("paused", "lunch") in reasons and reasons[-1] == ("idle", "")
        assert activity(stack, "1001")[-1]["duration_ms"] is not None  # how long the pause was


def test_agent_ends_after_call_work_early_through_the_api(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    agent_api: Callable[[str], httpx.Client],
) -> None:
    configure_support(stack, acw_mode="after_answered", acw_seconds=60)
    set_agents(stack, idle=("demo/1001",))
    phone = phones("demo-5001")
    with closing(agent_api("1001")) as api:
        with carrier(stack) as ua:
            call = call_queue(ua, rtp_endpoints(CARRIER_IP))
            incoming = phone.wait_incoming(timeout=5)
            incoming.answer(rtp_endpoints())
            wait_until(lambda: agent_live(stack, "demo/1001").state == "on_call", what="on call")
            busy = api.post("/agent/session/pause", json={"reason": "lunch"})
            assert busy.status_code == 409, busy.text
            assert call.bye().status == 200
            incoming.wait_bye()
        wait_until(lambda: api.get("/agent/session").json()["state"] == "acw", what="in ACW")
        assert api.post("/agent/session/acw/submit").json()["state"] == "idle"
