"""After-call work per the group's mode, and no agent stuck when call control dies."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

import pytest

from launcher.services import callcontrol_spec
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    CARRIER_IP,
    activity,
    agent_live,
    call_queue,
    call_record,
    carrier,
    configure_support,
    set_agents,
)
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until


@pytest.mark.parametrize(
    ("mode", "after_answered", "after_missed"),
    [("after_answered", "acw", "idle"), ("after_ring", "acw", "acw"), ("disabled", "idle", "idle")],
)
def test_agent_enters_after_call_work_per_the_groups_mode_then_becomes_idle(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    mode: str,
    after_answered: str,
    after_missed: str,
) -> None:
    configure_support(stack, acw_mode=mode, acw_seconds=2)
    set_agents(stack, idle=("demo/1001", "demo/1002"))
    missing, answering = phones("demo-5001"), phones("demo-5002")
    with carrier(stack) as ua:
        call = call_queue(ua, rtp_endpoints(CARRIER_IP))
        missing.wait_incoming(timeout=5).reject(486, "Busy Here")
        wait_until(
            lambda: agent_live(stack, "demo/1001").state == after_missed,
            what=f"after a missed offer: {after_missed}",
        )
        incoming = answering.wait_incoming(timeout=5)
        incoming.answer(rtp_endpoints())
        wait_until(lambda: agent_live(stack, "demo/1002").state == "on_call", what="on call")
        assert call.bye().status == 200
        incoming.wait_bye()
    wait_until(
        lambda: agent_live(stack, "demo/1002").state == after_answered,
        what=f"after the answered call: {after_answered}",
    )
    # ACW ends by itself after the group's seconds.
    wait_until(
        lambda: agent_live(stack, "demo/1002").state == "idle", timeout=5, what="idle after ACW"
    )
    wait_until(
        lambda: agent_live(stack, "demo/1001").state == "idle", timeout=5, what="idle after ACW"
    )


def test_killing_call_control_mid_call_leaves_no_agent_stuck_beyond_the_claim_lease(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    agent_phone = phones("demo-5001")
    with carrier(stack) as ua:
        call = call_queue(ua, rtp_endpoints(CARRIER_IP))
        agent_phone.wait_incoming(timeout=5).answer(rtp_endpoints())
        wait_until(lambda: agent_live(stack, "demo/1001").state == "on_call", what="on call")
        # Records are written by a thread of their own: let the answer reach the CDR first.
        wait_until(
            lambda: call_record(stack, call.call_id)["answered_at"] is not None,
            what="the answer in the CDR",
        )

        running = next(r for r in stack.supervisor.running if r.spec.name == "callcontrol")
        os.killpg(running.process.pid, signal.SIGKILL)
        running.process.wait(timeout=5)
        killed_at = time.monotonic()
        stack.supervisor.running.remove(running)
        stack.supervisor.start(callcontrol_spec(stack.settings))  # another node takes over

        lease_s = stack.settings.acd_lease_ms / 1000
        wait_until(
            lambda: agent_live(stack, "demo/1001").state == "idle",
            timeout=lease_s + 3,
            what="agent released after the lease",
        )
        released_after = time.monotonic() - killed_at
        print(
            f"agent released {released_after:.2f} s after call control died (lease {lease_s:.1f} s)"
        )
        assert released_after <= lease_s + 2.5
        # The dead process's call is closed with the reason it ended.
        cdr = call_record(stack, call.call_id, outcome="answered")
        assert cdr["end_reason"] == "call_control_lost" and cdr["ended_at"] is not None
        reasons = [row["reason"] for row in activity(stack, "1001")]
        assert "dialog_lost" in reasons
